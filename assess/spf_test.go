package assess

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"senderproof/assess/dnstest"
	"senderproof/templates"
)

// wording is the embedded template set, parsed once: it is read-only.
var wording = sync.OnceValue(templates.MustDefault)

// tldZone answers NXDOMAIN for every name under the .example test TLD that
// no other zone serves, as the real DNS does for a missing name.
const tldZone = "$TTL 300\n@ IN SOA ns.example. hostmaster.example. 1 3600 600 86400 300\n"

// startAuth serves the given zone files of testdata/zones plus the .example
// TLD zone and any inline zones.
func startAuth(t *testing.T, cfg dnstest.Config, files ...string) *dnstest.Server {
	t.Helper()
	cfg.Zones = append(cfg.Zones, dnstest.Zone{Origin: "example.", Text: tldZone, File: "tld"})
	for _, f := range files {
		z, err := dnstest.ZoneFile("../testdata/zones/" + f)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Zones = append(cfg.Zones, z)
	}
	return serveTest(t, cfg)
}

// serveTest serves cfg for a test (serveRetry, so a port taken meanwhile
// is tried again) and stops the server when the test ends.
func serveTest(t *testing.T, cfg dnstest.Config) *dnstest.Server {
	t.Helper()
	srv, err := serveRetry(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// serveRetry starts a server, trying again when the TCP side cannot bind the
// UDP side's port (another socket holds it).
func serveRetry(cfg dnstest.Config) (*dnstest.Server, error) {
	var err error
	for range 10 {
		var srv *dnstest.Server
		if srv, err = dnstest.Serve(cfg); err == nil {
			return srv, nil
		}
		if !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	return nil, err
}

// authClient is a client for the test server: UDP (with TCP fallback) or
// TCP only, no retries, a short timeout.
func authClient(t *testing.T, addr string, tcp bool, timeout time.Duration) *Client {
	t.Helper()
	c, err := NewClient(ClientOptions{Servers: []string{addr}, Timeout: timeout, Retries: 0, TCP: tcp})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// transports runs f over UDP and over TCP.
func transports(t *testing.T, f func(t *testing.T, tcp bool)) {
	for _, tcp := range []bool{false, true} {
		name := "udp"
		if tcp {
			name = "tcp"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f(t, tcp)
		})
	}
}

// checkCase is one expected finding of one check for one asset.
type checkCase struct {
	name   string
	asset  Asset
	status Status
	reason string
	// obs holds observed values to compare (with fmt %v).
	obs map[string]string
	// noLookup is set when the check must decide without any lookup.
	noLookup bool
}

// runCheck runs fn and returns the single finding it must produce, worded
// with the embedded templates.
func runCheck(t *testing.T, id string, fn CheckFunc, r Resolver, a Asset) Finding {
	t.Helper()
	fs := fn(context.Background(), r, a)
	if len(fs) != 1 {
		t.Fatalf("%s: %d findings, want 1: %+v", id, len(fs), fs)
	}
	wordFinding(t, id, &fs[0], a)
	return fs[0]
}

// runCheckWant is runCheck that fails unless the finding's status is want.
func runCheckWant(t *testing.T, id string, fn CheckFunc, r Resolver, a Asset, want Status) Finding {
	t.Helper()
	f := runCheck(t, id, fn, r, a)
	if f.Status != want {
		t.Fatalf("status %s, want %s: %s (%v)", f.Status, want, f.Message, f.Observed)
	}
	return f
}

// wordFinding renders the finding's message and remediation and checks the
// conventions: check ID, reason set for every non-pass status, a message
// without unfilled fields, a remediation for warn/fail/error, and evidence
// for every finding that looked something up.
func wordFinding(t *testing.T, id string, f *Finding, a Asset) {
	t.Helper()
	if f.Check != id || f.Asset != a.IP {
		t.Errorf("finding is %s/%s, want %s/%s", f.Check, f.Asset, id, a.IP)
	}
	reason, _ := f.Observed["reason"].(string)
	if f.Status != StatusPass && reason == "" {
		t.Errorf("%s %s: no observed reason: %v", id, f.Status, f.Observed)
	}
	c, _ := LookupCheck(id)
	if err := Word(wording(), c, a, f); err != nil {
		t.Fatalf("wording: %v", err)
	}
	specific := wording().Has(id+"/"+string(f.Status)+"."+reason) || wording().Has(id+"/"+string(f.Status))
	if !specific {
		t.Errorf("no template %s/%s.%s or %s/%s", id, f.Status, reason, id, f.Status)
	}
	for _, s := range []string{f.Message, f.Remediation} {
		if strings.Contains(s, "<no value>") || strings.Contains(s, "%!") || strings.Contains(s, "map[") {
			t.Errorf("%s %s.%s: unfilled wording: %q", id, f.Status, reason, s)
		}
	}
	if f.Message == "" {
		t.Errorf("%s %s.%s: empty message", id, f.Status, reason)
	}
	if f.Status != StatusPass && f.Status != StatusSkip && f.Remediation == "" {
		t.Errorf("%s %s.%s: no remediation", id, f.Status, reason)
	}
	t.Logf("%s %s: %s\n  remediation: %s", id, f.Status, f.Message, f.Remediation)
}

func (c checkCase) verify(t *testing.T, f Finding) {
	t.Helper()
	reason, _ := f.Observed["reason"].(string)
	if f.Status != c.status || reason != c.reason {
		t.Errorf("status %s (%q), want %s (%q)\nmessage: %s\nobserved: %v", f.Status, reason, c.status, c.reason, f.Message, f.Observed)
	}
	for k, want := range c.obs {
		if got := fmt.Sprint(f.Observed[k]); got != want {
			t.Errorf("observed[%q] = %s, want %s", k, got, want)
		}
	}
	if f.Status != StatusSkip && reason != "invalid_ip" && !c.noLookup && len(f.Evidence) == 0 {
		t.Errorf("no evidence")
	}
	if c.noLookup && len(f.Evidence) != 0 {
		t.Errorf("evidence of lookups that should not happen: %+v", f.Evidence)
	}
}

func spfFaults() map[string]dnstest.Fault {
	return map[string]dnstest.Fault{
		"refused-inc.spf-test.example.": dnstest.Refused,
		"timeout.spf-test.example.":     dnstest.Drop,
		"servfail.spf-test.example.":    dnstest.ServFail,
	}
}

func spfDomain(sub string) Asset {
	return Asset{IP: "192.0.2.10", Domain: sub + ".spf-test.example"}
}

func TestSPFChecks(t *testing.T) {
	t.Parallel()
	srv := startAuth(t, dnstest.Config{Faults: spfFaults()}, "spf-test.example.zone")
	cases := map[string][]checkCase{
		"spf.record": {
			{name: "valid", asset: spfDomain("pass"), status: StatusPass, obs: map[string]string{"record": "v=spf1 ip4:192.0.2.10 -all", "permissive": "false"}},
			{name: "plus all", asset: spfDomain("plusall"), status: StatusPass, obs: map[string]string{"permissive": "true", "all": "+all"}},
			{name: "no record", asset: spfDomain("none"), status: StatusFail, reason: "none"},
			{name: "nxdomain", asset: spfDomain("missing"), status: StatusFail, reason: "nxdomain"},
			{name: "several", asset: spfDomain("several"), status: StatusFail, reason: "several", obs: map[string]string{"count": "2"}},
			{name: "bad ip4", asset: spfDomain("syntax"), status: StatusFail, reason: "syntax", obs: map[string]string{"invalid_term": "ip4:192.0.2.300"}},
			{name: "unknown mechanism", asset: spfDomain("badmech"), status: StatusFail, reason: "syntax", obs: map[string]string{"invalid_term": "foo:bar"}},
			{name: "control character", asset: spfDomain("ctrl"), status: StatusFail, reason: "syntax", obs: map[string]string{"invalid_term": `ip4:192.0.2.10\x09-all`}},
			{name: "refused", asset: Asset{IP: "192.0.2.10", Domain: "refused-inc.spf-test.example"}, status: StatusError, reason: "refused"},
			{name: "servfail", asset: spfDomain("servfail"), status: StatusError, reason: "servfail"},
			{name: "cname loop", asset: spfDomain("cnameloop"), status: StatusError, reason: "cname_loop"},
			{name: "no domain", asset: Asset{IP: "192.0.2.10"}, status: StatusSkip, reason: "no_domain"},
		},
		"spf.authorizes_ip": {
			{name: "ip4", asset: spfDomain("pass"), status: StatusPass, obs: map[string]string{"result": "pass", "matched": "ip4:192.0.2.10"}},
			{name: "include chain", asset: spfDomain("chain"), status: StatusPass, obs: map[string]string{
				"matched": "ip4:192.0.2.0/24", "via": "[include:_a.chain.spf-test.example include:_b.chain.spf-test.example]"}},
			{name: "a via helo record", asset: Asset{IP: "192.0.2.10", Domain: "mail.spf-test.example"}, status: StatusPass, obs: map[string]string{"matched": "a"}},
			{name: "mx", asset: spfDomain("mx"), status: StatusPass, obs: map[string]string{"matched": "mx"}},
			{name: "exists macro", asset: spfDomain("macro"), status: StatusPass, obs: map[string]string{"matched": "exists:%{i}._spf.spf-test.example"}},
			{name: "redirect", asset: spfDomain("redir"), status: StatusPass},
			{name: "plus all", asset: spfDomain("plusall"), status: StatusPass, obs: map[string]string{"permissive": "true", "matched": "+all"}},
			{name: "not listed", asset: Asset{IP: "192.0.2.99", Domain: "pass.spf-test.example"}, status: StatusFail, reason: "fail", obs: map[string]string{"matched": "-all"}},
			{name: "softfail", asset: spfDomain("softfail"), status: StatusFail, reason: "softfail", obs: map[string]string{"matched": "~all"}},
			{name: "neutral", asset: spfDomain("neutral"), status: StatusFail, reason: "neutral", obs: map[string]string{"permissive": "true"}},
			{name: "none", asset: spfDomain("none"), status: StatusFail, reason: "none"},
			{name: "several is permerror", asset: spfDomain("several"), status: StatusFail, reason: "permerror"},
			{name: "syntax after match is permerror", asset: spfDomain("badmech"), status: StatusFail, reason: "permerror"},
			{name: "control character", asset: spfDomain("ctrl"), status: StatusFail, reason: "permerror"},
			{name: "include loop", asset: spfDomain("loop"), status: StatusFail, reason: "permerror"},
			{name: "too many lookups", asset: spfDomain("toomany"), status: StatusFail, reason: "permerror"},
			{name: "void lookups", asset: spfDomain("void"), status: StatusFail, reason: "permerror"},
			{name: "refused include", asset: spfDomain("refused"), status: StatusError, reason: "refused", obs: map[string]string{"result": "temperror"}},
			{name: "servfail", asset: spfDomain("servfail"), status: StatusError, reason: "servfail"},
			{name: "cname loop include", asset: spfDomain("inccname"), status: StatusError, reason: "cname_loop"},
			{name: "ipv6 sender", asset: Asset{IP: "2001:db8::1", Domain: "pass.spf-test.example"}, status: StatusFail, reason: "fail"},
			{name: "single label", asset: Asset{IP: "192.0.2.10", Domain: "localhost"}, status: StatusFail, reason: "none", noLookup: true},
			{name: "bad ip", asset: Asset{IP: "not-an-ip", Domain: "pass.spf-test.example"}, status: StatusError, reason: "invalid_ip"},
			{name: "no domain", asset: Asset{IP: "192.0.2.10"}, status: StatusSkip, reason: "no_domain"},
		},
		"spf.lookup_limit": {
			{name: "small", asset: spfDomain("chain"), status: StatusPass, obs: map[string]string{"lookups": "2", "void_lookups": "0"}},
			{name: "no lookups", asset: spfDomain("pass"), status: StatusPass, obs: map[string]string{"lookups": "0"}},
			{name: "eleven includes", asset: spfDomain("toomany"), status: StatusFail, reason: "lookups", obs: map[string]string{"lookups": "11", "limit_hit_for_ip": "true"}},
			{name: "over the limit for others", asset: spfDomain("early"), status: StatusFail, reason: "lookups", obs: map[string]string{"limit_hit_for_ip": "false", "result": "pass"}},
			{name: "void", asset: spfDomain("void"), status: StatusFail, reason: "void_lookups", obs: map[string]string{"void_lookups": "3"}},
			{name: "include loop", asset: spfDomain("loop"), status: StatusFail, reason: "lookups"},
			{name: "two-record loop", asset: spfDomain("loopa"), status: StatusFail, reason: "lookups"},
			{name: "refused include", asset: spfDomain("refused"), status: StatusError, reason: "refused"},
			{name: "record error", asset: spfDomain("servfail"), status: StatusError, reason: "servfail"},
			{name: "no record", asset: spfDomain("none"), status: StatusSkip, reason: "no_record"},
			{name: "invalid record", asset: spfDomain("syntax"), status: StatusSkip, reason: "no_record"},
			{name: "no domain", asset: Asset{IP: "192.0.2.10"}, status: StatusSkip, reason: "no_domain"},
		},
		"helo.spf": {
			{name: "pass", asset: Asset{IP: "192.0.2.10", HELO: "mail.spf-test.example."}, status: StatusPass, obs: map[string]string{"helo": "mail.spf-test.example"}},
			{name: "none", asset: Asset{IP: "192.0.2.10", HELO: "nospf.spf-test.example"}, status: StatusWarn, reason: "none"},
			{name: "neutral", asset: Asset{IP: "192.0.2.10", HELO: "neutral.spf-test.example"}, status: StatusWarn, reason: "neutral"},
			{name: "fail", asset: Asset{IP: "192.0.2.10", HELO: "fail.spf-test.example"}, status: StatusFail, reason: "fail"},
			{name: "softfail", asset: Asset{IP: "192.0.2.10", HELO: "softfail.spf-test.example"}, status: StatusFail, reason: "softfail"},
			{name: "permerror", asset: Asset{IP: "192.0.2.10", HELO: "several.spf-test.example"}, status: StatusFail, reason: "permerror"},
			{name: "temperror", asset: Asset{IP: "192.0.2.10", HELO: "servfail.spf-test.example"}, status: StatusError, reason: "servfail"},
			{name: "address literal", asset: Asset{IP: "192.0.2.10", HELO: "[192.0.2.10]"}, status: StatusWarn, reason: "none", noLookup: true},
			{name: "no helo", asset: Asset{IP: "192.0.2.10"}, status: StatusSkip, reason: "no_helo"},
		},
	}
	fns := map[string]CheckFunc{
		"spf.record": checkSPFRecord, "spf.authorizes_ip": checkSPFAuthorizesIP,
		"spf.lookup_limit": checkSPFLookupLimit, "helo.spf": checkHELOSPF,
	}
	transports(t, func(t *testing.T, tcp bool) {
		c := authClient(t, srv.Addr, tcp, 500*time.Millisecond)
		for id, cs := range cases {
			for _, tc := range cs {
				t.Run(id+"/"+tc.name, func(t *testing.T) {
					f := runCheck(t, id, fns[id], c, tc.asset)
					tc.verify(t, f)
				})
			}
		}
	})
}

// TestSPFTimeout: a dropped query is temperror, hence error, never a
// permerror or a fail.
func TestSPFTimeout(t *testing.T) {
	t.Parallel()
	srv := startAuth(t, dnstest.Config{Faults: spfFaults()}, "spf-test.example.zone")
	c := authClient(t, srv.Addr, false, 200*time.Millisecond)
	a := spfDomain("timeout")
	a.HELO = "timeout.spf-test.example"
	for id, fn := range map[string]CheckFunc{
		"spf.record": checkSPFRecord, "spf.authorizes_ip": checkSPFAuthorizesIP,
		"spf.lookup_limit": checkSPFLookupLimit, "helo.spf": checkHELOSPF,
	} {
		f := runCheck(t, id, fn, c, a)
		if f.Status != StatusError || f.Observed["reason"] != "timeout" {
			t.Errorf("%s: %s %v, want error timeout", id, f.Status, f.Observed["reason"])
		}
		if len(f.Evidence) == 0 || f.Evidence[0].Error == "" {
			t.Errorf("%s: evidence does not record the timeout: %+v", id, f.Evidence)
		}
	}
}

// TestSPFHostile: a record of 4,000 characters in many strings (over TCP
// after truncation) is read whole.
func TestSPFHostile(t *testing.T) {
	t.Parallel()
	var terms []string
	for i := 0; len(strings.Join(terms, " ")) < 4000; i++ {
		terms = append(terms, fmt.Sprintf("ip4:198.51.%d.%d", i/250, i%250))
	}
	rec := "v=spf1 " + strings.Join(terms, " ") + " ip4:192.0.2.10 -all"
	var parts []string
	for s := rec; s != ""; {
		n := min(len(s), 250)
		parts = append(parts, `"`+s[:n]+`"`)
		s = s[n:]
	}
	zone := "$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\nlong IN TXT " + strings.Join(parts, " ") + "\n"
	srv := startAuth(t, dnstest.Config{Zones: []dnstest.Zone{{Origin: "hostile-spf.example.", Text: zone}}})
	c := authClient(t, srv.Addr, false, time.Second)
	a := Asset{IP: "192.0.2.10", Domain: "long.hostile-spf.example"}
	f := runCheck(t, "spf.record", checkSPFRecord, c, a)
	if f.Status != StatusPass || len(rec) < 4000 {
		t.Fatalf("long record (%d chars): %s %v", len(rec), f.Status, f.Observed["error"])
	}
	if got := f.Observed["record"].(string); !strings.HasSuffix(got, "…") || len(got) > maxObservedText+4 {
		t.Errorf("observed record is not bounded: %d chars", len(got))
	}
	if f.Evidence[0].Transport != "tcp" {
		t.Errorf("long record fetched over %s, want tcp after truncation", f.Evidence[0].Transport)
	}
	f = runCheck(t, "spf.authorizes_ip", checkSPFAuthorizesIP, c, a)
	if f.Status != StatusPass || f.Observed["matched"] != "ip4:192.0.2.10" {
		t.Errorf("long record: %s matched %v", f.Status, f.Observed["matched"])
	}
	if tr := f.Observed["trace"].([]string); len(tr) > maxSPFTrace {
		t.Errorf("trace has %d lines", len(tr))
	}
}

// TestSPFSharedLookups: the assets of one domain share its lookups through
// the client's cache.
func TestSPFSharedLookups(t *testing.T) {
	t.Parallel()
	srv := startAuth(t, dnstest.Config{}, "spf-test.example.zone")
	c := authClient(t, srv.Addr, false, time.Second)
	for i := 0; i < 20; i++ {
		a := Asset{IP: fmt.Sprintf("192.0.2.%d", 10+i), Domain: "chain.spf-test.example"}
		for _, fn := range []CheckFunc{checkSPFRecord, checkSPFAuthorizesIP, checkSPFLookupLimit} {
			fn(context.Background(), c, a)
		}
	}
	if q := srv.Queries(); q > 3 {
		t.Errorf("%d queries reached the server for one domain's three records", q)
	}
}

func TestTXTText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`plain`, "plain"},
		{`a\"b`, `a"b`},
		{`a\\b`, `a\b`},
		{`tab\009x`, "tab\tx"},
		{`\255`, "\xff"},
		{`trailing\`, `trailing\`},
	} {
		if got := unescapeTXT(tc.in); got != tc.want {
			t.Errorf("unescapeTXT(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// wireName turns an SPF domain-spec into a query name: clean names come
// back as they are (without a final dot), other bytes escaped, and a name
// with an empty label, however it ends, is refused.
func TestWireName(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"example.com", "example.com", true},
		{"example.com.", "example.com", true},
		{"_spf.Example.com", "_spf.Example.com", true},
		{"a b.example", `a\ b.example`, true},
		{"x\x01.example", `x\001.example`, true},
		{"example.com..", "", false},
		{"a..", "", false},
		{"a..b", "", false},
		{".", "", false},
		{"", "", false},
		{strings.Repeat("a", 64) + ".example", "", false},
	} {
		got, ok := wireName(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("wireName(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestSPFReachedRecords: spf.lookup_limit keeps the records its walk reads
// through include: and redirect=, by name, for drift to compare.
func TestSPFReachedRecords(t *testing.T) {
	t.Parallel()
	soa := "$TTL 3600\n@ IN SOA ns.example. h.example. 1 3600 600 86400 300\n"
	srv := dnstest.Start(t, dnstest.Config{Zones: []dnstest.Zone{{Origin: "example.com.", File: "example.com", Text: soa +
		`@ IN TXT "v=spf1 include:_spf.example.com redirect=_rest.example.com"` + "\n" +
		`_spf IN TXT "v=spf1 ip4:192.0.2.0/28 -all"` + "\n" +
		`_rest IN TXT "v=spf1 ip6:2001:db8::/64 -all"` + "\n"}}})
	f := runCheck(t, "spf.lookup_limit", checkSPFLookupLimit, testClient(t, srv.Addr, false), Asset{IP: "192.0.2.1", Domain: "example.com"})
	want := map[string]any{"_spf.example.com": "v=spf1 ip4:192.0.2.0/28 -all", "_rest.example.com": "v=spf1 ip6:2001:db8::/64 -all"}
	if got, _ := f.Observed["reached_records"].(map[string]any); !maps.Equal(got, want) {
		t.Errorf("reached_records %v, want %v", f.Observed["reached_records"], want)
	}
}
