package assess

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"senderproof/assess/dnstest"
)

// retransmitWorld is a zone of n warm-up names and n names whose first
// query is dropped (the given fault applies to them).
func retransmitServer(t *testing.T, n int, fault dnstest.Fault, delay time.Duration) *dnstest.Server {
	t.Helper()
	var z strings.Builder
	z.WriteString(scenarioSOA)
	faults := map[string]dnstest.Fault{}
	for i := range n {
		fmt.Fprintf(&z, "warm%d IN A 192.0.2.1\nlossy%d IN A 192.0.2.2\n", i, i)
		faults[fmt.Sprintf("lossy%d.example.com.", i)] = fault
	}
	return dnstest.Start(t, dnstest.Config{
		Zones: []dnstest.Zone{{Origin: "example.com.", Text: z.String()}}, Faults: faults, Delay: delay,
	})
}

// lookupAll asks each name once, all at once, and fails on any error.
func lookupAll(t *testing.T, c *Client, names []string) time.Duration {
	t.Helper()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(names))
	for i, name := range names {
		wg.Go(func() {
			ans, err := c.Lookup(context.Background(), name, dns.TypeA)
			if err == nil && Classify(ans, err) != OutcomeRecords {
				err = fmt.Errorf("outcome %v", Classify(ans, err))
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v", names[i], err)
		}
	}
	return time.Since(start)
}

func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d.example.com.", prefix, i)
	}
	return out
}

// TestRetransmitAfterRoundTrip: once the server's round trips are known, a
// lost query is sent again after rtoFloor, not after the full timeout.
func TestRetransmitAfterRoundTrip(t *testing.T) {
	t.Parallel()
	srv := retransmitServer(t, 64, dnstest.DropFirst, 0)
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 5 * time.Second, Retries: 2, Concurrency: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	lookupAll(t, c, names("warm", 64))
	took := lookupAll(t, c, names("lossy", 64))
	if took > 2*time.Second {
		t.Errorf("64 lookups whose first query was lost took %s; want about %s, not the %s timeout", took, rtoFloor, 5*time.Second)
	}
	if st := c.Stats(); st.Timeouts < 64 {
		t.Errorf("%d timeouts counted, want at least 64", st.Timeouts)
	}
}

// TestRetransmitKeepsSlowAnswers: a server slower than its usual round trip
// (but within the timeout) still answers: the last attempt waits the full
// timeout, so the lookup is never an error for being slow.
func TestRetransmitKeepsSlowAnswers(t *testing.T) {
	t.Parallel()
	srv := retransmitServer(t, 40, dnstest.Delay, 600*time.Millisecond)
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 2 * time.Second, Retries: 2, Concurrency: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	lookupAll(t, c, names("warm", 40))
	took := lookupAll(t, c, names("lossy", 40))
	if took > 4*time.Second {
		t.Errorf("slow answers took %s", took)
	}
}

// TestRetransmitSteadyRoundTrip: a server that answers every query in the
// same time has no variation in its round trips; a query is still not sent
// again until rtoFloor past that time, so its answer, on its way, is not
// overtaken by a second query.
func TestRetransmitSteadyRoundTrip(t *testing.T) {
	t.Parallel()
	s := &serverState{}
	for range 500 {
		s.sampleRTT(400)
	}
	if got, want := s.retransmitAfter(5*time.Second), 400*time.Millisecond+rtoFloor; got < want {
		t.Errorf("steady 400 ms round trips: sent again after %s, want %s at least", got, want)
	}
	if got := s.retransmitAfter(500 * time.Millisecond); got != 500*time.Millisecond {
		t.Errorf("timeout below it: %s, want the timeout", got)
	}
}

// TestRetransmitSlowServerAnswersOnce: against a server answering every
// query in 300 ms, steadily, questions are not sent twice once its round
// trips are known.
func TestRetransmitSlowServerAnswersOnce(t *testing.T) {
	t.Parallel()
	srv := dnstest.Start(t, dnstest.Config{
		Zones: []dnstest.Zone{{Origin: "example.com.", Text: scenarioSOA + "warm0 IN A 192.0.2.1\n"}},
		Delay: 300 * time.Millisecond, DelayAll: true,
	})
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 5 * time.Second, Retries: 2, Concurrency: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Names of the zone's origin (NXDOMAIN): the answers are all alike.
	ask := func(prefix string) {
		var wg sync.WaitGroup
		for _, name := range names(prefix, 64) {
			wg.Go(func() {
				if _, err := c.Lookup(context.Background(), name, dns.TypeA); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			})
		}
		wg.Wait()
	}
	ask("first")
	before := c.Stats()
	ask("second")
	ask("third")
	st := c.Stats()
	// Two to spare for a busy machine's stall of 200 ms at the wrong
	// moment (TestRetransmitSteadyRoundTrip checks the timer itself).
	if sent, asked := st.Sent-before.Sent, st.Exchanges-before.Exchanges; sent > asked+2 {
		t.Errorf("%d messages for %d questions: answers that take 300 ms every time were not waited for", sent, asked)
	}
}

// TestRetransmitWaitsUntilKnown: before rtoMinSamples answers, a lost query
// waits the full timeout (nothing is known of the server yet).
func TestRetransmitWaitsUntilKnown(t *testing.T) {
	t.Parallel()
	s := &serverState{}
	if got := s.retransmitAfter(3 * time.Second); got != 3*time.Second {
		t.Errorf("no samples: %s, want the timeout", got)
	}
	for range rtoMinSamples {
		s.sampleRTT(0.4)
	}
	if got := s.retransmitAfter(3 * time.Second); got < rtoFloor || got > rtoFloor+time.Millisecond {
		t.Errorf("fast server: %s, want its round trip and the floor %s", got, rtoFloor)
	}
	for range 200 {
		s.sampleRTT(900)
	}
	if got := s.retransmitAfter(3 * time.Second); got < 899*time.Millisecond+rtoFloor || got > 3*time.Second {
		t.Errorf("slow server: %s, want between its round trip and the floor, and the timeout", got)
	}
	if got := s.retransmitAfter(100 * time.Millisecond); got != 100*time.Millisecond {
		t.Errorf("timeout below the floor: %s, want the timeout", got)
	}
}
