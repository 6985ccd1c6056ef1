package report

import (
	"slices"

	"senderproof/assess"
	"senderproof/mappings"
)

// setMapper adapts a mappings.Set to the Mapper Build needs, with each
// check's controls computed once.
type setMapper struct {
	byCheck  map[string][]assess.ControlRef
	controls []ControlDef
}

// FromMappings returns the Mapper of a set and the run's record of the
// mapping files used.
func FromMappings(s *mappings.Set) (Mapper, []MappingRef) {
	m := &setMapper{byCheck: map[string][]assess.ControlRef{}}
	for _, id := range assess.CheckIDs() {
		m.byCheck[id] = s.ControlsFor(id)
	}
	refs := []MappingRef{}
	for _, f := range s.Files {
		refs = append(refs, MappingRef{
			Framework: f.Framework.ID, Name: f.Framework.Name, Version: f.Framework.Version,
			SHA256: f.SHA256, Source: f.Framework.Source,
		})
		cat := f.Framework.Catalog
		if cat == "" {
			cat = f.Framework.ID
		}
		for _, c := range f.Controls {
			d := ControlDef{Framework: f.Framework.ID, ID: c.ID, Title: c.Title, Relevance: c.Relevance,
				Checks: s.ChecksFor(f.Framework.ID, c.ID), WarnFails: s.WarnFails(f.Framework.ID, c.ID)}
			for _, id := range c.Catalog {
				d.Catalog = append(d.Catalog, mappings.CatalogLabel(cat, id))
			}
			d.OSCAL = c.OSCAL
			m.controls = append(m.controls, d)
		}
	}
	return m, refs
}

// ControlsFor returns the check's controls. Every finding of the check
// shares the slice (a copy each was a few percent of a large run's
// allocations); it is clipped, so appending to it copies, and nothing
// changes a ControlRef in place.
func (m *setMapper) ControlsFor(checkID string) []assess.ControlRef {
	return slices.Clip(m.byCheck[checkID])
}

func (m *setMapper) Controls() []ControlDef { return m.controls }
