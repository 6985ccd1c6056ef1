package report

import (
	"fmt"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
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

// runeWidth is the advance of r in millimetres at size points.
func runeWidth(face font.Face, r rune, size float64) float64 {
	adv, ok := face.GlyphAdvance(r)
	if !ok {
		adv, _ = face.GlyphAdvance('\uFFFD')
	}
	return float64(adv) / 64 * size / fitterSize * ptToMM
}

// breakToFit inserts a space into any run of non-space runes wider than
// width millimetres at size points, so every token fits its cell.
func (t *textFitter) breakToFit(s string, face font.Face, size, width float64) string {
	if width <= 0 || s == "" {
		return s
	}
	limit := width * 0.96
	// Fast path: no token is wider than its length times 1.1 em, more than
	// the widest glyph of the Go fonts.
	if float64(maxTokenLen(s))*1.1*size*ptToMM <= limit {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	run := 0.0
	for _, r := range s {
		if r == ' ' || r == '\n' {
			run = 0
			b.WriteRune(r)
			continue
		}
		w := runeWidth(face, r, size)
		if run > 0 && run+w > limit {
			b.WriteByte(' ')
			run = 0
		}
		b.WriteRune(r)
		run += w
	}
	return b.String()
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

// glyphs replaces every rune the Go fonts cannot draw (CJK, emoji, and
// anything beyond the Basic Multilingual Plane, which the PDF engine
// cannot embed) with U+FFFD, so untrusted text can neither break the
// document nor vanish silently.
func (t *textFitter) glyphs(s string) string {
	if isPlainLine(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < 0x80 || (r <= 0xffff && t.has(r)) {
			b.WriteRune(r)
			continue
		}
		b.WriteRune(t.missing())
	}
	return b.String()
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
