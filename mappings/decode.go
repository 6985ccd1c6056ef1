package mappings

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"senderproof/assess"
)

// text is a YAML scalar with the line it was written on. Line is 0 when the
// value was absent or null.
type text struct {
	Value string
	Line  int
	Bad   bool // a type error was reported for it
}

// UnmarshalYAML accepts a scalar only.
func (t *text) UnmarshalYAML(n *yaml.Node) error {
	t.Line = n.Line
	if n.Kind != yaml.ScalarNode {
		t.Bad = true
		return typeError(n.Line, "expected a string, found %s", kindName(n))
	}
	t.Value = n.Value
	return nil
}

// textList is a YAML sequence of scalars.
type textList struct {
	Items []text
	Line  int
	Bad   bool // a type error was reported for it
}

// UnmarshalYAML accepts a sequence of non-null scalars.
func (l *textList) UnmarshalYAML(n *yaml.Node) error {
	l.Line = n.Line
	if n.Kind != yaml.SequenceNode {
		l.Bad = true
		return typeError(n.Line, "expected a list of strings, found %s", kindName(n))
	}
	var errs []string
	for _, c := range n.Content {
		r := resolve(c)
		switch {
		case r.Kind != yaml.ScalarNode:
			errs = append(errs, fmt.Sprintf("line %d: expected a string, found %s", c.Line, kindName(r)))
		case r.ShortTag() == "!!null":
			errs = append(errs, fmt.Sprintf("line %d: empty list entry", c.Line))
		default:
			l.Items = append(l.Items, text{Value: r.Value, Line: c.Line})
		}
	}
	if len(errs) > 0 {
		l.Bad = true
		return &yaml.TypeError{Errors: errs}
	}
	return nil
}

func typeError(line int, format string, args ...any) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: ", line) + fmt.Sprintf(format, args...)}}
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 16; i++ {
		n = n.Alias
	}
	return n
}

// kindName names a node's kind for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return tagName(n.ShortTag())
	}
	return "nothing"
}

func tagName(tag string) string {
	switch tag {
	case "!!str":
		return "a string"
	case "!!int", "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	case "!!null":
		return "null"
	case "!!seq":
		return "a list"
	case "!!map":
		return "a mapping"
	case "!!timestamp":
		return "a timestamp"
	case "!!binary":
		return "binary data"
	}
	return tag
}

// The raw types mirror the file schema. The decoder runs with
// KnownFields(true), so any other key is an error.
type rawFile struct {
	Framework *rawFramework `yaml:"framework"`
	Controls  []rawControl  `yaml:"controls"`
	Mappings  []rawMapping  `yaml:"mappings"`
}

type rawFramework struct {
	ID      text `yaml:"id"`
	Name    text `yaml:"name"`
	Version text `yaml:"version"`
	Source  text `yaml:"source"`
	Catalog text `yaml:"catalog"`
}

type rawControl struct {
	ID        text     `yaml:"id"`
	Title     text     `yaml:"title"`
	Relevance text     `yaml:"relevance"`
	Catalog   textList `yaml:"catalog"`
}

type rawMapping struct {
	Check     text     `yaml:"check"`
	Controls  textList `yaml:"controls"`
	Rationale text     `yaml:"rationale"`
	FailOn    text     `yaml:"fail_on"`
}

// document is a decoded mapping file with the lines lint needs.
type document struct {
	raw           rawFile
	frameworkLine int   // line of the framework key, else 1
	controlLines  []int // line of each decoded controls entry
	mappingLines  []int // line of each decoded mappings entry
}

// decode parses one mapping file. It returns every YAML problem: syntax
// errors (then nothing else can be decoded), unknown fields, wrong kinds,
// duplicate keys and empty entries.
func decode(path string, data []byte) (*document, []*Problem) {
	return decodeFile(path, data, true)
}

// decodeFile is decode; retry allows the one decoding again with the
// duplicates blanked (that decoding must not need another: blanking that
// left a duplicate behind would recurse without end).
func decodeFile(path string, data []byte, retry bool) (*document, []*Problem) {
	doc := &document{frameworkLine: 1}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, []*Problem{yamlProblem(path, data, err)}
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, []*Problem{{Path: path, Line: max(extra.Line, 1), Reason: "more than one YAML document"}}
	case !errors.Is(err, io.EOF):
		return nil, []*Problem{yamlProblem(path, data, err)}
	}

	// Aliases repeat what they name, and the decoder copies it into each
	// value that aliases it: 99 titles aliasing one 2.5 MB title hold
	// 250 MB. Its own check counts aliases, not what they repeat.
	if p := aliasExpansion(path, &root); p != nil {
		return nil, []*Problem{p}
	}

	// The decoder stops at a mapping with a duplicate key and leaves the
	// rest of it empty, which lint would report as missing fields. So the
	// duplicates are reported, every one, and the file is decoded again
	// with each later duplicate's lines blanked (line numbers kept), for
	// its other problems; where that cannot be done safely (a flow
	// mapping, or what is left does not parse), the duplicates alone.
	if dups := duplicateKeys(path, &root, nil); len(dups) > 0 {
		if blanked, ok := withoutDuplicates(data, &root); ok && retry {
			if d, more := decodeFile(path, blanked, false); d != nil {
				return d, append(dups, more...)
			}
		}
		return nil, dups
	}

	var problems []*Problem
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	if err := strict.Decode(&doc.raw); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, []*Problem{yamlProblem(path, data, err)}
		}
		for _, e := range te.Errors {
			problems = append(problems, typeProblem(path, data, e))
		}
	}

	top := rootMapping(&root)
	if k, _ := lookupKey(top, "framework"); k != nil {
		doc.frameworkLine = k.Line
	}
	var ps []*Problem
	doc.controlLines, ps = entryLines(path, top, "controls")
	problems = append(problems, ps...)
	doc.mappingLines, ps = entryLines(path, top, "mappings")
	problems = append(problems, ps...)
	return doc, problems
}

// aliasExpansion returns a problem when the document's scalar values,
// each alias counted as the text it repeats, hold more than a mapping file
// may (maxMappingFile bytes), at the line of the alias that took them past
// it; nil otherwise. An anchored node's expanded size is summed once,
// where it is written, and an alias adds it whole, so the walk visits each
// written node once however the aliases nest (nesting itself is bounded by
// the parser's depth limit). An alias inside the node it names adds
// nothing here: the decoder refuses it.
func aliasExpansion(path string, root *yaml.Node) *Problem {
	sizes := map[*yaml.Node]int64{} // anchored nodes walked: their expanded size
	var total int64
	line := 0 // where total went past maxMappingFile
	count := func(n int64, at int) {
		total = addSat(total, n)
		if line == 0 && total > maxMappingFile {
			line = at
		}
	}
	var walk func(n *yaml.Node) int64
	walk = func(n *yaml.Node) int64 {
		if n.Kind == yaml.AliasNode {
			size := sizes[n.Alias] // 0 for one inside what it names
			count(size, n.Line)
			return size
		}
		var size int64
		if n.Kind == yaml.ScalarNode {
			size = int64(len(n.Value))
			count(size, n.Line)
		}
		for _, c := range n.Content {
			size = addSat(size, walk(c))
		}
		if n.Anchor != "" {
			sizes[n] = size
		}
		return size
	}
	walk(root)
	if line == 0 {
		return nil
	}
	return &Problem{Path: path, Line: max(line, 1),
		Reason: fmt.Sprintf("aliases expand to %d bytes, more than the %d a mapping file may hold", total, maxMappingFile)}
}

// addSat is a+b for non-negative sizes, held at math.MaxInt64.
func addSat(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// duplicateKeys returns a problem for every key written twice in one
// mapping, anywhere under n (aliases are not followed: what they name is
// checked where it is written).
func duplicateKeys(path string, n *yaml.Node, out []*Problem) []*Problem {
	if n.Kind == yaml.MappingNode {
		first := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				continue
			}
			if line, ok := first[k.Value]; ok {
				out = append(out, &Problem{Path: path, Line: k.Line, Reason: fmt.Sprintf("duplicate key %q (first at line %d)", k.Value, line)})
			} else {
				first[k.Value] = k.Line
			}
		}
	}
	if n.Kind != yaml.AliasNode {
		for _, c := range n.Content {
			out = duplicateKeys(path, c, out)
		}
	}
	return out
}

// withoutDuplicates returns data with the lines of every later duplicate
// key and its value blanked, line numbers kept, and whether each could be:
// a key in a flow mapping, or on the line of the key after it, cannot.
func withoutDuplicates(data []byte, root *yaml.Node) ([]byte, bool) {
	// YAML also breaks lines at a lone carriage return, where the
	// parser's line numbers and these lines part ways.
	if bytes.Contains(bytes.ReplaceAll(data, []byte("\r\n"), nil), []byte("\r")) {
		return nil, false
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	ok := true
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			seen := map[string]bool{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if k.Kind != yaml.ScalarNode || !seen[k.Value] {
					seen[k.Value] = true
					continue
				}
				if n.Style&yaml.FlowStyle != 0 || k.Line < 1 {
					ok = false
					continue
				}
				end := lastLine(v)
				if i+2 < len(n.Content) {
					end = n.Content[i+2].Line - 1
				}
				if end < k.Line || end > len(lines) {
					ok = false
					continue
				}
				for l := k.Line; l <= end; l++ {
					if bytes.HasSuffix(lines[l-1], []byte("\n")) {
						lines[l-1] = []byte("\n")
					} else {
						lines[l-1] = nil
					}
				}
			}
		}
		if n.Kind != yaml.AliasNode {
			for _, c := range n.Content {
				walk(c)
			}
		}
	}
	walk(root)
	return bytes.Join(lines, nil), ok
}

// lastLine is the last line n's text reaches: its last node's, or for a
// literal or folded block scalar the last of its content.
func lastLine(n *yaml.Node) int {
	end := n.Line
	if n.Kind == yaml.ScalarNode && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		end += strings.Count(strings.TrimRight(n.Value, "\n"), "\n") + 1
	}
	for _, c := range n.Content {
		end = max(end, lastLine(c))
	}
	return end
}

// rootMapping returns the document's top-level mapping, or nil.
func rootMapping(root *yaml.Node) *yaml.Node {
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 {
		return nil
	}
	if n := resolve(root.Content[0]); n != nil && n.Kind == yaml.MappingNode {
		return n
	}
	return nil
}

// lookupKey finds key in a mapping node and returns its key and value nodes.
func lookupKey(m *yaml.Node, key string) (k, v *yaml.Node) {
	if m == nil {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Kind == yaml.ScalarNode && m.Content[i].Value == key {
			return m.Content[i], resolve(m.Content[i+1])
		}
	}
	return nil, nil
}

// entryLines returns the line of every entry of the list under key that the
// strict decoder keeps (mappings); the decoder drops null entries silently,
// so those are reported here, and other kinds already gave a type error.
func entryLines(path string, top *yaml.Node, key string) ([]int, []*Problem) {
	_, seq := lookupKey(top, key)
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return nil, nil
	}
	var lines []int
	var problems []*Problem
	for _, c := range seq.Content {
		r := resolve(c)
		switch {
		case r.Kind == yaml.MappingNode:
			lines = append(lines, c.Line)
		case r.Kind == yaml.ScalarNode && r.ShortTag() == "!!null":
			problems = append(problems, &Problem{Path: path, Line: c.Line, Reason: "empty entry in " + key})
		}
	}
	return lines, problems
}

var (
	typeLineRE     = regexp.MustCompile(`(?s)^line (\d+): (.*)$`)
	unknownFieldRE = regexp.MustCompile(`^field (.+) not found in type \*?mappings\.raw(\w+)$`)
	fieldSetRE     = regexp.MustCompile(`^field (.+) already set in type \*?mappings\.raw\w+$`)
	dupKeyRE       = regexp.MustCompile(`^mapping key (".*") already defined at line (\d+)$`)
	unmarshalRE    = regexp.MustCompile(`(?s)^cannot unmarshal (!!\S+).* into (\S+)$`)
)

// yamlProblem turns a syntax error into a Problem at the line of the fault,
// located as the inventory loader locates it.
func yamlProblem(path string, data []byte, err error) *Problem {
	e := assess.YAMLError(path, data, err)
	reason := "invalid YAML: " + e.Reason
	if strings.Contains(e.Reason, "tab character") || tabIndented(data, e.Line) {
		reason += "; indent with spaces, not tabs"
	}
	return &Problem{Path: path, Line: e.Line, Reason: reason}
}

// tabIndented reports whether the 1-based line of data is indented with a
// tab, which YAML does not allow.
func tabIndented(data []byte, line int) bool {
	l := lineOf(data, line)
	indent := l[:len(l)-len(bytes.TrimLeft(l, " \t"))]
	return bytes.IndexByte(indent, '\t') >= 0
}

// lineOf returns the 1-based line of data (nil past its end).
func lineOf(data []byte, line int) []byte {
	for i := 1; i < line; i++ {
		j := bytes.IndexByte(data, '\n')
		if j < 0 {
			return nil
		}
		data = data[j+1:]
	}
	if line < 1 {
		return nil
	}
	if j := bytes.IndexByte(data, '\n'); j >= 0 {
		return data[:j]
	}
	return data
}

// typeProblem rewrites one of the decoder's "line N: ..." errors in the
// file's own terms.
func typeProblem(path string, data []byte, e string) *Problem {
	line := 1
	if m := typeLineRE.FindStringSubmatch(e); m != nil {
		line, _ = strconv.Atoi(m[1])
		e = m[2]
	}
	switch m := unknownFieldRE.FindStringSubmatch(e); {
	case m != nil:
		where := map[string]string{"File": "at top level", "Framework": "in framework",
			"Control": "in control", "Mapping": "in mapping"}[m[2]]
		known := map[string]string{"File": "framework, controls, mappings", "Framework": "id, name, version, source, catalog",
			"Control": "id, title, relevance, catalog", "Mapping": "check, controls, rationale, fail_on"}[m[2]]
		e = fmt.Sprintf("unknown field %q %s (known: %s)", m[1], where, known)
		if strings.ContainsAny(m[1], " .") && bytes.Contains(lineOf(data, line), []byte("{")) {
			// {rationale: Reverse DNS, which is advisory} makes
			// "which is advisory" a key of its own.
			e += "; text with a comma inside {...} must be quoted"
		}
	case fieldSetRE.MatchString(e):
		e = fmt.Sprintf("duplicate field %q", fieldSetRE.FindStringSubmatch(e)[1])
	case dupKeyRE.MatchString(e):
		m := dupKeyRE.FindStringSubmatch(e)
		e = fmt.Sprintf("duplicate key %s (first at line %s)", m[1], m[2])
	case unmarshalRE.MatchString(e):
		m := unmarshalRE.FindStringSubmatch(e)
		want := "a mapping"
		if strings.HasPrefix(m[2], "[]") {
			want = "a list"
		}
		e = fmt.Sprintf("expected %s, found %s", want, tagName(m[1]))
	}
	return &Problem{Path: path, Line: max(line, 1), Reason: e}
}
