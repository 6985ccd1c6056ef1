package assess

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"senderproof/assess/dnstest"
)

// TestCheckRemoved rechecks senders removed since a baseline against a
// server on the wire: each kind of record left behind, a sender with
// nothing left, and one whose PTR lookup fails.
func TestCheckRemoved(t *testing.T) {
	t.Parallel()
	soa := "$TTL 3600\n@ IN SOA ns.example. h.example. 1 3600 600 86400 300\n"
	// A host name with more address records than are read, the
	// sender's last.
	var hundred strings.Builder
	for i := range 100 {
		fmt.Fprintf(&hundred, "many IN A 203.0.113.%d\n", i+100)
	}
	hundred.WriteString("many IN A 192.0.2.77\n")
	// An address with more PTR names of the organization than a recheck
	// lists.
	var ptrs strings.Builder
	for i := range 25 {
		fmt.Fprintf(&ptrs, "44 IN PTR p%d.example.com.\n", i)
	}
	// An address with more PTR names than a recheck reads.
	var many strings.Builder
	for i := range 101 {
		fmt.Fprintf(&many, "90 IN PTR n%d.elsewhere.test.\n", i)
	}
	srv := dnstest.Start(t, dnstest.Config{
		Zones: []dnstest.Zone{
			{Origin: "example.com.", File: "example.com", Text: soa +
				`@ IN TXT "v=spf1 ip4:192.0.2.30 ip4:192.0.2.40/29 a:relay.example.com a:out.provider.test include:_spf.example.com include:_spf.provider.test ~all"` + "\n" +
				`_spf IN TXT "v=spf1 ip4:192.0.2.60 -all"` + "\n" +
				`later IN TXT "v=spf1 ip4:198.51.100.0/24 ip4:198.51.100.61 -all"` + "\n" +
				`macro IN TXT "v=spf1 exists:%{i}._spf.example.com ip4:10.0.0.0/8 -all"` + "\n" +
				`198.51.100.95._spf IN A 127.0.0.2` + "\n" +
				`wide IN TXT "v=spf1 a/0 -all"` + "\nwide IN A 192.0.2.1\n" +
				`after IN TXT "v=spf1 ip4:192.0.2.0/24 -all ip4:192.0.2.66"` + "\n" + hundred.String() +
				`around IN TXT "v=spf1 a:relay.example.com/24 -all"` + "\n" +
				`halves IN TXT "v=spf1 ip4:0.0.0.0/1 ip4:128.0.0.0/1 -all"` + "\n" +
				`inc6 IN TXT "v=spf1 include:_v6.example.com -all"` + "\n" +
				`_v6 IN TXT "v=spf1 ip6:::/1 ip6:8000::/1 -all"` + "\n" +
				`filled IN TXT "v=spf1 ip4:198.51.100.0/24 ip4:0.0.0.0/1 ip4:128.0.0.0/2 ip4:192.0.0.0/2 -all"` + "\n" +
				"old1 IN A 192.0.2.30\nrelay IN A 192.0.2.50\nmail33 IN A 192.0.2.33\nh85 IN A 192.0.2.85\n"},
			{Origin: "provider.test.", File: "provider.test", Text: soa + `_spf IN TXT "v=spf1 ip4:203.0.113.0/24 -all"` + "\n" +
				"out IN A 192.0.2.70\no20.mta IN A 203.0.113.20\n"},
			{Origin: "other.org.", File: "other.org", Text: soa + `@ IN TXT "v=spf1 +all"` + "\n"},
			{Origin: "2.0.192.in-addr.arpa.", File: "rev2", Text: soa + "30 IN PTR old1.example.com.\n41 IN PTR host41.example.com.\n33 IN PTR mail33.example.com.\n85 IN PTR host-192-0-2-85.newisp.test.\n" + many.String() + ptrs.String()},
			{Origin: "100.51.198.in-addr.arpa.", File: "rev100", Text: soa},
			{Origin: "113.0.203.in-addr.arpa.", File: "rev113", Text: soa + "20 IN PTR o20.mta.provider.test.\n"},
			{Origin: "10.in-addr.arpa.", File: "rev10", Text: soa},
			{Origin: "8.b.d.0.1.0.0.2.ip6.arpa.", File: "rev6", Text: soa},
			{Origin: "newisp.test.", File: "newisp.test", Text: soa + "host-192-0-2-85 IN A 192.0.2.85\n"},
		},
		Faults: map[string]dnstest.Fault{"9.100.51.198.in-addr.arpa.": dnstest.ServFail},
	})
	removed := []Asset{
		{IP: "192.0.2.30", Hostname: "old1.example.com", HELO: "old1.example.com", Domain: "example.com"},
		{IP: "192.0.2.41", Hostname: "host41.example.com", Domain: "example.com"},
		{IP: "192.0.2.50", Domain: "example.com"},
		{IP: "203.0.113.9", Domain: "example.com"},
		{IP: "198.51.100.7", Domain: "other.org"},
		{IP: "198.51.100.8", HELO: "h8.example.com", Domain: "example.com"},
		{IP: "198.51.100.9", Domain: "example.com"},
		// A relay's host name is its provider's, not the organization's.
		{IP: "203.0.113.20", Hostname: "o20.mta.provider.test", HELO: "o20.mta.provider.test", Domain: "example.com", Relay: "ExampleESP"},
		// A term of the organization's own sub-record: the fix names it.
		{IP: "192.0.2.60", Domain: "example.com"},
		// a: naming a provider's host is the provider's.
		{IP: "192.0.2.70", Domain: "example.com"},
		// A row of an address alone: the fleet's domains are the
		// organization's, and SPF is not claimed as checked.
		{IP: "192.0.2.33"},
		// A term for the address alone after a wider one that matched.
		{IP: "198.51.100.61", Domain: "later.example.com"},
		// exists: with a macro under the organization's own name.
		{IP: "198.51.100.95", Domain: "macro.example.com"},
		// A wide range is a range, not "any address".
		{IP: "10.1.2.3", Domain: "macro.example.com"},
		// The PTR was reset by the address's next holder, but the row's
		// host name still resolves to it.
		{IP: "192.0.2.85", Hostname: "h85.example.com"},
		// A hundred and one PTR names: those past the hundredth are not
		// read, and one of them may be the organization's.
		{IP: "192.0.2.90", Domain: "example.org"},
		// Its host name's answer is cut before its own address.
		{IP: "192.0.2.77", Hostname: "many.example.com"},
		// a/0 lets any address pass.
		{IP: "198.51.100.5", Domain: "wide.example.com"},
		// A term after "all" is never evaluated.
		{IP: "192.0.2.66", Domain: "after.example.com"},
		// Past the twenty listed, what is left is counted; the SPF
		// authorization comes first.
		{IP: "192.0.2.44", Domain: "example.com"},
		// a:host/24 of the organization's own host is a range.
		{IP: "192.0.2.55", Domain: "around.example.com"},
		// Two /1 halves together let any address pass, as a /0 does.
		{IP: "198.51.100.20", Domain: "halves.example.com"},
		// So do IPv6 halves in an included record.
		{IP: "2001:db8::20", Domain: "inc6.example.com"},
		// A narrow term that matched before the covering ones is a
		// range; one of the terms that cover, narrower ones filling the
		// gaps, lets any address pass.
		{IP: "198.51.100.21", Domain: "filled.example.com"},
		{IP: "203.0.113.21", Domain: "filled.example.com"},
	}
	got, err := CheckRemoved(context.Background(), removed, FleetDomains(removed), Options{Resolver: testClient(t, srv.Addr, false)}, "base-run")
	if err != nil {
		t.Fatal(err)
	}
	type lb struct{ kind, name, term, record string }
	capped := []lb{{"spf_range", "example.com", "ip4:192.0.2.40/29", "example.com"}}
	for _, i := range []int{0, 1, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 2, 20, 21, 22, 23, 24, 3} {
		capped = append(capped, lb{"ptr_name", fmt.Sprintf("p%d.example.com", i), "", "44.2.0.192.in-addr.arpa"})
	}
	cases := []struct {
		status       Status
		left         []lb
		undetermined []string
		msg          []string
		fix          []string
	}{
		{StatusFail, []lb{{"spf_address", "example.com", "ip4:192.0.2.30", "example.com"}, {"forward_name", "old1.example.com", "", "30.2.0.192.in-addr.arpa"}}, nil,
			[]string{"192.0.2.30 (old1.example.com), removed from the inventory since the baseline run base-run, is still authorized to send", "by its own address (ip4:192.0.2.30)", "its PTR still names old1.example.com, which still resolves to it"},
			[]string{"remove ip4:192.0.2.30 from the SPF record of example.com"}},
		{StatusWarn, []lb{{"spf_range", "example.com", "ip4:192.0.2.40/29", "example.com"}, {"ptr_name", "host41.example.com", "", "41.2.0.192.in-addr.arpa"}}, nil,
			[]string{"is still vouched for", "within a range (ip4:192.0.2.40/29)"},
			[]string{"have the PTR record at 41.2.0.192.in-addr.arpa (host41.example.com) changed or removed"}},
		{StatusFail, []lb{{"spf_name", "example.com", "a:relay.example.com", "example.com"}}, nil, []string{"through a name of yours (a:relay.example.com)"}, nil},
		{StatusWarn, []lb{{"spf_shared", "example.com", "ip4:203.0.113.0/24", "_spf.provider.test"}}, nil,
			[]string{"another organization's SPF record or names (ip4:203.0.113.0/24, in the record of _spf.provider.test, reached through include:_spf.provider.test)"},
			[]string{"drop include:_spf.provider.test from the SPF record of example.com"}},
		{StatusWarn, []lb{{"spf_any", "other.org", "+all", "other.org"}}, nil, []string{"which authorizes any address"}, nil},
		{StatusPass, nil, nil, []string{"Nothing in DNS still vouches for 198.51.100.8", "no SPF authorization, and no PTR"}, nil},
		{StatusError, nil, []string{"ptr.fcrdns", "ptr.present"}, []string{"could not be determined", "This is not a pass"}, nil},
		{StatusWarn, []lb{{"spf_shared", "example.com", "ip4:203.0.113.0/24", "_spf.provider.test"}}, nil, []string{"another organization's SPF record or names"}, nil},
		{StatusFail, []lb{{"spf_address", "example.com", "ip4:192.0.2.60", "_spf.example.com"}}, nil,
			[]string{"(ip4:192.0.2.60, in the record of _spf.example.com, reached through include:_spf.example.com)"},
			[]string{"remove ip4:192.0.2.60 from the SPF record of _spf.example.com"}},
		{StatusWarn, []lb{{"spf_shared", "example.com", "a:out.provider.test", "example.com"}}, nil, nil,
			[]string{"drop a:out.provider.test from the SPF record of example.com"}},
		{StatusWarn, []lb{{"forward_name", "mail33.example.com", "", "33.2.0.192.in-addr.arpa"}}, nil,
			[]string{"Not checked, for want of input in its baseline row: helo.fqdn, spf.authorizes_ip."}, nil},
		{StatusFail, []lb{{"spf_address", "later.example.com", "ip4:198.51.100.61", "later.example.com"}, {"spf_range", "later.example.com", "ip4:198.51.100.0/24", "later.example.com"}}, nil, nil,
			[]string{"remove ip4:198.51.100.61 from the SPF record of later.example.com"}},
		{StatusFail, []lb{{"spf_name", "macro.example.com", "exists:%{i}._spf.example.com", "macro.example.com"}}, nil, []string{"through a name of yours"}, nil},
		{StatusWarn, []lb{{"spf_range", "macro.example.com", "ip4:10.0.0.0/8", "macro.example.com"}}, nil, []string{"within a range (ip4:10.0.0.0/8)"}, nil},
		{StatusWarn, []lb{{"host_name", "h85.example.com", "", ""}}, nil, []string{"its host name h85.example.com still resolves to it"},
			[]string{"delete or repoint the address record of h85.example.com"}},
		{StatusError, nil, []string{"ptr.fcrdns", "ptr.present", "spf.authorizes_ip"}, []string{"could not be determined"}, nil},
		{StatusError, nil, []string{"host"}, []string{"host could not be determined"}, nil},
		{StatusWarn, []lb{{"spf_any", "wide.example.com", "a/0", "wide.example.com"}}, nil, []string{"which authorizes any address"}, nil},
		{StatusWarn, []lb{{"spf_range", "after.example.com", "ip4:192.0.2.0/24", "after.example.com"}}, nil, nil, nil},
		{StatusWarn, capped, []string{"ptr.fcrdns"}, []string{"within a range (ip4:192.0.2.40/29)", "; and 6 more."}, nil},
		{StatusWarn, []lb{{"spf_range", "around.example.com", "a:relay.example.com/24", "around.example.com"}}, nil, []string{"within a range (a:relay.example.com/24)"}, nil},
		{StatusWarn, []lb{{"spf_any", "halves.example.com", "ip4:0.0.0.0/1 ip4:128.0.0.0/1", "halves.example.com"}}, nil,
			[]string{"lets it pass through ip4:0.0.0.0/1 ip4:128.0.0.0/1, which authorizes any address"},
			[]string{"end the SPF record of halves.example.com in -all or ~all instead of allowing any address (ip4:0.0.0.0/1 ip4:128.0.0.0/1)"}},
		{StatusWarn, []lb{{"spf_any", "inc6.example.com", "ip6:::/1 ip6:8000::/1", "_v6.example.com"}}, nil,
			[]string{"lets it pass through ip6:::/1 ip6:8000::/1, in the record of _v6.example.com"}, nil},
		{StatusWarn, []lb{{"spf_range", "filled.example.com", "ip4:198.51.100.0/24", "filled.example.com"}}, nil, []string{"within a range (ip4:198.51.100.0/24)"}, nil},
		{StatusWarn, []lb{{"spf_any", "filled.example.com", "ip4:0.0.0.0/1 ip4:128.0.0.0/2 ip4:192.0.0.0/2", "filled.example.com"}}, nil,
			[]string{"which authorizes any address"}, nil},
	}
	if len(got) != len(cases) {
		t.Fatalf("%d verdicts for %d senders", len(got), len(cases))
	}
	for i, c := range cases {
		o := got[i]
		if o.IP != removed[i].IP || o.Status != c.status {
			t.Errorf("%s: status %s, want %s: %s", o.IP, o.Status, c.status, o.Message)
		}
		var left []lb
		for _, l := range o.LeftBehind {
			left = append(left, lb{l.Kind, l.Name, l.Term, l.Record})
		}
		if !slices.Equal(left, c.left) {
			t.Errorf("%s: left behind %v, want %v", o.IP, left, c.left)
		}
		if !slices.Equal(o.Undetermined, append([]string{}, c.undetermined...)) {
			t.Errorf("%s: undetermined %v, want %v", o.IP, o.Undetermined, c.undetermined)
		}
		for _, m := range c.msg {
			if !strings.Contains(o.Message, m) {
				t.Errorf("%s: message lacks %q: %s", o.IP, m, o.Message)
			}
		}
		for _, m := range c.fix {
			if !strings.Contains(o.Remediation, m) {
				t.Errorf("%s: remediation lacks %q: %s", o.IP, m, o.Remediation)
			}
		}
		if (o.Remediation == "") != (c.status == StatusPass) {
			t.Errorf("%s %s: remediation %q", o.IP, o.Status, o.Remediation)
		}
		if len(o.Findings) != len(OffboardChecks()) {
			t.Errorf("%s: %d findings", o.IP, len(o.Findings))
		}
		// Each finding replays from its own evidence, and the verdict
		// from the findings: what verify does with a pack.
		for _, f := range o.Findings {
			if _, err := Reproduce(context.Background(), removed[i], f, nil); err != nil {
				t.Errorf("%s %s: %v", o.IP, f.Check, err)
			}
		}
		if _, err := ReplayHost(context.Background(), removed[i], o.Host); err != nil {
			t.Errorf("%s: host lookup: %v", o.IP, err)
		}
		again, err := JudgeRemoved(removed[i], o.Findings, o.Host, FleetDomains(removed), wording(), "base-run")
		if err != nil || again.Message != o.Message || again.Status != o.Status {
			t.Errorf("%s: judged again %s %q (%v)", o.IP, again.Status, again.Message, err)
		}
	}
}

// TestRecheckBound: a run checks the first MaxRecheck removed senders
// again, in order, and counts the rest.
func TestRecheckBound(t *testing.T) {
	t.Parallel()
	removed := make([]Asset, MaxRecheck+5)
	for i := range removed {
		removed[i].IP = fmt.Sprintf("10.0.%d.%d", i/256, i%256)
	}
	checked, omitted := RecheckBound(removed)
	if len(checked) != MaxRecheck || omitted != 5 || checked[MaxRecheck-1].IP != removed[MaxRecheck-1].IP {
		t.Errorf("%d checked, %d omitted", len(checked), omitted)
	}
	if checked, omitted := RecheckBound(removed[:3]); len(checked) != 3 || omitted != 0 {
		t.Errorf("%d checked, %d omitted of 3", len(checked), omitted)
	}
}

// TestWidensToRange reads an a or mx term's dual CIDR length (RFC 7208
// §5.6) for the sender's address family.
func TestWidensToRange(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		mech, ip string
		want     bool
	}{
		{"a:relay.example.com", "192.0.2.5", false},
		{"a:relay.example.com/24", "192.0.2.5", true},
		{"a:relay.example.com/32", "192.0.2.5", false},
		{"mx/24", "192.0.2.5", true},
		{"a:relay.example.com/32//64", "2001:db8::5", true},
		{"a:relay.example.com/24//128", "2001:db8::5", false},
		{"a//64", "2001:db8::5", true},
		{"a//64", "192.0.2.5", false},
		{"a:relay.example.com/24", "::ffff:192.0.2.5", true},
	} {
		if got := widensToRange(c.mech, c.ip); got != c.want {
			t.Errorf("widensToRange(%q, %s) = %v, want %v", c.mech, c.ip, got, c.want)
		}
	}
}

// TestExactTerm: an ip4:/ip6: value names a sender alone when it is its
// address, with no prefix length or a full one; an IPv4-mapped ip6: value
// names no IPv4 sender.
func TestExactTerm(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v, ip string
		want  bool
	}{
		{"192.0.2.60", "192.0.2.60", true},
		{"192.0.2.60/32", "192.0.2.60", true},
		{"192.0.2.60/24", "192.0.2.60", false},
		{"2001:db8::60", "2001:db8::60", true},
		{"2001:db8::60/128", "2001:db8::60", true},
		{"::ffff:192.0.2.60", "192.0.2.60", false},
		{"::ffff:192.0.2.60/128", "192.0.2.60", false},
		{"192.0.2.61", "192.0.2.60", false},
	} {
		if got := exactTerm(tc.v, tc.ip); got != tc.want {
			t.Errorf("exactTerm(%q, %q) = %v, want %v", tc.v, tc.ip, got, tc.want)
		}
	}
}
