package assess

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"senderproof/assess/dnstest"
	"senderproof/templates"
)

func TestReplayLookup(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	ev := func(name, typ, rcode string, answers ...string) Evidence {
		return Evidence{Name: name, Type: typ, Server: "127.0.0.1:53", Transport: "udp", Rcode: rcode, Answers: answers, At: at, RTT: 1.25}
	}
	failed := func(name, typ, msg string) Evidence {
		return Evidence{Name: name, Type: typ, Server: "127.0.0.1:53", Transport: "udp", Answers: []string{}, At: at, RTT: 400.5, Error: msg}
	}
	recorded := []Evidence{
		ev("a.example.com.", "A", "NOERROR", "a.example.com.\t300\tIN\tCNAME\tb.example.net."),
		ev("b.example.net.", "A", "NOERROR", "b.example.net.\t300\tIN\tA\t192.0.2.1"),
		ev("nx.example.com.", "A", "NXDOMAIN"),
		ev("sf.example.com.", "TXT", "SERVFAIL"),
		ev("txt.example.com.", "TXT", "NOERROR", `txt.example.com.	60	IN	TXT	"v=spf1 -all" "\"quoted\" \\ \255"`),
		failed("slow.example.com.", "A", "timeout: no answer from 127.0.0.1:53 over udp within 400ms"),
		failed("down.example.com.", "A", "network error: 127.0.0.1:53 over udp: connection refused"),
		ev("bad.example.com.", "A", "NOERROR", "not a record"),
		ev("Mixed.Example.COM.", "AAAA", "NOERROR", "mixed.example.com.\t300\tIN\tAAAA\t2001:db8::1"),
	}
	r := NewReplayEvidence(recorded)
	ctx := context.Background()

	t.Run("cname chased over recorded exchanges", func(t *testing.T) {
		ans, err := r.Lookup(ctx, "A.example.com", dns.TypeA)
		if err != nil {
			t.Fatal(err)
		}
		if Classify(ans, err) != OutcomeRecords || len(ans.RRs) != 1 || ans.RRs[0].(*dns.A).A.String() != "192.0.2.1" {
			t.Errorf("answer %+v", ans)
		}
		if !slices.Equal(ans.Chain, []string{"b.example.net."}) {
			t.Errorf("chain %v", ans.Chain)
		}
		if len(ans.Exchanges) != 2 || !sameEvidence(ans.Exchanges[0], recorded[0]) || !sameEvidence(ans.Exchanges[1], recorded[1]) {
			t.Errorf("exchanges %+v", ans.Exchanges)
		}
	})
	t.Run("rcodes are data", func(t *testing.T) {
		ans, err := r.Lookup(ctx, "nx.example.com", dns.TypeA)
		if Classify(ans, err) != OutcomeNXDomain {
			t.Errorf("nx: %v %+v", err, ans)
		}
		ans, err = r.Lookup(ctx, "sf.example.com", dns.TypeTXT)
		if err != nil || ans.Rcode != dns.RcodeServerFailure || Classify(ans, err) != OutcomeError {
			t.Errorf("servfail: %v %+v", err, ans)
		}
	})
	t.Run("txt escapes survive", func(t *testing.T) {
		ans, err := r.Lookup(ctx, "txt.example.com", dns.TypeTXT)
		if err != nil {
			t.Fatal(err)
		}
		if got := txtStrings(ans); len(got) != 1 || got[0] != "v=spf1 -all\"quoted\" \\ \xff" {
			t.Errorf("txt %q", got)
		}
		if ans.RRs[0].Header().Ttl != 60 {
			t.Errorf("ttl %d", ans.RRs[0].Header().Ttl)
		}
	})
	t.Run("recorded failures fail the same way", func(t *testing.T) {
		ans, err := r.Lookup(ctx, "slow.example.com", dns.TypeA)
		if !errors.Is(err, ErrTimeout) || err.Error() != recorded[5].Error || ans.Err != recorded[5].Error {
			t.Errorf("timeout replayed as %v (%q)", err, ans.Err)
		}
		if len(ans.Exchanges) != 1 || !sameEvidence(ans.Exchanges[0], recorded[5]) {
			t.Errorf("exchanges %+v", ans.Exchanges)
		}
		if reason := errorReason(ans, err); reason != "timeout" {
			t.Errorf("reason %q", reason)
		}
		_, err = r.Lookup(ctx, "down.example.com", dns.TypeA)
		if !errors.Is(err, ErrNetwork) || errors.Is(err, ErrTimeout) {
			t.Errorf("network error replayed as %v", err)
		}
		if _, err := r.Lookup(ctx, "bad.example.com", dns.TypeA); err == nil || !strings.Contains(err.Error(), "does not parse") {
			t.Errorf("unparseable answer: %v", err)
		}
	})
	t.Run("names compare case-insensitively", func(t *testing.T) {
		if ans, err := r.Lookup(ctx, "mixed.example.com.", dns.TypeAAAA); err != nil || len(ans.RRs) != 1 {
			t.Errorf("%v %+v", err, ans)
		}
	})
	t.Run("unrecorded questions", func(t *testing.T) {
		r := NewReplayEvidence(recorded)
		for range 2 {
			ans, err := r.Lookup(ctx, "other.example.com", dns.TypeMX)
			// The question is kept as asked and not found.
			if !errors.Is(err, ErrNotRecorded) || len(ans.Exchanges) != 1 || ans.Exchanges[0].Error != ErrNotRecorded.Error() || ans.Exchanges[0].Answers == nil {
				t.Errorf("unrecorded: %v %+v", err, ans)
			}
			if reason := errorReason(ans, err); reason != "not_recorded" {
				t.Errorf("reason %q", reason)
			}
		}
		if _, err := r.Lookup(ctx, "a.example.com", dns.TypeAAAA); !errors.Is(err, ErrNotRecorded) {
			t.Errorf("other type of a recorded name: %v", err)
		}
		if got := r.Missing(); !slices.Equal(got, []string{"MX other.example.com", "AAAA a.example.com"}) {
			t.Errorf("missing %v", got)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := r.Lookup(cctx, "a.example.com", dns.TypeA); !errors.Is(err, context.Canceled) {
			t.Errorf("%v", err)
		}
	})
}

func sameEvidence(a, b Evidence) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// TestReplayReproducesLiveRun assesses assets against the test server with
// every kind of fault, then replays the findings offline: the replay must
// give the same findings, byte for byte, from the whole recording and from
// each finding's own evidence.
func TestReplayReproducesLiveRun(t *testing.T) {
	t.Parallel()
	srv := dnstest.Start(t, dnstest.Config{Faults: map[string]dnstest.Fault{
		"flaky.example.com.":       dnstest.ServFail,
		"24.2.0.192.in-addr.arpa.": dnstest.Drop,
		"25.2.0.192.in-addr.arpa.": dnstest.Refused,
		"mail18.example.com./A":    dnstest.Truncate,
		"mail20.example.com./A":    dnstest.WrongName,
		"timeout.example.com./A":   dnstest.Drop,
	}}, ptrZones(t)...)
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	assets := []Asset{
		{IP: "192.0.2.10", Hostname: "mail1.example.com", HELO: "mail1.example.com", Domain: "dkim-test.example", DKIMSelectors: []string{"rsa2048", "ed25519", "nokey"}},
		{IP: "192.0.2.11", HELO: "timeout.example.com", Domain: "chain.spf-test.example"},
		{IP: "192.0.2.12", Domain: "partial.dmarc-test.example"},
		{IP: "192.0.2.13"},
		{IP: "192.0.2.18", Hostname: "mail18.example.com"},
		{IP: "192.0.2.20", HELO: "mail20.example.com"},
		{IP: "192.0.2.21"},
		{IP: "192.0.2.22"},
		{IP: "192.0.2.24", HELO: "mail1.example.com"},
		{IP: "192.0.2.25"},
		{IP: "192.0.2.70", Hostname: "mail70.example.com"},
		{IP: "2001:db8::25"},
	}
	tpl := templates.MustDefault()
	ctx := context.Background()
	live, err := Run(ctx, assets, Options{Resolver: c, Templates: tpl})
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[Status]bool{}
	for _, f := range live {
		statuses[f.Status] = true
	}
	if !statuses[StatusError] || !statuses[StatusPass] || !statuses[StatusFail] {
		t.Fatalf("the live run should show pass, fail and error: %v", statuses)
	}

	// Through JSON, as the findings are stored in evidence.json.
	b, err := json.Marshal(live)
	if err != nil {
		t.Fatal(err)
	}
	var stored []Finding
	if err := json.Unmarshal(b, &stored); err != nil {
		t.Fatal(err)
	}

	r := NewReplay(stored)
	replayed, err := Run(ctx, assets, Options{Resolver: r, Templates: tpl})
	if err != nil {
		t.Fatal(err)
	}
	if m := r.Missing(); len(m) > 0 {
		t.Errorf("questions not in the recording: %v", m)
	}
	rb, err := json.Marshal(replayed)
	if err != nil {
		t.Fatal(err)
	}
	if string(rb) != string(b) {
		for i := range min(len(live), len(replayed)) {
			if d := FindingDiff(live[i], replayed[i]); len(d) > 0 {
				t.Fatalf("finding %s differs on replay: %s", FindingKey(live[i]), strings.Join(d, "; "))
			}
		}
		t.Fatalf("replayed %d findings, live %d", len(replayed), len(live))
	}

	n, problems, err := VerifyFindings(ctx, assets, stored, tpl)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(stored) || len(problems) > 0 {
		t.Errorf("%d of %d replayed; problems: %v", n, len(stored), problems)
	}

	t.Run("evidence left out", func(t *testing.T) {
		i := slices.IndexFunc(stored, func(f Finding) bool { return f.Asset == "192.0.2.10" && f.Check == "ptr.fcrdns" })
		f := stored[i]
		f.Evidence = slices.DeleteFunc(slices.Clone(f.Evidence), func(ev Evidence) bool { return ev.Type == "A" })
		_, err := Reproduce(ctx, assets[0], f, tpl)
		var nr *NotRecordedError
		if !errors.As(err, &nr) || !errors.Is(err, ErrNotRecorded) || !slices.Equal(nr.Questions, []string{"A mail1.example.com"}) {
			t.Fatalf("%v", err)
		}
		_, problems, _ := VerifyFindings(ctx, assets, []Finding{f}, tpl)
		if len(problems) != 1 || problems[0].Error() != "finding 192.0.2.10 ptr.fcrdns used DNS data that is not in its evidence: A mail1.example.com" {
			t.Errorf("problems %v", problems)
		}
	})
	t.Run("one selector at a time", func(t *testing.T) {
		i := slices.IndexFunc(stored, func(f Finding) bool {
			return f.Asset == "192.0.2.10" && f.Check == "dkim.key" && f.Selector != nil && *f.Selector == "nokey"
		})
		got, err := Reproduce(ctx, assets[0], stored[i], tpl)
		if err != nil || len(FindingDiff(stored[i], got)) > 0 {
			t.Errorf("%v %v", err, FindingDiff(stored[i], got))
		}
	})
	t.Run("not replayable", func(t *testing.T) {
		_, problems, _ := VerifyFindings(ctx, assets, []Finding{
			{Asset: "192.0.2.10", Check: "drift.changed", Status: StatusPass},
			{Asset: "192.0.2.99", Check: "ptr.present", Status: StatusPass},
			{Asset: "192.0.2.10", Check: "no.such_check", Status: StatusPass},
		}, tpl)
		if len(problems) != 2 || !strings.Contains(problems[0].Error(), "not in the pack") || !strings.Contains(problems[1].Error(), "unknown check") {
			t.Errorf("problems %v", problems)
		}
	})
}

// TestFindingDiffNamesWhatDiffers: verify's message for observed values
// that differ names the keys that differ, and a long value is shown from
// just before its first difference, so the difference is in view.
func TestFindingDiffNamesWhatDiffers(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ip4:198.51.100.1 ", 40)
	rec := Finding{Status: StatusPass, Observed: map[string]any{"record": "v=spf1 " + long + "-all", "ptr": "a.example", "same": 1}}
	rep := Finding{Status: StatusPass, Observed: map[string]any{"record": "v=spf1 " + long + "~all", "ptr": "b.example", "new": true, "same": 1}}
	d := strings.Join(FindingDiff(rec, rep), "\n")
	for _, want := range []string{
		`"new" replayed true, not recorded`,
		`"ptr" replayed "b.example", recorded "a.example"`,
		`100.1 ~all"`, `100.1 -all"`,
	} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
	if strings.Contains(d, `"same"`) {
		t.Errorf("diff names a key that agrees:\n%s", d)
	}
}

// TestReplayQuestionNotRecorded: a pack recorded before a check asked a
// question (the authorization of an external report address) replays with
// that question in the finding's evidence as asked and not recorded, so
// that the replayed finding reproduces from its own evidence, as verify
// replays it.
func TestReplayQuestionNotRecorded(t *testing.T) {
	t.Parallel()
	srv := startAuth(t, dnstest.Config{Zones: []dnstest.Zone{
		{Origin: "rr.example.", File: "rr", Text: "$TTL 300\n@ IN SOA ns.rr.example. h.rr.example. 1 3600 600 86400 300\n" +
			"_dmarc IN TXT \"v=DMARC1; p=reject; rua=mailto:d@reports.other.example\"\n"},
		{Origin: "other.example.", File: "other", Text: "$TTL 300\n@ IN SOA ns.other.example. h.other.example. 1 3600 600 86400 300\n" +
			"rr.example._report._dmarc.reports IN TXT \"v=DMARC1\"\n"},
	}})
	a := Asset{IP: "192.0.2.10", Domain: "rr.example"}
	live := runCheck(t, "dmarc.reporting", checkDMARCReporting, authClient(t, srv.Addr, false, time.Second), a)
	// As an earlier build recorded it: without the authorization's
	// exchange.
	old := live
	old.Evidence = slices.DeleteFunc(slices.Clone(live.Evidence), func(e Evidence) bool { return strings.Contains(e.Name, "._report._dmarc.") })
	if len(old.Evidence) == len(live.Evidence) {
		t.Fatalf("no authorization exchange in %+v", live.Evidence)
	}
	ctx := context.Background()
	replayed, err := Reproduce(ctx, a, old, nil)
	if !errors.Is(err, ErrNotRecorded) {
		t.Fatalf("replay of the earlier recording: %v, want not recorded", err)
	}
	if replayed.Status != StatusPass || replayed.Observed["rua_unverified"] == nil {
		t.Errorf("replayed %s %v: want pass, the address not checked", replayed.Status, replayed.Observed)
	}
	again, err := Reproduce(ctx, a, replayed, nil)
	if err != nil {
		t.Fatalf("the replayed finding does not reproduce from its own evidence: %v", err)
	}
	if d := FindingDiff(replayed, again); len(d) > 0 {
		t.Errorf("the replayed finding reproduces differently: %v", d)
	}
}

// TestReplayConflicts: a question recorded twice with the same records
// (another TTL: asked again once its cache entry expired), or once failed
// and once answered, is no conflict; other records or another rcode are.
func TestReplayConflicts(t *testing.T) {
	t.Parallel()
	ev := func(rcode, errText string, answers ...string) Evidence {
		return Evidence{Name: "example.com.", Type: "TXT", Rcode: rcode, Error: errText, Answers: answers}
	}
	spf := "example.com.\t300\tIN\tTXT\t\"v=spf1 -all\""
	r := NewReplayEvidence([]Evidence{ev("NOERROR", "", spf)})
	r.Record(ev("NOERROR", "", "example.com.\t12\tIN\tTXT\t\"v=spf1 -all\""))
	if n, _ := r.Conflicts(); n != 0 {
		t.Fatalf("%d conflicts for the same records", n)
	}
	r.Record(ev("NOERROR", "", "example.com.\t300\tIN\tTXT\t\"v=spf1 +all\""), ev("NXDOMAIN", ""))
	if n, first := r.Conflicts(); n != 1 || !slices.Equal(first, []string{"TXT example.com"}) {
		t.Fatalf("conflicts %d %q, want 1 naming TXT example.com", n, first)
	}
	// A failure, then an answer: the replay gives every finding the
	// failure, so the answered one's verdict moves. Two failures do not.
	fl := func(name, errText string, answers ...string) Evidence {
		e := ev("NOERROR", errText, answers...)
		e.Name = name
		return e
	}
	r = NewReplayEvidence([]Evidence{fl("a.example.", "timeout"), fl("b.example.", "timeout")})
	r.Record(fl("a.example.", "", "a.example.\t300\tIN\tTXT\t\"v=spf1 -all\""), fl("b.example.", "every resolver is down"))
	if n, first := r.Conflicts(); n != 1 || !slices.Equal(first, []string{"TXT a.example"}) {
		t.Fatalf("conflicts %d %q, want 1 naming TXT a.example", n, first)
	}
}
