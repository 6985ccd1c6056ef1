package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/xuri/excelize/v2"

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

// fullDemoPack is demoPack with every format.
func fullDemoPack(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "full")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out); code != 0 {
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
		"--resolver", srv.Addr, "--out", cur, "--format", "json,csv,xlsx", "--qps", "0",
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

	// The narrowed _spf.example.net is reached from the SPF records of
	// example.com and news.example.com: a change for each of their
	// senders, after the PTR fields and before the SPF result.
	reached := func(ip string) report.DriftChange {
		return report.DriftChange{Asset: ip, Field: "spf.reached[_spf.example.net]", Old: "v=spf1 ip4:198.51.100.0/24 -all", New: "v=spf1 ip4:198.51.100.20 -all"}
	}
	var wantChanges []report.DriftChange
	for _, ip := range []string{"192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.13", "192.0.2.14", "192.0.2.15", "192.0.2.16",
		"192.0.2.17", "192.0.2.18", "192.0.2.19", "192.0.2.20", "192.0.2.23", "192.0.2.24"} {
		if ip == "192.0.2.10" {
			wantChanges = append(wantChanges, report.DriftChange{Asset: "192.0.2.10", Field: "ptr.names", Old: "mail1.example.com", New: "mail2.example.com"})
		}
		if ip == "192.0.2.11" {
			wantChanges = append(wantChanges, report.DriftChange{Asset: "192.0.2.11", Field: "ptr.names", Old: "mail2.example.com", New: "mail1.example.com"})
		}
		wantChanges = append(wantChanges, reached(ip))
		if ip == "192.0.2.11" {
			wantChanges = append(wantChanges, report.DriftChange{Asset: "192.0.2.11", Field: "dkim.fingerprint[ed]", Old: oldFP, New: newFP})
		}
	}
	wantChanges = append(wantChanges,
		report.DriftChange{Asset: "192.0.2.27", Field: "dmarc.policy", Old: "reject", New: "none"},
		report.DriftChange{Asset: "192.0.2.27", Field: "dmarc.record", Old: "v=DMARC1; p=reject; rua=mailto:d@partner.test", New: "v=DMARC1; p=none; rua=mailto:d@partner.test"},
		reached("192.0.2.28"), reached("192.0.2.41"), reached("192.0.2.42"),
		// The narrowed include still authorizes .20, by another mechanism.
		reached("198.51.100.20"),
		report.DriftChange{Asset: "198.51.100.20", Field: "spf.matched", Old: "ip4:198.51.100.0/24", New: "ip4:198.51.100.20"},
		reached("198.51.100.30"),
		report.DriftChange{Asset: "198.51.100.30", Field: "spf.result", Old: "pass", New: "fail"},
		report.DriftChange{Asset: "198.51.100.30", Field: "spf.matched", Old: "ip4:198.51.100.0/24", New: "-all"},
		reached("2001:db8::25"), reached("2001:db8::26"), reached("192.0.2.31"),
	)
	if p.Drift == nil {
		t.Fatal("no drift in evidence.json")
	}
	if !slices.Equal(p.Drift.Changes, wantChanges) {
		t.Errorf("drift changes:\n got %+v\nwant %+v", p.Drift.Changes, wantChanges)
	}
	if !slices.Equal(p.Drift.Added, []string{"192.0.2.71"}) || !slices.Equal(p.Drift.Removed, []string{"192.0.2.70"}) {
		t.Errorf("added %v, removed %v", p.Drift.Added, p.Drift.Removed)
	}
	// The removed sender was not cleaned up: its PTR still names
	// mail70.example.com, which still resolves to it (a warning: the
	// example.com SPF record does not authorize it).
	if o := p.Drift.Offboarding; len(o) != 1 || o[0].IP != "192.0.2.70" || o[0].Status != assess.StatusWarn ||
		len(o[0].LeftBehind) != 1 || o[0].LeftBehind[0].Kind != "forward_name" || o[0].LeftBehind[0].Name != "mail70.example.com" ||
		!strings.Contains(o[0].Message, "its PTR still names mail70.example.com, which still resolves to it") {
		t.Errorf("offboarding %+v", o)
	}
	if !strings.Contains(stderr, "1 sender removed since the baseline: DNS still vouches for 1 (OWASP NHI-01): 192.0.2.70 warn;") {
		t.Errorf("the run's end does not name the removed sender still vouched for: %s", stderr)
	}
	xf, err := excelize.OpenFile(filepath.Join(cur, "report.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer xf.Close()
	rows, err := xf.GetRows("Drift")
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(rows, func(r []string) bool { return len(r) > 0 && r[0] == "192.0.2.70" }); i < 0 || len(rows[i]) != 7 || rows[i][6] != "warn" ||
		!strings.Contains(rows[i][5], "its PTR still names mail70.example.com") || !strings.Contains(rows[i][5], "delete or repoint the address record of mail70.example.com") {
		t.Errorf("Drift sheet row of the removed sender: %q", rows)
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
		{"192.0.2.10", assess.StatusWarn, []string{"2 changes", "PTR name mail1.example.com → mail2.example.com",
			"SPF record of _spf.example.net (included or redirected to) v=spf1 ip4:198.51.100.0/24 -all → v=spf1 ip4:198.51.100.20 -all"}, nil},
		{"192.0.2.11", assess.StatusWarn, []string{"3 changes", "PTR name mail2.example.com → mail1.example.com", `DKIM key of selector "ed" ` + oldFP + " → " + newFP}, nil},
		// Its SPF include is REFUSED in both runs: undetermined, not compared.
		{"192.0.2.27", assess.StatusWarn, []string{"DMARC policy reject → none", "neither run could determine spf.result, spf.matched"}, []string{"spf.result", "spf.matched"}},
		{"198.51.100.30", assess.StatusWarn, []string{"SPF result pass → fail", "SPF matched mechanism ip4:198.51.100.0/24 → -all"}, nil},
		{"198.51.100.20", assess.StatusWarn, []string{"SPF matched mechanism ip4:198.51.100.0/24 → ip4:198.51.100.20"}, nil},
		{"192.0.2.71", assess.StatusSkip, []string{"new since the baseline run " + bp.Run.ID}, nil},
		// Its PTR query timed out in the baseline: the PTR fields are not
		// compared (a warning for the include, naming them).
		{"192.0.2.24", assess.StatusWarn, []string{"1 change for 192.0.2.24", "Not compared, because a run could not determine them",
			"the baseline run could not determine ptr.names, ptr.forward"}, []string{"ptr.names", "ptr.forward"}},
		// The demo's other faults (a SERVFAIL HELO name, flaky.test) are
		// gone in the drift world: the baseline could not determine what
		// this run did.
		{"192.0.2.31", assess.StatusWarn, []string{"the baseline run could not determine helo.addresses."}, []string{"helo.addresses"}},
		{"192.0.2.32", assess.StatusError, []string{"No change found for 192.0.2.32", "the comparison is incomplete", "7 values were not compared", "the baseline run could not determine spf.record, spf.result, spf.matched, dmarc.policy, dmarc.record, dkim.fingerprint[k1], dkim.key_bits[k1]."},
			[]string{"spf.record", "spf.result", "spf.matched", "dmarc.policy", "dmarc.record", "dkim.fingerprint[k1]", "dkim.key_bits[k1]"}},
		// PTRs in zones nobody serves: undetermined in both runs, which is
		// still no pass.
		{"192.0.2.28", assess.StatusWarn, []string{"neither run could determine ptr.names, ptr.forward."}, []string{"ptr.names", "ptr.forward"}},
		{"203.0.113.25", assess.StatusError, []string{"neither run could determine ptr.names, ptr.forward."}, []string{"ptr.names", "ptr.forward"}},
		{"192.0.2.21", assess.StatusPass, []string{"Nothing observed for 192.0.2.21 changed since the baseline run " + bp.Run.ID + "; every compared value was determined in both runs."}, nil},
		{"192.0.2.33", assess.StatusPass, nil, nil},
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
			if (f.Status == assess.StatusWarn || f.Status == assess.StatusError) && f.Remediation == "" {
				t.Errorf("%s without remediation", f.Status)
			}
		})
	}
	for ip, f := range drift {
		if f.Status == assess.StatusWarn && !slices.ContainsFunc(wantChanges, func(c report.DriftChange) bool { return c.Asset == ip }) {
			t.Errorf("unexpected drift for %s: %s", ip, f.Message)
		}
		if f.Status == assess.StatusError && !slices.Contains([]string{"192.0.2.32", "203.0.113.25"}, ip) {
			t.Errorf("unexpected incomplete comparison for %s: %s", ip, f.Message)
		}
	}

	t.Run("SPEC order in every format", func(t *testing.T) {
		checkFindingOrder(t, cur, p)
	})

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
		if !lineWith(stdout, "192.0.2.71", "added") || !lineWith(stdout, "192.0.2.70", "removed", "offboarding recheck warn: forward_name mail70.example.com") {
			t.Errorf("diff output lacks added/removed senders:\n%s", stdout)
		}
		for _, want := range [][]string{
			{"not compared"},
			{"192.0.2.24:", "the old run could not determine ptr.names, ptr.forward"},
			{"192.0.2.27:", "neither run could determine spf.result, spf.matched"},
		} {
			if !lineWith(stdout, want...) {
				t.Errorf("diff output lacks %q:\n%s", want, stdout)
			}
		}
		code, stdout, _ = run(t, context.Background(), "diff", "--json", base, filepath.Join(cur, "evidence.json"))
		if code != 3 {
			t.Fatalf("diff --json exit %d", code)
		}
		var d report.Drift
		if err := json.Unmarshal([]byte(stdout), &d); err != nil {
			t.Fatalf("diff --json: %v\n%s", err, stdout)
		}
		if !slices.Equal(d.Changes, p.Drift.Changes) || !slices.Equal(d.Added, p.Drift.Added) || !slices.Equal(d.Removed, p.Drift.Removed) || d.BaseRun != bp.Run.ID ||
			len(d.Offboarding) != 1 || d.Offboarding[0].Status != assess.StatusWarn {
			t.Errorf("diff --json %+v differs from the run's drift %+v", d, *p.Drift)
		}
		j := decodeDiffJSON(t, stdout)
		if j.Result != "changed" || j.ExitCode != 3 || j.NewRun != p.Run.ID {
			t.Errorf("diff --json result %q exit_code %d new_run_id %q", j.Result, j.ExitCode, j.NewRun)
		}
		wantInc := map[string][]string{
			"192.0.2.24": {"ptr.names", "ptr.forward"},
			"192.0.2.31": {"helo.addresses"},
			"192.0.2.32": {"spf.record", "spf.result", "spf.matched", "dmarc.policy", "dmarc.record", "dkim.fingerprint[k1]", "dkim.key_bits[k1]"},
		}
		wantNC := maps.Clone(wantInc)
		wantNC["192.0.2.27"] = []string{"spf.result", "spf.matched"}
		wantNC["192.0.2.28"] = []string{"ptr.names", "ptr.forward"}
		wantNC["203.0.113.25"] = []string{"ptr.names", "ptr.forward"}
		if !maps.EqualFunc(j.NotCompared, wantNC, slices.Equal) {
			t.Errorf("not_compared %v, want %v", j.NotCompared, wantNC)
		}
		if !maps.EqualFunc(j.Incomplete, wantInc, slices.Equal) {
			t.Errorf("incomplete %v, want %v", j.Incomplete, wantInc)
		}
		if u := j.Undetermined["192.0.2.27"]; len(u) != 2 || u[0] != (report.Undetermined{Field: "spf.result", In: "both"}) {
			t.Errorf("undetermined of 192.0.2.27: %v", u)
		}
	})
	t.Run("replay keeps the offboarding recheck", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "replay")
		if code, _, stderr := run(t, context.Background(), "assess", "--replay", filepath.Join(cur, "evidence.json"), "--out", out, "--format", "json"); code != 0 {
			t.Fatalf("assess --replay exit %d: %s", code, stderr)
		}
		a, _ := json.Marshal(p.Drift.Offboarding)
		b, _ := json.Marshal(readPack(t, out).Drift.Offboarding)
		if !bytes.Equal(a, b) {
			t.Errorf("the replay's recheck differs:\n%s\n%s", a, b)
		}
		// A replay whose source holds a recheck must hold it too.
		rewritePack(t, out, func(p *report.Pack) { p.Drift.Offboarding = nil })
		if code, stdout, stderr := run(t, context.Background(), "verify", out); code != exitRunFailed || !strings.Contains(stderr, "drift.offboarding is missing") {
			t.Errorf("verify of a replay stripped of its recheck: exit %d: %s %s", code, stdout, stderr)
		}
	})
	t.Run("replay of a pack without the recheck makes none", func(t *testing.T) {
		old := copyPack(t, cur)
		rewritePack(t, old, func(p *report.Pack) { p.Drift.Offboarding = nil })
		out := filepath.Join(t.TempDir(), "replay")
		if code, _, stderr := run(t, context.Background(), "assess", "--replay", filepath.Join(old, "evidence.json"), "--out", out, "--format", "json"); code != 0 ||
			strings.Contains(stderr, "not in the recorded evidence") {
			t.Fatalf("assess --replay exit %d: %s", code, stderr)
		}
		if o := readPack(t, out).Drift.Offboarding; o != nil {
			t.Errorf("the replay made a recheck from answers it never recorded: %+v", o)
		}
		if code, stdout, stderr := run(t, context.Background(), "verify", out); code != 0 ||
			!strings.Contains(stdout, "drift.offboarding: none; the pack (made by senderproof "+version+") holds no recheck of its 1 removed sender") {
			t.Errorf("verify of the replay: exit %d: %s %s", code, stdout, stderr)
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

// diffOutput is what diff --json prints.
type diffOutput struct {
	report.Drift
	NewRun       string                           `json:"new_run_id"`
	NotCompared  map[string][]string              `json:"not_compared"`
	Incomplete   map[string][]string              `json:"incomplete"`
	Undetermined map[string][]report.Undetermined `json:"undetermined"`
	Result       string                           `json:"result"`
	ExitCode     int                              `json:"exit_code"`
}

func decodeDiffJSON(t *testing.T, s string) diffOutput {
	t.Helper()
	var d diffOutput
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		t.Fatalf("diff --json: %v\n%s", err, s)
	}
	for k, v := range map[string]any{"not_compared": d.NotCompared, "incomplete": d.Incomplete, "undetermined": d.Undetermined} {
		if !strings.Contains(s, `"`+k+`": {`) {
			t.Errorf("diff --json lacks %s as an object (%v)", k, v)
		}
	}
	return d
}

// checkFindingOrder checks that evidence.json, findings.csv and the XLSX
// Findings sheet of the pack in dir list the findings in SPEC order: by
// asset in inventory order, then check ID (drift.changed between dmarc.*
// and helo.*).
func checkFindingOrder(t *testing.T, dir string, p *report.Pack) {
	t.Helper()
	type key struct{ asset, check string }
	var want []key
	pos := map[string]int{}
	for i, a := range p.Assets {
		pos[a.IP] = i
	}
	for _, f := range p.Findings {
		want = append(want, key{f.Asset, f.Check})
	}
	ordered := slices.IsSortedFunc(want, func(x, y key) int {
		if c := pos[x.asset] - pos[y.asset]; c != 0 {
			return c
		}
		return strings.Compare(x.check, y.check)
	})
	if !ordered {
		t.Errorf("evidence.json findings are not in asset, then check-ID order")
	}
	for i, k := range want {
		if k.check == "drift.changed" && (i == 0 || want[i-1].asset != k.asset || !strings.HasPrefix(want[i-1].check, "dmarc.") ||
			i+1 == len(want) || want[i+1].asset != k.asset || !strings.HasPrefix(want[i+1].check, "helo.")) {
			t.Errorf("drift.changed of %s is not between dmarc.* and helo.*", k.asset)
		}
	}
	rowsOrder := func(name string, rows [][]string) {
		if len(rows) != len(want)+1 {
			t.Errorf("%s: %d rows, want %d findings and a header", name, len(rows), len(want))
			return
		}
		for i, k := range want {
			if r := rows[i+1]; len(r) < 2 || r[0] != k.asset || r[1] != k.check {
				t.Errorf("%s row %d: %v, want %s %s", name, i+2, r, k.asset, k.check)
				return
			}
		}
	}
	fh, err := os.Open(filepath.Join(dir, "findings.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	rows, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rowsOrder("findings.csv", rows)
	x, err := excelize.OpenFile(filepath.Join(dir, "report.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if rows, err = x.GetRows("Findings"); err != nil {
		t.Fatal(err)
	}
	rowsOrder("report.xlsx Findings", rows)
}

// TestDiffDemoTwice: two runs of the demo fail alike (its 192.0.2.24 PTR
// query is dropped on purpose in both), so the comparison loses nothing:
// diff exits 0 and lists what neither run could determine.
func TestDiffDemoTwice(t *testing.T) {
	a, b := demoPack(t), demoPack(t)
	code, stdout, stderr := run(t, context.Background(), "diff", a, b)
	if code != 0 {
		t.Fatalf("diff exit %d, want 0: %s\n%s", code, stderr, stdout)
	}
	for _, want := range [][]string{
		{"no drift: nothing observed changed for the", "senders in both packs"},
		{"not compared"},
		{"192.0.2.24:", "neither run could determine ptr.names, ptr.forward"},
	} {
		if !lineWith(stdout, want...) {
			t.Errorf("diff output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "the old run could not") || strings.Contains(stdout, "the new run could not") {
		t.Errorf("the demo's faults differ between two runs:\n%s", stdout)
	}
	code, stdout, _ = run(t, context.Background(), "diff", "--json", a, b)
	if code != 0 {
		t.Fatalf("diff --json exit %d, want 0", code)
	}
	j := decodeDiffJSON(t, stdout)
	if j.Result != "no_drift" || j.ExitCode != 0 || len(j.Incomplete) != 0 || len(j.Changes) != 0 {
		t.Errorf("diff --json: result %q exit_code %d incomplete %v changes %v", j.Result, j.ExitCode, j.Incomplete, j.Changes)
	}
	if got := j.NotCompared["192.0.2.24"]; !slices.Equal(got, []string{"ptr.names", "ptr.forward"}) {
		t.Errorf("not_compared of 192.0.2.24: %v", got)
	}
	for ip, us := range j.Undetermined {
		for _, u := range us {
			if u.In != report.UndeterminedBoth {
				t.Errorf("%s: %s undetermined in the %s run only", ip, u.Field, u.In)
			}
		}
	}
}

// TestDriftResolverDown: the new run's resolver answers nothing. Every
// drift.changed finding is error (the comparison is incomplete), never pass,
// and diff exits 2 saying why, as text and as JSON.
func TestDriftResolverDown(t *testing.T) {
	base := demoPack(t)
	srv := dnstest.Start(t, dnstest.Config{})
	srv.SetDown(true)
	cur := filepath.Join(t.TempDir(), "cur")
	code, _, stderr := run(t, context.Background(), "assess", "--inventory", "../../testdata/demo/fleet.csv",
		"--resolver", srv.Addr, "--out", cur, "--format", "json", "--qps", "0", "--timeout", "100ms", "--retries", "0",
		"--baseline", filepath.Join(base, "evidence.json"))
	// The run fails (no resolver answered) but still writes its pack.
	if code != 0 && code != 2 {
		t.Fatalf("assess exit %d: %s", code, stderr)
	}
	p := readPack(t, cur)
	n := 0
	for _, f := range p.Findings {
		if f.Check != "drift.changed" {
			continue
		}
		n++
		if f.Status != assess.StatusError {
			t.Errorf("%s: drift.changed %s with a dead resolver: %s", f.Asset, f.Status, f.Message)
			continue
		}
		// The demo's own faults left some of them undetermined in both runs.
		for _, want := range []string{"No change found for " + f.Asset, "the comparison is incomplete", "this run could not determine ", "ptr.names, ptr.forward"} {
			if !strings.Contains(f.Message, want) {
				t.Errorf("%s: message %q lacks %q", f.Asset, f.Message, want)
			}
		}
		if f.Observed["reason"] != "incomplete" || f.Observed["undetermined_run"] == nil || f.Remediation == "" {
			t.Errorf("%s: observed %v, remediation %q", f.Asset, f.Observed, f.Remediation)
		}
	}
	if n != len(p.Assets) {
		t.Errorf("%d drift findings for %d assets", n, len(p.Assets))
	}
	if len(p.Drift.Changes)+len(p.Drift.Added)+len(p.Drift.Removed) != 0 {
		t.Errorf("a dead resolver made changes: %+v", p.Drift)
	}

	for _, tc := range []struct {
		name, old, cur, side string
	}{
		{"new run down", base, cur, "the new run could not determine"},
		{"old run down", cur, base, "the old run could not determine"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, context.Background(), "diff", tc.old, tc.cur)
			if code != 2 {
				t.Fatalf("diff exit %d, want 2: %s\n%s", code, stderr, stdout)
			}
			if strings.Contains(stdout, "no drift") || !strings.Contains(stdout, "incomplete: no change found, but ") ||
				!lineWith(stdout, "192.0.2.10:", tc.side, "ptr.names, ptr.forward, helo.addresses, spf.record, spf.reached, spf.result, spf.matched, dmarc.policy, dmarc.record") {
				t.Errorf("diff output:\n%s", stdout)
			}
			if !strings.Contains(stderr, "the comparison is incomplete") {
				t.Errorf("diff error %q", stderr)
			}
			code, stdout, _ = run(t, context.Background(), "diff", "--json", tc.old, tc.cur)
			if code != 2 {
				t.Fatalf("diff --json exit %d, want 2", code)
			}
			j := decodeDiffJSON(t, stdout)
			if j.Result != "incomplete" || j.ExitCode != 2 {
				t.Errorf("diff --json result %q exit_code %d", j.Result, j.ExitCode)
			}
			if len(j.NotCompared) != len(p.Assets) || len(j.Incomplete) != len(p.Assets) {
				t.Errorf("not compared for %d, incomplete for %d of %d senders", len(j.NotCompared), len(j.Incomplete), len(p.Assets))
			}
			// Both runs lost 192.0.2.24's PTR: not compared, yet not what
			// makes the comparison incomplete.
			if nc, inc := j.NotCompared["192.0.2.24"], j.Incomplete["192.0.2.24"]; !slices.Contains(nc, "ptr.names") || slices.Contains(inc, "ptr.names") || !slices.Contains(inc, "spf.result") {
				t.Errorf("192.0.2.24: not_compared %v, incomplete %v", nc, inc)
			}
		})
	}
}

// TestDriftHELOAddresses: a HELO name that gains an address is a change of
// helo.addresses, in the drift finding, evidence.json and diff.
func TestDriftHELOAddresses(t *testing.T) {
	const soa = "$TTL 300\n@ IN SOA ns.example.com. h.example.com. 1 3600 600 86400 300\n@ IN NS ns.example.com.\n"
	world := func(heloA string) *dnstest.Server {
		return dnstest.Start(t, dnstest.Config{Zones: []dnstest.Zone{
			{Origin: "2.0.192.in-addr.arpa.", Text: soa + "50 IN PTR mail50.example.com.\n"},
			{Origin: "example.com.", Text: soa + "mail50 IN A 192.0.2.50\n" + heloA +
				"@ IN TXT \"v=spf1 ip4:192.0.2.50 -all\"\n_dmarc IN TXT \"v=DMARC1; p=reject\"\n"},
		}})
	}
	inv := filepath.Join(t.TempDir(), "fleet.csv")
	if err := os.WriteFile(inv, []byte("ip,hostname,helo,domain\n192.0.2.50,mail50.example.com,out.example.com,example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := assessJSON(t, inv, world("out IN A 192.0.2.50\n"))
	cur := assessJSON(t, inv, world("out IN A 192.0.2.50\nout IN A 192.0.2.51\n"), "--baseline", filepath.Join(base, "evidence.json"))
	p := readPack(t, cur)
	want := []report.DriftChange{{Asset: "192.0.2.50", Field: "helo.addresses", Old: "192.0.2.50", New: "192.0.2.50, 192.0.2.51"}}
	if p.Drift == nil || !slices.Equal(p.Drift.Changes, want) {
		t.Fatalf("drift %+v, want changes %+v", p.Drift, want)
	}
	i := slices.IndexFunc(p.Findings, func(f assess.Finding) bool { return f.Check == "drift.changed" })
	if i < 0 {
		t.Fatal("no drift.changed finding")
	}
	f := p.Findings[i]
	if f.Status != assess.StatusWarn || !strings.Contains(f.Message, "1 change for 192.0.2.50 since the baseline run") ||
		!strings.Contains(f.Message, "HELO addresses 192.0.2.50 → 192.0.2.50, 192.0.2.51.") {
		t.Errorf("drift.changed %s: %s", f.Status, f.Message)
	}
	if i == 0 || !strings.HasPrefix(p.Findings[i-1].Check, "dmarc.") || !strings.HasPrefix(p.Findings[i+1].Check, "helo.") {
		t.Errorf("drift.changed at %d, between %s and %s", i, p.Findings[i-1].Check, p.Findings[i+1].Check)
	}
	code, stdout, stderr := run(t, context.Background(), "diff", base, cur)
	if code != 3 || !lineWith(stdout, "192.0.2.50", "helo.addresses", "192.0.2.50", "→", "192.0.2.50, 192.0.2.51") {
		t.Errorf("diff exit %d: %s\n%s", code, stderr, stdout)
	}
	if strings.Contains(stdout, "not compared") {
		t.Errorf("diff of two complete runs lists fields not compared:\n%s", stdout)
	}
	if !strings.Contains(stdout, "(run "+p.Run.ID+", started "+p.Run.StartedAt.UTC().Format(time.RFC3339)+")") || strings.Contains(stderr, "give the earlier pack first") {
		t.Errorf("diff header without the runs' start, or a note on the order:\n%s%s", stdout, stderr)
	}
	// The packs the wrong way round: said, as every change then reads
	// backwards.
	if _, _, stderr := run(t, context.Background(), "diff", cur, base); !strings.Contains(stderr, "give the earlier pack first (diff OLD NEW)") {
		t.Errorf("diff NEW OLD says nothing of the order: %s", stderr)
	}
}

// TestBaselineWithoutEvidence: a pack written without evidence.json
// cannot serve as a baseline or be compared, and the error says why rather
// than that a file is missing.
func TestBaselineWithoutEvidence(t *testing.T) {
	dir := t.TempDir()
	pdfOnly := filepath.Join(dir, "pdf-only")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", pdfOnly, "--format", "pdf"); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	const want = "holds no evidence.json (its run's --format left json out)"
	if code, _, stderr := run(t, context.Background(), "demo", "--out", filepath.Join(dir, "next"), "--baseline", pdfOnly); code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("--baseline: exit %d: %s", code, stderr)
	}
	if code, _, stderr := run(t, context.Background(), "diff", pdfOnly, pdfOnly); code == 0 || !strings.Contains(stderr, want) {
		t.Errorf("diff: exit %d: %s", code, stderr)
	}
	if code, _, stderr := run(t, context.Background(), "assess", "--replay", pdfOnly, "--out", filepath.Join(dir, "replay")); code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("--replay: exit %d: %s", code, stderr)
	}
	// One written, then lost: the manifest lists it.
	lost := filepath.Join(dir, "lost")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", lost, "--format", "json,pdf"); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	os.Remove(filepath.Join(lost, "evidence.json"))
	if code, _, stderr := run(t, context.Background(), "diff", lost, lost); code == 0 || strings.Contains(stderr, "--format") || !strings.Contains(stderr, "lists it, so the pack is incomplete") {
		t.Errorf("diff of a pack that lost its evidence.json: exit %d: %s", code, stderr)
	}
}

// TestDriftInventoryEdit: a change that comes from an inventory edit (a
// DKIM selector taken out) is marked as such in every table that shows
// changes, and the untouched pack verifies.
func TestDriftInventoryEdit(t *testing.T) {
	const soa = "$TTL 300\n@ IN SOA ns.example.com. h.example.com. 1 3600 600 86400 300\n@ IN NS ns.example.com.\n"
	srv := dnstest.Start(t, dnstest.Config{Zones: []dnstest.Zone{
		{Origin: "2.0.192.in-addr.arpa.", Text: soa + "50 IN PTR mail50.example.com.\n"},
		{Origin: "example.com.", Text: soa + "mail50 IN A 192.0.2.50\n" +
			"@ IN TXT \"v=spf1 ip4:192.0.2.50 -all\"\n_dmarc IN TXT \"v=DMARC1; p=reject\"\n" +
			"s1._domainkey IN TXT \"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n" +
			"s2._domainkey IN TXT \"v=DKIM1; k=ed25519; p=21qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"},
	}})
	assessWith := func(selectors string, args ...string) string {
		dir := t.TempDir()
		inv := filepath.Join(dir, "fleet.csv")
		if err := os.WriteFile(inv, []byte("ip,hostname,helo,domain,dkim_selectors\n192.0.2.50,mail50.example.com,mail50.example.com,example.com,"+selectors+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "pack")
		args = append([]string{"assess", "--inventory", inv, "--resolver", srv.Addr, "--out", out, "--format", "json,xlsx,pdf", "--qps", "0"}, args...)
		if code, _, stderr := run(t, context.Background(), args...); code != 0 {
			t.Fatalf("assess exit %d: %s", code, stderr)
		}
		return out
	}
	base := assessWith("s1 s2")
	cur := assessWith("s1", "--baseline", filepath.Join(base, "evidence.json"))
	p := readPack(t, cur)
	if p.Drift == nil || len(p.Drift.Changes) != 1 || p.Drift.Changes[0].Inventory != "selector_removed" {
		t.Fatalf("drift %+v: want one change, selector_removed", p.Drift)
	}
	if code, stdout, stderr := run(t, context.Background(), "verify", cur); code != 0 {
		t.Errorf("verify of the untouched pack: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr := run(t, context.Background(), "diff", base, cur)
	if code != 3 || !lineWith(stdout, "192.0.2.50", "dkim.fingerprint[s2]", "(selector taken out of the inventory)") {
		t.Errorf("diff exit %d: %s\n%s", code, stderr, stdout)
	}
	if text := pdfText(t, filepath.Join(cur, "report.pdf")); !strings.Contains(strings.Join(strings.Fields(text), " "), "selector taken out of the inventory") {
		t.Errorf("the PDF's changes do not say the change comes from the inventory:\n%s", text)
	}
}

// TestEditedBaselineRefused: an evidence.json edited after its pack was
// written (the manifest beside it no longer matches) is refused as a
// baseline and by diff, rather than reported as drift that never happened;
// a copy without its manifest is taken as it is.
func TestEditedBaselineRefused(t *testing.T) {
	base := demoPack(t)
	cur := demoPack(t)
	b, err := os.ReadFile(filepath.Join(base, "evidence.json"))
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.ReplaceAll(b, []byte("mail1.example.com"), []byte("evil1.example.com"))
	if err := os.WriteFile(filepath.Join(base, "evidence.json"), edited, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json", "--baseline", base)
	if code != exitBadInput || !strings.Contains(stderr, "does not match the manifest beside it") {
		t.Errorf("demo --baseline with an edited baseline: exit %d: %s", code, stderr)
	}
	if got := entries(t, out); len(got) != 0 {
		t.Errorf("files written: %v", got)
	}
	code, _, stderr = run(t, context.Background(), "diff", base, cur)
	if code != exitBadInput || !strings.Contains(stderr, "does not match the manifest beside it") {
		t.Errorf("diff with an edited pack: exit %d: %s", code, stderr)
	}
	// The same file alone, without a manifest: a copy, compared as it is.
	copied := filepath.Join(t.TempDir(), "evidence.json")
	if err := os.WriteFile(copied, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, context.Background(), "diff", copied, cur)
	if code != 3 || !lineWith(stdout, "evil1.example.com", "→", "mail1.example.com") {
		t.Errorf("diff of a copy: exit %d: %s\n%s", code, stderr, stdout)
	}
}

// TestOffboardingLine: the run's last line names the removed senders an
// SPF record still authorizes by address or by name first, then those it
// authorizes otherwise, so the clipped list never hides one behind PTR
// names, and counts a recheck that could not determine a check even when it
// found something.
func TestOffboardingLine(t *testing.T) {
	t.Parallel()
	ptr := []assess.LeftBehind{{Kind: "ptr_name", Status: assess.StatusWarn}}
	d := &report.Drift{}
	for i := range 12 {
		d.Offboarding = append(d.Offboarding, assess.Offboard{IP: "192.0.2." + strconv.Itoa(i+1), Status: assess.StatusWarn, LeftBehind: ptr})
	}
	d.Offboarding = append(d.Offboarding,
		assess.Offboard{IP: "192.0.2.99", Status: assess.StatusFail, LeftBehind: []assess.LeftBehind{{Kind: "spf_address", Status: assess.StatusFail}}},
		assess.Offboard{IP: "192.0.2.97", Status: assess.StatusWarn, LeftBehind: []assess.LeftBehind{{Kind: "spf_range", Status: assess.StatusWarn}}},
		assess.Offboard{IP: "192.0.2.98", Status: assess.StatusWarn, LeftBehind: ptr, Undetermined: []string{"spf.authorizes_ip"}})
	got := offboardingLine(d)
	want := "15 senders removed since the baseline: DNS still vouches for 15 (OWASP NHI-01; SPF still authorizes 2, 1 of them by address or by name): 192.0.2.99 fail, 192.0.2.97 warn, 192.0.2.1 warn,"
	if !strings.HasPrefix(got, want) || !strings.Contains(got, "and 5 more; 1 could not be checked in full; the reports' drift section") {
		t.Errorf("line %q, want it to start %q", got, want)
	}
	ranged := &report.Drift{Offboarding: []assess.Offboard{{IP: "192.0.2.97", Status: assess.StatusWarn, LeftBehind: []assess.LeftBehind{{Kind: "spf_range", Status: assess.StatusWarn}}}}}
	if got := offboardingLine(ranged); !strings.HasPrefix(got, "1 sender removed since the baseline: DNS still vouches for 1 (OWASP NHI-01; SPF still authorizes 1, not by address or by name): 192.0.2.97 warn") {
		t.Errorf("line %q", got)
	}
	// One sender SPF authorizes by address: "it", not "1, 1 of them".
	one := &report.Drift{Offboarding: []assess.Offboard{{IP: "192.0.2.99", Status: assess.StatusFail, LeftBehind: []assess.LeftBehind{{Kind: "spf_address", Status: assess.StatusFail}}}}}
	if got := offboardingLine(one); !strings.HasPrefix(got, "1 sender removed since the baseline: DNS still vouches for 1 (OWASP NHI-01; SPF still authorizes it by address or by name): 192.0.2.99 fail") {
		t.Errorf("line %q", got)
	}
	if got := offboardingLine(&report.Drift{Offboarding: []assess.Offboard{{IP: "192.0.2.1", Status: assess.StatusPass}}}); got != "1 sender removed since the baseline: DNS no longer vouches for any" {
		t.Errorf("line %q", got)
	}
}

// TestDiffRecheckLines: a removed sender's diff line gives its recheck,
// what it could not determine, or that it was past the recheck's bound.
func TestDiffRecheckLines(t *testing.T) {
	t.Parallel()
	d := &report.Drift{BaseRun: "base", Added: []string{}, Removed: []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"},
		Changes: []report.DriftChange{{Asset: "192.0.2.9", Field: "ptr.name", Old: "a.example.com", New: "b.example.com"}},
		Offboarding: []assess.Offboard{
			{IP: "192.0.2.1", Status: assess.StatusFail, LeftBehind: []assess.LeftBehind{{Kind: "spf_address", Name: "example.com", Term: "ip4:192.0.2.1", Record: "_spf.example.com", Status: assess.StatusFail}}},
			{IP: "192.0.2.2", Status: assess.StatusWarn, LeftBehind: []assess.LeftBehind{{Kind: "host_name", Name: "h2.example.com", Status: assess.StatusWarn}}, Undetermined: []string{"ptr.fcrdns"}},
		},
		OffboardingOmitted: 1}
	var b strings.Builder
	p := &report.Pack{}
	if err := printDrift(&b, &report.Comparison{Drift: d}, "old", "new", p, p); err != nil {
		t.Fatal(err)
	}
	for _, want := range [][]string{
		{"192.0.2.1", "(sender removed; offboarding recheck fail: spf_address ip4:192.0.2.1 in _spf.example.com)"},
		{"192.0.2.2", "offboarding recheck warn: host_name h2.example.com; not determined: ptr.fcrdns)"},
		{"192.0.2.3", "(sender removed; not rechecked (past the first 2))"},
		// A removed sender's long note does not widen the FIELD column.
		{"192.0.2.9  ptr.name  a.example.com  →  b.example.com"},
	} {
		if !lineWith(b.String(), want...) {
			t.Errorf("diff lacks %q:\n%s", want, b.String())
		}
	}
}

// assessJSON runs assess of the inventory inv against srv into a new
// directory, writing evidence.json alone, and returns the directory; it
// fails t unless the run exits 0.
func assessJSON(t *testing.T, inv string, srv *dnstest.Server, args ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "pack")
	args = append([]string{"assess", "--inventory", inv, "--resolver", srv.Addr, "--out", out, "--format", "json", "--qps", "0"}, args...)
	if code, _, stderr := run(t, context.Background(), args...); code != 0 {
		t.Fatalf("assess exit %d: %s", code, stderr)
	}
	return out
}
