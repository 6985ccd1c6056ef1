package assess

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

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

// dmarcEdgeZone: an organizational record without sp=, records whose policy
// is missing or invalid with and without a valid rua=, and an intermediate
// name whose server refuses (for the DMARCbis tree walk).
const dmarcEdgeZone = `$TTL 300
@ IN SOA ns.dmarc-edge.example. hostmaster.dmarc-edge.example. 1 3600 600 86400 300
_dmarc          IN TXT "v=DMARC1; p=reject; rua=mailto:agg@dmarc-edge.example"
_dmarc.nop      IN TXT "v=DMARC1; rua=mailto:agg@dmarc-edge.example"
_dmarc.badp     IN TXT "v=DMARC1; p=bogus; rua=mailto:agg@dmarc-edge.example!10m"
_dmarc.badsp    IN TXT "v=DMARC1; p=reject; sp=bogus; rua=mailto:agg@dmarc-edge.example"
_dmarc.lower    IN TXT "v=dmarc1; p=reject"
_dmarc.nosemi   IN TXT "v=DMARC1 p=reject"
extok.lonely.example._report._dmarc.reports IN TXT "v=DMARC1"
_dmarc.badsp2   IN TXT "v=DMARC1; p=reject; adkim=x; sp=bogus; rua=mailto:agg@dmarc-edge.example"
_dmarc.badrua   IN TXT "v=DMARC1; rua=agg-at-dmarc-edge.example"
_dmarc.norua    IN TXT "v=DMARC1; adkim=s"
_dmarc.badpct   IN TXT "v=DMARC1; p=reject; pct=200; rua=mailto:agg@dmarc-edge.example"
_dmarc.mid      IN TXT "v=DMARC1; p=none"
_dmarc.hosted   IN CNAME hosted.vendor.lonely.example.
`

// longDMARCDomain is a valid name of 252 characters under dmarc-edge.example.
var longDMARCDomain = strings.Repeat(strings.Repeat("a", 63)+".", 3) + strings.Repeat("d", 41) + ".dmarc-edge.example"

// TestDMARCEdgeCases: sp is named only when the organizational record sets
// it; a broken policy with a valid rua= is a fail that says receivers treat
// it as p=none (RFC 7489 §6.6.3 step 6), apart from a plain syntax error; a
// DMARCbis walk that hits REFUSED leaves the RFC 7489 verdict standing and
// says the walk could not be completed.
func TestDMARCEdgeCases(t *testing.T) {
	t.Parallel()
	lonely := "$TTL 300\n@ IN SOA ns.lonely.example. hostmaster.lonely.example. 1 3600 600 86400 300\n@ IN A 192.0.2.10\n" +
		"_dmarc.late IN TXT \"p=reject; v=DMARC1; rua=mailto:agg@lonely.example\"\n" +
		"hosted.vendor IN TXT \"v=DMARC1; p=none\"\n" +
		"_dmarc.ext IN TXT \"v=DMARC1; p=reject; rua=mailto:d@reports.dmarc-edge.example,mailto:x@lonely.example\"\n" +
		"_dmarc.extok IN TXT \"v=DMARC1; p=reject; rua=mailto:d@reports.dmarc-edge.example\"\n" +
		"_dmarc.extsf IN TXT \"v=DMARC1; p=reject; rua=mailto:d@reports.dmarc-edge.example\"\n" +
		// A report address over 200 characters in the domain's own
		// organization: no authorization is needed, whatever is shown.
		"_dmarc.longrua IN TXT \"v=DMARC1; p=reject; rua=mailto:dmarc-aggregate-reports@" + strings.Repeat("a", 60) + "." + strings.Repeat("b", 60) + "\" \"." + strings.Repeat("c", 50) + ".lonely.example\"\n"
	srv := startAuth(t, dnstest.Config{
		Faults: map[string]dnstest.Fault{
			"_dmarc.mid.dmarc-edge.example.": dnstest.Refused,
			"_dmarc.example.":                dnstest.Refused,
			"extsf.lonely.example._report._dmarc.reports.dmarc-edge.example.": dnstest.ServFail,
		},
		Zones: []dnstest.Zone{
			{Origin: "dmarc-edge.example.", Text: dmarcEdgeZone, File: "dmarc-edge"},
			{Origin: "lonely.example.", Text: lonely, File: "lonely"},
		},
	})
	cases := []struct {
		checkCase
		id       string
		contains []string
		lacks    []string
	}{
		{checkCase{name: "org p without sp", asset: dmarcAsset("sub.dmarc-edge.example"), status: StatusPass, obs: map[string]string{
			"from_org": "true", "policy": "reject", "sp": "<nil>"}}, "dmarc.policy",
			[]string{"(p of _dmarc.dmarc-edge.example)"}, []string{"sp of"}},
		{checkCase{name: "missing p, valid rua", asset: dmarcAsset("nop.dmarc-edge.example"), status: StatusFail, reason: "invalid_policy", obs: map[string]string{
			"treated_as_policy": "none", "rua": "[mailto:agg@dmarc-edge.example]", "source": "_dmarc.nop.dmarc-edge.example"}}, "dmarc.record",
			[]string{"treat it as p=none", "§6.6.3"}, []string{"ignore"}},
		{checkCase{name: "invalid p, valid rua with size", asset: dmarcAsset("badp.dmarc-edge.example"), status: StatusFail, reason: "invalid_policy", obs: map[string]string{
			"rua": "[mailto:agg@dmarc-edge.example]"}}, "dmarc.record", []string{"p=none"}, nil},
		{checkCase{name: "invalid sp, valid rua", asset: dmarcAsset("badsp.dmarc-edge.example"), status: StatusFail, reason: "invalid_policy"}, "dmarc.record",
			[]string{"(sp=bogus is not none, quarantine or reject)"}, nil},
		// The parser stops at adkim=x: the message names sp= first all the same.
		{checkCase{name: "invalid sp after another invalid tag", asset: dmarcAsset("badsp2.dmarc-edge.example"), status: StatusFail, reason: "invalid_policy"}, "dmarc.record",
			[]string{"sets an invalid subdomain policy (sp=bogus is not none, quarantine or reject; ", "adkim"}, nil},
		{checkCase{name: "v=DMARC1 not first", asset: dmarcAsset("late.lonely.example"), status: StatusFail, reason: "none", obs: map[string]string{
			"ignored_at": "_dmarc.late.lonely.example", "ignored_why": "v=DMARC1 is not its first tag"}}, "dmarc.record",
			[]string{`The TXT record "p=reject; v=DMARC1; rua=mailto:agg@lonely.example" at _dmarc.late.lonely.example looks meant as a DMARC record`,
				"so receivers discard it (RFC 7489 §6.4, §6.6.3)."}, []string{"instead"}},
		// The organizational domain's record applies in their place, and
		// the message says why.
		{checkCase{name: "dmarc1 in lower case", asset: dmarcAsset("lower.dmarc-edge.example"), status: StatusPass, obs: map[string]string{
			"from_org": "true", "ignored_why": "the version must be written DMARC1, in upper case"}}, "dmarc.record",
			[]string{"receivers discard it (RFC 7489 §6.4, §6.6.3) and apply the organizational domain's record instead"}, nil},
		{checkCase{name: "no semicolon after v=DMARC1", asset: dmarcAsset("nosemi.dmarc-edge.example"), status: StatusPass, obs: map[string]string{
			"ignored_why": "v=DMARC1 is not followed by a semicolon before the next tag"}}, "dmarc.record", []string{`"v=DMARC1 p=reject"`}, nil},
		// A report address outside the domain that does not authorize
		// the reports (RFC 7489 §7.1): rua is set, so the check passes,
		// and says receivers send none there.
		{checkCase{name: "external rua not authorized", asset: dmarcAsset("ext.lonely.example"), status: StatusPass, obs: map[string]string{
			"rua_unauthorized":    "[mailto:d@reports.dmarc-edge.example]",
			"rua_unauthorized_at": "[ext.lonely.example._report._dmarc.reports.dmarc-edge.example]", "rua_unverified": "<nil>"}}, "dmarc.reporting",
			[]string{"But receivers send none to mailto:d@reports.dmarc-edge.example", "that name holds none"}, []string{"x@lonely.example:"}},
		{checkCase{name: "external rua authorized", asset: dmarcAsset("extok.lonely.example"), status: StatusPass, obs: map[string]string{
			"rua_unauthorized": "<nil>", "rua_unverified": "<nil>"}}, "dmarc.reporting", nil, []string{"send none"}},
		{checkCase{name: "long rua in the domain's own organization", asset: dmarcAsset("longrua.lonely.example"), status: StatusPass, obs: map[string]string{
			"rua_unauthorized": "<nil>", "rua_unverified": "<nil>"}}, "dmarc.reporting", nil, []string{"send none"}},
		{checkCase{name: "external rua authorization unreadable", asset: dmarcAsset("extsf.lonely.example"), status: StatusPass, obs: map[string]string{
			"rua_unauthorized": "<nil>", "rua_unverified": "[mailto:d@reports.dmarc-edge.example]"}}, "dmarc.reporting", []string{"was not checked"}, nil},
		{checkCase{name: "missing p named", asset: dmarcAsset("nop.dmarc-edge.example"), status: StatusFail, reason: "invalid_policy"}, "dmarc.record",
			[]string{"has no valid policy (no p= tag"}, nil},
		{checkCase{name: "invalid p named", asset: dmarcAsset("badp.dmarc-edge.example"), status: StatusFail, reason: "invalid_policy"}, "dmarc.record",
			[]string{"(p=bogus is not none, quarantine or reject"}, nil},
		{checkCase{name: "missing p, invalid rua", asset: dmarcAsset("badrua.dmarc-edge.example"), status: StatusFail, reason: "syntax", obs: map[string]string{
			"treated_as_policy": "<nil>", "policy_valid": "false"}}, "dmarc.record", []string{"receivers ignore it"}, nil},
		{checkCase{name: "missing p, no rua", asset: dmarcAsset("norua.dmarc-edge.example"), status: StatusFail, reason: "syntax"}, "dmarc.record", nil, nil},
		{checkCase{name: "valid p, invalid pct", asset: dmarcAsset("badpct.dmarc-edge.example"), status: StatusFail, reason: "syntax", obs: map[string]string{
			"policy_valid": "true"}}, "dmarc.record", []string{"skip the invalid tag"}, []string{"ignore it"}},
		{checkCase{name: "policy skips a broken policy", asset: dmarcAsset("nop.dmarc-edge.example"), status: StatusSkip, reason: "no_record", obs: map[string]string{
			"record_reason": "invalid_policy"}}, "dmarc.policy", nil, nil},
		{checkCase{name: "walk refused, RFC 7489 finds the org record", asset: dmarcAsset("x.mid.dmarc-edge.example"), status: StatusPass, obs: map[string]string{
			"source": "_dmarc.dmarc-edge.example", "dmarcbis_error": "refused", "dmarcbis_error_at": "_dmarc.mid.dmarc-edge.example", "disagree": "<nil>"}}, "dmarc.record",
			[]string{"could not be completed", "REFUSED for _dmarc.mid.dmarc-edge.example"}, nil},
		// _dmarc.<domain> would be 259 characters: it is not asked, nor
		// listed as asked, and both discoveries climb to the same record.
		{checkCase{name: "domain too long for its own _dmarc name", asset: dmarcAsset(longDMARCDomain), status: StatusPass, obs: map[string]string{
			"source": "_dmarc.dmarc-edge.example", "queried": "[_dmarc.dmarc-edge.example]",
			"dmarcbis_source": "_dmarc.dmarc-edge.example", "disagree": "false"}}, "dmarc.record",
			nil, []string{"disagrees", "_dmarc." + longDMARCDomain}},
		// Hosted DMARC: the record is where the alias ends.
		{checkCase{name: "record behind an alias", asset: dmarcAsset("hosted.dmarc-edge.example"), status: StatusPass, obs: map[string]string{
			"source": "_dmarc.hosted.dmarc-edge.example", "cname_chain": "[hosted.vendor.lonely.example]", "record_at": "hosted.vendor.lonely.example"}}, "dmarc.record",
			[]string{"(an alias of hosted.vendor.lonely.example, where the record is published)"}, nil},
		{checkCase{name: "policy behind an alias", asset: dmarcAsset("hosted.dmarc-edge.example"), status: StatusWarn, reason: "none", obs: map[string]string{
			"record_at": "hosted.vendor.lonely.example"}}, "dmarc.policy", nil, nil},
		{checkCase{name: "no alias, no record_at", asset: dmarcAsset("dmarc-edge.example"), status: StatusPass, obs: map[string]string{
			"cname_chain": "<nil>", "record_at": "<nil>"}}, "dmarc.record", nil, []string{"alias"}},
		{checkCase{name: "walk refused at the TLD, no record anywhere", asset: dmarcAsset("lonely.example"), status: StatusFail, reason: "none", obs: map[string]string{
			"queried": "[_dmarc.lonely.example]", "dmarcbis_error": "refused", "dmarcbis_error_at": "_dmarc.example",
			"dmarcbis_queried": "[_dmarc.lonely.example _dmarc.example]", "disagree": "<nil>"}}, "dmarc.record",
			[]string{"REFUSED for _dmarc.example", "rests on RFC 7489 discovery"}, nil},
	}
	fns := map[string]CheckFunc{"dmarc.record": checkDMARCRecord, "dmarc.policy": checkDMARCPolicy, "dmarc.reporting": checkDMARCReporting}
	c := authClient(t, srv.Addr, false, 500*time.Millisecond)
	for _, tc := range cases {
		t.Run(tc.id+"/"+tc.name, func(t *testing.T) {
			f := runCheck(t, tc.id, fns[tc.id], c, tc.asset)
			tc.verify(t, f)
			expectText(t, "message", f.Message, tc.contains, tc.lacks)
			switch _, unauth := f.Observed["rua_unauthorized"]; {
			case unauth:
				expectText(t, "remediation", f.Remediation, []string{`publish TXT "v=DMARC1" at ext.lonely.example._report._dmarc.reports.dmarc-edge.example`, "an address under lonely.example"}, nil)
				if !slices.ContainsFunc(f.Evidence, func(e Evidence) bool { return strings.HasPrefix(e.Name, "ext.lonely.example._report._dmarc.") }) {
					t.Errorf("the authorization's exchange is not kept: %+v", f.Evidence)
				}
			case f.Observed["ignored_at"] != nil:
				// Discarded, whether or not another record applies
				// in its place: the remediation names it.
				ign := f.Observed["ignored_at"].(string)
				expectText(t, "remediation", f.Remediation, []string{"Rewrite the TXT record at " + ign + ` so that it starts with "v=DMARC1;"`}, []string{"Publish", "today's monitoring"})
			case f.Status == StatusPass && f.Remediation != "":
				t.Errorf("pass with remediation %q", f.Remediation)
			}
			if at, _ := f.Observed["record_at"].(string); at != "" && f.Status != StatusPass {
				expectText(t, "remediation", f.Remediation, []string{"in " + at + ".", "the target of the alias " + f.Observed["source"].(string) + ": change it there or with your DMARC provider"}, nil)
			}
		})
	}
}

// countingResolver answers nothing and counts the lookups asked of it.
type countingResolver struct{ asked []string }

func (c *countingResolver) Lookup(_ context.Context, name string, qtype uint16) (Answer, error) {
	c.asked = append(c.asked, name)
	return Answer{Name: name, Qtype: qtype, Rcode: dns.RcodeNameError}, nil
}

// TestDMARCNotADomain: a sending domain that is no domain name ([192.0.2.1])
// is asked nothing, and the DMARCbis walk does not climb to the pieces of
// it ("2.1]").
func TestDMARCNotADomain(t *testing.T) {
	t.Parallel()
	r := &countingResolver{}
	v := discoverDMARC(context.Background(), r, "[192.0.2.1]")
	if len(r.asked) != 0 || len(v.bisTried) != 1 || v.found.reason != "invalid_domain" {
		t.Errorf("asked %q, walk tried %d names, reason %q; want nothing asked, one name, invalid_domain", r.asked, len(v.bisTried), v.found.reason)
	}
}

// TestValidReportURIs: a report URI's size limit is "!" and digits with
// an optional unit (RFC 7489 §6.4); any other text after "!" makes the URI
// invalid, not a URI with the rest cut off.
func TestValidReportURIs(t *testing.T) {
	t.Parallel()
	for list, want := range map[string][]string{
		"mailto:a@b.example!10m":                     {"mailto:a@b.example"},
		"mailto:a@b.example!10":                      {"mailto:a@b.example"},
		"mailto:a@b.example!5G, mailto:c@d.example":  {"mailto:a@b.example", "mailto:c@d.example"},
		"mailto:a@b.example!10x":                     nil,
		"mailto:a@b.example!":                        nil,
		"mailto:a@b.example!m":                       nil,
		"mailto:a@b.example!10x, mailto:c@d.example": {"mailto:c@d.example"},
	} {
		if got := validReportURIs(list); !slices.Equal(got, want) {
			t.Errorf("validReportURIs(%q) = %q, want %q", list, got, want)
		}
	}
}

// TestDMARCBisWalkPastLongName: a valid domain too long to ask under
// _dmarc is not asked, and the DMARCbis walk goes on to the names above it.
func TestDMARCBisWalkPastLongName(t *testing.T) {
	t.Parallel()
	if len(longDMARCDomain) != 252 || !validLookupName(longDMARCDomain) {
		t.Fatalf("test domain of %d characters, valid %v", len(longDMARCDomain), validLookupName(longDMARCDomain))
	}
	r := &countingResolver{}
	v := discoverDMARC(context.Background(), r, longDMARCDomain)
	want := []string{"_dmarc.dmarc-edge.example", // RFC 7489: the organizational domain
		"_dmarc." + longDMARCDomain[64:], "_dmarc." + longDMARCDomain[128:], "_dmarc." + longDMARCDomain[192:],
		"_dmarc.dmarc-edge.example", "_dmarc.example"}
	if !slices.Equal(r.asked, want) {
		t.Errorf("asked %q, want %q", r.asked, want)
	}
	obs := v.observed()
	if got := obs["dmarcbis_queried"].([]string); !slices.Equal(got, want[1:]) {
		t.Errorf("dmarcbis_queried %q, want %q", got, want[1:])
	}
}
