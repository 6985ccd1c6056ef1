package main

import (
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"

	"senderproof/assess"
)

// termWriter shows untrusted text on a terminal as text: what reaches the
// command's output from a pack, an inventory or a mapping file (a run ID,
// a file name, a finding's key, a title) could otherwise carry escape
// sequences that clear the screen or retitle the window, or characters
// that reorder or hide what is shown. Line feeds and tabs pass; every
// other control character, a byte that is not UTF-8 and a character
// assess.ControlRune names (C1 controls, line separators, bidirectional
// controls) are written as \xNN or \u{NNNN}, as in the findings; joiners
// and soft hyphens of ordinary text pass. A character split across two
// writes is joined first.
type termWriter struct {
	w    io.Writer
	part []byte // the start of a character the last write ended in
}

func newTermWriter(w io.Writer) *termWriter { return &termWriter{w: w} }

func (t *termWriter) Write(b []byte) (int, error) {
	n := len(b)
	if len(t.part) > 0 {
		b = append(t.part, b...)
		t.part = nil
	}
	// Keep an incomplete character at the end for the next write.
	if cut := incompleteTail(b); cut > 0 {
		t.part = append([]byte(nil), b[len(b)-cut:]...)
		b = b[:len(b)-cut]
	}
	if _, err := t.w.Write(termSafe(b)); err != nil {
		return 0, err
	}
	return n, nil
}

// incompleteTail returns the length of a UTF-8 sequence b ends in that
// more bytes could complete, 0 when there is none.
func incompleteTail(b []byte) int {
	for i := 1; i <= min(3, len(b)); i++ {
		c := b[len(b)-i]
		if c < 0x80 {
			return 0
		}
		if c >= 0xc0 { // a leading byte
			if !utf8.FullRune(b[len(b)-i:]) {
				return i
			}
			return 0
		}
	}
	return 0
}

// termSafe returns b with what termWriter escapes escaped; b itself when
// there is nothing to escape.
func termSafe(b []byte) []byte {
	var out []byte // nil until the first escape
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		var esc string
		switch {
		case r == utf8.RuneError && size == 1, r < 0x20 && r != '\n' && r != '\t', r == 0x7f:
			esc = fmt.Sprintf(`\x%02x`, b[i])
		case assess.ControlRune(r):
			esc = fmt.Sprintf(`\u{%04x}`, r)
		}
		switch {
		case esc != "":
			if out == nil {
				out = append(make([]byte, 0, len(b)+16), b[:i]...)
			}
			out = append(out, esc...)
		case out != nil:
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	if out == nil {
		return b
	}
	return out
}

// termString is termSafe for a string.
func termString(s string) string { return string(termSafe([]byte(s))) }

// rawWriter returns the writer under a termWriter, w itself otherwise.
func rawWriter(w io.Writer) io.Writer {
	if t, ok := w.(*termWriter); ok {
		return t.w
	}
	return w
}

// jsonHidden rewrites the characters assess.ControlRune names in encoded
// JSON as JSON escapes (\uNNNN, a surrogate pair above U+FFFF): the same
// text to a JSON reader, and nothing for a terminal to act on. Go's
// encoder escapes the C0 controls and U+2028 and U+2029 already, so such
// characters can only be inside strings, where an escape is equivalent.
func jsonHidden(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if !assess.ControlRune(r) {
			out = append(out, b[i:i+size]...)
		} else if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		} else {
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		i += size
	}
	return out
}

// oneLine returns s, a value from a pack printed within a line (a run ID,
// a file name, a path), escaped as in the findings (assess.Escape): line
// feeds and tabs too, so that it cannot start a line of its own, and
// invisible characters (zero-width spaces, soft hyphens), so that a name
// cannot pass for another.
func oneLine(s string) string { return assess.Escape(s) }
