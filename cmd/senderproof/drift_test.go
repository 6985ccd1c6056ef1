package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"senderproof/assess"
	"senderproof/assess/dnstest"
	"senderproof/report"
)

// startDriftWorld serves the demo zones changed by the overlays of
// testdata/drift/zones (each overlay record replaces the demo records of its
// name and type), with no injected faults, and writes the drift fleet: the
// demo fleet without 192.0.2.70 and with a new sender, 192.0.2.71.
func startDriftWorld(t *testing.T) (*dnstest.Server, string) {
	t.Helper()
	files, err := filepath.Glob("../../testdata/demo/zones/*.zone")
	if err != nil || len(files) == 0 {
		t.Fatalf("demo zones: %v", err)
	}
	var zones []dnstest.Zone
	for _, f := range files {
		z, err := dnstest.ZoneFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rrs := parseZone(t, f, z.Origin, z.Text)
		overlay := filepath.Join("../../testdata/drift/zones", filepath.Base(f))
		if b, err := os.ReadFile(overlay); err == nil {
			changed := parseZone(t, overlay, z.Origin, string(b))
			type key struct {
				name string
				typ  uint16
			}
			replaced := map[key]bool{}
			for _, rr := range changed {
				replaced[key{strings.ToLower(rr.Header().Name), rr.Header().Rrtype}] = true
			}
			rrs = slices.DeleteFunc(rrs, func(rr dns.RR) bool {
				return replaced[key{strings.ToLower(rr.Header().Name), rr.Header().Rrtype}]
			})
			rrs = append(rrs, changed...)
		}
		var text strings.Builder
		for _, rr := range rrs {
			text.WriteString(rr.String() + "\n")
		}
		zones = append(zones, dnstest.Zone{Origin: z.Origin, Text: text.String(), File: f})
	}
	srv := dnstest.Start(t, dnstest.Config{Zones: zones})

	fleet, err := os.ReadFile("../../testdata/demo/fleet.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := slices.DeleteFunc(strings.Split(strings.TrimSpace(string(fleet)), "\n"), func(l string) bool {
		return strings.HasPrefix(l, "192.0.2.70,")
	})
	lines = append(lines, "192.0.2.71,mail71.example.com,mail71.example.com,example.com,s2048,mail-platform,production,colo,,medium,colo1")
	inv := filepath.Join(t.TempDir(), "fleet.csv")
	if err := os.WriteFile(inv, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return srv, inv
}

func parseZone(t *testing.T, file, origin, text string) []dns.RR {
	t.Helper()
	zp := dns.NewZoneParser(strings.NewReader(text), origin, file)
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return rrs
}

// demoPack runs the demo into a temporary directory (json only).
func demoPack(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "base")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json"); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	return out
}

func readPack(t *testing.T, dir string) *report.Pack {
	t.Helper()
	p, err := report.ReadPack(filepath.Join(dir, "evidence.json"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBaselineDrift(t *testing.T) {
	// Not parallel: in-process CLI runs race on urfave/cli's global
	// HelpFlag while parsing flags; sequential tests run before the
	// parallel ones, alone.
	base := demoPack(t)
	srv, fleet := startDriftWorld(t)
	cur := filepath.Join(t.TempDir(), "cur")
	code, _, stderr := run(t, context.Background(), "assess", "--inventory", fleet,
		"--resolver", srv.Addr, "--out", cur, "--format", "json", "--qps", "0",
		"--baseline", filepath.Join(base, "evidence.json"))
	if code != 0 {
		t.Fatalf("assess exit %d: %s", code, stderr)
	}
	bp, p := readPack(t, base), readPack(t, cur)

	// The ed25519 key's fingerprints, before and after the rotation.
	fp := func(p *report.Pack) string {
		for _, f := range p.Findings {
			if f.Asset == "192.0.2.11" && f.Check == "dkim.key" && f.Selector != nil && *f.Selector == "ed" {
				s, _ := f.Observed["fingerprint"].(string)
				return s
			}
		}
		return ""
	}
	oldFP, newFP := fp(bp), fp(p)
	if oldFP == "" || newFP == "" || oldFP == newFP {
		t.Fatalf("ed key fingerprints %q, %q", oldFP, newFP)
	}

	wantChanges := []report.DriftChange{
		{Asset: "192.0.2.10", Field: "ptr.names", Old: "mail1.example.com", New: "mail2.example.com"},
		{Asset: "192.0.2.11", Field: "ptr.names", Old: "mail2.example.com", New: "mail1.example.com"},
		{Asset: "192.0.2.11", Field: "dkim.fingerprint[ed]", Old: oldFP, New: newFP},
		{Asset: "192.0.2.27", Field: "dmarc.policy", Old: "reject", New: "none"},
		// The narrowed include still authorizes .20, by another mechanism.
		{Asset: "198.51.100.20", Field: "spf.matched", Old: "ip4:198.51.100.0/24", New: "ip4:198.51.100.20"},
		{Asset: "198.51.100.30", Field: "spf.result", Old: "pass", New: "fail"},
		{Asset: "198.51.100.30", Field: "spf.matched", Old: "ip4:198.51.100.0/24", New: "-all"},
	}
	if p.Drift == nil {
		t.Fatal("no drift in evidence.json")
	}
	if !slices.Equal(p.Drift.Changes, wantChanges) {
		t.Errorf("drift changes:\n got %+v\nwant %+v", p.Drift.Changes, wantChanges)
	}
	if !slices.Equal(p.Drift.Added, []string{"192.0.2.71"}) || !slices.Equal(p.Drift.Removed, []string{"192.0.2.70"}) {
		t.Errorf("added %v, removed %v", p.Drift.Added, p.Drift.Removed)
	}
	if p.Drift.BaseRun != bp.Run.ID || p.Drift.Baseline != filepath.Join(base, "evidence.json") {
		t.Errorf("drift baseline %q run %q", p.Drift.Baseline, p.Drift.BaseRun)
	}

	// One drift.changed finding per asset of the run.
	drift := map[string]assess.Finding{}
	for _, f := range p.Findings {
		if f.Check == "drift.changed" {
			if _, dup := drift[f.Asset]; dup {
				t.Errorf("two drift findings for %s", f.Asset)
			}
			drift[f.Asset] = f
		}
	}
	if len(drift) != len(p.Assets) {
		t.Errorf("%d drift findings for %d assets", len(drift), len(p.Assets))
	}
	cases := []struct {
		asset        string
		status       assess.Status
		msg          []string
		undetermined []string
	}{
		{"192.0.2.10", assess.StatusWarn, []string{"1 change ", "PTR name mail1.example.com → mail2.example.com"}, nil},
		{"192.0.2.11", assess.StatusWarn, []string{"2 changes", "PTR name mail2.example.com → mail1.example.com", `DKIM key of selector "ed" ` + oldFP + " → " + newFP}, nil},
		// Its SPF include is REFUSED in both runs: undetermined, not compared.
		{"192.0.2.27", assess.StatusWarn, []string{"DMARC policy reject → none", "spf.result, spf.matched"}, []string{"spf.result", "spf.matched"}},
		{"198.51.100.30", assess.StatusWarn, []string{"SPF result pass → fail", "SPF matched mechanism ip4:198.51.100.0/24 → -all"}, nil},
		{"198.51.100.20", assess.StatusWarn, []string{"SPF matched mechanism ip4:198.51.100.0/24 → ip4:198.51.100.20"}, nil},
		{"192.0.2.71", assess.StatusSkip, []string{"new since the baseline run " + bp.Run.ID}, nil},
		// Its PTR query timed out in the baseline: not a change.
		{"192.0.2.24", assess.StatusPass, []string{"Nothing observed", "ptr.names, ptr.forward"}, []string{"ptr.names", "ptr.forward"}},
		{"192.0.2.12", assess.StatusPass, []string{"Nothing observed for 192.0.2.12 changed since the baseline run " + bp.Run.ID + "."}, nil},
		{"2001:db8::25", assess.StatusPass, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.asset, func(t *testing.T) {
			f, ok := drift[tc.asset]
			if !ok {
				t.Fatal("no drift finding")
			}
			if f.Status != tc.status {
				t.Errorf("status %s, want %s: %s", f.Status, tc.status, f.Message)
			}
			for _, m := range tc.msg {
				if !strings.Contains(f.Message, m) {
					t.Errorf("message %q lacks %q", f.Message, m)
				}
			}
			var und []string
			if u, ok := f.Observed["undetermined"].([]any); ok {
				for _, s := range u {
					und = append(und, s.(string))
				}
			}
			if !slices.Equal(und, tc.undetermined) {
				t.Errorf("undetermined %v, want %v", und, tc.undetermined)
			}
			if f.Observed["baseline_run"] != bp.Run.ID {
				t.Errorf("baseline_run %v", f.Observed["baseline_run"])
			}
			if len(f.Evidence) != 0 {
				t.Errorf("drift finding carries DNS evidence: %v", f.Evidence)
			}
			if f.Status == assess.StatusWarn && f.Remediation == "" {
				t.Error("warn without remediation")
			}
		})
	}
	for ip, f := range drift {
		if f.Status == assess.StatusWarn && !slices.ContainsFunc(wantChanges, func(c report.DriftChange) bool { return c.Asset == ip }) {
			t.Errorf("unexpected drift for %s: %s", ip, f.Message)
		}
	}

	t.Run("diff", func(t *testing.T) {
		code, stdout, stderr := run(t, context.Background(), "diff", base, cur)
		if code != 3 {
			t.Fatalf("diff exit %d, want 3: %s", code, stderr)
		}
		for _, c := range wantChanges {
			if !lineWith(stdout, c.Asset, c.Field, c.Old, "→", c.New) {
				t.Errorf("diff output lacks %+v:\n%s", c, stdout)
			}
		}
		if !lineWith(stdout, "192.0.2.71", "added") || !lineWith(stdout, "192.0.2.70", "removed") {
			t.Errorf("diff output lacks added/removed senders:\n%s", stdout)
		}
		code, stdout, _ = run(t, context.Background(), "diff", "--json", base, filepath.Join(cur, "evidence.json"))
		if code != 3 {
			t.Fatalf("diff --json exit %d", code)
		}
		var d report.Drift
		if err := json.Unmarshal([]byte(stdout), &d); err != nil {
			t.Fatalf("diff --json: %v\n%s", err, stdout)
		}
		if !slices.Equal(d.Changes, p.Drift.Changes) || !slices.Equal(d.Added, p.Drift.Added) || !slices.Equal(d.Removed, p.Drift.Removed) || d.BaseRun != bp.Run.ID {
			t.Errorf("diff --json %+v differs from the run's drift %+v", d, *p.Drift)
		}
	})
	t.Run("verify skips drift findings", func(t *testing.T) {
		code, stdout, stderr := run(t, context.Background(), "verify", cur)
		if code != 0 {
			t.Fatalf("verify exit %d: %s %s", code, stdout, stderr)
		}
		if want := strconv.Itoa(len(p.Findings)-len(drift)) + " findings replayed: all match"; !strings.Contains(stdout, want) {
			t.Errorf("verify output %q lacks %q", stdout, want)
		}
	})
	t.Run("diff itself", func(t *testing.T) {
		code, stdout, stderr := run(t, context.Background(), "diff", cur, cur)
		if code != 0 {
			t.Fatalf("diff exit %d, want 0: %s %s", code, stdout, stderr)
		}
		if !strings.Contains(stdout, "no drift") {
			t.Errorf("diff of a pack with itself: %s", stdout)
		}
	})
	t.Run("diff bad input", func(t *testing.T) {
		for _, args := range [][]string{
			{"diff", base},
			{"diff", base, filepath.Join(t.TempDir(), "missing.json")},
			{"diff", base, fleet},
		} {
			if code, _, _ := run(t, context.Background(), args...); code != 1 {
				t.Errorf("%v: exit %d, want 1", args, code)
			}
		}
	})
}

// lineWith reports whether some line of s holds every part, in order.
func lineWith(s string, parts ...string) bool {
	for _, line := range strings.Split(s, "\n") {
		rest, ok := line, true
		for _, p := range parts {
			i := strings.Index(rest, p)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(p):]
		}
		if ok {
			return true
		}
	}
	return false
}
