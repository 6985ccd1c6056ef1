package assess

import (
	"context"
	"runtime"
	"testing"
	"time"

	"senderproof/assess/dnstest"
)

// BenchmarkAssess10k assesses 10,000 synthetic senders (all checks) against
// the in-process server over UDP, and reports assets/s, queries/s and the
// queries per asset that reached the wire.
const benchConcurrency = 64

func BenchmarkAssess10k(b *testing.B) { benchmarkAssess(b, 10_000) }

func benchmarkAssess(b *testing.B, n int) {
	w := dnstest.SyntheticWorld(n, 1, 0.05)
	srv, err := dnstest.Serve(dnstest.Config{Zones: w.Zones})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	inv, err := ParseInventory("synthetic.csv", w.Inventory)
	if err != nil {
		b.Fatal(err)
	}
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
	b.ReportMetric(float64(heap)/float64(1<<20), "heap-MiB")
}
