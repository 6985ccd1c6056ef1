//go:build unix

package report

import (
	"context"
	"crypto/ed25519"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// TestPackFilesHonourUmask: a pack's files get the mode of any file the
// user makes, 0666 less the umask: 0600 under a umask of 077 (the owners
// and inventory in evidence.json are not made readable to all), 0664
// under 002. The umask is the process's and is read once, so each is set
// in a process of its own, running this test alone, before anything
// reads it.
func TestPackFilesHonourUmask(t *testing.T) {
	if dir := os.Getenv("SENDERPROOF_TEST_UMASK_DIR"); dir != "" {
		mask, err := strconv.ParseUint(os.Getenv("SENDERPROOF_TEST_UMASK"), 8, 32)
		if err != nil {
			t.Fatal(err)
		}
		old := syscall.Umask(int(mask))
		defer syscall.Umask(old)
		_, key, err := ed25519.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		all, _ := ParseFormats("all")
		if _, err := WritePackOptions(context.Background(), dir, &Pack{Run: Run{ID: "run-1"}}, all, runWriters("run-1"), WriteOptions{SignKey: key}); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Parallel()
	for _, tc := range []struct {
		umask string
		want  os.FileMode
	}{{"077", 0o600}, {"002", 0o664}, {"022", 0o644}} {
		t.Run(tc.umask, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^TestPackFilesHonourUmask$", "-test.count=1")
			cmd.Env = append(os.Environ(), "SENDERPROOF_TEST_UMASK_DIR="+dir, "SENDERPROOF_TEST_UMASK="+tc.umask)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("writing the pack under umask %s: %v\n%s", tc.umask, err, out)
			}
			names := append(PackFiles(), ManifestFile, SignatureFile)
			if got := packDirNames(t, dir); len(got) != len(names) {
				t.Fatalf("the pack holds %v", got)
			}
			for _, name := range names {
				st, err := os.Stat(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if got := st.Mode().Perm(); got != tc.want {
					t.Errorf("umask %s: %s has mode %04o, want %04o", tc.umask, name, got, tc.want)
				}
			}
		})
	}
}
