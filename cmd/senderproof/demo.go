package main

import (
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/urfave/cli/v2"

	"senderproof/assess"
	"senderproof/assess/dnstest"
	"senderproof/testdata/demo"
)

func demoCommand(stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "demo",
		Usage:     "run the whole assessment on the embedded demo fleet, offline",
		UsageText: "senderproof demo --out evidence",
		Description: "Starts a DNS server on 127.0.0.1 that answers from the embedded demo zones, assesses the\n" +
			"embedded fleet of about 30 senders against it, and writes the evidence pack to --out.\n" +
			"It needs no network. The fleet shows every status of every check.",
		Flags: runFlags(),
		Action: func(c *cli.Context) error {
			cfg := configFrom(c, stderr)
			srv, err := startDemoServer()
			if err != nil {
				return runFailed(fmt.Errorf("demo DNS server: %w", err))
			}
			defer srv.Close()
			fleet, err := demo.Files.ReadFile("fleet.csv")
			if err != nil {
				return runFailed(err)
			}
			inv, err := assess.ParseInventory("demo/fleet.csv", fleet)
			if err != nil {
				return runFailed(fmt.Errorf("demo fleet: %w", err))
			}
			cfg.Inventory = inv
			cfg.Inventories = []string{"demo/fleet.csv"}
			cfg.Resolvers = []string{srv.Addr}
			if cfg.Title == "" {
				cfg.Title = "Example Corp mail senders (demo)"
			}
			// The demo server drops one query on purpose: keep that short.
			if !c.IsSet("timeout") {
				cfg.Timeout = 400 * time.Millisecond
			}
			if !c.IsSet("retries") {
				cfg.Retries = 1
			}
			if !c.IsSet("qps") {
				cfg.QPS = 0
			}
			cfg.Notes = append(cfg.Notes, "demo run: answers come from the embedded demo zones served on "+srv.Addr)
			return runAssess(c.Context, cfg)
		},
	}
}

// startDemoServer serves the embedded demo zones on 127.0.0.1.
func startDemoServer() (*dnstest.Server, error) {
	cfg := dnstest.Config{Faults: map[string]dnstest.Fault{}}
	for name, f := range demo.Faults {
		switch f {
		case "drop":
			cfg.Faults[name] = dnstest.Drop
		default:
			return nil, fmt.Errorf("unknown demo fault %q", f)
		}
	}
	files, err := fs.Glob(demo.Files, "zones/*.zone")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		b, err := demo.Files.ReadFile(f)
		if err != nil {
			return nil, err
		}
		origin := f[len("zones/") : len(f)-len(".zone")]
		cfg.Zones = append(cfg.Zones, dnstest.Zone{Origin: origin + ".", Text: string(b), File: f})
	}
	return dnstest.Serve(cfg)
}
