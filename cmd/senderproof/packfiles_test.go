package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"senderproof/report"
)

// TestRerunRemovesStalePackFiles: a second run into the same --out with
// fewer formats and no --sign-key leaves none of the first run's pack files
// (nor its manifest.sig), keeps the user's own files, and verifies, naming
// those files as not covered; an old evidence.json put back beside the new
// manifest fails verify.
func TestRerunRemovesStalePackFiles(t *testing.T) {
	// Not parallel: in-process CLI runs race on urfave/cli's global
	// HelpFlag while parsing flags.
	dir := t.TempDir()
	key, _ := writeKeyPair(t, dir, "signer")
	out := filepath.Join(dir, "S")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "README.txt"), []byte("the auditor's notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--sign-key", key); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	old, err := os.ReadFile(filepath.Join(out, "evidence.json"))
	if err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "csv"); code != 0 {
		t.Fatalf("demo --format csv exit %d: %s", code, stderr)
	}
	want := []string{"README.txt", "findings.csv", "manifest.json"}
	if got := entries(t, out); !slices.Equal(got, want) {
		t.Fatalf("after the csv run the pack holds %v, want %v", got, want)
	}
	code, stdout, stderr := run(t, context.Background(), "verify", out)
	if code != 0 {
		t.Fatalf("verify of the csv pack: exit %d: %s %s", code, stdout, stderr)
	}
	if strings.Contains(stdout, "findings replayed") || !strings.Contains(stdout, "so the findings were not checked for completeness or replayed") {
		t.Errorf("verify of a pack without evidence.json: %s", stdout)
	}
	// The user's own file passes, but verify says it checked nothing of it.
	if !strings.Contains(stdout, "not covered by the manifest, so not verified: README.txt\n") {
		t.Errorf("verify does not name the file the manifest does not cover: %s", stdout)
	}

	if err := os.WriteFile(filepath.Join(out, "evidence.json"), old, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = run(t, context.Background(), "verify", out)
	if code != exitRunFailed || !strings.Contains(stderr, "evidence.json: present but not listed in the manifest") {
		t.Errorf("verify with a stale evidence.json: exit %d, want %d naming it: %s %s", code, exitRunFailed, stdout, stderr)
	}
	if strings.Contains(stdout, "replayed") {
		t.Errorf("verify replayed a stale evidence.json: %s", stdout)
	}

	// That evidence.json is not listed by the manifest in --out: a run that
	// would not write it refuses to start rather than remove it or leave it
	// beside its own manifest, and touches nothing.
	before := entries(t, out)
	code, _, stderr = run(t, context.Background(), "demo", "--out", out, "--format", "csv")
	if code != exitBadInput || !strings.Contains(stderr, "holds evidence.json, which no senderproof manifest there lists") {
		t.Errorf("a run beside an unlisted evidence.json: exit %d, want %d naming it: %s", code, exitBadInput, stderr)
	}
	if got := entries(t, out); !slices.Equal(got, before) {
		t.Errorf("the refused run changed --out: %v, was %v", got, before)
	}
	if b, err := os.ReadFile(filepath.Join(out, "evidence.json")); err != nil || string(b) != string(old) {
		t.Errorf("the refused run touched evidence.json: %v", err)
	}
	// Nor would one that writes it overwrite it.
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json,csv"); code != exitBadInput || !strings.Contains(stderr, "holds evidence.json") {
		t.Errorf("a run that would overwrite an unlisted evidence.json: exit %d: %s", code, stderr)
	}
	if err := os.Remove(filepath.Join(out, "evidence.json")); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json,csv"); code != 0 {
		t.Fatalf("demo --format json,csv exit %d: %s", code, stderr)
	}
}

// TestRunKeepsUsersPackNamedFiles: a user's own report.pdf in a fresh
// --out, which no manifest lists, is neither overwritten by a run that
// writes one nor removed or left beside the pack of one that does not:
// the run is refused, exit 1, and nothing is written.
func TestRunKeepsUsersPackNamedFiles(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"report.pdf", "manifest.sig"} {
		if err := os.WriteFile(filepath.Join(out, name), []byte("my own "+name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, _, stderr := run(t, context.Background(), "demo", "--out", out)
	if code != exitBadInput || !strings.Contains(stderr, "holds report.pdf, manifest.sig, which no senderproof manifest there lists") ||
		!strings.Contains(stderr, "move them away") {
		t.Errorf("exit %d, want %d naming both files: %s", code, exitBadInput, stderr)
	}
	if got, want := entries(t, out), []string{"manifest.sig", "report.pdf"}; !slices.Equal(got, want) {
		t.Errorf("--out holds %v, want only the user's %v", got, want)
	}
}

// TestManifestHashesInputs: the manifest lists every input file with its
// SHA-256: the inventory, the --baseline evidence, each --mappings file and
// each --templates file.
func TestManifestHashesInputs(t *testing.T) {
	base := demoPack(t)
	basePath := filepath.Join(base, "evidence.json")
	tdir := t.TempDir()
	tpl := filepath.Join(tdir, "ptr.tmpl")
	if err := os.WriteFile(tpl, []byte(`{{define "ptr.present/pass"}}Reverse DNS in place for {{.Asset.IP}}.{{end}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	extra := "../../testdata/mappings/extra"
	out := filepath.Join(t.TempDir(), "evidence")
	code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json",
		"--baseline", basePath, "--mappings", extra, "--templates", tdir)
	if code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	var want []report.Input
	for _, in := range []report.Input{{Path: basePath, Kind: report.InputBaseline}, {Path: filepath.Join(extra, "internal-mail-policy.yaml"), Kind: report.InputMappings}, {Path: tpl, Kind: report.InputTemplates}} {
		b, err := os.ReadFile(in.Path)
		if err != nil {
			t.Fatal(err)
		}
		in.SHA256 = sha256Hex(b)
		want = append(want, in)
	}
	m := readManifest(t, out)
	if wd, _ := os.Getwd(); m.WorkDir != wd {
		t.Errorf("manifest workdir %q, want %q", m.WorkDir, wd)
	}
	if len(m.Inputs) != 4 || m.Inputs[0].Path != "demo/fleet.csv" || m.Inputs[0].Kind != report.InputInventory || !slices.Equal(m.Inputs[1:], want) {
		t.Errorf("manifest inputs %+v, want demo/fleet.csv then %+v", m.Inputs, want)
	}
	if code, stdout, stderr := run(t, context.Background(), "verify", "--templates", tdir, "--mappings", extra, out); code != 0 {
		t.Errorf("verify with the run's templates and mappings: exit %d: %s %s", code, stdout, stderr)
	}
}
