package templates

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"text/template/parse"
)

// Fielder is data whose fields a template reads by name without reflection:
// TemplateField returns the value of the exported field name (a struct value
// as a pointer to it), and false for any other name. The wording of a large
// fleet is rendered millions of times; text/template finds each field by
// reflection, which was a fifth of a run's CPU time.
type Fielder interface {
	TemplateField(name string) (any, bool)
}

// The fast renderer: each template is compiled once into Go closures for
// the subset of text/template the wording uses (text, actions, if/else,
// template calls, field chains on Fielder values and string-keyed maps,
// literals, the comparison and logic builtins, len, and this package's
// funcs). It is a shortcut, never a second dialect: a construct outside the
// subset makes a template uncompiled, and any value whose handling could
// differ from text/template (a type it does not know, a comparison that
// would be an error, a nil where text/template would fail) makes the render
// give up, and Render runs text/template instead. Tests hold the two
// renderers to identical output (TestFastMatchesTextTemplate and
// FuzzFastRender).

type (
	fastNode func(e *fastExec, dot any) bool
	fastExpr func(e *fastExec, dot any) (any, bool)
)

// fastExec is the state of one render.
type fastExec struct {
	set   *Set
	buf   []byte
	depth int
}

// maxFastDepth bounds nested template calls; deeper (or recursive)
// wording is left to text/template, which has its own bound.
const maxFastDepth = 32

// missing marks "no value from the pipeline" in a command's final argument.
type missingType struct{}

var missing any = missingType{}

// compileFast compiles a parse tree; nil when it uses anything outside the
// subset.
func compileFast(root *parse.ListNode) fastNode {
	if root == nil {
		return nil
	}
	return compileList(root)
}

func compileList(l *parse.ListNode) fastNode {
	if l == nil {
		return func(*fastExec, any) bool { return true }
	}
	nodes := make([]fastNode, 0, len(l.Nodes))
	for _, n := range l.Nodes {
		c := compileNode(n)
		if c == nil {
			return nil
		}
		nodes = append(nodes, c)
	}
	if len(nodes) == 1 {
		return nodes[0]
	}
	return func(e *fastExec, dot any) bool {
		for _, n := range nodes {
			if !n(e, dot) {
				return false
			}
		}
		return true
	}
}

func compileNode(n parse.Node) fastNode {
	switch n := n.(type) {
	case *parse.TextNode:
		text := n.Text
		return func(e *fastExec, _ any) bool {
			e.buf = append(e.buf, text...)
			return true
		}
	case *parse.CommentNode:
		return func(*fastExec, any) bool { return true }
	case *parse.ActionNode:
		p := compilePipe(n.Pipe)
		if p == nil {
			return nil
		}
		return func(e *fastExec, dot any) bool {
			v, ok := p(e, dot)
			return ok && e.print(v)
		}
	case *parse.IfNode:
		p := compilePipe(n.Pipe)
		list := compileList(n.List)
		var elseList fastNode
		if n.ElseList != nil {
			elseList = compileList(n.ElseList)
			if elseList == nil {
				return nil
			}
		}
		if p == nil || list == nil {
			return nil
		}
		return func(e *fastExec, dot any) bool {
			v, ok := p(e, dot)
			if !ok {
				return false
			}
			t, ok := truth(v)
			switch {
			case !ok:
				return false
			case t:
				return list(e, dot)
			case elseList != nil:
				return elseList(e, dot)
			}
			return true
		}
	case *parse.TemplateNode:
		if n.Pipe == nil {
			return nil
		}
		p := compilePipe(n.Pipe)
		if p == nil {
			return nil
		}
		name := n.Name
		return func(e *fastExec, dot any) bool {
			v, ok := p(e, dot)
			if !ok || e.depth >= maxFastDepth {
				return false
			}
			t := e.set.fast[name]
			if t == nil {
				return false
			}
			e.depth++
			ok = t(e, v)
			e.depth--
			return ok
		}
	}
	return nil
}

// compilePipe compiles a pipeline without variables.
func compilePipe(p *parse.PipeNode) fastExpr {
	if p == nil || len(p.Decl) > 0 || p.IsAssign || len(p.Cmds) == 0 {
		return nil
	}
	cmds := make([]func(e *fastExec, dot, final any) (any, bool), len(p.Cmds))
	for i, c := range p.Cmds {
		if cmds[i] = compileCommand(c); cmds[i] == nil {
			return nil
		}
	}
	return func(e *fastExec, dot any) (any, bool) {
		v := missing
		for _, c := range cmds {
			var ok bool
			if v, ok = c(e, dot, v); !ok {
				return nil, false
			}
		}
		return v, true
	}
}

func compileCommand(c *parse.CommandNode) func(e *fastExec, dot, final any) (any, bool) {
	if len(c.Args) == 0 {
		return nil
	}
	if id, ok := c.Args[0].(*parse.IdentifierNode); ok {
		return compileCall(id.Ident, c.Args[1:])
	}
	if len(c.Args) > 1 {
		return nil // a field with arguments: a method call
	}
	var x fastExpr
	switch n := c.Args[0].(type) {
	case *parse.FieldNode, *parse.DotNode, *parse.StringNode, *parse.NumberNode, *parse.BoolNode:
		x = compileOperand(n)
	case *parse.PipeNode:
		x = compilePipe(n)
	}
	if x == nil {
		return nil
	}
	return func(e *fastExec, dot, final any) (any, bool) {
		if final != missing {
			return nil, false
		}
		return x(e, dot)
	}
}

// compileOperand compiles a field chain or a literal. A PipeNode argument
// is compiled by compileArg, which must tell it apart.
func compileOperand(n parse.Node) fastExpr {
	switch n := n.(type) {
	case *parse.FieldNode:
		ident := n.Ident
		return func(_ *fastExec, dot any) (any, bool) {
			v := dot
			for _, name := range ident {
				var ok bool
				if v, ok = field(v, name); !ok {
					return nil, false
				}
			}
			return v, true
		}
	case *parse.DotNode:
		// A nil dot is an invalid value in text/template, which some
		// builtins reject; leave it to text/template.
		return func(_ *fastExec, dot any) (any, bool) { return dot, dot != nil }
	case *parse.StringNode:
		var s any = n.Text
		return func(*fastExec, any) (any, bool) { return s, true }
	case *parse.BoolNode:
		var b any = n.True
		return func(*fastExec, any) (any, bool) { return b, true }
	case *parse.NumberNode:
		i, err := strconv.Atoi(n.Text)
		if err != nil || !n.IsInt || int64(i) != n.Int64 {
			return nil // hex, rune, float and huge constants are left to text/template
		}
		var v any = i
		return func(*fastExec, any) (any, bool) { return v, true }
	}
	return nil
}

// field reads one field or map key; false when text/template would do
// anything but return that value (a method, a nil receiver, an unknown type).
func field(v any, name string) (any, bool) {
	switch x := v.(type) {
	case Fielder:
		return x.TemplateField(name)
	case map[string]any:
		return x[name], true // missingkey=zero: a missing key is nil
	case map[string]string:
		return x[name], true
	}
	return nil, false
}

// print appends v as text/template prints it (fmt.Fprint of the value, and
// "<no value>" for nil).
func (e *fastExec) print(v any) bool {
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, "<no value>"...)
	case string:
		e.buf = append(e.buf, x...)
	case int:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case bool, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, []string, []any:
		e.buf = fmt.Append(e.buf, x)
	default:
		return false
	}
	return true
}

// truth is text/template's isTrue for the values the fast renderer knows.
func truth(v any) (t, ok bool) {
	switch x := v.(type) {
	case nil:
		return false, true
	case string:
		return x != "", true
	case bool:
		return x, true
	case int:
		return x != 0, true
	case int64:
		return x != 0, true
	case float64:
		return x != 0, true
	case []string:
		return len(x) > 0, true
	case []any:
		return len(x) > 0, true
	case map[string]any:
		return len(x) > 0, true
	case map[string]string:
		return len(x) > 0, true
	case Fielder:
		return true, true // a struct, or a non-nil pointer to one
	}
	return false, false
}

// arg is one compiled function argument; pipe says it was parenthesized,
// which matters because text/template rejects a nil from a pipeline where a
// builtin expects a value, but accepts a missing map key.
type arg struct {
	x    fastExpr
	pipe bool
}

func compileArg(n parse.Node) (arg, bool) {
	if p, ok := n.(*parse.PipeNode); ok {
		x := compilePipe(p)
		return arg{x: x, pipe: true}, x != nil
	}
	x := compileOperand(n)
	return arg{x: x}, x != nil
}

// param types of this package's funcs.
type ptype int

const (
	pAny ptype = iota
	pString
	pInt
)

type fastFunc struct {
	params []ptype
	call   func(a []any) any
}

var fastFuncs = map[string]fastFunc{
	"join":     {[]ptype{pString, pAny}, func(a []any) any { return join(a[0].(string), a[1]) }},
	"default":  {[]ptype{pString, pAny}, func(a []any) any { return orDefault(a[0].(string), a[1]) }},
	"plural":   {[]ptype{pInt, pString, pString}, func(a []any) any { return plural(a[0].(int), a[1].(string), a[2].(string)) }},
	"num":      {[]ptype{pInt}, func(a []any) any { return Num(a[0].(int)) }},
	"head":     {[]ptype{pInt, pAny}, func(a []any) any { return head(a[0].(int), a[1]) }},
	"count":    {[]ptype{pAny}, func(a []any) any { return count(a[0]) }},
	"lower":    {[]ptype{pString}, func(a []any) any { return strings.ToLower(a[0].(string)) }},
	"upper":    {[]ptype{pString}, func(a []any) any { return strings.ToUpper(a[0].(string)) }},
	"quote":    {[]ptype{pAny}, func(a []any) any { return quote(a[0]) }},
	"contains": {[]ptype{pString, pString}, func(a []any) any { return strings.Contains(a[0].(string), a[1].(string)) }},
	"before":   {[]ptype{pAny, pAny}, func(a []any) any { return before(a[0], a[1]) }},
	"after":    {[]ptype{pAny, pAny}, func(a []any) any { return after(a[0], a[1]) }},
}

// compileCall compiles a call of a builtin or of one of funcs.
func compileCall(name string, nodes []parse.Node) func(e *fastExec, dot, final any) (any, bool) {
	args := make([]arg, len(nodes))
	for i, n := range nodes {
		var ok bool
		if args[i], ok = compileArg(n); !ok {
			return nil
		}
	}
	// value evaluates a builtin's argument, which text/template passes as a
	// reflect.Value: a nil from a parenthesized pipeline is an error there.
	value := func(e *fastExec, dot any, a arg) (any, bool) {
		v, ok := a.x(e, dot)
		if !ok || (v == nil && a.pipe) {
			return nil, false
		}
		return v, true
	}
	switch name {
	case "and", "or":
		if len(args) == 0 {
			return nil
		}
		want := name == "or"
		return func(e *fastExec, dot, final any) (any, bool) {
			if final != missing {
				return nil, false
			}
			var v any
			for _, a := range args {
				var ok bool
				if v, ok = value(e, dot, a); !ok {
					return nil, false
				}
				t, ok := truth(v)
				if !ok {
					return nil, false
				}
				if t == want {
					return v, true
				}
			}
			return v, true
		}
	case "not", "len":
		if len(args) != 1 {
			return nil
		}
		a := args[0]
		return func(e *fastExec, dot, final any) (any, bool) {
			if final != missing {
				return nil, false
			}
			v, ok := value(e, dot, a)
			if !ok {
				return nil, false
			}
			if name == "len" {
				return length(v)
			}
			t, ok := truth(v)
			return !t, ok
		}
	case "eq", "ne", "lt", "le", "gt", "ge":
		if len(args) < 2 || (name != "eq" && len(args) != 2) {
			return nil
		}
		return func(e *fastExec, dot, final any) (any, bool) {
			if final != missing {
				return nil, false
			}
			a, ok := value(e, dot, args[0])
			if !ok {
				return nil, false
			}
			switch name {
			case "eq", "ne":
				// Every argument is evaluated before any comparison, as
				// text/template does: a failing one fails the call even
				// when an earlier one matches.
				bs := make([]any, 0, 4)
				for _, x := range args[1:] {
					b, ok := value(e, dot, x)
					if !ok {
						return nil, false
					}
					bs = append(bs, b)
				}
				for _, b := range bs {
					eq, ok := equal(a, b)
					if !ok {
						return nil, false
					}
					if eq {
						return name == "eq", true
					}
				}
				return name == "ne", true
			}
			b, ok := value(e, dot, args[1])
			if !ok {
				return nil, false
			}
			lt, ok := less(a, b)
			if !ok {
				return nil, false
			}
			eq, _ := equal(a, b)
			switch name {
			case "lt":
				return lt, true
			case "le":
				return lt || eq, true
			case "gt":
				return !lt && !eq, true
			}
			return !lt, true // ge
		}
	}
	f, ok := fastFuncs[name]
	if !ok {
		return nil
	}
	return func(e *fastExec, dot, final any) (any, bool) {
		n := len(args)
		if final != missing {
			n++
		}
		if n != len(f.params) {
			return nil, false
		}
		vals := make([]any, n)
		for i, a := range args {
			v, ok := a.x(e, dot)
			if !ok {
				return nil, false
			}
			vals[i] = v
		}
		if final != missing {
			vals[n-1] = final
		}
		for i, p := range f.params {
			if _, ok := vals[i].(Fielder); ok {
				return nil, false // a struct to text/template, a pointer here
			}
			switch p {
			case pString:
				if _, ok := vals[i].(string); !ok {
					return nil, false
				}
			case pInt:
				if _, ok := vals[i].(int); !ok {
					return nil, false
				}
			}
		}
		return f.call(vals), true
	}
}

// basic classifies v as text/template's comparisons do; 0 is a nil, -1 a
// type the fast renderer does not compare.
func basic(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case bool:
		return 1
	case int, int8, int16, int32, int64:
		return 2
	case string:
		return 3
	case float32, float64:
		return 4
	}
	return -1
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int64:
		return x
	}
	return 0
}

func toFloat(v any) float64 {
	if f, ok := v.(float32); ok {
		return float64(f)
	}
	f, _ := v.(float64)
	return f
}

// equal is one comparison of text/template's eq; false ok where eq would
// fail or where the fast renderer does not know the types.
func equal(a, b any) (eq, ok bool) {
	ka, kb := basic(a), basic(b)
	switch {
	case ka < 0 || kb < 0 || (ka == 0 && kb == 0):
		return false, false
	case ka != kb:
		return false, ka == 0 || kb == 0 // nil equals nothing; other mixes are errors
	}
	switch ka {
	case 1:
		return a.(bool) == b.(bool), true
	case 2:
		return toInt(a) == toInt(b), true
	case 3:
		return a.(string) == b.(string), true
	}
	return toFloat(a) == toFloat(b), true
}

// less is text/template's lt for the types the fast renderer knows.
func less(a, b any) (lt, ok bool) {
	ka, kb := basic(a), basic(b)
	if ka != kb || ka < 2 {
		return false, false
	}
	switch ka {
	case 2:
		return toInt(a) < toInt(b), true
	case 3:
		return a.(string) < b.(string), true
	}
	return toFloat(a) < toFloat(b), true
}

func length(v any) (any, bool) {
	switch x := v.(type) {
	case string:
		return len(x), true
	case []string:
		return len(x), true
	case []any:
		return len(x), true
	case map[string]any:
		return len(x), true
	case map[string]string:
		return len(x), true
	}
	return nil, false
}

// execPool recycles render states and their buffers: the wording renders
// a few templates for every finding of a run.
var execPool = sync.Pool{New: func() any { return &fastExec{buf: make([]byte, 0, 512)} }}

// renderFast renders a compiled template; false when text/template must.
func (s *Set) renderFast(t fastNode, data any) (string, bool) {
	e := execPool.Get().(*fastExec)
	e.set, e.buf, e.depth = s, e.buf[:0], 0
	ok := t(e, data)
	out := ""
	if ok {
		out = string(bytes.TrimSpace(e.buf))
	}
	e.set = nil
	if cap(e.buf) <= 64<<10 {
		execPool.Put(e)
	}
	return out, ok
}
