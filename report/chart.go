package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"senderproof/assess"
)

// Status colours shared by every writer, as RGB.
var (
	colourPass  = color.RGBA{0x2e, 0x7d, 0x32, 0xff} // green
	colourWarn  = color.RGBA{0xf2, 0xa9, 0x00, 0xff} // amber
	colourFail  = color.RGBA{0xc6, 0x28, 0x28, 0xff} // red
	colourError = color.RGBA{0x6a, 0x1b, 0x9a, 0xff} // purple
	colourSkip  = color.RGBA{0x9e, 0x9e, 0x9e, 0xff} // grey
	colourBrand = color.RGBA{0x1f, 0x3a, 0x5f, 0xff} // navy
	colourInk   = color.RGBA{0x21, 0x25, 0x29, 0xff}
	colourMuted = color.RGBA{0x6c, 0x75, 0x7d, 0xff}
	colourRule  = color.RGBA{0xde, 0xe2, 0xe6, 0xff}
)

// statusColour is the colour of a finding status or control state.
func statusColour(s string) color.RGBA {
	switch s {
	case string(assess.StatusPass), string(ControlSatisfied):
		return colourPass
	case string(assess.StatusWarn):
		return colourWarn
	case string(assess.StatusFail), string(ControlNotSatisfied):
		return colourFail
	case string(assess.StatusError), string(ControlInconclusive):
		return colourError
	}
	return colourSkip
}

// chartBar is one stacked bar: a label and its status counts.
type chartBar struct {
	Label  string
	Counts statusTally
}

// chartPanel is one titled group of bars.
type chartPanel struct {
	Title string
	Bars  []chartBar
}

// chartStatuses are the stacked segments, left to right.
var chartStatuses = []assess.Status{assess.StatusPass, assess.StatusWarn, assess.StatusFail, assess.StatusError, assess.StatusSkip}

func (t statusTally) of(s assess.Status) int {
	switch s {
	case assess.StatusPass:
		return t.Pass
	case assess.StatusWarn:
		return t.Warn
	case assess.StatusFail:
		return t.Fail
	case assess.StatusError:
		return t.Error
	}
	return t.Skip
}

// statusChartPanels builds the executive chart's panels from the Pack:
// findings per control (from the controls' roll-up) and per check family.
func statusChartPanels(p *Pack, d *packDigest) []chartPanel {
	var ctl chartPanel
	ctl.Title = "By control"
	for _, c := range p.Controls {
		ctl.Bars = append(ctl.Bars, chartBar{
			Label:  controlLabel(c), // "9.5" or "SPF" alone is ambiguous
			Counts: statusTally{Pass: c.Pass, Warn: c.Warn, Fail: c.Fail, Error: c.Error, Skip: c.Skip},
		})
	}
	var fam chartPanel
	fam.Title = "By check family"
	for _, f := range d.ByFamily {
		if f.Total() > 0 { // drift has no finding without a baseline
			fam.Bars = append(fam.Bars, chartBar{Label: f.Check, Counts: f.statusTally})
		}
	}
	var out []chartPanel
	for _, pn := range []chartPanel{fam, ctl} {
		if len(pn.Bars) > 0 {
			out = append(out, pn)
		}
	}
	return out
}

// Bounds of the status charts in the PDF: a chart holds at most
// chartMaxBars bars a panel, so that it fits a page, and the controls are
// charted up to pdfMaxChartBars; report.xlsx charts every one.
const (
	chartMaxBars    = 40
	pdfMaxChartBars = 200
)

// splitChartPanels splits panels into charts of at most chartMaxBars bars
// a panel: the first holds every panel's first bars, each next one the
// control bars that follow ("By control, continued"). Control bars past
// pdfMaxChartBars are left out; omitted counts them.
func splitChartPanels(panels []chartPanel) (charts [][]chartPanel, omitted int) {
	var first []chartPanel
	var rest []chartBar
	for _, pn := range panels {
		bars := pn.Bars
		if len(bars) > pdfMaxChartBars {
			omitted += len(bars) - pdfMaxChartBars
			bars = bars[:pdfMaxChartBars]
		}
		if len(bars) > chartMaxBars {
			rest = append(rest, bars[chartMaxBars:]...)
			bars = bars[:chartMaxBars]
		}
		first = append(first, chartPanel{Title: pn.Title, Bars: bars})
	}
	if len(first) > 0 {
		charts = append(charts, first)
	}
	for len(rest) > 0 {
		n := min(len(rest), chartMaxBars)
		charts = append(charts, []chartPanel{{Title: "By control, continued", Bars: rest[:n]}})
		rest = rest[n:]
	}
	return charts, omitted
}

// chart geometry, in pixels at the drawing's scale.
const (
	chartWidth   = 2000
	chartPad     = 28
	chartGutter  = 56
	chartBarH    = 34
	chartBarGap  = 12
	chartTitleH  = 62
	chartLegendH = 60
)

// drawStatusChart draws the panels side by side as stacked horizontal
// bars, one colour per status, and returns the PNG and its size in pixels.
// Its labels are set in the PDF's regular font, so fit spells out the
// characters that font lacks as it does for the PDF's text.
func drawStatusChart(fit *textFitter, panels []chartPanel) ([]byte, image.Point, error) {
	reg, err := chartFace(goregular.TTF, 27)
	if err != nil {
		return nil, image.Point{}, err
	}
	small, err := chartFace(goregular.TTF, 23)
	if err != nil {
		return nil, image.Point{}, err
	}
	bold, err := chartFace(gobold.TTF, 30)
	if err != nil {
		return nil, image.Point{}, err
	}
	most := 0
	for _, pn := range panels {
		most = max(most, len(pn.Bars))
	}
	h := chartPad + chartLegendH + chartTitleH + most*(chartBarH+chartBarGap) + chartPad
	size := image.Pt(chartWidth, h)
	img := image.NewRGBA(image.Rectangle{Max: size})
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)

	// Legend.
	x := chartPad
	y := chartPad
	for _, s := range chartStatuses {
		chartFill(img, image.Rect(x, y+10, x+28, y+38), statusColour(string(s)))
		x += 40
		x += chartText(img, reg, colourInk, x, y+35, string(s)) + 44
	}
	y += chartLegendH

	k := max(len(panels), 1)
	panelW := (chartWidth - 2*chartPad - (k-1)*chartGutter) / k
	for i, pn := range panels {
		x0 := chartPad + i*(panelW+chartGutter)
		drawPanel(img, pn, image.Rect(x0, y, x0+panelW, h-chartPad), fit, reg, small, bold)
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, image.Point{}, fmt.Errorf("encode chart: %w", err)
	}
	return buf.Bytes(), size, nil
}

// drawPanel draws one titled panel of bars inside r.
func drawPanel(img *image.RGBA, pn chartPanel, r image.Rectangle, fit *textFitter, reg, small, bold font.Face) {
	chartText(img, bold, colourBrand, r.Min.X, r.Min.Y+38, pn.Title)
	chartFill(img, image.Rect(r.Min.X, r.Min.Y+chartTitleH-14, r.Max.X, r.Min.Y+chartTitleH-12), colourRule)
	y := r.Min.Y + chartTitleH
	labels, labelW := chartLabels(fit, reg, pn.Bars, r.Dx())
	totalW := 96
	barX0 := r.Min.X + labelW
	barX1 := r.Max.X - totalW
	most := 0
	for _, b := range pn.Bars {
		most = max(most, b.Counts.Total())
	}
	for i, b := range pn.Bars {
		chartText(img, reg, colourInk, r.Min.X, y+chartBarH-8, labels[i])
		chartFill(img, image.Rect(barX0, y, barX1, y+chartBarH), color.RGBA{0xf4, 0xf5, 0xf7, 0xff})
		total := b.Counts.Total()
		if total > 0 && most > 0 {
			span := float64(barX1-barX0) * float64(total) / float64(most)
			pos := float64(barX0)
			acc := 0
			for _, s := range chartStatuses {
				n := b.Counts.of(s)
				if n == 0 {
					continue
				}
				acc += n
				end := float64(barX0) + span*float64(acc)/float64(total)
				seg := image.Rect(int(pos+0.5), y, int(end+0.5), y+chartBarH)
				chartFill(img, seg, statusColour(string(s)))
				num := pdfCount(n)
				if w := font.MeasureString(small, num).Ceil(); w+12 < seg.Dx() {
					chartText(img, small, textOn(s), seg.Min.X+(seg.Dx()-w)/2, y+chartBarH-9, num)
				}
				pos = end
			}
		}
		chartText(img, reg, colourMuted, barX1+12, y+chartBarH-8, pdfCount(total))
		y += chartBarH + chartBarGap
	}
}

// chartLabels are the labels of bars as drawn in a panel panelW wide, and
// the width of their column. A character the font lacks is spelled out as
// its code point (textFitter.glyphs) before the labels are measured, so
// "管理" and "監査" do not both draw as boxes.
func chartLabels(fit *textFitter, face font.Face, bars []chartBar, panelW int) ([]string, int) {
	labels := make([]string, len(bars))
	for i, b := range bars {
		labels[i] = fit.glyphs(cleanLine(b.Label))
	}
	w := chartLabelWidth(face, labels, panelW)
	full := slices.Clone(labels)
	for i, l := range labels {
		labels[i] = chartFit(face, l, w-14)
	}
	// A cut may give different bars one label: an ID's end kept where
	// IDs differ at their start (第5条第1項, 第6条第1項). Such bars try
	// the start of their ID after the framework's, then the start of the
	// whole label, and keep the first that tells them apart.
	for _, cut := range []func(string) string{
		func(s string) string { return chartCutID(face, s, w-14) },
		func(s string) string { return chartCut(face, s, w-14) },
	} {
		count := map[string]int{}
		for _, l := range labels {
			count[l]++
		}
		tried := slices.Clone(labels)
		for i, l := range labels {
			if count[l] > 1 {
				tried[i] = cut(full[i])
			}
		}
		if distinct(tried) >= distinct(labels) {
			labels = tried
		}
	}
	return labels, w
}

// chartCutID cuts a control's label, "framework id", to w pixels keeping
// the start of its ID after as much of the framework as a quarter of the
// width holds; a label without a space is cut at its end.
func chartCutID(face font.Face, s string, w int) string {
	i := strings.LastIndexByte(s, ' ')
	if i <= 0 {
		return chartCut(face, s, w)
	}
	head := chartCut(face, s[:i], w/4)
	if head == "" {
		return chartCut(face, s[i+1:], w)
	}
	return head + " " + chartCut(face, s[i+1:], w-font.MeasureString(face, head+" ").Ceil())
}

// distinct counts the different strings of ss.
func distinct(ss []string) int {
	seen := map[string]bool{}
	for _, s := range ss {
		seen[s] = true
	}
	return len(seen)
}

// chartLabelWidth is the width of the label column of a panel panelW
// wide: what the longest label needs, from 30% to 50% of the panel. A
// longer label is cut with "…".
func chartLabelWidth(face font.Face, labels []string, panelW int) int {
	w := panelW * 30 / 100
	for _, l := range labels {
		w = max(w, font.MeasureString(face, clip(l, 120)).Ceil()+14)
	}
	return min(w, panelW/2)
}

// textOn is the label colour that reads on a status colour.
func textOn(s assess.Status) color.Color {
	if s == assess.StatusWarn {
		return colourInk
	}
	return color.White
}

func chartFace(ttf []byte, size float64) (font.Face, error) {
	f, err := opentype.Parse(ttf)
	if err != nil {
		return nil, fmt.Errorf("parse chart font: %w", err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("chart font face: %w", err)
	}
	return face, nil
}

func chartFill(img draw.Image, r image.Rectangle, c color.Color) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// chartText draws s with its baseline at y and returns its width.
func chartText(img draw.Image, face font.Face, c color.Color, x, y int, s string) int {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
	return (d.Dot.X - fixed.I(x)).Ceil()
}

// chartFit cuts s with "…" so it is at most w pixels wide. A control's
// label, "framework id", is cut inside the framework where its last word
// fits whole: the bars of one framework differ in their IDs, which a cut
// at the end would drop (as it does an ID of code points, eight
// characters a rune). An ID too wide on its own keeps its end, where IDs
// of one framework differ most (監査1, 監査2), after as much of the
// framework as two fifths of the width hold.
func chartFit(face font.Face, s string, w int) string {
	if utf8.RuneCountInString(s) <= 120 && font.MeasureString(face, s).Ceil() <= w {
		return s
	}
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		tail := s[i:]
		if tw := font.MeasureString(face, tail).Ceil(); tw+font.MeasureString(face, ellipsis).Ceil() <= w {
			if head := chartCut(face, s[:i], w-tw); head != "" {
				return head + tail
			}
			return ellipsis + tail
		}
		// The framework, cut to two fifths of the width, then the ID's end.
		if head := chartCut(face, s[:i], w*2/5); head != "" {
			hw := font.MeasureString(face, head+" ").Ceil()
			return head + " " + chartCutStart(face, s[i+1:], w-hw)
		}
		return chartCutStart(face, s[i+1:], w)
	}
	return chartCut(face, s, w)
}

// chartCutStart cuts s at its start with "…" so it is at most w pixels
// wide, keeping its end; a cut inside a code point escape drops the rest
// of that escape.
func chartCutStart(face font.Face, s string, w int) string {
	r := []rune(s)
	lo, hi := 0, len(r) // "…"+r[hi:] fits; "…"+r[lo-1:] may not
	for lo < hi {
		mid := (lo + hi) / 2
		if font.MeasureString(face, ellipsis+string(r[mid:])).Ceil() <= w {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	tail := string(r[hi:])
	if partialEscape.MatchString(string(r[:hi])) {
		if j := strings.IndexByte(tail, '>'); j >= 0 {
			tail = tail[j+1:]
		}
	}
	return ellipsis + tail
}

// chartCut cuts s at its end with "…" so it is at most w pixels wide; ""
// when not even one rune fits.
func chartCut(face font.Face, s string, w int) string {
	s = clip(s, 120)
	if font.MeasureString(face, s).Ceil() <= w {
		return s
	}
	r := []rune(s)
	lo, hi := 0, len(r) // r[:lo]+"…" fits; r[:hi+1]+"…" does not
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if font.MeasureString(face, string(r[:mid])+ellipsis).Ceil() <= w {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	head := partialEscape.ReplaceAllString(string(r[:lo]), "")
	if head == "" {
		return ""
	}
	return head + ellipsis
}

// partialEscape matches the start of a code point escape ("<U+9001>") at
// the end of a cut label: a cut goes before the escape, not inside it.
var partialEscape = regexp.MustCompile(`<(U(\+[0-9A-F]{0,5})?)?$`)
