package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBench(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		args  func(dir string) []string
		lines []string // output lines that must appear (prefixes)
		files []string // files that must exist in dir
	}{
		{"assess and write", func(dir string) []string {
			return []string{"-n", "150", "-concurrency", "16", "-format", "json,csv", "-out", dir}
		}, []string{"assess: 150 assets", "assets/s:", "queries/s:", "cache:", "format json:", "format csv:", "peak RSS:", "wall:"},
			[]string{"evidence.json", "findings.csv", "manifest.json"}},
		{"lossy", func(dir string) []string {
			return []string{"-n", "50", "-loss", "0.1", "-timeout", "200ms", "-format", "none"}
		}, []string{"server: in-process", "queries/s:"}, nil},
		{"dns only", func(dir string) []string {
			return []string{"-n", "100", "-dns-only"}
		}, []string{"dns: ", "queries/s:"}, nil},
		{"wire only", func(dir string) []string {
			return []string{"-n", "100", "-wire-only"}
		}, []string{"wire only: ", "wire: ", "queries/s:"}, nil},
		{"zones", func(dir string) []string {
			return []string{"-n", "300", "-v6", "0.1", "-zones", dir}
		}, []string{"wrote "}, []string{"knot-zones.conf", "inventory.csv", "queries.txt", "zones/esp.example.zone", "zones/8.b.d.0.1.0.0.2.ip6.arpa.zone"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			var out bytes.Buffer
			if err := run(context.Background(), tc.args(dir), &out); err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			for _, want := range tc.lines {
				if !strings.Contains(out.String(), "\n"+want) && !strings.HasPrefix(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
			for _, f := range tc.files {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestBenchZonesMatchKnotConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := run(context.Background(), []string{"-n", "600", "-zones", dir}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	conf, err := os.ReadFile(filepath.Join(dir, "knot-zones.conf"))
	if err != nil {
		t.Fatal(err)
	}
	zones, _ := filepath.Glob(filepath.Join(dir, "zones", "*.zone"))
	if n := strings.Count(string(conf), "- domain: "); n != len(zones) || n == 0 {
		t.Errorf("knot-zones.conf names %d zones, zones/ holds %d", n, len(zones))
	}
	q, err := os.ReadFile(filepath.Join(dir, "queries.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSpace(string(q)), "\n") {
		if f := strings.Fields(line); len(f) != 2 || !strings.HasSuffix(f[0], ".") {
			t.Fatalf("queries.txt line %d %q: want \"NAME. TYPE\"", i+1, line)
		}
	}
}

func TestBenchBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-n", "0"}, {"-v6", "2"}, {"-concurrency", "0"}, {"extra"}, {"-format", "nope", "-n", "5"}} {
		if err := run(context.Background(), args, &bytes.Buffer{}); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
