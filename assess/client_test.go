package assess

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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

// TestClientQPS: the token bucket spaces queries out; --qps 40 with a burst
// of 4 needs about 0.9 s for 40 distinct questions.
func TestClientQPS(t *testing.T) {
	t.Parallel()
	srv := startClientZone(t, dnstest.Config{})
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: time.Second, QPS: 40, Concurrency: 32})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			// Distinct names (NXDOMAIN answers), so nothing is cached.
			_, _ = c.Lookup(context.Background(), dns.Fqdn("n"+strconv.Itoa(i)+".client.example"), dns.TypeA)
		})
	}
	wg.Wait()
	took := time.Since(start)
	if c.Stats().Sent != 40 {
		t.Fatalf("%d sent, want 40", c.Stats().Sent)
	}
	// 36 tokens beyond the burst at 40/s: at least 0.9 s, less a margin for
	// the limiter's granularity.
	if took < 850*time.Millisecond {
		t.Errorf("40 queries at --qps 40 took %s, want about 0.9 s or more", took)
	}
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

// The cache evicts its oldest finished entries first, keeps entries still
// in flight and gives an entry used since it came up another round, and its queue of keys stays bounded when entries go away on
// their own (answers with TTL 0).
func TestCacheShardEviction(t *testing.T) {
	sh := cacheShard{m: map[qkey]*cacheEntry{}, max: 4}
	add := func(name string, done bool) {
		sh.makeRoom()
		e := &cacheEntry{done: closedDone}
		if !done {
			e.done = make(chan struct{})
		}
		k := qkey{name, dns.TypeA}
		sh.m[k] = e
		sh.order = append(sh.order, orderSlot{k, e})
	}
	add("inflight.", false)
	add("a.", true)
	add("hot.", true)
	sh.m[qkey{"hot.", dns.TypeA}].used = true // a cache hit
	for _, n := range []string{"b.", "c.", "d."} {
		add(n, true)
	}
	for _, gone := range []string{"a.", "b."} {
		if _, ok := sh.m[qkey{gone, dns.TypeA}]; ok {
			t.Errorf("%s is still cached; the oldest finished entries go first", gone)
		}
	}
	for _, kept := range []string{"inflight.", "hot.", "d."} {
		if _, ok := sh.m[qkey{kept, dns.TypeA}]; !ok {
			t.Errorf("%s was evicted", kept)
		}
	}
	delete(sh.m, qkey{"d.", dns.TypeA}) // room for one more
	for i := range 1000 {
		name := fmt.Sprintf("ttl0-%d.", i)
		add(name, true)
		delete(sh.m, qkey{name, dns.TypeA})
	}
	for _, kept := range []string{"inflight.", "hot.", "c."} {
		if _, ok := sh.m[qkey{kept, dns.TypeA}]; !ok {
			t.Errorf("%s was evicted while the shard had room", kept)
		}
	}
	if n := len(sh.order) - sh.head; n > 2*sh.max+1 {
		t.Errorf("key queue holds %d keys for a bound of %d entries", n, sh.max)
	}
	// One key asked again and again, each time after its answer expired
	// and was replaced: its old slots go, the queue stays bounded.
	for range 200 {
		add("again.", true)
	}
	if n := len(sh.order) - sh.head; n > 2*sh.max+1 {
		t.Errorf("key queue holds %d slots after one key was replaced 200 times, bound %d entries", n, sh.max)
	}
	if _, ok := sh.m[qkey{"inflight.", dns.TypeA}]; !ok {
		t.Error("the entry in flight was evicted")
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
		if n := len(c.shards[i].m) + len(c.shards[i].order); n != 0 {
			t.Fatalf("shard %d keeps %d entries and keys after DropCache", i, n)
		}
	}
	ask()
	if sent := c.Stats().Sent; sent != 2 {
		t.Errorf("sent %d after DropCache, want 2", sent)
	}
}
