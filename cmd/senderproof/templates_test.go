package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"senderproof/report"
	"senderproof/templates"
)

// TestTemplatesCheckedAtLoad: an override that would fail mid-run (a field
// the data has not, an undefined template) stops assess before the first
// query with exit 1, naming file and line, and writes nothing; a valid
// override words the pack.
func TestTemplatesCheckedAtLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	good := filepath.Join(dir, "good")
	for d, text := range map[string]string{
		bad:  "{{define \"ptr.present/pass\"}}\n{{.Nope}}{{end}}\n{{define \"summary/executive\"}}{{template \"zzz\" .}}{{end}}\n",
		good: `{{define "ptr.present/pass"}}PTR {{.Observed.ptr}} for {{.Asset.IP}}, tagged {{.Asset.Tags.absent}}{{.Observed.absent}}{{end}}`,
	} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "wording.tmpl"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	inv := filepath.Join(dir, "fleet.csv")
	if err := os.WriteFile(inv, []byte("ip,hostname\n192.0.2.1,a.example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	// 127.0.0.1:9 answers nothing: a run that got as far as a query would
	// end in errors, not in exit 1.
	out := filepath.Join(dir, "out-bad")
	code, _, stderr := run(t, context.Background(), "assess", "--inventory", inv, "--resolver", "127.0.0.1:9",
		"--timeout", "50ms", "--retries", "0", "--out", out, "--templates", bad)
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, stderr)
	}
	file := filepath.Join(bad, "wording.tmpl")
	for _, want := range []string{
		file + ":2: ptr.present/pass: .Nope: the finding data has no field or method Nope",
		file + `:3: summary/executive: no such template "zzz"`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if got := entries(t, out); len(got) != 0 {
		t.Errorf("files written: %v", got)
	}

	out = filepath.Join(dir, "out-good")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json", "--templates", good); code != 0 {
		t.Fatalf("demo with a valid override: exit %d: %s", code, stderr)
	}
	p, err := report.ReadPack(filepath.Join(out, "evidence.json"))
	if err != nil {
		t.Fatal(err)
	}
	worded := false
	for _, f := range p.Findings {
		if f.Check == "ptr.present" && f.Status == "pass" {
			worded = true
			if !strings.HasPrefix(f.Message, "PTR ") || !strings.Contains(f.Message, " for "+f.Asset) {
				t.Errorf("message %q not from the override", f.Message)
			}
		}
	}
	if !worded {
		t.Error("no ptr.present pass finding")
	}
}

// TestTemplatesHashedAsRead: the manifest records the --templates files
// with the hashes of the bytes the run's wording came from, in the
// directory's name order: a file edited after the load is recorded as it
// was read, so the pack verifies with the wording it was made with.
func TestTemplatesHashedAsRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := map[string]string{
		"b.tmpl": `{{define "ptr.present/pass"}}B {{.Asset.IP}}{{end}}`,
		"a.tmpl": `{{define "ptr.present/fail"}}A {{.Asset.IP}}{{end}}`,
	}
	for name, text := range first {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tpl, err := templates.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.tmpl"), []byte(`{{define "ptr.present/pass"}}edited{{end}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ins, err := runInputs(runConfig{Templates: dir}, tpl)
	if err != nil {
		t.Fatal(err)
	}
	want := []report.Input{
		{Path: filepath.Join(dir, "a.tmpl"), Kind: report.InputTemplates, SHA256: sha256Of([]byte(first["a.tmpl"]))},
		{Path: filepath.Join(dir, "b.tmpl"), Kind: report.InputTemplates, SHA256: sha256Of([]byte(first["b.tmpl"]))},
	}
	if !slices.Equal(ins, want) {
		t.Errorf("inputs:\n got %+v\nwant %+v", ins, want)
	}
	if ins, err := runInputs(runConfig{}, templates.MustDefault()); err != nil || len(ins) != 0 {
		t.Errorf("without --templates: %+v, %v", ins, err)
	}
}
