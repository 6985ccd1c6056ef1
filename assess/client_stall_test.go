//go:build unix

package assess

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"senderproof/assess/dnstest"
)

// stallChildEnv names the server a child process of
// TestClientQPSAfterProcessStall asks.
const stallChildEnv = "SENDERPROOF_QPS_STALL_SERVER"

const (
	stallQPS     = 20
	stallLookups = 60
)

// TestClientQPSAfterProcessStall: a client held up mid-run (here stopped
// with SIGSTOP for two seconds, as a loaded machine or a suspended
// terminal would) sends the queries that waited spaced 1/QPS apart when it
// runs again, not all at once, and no second of the run holds more than
// --qps. The client runs in a child process (this test again), so that
// only it stops, not the server that times its queries.
func TestClientQPSAfterProcessStall(t *testing.T) {
	if addr := os.Getenv(stallChildEnv); addr != "" {
		stallChild(t, addr)
		return
	}
	t.Parallel()
	var (
		mu       sync.Mutex
		arrivals []time.Time
	)
	srv := startClientZone(t, dnstest.Config{Observe: func(string, uint16) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		mu.Unlock()
	}})
	arrived := func() int { mu.Lock(); defer mu.Unlock(); return len(arrivals) }
	cmd := exec.Command(os.Args[0], "-test.run=^TestClientQPSAfterProcessStall$", "-test.count=1")
	cmd.Env = append(os.Environ(), stallChildEnv+"="+srv.Addr)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		// Never leave a stopped child behind.
		_ = cmd.Process.Signal(syscall.SIGCONT)
		_ = cmd.Process.Kill()
	})
	for deadline := time.Now().Add(20 * time.Second); arrived() < 10; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the child sent %d queries in 20 s: %s", arrived(), out.String())
		}
	}
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	if err := cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("child: %v: %s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the child did not end: %s", out.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(arrivals) != stallLookups {
		t.Fatalf("%d queries arrived, want %d", len(arrivals), stallLookups)
	}
	slices.SortFunc(arrivals, func(a, b time.Time) int { return a.Compare(b) })
	// Sent 50 ms apart; arriving, a busy machine's scheduling may delay
	// one until it lands near the next, so two may arrive close together
	// (15 ms apart was seen), but three in a row span two gaps: never
	// less than half of one. The queries that waited out the stop, all
	// sent at once, arrived within microseconds.
	minSpan, at := time.Hour, 0
	for i := 2; i < len(arrivals); i++ {
		if g := arrivals[i].Sub(arrivals[i-2]); g < minSpan {
			minSpan, at = g, i
		}
	}
	if want := time.Second / stallQPS / 2; minSpan < want {
		t.Errorf("queries %d to %d arrived within %s at --qps %d, want %s at least", at-2, at, minSpan, stallQPS, want)
	}
	if n, i := busiestSecond(arrivals); n > stallQPS+1 {
		t.Errorf("%d queries arrived within a second of query %d, at --qps %d", n, i, stallQPS)
	}
}

// stallChild is the client of TestClientQPSAfterProcessStall: it looks up
// stallLookups names at --qps stallQPS, 32 at a time.
func stallChild(t *testing.T, addr string) {
	c, err := NewClient(ClientOptions{Servers: []string{addr}, Timeout: 10 * time.Second, QPS: stallQPS, Concurrency: 32, BreakerThreshold: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var wg sync.WaitGroup
	for i := range stallLookups {
		name := dns.Fqdn("n" + strconv.Itoa(i) + ".client.example")
		wg.Go(func() {
			if _, err := c.Lookup(context.Background(), name, dns.TypeA); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		})
	}
	wg.Wait()
}
