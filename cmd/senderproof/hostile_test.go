package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"senderproof/assess/dnstest"
)

// TestHostilePackVerifies: a pack of senders whose DNS data is hostile
// (bytes that are not UTF-8, controls, bidi overrides, 4 KB records, 1,000
// PTR names, CNAME loops) is written in every format and verifies: what
// the findings quote of the records is the same text on replay.
func TestHostilePackVerifies(t *testing.T) {
	w := dnstest.HostileWorld()
	srv := dnstest.Start(t, dnstest.Config{Zones: w.Zones})
	dir := t.TempDir()
	inv := filepath.Join(dir, "hostile.csv")
	if err := os.WriteFile(inv, w.Inventory, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "pack")
	if code, _, stderr := run(t, context.Background(), "assess", "--inventory", inv, "--resolver", srv.Addr, "--qps", "0", "--out", out); code != 0 {
		t.Fatalf("assess exit %d: %s", code, stderr)
	}
	if code, stdout, stderr := run(t, context.Background(), "verify", out); code != 0 {
		t.Fatalf("verify exit %d: %s %s", code, stdout, stderr)
	}
	for _, name := range []string{"evidence.json", "findings.csv", "oscal-assessment-results.json"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(b) {
			t.Errorf("%s is not UTF-8", name)
		}
	}
}
