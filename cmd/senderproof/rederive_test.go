package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"senderproof/report"
)

// editManifest lets edit change the pack's manifest and writes it back.
func editManifest(t *testing.T, dir string, edit func(m *report.Manifest)) {
	t.Helper()
	m, err := report.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, report.ManifestFile), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// forgeFile replaces old by new in the pack's file name and updates the
// manifest's hash and size to match, as a forger who knows the format
// would.
func forgeFile(t *testing.T, dir, name, old, new string) {
	t.Helper()
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s holds no %q", name, old)
	}
	b = bytes.Replace(b, []byte(old), []byte(new), 1)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	editManifest(t, dir, func(m *report.Manifest) {
		for i := range m.Files {
			if m.Files[i].Path == name {
				m.Files[i].SHA256, m.Files[i].Size = hex.EncodeToString(sum[:]), int64(len(b))
			}
		}
	})
}

// TestVerifyRederivesFiles: verify writes the CSV, XLSX, OSCAL and PDF files
// again from evidence.json and fails on any that differ, so a GRC import
// edited with its manifest entry re-hashed does not pass for the run's;
// the manifest's tool and inventory hashes must be evidence.json's.
func TestVerifyRederivesFiles(t *testing.T) {
	pack := fullDemoPack(t)
	code, stdout, stderr := run(t, context.Background(), "verify", pack)
	if code != 0 {
		t.Fatalf("verify of an untouched pack: exit %d: %s %s", code, stdout, stderr)
	}
	for _, want := range []string{
		"findings.csv, report.xlsx, oscal-assessment-results.json, report.pdf: written again from evidence.json, the same bytes",
		"evidence.json: written again from what was read of it, the same bytes",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("verify output lacks %q:\n%s", want, stdout)
		}
	}
	cases := []struct {
		name string
		edit func(t *testing.T, dir string)
		want string
	}{
		{"a CSV status", func(t *testing.T, dir string) {
			forgeFile(t, dir, "findings.csv", "192.0.2.70,spf.authorizes_ip,,fail", "192.0.2.70,spf.authorizes_ip,,pass")
		}, "findings.csv: does not follow from evidence.json"},
		{"an OSCAL control state", func(t *testing.T, dir string) {
			forgeFile(t, dir, "oscal-assessment-results.json", `"state":"not-satisfied"`, `"state":"satisfied"`)
		}, "oscal-assessment-results.json: does not follow from evidence.json"},
		// Read by encoding/json as the last key (case-insensitively), so
		// the finding replays as the run's; jq and Python read "pass".
		{"a key given twice, in other case", func(t *testing.T, dir string) {
			forgeFile(t, dir, "evidence.json", `"status": "fail"`, `"status": "pass", "STATUS": "fail"`)
		}, "evidence.json: is not in the form senderproof writes"},
		{"a PDF with a line added", func(t *testing.T, dir string) {
			forgeFile(t, dir, "report.pdf", "%%EOF", "%%EOF\n%")
		}, "report.pdf: does not follow from evidence.json"},
		{"the manifest's tool", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m *report.Manifest) { m.Tool.Version = "9.9.9" })
		}, "manifest.json names the tool senderproof 9.9.9, evidence.json senderproof " + version},
		{"the manifest's inventory hash", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m *report.Manifest) { m.Inputs[0].SHA256 = strings.Repeat("0", 64) })
		}, "manifest.json lists the inventory files demo/fleet.csv (sha256 " + strings.Repeat("0", 64) + "), evidence.json's run demo/fleet.csv (sha256 "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyPack(t, pack)
			tc.edit(t, dir)
			code, stdout, stderr := run(t, context.Background(), "verify", dir)
			if code != exitRunFailed || !strings.Contains(stderr, tc.want) {
				t.Errorf("verify exit %d, want %d with %q:\n%s%s", code, exitRunFailed, tc.want, stdout, stderr)
			}
		})
	}
}
