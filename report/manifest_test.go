package report

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifyHashesLowerHex: a manifest's hash in another form than the
// lower-case hex senderproof writes fails, saying so, even when it reads
// as the file's hash.
func TestVerifyHashesLowerHex(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "evidence.json"), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, n, err := FileSHA256(context.Background(), filepath.Join(dir, "evidence.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ sha, want string }{
		{sum, ""},
		{strings.ToUpper(sum), "the manifest's sha256 \"" + strings.ToUpper(sum) + "\" is not 64 lower-case hex digits (the file's is " + sum + ")"},
		{sum[:40], "is not 64 lower-case hex digits"},
	} {
		probs := VerifyHashes(context.Background(), dir, &Manifest{Files: []ManifestEntry{{Path: "evidence.json", SHA256: tc.sha, Size: n}}})
		switch {
		case tc.want == "" && len(probs) > 0:
			t.Errorf("%s: %v", tc.sha, probs)
		case tc.want != "" && (len(probs) != 1 || !strings.Contains(probs[0].Reason, tc.want)):
			t.Errorf("%s: %v, want one saying %q", tc.sha, probs, tc.want)
		}
	}
}
