package assess

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"senderproof/assess/dnstest"
)

// TestQueriesSentReproducible: the same fleet, assessed one sender at a
// time against a server that answers everything, sends the same number of
// queries in every run, also when its one-off answers overflow the cache's
// probation queue: which answers the cache keeps follows from the names,
// not from a seed of the process.
func TestQueriesSentReproducible(t *testing.T) {
	t.Parallel()
	w := dnstest.SyntheticWorld(1500, 1, 0)
	srv := dnstest.Start(t, dnstest.Config{Zones: w.Zones})
	inv, err := ParseInventory("w.csv", w.Inventory)
	if err != nil {
		t.Fatal(err)
	}
	assets := inv.Assets
	n := len(assets)
	// Senders at the end reuse the HELO name of an earlier one, at gaps
	// around the probation queue's size.
	for k, gap := 0, 100; gap < 600; gap, k = gap+2, k+1 {
		src := assets[n-gap]
		assets = append(assets, Asset{IP: fmt.Sprintf("2001:db8::f:%x", k), HELO: src.HELO, Domain: src.Domain})
	}
	sent := map[int64]int{}
	for range 3 {
		c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 2 * time.Second, Retries: 1, CacheSize: 2048})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Run(context.Background(), assets, Options{Resolver: c, Concurrency: 1}); err != nil {
			t.Fatal(err)
		}
		sent[c.Stats().Sent]++
		c.Close()
	}
	if len(sent) > 1 {
		t.Errorf("queries sent differ between identical runs: %v", sent)
	}
}

// TestFirstResolverIgnoresOrder: the resolver asked a question first
// depends on the question and the resolvers' addresses, not on the order
// they are given in, and one resolver more takes questions only for
// itself.
func TestFirstResolverIgnoresOrder(t *testing.T) {
	t.Parallel()
	addrs := []string{"127.0.0.1:5301", "127.0.0.1:5302", "[::1]:5303"}
	client := func(servers ...string) *Client {
		c, err := NewClient(ClientOptions{Servers: servers, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	first := func(c *Client, name string) string { return c.servers[c.firstResolver(name, 16)].addr }
	a := client(addrs...)
	b := client(addrs[2], addrs[0], addrs[1])
	d := client(append(slices.Clone(addrs), "127.0.0.1:5304")...)
	counts := map[string]int{}
	moved := 0
	for i := range 3000 {
		name := fmt.Sprintf("s%d._domainkey.d%d.example.", i, i%7)
		fa := first(a, name)
		counts[fa]++
		if fb := first(b, name); fb != fa {
			t.Fatalf("%s goes first to %s, or to %s with the resolvers in another order", name, fa, fb)
		}
		if fd := first(d, name); fd != fa {
			moved++
			if fd != "127.0.0.1:5304" {
				t.Fatalf("%s moved from %s to %s when another resolver was added", name, fa, fd)
			}
		}
	}
	for _, addr := range addrs {
		if counts[addr] < 800 {
			t.Errorf("%s is asked first %d of 3000 questions: the questions do not spread (%v)", addr, counts[addr], counts)
		}
	}
	if moved < 500 || moved > 1000 {
		t.Errorf("a fourth resolver took %d of 3000 questions, want about a quarter", moved)
	}
}
