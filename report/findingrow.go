package report

import (
	"strings"

	"senderproof/assess"
)

// findingRow supplies what the per-finding rows of findings.csv and the
// XLSX Findings sheet show beside the finding itself: its sender's
// inventory row (an analyst filters by owner or criticality without a
// lookup into the Assets sheet) and the catalog identifiers of its
// controls (a GRC import keyed on CSF 2.0 reads PR.DS-02, not the 1.1-style
// PR.DS-1 label, which it would take for another subcategory).
type findingRow struct {
	assets  []assess.Asset
	next    int            // where the next finding's asset is expected
	byIP    map[string]int // built when a finding is out of inventory order
	catalog map[assess.ControlRef][]string
}

func newFindingRow(p *Pack) *findingRow {
	r := &findingRow{assets: p.Assets, catalog: map[assess.ControlRef][]string{}}
	for _, c := range p.Controls {
		if len(c.Catalog) > 0 {
			r.catalog[assess.ControlRef{Framework: c.Framework, ID: c.ID}] = c.Catalog
		}
	}
	return r
}

// asset returns the inventory row of the sender ip (an empty one when the
// pack lists none). Findings come in inventory order, so this is a step
// forward, not a search.
func (r *findingRow) asset(ip string) *assess.Asset {
	for _, i := range []int{r.next - 1, r.next} {
		if i >= 0 && i < len(r.assets) && r.assets[i].IP == ip {
			r.next = i + 1
			return &r.assets[i]
		}
	}
	if r.byIP == nil {
		r.byIP = make(map[string]int, len(r.assets))
		for i := range r.assets {
			if _, ok := r.byIP[r.assets[i].IP]; !ok {
				r.byIP[r.assets[i].IP] = i
			}
		}
	}
	if i, ok := r.byIP[ip]; ok {
		r.next = i + 1
		return &r.assets[i]
	}
	return &assess.Asset{}
}

// catalogControls joins the catalog identifiers of cs, each once, in the
// order of cs: "CSF 2.0 PR.DS-02; NHI1:2025".
func (r *findingRow) catalogControls(cs []assess.ControlRef) string {
	var b strings.Builder
	seen := 0
	for i, c := range cs {
		for _, id := range r.catalog[c] {
			if repeated(r, cs[:i], id) {
				continue
			}
			if seen > 0 {
				b.WriteString("; ")
			}
			b.WriteString(id)
			seen++
		}
	}
	return b.String()
}

// repeated reports whether one of the controls before holds id: two
// frameworks' controls may name one catalog entry.
func repeated(r *findingRow, before []assess.ControlRef, id string) bool {
	for _, c := range before {
		for _, x := range r.catalog[c] {
			if x == id {
				return true
			}
		}
	}
	return false
}
