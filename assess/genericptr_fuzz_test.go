package assess

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// FuzzGenericMatch runs the generic-PTR matcher on arbitrary names and
// addresses: it must not panic, must give the same verdict twice, must name
// a pattern whenever it gives a reason, and must ignore case and one final
// dot for ASCII names.
func FuzzGenericMatch(f *testing.F) {
	seeds := []struct {
		name string
		ip   []byte
	}{
		{"10-128-0-5.pool.d01.example", []byte{10, 128, 0, 5}},
		{"host-192-0-2-1.example.com.", []byte{192, 0, 2, 1}},
		{"1.2.0.192.dsl.example.net", []byte{192, 0, 2, 1}},
		{"c0000201.example.org", []byte{192, 0, 2, 1}},
		{"192000002001.example", []byte{192, 0, 2, 1}},
		{"mail1.example.com", []byte{192, 0, 2, 1}},
		{"ec2-198-51-100-7.compute-1.amazonaws.com", []byte{198, 51, 100, 7}},
		{"2001-db8-0-0-0-0-0-25.example.com", netip.MustParseAddr("2001:db8::25").AsSlice()},
		{"20010db8000000000000000000000025.example", netip.MustParseAddr("2001:db8::25").AsSlice()},
		{"mail-v6.example.com", netip.MustParseAddr("2001:db8::25").AsSlice()},
		{"", nil},
		{strings.Repeat("a.", 200), []byte{203, 0, 113, 9}},
		{"ÄÖÜ.İ.example", []byte{203, 0, 113, 9}},
	}
	for _, s := range seeds {
		f.Add(s.name, s.ip)
	}
	m := DefaultGenericMatcher()
	plain := unfiltered(m)
	f.Fuzz(func(t *testing.T, name string, raw []byte) {
		var ip netip.Addr // invalid unless raw is 4 or 16 bytes
		switch len(raw) {
		case 4:
			ip = netip.AddrFrom4([4]byte(raw))
		case 16:
			ip = netip.AddrFrom16([16]byte(raw))
		}
		why, pat := m.Match(name, ip)
		if why2, pat2 := m.Match(name, ip); why2 != why || pat2 != pat {
			t.Fatalf("Match(%q, %v) gave %q/%q, then %q/%q", name, ip, why, pat, why2, pat2)
		}
		if w, p := plain.Match(name, ip); w != why || p != pat {
			t.Fatalf("Match(%q, %v) = %q/%q, but without the literal filter %q/%q", name, ip, why, pat, w, p)
		}
		if (why == "") != (pat == "") {
			t.Fatalf("Match(%q, %v) = reason %q, pattern %q: both or neither", name, ip, why, pat)
		}
		if !isASCII(name) || strings.HasSuffix(name, ".") {
			return
		}
		if w, p := m.Match(strings.ToUpper(name)+".", ip); w != why || p != pat {
			t.Fatalf("Match(%q) = %q/%q but Match(%q) = %q/%q: case and a final dot must not matter",
				name, why, pat, strings.ToUpper(name)+".", w, p)
		}
	})
}

// unfiltered is m without its literal filter: every regex runs on every
// name, as the filter must never change a verdict.
func unfiltered(m *GenericMatcher) *GenericMatcher {
	out := &GenericMatcher{patterns: slices.Clone(m.patterns)}
	for i := range out.patterns {
		out.patterns[i].lits = nil
	}
	return out
}
