package assess

import (
	"strings"
	"testing"
	"time"

	"senderproof/assess/dnstest"
)

// wordingZones give the remediation tests a good name (mail), a generic one
// (192-0-2-13.dyn) and IPv6 senders with and without a PTR record.
var wordingZones = []dnstest.Zone{
	{Origin: "wording.example.", File: "wording", Text: `$TTL 300
@ IN SOA ns.wording.example. hostmaster.wording.example. 1 3600 600 86400 300
mail            IN A    192.0.2.10
192-0-2-13.dyn  IN A    192.0.2.13
ghost6          IN A    192.0.2.99
`},
	{Origin: "2.0.192.in-addr.arpa.", File: "wording-v4", Text: `$TTL 300
@ IN SOA ns.wording.example. hostmaster.wording.example. 1 3600 600 86400 300
10 IN PTR mail.wording.example.
13 IN PTR 192-0-2-13.dyn.wording.example.
`},
	{Origin: "8.b.d.0.1.0.0.2.ip6.arpa.", File: "wording-v6", Text: `$TTL 300
@ IN SOA ns.wording.example. hostmaster.wording.example. 1 3600 600 86400 300
2.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 IN PTR ghost6.wording.example.
`},
}

// TestHELOSyntaxWording: each problem of a HELO name is a reason code in
// observed and a sentence of its own in the message.
func TestHELOSyntaxWording(t *testing.T) {
	t.Parallel()
	cases := []struct{ helo, problem, says string }{
		{"localhost", "single_label", "it is a single label"},
		{"[192.0.2.10]", "address_literal", "it is an address literal"},
		{"198.51.100.7", "ip_address", "it is an IP address"},
		{"mail..example.com", "empty_label", "it has an empty label"},
		{strings.Repeat("a", 64) + ".example.com", "long_label", "it has a label longer than 63 characters"},
		{"-mail.example.com", "hyphen_edge", "it has a label that starts or ends with a hyphen"},
		{"mail_1.example.com", "invalid_characters", "it has characters other than letters, digits and hyphens"},
		{"mail.123", "numeric_tld", "its last label is all digits"},
		{strings.Repeat("abcdefghi.", 26) + "com", "too_long", "it is longer than 253 characters"},
	}
	for _, tc := range cases {
		t.Run(tc.problem, func(t *testing.T) {
			a := Asset{IP: "192.0.2.10", HELO: tc.helo, Domain: "wording.example"}
			f := runCheck(t, "helo.fqdn", checkHELOFQDN, nil, a)
			if f.Status != StatusFail || f.Observed["reason"] != "syntax" || f.Observed["problem"] != tc.problem {
				t.Fatalf("%s %v %v, want fail syntax %s", f.Status, f.Observed["reason"], f.Observed["problem"], tc.problem)
			}
			if !strings.Contains(f.Message, ": "+tc.says) {
				t.Errorf("message lacks %q: %s", tc.says, f.Message)
			}
			for _, bad := range []string{"it is has", "it is ends", "it is its", "it is it"} {
				if strings.Contains(f.Message, bad) {
					t.Errorf("ungrammatical %q: %s", bad, f.Message)
				}
			}
			if !strings.Contains(f.Remediation, "an A record") || strings.Contains(f.Remediation, tc.helo) {
				t.Errorf("remediation: %s", f.Remediation)
			}
		})
	}
}

// TestRemediationNames: remediation names the A record for an IPv4 sender
// and AAAA for IPv6, and never recommends an invalid or generic name (to
// announce in HELO or to put in a PTR record).
func TestRemediationNames(t *testing.T) {
	t.Parallel()
	srv := startAuth(t, dnstest.Config{Zones: wordingZones})
	c := authClient(t, srv.Addr, false, 500*time.Millisecond)
	const generic = "192-0-2-13.dyn.wording.example"
	cases := []struct {
		name     string
		id       string
		fn       CheckFunc
		asset    Asset
		status   Status
		contains []string
		lacks    []string
	}{
		{"generic PTR, good HELO", "helo.matches_ptr", checkHELOMatchesPTR,
			Asset{IP: "192.0.2.13", HELO: "mail.wording.example"}, StatusWarn,
			[]string{"Change the PTR record of 192.0.2.13 from the generic-looking " + generic + " to mail.wording.example", "an A record of 192.0.2.13"},
			[]string{"announce " + generic}},
		{"good PTR, HELO localhost", "helo.matches_ptr", checkHELOMatchesPTR,
			Asset{IP: "192.0.2.10", HELO: "localhost", Hostname: "mail.wording.example"}, StatusFail,
			[]string{"announce mail.wording.example in HELO/EHLO", "localhost is not a valid host name"},
			[]string{"PTR record to localhost", "change the PTR"}},
		{"generic PTR, HELO localhost", "helo.matches_ptr", checkHELOMatchesPTR,
			Asset{IP: "192.0.2.13", HELO: "localhost", Domain: "wording.example"}, StatusFail,
			[]string{"Set the PTR record of 192.0.2.13 to a stable host name under wording.example (for example mail.wording.example)", "announce the same name"},
			[]string{"announce " + generic, "to localhost", "pointing to localhost"}},
		{"no PTR, HELO localhost", "helo.matches_ptr", checkHELOMatchesPTR,
			Asset{IP: "192.0.2.11", HELO: "localhost", Hostname: "mx1.wording.example"}, StatusFail,
			[]string{"pointing to mx1.wording.example", "an A record back"},
			[]string{"pointing to localhost"}},
		{"no PTR, good HELO", "helo.matches_ptr", checkHELOMatchesPTR,
			Asset{IP: "192.0.2.11", HELO: "mail.wording.example"}, StatusFail,
			[]string{"pointing to mail.wording.example (with an A record back"}, nil},
		{"ipv4 ptr.present", "ptr.present", checkPTRPresent,
			Asset{IP: "192.0.2.11"}, StatusFail, []string{"an A record with 192.0.2.11"}, []string{"A/AAAA", "AAAA"}},
		{"ipv6 ptr.present", "ptr.present", checkPTRPresent,
			Asset{IP: "2001:db8::11", Domain: "wording.example"}, StatusFail,
			[]string{"an AAAA record with 2001:db8::11", "a stable host name under wording.example"}, []string{"A/AAAA"}},
		{"ipv6 ptr.fcrdns", "ptr.fcrdns", checkPTRFCrDNS,
			Asset{IP: "2001:db8::12"}, StatusFail, []string{"an AAAA record for ghost6.wording.example"}, []string{"A/AAAA"}},
		{"ipv6 helo.fqdn nodata", "helo.fqdn", checkHELOFQDN,
			Asset{IP: "2001:db8::12", HELO: "mail.wording.example"}, StatusFail, []string{"an AAAA record for mail.wording.example"}, []string{"A/AAAA"}},
		{"generic HELO, other IP", "helo.fqdn", checkHELOFQDN,
			Asset{IP: "192.0.2.14", HELO: generic, Hostname: "mx14.wording.example"}, StatusFail,
			[]string{"announce mx14.wording.example in HELO/EHLO instead of the generic-looking " + generic},
			[]string{"record for " + generic}},
		{"helo.spf for localhost", "helo.spf", checkHELOSPF,
			Asset{IP: "192.0.2.10", HELO: "localhost", Hostname: "mail.wording.example"}, StatusWarn,
			[]string{"announce a fully qualified host name", "mail.wording.example, with an A record of 192.0.2.10"},
			[]string{"at the HELO name localhost"}},
		{"helo.spf for a generic name", "helo.spf", checkHELOSPF,
			Asset{IP: "192.0.2.13", HELO: generic, Domain: "wording.example"}, StatusWarn,
			[]string{"instead of the generic-looking " + generic},
			[]string{"at the HELO name " + generic}},
		{"ptr.fcrdns generic", "ptr.fcrdns", checkPTRFCrDNS,
			Asset{IP: "192.0.2.13", Hostname: "mx13.wording.example"}, StatusPass, nil, nil},
		{"ptr.matches_expected generic", "ptr.matches_expected", checkPTRMatchesExpected,
			Asset{IP: "192.0.2.13", Hostname: "mx13.wording.example"}, StatusFail,
			[]string{"to mx13.wording.example, with an A record of 192.0.2.13", "looks generic"},
			[]string{"correct the inventory if " + generic}},
		{"align with ipv6", "align.identity", checkAlignIdentity,
			Asset{IP: "2001:db8::12", HELO: "mail.wording.example", Domain: "example.org"}, StatusWarn,
			[]string{"matching AAAA record"}, []string{"A/AAAA"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := runCheck(t, tc.id, tc.fn, c, tc.asset)
			if f.Status != tc.status {
				t.Fatalf("status %s, want %s: %s (%v)", f.Status, tc.status, f.Message, f.Observed)
			}
			for _, s := range tc.contains {
				if !strings.Contains(f.Remediation, s) {
					t.Errorf("remediation lacks %q: %s", s, f.Remediation)
				}
			}
			for _, s := range tc.lacks {
				if strings.Contains(f.Remediation, s) {
					t.Errorf("remediation has %q: %s", s, f.Remediation)
				}
			}
		})
	}
}
