package report

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type constWriter string

func (c constWriter) Write(_ context.Context, w io.Writer, _ *Pack) error {
	_, err := io.WriteString(w, string(c))
	return err
}

func packDirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// TestWritePackRemovesStaleFiles: a run writing fewer formats into a pack
// directory removes the other formats' files and an unsigned run removes
// manifest.sig, leaving every other file alone; verify's UnlistedPackFiles
// names a pack file the manifest does not list.
func TestWritePackRemovesStaleFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writers := map[string]Writer{}
	for _, f := range Formats {
		writers[f.Name] = constWriter(f.Name + "\n")
	}
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"notes.txt", "evidence.json.bak"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "old"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := &Pack{Run: Run{ID: "run-1"}}
	all, _ := ParseFormats("all")
	if _, err := WritePackOptions(context.Background(), dir, p, all, writers, WriteOptions{SignKey: key}); err != nil {
		t.Fatal(err)
	}
	want := []string{"evidence.json", "evidence.json.bak", "findings.csv", "manifest.json", "manifest.sig", "notes.txt", "old",
		"oscal-assessment-results.json", "report.pdf", "report.xlsx"}
	if got := packDirNames(t, dir); !slices.Equal(got, want) {
		t.Fatalf("after a signed run of every format: %v, want %v", got, want)
	}

	steps := []struct {
		name    string
		formats []string
		sign    bool
		want    []string
	}{
		{"csv only, unsigned", []string{"csv"}, false,
			[]string{"evidence.json.bak", "findings.csv", "manifest.json", "notes.txt", "old"}},
		{"json, signed", []string{"json"}, true,
			[]string{"evidence.json", "evidence.json.bak", "manifest.json", "manifest.sig", "notes.txt", "old"}},
		{"json and pdf, unsigned", []string{"json", "pdf"}, false,
			[]string{"evidence.json", "evidence.json.bak", "manifest.json", "notes.txt", "old", "report.pdf"}},
	}
	for _, s := range steps {
		opt := WriteOptions{ReplayOf: "run-0"}
		if s.sign {
			opt.SignKey = key
		}
		m, err := WritePackOptions(context.Background(), dir, p, s.formats, writers, opt)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := packDirNames(t, dir); !slices.Equal(got, s.want) {
			t.Errorf("%s: %v, want %v", s.name, got, s.want)
		}
		if probs := UnlistedPackFiles(dir, m); len(probs) != 0 {
			t.Errorf("%s: unlisted files %v", s.name, probs)
		}
		if probs := VerifyHashes(context.Background(), dir, m); len(probs) != 0 {
			t.Errorf("%s: %v", s.name, probs)
		}
		if m.ReplayOf != "run-0" {
			t.Errorf("%s: replay_of %q", s.name, m.ReplayOf)
		}
	}
	mb, _, err := ReadManifestBytes(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifySignature(dir, mb, key.Public().(ed25519.PublicKey)); err == nil {
		t.Error("an unsigned run left a manifest.sig that verifies")
	}

	// A pack file of another run put back beside the manifest is named.
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "report.xlsx"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	probs := UnlistedPackFiles(dir, m)
	if len(probs) != 1 || probs[0].Path != "report.xlsx" {
		t.Errorf("unlisted files %v, want report.xlsx", probs)
	}
	// StaleFiles tells that file, which no manifest lists, from the
	// earlier pack's own, and a run does not remove it.
	earlier, foreign := StaleFiles(dir, []string{"csv"}, false)
	if !slices.Equal(earlier, []string{"evidence.json", "report.pdf"}) || !slices.Equal(foreign, []string{"report.xlsx"}) {
		t.Errorf("StaleFiles: earlier %v, foreign %v", earlier, foreign)
	}
	if _, err := WritePackOptions(context.Background(), dir, p, []string{"csv"}, writers, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	want = []string{"evidence.json.bak", "findings.csv", "manifest.json", "notes.txt", "old", "report.xlsx"}
	if got := packDirNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("after a csv run beside a foreign report.xlsx: %v, want %v", got, want)
	}
}

// TestReadRun reads the run of an evidence.json without its findings.
func TestReadRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		name, text, id, err string
	}{
		{"run first", `{"schema":"senderproof/evidence/v1","run":{"id":"abc"},"findings":[`, "abc", ""},
		{"findings first", `{"findings":[],"run":{"id":"abc"}}`, "", "no run before the findings"},
		{"no run", `{"schema":"x"}`, "", "no run"},
		{"not an object", `[1]`, "", "not a JSON object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".json")
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			r, err := ReadRun(path)
			switch {
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("error %v, want %q", err, tc.err)
				}
			case err != nil:
				t.Fatal(err)
			case r.ID != tc.id:
				t.Errorf("run id %q, want %q", r.ID, tc.id)
			}
		})
	}
}

// TestWritePackFailedCommitKeepsEarlierPack: when a file cannot be put in
// place (here the manifest, the last, because a directory has its name),
// the files already placed are taken back and the earlier run's restored:
// the earlier pack is left as it was, with no temporary file behind.
func TestWritePackFailedCommitKeepsEarlierPack(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(run string) error {
		writers := map[string]Writer{}
		for _, f := range Formats {
			writers[f.Name] = constWriter(run + " " + f.Name + "\n")
		}
		_, err := WritePackOptions(context.Background(), dir, &Pack{Run: Run{ID: run}}, []string{"json", "csv"}, writers, WriteOptions{})
		return err
	}
	if err := write("run-1"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, ManifestFile), filepath.Join(dir, "manifest.keep")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, ManifestFile), 0o755); err != nil {
		t.Fatal(err)
	}
	err := write("run-2")
	if err == nil || !strings.Contains(err.Error(), "a directory has that name") || !strings.Contains(err.Error(), "putting manifest.json in place") || !strings.Contains(err.Error(), "an earlier pack there is as it was") {
		t.Fatalf("commit over a directory: %v", err)
	}
	for _, name := range []string{"evidence.json", "findings.csv"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || !strings.HasPrefix(string(b), "run-1 ") {
			t.Errorf("%s after the failed run: %q, %v; want run-1's", name, b, err)
		}
	}
	if got, want := packDirNames(t, dir), []string{"evidence.json", "findings.csv", "manifest.json", "manifest.keep"}; !slices.Equal(got, want) {
		t.Errorf("after the failed run: %v, want %v", got, want)
	}
}

// TestSignedCommit: the signature is part of the commit: a signed run whose
// manifest.sig cannot be put in place (a directory has its name) leaves
// the earlier pack as it was, its manifest included, rather than a new
// manifest beside no signature of its own; a signed run's signature
// verifies against the manifest it was committed with.
func TestSignedCommit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pub, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	write := func(run string, key ed25519.PrivateKey) error {
		writers := map[string]Writer{}
		for _, f := range Formats {
			writers[f.Name] = constWriter(run + " " + f.Name + "\n")
		}
		_, err := WritePackOptions(context.Background(), dir, &Pack{Run: Run{ID: run}}, []string{"json"}, writers, WriteOptions{SignKey: key})
		return err
	}
	if err := write("run-1", nil); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, SignatureFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := write("run-2", key); err == nil || !strings.Contains(err.Error(), "a directory has that name") {
		t.Fatalf("signed commit over a directory: %v", err)
	}
	if after, err := os.ReadFile(filepath.Join(dir, ManifestFile)); err != nil || !bytes.Equal(before, after) {
		t.Errorf("manifest after the failed signed run: %v; changed: %v", err, !bytes.Equal(before, after))
	}
	if err := os.Remove(filepath.Join(dir, SignatureFile)); err != nil {
		t.Fatal(err)
	}
	if err := write("run-3", key); err != nil {
		t.Fatal(err)
	}
	m, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifySignature(dir, m, pub); err != nil {
		t.Errorf("signature of the committed manifest: %v", err)
	}
}

// TestCommitFilesRestores: when a rename fails after its earlier file was
// linked aside, the files already placed get their earlier contents back,
// the one not replaced keeps its own, and no file is left aside. A killed
// run's .old files survive RemoveTemps (they may be the earlier pack's
// only copies) and go with the next whole commit.
func TestCommitFilesRestores(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("evidence.json", "old evidence")
	write("findings.csv", "old findings")
	newEvidence := write(".senderproof-evidence.json-1.tmp", "new evidence")
	err := commitFiles(dir, []done{
		{tmp: newEvidence, final: filepath.Join(dir, "evidence.json")},
		{tmp: filepath.Join(dir, ".senderproof-findings.csv-gone.tmp"), final: filepath.Join(dir, "findings.csv")},
	}, os.Rename)
	if err == nil || !strings.Contains(err.Error(), "putting findings.csv in place") || !strings.Contains(err.Error(), "is as it was") {
		t.Fatalf("commit with a missing file: %v", err)
	}
	for name, want := range map[string]string{"evidence.json": "old evidence", "findings.csv": "old findings"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != want {
			t.Errorf("%s: %q, %v; want %q", name, b, err, want)
		}
	}
	if got := packDirNames(t, dir); !slices.Equal(got, []string{"evidence.json", "findings.csv"}) {
		t.Errorf("after the failed commit: %v", got)
	}

	left := write(".senderproof-evidence.json-2.old", "earlier evidence, left by a killed run")
	RemoveTemps(dir)
	if _, err := os.Stat(left); err != nil {
		t.Fatalf("RemoveTemps removed a killed run's .old file: %v", err)
	}
	if err := commitFiles(dir, []done{{tmp: write(".senderproof-evidence.json-3.tmp", "newer"), final: filepath.Join(dir, "evidence.json")}}, os.Rename); err != nil {
		t.Fatal(err)
	}
	if got := packDirNames(t, dir); !slices.Equal(got, []string{"evidence.json", "findings.csv"}) {
		t.Errorf("after a whole commit: %v", got)
	}
}

// TestVerifyHashesStops: hashing a pack stops once its context is done, so
// an interrupted verify exits within a second and cleans up after itself.
func TestVerifyHashesStops(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "evidence.json"), make([]byte, 8<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := FileSHA256(ctx, filepath.Join(dir, "evidence.json")); !errors.Is(err, context.Canceled) {
		t.Fatalf("FileSHA256 after cancel: %v", err)
	}
	m := &Manifest{Files: []ManifestEntry{{Path: "evidence.json", SHA256: "x", Size: 1}}}
	if probs := VerifyHashes(ctx, dir, m); len(probs) != 0 {
		t.Fatalf("problems reported after cancel: %v", probs)
	}
	if probs := VerifyHashes(context.Background(), dir, m); len(probs) != 1 {
		t.Fatalf("problems %v, want the one mismatch", probs)
	}
}

// TestEncryptedSigningKey: a passphrase-protected key is refused with a
// message that says so and how to give one without.
func TestEncryptedSigningKey(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "k.pem")
	os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1, 2, 3}}), 0o600)
	if _, err := LoadSigningKey(path); err == nil || !strings.Contains(err.Error(), "protected by a passphrase") {
		t.Fatalf("error %v, want it to name the passphrase", err)
	}
}

// TestVerifyProblemOneLine: a path or value from a hostile manifest is
// written on one line, its line breaks and controls escaped.
func TestVerifyProblemOneLine(t *testing.T) {
	t.Parallel()
	p := VerifyProblem{Path: "x\ndemo1: 5 files match the manifest (FAKE LINE)", Reason: "sha256 \x1b[2J\nfake"}
	if got := p.Error(); strings.ContainsAny(got, "\n\x1b") {
		t.Errorf("%q spans lines or holds an escape", got)
	}
	rec := []MappingRef{{Framework: "acme", SHA256: "ab\ndemo1: FAKE"}}
	for _, err := range CompareMappings(rec, nil) {
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%q spans lines", err)
		}
	}
	if rec[0].SHA256 != "ab\ndemo1: FAKE" {
		t.Error("CompareMappings changed the caller's record")
	}
}

// TestManifestCutShort: a manifest cut short says so, not encoding/json's
// "unexpected end of JSON input".
func TestManifestCutShort(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), []byte(`{"files": [{"path": "evidence.json", "sha256": "ab`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadManifest(dir)
	if err == nil || !strings.Contains(err.Error(), "manifest.json: the file ends before its JSON is complete: it was cut short") {
		t.Errorf("cut manifest: %v", err)
	}
}
