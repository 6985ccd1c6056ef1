package report

import (
	"cmp"
	"context"
	"fmt"
	"image/color"
	"io"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/johnfercher/maroto/v2"
	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/image"
	"github.com/johnfercher/maroto/v2/pkg/components/text"
	"github.com/johnfercher/maroto/v2/pkg/config"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/consts/border"
	"github.com/johnfercher/maroto/v2/pkg/consts/extension"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/consts/pagesize"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"
	"github.com/johnfercher/maroto/v2/pkg/repository"
	"github.com/phpdave11/gofpdf"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"

	"senderproof/assess"
	"senderproof/templates"
)

// PDF limits: the report is for reading; the XLSX and CSV carry everything.
const (
	pdfMaxFindings = 2000 // detailed findings rows
	pdfMaxAssets   = 1500 // per-asset appendix rows
	pdfMaxDrift    = 500  // drift changes listed
	pdfMaxValue    = 300  // runes of one DNS-derived value
	pdfMaxMessage  = 600  // runes of a message or remediation
	pdfKeepTable   = 8    // a table of at most this many entries is not split across pages

	pdfMaxSkipIPs      = 600 // senders named in the not-assessed section
	pdfSkipIPsPerGroup = 60  // senders named in one of its groups
	pdfSkipWordings    = 4   // distinct messages kept for one check and reason
	pdfMaxSkipGroups   = 120 // groups of the not-assessed section

	// What the PDF shows of a narrative template (summary/executive,
	// ...), whose text is not bounded: about two pages each.
	pdfNarrativeChars  = 8000 // runes of its text
	pdfNarrativeBlocks = 60   // its paragraphs, bullets and headings
	pdfNarrativeHead   = 200  // runes of one of its headings
	// pdfRowLines bounds the lines of one row of a paragraph or bullet:
	// a row taller than a page is cut off at the page's foot, so a long
	// one is set as several rows, each well within a page (about 60
	// lines of body text).
	pdfRowLines = 24
)

// PDF fonts: the Go fonts, UTF-8 TrueType, registered from bytes.
const (
	pdfFont     = "gofont"
	pdfMonoFont = "gomono"
)

// PDF page geometry in millimetres (A4) and the grid.
const (
	pdfMarginX  = 15.0
	pdfMarginT  = 14.0
	pdfMarginB  = 16.0
	pdfContentW = 210.0 - 2*pdfMarginX
	pdfGrid     = 24
)

type pdfWriter struct {
	t               *templates.Set
	maxFindings     int
	maxAssets       int
	maxDrift        int
	maxSkipIPs      int // senders named in the not-assessed section
	skipIPsPerGroup int // senders named in one of its groups
}

// NewPDF returns the writer of report.pdf: an executive summary with a
// chart, control coverage, the findings that need action, the checks not
// applied (skip findings), a per-asset appendix and the methodology. Wording comes from t ("summary/*"
// templates); nil means the embedded templates.
func NewPDF(t *templates.Set) Writer {
	if t == nil {
		t = templates.MustDefault()
	}
	return &pdfWriter{t: t, maxFindings: pdfMaxFindings, maxAssets: pdfMaxAssets, maxDrift: pdfMaxDrift,
		maxSkipIPs: pdfMaxSkipIPs, skipIPsPerGroup: pdfSkipIPsPerGroup}
}

// Write renders p as a PDF.
func (w *pdfWriter) Write(ctx context.Context, out io.Writer, p *Pack) error {
	b, err := newPDFBuilder(ctx, w, p)
	if err != nil {
		return err
	}
	sections := []func() ([]pdfBlock, error){
		b.cover, b.executive, b.controls, b.findings, b.notAssessed, b.drift, b.assets, b.methodology,
	}
	pager := &pdfPager{m: b.m, cfg: b.m.GetCurrentConfig(), meas: b.meas}
	for _, s := range sections {
		if err := ctx.Err(); err != nil {
			return err
		}
		blocks, err := s()
		if err != nil {
			return err
		}
		if len(blocks) > 0 {
			pager.section(blocks)
		}
	}
	pager.flush()
	if err := ctx.Err(); err != nil {
		return err
	}
	doc, err := b.m.Generate()
	if err != nil {
		return fmt.Errorf("generate pdf: %w", err)
	}
	if _, err := out.Write(stampModDate(doc.GetBytes(), p.Run.FinishedAt)); err != nil {
		return fmt.Errorf("write pdf: %w", err)
	}
	return nil
}

// pdfBuilder lays out one report.
type pdfBuilder struct {
	w     *pdfWriter
	p     *Pack
	d     *packDigest
	rows  *actionRows
	skips *skipList
	m     core.Maroto
	fit   *textFitter
	meas  *pdfMeasure
	byIP  map[string]*assess.Asset
	// has reports whether the pack holds a format ("xlsx", "csv", ...).
	has func(format string) bool
}

// notWritten ends a pointer to files this run did not write.
const notWritten = " (not written by this run)"

// findingsIn names the pack's files that hold every finding, joined by sep:
// report.xlsx and findings.csv, else evidence.json.
func (b *pdfBuilder) findingsIn(sep string) string {
	var in []string
	if b.has("xlsx") {
		in = append(in, "report.xlsx")
	}
	if b.has("csv") {
		in = append(in, "findings.csv")
	}
	switch {
	case len(in) > 0:
		return strings.Join(in, sep)
	case b.has("json"):
		return "evidence.json"
	}
	return "evidence.json, report.xlsx or findings.csv" + notWritten
}

// sheetIn names where a whole table the PDF cuts short is: its sheet of
// report.xlsx, else evidence.json.
func (b *pdfBuilder) sheetIn(sheet string) string {
	switch {
	case b.has("xlsx"):
		return "report.xlsx (" + sheet + " sheet)"
	case b.has("json"):
		return "evidence.json"
	}
	return "report.xlsx or evidence.json" + notWritten
}

// valuesIn names where a finding's observed values are whole.
func valuesIn(has func(format string) bool) string {
	switch {
	case has("xlsx"):
		return "report.xlsx"
	case has("json"):
		return "evidence.json"
	}
	return "report.xlsx or evidence.json, not written by this run"
}

// The PDF library writes its fonts, images and glyph data in map order
// unless told to sort them: sorted, one pack gives one PDF, byte for byte,
// so that verify can write it again from evidence.json and compare.
func init() {
	gofpdf.SetDefaultCatalogSort(true)
}

// pdfInfoText prepares s for the PDF's document information (title,
// subject, creator): one line of at most max runes. Viewers show it in
// their own fonts, so it keeps the characters the report's fonts lack;
// only a rune beyond the Basic Multilingual Plane (an emoji), which the PDF
// library cannot write as UTF-16, is spelled out as its code point.
func pdfInfoText(s string, max int) string {
	s = displayLine(s, max)
	if isPlainLine(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r > 0xffff {
			fmt.Fprintf(&b, "<U+%04X>", r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func newPDFBuilder(ctx context.Context, w *pdfWriter, p *Pack) (*pdfBuilder, error) {
	// Each document gets its own copy of the font bytes: gofpdf v1.4.3
	// writes into them while subsetting a font (utf8FontFile.getMetrics and
	// generateChecksum), so two PDFs made at once from the same bytes race,
	// one parsing what the other rewrites.
	fonts, err := repository.New().
		AddUTF8FontFromBytes(pdfFont, fontstyle.Normal, slices.Clone(goregular.TTF)).
		AddUTF8FontFromBytes(pdfFont, fontstyle.Bold, slices.Clone(gobold.TTF)).
		AddUTF8FontFromBytes(pdfFont, fontstyle.Italic, slices.Clone(goitalic.TTF)).
		AddUTF8FontFromBytes(pdfMonoFont, fontstyle.Normal, slices.Clone(gomono.TTF)).
		Load()
	if err != nil {
		return nil, fmt.Errorf("load pdf fonts: %w", err)
	}
	fit, err := newTextFitter()
	if err != nil {
		return nil, err
	}
	title := cleanLine(p.Run.Title)
	if title == "" {
		title = "Mail sender identity assessment"
	}
	cb := config.NewBuilder().
		WithPageSize(pagesize.A4).
		WithLeftMargin(pdfMarginX).WithRightMargin(pdfMarginX).
		WithTopMargin(pdfMarginT).WithBottomMargin(pdfMarginB).
		WithMaxGridSize(pdfGrid).
		WithCustomFonts(fonts).
		WithDefaultFont(&props.Font{Family: pdfFont, Size: 9, Color: pcol(colourInk)}).
		WithPageNumber(props.PageNumber{Pattern: "Page {current} of {total}", Place: props.RightBottom,
			Family: pdfFont, Size: 7, Color: pcol(colourMuted)}).
		WithTitle(pdfInfoText(title, 200), true).
		WithAuthor("senderproof", true).
		WithCreator(pdfInfoText(p.Tool.Name+" "+p.Tool.Version, 100), true).
		WithSubject("Mail sender DNS identity assessment, run "+pdfInfoText(p.Run.ID, 100), true).
		WithCompression(true)
	if !p.Run.FinishedAt.IsZero() {
		cb = cb.WithCreationDate(p.Run.FinishedAt)
	}
	// One pass over the findings (a big run's are on disk) tallies them
	// and keeps the candidates for the findings and not-assessed sections.
	has := func(format string) bool { return packHas(ctx, format) }
	rows := newActionRows(w.maxFindings, valuesIn(has))
	skips := newSkipList(w.skipIPsPerGroup)
	d, err := digestPack(ctx, p, rows.visit, skips.visit)
	if err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	b := &pdfBuilder{w: w, p: p, d: d, rows: rows, skips: skips, m: maroto.New(cb.Build()), fit: fit,
		meas: &pdfMeasure{}, byIP: make(map[string]*assess.Asset, len(p.Assets)),
		has: has}
	for i := range p.Assets {
		if _, ok := b.byIP[p.Assets[i].IP]; !ok {
			b.byIP[p.Assets[i].IP] = &p.Assets[i]
		}
	}
	footer := fmt.Sprintf("%s %s  ·  run %s  ·  %s", cleanLine(p.Tool.Name), cleanLine(p.Tool.Version), cleanLine(p.Run.ID), title)
	// maroto measures the footer as it registers it: the row records the
	// provider and page size the pager measures with.
	if err := b.m.RegisterFooter(&measureRow{m: b.meas, Row: pdfFixedRow(9,
		col.New(pdfGrid).Add(b.text(fit.clipToWidth(footer, fit.regular, 7, pdfContentW), props.Text{Top: 3.2, Size: 7, Color: pcol(colourMuted)})).
			WithStyle(&props.Cell{BorderType: border.Top, BorderColor: pcol(colourRule), BorderThickness: 0.2}),
	)}); err != nil {
		return nil, fmt.Errorf("pdf footer: %w", err)
	}
	return b, nil
}

// text makes a text component that draws in the PDF's fonts: runes
// without a glyph are replaced.
func (b *pdfBuilder) text(s string, p props.Text) core.Component {
	return text.New(b.fit.glyphs(s), p)
}

// pcol converts a colour for maroto.
func pcol(c color.RGBA) *props.Color {
	return &props.Color{Red: int(c.R), Green: int(c.G), Blue: int(c.B)}
}

var (
	pdfStripe = color.RGBA{0xf6, 0xf7, 0xf9, 0xff}
	pdfTile   = color.RGBA{0xf1, 0xf4, 0xf8, 0xff}
	pdfBand2  = color.RGBA{0xb9, 0xcc, 0xe4, 0xff}
)

// pdfColWidth is the width in millimetres of a column of the given size.
func pdfColWidth(size int) float64 { return pdfContentW * float64(size) / pdfGrid }

// cellText is one table cell.
type cellText struct {
	size  int
	text  string
	style props.Text
	mono  bool
	name  bool        // DNS names or addresses: set smaller or wrapped between labels to fit (fitName)
	fill  *color.RGBA // background
}

// cell makes a column of one text, its long tokens broken to fit.
func (b *pdfBuilder) cell(c cellText, bottomRule bool) core.Col {
	st := c.style
	if st.Size == 0 {
		st.Size = 7.5
	}
	if st.Left == 0 {
		st.Left = 1.2
	}
	if st.Right == 0 {
		st.Right = 1.2
	}
	if st.Top == 0 {
		st.Top = 1.3
	}
	if st.Bottom == 0 {
		st.Bottom = 1.3
	}
	if c.mono {
		st.Family = pdfMonoFont
		st.Style = fontstyle.Normal // the only monospaced style registered
	}
	face := b.fit.regular
	switch {
	case c.mono:
		face = b.fit.mono
	case st.Style == fontstyle.Bold:
		face = b.fit.bold
	}
	width := pdfColWidth(c.size) - st.Left - st.Right
	var s string
	if c.name {
		s, st.Size = b.fit.fitName(c.text, face, st.Size, width)
	} else {
		s = b.fit.breakToFit(c.text, face, st.Size, width)
	}
	cl := col.New(c.size).Add(b.text(s, st))
	style := &props.Cell{}
	if c.fill != nil {
		style.BackgroundColor = pcol(*c.fill)
	}
	if bottomRule {
		style.BorderType = border.Bottom
		style.BorderColor = pcol(colourRule)
		style.BorderThickness = 0.15
	}
	if style.BackgroundColor != nil || style.BorderType != border.None {
		cl.WithStyle(style)
	}
	return cl
}

// tableRow makes one auto-height row of cells.
func (b *pdfBuilder) tableRow(cells []cellText, stripe, rule bool) core.Row {
	cols := make([]core.Col, len(cells))
	for i, c := range cells {
		if stripe && c.fill == nil {
			f := pdfStripe
			c.fill = &f
		}
		cols[i] = b.cell(c, rule)
	}
	return pdfRow(cols...)
}

// headerRow makes a table header; a label starting with ">" is
// right-aligned (over a column of numbers).
func (b *pdfBuilder) headerRow(sizes []int, labels ...string) core.Row {
	cells := make([]cellText, len(sizes))
	brand := colourBrand
	for i := range sizes {
		st := props.Text{Size: 7.2, Style: fontstyle.Bold, Color: pcol(color.RGBA{0xff, 0xff, 0xff, 0xff}), Top: 1.8, Bottom: 1.8}
		label := labels[i]
		if l, ok := strings.CutPrefix(label, ">"); ok {
			label = l
			st.Align = align.Right
			st.Right = 2.5
		}
		cells[i] = cellText{size: sizes[i], text: label, fill: &brand, style: st}
	}
	return b.tableRow(cells, false, false)
}

// pdfStatusCell is a filled cell naming a status or control state.
func pdfStatusCell(size int, s string) cellText {
	c := statusColour(s)
	label := strings.ToUpper(strings.ReplaceAll(s, "_", " "))
	ink := color.RGBA{0xff, 0xff, 0xff, 0xff}
	if s == string(assess.StatusWarn) {
		ink = colourInk
	}
	return cellText{size: size, text: label, fill: &c,
		style: props.Text{Size: 6.8, Style: fontstyle.Bold, Color: pcol(ink), Align: align.Center, Top: 1.6}}
}

func (b *pdfBuilder) heading(s string) core.Row {
	return pdfRow(col.New(pdfGrid).Add(b.text(s, props.Text{Size: 17, Style: fontstyle.Bold, Color: pcol(colourBrand), Bottom: 2})).
		WithStyle(&props.Cell{BorderType: border.Bottom, BorderColor: pcol(colourBrand), BorderThickness: 0.5}))
}

func (b *pdfBuilder) subheading(s string) core.Row {
	return pdfRow(col.New(pdfGrid).Add(b.text(s, props.Text{Size: 11, Style: fontstyle.Bold, Color: pcol(colourBrand), Top: 4, Bottom: 1.5})))
}

func pdfSpacer(h float64) core.Row { return pdfFixedRow(h, col.New(pdfGrid)) }

// paragraph is a body paragraph; s must already be clean.
func (b *pdfBuilder) paragraph(s string, st props.Text) core.Row {
	if st.Size == 0 {
		st.Size = 9.2
	}
	if st.Bottom == 0 {
		st.Bottom = 1.8
	}
	st.VerticalPadding = 0.9
	s = b.fit.breakToFit(s, b.fit.regular, st.Size, pdfContentW-st.Left-st.Right)
	return pdfRow(col.New(pdfGrid).Add(b.text(s, st)))
}

// paragraphRows is a body paragraph of any length (s must already be
// clean) as rows that each fit well within a page, split after a sentence
// where one ends near the bound (pdfRowLines), else between words; a row
// taller than a page would be cut off at its foot.
func (b *pdfBuilder) paragraphRows(s string, st props.Text) []core.Row {
	if st.Size == 0 {
		st.Size = 9.2
	}
	if st.Bottom == 0 {
		st.Bottom = 1.8
	}
	st.VerticalPadding = 0.9
	width := pdfContentW - st.Left - st.Right
	s = b.fit.breakToFit(s, b.fit.regular, st.Size, width)
	chunks := b.fit.splitLines(s, b.fit.regular, st.Size, width, pdfRowLines)
	rows := make([]core.Row, len(chunks))
	for i, c := range chunks {
		cs := st
		if i < len(chunks)-1 {
			cs.Bottom = 0 // the paragraph goes on in the next row
		}
		rows[i] = pdfRow(col.New(pdfGrid).Add(b.text(c, cs)))
	}
	return rows
}

// bulletRows is a bullet point (s clean) as rows that each fit within a
// page, as paragraphRows splits a paragraph: the first with the bullet.
func (b *pdfBuilder) bulletRows(s string) []core.Row {
	width := pdfColWidth(pdfGrid - 1)
	s = b.fit.breakToFit(s, b.fit.regular, 9, width)
	chunks := b.fit.splitLines(s, b.fit.regular, 9, width, pdfRowLines)
	rows := make([]core.Row, len(chunks))
	for i, c := range chunks {
		st := props.Text{Size: 9, Bottom: 1.2, VerticalPadding: 0.8}
		bullet := ""
		if i == 0 {
			bullet = "•"
		}
		if i < len(chunks)-1 {
			st.Bottom = 0
		}
		rows[i] = pdfRow(
			col.New(1).Add(b.text(bullet, props.Text{Size: 9, Align: align.Right, Right: 1.5, Color: pcol(colourBrand)})),
			col.New(pdfGrid-1).Add(b.text(c, st)),
		)
	}
	return rows
}

// splitLines cuts s, whose every word fits width (as breakToFit leaves
// it), into pieces that each wrap into at most max lines width
// millimetres wide at size points, counting lines as the PDF engine fills
// them, word by word, with a millimetre less than the width so that a
// piece never takes more lines than counted. A piece ends after a
// sentence where one ends in its second half, else between words.
func (t *textFitter) splitLines(s string, face font.Face, size, width float64, max int) []string {
	limit := width - 1
	space := runeWidth(face, ' ', size)
	words := strings.Split(s, " ")
	var out []string
	start := 0                // the first word of the piece
	lines, line := 1, 0.0     // the piece's lines, and the width of its last
	sentence, atLines := 0, 0 // the word after its last sentence, and its lines up to there
	for i := 0; i < len(words); i++ {
		w := textWidth(face, words[i], size)
		switch {
		case words[i] == "":
		case line == 0:
			line = w
		case line+space+w > limit:
			lines, line = lines+1, w
		default:
			line += space + w
		}
		if lines > max && i > start {
			cut := i
			if sentence > start && 2*atLines >= max {
				cut = sentence
			}
			out = append(out, strings.Join(words[start:cut], " "))
			start, i = cut, cut-1
			lines, line, sentence = 1, 0, 0
			continue
		}
		if endsSentence(words[i]) {
			sentence, atLines = i+1, lines
		}
	}
	return append(out, strings.Join(words[start:], " "))
}

// endsSentence reports whether a word ends a sentence: "done.", "why?",
// "(see below)."
func endsSentence(w string) bool {
	w = strings.TrimRight(w, `)"'”’»`)
	return strings.HasSuffix(w, ".") || strings.HasSuffix(w, "!") || strings.HasSuffix(w, "?") || strings.HasSuffix(w, ":")
}

// narrativeBlock is one paragraph, bullet or heading of a narrative.
type narrativeBlock struct {
	kind byte // 'p' paragraph, 'b' bullet, 'h' heading
	text string
}

// narrativeBlocks reads rendered template text (clean) as "## "
// headings, "- " bullets and paragraphs (lines run together up to an
// empty one), keeping at most pdfNarrativeBlocks of them and
// pdfNarrativeChars runes of their text; cut reports that some of the
// text is left out.
func narrativeBlocks(s string) (blocks []narrativeBlock, cut bool) {
	chars := 0
	var para []string
	full := false // the blocks or characters are all taken
	// add takes text, cut to the characters left, into a new block of
	// kind, or (kind 0) into the paragraph being read.
	add := func(kind byte, text string) {
		if full {
			cut = true
			return
		}
		if kind != 0 && len(blocks) == pdfNarrativeBlocks || kind == 0 && len(para) == 0 && len(blocks) == pdfNarrativeBlocks {
			full, cut = true, true
			return
		}
		n := utf8.RuneCountInString(text)
		if chars+n > pdfNarrativeChars {
			text = clipWords(text, pdfNarrativeChars-chars)
			n = utf8.RuneCountInString(text)
			full, cut = true, true
		}
		chars += n
		if text == "" {
			return
		}
		if kind == 0 {
			para = append(para, text)
			return
		}
		blocks = append(blocks, narrativeBlock{kind, text})
	}
	flush := func() {
		if len(para) > 0 {
			blocks = append(blocks, narrativeBlock{'p', cleanLine(strings.Join(para, " "))})
			para = nil
		}
	}
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			flush()
		case strings.HasPrefix(line, "## "):
			flush()
			add('h', clip(strings.TrimPrefix(line, "## "), pdfNarrativeHead))
		case strings.HasPrefix(line, "- "):
			flush()
			add('b', strings.TrimPrefix(line, "- "))
		default:
			add(0, line)
		}
		if cut {
			break
		}
	}
	flush()
	return blocks, cut
}

// clipWords cuts s to at most max runes, after a word where one ends in
// the second half of them, else between runes.
func clipWords(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max {
			if j := strings.LastIndexByte(s[:i], ' '); j > 0 && utf8.RuneCountInString(s[:j]) >= max/2 {
				return s[:j]
			}
			return s[:i]
		}
		n++
	}
	return s
}

// narrative lays out the text the template called name rendered into f:
// "## " subheadings, each kept with what follows it, "- " bullets, and
// paragraphs, as much of them as the PDF shows of one narrative
// (narrativeBlocks), a cut marked where it is made.
func (b *pdfBuilder) narrative(f *pdfFlow, name, s string) {
	blocks, cut := narrativeBlocks(cleanText(s))
	for _, bl := range blocks {
		switch bl.kind {
		case 'h':
			f.keep(b.subheading(bl.text))
		case 'b':
			f.each(b.bulletRows(bl.text)...)
		default:
			f.each(b.paragraphRows(bl.text, props.Text{})...)
		}
	}
	if cut {
		f.add(b.paragraph(pdfSprintf("… (cut: the %s template renders more than this report shows of it, %s characters in %d paragraphs, bullets and headings; no file of the pack holds the rest)",
			name, pdfCount(pdfNarrativeChars), pdfNarrativeBlocks), props.Text{Size: 8.5, Color: pcol(colourMuted)}))
	}
}

// render renders a summary template with the view of the Pack.
func (b *pdfBuilder) render(name string) (string, error) {
	v := newSummaryView(b.p, b.d)
	v.Files = otherFiles(b.has)
	for i := range v.DriftSample {
		v.DriftSample[i].Field = b.driftLabel(v.DriftSample[i].Field)
	}
	s, err := b.w.t.Render(name, v)
	if err != nil {
		return "", fmt.Errorf("render template %s: %w", name, err)
	}
	return s, nil
}

// labelValue is a two-column key/value row.
func (b *pdfBuilder) labelValue(label, value string, mono bool) core.Row {
	return b.tableRow([]cellText{
		{size: 6, text: label, style: props.Text{Size: 8, Color: pcol(colourMuted), Top: 1.8, Bottom: 1.8}},
		{size: 18, text: value, mono: mono, style: props.Text{Size: labelValueSize(mono), Top: 1.8, Bottom: 1.8}},
	}, false, true)
}

func pdfTime(t time.Time) string {
	if t.IsZero() {
		return "not recorded"
	}
	return t.UTC().Format("2 January 2006, 15:04:05 UTC")
}

// namesVersion reports whether a framework ID ends with its version as a
// word of its own ("nist-csf-2.0" and "2.0", "cis-controls-v8" and "8";
// not "acme-policy-2021" and "1"), so the cover does not repeat it.
func namesVersion(id, version string) bool {
	pre, ok := strings.CutSuffix(id, version)
	if !ok {
		return false
	}
	pre = strings.TrimSuffix(pre, "v")
	return pre == "" || strings.ContainsAny(pre[len(pre)-1:], "-_. ")
}

// pdfSpan is a span of time as text: "27 November 2026, 21:56:26 to
// 21:57:03 UTC" within a day.
func pdfSpan(from, to time.Time) string {
	f, t := from.UTC(), to.UTC()
	switch {
	case from.IsZero() || to.IsZero():
		return pdfTime(from) + " to " + pdfTime(to)
	case f.Format("2006-01-02") == t.Format("2006-01-02"):
		return f.Format("2 January 2006, 15:04:05") + " to " + t.Format("15:04:05 UTC")
	}
	return pdfTime(from) + " to " + pdfTime(to)
}

// pdfPeriod is the assessment period as text.
func pdfPeriod(r Run) string {
	from, to := r.Evidenced()
	s, f := from.UTC(), to.UTC()
	switch {
	case from.IsZero():
		return "date not recorded"
	case to.IsZero() || s.Format("2006-01-02") == f.Format("2006-01-02"):
		return s.Format("2 January 2006")
	}
	return s.Format("2 January 2006") + " to " + f.Format("2 January 2006")
}

func (b *pdfBuilder) cover() ([]pdfBlock, error) {
	p := b.p
	title := cleanLine(p.Run.Title)
	if title == "" {
		title = "Outbound mail fleet"
	}
	navy := &props.Cell{BackgroundColor: pcol(colourBrand)}
	white := pcol(color.RGBA{0xff, 0xff, 0xff, 0xff})
	band := func(s string, st props.Text) core.Row {
		st.Left, st.Right = 9, 9
		return pdfRow(col.New(pdfGrid).Add(b.text(s, st))).WithStyle(navy)
	}
	rows := []core.Row{
		pdfSpacer(18),
		pdfFixedRow(10, col.New(pdfGrid)).WithStyle(navy),
		band("EVIDENCE PACK  ·  MAIL SENDER DNS IDENTITY", props.Text{Size: 9, Style: fontstyle.Bold, Color: pcol(pdfBand2), Bottom: 4}),
		band(b.fit.breakToFit(clip(title, 160), b.fit.bold, 24, pdfContentW-18), props.Text{Size: 24, Style: fontstyle.Bold, Color: white, VerticalPadding: 1.5, Bottom: 3}),
		band("Assessment of reverse DNS, HELO, SPF, DKIM and DMARC for every sending IP, mapped to compliance controls", props.Text{Size: 10.5, Color: pcol(pdfBand2), Bottom: 2, VerticalPadding: 0.8}),
		pdfFixedRow(12, col.New(pdfGrid)).WithStyle(navy),
		pdfSpacer(14),
	}
	dur := ""
	if !p.Run.StartedAt.IsZero() && !p.Run.FinishedAt.IsZero() {
		dur = fmt.Sprintf(" (%s)", p.Run.FinishedAt.Sub(p.Run.StartedAt).Round(time.Second))
	}
	frameworks := make([]string, 0, len(p.Run.Mappings))
	for _, m := range p.Run.Mappings {
		fw := m.Framework
		if v := strings.TrimSpace(m.Version); v != "" && !namesVersion(fw, v) {
			fw += " " + v
		}
		frameworks = append(frameworks, cleanLine(fw))
	}
	resolvers := make([]string, len(p.Run.Resolvers))
	for i, r := range p.Run.Resolvers {
		resolvers[i] = cleanLine(r)
	}
	items := [][3]string{
		{"Organisation / fleet", clip(title, pdfMaxValue), ""},
		{"Assessment period", pdfPeriod(p.Run), ""},
		{"Run started", pdfTime(p.Run.StartedAt), ""},
		{"Run finished", pdfTime(p.Run.FinishedAt) + dur, ""},
		{"Run ID", cleanLine(p.Run.ID), "mono"},
	}
	if r := p.Run.ReplayOf; r != nil {
		items = append(items, [3]string{"Replay of", pdfSprintf("run %s, re-assessed offline from the DNS answers recorded %s; no DNS was queried",
			cleanLine(r.RunID), pdfSpan(r.RecordedAt, r.RecordedTo)), ""})
	}
	items = append(items, [][3]string{
		{"Tool", cleanLine(p.Tool.String()), ""},
		{"Scope", pdfSprintf("%d %s, %d %s, %d %s", p.Summary.Assets, pdfPlural(p.Summary.Assets, "sender", "senders"),
			p.Summary.Findings, pdfPlural(p.Summary.Findings, "finding", "findings"), len(p.Controls), pdfPlural(len(p.Controls), "control", "controls")), ""},
		{"Frameworks", clip(strings.Join(frameworks, ", "), pdfMaxMessage), ""},
		{"Resolvers", clip(strings.Join(resolvers, ", "), pdfMaxValue), "mono"},
		{"Inventory SHA-256", cleanLine(p.Run.InventorySHA256), "mono"},
	}...)
	for _, it := range items {
		if it[1] == "" {
			it[1] = "—"
		}
		rows = append(rows, b.labelValue(it[0], it[1], it[2] == "mono"))
	}
	rows = append(rows, pdfSpacer(10),
		b.paragraph(b.coverNote(),
			props.Text{Size: 8.5, Color: pcol(colourMuted)}))
	var f pdfFlow
	f.each(rows...)
	return f.done(), nil
}

func (b *pdfBuilder) executive() ([]pdfBlock, error) {
	var f pdfFlow
	f.keep(b.heading("Executive summary"), pdfSpacer(3))
	s, err := b.render("summary/executive")
	if err != nil {
		return nil, err
	}
	b.narrative(&f, "summary/executive", s)
	f.keep(b.subheading("Key figures"), pdfSpacer(1))
	sum := b.p.Summary
	f.add(
		b.tiles([]kpiTile{
			{pdfCount(sum.Assets), "senders assessed", colourBrand},
			{pdfCount(sum.Findings), "findings", colourBrand},
			{pdfCount(b.d.Satisfied), "controls satisfied", colourPass},
			{pdfCount(b.d.NotSatisfied), "controls not satisfied", colourFail},
			{pdfCount(b.d.Inconclusive), "controls inconclusive", colourError},
		}),
		pdfSpacer(2.5),
		b.tiles([]kpiTile{
			{pdfCount(sum.Pass), "pass", colourPass},
			{pdfCount(sum.Warn), "warn", color.RGBA{0xb7, 0x7c, 0x00, 0xff}},
			{pdfCount(sum.Fail), "fail", colourFail},
			{pdfCount(sum.Error), "error", colourError},
			{pdfCount(sum.Skip), "skip", colourMuted},
		}),
	)
	charts, omitted := splitChartPanels(statusChartPanels(b.p, b.d))
	for i, panels := range charts {
		png, size, err := drawStatusChart(b.fit, panels)
		if err != nil {
			return nil, err
		}
		h := pdfContentW * float64(size.Y) / float64(size.X)
		if i == 0 {
			f.keep(b.subheading("Findings by status"), pdfSpacer(1))
		}
		f.add(pdfFixedRow(h, image.NewFromBytesCol(pdfGrid, png, extension.Png, props.Rect{Center: true, Percent: 100})))
	}
	if omitted > 0 {
		f.add(b.notice(b.chartsOmitted(omitted)))
	}
	return f.done(), nil
}

type kpiTile struct {
	value, label string
	colour       color.RGBA
}

// tiles lays out up to five key figures in one row.
func (b *pdfBuilder) tiles(ts []kpiTile) core.Row {
	var cols []core.Col
	bg := &props.Cell{BackgroundColor: pcol(pdfTile)}
	for i, t := range ts {
		if i > 0 {
			cols = append(cols, col.New(1))
		}
		cols = append(cols, col.New(4).Add(
			b.text(t.value, props.Text{Size: 17, Style: fontstyle.Bold, Color: pcol(t.colour), Align: align.Center, Top: 2.5}),
			b.text(t.label, props.Text{Size: 7.5, Color: pcol(colourMuted), Align: align.Center, Top: 11.5}),
		).WithStyle(bg))
	}
	return pdfFixedRow(18, cols...)
}

// pdfControlLabel is a control ID with its catalog identifiers, e.g.
// "PR.DS-1 → CSF 2.0 PR.DS-02" (the Pack's catalog entries are display
// labels).
func pdfControlLabel(c ControlStatus) string {
	s := cleanLine(c.ID)
	if len(c.Catalog) == 0 {
		return s
	}
	ids := make([]string, len(c.Catalog))
	for i, id := range c.Catalog {
		ids[i] = cleanLine(id)
	}
	return s + " → " + strings.Join(ids, ", ")
}

// coverNote is the cover's note on where the report comes from and what
// follows.
func (b *pdfBuilder) coverNote() string {
	from := "This report is written from evidence.json, the pack's source of truth."
	if !b.has("json") {
		from = "This report is written from the run's findings; this run wrote no evidence.json, the pack's usual source of truth."
	}
	return from + " The executive summary comes first; control coverage, the findings that need action, a per-sender appendix and the methodology follow for auditors. Run \"senderproof verify DIR\" on the pack's directory to check every file against manifest.json."
}

// chartsOmitted says where the controls past the charts' limit are.
func (b *pdfBuilder) chartsOmitted(omitted int) string {
	if b.has("xlsx") {
		return pdfSprintf("The charts show the first %d controls; the %d others are charted in report.xlsx.", pdfMaxChartBars, omitted)
	}
	return pdfSprintf("The charts show the first %d controls; the %d others are in the control coverage table.", pdfMaxChartBars, omitted)
}

func (b *pdfBuilder) controls() ([]pdfBlock, error) {
	var f pdfFlow
	f.keep(b.heading("Control coverage"), pdfSpacer(3),
		b.paragraph(pdfSprintf("%d %s from %d mapping %s. A control is satisfied when the findings of its mapped checks allow it, not satisfied when they show a gap, and inconclusive when DNS errors leave the outcome open or no finding supports it. Counts are findings of the mapped checks across the fleet; under each title, why the control matters for sender identity. Skip counts the findings of its checks not applied to a sender%s.",
			len(b.p.Controls), pdfPlural(len(b.p.Controls), "control", "controls"), len(b.p.Run.Mappings), pdfPlural(len(b.p.Run.Mappings), "file", "files"), b.notAssessedPointer()), props.Text{Size: 8.5, Color: pcol(colourMuted)}),
		pdfSpacer(1),
	)
	if len(b.p.Controls) == 0 {
		f.add(b.paragraph("No control mapping was loaded for this run.", props.Text{}))
		return f.done(), nil
	}
	sizes := []int{6, 5, 3, 2, 2, 2, 2, 2}
	header := b.headerRow(sizes, "Control", "Title", "Status", ">Pass", ">Warn", ">Fail", ">Error", ">Skip")
	f.table([]core.Row{header}, b.continued("Control coverage"), header)
	num := func(size, n int) cellText {
		return cellText{size: size, text: pdfSprintf("%d", n), style: props.Text{Align: align.Right, Right: 2.5}}
	}
	names := map[string]string{}
	for _, m := range b.p.Run.Mappings {
		names[m.Framework] = cleanLine(strings.TrimSpace(m.Name + " " + m.Version))
	}
	last := "\x00"
	k := 0
	for _, c := range b.p.Controls {
		if c.Framework != last {
			last = c.Framework
			k = 0
			label := cleanLine(c.Framework)
			if n := names[c.Framework]; n != "" {
				label += "  ·  " + n
			}
			tint := pdfTile
			// The framework's band stays with its first control.
			f.keep(b.tableRow([]cellText{{size: pdfGrid, text: clip(label, 200), fill: &tint,
				style: props.Text{Size: 8, Style: fontstyle.Bold, Color: pcol(colourBrand), Top: 1.8, Bottom: 1.8}}}, false, true))
		}
		stripe := k%2 == 1
		relevance := clip(cleanLine(c.Relevance), pdfMaxMessage)
		if len(c.WarnFails) > 0 {
			// The counts alone do not say why a control with no fail is
			// not satisfied.
			note := "Warnings of " + clip(cleanLine(strings.Join(c.WarnFails, ", ")), pdfMaxValue) + " count as failures of this control."
			relevance = strings.TrimSpace(relevance + " " + note)
		}
		bottom := 0.0 // the default
		if relevance != "" {
			bottom = 0.5
		}
		rows := []core.Row{b.tableRow([]cellText{
			{size: sizes[0], text: clip(pdfControlLabel(c), 160), style: props.Text{Style: fontstyle.Bold, Bottom: bottom}},
			{size: sizes[1], text: clip(cleanLine(c.Title), pdfMaxValue), style: props.Text{Bottom: bottom}},
			pdfStatusCell(sizes[2], string(c.Status)),
			num(sizes[3], c.Pass), num(sizes[4], c.Warn), num(sizes[5], c.Fail), num(sizes[6], c.Error),
			// Skips beside the counts: a control satisfied by a few
			// passes may have been assessed for few senders.
			num(sizes[7], c.Skip),
		}, stripe, relevance == "")}
		if relevance != "" {
			// Why the control matters: a grey line under the title,
			// running under the status and counts.
			rows = append(rows, b.tableRow([]cellText{
				{size: sizes[0]},
				{size: pdfGrid - sizes[0], text: relevance, style: props.Text{Size: 6.5, Color: pcol(colourMuted), Top: 0.1, Bottom: 1.3, VerticalPadding: 0.1}},
			}, stripe, true))
		}
		f.add(rows...)
		k++
	}
	return f.done(), nil
}

func pdfPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// pdfStatusOrder ranks statuses for listing: worst first.
func pdfStatusOrder(s assess.Status) int {
	switch s {
	case assess.StatusFail:
		return 0
	case assess.StatusError:
		return 1
	case assess.StatusWarn:
		return 2
	}
	return 3
}

// actionRow is one finding as the findings section shows it, its text
// already cleaned and bounded.
type actionRow struct {
	asset, selector, message, observed, remediation string
	status                                          assess.Status
}

// actionRows keeps, for each check and each of fail, error and warn, the
// first findings in pack order, up to the most the findings section can
// show of one check.
type actionRows struct {
	max      int
	byCheck  map[string]*[3][]actionRow
	valuesIn string // where observed values cut short are whole
}

func newActionRows(max int, valuesIn string) *actionRows {
	return &actionRows{max: max, byCheck: map[string]*[3][]actionRow{}, valuesIn: valuesIn}
}

func (a *actionRows) visit(f *assess.Finding) {
	o := pdfStatusOrder(f.Status)
	if o > 2 {
		return
	}
	rs := a.byCheck[f.Check]
	if rs == nil {
		rs = &[3][]actionRow{}
		a.byCheck[f.Check] = rs
	}
	if len(rs[o]) >= a.max {
		return
	}
	rs[o] = append(rs[o], actionRow{
		asset:       displayLine(f.Asset, 80),
		selector:    displayLine(selectorOf(f.Selector), 80),
		message:     displayLine(f.Message, pdfMaxMessage),
		observed:    clipObserved(cleanLine(observedText(actionObserved(f))), a.valuesIn),
		remediation: displayLine(f.Remediation, pdfMaxMessage),
		status:      f.Status,
	})
}

// actionObserved is what the findings section shows of a finding's
// observed values: a drift finding's changes, nested records the message
// lists already, are counted instead of printed as JSON.
func actionObserved(f *assess.Finding) map[string]any {
	ch, ok := f.Observed["changes"].([]any)
	if f.Check != DriftCheck || !ok {
		return f.Observed
	}
	m := maps.Clone(f.Observed)
	m["changes"] = fmt.Sprintf("%d, listed in the message and under “Changes since the baseline”", len(ch))
	return m
}

// actionGroup is the findings of one check that need action.
type actionGroup struct {
	check    checkTally
	criteria string
	total    int    // fail, error and warn findings of the check
	quota    int    // rows shown
	quotas   [3]int // of which fail, error, warn
	rows     *[3][]actionRow
}

// shown returns the rows to show: fail, then error, then warn, each up to
// its quota.
func (g *actionGroup) shown() []actionRow {
	var out []actionRow
	if g.rows != nil {
		for o, r := range g.rows {
			out = append(out, r[:min(len(r), g.quotas[o])]...)
		}
	}
	return out
}

// actionGroups groups the fail, error and warn findings by check in
// topChecks' order, and shares max rows among the groups.
func (b *pdfBuilder) actionGroups(max int) ([]*actionGroup, int) {
	criteria := map[string]string{}
	for _, c := range b.p.Run.Checks {
		criteria[c.ID] = c.Criteria
	}
	var groups []*actionGroup
	total := 0
	for _, c := range b.d.topChecks(len(b.d.ByCheck)) {
		g := &actionGroup{check: c, criteria: criteria[c.Check], total: c.Bad(), rows: b.rows.byCheck[c.Check]}
		groups = append(groups, g)
		total += g.total
	}
	counts := make([][3]int, len(groups))
	for i, g := range groups {
		counts[i] = [3]int{g.check.Fail, g.check.Error, g.check.Warn}
	}
	for i, q := range pdfTierShare(counts, max) {
		groups[i].quotas = q
		groups[i].quota = q[0] + q[1] + q[2]
	}
	return groups, total
}

// pdfTierShare shares max rows among groups of fail, error and warn counts:
// every fail first, then errors, then warnings, each shared among the
// groups by pdfShare. A warning is never shown while a failure is left out.
func pdfTierShare(counts [][3]int, max int) [][3]int {
	out := make([][3]int, len(counts))
	left := max
	for o := range 3 {
		totals := make([]int, len(counts))
		for i, c := range counts {
			totals[i] = c[o]
		}
		for i, q := range pdfShare(totals, left) {
			out[i][o] = q
			left -= q
		}
	}
	return out
}

// pdfShare shares max rows among groups of the given sizes: every group
// gets an equal share, and what a small group leaves goes to the larger
// ones. The shares are in the order of totals.
func pdfShare(totals []int, max int) []int {
	order := make([]int, len(totals))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return totals[order[i]] < totals[order[j]] })
	quota := make([]int, len(totals))
	left := max
	for k, i := range order {
		quota[i] = min(totals[i], left/(len(order)-k))
		left -= quota[i]
	}
	return quota
}

func (b *pdfBuilder) findings() ([]pdfBlock, error) {
	groups, total := b.actionGroups(b.w.maxFindings)
	shown := 0
	for _, g := range groups {
		shown += g.quota
	}
	s := b.p.Summary
	var f pdfFlow
	f.keep(b.heading("Findings requiring action"), pdfSpacer(3))
	var counts []string
	for _, c := range []struct {
		n    int
		what string
	}{{s.Fail, "fail"}, {s.Error, "error (not determined)"}, {s.Warn, "warn"}} {
		if c.n > 0 {
			counts = append(counts, pdfSprintf("%d %s", c.n, c.what))
		}
	}
	intro := pdfSprintf("%d %s action", total, pdfPlural(total, "finding needs", "findings need"))
	if len(counts) > 0 {
		intro += ": " + strings.Join(counts, ", ")
	}
	if total > 0 {
		intro += ". They are grouped by check, the check with the most fail findings first (then warn, then error), and within a check listed fail, error, then warn"
	}
	intro += pdfSprintf(". %s", b.skipPointer())
	f.keep(b.paragraph(intro, props.Text{Size: 8.5, Color: pcol(colourMuted)}))
	if shown < total {
		var left [3]int
		for _, g := range groups {
			left[0] += g.check.Fail - g.quotas[0]
			left[1] += g.check.Error - g.quotas[1]
			left[2] += g.check.Warn - g.quotas[2]
		}
		var parts []string
		for o, name := range []string{"fail", "error", "warn"} {
			if left[o] > 0 {
				parts = append(parts, pdfSprintf("%d %s", left[o], name))
			}
		}
		f.keep(b.notice(pdfSprintf("This list shows %d of %d findings that need action, every fail first, then error, then warn; the %d not shown (%s) are in %s.", shown, total, total-shown, strings.Join(parts, ", "), b.findingsIn(" / "))))
	}
	if total == 0 {
		f.add(b.paragraph("No finding needs action: every check passed or did not apply.", props.Text{}))
		return f.done(), nil
	}
	sizes := []int{5, 3, 16}
	header := b.headerRow(sizes, "Sender", "Status", "Finding, observed values and remediation")
	for _, g := range groups {
		c := g.check
		// The group's title, criteria and header stay with its first
		// finding; a page it runs onto starts with a "continued" line
		// and the header again. Each finding is one block, so its
		// observed values and remediation never leave its sender.
		f.keep(pdfSpacer(2))
		f.keep(b.groupTitle(c, g.total, g.criteria)...)
		if g.quota == 0 {
			// Rows went to the fails and errors of other checks.
			f.keep(b.paragraph(pdfSprintf("Its %d %s %s in %s: this list shows fail and error findings first.",
				g.total, pdfPlural(g.total, "finding", "findings"), pdfPlural(g.total, "is", "are"), b.findingsIn(" / ")),
				props.Text{Size: 7.5, Style: fontstyle.Italic, Color: pcol(colourMuted), Top: 1.2}))
			continue
		}
		f.table([]core.Row{header}, b.continued(cleanLine(c.Check)), header)
		for k, r := range g.shown() {
			f.add(b.findingRows(sizes, r, k%2 == 1)...)
		}
		f.endTable()
		if more := g.total - g.quota; more > 0 {
			f.add(b.paragraph(pdfSprintf("%d more %s findings in %s.", more, c.Check, b.findingsIn(" / ")),
				props.Text{Size: 7.5, Style: fontstyle.Italic, Color: pcol(colourMuted), Top: 1.2}))
		}
	}
	return f.done(), nil
}

// notAssessedPointer points at the "Not assessed" section, when the PDF
// has one (some finding was skipped).
func (b *pdfBuilder) notAssessedPointer() string {
	if b.p.Summary.Skip == 0 {
		return ""
	}
	return " (see \u201cNot assessed\u201d)"
}

// skipPointer is the findings section's sentence on the findings it does
// not list.
func (b *pdfBuilder) skipPointer() string {
	switch n := b.skips.total; n {
	case 0:
		return "No check was skipped; passed findings are in " + b.findingsIn(" and ") + "."
	case 1:
		return "The one skipped finding (a check not applied to a sender) is listed under \u201cNot assessed\u201d, after this section; passed findings are in " + b.findingsIn(" and ") + "."
	default:
		return pdfSprintf("The %d skipped findings (checks not applied to a sender) are listed under \u201cNot assessed\u201d, after this section; passed findings are in %s.", n, b.findingsIn(" and "))
	}
}

// skipKey identifies a group of the not-assessed section.
type skipKey struct {
	check, reason, message string
	other                  bool // the findings whose wording came after pdfSkipWordings others
}

// skipGroup is the skip findings of one check with one reason and one
// wording, as the not-assessed section lists them; its text is cleaned and
// bounded.
type skipGroup struct {
	skipKey
	n     int      // findings
	ips   []string // the first senders, in pack order
	quota int      // senders named
	seen  int      // rank of its first finding among the groups
}

// skipList keeps, for each check, skip reason (observed "reason") and
// wording, the number of skip findings and their first senders: its size
// does not grow with the fleet.
type skipList struct {
	maxIPs   int
	groups   []*skipGroup
	byKey    map[skipKey]*skipGroup
	wordings map[[2]string]int // distinct wordings kept per check and reason
	total    int               // skip findings
	dropped  int               // skip findings past pdfMaxSkipGroups groups
}

func newSkipList(maxIPs int) *skipList {
	return &skipList{maxIPs: maxIPs, byKey: map[skipKey]*skipGroup{}, wordings: map[[2]string]int{}}
}

func (s *skipList) visit(f *assess.Finding) {
	if f.Status != assess.StatusSkip {
		return
	}
	s.total++
	reason, _ := f.Observed["reason"].(string)
	k := skipKey{check: displayLine(f.Check, 80), reason: displayLine(reason, 80), message: skipWording(f.Message, f.Asset)}
	cr := [2]string{k.check, k.reason}
	g := s.byKey[k]
	if g == nil && s.wordings[cr] >= pdfSkipWordings {
		// Messages that name more than a few values (say, each sender's
		// domain) share one group per check and reason.
		k = skipKey{check: k.check, reason: k.reason, other: true}
		g = s.byKey[k]
	}
	if g == nil {
		if len(s.groups) >= pdfMaxSkipGroups {
			s.dropped++
			return
		}
		g = &skipGroup{skipKey: k, seen: len(s.groups)}
		s.groups = append(s.groups, g)
		s.byKey[k] = g
		if !k.other {
			s.wordings[cr]++
		}
	}
	g.n++
	if len(g.ips) < s.maxIPs {
		g.ips = append(g.ips, displayLine(f.Asset, 80))
	}
}

// skipWording is a skip finding's message as its group's explanation: the
// sender's own address, where the message names it, reads "this sender",
// so senders skipped for the same reason share one wording.
func skipWording(message, asset string) string {
	m, a := cleanLine(message), cleanLine(asset)
	if a != "" && strings.Contains(m, a) {
		m = replaceWord(m, a, "this sender")
		if rest, ok := strings.CutPrefix(m, "this sender"); ok {
			m = "This sender" + rest
		}
	}
	return clip(m, pdfMaxMessage)
}

// replaceWord replaces each occurrence of word in s that is not part of a
// longer name or address: 192.0.2.3 in "192.0.2.33" or "192.0.2.3.example"
// stays.
func replaceWord(s, word, with string) string {
	inName := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
	var b strings.Builder
	for {
		i := strings.Index(s, word)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := i + len(word)
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, n := utf8.DecodeRuneInString(s[j:])
		next, _ := utf8.DecodeRuneInString(s[min(j+n, len(s)):])
		whole := (i == 0 || !(inName(before) || before == '.' || before == ':' || before == '-')) &&
			(j == len(s) || !(inName(after) || (strings.ContainsRune(".:-", after) && inName(next))))
		b.WriteString(s[:i])
		if whole {
			b.WriteString(with)
		} else {
			b.WriteString(word)
		}
		s = s[j:]
	}
}

// skipGroups returns the groups in check order (as the digest lists the
// checks), within a check the most senders first, each with the senders it
// names: max shared among the groups.
func (b *pdfBuilder) skipGroups(max int) []*skipGroup {
	rank := make(map[string]int, len(b.d.ByCheck))
	for i, c := range b.d.ByCheck {
		if _, ok := rank[cleanLine(c.Check)]; !ok {
			rank[cleanLine(c.Check)] = i
		}
	}
	groups := slices.Clone(b.skips.groups)
	sort.SliceStable(groups, func(i, j int) bool {
		x, y := groups[i], groups[j]
		rx, okx := rank[x.check]
		ry, oky := rank[y.check]
		switch {
		case okx != oky:
			return okx
		case rx != ry:
			return rx < ry
		case x.check != y.check:
			return x.check < y.check
		case x.other != y.other:
			return y.other
		case x.n != y.n:
			return x.n > y.n
		}
		return x.seen < y.seen
	})
	kept := make([]int, len(groups))
	for i, g := range groups {
		kept[i] = len(g.ips)
	}
	for i, q := range pdfShare(kept, max) {
		groups[i].quota = q
	}
	return groups
}

// notAssessed lists the skip findings: the checks not applied to a sender
// for lack of input, grouped by check, reason and wording, each group with
// its senders. An auditor reads it as the assessment's coverage gaps.
func (b *pdfBuilder) notAssessed() ([]pdfBlock, error) {
	s := b.skips
	if s.total == 0 {
		return nil, nil
	}
	groups := b.skipGroups(b.w.maxSkipIPs)
	named := 0
	for _, g := range groups {
		named += g.quota
	}
	var f pdfFlow
	f.keep(b.heading("Not assessed"), pdfSpacer(3))
	newSenders := ""
	if slices.ContainsFunc(s.groups, func(g *skipGroup) bool { return g.check == DriftCheck }) {
		newSenders = " A sender new since the baseline run has its drift.changed skipped: there is nothing to compare it with, which is no gap in its checks."
	}
	intro := pdfSprintf("%d %s skipped: a check was not applied to a sender because the inventory lacks the input it needs (an expected hostname, HELO name, sending domain or DKIM selectors) or because a record it builds on is missing (no PTR record, no single valid SPF or DMARC record; those appear as failures above). A skipped check is a gap in coverage, not a pass.%s They are grouped by check and reason, each group with its senders.",
		s.total, pdfPlural(s.total, "finding was", "findings were"), newSenders)
	f.keep(b.paragraph(intro, props.Text{Size: 8.5, Color: pcol(colourMuted)}))
	if named < s.total {
		f.keep(b.notice(pdfSprintf("This section names the senders of %d of %d skipped findings; the other %d are in %s.", named, s.total, s.total-named, b.findingsIn(" / "))))
	}
	sizes := []int{5, 2, 17}
	header := b.headerRow(sizes, "Check and reason", ">Senders", "Why the check was not applied, and the senders")
	f.table([]core.Row{header}, b.continued("Not assessed"), header)
	for i, g := range groups {
		f.add(b.skipGroupRows(sizes, g, i%2 == 1)...)
	}
	f.endTable()
	if s.dropped > 0 {
		f.add(b.paragraph(pdfSprintf("%d more skipped %s, of further checks and reasons, in %s.", s.dropped, pdfPlural(s.dropped, "finding", "findings"), b.findingsIn(" / ")),
			props.Text{Size: 7.5, Style: fontstyle.Italic, Color: pcol(colourMuted), Top: 1.2}))
	}
	return f.done(), nil
}

// skipGroupRows lays out one group of the not-assessed section: the check,
// the count and the explanation; the reason and the senders; and, when the
// list is cut, how many more there are.
func (b *pdfBuilder) skipGroupRows(sizes []int, g *skipGroup, stripe bool) []core.Row {
	why := g.message
	switch {
	case g.other:
		why = "Further senders skipped for this reason, with messages that differ from sender to sender; each message is in " + b.findingsIn(" / ") + "."
	case why == "":
		why = "Not applied (no message recorded)."
	}
	reason := "reason " + g.reason
	if g.reason == "" {
		reason = "no reason recorded"
	}
	senders := "—"
	if g.quota > 0 {
		senders = strings.Join(g.ips[:g.quota], ", ")
		if g.quota < g.n {
			senders += ","
		}
	}
	rows := []core.Row{
		b.tableRow([]cellText{
			{size: sizes[0], text: g.check, mono: true, style: props.Text{Size: 7, Bottom: 0.4}},
			{size: sizes[1], text: pdfSprintf("%d", g.n), style: props.Text{Style: fontstyle.Bold, Align: align.Right, Right: 2.5, Bottom: 0.4}},
			{size: sizes[2], text: why, style: props.Text{Bottom: 0.4}},
		}, stripe, false),
	}
	last := cellText{size: sizes[2], text: senders, mono: true, style: props.Text{Size: 6.5, Top: 0.3, VerticalPadding: 0.6}}
	if more := g.n - g.quota; more > 0 {
		rows = append(rows, b.tableRow([]cellText{
			{size: sizes[0], text: reason, style: props.Text{Size: 6.5, Color: pcol(colourMuted), Top: 0.3}},
			{size: sizes[1]}, last,
		}, stripe, false))
		rows = append(rows, b.tableRow([]cellText{
			{size: sizes[0]}, {size: sizes[1]},
			{size: sizes[2], text: pdfSprintf("and %d more — see %s", more, b.findingsIn(" / ")),
				style: props.Text{Size: 7, Style: fontstyle.Italic, Color: pcol(colourMuted), Top: 0.3}},
		}, stripe, true))
		return rows
	}
	return append(rows, b.tableRow([]cellText{
		{size: sizes[0], text: reason, style: props.Text{Size: 6.5, Color: pcol(colourMuted), Top: 0.3}},
		{size: sizes[1]}, last,
	}, stripe, true))
}

// notice is a highlighted one-paragraph note.
func (b *pdfBuilder) notice(s string) core.Row {
	st := props.Text{Size: 8.5, Style: fontstyle.Bold, Color: pcol(colourBrand), Top: 2, Bottom: 2, Left: 2.5, Right: 2.5}
	s = b.fit.breakToFit(s, b.fit.bold, st.Size, pdfContentW-5)
	return pdfRow(col.New(pdfGrid).Add(b.text(s, st)).
		WithStyle(&props.Cell{BackgroundColor: pcol(pdfTile), BorderType: border.Left, BorderColor: pcol(colourBrand), BorderThickness: 0.8}))
}

func (b *pdfBuilder) groupTitle(c checkTally, n int, criteria string) []core.Row {
	var parts []string
	for _, x := range []struct {
		n int
		s string
	}{{c.Fail, "fail"}, {c.Error, "error"}, {c.Warn, "warn"}} {
		if x.n > 0 {
			parts = append(parts, pdfSprintf("%d %s", x.n, x.s))
		}
	}
	title := pdfSprintf("%s  —  %d %s (%s)", cleanLine(c.Check), n, pdfPlural(n, "finding", "findings"), strings.Join(parts, ", "))
	title = b.fit.breakToFit(title, b.fit.bold, 10, pdfContentW)
	if criteria == "" {
		return []core.Row{pdfRow(col.New(pdfGrid).Add(b.text(title, props.Text{Size: 10, Style: fontstyle.Bold, Color: pcol(colourBrand), Top: 1.5, Bottom: 3.5})))}
	}
	crit := b.fit.breakToFit("Passes when "+clip(cleanLine(criteria), pdfMaxValue)+".", b.fit.regular, 7.5, pdfContentW)
	return []core.Row{
		pdfRow(col.New(pdfGrid).Add(b.text(title, props.Text{Size: 10, Style: fontstyle.Bold, Color: pcol(colourBrand), Top: 1.5, Bottom: 0.8}))),
		pdfRow(col.New(pdfGrid).Add(b.text(crit, props.Text{Size: 7.5, Color: pcol(colourMuted), Bottom: 2.5}))),
	}
}

// continued heads a page that a table runs onto.
func (b *pdfBuilder) continued(title string) core.Row {
	s := b.fit.breakToFit(title+" (continued)", b.fit.bold, 8.5, pdfContentW)
	return pdfRow(col.New(pdfGrid).Add(b.text(s, props.Text{Size: 8.5, Style: fontstyle.Bold, Color: pcol(colourBrand), Bottom: 1.5})))
}

// findingRows lays out one finding: the message, the observed values and
// the remediation, one row each.
func (b *pdfBuilder) findingRows(sizes []int, f actionRow, stripe bool) []core.Row {
	host := ""
	if a := b.byIP[f.asset]; a != nil {
		host = a.Hostname
	}
	sub := []string{}
	if host != "" {
		sub = append(sub, displayLine(host, 120))
	}
	if f.selector != "" {
		sub = append(sub, "selector "+f.selector)
	}
	lines := []cellText{{size: sizes[2], text: f.message, style: props.Text{Bottom: 0.5}}}
	if f.observed != "" {
		lines = append(lines, cellText{size: sizes[2], text: "Observed: " + f.observed, mono: true,
			style: props.Text{Size: 6.3, Color: pcol(colourMuted), Top: 0.3, Bottom: 0.5}})
	}
	if f.remediation != "" {
		lines = append(lines, cellText{size: sizes[2], text: "Remediation: " + f.remediation,
			style: props.Text{Size: 7, Style: fontstyle.Italic, Color: pcol(colourBrand), Top: 0.3}})
	}
	rows := make([]core.Row, 0, len(lines)+1)
	for k, l := range lines {
		left := cellText{size: sizes[0], text: f.asset, name: true, style: props.Text{Style: fontstyle.Bold, Bottom: 0.5}}
		st := pdfStatusCell(sizes[1], string(f.status))
		switch k {
		case 0:
		case 1:
			left = cellText{size: sizes[0], text: strings.Join(sub, " · "), name: true, style: props.Text{Size: 6.5, Color: pcol(colourMuted), Top: 0.3}}
			st = cellText{size: sizes[1]}
		default:
			left = cellText{size: sizes[0]}
			st = cellText{size: sizes[1]}
		}
		rows = append(rows, b.tableRow([]cellText{left, st, l}, stripe, k == len(lines)-1))
	}
	if len(lines) == 1 && len(sub) > 0 {
		rows = append(rows, b.tableRow([]cellText{
			{size: sizes[0], text: strings.Join(sub, " · "), name: true, style: props.Text{Size: 6.5, Color: pcol(colourMuted), Top: 0.3}},
			{size: sizes[1]}, {size: sizes[2]},
		}, stripe, true))
	}
	return rows
}

// observedText renders a finding's observed values for reading: sorted
// "key: value" pairs, lists joined with ", ".
func observedText(m map[string]any) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+observedValue(m[k]))
	}
	return strings.Join(parts, "; ")
}

func observedValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		if len(x) == 0 {
			return "none"
		}
		items := make([]string, len(x))
		for i, e := range x {
			items[i] = observedValue(e)
		}
		return strings.Join(items, ", ")
	case []string:
		if len(x) == 0 {
			return "none"
		}
		return strings.Join(x, ", ")
	case nil:
		return "none"
	case bool, float64, int, int64:
		return fmt.Sprint(x)
	}
	return compactJSON(v)
}

func (b *pdfBuilder) drift() ([]pdfBlock, error) {
	dr := b.p.Drift
	if dr == nil {
		return nil, nil
	}
	var f pdfFlow
	f.keep(b.heading("Changes since the baseline"), pdfSpacer(3))
	rows := []core.Row{
		b.labelValue("Baseline run", cleanLine(dr.BaseRun), true),
		b.labelValue("Baseline file", clip(cleanLine(dr.Baseline), pdfMaxValue), false),
		b.labelValue("Senders added", pdfList(dr.Added, 50), false),
		// An IPv6 address and its baseline row run past the usual 80.
		b.labelValue("Senders removed", pdfListClip(b.eachGlyphs(removedWithNotes(dr)), 50, 170), false),
	}
	f.each(rows...)
	f.keep(pdfSpacer(3))
	if n := b.d.driftIncomplete(); n > 0 {
		f.keep(b.notice(pdfSprintf("The comparison is incomplete for %d %s: a run could not determine some of their values, so a change there would not show (their drift.changed findings are error, or warn for what did change, each naming what was not compared).", n, pdfPlural(n, "sender", "senders"))))
		// Named, so the list of changes below is not read as theirs.
		shown := b.d.incompleteIPs
		list := pdfList(shown, len(shown))
		if more := n - len(shown); more > 0 {
			list += pdfSprintf(", and %d more (%s)", more, b.sheetIn("Drift"))
		}
		f.each(b.labelValue("Not compared in full", list, false))
		f.keep(pdfSpacer(3))
	}
	if len(dr.Changes) == 0 {
		// Before the removed senders, so it is not read as theirs.
		f.add(b.paragraph("No value compared in both runs changed for the senders in both.", props.Text{}))
		b.offboarding(&f, dr)
		return f.done(), nil
	}
	b.offboarding(&f, dr)
	f.keep(b.subheading("Values that changed"))
	n := min(len(dr.Changes), b.w.maxDrift)
	if n < len(dr.Changes) {
		f.keep(b.notice(pdfSprintf("This list shows %d of %d changes; %d more in %s.", n, len(dr.Changes), len(dr.Changes)-n, b.sheetIn("Drift"))))
	}
	sizes := []int{5, 4, 7, 8}
	driftHeader := b.headerRow(sizes, "Sender", "Field", "Before", "Now")
	f.table([]core.Row{driftHeader}, b.continued("Changes since the baseline"), driftHeader)
	// Nothing shows as diff shows it: a value gone is not a blank cell.
	value := func(v string) string {
		if v == "" {
			return "(no value)"
		}
		return v
	}
	for i, c := range dr.Changes[:n] {
		// Cut both around where they differ, so a long record's last
		// term (-all to +all) stays in view.
		before, now := clipPair(cleanLine(c.Old), cleanLine(c.New), pdfMaxValue)
		before, now = value(before), value(now)
		if note := c.InventoryNote(); note != "" {
			now = strings.TrimSpace(now + " (" + note + ")")
		}
		f.add(b.tableRow([]cellText{
			{size: sizes[0], text: displayLine(c.Asset, 80), name: true, style: props.Text{Style: fontstyle.Bold}},
			{size: sizes[1], text: displayLine(b.driftLabel(c.Field), 80)},
			{size: sizes[2], text: before, mono: true, style: props.Text{Size: 6.8}},
			{size: sizes[3], text: now, mono: true, style: props.Text{Size: 6.8}},
		}, i%2 == 1, true))
	}
	return f.done(), nil
}

// offboarding adds the recheck of the removed senders: which of them DNS
// still vouches for, each with what is left behind, worst first.
func (b *pdfBuilder) offboarding(f *pdfFlow, dr *Drift) {
	if len(dr.Offboarding) == 0 {
		return
	}
	left, fails := dr.LeftBehind()
	undetermined := dr.RecheckIncomplete()
	var shown []assess.Offboard
	for _, o := range dr.Offboarding {
		if o.Status != assess.StatusPass {
			shown = append(shown, o)
		}
	}
	f.keep(b.subheading("Removed senders: what DNS still says of them"))
	total := len(dr.Offboarding)
	text := pdfSprintf("Each of the %d senders removed since the baseline run was checked again against DNS in this run: its PTR and host names, its HELO name and the SPF record of its sending domain (OWASP NHI-01, Improper Offboarding). ", total)
	if total == 1 {
		text = "The sender removed since the baseline run was checked again against DNS in this run: its PTR and host names, its HELO name and the SPF record of its sending domain (OWASP NHI-01, Improper Offboarding). "
	}
	switch {
	case left == 0 && undetermined == 0:
		text += "Nothing still vouches for " + pdfPlural(total, "it.", "any of them.")
	case left == 0:
		text += pdfSprintf("Nothing was found still vouching for %s, but %d could not be checked in full.", pdfPlural(total, "it", "them"), undetermined)
	case total == 1:
		text += "DNS still vouches for it"
		if fails > 0 {
			text += ": an SPF record still authorizes it by address or by name"
		}
		text += "."
		if undetermined > 0 {
			text += " Some of it could not be checked: worse may be hidden there."
		}
	default:
		text += pdfSprintf("DNS still vouches for %d of them", left)
		if fails > 0 {
			text += pdfSprintf(", and an SPF record still authorizes %d by address or by name", fails)
		}
		text += "."
		if undetermined > 0 {
			text += pdfSprintf(" %d could not be checked in full, which may hide worse.", undetermined)
		}
	}
	if dr.OffboardingOmitted > 0 {
		text += pdfSprintf(" %d more removed senders were not checked again: a run rechecks the first %d, a bound on its memory.", dr.OffboardingOmitted, len(dr.Offboarding))
	}
	if left > 0 || undetermined > 0 || dr.OffboardingOmitted > 0 {
		f.keep(b.notice(text))
	} else {
		f.keep(b.paragraph(text, props.Text{}))
	}
	f.keep(pdfSpacer(3))
	if len(shown) == 0 {
		return
	}
	slices.SortStableFunc(shown, func(x, y assess.Offboard) int {
		return cmp.Compare(pdfStatusOrder(x.Status), pdfStatusOrder(y.Status))
	})
	n := min(len(shown), b.w.maxDrift)
	if n < len(shown) {
		f.keep(b.notice(pdfSprintf("This list shows %d of %d removed senders with something left behind or not checked in full; the rest in %s.", n, len(shown), b.sheetIn("Drift"))))
	}
	sizes := []int{5, 3, 16}
	header := b.headerRow(sizes, "Sender", "Status", "What is left behind, and what to do")
	f.table([]core.Row{header}, b.continued("Removed senders"), header)
	for i, o := range shown[:n] {
		text := cleanLine(o.Message)
		if o.Remediation != "" {
			text += " " + cleanLine(o.Remediation)
		}
		f.add(b.tableRow([]cellText{
			{size: sizes[0], text: displayLine(o.IP, 80), name: true, style: props.Text{Style: fontstyle.Bold}},
			pdfStatusCell(sizes[1], string(o.Status)),
			{size: sizes[2], text: clip(text, 1200), style: props.Text{Size: 7}},
		}, i%2 == 1, true))
	}
	f.endTable()
	f.keep(pdfSpacer(3))
}

// driftLabel names a drift field in words, as drift.changed messages do
// ("forward addresses of mail.example.com" for ptr.forward[mail.example.com]),
// through the wording's drift/label; the field itself when that fails.
func (b *pdfBuilder) driftLabel(field string) string {
	key, of, _ := strings.Cut(field, "[")
	of = strings.TrimSuffix(of, "]")
	s, err := b.w.t.Render("drift/label", map[string]any{"key": key, "of": of, "field": field})
	if err != nil || strings.TrimSpace(s) == "" {
		return field
	}
	return s
}

// newSkipped completes the appendix's account of skipped checks for a
// pack with a baseline: a new sender's drift.changed is skipped too.
func newSkipped(p *Pack) string {
	if p.Drift == nil || len(p.Drift.Added) == 0 {
		return ""
	}
	return "; for a sender new since the baseline run, its drift.changed, with nothing to compare"
}

// removedWithNotes lists the removed senders with who they were: "192.0.2.21
// (host mail12.example.com, owner mail-platform)".
func removedWithNotes(d *Drift) []string {
	notes := d.RemovedNotes()
	out := make([]string, len(d.Removed))
	for i, ip := range d.Removed {
		out[i] = ip
		if n := notes[ip]; n != "" {
			out[i] += " (" + clip(n, 120) + ")"
		}
	}
	return out
}

// eachGlyphs makes each of items drawable (textFitter.glyphs) on its own,
// before they are joined into one cell: glyphs spells out a bounded
// number of code points a text, and one owner's name in a script the fonts
// lack must not use up the others'.
func (b *pdfBuilder) eachGlyphs(items []string) []string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = b.fit.glyphs(s)
	}
	return out
}

// pdfList joins up to max cleaned items, saying how many more.
func pdfList(items []string, max int) string {
	return pdfListClip(items, max, 80)
}

// pdfListClip is pdfList with each item clipped to width characters.
func pdfListClip(items []string, max, width int) string {
	if len(items) == 0 {
		return "none"
	}
	n := min(len(items), max)
	out := make([]string, n)
	for i := range n {
		out[i] = clip(cleanLine(items[i]), width)
	}
	s := strings.Join(out, ", ")
	if n < len(items) {
		s += pdfSprintf(" and %d more", len(items)-n)
	}
	return s
}

// appendixRank orders Appendix A when it is cut short: senders whose worst
// finding is fail, then error, then warn, then passing ones.
func appendixRank(status string) int {
	switch status {
	case string(assess.StatusFail):
		return 0
	case string(assess.StatusError):
		return 1
	case string(assess.StatusWarn):
		return 2
	}
	return 3
}

func (b *pdfBuilder) assets() ([]pdfBlock, error) {
	all := b.p.AssetSummary
	var f pdfFlow
	f.keep(b.heading("Appendix A: senders"), pdfSpacer(3),
		b.paragraph("One row per sender in inventory order (when the list is cut short, the senders that need action come first): its PTR name, the forward-confirmed reverse DNS result, the configured HELO name, the SPF result for its domain, the effective DMARC policy and its worst finding status; a pass says how many of the sender's checks were skipped (not applied for lack of an inventory field or of a record they build on"+newSkipped(b.p)+"), a gap in coverage rather than a pass.",
			props.Text{Size: 8.5, Color: pcol(colourMuted)}),
	)
	n := min(len(all), b.w.maxAssets)
	if n < len(all) {
		// Cut short, it shows the senders that need action first (in
		// inventory order among them), then passing ones, rather than
		// leaving failing senders past the cut out of the PDF.
		all = slices.Clone(all)
		slices.SortStableFunc(all, func(a, c AssetSummary) int {
			return cmp.Compare(appendixRank(a.Status), appendixRank(c.Status))
		})
		var byRank [4]int
		for _, a := range all {
			byRank[appendixRank(a.Status)]++
		}
		var counts []string
		for r, what := range []string{"fail", "error", "warn"} {
			if byRank[r] > 0 {
				counts = append(counts, pdfSprintf("%d %s", byRank[r], what))
			}
		}
		bad := byRank[0] + byRank[1] + byRank[2]
		which := "the senders that need action first"
		if len(counts) > 0 {
			which += " (" + strings.Join(counts, ", ") + ")"
		}
		if n > bad {
			which += ", then senders that passed"
		}
		f.keep(b.notice(pdfSprintf("This appendix shows %d of %d senders: %s, each group in inventory order; every sender is in %s.", n, len(all), which, b.sheetIn("Assets"))))
	}
	if len(all) == 0 {
		f.add(b.paragraph("The inventory held no sender.", props.Text{}))
		return f.done(), nil
	}
	sizes := []int{4, 5, 2, 5, 2, 3, 3}
	appHeader := b.headerRow(sizes, "Sender", "PTR name", "FCrDNS", "HELO", "SPF", "DMARC", "Status")
	f.table([]core.Row{appHeader}, b.continued("Appendix A: senders"), appHeader)
	dash := func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	}
	for i, a := range all[:n] {
		fc := cleanLine(a.FCrDNS)
		f.add(b.tableRow([]cellText{
			{size: sizes[0], text: displayLine(a.IP, 80), name: true, style: props.Text{Style: fontstyle.Bold}},
			{size: sizes[1], text: dash(displayLine(a.PTR, 160)), name: true},
			{size: sizes[2], text: dash(fc), style: props.Text{Style: fontstyle.Bold, Color: pcol(statusColour(fc))}},
			{size: sizes[3], text: dash(displayLine(a.HELO, 160)), name: true},
			{size: sizes[4], text: dash(displayLine(a.SPF, 40))},
			{size: sizes[5], text: dash(displayLine(a.DMARCPolicy, 40))},
			appendixStatus(sizes[6], a),
		}, i%2 == 1, true))
	}
	return f.done(), nil
}

func (b *pdfBuilder) methodology() ([]pdfBlock, error) {
	p := b.p
	var f pdfFlow
	f.keep(b.heading("Appendix B: methodology"), pdfSpacer(3))
	s, err := b.render("summary/methodology")
	if err != nil {
		return nil, err
	}
	b.narrative(&f, "summary/methodology", s)

	f.keep(b.subheading("DNS client"))
	resolvers := make([]string, len(p.Run.Resolvers))
	for i, r := range p.Run.Resolvers {
		resolvers[i] = cleanLine(r)
	}
	st := p.Run.Settings
	q := p.Run.Queries
	queriesLabel := "Queries"
	if p.Run.ReplayOf != nil {
		queriesLabel = "Queries (recorded run)"
	}
	f.each(
		b.labelValue("Resolvers", clip(strings.Join(resolvers, ", "), pdfMaxMessage), true),
		b.labelValue("Timeout / retries", pdfSprintf("%s per query, %d %s", pdfDash(cleanLine(st.Timeout)), st.Retries, pdfPlural(st.Retries, "retry", "retries")), false),
		b.labelValue("Concurrency / rate", concurrencyRate(st.Concurrency, st.QPS), false),
		b.labelValue(queriesLabel, pdfSprintf("%d lookups (%d from cache), %d messages sent (%d over TCP), %d %s, %d %s", q.Lookups, q.CacheHits, q.Sent, q.TCP, q.Timeouts, pdfPlural(int(q.Timeouts), "timeout", "timeouts"), q.Errors, pdfPlural(int(q.Errors), "error", "errors")), false),
	)
	if r := p.Run.ReplayOf; r != nil {
		f.add(b.labelValue("Replay", pdfSprintf("this run re-assessed run %s offline from the DNS answers it recorded (%s) instead of querying; the settings and queries above are that run's",
			cleanLine(r.RunID), pdfSpan(r.RecordedAt, r.RecordedTo)), false))
	}
	for _, in := range p.Run.Inventories {
		// The hash on a line of its own, whole, as sha256sum prints it.
		f.add(b.labelValue("Inventory", clip(cleanLine(in.Path), 160), true),
			b.labelValue("Inventory SHA-256", cleanLine(in.SHA256), true))
	}
	for _, n := range p.Run.Notes {
		f.add(b.labelValue("Note", clip(cleanLine(n), pdfMaxMessage), false))
	}

	f.keep(b.subheading("Statuses"))
	if s, err = b.render("summary/statuses"); err != nil {
		return nil, err
	}
	b.narrative(&f, "summary/statuses", s)

	f.keep(b.subheading("Checks and pass criteria"))
	sizes := []int{5, 3, 16}
	f.table([]core.Row{b.headerRow(sizes, "Check", "Family", "Passes when")})
	for i, c := range p.Run.Checks {
		criteria := clip(cleanLine(c.Criteria), pdfMaxMessage)
		if !checkRan(p, c.ID) {
			criteria += " (not run: only with --baseline)"
		}
		f.add(b.tableRow([]cellText{
			{size: sizes[0], text: cleanLine(c.ID), mono: true, style: props.Text{Size: 7}},
			{size: sizes[1], text: cleanLine(c.Family)},
			{size: sizes[2], text: criteria},
		}, i%2 == 1, true))
	}
	f.endTable()

	f.keep(b.subheading("Mapping files"))
	sizes = []int{5, 7, 3, 9}
	f.table([]core.Row{b.headerRow(sizes, "Framework", "Name", "Version", "Source")})
	// A short table stays on one page.
	together := len(p.Run.Mappings) <= pdfKeepTable
	var table []core.Row
	for i, m := range p.Run.Mappings {
		stripe := i%2 == 1
		// Each file's SHA-256 gets a line of its own in the monospaced
		// face, at a size at which all 64 digits fit: it is never broken.
		rows := []core.Row{b.tableRow([]cellText{
			{size: sizes[0], text: clip(cleanLine(m.Framework), 80), name: true, style: props.Text{Style: fontstyle.Bold}},
			{size: sizes[1], text: clip(cleanLine(m.Name), 160)},
			{size: sizes[2], text: clip(cleanLine(m.Version), 40)},
			{size: sizes[3], text: clip(cleanLine(m.Source), 200), style: props.Text{Size: 6.8}},
		}, stripe, false),
			b.tableRow([]cellText{
				{size: sizes[0], text: "SHA-256", style: props.Text{Size: 6.5, Color: pcol(colourMuted), Top: 0.2}},
				{size: pdfGrid - sizes[0], text: pdfDash(cleanLine(m.SHA256)), mono: true, style: props.Text{Size: 7, Top: 0.2}},
			}, stripe, true)}
		if together {
			table = append(table, rows...)
		} else {
			f.add(rows...)
		}
	}
	if len(table) > 0 {
		f.add(table...)
	}
	f.endTable()

	f.keep(b.subheading("Verifying this pack"))
	if s, err = b.render("summary/verify"); err != nil {
		return nil, err
	}
	b.narrative(&f, "summary/verify", s)
	return f.done(), nil
}

func pdfDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// labelValueSize is the font size of a label/value row's value: the
// monospaced face runs wider, so it is set smaller.
func labelValueSize(mono bool) float64 {
	if mono {
		return 7.8
	}
	return 8.6
}

// modDate matches the PDF's modification date, which the PDF library sets
// to the time of writing.
var modDate = regexp.MustCompile(`/ModDate \(D:\d{14}\)`)

// stampModDate sets the modification date to the run's end, so the same
// pack always gives the same bytes. The replacement has the same length,
// so the cross-reference offsets stay right.
func stampModDate(pdf []byte, at time.Time) []byte {
	if at.IsZero() {
		return pdf
	}
	stamp := []byte("/ModDate (D:" + at.UTC().Format("20060102150405") + ")")
	return modDate.ReplaceAllLiteral(pdf, stamp)
}

// concurrencyRate describes the run's concurrency and rate limit; a qps of
// 0 is no limit.
func concurrencyRate(concurrency int, qps float64) string {
	at := pdfSprintf("%d %s at a time", concurrency, pdfPlural(concurrency, "sender", "senders"))
	if qps <= 0 {
		return at + ", no rate limit"
	}
	return fmt.Sprintf("%s, at most %g queries per second", at, qps)
}

// pdfCount writes n with thousands separators, as a reader expects of the
// key figures: 32,000 rather than 32000.
func pdfCount(n int) string { return templates.Num(n) }

// clipObserved bounds a finding's observed values for the PDF, cutting at
// the end of a value ("; ") where it can and saying where the rest is.
func clipObserved(s, valuesIn string) string {
	more := " … (all values in " + valuesIn + ")"
	if utf8.RuneCountInString(s) <= pdfMaxValue {
		return s
	}
	cut := clip(s, pdfMaxValue-utf8.RuneCountInString(more))
	cut = strings.TrimSuffix(cut, ellipsis)
	if i := strings.LastIndex(cut, "; "); i > len(cut)/2 {
		cut = cut[:i]
	}
	return cut + more
}

// appendixStatus is a sender's worst status in Appendix A; a pass says
// how many of its checks were skipped, which a worse status needs not.
func appendixStatus(size int, a AssetSummary) cellText {
	c := pdfStatusCell(size, cleanLine(a.Status))
	if a.Skip > 0 && a.Status == string(assess.StatusPass) {
		// Passed what was assessed, with checks not applied: a gap in
		// coverage, not the green of a sender checked whole.
		c = pdfStatusCell(size, string(assess.StatusSkip))
		c.text = pdfSprintf("PASS (%d SKIPPED)", a.Skip)
	}
	return c
}
