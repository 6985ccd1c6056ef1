package assess

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"senderproof/assess/dnstest"
)

// TestEvidenceAnswersAlwaysAList: every recorded exchange has an answers
// list, empty when no response came (timeout) or the response had none, so
// evidence.json never holds "answers": null (SPEC shape).
func TestEvidenceAnswersAlwaysAList(t *testing.T) {
	t.Parallel()
	srv := startAuth(t, dnstest.Config{Faults: map[string]dnstest.Fault{
		"10.2.0.192.in-addr.arpa.": dnstest.Drop,
		"11.2.0.192.in-addr.arpa.": dnstest.ServFail,
		"12.2.0.192.in-addr.arpa.": dnstest.Refused,
	}, Zones: []dnstest.Zone{{Origin: "2.0.192.in-addr.arpa.", File: "reverse",
		Text: "$TTL 300\n@ IN SOA ns.example. hostmaster.example. 1 3600 600 86400 300\n14 IN PTR mail.example.\n"}}})
	c := authClient(t, srv.Addr, false, 200*time.Millisecond)
	for _, tc := range []struct {
		name, ip  string
		answers   int
		errored   bool
		authority bool // a negative answer keeps the SOA that bounds it
	}{
		{"timeout", "192.0.2.10", 0, true, false},
		{"servfail", "192.0.2.11", 0, false, false},
		{"refused", "192.0.2.12", 0, false, false},
		{"nxdomain", "192.0.2.13", 0, false, true},
		{"answer", "192.0.2.14", 1, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := checkPTRPresent(context.Background(), c, Asset{IP: tc.ip})
			if len(fs) != 1 {
				t.Fatalf("%d findings", len(fs))
			}
			f := fs[0]
			if len(f.Evidence) == 0 {
				t.Fatal("no evidence")
			}
			for _, ev := range f.Evidence {
				if ev.Answers == nil || len(ev.Answers) != tc.answers || (ev.Error != "") != tc.errored {
					t.Errorf("evidence %+v: want %d answers (non-nil), error %v", ev, tc.answers, tc.errored)
				}
				if got := len(ev.Authority) == 1 && strings.Contains(ev.Authority[0], "\tSOA\t") && strings.HasPrefix(ev.Authority[0], "2.0.192.in-addr.arpa.\t300\t"); got != tc.authority {
					t.Errorf("evidence authority %q: want the zone's SOA %v", ev.Authority, tc.authority)
				}
			}
			b, err := json.Marshal(f.Evidence)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), `"answers":null`) || !strings.Contains(string(b), `"answers":[`) {
				t.Errorf("evidence JSON: %s", b)
			}
		})
	}
}
