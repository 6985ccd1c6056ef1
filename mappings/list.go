package mappings

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"senderproof/assess"
)

// listLine is a value of a mapping file as one line of List's output, its
// white space (line breaks included) run together as one space, so that a
// file from elsewhere cannot fake a line of the list; lint refuses control
// characters and bidirectional overrides in it already, while ordinary
// text (a Persian zero-width non-joiner) is printed as written.
func listLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// listWidth is the column List wraps relevance and rationale text at.
const listWidth = 100

// List writes the frameworks of the set for people: each framework's id,
// name, version and source, then each control with its title, its
// relevance, its official catalog identifiers ("PR.DS-1 → CSF 2.0
// PR.DS-02") and the checks mapped to it, each with the rationale of its
// mapping and "(fail_on: warn)" when a warning of it counts against the
// control.
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
		fmt.Fprintf(bw, "%s: %s", listLine(fw.ID), orDash(listLine(fw.Name)))
		if fw.Version != "" {
			fmt.Fprintf(bw, ", version %s", listLine(fw.Version))
		}
		fmt.Fprintln(bw)
		if fw.Source != "" {
			fmt.Fprintf(bw, "  source:  %s\n", listLine(fw.Source))
		}
		if fw.Catalog != "" {
			fmt.Fprintf(bw, "  catalog: %s\n", listLine(fw.Catalog))
		}
		fmt.Fprintf(bw, "  file:    %s (sha256 %s)\n", assess.Escape(f.Path), f.SHA256)
		for _, c := range f.Controls {
			fmt.Fprintf(bw, "  %s  %s\n", listLine(c.ID), orDash(listLine(c.Title)))
			if c.Relevance != "" {
				writeWrapped(bw, "      relevance: ", "        ", c.Relevance)
			}
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
			for _, g := range groupRationales(s, fw.ID, c.ID, checks) {
				label := strings.Join(g.checks, ", ")
				if g.warnFails {
					label += " (fail_on: warn)"
				}
				writeWrapped(bw, "        "+label+": ", "          ", g.rationale)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("list mappings: %w", err)
	}
	return nil
}

// rationaleGroup is the checks of a control that share one rationale and
// one fail_on (usually those of one prefix mapping, such as "ptr.*").
type rationaleGroup struct {
	checks    []string
	rationale string
	warnFails bool
}

// groupRationales groups the checks of a control by rationale and fail_on,
// in the order each group first appears. A check tied to the control by
// several mappings has their rationales joined; one without any has "-".
func groupRationales(s *Set, framework, control string, checks []string) []rationaleGroup {
	warnFails := s.WarnFails(framework, control)
	var groups []rationaleGroup
	for _, check := range checks {
		g := rationaleGroup{
			checks:    []string{check},
			rationale: strings.Join(s.Rationale(framework, control, check), " "),
			warnFails: slices.Contains(warnFails, check),
		}
		if g.rationale == "" {
			g.rationale = "-"
		}
		i := slices.IndexFunc(groups, func(o rationaleGroup) bool {
			return o.rationale == g.rationale && o.warnFails == g.warnFails
		})
		if i < 0 {
			groups = append(groups, g)
			continue
		}
		groups[i].checks = append(groups[i].checks, check)
	}
	return groups
}

// writeWrapped writes text after first, wrapping it at listWidth with each
// further line indented by indent. Whitespace inside text collapses.
func writeWrapped(w io.Writer, first, indent, text string) {
	line := first
	n := utf8.RuneCountInString(line)
	fresh := true // nothing of text on line yet
	for _, word := range strings.Fields(text) {
		wn := utf8.RuneCountInString(word)
		if !fresh && n+1+wn > listWidth {
			fmt.Fprintln(w, line)
			line, n, fresh = indent, utf8.RuneCountInString(indent), true
		}
		if !fresh {
			line += " "
			n++
		}
		line += word
		n += wn
		fresh = false
	}
	fmt.Fprintln(w, line)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
