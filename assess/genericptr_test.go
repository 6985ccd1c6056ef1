package assess

import (
	"net/netip"
	"slices"
	"testing"
)

// TestGenericIPv6Forms: the IPv6 address embedded in a name is found in its
// compressed form ("::" as any separators, with or without zero groups),
// expanded, group by group in either order, as hex digits and
// nibble-reversed, and ordinary names are not flagged.
func TestGenericIPv6Forms(t *testing.T) {
	t.Parallel()
	m := DefaultGenericMatcher()
	cases := []struct {
		ip, name string
		generic  bool
	}{
		{"2001:db8::26", "2001-db8--26.example.net", true},
		{"2001:db8::26", "2001-db8-26.example.net", true},
		{"2001:db8::26", "host.2001.db8.0.0.26.example.net", true},
		{"2001:db8::26", "2001-0db8-0000-0000-0000-0000-0000-0026.example.net", true},
		{"2001:db8::26", "v6-2001-db8-0-0-0-0-0-26.example.net", true},
		{"2001:db8:1:2::26", "2001-db8-1-2--26.example.net", true},
		{"2001:db8:1:2::26", "2001-db8-1-2-0-26.example.net", true},
		// Another run of zero groups compressed than RFC 5952's.
		{"2001:db8:0:0:1::1", "2001-db8--1-0-0-1.example.net", true},
		{"2001:db8:0:0:1::1", "2001-db8-0-0-1--1.example.net", true},
		{"2001:db8:0:0:1::1", "2001-db8-0-0-2--1.example.net", false},
		// The IPv4 address a NAT64 or 6to4 address carries.
		{"64:ff9b::c000:217", "192-0-2-23.example.net", true},
		{"2002:c000:216::1", "192-0-2-22.example.net", true},
		{"64:ff9b::c000:217", "192-0-2-24.example.net", false},
		{"2001:db8::c000:217", "192-0-2-23.example.net", false},
		{"2001:db8::26", "6.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.example.net", true},
		{"2001:db8::26", "6.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.rev.example.net", true},
		{"2001:db8::26", "20010db8000000000000000000000026.example.net", true},
		// Group by group in reverse, as IPv4 octets are matched in
		// either order.
		{"2001:db8:10::28", "static.28.10.db8.2001.clients.example", true},
		{"2001:db8::26", "26.db8.2001.example.net", true},
		{"2001:db8::26", "v6-26-0-0-0-0-0-db8-2001.example.net", true},
		{"2001:db8::26", "host-26-0-0-0.example.net", true}, // the low half alone, reversed
		{"2001:db8::26", "26.db9.2001.example.net", false},
		{"2001:db8:1:2::26", "26.1.2.db8.2001.example.net", false},
		{"2001:db8::26", "mail6.example.com", false},
		{"2001:db8::26", "smtp-2001.example.net", false},
		{"2001:db8::26", "db8-mail.example.net", false},
		{"2001:db8::26", "mx-26.example.net", false},
		{"2001:db8::26", "2001-db8--27.example.net", false},
		{"2001:db8::26", "2001-db9--26.example.net", false},
		{"2001:db8:1:2::26", "2001-db8-2-1--26.example.net", false},
		{"2001:db8::1", "mail1.example.com", false},
		{"2001:db8::1", "2001-db8-1.example.com", true},
		{"2001:db8::1", "dead-beef.example.com", false},
		{"fe80::1", "fe80-1.example.com", false}, // two groups only: too short to tell
		{"2001:db8::25", "mail-v6.example.com", false},
	}
	for _, tc := range cases {
		t.Run(tc.ip+"/"+tc.name, func(t *testing.T) {
			why, _ := m.Match(tc.name, netip.MustParseAddr(tc.ip))
			if (why != "") != tc.generic {
				t.Errorf("Match = %q, want generic %v", why, tc.generic)
			}
		})
	}
}

// TestGenericIPv4Hex: an IPv4 address's hex form counts in either order,
// whole or with separators between its two-digit octets.
func TestGenericIPv4Hex(t *testing.T) {
	t.Parallel()
	m := DefaultGenericMatcher()
	for _, tc := range []struct {
		name    string
		generic bool
	}{
		{"c0000224.corp.example", true},
		{"240200c0.corp.example", true},
		{"c0-00-02-24.corp.example", true},
		{"host.24.02.00.c0.corp.example", true},
		{"c0-00-02-25.corp.example", false},
		{"c0-0-2-24.corp.example", false}, // not two-digit octets: decimal 0, 2, 24 alone are too short to tell
		{"mail-c0.corp.example", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			why, _ := m.Match(tc.name, netip.MustParseAddr("192.0.2.36"))
			if (why != "") != tc.generic {
				t.Errorf("Match = %q, want generic %v", why, tc.generic)
			}
		})
	}
}

// TestGenericKeywords: consumer-access keywords make a name generic; host,
// client and user only at a label's start with a number after, as real
// mail machines carry them too. Keywords count only left of the
// organizational domain, as whole words between dots, hyphens or
// underscores; pool, cable, customer and nat only as the first label or
// beside a number, and the others not inside a compound label of a
// subdomain (dynamic-media).
func TestGenericKeywords(t *testing.T) {
	t.Parallel()
	checkGeneric(t, []genericCase{
		{"dyn-7.isp.example.net", true},
		{"pool.isp.example.net", true},
		{"dsl-line.isp.example.net", true},
		{"host-77.isp.example.net", true},
		{"host7.isp.example.net", true},
		{"client-1-2.isp.example.net", true},
		{"user12.isp.example.net", true},
		{"smtp-host.example.com", false},
		{"mailhost.example.com", false},
		{"mail-client.example.net", false},
		{"user.example.org", false},
		{"outbound.example.com", false},
		// Separators: underscores and hyphens alike, and dial-up.
		{"dynamic_10_2.example.net", true},
		{"dhcp_10.example.net", true},
		{"dial-up-10.example.net", true},
		{"dialup10.example.net", true},
		{"dsl-dynamic-10.example.net", true},
		{"2-10.dynamic.example.net", true},
		{"10.2.dyn.example.net", true},
		{"dyn.example.net", true},
		{"node-10.pool-2.example.net", true},
		{"pool-10-2.example.net", true},
		{"cable-10-2.example.net", true},
		{"cpe0012abcd.example.net", true},
		// The organization's own domain holds the keyword.
		{"mail.dyn.example", false},
		{"out.customer.example", false},
		{"mail2.dsl-provider.example", false},
		{"smtp.dhcp-services.co.uk", false},
		// Ordinary words of a mail host's name.
		{"mail.customer.example.com", false},
		{"smtp.pool.example.com", false},
		{"smtp.cable.example.com", false},
		{"smtp.nat.example.com", false},
		{"nat-gw.example.com", false},
		{"mail.natwest.example.com", false},
		{"relay.customer-mail.example.com", false},
		{"mx.dynamic-media.example.com", false},
		{"dynamicip.example.net", false},
		// host, client and user inside a compound label.
		{"smtp-host1.example.com", false},
		{"mail-host10.example.com", false},
		{"mta-user-10.example.com", false},
		{"host-203-0-113-9.isp.example.net", true},
		{"mail.host4you.example", false},
	})
}

// TestGenericCloudDefaults: a provider's default reverse names are generic,
// and the provider's other hosts (its own mail relays among them) are not.
func TestGenericCloudDefaults(t *testing.T) {
	t.Parallel()
	checkGeneric(t, []genericCase{
		{"ip7.ip-198-51-100.eu", true},
		{"ns3012345.ip-198-51-100.eu", true},
		{"ns512345.ip-198-51-100.net", true},
		{"vps-5f2b1c3d.vps.ovh.net", true},
		{"vps123456.ovh.net", true},
		{"vmi123456.contaboserver.net", true},
		{"m1234.contaboserver.net", true},
		{"static.7.100.51.198.clients.your-server.de", true},
		{"static.1.2.3.4.clients.your-server.de", true},
		{"203-0-113-9.vultrusercontent.com", true},
		{"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0.pub.instances.scw.cloud", true},
		{"instance-1.subnet1.vcn1.oraclevcn.com", true},
		{"li123-7.members.linode.com", true},
		{"mail.your-server.de", false},
		{"mail.vultr.com", false},
		{"mail.scaleway.com", false},
		{"smtp.oraclecloud.com", false},
		{"smtp.email.us-ashburn-1.oci.oraclecloud.com", false},
		{"mail.ovh.net", false},
		{"mx.contaboserver.net", false},
		{"vps.example.com", false},
	})
}

type genericCase struct {
	name    string
	generic bool
}

// checkGeneric runs each case as a subtest: whether the default matcher
// takes the name for generic, for an address it does not embed.
func checkGeneric(t *testing.T, cases []genericCase) {
	t.Helper()
	m := DefaultGenericMatcher()
	ip := netip.MustParseAddr("198.51.100.7")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			why, pat := m.Match(tc.name, ip)
			if (why != "") != tc.generic {
				t.Errorf("Match = %q (%s), want generic %v", why, pat, tc.generic)
			}
		})
	}
}

// TestGenericPatternScope: a scope is "host" or none, and only for a regex.
func TestGenericPatternScope(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		yaml string
		ok   bool
	}{
		{"patterns:\n  - {regex: 'dsl', scope: host, reason: r}\n", true},
		{"patterns:\n  - {regex: 'dsl', reason: r}\n", true},
		{"patterns:\n  - {regex: 'dsl', scope: domain, reason: r}\n", false},
		{"patterns:\n  - {kind: ip, scope: host, reason: r}\n", false},
	} {
		if _, err := ParseGenericPatterns([]byte(tc.yaml)); (err == nil) != tc.ok {
			t.Errorf("%q: error %v, want ok %v", tc.yaml, err, tc.ok)
		}
	}
	m, err := ParseGenericPatterns([]byte("patterns:\n  - {regex: '^dsl', scope: host, reason: r}\n"))
	if err != nil {
		t.Fatal(err)
	}
	ip := netip.MustParseAddr("192.0.2.1")
	for name, generic := range map[string]bool{
		"dsl.example.com": true, "dsl.isp.example.com": true,
		"dsl-provider.example": false, "dsl.co.uk": false, "mail.dsl-provider.example": false,
	} {
		if why, _ := m.Match(name, ip); (why != "") != generic {
			t.Errorf("%s: generic %v, want %v", name, why != "", generic)
		}
	}
}

// TestGenericLiteralFilter: the literal filter that spares most names the
// regex scans never changes a verdict, on names that match each shipped
// pattern and on names that come close.
func TestGenericLiteralFilter(t *testing.T) {
	t.Parallel()
	m := DefaultGenericMatcher()
	plain := unfiltered(m)
	ip := netip.MustParseAddr("198.51.100.7")
	names := []string{
		"dyn-7.isp.example.net", "DYNAMIC.isp.example", "x.dsl", "adsl-1.example", "cpe-1-2.example", "nat.example",
		"host-77.isp.example.net", "Clients9.example", "user-1.example",
		"ec2-198-51-100-7.compute-1.amazonaws.com", "ec2-1-2.eu-west-1.compute.amazonaws.com", "x.compute.amazonaws.com",
		"7.100.51.198.bc.googleusercontent.com", "vm.cloudapp.net", "vm.x.cloudapp.azure.com",
		"li1.members.linode.com", "x.ip.linodeusercontent.com", "v.vultrusercontent.com", "x.vultr.com",
		"static.7.100.51.198.clients.your-server.de", "x.your-server.de", "ip198-51-100.ip-1-2.eu",
		"x.oraclecloud.com", "x.oraclevcn.com", "x.scaleway.com", "x.scw.cloud",
		"unknown.example", "noreverse.example", "not-set.example", "localhost", "localhost.localdomain",
		"mail.example.com", "o77.mta.example.net", "natural.example.com", "pool-party.example", "amazonaws.com.example",
		"cloudapp.example", "vultr.example.com", "mail.ſ.example", "ip-1.example",
		"dynamic_10_2.example.net", "dial-up-10.example.net", "mail.dyn.example", "mx.dynamic-media.example.com",
		"node-10.pool-2.example.net", "smtp.pool.example.com", "pool.example.net", "smtp-host1.example.com",
		"ns3012345.ip-198-51-100.eu", "vps-5f2b1c3d.vps.ovh.net", "vmi123456.contaboserver.net",
		"x.pub.instances.scw.cloud", "x.pub.cloud.scaleway.com", "mail.your-server.de",
	}
	for _, name := range names {
		w1, p1 := m.Match(name, ip)
		w2, p2 := plain.Match(name, ip)
		if w1 != w2 || p1 != p2 {
			t.Errorf("%s: %q/%q with the filter, %q/%q without", name, w1, p1, w2, p2)
		}
	}
	for _, p := range m.patterns {
		if p.Kind == "" && len(p.lits) == 0 {
			t.Errorf("pattern %q has no literal filter", p.Regex)
		}
	}
}

// TestGenericEscapedNames: the digits of an escape (\195\169 is é) are no
// octets of the address, and the byte an escape stands for separates the
// digits around it.
func TestGenericEscapedNames(t *testing.T) {
	t.Parallel()
	m := DefaultGenericMatcher()
	for _, tc := range []struct {
		ip, name string
		generic  bool
	}{
		{"195.169.5.9", `m\195\169tro-5-9.example.net`, false},
		{"195.169.5.9", "195-169-5-9.example.net", true},
		{"1.2.3.4", `host-1\0092-3-4.example.net`, true},
		{"192.0.2.4", `mail\ 4.example.net`, false},
		{"192.0.2.4", `192\.0-2-4.example.net`, true},
	} {
		reason, _ := m.Match(tc.name, netip.MustParseAddr(tc.ip))
		if got := reason != ""; got != tc.generic {
			t.Errorf("%s for %s: generic %v (%q), want %v", tc.name, tc.ip, got, reason, tc.generic)
		}
	}
}

// TestCompareValues: addresses sort by address, before other text.
func TestCompareValues(t *testing.T) {
	t.Parallel()
	got := []string{"mail.example", "2001:db8::10", "192.0.2.10", "2001:db8::9", "192.0.2.9", "a"}
	slices.SortFunc(got, CompareValues)
	want := []string{"192.0.2.9", "192.0.2.10", "2001:db8::9", "2001:db8::10", "a", "mail.example"}
	if !slices.Equal(got, want) {
		t.Errorf("sorted %q, want %q", got, want)
	}
}
