package assess

import (
	"context"
	"testing"
	"time"

	"senderproof/assess/dnstest"
)

func dmarcFaults() map[string]dnstest.Fault {
	return map[string]dnstest.Fault{
		"_dmarc.servfail.dmarc-test.example.": dnstest.ServFail,
		"_dmarc.timeout.dmarc-test.example.":  dnstest.Drop,
	}
}

func dmarcAsset(domain string) Asset { return Asset{IP: "192.0.2.10", Domain: domain} }

func TestDMARCChecks(t *testing.T) {
	t.Parallel()
	srv := startAuth(t, dnstest.Config{Faults: dmarcFaults()}, "dmarc-test.example.zone", "dmarc-bare.example.zone")
	cases := map[string][]checkCase{
		"dmarc.record": {
			{name: "org domain", asset: dmarcAsset("dmarc-test.example"), status: StatusPass, obs: map[string]string{
				"source": "_dmarc.dmarc-test.example", "p": "reject", "sp": "quarantine", "policy": "reject", "pct": "100",
				"adkim": "s", "aspf": "r", "disagree": "false", "from_org": "false"}},
			{name: "own record", asset: dmarcAsset("monitor.dmarc-test.example"), status: StatusPass, obs: map[string]string{
				"source": "_dmarc.monitor.dmarc-test.example", "queried": "[_dmarc.monitor.dmarc-test.example]"}},
			{name: "org fallback", asset: dmarcAsset("sub.dmarc-test.example"), status: StatusPass, obs: map[string]string{
				"source": "_dmarc.dmarc-test.example", "from_org": "true", "policy": "quarantine",
				"queried": "[_dmarc.sub.dmarc-test.example _dmarc.dmarc-test.example]"}},
			{name: "strings joined", asset: dmarcAsset("split.dmarc-test.example"), status: StatusPass, obs: map[string]string{"p": "reject"}},
			{name: "v not first", asset: dmarcAsset("notfirst.dmarc-test.example"), status: StatusPass, obs: map[string]string{"source": "_dmarc.dmarc-test.example"}},
			{name: "unrelated txt", asset: dmarcAsset("other.dmarc-test.example"), status: StatusPass, obs: map[string]string{"source": "_dmarc.dmarc-test.example"}},
			{name: "dmarcbis disagrees", asset: dmarcAsset("x.mid.dmarc-test.example"), status: StatusPass, obs: map[string]string{
				"source": "_dmarc.dmarc-test.example", "dmarcbis_source": "_dmarc.mid.dmarc-test.example", "disagree": "true"}},
			{name: "several", asset: dmarcAsset("several.dmarc-test.example"), status: StatusFail, reason: "several", obs: map[string]string{"count": "2"}},
			{name: "syntax", asset: dmarcAsset("syntax.dmarc-test.example"), status: StatusFail, reason: "syntax"},
			{name: "none anywhere", asset: dmarcAsset("sub.dmarc-bare.example"), status: StatusFail, reason: "none", obs: map[string]string{
				"queried": "[_dmarc.sub.dmarc-bare.example _dmarc.dmarc-bare.example]", "dmarcbis_source": "", "disagree": "false",
				"dmarcbis_queried": "[_dmarc.sub.dmarc-bare.example _dmarc.dmarc-bare.example _dmarc.example]"}},
			{name: "servfail", asset: dmarcAsset("servfail.dmarc-test.example"), status: StatusError, reason: "servfail"},
			{name: "no domain", asset: Asset{IP: "192.0.2.10"}, status: StatusSkip, reason: "no_domain"},
		},
		"dmarc.policy": {
			{name: "reject", asset: dmarcAsset("dmarc-test.example"), status: StatusPass, obs: map[string]string{"policy": "reject"}},
			{name: "sp from org", asset: dmarcAsset("sub.dmarc-test.example"), status: StatusPass, obs: map[string]string{"policy": "quarantine", "p": "reject", "sp": "quarantine"}},
			{name: "p=none", asset: dmarcAsset("monitor.dmarc-test.example"), status: StatusWarn, reason: "none", obs: map[string]string{"policy": "none"}},
			{name: "pct 50", asset: dmarcAsset("partial.dmarc-test.example"), status: StatusWarn, reason: "pct", obs: map[string]string{"pct": "50"}},
			{name: "no record", asset: dmarcAsset("sub.dmarc-bare.example"), status: StatusSkip, reason: "no_record"},
			{name: "several", asset: dmarcAsset("several.dmarc-test.example"), status: StatusSkip, reason: "no_record"},
			{name: "servfail", asset: dmarcAsset("servfail.dmarc-test.example"), status: StatusError, reason: "servfail"},
			{name: "no domain", asset: Asset{IP: "192.0.2.10"}, status: StatusSkip, reason: "no_domain"},
		},
		"dmarc.reporting": {
			{name: "rua", asset: dmarcAsset("dmarc-test.example"), status: StatusPass, obs: map[string]string{
				"rua": "[mailto:agg@dmarc-test.example]", "ruf": "[mailto:forensic@dmarc-test.example]"}},
			{name: "no rua", asset: dmarcAsset("norua.dmarc-test.example"), status: StatusWarn, reason: "no_rua"},
			{name: "no record", asset: dmarcAsset("sub.dmarc-bare.example"), status: StatusSkip, reason: "no_record"},
			{name: "servfail", asset: dmarcAsset("servfail.dmarc-test.example"), status: StatusError, reason: "servfail"},
			{name: "no domain", asset: Asset{IP: "192.0.2.10"}, status: StatusSkip, reason: "no_domain"},
		},
	}
	fns := map[string]CheckFunc{"dmarc.record": checkDMARCRecord, "dmarc.policy": checkDMARCPolicy, "dmarc.reporting": checkDMARCReporting}
	transports(t, func(t *testing.T, tcp bool) {
		c := authClient(t, srv.Addr, tcp, 500*time.Millisecond)
		for id, cs := range cases {
			for _, tc := range cs {
				t.Run(id+"/"+tc.name, func(t *testing.T) {
					tc.verify(t, runCheck(t, id, fns[id], c, tc.asset))
				})
			}
		}
	})
}

func TestDMARCTimeout(t *testing.T) {
	t.Parallel()
	srv := startAuth(t, dnstest.Config{Faults: dmarcFaults()}, "dmarc-test.example.zone")
	c := authClient(t, srv.Addr, false, 200*time.Millisecond)
	a := dmarcAsset("timeout.dmarc-test.example")
	for id, fn := range map[string]CheckFunc{"dmarc.record": checkDMARCRecord, "dmarc.policy": checkDMARCPolicy, "dmarc.reporting": checkDMARCReporting} {
		f := runCheck(t, id, fn, c, a)
		if f.Status != StatusError || f.Observed["reason"] != "timeout" {
			t.Errorf("%s: %s %v, want error timeout", id, f.Status, f.Observed["reason"])
		}
	}
}

// TestDMARCBisWalkBound: a name of 10 labels is walked in at most 8 queries,
// the second one at its 7 right-most labels.
func TestDMARCBisWalkBound(t *testing.T) {
	t.Parallel()
	srv := startAuth(t, dnstest.Config{}, "dmarc-bare.example.zone")
	c := authClient(t, srv.Addr, false, 500*time.Millisecond)
	v := discoverDMARC(context.Background(), c, "a.b.c.d.e.f.g.h.dmarc-bare.example")
	if len(v.bisTried) != 8 {
		t.Fatalf("tree walk asked %d names, want 8", len(v.bisTried))
	}
	if got := v.bisTried[1].domain; got != "d.e.f.g.h.dmarc-bare.example" {
		t.Errorf("second name %s, want the 7 right-most labels", got)
	}
	if got := v.bisTried[7].domain; got != "example" {
		t.Errorf("last name %s, want the TLD", got)
	}
}

func TestIsDMARCRecord(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"v=DMARC1; p=none": true, "v=DMARC1": true, " v = DMARC1 ;p=none": true,
		"v=DMARC1p=none": false, "v=dmarc1; p=none": false, "p=none; v=DMARC1": false, "v=DMARC10; p=none": false, "": false,
	} {
		if got := isDMARCRecord(in); got != want {
			t.Errorf("isDMARCRecord(%q) = %v, want %v", in, got, want)
		}
	}
}
