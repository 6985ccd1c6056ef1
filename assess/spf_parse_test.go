package assess

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestParseSPF(t *testing.T) {
	t.Parallel()
	valid := []string{
		"v=spf1",
		"V=SPF1 -ALL",
		"v=spf1 -all ",
		"v=spf1  ip4:192.0.2.0/24   -all",
		"v=spf1 ip4:192.0.2.1 ip4:0.0.0.0/0 ip6:2001:db8::/32 ip6:::ffff:192.0.2.1 ~all",
		"v=spf1 a mx a:mail.example.com a/24 mx:example.com/24//64 a//64 ptr ptr:example.com ?all",
		"v=spf1 include:_spf.example.com exists:%{i}._spf.%{d} -all",
		"v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d2} -all",
		"v=spf1 include:%{d}.example.com a:%{h} mx:%{o} redirect=_spf.example.com",
		"v=spf1 exp=explain.%{d} -all",
		"v=spf1 foo=bar moo.cow-far_out=man:dog/cat -all",
		"v=spf1 unknown-modifier= -all",
		"v=spf1 a:foo-bar.example.123-4",
		"v=spf1 include:example.com. -all",
		"v=spf1 exists:%%%_%-.example.com -all",
		"v=spf1 a:%{d/}",
		"v=spf1 a:foo:bar/baz.example.com/24",
	}
	for _, s := range valid {
		if _, err := parseSPF(s); err != nil {
			t.Errorf("parseSPF(%q): %v", s, err)
		}
	}
	invalid := []struct{ in, term, msg string }{
		{"v=spf10 -all", "", "v=spf1"},
		{"spf1 -all", "", "v=spf1"},
		{"v=spf1 ip4:192.0.2.300", "ip4:192.0.2.300", "not an IP"},
		{"v=spf1 ip4:192.0.2.1/33", "ip4:192.0.2.1/33", "out of range"},
		{"v=spf1 ip4:192.0.2.1/024", "ip4:192.0.2.1/024", "prefix length"},
		{"v=spf1 ip4:2001:db8::1", "ip4:2001:db8::1", "IPv4"},
		{"v=spf1 ip6:192.0.2.1", "ip6:192.0.2.1", "IPv6"},
		{"v=spf1 ip6:2001:db8::/129", "ip6:2001:db8::/129", "out of range"},
		{"v=spf1 ip4", "ip4", "network"},
		{"v=spf1 include", "include", "needs a domain"},
		{"v=spf1 include:", "include:", "needs a domain"},
		{"v=spf1 a:foo", "a:foo", "fully qualified"},
		{"v=spf1 a:foo.123", "a:foo.123", "top label"},
		{"v=spf1 a:foo.example.com-", "a:foo.example.com-", "top label"},
		{"v=spf1 a/33", "a/33", "out of range"},
		{"v=spf1 a//129", "a//129", "out of range"},
		{"v=spf1 mx:example.com/24/64", "mx:example.com/24/64", "top label"},
		{"v=spf1 a:example.com/024", "a:example.com/024", "prefix length"},
		{"v=spf1 ptr/24", "ptr/24", "prefix"},
		{"v=spf1 all:foo", "all:foo", "no argument"},
		{"v=spf1 -foo:bar", "-foo:bar", "unknown mechanism"},
		{"v=spf1 +redirect=example.com", "+redirect=example.com", "invalid term"},
		{"v=spf1 redirect=a.example.com redirect=b.example.com", "redirect=b.example.com", "more than once"},
		{"v=spf1 exp=a.example.com exp=b.example.com", "exp=b.example.com", "more than once"},
		{"v=spf1 exists:%{x}.example.com", "exists:%{x}.example.com", "macro letter"},
		{"v=spf1 exists:%{c}.example.com", "exists:%{c}.example.com", "explanation"},
		{"v=spf1 exists:%{i0}.example.com", "exists:%{i0}.example.com", "digit"},
		{"v=spf1 exists:%{i}.%{d", "exists:%{i}.%{d", "unterminated"},
		{"v=spf1 exists:%x.example.com", "exists:%x.example.com", "invalid macro"},
		{"v=spf1 exists:%{i*}.example.com", "exists:%{i*}.example.com", "delimiter"},
		{"v=spf1 a:foo.example.com%", "a:foo.example.com%", "unterminated"},
		{"v=spf1 ip4:192.0.2.1\t-all", "ip4:192.0.2.1\t-all", "control"},
		{"v=spf1 a:ex\u00e4mple.com", "a:ex\u00e4mple.com", "non-ASCII"},
		{"v=spf1 =foo", "=foo", "invalid term"},
		{"v=spf1 Foo:bar", "Foo:bar", `unknown mechanism "Foo"`},
		{`v=spf1 =HYPERLINK("http://x.example","click")`, `=HYPERLINK("http://x.example","click")`, `term "=HYPERLINK("http://x.example","click")": invalid term`},
		{"v=spf1 -", "-", "empty mechanism"},
	}
	for _, tc := range invalid {
		_, err := parseSPF(tc.in)
		if err == nil {
			t.Errorf("parseSPF(%q): no error", tc.in)
			continue
		}
		se, ok := err.(*spfSyntaxError)
		if !ok || se.Term != tc.term || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("parseSPF(%q) = %v (term %q), want term %q and %q", tc.in, err, se.Term, tc.term, tc.msg)
		}
	}
}

func TestParseSPFTerms(t *testing.T) {
	t.Parallel()
	rec, err := parseSPF("v=spf1 -a:mail.example.com/24//64 ~ip6:2001:db8::/32 redirect=_spf.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Terms) != 3 {
		t.Fatalf("terms %+v", rec.Terms)
	}
	a := rec.Terms[0]
	if a.Qualifier != '-' || a.Name != "a" || a.Value != "mail.example.com" || a.CIDR4 != 24 || a.CIDR6 != 64 {
		t.Errorf("a term %+v", a)
	}
	if ip6 := rec.Terms[1]; ip6.Qualifier != '~' || ip6.CIDR6 != 32 || ip6.Value != "2001:db8::" {
		t.Errorf("ip6 term %+v", ip6)
	}
	if v, ok := rec.modifier("redirect"); !ok || v != "_spf.example.com" {
		t.Errorf("redirect %q %v", v, ok)
	}
	if _, ok := rec.all(); ok {
		t.Errorf("all found")
	}
}

func TestExpandSPFMacros(t *testing.T) {
	t.Parallel()
	ip4 := netip.MustParseAddr("192.0.2.3")
	ip6 := netip.MustParseAddr("2001:db8::cb01")
	// Examples of RFC 7208 §7.4, with sender strong-bad@email.example.com.
	const sender, domain = "strong-bad@email.example.com", "email.example.com"
	cases := []struct {
		spec string
		ip   netip.Addr
		want string
	}{
		{"%{s}", ip4, "strong-bad@email.example.com"},
		{"%{o}", ip4, "email.example.com"},
		{"%{d}", ip4, "email.example.com"},
		{"%{d4}", ip4, "email.example.com"},
		{"%{d3}", ip4, "email.example.com"},
		{"%{d2}", ip4, "example.com"},
		{"%{d1}", ip4, "com"},
		{"%{dr}", ip4, "com.example.email"},
		{"%{d2r}", ip4, "example.email"},
		{"%{l}", ip4, "strong-bad"},
		{"%{l-}", ip4, "strong.bad"},
		{"%{lr}", ip4, "strong-bad"},
		{"%{lr-}", ip4, "bad.strong"},
		{"%{l1r-}", ip4, "strong"},
		{"%{ir}.%{v}._spf.%{d2}", ip4, "3.2.0.192.in-addr._spf.example.com"},
		{"%{lr-}.lp._spf.%{d2}", ip4, "bad.strong.lp._spf.example.com"},
		{"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", ip4, "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
		{"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", ip4, "3.2.0.192.in-addr.strong.lp._spf.example.com"},
		{"%{d2}.trusted-domains.example.net", ip4, "example.com.trusted-domains.example.net"},
		{"%{ir}.%{v}._spf.%{d2}", ip6, "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"},
		{"%%%_%-", ip4, "% %20"},
	}
	for _, tc := range cases {
		got, ok := expandSPFMacros(tc.spec, tc.ip, sender, domain, "mx.example.org")
		if !ok || got != tc.want {
			t.Errorf("expand(%q) = %q %v, want %q", tc.spec, got, ok, tc.want)
		}
	}
	long := strings.Repeat("%{s}.", 10) + "example.com"
	if got, ok := expandSPFMacros(long, ip4, strings.Repeat("x", 40)+"@"+strings.Repeat("y", 40)+".example", domain, ""); !ok || len(got) > 253 {
		t.Errorf("long expansion %d chars %v", len(got), ok)
	}
}

func FuzzParseSPF(f *testing.F) {
	for _, s := range []string{
		"v=spf1 ip4:192.0.2.0/24 include:_spf.example.com ~all",
		"v=spf1 a:%{d}/24//64 mx ptr exists:%{ir}.%{v}._spf.%{d2} redirect=x.example",
		"v=spf1 exp=%{l}.example.com foo=bar -all", "v=spf1", "v=spf1 ip6:::1/128", "v=spf1 %{",
		"v=spf1 ip4:0.0.0.0/1 ip4:128.0.0.0/2 ip4:192.0.0.0/2 ip6:8000::/1 ip6:::/1 -all",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rec, err := parseSPF(s)
		if err != nil {
			return
		}
		for _, term := range rec.Terms {
			if term.Modifier != (term.Qualifier == 0) {
				t.Errorf("%q: modifier/qualifier mismatch %+v", s, term)
			}
			if term.CIDR4 > 32 || term.CIDR6 > 128 {
				t.Errorf("%q: prefix out of range %+v", s, term)
			}
			if strings.ContainsAny(term.Raw, " \t\r\n") {
				t.Errorf("%q: term with whitespace %q", s, term.Raw)
			}
		}
		// What parses must also expand without panicking.
		for _, term := range rec.Terms {
			expandSPFMacros(term.Value, netip.MustParseAddr("192.0.2.1"), "a@b.example", "b.example", "h.example")
		}
		// Terms that cover a family are pass ip4:/ip6: terms of it, the
		// last of them where the union first covers it.
		v4, v6 := spfCovering(rec.Terms)
		for fam, c := range map[string]spfCover{"ip4": v4, "ip6": v6} {
			if c.covered() != (len(c.terms) > 0) || c.covered() && c.idx[len(c.idx)-1] != c.at {
				t.Errorf("%q: %s cover %+v", s, fam, c)
			}
			for _, term := range c.terms {
				if term.Name != fam || term.Qualifier != '+' {
					t.Errorf("%q: %s cover holds %q", s, fam, term.Raw)
				}
			}
		}
	})
}

// TestWideTermsBeforeAll: a wide pass term after "all" is never tested
// (RFC 7208 §5.1), so it is not listed as one that authorizes a network.
func TestWideTermsBeforeAll(t *testing.T) {
	t.Parallel()
	for rec, want := range map[string][]string{
		"v=spf1 ip4:0.0.0.0/0 -all":                  {"ip4:0.0.0.0/0"},
		"v=spf1 ip4:192.0.2.0/24 -all ip4:0.0.0.0/0": nil,
		"v=spf1 a/0 redirect=x.example":              {"a/0"},
	} {
		r, err := parseSPF(rec)
		if err != nil {
			t.Fatalf("%s: %v", rec, err)
		}
		if got := r.wideTerms(); !slices.Equal(got, want) {
			t.Errorf("%s: wide terms %q, want %q", rec, got, want)
		}
	}
}

// TestSPFCovering: pass ip4: (ip6:) terms before "all" whose networks
// together hold every IPv4 (IPv6) address authorize any address as +all
// does, though none is a /0; the covering terms are the widest ones up to
// where the union first covers the family, in record order.
func TestSPFCovering(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		rec      string
		v4, v6   string // covering terms joined by a space, "" when not covered
		at4, at6 int
	}{
		{rec: "v=spf1 ip4:0.0.0.0/1 ip4:128.0.0.0/1 -all", v4: "ip4:0.0.0.0/1 ip4:128.0.0.0/1", at4: 1, at6: -1},
		{rec: "v=spf1 ip6:::/1 ip6:8000::/1 -all", v6: "ip6:::/1 ip6:8000::/1", at4: -1, at6: 1},
		{rec: "v=spf1 ip4:0.0.0.0/0 -all", v4: "ip4:0.0.0.0/0", at4: 0, at6: -1},
		// Narrow terms fill the gaps between wide ones; any order.
		{rec: "v=spf1 ip4:192.0.0.0/2 ip4:0.0.0.0/1 ip4:128.0.0.0/2 -all", v4: "ip4:192.0.0.0/2 ip4:0.0.0.0/1 ip4:128.0.0.0/2", at4: 2, at6: -1},
		// A network within another, or named again, is not one of the
		// covering terms; nor is what comes after the union covers.
		{rec: "v=spf1 ip4:10.0.0.0/8 ip4:0.0.0.0/1 ip4:0.0.0.0/1 +ip4:128.0.0.1/1 ip4:192.0.2.1 -all", v4: "ip4:0.0.0.0/1 +ip4:128.0.0.1/1", at4: 3, at6: -1},
		// Both families, terms interleaved.
		{rec: "v=spf1 ip6:8000::/1 ip4:128.0.0.0/1 ip6:::/1 ip4:0.0.0.0/1 ~all", v4: "ip4:128.0.0.0/1 ip4:0.0.0.0/1", v6: "ip6:8000::/1 ip6:::/1", at4: 3, at6: 2},
		// Not covered: a gap, the last address left out, a fail term,
		// a term after "all", a/mx ranges other than /0 and another family.
		{rec: "v=spf1 ip4:0.0.0.0/1 ip4:128.0.0.0/2 -all", at4: -1, at6: -1},
		{rec: "v=spf1 ip4:0.0.0.0/1 ip4:128.0.0.0/2 ip4:192.0.0.0/3 ip4:224.0.0.0/4 -all", at4: -1, at6: -1},
		{rec: "v=spf1 ip4:0.0.0.0/1 -ip4:128.0.0.0/1 -all", at4: -1, at6: -1},
		{rec: "v=spf1 ip4:0.0.0.0/1 -all ip4:128.0.0.0/1", at4: -1, at6: -1},
		{rec: "v=spf1 ip4:0.0.0.0/1 a/1 mx:m.example/1 -all", at4: -1, at6: -1},
		{rec: "v=spf1 ip6:::ffff:0:0/96 ip4:0.0.0.0/1 -all", at4: -1, at6: -1},
		{rec: "v=spf1 ip6:::/1 ip6:8000::/2 ip6:c000::/3 ip6:e000::/3 -all", v6: "ip6:::/1 ip6:8000::/2 ip6:c000::/3 ip6:e000::/3", at4: -1, at6: 3},
		{rec: "v=spf1 ip6:::/1 ip6:8000::/2 ip6:c000::/3 ip6:e000::/4 -all", at4: -1, at6: -1},
		// A term that is no pass and names the whole family decides
		// every address first: the pass networks after it do not open
		// the family; a narrower one only excepts its addresses, as
		// from a /0 pass term.
		{rec: "v=spf1 -ip4:0.0.0.0/0 ip4:0.0.0.0/1 ip4:128.0.0.0/1 -all", at4: -1, at6: -1},
		{rec: "v=spf1 ~ip6:::/0 ip6:::/1 ip6:8000::/1 ip4:0.0.0.0/1 ip4:128.0.0.0/1 -all", v4: "ip4:0.0.0.0/1 ip4:128.0.0.0/1", at4: 4, at6: -1},
		{rec: "v=spf1 -ip4:10.0.0.0/8 ~ip6:fc00::/7 ip4:0.0.0.0/1 ip4:128.0.0.0/1 ip6:::/1 ip6:8000::/1 -all", v4: "ip4:0.0.0.0/1 ip4:128.0.0.0/1", v6: "ip6:::/1 ip6:8000::/1", at4: 3, at6: 5},
		{rec: "v=spf1 -ip4:192.0.2.1 ip4:0.0.0.0/1 ip4:128.0.0.0/1 -all", v4: "ip4:0.0.0.0/1 ip4:128.0.0.0/1", at4: 2, at6: -1},
		{rec: "v=spf1 ip4:0.0.0.0/1 ip4:128.0.0.0/1 -ip4:0.0.0.0/0 -all", v4: "ip4:0.0.0.0/1 ip4:128.0.0.0/1", at4: 1, at6: -1},
	} {
		r, err := parseSPF(c.rec)
		if err != nil {
			t.Fatalf("%s: %v", c.rec, err)
		}
		v4, v6 := spfCovering(r.Terms)
		if v4.raw() != c.v4 || v6.raw() != c.v6 || v4.at != c.at4 || v6.at != c.at6 {
			t.Errorf("%s: v4 %q at %d, v6 %q at %d; want %q at %d, %q at %d", c.rec, v4.raw(), v4.at, v6.raw(), v6.at, c.v4, c.at4, c.v6, c.at6)
		}
		want := strings.Fields(c.v4 + " " + c.v6)
		got := SPFCoveringTerms(strings.Fields(c.rec)[1:])
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: SPFCoveringTerms %q, want %q", c.rec, got, want)
		}
		if open := c.v4 != "" || c.v6 != ""; SPFOpensAll(c.rec) != open {
			t.Errorf("%s: SPFOpensAll = %v, want %v", c.rec, !open, open)
		}
	}
	// In record order, across families.
	if got := SPFCoveringTerms([]string{"ip6:8000::/1", "ip4:128.0.0.0/1", "ip6:::/1", "ip4:0.0.0.0/1"}); !slices.Equal(got, []string{"ip6:8000::/1", "ip4:128.0.0.0/1", "ip6:::/1", "ip4:0.0.0.0/1"}) {
		t.Errorf("SPFCoveringTerms out of order: %q", got)
	}
}

// TestSPFOpenViaCovering: terms that together cover a family decide, for
// a stranger, where their union first covers it, in the record itself or
// in one it includes; what decides before that point still does.
func TestSPFOpenViaCovering(t *testing.T) {
	t.Parallel()
	reached := map[string]string{
		"halves.example": "v=spf1 ip6:::/1 ip6:8000::/1 -all",
		"closed.example": "v=spf1 ip4:192.0.2.0/24 -all",
	}
	look := func(n string) (string, bool) { r, ok := reached[n]; return r, ok }
	for _, c := range []struct {
		rec, term string
		via       []string
		ok        bool
	}{
		{rec: "v=spf1 ip4:0.0.0.0/1 ip4:128.0.0.0/1 -all", term: "ip4:0.0.0.0/1 ip4:128.0.0.0/1", ok: true},
		{rec: "v=spf1 include:halves.example -all", term: "ip6:::/1 ip6:8000::/1", via: []string{"include:halves.example"}, ok: true},
		{rec: "v=spf1 include:closed.example ip6:::/1 ip4:0.0.0.0/1 ip6:8000::/1 -all", term: "ip6:::/1 ip6:8000::/1", ok: true},
		{rec: "v=spf1 -include:halves.example ip4:0.0.0.0/1 ip4:128.0.0.0/1 -all"},
		{rec: "v=spf1 ip4:0.0.0.0/1 -all ip4:128.0.0.0/1"},
		{rec: "v=spf1 ip4:0.0.0.0/1 ip4:128.0.0.0/2 -all"},
	} {
		via, term, ok := SPFOpenVia(c.rec, look)
		if ok != c.ok || term != c.term || !slices.Equal(via, c.via) {
			t.Errorf("%s: %q %q %v, want %q %q %v", c.rec, via, term, ok, c.via, c.term, c.ok)
		}
	}
}
