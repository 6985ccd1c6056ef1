//go:build unix

package main

import (
	"context"
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
