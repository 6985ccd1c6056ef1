package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"senderproof/report"
)

// errDrift is returned by diff when the packs differ (exit 3).
var errDrift = &codedError{exitThreshold, errors.New("the packs differ")}

func diffCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "compare two evidence packs: what changed for each sender",
		UsageText: "senderproof diff [--json] OLD NEW",
		Description: "OLD and NEW are evidence.json files or pack directories holding one. For each sender in\n" +
			"both, diff compares what was observed (PTR names, the PTR name's forward addresses, HELO\n" +
			"addresses, SPF result and matched mechanism, DMARC policy, DKIM key fingerprint and size per\n" +
			"selector) and lists senders added and removed, as assess --baseline does. A value that\n" +
			"could not be determined in either run is not counted as a change.\n\n" +
			"Exit codes: 0 nothing changed; 3 something changed; 1 bad input.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the drift record as JSON instead of a table"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return badInput(errors.New("diff takes two arguments: the old and the new evidence.json (or pack directories)"))
			}
			oldPath, oldPack, err := readPackArg(c.Args().Get(0))
			if err != nil {
				return badInput(err)
			}
			newPath, newPack, err := readPackArg(c.Args().Get(1))
			if err != nil {
				return badInput(err)
			}
			drift, undetermined := report.Diff(oldPack, oldPath, newPack)
			if c.Bool("json") {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(drift); err != nil {
					return runFailed(err)
				}
			} else if err := printDrift(stdout, drift, undetermined, oldPath, newPath, newPack); err != nil {
				return runFailed(err)
			}
			if drift.Changed() {
				return errDrift
			}
			return nil
		},
	}
}

// readPackArg reads an evidence.json, or the one in a pack directory.
func readPackArg(arg string) (string, *report.Pack, error) {
	path := arg
	if st, err := os.Stat(arg); err == nil && st.IsDir() {
		path = filepath.Join(arg, "evidence.json")
	}
	p, err := report.ReadPackForDrift(path)
	if err != nil {
		return path, nil, fmt.Errorf("reading pack: %w", err)
	}
	return path, p, nil
}

// printDrift writes the drift as an aligned table.
func printDrift(w io.Writer, d *report.Drift, undetermined map[string][]string, oldPath, newPath string, cur *report.Pack) error {
	fmt.Fprintf(w, "old: %s (run %s)\nnew: %s (run %s)\n\n", oldPath, d.BaseRun, newPath, cur.Run.ID)
	if !d.Changed() {
		fmt.Fprintf(w, "no drift: nothing observed changed for the %d senders in both packs\n", len(cur.Assets)-len(d.Added))
	} else {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ASSET\tFIELD\tOLD\t\tNEW")
		for _, ch := range d.Changes {
			fmt.Fprintf(tw, "%s\t%s\t%s\t→\t%s\n", clean(ch.Asset), clean(ch.Field), orNone(ch.Old), orNone(ch.New))
		}
		for _, ip := range d.Added {
			fmt.Fprintf(tw, "%s\t(sender added)\t\t\t\n", clean(ip))
		}
		for _, ip := range d.Removed {
			fmt.Fprintf(tw, "%s\t(sender removed)\t\t\t\n", clean(ip))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "\n%d %s, %d added, %d removed\n", len(d.Changes), plural(len(d.Changes), "change", "changes"), len(d.Added), len(d.Removed))
	}
	n := 0
	for _, a := range cur.Assets {
		if f := undetermined[a.IP]; len(f) > 0 {
			if n == 0 {
				fmt.Fprintln(w, "\nnot compared (an error in one of the runs):")
			}
			n++
			fmt.Fprintf(w, "  %s: %s\n", clean(a.IP), clean(strings.Join(f, ", ")))
		}
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return clean(s)
}

// clean bounds DNS-derived text for the terminal: control characters become
// \xNN and long values are cut.
func clean(s string) string {
	const maxLen = 120
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if len(out) >= maxLen {
			return string(out) + "…"
		}
		c := s[i]
		if c < 0x20 || c == 0x7f {
			out = append(out, fmt.Sprintf(`\x%02x`, c)...)
			continue
		}
		out = append(out, c)
	}
	return string(out)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
