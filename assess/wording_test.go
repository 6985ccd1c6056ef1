package assess

import (
	"strings"
	"testing"
	"time"

	"senderproof/assess/dnstest"
)

// wordingZones give the remediation tests a good name (mail), a generic one
// (192-0-2-13.dyn), names of their own for 192.0.2.11 and .13 (mx11, mx13),
// IPv6 senders with and without a PTR record, and the SPF, DMARC and PTR
// data of the wording tests (TestWordingByCause).
var wordingZones = []dnstest.Zone{
	{Origin: "wording.example.", File: "wording", Text: `$TTL 300
@ IN SOA ns.wording.example. hostmaster.wording.example. 1 3600 600 86400 300
mail            IN A    192.0.2.10
mail            IN TXT  "v=spf1 a -all"
192-0-2-13.dyn  IN A    192.0.2.13
ghost6          IN A    192.0.2.99
mx11            IN A    192.0.2.11
mx13            IN A    192.0.2.13
mx17            IN A    192.0.2.17
mx17            IN TXT  "v=spf1 -all"
mx50            IN A    192.0.2.50
alias           IN A    192.0.2.61
mta             IN A    192.0.2.61
mx62            IN A    192.0.2.62
=cmd            IN A    192.0.2.65
loop1           IN CNAME loop2.wording.example.
loop2           IN CNAME loop1.wording.example.
bad25519._domainkey IN TXT "v=DKIM1; k=ed25519; p=not*base64"
lim             IN TXT  "v=spf1 include:i0.wording.example include:i1.wording.example include:i2.wording.example include:i3.wording.example include:i4.wording.example include:i5.wording.example include:i6.wording.example include:i7.wording.example include:i8.wording.example include:i9.wording.example include:i10.wording.example ip4:192.0.2.21 -all"
i0              IN TXT  "v=spf1 -all"
i1              IN TXT  "v=spf1 -all"
i2              IN TXT  "v=spf1 -all"
i3              IN TXT  "v=spf1 -all"
i4              IN TXT  "v=spf1 -all"
i5              IN TXT  "v=spf1 -all"
i6              IN TXT  "v=spf1 -all"
i7              IN TXT  "v=spf1 -all"
i8              IN TXT  "v=spf1 -all"
i9              IN TXT  "v=spf1 -all"
i10             IN TXT  "v=spf1 -all"
void            IN TXT  "v=spf1 a:gone1.wording.example a:gone2.wording.example a:gone3.wording.example ip4:192.0.2.34 -all"
void6           IN TXT  "v=spf1 a:mx11.wording.example a:mx13.wording.example a:mx50.wording.example ip6:2001:db8::34 -all"
incnone         IN TXT  "v=spf1 include:nospf.wording.example ip4:192.0.2.35 -all"
nospf           IN TXT  "google-site-verification=abc"
bad             IN TXT  "v=spf1 ip4:192.0.2.30 =HYPERLINK(\"http://x.example\",\"click\") -all"
two             IN TXT  "v=spf1 -all"
two             IN TXT  "v=spf1 a -all"
redir           IN TXT  "v=spf1 redirect=neut.wording.example"
neut            IN TXT  "v=spf1 ?all"
open            IN TXT  "v=spf1 +all"
strict          IN TXT  "v=spf1 ip4:192.0.2.0/24 -all"
_dmarc          IN TXT  "v=DMARC1; p=reject; rua=mailto:a@wording.example; ruf=mailto:f@wording.example"
_dmarc.pct50    IN TXT  "v=DMARC1; p=reject; pct=50; rua=mailto:a@wording.example"
_dmarc.pct50q   IN TXT  "v=DMARC1; p=quarantine; pct=50; rua=mailto:a@wording.example"
_dmarc.badtag   IN TXT  "v=DMARC1; p=reject; adkim=x; rua=mailto:a@wording.example"
_dmarc.strictw  IN TXT  "v=DMARC1; p=reject; aspf=s; rua=mailto:a@wording.example"
`},
	{Origin: "wording.test.", File: "wording-test", Text: `$TTL 300
@ IN SOA ns.wording.test. hostmaster.wording.test. 1 3600 600 86400 300
mail50          IN A    192.0.2.50
`},
	{Origin: "2.0.192.in-addr.arpa.", File: "wording-v4", Text: `$TTL 300
@ IN SOA ns.wording.example. hostmaster.wording.example. 1 3600 600 86400 300
10 IN PTR mail.wording.example.
13 IN PTR 192-0-2-13.dyn.wording.example.
17 IN PTR mx17.wording.example.
28 IN CNAME 28.loop.2.0.192.in-addr.arpa.
28.loop IN CNAME 28.2.0.192.in-addr.arpa.
50 IN PTR mail50.wording.test.
60 IN PTR a.wording.example.
61 IN PTR alias.wording.example.
61 IN PTR mta.wording.example.
62 IN PTR mail.wording.example.
63 IN PTR loop1.wording.example.
62 IN PTR mx62.wording.example.
60 IN PTR b.wording.example.
64 IN PTR mail.wording.example.
65 IN PTR =cmd.wording.example.
66 IN PTR =cmd.wording.example.
60 IN PTR c.wording.example.
60 IN PTR d.wording.example.
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
		{"mail example", "invalid_characters", "it has characters other than letters, digits and hyphens"},
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
			Asset{IP: "192.0.2.13", HELO: "mx13.wording.example"}, StatusWarn,
			[]string{"Change the PTR record of 192.0.2.13 from the generic-looking " + generic + " to mx13.wording.example", "an A record of 192.0.2.13"},
			[]string{"announce " + generic}},
		{"generic PTR, another host's HELO", "helo.matches_ptr", checkHELOMatchesPTR,
			Asset{IP: "192.0.2.13", HELO: "mail.wording.example", Domain: "wording.example"}, StatusWarn,
			[]string{"Set the PTR record of 192.0.2.13 to a stable host name under wording.example", "mail.wording.example is another host's name: it resolves to 192.0.2.10"},
			[]string{"to mail.wording.example", "announce " + generic}},
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
			Asset{IP: "192.0.2.11", HELO: "mx11.wording.example"}, StatusFail,
			[]string{"pointing to mx11.wording.example (with an A record back"}, nil},
		{"no PTR, another host's HELO", "helo.matches_ptr", checkHELOMatchesPTR,
			Asset{IP: "192.0.2.11", HELO: "mail.wording.example", Hostname: "mx11.wording.example"}, StatusFail,
			[]string{"pointing to mx11.wording.example", "mail.wording.example is another host's name"},
			[]string{"pointing to mail.wording.example"}},
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
		{"ptr.fcrdns: the PTR name is another host's", "ptr.fcrdns", checkPTRFCrDNS,
			Asset{IP: "192.0.2.64", Domain: "wording.example"}, StatusFail,
			[]string{"Point the PTR record at 64.2.0.192.in-addr.arpa to a stable host name of this sender under wording.example, with an A record that contains 192.0.2.64",
				"the PTR name mail.wording.example resolves to 192.0.2.10, so it is likely another host's name",
				"only if that name is meant to name this sender too"},
			[]string{"Publish an A record for mail.wording.example", "for example mail.wording.example"}},
		{"ptr.fcrdns: another host's PTR name, the inventory's own", "ptr.fcrdns", checkPTRFCrDNS,
			Asset{IP: "192.0.2.64", Hostname: "mx64.wording.example"}, StatusFail,
			[]string{"Set the PTR record at 64.2.0.192.in-addr.arpa to mx64.wording.example, the inventory's name of 192.0.2.64",
				"resolves to 192.0.2.10"},
			[]string{"record for mail.wording.example"}},
		{"ptr.fcrdns: the inventory's name among unconfirmed ones", "ptr.fcrdns", checkPTRFCrDNS,
			Asset{IP: "192.0.2.60", Hostname: "b.wording.example"}, StatusFail,
			[]string{"Publish an A record for b.wording.example, the inventory's name of 192.0.2.60 and already one of its PTR names",
				"remove the other PTR records"},
			[]string{"record for a.wording.example", "another host"}},
		{"ptr.fcrdns: the inventory's name, unresolved", "ptr.fcrdns", checkPTRFCrDNS,
			Asset{IP: "192.0.2.60", Hostname: "a.wording.example"}, StatusFail,
			[]string{"Publish an A record for a.wording.example that contains 192.0.2.60"}, nil},
		{"ptr.fcrdns: a PTR name that is not a host name", "ptr.fcrdns", checkPTRFCrDNS,
			Asset{IP: "192.0.2.66", Domain: "wording.example"}, StatusFail,
			[]string{"Replace the PTR name =cmd.wording.example at 66.2.0.192.in-addr.arpa, which is not a valid host name"},
			[]string{"Publish an A record for =cmd", "Point the PTR record"}},
		{"helo.matches_ptr: a confirmed PTR name that is not a host name", "helo.matches_ptr", checkHELOMatchesPTR,
			Asset{IP: "192.0.2.65", HELO: "mx65.wording.example"}, StatusWarn,
			[]string{"Change the PTR record of 192.0.2.65 from =cmd.wording.example, which is not a valid host name, to mx65.wording.example"},
			[]string{"announce =cmd"}},
		{"helo.matches_ptr: neither name fit", "helo.matches_ptr", checkHELOMatchesPTR,
			Asset{IP: "192.0.2.65", HELO: "localhost", Domain: "wording.example"}, StatusFail,
			[]string{"nor the PTR name =cmd.wording.example, which is not a valid host name, is fit"},
			[]string{"announce =cmd"}},
		{"ptr.matches_expected: a PTR name that is not a host name", "ptr.matches_expected", checkPTRMatchesExpected,
			Asset{IP: "192.0.2.65", Hostname: "mx65.wording.example"}, StatusFail,
			[]string{"(the current name =cmd.wording.example is not a valid host name)"},
			[]string{"correct the inventory"}},
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
			f := runCheckWant(t, tc.id, tc.fn, c, tc.asset, tc.status)
			expectText(t, "remediation", f.Remediation, tc.contains, tc.lacks)
		})
	}
}

// TestWordingByCause holds the wording to what was observed: a HELO name
// of another host is never recommended for this IP, SPF permerror is
// remedied by its cause, a CNAME loop is a zone fault, and the small
// slips of earlier wording stay fixed. Each case renders one finding over
// the in-process DNS server.
func TestWordingByCause(t *testing.T) {
	t.Parallel()
	srv := startAuth(t, dnstest.Config{Zones: wordingZones})
	c := authClient(t, srv.Addr, false, 500*time.Millisecond)
	cases := []struct {
		name   string
		id     string
		fn     CheckFunc
		asset  Asset
		status Status
		// msg and rem hold what the message and the remediation must
		// contain; lacks what neither may.
		msg, rem, lacks []string
	}{
		{"helo.spf: another host's HELO with a record", "helo.spf", checkHELOSPF,
			Asset{IP: "192.0.2.13", HELO: "mail.wording.example", Domain: "wording.example"}, StatusFail,
			[]string{"mail.wording.example is another host's name: it resolves to 192.0.2.10"},
			[]string{"belongs to another host", "announce its own name in HELO/EHLO: a stable host name under wording.example",
				`add "ip4:192.0.2.13" to that record before its "-all" term`},
			[]string{"Publish at the HELO name", "with an A record of 192.0.2.13) or"}},
		{"helo.spf: another host's HELO, own PTR name", "helo.spf", checkHELOSPF,
			Asset{IP: "192.0.2.17", HELO: "mail.wording.example"}, StatusFail, nil,
			[]string{"announce its own name in HELO/EHLO: mx17.wording.example"},
			[]string{"Publish at the HELO name"}},
		{"helo.spf: own HELO whose record fails", "helo.spf", checkHELOSPF,
			Asset{IP: "192.0.2.17", HELO: "mx17.wording.example"}, StatusFail, nil,
			[]string{`The SPF record of the HELO name mx17.wording.example ("v=spf1 -all") does not authorize 192.0.2.17`,
				`add "ip4:192.0.2.17" (or "a", as mx17.wording.example resolves to 192.0.2.17) to it before its "-all" term`},
			[]string{"Publish at the HELO name", "another host"}},
		{"helo.spf: localhost", "helo.spf", checkHELOSPF,
			Asset{IP: "192.0.2.10", HELO: "localhost"}, StatusWarn,
			[]string{"localhost is not a domain name", "no SPF record to check"}, nil,
			[]string{"publishes no SPF record", "result none"}},
		{"helo.spf pass", "helo.spf", checkHELOSPF,
			Asset{IP: "192.0.2.10", HELO: "mail.wording.example"}, StatusPass,
			[]string{"as receivers check it for bounces"}, nil, nil},
		{"helo.matches_ptr: PTR name of this host, HELO of another", "helo.matches_ptr", checkHELOMatchesPTR,
			Asset{IP: "192.0.2.17", HELO: "mail.wording.example"}, StatusWarn, nil,
			[]string{"Make the MTA announce mx17.wording.example in HELO/EHLO", "mail.wording.example is another host's name"},
			[]string{"change the PTR record to mail.wording.example"}},
		{"permerror: too many lookups", "spf.authorizes_ip", checkSPFAuthorizesIP,
			Asset{IP: "192.0.2.21", Domain: "lim.wording.example"}, StatusFail,
			[]string{"more than 10 DNS-mechanism lookups (it stopped when a term needed lookup number 11"},
			[]string{"Cut the SPF record of lim.wording.example to at most 10 DNS-mechanism lookups", "needed lookup number 11"},
			[]string{"make sure it lists", "(lookup limit reached)"}},
		{"permerror: void lookups", "spf.authorizes_ip", checkSPFAuthorizesIP,
			Asset{IP: "192.0.2.34", Domain: "void.wording.example"}, StatusFail,
			[]string{"3 void lookups: gone1.wording.example, gone2.wording.example, gone3.wording.example"},
			[]string{"Remove or replace the terms of the SPF record of void.wording.example whose names have no records of the type asked (gone1.wording.example"},
			[]string{"make sure it lists", "(void lookup limit reached)", "IPv6"}},
		{"permerror: void lookups of an IPv6 sender", "spf.authorizes_ip", checkSPFAuthorizesIP,
			Asset{IP: "2001:db8::34", Domain: "void6.wording.example"}, StatusFail,
			[]string{"3 void lookups: mx11.wording.example, mx13.wording.example, mx50.wording.example"},
			[]string{"For an IPv6 sender the a, mx and ptr terms ask for AAAA records", "replace such a term by ip4:/ip6: networks rather than removing a host"},
			[]string{"no longer exist"}},
		{"none: the sending domain is no domain name", "spf.authorizes_ip", checkSPFAuthorizesIP,
			Asset{IP: "192.0.2.36", Domain: "bad..wording.example"}, StatusFail, nil,
			[]string{`Correct the sending domain in the inventory: "bad..wording.example" is not a valid domain name.`},
			[]string{"Publish one TXT record"}},
		{"permerror: include of a domain without SPF", "spf.authorizes_ip", checkSPFAuthorizesIP,
			Asset{IP: "192.0.2.35", Domain: "incnone.wording.example"}, StatusFail,
			[]string{"nospf.wording.example, which the evaluation of incnone.wording.example reaches through include: or redirect=, publishes no SPF record (an include: or redirect= of such a domain is permerror, RFC 7208 §5.2, §6.1)"},
			[]string{"Remove the include: or redirect= of nospf.wording.example from the SPF record of incnone.wording.example (or from the record it includes that names it), or have that domain publish an SPF record again"},
			[]string{"cannot be evaluated", "see spf.record"}},
		{"permerror: syntax", "spf.authorizes_ip", checkSPFAuthorizesIP,
			Asset{IP: "192.0.2.30", Domain: "bad.wording.example"}, StatusFail,
			[]string{`invalid at the term "=HYPERLINK("http://x.example","click")": invalid term`},
			[]string{`Correct or remove the term "=HYPERLINK("http://x.example","click")" in the SPF record at bad.wording.example`},
			[]string{"make sure it lists", "hyperlink", `\"`, "unknown mechanism", "(bad.wording.example: invalid SPF record"}},
		{"permerror: several records", "spf.authorizes_ip", checkSPFAuthorizesIP,
			Asset{IP: "192.0.2.26", Domain: "two.wording.example"}, StatusFail,
			[]string{"two.wording.example publishes more than one SPF record"},
			[]string{"Merge the SPF records at two.wording.example"}, []string{"make sure it lists"}},
		{"spf.record: invalid term", "spf.record", checkSPFRecord,
			Asset{IP: "192.0.2.30", Domain: "bad.wording.example"}, StatusFail,
			[]string{`at the term "=HYPERLINK("http://x.example","click")": invalid term, neither a mechanism nor a modifier`}, nil,
			[]string{"hyperlink", "unknown mechanism"}},
		{"neutral through redirect", "spf.authorizes_ip", checkSPFAuthorizesIP,
			Asset{IP: "192.0.2.40", Domain: "redir.wording.example"}, StatusFail, nil,
			[]string{`Add "ip4:192.0.2.40" to the SPF record of redir.wording.example;`, "end the SPF record of neut.wording.example", "in -all (or ~all"},
			[]string{`before its "all" term`, `before its "?all" term`}},
		{"fail names the all term", "spf.authorizes_ip", checkSPFAuthorizesIP,
			Asset{IP: "198.51.100.1", Domain: "strict.wording.example"}, StatusFail, nil,
			[]string{`Add "ip4:198.51.100.1" to the SPF record of strict.wording.example before its "-all" term`}, nil},
		{"+all pass says what to do", "spf.record", checkSPFRecord,
			Asset{IP: "192.0.2.10", Domain: "open.wording.example"}, StatusPass,
			[]string{"ends in +all", "change it to -all (or ~all"}, nil, nil},
		{"cname loop is a zone fault", "align.identity", checkAlignIdentity,
			Asset{IP: "192.0.2.28", HELO: "mx11.wording.example", Domain: "wording.example"}, StatusError, nil,
			[]string{"Fix the alias chain in the zone: 28.2.0.192.in-addr.arpa → 28.loop.2.0.192.in-addr.arpa", "fault in the zone data"},
			[]string{"once the resolver path is healthy"}},
		{"align: only the PTR out of line", "align.identity", checkAlignIdentity,
			Asset{IP: "192.0.2.50", HELO: "mx50.wording.example", Domain: "wording.example"}, StatusWarn,
			[]string{"The PTR name mail50.wording.test (wording.test) is not in wording.example, the organizational domain of the sending domain."}, nil,
			[]string{"HELO name in the domain's organization", "Not in "}},
		{"align: PTR and HELO out of line", "align.identity", checkAlignIdentity,
			Asset{IP: "192.0.2.50", HELO: "mail50.wording.test", Domain: "wording.example"}, StatusWarn,
			[]string{"The PTR name mail50.wording.test (wording.test) and the HELO name mail50.wording.test (wording.test) are not in wording.example", "needs the HELO name in the domain's organization"}, nil, nil},
		{"ptr.present on-prem", "ptr.present", checkPTRPresent,
			Asset{IP: "192.0.2.11", Provider: "on-prem"}, StatusFail, nil,
			[]string{"Ask your network team (the address is on-prem"}, []string{"(on-prem) to"}},
		{"ptr.present with a named provider", "ptr.present", checkPTRPresent,
			Asset{IP: "192.0.2.11", Provider: "ExampleESP"}, StatusFail, nil,
			[]string{`Ask the provider of 192.0.2.11 (the inventory names it "ExampleESP")`}, nil},
		{"ptr.single with many names", "ptr.single", checkPTRSingle,
			Asset{IP: "192.0.2.60"}, StatusWarn,
			[]string{"a.wording.example, b.wording.example, c.wording.example and more, 4 in all)"}, nil,
			[]string{"))"}},
		{"dmarc.policy: pct below 100 with reject", "dmarc.policy", checkDMARCPolicy,
			Asset{IP: "192.0.2.10", Domain: "pct50.wording.example"}, StatusWarn,
			[]string{"applies to only 50% of failing mail (pct=50); the rest is treated as p=quarantine (RFC 7489 §6.6.4)"}, nil, []string{"p=none"}},
		{"dmarc.policy: pct below 100 with quarantine", "dmarc.policy", checkDMARCPolicy,
			Asset{IP: "192.0.2.10", Domain: "pct50q.wording.example"}, StatusWarn,
			[]string{"the rest is treated as p=none (RFC 7489 §6.6.4)"}, nil, nil},
		{"dmarc.record: invalid tag beside a valid policy", "dmarc.record", checkDMARCRecord,
			Asset{IP: "192.0.2.10", Domain: "badtag.wording.example"}, StatusFail, nil,
			[]string{"Correct or remove the invalid tag in the record at _dmarc.badtag.wording.example", "keep the rest of it as it is"},
			[]string{"p=quarantine", "for example"}},
		{"ptr.single: no name resolves back", "ptr.single", checkPTRSingle,
			Asset{IP: "192.0.2.60"}, StatusWarn, nil,
			[]string{"pointing to a name in your own domain whose A record holds 192.0.2.60 (ptr.fcrdns says which of the current names, if any, resolves back to it)"},
			[]string{"for example"}},
		{"ptr.fcrdns: two names confirmed", "ptr.fcrdns", checkPTRFCrDNS,
			Asset{IP: "192.0.2.61"}, StatusPass,
			[]string{"alias.wording.example, mta.wording.example resolve back to 192.0.2.61"}, nil, nil},
		{"ptr.matches_expected: the expected name is a second PTR name", "ptr.matches_expected", checkPTRMatchesExpected,
			Asset{IP: "192.0.2.61", Hostname: "mta.wording.example"}, StatusFail, nil,
			[]string{"mta.wording.example is already one of the PTR names of 192.0.2.61, but receivers may take alias.wording.example: remove the other PTR records at 61.2.0.192.in-addr.arpa so that mta.wording.example is the only one."},
			[]string{"Set the PTR record", "give it an"}},
		{"helo.matches_ptr: the HELO name is a second PTR name", "helo.matches_ptr", checkHELOMatchesPTR,
			Asset{IP: "192.0.2.61", HELO: "mta.wording.example"}, StatusWarn, nil,
			[]string{"mta.wording.example is already one of the PTR names of 192.0.2.61, but receivers may take alias.wording.example: remove the other PTR records of 192.0.2.61"},
			[]string{"Make the MTA announce"}},
		{"helo.matches_ptr: a HELO name among the PTR names that is another host's", "helo.matches_ptr", checkHELOMatchesPTR,
			Asset{IP: "192.0.2.62", HELO: "mail.wording.example"}, StatusWarn, nil,
			[]string{"Make the MTA announce mx62.wording.example in HELO/EHLO"},
			[]string{"is already one of the PTR names"}},
		{"helo.matches_ptr: an address literal has no organization", "helo.matches_ptr", checkHELOMatchesPTR,
			Asset{IP: "192.0.2.10", HELO: "[192.0.2.10]"}, StatusFail,
			[]string{"The HELO name [192.0.2.10] is an address literal, not a host name, so it cannot match the PTR name mail.wording.example."}, nil,
			[]string{"([192.0.2.10])", "(2.10])"}},
		{"dkim.key: an Ed25519 record that does not parse", "dkim.key", checkDKIMKey,
			Asset{IP: "192.0.2.10", Domain: "wording.example", DKIMSelectors: []string{"bad25519"}}, StatusFail, nil,
			[]string{`"v=DKIM1; k=ed25519; p=<base64 key>"`}, []string{"k=rsa"}},
		{"align.identity: another organization, strict DMARC alignment plays no part", "align.identity", checkAlignIdentity,
			Asset{IP: "192.0.2.50", HELO: "mx.strictw.wording.example", Domain: "strictw.wording.example"}, StatusWarn,
			[]string{"The PTR name mail50.wording.test (wording.test) is not in wording.example"},
			[]string{"set the PTR record to a name in wording.example"},
			[]string{"are not in", "HELO name mx.strictw.wording.example (wording.example)", "make the MTA announce a HELO name in", "aspf"}},
		{"helo.matches_ptr: the expected PTR name does not resolve back", "helo.matches_ptr", checkHELOMatchesPTR,
			Asset{IP: "192.0.2.60", Hostname: "a.wording.example", HELO: "[192.0.2.60]"}, StatusFail, nil,
			[]string{"Publish an A record of 192.0.2.60 for a.wording.example, the PTR name, which does not resolve back to it yet, and announce that name in HELO/EHLO ([192.0.2.60] is not a valid host name)"},
			[]string{"Set the PTR record"}},
		{"ptr.fcrdns: the PTR name's alias chain loops", "ptr.fcrdns", checkPTRFCrDNS,
			Asset{IP: "192.0.2.63"}, StatusError, nil,
			[]string{"Fix the alias chain of loop1.wording.example in the zone", "re-running the assessment gives the same error until the zone is fixed"},
			[]string{"once the resolver path is healthy"}},
		{"dmarc.reporting", "dmarc.reporting", checkDMARCReporting,
			Asset{IP: "192.0.2.10", Domain: "wording.example"}, StatusPass,
			[]string{"(rua=mailto:a@wording.example) and failure reports"}, nil, []string{"), and"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := runCheckWant(t, tc.id, tc.fn, c, tc.asset, tc.status)
			expectText(t, "message", f.Message, tc.msg, tc.lacks)
			expectText(t, "remediation", f.Remediation, tc.rem, tc.lacks)
		})
	}
}

// expectText checks that text (a finding's message or remediation) holds
// every string of has and none of lacks.
func expectText(t *testing.T, what, text string, has, lacks []string) {
	t.Helper()
	for _, s := range has {
		if !strings.Contains(text, s) {
			t.Errorf("%s lacks %q: %s", what, s, text)
		}
	}
	for _, s := range lacks {
		if strings.Contains(text, s) {
			t.Errorf("%s has %q: %s", what, s, text)
		}
	}
}
