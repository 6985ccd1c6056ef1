package report

import (
	"strings"
	"testing"
	"time"

	"senderproof/assess"
)

// TestExchangeLedger: one exchange recorded two ways by two findings, a
// server the run does not name, and exchanges outside the run's time are
// problems; the same exchange recorded alike is not, nor is a replay's
// older exchanges.
func TestExchangeLedger(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	run := Run{Resolvers: []string{"127.0.0.1:53"}, StartedAt: start, FinishedAt: start.Add(time.Minute)}
	ex := func(server string, at time.Time, answer string) assess.Evidence {
		return assess.Evidence{Name: "_spf.example.net.", Type: "TXT", Server: server, Transport: "udp", Rcode: "NOERROR", At: at,
			Answers: []string{"_spf.example.net.\t300\tIN\tTXT\t\"" + answer + "\""}}
	}
	fnd := func(asset, check string, evs ...assess.Evidence) *assess.Finding {
		return &assess.Finding{Asset: asset, Check: check, Evidence: evs}
	}
	at := start.Add(time.Second)
	cases := []struct {
		name     string
		findings []*assess.Finding
		replay   bool
		want     []string
	}{
		{"alike", []*assess.Finding{
			fnd("192.0.2.20", "spf.authorizes_ip", ex("127.0.0.1:53", at, "v=spf1 ip4:198.51.100.0/24 -all")),
			fnd("192.0.2.70", "spf.authorizes_ip", ex("127.0.0.1:53", at, "v=spf1 ip4:198.51.100.0/24 -all")),
		}, false, nil},
		{"one exchange, two answers", []*assess.Finding{
			fnd("192.0.2.20", "spf.authorizes_ip", ex("127.0.0.1:53", at, "v=spf1 ip4:198.51.100.0/24 -all")),
			fnd("192.0.2.70", "spf.authorizes_ip", ex("127.0.0.1:53", at, "v=spf1 ip4:198.51.100.0/24 ip4:192.0.2.70 -all")),
		}, false, []string{"finding 192.0.2.70 spf.authorizes_ip records the exchange _spf.example.net. TXT with 127.0.0.1:53 at 2026-11-28T09:00:01Z otherwise than finding 192.0.2.20 spf.authorizes_ip: one exchange, two answers"}},
		{"the same question later is another exchange", []*assess.Finding{
			fnd("192.0.2.20", "spf.authorizes_ip", ex("127.0.0.1:53", at, "v=spf1 -all")),
			fnd("192.0.2.70", "spf.authorizes_ip", ex("127.0.0.1:53", at.Add(time.Millisecond), "v=spf1 +all")),
		}, false, nil},
		{"a server the run does not name", []*assess.Finding{
			fnd("192.0.2.20", "spf.authorizes_ip", ex("9.9.9.9:53", at, "v=spf1 -all")),
		}, false, []string{"exchanges were sent to 9.9.9.9:53, which run.resolvers (127.0.0.1:53) does not name"}},
		{"outside the run's time", []*assess.Finding{
			fnd("192.0.2.20", "spf.authorizes_ip", ex("127.0.0.1:53", start.Add(-time.Hour), "v=spf1 -all")),
		}, false, []string{"the exchanges were made from 2026-11-28T08:00:00Z to 2026-11-28T08:00:00Z, outside the run's recorded time, 2026-11-28T09:00:00Z to 2026-11-28T09:01:00Z"}},
		{"a replay's exchanges are the recorded run's", []*assess.Finding{
			fnd("192.0.2.20", "spf.authorizes_ip", ex("127.0.0.1:53", start.Add(-time.Hour), "v=spf1 -all")),
		}, true, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := newExchangeLedger()
			for _, f := range tc.findings {
				l.add(f)
			}
			var got []string
			for _, err := range l.finish(run, tc.replay) {
				got = append(got, err.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestExchangeLedgerOffboarding: the offboarding recheck's exchanges are
// held to the fleet's: an answer edited in a recheck finding or its host
// name lookup, with the verdict made to agree, conflicts with the same
// exchange recorded by a finding of the current fleet, and a recheck
// exchange's server and time are checked as any other's.
func TestExchangeLedgerOffboarding(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	run := Run{Resolvers: []string{"127.0.0.1:53"}, StartedAt: start, FinishedAt: start.Add(time.Minute)}
	at := start.Add(time.Second)
	ex := func(name, server string, at time.Time, answer string) assess.Evidence {
		return assess.Evidence{Name: name, Type: "TXT", Server: server, Transport: "udp", Rcode: "NOERROR", At: at,
			Answers: []string{name + "\t300\tIN\tTXT\t\"" + answer + "\""}}
	}
	drift := &Drift{Offboarding: []assess.Offboard{{IP: "192.0.2.40",
		Findings: []assess.Finding{{Asset: "192.0.2.40", Check: "spf.authorizes_ip",
			Evidence: []assess.Evidence{ex("example.com.", "127.0.0.1:53", at, "v=spf1 -all")}}},
		Host: &assess.HostLookup{Name: "old.example.com", Evidence: []assess.Evidence{ex("old.example.com.", "127.0.0.9:53", start.Add(-time.Hour), "x")}},
	}}}
	l := newExchangeLedger()
	l.add(&assess.Finding{Asset: "192.0.2.20", Check: "spf.authorizes_ip",
		Evidence: []assess.Evidence{ex("example.com.", "127.0.0.1:53", at, "v=spf1 ip4:192.0.2.40 -all")}})
	l.addOffboarding(drift)
	var got []string
	for _, err := range l.finish(run, false) {
		got = append(got, err.Error())
	}
	want := []string{
		"the offboarding recheck's finding 192.0.2.40 spf.authorizes_ip records the exchange example.com. TXT with 127.0.0.1:53 at 2026-11-28T09:00:01Z otherwise than finding 192.0.2.20 spf.authorizes_ip: one exchange, two answers",
		"exchanges were sent to 127.0.0.9:53, which run.resolvers (127.0.0.1:53) does not name",
		"the exchanges were made from 2026-11-28T08:00:00Z to 2026-11-28T09:00:01Z, outside the run's recorded time, 2026-11-28T09:00:00Z to 2026-11-28T09:01:00Z",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems\n got %q\nwant %q", got, want)
	}
}

// TestExchangeLedgerRunTimes: a run that finishes before it starts is a
// problem, a replay's too; an exchange a second past the recorded finish
// is outside the run.
func TestExchangeLedgerRunTimes(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	backwards := Run{Resolvers: []string{"127.0.0.1:53"}, StartedAt: start, FinishedAt: start.Add(-time.Hour)}
	for _, replay := range []bool{false, true} {
		errs := newExchangeLedger().finish(backwards, replay)
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), "run.finished_at 2026-11-28T08:00:00Z is before run.started_at 2026-11-28T09:00:00Z") {
			t.Errorf("replay %v: %v", replay, errs)
		}
	}
	l := newExchangeLedger()
	l.add(&assess.Finding{Asset: "192.0.2.1", Check: "ptr.present", Evidence: []assess.Evidence{{Name: "1.2.0.192.in-addr.arpa.", Type: "PTR", Server: "127.0.0.1:53", At: start.Add(61 * time.Second)}}})
	if errs := l.finish(Run{Resolvers: []string{"127.0.0.1:53"}, StartedAt: start, FinishedAt: start.Add(time.Minute)}, false); len(errs) != 1 {
		t.Errorf("an exchange a second after the finish: %v", errs)
	}
}

// TestEvidenceSpanOffboarding: the span of a replay's DNS answers takes in
// the offboarding recheck's exchanges, made after the fleet's.
func TestEvidenceSpanOffboarding(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	var s EvidenceSpan
	s.Add(&assess.Finding{Evidence: []assess.Evidence{{At: start}}})
	s.AddOffboarding([]assess.Offboard{{
		Findings: []assess.Finding{{Evidence: []assess.Evidence{{At: start.Add(time.Second)}}}},
		Host:     &assess.HostLookup{Evidence: []assess.Evidence{{At: start.Add(2 * time.Second)}}},
	}})
	r := s.ReplayOf("run-1")
	if !r.RecordedAt.Equal(start) || !r.RecordedTo.Equal(start.Add(2*time.Second)) {
		t.Errorf("span %s to %s, want %s to %s", r.RecordedAt, r.RecordedTo, start, start.Add(2*time.Second))
	}
}
