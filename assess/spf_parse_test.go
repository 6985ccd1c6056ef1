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
