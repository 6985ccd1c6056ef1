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
