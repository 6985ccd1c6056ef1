package assess

import (
	"slices"
	"testing"
)

// TestMatchedTerm reads the deciding mechanism and the include/redirect
// chain leading to it from the SPF library's trace.
func TestMatchedTerm(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		trace   []string
		matched string
		via     []string
	}{
		{"include that fails does not match; outer ~all decides", []string{
			`check "news.example.com" 0 0`,
			`dns record "v=spf1 include:_spf.example.net ~all"`,
			`check "_spf.example.net" 1 0`,
			`dns record "v=spf1 ip4:198.51.100.0/24 -all"`,
			`all: fail`,
			`all: softfail`,
		}, "~all", nil},
		{"match inside an include", []string{
			`check "example.com" 0 0`,
			`dns record "v=spf1 include:_spf.example.net -all"`,
			`check "_spf.example.net" 1 0`,
			`dns record "v=spf1 ip4:198.51.100.0/24 -all"`,
			`ip match: 198.51.100.0/24 contains 198.51.100.20`,
			`"ip4:198.51.100.0/24" pass, matched ip`,
			`"include:_spf.example.net" pass, matched ip`,
		}, "ip4:198.51.100.0/24", []string{"include:_spf.example.net"}},
		{"direct match", []string{
			`check "example.com" 0 0`,
			`"ip4:192.0.2.0/26" pass, matched ip`,
		}, "ip4:192.0.2.0/26", nil},
		{"redirect to a record whose all decides", []string{
			`check "example.com" 0 0`,
			`check "_spf.example.org" 1 0`,
			`all: fail`,
			`"redirect=_spf.example.org": fail, matched all`,
		}, "-all", []string{"redirect=_spf.example.org"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, via := matchedTerm(tc.trace)
			if m != tc.matched || !slices.Equal(via, tc.via) {
				t.Errorf("matchedTerm = %q via %q, want %q via %q", m, via, tc.matched, tc.via)
			}
		})
	}
}
