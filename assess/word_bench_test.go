package assess

import (
	"context"
	"testing"
	"time"

	"senderproof/assess/dnstest"
	"senderproof/templates"
)

// BenchmarkWord words the findings of 200 synthetic senders.
func BenchmarkWord(b *testing.B) {
	w := dnstest.SyntheticWorld(200, 3, 0.05)
	srv := dnstest.Start(b, dnstest.Config{Zones: w.Zones})
	inv, err := ParseInventory("w.csv", w.Inventory)
	if err != nil {
		b.Fatal(err)
	}
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 2 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	fs, err := Run(context.Background(), inv.Assets, Options{Resolver: c})
	if err != nil {
		b.Fatal(err)
	}
	byIP := map[string]Asset{}
	for _, a := range inv.Assets {
		byIP[a.IP] = a
	}
	tpl := templates.MustDefault()
	b.ResetTimer()
	for b.Loop() {
		for i := range fs {
			ck, _ := LookupCheck(fs[i].Check)
			if err := Word(tpl, ck, byIP[fs[i].Asset], &fs[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
}
