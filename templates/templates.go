// Package templates holds the wording of senderproof: each check's messages
// and remediation, and the reports' executive-summary narrative, as
// text/template files. The embedded files load first; a directory given with
// --templates overrides any template by defining it again.
package templates

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"
	"text/template/parse"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

//go:embed *.tmpl
var embedded embed.FS

// Set is a parsed set of templates.
type Set struct {
	t *template.Template
	// fast holds every defined template by name: its compiled form, or
	// nil when it must be rendered by text/template (see fast.go).
	fast map[string]fastNode
	// chosen remembers FirstOf's choices by key.
	chosen      sync.Map
	chosenCount atomic.Int64
	// files are the override files the set was loaded from.
	files []File
}

// File is an override file a set was loaded from: its path and the
// SHA-256 (hex) of the bytes read, which are those the set holds.
type File struct {
	Path, SHA256 string
}

// Files returns the override files the set was loaded from, in the order
// they were read (their names' order), with the hashes of what was read:
// a file changed since gives the hash of the text the wording came from,
// not of the file as it is now.
func (s *Set) Files() []File { return slices.Clone(s.files) }

// Funcs available to every template (fast.go calls the same functions).
var funcs = template.FuncMap{
	"join":    join,
	"default": orDefault,
	"plural":  plural,
	"num":     Num,
	"head":    head,
	"count":   count,
	"lower":   strings.ToLower,
	"upper":   strings.ToUpper,
	"quote":   quote,
	// contains reports whether the first string holds the second, for
	// example an IPv6 address's ":".
	"contains": strings.Contains,
	// before and after give a value before and after a change, each
	// shortened as ClipPair does to pairMax characters.
	"before": before,
	"after":  after,
}

// pairMax bounds each side of a change that before and after give.
const pairMax = 120

func before(old, cur any) string { a, _ := ClipPair(text(old), text(cur), pairMax); return a }
func after(old, cur any) string  { _, b := ClipPair(text(old), text(cur), pairMax); return b }

// text is a template value as text: "" for none.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// ClipPair bounds two values shown as before and after to max characters
// each (an ellipsis marking a cut counts as one), so that where they
// differ stays in view: when either is too long and they share a
// beginning, both are cut from a little before their first difference,
// the part they share marked with an ellipsis. "v=spf1 … include:x ~all"
// and the same record ending "+all" never read alike.
func ClipPair(a, b string, max int) (string, string) {
	ra, rb := []rune(a), []rune(b)
	if max <= 0 || len(ra) <= max && len(rb) <= max {
		return a, b
	}
	const context = 24
	p := 0
	for p < len(ra) && p < len(rb) && ra[p] == rb[p] {
		p++
	}
	start := 0
	if p > context && max > context+2 {
		start = p - context
	}
	cut := func(r []rune) string {
		if start > 0 {
			r = append([]rune{'…'}, r[start:]...)
		}
		if len(r) > max {
			r = append(r[:max-1:max-1], '…')
		}
		return string(r)
	}
	return cut(ra), cut(rb)
}

func join(sep string, v any) string {
	switch x := v.(type) {
	case []string:
		return strings.Join(x, sep)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, sep)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// Num writes n with digit grouping for English readers: 32,000 (the
// templates' num).
func Num(n int) string { return numPrinter.Sprint(n) }

var numPrinter = message.NewPrinter(language.English)

func orDefault(def string, v any) any {
	if v == nil || v == "" {
		return def
	}
	return v
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func head(n int, v any) []string {
	var s []string
	switch x := v.(type) {
	case []string:
		s = x
	case []any:
		for _, e := range x {
			s = append(s, fmt.Sprint(e))
		}
	}
	if len(s) > n {
		s = s[:max(n, 0)] // a negative count is none, in both renderers
	}
	return s
}

func count(v any) int {
	switch x := v.(type) {
	case []string:
		return len(x)
	case []any:
		return len(x)
	}
	return 0
}

func quote(v any) string { return fmt.Sprintf("%q", fmt.Sprint(v)) }

// Load parses the embedded templates, then every *.tmpl in dir (if dir is
// not empty), whose definitions override the embedded ones. With dir, it
// also checks every template before it returns (check.go): a field that
// the data cannot have, a {{template}} call of an undefined name or a
// function given the wrong number of arguments is an error here rather
// than in the middle of a run. Every problem of every file is reported at
// once, each as "file:line: reason" (a *Problem), joined with errors.Join.
func Load(dir string) (*Set, error) {
	t, err := parseEmbedded()
	if err != nil {
		return nil, err
	}
	if dir == "" {
		return newSet(t), nil
	}
	// The shipped names, before the overrides add theirs.
	shipped := map[string]bool{}
	for _, d := range t.Templates() {
		shipped[d.Name()] = true
	}
	files, problems, err := DirFiles(dir, ".tmpl")
	if err != nil {
		return nil, fmt.Errorf("templates directory %s: cannot read: %w", dir, unwrapPath(err))
	}
	definedIn := map[string]string{} // an override's name: the file and line that define it
	var read []File
	for _, f := range files {
		b, size, err := ReadAtMost(f, maxTemplateFile)
		if errors.Is(err, ErrTooLarge) {
			problems = append(problems, tooLarge(f, size))
			continue
		}
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		read = append(read, File{Path: f, SHA256: hex.EncodeToString(sum[:])})
		if p := textProblem(f, b); p != nil {
			problems = append(problems, p)
			continue
		}
		if p := parseOverride(t, f, string(b)); p != nil {
			problems = append(problems, p)
			continue
		}
		if p := outsideDefine(t, f, string(b)); p != nil {
			problems = append(problems, p)
		}
		problems = append(problems, definedTwice(t, f, definedIn)...)
	}
	if len(problems) == 0 {
		problems = unknownNames(t, shipped)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("templates fail to load:\n%w", joinProblems(problems))
	}
	s := newSet(t)
	s.files = read
	if problems := s.check(false); len(problems) > 0 {
		return nil, fmt.Errorf("templates fail the load check:\n%w", joinProblems(problems))
	}
	return s, nil
}

// statuses are the second part of a finding template's name
// ("<check>/<status>[.<reason>]").
var statuses = []string{"pass", "fail", "warn", "error", "skip", "remediation"}

// unknownNames refuses the finding and report templates an override file
// defines (in t; shipped holds the embedded names) that nothing renders, because their check, status or report
// name is not one senderproof has (a misspelt "ptr.presnt/pass" would
// leave the shipped wording in place without a word). Helpers, which an
// override may add (any template another one calls, whatever its name),
// and reasons, which come from the checks, are not judged.
func unknownNames(t *template.Template, shipped map[string]bool) []*Problem {
	checks := map[string]bool{"default": true}
	summaries, offboard := map[string]bool{}, map[string]bool{}
	for name := range shipped {
		first, _, ok := strings.Cut(name, "/")
		switch {
		case ok && strings.Contains(first, "."):
			checks[first] = true
		case ok && first == "summary":
			summaries[name] = true
		case ok && first == "offboard":
			offboard[name] = true
		}
	}
	// A template another one calls is a helper of it, whatever its name.
	called := map[string]bool{}
	for _, d := range t.Templates() {
		if d.Tree != nil {
			for _, c := range calls(d.Tree.Root) {
				called[c] = true
			}
		}
	}
	var out []*Problem
	for _, d := range t.Templates() {
		if d.Tree == nil || !strings.HasPrefix(d.Tree.ParseName, overridePrefix) || shipped[d.Name()] || called[d.Name()] {
			continue
		}
		name := d.Name()
		first, _, _ := strings.Cut(name, "/")
		var why string
		switch templateKind(name) {
		case kindMessage:
			if why = findingNameProblem(name, checks); why == "" && first == "default" {
				why = hiddenDefault(t, name, checks)
			}
		case kindSummary:
			why = "the reports render no template of that name" + nearest(name, summaries)
		default:
			// The offboarding recheck's wording is rendered by name
			// (offboard/<status>, offboard/remediation.<status>).
			if first == "offboard" {
				why = "the offboarding recheck renders no template of that name" + nearest(name, offboard)
			}
		}
		if why == "" {
			continue
		}
		loc, _ := d.Tree.ErrorContext(d.Tree.Root)
		path, line := location(loc)
		out = append(out, &Problem{Path: path, Line: line, Reason: fmt.Sprintf("template %q is never rendered: %s", name, why)})
	}
	slices.SortFunc(out, func(a, b *Problem) int { return cmp.Or(strings.Compare(a.Path, b.Path), a.Line-b.Line) })
	return out
}

// notReasons are the statuses no check gives as a finding's reason (fail
// is one: SPF's result). A reason is a word of the check's (nxdomain,
// timeout, rsa_short), never holding a dot.
var notReasons = map[string]bool{"pass": true, "warn": true, "error": true, "skip": true}

// findingNameProblem says why no finding renders the template called name
// ("<check>/..." or "default/..."; checks holds the check IDs, and
// "default"), or "" when one does. It follows assess's word, which looks
// a finding of status S and reason R up as
//
//	message:                 <check>/S.R, <check>/S, default/S
//	remediation, fail, warn: <check>/remediation.R, <check>/remediation, default/remediation.S
//	remediation, error:      <check>/remediation.error.R, default/remediation.error
//	remediation, pass:       <check>/remediation.pass
//
// and skip has no remediation (TestNamesFollowWord holds the two alike).
// The reason is not judged beyond its form (notReasons): a check may give
// one no shipped template words.
func findingNameProblem(name string, checks map[string]bool) string {
	first, rest, _ := strings.Cut(name, "/")
	head, reason, hasReason := strings.Cut(rest, ".")
	if !checks[first] {
		return fmt.Sprintf("no check is called %q%s", first, nearest(first, checks))
	}
	known := map[string]bool{}
	for _, st := range statuses {
		known[st] = true
	}
	if !known[head] {
		return fmt.Sprintf("%q is not a status (%s) or remediation%s", head, strings.Join(statuses[:5], ", "), nearest(head, known))
	}
	// badReason says why r is no finding's reason, "" when it may be one.
	badReason := func(r string) string {
		switch {
		case notReasons[r]:
			return fmt.Sprintf("%q is a status, which no check gives as a finding's reason", r)
		case strings.Contains(r, "."):
			return fmt.Sprintf("a finding's reason is one word (%q has a dot)", r)
		}
		return ""
	}
	if head != "remediation" {
		switch {
		case !hasReason:
			return ""
		case first == "default":
			return fmt.Sprintf("a default message takes no reason: findings look up %q, %q, then %q; did you mean %q?",
				"<check>/"+head+"."+reason, "<check>/"+head, "default/"+head, "default/"+head)
		}
		return badReason(reason)
	}
	// A remediation.
	rem, remReason, remHasReason := strings.Cut(reason, ".")
	if first == "default" {
		switch {
		case hasReason && !remHasReason && (rem == "fail" || rem == "warn" || rem == "error"):
			return ""
		case !hasReason:
			return `no finding looks up "default/remediation": the default remediation of a status is "default/remediation.fail", "default/remediation.warn" or "default/remediation.error"`
		case rem == "pass":
			return `a pass finding has a remediation only where its check defines "<check>/remediation.pass"; there is no default one`
		case rem == "skip":
			return "a skip finding has no remediation"
		case rem == "fail" || rem == "warn" || rem == "error":
			one := "<check>/remediation." + remReason
			if rem == "error" {
				one = "<check>/remediation.error." + remReason
			}
			return fmt.Sprintf("a default remediation takes no reason: did you mean %q, or %q for one check?", "default/remediation."+rem, one)
		}
		return fmt.Sprintf(`the default remediation is per status ("default/remediation.fail", "default/remediation.warn", "default/remediation.error"); a reason's is %q`, "<check>/remediation."+reason)
	}
	switch {
	case !hasReason:
		return ""
	case rem == "pass" && !remHasReason:
		return ""
	case rem == "pass":
		return fmt.Sprintf("a pass finding's remediation takes no reason; did you mean %q?", first+"/remediation.pass")
	case rem == "error" && !remHasReason:
		return fmt.Sprintf("an error finding's remediation is looked up as %q, then %q; did you mean one of those?", first+"/remediation.error.<reason>", "default/remediation.error")
	case rem == "error":
		return badReason(remReason)
	case rem == "skip":
		return "a skip finding has no remediation"
	case rem == "fail" && remHasReason:
		return fmt.Sprintf("a fail or warn finding's remediation is looked up by its reason alone; did you mean %q?", first+"/remediation."+remReason)
	case rem == "warn":
		return fmt.Sprintf("a warn finding's remediation is looked up as %q, %q, then %q; did you mean one of those?", first+"/remediation.<reason>", first+"/remediation", "default/remediation.warn")
	}
	return badReason(reason)
}

// hiddenDefault says why the default finding template called name
// ("default/<status>", "default/remediation.<status>") is never rendered
// when every check has the name findings look up before it
// ("<check>/<status>", "<check>/remediation"), or "" when some check has
// not.
func hiddenDefault(t *template.Template, name string, checks map[string]bool) string {
	_, rest, _ := strings.Cut(name, "/")
	first := rest
	if rest == "remediation.fail" || rest == "remediation.warn" {
		first = "remediation"
	}
	if strings.Contains(first, ".") {
		return "" // default/remediation.error, looked up after <check>/remediation.error.<reason>
	}
	for c := range checks {
		if c != "default" && t.Lookup(c+"/"+first) == nil {
			return ""
		}
	}
	return fmt.Sprintf("every check has its own %q, which findings look up before it: override those", "<check>/"+first)
}

// nearest suggests the name of names closest to s in spelling, as
// "; did you mean ...?", or "" when none is close.
func nearest(s string, names map[string]bool) string {
	best, bestD := "", 3
	// Case aside: "PTR.Present" is ptr.present mistyped, not another name.
	ls := strings.ToLower(s)
	for n := range names {
		if d := editDistance(ls, strings.ToLower(n)); d < bestD || d == bestD && n < best {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

// DidYouMean is nearest for a list of names: "; did you mean "x"?" or "".
func DidYouMean(s string, names []string) string {
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	return nearest(s, set)
}

// editDistance is the Levenshtein distance of a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// maxTemplateFile bounds a wording file: wording of every check fits in a
// few kilobytes, and each finding carries what its templates write.
const maxTemplateFile = 256 << 10

// tooLarge is the problem of a wording file of size bytes, more than
// maxTemplateFile.
func tooLarge(path string, size int64) *Problem {
	return &Problem{Path: path, Line: 1, Reason: fmt.Sprintf("%d bytes, more than a wording file may hold (%d)", size, maxTemplateFile)}
}

// textProblem refuses a wording file that is too large or not UTF-8 text
// (text/template would pass its bytes into every message, where the
// reports' writers replace them, and the pack would then never verify).
func textProblem(path string, b []byte) *Problem {
	if len(b) > maxTemplateFile {
		return tooLarge(path, int64(len(b)))
	}
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return &Problem{Path: path, Line: 1 + bytes.Count(b[:i], []byte("\n")), Reason: fmt.Sprintf("not UTF-8 text (byte 0x%02x)", b[i])}
		}
		i += n
	}
	return nil
}

// parseEmbedded parses the embedded templates.
func parseEmbedded() (*template.Template, error) {
	t := template.New("senderproof").Funcs(funcs).Option("missingkey=zero")
	names, _ := embedded.ReadDir(".")
	for _, e := range names {
		b, err := embedded.ReadFile(e.Name())
		if err != nil {
			return nil, err
		}
		if _, err := t.New(e.Name()).Parse(string(b)); err != nil {
			return nil, fmt.Errorf("template %s: %w", e.Name(), err)
		}
	}
	return t, nil
}

// parseOverride adds the templates of an override file to t; its
// definitions replace earlier ones of the same name.
func parseOverride(t *template.Template, path, text string) *Problem {
	name := overridePrefix + path
	if _, err := t.New(name).Parse(text); err != nil {
		return parseProblem(name, err)
	}
	return nil
}

// outsideDefine refuses an override file (just parsed into t, its text
// being text) with anything but white space, comments and {{define}} or
// {{block}} definitions at its top level: text/template keeps that as a
// template named after the file, which nothing renders, so wording
// written there (or a {{.Nope}}) would be dropped without a word and
// never checked.
func outsideDefine(t *template.Template, path, text string) *Problem {
	ft := t.Lookup(overridePrefix + path)
	if ft == nil || ft.Tree == nil || ft.Tree.ParseName != overridePrefix+path || ft.Tree.Root == nil {
		return nil
	}
	for _, n := range ft.Tree.Root.Nodes {
		pos := int(n.Position())
		switch n := n.(type) {
		case *parse.TextNode:
			// A byte-order mark (Notepad writes one) is no text either.
			trimmed := bytes.TrimLeft(n.Text, " \t\r\n\ufeff")
			if len(trimmed) == 0 {
				continue
			}
			pos += len(n.Text) - len(trimmed) // the line of its first character
		case *parse.TemplateNode:
			if isBlock(text, pos) {
				continue // {{block}} defines a template as {{define}} does
			}
		}
		line := 1 + strings.Count(text[:min(max(pos, 0), len(text))], "\n")
		return &Problem{Path: path, Line: line, Reason: `text outside {{define}} is never rendered: put it in {{define "check/status"}}…{{end}}`}
	}
	return nil
}

// isBlock reports whether the {{template}} node at byte pos of text (the
// position of its name) is the call a {{block "name" .}} makes where it
// stands.
func isBlock(text string, pos int) bool {
	if pos < 0 || pos > len(text) {
		return false
	}
	before, ok := strings.CutSuffix(strings.TrimRight(text[:pos], " \t\r\n"), "block")
	if !ok {
		return false
	}
	before = strings.TrimSuffix(strings.TrimRight(before, " \t\r\n"), "-")
	return strings.HasSuffix(before, "{{")
}

// definedTwice refuses the templates the override file path (just parsed
// into t) defines that an earlier override file defines too: which one
// would win depends on the files' names, and a stale copy beside the
// edited one would replace its wording without a word. definedIn holds
// where each name was first defined, and takes this file's.
func definedTwice(t *template.Template, path string, definedIn map[string]string) []*Problem {
	var out []*Problem
	for _, d := range t.Templates() {
		if d.Tree == nil || d.Tree.ParseName != overridePrefix+path || d.Name() == overridePrefix+path {
			continue
		}
		loc, _ := d.Tree.ErrorContext(d.Tree.Root)
		p, line := location(loc)
		if first, ok := definedIn[d.Name()]; ok {
			out = append(out, &Problem{Path: p, Line: line, Reason: fmt.Sprintf("template %q is defined in %s too: define each name in one file, or it is the files' order that decides which wording is used", d.Name(), first)})
			continue
		}
		definedIn[d.Name()] = fmt.Sprintf("%s:%d", shownPath(filepath.Base(p)), line) // the files of one directory
	}
	slices.SortFunc(out, func(a, b *Problem) int { return a.Line - b.Line })
	return out
}

// newSet compiles every template of t for the fast renderer.
func newSet(t *template.Template) *Set {
	s := &Set{t: t, fast: map[string]fastNode{}}
	for _, d := range t.Templates() {
		var root *parse.ListNode
		if d.Tree != nil {
			root = d.Tree.Root
		}
		s.fast[d.Name()] = compileFast(root)
	}
	return s
}

// MustDefault returns the embedded templates; they are tested, so failure is
// a build defect.
func MustDefault() *Set {
	s, err := Load("")
	if err != nil {
		panic(err)
	}
	return s
}

// Has reports whether a template of that name is defined.
func (s *Set) Has(name string) bool {
	_, ok := s.fast[name]
	return ok
}

// Render executes the named template with data, with the fast renderer
// when it can (fast.go), else with text/template; the result is the same.
func (s *Set) Render(name string, data any) (string, error) {
	if t := s.fast[name]; t != nil {
		if out, ok := s.renderFast(t, data); ok {
			return out, nil
		}
	}
	return s.renderText(name, data)
}

// renderText executes the named template with text/template.
func (s *Set) renderText(name string, data any) (string, error) {
	var b bytes.Buffer
	if err := s.t.ExecuteTemplate(&b, name, data); err != nil {
		return "", err
	}
	return strings.TrimSpace(b.String()), nil
}

// maxChosen bounds how many choices FirstOf remembers.
const maxChosen = 4096

// FirstOf renders the first defined template of names(), like First, and
// remembers its choice under key (a comparable value naming the kind of
// text), so that rendering the same kind again builds no names.
func (s *Set) FirstOf(key any, data any, names func() []string) (string, error) {
	name, ok := s.chosen.Load(key)
	if !ok {
		chosen := ""
		for _, n := range names() {
			if s.Has(n) {
				chosen = n
				break
			}
		}
		name = chosen
		if s.chosenCount.Add(1) <= maxChosen {
			s.chosen.Store(key, chosen)
		}
	}
	if name == "" {
		return "", nil
	}
	return s.Render(name.(string), data)
}

// First renders the first of names that is defined; "" when none is.
func (s *Set) First(data any, names ...string) (string, error) {
	for _, n := range names {
		if s.Has(n) {
			return s.Render(n, data)
		}
	}
	return "", nil
}
