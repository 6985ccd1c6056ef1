package assess

import (
	"context"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"senderproof/assess/dnstest"
)

// ptrZones are the zone files the PTR and HELO tests serve.
func ptrZones(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../testdata/zones/*.zone")
	if err != nil || len(files) == 0 {
		t.Fatalf("no zone files: %v", err)
	}
	return files
}

func testClient(t *testing.T, addr string, tcp bool) *Client {
	t.Helper()
	c, err := NewClient(ClientOptions{Servers: []string{addr}, Timeout: 300 * time.Millisecond, Retries: 1, TCP: tcp})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPTRAndHELOChecks(t *testing.T) {
	t.Parallel()
	srv := dnstest.Start(t, dnstest.Config{Faults: map[string]dnstest.Fault{
		"flaky.example.com.":         dnstest.ServFail,
		"24.2.0.192.in-addr.arpa.":   dnstest.Drop,
		"timeout.example.com./A":     dnstest.Drop,
		"25.2.0.192.in-addr.arpa.":   dnstest.ServFail,
		"mail19.example.com./A":      dnstest.WrongID,
		"mail20.example.com./A":      dnstest.WrongName,
		"10.2.0.192.in-addr.arpa./X": dnstest.None,
	}}, ptrZones(t)...)

	type want map[string]Status
	cases := []struct {
		name  string
		asset Asset
		want  want
	}{
		{"good", Asset{IP: "192.0.2.10", Hostname: "mail1.example.com", HELO: "mail1.example.com"}, want{
			"ptr.present": StatusPass, "ptr.single": StatusPass, "ptr.not_generic": StatusPass, "ptr.fcrdns": StatusPass,
			"ptr.matches_expected": StatusPass, "helo.fqdn": StatusPass, "helo.matches_ptr": StatusPass}},
		{"nxdomain", Asset{IP: "192.0.2.11", Hostname: "mail11.example.com", HELO: "mail1.example.com"}, want{
			"ptr.present": StatusFail, "ptr.single": StatusSkip, "ptr.not_generic": StatusSkip, "ptr.fcrdns": StatusFail,
			"ptr.matches_expected": StatusFail, "helo.fqdn": StatusFail, "helo.matches_ptr": StatusFail}},
		{"nodata", Asset{IP: "192.0.2.12"}, want{
			"ptr.present": StatusFail, "ptr.single": StatusSkip, "ptr.not_generic": StatusSkip, "ptr.fcrdns": StatusFail,
			"ptr.matches_expected": StatusSkip, "helo.fqdn": StatusSkip, "helo.matches_ptr": StatusSkip}},
		{"generic octets", Asset{IP: "192.0.2.13"}, want{"ptr.not_generic": StatusWarn, "ptr.fcrdns": StatusPass}},
		{"generic keyword", Asset{IP: "192.0.2.14"}, want{"ptr.not_generic": StatusWarn}},
		{"generic hex", Asset{IP: "192.0.2.15"}, want{"ptr.not_generic": StatusWarn}},
		{"generic cloud", Asset{IP: "192.0.2.23"}, want{"ptr.not_generic": StatusWarn, "ptr.fcrdns": StatusError}},
		{"fcrdns broken", Asset{IP: "192.0.2.16", Hostname: "broken.example.com"}, want{
			"ptr.fcrdns": StatusFail, "ptr.matches_expected": StatusPass}},
		{"ptr name nxdomain", Asset{IP: "192.0.2.17"}, want{"ptr.fcrdns": StatusFail, "ptr.present": StatusPass}},
		{"several ptrs", Asset{IP: "192.0.2.18", Hostname: "mail18.example.com", HELO: "mail18.example.com"}, want{
			"ptr.single": StatusWarn, "ptr.fcrdns": StatusPass, "ptr.matches_expected": StatusPass, "helo.matches_ptr": StatusPass}},
		{"helo other name same org, wrong-id response ignored", Asset{IP: "192.0.2.19", HELO: "helo19.example.com"}, want{
			"helo.fqdn": StatusPass, "helo.matches_ptr": StatusWarn, "ptr.fcrdns": StatusPass}},
		{"helo other org, intruder record ignored", Asset{IP: "192.0.2.20", HELO: "mail20.example.org"}, want{
			"helo.fqdn": StatusPass, "helo.matches_ptr": StatusFail, "ptr.fcrdns": StatusPass}},
		{"helo syntax", Asset{IP: "192.0.2.10", HELO: "localhost"}, want{"helo.fqdn": StatusFail, "helo.matches_ptr": StatusFail}},
		{"helo literal", Asset{IP: "192.0.2.10", HELO: "[192.0.2.10]"}, want{"helo.fqdn": StatusFail}},
		{"helo wrong ip", Asset{IP: "192.0.2.10", HELO: "wrongip.example.com"}, want{"helo.fqdn": StatusFail}},
		{"helo timeout", Asset{IP: "192.0.2.10", HELO: "timeout.example.com"}, want{"helo.fqdn": StatusError}},
		{"forward servfail", Asset{IP: "192.0.2.21"}, want{"ptr.present": StatusPass, "ptr.fcrdns": StatusError}},
		{"ptr timeout", Asset{IP: "192.0.2.24", Hostname: "x.example.com", HELO: "mail1.example.com"}, want{
			"ptr.present": StatusError, "ptr.single": StatusError, "ptr.not_generic": StatusError, "ptr.fcrdns": StatusError,
			"ptr.matches_expected": StatusError, "helo.fqdn": StatusFail, "helo.matches_ptr": StatusError}},
		{"ptr servfail", Asset{IP: "192.0.2.25"}, want{"ptr.present": StatusError, "ptr.fcrdns": StatusError}},
		{"ptr refused (zone not served)", Asset{IP: "203.0.113.9"}, want{"ptr.present": StatusError, "ptr.single": StatusError}},
		{"cname loop", Asset{IP: "192.0.2.22"}, want{"ptr.present": StatusError}},
		{"rfc2317 classless", Asset{IP: "192.0.2.70", Hostname: "mail70.example.com"}, want{
			"ptr.present": StatusPass, "ptr.fcrdns": StatusPass, "ptr.matches_expected": StatusPass}},
		{"truncated needs tcp", Asset{IP: "198.51.100.30"}, want{"ptr.present": StatusPass, "ptr.single": StatusWarn, "ptr.fcrdns": StatusPass}},
		{"ipv6 good", Asset{IP: "2001:db8::25", Hostname: "mail6.example.com", HELO: "mail6.example.com"}, want{
			"ptr.present": StatusPass, "ptr.fcrdns": StatusPass, "ptr.matches_expected": StatusPass, "helo.fqdn": StatusPass}},
		{"ipv6 generic", Asset{IP: "2001:db8::26"}, want{"ptr.not_generic": StatusWarn, "ptr.fcrdns": StatusFail}},
		{"helo without aaaa", Asset{IP: "2001:db8::25", HELO: "nov6.example.com"}, want{"helo.fqdn": StatusFail}},
	}
	checks := map[string]CheckFunc{}
	for _, c := range registry {
		if c.Family == "ptr" || c.ID == "helo.fqdn" || c.ID == "helo.matches_ptr" {
			checks[c.ID] = c.Run
		}
	}
	for _, transport := range []string{"udp", "tcp"} {
		client := testClient(t, srv.Addr, transport == "tcp")
		for _, tc := range cases {
			t.Run(transport+"/"+tc.name, func(t *testing.T) {
				ctx := context.Background()
				for id, st := range tc.want {
					fs := checks[id](ctx, client, tc.asset)
					if len(fs) != 1 {
						t.Fatalf("%s: %d findings", id, len(fs))
					}
					f := fs[0]
					if f.Status != st {
						t.Errorf("%s = %s, want %s (observed %v)", id, f.Status, st, f.Observed)
					}
					if f.Status != StatusSkip && len(f.Evidence) == 0 && id != "helo.fqdn" {
						t.Errorf("%s: no evidence", id)
					}
					if tc.name == "truncated needs tcp" && id == "ptr.present" && f.Evidence[0].Transport != "tcp" {
						t.Errorf("truncated answer was not retried over TCP: %+v", f.Evidence[0])
					}
				}
			})
		}
	}
}

// TestPTRNameNeedsForwardLookups: of two PTR names, "the PTR name" is the
// forward-confirmed one (SPEC edge rules), which only the checks that make
// the forward lookups know; ptr.present and ptr.single, which do not, name
// none rather than the first in sorted order.
func TestPTRNameNeedsForwardLookups(t *testing.T) {
	t.Parallel()
	srv := dnstest.Start(t, dnstest.Config{Zones: []dnstest.Zone{
		{Origin: "2.0.192.in-addr.arpa.", File: "rev", Text: "$TTL 3600\n@ IN SOA ns.example. h.example. 1 3600 600 86400 300\n20 IN PTR a.example.com.\n20 IN PTR b.example.com.\n21 IN PTR c.example.com.\n"},
		{Origin: "example.com.", File: "fwd", Text: "$TTL 3600\n@ IN SOA ns.example. h.example. 1 3600 600 86400 300\na IN A 198.51.100.1\nb IN A 192.0.2.20\nc IN A 192.0.2.21\n"},
	}})
	fs, err := Run(context.Background(), []Asset{{IP: "192.0.2.20"}, {IP: "192.0.2.21"}}, Options{Resolver: testClient(t, srv.Addr, false)})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range fs {
		got[f.Asset+" "+f.Check], _ = f.Observed["ptr"].(string)
	}
	for k, want := range map[string]string{
		"192.0.2.20 ptr.fcrdns": "b.example.com", "192.0.2.20 ptr.not_generic": "b.example.com",
		"192.0.2.20 ptr.present": "", "192.0.2.20 ptr.single": "", "192.0.2.21 ptr.present": "c.example.com",
	} {
		if got[k] != want {
			t.Errorf("%s: observed ptr %q, want %q", k, got[k], want)
		}
	}
}

// TestHELOAddressLiteralWording: an address literal announced as HELO has
// no organization; helo.matches_ptr and align.identity say it is a literal
// rather than naming the literal as its own organization, and the literal
// is no reference for the other identities.
func TestHELOAddressLiteralWording(t *testing.T) {
	t.Parallel()
	srv := dnstest.Start(t, dnstest.Config{}, ptrZones(t)...)
	c := testClient(t, srv.Addr, false)
	a := Asset{IP: "192.0.2.10", HELO: "[192.0.2.10]", Domain: "example.com"}
	f := runCheck(t, "helo.matches_ptr", checkHELOMatchesPTR, c, a)
	if f.Status != StatusFail || !strings.Contains(f.Message, "is an address literal, not a host name, so it cannot match the PTR name mail1.example.com") {
		t.Errorf("helo.matches_ptr %s: %s", f.Status, f.Message)
	}
	f = runCheck(t, "align.identity", checkAlignIdentity, c, a)
	if f.Status != StatusWarn || !strings.Contains(f.Message, "HELO name [192.0.2.10] (an address literal, of no organization) is not in example.com") {
		t.Errorf("align.identity %s: %s", f.Status, f.Message)
	}
	a.Domain = ""
	if f = runCheck(t, "align.identity", checkAlignIdentity, c, a); f.Observed["org_of"] != "ptr" {
		t.Errorf("align.identity took %v for the reference, want the PTR name: %s", f.Observed["org_of"], f.Message)
	}
}

// TestHELOLiteral: a bracketed HELO value is an address literal only when
// it parses as RFC 5321 §4.1.3 writes one, "[" IPv4 "]" or "[IPv6:" IPv6
// "]" with the tag in any case; any other is an invalid name, with
// characters no host name holds (a General-address-literal included: no
// wording names its kind). A bare IP address stays an address.
func TestHELOLiteral(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		helo    string
		literal bool
		problem string
	}{
		{"[192.0.2.10]", true, "address_literal"},
		{"[192.0.2.10].", true, "address_literal"},
		{"[0.0.0.0]", true, "address_literal"},
		{"[010.0.2.1]", true, "address_literal"}, // Snum = 1*3DIGIT
		{"[IPv6:2001:db8::10]", true, "address_literal"},
		{"[ipv6:2001:DB8:0:0:0:0:0:10]", true, "address_literal"},
		{"[IPV6:::ffff:192.0.2.1]", true, "address_literal"},
		{"[IPv6:2001:db8::zz]", false, "invalid_characters"},
		{"[IPv6:192.0.2.1]", false, "invalid_characters"},
		{"[IPv6:fe80::1%eth0]", false, "invalid_characters"},
		{"[IPv6:]", false, "invalid_characters"},
		{"[2001:db8::10]", false, "invalid_characters"},
		{"[192.0.2.300]", false, "invalid_characters"},
		{"[192.0.2]", false, "invalid_characters"},
		{"[192.0.2.1.5]", false, "invalid_characters"},
		{"[1923.0.2.1]", false, "invalid_characters"},
		{"[192.0.2.1", false, "invalid_characters"},
		{"[]", false, "invalid_characters"},
		{"[", false, "invalid_characters"},
		{"[x-tag:abc]", false, "invalid_characters"},
		{"[ 192.0.2.1]", false, "invalid_characters"},
	} {
		if got := heloLiteral(strings.TrimSuffix(c.helo, ".")); got != c.literal {
			t.Errorf("heloLiteral(%q) = %v, want %v", c.helo, got, c.literal)
		}
		if ok, problem := validFQDN(c.helo); ok || problem != c.problem {
			t.Errorf("validFQDN(%q) = %v %q, want %q", c.helo, ok, problem, c.problem)
		}
		if heloAddress(c.helo) != c.literal && !strings.HasSuffix(c.helo, ".") {
			t.Errorf("heloAddress(%q) = %v", c.helo, !c.literal)
		}
		// Literal or not, a bracketed value is no domain to look up.
		if !isAddressLiteral(c.helo) {
			t.Errorf("isAddressLiteral(%q) = false", c.helo)
		}
	}
	if !heloAddress("2001:db8::1") || !heloAddress("192.0.2.1") || heloAddress("mail.example.com") {
		t.Error("a bare address is an address, a name is not")
	}
}

// TestForwardAddrsAsPublished: an AAAA record of an IPv4-mapped address is
// shown as the IPv6 address it holds, and the lookup type follows the
// sender's family (an IPv4-mapped sender is IPv4): only records of the
// type asked count, so a mapped AAAA value never stands for an IPv4
// address, even in an answer that carries it where it does not belong.
func TestForwardAddrsAsPublished(t *testing.T) {
	t.Parallel()
	rrs := []dns.RR{
		&dns.AAAA{Hdr: dns.RR_Header{Name: "h.example.", Rrtype: dns.TypeAAAA, Class: dns.ClassINET}, AAAA: net.ParseIP("::ffff:192.0.2.13")},
		&dns.AAAA{Hdr: dns.RR_Header{Name: "h.example.", Rrtype: dns.TypeAAAA, Class: dns.ClassINET}, AAAA: net.ParseIP("2001:db8::13")},
		&dns.A{Hdr: dns.RR_Header{Name: "h.example.", Rrtype: dns.TypeA, Class: dns.ClassINET}, A: net.ParseIP("192.0.2.14")},
	}
	var asked []uint16
	r := resolverFunc(func(ctx context.Context, name string, qtype uint16) (Answer, error) {
		asked = append(asked, qtype)
		return Answer{Name: name, Qtype: qtype, RRs: rrs}, nil
	})
	for _, c := range []struct {
		ip   string
		qt   uint16
		want []string
	}{
		{"2001:db8::13", dns.TypeAAAA, []string{"::ffff:192.0.2.13", "2001:db8::13"}},
		{"192.0.2.13", dns.TypeA, []string{"192.0.2.14"}},
		{"::ffff:192.0.2.13", dns.TypeA, []string{"192.0.2.14"}},
	} {
		asked = asked[:0]
		got, _, _ := forwardAddrs(context.Background(), r, "h.example", netip.MustParseAddr(c.ip))
		if !slices.Equal(got, c.want) || len(asked) != 1 || asked[0] != c.qt {
			t.Errorf("%s: %q asked %v, want %q asked %s", c.ip, got, asked, c.want, dns.TypeToString[c.qt])
		}
	}
}

// TestRelativePTR: a PTR target under the reverse tree is one written
// without its trailing dot; the name meant is what is left once the labels
// it shares with the record's owner (the zone's origin among them) are
// taken off, also in an RFC 2317 child zone and in ip6.arpa.
func TestRelativePTR(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, owner, intended string
		relative              bool
	}{
		{"mail16.example.com.2.0.192.in-addr.arpa", "16.2.0.192.in-addr.arpa", "mail16.example.com", true},
		{"mail16.example.com.0.192.in-addr.arpa", "16.2.0.192.in-addr.arpa", "mail16.example.com", true},
		{"mx.example.com.0/26.2.0.192.in-addr.arpa", "12.0/26.2.0.192.in-addr.arpa", "mx.example.com", true},
		{"mail.example.com.8.b.d.0.1.0.0.2.ip6.arpa", "6.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", "mail.example.com", true},
		// Too little left to tell the name meant.
		{"mail.2.0.192.in-addr.arpa", "16.2.0.192.in-addr.arpa", "", true},
		// The zone's apex or the owner itself: nothing was read
		// relative to the zone (it names no host all the same).
		{"2.0.192.in-addr.arpa", "16.2.0.192.in-addr.arpa", "", false},
		{"16.2.0.192.in-addr.arpa", "16.2.0.192.in-addr.arpa", "", false},
		{"mail16.example.com", "16.2.0.192.in-addr.arpa", "", false},
		{"in-addr.arpa.example.com", "16.2.0.192.in-addr.arpa", "", false},
	} {
		intended, ok := relativePTR(c.name, c.owner)
		if ok != c.relative || intended != c.intended {
			t.Errorf("relativePTR(%s, %s) = %q, %v; want %q, %v", c.name, c.owner, intended, ok, c.intended, c.relative)
		}
	}
}
