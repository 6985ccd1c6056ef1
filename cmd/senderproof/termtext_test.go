package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"senderproof/report"
)

// TestTermWriter: control characters, escape sequences, bytes that are not
// UTF-8 and hidden characters are written as escapes; line feeds, tabs and
// other text pass, a character split across writes included.
func TestTermWriter(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	w := newTermWriter(&b)
	for _, s := range []string{"run X\x1b]0;PWNED\x07\x1b[2J\n", "\tcsi \u009b31m, evil\u202egpj.exe, alm\u061c, -al\u200bl, \xff\n", "zon", "\xc3", "\xa9 ✓\n"} {
		if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	// A zero-width space is invisible, not an instruction: it passes.
	want := "run X\\x1b]0;PWNED\\x07\\x1b[2J\n\tcsi \\u{009b}31m, evil\\u{202e}gpj.exe, alm\\u{061c}, -al\u200bl, \\xff\nzoné ✓\n"
	if got := b.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestHostileTextNotPrintedRaw: what verify, mappings list and diff --json
// print from a pack or a mapping file reaches the terminal escaped, and
// diff --json stays JSON that reads the same.
func TestHostileTextNotPrintedRaw(t *testing.T) {
	t.Parallel()
	raw := func(s string) bool { return strings.ContainsAny(s, "\x1b\x07\u202e\u009b") }
	pack := copyPack(t, demoPack(t))
	if err := os.WriteFile(filepath.Join(pack, "x\x1b]0;PWNED\x07\x1b[2J\nfiles match"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// A name that would pass for a pack file.
	if err := os.WriteFile(filepath.Join(pack, "evidence.json\u200b"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, context.Background(), "verify", pack)
	if code != 0 || raw(stdout+stderr) || !strings.Contains(stdout, `x\x1b]0;PWNED\x07\x1b[2J\x0afiles match`) || !strings.Contains(stdout, `evidence.json\u{200b}`) {
		t.Errorf("verify of a pack holding a hostile file name: exit %d\n%q\n%q", code, stdout, stderr)
	}

	// A mapping file with control characters is refused, and the refusal
	// quotes them escaped; one with ordinary text (a Persian zero-width
	// non-joiner) is listed as written.
	dir := t.TempDir()
	mapping := "framework: {id: acme, name: \"Acme \\u202eycilop\", version: \"1\"}\ncontrols:\n  - {id: A-1, title: \"x\\e[2J\", relevance: \"csi \\x9b31m\"}\nmappings:\n  - {check: \"ptr.*\", controls: [A-1], rationale: r}\n"
	if err := os.WriteFile(filepath.Join(dir, "acme.yaml"), []byte(mapping), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = run(t, context.Background(), "mappings", "list", "--mappings", dir)
	if code != exitBadInput || raw(stdout+stderr) || !strings.Contains(stderr, `holds the control character U+001B`) {
		t.Errorf("mappings list of a hostile file: exit %d\n%q\n%q", code, stdout, stderr)
	}
	fa := "framework: {id: fa, name: \"کنترل\u200cها\", version: \"1\"}\ncontrols:\n  - {id: F-1, title: \"کنترل\u200cها\"}\nmappings:\n  - {check: \"ptr.*\", controls: [F-1], rationale: r}\n"
	if err := os.WriteFile(filepath.Join(dir, "acme.yaml"), []byte(fa), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = run(t, context.Background(), "mappings", "list", "--mappings", dir)
	if code != 0 || !strings.Contains(stdout, "F-1  کنترل\u200cها") {
		t.Errorf("mappings list of ordinary text: exit %d\n%q\n%q", code, stdout, stderr)
	}

	other := copyPack(t, pack)
	rewritePack(t, other, func(p *report.Pack) {
		p.Run.ID = "run \u202e\u009b31m"
	})
	code, stdout, stderr = run(t, context.Background(), "diff", "--json", pack, other)
	var out map[string]any
	if raw(stdout+stderr) || json.Unmarshal([]byte(stdout), &out) != nil || out["new_run_id"] != "run \u202e\u009b31m" {
		t.Errorf("diff --json (exit %d): hostile text raw, or not JSON:\n%q\n%q", code, stdout, stderr)
	}
}

// TestLineBreakInPackPath: a pack directory whose name holds a line break
// (unpacked from an archive) is printed escaped in the run's summary and
// in verify's lines, so it cannot make a line of its own.
func TestLineBreakInPackPath(t *testing.T) {
	out := filepath.Join(t.TempDir(), "q\nsenderproof: 0 fail")
	code, _, demoErr := run(t, context.Background(), "demo", "--out", out, "--format", "json")
	if code != 0 {
		t.Fatalf("demo exit %d: %s", code, demoErr)
	}
	code, stdout, stderr := run(t, context.Background(), "verify", out)
	if code != 0 {
		t.Fatalf("verify exit %d: %s%s", code, stdout, stderr)
	}
	for name, text := range map[string]string{"demo's stderr": demoErr, "verify's output": stdout} {
		for _, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(line, "senderproof: 0 fail") {
				t.Errorf("%s has a line made by the pack's name: %q", name, text)
			}
		}
	}
}
