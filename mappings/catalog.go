package mappings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// entry is one official identifier of a catalog.
type entry struct {
	ID        string // official form, as the catalog writes it
	Title     string
	Withdrawn bool
	// Successors describe what replaced a withdrawn entry, e.g.
	// "incorporated into ID.RA-01".
	Successors []string
	// OSCAL is the entry's control in an OSCAL catalog, zero for a
	// catalog of another kind.
	OSCAL OSCALRef
}

// OSCALRef names a control of an OSCAL catalog as OSCAL documents refer to
// it: its control id and the id of its statement part ("" when it has
// none), the target of an assessment finding.
type OSCALRef struct {
	Control   string `json:"control_id"`
	Statement string `json:"statement_id,omitempty"`
}

// catalog is one official list of identifiers under catalogs/.
type catalog struct {
	Name    string
	entries map[string]entry // keyed by upper-cased ID
}

// lookup finds an identifier, ignoring case.
func (c *catalog) lookup(id string) (entry, bool) {
	e, ok := c.entries[strings.ToUpper(id)]
	return e, ok
}

// oneDigit is a CSF 1.1-style identifier, its number without the leading
// zero CSF 2.0 writes (PR.IP-1 for PR.IP-01).
var oneDigit = regexp.MustCompile(`^([A-Za-z]{2}\.[A-Za-z]{2})-([0-9])$`)

// hint suggests, for an identifier the catalog lacks, the one it may mean:
// a CSF 1.1-style number written as CSF 2.0 writes it, with what the
// catalog says of that one ("; did you mean PR.IP-01 (withdrawn: ...)?"),
// or "".
func (c *catalog) hint(id string) string {
	m := oneDigit.FindStringSubmatch(id)
	if m == nil {
		return ""
	}
	e, ok := c.lookup(m[1] + "-0" + m[2])
	switch {
	case !ok:
		return ""
	case e.Withdrawn && len(e.Successors) > 0:
		return fmt.Sprintf("; did you mean %s (withdrawn in %s: %s)?", e.ID, c.Name, strings.Join(e.Successors, "; "))
	case e.Withdrawn:
		return fmt.Sprintf("; did you mean %s (withdrawn in %s)?", e.ID, c.Name)
	}
	return fmt.Sprintf("; did you mean %s?", e.ID)
}

// catalogs holds every catalog by name.
type catalogs map[string]*catalog

// names lists the catalog names in order.
func (cs catalogs) names() []string {
	n := make([]string, 0, len(cs))
	for k := range cs {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// loadCatalogs parses every catalogs/*.json (OSCAL) and catalogs/*.yaml
// (a list of items) file of fsys. The catalog name is the file name without
// its extension.
func loadCatalogs(fsys fs.FS) (catalogs, error) {
	files, err := fs.Glob(fsys, "catalogs/*")
	if err != nil {
		return nil, fmt.Errorf("catalogs: %w", err)
	}
	cs := catalogs{}
	for _, f := range files {
		ext := path.Ext(f)
		if ext != ".json" && ext != ".yaml" {
			continue
		}
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("catalog %s: %w", f, err)
		}
		name := strings.TrimSuffix(path.Base(f), ext)
		var c *catalog
		if ext == ".json" {
			c, err = parseOSCAL(name, data)
		} else {
			c, err = parseItems(name, data)
		}
		if err != nil {
			return nil, fmt.Errorf("catalog %s: %w", f, err)
		}
		cs[name] = c
	}
	return cs, nil
}

type oscalProp struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type oscalLink struct {
	Href string `json:"href"`
	Rel  string `json:"rel"`
}

type oscalPart struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Prose string `json:"prose"`
}

type oscalControl struct {
	ID       string         `json:"id"`
	Class    string         `json:"class"`
	Title    string         `json:"title"`
	Props    []oscalProp    `json:"props"`
	Links    []oscalLink    `json:"links"`
	Parts    []oscalPart    `json:"parts"`
	Controls []oscalControl `json:"controls"`
}

type oscalGroup struct {
	ID       string         `json:"id"`
	Groups   []oscalGroup   `json:"groups"`
	Controls []oscalControl `json:"controls"`
}

type oscalDoc struct {
	Catalog *struct {
		Groups   []oscalGroup   `json:"groups"`
		Controls []oscalControl `json:"controls"`
	} `json:"catalog"`
}

// parseOSCAL reads an OSCAL catalog. Every control (at any depth) is an
// identifier; groups are not. A control is withdrawn when it carries the prop
// status=withdrawn; its incorporated_into and moved_to links name its
// successors.
func parseOSCAL(name string, data []byte) (*catalog, error) {
	var doc oscalDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse oscal json: %w", err)
	}
	if doc.Catalog == nil {
		return nil, fmt.Errorf("no catalog object")
	}
	var all []oscalControl
	var walkControls func([]oscalControl)
	walkControls = func(cs []oscalControl) {
		for _, c := range cs {
			all = append(all, c)
			walkControls(c.Controls)
		}
	}
	var walkGroups func([]oscalGroup)
	walkGroups = func(gs []oscalGroup) {
		for _, g := range gs {
			walkControls(g.Controls)
			walkGroups(g.Groups)
		}
	}
	walkGroups(doc.Catalog.Groups)
	walkControls(doc.Catalog.Controls)

	c := &catalog{Name: name, entries: make(map[string]entry, len(all))}
	official := make(map[string]string, len(all))
	for _, oc := range all {
		id := oc.ID
		for _, p := range oc.Props {
			// The label is the official written form when it is the bare
			// identifier (subcategories); category labels add the title.
			if p.Name == "label" && strings.EqualFold(p.Value, oc.ID) {
				id = p.Value
			}
		}
		official[strings.ToUpper(oc.ID)] = id
	}
	for _, oc := range all {
		e := entry{ID: official[strings.ToUpper(oc.ID)], Title: oc.Title, OSCAL: OSCALRef{Control: oc.ID}}
		for _, p := range oc.Parts {
			if p.Name == "statement" {
				e.OSCAL.Statement = p.ID
				break
			}
		}
		if strings.EqualFold(e.Title, oc.ID) {
			for _, p := range oc.Parts {
				if p.Name == "statement" && p.Prose != "" {
					e.Title = p.Prose
					break
				}
			}
		}
		for _, p := range oc.Props {
			if p.Name == "status" && p.Value == "withdrawn" {
				e.Withdrawn = true
			}
		}
		if e.Withdrawn {
			e.Successors = successors(oc.Links, official)
		}
		c.entries[strings.ToUpper(oc.ID)] = e
	}
	return c, nil
}

// successors describes the incorporated_into and moved_to links, grouped by
// relation in link order: "incorporated into DE.CM-01, DE.CM-09".
func successors(links []oscalLink, official map[string]string) []string {
	var out []string
	for _, rel := range []string{"incorporated_into", "moved_to"} {
		var ids []string
		for _, l := range links {
			if l.Rel != rel {
				continue
			}
			id := strings.TrimPrefix(l.Href, "#")
			if o, ok := official[strings.ToUpper(id)]; ok {
				id = o
			}
			ids = append(ids, id)
		}
		if len(ids) > 0 {
			out = append(out, strings.ReplaceAll(rel, "_", " ")+" "+strings.Join(ids, ", "))
		}
	}
	return out
}

type itemsDoc struct {
	Framework string `yaml:"framework"`
	Version   string `yaml:"version"`
	SourceURL string `yaml:"source_url"`
	Items     []struct {
		ID    string `yaml:"id"`
		Title string `yaml:"title"`
	} `yaml:"items"`
}

// parseItems reads a plain list catalog: {framework, version, source_url,
// items: [{id, title}]}. Every item is current.
func parseItems(name string, data []byte) (*catalog, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var doc itemsDoc
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("parse yaml: %w", err)
	}
	c := &catalog{Name: name, entries: make(map[string]entry, len(doc.Items))}
	for _, it := range doc.Items {
		if it.ID == "" {
			return nil, fmt.Errorf("item without id")
		}
		c.entries[strings.ToUpper(it.ID)] = entry{ID: it.ID, Title: it.Title}
	}
	return c, nil
}

// CatalogLabel is how reports show an official identifier of a framework's
// catalog: "CSF 2.0 PR.DS-02" for NIST CSF 2.0, the identifier itself
// ("NHI1:2025") otherwise. framework is a framework ID or a catalog name; for
// a framework whose catalog differs from its ID use Set.CatalogLabel.
func CatalogLabel(framework, catalogID string) string {
	switch framework {
	case "nist-csf-2.0":
		return "CSF 2.0 " + catalogID
	}
	return catalogID
}
