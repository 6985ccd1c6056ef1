package templates

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEmbeddedParse(t *testing.T) {
	t.Parallel()
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"default/error", "default/skip", "ptr.present/pass", "summary/executive"} {
		if !s.Has(name) {
			t.Errorf("embedded templates lack %q", name)
		}
	}
}

func TestOverrideDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	over := `{{define "ptr.present/pass"}}PTR OK for {{.Asset.IP}}{{end}}`
	if err := os.WriteFile(filepath.Join(dir, "mine.tmpl"), []byte(over), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Render("ptr.present/pass", struct{ Asset struct{ IP string } }{struct{ IP string }{"192.0.2.1"}})
	if err != nil || got != "PTR OK for 192.0.2.1" {
		t.Fatalf("override: %q, %v", got, err)
	}
	if !s.Has("ptr.fcrdns/pass") {
		t.Error("an override directory must not drop the other embedded templates")
	}
}

func TestOverrideErrors(t *testing.T) {
	t.Parallel()
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "broken.tmpl"), []byte(`{{define "x"}}{{.A`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), "broken.tmpl") {
		t.Errorf("broken template: %v, want an error naming the file", err)
	}
	if _, err := Load(filepath.Join(bad, "missing")); err == nil {
		t.Error("a missing directory must be an error")
	}
}

// FirstOf renders the first defined name and remembers the choice per key:
// the names are built once per kind of text, and a set never sees another
// set's choices.
func TestFirstOf(t *testing.T) {
	s := MustDefault()
	type key struct{ check, status string }
	calls := 0
	names := func() []string {
		calls++
		return []string{"no.such/template", "default/skip"}
	}
	want, err := s.Render("default/skip", map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		got, err := s.FirstOf(key{"x", "skip"}, map[string]any{}, names)
		if err != nil || got != want {
			t.Fatalf("FirstOf = %q, %v; want %q", got, err, want)
		}
	}
	if calls != 1 {
		t.Errorf("names built %d times, want once", calls)
	}
	none, err := s.FirstOf(key{"x", "none"}, nil, func() []string { return []string{"no.such/one"} })
	if err != nil || none != "" {
		t.Errorf("FirstOf with no defined name = %q, %v; want empty", none, err)
	}
	other, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := other.chosen.Load(key{"x", "skip"}); ok {
		t.Error("a new set starts with another set's choices")
	}
}
