package main

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// TestReplayNamesConflictingAnswers: an evidence.json edited to give a
// question another answer in one finding (its manifest hashed again, as
// anyone can for an unsigned pack) replays with a note that says so, on
// stderr and in the replay's notes: the replay answers every finding with
// the first recording, so verdicts may move.
func TestReplayNamesConflictingAnswers(t *testing.T) {
	dir := t.TempDir()
	out := demoPack(t)
	evPath := filepath.Join(out, "evidence.json")
	var doc map[string]any
	b, err := os.ReadFile(evPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	findings := doc["findings"].([]any)
	// An SPF record some finding used, answered "+all" in the first one.
	var forged map[string]any
	for _, f := range findings {
		for _, e := range f.(map[string]any)["evidence"].([]any) {
			ex := e.(map[string]any)
			answers, _ := ex["answers"].([]any)
			if forged == nil && ex["type"] == "TXT" && len(answers) == 1 && strings.Contains(answers[0].(string), "v=spf1") {
				forged = maps.Clone(ex)
				forged["answers"] = []any{strings.SplitN(answers[0].(string), "\t", 5)[0] + "\t300\tIN\tTXT\t\"v=spf1 +all\""}
			}
		}
	}
	if forged == nil {
		t.Fatal("no SPF answer in the demo's evidence")
	}
	first := findings[0].(map[string]any)
	first["evidence"] = append([]any{forged}, first["evidence"].([]any)...)
	if b, err = json.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(evPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	mb, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(mb, &m); err != nil {
		t.Fatal(err)
	}
	for _, f := range m["files"].([]any) {
		if f := f.(map[string]any); f["path"] == "evidence.json" {
			f["sha256"], f["size"] = sha256Hex(b), len(b)
		}
	}
	if mb, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "manifest.json"), mb, 0o644); err != nil {
		t.Fatal(err)
	}
	replayed := filepath.Join(dir, "replayed")
	code, _, stderr := run(t, context.Background(), "assess", "--replay", out, "--out", replayed, "--format", "json")
	want := "the replayed evidence holds different outcomes for 1 DNS question in different findings (TXT " + strings.TrimSuffix(forged["name"].(string), ".")
	if code != 0 || !strings.Contains(stderr, want) {
		t.Fatalf("replay exit %d; stderr lacks %q:\n%s", code, want, stderr)
	}
	p := readPack(t, replayed)
	if !slices.ContainsFunc(p.Run.Notes, func(n string) bool { return strings.Contains(n, want) }) {
		t.Errorf("replay's notes lack %q: %q", want, p.Run.Notes)
	}
	// A replay of that replay holds one answer to each question: the
	// note is not carried over.
	again := filepath.Join(dir, "replayed2")
	if code, _, stderr := run(t, context.Background(), "assess", "--replay", replayed, "--out", again, "--format", "json"); code != 0 || strings.Contains(stderr, "different outcomes") {
		t.Errorf("replay of the replay: exit %d: %s", code, stderr)
	}
	if p := readPack(t, again); slices.ContainsFunc(p.Run.Notes, func(n string) bool { return strings.Contains(n, "different outcomes") }) {
		t.Errorf("replay of the replay kept the note: %q", p.Run.Notes)
	}
	// The genuine pack's replay says nothing of the kind.
	genuine := demoPack(t)
	if code, _, stderr := run(t, context.Background(), "assess", "--replay", genuine, "--out", filepath.Join(dir, "again"), "--format", "json"); code != 0 || strings.Contains(stderr, "different outcomes") {
		t.Errorf("replay of a genuine pack: exit %d: %s", code, stderr)
	}
}
