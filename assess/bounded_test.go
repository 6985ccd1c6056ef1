package assess

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestBoundedText: untrusted DNS text comes out as valid UTF-8 with no
// character a terminal or viewer would act on, cut between characters.
func TestBoundedText(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"v=spf1 -all", "v=spf1 -all"},
		{"zoné ✓", "zoné ✓"},
		{"a\tb\x00c\x7f", `a\x09b\x00c\x7f`},
		{"ip4:192.0.2.30 \x80 -all", `ip4:192.0.2.30 \x80 -all`},
		{"\xc3", `\xc3`},
		{"csi \u009b2J", `csi \u{009b}2J`},
		{"evil\u202eexe.txt", `evil\u{202e}exe.txt`},
		{"line\u2028break", `line\u{2028}break`},
		// Invisible characters would let "-al\u200bl" pass for "-all".
		{"-al\u200bl", `-al\u{200b}l`},
		{"dmarc@zwa.evil\u00ad.example", `dmarc@zwa.evil\u{00ad}.example`},
		{"\U000E0069nclude:x", `\u{e0069}nclude:x`},
		// Text that reads as an escape is escaped itself, so it never
		// passes for the byte or character it names.
		{`\x1b[2J`, `\x5cx1b[2J`},
		{`-al\u{200b}l`, `-al\x5cu{200b}l`},
		{`a\b \x1 \xZZ \`, `a\b \x1 \xZZ \`},
	}
	for _, tc := range cases {
		if got := bounded(tc.in, 1000); got != tc.want {
			t.Errorf("bounded(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Cut at 5 bytes at most, between characters: two é (4 bytes) and the mark.
	if got, want := bounded(strings.Repeat("é", 10), 5), strings.Repeat("é", 2)+"…"; got != want {
		t.Errorf("bounded(é×10, 5) = %q, want %q", got, want)
	}
	// One text, one rendering: undoing the escapes gives the text back.
	unescape := func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			switch {
			case strings.HasPrefix(s[i:], `\x`) && len(s) >= i+4 && escapeLike(s[i+1:]):
				var c byte
				for _, h := range s[i+2 : i+4] {
					c = c<<4 | byte(strings.IndexRune("0123456789abcdef", h))
				}
				b.WriteByte(c)
				i += 3
			case strings.HasPrefix(s[i:], `\u{`):
				end := strings.IndexByte(s[i:], '}')
				var r rune
				for _, h := range s[i+3 : i+end] {
					r = r<<4 | rune(strings.IndexRune("0123456789abcdef", h))
				}
				b.WriteRune(r)
				i += end
			default:
				b.WriteByte(s[i])
			}
		}
		return b.String()
	}
	erng := rand.New(rand.NewPCG(9, 9))
	pieces := []string{`\`, "x", "1", "b", "u", "{", "}", "\x1b", "\u200b", "a", "5c", "x5c"}
	for range 5000 {
		var b strings.Builder
		for range erng.IntN(12) {
			b.WriteString(pieces[erng.IntN(len(pieces))])
		}
		if got := unescape(bounded(b.String(), 1000)); got != b.String() {
			t.Fatalf("bounded(%q) = %q, which reads as %q", b.String(), bounded(b.String(), 1000), got)
		}
	}
	rng := rand.New(rand.NewPCG(7, 7))
	alphabet := []string{"a", "é", "✓", "𝄞", "\x80", "\xc3", "\xe2\x82", "\x1b", "\u009b", "\u202e", "\u2029", " ", "="}
	for range 2000 {
		var b strings.Builder
		for range rng.IntN(40) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		n := 1 + rng.IntN(30)
		got := bounded(b.String(), n)
		if !utf8.ValidString(got) {
			t.Fatalf("bounded(%q, %d) = %q: not UTF-8", b.String(), n, got)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f || HiddenRune(r) {
				t.Fatalf("bounded(%q, %d) = %q: keeps %U", b.String(), n, got, r)
			}
		}
		if len(strings.TrimSuffix(got, "…")) > n {
			t.Fatalf("bounded(%q, %d) = %q: %d bytes", b.String(), n, got, len(got))
		}
	}
}
