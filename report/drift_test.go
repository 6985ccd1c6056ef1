package report

import (
	"bytes"
	"context"
	"maps"
	"reflect"
	"slices"
	"strconv"
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
		fnd(ip, "spf.record", assess.StatusPass, map[string]any{"record": "v=spf1 ip4:192.0.2.0/24 -all"}),
		fnd(ip, "spf.authorizes_ip", assess.StatusPass, map[string]any{"result": spf, "matched": matched}),
		fnd(ip, "dmarc.policy", assess.StatusPass, map[string]any{"policy": policy, "pct": pct}),
		dkimFnd(ip, "s1", assess.StatusPass, map[string]any{"fingerprint": fp, "key_bits": 2048}),
	}
}

// packOf builds a pack and reads it back through evidence.json, as a
// baseline is read.
func packOf(t *testing.T, id string, assets []assess.Asset, findings []assess.Finding) *Pack {
	t.Helper()
	back, err := ReadPack(packFile(t, id, assets, findings))
	if err != nil {
		t.Fatal(err)
	}
	return back
}

// packFile writes a pack's evidence.json and returns its path.
func packFile(t *testing.T, id string, assets []assess.Asset, findings []assess.Finding) string {
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
	return path
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
		// The undetermined fields by run: only the baseline's, only this
		// run's, both.
		baseline, run, both []string
		msg                 string
	}{
		{name: "nothing changed", old: base(), cur: base(), status: assess.StatusPass,
			msg: "Nothing observed for 192.0.2.10 changed since the baseline run base-run; every compared value was determined in both runs."},
		{name: "HELO addresses changed", old: base(), cur: set(base(), "helo.fqdn", "addresses", []string{"192.0.2.10", "192.0.2.77"}),
			status: assess.StatusWarn, changes: []DriftChange{{ip, "helo.addresses", "192.0.2.10", "192.0.2.10, 192.0.2.77", ""}},
			msg: "1 change for 192.0.2.10 since the baseline run base-run: HELO addresses 192.0.2.10 → 192.0.2.10, 192.0.2.77."},
		{name: "HELO addresses gone", old: base(), cur: set(base(), "helo.fqdn", "addresses", []string{}),
			status: assess.StatusWarn, changes: []DriftChange{{ip, "helo.addresses", "192.0.2.10", "", ""}},
			msg: "HELO addresses 192.0.2.10 → (no value)."},
		{name: "HELO address order is not a change", old: set(base(), "helo.fqdn", "addresses", []string{"192.0.2.9", "192.0.2.10"}),
			cur: set(base(), "helo.fqdn", "addresses", []string{"192.0.2.10", "192.0.2.9"}), status: assess.StatusPass},
		{name: "HELO error now", old: base(), cur: status(set(base(), "helo.fqdn", "addresses", nil), "helo.fqdn", assess.StatusError),
			status: assess.StatusError, undetermined: []string{"helo.addresses"}, run: []string{"helo.addresses"},
			msg: "this run could not determine helo.addresses."},
		{name: "PTR swapped", old: base(), cur: world(ip, "mail2.example.com", []string{"192.0.2.11"}, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa"),
			status: assess.StatusWarn, changes: []DriftChange{{ip, "ptr.names", "mail1.example.com", "mail2.example.com", ""}},
			msg: "1 change for 192.0.2.10 since the baseline run base-run: PTR name mail1.example.com → mail2.example.com."},
		{name: "PTR removed", old: base(), cur: world(ip, "", nil, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa"),
			status: assess.StatusWarn, changes: []DriftChange{{ip, "ptr.names", "mail1.example.com", "", ""}},
			msg: "PTR name mail1.example.com → (no value)."},
		{name: "forward set changed", old: base(), cur: world(ip, "mail1.example.com", []string{"192.0.2.99"}, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa"),
			status: assess.StatusWarn, changes: []DriftChange{{ip, "ptr.forward[mail1.example.com]", ip, "192.0.2.99", ""}},
			msg: "forward addresses of mail1.example.com 192.0.2.10 → 192.0.2.99"},
		{name: "forward list order is not a change", old: world(ip, "m.example.com", []string{"192.0.2.10", "192.0.2.9"}, "pass", "", "reject", 100, "aa"),
			cur: world(ip, "m.example.com", []string{"192.0.2.9", "192.0.2.10"}, "pass", "", "reject", 100, "aa"), status: assess.StatusPass},
		{name: "SPF, DMARC and key changed", old: base(), cur: world(ip, "mail1.example.com", []string{ip}, "fail", "-all", "quarantine", 50, "bb"),
			status: assess.StatusWarn, changes: []DriftChange{
				{ip, "spf.result", "pass", "fail", ""},
				{ip, "spf.matched", "ip4:192.0.2.0/24", "-all", ""},
				{ip, "dmarc.policy", "reject", "quarantine pct=50", ""},
				{ip, "dkim.fingerprint[s1]", "aa", "bb", ""},
			},
			msg: `4 changes for 192.0.2.10 since the baseline run base-run: SPF result pass → fail; SPF matched mechanism ip4:192.0.2.0/24 → -all; DMARC policy reject → quarantine pct=50; DKIM key of selector "s1" aa → bb.`},
		// The records themselves: an include or +all added, or a new
		// report address, changes no result of a sender already passing.
		{name: "SPF and DMARC records changed", old: set(base(), "dmarc.policy", "record", "v=DMARC1; p=reject; rua=mailto:d@example.com"),
			cur: set(set(base(), "spf.record", "record", "v=spf1 ip4:192.0.2.0/24 include:esp.example +all"),
				"dmarc.policy", "record", "v=DMARC1; p=reject; rua=mailto:d@elsewhere.example"),
			status: assess.StatusWarn, changes: []DriftChange{
				{ip, "spf.record", "v=spf1 ip4:192.0.2.0/24 -all", "v=spf1 ip4:192.0.2.0/24 include:esp.example +all", ""},
				{ip, "dmarc.record", "v=DMARC1; p=reject; rua=mailto:d@example.com", "v=DMARC1; p=reject; rua=mailto:d@elsewhere.example", ""},
			},
			msg: "2 changes for 192.0.2.10 since the baseline run base-run: SPF record v=spf1 ip4:192.0.2.0/24 -all → v=spf1 ip4:192.0.2.0/24 include:esp.example +all; DMARC record v=DMARC1; p=reject; rua=mailto:d@example.com → v=DMARC1; p=reject; rua=mailto:d@elsewhere.example."},
		{name: "key size", old: base(), cur: set(base(), "dkim.key", "key_bits", 1024), status: assess.StatusWarn,
			changes: []DriftChange{{ip, "dkim.key_bits[s1]", "2048", "1024", ""}}},
		{name: "selector added", old: base(), cur: append(base(), dkimFnd(ip, "s2", assess.StatusPass, map[string]any{"fingerprint": "cc", "key_bits": 2048})),
			status: assess.StatusWarn, changes: []DriftChange{{ip, "dkim.fingerprint[s2]", "", "cc", ""}}},
		{name: "record without a valid policy", old: base(), cur: set(set(status(base(), "dmarc.policy", assess.StatusSkip), "dmarc.policy", "policy", nil), "dmarc.policy", "treated_as_policy", "none"),
			status: assess.StatusWarn, changes: []DriftChange{{ip, "dmarc.policy", "reject", "none (invalid record)", ""}}},
		{name: "key revoked", old: base(), cur: set(set(set(status(base(), "dkim.key", assess.StatusFail), "dkim.key", "fingerprint", nil), "dkim.key", "key_bits", nil), "dkim.key", "reason", "revoked"),
			status: assess.StatusWarn, changes: []DriftChange{{ip, "dkim.fingerprint[s1]", "aa", "(revoked)", ""}}},
		// A key whose p= is unchanged but whose record now stops
		// receivers from using it: in testing mode, for another
		// service, sha1 only (and several at once).
		{name: "key put in testing mode", old: base(), cur: set(base(), "dkim.key", "testing", true),
			status: assess.StatusWarn, changes: []DriftChange{{ip, "dkim.fingerprint[s1]", "aa", "aa (testing)", ""}}},
		{name: "key out of testing mode", old: set(base(), "dkim.key", "testing", true), cur: set(base(), "dkim.key", "testing", false),
			status: assess.StatusWarn, changes: []DriftChange{{ip, "dkim.fingerprint[s1]", "aa (testing)", "aa", ""}}},
		{name: "key for another service", old: set(base(), "dkim.key", "services", []string{"email"}),
			cur:    set(set(status(base(), "dkim.key", assess.StatusFail), "dkim.key", "services", []string{"tlsrpt"}), "dkim.key", "reason", "not_email"),
			status: assess.StatusWarn, changes: []DriftChange{{ip, "dkim.fingerprint[s1]", "aa", "aa (not email)", ""}}},
		{name: "key sha1 only", old: set(base(), "dkim.key", "hashes", []string{"sha1", "sha256"}),
			cur:    set(set(status(base(), "dkim.key", assess.StatusFail), "dkim.key", "hashes", []string{"sha1"}), "dkim.key", "reason", "sha1_only"),
			status: assess.StatusWarn, changes: []DriftChange{{ip, "dkim.fingerprint[s1]", "aa", "aa (sha1 only)", ""}}},
		{name: "key of unknown type, for another service, in testing mode", old: base(),
			cur:    set(set(set(status(base(), "dkim.key", assess.StatusFail), "dkim.key", "key_type", "xyz"), "dkim.key", "services", []string{"tlsrpt"}), "dkim.key", "testing", true),
			status: assess.StatusWarn, changes: []DriftChange{{ip, "dkim.fingerprint[s1]", "aa", "aa (unknown key type, not email, testing)", ""}}},
		// Tags that leave the key in use are no change.
		{name: "key tags that change nothing", old: base(),
			cur:    set(set(set(set(base(), "dkim.key", "services", []string{"*"}), "dkim.key", "hashes", []string{"sha256", "sha1"}), "dkim.key", "testing", false), "dkim.key", "key_type", "rsa"),
			status: assess.StatusPass},
		{name: "error now is undetermined", old: base(), cur: status(set(base(), "spf.authorizes_ip", "result", "temperror"), "spf.authorizes_ip", assess.StatusError),
			status: assess.StatusError, undetermined: []string{"spf.result", "spf.matched"}, run: []string{"spf.result", "spf.matched"},
			msg: "No change found for 192.0.2.10 since the baseline run base-run, but the comparison is incomplete: 2 values were not compared because a run could not determine them: this run could not determine spf.result, spf.matched. This is not a pass"},
		{name: "error before is undetermined", old: status(set(base(), "ptr.present", "ptr_names", []string{}), "ptr.present", assess.StatusError),
			cur:    world(ip, "mail2.example.com", []string{ip}, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa"),
			status: assess.StatusError, undetermined: []string{"ptr.names"}, baseline: []string{"ptr.names"},
			msg: "1 value was not compared because a run could not determine it: the baseline run could not determine ptr.names."},
		{name: "error in both runs", old: status(base(), "dmarc.policy", assess.StatusError), cur: status(base(), "dmarc.policy", assess.StatusError),
			status: assess.StatusError, undetermined: []string{"dmarc.policy", "dmarc.record"}, both: []string{"dmarc.policy", "dmarc.record"},
			msg: "neither run could determine dmarc.policy, dmarc.record."},
		{name: "change with errors on every side", old: status(status(base(), "dmarc.policy", assess.StatusError), "helo.fqdn", assess.StatusError),
			cur:    status(status(set(base(), "spf.authorizes_ip", "result", "fail"), "dmarc.policy", assess.StatusError), "dkim.key", assess.StatusError),
			status: assess.StatusWarn, changes: []DriftChange{{ip, "spf.result", "pass", "fail", ""}},
			undetermined: []string{"helo.addresses", "dmarc.policy", "dmarc.record", "dkim.fingerprint[s1]", "dkim.key_bits[s1]"},
			run:          []string{"dkim.fingerprint[s1]", "dkim.key_bits[s1]"}, baseline: []string{"helo.addresses"}, both: []string{"dmarc.policy", "dmarc.record"},
			msg: "SPF result pass → fail. Not compared, because a run could not determine them: this run could not determine dkim.fingerprint[s1], dkim.key_bits[s1]; the baseline run could not determine helo.addresses; neither run could determine dmarc.policy, dmarc.record."},
		{name: "fcrdns error is undetermined", old: base(), cur: status(base(), "ptr.fcrdns", assess.StatusError),
			status: assess.StatusError, undetermined: []string{"ptr.forward"}, run: []string{"ptr.forward"}},
		{name: "fcrdns error in both runs", old: status(base(), "ptr.fcrdns", assess.StatusError), cur: status(base(), "ptr.fcrdns", assess.StatusError),
			status: assess.StatusError, undetermined: []string{"ptr.forward"}, both: []string{"ptr.forward"}},
		// A second PTR name whose forward lookup failed while the first
		// confirms: a pass, but that name's addresses are not known.
		{name: "failed forward lookup beside a confirmed name", old: set(base(), "ptr.fcrdns", "forward", map[string][]string{"mail1.example.com": {ip}, "alt.example.com": {ip, "192.0.2.99"}}),
			cur:    set(set(base(), "ptr.fcrdns", "forward", map[string][]string{"mail1.example.com": {ip}, "alt.example.com": nil}), "ptr.fcrdns", "error_names", []string{"alt.example.com"}),
			status: assess.StatusError, undetermined: []string{"ptr.forward[alt.example.com]"}, run: []string{"ptr.forward[alt.example.com]"}},
		// Past the 100 records read, which names were read depends on the
		// answer's order.
		{name: "PTR answer cut short", old: set(base(), "ptr.present", "records_omitted", 50),
			cur:    set(set(base(), "ptr.present", "ptr_names", []string{"mail9.example.com"}), "ptr.present", "records_omitted", 50),
			status: assess.StatusError, undetermined: []string{"ptr.names"}, both: []string{"ptr.names"}},
		{name: "SPF term case is not a change", old: base(), cur: set(base(), "spf.authorizes_ip", "matched", "IP4:192.0.2.0/24"), status: assess.StatusPass},
		{name: "SPF macro case is a change", old: set(base(), "spf.authorizes_ip", "matched", "exists:%{i}.x.example"),
			cur: set(base(), "spf.authorizes_ip", "matched", "EXISTS:%{I}.X.example"), status: assess.StatusWarn,
			changes: []DriftChange{{ip, "spf.matched", "exists:%{i}.x.example", "exists:%{I}.x.example", ""}}},
		{name: "key error in the baseline", old: status(base(), "dkim.key", assess.StatusError), cur: base(),
			status: assess.StatusError, undetermined: []string{"dkim.fingerprint[s1]", "dkim.key_bits[s1]"}, baseline: []string{"dkim.fingerprint[s1]", "dkim.key_bits[s1]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bp := packOf(t, "base-run", assetsOf(ip), tc.old)
			fs, d := CompareBaseline(bp, "old/evidence.json", assetsOf(ip), tc.cur, nil)
			if len(fs) != len(tc.cur)+1 {
				t.Fatalf("%d findings, want %d", len(fs), len(tc.cur)+1)
			}
			i := slices.IndexFunc(fs, func(f assess.Finding) bool { return f.Check == DriftCheck })
			if i < 0 {
				t.Fatal("no drift.changed finding")
			}
			f := fs[i]
			if f.Asset != ip {
				t.Fatalf("drift finding for %s", f.Asset)
			}
			if !slices.IsSortedFunc(fs, func(x, y assess.Finding) int { return strings.Compare(x.Check, y.Check) }) {
				t.Errorf("findings not in check-ID order: %v", checksOf(fs))
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
			for key, want := range map[string][]string{"undetermined_baseline": tc.baseline, "undetermined_run": tc.run, "undetermined_both": tc.both} {
				got, _ := f.Observed[key].([]string)
				if !slices.Equal(got, want) {
					t.Errorf("%s %v, want %v", key, got, want)
				}
			}
			if reason := f.Observed["reason"]; (f.Status == assess.StatusError) != (reason == "incomplete") {
				t.Errorf("reason %v with status %s", reason, f.Status)
			}
			if f.Status != assess.StatusPass && f.Remediation == "" {
				t.Errorf("%s without remediation", f.Status)
			}
			if f.Status == assess.StatusError {
				who := "the runs"
				switch {
				case tc.baseline == nil && tc.both == nil:
					who = "this run"
				case tc.run == nil && tc.both == nil:
					who = "the baseline run"
				}
				if !strings.HasPrefix(f.Remediation, "Find out why "+who+" could not determine these values") ||
					!strings.Contains(f.Remediation, "assess again with the same --baseline") {
					t.Errorf("error remediation %q", f.Remediation)
				}
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
	if want := []DriftChange{{"192.0.2.1", "dmarc.policy", "reject", "none", ""}}; !slices.Equal(d.Changes, want) {
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
	c2 := ComparePacks(bp, "b.json", cp)
	d2 := c2.Drift
	if !slices.Equal(d2.Changes, d.Changes) || !slices.Equal(d2.Added, d.Added) || !slices.Equal(d2.Removed, d.Removed) || len(c2.Undetermined) != 0 {
		t.Errorf("Diff %+v, CompareBaseline %+v", d2, d)
	}
	if c2.Outcome() != OutcomeChanged {
		t.Errorf("outcome %s", c2.Outcome())
	}
	if c3 := ComparePacks(cp, "c.json", cp); c3.Drift.Changed() || c3.Outcome() != OutcomeNoDrift {
		t.Errorf("a pack differs from itself: %+v", c3.Drift)
	}
}

func checksOf(fs []assess.Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Check
	}
	return out
}

// TestDriftFindingOrder: the drift.changed finding takes its place in
// check-ID order (between dmarc.* and helo.*), in the findings a run hands
// over and in the built pack.
func TestDriftFindingOrder(t *testing.T) {
	t.Parallel()
	ips := []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"}
	var old, cur []assess.Finding
	for _, ip := range ips[:2] {
		old = append(old, world(ip, "a.example.com", []string{ip}, "pass", "a", "reject", 100, "aa")...)
	}
	for _, ip := range ips {
		fs := world(ip, "a.example.com", []string{ip}, "pass", "a", "none", 100, "aa")
		fs = append(fs, fnd(ip, "align.identity", assess.StatusPass, nil), fnd(ip, "dmarc.record", assess.StatusPass, nil),
			fnd(ip, "dmarc.reporting", assess.StatusPass, nil), fnd(ip, "helo.spf", assess.StatusPass, nil),
			dkimFnd(ip, "s0", assess.StatusPass, map[string]any{"fingerprint": "zz", "key_bits": 2048}))
		// The runner's order: by check ID, DKIM selectors in inventory order.
		slices.SortStableFunc(fs, func(x, y assess.Finding) int { return strings.Compare(x.Check, y.Check) })
		cur = append(cur, fs...)
	}
	bp := packOf(t, "r1", assetsOf(ips[:2]...), old)
	want := []string{"align.identity", "dkim.key", "dkim.key", "dmarc.policy", "dmarc.record", "dmarc.reporting", "drift.changed",
		"helo.fqdn", "helo.spf", "ptr.fcrdns", "ptr.present", "spf.authorizes_ip", "spf.record"}

	b := NewBaseline(bp, "b.json", nil)
	for _, ip := range ips {
		var fs []assess.Finding
		for _, f := range cur {
			if f.Asset == ip {
				fs = append(fs, f)
			}
		}
		got := b.Asset(assess.Asset{IP: ip}, fs)
		if !slices.Equal(checksOf(got), want) {
			t.Errorf("%s: checks\n got %v\nwant %v", ip, checksOf(got), want)
		}
		if got[1].Selector == nil || *got[1].Selector != "s1" || *got[2].Selector != "s0" {
			t.Errorf("%s: DKIM selectors lost their order", ip)
		}
	}

	out, d := CompareBaseline(bp, "b.json", assetsOf(ips...), cur, nil)
	p := Build(BuildInput{Run: Run{ID: "r2"}, Assets: assetsOf(ips...), Findings: out, Drift: d})
	var wantAll []string
	for range ips {
		wantAll = append(wantAll, want...)
	}
	if !slices.Equal(checksOf(out), wantAll) || !slices.Equal(checksOf(p.Findings), wantAll) {
		t.Errorf("fleet order\n got %v\nwant %v", checksOf(out), wantAll)
	}
}

// TestDiffOutcome: what two packs' comparison could not compare, and
// whether that makes it incomplete.
func TestDiffOutcome(t *testing.T) {
	t.Parallel()
	const ip, ip2 = "192.0.2.10", "192.0.2.11"
	good := func(ip string) []assess.Finding {
		return world(ip, "mail1.example.com", []string{ip}, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa")
	}
	// down is a run whose resolver answered nothing: every compared check
	// is error.
	down := func(ip string) []assess.Finding {
		fs := good(ip)
		for i := range fs {
			fs[i].Status = assess.StatusError
			fs[i].Observed = map[string]any{"reason": "timeout"}
		}
		return fs
	}
	withErr := func(fs []assess.Finding, check string) []assess.Finding {
		for i := range fs {
			if fs[i].Check == check {
				fs[i].Status = assess.StatusError
			}
		}
		return fs
	}
	without := func(fs []assess.Finding, checks ...string) []assess.Finding {
		return slices.DeleteFunc(fs, func(f assess.Finding) bool { return slices.Contains(checks, f.Check) })
	}
	all := []string{"ptr.names", "ptr.forward", "helo.addresses", "spf.record", "spf.result", "spf.matched", "dmarc.policy", "dmarc.record", "dkim.fingerprint[s1]", "dkim.key_bits[s1]"}
	cases := []struct {
		name        string
		old, cur    []assess.Finding
		outcome     string
		notCompared map[string][]string
		incomplete  map[string][]string
		in          string // side of ip's first undetermined field
	}{
		{"complete", slices.Concat(good(ip), good(ip2)), slices.Concat(good(ip), good(ip2)), OutcomeNoDrift, map[string][]string{}, map[string][]string{}, ""},
		{"new resolver dead", slices.Concat(good(ip), good(ip2)), slices.Concat(down(ip), down(ip2)), OutcomeIncomplete,
			map[string][]string{ip: all, ip2: all}, map[string][]string{ip: all, ip2: all}, UndeterminedNew},
		{"old resolver dead", slices.Concat(down(ip), down(ip2)), slices.Concat(good(ip), good(ip2)), OutcomeIncomplete,
			map[string][]string{ip: all, ip2: all}, map[string][]string{ip: all, ip2: all}, UndeterminedOld},
		{"same error in both runs", slices.Concat(withErr(good(ip), "ptr.present"), good(ip2)), slices.Concat(withErr(good(ip), "ptr.present"), good(ip2)), OutcomeNoDrift,
			map[string][]string{ip: {"ptr.names"}}, map[string][]string{}, UndeterminedBoth},
		// A baseline cut short (findings of two checks taken out): what
		// they gave is not compared, never a value that vanished.
		{"findings missing from the baseline", slices.Concat(without(good(ip), "ptr.present", "dmarc.policy"), good(ip2)), slices.Concat(good(ip), good(ip2)), OutcomeIncomplete,
			map[string][]string{ip: {"ptr.names", "dmarc.policy", "dmarc.record"}}, map[string][]string{ip: {"ptr.names", "dmarc.policy", "dmarc.record"}}, UndeterminedOld},
		{"changes win", slices.Concat(good(ip), good(ip2)), slices.Concat(down(ip), world(ip2, "mail2.example.com", []string{ip2}, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa")), OutcomeChanged,
			map[string][]string{ip: all}, map[string][]string{ip: all}, UndeterminedNew},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := ComparePacks(packOf(t, "r1", assetsOf(ip, ip2), tc.old), "old.json", packOf(t, "r2", assetsOf(ip, ip2), tc.cur))
			// Compared as the new pack is read, the same.
			streamed, _, err := ComparePackFile(context.Background(), packOf(t, "r1", assetsOf(ip, ip2), tc.old), "old.json", packFile(t, "r2", assetsOf(ip, ip2), tc.cur))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(streamed, c) {
				t.Errorf("ComparePackFile gives\n%+v\nComparePacks\n%+v", streamed, c)
			}
			if c.Outcome() != tc.outcome {
				t.Errorf("outcome %s, want %s", c.Outcome(), tc.outcome)
			}
			if _, got := Diff(packOf(t, "r1", assetsOf(ip, ip2), tc.old), "old.json", packOf(t, "r2", assetsOf(ip, ip2), tc.cur)); !maps.EqualFunc(got, tc.notCompared, slices.Equal) {
				t.Errorf("Diff's not compared %v, want %v", got, tc.notCompared)
			}
			if got := c.NotCompared(); !maps.EqualFunc(got, tc.notCompared, slices.Equal) {
				t.Errorf("not compared %v, want %v", got, tc.notCompared)
			}
			if got := c.Incomplete(); !maps.EqualFunc(got, tc.incomplete, slices.Equal) {
				t.Errorf("incomplete %v, want %v", got, tc.incomplete)
			}
			if us := c.Undetermined[ip]; tc.in != "" && (len(us) == 0 || us[0].In != tc.in) {
				t.Errorf("undetermined %v, want side %s", us, tc.in)
			}
		})
	}
}

func TestDriftSample(t *testing.T) {
	t.Parallel()
	ch := func(asset, field string) DriftChange {
		return DriftChange{Asset: asset, Field: field, Old: "o", New: "n"}
	}
	// A sender that changed DMARC and two DKIM keys comes first; the
	// other kinds of change come later in inventory order.
	changes := []DriftChange{
		ch("192.0.2.1", "dmarc.policy"),
		ch("192.0.2.1", "dkim.fingerprint[a]"),
		ch("192.0.2.1", "dkim.key_bits[a]"),
		ch("192.0.2.1", "dkim.fingerprint[b]"),
		ch("192.0.2.2", "dmarc.policy"),
		ch("192.0.2.3", "ptr.names"),
		ch("192.0.2.4", "spf.result"),
		ch("192.0.2.4", "spf.matched"),
	}
	cases := []struct {
		n    int
		want []DriftChange
	}{
		{0, nil},
		// One change of each kind, from different senders first.
		{3, []DriftChange{changes[0], changes[5], changes[6]}},
		{5, []DriftChange{changes[0], changes[1], changes[5], changes[6], changes[7]}},
		{6, []DriftChange{changes[0], changes[1], changes[2], changes[5], changes[6], changes[7]}},
		// Then a sender not yet shown.
		{7, []DriftChange{changes[0], changes[1], changes[2], changes[4], changes[5], changes[6], changes[7]}},
		{8, changes},
		{20, changes},
	}
	for _, tc := range cases {
		t.Run(strconv.Itoa(tc.n), func(t *testing.T) {
			t.Parallel()
			got := (&Drift{Changes: changes}).Sample(tc.n)
			if !slices.Equal(got, tc.want) {
				t.Errorf("sample\n got %v\nwant %v", got, tc.want)
			}
		})
	}
	// What weakened comes first: a DMARC downgrade among many PTR
	// changes, and a key gone, ahead of the PTR changes of earlier senders.
	weak := []DriftChange{
		{Asset: "192.0.2.1", Field: "ptr.names", Old: "a.example", New: "b.example"},
		{Asset: "192.0.2.2", Field: "ptr.names", Old: "c.example", New: "d.example"},
		{Asset: "192.0.2.3", Field: "helo.addresses", Old: "192.0.2.3", New: "192.0.2.3, 192.0.2.9"},
		{Asset: "192.0.2.4", Field: "dmarc.policy", Old: "reject", New: "quarantine"},
		{Asset: "192.0.2.5", Field: "dmarc.policy", Old: "none", New: "reject"},
		{Asset: "192.0.2.8", Field: "dmarc.policy", Old: "reject pct=20", New: "reject pct=50"},
		{Asset: "192.0.2.6", Field: "dkim.fingerprint[s1]", Old: "ab", New: ""},
		{Asset: "192.0.2.7", Field: "dkim.fingerprint[s2]", Old: "cd", New: "", Inventory: "selector_removed"},
	}
	if got, want := (&Drift{Changes: weak}).Sample(3), []DriftChange{weak[0], weak[3], weak[6]}; !slices.Equal(got, want) {
		t.Errorf("sample with weakening changes\n got %v\nwant %v", got, want)
	}
	for _, c := range []struct {
		old, new string
		weaker   bool
	}{
		{"reject", "quarantine", true}, {"quarantine", "none", true}, {"none", "reject", false},
		{"reject", "reject pct=50", true}, {"reject pct=50", "reject pct=20", true}, {"reject pct=20", "reject pct=50", false},
		{"reject pct=50", "reject", false}, {"quarantine", "reject pct=10", false},
		{"reject", "none (invalid record)", true}, {"none (invalid record)", "reject", false},
	} {
		if got := weakens(DriftChange{Field: FieldDMARCPolicy, Old: c.old, New: c.new}); got != c.weaker {
			t.Errorf("DMARC %s → %s weakens = %v, want %v", c.old, c.new, got, c.weaker)
		}
	}
	// A key revoked or its record deleted is a key gone; one published
	// where there was none is not.
	for _, c := range []struct {
		old, new string
		weaker   bool
	}{{"ab", "(revoked)", true}, {"ab", "(no key record)", true}, {"(revoked)", "ab", false}, {"(revoked)", "(no key record)", false}, {"ab", "cd", false},
		// A key receivers used that they now do not is weaker.
		{"ab", "ab (testing)", true}, {"ab", "cd (sha1 only)", true}, {"ab", "ab (not email, testing)", true},
		{"ab (testing)", "ab", false}, {"ab (testing)", "ab (not email)", false}, {"ab (testing)", "(revoked)", true}, {"(no key record)", "ab (testing)", false}} {
		if got := weakens(DriftChange{Field: "dkim.fingerprint[s1]", Old: c.old, New: c.new}); got != c.weaker {
			t.Errorf("DKIM key %s → %s weakens = %v, want %v", c.old, c.new, got, c.weaker)
		}
	}
	for _, c := range []struct {
		old, new string
		weaker   bool
	}{
		{"v=spf1 mx -all", "v=spf1 mx +all", true}, {"v=spf1 mx -all", "v=spf1 mx ?ALL", true},
		{"v=spf1 mx ~all", "v=spf1 mx all", true}, {"v=spf1 +all", "v=spf1 mx +all", false},
		{"v=spf1 mx -all", "v=spf1 mx include:x.example -all", false},
	} {
		if got := weakens(DriftChange{Field: FieldSPFRecord, Old: c.old, New: c.new}); got != c.weaker {
			t.Errorf("SPF %s → %s weakens = %v, want %v", c.old, c.new, got, c.weaker)
		}
		// A record the domain reaches through include: weakens alike,
		// but for ?all: an include matches on pass only.
		want := c.weaker && !strings.Contains(strings.ToLower(c.new), "?all")
		if got := weakens(DriftChange{Field: FieldSPFReached + "[_spf.example.com]", Old: c.old, New: c.new}); got != want {
			t.Errorf("reached SPF %s → %s weakens = %v, want %v", c.old, c.new, got, want)
		}
	}
	if got := (*Drift)(nil).Sample(3); got != nil {
		t.Errorf("nil drift sample %v", got)
	}
}

// TestDriftInventoryEdits: a selector taken out of or added to an asset's
// row, or a changed sending domain, is an inventory edit, not a DNS change.
func TestDriftInventoryEdits(t *testing.T) {
	t.Parallel()
	const ip = "192.0.2.10"
	old := append(world(ip, "mail1.example.com", []string{ip}, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa"),
		dkimFnd(ip, "s2", assess.StatusPass, map[string]any{"fingerprint": "bb", "key_bits": 2048}))
	cur := world(ip, "mail1.example.com", []string{ip}, "fail", "-all", "reject", 100, "aa")
	cur = append(cur, dkimFnd(ip, "s3", assess.StatusPass, map[string]any{"fingerprint": "cc", "key_bits": 2048}),
		dkimFnd(ip, "s4", assess.StatusFail, map[string]any{"reason": "revoked"}))
	bp := packOf(t, "base-run", []assess.Asset{{IP: ip, Domain: "a.example", DKIMSelectors: []string{"s1", "s2"}}}, old)
	fs, d := CompareBaseline(bp, "old/evidence.json", []assess.Asset{{IP: ip, Domain: "b.example", DKIMSelectors: []string{"s1", "s3", "s4"}}}, cur, nil)
	want := []DriftChange{
		{ip, "spf.result", "pass", "fail", "domain"},
		{ip, "spf.matched", "ip4:192.0.2.0/24", "-all", "domain"},
		{ip, "dkim.fingerprint[s2]", "bb", "", "selector_removed"},
		{ip, "dkim.fingerprint[s3]", "", "cc", "selector_added"},
		{ip, "dkim.fingerprint[s4]", "", "(revoked)", "selector_added"},
	}
	if !slices.Equal(d.Changes, want) {
		t.Errorf("changes\n got %+v\nwant %+v", d.Changes, want)
	}
	i := slices.IndexFunc(fs, func(f assess.Finding) bool { return f.Check == DriftCheck })
	f := fs[i]
	for _, s := range []string{
		"SPF result pass → fail (the inventory's sending domain changed from a.example to b.example)",
		`DKIM selector "s2" was taken out of the inventory (its key was bb)`,
		`DKIM selector "s3" was added to the inventory (key cc)`,
		`DKIM selector "s4" was added to the inventory (revoked)`,
	} {
		if !strings.Contains(f.Message, s) {
			t.Errorf("message %q lacks %q", f.Message, s)
		}
	}
	if !strings.HasPrefix(f.Remediation, "These changes come from edits to the inventory") {
		t.Errorf("remediation %q", f.Remediation)
	}
}

// TestDriftFirstSelectorAdded: a selector added to a row whose baseline
// recorded an empty selector list is an inventory edit, as one added beside
// others is; a baseline that recorded no list at all names none.
func TestDriftFirstSelectorAdded(t *testing.T) {
	t.Parallel()
	const ip = "192.0.2.10"
	old := world(ip, "mail1.example.com", []string{ip}, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa")
	cur := append(world(ip, "mail1.example.com", []string{ip}, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa"),
		dkimFnd(ip, "k1", assess.StatusPass, map[string]any{"fingerprint": "cc", "key_bits": 256}))
	for _, tc := range []struct {
		name string
		old  []string
		want string
	}{
		{"an empty list", []string{}, "selector_added"},
		{"no list recorded", nil, ""},
	} {
		bp := packOf(t, "base-run", []assess.Asset{{IP: ip, Domain: "a.example", DKIMSelectors: tc.old}}, old)
		_, d := CompareBaseline(bp, "old/evidence.json", []assess.Asset{{IP: ip, Domain: "a.example", DKIMSelectors: []string{"k1"}}}, cur, nil)
		var got []string
		for _, c := range d.Changes {
			got = append(got, c.Field+" "+c.Inventory)
		}
		// Reported once, by its key, not again by its size.
		want := []string{"dkim.fingerprint[k1] " + tc.want}
		if !slices.Equal(got, want) {
			t.Errorf("%s: changes %q, want %q", tc.name, got, want)
		}
	}
}

// TestDriftSPFRecordCase: an SPF record rewritten in other case is the same
// record (RFC 7208 reads mechanisms and modifiers without case), but a
// macro's text is read with case, so a change there is a change. How
// many spaces separate its terms, or end it, is no change either.
func TestDriftSPFRecordCase(t *testing.T) {
	t.Parallel()
	const ip = "192.0.2.10"
	withRecord := func(rec string) []assess.Finding {
		fs := world(ip, "mail1.example.com", []string{ip}, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa")
		for i := range fs {
			if fs[i].Check == "spf.record" {
				fs[i].Observed = map[string]any{"record": rec}
			}
		}
		return fs
	}
	assets := []assess.Asset{{IP: ip, Domain: "a.example", DKIMSelectors: []string{"s1"}}}
	for _, c := range []struct {
		old, new string
		changed  bool
	}{
		{"v=spf1 ip4:192.0.2.0/24 -all", "V=SPF1 IP4:192.0.2.0/24 -ALL", false},
		{"v=spf1 exists:%{i}.x.example -all", "v=spf1 EXISTS:%{i}.X.example -all", false},
		{"v=spf1 exists:%{i}.x.example -all", "v=spf1 exists:%{I}.x.example -all", true},
		{"v=spf1 ip4:192.0.2.0/24 -all", "v=spf1 ip4:192.0.2.0/24 ~all", true},
		// Terms are separated by one or more spaces, and a record may
		// end in spaces (RFC 7208 §4.6.1): the same record.
		{"v=spf1 ip4:192.0.2.0/24 -all", "v=spf1  ip4:192.0.2.0/24   -all ", false},
		{"v=spf1 ip4:192.0.2.0/24 -all", "v=spf1 ip4:192.0.2.0/24-all", true},
	} {
		bp := packOf(t, "base-run", assets, withRecord(c.old))
		_, d := CompareBaseline(bp, "old/evidence.json", assets, withRecord(c.new), nil)
		if got := len(d.Changes) > 0; got != c.changed {
			t.Errorf("%q → %q: changes %+v, want changed %v", c.old, c.new, d.Changes, c.changed)
		}
	}
}

// TestDriftHELOEdit: the addresses of a HELO name changed in the inventory
// are an inventory edit that names both HELO names, not a DNS change.
func TestDriftHELOEdit(t *testing.T) {
	t.Parallel()
	const ip = "192.0.2.10"
	old := world(ip, "mail1.example.com", []string{ip}, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa")
	cur := world(ip, "mail1.example.com", []string{ip}, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa")
	for i := range cur {
		if cur[i].Check == "helo.fqdn" {
			cur[i].Observed = map[string]any{"addresses": []string{"192.0.2.14"}}
		}
	}
	bp := packOf(t, "base-run", []assess.Asset{{IP: ip, HELO: "mail4.example.com"}}, old)
	fs, d := CompareBaseline(bp, "old/evidence.json", []assess.Asset{{IP: ip, HELO: "mail5.example.com"}}, cur, nil)
	if want := []DriftChange{{ip, "helo.addresses", ip, "192.0.2.14", "helo"}}; !slices.Equal(d.Changes, want) {
		t.Errorf("changes\n got %+v\nwant %+v", d.Changes, want)
	}
	f := fs[slices.IndexFunc(fs, func(f assess.Finding) bool { return f.Check == DriftCheck })]
	if want := "HELO addresses 192.0.2.10 → 192.0.2.14 (the inventory's HELO name changed from mail4.example.com to mail5.example.com)"; !strings.Contains(f.Message, want) {
		t.Errorf("message %q lacks %q", f.Message, want)
	}
	if got := d.Changes[0].InventoryNote(); got != "HELO name changed in the inventory" {
		t.Errorf("inventory note %q", got)
	}
}

// TestDriftCutHELOAnswer: the HELO name's addresses read from an answer cut
// at the records kept depend on the answer's order, so they are not
// compared: no false change when only the order differs.
func TestDriftCutHELOAnswer(t *testing.T) {
	t.Parallel()
	const ip = "192.0.2.10"
	mk := func(addrs []string) []assess.Finding {
		fs := world(ip, "mail1.example.com", []string{ip}, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa")
		for i := range fs {
			if fs[i].Check == "helo.fqdn" {
				fs[i].Observed = map[string]any{"addresses": addrs, "records_omitted": 51}
			}
		}
		return fs
	}
	bp := packOf(t, "base-run", assetsOf(ip), mk([]string{"10.0.0.1", ip}))
	fs, d := CompareBaseline(bp, "old/evidence.json", assetsOf(ip), mk([]string{ip, "10.0.0.2"}), nil)
	if len(d.Changes) != 0 {
		t.Errorf("changes %+v, want none", d.Changes)
	}
	f := fs[slices.IndexFunc(fs, func(f assess.Finding) bool { return f.Check == DriftCheck })]
	if und, _ := f.Observed["undetermined"].([]string); !slices.Contains(und, "helo.addresses") {
		t.Errorf("undetermined %v, want helo.addresses", f.Observed["undetermined"])
	}
}

// TestDriftInventoryEditsEdgeCases: a DKIM key under a changed sending
// domain is a domain edit; a baseline whose rows list no selectors puts
// nothing down to the inventory, so a key rotation stays a DNS change.
func TestDriftInventoryEditsEdgeCases(t *testing.T) {
	t.Parallel()
	const ip = "192.0.2.10"
	base := world(ip, "mail1.example.com", []string{ip}, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa")
	cur := world(ip, "mail1.example.com", []string{ip}, "pass", "ip4:192.0.2.0/24", "reject", 100, "bb")
	bp := packOf(t, "base-run", []assess.Asset{{IP: ip, Domain: "example.com", DKIMSelectors: []string{"s1"}}}, base)
	_, d := CompareBaseline(bp, "old/evidence.json", []assess.Asset{{IP: ip, Domain: "example.net", DKIMSelectors: []string{"s1"}}}, cur, nil)
	if want := []DriftChange{{ip, "dkim.fingerprint[s1]", "aa", "bb", "domain"}}; !slices.Equal(d.Changes, want) {
		t.Errorf("domain edit: changes %+v, want %+v", d.Changes, want)
	}
	old := packOf(t, "base-run", []assess.Asset{{IP: ip, Domain: "example.com"}}, base)
	_, d = CompareBaseline(old, "old/evidence.json", []assess.Asset{{IP: ip, Domain: "example.com", DKIMSelectors: []string{"s1"}}}, cur, nil)
	if want := []DriftChange{{ip, "dkim.fingerprint[s1]", "aa", "bb", ""}}; !slices.Equal(d.Changes, want) {
		t.Errorf("baseline without selectors: changes %+v, want %+v", d.Changes, want)
	}
}

// TestDriftRemovedAssets: a sender removed since the baseline is kept with
// its baseline row and described by it.
func TestDriftRemovedAssets(t *testing.T) {
	t.Parallel()
	const ip, gone = "192.0.2.10", "192.0.2.21"
	old := slices.Concat(world(ip, "mail1.example.com", []string{ip}, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa"),
		world(gone, "mail12.example.com", []string{gone}, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa"))
	row := assess.Asset{IP: gone, Hostname: "mail12.example.com", Owner: "mail-platform", Criticality: "high", DKIMSelectors: []string{"s1"}, Tags: map[string]string{}}
	bp := packOf(t, "base-run", []assess.Asset{{IP: ip, DKIMSelectors: []string{"s1"}, Tags: map[string]string{}}, row}, old)
	cur := world(ip, "mail1.example.com", []string{ip}, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa")
	for name, d := range map[string]*Drift{
		"CompareBaseline": func() *Drift { _, d := CompareBaseline(bp, "old/evidence.json", assetsOf(ip), cur, nil); return d }(),
		"Baseline": func() *Drift {
			b := NewBaseline(bp, "old/evidence.json", nil)
			b.Asset(assetsOf(ip)[0], cur)
			return b.Drift(assetsOf(ip))
		}(),
	} {
		if !slices.Equal(d.Removed, []string{gone}) || len(d.RemovedAssets) != 1 || d.RemovedAssets[0].Owner != "mail-platform" {
			t.Errorf("%s: removed %q, rows %+v", name, d.Removed, d.RemovedAssets)
		}
		if got, want := d.RemovedNotes()[gone], "host mail12.example.com, owner mail-platform, criticality high"; got != want {
			t.Errorf("%s: note %q, want %q", name, got, want)
		}
	}
}

// TestDriftReachedRecords: the SPF records a domain reaches are compared
// when both runs read them; a walk that failed leaves them undetermined
// only where the other run reached some; one that now passes every
// address is a change even when the other run did not reach it.
func TestDriftReachedRecords(t *testing.T) {
	t.Parallel()
	const ip = "192.0.2.10"
	limit := func(st assess.Status, reached map[string]any) assess.Finding {
		obs := map[string]any{"lookups": 1}
		if reached != nil {
			obs["reached_records"] = reached
		}
		return assess.Finding{Asset: ip, Check: "spf.lookup_limit", Status: st, Observed: obs}
	}
	assets := []assess.Asset{{IP: ip, Domain: "example.com"}}
	base := world(ip, "mail1.example.com", []string{ip}, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa")
	cases := []struct {
		name      string
		old, cur  assess.Finding
		changes   []DriftChange
		undet     []string
		weakening bool
	}{
		{"changed", limit(assess.StatusPass, map[string]any{"_spf.example.com": "v=spf1 ip4:192.0.2.0/28 -all"}),
			limit(assess.StatusPass, map[string]any{"_spf.example.com": "v=spf1 ip4:192.0.2.0/24 -all"}),
			[]DriftChange{{ip, "spf.reached[_spf.example.com]", "v=spf1 ip4:192.0.2.0/28 -all", "v=spf1 ip4:192.0.2.0/24 -all", ""}}, nil, false},
		{"walk failed now", limit(assess.StatusPass, map[string]any{"_spf.example.com": "v=spf1 -all"}), limit(assess.StatusError, nil),
			nil, []string{"spf.reached"}, false},
		{"walk failed, nothing reached before", limit(assess.StatusPass, nil), limit(assess.StatusError, nil), nil, nil, false},
		{"an include of +all added", limit(assess.StatusPass, nil), limit(assess.StatusPass, map[string]any{"_evil.example.net": "v=spf1 +all"}),
			[]DriftChange{{ip, "spf.reached[_evil.example.net]", "", "v=spf1 +all", ""}}, nil, true},
		{"an ordinary include added", limit(assess.StatusPass, nil), limit(assess.StatusPass, map[string]any{"_spf.example.net": "v=spf1 ip4:198.51.100.0/24 -all"}),
			nil, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bp := packOf(t, "base-run", assets, append(slices.Clone(base), c.old))
			_, d := CompareBaseline(bp, "old/evidence.json", assets, append(slices.Clone(base), c.cur), nil)
			if !slices.Equal(d.Changes, c.changes) {
				t.Errorf("changes %+v, want %+v", d.Changes, c.changes)
			}
			var undet []string
			for _, u := range ComparePacks(bp, "old/evidence.json", packOf(t, "cur-run", assets, append(slices.Clone(base), c.cur))).Undetermined[ip] {
				undet = append(undet, u.Field)
			}
			if !slices.Equal(undet, c.undet) {
				t.Errorf("undetermined %v, want %v", undet, c.undet)
			}
			if s := d.Sample(1); c.weakening && (len(s) != 1 || !weakens(s[0])) {
				t.Errorf("sample %+v does not pick the weakening change first", s)
			}
		})
	}
}
