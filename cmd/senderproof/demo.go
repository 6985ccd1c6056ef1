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
			"embedded fleet of 33 senders against it, and writes the evidence pack to --out.\n" +
			"It needs no network. The fleet shows every status of every check but drift.changed (which\n" +
			"needs --baseline); the server drops one query, answers SERVFAIL to a few and REFUSED for\n" +
			"a zone it does not serve, and one zone holds a CNAME loop, on purpose, so findings that\n" +
			"could not be determined (error) appear too.",
		Flags: demoFlags(),
		Action: func(c *cli.Context) error {
			if err := noArgs(c, "demo", ": give the pack directory with --out DIR"); err != nil {
				return err
			}
			if err := notEmpty(c, "fail-on", "format", "mappings", "templates", "baseline", "sign-key", "out"); err != nil {
				return err
			}
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
			inv, err := assess.ParseInventory(demoInventory, fleet)
			if err != nil {
				return runFailed(fmt.Errorf("demo fleet: %w", err))
			}
			cfg.Inventory = inv
			cfg.Inventories = []string{demoInventory}
			cfg.Resolvers = []string{srv.Addr}
			if cfg.Title == "" {
				cfg.Title = demoTitle
			}
			cfg.Notes = append(cfg.Notes, "demo run: answers come from the embedded demo zones served on "+srv.Addr)
			return runAssess(c.Context, cfg)
		},
	}
}

const demoTitle = "Example Corp mail senders (demo)"

// demoFlags are assess's run flags with the demo's defaults: no rate limit
// (the server is local) and a short timeout with one retry (the server
// drops one query on purpose).
func demoFlags() []cli.Flag {
	return runFlags(runDefaults{
		title: demoTitle, titleUsage: "organisation or fleet name on the reports",
		qps: 0, timeout: 400 * time.Millisecond, retries: 1,
	})
}

// startDemoServer serves the embedded demo zones on 127.0.0.1.
func startDemoServer() (*dnstest.Server, error) {
	cfg := dnstest.Config{Faults: map[string]dnstest.Fault{}}
	for name, f := range demo.Faults {
		switch f {
		case "drop":
			cfg.Faults[name] = dnstest.Drop
		case "servfail":
			cfg.Faults[name] = dnstest.ServFail
		case "refused":
			cfg.Faults[name] = dnstest.Refused
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
