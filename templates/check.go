package templates

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
	"unicode"
	"unicode/utf8"
)

// Load's checks. text/template finds a field that does not exist, or a
// {{template}} call of a name never defined, only while it renders, which
// for the wording is after all the DNS work of a run. So Load checks an
// override directory before it returns, in two ways:
//
//   - statically, every template in every branch: each field chain is
//     resolved against the type of its data (see contract.go), following
//     {{with}}, {{range}}, variables and {{template}} calls with the data
//     they pass; each {{template}} target must exist; each function
//     gets the number of arguments it takes; {{range}} is over something
//     that can be ranged over and call is of a function. A map (.Observed, .Asset.Tags)
//     may be indexed by any key, and data of an unknown type (a value of
//     .Observed, a field typed any in the contract) by any field: only
//     what would fail whatever the data is reported. A {{template}}
//     call that leads back to its own template is refused (recursion).
//   - by a trial render of every template an override defines or reaches,
//     with representative data (sampleData), reporting only the errors
//     that do not depend on the data (a missing field of a contract type,
//     an undefined template, a wrong number of arguments), and two that
//     the sample data shows: an index past the end of a list, and a
//     function given values of the wrong type (the sample's values have
//     the types the checks record).

// Problem is one problem of a template file: the file, the 1-based line
// and the reason.
type Problem struct {
	Path   string
	Line   int
	Reason string
}

func (p *Problem) Error() string {
	return fmt.Sprintf("%s:%d: %s", shownPath(p.Path), p.Line, p.Reason)
}

// shownPath is a file's path as a problem shows it: as it is, or quoted
// with Go's escapes when it holds a character that is not shown as itself
// (a control character, a line break, a bidirectional mark, a byte that is
// not UTF-8), so that a file named "a\nfake.tmpl:1: ..." cannot make up a
// line of its own, or colour or clear the terminal it is shown on.
func shownPath(p string) string {
	if !utf8.ValidString(p) || strings.ContainsFunc(p, func(r rune) bool { return r != ' ' && !unicode.IsPrint(r) }) {
		return strconv.QuoteToASCII(p)
	}
	return p
}

const (
	// overridePrefix starts the names of override files' templates.
	overridePrefix = "override:"
	// embeddedPath is how problems name an embedded file's directory.
	embeddedPath = "templates/"
)

// filePath is the path problems show for a template file of the set.
func filePath(parseName string) string {
	if p, ok := strings.CutPrefix(parseName, overridePrefix); ok {
		return p
	}
	return embeddedPath + parseName
}

// location turns text/template's "name:line:col" into a file and line.
func location(loc string) (string, int) {
	rest, _, ok := cutLast(loc, ":") // the column
	if !ok {
		return filePath(loc), 1
	}
	name, l, ok := cutLast(rest, ":")
	line, err := strconv.Atoi(l)
	if !ok || err != nil {
		return filePath(rest), 1
	}
	return filePath(name), max(line, 1)
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// joinProblems sorts problems by file, line and reason, drops repeats and
// joins them, each a *Problem, with errors.Join.
func joinProblems(ps []*Problem) error {
	slices.SortStableFunc(ps, func(a, b *Problem) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), a.Line-b.Line, strings.Compare(a.Reason, b.Reason))
	})
	ps = slices.CompactFunc(ps, func(a, b *Problem) bool { return *a == *b })
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = p
	}
	return errors.Join(errs...)
}

// parseProblem turns a text/template parse error of the file template
// called name into a Problem.
func parseProblem(name string, err error) *Problem {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "template: "+name+":"); ok {
		if l, reason, ok := strings.Cut(rest, ": "); ok {
			if line, err := strconv.Atoi(l); err == nil {
				return &Problem{Path: filePath(name), Line: max(line, 1), Reason: reason}
			}
		}
	}
	return &Problem{Path: filePath(name), Line: 1, Reason: strings.TrimPrefix(msg, "template: ")}
}

// check runs Load's checks on every template of the set: the static check,
// then, when it finds nothing, the trial render of the templates the
// override files define or reach (of every finding and report template,
// with all).
func (s *Set) check(all bool) []*Problem {
	names := make([]string, 0, len(s.fast))
	for _, t := range s.t.Templates() {
		names = append(names, t.Name())
	}
	slices.Sort(names)
	c := &typeChecker{set: s, visited: map[visitKey]bool{}}
	for _, n := range names {
		c.template(n, Contract(n), "")
	}
	c.problems = append(c.problems, s.recursion(names)...)
	if len(c.problems) > 0 {
		return c.problems
	}
	if problems := s.expansion(names); len(problems) > 0 {
		return problems
	}
	return s.trialRender(names, all)
}

// maxRuns bounds the templates one render may run through its
// {{template}} calls, counting each call where it stands once: the shipped
// wording runs at most a few dozen. Helpers that each call the one before
// twice run 2^n templates for n of them, which no render (the trial
// render's first) would live to finish.
const maxRuns = 1000

// expansion reports each template whose {{template}} calls, counted where
// they stand, run more than maxRuns templates while none of those it
// calls does alone: where the count crosses the bound, with the chain of
// the calls that weigh most. The calls lead nowhere back (recursion is
// refused first).
func (s *Set) expansion(names []string) []*Problem {
	runs := map[string]int{} // templates one render runs, itself included, at most maxRuns+1
	var count func(name string) int
	count = func(name string) int {
		if n, ok := runs[name]; ok {
			return n
		}
		runs[name] = 1 // (no cycle: a recursion was refused)
		n := 1
		if t := s.t.Lookup(name); t != nil && t.Tree != nil {
			for _, c := range calls(t.Tree.Root) {
				if n += count(c); n > maxRuns {
					n = maxRuns + 1
					break
				}
			}
		}
		runs[name] = n
		return n
	}
	// heaviest returns the call of name that runs the most templates.
	heaviest := func(name string) *parse.TemplateNode {
		var best *parse.TemplateNode
		if t := s.t.Lookup(name); t != nil && t.Tree != nil {
			for _, c := range callNodes(t.Tree.Root) {
				if best == nil || count(c.Name) > count(best.Name) {
					best = c
				}
			}
		}
		return best
	}
	var problems []*Problem
	for _, name := range names {
		if count(name) <= maxRuns || count(heaviest(name).Name) > maxRuns {
			continue
		}
		chain := []string{name}
		for c := heaviest(name); c != nil && len(chain) < 6; c = heaviest(c.Name) {
			chain = append(chain, c.Name)
		}
		if heaviest(chain[len(chain)-1]) != nil {
			chain = append(chain, "…")
		}
		t := s.t.Lookup(name)
		loc, _ := t.Tree.ErrorContext(heaviest(name))
		file, line := location(loc)
		problems = append(problems, &Problem{Path: file, Line: line,
			Reason: fmt.Sprintf("%s: its {{template}} calls, each calling the next several times, run more than %s templates (%s); one text may run at most %s",
				name, Num(maxRuns), strings.Join(chain, " → "), Num(maxRuns))})
	}
	return problems
}

// recursion reports each {{template}} call that leads back to the
// template making it. text/template stops a recursion only at a depth of
// 100,000 calls, and wide templates run the process out of stack before
// that, which no error handling survives; the wording never needs one.
func (s *Set) recursion(names []string) []*Problem {
	var problems []*Problem
	for _, name := range names {
		t := s.t.Lookup(name)
		if t == nil || t.Tree == nil {
			continue
		}
		for _, call := range callNodes(t.Tree.Root) {
			path := s.pathTo(call.Name, name, map[string]bool{})
			if path == nil {
				continue
			}
			loc, _ := t.Tree.ErrorContext(call)
			file, line := location(loc)
			via := ""
			if len(path) > 1 {
				via = " (through " + strings.Join(path[:len(path)-1], " → ") + ")"
			}
			problems = append(problems, &Problem{Path: file, Line: line,
				Reason: fmt.Sprintf("%s: {{template %q}} leads back to %s%s: a template may not call itself, as a recursion can run the process out of stack", name, call.Name, name, via)})
		}
	}
	return problems
}

// pathTo returns the templates from `from` to `to` through {{template}}
// calls, `from` first and `to` last, or nil when `to` cannot be reached.
func (s *Set) pathTo(from, to string, seen map[string]bool) []string {
	if from == to {
		return []string{to}
	}
	if seen[from] {
		return nil
	}
	seen[from] = true
	t := s.t.Lookup(from)
	if t == nil || t.Tree == nil {
		return nil
	}
	for _, c := range calls(t.Tree.Root) {
		if p := s.pathTo(c, to, seen); p != nil {
			return append([]string{from}, p...)
		}
	}
	return nil
}

// typeChecker is the static check.
type typeChecker struct {
	set      *Set
	problems []*Problem
	visited  map[visitKey]bool
}

// visitKey is one template checked with one type of data.
type visitKey struct {
	name string
	dot  reflect.Type
}

// template checks the template called name with data of type dot (nil:
// unknown). caller is the template whose {{template}} call led here.
func (c *typeChecker) template(name string, dot reflect.Type, caller string) {
	k := visitKey{name, dot}
	if c.visited[k] {
		return
	}
	c.visited[k] = true
	t := c.set.t.Lookup(name)
	if t == nil || t.Tree == nil || t.Tree.Root == nil {
		return
	}
	w := &walker{c: c, tree: t.Tree, name: name, caller: caller, assigned: map[string]bool{}}
	visitPipes(t.Tree.Root, func(p *parse.PipeNode) {
		if p.IsAssign {
			for _, v := range p.Decl {
				w.assigned[v.Ident[0]] = true
			}
		}
	})
	w.list(t.Tree.Root, &scope{dot: dot, vars: map[string]reflect.Type{"$": dot}})
}

// walker checks one template's tree.
type walker struct {
	c            *typeChecker
	tree         *parse.Tree
	name, caller string
	// assigned holds the variables some {{$x = ...}} assigns: their type
	// is unknown wherever they are used.
	assigned map[string]bool
}

// scope is the type of dot and of each variable (nil: unknown).
type scope struct {
	dot  reflect.Type
	vars map[string]reflect.Type
}

// with opens a block with dot of type dot: its variables end with it.
func (sc *scope) with(dot reflect.Type) *scope {
	return &scope{dot: dot, vars: maps.Clone(sc.vars)}
}

func (w *walker) problem(n parse.Node, format string, args ...any) {
	loc, _ := w.tree.ErrorContext(n)
	path, line := location(loc)
	where := w.name
	if w.caller != "" {
		where += " (called from " + w.caller + ")"
	}
	w.c.problems = append(w.c.problems, &Problem{Path: path, Line: line, Reason: where + ": " + fmt.Sprintf(format, args...)})
}

func (w *walker) list(l *parse.ListNode, sc *scope) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		w.node(n, sc)
	}
}

func (w *walker) node(n parse.Node, sc *scope) {
	switch n := n.(type) {
	case *parse.ActionNode:
		w.pipe(n.Pipe, sc, true)
	case *parse.IfNode:
		in := sc.with(sc.dot)
		w.pipe(n.Pipe, in, true)
		w.list(n.List, in.with(in.dot))
		w.list(n.ElseList, in.with(in.dot))
	case *parse.WithNode:
		in := sc.with(sc.dot)
		t := w.pipe(n.Pipe, in, true)
		w.list(n.List, in.with(t))
		w.list(n.ElseList, in.with(in.dot))
	case *parse.RangeNode:
		in := sc.with(sc.dot)
		t := w.pipe(n.Pipe, in, false)
		if what := notRangeable(t); what != "" {
			w.problem(n, "range over %s: %s cannot be ranged over", n.Pipe, what)
		}
		key, elem := rangeTypes(t)
		switch len(n.Pipe.Decl) {
		case 1:
			w.declare(in, n.Pipe.Decl[0], elem)
		case 2:
			w.declare(in, n.Pipe.Decl[0], key)
			w.declare(in, n.Pipe.Decl[1], elem)
		}
		w.list(n.List, in.with(elem))
		w.list(n.ElseList, in.with(sc.dot))
	case *parse.TemplateNode:
		var dot reflect.Type
		if n.Pipe != nil {
			dot = w.pipe(n.Pipe, sc.with(sc.dot), true)
		}
		if w.c.set.t.Lookup(n.Name) == nil {
			w.problem(n, "no such template %q (%s)", n.Name, n)
			return
		}
		w.c.template(n.Name, dot, w.name)
	}
}

func (w *walker) declare(sc *scope, v *parse.VariableNode, t reflect.Type) {
	name := v.Ident[0]
	if w.assigned[name] {
		t = nil
	}
	sc.vars[name] = t
}

// pipe checks a pipeline and returns the type of its value; with declare
// its variables get that type.
func (w *walker) pipe(p *parse.PipeNode, sc *scope, declare bool) reflect.Type {
	if p == nil {
		return nil
	}
	var t reflect.Type
	for i, cmd := range p.Cmds {
		t = w.command(cmd, sc, i > 0, t)
	}
	if declare {
		for _, v := range p.Decl {
			if p.IsAssign {
				sc.vars[v.Ident[0]] = nil
				continue
			}
			w.declare(sc, v, t)
		}
	}
	return t
}

// command checks one command of a pipeline; piped is true when the value
// of the previous command, of type prev, is its final argument.
func (w *walker) command(cmd *parse.CommandNode, sc *scope, piped bool, prev reflect.Type) reflect.Type {
	if len(cmd.Args) == 0 {
		return nil
	}
	args := make([]reflect.Type, 0, len(cmd.Args)-1)
	for _, a := range cmd.Args[1:] {
		args = append(args, w.operand(a, sc))
	}
	if t, ok := w.reference(cmd.Args[0], sc, len(cmd.Args) > 1 || piped); ok {
		return t
	}
	switch n := cmd.Args[0].(type) {
	case *parse.IdentifierNode:
		nargs := len(args)
		if piped {
			nargs++
		}
		if w.arity(n, n.Ident, nargs) {
			nodes := cmd.Args[1:]
			if piped {
				nodes, args = append(slices.Clip(nodes), nil), append(args, prev)
			}
			w.argTypes(n, n.Ident, nodes, args)
		}
		if piped {
			return funcResult(n.Ident, nil)
		}
		return funcResult(n.Ident, args)
	}
	return w.operand(cmd.Args[0], sc)
}

// reference checks a field, chain or variable reference, called with
// arguments when hasArgs, and returns its type; ok is false for any other
// node.
func (w *walker) reference(n parse.Node, sc *scope, hasArgs bool) (t reflect.Type, ok bool) {
	switch n := n.(type) {
	case *parse.FieldNode:
		return w.chain(n, sc.dot, n.Ident, "", hasArgs), true
	case *parse.ChainNode:
		return w.chain(n, w.operand(n.Node, sc), n.Field, n.Node.String(), hasArgs), true
	case *parse.VariableNode:
		return w.chain(n, sc.vars[n.Ident[0]], n.Ident[1:], n.Ident[0], hasArgs), true
	}
	return nil, false
}

// operand checks an argument and returns its type.
func (w *walker) operand(n parse.Node, sc *scope) reflect.Type {
	if t, ok := w.reference(n, sc, false); ok {
		return t
	}
	switch n := n.(type) {
	case *parse.DotNode:
		return sc.dot
	case *parse.PipeNode:
		return w.pipe(n, sc.with(sc.dot), true)
	case *parse.IdentifierNode:
		if w.arity(n, n.Ident, 0) {
			w.argTypes(n, n.Ident, nil, nil)
		}
		return funcResult(n.Ident, nil)
	case *parse.StringNode:
		return reflect.TypeFor[string]()
	case *parse.BoolNode:
		return reflect.TypeFor[bool]()
	case *parse.NumberNode:
		switch {
		case n.IsInt:
			return reflect.TypeFor[int]()
		case n.IsFloat:
			return reflect.TypeFor[float64]()
		}
	}
	return nil
}

// chain resolves the field names idents from data of type t and returns
// the type of the last; base is the text of what they start from ("" for
// dot). hasArgs is true when the last is given arguments, as only a method
// takes them.
func (w *walker) chain(n parse.Node, t reflect.Type, idents []string, base string, hasArgs bool) reflect.Type {
	for i, id := range idents {
		recv := base + "." + strings.Join(idents[:i], ".")
		if i == 0 {
			recv = base
		}
		next, kind, reason := fieldType(t, recv, id)
		if reason != "" {
			w.problem(n, "%s: %s", n, reason)
			return nil
		}
		if i == len(idents)-1 && hasArgs && (kind == fieldStruct || kind == fieldMapKey) {
			w.problem(n, "%s: %s is not a method: it takes no arguments", n, id)
			return nil
		}
		if next == nil {
			return nil
		}
		t = next
	}
	return t
}

// How fieldType found a name.
const (
	fieldUnknown = iota // the data's type is not known
	fieldMethod
	fieldStruct
	fieldMapKey
)

// fieldType resolves the field or method name on data of type t, as
// text/template does: a method (of the value or its pointer), then a
// struct field, then a map key. recv is the text of the data for reasons
// ("" for dot). It returns a reason when the lookup fails whatever the
// data's value is.
func fieldType(t reflect.Type, recv, name string) (reflect.Type, int, string) {
	if t == nil || t.Kind() == reflect.Interface {
		return nil, fieldUnknown, ""
	}
	ptr := t
	if t.Kind() != reflect.Pointer {
		ptr = reflect.PointerTo(t)
	}
	if m, ok := ptr.MethodByName(name); ok {
		if m.Type.NumOut() == 0 {
			return nil, fieldMethod, ""
		}
		return m.Type.Out(0), fieldMethod, ""
	}
	base := t
	for base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	what := recv
	if what == "" {
		what = "."
	}
	switch base.Kind() {
	case reflect.Interface:
		return nil, fieldUnknown, ""
	case reflect.Struct:
		f, ok := base.FieldByName(name)
		switch {
		case !ok:
			return nil, 0, fmt.Sprintf("%s has no field or method %s (its fields: %s)", typeName(base), name, strings.Join(fieldNames(base), ", "))
		case !f.IsExported():
			return nil, 0, fmt.Sprintf("%s is an unexported field of %s", name, typeName(base))
		}
		return f.Type, fieldStruct, ""
	case reflect.Map:
		if reflect.TypeFor[string]().AssignableTo(base.Key()) {
			return base.Elem(), fieldMapKey, ""
		}
		return nil, 0, fmt.Sprintf("%s is a map with %s keys: it has no field %s", what, base.Key(), name)
	}
	return nil, 0, fmt.Sprintf("%s is %s, not a struct or map: it has no field %s", what, kindName(base), name)
}

// fieldNames lists the exported fields of a struct type, promoted ones
// included, in order.
func fieldNames(t reflect.Type) []string {
	var out []string
	for _, f := range reflect.VisibleFields(t) {
		if f.IsExported() && !slices.Contains(out, f.Name) {
			out = append(out, f.Name)
		}
	}
	slices.Sort(out)
	return out
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a " + t.Kind().String()
}

// notRangeable names what a value of type t is when {{range}} fails over
// any such value, or is refused over it ("" when it can range, or t is not
// known): text/template ranges over lists, maps, channels, integers and
// iterator functions; over an integer, wording has nothing to count, and
// {{range 100000}}{{range 100000}}{{end}}{{end}} writes nothing for ever,
// past every bound of the output, so it is refused as a number.
func notRangeable(t reflect.Type) string {
	if t == nil {
		return ""
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.Chan, reflect.Func, reflect.Interface:
		return ""
	}
	return kindName(t)
}

// rangeTypes returns the key and element types of ranging over a value of
// type t (nil when not known).
func rangeTypes(t reflect.Type) (key, elem reflect.Type) {
	if t == nil {
		return nil, nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return reflect.TypeFor[int](), t.Elem()
	case reflect.Map:
		return t.Key(), t.Elem()
	case reflect.Chan:
		return t.Elem(), t.Elem()
	}
	return nil, nil
}

// elemType is the type index gives for one index into a value of type t.
func elemType(t reflect.Type) reflect.Type {
	if t == nil {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map:
		return t.Elem()
	case reflect.String:
		return reflect.TypeFor[uint8]()
	}
	return nil
}

// funcResult is the type a function returns; args are the types of its
// arguments when known (for index and slice).
func funcResult(name string, args []reflect.Type) reflect.Type {
	if f, ok := funcs[name]; ok {
		if ft := reflect.TypeOf(f); ft.NumOut() > 0 {
			return ft.Out(0)
		}
		return nil
	}
	switch name {
	case "not", "eq", "ne", "lt", "le", "gt", "ge":
		return reflect.TypeFor[bool]()
	case "len":
		return reflect.TypeFor[int]()
	case "print", "printf", "println", "html", "js", "urlquery":
		return reflect.TypeFor[string]()
	case "index":
		if len(args) == 0 {
			return nil
		}
		t := args[0]
		for range args[1:] {
			t = elemType(t)
		}
		return t
	case "slice":
		if len(args) > 0 {
			return args[0]
		}
	}
	return nil
}

// arity reports a call of function name with got arguments that it does
// not take; it returns false when it reported one.
func (w *walker) arity(n parse.Node, name string, got int) bool {
	want, atLeast := 0, false
	if f, ok := funcs[name]; ok {
		ft := reflect.TypeOf(f)
		want, atLeast = ft.NumIn(), ft.IsVariadic()
		if atLeast {
			want--
		}
	} else {
		switch name {
		case "not", "len":
			want = 1
		case "ne", "lt", "le", "gt", "ge":
			want = 2
		case "eq":
			want, atLeast = 2, true
		case "and", "or", "index", "slice", "call":
			want, atLeast = 1, true
		default:
			return true
		}
	}
	switch {
	case atLeast && got < want:
		w.problem(n, "wrong number of args for %s: want at least %d got %d", name, want, got)
		return false
	case !atLeast && got != want:
		w.problem(n, "wrong number of args for %s: want %d got %d", name, want, got)
		return false
	}
	return true
}

// argTypes reports an argument of one of this package's functions that
// cannot have the type its parameter needs, whatever the data: a literal
// of another kind, or a value whose type is known and not assignable.
// nodes are the arguments (nil for the piped final one), types their
// types (nil: unknown).
func (w *walker) argTypes(n parse.Node, name string, nodes []parse.Node, types []reflect.Type) {
	f, ok := funcs[name]
	if !ok {
		if name == "call" && len(types) > 0 && types[0] != nil && nodes[0] != nil {
			if k := types[0].Kind(); k != reflect.Func && k != reflect.Interface {
				w.problem(n, "call of %s: %s is not a function", nodes[0], kindName(types[0]))
			}
		}
		return
	}
	ft := reflect.TypeOf(f)
	for i := range min(len(nodes), ft.NumIn()) {
		want := ft.In(i)
		if want.Kind() == reflect.Interface {
			continue
		}
		ok := true
		switch a := nodes[i].(type) {
		case *parse.NumberNode:
			ok = (a.IsInt && isInt(want)) || (a.IsFloat && isFloat(want))
		case *parse.StringNode:
			ok = want.Kind() == reflect.String
		case *parse.BoolNode:
			ok = want.Kind() == reflect.Bool
		case *parse.NilNode:
			ok = false
		default:
			got := types[i]
			ok = got == nil || got.Kind() == reflect.Interface || got.AssignableTo(want)
		}
		if !ok {
			what := "the piped value"
			if nodes[i] != nil {
				what = nodes[i].String()
			}
			w.problem(n, "argument %d of %s, %s, is not of type %s", i+1, name, what, want)
		}
	}
}

func isInt(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return false
}

func isFloat(t reflect.Type) bool { return t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64 }

// visitPipes calls fn for every pipeline under n.
func visitPipes(n parse.Node, fn func(*parse.PipeNode)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			visitPipes(c, fn)
		}
	case *parse.ActionNode:
		visitPipes(n.Pipe, fn)
	case *parse.IfNode:
		visitBranch(&n.BranchNode, fn)
	case *parse.RangeNode:
		visitBranch(&n.BranchNode, fn)
	case *parse.WithNode:
		visitBranch(&n.BranchNode, fn)
	case *parse.TemplateNode:
		visitPipes(n.Pipe, fn)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		fn(n)
		for _, c := range n.Cmds {
			for _, a := range c.Args {
				visitPipes(a, fn)
			}
		}
	case *parse.ChainNode:
		visitPipes(n.Node, fn)
	}
}

func visitBranch(b *parse.BranchNode, fn func(*parse.PipeNode)) {
	visitPipes(b.Pipe, fn)
	visitPipes(b.List, fn)
	visitPipes(b.ElseList, fn)
}

// calls lists the templates n calls with {{template}}.
func calls(n parse.Node) []string {
	var out []string
	for _, c := range callNodes(n) {
		out = append(out, c.Name)
	}
	return out
}

// callNodes lists the {{template}} calls of n.
func callNodes(n parse.Node) []*parse.TemplateNode {
	var out []*parse.TemplateNode
	var walk func(parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.IfNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.TemplateNode:
			out = append(out, n)
		}
	}
	walk(n)
	return out
}

// trialRender renders, with sample data, each finding or report template
// (of names) that an override file defines or that reaches one through
// {{template}} calls (each one, with all), and reports the errors no data
// could avoid.
func (s *Set) trialRender(names []string, all bool) []*Problem {
	overrides := map[string]bool{} // reaches an override, by name
	var reaches func(name string, seen map[string]bool) bool
	reaches = func(name string, seen map[string]bool) bool {
		if r, ok := overrides[name]; ok {
			return r
		}
		if seen[name] {
			return false
		}
		seen[name] = true
		t := s.t.Lookup(name)
		if t == nil || t.Tree == nil {
			return false
		}
		r := strings.HasPrefix(t.Tree.ParseName, overridePrefix)
		for _, c := range calls(t.Tree.Root) {
			if r {
				break
			}
			r = reaches(c, seen)
		}
		overrides[name] = r
		return r
	}
	var problems []*Problem
	for _, name := range names {
		data := sampleData(name)
		if data == nil || (!all && !reaches(name, map[string]bool{})) {
			continue
		}
		err := s.t.ExecuteTemplate(&limitWriter{max: maxTrialOutput}, name, data)
		if errors.Is(err, errTrialOutput) {
			loc, _ := s.t.Lookup(name).Tree.ErrorContext(s.t.Lookup(name).Tree.Root)
			path, line := location(loc)
			problems = append(problems, &Problem{Path: path, Line: line,
				Reason: fmt.Sprintf("%s renders more than %s with the sample data (in a trial render): the reports show a few thousand characters of a text, and each finding carries its message whole", name, maxTrialText)})
			continue
		}
		if err != nil {
			if p := execProblem(err, name); p != nil {
				problems = append(problems, p)
			}
		}
	}
	return problems
}

// maxTrialOutput bounds what the trial render of one template may write:
// the shipped wording writes a few kilobytes at most.
const (
	maxTrialOutput = 1 << 20
	maxTrialText   = "1 MiB"
)

var errTrialOutput = errors.New("trial render output over its bound")

// limitWriter takes up to max bytes and fails the write that would pass
// them, which stops text/template's render.
type limitWriter struct{ n, max int }

func (w *limitWriter) Write(b []byte) (int, error) {
	if w.n+len(b) > w.max {
		return 0, errTrialOutput
	}
	w.n += len(b)
	return len(b), nil
}

var (
	execErrorRE = regexp.MustCompile(`(?s)^template: (.*:\d+:\d+): executing "(.*?)" at <(.*?)>: (.*)$`)
	fieldErrRE  = regexp.MustCompile(`^can't evaluate field (\S+) in type \*?templates\.(sample\w+)$`)
	// mapFieldErrRE is a field asked of a map's value.
	mapFieldErrRE = regexp.MustCompile(`^can't evaluate field (\S+) in type interface \{\}$`)
)

// execProblem turns a text/template execution error of rendering the
// template called top into a Problem when the data cannot be the cause
// (any data of the contract's type fails the same way); nil otherwise.
func execProblem(err error, top string) *Problem {
	var ee template.ExecError
	if !errors.As(err, &ee) {
		return nil
	}
	m := execErrorRE.FindStringSubmatch(ee.Err.Error())
	if m == nil {
		return nil
	}
	loc, name, node, reason := m[1], m[2], m[3], m[4]
	switch {
	case mapFieldErrRE.MatchString(reason) && strings.HasPrefix(top, "offboard/"):
		// The recheck's data is a map, whose values text/template knows
		// only as interface{}: the sample's values have the real types.
		f := mapFieldErrRE.FindStringSubmatch(reason)
		reason = fmt.Sprintf("no field or method %s there (the recheck's data: %s)", f[1], offboardFields)
	case fieldErrRE.MatchString(reason):
		f := fieldErrRE.FindStringSubmatch(reason)
		reason = fmt.Sprintf("%s has no field or method %s", sampleTypeName(f[2]), f[1])
	case strings.HasPrefix(reason, "wrong number of args"),
		strings.HasSuffix(reason, "has arguments but cannot be invoked as function"),
		strings.HasSuffix(reason, "is not a method but has arguments"),
		strings.HasPrefix(reason, "template ") && strings.HasSuffix(reason, " not defined"),
		// Recursion that does not end for the sample data: a template
		// that calls itself with nothing to stop it.
		strings.HasPrefix(reason, "exceeded maximum template depth"),
		// An index past the sample's lists: no run's data is sure to be
		// longer, so guard it with len.
		strings.Contains(reason, "index out of range"),
		// A function given arguments of the wrong type, or that fails on
		// them (join with its arguments swapped, eq of a string and a
		// number, len of a number): the sample's values have the types
		// the checks record.
		// A key the sample lacks (a nil value: "got interface {}", "len
		// of nil pointer", "index of untyped nil") may be there in a run.
		strings.HasPrefix(reason, "wrong type for value") && !strings.HasSuffix(reason, "got interface {}"),
		strings.HasPrefix(reason, "error calling ") && !strings.Contains(reason, "invalid type for comparison") && !strings.Contains(reason, "nil"):
	default:
		return nil
	}
	path, line := location(loc)
	return &Problem{Path: path, Line: line, Reason: fmt.Sprintf("%s: %s: %s (in a trial render with sample data)", name, node, reason)}
}

// sampleTypeName names a contract type by its Go name.
func sampleTypeName(goName string) string {
	for _, t := range []reflect.Type{
		reflect.TypeFor[sampleMessage](), reflect.TypeFor[sampleAsset](), reflect.TypeFor[sampleSummary](),
		reflect.TypeFor[sampleTool](), reflect.TypeFor[sampleCounts](), reflect.TypeFor[sampleDrift](),
		reflect.TypeFor[sampleDriftChange](), reflect.TypeFor[sampleTopCheck](), reflect.TypeFor[sampleTopAsset](),
		reflect.TypeFor[sampleRun](), reflect.TypeFor[sampleControl](),
	} {
		if t.Name() == goName {
			return typeName(t)
		}
	}
	return goName
}
