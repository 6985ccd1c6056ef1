package mappings

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// List writes the frameworks of the set for people: each framework's id,
// name, version and source, then each control with its title, its official
// catalog identifiers ("PR.DS-1 → CSF 2.0 PR.DS-02") and the checks mapped
// to it.
func (s *Set) List(w io.Writer) error {
	cs, err := loadCatalogs(embedded)
	if err != nil {
		return fmt.Errorf("embedded catalogs: %w", err)
	}
	bw := bufio.NewWriter(w)
	for i, f := range s.Files {
		if i > 0 {
			fmt.Fprintln(bw)
		}
		fw := f.Framework
		fmt.Fprintf(bw, "%s: %s", fw.ID, orDash(fw.Name))
		if fw.Version != "" {
			fmt.Fprintf(bw, ", version %s", fw.Version)
		}
		fmt.Fprintln(bw)
		if fw.Source != "" {
			fmt.Fprintf(bw, "  source:  %s\n", fw.Source)
		}
		if fw.Catalog != "" {
			fmt.Fprintf(bw, "  catalog: %s\n", fw.Catalog)
		}
		fmt.Fprintf(bw, "  file:    %s (sha256 %s)\n", f.Path, f.SHA256)
		for _, c := range f.Controls {
			fmt.Fprintf(bw, "  %s  %s\n", c.ID, orDash(c.Title))
			for _, id := range c.Catalog {
				line := fmt.Sprintf("%s → %s", c.ID, CatalogLabel(fw.Catalog, id))
				if cat := cs[fw.Catalog]; cat != nil {
					if e, ok := cat.lookup(id); ok && e.Title != "" && !strings.EqualFold(e.Title, e.ID) {
						line += " (" + e.Title + ")"
					}
				}
				fmt.Fprintf(bw, "      %s\n", line)
			}
			checks := s.ChecksFor(fw.ID, c.ID)
			if len(checks) == 0 {
				fmt.Fprintf(bw, "      checks: none\n")
				continue
			}
			fmt.Fprintf(bw, "      checks: %s\n", strings.Join(checks, ", "))
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("list mappings: %w", err)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
