package main

import (
	"slices"
	"strings"
	"testing"

	"senderproof/assess"
)

func TestResolverNotes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		health []assess.ServerHealth
		want   []string
	}{
		{"all up", []assess.ServerHealth{{Server: "127.0.0.1:53"}}, nil},
		{"stopped", []assess.ServerHealth{{Server: "127.0.0.1:5353", Down: true, Outages: 1, StoppedAfter: 1234, Answered: 1234}},
			[]string{"resolver 127.0.0.1:5353 stopped answering after 1234 queries; 7 findings are error for want of an answer (timeout, or every resolver taken for down)"}},
		{"back", []assess.ServerHealth{{Server: "127.0.0.1:53"}, {Server: "127.0.0.1:5353", Outages: 2, StoppedAfter: 10}},
			[]string{"resolver 127.0.0.1:5353 stopped answering after 10 queries (it answered again later); 7 findings are error for want of an answer (timeout, or every resolver taken for down)"}},
		{"never", []assess.ServerHealth{{Server: "127.0.0.1:5353", Down: true, Outages: 1}},
			[]string{"resolver 127.0.0.1:5353 never answered; 7 findings are error for want of an answer (timeout, or every resolver taken for down)"}},
		// Stopped too late in the run for the breaker to mark it down.
		{"late", []assess.ServerHealth{{Server: "127.0.0.1:5353", Sent: 503, Answered: 150, LastUnanswered: 353}},
			[]string{"resolver 127.0.0.1:5353 left its last 353 queries unanswered; 7 findings are error for want of an answer (timeout, or every resolver taken for down)"}},
		// A few lost at the end are loss, not a resolver stopped.
		{"few lost", []assess.ServerHealth{{Server: "127.0.0.1:5353", Sent: 503, Answered: 496, LastUnanswered: assess.DefaultBreakerThreshold - 1}}, nil},
		// Waiting on dead zones at the end, but alive to a liveness
		// check since: the slow spell's note alone, not a resolver
		// stopped.
		{"slow at the end", []assess.ServerHealth{{Server: "127.0.0.1:5353", Sent: 503, Answered: 479, LastUnanswered: 24, SlowSpells: 1, AliveSinceAnswer: true}},
			[]string{"resolver 127.0.0.1:5353 left some questions unanswered in time while it answered others (a zone it was waiting on, not a resolver down); their findings are error (timeout)"}},
	}
	// Timeouts and resolvers down are what a silent resolver can cause;
	// a zone's SERVFAIL and a CNAME loop are not.
	reasons := failures{causes: map[string]int{"timeout": 4, "resolvers_down": 3, "timeout|resolvers_down": 7, "servfail": 9, "servfail|refused": 9, "network": 6}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := resolverNotes(tc.health, reasons); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestResolverNotesOthersAnswered: a resolver that never answered, beside
// one that answered everything, is not blamed for the run's other errors.
func TestResolverNotesOthersAnswered(t *testing.T) {
	t.Parallel()
	health := []assess.ServerHealth{{Server: "127.0.0.1:1", Down: true, Outages: 1}, {Server: "127.0.0.1:53", Answered: 140}}
	got := resolverNotes(health, failures{causes: map[string]int{"refused": 9, "servfail|refused": 9}})
	want := []string{"resolver 127.0.0.1:1 never answered; its questions went to the other resolvers, and no finding is error for want of an answer"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// A run too short for the breaker to take it for down: still named.
	health = []assess.ServerHealth{{Server: "127.0.0.1:53", Sent: 140, Answered: 140}, {Server: "127.0.0.1:9", Sent: 108}}
	got = resolverNotes(health, failures{})
	want = []string{"resolver 127.0.0.1:9 never answered; its questions went to the other resolvers, and no finding is error for want of an answer"}
	if !slices.Equal(got, want) {
		t.Errorf("short run: got %q, want %q", got, want)
	}
	// One that answered, then left the last queries of the run
	// unanswered, too late to be taken for down.
	health = []assess.ServerHealth{{Server: "127.0.0.1:53", Sent: 360, Answered: 360}, {Server: "127.0.0.1:9", Sent: 503, Answered: 150, LastUnanswered: 353}}
	got = resolverNotes(health, failures{})
	want = []string{"resolver 127.0.0.1:9 left its last 353 queries unanswered; their questions went to the other resolvers, and no finding is error for want of an answer"}
	if !slices.Equal(got, want) {
		t.Errorf("stopped late: got %q, want %q", got, want)
	}
	// One whose every answer was truncated, with TCP to it failing,
	// answered: another note says what went wrong.
	health = []assess.ServerHealth{{Server: "127.0.0.1:53", Sent: 140, Answered: 140}, {Server: "127.0.0.1:9", Sent: 8, TCPFailed: 8}}
	if got = resolverNotes(health, failures{}); len(got) != 0 {
		t.Errorf("truncating resolver: got %q, want no note", got)
	}
	// Alone, a resolver that stopped answering passed its questions to no
	// other; the removed senders whose recheck it left incomplete are said.
	alone := []assess.ServerHealth{{Server: "127.0.0.1:5305", Down: true, Outages: 1, StoppedAfter: 199, Answered: 199}}
	got = resolverNotes(alone, failures{rechecksUnchecked: 196})
	want = []string{"resolver 127.0.0.1:5305 stopped answering after 199 queries; the recheck of 196 removed senders could not be completed in full"}
	if !slices.Equal(got, want) {
		t.Errorf("alone: got %q, want %q", got, want)
	}
}

// TestTCPFailedNotes: a resolver whose truncated answers could not be
// fetched over TCP is named; the findings are said to be error only when
// some are for it.
func TestTCPFailedNotes(t *testing.T) {
	t.Parallel()
	health := []assess.ServerHealth{{Server: "127.0.0.1:53", Sent: 140, Answered: 140}, {Server: "127.0.0.1:9", Sent: 8, TCPFailed: 1, Timeouts: 5}}
	got := tcpFailedResolvers(health, failures{})
	want := []string{"resolver 127.0.0.1:9 truncated 1 answer over UDP and the retry over TCP failed: is TCP port 53 to it blocked? No finding is error for it"}
	if !slices.Equal(got, want) {
		t.Errorf("answered elsewhere: got %q, want %q", got, want)
	}
	// Findings error for other causes (a timeout at the other resolver):
	// nothing is claimed either way.
	got = tcpFailedResolvers(health, failures{causes: map[string]int{"timeout": 3}, errors: 3})
	want = []string{"resolver 127.0.0.1:9 truncated 1 answer over UDP and the retry over TCP failed: is TCP port 53 to it blocked?"}
	if !slices.Equal(got, want) {
		t.Errorf("other errors: got %q, want %q", got, want)
	}
	got = tcpFailedResolvers(health[1:], failures{causes: map[string]int{"tcp_failed": 3}, errors: 3})
	want = []string{"resolver 127.0.0.1:9 truncated 1 answer over UDP and the retry over TCP failed: is TCP port 53 to it blocked? The findings that needed them are error"}
	if !slices.Equal(got, want) {
		t.Errorf("alone: got %q, want %q", got, want)
	}
}

// TestTruncatedTCPResolvers: a resolver that cuts answers short over TCP
// too is named, and a run where it is the only one resolved nothing.
func TestTruncatedTCPResolvers(t *testing.T) {
	t.Parallel()
	alone := []assess.ServerHealth{{Server: "127.0.0.1:9", Sent: 30, Answered: 15, TruncatedTCP: 15}}
	got := truncatedTCPResolvers(alone, failures{causes: map[string]int{"truncated": 15}, errors: 15})
	want := []string{"resolver 127.0.0.1:9 cut 15 answers short (TC) even over TCP, which leaves no answer: a broken server, or something between it and senderproof that cuts TCP answers; the findings that needed them are error"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if !noUsableAnswer(alone) {
		t.Error("a resolver whose every answer was cut short over TCP too gave a usable answer")
	}
	// One name cut short among many, another name confirming: no error.
	if got := truncatedTCPResolvers(alone, failures{}); len(got) != 1 || !strings.HasSuffix(got[0], "cuts TCP answers; no finding is error for it") {
		t.Errorf("no error finding: %q", got)
	}
	two := append(alone, assess.ServerHealth{Server: "127.0.0.1:53", Sent: 15, Answered: 15})
	if got := truncatedTCPResolvers(two, failures{}); len(got) != 1 || !strings.HasSuffix(got[0], "cuts TCP answers; no finding is error for it") {
		t.Errorf("beside another: %q", got)
	}
}
