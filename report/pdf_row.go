package report

import (
	"math"

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
