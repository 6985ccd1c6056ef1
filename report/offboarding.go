package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"senderproof/assess"
	"senderproof/templates"
)

// CheckOffboarding holds a drift record's recheck of the removed senders
// to itself: one entry per removed sender, in drift.removed's order, up to
// assess.MaxRecheck of them (offboarding_omitted counting the rest); each
// with the offboarding checks' findings, each of which replays from its
// own evidence for the sender's baseline row; and a verdict, message and
// remediation that follow from those findings (the fleet's sending domains
// are those of p's assets and the removed rows). require refuses a record
// without the recheck (a pack of a version that makes it). It returns how
// many findings were replayed and the problems found.
func CheckOffboarding(ctx context.Context, p *Pack, tpl *templates.Set, require bool) (int, []error) {
	d := p.Drift
	if d == nil {
		return 0, nil
	}
	if d.Offboarding == nil {
		if require && len(d.Removed) > 0 {
			return 0, []error{fmt.Errorf("drift.offboarding is missing: the %d removed %s no recheck, which this version makes", len(d.Removed), plural(len(d.Removed), "sender has", "senders have"))}
		}
		return 0, nil
	}
	var out []error
	ips := make([]string, len(d.Offboarding))
	for i, o := range d.Offboarding {
		ips[i] = o.IP
	}
	// The first assess.MaxRecheck removed senders are rechecked, the
	// rest counted.
	want := d.Removed[:min(len(d.Removed), assess.MaxRecheck)]
	if omitted := len(d.Removed) - len(want); d.OffboardingOmitted != omitted {
		out = append(out, fmt.Errorf("drift.offboarding_omitted is %d; of the %d removed senders, %d are past the recheck's bound of %d", d.OffboardingOmitted, len(d.Removed), omitted, assess.MaxRecheck))
	}
	if !slices.Equal(ips, want) {
		out = append(out, fmt.Errorf("drift.offboarding rechecks %s; drift.removed lists %s", listOrNone(ClipList(ips, 20)), listOrNone(ClipList(want, 20))))
	}
	rows := d.removedRows()
	checks := assess.OffboardChecks()
	fleet := assess.FleetDomains(p.Assets, d.RemovedAssets)
	replayed := 0
	for _, o := range d.Offboarding {
		row, ok := rows[o.IP]
		if !ok {
			out = append(out, fmt.Errorf("drift.offboarding rechecks %s, which drift.removed_assets has no row of", o.IP))
			continue
		}
		got := make([]string, len(o.Findings))
		for i, f := range o.Findings {
			got[i] = f.Check
			if f.Asset != o.IP {
				out = append(out, fmt.Errorf("drift.offboarding of %s holds a finding of %s", o.IP, f.Asset))
			}
		}
		if !slices.Equal(got, checks) {
			out = append(out, fmt.Errorf("drift.offboarding of %s holds findings of %s, not of %s", o.IP, listOrNone(got), listOrNone(checks)))
			continue
		}
		for _, f := range o.Findings {
			replayed++
			again, err := assess.Reproduce(ctx, row, f, tpl)
			if ctx.Err() != nil {
				return replayed, out
			}
			var nr *assess.NotRecordedError
			switch {
			case errors.As(err, &nr):
				out = append(out, fmt.Errorf("drift.offboarding of %s: finding %s %s", o.IP, f.Check, nr.Error()))
				continue
			case err != nil:
				out = append(out, fmt.Errorf("drift.offboarding of %s: finding %s does not replay: %w", o.IP, f.Check, err))
				continue
			}
			if diff := assess.FindingDiff(f, again); len(diff) > 0 {
				out = append(out, fmt.Errorf("drift.offboarding of %s: finding %s differs on replay: %s", o.IP, f.Check, strings.Join(diff, "; ")))
			}
		}
		host, err := assess.ReplayHost(ctx, row, o.Host)
		var nr *assess.NotRecordedError
		switch {
		case errors.As(err, &nr):
			out = append(out, fmt.Errorf("drift.offboarding of %s: the host name lookup %s", o.IP, nr.Error()))
			continue
		case !sameJSON(hostResult(host), hostResult(o.Host)):
			out = append(out, fmt.Errorf("drift.offboarding of %s: the host name lookup is not what its exchanges give", o.IP))
			continue
		}
		j, err := assess.JudgeRemoved(row, o.Findings, o.Host, fleet, tpl, d.BaseRun)
		if err != nil {
			out = append(out, fmt.Errorf("drift.offboarding of %s: %w", o.IP, err))
			continue
		}
		switch {
		case j.Status != o.Status:
			out = append(out, fmt.Errorf("drift.offboarding of %s is %s; its findings give %s", o.IP, o.Status, j.Status))
		case !sameJSON(j.LeftBehind, o.LeftBehind) || j.LeftBehindOmitted != o.LeftBehindOmitted ||
			!slices.Equal(j.Undetermined, o.Undetermined) || !slices.Equal(j.Skipped, o.Skipped):
			out = append(out, fmt.Errorf("drift.offboarding of %s: what is left behind or undetermined is not what its findings give", o.IP))
		case j.Message != o.Message || j.Remediation != o.Remediation:
			out = append(out, fmt.Errorf("drift.offboarding of %s: its message or remediation is not the wording of its verdict", o.IP))
		}
	}
	return replayed, out
}

// hostResult is a host name lookup without its exchanges (their times and
// round trips are the recording's, not the replay's).
func hostResult(h *assess.HostLookup) any {
	if h == nil {
		return nil
	}
	return []any{h.Name, h.Addresses, h.Outcome, h.Reason}
}

// sameJSON reports whether a and b encode to the same JSON.
func sameJSON(a, b any) bool {
	x, errX := json.Marshal(a)
	y, errY := json.Marshal(b)
	return errX == nil && errY == nil && bytes.Equal(x, y)
}

func listOrNone(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, ", ")
}
