package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"senderproof/report"
)

// TestReplayKeepsDrift: replaying a pack made with --baseline uses the
// recorded baseline when it is still there and is the recorded run, and
// reproduces the pack byte for byte apart from run ID and times; otherwise
// it asks for --baseline (exit 1, nothing written).
func TestReplayKeepsDrift(t *testing.T) {
	// Not parallel: in-process CLI runs race on urfave/cli's global
	// HelpFlag while parsing flags.
	base := demoPack(t)
	basePath := filepath.Join(base, "evidence.json")
	baseRun := readPack(t, base).Run.ID
	cur := filepath.Join(t.TempDir(), "cur")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", cur, "--format", "json", "--baseline", basePath); code != 0 {
		t.Fatalf("demo --baseline exit %d: %s", code, stderr)
	}
	recorded := filepath.Join(cur, "evidence.json")
	if readPack(t, cur).Drift == nil {
		t.Fatal("the pack made with --baseline has no drift record")
	}

	out := filepath.Join(t.TempDir(), "replay")
	if code, _, stderr := run(t, context.Background(), "assess", "--replay", recorded, "--out", out, "--format", "json"); code != 0 {
		t.Fatalf("assess --replay exit %d: %s", code, stderr)
	}
	a, err := os.ReadFile(recorded)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "evidence.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(normaliseRun(a), normaliseRun(b)) {
		t.Error("the replayed drift pack differs from the recorded one beyond run ID and times")
	}
	m := readManifest(t, out)
	if len(m.Inputs) != 3 || m.Inputs[1].Path != recorded || m.Inputs[2].Path != basePath {
		t.Errorf("replay's manifest inputs %+v, want the inventory, %s and %s", m.Inputs, recorded, basePath)
	}

	// The baseline moved away, then replaced by another run.
	moved := filepath.Join(t.TempDir(), "moved.json")
	if err := os.Rename(basePath, moved); err != nil {
		t.Fatal(err)
	}
	other := demoPack(t)
	cases := []struct {
		name  string
		setup func(t *testing.T)
		want  string
	}{
		{"baseline gone", func(t *testing.T) {}, "which cannot be read"},
		{"baseline of another run", func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(other, "evidence.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(basePath, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "but that file is now run " + readPack(t, other).Run.ID},
		{"baseline of the same run, edited", func(t *testing.T) {
			b, err := os.ReadFile(moved)
			if err != nil {
				t.Fatal(err)
			}
			edited := bytes.Replace(b, []byte("mail1.example.com"), []byte("evil1.example.com"), 1)
			if bytes.Equal(edited, b) {
				t.Fatal("nothing to edit in the baseline")
			}
			if err := os.WriteFile(basePath, edited, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "no longer the file the run read"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup(t)
			out := filepath.Join(t.TempDir(), "out")
			code, _, stderr := run(t, context.Background(), "assess", "--replay", recorded, "--out", out)
			if code != exitBadInput {
				t.Fatalf("exit %d, want %d: %s", code, exitBadInput, stderr)
			}
			for _, w := range []string{tc.want, "give --baseline with the evidence.json of run " + baseRun} {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q: %s", w, stderr)
				}
			}
			if got := entries(t, out); len(got) != 0 {
				t.Errorf("files written: %v", got)
			}
		})
	}

	t.Run("explicit --baseline", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out")
		code, _, stderr := run(t, context.Background(), "assess", "--replay", recorded, "--baseline", moved, "--out", out, "--format", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		got, want := readPack(t, out).Drift, readPack(t, cur).Drift
		if got == nil || got.BaseRun != want.BaseRun || len(got.Changes) != len(want.Changes) || got.Baseline != moved {
			t.Errorf("drift %+v, want that of %+v from %s", got, want, moved)
		}
	})
}

func readManifest(t *testing.T, dir string) *report.Manifest {
	t.Helper()
	m, err := report.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
