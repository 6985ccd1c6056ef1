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

// recordEntry is a file in a commit's record: by name, SHA-256 and size.
type recordEntry struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// writeCommitRecord writes into dir the record a commit keeps while it
// renames its files into place, listing the named files of dir as they
// are (or, with edited, as they are not).
func writeCommitRecord(t *testing.T, dir string, edited bool, names ...string) {
	t.Helper()
	var files []recordEntry
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if edited {
			b = append(b, ' ')
		}
		files = append(files, hashEntry(name, b))
	}
	writeRecord(t, dir, files, nil)
}

// hashEntry is the record's entry for a file name holding b.
func hashEntry(name string, b []byte) recordEntry {
	sum := sha256.Sum256(b)
	return recordEntry{name, hex.EncodeToString(sum[:]), int64(len(b))}
}

// writeRecord writes into dir a commit's record of the files it placed
// and the earlier files it was to remove.
func writeRecord(t *testing.T, dir string, files, earlier []recordEntry) {
	t.Helper()
	rec := map[string]any{"journal": "senderproof/commit/v1", "run_id": "killed", "files": files}
	if earlier != nil {
		rec["earlier"] = earlier
	}
	b, err := json.Marshal(rec)
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

// TestKilledRemovingEarlierFilesVerifyAndRerun: a run killed after its
// manifest is in place, before it removed the earlier pack's files it did
// not write (or that failed to remove one), leaves them beside its
// manifest with its record naming them. verify fails (exit 2) saying a run
// was stopped and to run it again, for an earlier run's manifest.sig left
// beside an unsigned manifest too, and the next run, whatever its formats,
// removes or replaces them instead of refusing them as the user's.
func TestKilledRemovingEarlierFilesVerifyAndRerun(t *testing.T) {
	// Not parallel: in-process CLI runs race on urfave/cli's global
	// HelpFlag while parsing flags.
	dir := t.TempDir()
	key, _ := writeKeyPair(t, dir, "signer")
	earlierFiles := []string{"evidence.json", "report.xlsx", "oscal-assessment-results.json", "report.pdf"}
	for _, tc := range []struct {
		name   string
		signed bool   // the earlier pack was signed
		rerun  string // the next run's --format
		want   []string
		say    string // what verify says besides that a run was stopped
	}{
		{"unsigned, rerun csv", false, "csv", []string{"findings.csv", "manifest.json"}, "evidence.json: present but not listed in the manifest"},
		{"signed, rerun csv", true, "csv", []string{"findings.csv", "manifest.json"}, "manifest.sig is left from an earlier run"},
		{"signed, rerun all", true, "all", []string{"evidence.json", "findings.csv", "manifest.json", "oscal-assessment-results.json", "report.pdf", "report.xlsx"}, "manifest.sig is left from an earlier run"},
	} {
		out := filepath.Join(dir, strings.NewReplacer(" ", "-", ",", "").Replace(tc.name))
		args := []string{"demo", "--out", out}
		names := earlierFiles
		if tc.signed {
			args = append(args, "--sign-key", key)
			names = append(slices.Clone(names), report.SignatureFile)
		}
		if code, _, stderr := run(t, context.Background(), args...); code != 0 {
			t.Fatalf("%s: demo exit %d: %s", tc.name, code, stderr)
		}
		m, err := report.ReadManifest(out)
		if err != nil {
			t.Fatal(err)
		}
		saved := map[string][]byte{}
		var earlier []recordEntry
		for _, name := range names {
			b, err := os.ReadFile(filepath.Join(out, name))
			if err != nil {
				t.Fatal(err)
			}
			saved[name] = b
			earlier = append(earlier, hashEntry(name, b))
		}
		for _, e := range earlier {
			if m.Listed(e.Path) && !slices.Contains(m.Files, report.ManifestEntry(e)) {
				t.Fatalf("%s: %s differs from its manifest entry", tc.name, e.Path)
			}
		}
		// The csv run, stopped before its first removal: the earlier
		// files are back beside its manifest, with its record.
		if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "csv"); code != 0 {
			t.Fatalf("%s: demo --format csv exit %d: %s", tc.name, code, stderr)
		}
		for name, b := range saved {
			if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var placed []recordEntry
		for _, name := range []string{"findings.csv", "manifest.json"} {
			b, err := os.ReadFile(filepath.Join(out, name))
			if err != nil {
				t.Fatal(err)
			}
			placed = append(placed, hashEntry(name, b))
		}
		writeRecord(t, out, placed, earlier)

		code, stdout, stderr := run(t, context.Background(), "verify", out)
		if code != exitRunFailed || !strings.Contains(stderr, tc.say) || !strings.Contains(stderr, "a run was stopped while it put its files in place") || !strings.Contains(stderr, "run the assessment again") {
			t.Errorf("%s: verify exit %d, want %d saying %q and that a run was stopped: %s%s", tc.name, code, exitRunFailed, tc.say, stdout, stderr)
		}
		if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", tc.rerun); code != 0 {
			t.Fatalf("%s: rerun exit %d: %s", tc.name, code, stderr)
		}
		if got := entries(t, out); !slices.Equal(got, tc.want) {
			t.Errorf("%s: after the rerun %v, want %v", tc.name, got, tc.want)
		}
		if code, stdout, stderr := run(t, context.Background(), "verify", out); code != 0 {
			t.Errorf("%s: verify after the rerun: exit %d: %s%s", tc.name, code, stdout, stderr)
		}
	}
}

// TestKilledBeforeSignatureVerify: a signed run killed between its
// manifest's rename and manifest.sig's leaves a manifest that records it
// was signed and no signature: verify says it is missing and that a run
// was stopped, to run it again.
func TestKilledBeforeSignatureVerify(t *testing.T) {
	dir := t.TempDir()
	key, pub := writeKeyPair(t, dir, "signer")
	out := filepath.Join(dir, "out")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json", "--sign-key", key); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	if err := os.Remove(filepath.Join(out, report.SignatureFile)); err != nil {
		t.Fatal(err)
	}
	writeCommitRecord(t, out, false, "evidence.json", "manifest.json")
	code, stdout, stderr := run(t, context.Background(), "verify", out)
	if code != exitRunFailed || !strings.Contains(stderr, "the run signed its manifest, but manifest.sig is missing") || !strings.Contains(stderr, "a run was stopped while it put its files in place") {
		t.Errorf("verify exit %d, want %d saying manifest.sig is missing and that a run was stopped: %s%s", code, exitRunFailed, stdout, stderr)
	}
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json", "--sign-key", key); code != 0 {
		t.Fatalf("rerun exit %d: %s", code, stderr)
	}
	if code, stdout, stderr := run(t, context.Background(), "verify", "--pubkey", pub, out); code != 0 {
		t.Errorf("verify after the rerun: exit %d: %s%s", code, stdout, stderr)
	}
}
