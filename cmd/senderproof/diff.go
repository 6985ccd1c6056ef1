package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"senderproof/assess"
	"senderproof/report"
)

// errDrift is returned by diff when the packs differ (exit 3).
var errDrift = &codedError{exitThreshold, errors.New("the packs differ")}

// diffJSON is what diff --json prints: the drift record, what could not be
// compared, and the outcome with its exit code.
type diffJSON struct {
	*report.Drift
	NewRun string `json:"new_run_id"`
	// NotCompared: per asset, the fields either run could not determine.
	NotCompared map[string][]string `json:"not_compared"`
	// Incomplete: per asset, the fields one run determined and the other
	// could not (the reason for exit 2).
	Incomplete map[string][]string `json:"incomplete"`
	// Undetermined: per asset, each field not compared and which run could
	// not determine it (old, new or both).
	Undetermined map[string][]report.Undetermined `json:"undetermined"`
	Result       string                           `json:"result"`
	ExitCode     int                              `json:"exit_code"`
}

// diffResult maps a comparison's outcome to diff's error (nil for exit 0).
func diffResult(cmp *report.Comparison) error {
	switch cmp.Outcome() {
	case report.OutcomeChanged:
		return errDrift
	case report.OutcomeIncomplete:
		fields, senders := 0, 0
		for _, f := range cmp.Incomplete() {
			fields += len(f)
			senders++
		}
		return runFailed(fmt.Errorf("the comparison is incomplete: no change found, but %d %s of %d %s %s determined in only one of the runs",
			fields, plural(fields, "value", "values"), senders, plural(senders, "sender", "senders"), plural(fields, "was", "were")))
	}
	return nil
}

func diffCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "compare two evidence packs: what changed for each sender",
		UsageText: "senderproof diff [--json] OLD NEW",
		Description: "OLD and NEW are evidence.json files or pack directories holding one. For each sender in\n" +
			"both, diff compares what was observed (PTR names, the PTR name's forward addresses, HELO\n" +
			"addresses, SPF record, result and matched mechanism, DMARC policy and record, DKIM key\n" +
			"fingerprint and size per\n" +
			"selector) and lists senders added and removed, as assess --baseline does. A value that\n" +
			"could not be determined in either run is not counted as a change: it is listed as not\n" +
			"compared. Give the older pack first: when OLD's run started after NEW's, diff says so.\n\n" +
			"Exit codes: 0 nothing changed, and every value determined in one run was determined in\n" +
			"the other too (values neither run could determine are listed, not counted); 3 something\n" +
			"changed; 2 nothing changed, but the comparison is incomplete: some value was determined\n" +
			"in one run and not in the other (for example, the new run's resolver was down), so a\n" +
			"change there would go unnoticed; 1 bad input.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the drift record, what was not compared and the result (with its exit code) as JSON instead of a table"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return badInput(fmt.Errorf("diff takes two arguments: the old and the new evidence.json (or pack directories), after any flag (got %d)%s", c.NArg(), flagsLast(c.Args().Slice(), "senderproof diff --json OLD NEW")))
			}
			noteReading(c.App.ErrWriter, "the old pack", packEvidence(c.Args().Get(0)))
			oldPath, oldPack, err := readPackArg(c.Context, c.Args().Get(0))
			if errors.Is(err, context.Canceled) {
				return err
			}
			if err != nil {
				return badInput(err)
			}
			// The new pack is compared as it is read: a large fleet's two
			// packs need not be held at once.
			newPath := packEvidence(c.Args().Get(1))
			if err := matchesManifest("diff", newPath); err != nil {
				return badInput(err)
			}
			noteReading(c.App.ErrWriter, "and comparing the new pack", newPath)
			cmp, newPack, err := report.ComparePackFile(c.Context, oldPack, oldPath, newPath)
			if errors.Is(err, context.Canceled) {
				return err
			}
			if err != nil {
				return badInput(fmt.Errorf("the new pack: %w", packWithoutEvidence(newPath, err)))
			}
			result := diffResult(cmp)
			if nd := newPack.Drift; nd != nil && nd.BaseRun == cmp.Drift.BaseRun && slices.Equal(nd.Removed, cmp.Drift.Removed) {
				// The new run was made against the old one: its
				// recheck of the removed senders is theirs.
				cmp.Drift.Offboarding, cmp.Drift.OffboardingOmitted = nd.Offboarding, nd.OffboardingOmitted
			}
			if c.Bool("json") {
				var buf bytes.Buffer
				enc := json.NewEncoder(&buf)
				enc.SetIndent("", "  ")
				out := diffJSON{
					Drift: cmp.Drift, NewRun: newPack.Run.ID, NotCompared: cmp.NotCompared(), Incomplete: cmp.Incomplete(),
					Undetermined: cmp.Undetermined, Result: cmp.Outcome(), ExitCode: exitCode(result),
				}
				if err := enc.Encode(out); err != nil {
					return runFailed(err)
				}
				if _, err := rawWriter(stdout).Write(jsonHidden(buf.Bytes())); err != nil && !readerGone(err) {
					return runFailed(err)
				}
			} else if err := printDrift(stdout, cmp, oldPath, newPath, oldPack, newPack); err != nil && !readerGone(err) {
				return runFailed(err)
			}
			if o, n := oldPack.Run.StartedAt, newPack.Run.StartedAt; !o.IsZero() && !n.IsZero() && o.After(n) {
				// Reversed, every removal reads as an addition.
				fmt.Fprintf(c.App.ErrWriter, "senderproof: note: the old pack's run started %s, after the new pack's (%s): give the earlier pack first (diff OLD NEW)\n",
					o.UTC().Format(time.RFC3339), n.UTC().Format(time.RFC3339))
			}
			return result
		},
	}
}

// packEvidence returns the evidence.json of a pack directory, or arg
// itself when it is not a directory: diff and --baseline take either.
func packEvidence(arg string) string {
	if st, err := os.Stat(arg); err == nil && st.IsDir() {
		return filepath.Join(arg, "evidence.json")
	}
	return arg
}

// readPackArg reads diff's old pack: an evidence.json, or the one in a
// pack directory.
func readPackArg(ctx context.Context, arg string) (string, *report.Pack, error) {
	path := packEvidence(arg)
	if err := matchesManifest("diff", path); err != nil {
		return path, nil, err
	}
	p, err := report.ReadPackForDrift(ctx, path)
	if errors.Is(err, context.Canceled) {
		return path, nil, err
	}
	if err != nil {
		return path, nil, fmt.Errorf("the old pack: %w", packWithoutEvidence(path, err))
	}
	return path, p, nil
}

// packWithoutEvidence explains err, from reading path, when path is the
// evidence.json of a pack that was written without it.
func packWithoutEvidence(path string, err error) error {
	dir := filepath.Dir(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	// What is missing, in words, not the system call that found it so.
	if filepath.Base(path) != "evidence.json" {
		return fmt.Errorf("%s: no such file or directory", oneLine(path))
	}
	if st, serr := os.Stat(dir); serr != nil {
		return fmt.Errorf("%s: no such file or directory", oneLine(dir))
	} else if !st.IsDir() {
		return err
	}
	m, merr := report.ReadManifest(dir)
	if merr != nil {
		return fmt.Errorf("%s holds no evidence.json: give a pack directory or its evidence.json", oneLine(dir))
	}
	for _, f := range m.Files {
		if f.Path == "evidence.json" {
			return fmt.Errorf("%w: the manifest of the pack in %s lists it, so the pack is incomplete", err, dir)
		}
	}
	return fmt.Errorf("the pack in %s holds no evidence.json (its run's --format left json out), which this needs", dir)
}

// leftBehindList names what the recheck of a removed sender found left
// behind: ": spf_address ip4:192.0.2.70 in example.com, forward_name
// mail70.example.com".
func leftBehindList(o *assess.Offboard) string {
	var parts []string
	for _, l := range o.LeftBehind {
		parts = append(parts, clean(l.Short()))
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, ", ")
}

// printDrift writes the comparison as an aligned table, then what could not
// be compared and why.
// runDate is ", started TIME" for a pack's run, "" when it records none.
func runDate(p *report.Pack) string {
	if p == nil || p.Run.StartedAt.IsZero() {
		return ""
	}
	return ", started " + p.Run.StartedAt.UTC().Format(time.RFC3339)
}

func printDrift(out io.Writer, cmp *report.Comparison, oldPath, newPath string, old, cur *report.Pack) error {
	// Buffered, so that a failed write (a reader that went away) is
	// returned by the Flush at the end, not lost in a Fprintf.
	w := bufio.NewWriter(out)
	d := cmp.Drift
	fmt.Fprintf(w, "old: %s (run %s%s)\nnew: %s (run %s%s)\n\n", oneLine(oldPath), oneLine(d.BaseRun), runDate(old),
		oneLine(newPath), oneLine(cur.Run.ID), runDate(cur))
	incomplete := cmp.Incomplete()
	nInc := 0
	for _, f := range incomplete {
		nInc += len(f)
	}
	switch {
	case d.Changed():
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ASSET\tFIELD\tOLD\t\tNEW")
		for _, ch := range d.Changes {
			note := ""
			if n := ch.InventoryNote(); n != "" {
				note = "  (" + n + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t→\t%s%s\n", clean(ch.Asset), clean(ch.Field), orNone(ch.Old), orNone(ch.New), note)
		}
		for _, ip := range d.Added {
			fmt.Fprintf(tw, "%s\t(sender added)\n", clean(ip))
		}
		notes, rechecks := d.RemovedNotes(), d.Rechecks()
		for _, ip := range d.Removed {
			who := ""
			if n := notes[ip]; n != "" {
				who = ": " + clean(n)
			}
			switch o := rechecks[ip]; {
			case o != nil:
				who += "; offboarding recheck " + string(o.Status) + leftBehindList(o)
				if len(o.Undetermined) > 0 {
					who += "; not determined: " + clean(strings.Join(o.Undetermined, ", "))
				}
			case d.Offboarding != nil:
				who += "; not rechecked (past the first " + strconv.Itoa(len(d.Offboarding)) + ")"
			}
			// Not a cell of the FIELD column: a long note would widen
			// it for every row.
			fmt.Fprintf(tw, "%s\t(sender removed%s)\n", clean(ip), who)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "\n%d %s, %d added, %d removed\n", len(d.Changes), plural(len(d.Changes), "change", "changes"), len(d.Added), len(d.Removed))
	case nInc > 0:
		fmt.Fprintf(w, "incomplete: no change found, but %d %s of %d %s %s determined in only one of the runs,\n"+
			"so a change there would go unnoticed (listed below); compare again with runs that determined them\n",
			nInc, plural(nInc, "value", "values"), len(incomplete), plural(len(incomplete), "sender", "senders"), plural(nInc, "was", "were"))
	default:
		fmt.Fprintf(w, "no drift: nothing observed changed for the %d senders in both packs\n", len(cur.Assets)-len(d.Added))
	}
	n := 0
	seen := map[string]bool{}
	for _, a := range cur.Assets {
		us := cmp.Undetermined[a.IP]
		if len(us) == 0 || seen[a.IP] {
			continue
		}
		seen[a.IP] = true
		if n == 0 {
			fmt.Fprintln(w, "\nnot compared (a run could not determine them; never counted as a change):")
		}
		n++
		var parts []string
		for _, side := range []struct{ in, label string }{
			{report.UndeterminedNew, "the new run could not determine"},
			{report.UndeterminedOld, "the old run could not determine"},
			{report.UndeterminedBoth, "neither run could determine"},
		} {
			var fs []string
			for _, u := range us {
				if u.In == side.in {
					fs = append(fs, clean(u.Field))
				}
			}
			if len(fs) > 0 {
				parts = append(parts, side.label+" "+strings.Join(fs, ", "))
			}
		}
		fmt.Fprintf(w, "  %s: %s\n", clean(a.IP), strings.Join(parts, "; "))
	}
	return w.Flush()
}

// orNone shows an empty value as "(no value)", not "(none)", which reads
// as DMARC's p=none.
func orNone(s string) string {
	if s == "" {
		return "(no value)"
	}
	return clean(s)
}

// clean bounds DNS-derived text for the terminal: control characters become
// \xNN and long values are cut.
func clean(s string) string {
	const maxLen = 120
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		if len(out) >= maxLen {
			return string(out) + "…"
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r < 0x20 || r == 0x7f {
			out = fmt.Appendf(out, `\x%02x`, s[i])
		} else {
			out = append(out, s[i:i+size]...) // termWriter escapes the rest
		}
		i += size
	}
	return string(out)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// flagsLast says, when one of args is a flag (given after the arguments,
// where the command line stops reading flags), that flags come first, with
// an example; "" otherwise.
func flagsLast(args []string, example string) string {
	for _, a := range args {
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			return fmt.Sprintf("; %s came after the arguments, where it is read as one: put flags first (%s)", oneLine(a), example)
		}
	}
	return ""
}
