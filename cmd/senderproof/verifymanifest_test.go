package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"senderproof/report"
)

// copyFile copies the file from into the directory dir.
func copyFile(t *testing.T, from, dir string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, filepath.Base(from)), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyWithoutManifest: a pack whose manifest.json is gone does not
// verify (exit 2, with or without --pubkey): its files are there, and
// nothing says which run they are of. A directory with no pack file is no
// pack, and was not checked (exit 1).
func TestVerifyWithoutManifest(t *testing.T) {
	dir := t.TempDir()
	key, pub := writeKeyPair(t, dir, "signer")
	out := filepath.Join(dir, "pack")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json,csv", "--sign-key", key); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	if err := os.Remove(filepath.Join(out, report.ManifestFile)); err != nil {
		t.Fatal(err)
	}
	sigOnly := filepath.Join(dir, "sig-only")
	if err := os.Mkdir(sigOnly, 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(out, report.SignatureFile), sigOnly)
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(empty, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{out}, exitRunFailed, "manifest.json is missing, so evidence.json, findings.csv, manifest.sig cannot be checked"},
		{[]string{"--pubkey", pub, out}, exitRunFailed, "manifest.json is missing"},
		{[]string{sigOnly}, exitRunFailed, "manifest.json is missing, so manifest.sig cannot be checked"},
		{[]string{empty}, exitBadInput, "not a pack directory (no manifest.json)"},
	} {
		code, stdout, stderr := run(t, context.Background(), append([]string{"verify"}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("verify %q: exit %d, want %d saying %q: %s%s", tc.args, code, tc.code, tc.want, stdout, stderr)
		}
	}
}

// TestVerifyManifestKeysAndHashForm: a manifest that gives "files" twice,
// in other case (jq and Python read the first list, encoding/json the
// last), or whose hash is upper-case hex, fails verify (exit 2) saying so.
func TestVerifyManifestKeysAndHashForm(t *testing.T) {
	out := filepath.Join(t.TempDir(), "pack")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json,csv"); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	path := filepath.Join(out, report.ManifestFile)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(orig, &m); err != nil {
		t.Fatal(err)
	}
	bogus := fmt.Sprintf(`[{"path": "evidence.json", "sha256": "%s", "size": 1}]`, strings.Repeat("0", 64))
	twice := strings.Replace(string(orig), `"files": [`, `"files": `+bogus+`, "FILES": [`, 1)
	var files []map[string]any
	if err := json.Unmarshal(m["files"], &files); err != nil {
		t.Fatal(err)
	}
	upper := strings.Replace(string(orig), files[0]["sha256"].(string), strings.ToUpper(files[0]["sha256"].(string)), 1)
	for _, tc := range []struct{ name, text, want string }{
		{"files twice", twice, `key "FILES" given twice (or again in other case)`},
		{"upper-case hash", upper, "the manifest's sha256 \"" + strings.ToUpper(files[0]["sha256"].(string)) + "\" is not 64 lower-case hex digits"},
	} {
		if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := run(t, context.Background(), "verify", out)
		if code != exitRunFailed || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: verify exit %d, want %d saying %q: %s%s", tc.name, code, exitRunFailed, tc.want, stdout, stderr)
		}
	}
}
