package main

import (
	"context"
	"path/filepath"
	"testing"

	"senderproof/report"
)

// TestReplayRecordedBaselineElsewhere: a run made with a relative
// --baseline is replayed from another directory: the recorded path is
// found from the directory the run was started in (the manifest's
// workdir), as verify finds it, rather than refused as missing.
func TestReplayRecordedBaselineElsewhere(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	ctx := context.Background()
	if code, _, stderr := run(t, ctx, "demo", "--out", "base", "--format", "json"); code != 0 {
		t.Fatalf("demo: exit %d: %s", code, stderr)
	}
	if code, _, stderr := run(t, ctx, "demo", "--out", "drift", "--format", "json", "--baseline", "base/evidence.json"); code != 0 {
		t.Fatalf("demo --baseline: exit %d: %s", code, stderr)
	}
	t.Chdir(t.TempDir())
	out := filepath.Join(root, "replayed")
	code, _, stderr := run(t, ctx, "assess", "--replay", filepath.Join(root, "drift"), "--out", out, "--format", "json")
	if code != 0 {
		t.Fatalf("replay from another directory: exit %d: %s", code, stderr)
	}
	p, err := report.ReadPack(filepath.Join(out, "evidence.json"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Drift == nil || p.Drift.Baseline != filepath.Join(root, "base", "evidence.json") {
		t.Errorf("drift %+v, want the baseline at %s", p.Drift, filepath.Join(root, "base", "evidence.json"))
	}
}
