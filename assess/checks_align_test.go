package assess

import (
	"testing"
	"time"

	"senderproof/assess/dnstest"
)

// alignReverse is the reverse zone of the align.identity tests.
const alignReverse = `$TTL 300
@ IN SOA ns.align-test.example. hostmaster.align-test.example. 1 3600 600 86400 300
5 IN PTR mail.align-test.example.
6 IN PTR mail.other-org.example.
9 IN PTR aa.other-org.example.
9 IN PTR mail2.align-test.example.
`

func TestAlignIdentity(t *testing.T) {
	t.Parallel()
	srv := startAuth(t, dnstest.Config{
		Zones:  []dnstest.Zone{{Origin: "113.0.203.in-addr.arpa.", Text: alignReverse}},
		Faults: map[string]dnstest.Fault{"8.113.0.203.in-addr.arpa.": dnstest.ServFail},
	}, "align-test.example.zone")
	cases := []checkCase{
		{name: "all aligned", asset: Asset{IP: "203.0.113.5", HELO: "mail.align-test.example", Domain: "align-test.example"}, status: StatusPass,
			obs: map[string]string{"ptr": "mail.align-test.example", "org_domain": "align-test.example", "out_of_line": "[]"}},
		{name: "ptr out of line", asset: Asset{IP: "203.0.113.6", HELO: "mail.align-test.example", Domain: "align-test.example"}, status: StatusWarn, reason: "different_org",
			obs: map[string]string{"out_of_line": "[ptr]", "ptr_org": "other-org.example"}},
		{name: "helo out of line", asset: Asset{IP: "203.0.113.5", HELO: "smtp.other-org.example", Domain: "align-test.example"}, status: StatusWarn, reason: "different_org",
			obs: map[string]string{"out_of_line": "[helo]"}},
		{name: "domain differs from both", asset: Asset{IP: "203.0.113.5", HELO: "mail.align-test.example", Domain: "other-org.example"}, status: StatusWarn, reason: "different_org",
			obs: map[string]string{"out_of_line": "[ptr helo]", "org_domain": "other-org.example"}},
		{name: "forward-confirmed ptr preferred", asset: Asset{IP: "203.0.113.9", Domain: "align-test.example"}, status: StatusPass,
			obs: map[string]string{"ptr": "mail2.align-test.example"}},
		{name: "no ptr, helo and domain", asset: Asset{IP: "203.0.113.7", HELO: "mail.align-test.example", Domain: "align-test.example"}, status: StatusPass},
		{name: "no ptr, one identity", asset: Asset{IP: "203.0.113.7", Domain: "align-test.example"}, status: StatusSkip, reason: "one_identity"},
		{name: "only ptr", asset: Asset{IP: "203.0.113.5"}, status: StatusSkip, reason: "one_identity"},
		// SPEC: one organizational domain is a pass; the DMARC alignment
		// mode (aspf=s here) plays no part.
		{name: "strict aspf", asset: Asset{IP: "203.0.113.5", HELO: "mail.align-test.example", Domain: "strict.align-test.example"}, status: StatusPass,
			obs: map[string]string{"out_of_line": "[]"}},
		{name: "strict aspf, helo is the domain", asset: Asset{IP: "203.0.113.5", HELO: "strict.align-test.example", Domain: "strict.align-test.example"}, status: StatusPass},
		{name: "single-label helo", asset: Asset{IP: "203.0.113.7", HELO: "localhost", Domain: "align-test.example"}, status: StatusWarn, reason: "different_org",
			obs: map[string]string{"helo_org": "localhost"}},
		{name: "ptr error", asset: Asset{IP: "203.0.113.8", HELO: "mail.align-test.example", Domain: "align-test.example"}, status: StatusError, reason: "servfail"},
	}
	transports(t, func(t *testing.T, tcp bool) {
		c := authClient(t, srv.Addr, tcp, 500*time.Millisecond)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				f := runCheck(t, "align.identity", checkAlignIdentity, c, tc.asset)
				if tc.status == StatusSkip && tc.asset.HELO == "" && tc.asset.Domain == "" {
					if f.Status != StatusSkip {
						t.Errorf("status %s, want skip", f.Status)
					}
					return
				}
				tc.verify(t, f)
			})
		}
	})
}
