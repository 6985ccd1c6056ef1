package assess

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"senderproof/assess/dnstest"
)

// clientZone answers the client tests: one name with a short TTL, one with a
// long one, and names enough for the rate-limit test.
const clientZone = `$TTL 3600
@ IN SOA ns.example. hostmaster.example. 1 3600 600 86400 300
short 120 IN A 192.0.2.1
long IN A 192.0.2.2
slow IN A 192.0.2.3
`

func startClientZone(t *testing.T, cfg dnstest.Config) *dnstest.Server {
	t.Helper()
	cfg.Zones = append(cfg.Zones, dnstest.Zone{Origin: "client.example.", Text: clientZone, File: "client"})
	return startAuth(t, cfg)
}

// TestClientCollapsesInFlight: identical questions asked at once reach the
// server once; the others wait for that answer.
func TestClientCollapsesInFlight(t *testing.T) {
	t.Parallel()
	srv := startClientZone(t, dnstest.Config{Delay: 150 * time.Millisecond, Faults: map[string]dnstest.Fault{"slow.client.example.": dnstest.Delay}})
	c := authClient(t, srv.Addr, false, 2*time.Second)
	before := srv.Queries()
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 50 {
		wg.Go(func() {
			a, err := c.Lookup(context.Background(), "slow.client.example.", dns.TypeA)
			if err != nil || len(a.RRs) != 1 {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of 50 lookups did not get the answer", n)
	}
	if got := srv.Queries() - before; got != 1 {
		t.Errorf("server saw %d queries for 50 identical lookups in flight, want 1", got)
	}
	if st := c.Stats(); st.Lookups != 50 || st.CacheHits != 49 || st.Sent != 1 {
		t.Errorf("stats %+v: want 50 lookups, 49 hits, 1 sent", st)
	}
}

// TestClientCacheHonoursTTL: an answer is reused while its TTL (at least a
// minute) lasts and asked again after it, on the client's clock.
func TestClientCacheHonoursTTL(t *testing.T) {
	t.Parallel()
	srv := startClientZone(t, dnstest.Config{})
	var mu sync.Mutex
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: time.Second, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	ask := func(name string) {
		t.Helper()
		if a, err := c.Lookup(context.Background(), name, dns.TypeA); err != nil || len(a.RRs) != 1 {
			t.Fatalf("lookup %s: %+v, %v", name, a, err)
		}
	}
	steps := []struct {
		after    time.Duration
		name     string
		wantSent int64 // messages sent so far
	}{
		{0, "short.client.example.", 1},
		{0, "long.client.example.", 2},
		{100 * time.Second, "short.client.example.", 2}, // within its 120 s
		{21 * time.Second, "short.client.example.", 3},  // 121 s: expired
		{0, "long.client.example.", 3},                  // 3600 s record still cached
		{3600 * time.Second, "long.client.example.", 4}, // expired
	}
	for i, s := range steps {
		advance(s.after)
		ask(s.name)
		if got := c.Stats().Sent; got != s.wantSent {
			t.Fatalf("step %d (%s after %s): %d messages sent, want %d", i, s.name, s.after, got, s.wantSent)
		}
	}
}

// TestClientQPS: --qps is a ceiling over every second of the run, the
// first included, and a truncated answer asked again over TCP counts: 30
// distinct questions at --qps 20, every UDP answer truncated, are 60
// queries, at most 21 of them (the first sent at once) in any second.
func TestClientQPS(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var arrivals []time.Time
	srv := startClientZone(t, dnstest.Config{
		Faults: map[string]dnstest.Fault{},
		Observe: func(string, uint16) {
			mu.Lock()
			arrivals = append(arrivals, time.Now())
			mu.Unlock()
		},
	})
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: time.Second, QPS: 20, Concurrency: 32})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 30 {
		name := dns.Fqdn("n" + strconv.Itoa(i) + ".client.example")
		srv.SetFault(name, dnstest.Truncate)
		wg.Go(func() {
			// Distinct names (NXDOMAIN answers), so nothing is cached.
			_, _ = c.Lookup(context.Background(), name, dns.TypeA)
		})
	}
	wg.Wait()
	if st := c.Stats(); st.Sent != 60 || st.TCP != 30 {
		t.Fatalf("stats %+v: want 60 sent, 30 of them over TCP", st)
	}
	mu.Lock()
	defer mu.Unlock()
	// Sent at most 20 a second, the client's side shows; arriving, a busy
	// machine's scheduling may bunch one or two more.
	if n, i := busiestSecond(arrivals); n > 22 {
		t.Fatalf("%d queries arrived within a second of query %d, at --qps 20", n, i)
	}
}

// busiestSecond returns the most of arrivals within one second, and the
// index of the first of them (arrivals sorted in place).
func busiestSecond(arrivals []time.Time) (most, at int) {
	slices.SortFunc(arrivals, func(a, b time.Time) int { return a.Compare(b) })
	for i := range arrivals {
		n := 0
		for j := i; j < len(arrivals) && arrivals[j].Sub(arrivals[i]) < time.Second; j++ {
			n++
		}
		if n > most {
			most, at = n, i
		}
	}
	return most, at
}

// TestSystemResolvers reads resolv.conf files: IPv4 and IPv6 servers get
// port 53, a file without nameservers and a missing file are errors.
func TestSystemResolvers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		name, text string
		want       []string
		wantErr    bool
	}{
		{"v4 and v6", "# comment\nsearch example.com\nnameserver 192.0.2.53\nnameserver 2001:db8::53\noptions ndots:1\n", []string{"192.0.2.53:53", "[2001:db8::53]:53"}, false},
		{"no nameserver", "search example.com\n", nil, true},
		{"a port where an address goes", "nameserver 127.0.0.1:53\n", nil, true},
		{"a link-local address with its zone", "nameserver fe80::1%eth0\n", []string{"[fe80::1%eth0]:53"}, false},
		{"empty", "", nil, true},
		{"missing file", "", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			if tc.name != "missing file" {
				if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := SystemResolvers(path)
			if (err != nil) != tc.wantErr {
				t.Fatalf("SystemResolvers: %v, %v; want error %v", got, err, tc.wantErr)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("got %q, want %q", got, tc.want)
				}
			}
		})
	}
}

// The cache's probation: the oldest finished answers on probation go first
// and answers in flight stay; an answer used while on probation moves to
// kept and stays there through any number of one-off answers; kept entries
// past the bound go oldest first, unless used since they last came up; and
// the key queues stay bounded when entries go away on their own (answers
// with TTL 0) or are replaced.
func TestCacheShardEviction(t *testing.T) {
	sh := cacheShard{m: map[qkey]*cacheEntry{}, freshMax: 4, keptMax: 2}
	key := func(name string) qkey { return qkey{name, dns.TypeA} }
	add := func(name string, done bool) *cacheEntry {
		e := &cacheEntry{done: closedDone}
		if !done {
			e.done = make(chan struct{})
		}
		sh.add(key(name), e)
		return e
	}
	hit := func(name string) { sh.m[key(name)].used = true }
	check := func(when string, present, gone []string) {
		t.Helper()
		for _, n := range present {
			if _, ok := sh.m[key(n)]; !ok {
				t.Errorf("%s: %s was evicted", when, n)
			}
		}
		for _, n := range gone {
			if _, ok := sh.m[key(n)]; ok {
				t.Errorf("%s: %s is still cached", when, n)
			}
		}
		kept := 0
		for _, e := range sh.m {
			if e.kept {
				kept++
			}
		}
		if kept != sh.nKept || len(sh.m)-kept != sh.nFresh {
			t.Errorf("%s: counts %d on probation and %d kept, the map holds %d and %d", when, sh.nFresh, sh.nKept, len(sh.m)-kept, kept)
		}
		if sh.nFresh > sh.freshMax || sh.nKept > sh.keptMax {
			t.Errorf("%s: %d on probation and %d kept, bounds %d and %d", when, sh.nFresh, sh.nKept, sh.freshMax, sh.keptMax)
		}
		if sh.fresh.len() > 2*sh.freshMax+1 || sh.kept.len() > 2*sh.keptMax+1 {
			t.Errorf("%s: key queues hold %d and %d slots for bounds %d and %d", when, sh.fresh.len(), sh.kept.len(), sh.freshMax, sh.keptMax)
		}
	}

	add("inflight.", false)
	add("a.", true)
	add("hot.", true)
	hit("hot.") // asked again while on probation
	for _, n := range []string{"b.", "c.", "d."} {
		add(n, true)
	}
	check("after the first round", []string{"inflight.", "hot.", "b.", "c.", "d."}, []string{"a."})
	if !sh.m[key("hot.")].kept {
		t.Error("hot. was used on probation but not kept")
	}

	for i := range 100 {
		add(fmt.Sprintf("once-%d.", i), true)
	}
	check("after 100 one-off answers", []string{"inflight.", "hot."}, []string{"b.", "c.", "d."})

	// Two more used on probation: kept is past its bound, and the oldest
	// kept entry not used since it came in goes.
	hit("hot.")
	add("x.", true)
	hit("x.")
	add("y.", true)
	hit("y.")
	for i := range 10 {
		add(fmt.Sprintf("more-%d.", i), true)
	}
	check("after kept overflowed", []string{"inflight.", "hot.", "y."}, []string{"x."})

	for i := range 1000 {
		name := fmt.Sprintf("ttl0-%d.", i)
		sh.remove(key(name), add(name, true))
	}
	check("after 1,000 answers with TTL 0", []string{"inflight.", "hot.", "y."}, nil)
	// One key asked again and again, each time after its answer expired
	// and was replaced: its old slots go, the queues stay bounded.
	for range 200 {
		add("again.", true)
	}
	check("after one key was replaced 200 times", []string{"inflight.", "hot.", "y.", "again."}, nil)
}

// TestCacheKeepsSharedAnswers: an answer asked for by more than one lookup
// stays cached however many one-off answers come after it (a fleet's PTR
// and forward lookups), where a plain oldest-first cache of that size would
// have evicted it.
func TestCacheKeepsSharedAnswers(t *testing.T) {
	t.Parallel()
	srv := startClientZone(t, dnstest.Config{})
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: time.Second, CacheSize: 64, Concurrency: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	for range 2 {
		if _, err := c.Lookup(ctx, "long.client.example.", dns.TypeA); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < 3000; i += 8 {
				if _, err := c.Lookup(ctx, fmt.Sprintf("once-%d.client.example.", i), dns.TypeA); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	sent := c.Stats().Sent
	if _, err := c.Lookup(ctx, "long.client.example.", dns.TypeA); err != nil {
		t.Fatal(err)
	}
	if n := c.Stats().Sent - sent; n != 0 {
		t.Errorf("the shared answer was asked again (%d queries) after 3,000 one-off answers", n)
	}
	n := 0
	for i := range c.shards {
		n += len(c.shards[i].m)
	}
	if n > 64+64/4+2*cacheShards*16 {
		t.Errorf("cache holds %d entries for a bound of 64 (and 16 on probation)", n)
	}
}

// An answer that several lookups asked for at once (the later ones joined
// the one in flight) is shared like one asked twice in turn: it leaves
// probation, and one-off answers after it do not push it out.
func TestCacheKeepsJoinedAnswers(t *testing.T) {
	t.Parallel()
	srv := startClientZone(t, dnstest.Config{Delay: 150 * time.Millisecond, Faults: map[string]dnstest.Fault{"slow.client.example.": dnstest.Delay}})
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 2 * time.Second, CacheSize: 64, Concurrency: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.Lookup(ctx, "slow.client.example.", dns.TypeA); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := c.Stats().Sent; n != 1 {
		t.Fatalf("8 lookups at once sent %d queries, want 1", n)
	}
	for i := range 3000 {
		if _, err := c.Lookup(ctx, fmt.Sprintf("once-%d.client.example.", i), dns.TypeA); err != nil {
			t.Fatal(err)
		}
	}
	sent := c.Stats().Sent
	if _, err := c.Lookup(ctx, "slow.client.example.", dns.TypeA); err != nil {
		t.Fatal(err)
	}
	if n := c.Stats().Sent - sent; n != 0 {
		t.Errorf("the answer 8 joined lookups shared was asked again (%d queries) after 3,000 one-off answers", n)
	}
}

// DropCache frees the cache once a run is done: nothing stays cached, and
// a later lookup asks the wire again.
func TestClientDropCache(t *testing.T) {
	t.Parallel()
	srv := startClientZone(t, dnstest.Config{})
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ask := func() {
		t.Helper()
		if a, err := c.Lookup(context.Background(), "long.client.example.", dns.TypeA); err != nil || len(a.RRs) != 1 {
			t.Fatalf("lookup: %+v, %v", a, err)
		}
	}
	ask()
	ask()
	if sent := c.Stats().Sent; sent != 1 {
		t.Fatalf("sent %d before DropCache, want 1 (the second from the cache)", sent)
	}
	c.DropCache()
	for i := range c.shards {
		if n := len(c.shards[i].m) + c.shards[i].fresh.len() + c.shards[i].kept.len(); n != 0 {
			t.Fatalf("shard %d keeps %d entries and keys after DropCache", i, n)
		}
	}
	ask()
	if sent := c.Stats().Sent; sent != 2 {
		t.Errorf("sent %d after DropCache, want 2", sent)
	}
}

// TestDNAMETarget: a DNAME redirects the names below its owner, counting
// labels as DNS does (an escaped dot is inside its label), and not the
// owner itself (RFC 6672 §2.2).
func TestDNAMETarget(t *testing.T) {
	t.Parallel()
	rr, err := dns.NewRR("b.example. 300 IN DNAME c.test.")
	if err != nil {
		t.Fatal(err)
	}
	section := []dns.RR{rr}
	for cur, want := range map[string]string{
		"x.b.example.":    "x.c.test.",
		"y.x.b.example.":  "y.x.c.test.",
		`x\.b.example.`:   "",
		"b.example.":      "",
		"a.example.":      "",
		`x\.y.b.example.`: `x\.y.c.test.`,
	} {
		if got := dnameTarget(section, cur); got != want {
			t.Errorf("dnameTarget(%q) = %q, want %q", cur, got, want)
		}
	}
}

// TestClientTruncatedWithoutTCP: a resolver that answers over UDP with TC
// set while TCP to it is refused is alive: the lookup is an error naming
// the failed TCP retry (tcp_failed, not timeout), and the breaker does not
// mark the resolver down.
func TestClientTruncatedWithoutTCP(t *testing.T) {
	t.Parallel()
	srv := startClientZone(t, dnstest.Config{Faults: map[string]dnstest.Fault{}})
	srv.CloseTCP()
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 300 * time.Millisecond, Retries: 1, BreakerThreshold: 2})
	if err != nil {
		t.Fatal(err)
	}
	// Long enough for the breaker to have opened on a silent resolver
	// (its window is twice the timeout, at least a second).
	began := time.Now()
	for i := 0; time.Since(began) < 1300*time.Millisecond; i++ {
		name := dns.Fqdn("t" + strconv.Itoa(i) + ".client.example")
		srv.SetFault(name, dnstest.Truncate)
		ans, err := c.Lookup(context.Background(), name, dns.TypeA)
		if err == nil || !errors.Is(err, ErrTCPFallback) {
			t.Fatalf("%s: err %v, want ErrTCPFallback", name, err)
		}
		if got := errorReason(ans, err); got != "tcp_failed" {
			t.Errorf("%s: reason %q, want tcp_failed", name, got)
		}
	}
	h := c.Health()[0]
	if h.Down || h.Outages != 0 || h.TCPFailed == 0 {
		t.Errorf("health %+v: want the resolver up, with TCP failures counted", h)
	}
	// TCP refused says the same at every asking: one question is asked
	// once over UDP, once over TCP, not again for --retries.
	before := c.Stats().Sent
	srv.SetFault("once.client.example.", dnstest.Truncate)
	if _, err := c.Lookup(context.Background(), "once.client.example.", dns.TypeA); !errors.Is(err, ErrTCPFallback) {
		t.Fatalf("err %v, want ErrTCPFallback", err)
	}
	if sent := c.Stats().Sent - before; sent != 2 {
		t.Errorf("%d messages for one question with TCP refused, want 2 (UDP, then TCP)", sent)
	}
}

// TestClientNoAskedOnce: a resolver that answered SERVFAIL, REFUSED or a
// referral is not asked the question again, however many retries the
// silence of another leaves (SPEC: they move on to the next resolver and
// are not retried on the same one); its answer, not the other's silence,
// is the result. A referral is not an answer: the next resolver is asked,
// and one that resolves gives the records.
func TestClientNoAskedOnce(t *testing.T) {
	t.Parallel()
	type count struct{ n atomic.Int64 }
	serve := func(cfg dnstest.Config) (*dnstest.Server, *count) {
		var c count
		cfg.Observe = func(string, uint16) { c.n.Add(1) }
		return startClientZone(t, cfg), &c
	}
	silent, silentN := serve(dnstest.Config{Faults: map[string]dnstest.Fault{"long.client.example.": dnstest.Drop}})
	for _, tc := range []struct {
		fault dnstest.Fault
		rcode int
	}{{dnstest.ServFail, dns.RcodeServerFailure}, {dnstest.Refused, dns.RcodeRefused}} {
		silentN.n.Store(0)
		failing, failingN := serve(dnstest.Config{Faults: map[string]dnstest.Fault{"long.client.example.": tc.fault}})
		c, err := NewClient(ClientOptions{Servers: []string{silent.Addr, failing.Addr}, Timeout: 100 * time.Millisecond, Retries: 3, BreakerThreshold: -1})
		if err != nil {
			t.Fatal(err)
		}
		ans, err := c.Lookup(context.Background(), "long.client.example.", dns.TypeA)
		st := c.Stats()
		c.Close()
		// The answer decides nothing: the run counts it as an error
		// outcome, as a timeout is.
		if st.Errors != 1 {
			t.Errorf("%s: %d errors counted, want 1", dns.RcodeToString[tc.rcode], st.Errors)
		}
		if err != nil || ans.Rcode != tc.rcode {
			t.Errorf("%s: rcode %s, err %v; want the %s the answering resolver gave", dns.RcodeToString[tc.rcode], dns.RcodeToString[ans.Rcode], err, dns.RcodeToString[tc.rcode])
		}
		if got := failingN.n.Load(); got != 1 {
			t.Errorf("%s: the resolver that said so was asked %d times, want once", dns.RcodeToString[tc.rcode], got)
		}
		if got := silentN.n.Load(); got != 3 {
			t.Errorf("%s: the silent resolver was asked %d times, want the 3 attempts left", dns.RcodeToString[tc.rcode], got)
		}
	}

	referring := startAuth(t, dnstest.Config{Zones: []dnstest.Zone{{Origin: "example.", File: "parent", Text: "$TTL 3600\n@ IN SOA ns.example. hostmaster.example. 1 3600 600 86400 300\nclient IN NS ns.client.example.\n"}}})
	dead := startClientZone(t, dnstest.Config{})
	dead.SetDown(true)
	for _, servers := range [][]string{{referring.Addr}, {referring.Addr, dead.Addr}} {
		c, err := NewClient(ClientOptions{Servers: servers, Timeout: 100 * time.Millisecond, Retries: 1, BreakerThreshold: -1})
		if err != nil {
			t.Fatal(err)
		}
		ans, err := c.Lookup(context.Background(), "short.client.example.", dns.TypeA)
		h, st := c.Health(), c.Stats()
		c.Close()
		if st.Errors != 1 {
			t.Errorf("%d resolvers: %d errors counted for the referral, want 1", len(servers), st.Errors)
		}
		if !errors.Is(err, ErrReferral) || len(ans.Exchanges) != 1 || len(ans.Exchanges[0].Authority) != 1 || !strings.Contains(ans.Exchanges[0].Error, "ns.client.example.") {
			t.Errorf("%d resolvers: err %v, exchanges %+v; want a referral error naming ns.client.example., its NS record kept", len(servers), err, ans.Exchanges)
		}
		if h[0].Referred != 1 || h[0].Answered != 1 {
			t.Errorf("%d resolvers: health %+v, want one referral counted as an answer", len(servers), h[0])
		}
	}
	answering := startClientZone(t, dnstest.Config{})
	c, err := NewClient(ClientOptions{Servers: []string{referring.Addr, answering.Addr}, Timeout: 100 * time.Millisecond, Retries: 0, BreakerThreshold: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ans, err := c.Lookup(context.Background(), "short.client.example.", dns.TypeA); err != nil || len(ans.RRs) != 1 {
		t.Errorf("referral, then a resolver that answers: %v, %v; want the record", ans.RRs, err)
	}
	if st := c.Stats(); st.Errors != 0 {
		t.Errorf("referral, then a resolver that answers: %d errors counted, want 0", st.Errors)
	}
}

// TestReferralNS: only a response that sends the question on is a
// referral: NOERROR, no answer, no SOA, NS records of the name or a name
// above it, from a server neither authoritative nor recursive. A NODATA
// with the zone's own NS records from an authoritative or a recursive
// server, or NS records of an unrelated name, is not.
func TestReferralNS(t *testing.T) {
	t.Parallel()
	msg := func(aa, ra bool, authority ...string) *dns.Msg {
		m := new(dns.Msg)
		m.SetQuestion("mail.sub.example.test.", dns.TypeTXT)
		m.Response, m.Authoritative, m.RecursionAvailable = true, aa, ra
		for _, s := range authority {
			rr, err := dns.NewRR(s)
			if err != nil {
				t.Fatal(err)
			}
			m.Ns = append(m.Ns, rr)
		}
		return m
	}
	cut := "sub.example.test. 3600 IN NS ns.elsewhere.test."
	apex := "example.test. 3600 IN NS ns.example.test."
	for _, tc := range []struct {
		name string
		m    *dns.Msg
		want bool
	}{
		{"referral at the cut", msg(false, false, cut), true},
		{"referral from the root", msg(false, false, ". 3600 IN NS a.root-servers.test."), true},
		{"authoritative NODATA with the apex NS", msg(true, false, apex), false},
		{"recursive NODATA with the apex NS", msg(false, true, apex), false},
		{"NS of an unrelated name", msg(false, false, "other.invalid. 3600 IN NS ns.other.invalid."), false},
		{"NODATA with its SOA", msg(false, false, cut, "example.test. 300 IN SOA ns.example.test. h.example.test. 1 3600 600 86400 300"), false},
		{"nothing in authority", msg(false, false), false},
	} {
		if got := referralNS(tc.m) != nil; got != tc.want {
			t.Errorf("%s: referral %v, want %v", tc.name, got, tc.want)
		}
	}
}

// longTXTZone is a zone at origin whose apex holds a 600-byte TXT record,
// more than fits in a UDP answer without EDNS, and host an address.
func longTXTZone(origin, host string) []dnstest.Zone {
	long := strings.Repeat("x", 200)
	return []dnstest.Zone{{Origin: origin, File: strings.TrimSuffix(origin, "."), Text: "$TTL 3600\n" +
		"@ IN SOA ns.example. hostmaster.example. 1 3600 600 86400 300\n" +
		`@ IN TXT "` + long + `" "` + long + `" "` + long + `"` + "\n" +
		host + " IN A 192.0.2.7\n"}}
}

// TestClientWithoutEDNS: a server that answers FORMERR to a query with EDNS
// (RFC 6891 §7) is asked again without it, its long answer then comes over
// TCP, and later queries go to it without EDNS from the start.
func TestClientWithoutEDNS(t *testing.T) {
	t.Parallel()
	srv := startAuth(t, dnstest.Config{
		Zones:  longTXTZone("old.example.", "www"),
		Faults: map[string]dnstest.Fault{"old.example.": dnstest.NoEDNS, "www.old.example.": dnstest.NoEDNS},
	})
	c := authClient(t, srv.Addr, false, 2*time.Second)
	a, err := c.Lookup(context.Background(), "old.example.", dns.TypeTXT)
	if err != nil || a.Rcode != dns.RcodeSuccess || len(a.RRs) != 1 {
		t.Fatalf("TXT: %+v, %v; want the record", a, err)
	}
	if ev := a.Exchanges[len(a.Exchanges)-1]; ev.Transport != "tcp" {
		t.Fatalf("the 600-byte answer came over %s, want tcp after the 512-byte UDP limit", ev.Transport)
	}
	if st := c.Stats(); st.Sent != 3 || st.TCP != 1 {
		t.Fatalf("stats %+v: want 3 sent (with EDNS, without, over TCP)", st)
	}
	a, err = c.Lookup(context.Background(), "www.old.example.", dns.TypeA)
	if err != nil || len(a.RRs) != 1 {
		t.Fatalf("A: %+v, %v; want the address", a, err)
	}
	if st := c.Stats(); st.Sent != 4 {
		t.Fatalf("stats %+v: want 4 sent, the second question once, without EDNS", st)
	}
}

// TestClientFormErrKeepsEDNS: a server that answers FORMERR to one question
// with EDNS and without alike objects to that question, not to EDNS: later
// queries keep EDNS, so a 600-byte answer still comes over UDP.
func TestClientFormErrKeepsEDNS(t *testing.T) {
	t.Parallel()
	srv := startAuth(t, dnstest.Config{
		Zones:  longTXTZone("new.example.", "bad"),
		Faults: map[string]dnstest.Fault{"bad.new.example.": dnstest.FormErr},
	})
	c := authClient(t, srv.Addr, false, 2*time.Second)
	if a, err := c.Lookup(context.Background(), "bad.new.example.", dns.TypeA); err != nil || a.Rcode != dns.RcodeFormatError {
		t.Fatalf("A: %+v, %v; want FORMERR", a, err)
	}
	a, err := c.Lookup(context.Background(), "new.example.", dns.TypeTXT)
	if err != nil || len(a.RRs) != 1 {
		t.Fatalf("TXT: %+v, %v; want the record", a, err)
	}
	if ev := a.Exchanges[len(a.Exchanges)-1]; ev.Transport != "udp" {
		t.Errorf("the 600-byte answer came over %s, want udp with EDNS kept", ev.Transport)
	}
}

// TestClientRcodeFailureKeptAsFailure: a SERVFAIL or REFUSED answer says
// nothing of the name and is kept only as long as a failure (FailureTTL,
// RFC 2308 §7.1), not for the hour of an answer without TTL.
func TestClientRcodeFailureKeptAsFailure(t *testing.T) {
	t.Parallel()
	for _, fault := range []dnstest.Fault{dnstest.ServFail, dnstest.Refused} {
		srv := startClientZone(t, dnstest.Config{Faults: map[string]dnstest.Fault{"short.client.example.": fault}})
		var mu sync.Mutex
		now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: time.Second, Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		for i, after := range []time.Duration{0, FailureTTL - time.Second, 2 * time.Second} {
			mu.Lock()
			now = now.Add(after)
			mu.Unlock()
			a, err := c.Lookup(context.Background(), "short.client.example.", dns.TypeA)
			if Classify(a, err) != OutcomeError {
				t.Fatalf("fault %d, lookup %d: %+v, %v: want an error", fault, i, a, err)
			}
			if want := int64(1 + i/2); c.Stats().Sent != want {
				t.Fatalf("fault %d, lookup %d (%s later): %d messages sent, want %d", fault, i, after, c.Stats().Sent, want)
			}
		}
	}
}

// TestClientTruncatedOverTCPIsAnAnswer: a server whose answers stay
// truncated over TCP answers all the same: its breaker stays closed and
// every lookup says the answer was cut short, none that it timed out.
func TestClientTruncatedOverTCPIsAnAnswer(t *testing.T) {
	t.Parallel()
	var zone strings.Builder
	zone.WriteString("$TTL 3600\n@ IN SOA ns.example. hostmaster.example. 1 3600 600 86400 300\n")
	faults := map[string]dnstest.Fault{}
	const n = 200
	for i := range n {
		fmt.Fprintf(&zone, "n%d IN A 192.0.2.1\n", i)
		faults[fmt.Sprintf("n%d.cut.example.", i)] = dnstest.TruncateAll
	}
	srv := startAuth(t, dnstest.Config{Zones: []dnstest.Zone{{Origin: "cut.example.", Text: zone.String(), File: "cut"}}, Faults: faults})
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: time.Second, Retries: 2, Concurrency: 32})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var wg sync.WaitGroup
	var notCut atomic.Int32
	for i := range n {
		wg.Go(func() {
			_, err := c.Lookup(context.Background(), fmt.Sprintf("n%d.cut.example.", i), dns.TypeA)
			if !errors.Is(err, ErrTruncated) {
				notCut.Add(1)
			}
		})
	}
	wg.Wait()
	if k := notCut.Load(); k > 0 {
		t.Errorf("%d of %d lookups did not fail as truncated", k, n)
	}
	if h := c.Health()[0]; h.Down || h.Answered < n || h.TruncatedTCP < n {
		t.Errorf("server health %+v: want it up, with %d answers at least, each cut short over TCP", h, n)
	}
}

// TestJoinedLookupOwnContext: a lookup that joins another caller's question
// in flight gets the answer even when that caller is cancelled: its own
// context decides, not the first asker's.
func TestJoinedLookupOwnContext(t *testing.T) {
	t.Parallel()
	srv := startAuth(t, dnstest.Config{Faults: map[string]dnstest.Fault{"mail1.example.com./A": dnstest.Delay}, Delay: 300 * time.Millisecond}, "example.com.zone")
	c := authClient(t, srv.Addr, false, 2*time.Second)
	defer c.Close()
	first, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.Lookup(first, "mail1.example.com.", dns.TypeA)
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond) // the first question is in flight
	go func() {
		time.Sleep(50 * time.Millisecond)
		cancel()
	}()
	ans, err := c.Lookup(context.Background(), "mail1.example.com.", dns.TypeA)
	if err != nil || len(ans.RRs) == 0 {
		t.Errorf("joined lookup: %v, %d records; want the answer", err, len(ans.RRs))
	}
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled lookup: %v", err)
	}
}

// TestNewClientKeepsServers: the caller's list of servers is not rewritten.
func TestNewClientKeepsServers(t *testing.T) {
	t.Parallel()
	servers := []string{"127.0.0.1"}
	c, err := NewClient(ClientOptions{Servers: servers})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if servers[0] != "127.0.0.1" || c.Servers()[0] != "127.0.0.1:53" {
		t.Errorf("caller's %q, client's %q", servers, c.Servers())
	}
}

// TestPacer: messages are spaced 1/QPS apart from the first, which goes at
// once; a wait given up returns the context's error; and the window holds a
// second to QPS messages whatever the spacing: of a window of five with no
// spacing, five go at once and a sixth waits until the first is a second
// old.
func TestPacer(t *testing.T) {
	t.Parallel()
	p := newPacer(20)
	began := time.Now()
	for i := range 6 {
		if err := p.wait(context.Background()); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if i == 0 && time.Since(began) > 20*time.Millisecond {
			t.Errorf("the first message waited %s", time.Since(began))
		}
	}
	if d := time.Since(began); d < 250*time.Millisecond {
		t.Errorf("6 messages at --qps 20 in %s, want 5 gaps of 50 ms at least", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}

	w := newPacer(5)
	w.interval = 0
	for i := range 5 {
		if err := w.wait(context.Background()); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := w.wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a sixth message in the same second: %v, want it held", err)
	}
	began = time.Now()
	if err := w.wait(context.Background()); err != nil || time.Since(began) < 700*time.Millisecond {
		t.Errorf("the sixth went after %s (%v), want when the first is a second old", time.Since(began), err)
	}
}

// TestClientTCPTimeoutRetried: a truncated answer whose TCP retry times
// out (the connection taken, no answer) is asked again as any timeout is:
// UDP then TCP on each of 1 + retries attempts.
func TestClientTCPTimeoutRetried(t *testing.T) {
	t.Parallel()
	srv := startClientZone(t, dnstest.Config{Faults: map[string]dnstest.Fault{"slow.client.example.": dnstest.Truncate}})
	srv.CloseTCP()
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		t.Skipf("cannot take the TCP port back: %v", err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close() // held open, never answered
		}
	}()
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 500 * time.Millisecond, Retries: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Lookup(context.Background(), "slow.client.example.", dns.TypeA); !errors.Is(err, ErrTCPFallback) {
		t.Fatalf("err %v, want ErrTCPFallback", err)
	}
	if sent := c.Stats().Sent; sent != 6 {
		t.Errorf("%d messages, want 6: UDP and TCP on each of 3 attempts", sent)
	}
}

// TestClientHugeQPS: a --qps past what a window of sends is kept for
// leaves the spacing alone to pace the queries, without the memory.
func TestClientHugeQPS(t *testing.T) {
	t.Parallel()
	for _, qps := range []float64{1e10, 1e20} {
		c, err := NewClient(ClientOptions{Servers: []string{"127.0.0.1:53"}, QPS: qps})
		if err != nil {
			t.Fatal(err)
		}
		if c.pacer.window != nil {
			t.Errorf("--qps %g keeps a window of %d sends", qps, len(c.pacer.window))
		}
		began := time.Now()
		for range 4 {
			if err := c.pace(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if d := time.Since(began); d > 100*time.Millisecond {
			t.Errorf("--qps %g: 4 sends took %s", qps, d)
		}
		c.Close()
	}
	c, err := NewClient(ClientOptions{Servers: []string{"127.0.0.1:53"}, QPS: 1.9})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if n := len(c.pacer.window); n != 2 {
		t.Errorf("--qps 1.9 keeps %d sends, want 2", n)
	}
}

// TestClientQPSAfterStall: queries waiting for a concurrency slot while a
// resolver holds every answer back do not leave together when it answers
// again: --qps holds over every second.
func TestClientQPSAfterStall(t *testing.T) {
	t.Parallel()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	type held struct {
		addr net.Addr
		msg  *dns.Msg
	}
	var (
		mu       sync.Mutex
		arrivals []time.Time
		queue    []held
	)
	start := time.Now()
	stallFrom, stallTo := start.Add(300*time.Millisecond), start.Add(1800*time.Millisecond)
	reply := func(h held) {
		r := new(dns.Msg)
		r.SetRcode(h.msg, dns.RcodeNameError)
		b, _ := r.Pack()
		_, _ = pc.WriteTo(b, h.addr)
	}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			now := time.Now()
			m := new(dns.Msg)
			if m.Unpack(buf[:n]) != nil {
				continue
			}
			mu.Lock()
			arrivals = append(arrivals, now)
			if now.After(stallFrom) && now.Before(stallTo) {
				queue = append(queue, held{addr, m})
				mu.Unlock()
				continue
			}
			mu.Unlock()
			reply(held{addr, m})
		}
	}()
	go func() {
		time.Sleep(time.Until(stallTo))
		mu.Lock()
		q := queue
		queue = nil
		mu.Unlock()
		for _, h := range q {
			reply(h)
		}
	}()
	const qps = 50
	c, err := NewClient(ClientOptions{Servers: []string{pc.LocalAddr().String()}, Timeout: 10 * time.Second,
		QPS: qps, Concurrency: 32, BreakerThreshold: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	var wg sync.WaitGroup
	for i := range 150 {
		name := dns.Fqdn("n" + strconv.Itoa(i) + ".stall.example")
		wg.Go(func() { _, _ = c.Lookup(context.Background(), name, dns.TypeA) })
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if n, i := busiestSecond(arrivals); n > qps+2 {
		t.Fatalf("%d queries arrived within a second of query %d (%v into the run), at --qps %d", n, i, arrivals[i].Sub(start).Round(time.Millisecond), qps)
	}
}

// TestRcodeName: 16 is BADVERS in the evidence (no query is signed, so
// never BADSIG), and every name written reads back, BADSIG of older packs
// and rcodes without a mnemonic included.
func TestRcodeName(t *testing.T) {
	t.Parallel()
	for rcode, want := range map[int]string{dns.RcodeSuccess: "NOERROR", dns.RcodeServerFailure: "SERVFAIL", dns.RcodeBadVers: "BADVERS", 23: "BADCOOKIE", 3000: "RCODE3000"} {
		if got := rcodeName(rcode); got != want {
			t.Errorf("rcodeName(%d) = %q, want %q", rcode, got, want)
		}
		if n, ok := parseRcode(want); !ok || n != rcode {
			t.Errorf("parseRcode(%q) = %d, %v", want, n, ok)
		}
	}
	if n, ok := parseRcode("BADSIG"); !ok || n != dns.RcodeBadVers {
		t.Errorf("parseRcode(BADSIG) = %d, %v", n, ok)
	}
	for _, bad := range []string{"", "RCODE", "RCODE-1", "RCODE007", "RCODE4096", "NOPE"} {
		if _, ok := parseRcode(bad); ok {
			t.Errorf("parseRcode(%q) accepted", bad)
		}
	}
}

// TestClientTransportFailureMemory: a question no server answered is
// remembered only for as long as it took to fail, at least a second, so a
// later lookup asks again rather than taking a passing fault from minutes
// before; one the server answered with SERVFAIL keeps FailureTTL (see
// TestClientRcodeFailureKeptAsFailure).
func TestClientTransportFailureMemory(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	const took = 3 * time.Second
	srv := startClientZone(t, dnstest.Config{
		Faults: map[string]dnstest.Fault{"long.client.example.": dnstest.Drop, "short.client.example.": dnstest.Drop},
		Observe: func(name string, _ uint16) {
			if name == "long.client.example." {
				advance(took) // the exchange takes 3 s on the client's clock
			}
		},
	})
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 100 * time.Millisecond, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	steps := []struct {
		after    time.Duration
		name     string
		wantSent int64
	}{
		// At least a second, though the exchange took 100 ms.
		{0, "short.client.example.", 1},
		{900 * time.Millisecond, "short.client.example.", 1},
		{200 * time.Millisecond, "short.client.example.", 2},
		// As long as it took: 3 s from its end.
		{0, "long.client.example.", 3},
		{took - 100*time.Millisecond, "long.client.example.", 3},
		{200 * time.Millisecond, "long.client.example.", 4},
	}
	for i, s := range steps {
		advance(s.after)
		_, err := c.Lookup(context.Background(), s.name, dns.TypeA)
		if !errors.Is(err, ErrTimeout) || errors.Is(err, ErrResolversDown) {
			t.Fatalf("step %d (%s): %v, want a timeout", i, s.name, err)
		}
		if got := c.Stats().Sent; got != s.wantSent {
			t.Fatalf("step %d (%s after %s): %d messages sent, want %d", i, s.name, s.after, got, s.wantSent)
		}
	}
	// Once the server answers, the next lookup after the failure's memory
	// gets the answer.
	srv.SetFault("short.client.example.", dnstest.None)
	advance(2 * time.Second)
	if a, err := c.Lookup(context.Background(), "short.client.example.", dns.TypeA); err != nil || len(a.RRs) != 1 {
		t.Errorf("after the fault passed: %+v, %v; want the record", a, err)
	}
}

// TestClientHitRateCNAMEHops: each hop of a CNAME chain the server answers
// one at a time is one lookup in the client's counts and one hit at most,
// so a chain asked twice is half answered from the cache, not over it.
func TestClientHitRateCNAMEHops(t *testing.T) {
	t.Parallel()
	// A server that answers each name with its own record alone, as
	// one whose zones do not hold the chain's next name would.
	records := map[string]string{
		"x.hop.example.": "x.hop.example. 300 IN CNAME y.hop.example.",
		"y.hop.example.": "y.hop.example. 300 IN CNAME z.hop.example.",
		"z.hop.example.": "z.hop.example. 300 IN A 192.0.2.1",
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative = true
		if rr, ok := records[strings.ToLower(q.Question[0].Name)]; ok {
			m.Answer = append(m.Answer, dns.Copy(mustRR(t, rr)))
		} else {
			m.Rcode = dns.RcodeRefused
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	c, err := NewClient(ClientOptions{Servers: []string{pc.LocalAddr().String()}, Timeout: 2 * time.Second, Retries: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 2 {
		ans, err := c.Lookup(context.Background(), "x.hop.example.", dns.TypeA)
		if err != nil || len(ans.RRs) != 1 || len(ans.Chain) != 2 {
			t.Fatalf("lookup: %d records after %v, %v", len(ans.RRs), ans.Chain, err)
		}
	}
	st := c.Stats()
	if st.Lookups != 6 || st.CacheHits != 3 || st.Sent != 3 {
		t.Errorf("lookups %d, cache hits %d, sent %d; want 6, 3, 3 (three hops asked twice, the second time from the cache)", st.Lookups, st.CacheHits, st.Sent)
	}
}

func mustRR(t *testing.T, s string) dns.RR {
	t.Helper()
	rr, err := dns.NewRR(s)
	if err != nil {
		t.Fatal(err)
	}
	return rr
}

// TestClientFormErrAsksTheNext: a resolver that answers FORMERR (or
// NOTIMP) to an ordinary question decides nothing of the name, as one
// answering SERVFAIL does: the next resolver is asked, and only when every
// one says so is the lookup an error, counted as one.
func TestClientFormErrAsksTheNext(t *testing.T) {
	t.Parallel()
	broken := startClientZone(t, dnstest.Config{Faults: map[string]dnstest.Fault{"long.client.example.": dnstest.FormErr}})
	good := startClientZone(t, dnstest.Config{})
	for _, tc := range []struct {
		servers []string
		want    Outcome
		errors  int64
	}{
		{[]string{broken.Addr, good.Addr}, OutcomeRecords, 0},
		{[]string{good.Addr, broken.Addr}, OutcomeRecords, 0},
		{[]string{broken.Addr}, OutcomeError, 1},
	} {
		c, err := NewClient(ClientOptions{Servers: tc.servers, Timeout: time.Second, Retries: 1, BreakerThreshold: -1})
		if err != nil {
			t.Fatal(err)
		}
		ans, err := c.Lookup(context.Background(), "long.client.example.", dns.TypeA)
		st := c.Stats()
		c.Close()
		if got := Classify(ans, err); got != tc.want || st.Errors != tc.errors {
			t.Errorf("%d resolvers: outcome %v, %d errors counted; want %v, %d", len(tc.servers), got, st.Errors, tc.want, tc.errors)
		}
		if tc.want == OutcomeError {
			if r := errorReason(ans, err); r != "formerr" {
				t.Errorf("reason %q, want formerr", r)
			}
		}
	}
}

// TestClientErrorsCountZoneFaults: a lookup that ends in error for the
// zone's sake (an alias loop) counts among the run's errors, as one that
// a resolver failed does.
func TestClientErrorsCountZoneFaults(t *testing.T) {
	t.Parallel()
	srv := startAuth(t, dnstest.Config{Zones: []dnstest.Zone{{Origin: "loop.example.", File: "loop",
		Text: "$TTL 3600\n@ IN SOA ns.example. hostmaster.example. 1 3600 600 86400 300\na IN CNAME b\nb IN CNAME a\n"}}})
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: time.Second, Retries: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ans, err := c.Lookup(context.Background(), "a.loop.example.", dns.TypeTXT); Classify(ans, err) != OutcomeError {
		t.Fatalf("lookup through a loop: %+v, %v", ans, err)
	}
	if st := c.Stats(); st.Errors != 1 {
		t.Errorf("%d errors counted for the alias loop, want 1", st.Errors)
	}
}
