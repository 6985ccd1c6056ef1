// Package mappings loads the data-driven mapping files that tie check IDs to
// compliance controls, and lints them against the check registry and the
// official catalogs under catalogs/.
//
// One YAML file describes one framework. The files in this directory are
// embedded; a directory given at run time adds frameworks, and a file there
// whose framework.id equals an embedded one replaces it.
//
// A mapping ties checks to controls; a control is not satisfied when a
// finding of one of its checks fails, or, for a mapping with fail_on: warn,
// warns (report.Build rolls findings up). Lint requires framework.id, name
// and version, each control's id and title, and a mapping for every
// control: a control without one would have no evidence.
package mappings

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"senderproof/assess"
	"senderproof/templates"
)

// embedded holds the shipped mapping files and catalogs.
//
//go:embed *.yaml catalogs/*.json catalogs/*.yaml
var embedded embed.FS

// EmbeddedPrefix is how problems in embedded files name them.
const EmbeddedPrefix = "mappings/"

// Framework describes the framework of one mapping file.
type Framework struct{ ID, Name, Version, Source, Catalog string }

// Control is one control of a framework, with the official catalog
// identifiers it corresponds to (in the catalog's own written form).
type Control struct {
	ID, Title, Relevance string
	Catalog              []string
	// OSCAL holds, for a framework whose catalog is an OSCAL catalog, the
	// catalog controls of Catalog as OSCAL refers to them.
	OSCAL []OSCALRef
}

// Mapping ties a check ID, or a prefix ending in ".*", to controls.
type Mapping struct {
	Check     string
	Controls  []string
	Rationale string
	// FailOn is the finding status from which a finding of the check counts
	// against the controls: FailOnFail (the default) or FailOnWarn, for a
	// control whose text a warning already breaks (a DMARC policy of
	// p=none against "the policy enforces").
	FailOn string
}

// Values of a mapping's fail_on.
const (
	FailOnFail = "fail"
	FailOnWarn = "warn"
)

// File is one linted mapping file.
type File struct {
	Path      string
	SHA256    string
	Framework Framework
	Controls  []Control
	Mappings  []Mapping

	// byControl indexes Mappings by the controls they name, built once
	// when first asked (mappingsOf): the roll-up asks for every check and
	// control, which over a scan of the mappings would take quadratic
	// time in a large file.
	indexOnce sync.Once
	byControl map[string][]int
}

// mappingsOf returns the indexes of the mappings that name control.
func (f *File) mappingsOf(control string) []int {
	f.indexOnce.Do(func() {
		f.byControl = map[string][]int{}
		for i, m := range f.Mappings {
			for _, c := range m.Controls {
				if l := f.byControl[c]; len(l) == 0 || l[len(l)-1] != i {
					f.byControl[c] = append(l, i)
				}
			}
		}
	})
	return f.byControl[control]
}

// Set is every framework of a run, ordered by framework ID.
type Set struct {
	Files []*File
	// Replaced says, for each file of the directory that replaces an
	// embedded framework (the same framework.id), what of the shipped
	// one is no longer loaded: a file meant to add a control to it drops
	// the others.
	Replaced []string
}

// Problem is one lint finding: file, 1-based line and reason.
type Problem struct {
	Path   string
	Line   int
	Reason string
}

func (p *Problem) Error() string { return fmt.Sprintf("%s:%d: %s", p.Path, p.Line, p.Reason) }

// env is what lint checks a file against.
type env struct {
	catalogs catalogs
	checks   []string
}

func newEnv() (*env, error) {
	cs, err := loadCatalogs(embedded)
	if err != nil {
		return nil, fmt.Errorf("embedded catalogs: %w", err)
	}
	return &env{catalogs: cs, checks: assess.CheckIDs()}, nil
}

// source is one mapping file's bytes and the name problems use for it.
type source struct {
	path string
	data []byte
}

// embeddedSources returns the embedded mapping files in name order.
func embeddedSources() ([]source, error) {
	names, err := fs.Glob(embedded, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("embedded mappings: %w", err)
	}
	sort.Strings(names)
	out := make([]source, 0, len(names))
	for _, n := range names {
		data, err := embedded.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("embedded mapping %s: %w", n, err)
		}
		out = append(out, source{path: EmbeddedPrefix + n, data: data})
	}
	return out, nil
}

// dirSources returns the *.yaml and *.yml files of dir in name order.
func dirSources(dir string) ([]source, []*Problem, error) {
	files, bad, err := templates.DirFiles(dir, ".yaml", ".yml")
	if err != nil {
		return nil, nil, fmt.Errorf("mappings directory %s: cannot read: %w", dir, templates.UnwrapPath(err))
	}
	var problems []*Problem
	for _, b := range bad {
		problems = append(problems, &Problem{Path: b.Path, Line: b.Line, Reason: b.Reason})
	}
	var out []source
	for _, p := range files {
		data, err := readMappingFile(p)
		if err != nil {
			problems = append(problems, &Problem{Path: p, Line: 1, Reason: err.Error()})
			continue
		}
		out = append(out, source{path: p, data: data})
	}
	return out, problems, nil
}

// maxMappingFile bounds a mapping file: a framework of a thousand controls
// and their mappings takes a few hundred kilobytes.
const maxMappingFile = 4 << 20

// readMappingFile reads a mapping file of at most maxMappingFile bytes.
func readMappingFile(p string) ([]byte, error) {
	data, _, err := templates.ReadAtMost(p, maxMappingFile)
	switch {
	case errors.Is(err, templates.ErrTooLarge):
		return nil, fmt.Errorf("more than %d bytes, more than a mapping file may hold", maxMappingFile)
	case err != nil:
		return nil, fmt.Errorf("cannot be read: %v", err)
	}
	return data, nil
}

// lintSources lints each file, then flags framework IDs used twice among
// them. It returns the files that decoded (possibly with problems).
func (e *env) lintSources(srcs []source, shipped ...*File) ([]*File, []*Problem) {
	var files []*File
	var problems []*Problem
	seen := map[string]string{}
	// An ID that differs from another only in case would neither replace
	// it nor read as a different framework; shipped are the embedded
	// files, which one of srcs may replace by using the same ID, and a
	// file of srcs cannot replace another.
	type holder struct {
		id, path string // path "" for a shipped framework no file of srcs replaced
		line     int
	}
	folded := map[string]holder{}
	for _, f := range shipped {
		folded[strings.ToLower(f.Framework.ID)] = holder{id: f.Framework.ID}
	}
	lines := map[*File]int{} // the framework line of each file of srcs
	for _, s := range srcs {
		f, line, ps := e.lint(s.path, s.data)
		problems = append(problems, ps...)
		if f == nil {
			continue
		}
		files = append(files, f)
		lines[f] = line
		id := f.Framework.ID
		if id == "" {
			continue
		}
		switch other, ok := folded[strings.ToLower(id)]; {
		case ok && other.id != id && other.path == "":
			problems = append(problems, &Problem{Path: s.path, Line: line,
				Reason: fmt.Sprintf("framework id %q differs only in case from the shipped %q: use %q to replace that framework, or an id of its own", id, other.id, other.id)})
			continue
		case ok && other.id != id:
			problems = append(problems, &Problem{Path: s.path, Line: line,
				Reason: fmt.Sprintf("framework id %q differs only in case from %q (%s:%d): give one of them an id of its own", id, other.id, other.path, other.line)})
			continue
		}
		folded[strings.ToLower(id)] = holder{id: id, path: s.path, line: line}
		if first, ok := seen[id]; ok {
			problems = append(problems, &Problem{Path: s.path, Line: line,
				Reason: fmt.Sprintf("duplicate framework id %q (also in %s)", id, first)})
			continue
		}
		seen[id] = s.path
	}
	return files, append(problems, tokenClashes(shipped, files, lines)...)
}

// tokenClashes reports a control of files whose OSCAL target
// (OSCALToken) is that of a control of another framework loaded beside
// it: the shipped frameworks files do not replace, and the other files.
// "acme" "MAIL_7" and "acme_MAIL" "7" both give acme_MAIL_7, and a GRC
// import would take one's findings for the other's. lines holds the
// framework line of each of files, where the problem is put.
func tokenClashes(shipped, files []*File, lines map[*File]int) []*Problem {
	type owner struct{ framework, control, path string }
	tokens := map[string]owner{}
	replaced := map[string]bool{}
	for _, f := range files {
		replaced[f.Framework.ID] = true
	}
	var all []*File
	for _, f := range shipped {
		if !replaced[f.Framework.ID] {
			all = append(all, f)
		}
	}
	all = append(all, files...)
	var out []*Problem
	for _, f := range all {
		for _, c := range f.Controls {
			tok := OSCALToken(f.Framework.ID, c.ID)
			other, ok := tokens[tok]
			switch {
			case !ok:
				tokens[tok] = owner{f.Framework.ID, c.ID, f.Path}
			case other.framework != f.Framework.ID:
				if _, mine := lines[f]; mine {
					out = append(out, &Problem{Path: f.Path, Line: lines[f],
						Reason: fmt.Sprintf("control %q of framework %q gives the same OSCAL target %s as control %q of framework %q (%s): a GRC import could not tell their findings apart; rename one of them",
							c.ID, f.Framework.ID, tok, other.control, other.framework, other.path)})
				}
			}
		}
	}
	return out
}

// collect lints the embedded files and those of dir ("" for none).
func collect(dir string) (embeddedFiles, dirFiles []*File, err error) {
	e, err := newEnv()
	if err != nil {
		return nil, nil, err
	}
	emb, err := embeddedSources()
	if err != nil {
		return nil, nil, err
	}
	embeddedFiles, problems := e.lintSources(emb)
	if dir != "" {
		srcs, unread, err := dirSources(dir)
		if err != nil {
			return nil, nil, err
		}
		var ps []*Problem
		dirFiles, ps = e.lintSources(srcs, embeddedFiles...)
		problems = append(append(problems, unread...), ps...)
	}
	return embeddedFiles, dirFiles, joinProblems(problems)
}

// joinProblems joins problems into one error, ordered by file then line.
func joinProblems(ps []*Problem) error {
	if len(ps) == 0 {
		return nil
	}
	slices.SortStableFunc(ps, func(a, b *Problem) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return a.Line - b.Line
	})
	// The same file given twice (in a directory and on its own) is
	// reported once.
	ps = slices.CompactFunc(ps, func(a, b *Problem) bool { return *a == *b })
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = p
	}
	return errors.Join(errs...)
}

// Lint checks the embedded mapping files and, unless dir is "", every
// *.yaml/*.yml file of dir. It returns every problem at once, each
// "file:line: reason", joined with errors.Join (each is a *Problem).
func Lint(dir string) error {
	_, _, err := collect(dir)
	return err
}

// LintPaths checks the embedded mapping files and every path given, each a
// directory (its *.yaml/*.yml files, as Lint) or a single mapping file. It
// goes on past a path it cannot read and returns every problem at once:
// the read errors, then each "file:line: reason" ordered by file and line
// (each a *Problem), joined with errors.Join. Framework IDs must be unique
// within one directory; different paths are separate sets of files, as
// separate --mappings directories are.
func LintPaths(paths ...string) error {
	e, err := newEnv()
	if err != nil {
		return err
	}
	emb, err := embeddedSources()
	if err != nil {
		return err
	}
	shipped, problems := e.lintSources(emb)
	var errs []error
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("mappings %s: cannot read: %w", p, templates.UnwrapPath(err)))
			continue
		}
		var srcs []source
		if fi.IsDir() {
			var unread []*Problem
			if srcs, unread, err = dirSources(p); err != nil {
				errs = append(errs, err)
				continue
			}
			problems = append(problems, unread...)
		} else {
			data, err := readMappingFile(p)
			if err != nil {
				problems = append(problems, &Problem{Path: p, Line: 1, Reason: err.Error()})
				continue
			}
			srcs = []source{{path: p, data: data}}
		}
		_, ps := e.lintSources(srcs, shipped...)
		problems = append(problems, ps...)
	}
	if err := joinProblems(problems); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// LintFile checks one mapping file on its own.
func LintFile(p string) error {
	data, err := readMappingFile(p)
	if err != nil {
		return fmt.Errorf("%s:1: %w", p, err)
	}
	e, err := newEnv()
	if err != nil {
		return err
	}
	_, _, ps := e.lint(p, data)
	return joinProblems(ps)
}

// Load returns the embedded frameworks plus those of dir ("" for embedded
// only). A file of dir whose framework.id equals an embedded one replaces
// it. Any lint problem fails the load with an error listing them all.
func Load(dir string) (*Set, error) {
	emb, extra, err := collect(dir)
	if err != nil {
		return nil, err
	}
	byID := map[string]*File{}
	for _, f := range emb {
		byID[f.Framework.ID] = f
	}
	var replaced []string
	for _, f := range extra {
		if g := byID[f.Framework.ID]; g != nil {
			if r := replacement(f, g); r != "" {
				replaced = append(replaced, r)
			}
		}
		byID[f.Framework.ID] = f
	}
	s := &Set{Files: make([]*File, 0, len(byID)), Replaced: replaced}
	for _, f := range byID {
		s.Files = append(s.Files, f)
	}
	slices.SortFunc(s.Files, func(a, b *File) int { return strings.Compare(a.Framework.ID, b.Framework.ID) })
	return s, nil
}

// replacement says that f replaces the shipped framework g, naming g's
// controls that f leaves out; "" when f is a byte-for-byte copy of the
// shipped file. An edited copy is said too: a report that shows the
// framework's name over edited titles or fail_on settings is the user's
// file, not the shipped one, and the pack's notes should say so.
func replacement(f, g *File) string {
	if f.SHA256 == g.SHA256 {
		return ""
	}
	have := map[string]bool{}
	for _, c := range f.Controls {
		have[c.ID] = true
	}
	var dropped []string
	for _, c := range g.Controls {
		if !have[c.ID] {
			dropped = append(dropped, c.ID)
		}
	}
	s := fmt.Sprintf("%s replaces the shipped framework %s (%s %s) whole", f.Path, g.Framework.ID, g.Framework.Name, g.Framework.Version)
	switch len(dropped) {
	case 0:
		return s + ", with a file of its own (sha256 " + f.SHA256 + "; the shipped file's is " + g.SHA256 + ")"
	case 1:
		return s + "; its control " + dropped[0] + " is not loaded (copy it into the file to keep it, or give the file a framework id of its own)"
	}
	return s + "; its controls " + strings.Join(dropped, ", ") + " are not loaded (copy them into the file to keep them, or give the file a framework id of its own)"
}

// lint decodes and checks one file. It returns the file (nil after a YAML
// syntax error), the line of its framework id for later problems, and every
// problem found.
func (e *env) lint(p string, data []byte) (*File, int, []*Problem) {
	doc, problems := decode(p, data)
	if doc == nil {
		return nil, 0, problems
	}
	add := func(line int, format string, args ...any) {
		for i, a := range args {
			if s, ok := a.(string); ok {
				args[i] = assess.ClipQuoted(s) // a 100 KB check name is named by its start
			}
		}
		problems = append(problems, &Problem{Path: p, Line: max(line, 1), Reason: fmt.Sprintf(format, args...)})
	}
	sum := sha256.Sum256(data)
	f := &File{Path: p, SHA256: hex.EncodeToString(sum[:])}

	// framework
	fwLine := doc.frameworkLine
	var cat *catalog
	if fw := doc.raw.Framework; fw != nil {
		f.Framework = Framework{ID: fw.ID.Value, Name: fw.Name.Value, Version: fw.Version.Value,
			Source: fw.Source.Value, Catalog: fw.Catalog.Value}
		if fw.ID.Line > 0 {
			fwLine = fw.ID.Line
		}
		if fw.Catalog.Value != "" {
			if cat = e.catalogs[fw.Catalog.Value]; cat == nil {
				add(fw.Catalog.Line, "unknown catalog %q (known: %s)", fw.Catalog.Value,
					strings.Join(e.catalogs.names(), ", "))
			}
		}
	}
	var fw rawFramework // the zero value, all missing, when there is none
	if doc.raw.Framework != nil {
		fw = *doc.raw.Framework
	}
	requireText(add, fwLine, "framework.id", fw.ID)
	if id := f.Framework.ID; blank(id) {
		// Reported as missing.
	} else if strings.TrimSpace(id) != id {
		add(fwLine, "framework id %q has leading or trailing spaces", id)
	} else if i := strings.IndexFunc(id, badFrameworkIDRune); i >= 0 {
		add(fwLine, "framework id %+q holds %+q: a framework id is written with ASCII letters, digits, '.', '_' and '-' only: another character could make it read as another framework's (a Cyrillic or fullwidth letter, a Unicode hyphen) or break the reports' lists (a space, ':', ';', '|')", id, firstRune(id[i:]))
	}
	if len(f.Framework.ID) > maxID {
		add(fwLine, "framework.id holds %d bytes, more than the %d an id may hold", len(f.Framework.ID), maxID)
	}
	checkShown(add, "framework.name", fw.Name)
	checkShown(add, "framework.version", fw.Version)
	checkShown(add, "framework.source", fw.Source)
	requireText(add, doc.frameworkLine, "framework.name", fw.Name)
	requireText(add, doc.frameworkLine, "framework.version", fw.Version)

	// controls
	defined := map[string]int{}
	tokens := map[string]string{} // OSCAL target token: the control ID giving it
	var order []string            // defined control IDs in file order
	for i, rc := range doc.raw.Controls {
		line := rc.ID.Line
		if i < len(doc.controlLines) && line < doc.controlLines[i] {
			// No id, or an id that comes from an alias defined earlier.
			line = doc.controlLines[i]
		}
		if blank(rc.ID.Value) {
			requireText(add, line, "controls[].id", rc.ID)
			continue
		}
		if len(rc.ID.Value) > maxID {
			add(line, "controls[].id holds %d bytes, more than the %d an id may hold", len(rc.ID.Value), maxID)
			defined[rc.ID.Value] = line // mappings to it are not unknown too
			continue
		}
		if strings.TrimSpace(rc.ID.Value) != rc.ID.Value {
			add(line, "control id %q has leading or trailing spaces, which would make it a different id in some reports", rc.ID.Value)
			defined[rc.ID.Value] = line // mappings to it are not unknown too
			continue
		}
		if strings.ContainsFunc(rc.ID.Value, badControlIDRune) {
			add(line, "control id %+q holds a control or invisible character, a line break, or ';' (the reports' list separator), so reports could not tell it from another", rc.ID.Value)
			defined[rc.ID.Value] = line // mappings to it are not unknown too
			continue
		}
		if first, ok := defined[rc.ID.Value]; ok {
			add(line, "duplicate control id %q (first defined at line %d)", rc.ID.Value, first)
			continue
		}
		tok := OSCALToken(f.Framework.ID, rc.ID.Value)
		if other, ok := tokens[tok]; ok {
			add(line, "control id %q gives the same OSCAL target %s as %q (line %d): a GRC import could not tell their findings apart; rename one", rc.ID.Value, tok, other, defined[other])
			defined[rc.ID.Value] = line // mappings to it are not unknown too
			continue
		}
		tokens[tok] = rc.ID.Value
		checkShown(add, "controls[].title", rc.Title)
		checkShown(add, "controls[].relevance", rc.Relevance)
		defined[rc.ID.Value] = line
		order = append(order, rc.ID.Value)
		requireText(add, max(rc.Title.Line, line), "controls[].title", rc.Title)
		c := Control{ID: rc.ID.Value, Title: rc.Title.Value, Relevance: rc.Relevance.Value}
		listed := map[string]int{}
		for _, id := range rc.Catalog.Items {
			if first, ok := listed[strings.ToLower(id.Value)]; ok {
				add(id.Line, "duplicate catalog identifier %s (first at line %d)", shown(id.Value), first)
				continue
			}
			listed[strings.ToLower(id.Value)] = id.Line
			switch {
			case f.Framework.Catalog == "":
				add(id.Line, "control %s lists catalog identifier %s but framework.catalog is not set", c.ID, shown(id.Value))
			case cat == nil:
				// The unknown catalog is reported once, above.
				c.Catalog = append(c.Catalog, id.Value)
			default:
				ent, ok := cat.lookup(id.Value)
				switch {
				case !ok:
					add(id.Line, "catalog identifier %s is not in %s%s", shown(id.Value), cat.Name, cat.hint(id.Value))
				case ent.Withdrawn && len(ent.Successors) > 0:
					add(id.Line, "catalog identifier %s is withdrawn in %s (%s)", ent.ID, cat.Name, strings.Join(ent.Successors, "; "))
				case ent.Withdrawn:
					add(id.Line, "catalog identifier %s is withdrawn in %s", ent.ID, cat.Name)
				default:
					c.Catalog = append(c.Catalog, ent.ID)
					if ent.OSCAL.Control != "" {
						c.OSCAL = append(c.OSCAL, ent.OSCAL)
					}
				}
			}
		}
		f.Controls = append(f.Controls, c)
	}

	// mappings
	used := map[string]bool{} // control IDs some mapping names
	var mappingLines []int    // of f.Mappings
	for i, rm := range doc.raw.Mappings {
		line := 0
		if i < len(doc.mappingLines) {
			line = doc.mappingLines[i]
		}
		m := Mapping{Check: rm.Check.Value, Rationale: rm.Rationale.Value, FailOn: FailOnFail}
		checkShown(add, "mappings[].rationale", rm.Rationale)
		switch v := rm.FailOn.Value; {
		case rm.FailOn.Bad:
			// The type error is reported already.
		case v == FailOnFail || v == FailOnWarn:
			m.FailOn = v
		case rm.FailOn.Line > 0:
			add(rm.FailOn.Line, "fail_on must be fail or warn, not %s", quote(v))
		}
		switch {
		case m.Check == "" && rm.Check.Bad:
			// The type error is reported already.
		case m.Check == "":
			add(line, "missing required field mappings[].check")
		case strings.HasSuffix(m.Check, ".*"):
			if len(matchChecks(m.Check, e.checks)) == 0 {
				add(rm.Check.Line, "check prefix %s matches no registered check%s", quote(m.Check), templates.DidYouMean(m.Check, familyPrefixes(e.checks)))
			}
		case !slices.Contains(e.checks, m.Check):
			hint := templates.DidYouMean(m.Check, e.checks)
			if hint == "" && (strings.HasSuffix(m.Check, "*") || strings.HasSuffix(m.Check, ".")) {
				hint = "; a prefix is written as a family and .*, for example ptr.*"
			}
			add(rm.Check.Line, "unknown check %s%s", quote(m.Check), hint)
		}
		if len(rm.Controls.Items) == 0 && !rm.Controls.Bad {
			add(max(rm.Controls.Line, line), "missing required field mappings[].controls")
		}
		listed := map[string]bool{}
		for _, id := range rm.Controls.Items {
			used[id.Value] = true
			if _, ok := defined[id.Value]; !ok {
				add(id.Line, "unknown control %s (not defined under controls)", quote(id.Value))
				continue
			}
			if !listed[id.Value] {
				listed[id.Value] = true
				m.Controls = append(m.Controls, id.Value)
			}
		}
		f.Mappings = append(f.Mappings, m)
		mappingLines = append(mappingLines, max(rm.Check.Line, line))
	}
	problems = append(problems, failOnConflicts(p, f.Mappings, mappingLines, e.checks)...)

	// A control without a mapping has no evidence: it could only ever be
	// inconclusive.
	for _, id := range order {
		if !used[id] {
			add(defined[id], "control %s is mapped to no check", id)
		}
	}
	// A framework without controls would be named among the frameworks a
	// report covers while nothing of it was assessed.
	if len(doc.raw.Controls) == 0 && f.Framework.ID != "" {
		add(fwLine, "framework %s has no controls: list its controls under controls, each mapped to the checks that evidence it", shown(f.Framework.ID))
	}
	return f, fwLine, problems
}

// familyPrefixes returns the prefixes the checks can be selected by:
// "ptr.*", "spf.*", ...
func familyPrefixes(checks []string) []string {
	var out []string
	for _, c := range checks {
		if fam, _, ok := strings.Cut(c, "."); ok && !slices.Contains(out, fam+".*") {
			out = append(out, fam+".*")
		}
	}
	return out
}

// failOnConflicts reports two mappings that tie one check to one control
// with different fail_on: a warn finding then counts against the control
// whichever the author meant (warn wins), so neither an exact check ID nor
// the later mapping decides, and lint asks for one setting.
func failOnConflicts(file string, ms []Mapping, lines []int, checks []string) []*Problem {
	type tie struct{ check, control string }
	type first struct {
		failOn string
		at     int // index in ms
	}
	seen := map[tie]first{}
	// One problem per later mapping, control and earlier mapping, naming
	// the checks they share: in one pass, as a file may hold thousands.
	type conflict struct {
		at, control, earlier int
	}
	var order []conflict
	shared := map[conflict][]string{}
	for j, m := range ms {
		for _, c := range checks {
			if !m.covers(c) {
				continue
			}
			for k, id := range m.Controls {
				t := tie{c, id}
				f, ok := seen[t]
				if !ok {
					seen[t] = first{m.FailOn, j}
					continue
				}
				if f.failOn == m.FailOn {
					continue
				}
				key := conflict{j, k, f.at}
				if _, ok := shared[key]; !ok {
					order = append(order, key)
				}
				shared[key] = append(shared[key], c)
			}
		}
	}
	var out []*Problem
	for _, k := range order {
		m, e := ms[k.at], ms[k.earlier]
		out = append(out, &Problem{Path: file, Line: lines[k.at], Reason: fmt.Sprintf(
			"this mapping ties %s to control %s with fail_on: %s, and the one on line %d with fail_on: %s; a warn finding would count against the control either way: give it one fail_on (one mapping, or the same setting in both)",
			strings.Join(shared[k], ", "), m.Controls[k.control], m.FailOn, lines[k.earlier], e.FailOn)})
	}
	return out
}

// matchChecks returns the registered checks a mapping's check selects: the
// ID itself, or every ID starting with the prefix before ".*".
func matchChecks(pattern string, checks []string) []string {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok && strings.HasSuffix(prefix, ".") {
		var out []string
		for _, c := range checks {
			if strings.HasPrefix(c, prefix) {
				out = append(out, c)
			}
		}
		return out
	}
	if slices.Contains(checks, pattern) {
		return []string{pattern}
	}
	return nil
}

// covers reports whether mapping m selects checkID.
func (m Mapping) covers(checkID string) bool {
	if prefix, ok := strings.CutSuffix(m.Check, "*"); ok && strings.HasSuffix(prefix, ".") {
		return strings.HasPrefix(checkID, prefix)
	}
	return m.Check == checkID
}

// Framework returns the file of a framework.
func (s *Set) Framework(id string) (*File, bool) {
	for _, f := range s.Files {
		if f.Framework.ID == id {
			return f, true
		}
	}
	return nil, false
}

// ControlsFor returns every control any framework maps checkID to, ordered
// by framework, then by the control's order in its file, without duplicates.
func (s *Set) ControlsFor(checkID string) []assess.ControlRef {
	var refs []assess.ControlRef
	for _, f := range s.Files {
		for _, c := range f.Controls {
			if f.mapsTo(checkID, c.ID) {
				refs = append(refs, assess.ControlRef{Framework: f.Framework.ID, ID: c.ID})
			}
		}
	}
	return refs
}

// mapsTo reports whether some mapping of f ties checkID to control.
func (f *File) mapsTo(checkID, control string) bool {
	for _, i := range f.mappingsOf(control) {
		if f.Mappings[i].covers(checkID) {
			return true
		}
	}
	return false
}

// warnFails reports whether some mapping of f ties checkID to control with
// fail_on: warn.
func (f *File) warnFails(checkID, control string) bool {
	for _, i := range f.mappingsOf(control) {
		if m := f.Mappings[i]; m.FailOn == FailOnWarn && m.covers(checkID) {
			return true
		}
	}
	return false
}

// WarnFails returns the registered check IDs, in registry order, whose warn
// findings count against a control because a mapping ties them to it with
// fail_on: warn.
func (s *Set) WarnFails(framework, id string) []string {
	f, ok := s.Framework(framework)
	if !ok {
		return nil
	}
	var out []string
	for _, c := range assess.CheckIDs() {
		if f.warnFails(c, id) {
			out = append(out, c)
		}
	}
	return out
}

// Control returns one control of a framework.
func (s *Set) Control(framework, id string) (Control, bool) {
	f, ok := s.Framework(framework)
	if !ok {
		return Control{}, false
	}
	for _, c := range f.Controls {
		if c.ID == id {
			return c, true
		}
	}
	return Control{}, false
}

// ChecksFor returns the registered check IDs mapped to a control, in
// registry order.
func (s *Set) ChecksFor(framework, id string) []string {
	f, ok := s.Framework(framework)
	if !ok {
		return nil
	}
	var out []string
	for _, c := range assess.CheckIDs() {
		if f.mapsTo(c, id) {
			out = append(out, c)
		}
	}
	return out
}

// Rationale returns the rationales of the mappings that tie checkID to a
// control, in file order.
func (s *Set) Rationale(framework, id, checkID string) []string {
	f, ok := s.Framework(framework)
	if !ok {
		return nil
	}
	var out []string
	for _, m := range f.Mappings {
		if m.Rationale != "" && m.covers(checkID) && slices.Contains(m.Controls, id) {
			out = append(out, m.Rationale)
		}
	}
	return out
}

// CatalogLabel is CatalogLabel for the catalog a framework of the set names.
func (s *Set) CatalogLabel(framework, catalogID string) string {
	if f, ok := s.Framework(framework); ok && f.Framework.Catalog != "" {
		return CatalogLabel(f.Framework.Catalog, catalogID)
	}
	return CatalogLabel(framework, catalogID)
}

// badControlIDRune reports a character a control ID may not hold: one
// that reports drop or show as something else (any control character,
// assess.HiddenRune), one that shows as a space without being one (white
// space beyond ASCII, blankLetter), or ';', which separates controls in
// lists.
func badControlIDRune(r rune) bool {
	return r == ';' || oddRune(r)
}

// oddRune reports a character that text would show as nothing or as
// something else: a control character, one assess.HiddenRune names (a
// zero-width space), white space beyond ASCII (a no-break space) or a
// blankLetter.
func oddRune(r rune) bool {
	return r < 0x20 || r == 0x7f || assess.HiddenRune(r) || r > 0x7f && unicode.IsSpace(r) || blankLetter(r)
}

// quoted is a value a message shows already bounded and escaped, which
// lint's add passes on as it is.
type quoted string

// shown returns a value a message prints unquoted (a catalog identifier)
// as it is, or, when it holds an oddRune or a space at either end, quoted
// with every character beyond ASCII escaped: "PR.DS-02\u200b" is not in
// the catalog, where PR.DS-02 would seem to be. It is cut as
// assess.ClipQuoted cuts (before escaping, so no escape is cut in two).
func shown(s string) quoted {
	s = assess.ClipQuoted(s)
	if strings.ContainsFunc(s, oddRune) || strings.TrimSpace(s) != s {
		return quoted(strconv.QuoteToASCII(s))
	}
	return quoted(s)
}

// quote is %q for a message, which escapes every character beyond ASCII
// of a value that holds an oddRune: %q leaves a blank letter as it is.
func quote(s string) quoted {
	s = assess.ClipQuoted(s)
	if strings.ContainsFunc(s, oddRune) {
		return quoted(strconv.QuoteToASCII(s))
	}
	return quoted(strconv.Quote(s))
}

// blank reports whether s shows nothing: it holds only white space,
// characters assess.HiddenRune names (zero-width spaces and joiners, soft
// hyphens, bidirectional marks) and blankLetter ones. "" is blank.
func blank(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool {
		return !unicode.IsSpace(r) && !assess.HiddenRune(r) && !blankLetter(r)
	})
}

// blankLetter reports a letter that is drawn as blank space: the braille
// blank and the Hangul fillers.
func blankLetter(r rune) bool {
	switch r {
	case 0x2800, 0x3164, 0x115f, 0x1160, 0xffa0:
		return true
	}
	return false
}

// requireText reports, at line, a required field that is absent or that
// shows nothing (blank); a field with a type error was reported already.
func requireText(add func(int, string, ...any), line int, field string, t text) {
	switch {
	case t.Bad:
	case t.Value == "":
		add(line, "missing required field %s", field)
	case blank(t.Value):
		add(line, "missing required field %s: %s holds only white space or invisible characters", field, strconv.QuoteToASCII(t.Value))
	}
}

// badFrameworkIDRune reports a character a framework ID may not hold:
// anything but an ASCII letter or digit, '.', '_' and '-'. Beyond ASCII,
// "n\u0456st-csf-2.0" (a Cyrillic i), "nist\u2010csf\u20102.0" (U+2010
// hyphens) or a fullwidth "nist" would load beside the shipped
// nist-csf-2.0 and read as it in every report, and an ID that differs
// from another only in case is refused apart (lintSources). The rest
// keeps out white space, ':', which joins framework and control in
// findings.csv, '|', which joins them in the keys of the OSCAL findings'
// UUIDs, and ';', which separates controls in lists.
func badFrameworkIDRune(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '.', r == '_', r == '-':
		return false
	}
	return true
}

// unsafeText reports a character a title, relevance or rationale may not
// hold: a control character other than tab and line break, which a
// terminal acts on, or a bidirectional control or line separator, which
// reorders or breaks what is shown. Joiners and soft hyphens are part of
// ordinary text in some languages and pass.
func unsafeText(r rune) bool {
	if r < 0x20 {
		return r != '\t' && r != '\n' && r != '\r'
	}
	return r == 0x7f || assess.ControlRune(r)
}

// Bounds of a mapping file's values: every report shows a framework's
// text, and a finding lists the IDs of each control it is mapped to.
const (
	maxID   = 100  // bytes of a framework or control id
	maxText = 4096 // bytes of a name, version, source, title, relevance or rationale
)

// checkShown reports a text field holding more than maxText bytes, or a
// character unsafeText names.
func checkShown(add func(int, string, ...any), field string, t text) {
	if len(t.Value) > maxText {
		add(t.Line, "%s holds %d bytes, more than the %d a text field may hold", field, len(t.Value), maxText)
	}
	if i := strings.IndexFunc(t.Value, unsafeText); i >= 0 {
		r, _ := utf8.DecodeRuneInString(t.Value[i:])
		add(t.Line, "%q holds the control character %U, which a terminal would act on or a viewer reorder text by", clipText(t.Value, 60), r)
	}
}

// clipText shortens s for a message, between characters.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// firstRune returns the first character of s.
func firstRune(s string) string {
	_, n := utf8.DecodeRuneInString(s)
	return s[:n]
}

// OSCALToken qualifies a control ID by its framework, as one OSCAL token:
// "framework_id", with every character a token cannot hold replaced by
// "_" (and a leading "_" when the framework starts with a digit). Two
// frameworks may both have a control "9.5" or "SPF"; their targets differ.
// The OSCAL writer targets each control's finding by it, and lint refuses
// two controls of a framework that give the same one.
func OSCALToken(framework, id string) string {
	var b strings.Builder
	for i, r := range framework + "_" + id {
		ok := r == '_' || r == '.' || r == '-' || unicode.IsLetter(r) || unicode.IsNumber(r)
		if i == 0 && !(r == '_' || unicode.IsLetter(r)) {
			b.WriteByte('_')
		}
		if ok {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
