//go:build unix

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestNamedPipeInputs: a named pipe given where an input file goes is
// refused at once (exit 1) rather than waited on for ever.
func TestNamedPipeInputs(t *testing.T) {
	pack := demoPack(t)
	dir := t.TempDir()
	fifo := func(name string) string {
		p := filepath.Join(dir, name)
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		return p
	}
	csv, js, pem := fifo("fleet.csv"), fifo("evidence.json"), fifo("key.pem")
	base := filepath.Join(pack, "evidence.json")
	out := func() string { return filepath.Join(t.TempDir(), "out") }
	for _, args := range [][]string{
		{"assess", "--inventory", csv, "--resolver", "127.0.0.1:9", "--out", out()},
		{"assess", "--replay", js, "--out", out()},
		{"demo", "--baseline", js, "--out", out()},
		{"demo", "--sign-key", pem, "--out", out()},
		{"verify", "--pubkey", pem, pack},
		{"diff", base, js},
		{"diff", js, base},
	} {
		t.Run(strings.Join(args[:2], " "), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			code, _, stderr := run(t, ctx, args...)
			if code != exitBadInput || !strings.Contains(stderr, "not a regular file (a named pipe)") {
				t.Errorf("%q: exit %d, want %d naming the pipe: %s", args, code, exitBadInput, stderr)
			}
		})
	}
}

// TestOutLocked: while a run holds --out, a second run into it is refused
// (exit 1) and leaves the first run's temporary files alone; a --out whose
// path cannot be a directory is bad input too.
func TestOutLocked(t *testing.T) {
	out := filepath.Join(t.TempDir(), "pack")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	spool := filepath.Join(out, ".senderproof-spool-1.tmp")
	if err := os.WriteFile(spool, []byte("the first run's"), 0o600); err != nil {
		t.Fatal(err)
	}
	unlock, err := lockOut(out)
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, context.Background(), "demo", "--out", out)
	if code != exitBadInput || !strings.Contains(stderr, "another senderproof run is writing its pack there") {
		t.Errorf("demo into a locked --out: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(spool); err != nil {
		t.Errorf("the refused run removed the first run's temporary file: %v", err)
	}
	unlock()
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json"); code != 0 {
		t.Fatalf("demo once the lock is released: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(spool); !os.IsNotExist(err) {
		t.Errorf("a killed run's temporary file is left after the next run: %v", err)
	}

	file := filepath.Join(t.TempDir(), "afile")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(t.TempDir(), "dangling")
	if err := os.Symlink(filepath.Join(t.TempDir(), "gone"), dangling); err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string]string{
		filepath.Join(file, "sub"): file + " is not a directory",
		dangling:                   "is a symbolic link to",
	} {
		if code, _, stderr := run(t, context.Background(), "demo", "--out", dir); code != exitBadInput || !strings.Contains(stderr, want) {
			t.Errorf("demo --out %s: exit %d, want %d with %q: %s", dir, code, exitBadInput, want, stderr)
		}
	}
}

// TestVerifyTempDirTrouble: a temporary directory verify cannot use is
// the machine's fault, not the pack's: exit 1 saying so, not exit 2, and
// no directory is made for it.
func TestVerifyTempDirTrouble(t *testing.T) {
	pack := demoPack(t)
	// A pack made with its own wording: verify copies the recorded
	// files into the temporary directory first.
	tpl := t.TempDir()
	if err := os.WriteFile(filepath.Join(tpl, "ptr.tmpl"), []byte(`{{define "ptr.present/pass"}}PTR in place.{{end}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	worded := filepath.Join(t.TempDir(), "worded")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", worded, "--format", "json", "--templates", tpl); code != 0 {
		t.Fatalf("demo --templates: exit %d: %s", code, stderr)
	}
	missing := filepath.Join(t.TempDir(), "no-such-dir")
	t.Setenv("TMPDIR", missing)
	for _, dir := range []string{pack, worded} {
		code, _, stderr := run(t, context.Background(), "verify", dir)
		if code != exitBadInput || !strings.Contains(stderr, "verify cannot use the temporary directory "+missing) || !strings.Contains(stderr, "the pack was not checked") {
			t.Errorf("verify %s with TMPDIR missing: exit %d: %s", dir, code, stderr)
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("verify made the missing TMPDIR: %v", err)
	}
}

// TestVerifyRemovesStaleTemps: a verify killed outright leaves its
// directory in TMPDIR; the next verify removes it, and leaves alone one a
// running verify holds.
func TestVerifyRemovesStaleTemps(t *testing.T) {
	pack := demoPack(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	old := time.Now().Add(-time.Hour)
	stale, held := filepath.Join(tmp, verifyTempPrefix+"killed"), filepath.Join(tmp, verifyTempPrefix+"running")
	for _, d := range []string{stale, held} {
		if err := os.MkdirAll(filepath.Join(d, "inputs-1"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(d, old, old); err != nil {
			t.Fatal(err)
		}
	}
	unlock, err := lockDir(held)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if code, stdout, stderr := run(t, context.Background(), "verify", pack); code != 0 {
		t.Fatalf("verify: exit %d: %s%s", code, stdout, stderr)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the killed verify's directory is left: %v", err)
	}
	if _, err := os.Stat(held); err != nil {
		t.Errorf("the running verify's directory was removed: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, verifyTempPrefix+"*")); len(left) != 1 {
		t.Errorf("verify left %q in TMPDIR", left)
	}
}

// TestInventoryWarningsInPack: what loading the inventory warned of is
// in the pack's run notes, bounded, not only on the terminal.
func TestInventoryWarningsInPack(t *testing.T) {
	if got := inventoryNotes([]string{"f.csv:3: 192.0.2.1 duplicates line 2; merged"}, 1); len(got) != 1 || got[0] != "inventory: f.csv:3: 192.0.2.1 duplicates line 2; merged" {
		t.Errorf("one warning: %q", got)
	}
	many := make([]string, maxInventoryNotes+5)
	for i := range many {
		many[i] = fmt.Sprintf("f.csv:%d: warning", i+2)
	}
	got := inventoryNotes(many, len(many))
	if len(got) != maxInventoryNotes+1 || got[maxInventoryNotes] != "inventory: 5 more warnings, printed when the run started" {
		t.Errorf("%d warnings give %d notes, the last %q", len(many), len(got), got[len(got)-1])
	}
	// Of 150 warnings the loader kept the first 100: the notes count all.
	got = inventoryNotes(make([]string, 100), 150)
	if got[maxInventoryNotes] != "inventory: 130 more warnings (the first 100 of all 150 were printed when the run started)" {
		t.Errorf("150 warnings, 100 kept: the last note %q", got[len(got)-1])
	}
	dir := t.TempDir()
	inv := filepath.Join(dir, "fleet.csv")
	if err := os.WriteFile(inv, []byte("ip\n127.0.0.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	run(t, context.Background(), "assess", "--inventory", inv, "--resolver", silentResolver(t), "--timeout", "100ms", "--retries", "0", "--out", out, "--format", "json")
	if notes := readPack(t, out).Run.Notes; len(notes) == 0 || !strings.Contains(notes[0], "inventory: "+inv+":2: 127.0.0.1 is a loopback address") {
		t.Errorf("run notes %q lack the inventory's warning", notes)
	}
}

// TestVerifyTempHeld: the directory of a verify under way is known to the
// forced exit of a second interrupt, which removes it (a deferred close
// does not run then), and forgotten once verify has removed it itself.
func TestVerifyTempHeld(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	v, err := newVerifyTemp()
	if err != nil {
		t.Fatal(err)
	}
	if held := heldVerifyTemp.Load(); held == nil || *held != v.dir {
		t.Errorf("held %v, want %s", held, v.dir)
	}
	v.close()
	if held := heldVerifyTemp.Load(); held != nil {
		t.Errorf("held %s after close", *held)
	}
}

// TestClosedStdout: output read by a reader that stops early (`diff A B |
// head -1`) does not turn the command's outcome into a failure: diff still
// exits with its comparison's code and mappings list with 0, saying nothing.
func TestClosedStdout(t *testing.T) {
	pack := demoPack(t)
	for _, args := range [][]string{
		{"diff", pack, pack},
		{"diff", "--json", pack, pack},
		{"mappings", "list"},
	} {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		r.Close() // a reader that has gone: writes fail with EPIPE
		var stderr strings.Builder
		cliMu.Lock()
		err = newApp(w, &stderr).RunContext(context.Background(), append([]string{"senderproof"}, args...))
		cliMu.Unlock()
		w.Close()
		if code := exitCode(err); code != 0 || stderr.Len() > 0 {
			t.Errorf("%v with its reader gone: exit %d, %v, stderr %q; want 0 and nothing said", args, code, err, stderr.String())
		}
	}
}
