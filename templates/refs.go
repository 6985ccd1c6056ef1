package templates

import (
	"strings"
	"text/template/parse"
)

// AssetFields reports which fields of the wording data's Asset (MessageData
// in package assess) the templates whose names start with one of prefixes
// read, following {{template}} calls. all is true when a template may read
// the asset in a way this analysis does not follow: the whole .Asset, or the
// data handed to a function or printed. The runner words a domain-level
// finding once for all assets of the domain only when its templates read no
// more than the asset's domain.
func (s *Set) AssetFields(prefixes ...string) (fields map[string]bool, all bool) {
	w := refWalker{set: s, fields: map[string]bool{}, seen: map[string]bool{}}
	for _, t := range s.t.Templates() {
		for _, p := range prefixes {
			if strings.HasPrefix(t.Name(), p) {
				w.template(t.Name())
				break
			}
		}
	}
	return w.fields, w.all
}

type refWalker struct {
	set    *Set
	fields map[string]bool
	all    bool
	seen   map[string]bool
}

func (w *refWalker) template(name string) {
	if w.seen[name] {
		return
	}
	w.seen[name] = true
	t := w.set.t.Lookup(name)
	if t == nil || t.Tree == nil {
		return
	}
	w.node(t.Tree.Root)
}

// asset records a field chain that starts at the data (.Asset.IP, or
// $.Asset.IP when dollar).
func (w *refWalker) asset(ident []string) {
	if len(ident) == 0 || ident[0] != "Asset" {
		return
	}
	if len(ident) == 1 {
		w.all = true
		return
	}
	w.fields[ident[1]] = true
}

func (w *refWalker) node(n parse.Node) {
	switch n := n.(type) {
	case nil:
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			w.node(c)
		}
	case *parse.ActionNode:
		w.pipe(n.Pipe)
	case *parse.IfNode:
		w.branch(&n.BranchNode)
	case *parse.RangeNode:
		w.branch(&n.BranchNode)
	case *parse.WithNode:
		w.branch(&n.BranchNode)
	case *parse.TemplateNode:
		// The data handed on is followed into the called template.
		if n.Pipe != nil {
			for _, c := range n.Pipe.Cmds {
				for _, a := range c.Args {
					if _, ok := a.(*parse.DotNode); ok {
						continue
					}
					if v, ok := a.(*parse.VariableNode); ok && len(v.Ident) == 1 {
						continue
					}
					w.node(a)
				}
			}
		}
		w.template(n.Name)
	case *parse.PipeNode:
		w.pipe(n)
	case *parse.CommandNode:
		for _, a := range n.Args {
			w.node(a)
		}
	case *parse.FieldNode:
		w.asset(n.Ident)
	case *parse.VariableNode:
		if len(n.Ident) == 1 {
			// $ or a variable used whole: it may be the data.
			w.all = true
			return
		}
		w.asset(n.Ident[1:])
	case *parse.ChainNode:
		w.node(n.Node)
	case *parse.DotNode:
		w.all = true
	}
}

func (w *refWalker) pipe(p *parse.PipeNode) {
	if p == nil {
		return
	}
	for _, c := range p.Cmds {
		w.node(c)
	}
}

func (w *refWalker) branch(b *parse.BranchNode) {
	w.pipe(b.Pipe)
	w.node(b.List)
	w.node(b.ElseList)
}
