package assess

import (
	"bytes"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// yamlWalker turns a YAML document into raw entries, following aliases and
// merge keys (<<) within a budget so that alias chains cannot blow up.
type yamlWalker struct {
	file   string
	errs   *errList
	budget int // nodes that may still be visited
	limit  int // the budget at the start
	// at is the entry being read: an alias expanded past the budget is
	// reported there, not at the anchor it names.
	at   *yaml.Node
	emit func(*rawEntry)
}

// yamlNodesPerByte is the alias budget: the nodes a file's entries may
// visit, aliases and merge keys expanded, per byte of the file (plus
// yamlNodesBase). A 25-byte entry that merges a default of every field
// and the most tags an entry may have (64) visits about 9 per byte; an
// alias bomb visits thousands, and a list of aliases to one such entry,
// 5 bytes each, about 30.
const (
	yamlNodesPerByte = 16
	yamlNodesBase    = 10_000
)

// parseYAML reads a YAML inventory: a list of entries, or a mapping with an
// `assets` list. Positions are the nodes' line and column.
func parseYAML(file string, data []byte, errs *errList, emit func(*rawEntry)) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err != io.EOF {
			errs.add(YAMLError(file, data, err))
		}
		return
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == io.EOF:
	case err != nil:
		errs.add(YAMLError(file, data, err))
		return
	default:
		errs.addf(file, pos{next.Line, 0}, "a second YAML document; an inventory is one document")
		return
	}
	if len(doc.Content) == 0 {
		return
	}
	limit := yamlNodesBase + yamlNodesPerByte*len(data)
	w := &yamlWalker{file: file, errs: errs, budget: limit, limit: limit, emit: emit}
	root := doc.Content[0]
	const want = "want a list of entries or a mapping with an assets list"
	switch {
	case isYAMLNull(root):
		return
	case root.Kind == yaml.SequenceNode:
		w.entries(root)
		return
	case root.Kind != yaml.MappingNode:
		errs.addf(file, nodePos(root), "the document is %s; %s", yamlKind(root), want)
		return
	}
	var first *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode || !strings.EqualFold(strings.TrimSpace(k.Value), "assets") {
			errs.addf(file, nodePos(k), "unknown top-level key %q (%s)", k.Value, want)
			continue
		}
		if first != nil {
			// As in JSON: which list was meant is not known.
			errs.addf(file, nodePos(k), "duplicate key %q (first on line %d)", k.Value, first.Line)
			continue
		}
		first = k
		v, ok := w.deref(v, 0)
		switch {
		case !ok:
		case isYAMLNull(v):
		case v.Kind != yaml.SequenceNode:
			errs.addf(file, nodePos(v), "assets is %s; want a list of entries", yamlKind(v))
		default:
			w.entries(v)
		}
	}
}

func nodePos(n *yaml.Node) pos { return pos{n.Line, n.Column} }

// yamlTyped names the type of a YAML scalar that is not text: "number",
// "boolean", or "" for a string or null.
func yamlTyped(n *yaml.Node) string {
	switch n.ShortTag() {
	case "!!int", "!!float":
		return "number"
	case "!!bool":
		return "boolean"
	}
	return ""
}

func isYAMLNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func yamlKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		return "a single value"
	}
	return "an alias"
}

// spend takes one node from the budget.
func (w *yamlWalker) spend(n *yaml.Node) bool {
	w.budget--
	if w.budget == 0 {
		if w.at != nil {
			n = w.at
		}
		w.errs.addf(w.file, nodePos(n), "too many alias expansions: with aliases and merge keys expanded, the file passes %d values by this entry (the limit is %d per byte of the file, against alias bombs)", w.limit, yamlNodesPerByte)
	}
	return w.budget > 0
}

// deref follows an alias.
func (w *yamlWalker) deref(n *yaml.Node, depth int) (*yaml.Node, bool) {
	for n.Kind == yaml.AliasNode {
		if n.Alias == nil || depth >= maxYAMLAliasDepth {
			w.errs.addf(w.file, nodePos(n), "alias *%s cannot be resolved", n.Value)
			return nil, false
		}
		n, depth = n.Alias, depth+1
	}
	return n, w.spend(n)
}

func (w *yamlWalker) entries(seq *yaml.Node) {
	for _, item := range seq.Content {
		w.at = item
		n, ok := w.deref(item, 0)
		if !ok {
			return
		}
		if n.Kind != yaml.MappingNode {
			w.errs.addf(w.file, nodePos(item), "entry is %s; want a mapping of field names to values", yamlKind(n))
			continue
		}
		e := rawEntry{pos: nodePos(item)}
		if !w.mapping(n, &e, nil, 0) {
			return
		}
		w.emit(&e)
	}
}

// mapping adds the keys of m to e. Keys given explicitly win over merged ones
// (<<), and earlier merged mappings win over later ones; merged keys are
// skipped when already in have.
func (w *yamlWalker) mapping(m *yaml.Node, e *rawEntry, have map[string]bool, depth int) bool {
	var merges []*yaml.Node
	explicit := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if !w.spend(k) {
			return false
		}
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		kd, ok := w.deref(k, depth)
		if !ok {
			return false
		}
		if kd.Kind != yaml.ScalarNode {
			w.errs.addf(w.file, nodePos(k), "key is %s; want a field name", yamlKind(kd))
			continue
		}
		key := strings.ToLower(strings.TrimSpace(kd.Value))
		if have[key] {
			continue
		}
		explicit[key] = true
		rv, ok := w.value(key, v, depth)
		if !ok {
			return false
		}
		rv.keyPos = nodePos(k)
		e.values = append(e.values, rv)
	}
	if len(merges) == 0 {
		return true
	}
	if depth >= maxYAMLAliasDepth {
		w.errs.addf(w.file, nodePos(m), "merge keys (<<) nested too deeply or circular")
		return false
	}
	for k := range have {
		explicit[k] = true
	}
	for _, mv := range merges {
		mv, ok := w.deref(mv, depth)
		if !ok {
			return false
		}
		srcs := []*yaml.Node{mv}
		if mv.Kind == yaml.SequenceNode {
			srcs = mv.Content
		}
		for _, s := range srcs {
			s, ok := w.deref(s, depth)
			if !ok {
				return false
			}
			if s.Kind != yaml.MappingNode {
				w.errs.addf(w.file, nodePos(mv), "merge key (<<) needs a mapping or a list of mappings, not %s", yamlKind(s))
				continue
			}
			before := len(e.values)
			if !w.mapping(s, e, explicit, depth+1) {
				return false
			}
			for _, v := range e.values[before:] {
				explicit[v.key] = true
			}
		}
	}
	return true
}

// value reads one value: a scalar, a list of scalars, or something else.
func (w *yamlWalker) value(key string, v *yaml.Node, depth int) (rawValue, bool) {
	rv := rawValue{key: key, pos: nodePos(v)}
	n, ok := w.deref(v, depth)
	if !ok {
		return rv, false
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if !isYAMLNull(n) {
			rv.scalar = n.Value
		}
		rv.typed = yamlTyped(n)
	case yaml.SequenceNode:
		rv.kind = kindList
		for _, it := range n.Content {
			it, ok := w.deref(it, depth)
			if !ok {
				return rv, false
			}
			if it.Kind != yaml.ScalarNode {
				rv.kind = kindOther
				break
			}
			if !isYAMLNull(it) {
				rv.list = append(rv.list, rawItem{text: it.Value, pos: nodePos(it), typed: yamlTyped(it)})
			}
		}
	default:
		rv.kind = kindOther
	}
	return rv, true
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// YAMLError turns an error of the yaml library's decoder over data into an
// InputError, using the line the library reports (made 1-based for parser
// errors), or locating the fault itself when the library gives none. The
// mapping loader reports its files' syntax errors through it too.
func YAMLError(file string, data []byte, err error) *InputError {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		if yamlParserProblem(m[2]) {
			line++
		}
		if l := yamlFaultLine(data, m[2]); l > 0 {
			line = l
		}
		// The end of the stream, where an unclosed [ or { is found, is
		// a line after the last: the file's last line is named. (Lines
		// are counted by line feeds: a file with carriage returns, which
		// the library counts too, is taken as the library gives it.)
		if !bytes.ContainsRune(data, '\r') {
			last := bytes.Count(data, []byte("\n"))
			if !bytes.HasSuffix(data, []byte("\n")) {
				last++
			}
			line = min(line, last)
		}
		return &InputError{File: file, Line: max(line, 1), Reason: m[2], Err: err}
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	p := pos{line: 1}
	if name, ok := strings.CutPrefix(msg, "unknown anchor '"); ok {
		name, _, _ = strings.Cut(name, "'")
		if i := bytes.Index(data, []byte("*"+name)); i >= 0 {
			p = lineCol(data, i)
		}
	} else if i := badYAMLByte(data); i >= 0 {
		p = lineCol(data, i)
	}
	return &InputError{File: file, Line: p.line, Col: p.col, Reason: msg, Err: err}
}

// yamlBisectMax is the largest file whose syntax error is located by
// bisection (some 20 parses of up to the whole file, about 3 s at this
// size); a larger one keeps the library's line.
const yamlBisectMax = 2 << 20

// yamlContextMarked are the messages the library places at the start of
// the enclosing block, which bisection locates. Not the others: a prefix
// cut inside a valid multi-line quoted string or flow list fails with
// "unexpected end of stream" or "expected ',' or ']'" where nothing is
// wrong, and for those the library's line is the right one.
var yamlContextMarked = map[string]bool{
	"did not find expected '-' indicator":                    true,
	"did not find expected key":                              true,
	"did not find expected node content":                     true,
	"found a tab character that violates indentation":        true,
	"found character that cannot start any token":            true,
	"mapping values are not allowed in this context":         true,
	"block sequence entries are not allowed in this context": true,
}

// yamlFaultLine returns the line of a syntax error the library reported
// with the message msg, or 0 when it cannot tell. The library names the
// line where the enclosing block began (a list of 2,000 entries: its
// first line), not the line at fault; that is the first line whose
// prefix of the file fails to parse with the same message, found by
// bisection and confirmed (the line before it must parse, or fail
// otherwise).
func yamlFaultLine(data []byte, msg string) int {
	if len(data) > yamlBisectMax || !yamlContextMarked[msg] {
		return 0
	}
	ends := []int{} // ends[k-1]: the end of line k, its newline included
	for i, b := range data {
		if b == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(data) {
		ends = append(ends, len(data))
	}
	fails := func(k int) bool {
		if k == 0 {
			return false
		}
		dec := yaml.NewDecoder(bytes.NewReader(data[:ends[k-1]]))
		for {
			var n yaml.Node
			err := dec.Decode(&n)
			if err == nil {
				continue
			}
			m := yamlLineRE.FindStringSubmatch(err.Error())
			return m != nil && m[2] == msg
		}
	}
	if !fails(len(ends)) {
		return 0
	}
	lo, hi := 1, len(ends) // the answer is in [lo, hi]
	for lo < hi {
		mid := lo + (hi-lo)/2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if fails(lo - 1) {
		return 0
	}
	return lo
}

// yamlParserProblem reports whether a yaml library message comes from its
// parser (rather than its scanner). The library reports the line of a parser
// error 0-based (it adds one only for scanner errors), so the caller adds it.
func yamlParserProblem(msg string) bool {
	switch msg {
	case "did not find expected <stream-start>",
		"did not find expected <document start>",
		"found undefined tag handle",
		"did not find expected node content",
		"did not find expected '-' indicator",
		"did not find expected key",
		"did not find expected ',' or ']'",
		"did not find expected ',' or '}'",
		"found duplicate %YAML directive",
		"found incompatible YAML document",
		"found duplicate %TAG directive":
		return true
	}
	return false
}

// badYAMLByte returns the offset of the first byte YAML does not allow in a
// stream (invalid UTF-8 or a control character), or -1.
func badYAMLByte(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return i
		case r == '\t' || r == '\n' || r == '\r' || r == 0x85:
		case r < 0x20 || (r >= 0x7f && r < 0xa0) || r == 0xfffe || r == 0xffff:
			return i
		}
		i += n
	}
	return -1
}

// lineCol gives the 1-based line and column (in characters) of a byte offset.
// Lines end as lineCounter counts them.
func lineCol(data []byte, off int) pos {
	off = min(max(off, 0), len(data))
	before := data[:off]
	if bytes.IndexByte(before, '\r') >= 0 {
		c := lineCounter{data: data, p: pos{1, 1}}
		return c.pos(off)
	}
	line := 1 + bytes.Count(before, []byte("\n"))
	start := bytes.LastIndexByte(before, '\n') + 1
	return pos{line, 1 + utf8.RuneCount(before[start:])}
}
