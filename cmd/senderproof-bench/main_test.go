package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
			// Retries enough that no lookup is lost on every attempt: a
			// domain's lost record makes many findings error.
			return []string{"-n", "50", "-loss", "0.1", "-timeout", "200ms", "-retries", "5", "-format", "none"}
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
	for _, args := range [][]string{{"-n", "0"}, {"-v6", "2"}, {"-concurrency", "0"}, {"extra"}, {"-format", "nope", "-n", "5"},
		{"-loss", "0.1", "-resolver", "127.0.0.1:53"}, {"-wire-only", "-dns-only"}, {"-wire-only", "-tcp"}, {"-n", "5", "-zones", "/proc/no/such"},
		{"-n", "1", "-qps", "0.001"}, {"-n", "1", "-qps", "NaN"}, {"-n", "1", "-qps", "-1"},
		{"-format", "json,xslx", "-check-flags"}} {
		if err := run(context.Background(), args, &bytes.Buffer{}); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

// -wire-only against a server that never answers counts every question
// lost after -timeout, and stops at once when its context ends.
func TestWireOnlySilentServer(t *testing.T) {
	t.Parallel()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go func() {
		buf := make([]byte, 512)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	var out bytes.Buffer
	err = run(context.Background(), []string{"-n", "20", "-resolver", pc.LocalAddr().String(), "-wire-only", "-timeout", "100ms"}, &out)
	if err == nil || !strings.Contains(err.Error(), "do not measure a server that answers") {
		t.Fatalf("run: %v, want the figures refused\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "wire: 0 answers to") || strings.Contains(out.String(), "(0 lost)") {
		t.Errorf("every question should be lost:\n%s", out.String())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = run(ctx, []string{"-n", "20", "-resolver", pc.LocalAddr().String(), "-wire-only", "-timeout", "1m"}, io.Discard)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("run = %v, want the context's deadline", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stopped %s after its context ended", d)
	}
}

// A -wire-only socket never gives a new question the ID of one still in
// flight (waiting for its timeout), also when the IDs wrap: the new one
// would take over the old one's slot, which would then never be freed and
// the run would never end.
func TestWireOnlyFreeID(t *testing.T) {
	w := newWireSocket(4)
	w.slotOf[5].Store(1)
	w.slotOf[6].Store(2)
	if id := w.freeID(5); id != 7 {
		t.Errorf("freeID(5) = %d with 5 and 6 in flight, want 7", id)
	}
	if id := w.freeID(4); id != 4 {
		t.Errorf("freeID(4) = %d, want 4 (free)", id)
	}
	w.slotOf[65535].Store(3)
	w.slotOf[0].Store(4)
	if id := w.freeID(65535); id != 1 {
		t.Errorf("freeID(65535) = %d with 65535 and 0 in flight, want 1", id)
	}
}

// TestBenchRefusesFiguresOfASilentServer: a run against a server that
// never answers prints its figures and exits with an error, not as a
// measurement: -dns-only counting the lookups that failed, a full
// assessment the findings that are error.
func TestBenchRefusesFiguresOfASilentServer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mode, want string
	}{
		{"-dns-only", "lookups failed after their retries"},
		{"-format=none", "findings are error ("},
	} {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close() // never read: every query times out
		var out bytes.Buffer
		err = run(context.Background(), []string{"-n", "10", "-resolver", pc.LocalAddr().String(), tc.mode, "-timeout", "50ms", "-retries", "0"}, &out)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(out.String(), "queries/s:") {
			t.Errorf("%s: run: %v\n%s", tc.mode, err, out.String())
		}
	}
}

// The gate counts error findings, not failed exchanges: one timeout shared
// by many lookups still fails the run through its findings.
func TestErroneous(t *testing.T) {
	if err := erroneous(1, 100, map[string]int{"timeout": 1}); err != nil {
		t.Errorf("1 of 100: %v, want none", err)
	}
	if err := erroneous(0, 0, nil); err != nil {
		t.Errorf("no findings: %v, want none", err)
	}
	err := erroneous(30, 1000, map[string]int{"servfail": 5, "timeout": 20, "": 5})
	want := "30 of 1000 findings are error (timeout 20, no reason 5, servfail 5): these figures do not measure a server that answers"
	if err == nil || err.Error() != want {
		t.Errorf("30 of 1000: %v, want %q", err, want)
	}
}

// -check-flags checks the flags and does nothing else: no world is built.
func TestBenchCheckFlags(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-format", "json,csv,xlsx,pdf,oscal", "-check-flags"}, &out); err != nil || out.Len() > 0 {
		t.Errorf("run = %v, output %q; want no error and nothing done", err, out.String())
	}
}
