package report

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// errKilled stands for a process killed outright (SIGKILL, a power cut):
// a commit's rename panics with it, so nothing of the commit runs after.
var errKilled = errors.New("killed")

// killedAt returns file operations whose n-th rename kills the run before
// it happens.
func killedAt(n int) fileOps {
	calls := 0
	return fileOps{
		rename: func(from, to string) error {
			if calls++; calls == n {
				panic(errKilled)
			}
			return os.Rename(from, to)
		},
		remove: os.Remove,
	}
}

// runWriters writes each format as "<run> <format>".
func runWriters(run string) map[string]Writer {
	writers := map[string]Writer{}
	for _, f := range Formats {
		writers[f.Name] = constWriter(run + " " + f.Name + "\n")
	}
	return writers
}

// killedWrite writes run's pack of formats into dir with ops, which must
// kill it.
func killedWrite(t *testing.T, dir, run string, formats []string, ops fileOps) {
	t.Helper()
	defer func() {
		if r := recover(); r != errKilled {
			panic(r)
		}
	}()
	_, err := writePack(context.Background(), dir, &Pack{Run: Run{ID: run}}, formats, runWriters(run), WriteOptions{}, ops)
	t.Fatalf("the run was not killed in its commit: %v", err)
}

// TestKilledCommitIsReplaced: a run killed outright between two renames of
// its commit leaves files no manifest lists (a new name, or beside the
// earlier manifest), and its record of them. The next run takes those files
// for this tool's, whose bytes the record names, and replaces the pack
// whole (or removes them, when it does not write them), leaving neither
// the record nor files kept aside. A file whose bytes differ from the
// record stays another's: the run refuses it.
func TestKilledCommitIsReplaced(t *testing.T) {
	t.Parallel()
	all, _ := ParseFormats("all")
	cases := []struct {
		name    string
		earlier []string // formats of an earlier pack in dir, if any
		kill    int      // the rename the run is killed at
		left    []string // what the killed run leaves, besides its record and temporary files
		rerun   []string // the next run's formats
		want    []string // the directory after it
	}{
		{"first run into a new directory", nil, 2, []string{"evidence.json"}, all,
			[]string{"evidence.json", "findings.csv", "manifest.json", "oscal-assessment-results.json", "report.pdf", "report.xlsx"}},
		{"first run, rerun with fewer formats", nil, 3, []string{"evidence.json", "findings.csv"}, []string{"csv"},
			[]string{"findings.csv", "manifest.json"}},
		// findings.csv is linked aside, then replaced: rename 2.
		{"earlier csv pack, every format", []string{"csv"}, 3, []string{"evidence.json", "findings.csv", "manifest.json"}, all,
			[]string{"evidence.json", "findings.csv", "manifest.json", "oscal-assessment-results.json", "report.pdf", "report.xlsx"}},
		{"killed at the manifest", []string{"csv"}, 6, []string{"evidence.json", "findings.csv", "manifest.json", "oscal-assessment-results.json", "report.pdf", "report.xlsx"}, []string{"json"},
			[]string{"evidence.json", "manifest.json"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if tc.earlier != nil {
				if _, err := WritePackOptions(context.Background(), dir, &Pack{Run: Run{ID: "run-1"}}, tc.earlier, runWriters("run-1"), WriteOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			killedWrite(t, dir, "run-2", all, killedAt(tc.kill))
			RemoveTemps(dir) // as the next run does first
			var left []string
			for _, name := range packDirNames(t, dir) {
				if !strings.HasPrefix(name, ".senderproof-") {
					left = append(left, name)
				}
			}
			if !slices.Equal(left, tc.left) {
				t.Fatalf("the killed run left %v, want %v", left, tc.left)
			}
			if journal, _ := InterruptedCommit(dir); !journal {
				t.Fatalf("the killed run left no record of its commit: %v", packDirNames(t, dir))
			}
			if _, foreign := StaleFiles(dir, tc.rerun, false); len(foreign) > 0 {
				t.Fatalf("the killed run's own files taken for another's: %v", foreign)
			}
			m, err := WritePackOptions(context.Background(), dir, &Pack{Run: Run{ID: "run-3"}}, tc.rerun, runWriters("run-3"), WriteOptions{})
			if err != nil {
				t.Fatalf("the next run: %v", err)
			}
			if got := packDirNames(t, dir); !slices.Equal(got, tc.want) {
				t.Errorf("after the next run: %v, want %v", got, tc.want)
			}
			if probs := append(VerifyHashes(context.Background(), dir, m), UnlistedPackFiles(dir, m)...); len(probs) > 0 {
				t.Errorf("the next run's pack: %v", probs)
			}
		})
	}

	// Bytes that differ from the record are not the killed run's.
	dir := t.TempDir()
	killedWrite(t, dir, "run-2", all, killedAt(2))
	if err := os.WriteFile(filepath.Join(dir, "evidence.json"), []byte("run-2 json, edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, foreign := StaleFiles(dir, all, false); !slices.Equal(foreign, []string{"evidence.json"}) {
		t.Errorf("a file unlike the record: foreign %v, want evidence.json", foreign)
	}
	// Nor is anything when the record is not one senderproof writes.
	dir = t.TempDir()
	killedWrite(t, dir, "run-2", all, killedAt(2))
	j := filepath.Join(dir, JournalFile)
	b, err := os.ReadFile(j)
	if err != nil {
		t.Fatal(err)
	}
	dup := strings.Replace(string(b), `"files": [`, `"FILES": [], "files": [`, 1)
	if err := os.WriteFile(j, []byte(dup), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, foreign := StaleFiles(dir, all, false); !slices.Equal(foreign, []string{"evidence.json"}) {
		t.Errorf("a record with a key given twice: foreign %v, want evidence.json", foreign)
	}
}

// TestFailedCommitLeavesNoRecord: a commit that fails and takes its files
// back removes its record along with them.
func TestFailedCommitLeavesNoRecord(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ops := fileOps{remove: os.Remove, rename: func(from, to string) error {
		if filepath.Base(to) == ManifestFile {
			return &fs.PathError{Op: "rename", Path: from, Err: syscall.EIO}
		}
		return os.Rename(from, to)
	}}
	_, err := writePack(context.Background(), dir, &Pack{Run: Run{ID: "run-1"}}, []string{"json", "csv"}, runWriters("run-1"), WriteOptions{}, ops)
	var ce *CommitError
	if !errors.As(err, &ce) || ce.State != PackKept {
		t.Fatalf("commit with a failing rename: %v", err)
	}
	if got := packDirNames(t, dir); len(got) != 0 {
		t.Errorf("after the failed commit: %v", got)
	}
}

// TestRemoveStaleKeepsGoing: an earlier file that cannot be removed does
// not stop the removal of the others, and the error names every one left.
func TestRemoveStaleKeepsGoing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	all, _ := ParseFormats("all")
	if _, err := WritePackOptions(context.Background(), dir, &Pack{Run: Run{ID: "run-1"}}, all, runWriters("run-1"), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	stuck := []string{"evidence.json", "report.pdf"}
	ops := fileOps{rename: os.Rename, remove: func(name string) error {
		if slices.Contains(stuck, filepath.Base(name)) {
			return &fs.PathError{Op: "remove", Path: name, Err: syscall.EPERM}
		}
		return os.Remove(name)
	}}
	_, err := writePack(context.Background(), dir, &Pack{Run: Run{ID: "run-2"}}, []string{"csv"}, runWriters("run-2"), WriteOptions{}, ops)
	var ce *CommitError
	if !errors.As(err, &ce) || ce.State != PackWritten || !errors.Is(err, syscall.EPERM) {
		t.Fatalf("commit with two earlier files stuck: %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"the pack was written, but 2 files of an earlier run could not be removed", filepath.Join(dir, "evidence.json"), filepath.Join(dir, "report.pdf")} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if want, got := []string{JournalFile, "evidence.json", "findings.csv", "manifest.json", "report.pdf"}, packDirNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("after the run: %v, want %v (every other earlier file removed, the record kept)", got, want)
	}
	// The record names the two left, which the new manifest does not
	// list: the next run removes them rather than take them for the
	// user's.
	if _, foreign := StaleFiles(dir, []string{"csv"}, false); len(foreign) > 0 {
		t.Fatalf("the earlier files left taken for another's: %v", foreign)
	}
	if _, err := WritePackOptions(context.Background(), dir, &Pack{Run: Run{ID: "run-3"}}, []string{"csv"}, runWriters("run-3"), WriteOptions{}); err != nil {
		t.Fatalf("the next run: %v", err)
	}
	if want, got := []string{"findings.csv", "manifest.json"}, packDirNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("after the next run: %v, want %v", got, want)
	}
}

// killedRemovingAt returns file operations whose n-th remove (of an
// earlier file, or last of the commit's record) kills the run before it
// happens.
func killedRemovingAt(n int) fileOps {
	calls := 0
	return fileOps{
		rename: os.Rename,
		remove: func(name string) error {
			if calls++; calls == n {
				panic(errKilled)
			}
			return os.Remove(name)
		},
	}
}

// TestKilledRemovingEarlierFiles: a run killed after its manifest is in
// place, while it removes the earlier pack's files it did not replace,
// leaves some of them beside a manifest that does not list them. Its
// record names them with the hashes the earlier manifest gave them, so the
// next run, whatever its formats, takes them for the earlier pack's and
// removes or replaces them. Killed at each removal in turn, and at the
// record's own.
func TestKilledRemovingEarlierFiles(t *testing.T) {
	t.Parallel()
	all, _ := ParseFormats("all")
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	everyFile := []string{"evidence.json", "findings.csv", "manifest.json", "oscal-assessment-results.json", "report.pdf", "report.xlsx"}
	cases := []struct {
		name    string
		signed  bool     // the earlier pack was signed
		earlier []string // what the killed run removes, in order
	}{
		{"earlier pack unsigned", false, []string{"evidence.json", "report.xlsx", "oscal-assessment-results.json", "report.pdf"}},
		{"earlier pack signed", true, []string{"evidence.json", "report.xlsx", "oscal-assessment-results.json", "report.pdf", SignatureFile}},
	}
	for _, tc := range cases {
		for kill := 1; kill <= len(tc.earlier)+1; kill++ {
			for _, rerun := range [][]string{{"csv"}, all} {
				t.Run(fmt.Sprintf("%s/killed at removal %d/rerun %s", tc.name, kill, strings.Join(rerun, ",")), func(t *testing.T) {
					t.Parallel()
					dir := t.TempDir()
					opt := WriteOptions{}
					if tc.signed {
						opt.SignKey = key
					}
					m1, err := WritePackOptions(context.Background(), dir, &Pack{Run: Run{ID: "run-1"}}, all, runWriters("run-1"), opt)
					if err != nil {
						t.Fatal(err)
					}
					killedWrite(t, dir, "run-2", []string{"csv"}, killedRemovingAt(kill))
					RemoveTemps(dir)
					left := tc.earlier[min(kill-1, len(tc.earlier)):]
					for _, name := range left {
						if _, err := os.Lstat(filepath.Join(dir, name)); err != nil {
							t.Fatalf("%s: %v (left: %v)", name, err, packDirNames(t, dir))
						}
					}
					if journal, _ := InterruptedCommit(dir); !journal {
						t.Fatalf("the killed run left no record of its commit: %v", packDirNames(t, dir))
					}
					// The record holds the earlier manifest's entries.
					j := readJournal(dir)
					if j == nil {
						t.Fatal("the record does not read")
					}
					for _, e := range j.Earlier {
						if e.Path == SignatureFile {
							continue
						}
						if i := slices.IndexFunc(m1.Files, func(m ManifestEntry) bool { return m.Path == e.Path }); i < 0 || m1.Files[i] != e {
							t.Errorf("the record's %v is not the earlier manifest's entry", e)
						}
					}
					// A pack with files it does not list fails verify.
					m2, err := ReadManifest(dir)
					if err != nil || m2.RunID != "run-2" {
						t.Fatalf("the killed run's manifest: %v %v", m2, err)
					}
					probs := append(VerifyHashes(context.Background(), dir, m2), UnlistedPackFiles(dir, m2)...)
					if wantProbs := slices.DeleteFunc(slices.Clone(left), func(n string) bool { return n == SignatureFile }); len(probs) != len(wantProbs) {
						t.Errorf("verify's problems: %v, want one for each of %v", probs, wantProbs)
					}
					if _, foreign := StaleFiles(dir, rerun, false); len(foreign) > 0 {
						t.Fatalf("the earlier pack's files taken for another's: %v", foreign)
					}
					m3, err := WritePackOptions(context.Background(), dir, &Pack{Run: Run{ID: "run-3"}}, rerun, runWriters("run-3"), WriteOptions{})
					if err != nil {
						t.Fatalf("the next run: %v", err)
					}
					want := []string{"findings.csv", "manifest.json"}
					if len(rerun) > 1 {
						want = everyFile
					}
					if got := packDirNames(t, dir); !slices.Equal(got, want) {
						t.Errorf("after the next run: %v, want %v", got, want)
					}
					if probs := append(VerifyHashes(context.Background(), dir, m3), UnlistedPackFiles(dir, m3)...); len(probs) > 0 {
						t.Errorf("the next run's pack: %v", probs)
					}
				})
			}
		}
	}

	// An earlier file whose bytes are not those its manifest recorded
	// (edited since) is not the earlier pack's after the stop: refused,
	// never removed.
	dir := t.TempDir()
	if _, err := WritePackOptions(context.Background(), dir, &Pack{Run: Run{ID: "run-1"}}, all, runWriters("run-1"), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "report.pdf"), []byte("run-1 pdf, edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	killedWrite(t, dir, "run-2", []string{"csv"}, killedRemovingAt(1))
	if _, foreign := StaleFiles(dir, all, false); !slices.Equal(foreign, []string{"report.pdf"}) {
		t.Errorf("an earlier file unlike its manifest's entry: foreign %v, want report.pdf", foreign)
	}
}
