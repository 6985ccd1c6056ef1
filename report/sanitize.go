package report

import (
	"senderproof/templates"

	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// DNS names and TXT records can hold any byte, and inventory fields are
// whatever the operator typed. Every writer passes such text through these
// helpers before it reaches a document.

// ellipsis marks text cut short.
const ellipsis = "…"

// cleanLine returns s as one line of printable text: invalid UTF-8 becomes
// U+FFFD, tabs and line breaks (U+2028 and U+2029 too) become a space, and every other control
// character and every format character is dropped: bidirectional
// overrides can reorder text in a viewer, and zero-width characters (U+200B,
// U+FEFF, ...) hide inside a name so that two different names read alike.
// A joiner that ordinary text needs (keepJoiner) stays.
func cleanLine(s string) string {
	if isPlainLine(s) {
		return s
	}
	return cleanRunes(s, false)
}

// cleanText is cleanLine that keeps line feeds (a CR LF pair or a lone CR
// becomes one line feed).
func cleanText(s string) string {
	return cleanRunes(strings.ReplaceAll(s, "\r\n", "\n"), true)
}

// cleanRunes is cleanLine, or with lines cleanText.
func cleanRunes(s string, lines bool) string {
	var b strings.Builder
	b.Grow(len(s))
	s = strings.ToValidUTF8(s, "\uFFFD")
	// base is the last character kept that is no mark: the one a mark,
	// a variation selector or a joiner after it attaches to.
	base := rune(0)
	for i, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			if lines {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
			base = 0
		case r == '\t':
			b.WriteByte(' ')
			base = ' '
		case invisibleMark(r) && base <= unicode.MaxASCII:
			// A grapheme joiner or variation selector on an ASCII
			// letter, or on nothing, shows nothing: it only makes
			// "pay\u034fpal" another name.
		case dropRune(r) && !keepJoiner(base, r, nextBase(s, i+utf8.RuneLen(r))):
		default:
			b.WriteRune(r)
			if !unicode.IsMark(r) {
				base = r
			}
		}
	}
	return b.String()
}

// invisibleMark reports a mark that draws nothing of its own: the
// combining grapheme joiner and the variation selectors, which only choose
// how the character before them is drawn (an emoji's colour form, a Han
// character's variant).
func invisibleMark(r rune) bool {
	return r == '\u034f' || r >= 0xfe00 && r <= 0xfe0f || r >= 0xe0100 && r <= 0xe01ef
}

// nextBase returns the first character of s from byte i that is no mark
// (0 at its end): the one a joiner before those marks joins to.
func nextBase(s string, i int) rune {
	for _, r := range s[min(i, len(s)):] {
		if !unicode.IsMark(r) {
			return r
		}
	}
	return 0
}

// keepJoiner reports whether r is a zero-width non-joiner or joiner that
// ordinary text needs, given the characters it stands between, past any
// marks (0 at either end): a non-joiner between two letters (Persian
// writes one inside words), or a joiner between two letters (Indic
// scripts) or two emoji of one sequence (woman, U+200D, laptop: a
// technologist). The letters are not ASCII: Latin script has no use for
// either, which between two ASCII letters only makes "pay\u200dpal" read
// as another name, and marks do not count, so "pay\u034f\u200d\u034fpal"
// is no different. Anywhere else either only hides inside a name, and a
// soft hyphen, which only marks where a word may break, is always
// dropped: the text reads the same without it, and the PDF's font would
// draw it as a hyphen.
func keepJoiner(prev, r, next rune) bool {
	letter := func(r rune) bool { return r > unicode.MaxASCII && unicode.IsLetter(r) }
	switch r {
	case '\u200c':
		return letter(prev) && letter(next)
	case '\u200d':
		emoji := func(r rune) bool { return unicode.In(r, unicode.So, unicode.Sk) } // Sk: skin tones
		return (letter(prev) || emoji(prev)) && (letter(next) || emoji(next))
	}
	return false
}

// isPlainLine reports whether s is printable ASCII only, the common case.
func isPlainLine(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// dropRune reports whether r is a rune no report should carry: a control
// character (C0, DEL, C1), a format character (Unicode category Cf:
// bidirectional controls, zero-width spaces and joiners, the byte order
// mark, soft hyphens, invisible operators, tags), a surrogate or one of
// the non-characters U+FFFE and U+FFFF. Everything kept is also a valid XML
// 1.0 character.
func dropRune(r rune) bool {
	switch {
	case r < 0x7f && r >= 0x20: // printable ASCII, the common case
		return false
	case unicode.IsControl(r), unicode.Is(unicode.Cf, r):
		return true
	case r >= 0xd800 && r <= 0xdfff, r == 0xfffe, r == 0xffff:
		return true
	}
	return false
}

// clip bounds s to max runes, marking a cut with "…".
func clip(s string, max int) string {
	if max <= 0 || utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return s[:i] + ellipsis
		}
		n++
	}
	return s
}

// clipUTF16 bounds s to max UTF-16 code units (the unit of Excel's cell
// limit), ending a cut with marker.
func clipUTF16(s string, max int, marker string) string {
	if len(s) <= max/3 || utf16Len(s) <= max {
		return s
	}
	budget := max - utf16Len(marker)
	n := 0
	for i, r := range s {
		w := utf16.RuneLen(r)
		if w < 0 {
			w = 1
		}
		if n+w > budget {
			return s[:i] + marker
		}
		n += w
	}
	return s
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// displayLine prepares untrusted text for a layout: one line of at most
// max runes.
func displayLine(s string, max int) string { return clip(cleanLine(s), max) }

// clipPair bounds two values shown as before and after to max characters
// each, cut alike around where they differ (templates.ClipPair).
func clipPair(a, b string, max int) (string, string) { return templates.ClipPair(a, b, max) }

// formulaSafe neutralises a cell that a spreadsheet would read as a formula
// (OWASP CSV injection): one whose first character, or first character
// after leading white space, is = + - @, or that starts with a tab or CR,
// gets a leading single quote.
func formulaSafe(s string) string {
	t := strings.TrimLeft(s, " \t\r\n")
	if t == "" {
		return s
	}
	if s[0] == '\t' || s[0] == '\r' || strings.ContainsRune("=+-@", rune(t[0])) {
		return "'" + s
	}
	return s
}

// compactJSON renders v as one line of JSON without HTML escaping; map
// keys come out sorted, so the text is stable.
func compactJSON(v any) string {
	if v == nil {
		return ""
	}
	if m, ok := v.(map[string]any); ok && len(m) == 0 {
		return ""
	}
	b, err := appendAny(nil, v, false)
	if err != nil {
		return ""
	}
	return string(b)
}

// selectorOf returns a finding's DKIM selector, "" when it has none.
func selectorOf(sel *string) string {
	if sel == nil {
		return ""
	}
	return *sel
}
