package report

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// runWriters writes each format as "<run> <format>".
func runWriters(run string) map[string]Writer {
	writers := map[string]Writer{}
	for _, f := range Formats {
		writers[f.Name] = constWriter(run + " " + f.Name + "\n")
	}
	return writers
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
	if want, got := []string{"evidence.json", "findings.csv", "manifest.json", "report.pdf"}, packDirNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("after the run: %v, want %v (every other earlier file removed, no record left)", got, want)
	}
}
