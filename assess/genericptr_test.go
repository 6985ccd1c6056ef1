package assess

import (
	"net/netip"
	"testing"
)

// TestGenericIPv6Forms: the IPv6 address embedded in a name is found in its
// compressed form ("::" as any separators, with or without zero groups),
// expanded, as hex digits and nibble-reversed, and ordinary names are not
// flagged.
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
		{"2001:db8::26", "6.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.example.net", true},
		{"2001:db8::26", "6.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.rev.example.net", true},
		{"2001:db8::26", "20010db8000000000000000000000026.example.net", true},
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

// TestGenericKeywords: consumer-access keywords make a name generic; host,
// client and user only when a number follows, as real mail machines carry
// them too.
func TestGenericKeywords(t *testing.T) {
	t.Parallel()
	m := DefaultGenericMatcher()
	ip := netip.MustParseAddr("198.51.100.7")
	for _, tc := range []struct {
		name    string
		generic bool
	}{
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
	} {
		t.Run(tc.name, func(t *testing.T) {
			why, _ := m.Match(tc.name, ip)
			if (why != "") != tc.generic {
				t.Errorf("Match = %q, want generic %v", why, tc.generic)
			}
		})
	}
}
