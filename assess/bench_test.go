package assess

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"senderproof/assess/dnstest"
)

// Benchmarks measure, never assert speed. The fleet-scale harness is
// cmd/senderproof-bench (and bench/knot.sh against a real server).

const benchConcurrency = 64

// BenchmarkAssess10k assesses 10,000 synthetic senders (all checks) against
// the in-process server over UDP, and reports assets/s, queries/s, the
// queries per asset that reached the wire, and the domain-level queries
// (SPF, DKIM and DMARC of the sending domains and their include chain) per
// domain, which stay the same for any number of senders.
func BenchmarkAssess10k(b *testing.B) { benchmarkAssess(b, 10_000) }

// BenchmarkAssess1k is the same on 1,000 senders of the same 20 domains: the
// domain-level queries per domain come out the same.
func BenchmarkAssess1k(b *testing.B) { benchmarkAssess(b, 1_000) }

func benchmarkAssess(b *testing.B, n int) {
	w := dnstest.SyntheticWorld(n, 1, 0.05)
	var domainQueries atomic.Int64
	isDomain := map[string]bool{}
	for _, d := range w.Domains {
		isDomain[d+"."] = true
	}
	observe := func(name string, qtype uint16) {
		if isDomain[name] || strings.HasPrefix(name, "_dmarc.") || strings.Contains(name, "._domainkey.") || strings.HasSuffix(name, ".esp.example.") {
			domainQueries.Add(1)
		}
	}
	srv, inv := syntheticFleet(b, w, dnstest.Config{Observe: observe})
	b.ResetTimer()
	var sent int64
	var heap uint64
	for b.Loop() {
		c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 2 * time.Second, Retries: 2, Concurrency: benchConcurrency})
		if err != nil {
			b.Fatal(err)
		}
		fs, err := Run(context.Background(), inv.Assets, Options{Resolver: c, Concurrency: benchConcurrency})
		if err != nil {
			b.Fatal(err)
		}
		st := c.Stats()
		c.Close()
		sent += st.Sent
		b.Logf("stats %+v", st)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap = max(heap, ms.HeapAlloc)
		runtime.KeepAlive(fs)
	}
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(n*b.N)/secs, "assets/s")
	b.ReportMetric(float64(sent)/secs, "queries/s")
	b.ReportMetric(float64(sent)/float64(n*b.N), "queries/asset")
	b.ReportMetric(float64(domainQueries.Load())/float64(b.N*len(w.Domains)), "domain-queries/domain")
	b.ReportMetric(float64(heap)/float64(1<<20), "heap-MiB")
}

// syntheticFleet serves the world w (with cfg's other settings) for the
// benchmark and returns the server and the world's inventory.
func syntheticFleet(b *testing.B, w dnstest.World, cfg dnstest.Config) (*dnstest.Server, *Inventory) {
	b.Helper()
	cfg.Zones = w.Zones
	srv := dnstest.Start(b, cfg)
	inv, err := ParseInventory("synthetic.csv", w.Inventory)
	if err != nil {
		b.Fatal(err)
	}
	return srv, inv
}

// BenchmarkClientExchange asks distinct questions (cache misses) of the
// in-process server, benchConcurrency at a time: the client's wire path
// (socket pool, ID and question matching, evidence).
func BenchmarkClientExchange(b *testing.B) {
	w := dnstest.HostileWorld()
	srv, err := dnstest.Serve(dnstest.Config{Zones: w.Zones})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 2 * time.Second, Concurrency: benchConcurrency})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.SetParallelism(benchConcurrency / runtime.GOMAXPROCS(0))
	var seq atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			name := fmt.Sprintf("n%d.hostile.example.", seq.Add(1))
			if _, err := c.Lookup(context.Background(), name, dns.TypeA); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkClientCacheHit looks up one answered question again and again.
func BenchmarkClientCacheHit(b *testing.B) {
	w := dnstest.HostileWorld()
	srv, err := dnstest.Serve(dnstest.Config{Zones: w.Zones})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 2 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if _, err := c.Lookup(ctx, "ok.hostile.example.", dns.TypeA); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Lookup(ctx, "ok.hostile.example.", dns.TypeA); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkAssessWarm assesses 2,000 synthetic senders with every answer
// already in the client's cache: the CPU the checks, evidence and wording
// cost per asset, apart from the wire.
func BenchmarkAssessWarm(b *testing.B) {
	const n = 2_000
	srv, inv := syntheticFleet(b, dnstest.SyntheticWorld(n, 1, 0), dnstest.Config{})
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 2 * time.Second, Retries: 2, Concurrency: benchConcurrency})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	discard := func(int, []Finding) error { return nil }
	opts := Options{Resolver: c, Concurrency: benchConcurrency, Sink: discard}
	if _, err := Run(context.Background(), inv.Assets, opts); err != nil {
		b.Fatal(err)
	}
	sent := c.Stats().Sent
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Run(context.Background(), inv.Assets, opts); err != nil {
			b.Fatal(err)
		}
	}
	if extra := c.Stats().Sent - sent; extra != 0 {
		b.Logf("%d queries reached the wire on warm runs", extra)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(n*b.N), "µs/asset")
}
