package report

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// textFitter measures text in the PDF's fonts so long tokens (DNS names,
// TXT records, hashes) can be broken where the PDF engine, which wraps
// only at spaces, would let them run out of their cell.
type textFitter struct {
	regular, bold, mono font.Face
}

// fitterSize is the size in points the faces are opened at; widths scale
// linearly to other sizes.
const fitterSize = 100

func newTextFitter() (*textFitter, error) {
	open := func(ttf []byte) (font.Face, error) {
		f, err := opentype.Parse(ttf)
		if err != nil {
			return nil, fmt.Errorf("parse pdf font: %w", err)
		}
		return opentype.NewFace(f, &opentype.FaceOptions{Size: fitterSize, DPI: 72, Hinting: font.HintingNone})
	}
	var t textFitter
	var err error
	if t.regular, err = open(goregular.TTF); err != nil {
		return nil, err
	}
	if t.bold, err = open(gobold.TTF); err != nil {
		return nil, err
	}
	if t.mono, err = open(gomono.TTF); err != nil {
		return nil, err
	}
	return &t, nil
}

// ptToMM converts points to millimetres.
const ptToMM = 25.4 / 72

// fitSlack is the margin in millimetres kept between a broken line and its
// cell's edge. It absorbs the rounding between these measurements and the
// PDF engine's (a few hundredths of a millimetre) and is far below a
// space's width, so every space breakToFit inserts is one where the engine
// wraps: it never shows inside a line.
const fitSlack = 0.1

// Break points, after which a token too wide for its cell may wrap.
const (
	breakText = ".-/:,;=&?)]}>|" // prose, URLs, TXT records, observed values
	breakName = ".-:>"           // DNS names and IP addresses: between labels and groups, and after a code point glyphs spelled out
)

// runeWidth is the advance of r in millimetres at size points.
func runeWidth(face font.Face, r rune, size float64) float64 {
	adv, ok := face.GlyphAdvance(r)
	if !ok {
		adv, _ = face.GlyphAdvance('\uFFFD')
	}
	return float64(adv) / 64 * size / fitterSize * ptToMM
}

// textWidth is the width of s in millimetres at size points.
func textWidth(face font.Face, s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		w += runeWidth(face, r, size)
	}
	return w
}

// breakToFit prepares s for a cell width millimetres wide at size points:
// runes the fonts lack are escaped (glyphs), and a space is inserted into
// any run of non-space runes wider than the cell, after one of the
// punctuation runes of breakText where one serves, so every token fits.
func (t *textFitter) breakToFit(s string, face font.Face, size, width float64) string {
	return t.wrap(t.glyphs(s), face, size, width, breakText)
}

// wrap inserts a space into every token of s wider than width
// millimetres at size points. A token breaks after a rune of breaks
// (greedily, as many pieces to a line as fit) and, only where one piece is
// wider than a line, between two runes. A space is inserted only where the
// text from the previous line start to the next piece cannot fit, so the
// PDF engine wraps there.
func (t *textFitter) wrap(s string, face font.Face, size, width float64, breaks string) string {
	if width <= 0 || s == "" {
		return s
	}
	limit := width - fitSlack
	// Fast path: no token is wider than its length times 1.1 em, more than
	// the widest glyph of the Go fonts.
	if float64(maxTokenLen(s))*1.1*size*ptToMM <= limit {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i, tok := range strings.Split(s, " ") {
		if i > 0 {
			b.WriteByte(' ')
		}
		if tok == "" || textWidth(face, tok, size) <= limit {
			b.WriteString(tok)
			continue
		}
		line := 0.0 // width since the last inserted break
		for _, seg := range splitAfter(tok, breaks) {
			sw := textWidth(face, seg, size)
			if line > 0 && line+sw > limit {
				b.WriteByte(' ')
				line = 0
			}
			if sw <= limit {
				b.WriteString(seg)
				line += sw
				continue
			}
			for _, r := range seg {
				rw := runeWidth(face, r, size)
				if line > 0 && line+rw > limit {
					b.WriteByte(' ')
					line = 0
				}
				b.WriteRune(r)
				line += rw
			}
		}
	}
	return b.String()
}

// splitAfter cuts s after every rune of breaks.
func splitAfter(s, breaks string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if strings.ContainsRune(breaks, r) {
			end := i + utf8.RuneLen(r)
			out = append(out, s[start:end])
			start = end
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// Font sizes a DNS name may shrink to: to fit on one line, and, broken
// into lines, to fit its longest label.
const (
	nameMinOneLine = 6.2
	nameMinLabel   = 5.5
)

// fitName prepares a DNS name or address (or a few, separated by spaces)
// for a cell width millimetres wide and returns it with the font size to
// set it in. A name that does not fit at size is set smaller, down to
// nameMinOneLine, to keep it on one line; failing that it wraps between
// labels, set small enough (down to nameMinLabel) that its longest label
// stays whole. Only a label too long even then is broken inside, at size.
func (t *textFitter) fitName(s string, face font.Face, size, width float64) (string, float64) {
	s = t.glyphs(s)
	limit := width - fitSlack
	if width <= 0 || s == "" {
		return s, size
	}
	widest, label := 0.0, 0.0 // at size: the widest token, the widest label
	for _, tok := range strings.Fields(s) {
		widest = max(widest, textWidth(face, tok, size))
		for _, l := range splitAfter(tok, breakName) {
			label = max(label, textWidth(face, l, size))
		}
	}
	if widest <= limit {
		return s, size
	}
	if fs := shrinkTo(size, limit/widest); fs >= nameMinOneLine {
		return s, fs
	}
	fs := size
	if label > limit {
		if small := shrinkTo(size, limit/label); small >= nameMinLabel {
			fs = small
		}
	}
	return t.wrap(s, face, fs, width, breakName), fs
}

// clipToWidth cuts s, marking the cut with "…", so it fits on one line
// width millimetres wide at size points.
func (t *textFitter) clipToWidth(s string, face font.Face, size, width float64) string {
	s = t.glyphs(s)
	limit := width - fitSlack
	if textWidth(face, s, size) <= limit {
		return s
	}
	limit -= textWidth(face, ellipsis, size)
	w := 0.0
	for i, r := range s {
		if w += runeWidth(face, r, size); w > limit {
			return strings.TrimRight(s[:i], " ") + ellipsis
		}
	}
	return s
}

// shrinkTo scales size by f, rounded down to a tenth of a point.
func shrinkTo(size, f float64) float64 {
	return float64(int(size*f*10)) / 10
}

// maxTokenLen is the rune length of the longest space-free run in s.
func maxTokenLen(s string) int {
	best, run := 0, 0
	for _, r := range s {
		if r == ' ' || r == '\n' {
			run = 0
			continue
		}
		run++
		if run > best {
			best = run
		}
	}
	return best
}

// glyphEscapes is the most runes of one text that glyphs spells out as
// code points, so a long foreign-script value cannot grow eightfold on the
// page: the first glyphEscapes-glyphEscapesTail and the last
// glyphEscapesTail such runes. Those between become U+FFFD, so two values
// that differ at either end stay told apart.
const (
	glyphEscapes     = 24
	glyphEscapesTail = 8
)

// glyphs makes s drawable in the PDF's fonts. A rune the Go fonts lack
// (CJK, emoji, anything beyond the Basic Multilingual Plane, which the PDF
// engine cannot embed) is spelled out as its code point, "<U+9001>": the
// reader can still tell the characters apart and search for them, where a
// box would hide the difference between two names. Of more than
// glyphEscapes such runes, those in the middle each become U+FFFD. The
// result is printable ASCII plus runes the fonts have, so
// glyphs(glyphs(s)) == glyphs(s).
func (t *textFitter) glyphs(s string) string {
	if isPlainLine(s) {
		return s
	}
	lacks := 0
	for _, r := range s {
		if !t.draws(r) {
			lacks++
		}
	}
	if lacks == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8*min(lacks, glyphEscapes))
	n := 0
	for _, r := range s {
		if t.draws(r) {
			b.WriteRune(r)
			continue
		}
		n++
		if lacks <= glyphEscapes || n <= glyphEscapes-glyphEscapesTail || n > lacks-glyphEscapesTail {
			fmt.Fprintf(&b, "<U+%04X>", r)
		} else {
			b.WriteRune(t.missing())
		}
	}
	return b.String()
}

// draws reports whether the PDF's fonts draw r as it is.
func (t *textFitter) draws(r rune) bool {
	return r < 0x80 || (r <= 0xffff && t.has(r))
}

func (t *textFitter) has(r rune) bool {
	_, ok := t.regular.GlyphAdvance(r)
	return ok
}

// missing is the stand-in for a rune without a glyph.
func (t *textFitter) missing() rune {
	if t.has('\uFFFD') {
		return '\uFFFD'
	}
	return '?'
}

// pdfPrinter formats the reports' numbers for English readers: 12,345.
var pdfPrinter = message.NewPrinter(language.English)

// pdfSprintf is fmt.Sprintf with digit grouping for every %d, for the
// prose of the reports: a count of 32,000 findings reads as it does in the
// key figures beside it.
func pdfSprintf(format string, a ...any) string {
	return pdfPrinter.Sprintf(format, a...)
}
