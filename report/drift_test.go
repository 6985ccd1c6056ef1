package report

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"senderproof/assess"
)

func fnd(asset, check string, st assess.Status, obs map[string]any) assess.Finding {
	return assess.Finding{Asset: asset, Check: check, Status: st, Observed: obs}
}

func dkimFnd(asset, sel string, st assess.Status, obs map[string]any) assess.Finding {
	f := fnd(asset, "dkim.key", st, obs)
	f.Selector = &sel
	return f
}

// world is one asset's findings as a live run makes them (Go values).
func world(ip, ptr string, fwd []string, spf, matched, policy string, pct int, fp string) []assess.Finding {
	ptrSt := assess.StatusPass
	names := []string{ptr}
	if ptr == "" {
		ptrSt, names = assess.StatusFail, []string{}
	}
	return []assess.Finding{
		fnd(ip, "ptr.present", ptrSt, map[string]any{"ptr_names": names}),
		fnd(ip, "ptr.fcrdns", assess.StatusPass, map[string]any{"forward": map[string][]string{ptr: fwd}}),
		fnd(ip, "helo.fqdn", assess.StatusPass, map[string]any{"addresses": []string{ip}}),
		fnd(ip, "spf.authorizes_ip", assess.StatusPass, map[string]any{"result": spf, "matched": matched}),
		fnd(ip, "dmarc.policy", assess.StatusPass, map[string]any{"policy": policy, "pct": pct}),
		dkimFnd(ip, "s1", assess.StatusPass, map[string]any{"fingerprint": fp, "key_bits": 2048}),
	}
}

// packOf builds a pack and reads it back through evidence.json, as a
// baseline is read.
func packOf(t *testing.T, id string, assets []assess.Asset, findings []assess.Finding) *Pack {
	t.Helper()
	p := Build(BuildInput{Run: Run{ID: id}, Assets: assets, Findings: findings})
	var buf bytes.Buffer
	if err := (JSON{}).Write(context.Background(), &buf, p); err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/evidence.json"
	if err := WriteFileAtomic(path, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	back, err := ReadPack(path)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

func assetsOf(ips ...string) []assess.Asset {
	out := make([]assess.Asset, len(ips))
	for i, ip := range ips {
		out[i] = assess.Asset{IP: ip}
	}
	return out
}

func TestCompareBaseline(t *testing.T) {
	t.Parallel()
	const ip = "192.0.2.10"
	base := func() []assess.Finding {
		return world(ip, "mail1.example.com", []string{ip}, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa")
	}
	// set replaces the observed value key of ip's finding of check.
	set := func(fs []assess.Finding, check, key string, v any) []assess.Finding {
		for i := range fs {
			if fs[i].Check == check {
				fs[i].Observed[key] = v
			}
		}
		return fs
	}
	status := func(fs []assess.Finding, check string, st assess.Status) []assess.Finding {
		for i := range fs {
			if fs[i].Check == check {
				fs[i].Status = st
			}
		}
		return fs
	}
	cases := []struct {
		name         string
		old, cur     []assess.Finding
		status       assess.Status
		changes      []DriftChange
		undetermined []string
		msg          string
	}{
		{name: "nothing changed", old: base(), cur: base(), status: assess.StatusPass,
			msg: "Nothing observed for 192.0.2.10 changed since the baseline run base-run."},
		{name: "PTR swapped", old: base(), cur: world(ip, "mail2.example.com", []string{"192.0.2.11"}, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa"),
			status: assess.StatusWarn, changes: []DriftChange{{ip, "ptr.names", "mail1.example.com", "mail2.example.com"}},
			msg: "1 change for 192.0.2.10 since the baseline run base-run: PTR name mail1.example.com → mail2.example.com."},
		{name: "PTR removed", old: base(), cur: world(ip, "", nil, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa"),
			status: assess.StatusWarn, changes: []DriftChange{{ip, "ptr.names", "mail1.example.com", ""}},
			msg: "PTR name mail1.example.com → (none)."},
		{name: "forward set changed", old: base(), cur: world(ip, "mail1.example.com", []string{"192.0.2.99"}, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa"),
			status: assess.StatusWarn, changes: []DriftChange{{ip, "ptr.forward[mail1.example.com]", ip, "192.0.2.99"}},
			msg: "forward addresses of mail1.example.com 192.0.2.10 → 192.0.2.99"},
		{name: "forward list order is not a change", old: world(ip, "m.example.com", []string{"192.0.2.10", "192.0.2.9"}, "pass", "", "reject", 100, "aa"),
			cur: world(ip, "m.example.com", []string{"192.0.2.9", "192.0.2.10"}, "pass", "", "reject", 100, "aa"), status: assess.StatusPass},
		{name: "SPF, DMARC and key changed", old: base(), cur: world(ip, "mail1.example.com", []string{ip}, "fail", "-all", "quarantine", 50, "bb"),
			status: assess.StatusWarn, changes: []DriftChange{
				{ip, "spf.result", "pass", "fail"},
				{ip, "spf.matched", "ip4:192.0.2.0/24", "-all"},
				{ip, "dmarc.policy", "reject", "quarantine pct=50"},
				{ip, "dkim.fingerprint[s1]", "aa", "bb"},
			},
			msg: `4 changes for 192.0.2.10 since the baseline run base-run: SPF result pass → fail; SPF matched mechanism ip4:192.0.2.0/24 → -all; DMARC policy reject → quarantine pct=50; DKIM key of selector "s1" aa → bb.`},
		{name: "key size", old: base(), cur: set(base(), "dkim.key", "key_bits", 1024), status: assess.StatusWarn,
			changes: []DriftChange{{ip, "dkim.key_bits[s1]", "2048", "1024"}}},
		{name: "selector added", old: base(), cur: append(base(), dkimFnd(ip, "s2", assess.StatusPass, map[string]any{"fingerprint": "cc", "key_bits": 2048})),
			status: assess.StatusWarn, changes: []DriftChange{{ip, "dkim.fingerprint[s2]", "", "cc"}, {ip, "dkim.key_bits[s2]", "", "2048"}}},
		{name: "error now is undetermined", old: base(), cur: status(set(base(), "spf.authorizes_ip", "result", "temperror"), "spf.authorizes_ip", assess.StatusError),
			status: assess.StatusPass, undetermined: []string{"spf.result", "spf.matched"},
			msg: "Not compared, because one of the runs could not determine them: spf.result, spf.matched."},
		{name: "error before is undetermined", old: status(set(base(), "ptr.present", "ptr_names", []string{}), "ptr.present", assess.StatusError),
			cur:    world(ip, "mail2.example.com", []string{ip}, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa"),
			status: assess.StatusPass, undetermined: []string{"ptr.names"}},
		{name: "fcrdns error is undetermined", old: base(), cur: status(base(), "ptr.fcrdns", assess.StatusError),
			status: assess.StatusPass, undetermined: []string{"ptr.forward"}},
		{name: "key error in the baseline", old: status(base(), "dkim.key", assess.StatusError), cur: base(),
			status: assess.StatusPass, undetermined: []string{"dkim.fingerprint[s1]", "dkim.key_bits[s1]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bp := packOf(t, "base-run", assetsOf(ip), tc.old)
			fs, d := CompareBaseline(bp, "old/evidence.json", assetsOf(ip), tc.cur, nil)
			if len(fs) != len(tc.cur)+1 {
				t.Fatalf("%d findings, want %d", len(fs), len(tc.cur)+1)
			}
			f := fs[len(fs)-1]
			if f.Check != "drift.changed" || f.Asset != ip {
				t.Fatalf("last finding %s %s", f.Asset, f.Check)
			}
			if f.Status != tc.status {
				t.Errorf("status %s, want %s (%s)", f.Status, tc.status, f.Message)
			}
			want := tc.changes
			if want == nil {
				want = []DriftChange{}
			}
			if !slices.Equal(d.Changes, want) {
				t.Errorf("changes\n got %+v\nwant %+v", d.Changes, want)
			}
			var und []string
			if u, ok := f.Observed["undetermined"].([]string); ok {
				und = u
			}
			if !slices.Equal(und, tc.undetermined) {
				t.Errorf("undetermined %v, want %v", und, tc.undetermined)
			}
			if changes, _ := f.Observed["changes"].([]any); len(changes) != len(want) {
				t.Errorf("observed changes %v", f.Observed["changes"])
			}
			if tc.msg != "" && !strings.Contains(f.Message, tc.msg) {
				t.Errorf("message %q lacks %q", f.Message, tc.msg)
			}
			if d.Baseline != "old/evidence.json" || d.BaseRun != "base-run" || len(d.Added)+len(d.Removed) != 0 {
				t.Errorf("drift %+v", d)
			}
			if (f.Status == assess.StatusWarn) != d.Changed() {
				t.Errorf("Changed() %v with status %s", d.Changed(), f.Status)
			}
		})
	}
}

func TestCompareBaselineFleet(t *testing.T) {
	t.Parallel()
	old := slices.Concat(
		world("192.0.2.1", "a.example.com", []string{"192.0.2.1"}, "pass", "a", "reject", 100, "aa"),
		world("192.0.2.2", "b.example.com", []string{"192.0.2.2"}, "pass", "a", "reject", 100, "aa"),
	)
	cur := slices.Concat(
		world("192.0.2.3", "c.example.com", []string{"192.0.2.3"}, "pass", "a", "reject", 100, "aa"),
		world("192.0.2.1", "a.example.com", []string{"192.0.2.1"}, "pass", "a", "none", 100, "aa"),
	)
	bp := packOf(t, "r1", assetsOf("192.0.2.1", "192.0.2.2"), old)
	curAssets := assetsOf("192.0.2.3", "192.0.2.1")
	fs, d := CompareBaseline(bp, "b.json", curAssets, cur, nil)
	if !slices.Equal(d.Added, []string{"192.0.2.3"}) || !slices.Equal(d.Removed, []string{"192.0.2.2"}) {
		t.Errorf("added %v removed %v", d.Added, d.Removed)
	}
	if want := []DriftChange{{"192.0.2.1", "dmarc.policy", "reject", "none"}}; !slices.Equal(d.Changes, want) {
		t.Errorf("changes %+v", d.Changes)
	}
	got := map[string]assess.Finding{}
	for _, f := range fs {
		if f.Check == "drift.changed" {
			got[f.Asset] = f
		}
	}
	if len(got) != 2 {
		t.Fatalf("drift findings for %v", got)
	}
	n := got["192.0.2.3"]
	if n.Status != assess.StatusSkip || n.Observed["reason"] != "new_asset" || !strings.Contains(n.Message, "new since the baseline run r1") {
		t.Errorf("new asset: %s %v %q", n.Status, n.Observed, n.Message)
	}
	if got["192.0.2.1"].Status != assess.StatusWarn || got["192.0.2.1"].Severity != assess.SeverityLow {
		t.Errorf("changed asset: %s %s", got["192.0.2.1"].Status, got["192.0.2.1"].Severity)
	}

	// diff of the two packs agrees with the run's comparison.
	cp := packOf(t, "r2", curAssets, cur)
	d2, und := Diff(bp, "b.json", cp)
	if !slices.Equal(d2.Changes, d.Changes) || !slices.Equal(d2.Added, d.Added) || !slices.Equal(d2.Removed, d.Removed) || len(und) != 0 {
		t.Errorf("Diff %+v, CompareBaseline %+v", d2, d)
	}
	if d3, _ := Diff(cp, "c.json", cp); d3.Changed() {
		t.Errorf("a pack differs from itself: %+v", d3)
	}
}
