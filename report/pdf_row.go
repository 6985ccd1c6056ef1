package report

import (
	"math"

	"github.com/johnfercher/maroto/v2/pkg/components/page"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/core/entity"
	"github.com/johnfercher/maroto/v2/pkg/props"
)

// snapRow is a maroto row whose height is rounded up to 1/64 mm. Sums of
// such heights are exact in floating point, so the layout's idea of a full
// page and the PDF engine's page-break trigger agree to the last bit; with
// raw heights a page that fills up can end a rounding error past the
// trigger, and the engine then breaks early and pushes the footer and every
// later row one page on.
type snapRow struct {
	core.Row
	style  *props.Cell
	config *entity.Config
}

// pdfRow makes a row of the given columns with automatic height.
func pdfRow(cols ...core.Col) core.Row { return &snapRow{Row: row.New().Add(cols...)} }

// pdfFixedRow makes a row of the given height in millimetres.
func pdfFixedRow(h float64, cols ...core.Col) core.Row {
	return &snapRow{Row: row.New(snap(h)).Add(cols...)}
}

func snap(h float64) float64 { return math.Ceil(h*64) / 64 }

// Add adds columns.
func (r *snapRow) Add(cols ...core.Col) core.Row {
	r.Row.Add(cols...)
	return r
}

// WithStyle sets the style of the whole row.
func (r *snapRow) WithStyle(style *props.Cell) core.Row {
	r.style = style
	r.Row.WithStyle(style)
	return r
}

// SetConfig sets the configuration.
func (r *snapRow) SetConfig(config *entity.Config) {
	r.config = config
	r.Row.SetConfig(config)
}

// GetHeight is the content's height rounded up to 1/64 mm.
func (r *snapRow) GetHeight(provider core.Provider, cell *entity.Cell) float64 {
	return snap(r.Row.GetHeight(provider, cell))
}

// Render draws the row at its rounded height, as maroto's row does.
func (r *snapRow) Render(provider core.Provider, cell entity.Cell) {
	cell.Height = r.GetHeight(provider, &cell)
	inner := cell.Copy()
	if r.style != nil {
		provider.CreateCol(cell.Width, cell.Height, r.config, r.style)
	}
	for _, c := range r.GetColumns() {
		w := cell.Width * float64(c.GetSize()) / float64(r.config.MaxGridSize)
		inner.Width = w
		c.Render(provider, inner, r.style == nil)
		inner.X += w
	}
	provider.CreateRow(cell.Height)
}

// pdfBlock is rows that stay together on one page.
type pdfBlock struct {
	rows []core.Row
	// repeat is set above the block when it has to start a new page: the
	// header of the table the block belongs to.
	repeat []core.Row
}

// pdfFlow collects the blocks of one section.
type pdfFlow struct {
	blocks []pdfBlock
	lead   []core.Row // rows that go with the next block
	header []core.Row // the current table's repeated header
	headed bool       // lead holds the table's header
}

// keep adds rows that stay with the next block: a heading, an
// introduction, a table's header.
func (f *pdfFlow) keep(rows ...core.Row) { f.lead = append(f.lead, rows...) }

// add adds one block of rows.
func (f *pdfFlow) add(rows ...core.Row) {
	blk := pdfBlock{rows: append(f.lead, rows...)}
	if !f.headed {
		blk.repeat = f.header
	}
	f.blocks = append(f.blocks, blk)
	f.lead, f.headed = nil, false
}

// each adds every row as a block of its own.
func (f *pdfFlow) each(rows ...core.Row) {
	for _, r := range rows {
		f.add(r)
	}
}

// table starts a table: header is kept with its first block and set again
// at the top of every later page the table runs onto. repeat, if given, is
// what goes there instead (say, the header under a "continued" line).
func (f *pdfFlow) table(header []core.Row, repeat ...core.Row) {
	f.keep(header...)
	if len(repeat) == 0 {
		repeat = header
	}
	f.header, f.headed = repeat, true
}

// endTable ends the current table.
func (f *pdfFlow) endTable() { f.header = nil }

// done returns the blocks, the rows still waiting for a block last.
func (f *pdfFlow) done() []pdfBlock {
	if len(f.lead) > 0 {
		f.blocks = append(f.blocks, pdfBlock{rows: f.lead})
		f.lead, f.headed = nil, false
	}
	return f.blocks
}

// pdfMeasure holds what the PDF layout measures rows with: maroto's
// provider and the page's content cell. maroto measures the footer when it
// is registered, so the footer row captures both (measureRow).
type pdfMeasure struct {
	provider core.Provider
	cell     entity.Cell
	footer   float64
}

// measureRow is a row that records the provider and cell it is first
// measured with.
type measureRow struct {
	core.Row
	m *pdfMeasure
}

// GetHeight measures the row and records how it was measured.
func (r *measureRow) GetHeight(provider core.Provider, cell *entity.Cell) float64 {
	h := r.Row.GetHeight(provider, cell)
	if r.m.provider == nil && provider != nil && cell != nil {
		r.m.provider, r.m.cell, r.m.footer = provider, *cell, h
	}
	return h
}

// pdfPager lays blocks out into pages and hands each page to maroto as
// one page, breaking before a block that does not fit and setting its
// table header above it again. It measures every row exactly as maroto
// does (same provider, cell and configuration; heights on a 1/64 mm grid,
// so sums are exact), so maroto never breaks a page of its own accord.
type pdfPager struct {
	m    core.Maroto
	cfg  *entity.Config
	meas *pdfMeasure
	page []core.Row
	used float64 // height of page
	// tail is set when the page is not the first of its section: the
	// section ran over onto it.
	tail bool
}

// tailShare is the most of a page the last rows of a section run over onto
// it may fill for the next section to start below them rather than on a
// new page: a page holding one table row and nothing else reads as a
// layout accident.
const tailShare = 0.4

// sectionGap is the space above a section that starts below the last
// rows of the one before.
const sectionGap = 8.0

// height is the height of rows as maroto will measure them.
func (p *pdfPager) height(rows []core.Row) float64 {
	h := 0.0
	for _, r := range rows {
		r.SetConfig(p.cfg)
		h += r.GetHeight(p.meas.provider, &p.meas.cell)
	}
	return h
}

// fits reports whether h more millimetres fit on the page, by maroto's
// own test.
func (p *pdfPager) fits(h float64) bool {
	return h+p.used+p.meas.footer <= p.meas.cell.Height
}

// section lays out one section from a new page, or below the few rows
// the section before ran over onto its last page.
func (p *pdfPager) section(blocks []pdfBlock) {
	if p.tail && p.meas.provider != nil && p.used+p.meas.footer <= tailShare*p.meas.cell.Height {
		gap := pdfSpacer(sectionGap)
		p.put(p.height([]core.Row{gap}), gap)
	} else {
		p.flush()
	}
	p.tail = false
	if p.meas.provider == nil {
		// Nothing to measure with: let maroto break where it must.
		var rows []core.Row
		for _, b := range blocks {
			rows = append(rows, b.rows...)
		}
		p.page = rows
		p.flush()
		return
	}
	for _, b := range blocks {
		h := p.height(b.rows)
		if p.fits(h) {
			p.put(h, b.rows...)
			continue
		}
		p.breakPage(b.repeat)
		if p.fits(h) {
			p.put(h, b.rows...)
			continue
		}
		// Taller than a page: row by row, breaking between rows.
		for _, r := range b.rows {
			rh := p.height([]core.Row{r})
			if !p.fits(rh) && len(p.page) > len(b.repeat) {
				p.breakPage(b.repeat)
			}
			p.put(rh, r)
		}
	}
}

// breakPage starts a new page, with repeat at its top.
func (p *pdfPager) breakPage(repeat []core.Row) {
	if len(p.page) == 0 {
		return
	}
	p.flush()
	p.tail = true
	if len(repeat) > 0 {
		p.put(p.height(repeat), repeat...)
	}
}

func (p *pdfPager) put(h float64, rows ...core.Row) {
	p.page = append(p.page, rows...)
	p.used += h
}

// flush hands the current page to maroto.
func (p *pdfPager) flush() {
	if len(p.page) > 0 {
		p.m.AddPages(page.New().Add(p.page...))
	}
	p.page, p.used = nil, 0
}
