package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"senderproof/report"
)

// writeCommitRecord writes into dir the record a commit keeps while it
// renames its files into place, listing the named files of dir as they
// are (or, with edited, as they are not).
func writeCommitRecord(t *testing.T, dir string, edited bool, names ...string) {
	t.Helper()
	type entry struct {
		Path   string `json:"path"`
		SHA256 string `json:"sha256"`
		Size   int    `json:"size"`
	}
	var files []entry
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if edited {
			b = append(b, ' ')
		}
		sum := sha256.Sum256(b)
		files = append(files, entry{name, hex.EncodeToString(sum[:]), len(b)})
	}
	b, err := json.Marshal(map[string]any{"journal": "senderproof/commit/v1", "run_id": "killed", "files": files})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, report.JournalFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestKilledCommitVerifyAndRerun: a directory a run was killed in while it
// renamed its files into place (its commit record left, some files placed
// with no manifest listing them) fails verify (exit 2), saying a run was
// stopped and to run it again, and the next run replaces it whole, whether
// the killed run was the first into the directory or replaced a pack of
// fewer formats. A file whose bytes are not those recorded is refused as
// another's.
func TestKilledCommitVerifyAndRerun(t *testing.T) {
	// Not parallel: in-process CLI runs race on urfave/cli's global
	// HelpFlag while parsing flags.
	dir := t.TempDir()
	full := filepath.Join(dir, "full")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", full, "--format", "json,csv"); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	for _, tc := range []struct {
		name    string
		earlier string // the --format of an earlier pack, if any
		edited  bool   // the placed file's bytes differ from the record
	}{
		{"first run into a new directory", "", false},
		{"earlier pack of one format", "csv", false},
		{"a file unlike the record", "", true},
	} {
		out := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
		if tc.earlier != "" {
			if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", tc.earlier); code != 0 {
				t.Fatalf("%s: demo exit %d: %s", tc.name, code, stderr)
			}
		} else if err := os.Mkdir(out, 0o755); err != nil {
			t.Fatal(err)
		}
		// Killed after its first rename: evidence.json is placed.
		copyFile(t, filepath.Join(full, "evidence.json"), out)
		writeCommitRecord(t, out, tc.edited, "evidence.json")

		code, stdout, stderr := run(t, context.Background(), "verify", out)
		if code != exitRunFailed || !strings.Contains(stderr, "a run was stopped while it put its files in place") || !strings.Contains(stderr, "run the assessment again") {
			t.Errorf("%s: verify exit %d, want %d saying a run was stopped: %s%s", tc.name, code, exitRunFailed, stdout, stderr)
		}
		code, _, stderr = run(t, context.Background(), "demo", "--out", out, "--format", "json,csv")
		if tc.edited {
			if code != exitBadInput || !strings.Contains(stderr, "holds evidence.json, which no senderproof manifest there lists") {
				t.Errorf("%s: rerun exit %d, want %d refusing evidence.json: %s", tc.name, code, exitBadInput, stderr)
			}
			continue
		}
		if code != 0 {
			t.Fatalf("%s: rerun exit %d: %s", tc.name, code, stderr)
		}
		if got, want := entries(t, out), []string{"evidence.json", "findings.csv", "manifest.json"}; !slices.Equal(got, want) {
			t.Errorf("%s: after the rerun %v, want %v", tc.name, got, want)
		}
		if code, stdout, stderr := run(t, context.Background(), "verify", out); code != 0 {
			t.Errorf("%s: verify after the rerun: exit %d: %s%s", tc.name, code, stdout, stderr)
		}
	}
}
