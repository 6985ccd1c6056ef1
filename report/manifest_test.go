package report

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestManifestKeysOnce: a manifest that gives a key twice, or again in
// other case, or one of its keys in other case, at the top or in an entry,
// is refused: encoding/json reads the last in any case, jq and Python the
// key as written, so they would see different files.
func TestManifestKeysOnce(t *testing.T) {
	t.Parallel()
	entry := `{"path": "evidence.json", "sha256": "` + strings.Repeat("0", 64) + `", "size": 1}`
	cases := []struct{ name, text, want string }{
		{"valid", `{"files": [` + entry + `], "inputs": [], "run_id": "r", "tool": {"name": "senderproof", "version": "1"}, "future": 1}`, ""},
		{"files twice, other case", `{"files": [` + entry + `], "FILES": [` + entry + `], "run_id": "r"}`, `key "FILES" given twice (or again in other case)`},
		{"run_id twice", "{\"files\": [" + entry + "],\n  \"run_id\": \"r\",\n  \"run_id\": \"s\"}", `3:3: key "run_id" given twice`},
		{"files in other case", `{"Files": [` + entry + `], "run_id": "r"}`, `key "Files" is "files" in other case`},
		{"folded as encoding/json folds", `{"files": [` + entry + `], "inputs": [], "input\u017f": [], "run_id": "r"}`, `given twice`},
		{"entry sha256 twice", `{"files": [{"path": "evidence.json", "sha256": "a", "SHA256": "b", "size": 1}], "run_id": "r"}`, `key "SHA256" in files[0] given twice`},
		{"entry path in other case", `{"files": [` + entry + `, {"PATH": "report.pdf", "sha256": "a", "size": 1}], "run_id": "r"}`, `key "PATH" in files[1] is "path" in other case`},
		{"input twice", `{"files": [` + entry + `], "inputs": [{"path": "a", "path": "b", "sha256": "c"}], "run_id": "r"}`, `key "path" in inputs[0] given twice`},
		{"tool twice", `{"files": [` + entry + `], "run_id": "r", "tool": {"name": "a", "Name": "b"}}`, `key "Name" in tool given twice`},
		{"signed in other case", `{"files": [` + entry + `], "run_id": "r", "SIGNED": true}`, `key "SIGNED" is "signed" in other case`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, ManifestFile), []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadManifest(dir)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("a valid manifest: %v", err)
			case tc.want == "":
			case err == nil:
				t.Fatalf("read, want an error saying %q", tc.want)
			case !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "not a manifest senderproof wrote"):
				t.Errorf("error %q, want it to say %q", err, tc.want)
			}
			var ke *KeyError
			if tc.want != "" && !errors.As(err, &ke) {
				t.Errorf("error %v is no *KeyError", err)
			}
		})
	}
}

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
