package templates

import (
	"slices"
	"strings"
	"testing"
)

// FuzzStaticCheck runs the static check of Load on arbitrary override text:
// it must never panic, and every problem names the file and a line. (The
// trial render is text/template's own execution, not fuzzed here: a
// template may legitimately loop for long.)
func FuzzStaticCheck(f *testing.F) {
	for _, seed := range []string{
		`{{define "ptr.present/pass"}}{{.Nope}}{{end}}`,
		`{{define "ptr.present/pass"}}{{with .Asset}}{{range $i, $e := .DKIMSelectors}}{{$e.X}}{{end}}{{end}}{{end}}`,
		`{{define "dns/why"}}{{template "zzz" .}}{{(index .Observed "a").b}}{{end}}`,
		`{{define "summary/executive"}}{{$x := .}}{{$x = .Run}}{{range .TopChecks}}{{.Check | printf "%s" | lower}}{{end}}{{end}}`,
		`{{define "spf.record/fail"}}{{plural "x" "a"}}{{head 1.5 nil}}{{len}}{{and}}{{(.Asset).IP "x"}}{{end}}`,
		`{{define "a/b"}}{{template "a/b" .}}{{end}}{{define "c.d/pass"}}{{template "a/b" .Asset.Tags}}{{end}}`,
		`{{define "x.y/pass"}}{{range 3}}{{.}}{{end}}{{break}}{{end}}`,
	} {
		f.Add(seed)
	}
	base, err := parseEmbedded()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		tt, err := base.Clone()
		if err != nil {
			t.Fatal(err)
		}
		if p := parseOverride(tt, "/fuzz/a.tmpl", text); p != nil {
			if p.Path != "/fuzz/a.tmpl" || p.Line < 1 || p.Reason == "" {
				t.Fatalf("bad parse problem %#v", p)
			}
			return
		}
		c := &typeChecker{set: &Set{t: tt}, visited: map[visitKey]bool{}}
		var names []string
		for _, d := range tt.Templates() {
			names = append(names, d.Name())
		}
		slices.Sort(names)
		for _, n := range names {
			c.template(n, Contract(n), "")
		}
		for _, p := range c.problems {
			if p.Line < 1 || p.Reason == "" || (p.Path != "/fuzz/a.tmpl" && !strings.HasPrefix(p.Path, embeddedPath)) {
				t.Fatalf("bad problem %#v", p)
			}
		}
	})
}
