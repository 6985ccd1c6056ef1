package assess

import (
	"context"
	"fmt"
	"sort"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"senderproof/templates"
)

// Options configure a run.
type Options struct {
	Resolver    Resolver
	Templates   *templates.Set // nil: the embedded wording
	Concurrency int            // assets assessed at once; 0 means 32
	// Progress, if set, is called after each asset with the number done.
	Progress func(done, total int)
}

// MessageData is what the wording templates see for one finding.
type MessageData struct {
	Check    string
	Status   string
	Reason   string
	Selector string
	Asset    Asset
	Observed map[string]any
}

// Run assesses every asset with every registered check. Findings come back
// in inventory order, then check ID (DKIM selectors in inventory order),
// whatever the timing. It returns an error only when ctx is cancelled.
func Run(ctx context.Context, assets []Asset, opt Options) ([]Finding, error) {
	tpl := opt.Templates
	if tpl == nil {
		tpl = templates.MustDefault()
	}
	n := opt.Concurrency
	if n <= 0 {
		n = 32
	}
	results := make([][]Finding, len(assets))
	var done atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(n)
	for i := range assets {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			fs, err := AssessAsset(gctx, opt.Resolver, assets[i], tpl)
			if err != nil {
				return err
			}
			results[i] = fs
			d := done.Add(1)
			if opt.Progress != nil {
				opt.Progress(int(d), len(assets))
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	total := 0
	for _, fs := range results {
		total += len(fs)
	}
	out := make([]Finding, 0, total)
	for _, fs := range results {
		out = append(out, fs...)
	}
	return out, nil
}

// AssessAsset runs every registered check for one asset and words the
// findings. Checks without a Run (drift.changed) are left to the caller.
func AssessAsset(ctx context.Context, r Resolver, a Asset, tpl *templates.Set) ([]Finding, error) {
	var out []Finding
	for _, c := range registry {
		if c.Run == nil {
			continue
		}
		fs := c.Run(ctx, r, a)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for i := range fs {
			if err := Word(tpl, c, a, &fs[i]); err != nil {
				return nil, err
			}
		}
		out = append(out, fs...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Check < out[j].Check })
	return out, nil
}

// Word fills a finding's severity, message and remediation from the check
// and the wording templates.
func Word(tpl *templates.Set, c Check, a Asset, f *Finding) error {
	f.Severity = severity(c, f.Status)
	if f.Controls == nil {
		f.Controls = []ControlRef{}
	}
	if f.Evidence == nil {
		f.Evidence = []Evidence{}
	}
	reason, _ := f.Observed["reason"].(string)
	d := MessageData{Check: f.Check, Status: string(f.Status), Reason: reason, Asset: a, Observed: f.Observed}
	if f.Selector != nil {
		d.Selector = *f.Selector
	}
	st := string(f.Status)
	msg, err := tpl.First(d, f.Check+"/"+st+"."+reason, f.Check+"/"+st, "default/"+st)
	if err != nil {
		return fmt.Errorf("wording %s/%s: %w", f.Check, st, err)
	}
	f.Message = msg
	f.Remediation = ""
	if f.Status == StatusFail || f.Status == StatusWarn || f.Status == StatusError {
		names := []string{f.Check + "/remediation." + reason, f.Check + "/remediation", "default/remediation." + st}
		if f.Status == StatusError {
			// An undetermined finding is fixed by finding out, not by
			// changing records.
			names = []string{f.Check + "/remediation.error." + reason, "default/remediation.error"}
		}
		rem, err := tpl.First(d, names...)
		if err != nil {
			return fmt.Errorf("wording %s remediation: %w", f.Check, err)
		}
		f.Remediation = rem
	}
	return nil
}

// severity grades a finding: a fail carries the check's severity, a warn or
// an error one step less, pass and skip are informational.
func severity(c Check, s Status) Severity {
	switch s {
	case StatusFail:
		return c.Severity
	case StatusWarn, StatusError:
		switch c.Severity {
		case SeverityHigh:
			return SeverityMedium
		default:
			return SeverityLow
		}
	}
	return SeverityInfo
}
