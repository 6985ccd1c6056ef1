package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestBadEvidenceInput: an evidence.json given as --baseline or --replay
// that is not one complete run, or not JSON, is bad input (exit 1, nothing
// written), named by file, line and column where it has a place.
func TestBadEvidenceInput(t *testing.T) {
	// Not parallel: in-process CLI runs race on urfave/cli's global
	// HelpFlag while parsing flags.
	orig, err := os.ReadFile(filepath.Join(demoPack(t), "evidence.json"))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(orig, []byte("\n"))
	// editLine returns the pack with line n (1-based) changed by edit.
	editLine := func(n int, edit func([]byte) []byte) []byte {
		out := bytes.Clone(orig)
		start := len(bytes.Join(lines[:n-1], nil))
		return append(append(out[:start:start], edit(bytes.Clone(lines[n-1]))...), bytes.Join(lines[n:], nil)...)
	}
	// A line inside the findings, holding a message.
	msgLine := 1 + bytes.Count(orig[:bytes.Index(orig, []byte(`"message": `))], []byte("\n"))
	findingsAt := bytes.Index(orig, []byte(`"findings": [`))
	assetsAt := bytes.Index(orig, []byte(`"assets": [`)) + len(`"assets": `)
	assetsLine := 1 + bytes.Count(orig[:assetsAt], []byte("\n"))
	assetsCol := assetsAt - bytes.LastIndexByte(orig[:assetsAt], '\n')
	cases := []struct {
		name string
		data []byte
		want string // a regular expression for what follows the file's path
	}{
		{"empty", nil, regexp.QuoteMeta(":1:1: the file is empty")},
		{"syntax error", editLine(msgLine, func(l []byte) []byte { return bytes.Replace(l, []byte(`"message": `), []byte(`"message": ,`), 1) }),
			fmt.Sprintf(":%d:%d: invalid character ','", msgLine, 1+bytes.Index(lines[msgLine-1], []byte(`"message": `))+len(`"message": `))},
		// Cut at a line's end, so that the position is the last line's.
		{"cut short", orig[:bytes.LastIndexByte(orig[:len(orig)/2], '\n')], `:\d+:\d+: the file ends before its JSON is complete: it was cut short`},
		{"not UTF-8", editLine(msgLine, func(l []byte) []byte {
			i := bytes.Index(l, []byte(`"message": "`)) + len(`"message": "`)
			l[i] = 0xe9
			return l
		}), fmt.Sprintf(":%d:%d: not UTF-8 text", msgLine, 1+bytes.Index(lines[msgLine-1], []byte(`"message": "`))+len(`"message": "`))},
		{"wrong type", bytes.Replace(orig, []byte(`"assets": [`), []byte(`"assets": 5, "x": [`), 1),
			fmt.Sprintf(":%d:%d: assets: number where a list is expected", assetsLine, assetsCol)},
		{"no findings", append(append(bytes.Clone(orig[:findingsAt]), `"findings": [], "was": [`...), orig[findingsAt+len(`"findings": [`):]...),
			regexp.QuoteMeta(": asset 192.0.2.10 has no findings: the pack is not complete")},
		{"unknown status", bytes.Replace(orig, []byte(`"status": "fail"`), []byte(`"status": "maybe"`), 1),
			`(:\d+:\d+|: findings\[\d+\]): finding \S+ of \S+: status "maybe" is not one of pass, fail, warn, error, skip`},
		{"asset not an address", bytes.Replace(orig, []byte(`"ip": "192.0.2.10"`), []byte(`"ip": "mail.example.com"`), 1), regexp.QuoteMeta(`: assets[0]: "mail.example.com" is not an IP address`)},
		{"no run id", bytes.Replace(orig, []byte(`"id": "`), []byte(`"was": "`), 1), regexp.QuoteMeta(": run.id is missing")},
	}
	dir := t.TempDir()
	for _, tc := range cases {
		path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".json")
		if err := os.WriteFile(path, tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"demo", "--baseline", path}, {"assess", "--replay", path}} {
			t.Run(tc.name+"/"+args[0], func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "out")
				code, _, stderr := run(t, context.Background(), append(args, "--out", out, "--format", "json")...)
				want := regexp.MustCompile(regexp.QuoteMeta(path) + tc.want)
				if code != exitBadInput || !want.MatchString(stderr) {
					t.Errorf("exit %d, want %d with %s: %s", code, exitBadInput, want, stderr)
				}
				if got := entries(t, out); len(got) != 0 {
					t.Errorf("files written on bad input: %v", got)
				}
			})
		}
	}
}
