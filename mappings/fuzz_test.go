package mappings

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"senderproof/assess"
)

// FuzzLoadMapping runs the mapping file decoder and lint on arbitrary bytes:
// they must never panic, every problem must name the file and a line, and a
// file without problems must be internally consistent.
func FuzzLoadMapping(f *testing.F) {
	srcs, err := embeddedSources()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range srcs {
		f.Add(s.data)
	}
	seeds, _ := filepath.Glob(filepath.Join("..", "testdata", "mappings", "invalid-*.yaml"))
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	e, err := newEnv()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, _, problems := e.lint("fuzz.yaml", data)
		for _, p := range problems {
			if p.Path != "fuzz.yaml" || p.Line < 1 || p.Reason == "" {
				t.Fatalf("bad problem %#v", p)
			}
			if !strings.HasPrefix(p.Error(), "fuzz.yaml:") {
				t.Fatalf("bad message %q", p.Error())
			}
		}
		if file == nil {
			if len(problems) == 0 {
				t.Fatal("no file and no problem")
			}
			return
		}
		if len(problems) > 0 {
			return
		}
		if blank(file.Framework.ID) || blank(file.Framework.Name) || blank(file.Framework.Version) {
			t.Fatalf("clean file without framework id, name or version: %+v", file.Framework)
		}
		if strings.ContainsFunc(file.Framework.ID, badFrameworkIDRune) || len(file.Framework.ID) > maxID {
			t.Fatalf("clean file with framework id %+q", file.Framework.ID)
		}
		defined := map[string]bool{}
		for _, c := range file.Controls {
			if blank(c.ID) || defined[c.ID] || blank(c.Title) {
				t.Fatalf("clean file with bad control %+v", c)
			}
			defined[c.ID] = true
		}
		used := map[string]bool{}
		for _, m := range file.Mappings {
			if len(matchChecks(m.Check, e.checks)) == 0 || len(m.Controls) == 0 {
				t.Fatalf("clean file with bad mapping %+v", m)
			}
			if m.FailOn != FailOnFail && m.FailOn != FailOnWarn {
				t.Fatalf("clean file with fail_on %q", m.FailOn)
			}
			for _, c := range m.Controls {
				if !defined[c] {
					t.Fatalf("clean file maps to undefined control %q", c)
				}
				used[c] = true
			}
		}
		for c := range defined {
			if !used[c] {
				t.Fatalf("clean file with control %q mapped to no check", c)
			}
		}
		s := &Set{Files: []*File{file}}
		for _, id := range assess.CheckIDs() {
			refs := s.ControlsFor(id)
			for i, r := range refs {
				if slices.Contains(refs[:i], r) {
					t.Fatalf("ControlsFor(%s) repeats %v", id, r)
				}
			}
		}
	})
}
