package assess

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
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
	// Sink, if set, receives each asset's findings (i is the asset's index)
	// as soon as they are ready, from several goroutines at once, and Run
	// returns no findings: a fleet's findings need not fit in memory. fs is
	// the sink's only until it returns: the slice is reused for a later
	// asset (what its findings point to is not).
	Sink func(i int, fs []Finding) error
}

// inTurn runs work on items 0..total-1, opt.Concurrency workers at a time
// (32 when unset), each made by newWorker and taking the next item in turn,
// and reports each item done to opt.Progress. A fixed set of workers, not a
// goroutine per item: each would grow a fresh stack (the SPF walk and the
// wording run deep), and that copying was a visible share of a fleet's CPU.
// It returns the first error, or ctx's.
func inTurn(ctx context.Context, opt Options, total int, newWorker func() func(ctx context.Context, i int) error) error {
	n := opt.Concurrency
	if n <= 0 {
		n = 32
	}
	var next, done atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	for range min(n, total) {
		work := newWorker()
		g.Go(func() error {
			for gctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= total {
					return nil
				}
				if err := work(gctx, i); err != nil {
					return err
				}
				if d := done.Add(1); opt.Progress != nil {
					opt.Progress(int(d), total)
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
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

// TemplateField gives the wording the field name (see templates.Fielder).
func (d *MessageData) TemplateField(name string) (any, bool) {
	switch name {
	case "Check":
		return d.Check, true
	case "Status":
		return d.Status, true
	case "Reason":
		return d.Reason, true
	case "Selector":
		return d.Selector, true
	case "Asset":
		return &d.Asset, true
	case "Observed":
		return d.Observed, true
	}
	return nil, false
}

// Run assesses every asset with every registered check. Findings come back
// in inventory order, then check ID (DKIM selectors in inventory order),
// whatever the timing. It returns an error only when ctx is cancelled.
func Run(ctx context.Context, assets []Asset, opt Options) ([]Finding, error) {
	tpl := opt.Templates
	if tpl == nil {
		tpl = templates.MustDefault()
	}
	var results [][]Finding
	if opt.Sink == nil {
		results = make([][]Finding, len(assets))
	}
	dm := newDomainMemo(tpl)
	dm.expect(assets)
	err := inTurn(ctx, opt, len(assets), func() func(context.Context, int) error {
		// With a sink, a worker's findings slice is handed over and
		// then refilled: a 16-finding slice per asset was 7% of a
		// fleet's allocation.
		var reuse []Finding
		return func(ctx context.Context, i int) error {
			fs, err := assessAsset(ctx, opt.Resolver, assets[i], tpl, dm, reuse)
			if err != nil {
				return err
			}
			if opt.Sink == nil {
				results[i] = fs
				return nil
			}
			if err := opt.Sink(i, fs); err != nil {
				return err
			}
			clear(fs)
			reuse = fs[:0]
			return nil
		}
	})
	if err != nil {
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
// The checks of one asset share one memo of answers in front of r: they ask
// the same few questions many times (each PTR-based check looks up the PTR
// and its forward names), and a question asked again gets the very same
// answer.
func AssessAsset(ctx context.Context, r Resolver, a Asset, tpl *templates.Set) ([]Finding, error) {
	return assessAsset(ctx, r, a, tpl, nil, nil)
}

// assessAsset is AssessAsset with the run's memo of domain-level findings
// (nil: none), appending the findings to out[:0].
func assessAsset(ctx context.Context, r Resolver, a Asset, tpl *templates.Set, dm *domainMemo, out []Finding) ([]Finding, error) {
	r = &assetMemo{r: r, run: dm}
	d := new(MessageData)
	out = slices.Grow(out[:0], len(registry)+len(a.DKIMSelectors))
	for _, c := range registry {
		if c.Run == nil {
			continue
		}
		if c.DomainOnly && dm != nil {
			fs, err := dm.run(ctx, r, c, a, d)
			if err != nil {
				return nil, err
			}
			out = append(out, fs...)
			continue
		}
		fs := c.Run(ctx, r, a)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for i := range fs {
			if err := word(tpl, c, a, &fs[i], d); err != nil {
				return nil, err
			}
		}
		out = append(out, fs...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Check < out[j].Check })
	return out, nil
}

// assetMemo remembers the answers given to one asset's checks.
type assetMemo struct {
	r   Resolver
	mu  sync.Mutex
	m   map[qkey]memoAnswer
	spf map[spfKey]spfEval // check_host results (evalSPF)
	// spfRecords are the domains' SPF records (lookupSPFRecord).
	spfRecords map[string]spfView
	ptr        map[bool]ptrView // lookupPTR, by withForward
	run        *domainMemo      // what the run shares across assets; nil outside Run
	// hostFit is noteHostnameFit's verdict on the asset's hostname, which
	// several checks ask: hostFitDone once it is made.
	hostFit     hostnameFit
	hostFitDone bool
}

type memoAnswer struct {
	ans Answer
	err error
}

// Lookup answers from the memo or asks the resolver. The slices of a
// remembered answer are clipped, so a check that appends to them gets its
// own copy.
func (m *assetMemo) Lookup(ctx context.Context, name string, qtype uint16) (Answer, error) {
	e := remember(ctx, &m.mu, &m.m, qkey{name, qtype}, func() memoAnswer {
		ans, err := m.r.Lookup(ctx, name, qtype)
		ans.RRs = slices.Clip(ans.RRs)
		ans.Chain = slices.Clip(ans.Chain)
		ans.Exchanges = slices.Clip(ans.Exchanges)
		return memoAnswer{ans, err}
	})
	return e.ans, e.err
}

// remember returns what *table holds for k, or computes it, keeps it and
// returns it. What was computed while ctx ended is not kept: a cancelled
// lookup is not an answer.
func remember[K comparable, V any](ctx context.Context, mu *sync.Mutex, table *map[K]V, k K, compute func() V) V {
	mu.Lock()
	v, ok := (*table)[k]
	mu.Unlock()
	if ok {
		return v
	}
	v = compute()
	if ctx.Err() != nil {
		return v
	}
	mu.Lock()
	if *table == nil {
		*table = make(map[K]V)
	}
	(*table)[k] = v
	mu.Unlock()
	return v
}

// boundedMemo remembers compute(k) for values that never change with the
// run (a name's organizational domain, an SPF record's syntax verdict),
// shared by every run in the process: at most max keys of at most maxKey
// bytes, so hostile data cannot grow it without bound; other keys are
// computed each time.
type boundedMemo[V any] struct {
	m           sync.Map // string → V
	n           atomic.Int64
	max, maxKey int
}

func (b *boundedMemo[V]) get(k string, compute func(string) V) V {
	if v, ok := b.m.Load(k); ok {
		vv, _ := v.(V) // a nil V was stored as a nil any
		return vv
	}
	v := compute(k)
	if len(k) <= b.maxKey && b.n.Load() < int64(b.max) {
		// A place is taken before the key goes in, so goroutines missing
		// at once cannot pass max between them.
		if b.n.Add(1) > int64(b.max) {
			b.n.Add(-1)
		} else if _, loaded := b.m.LoadOrStore(k, v); loaded {
			b.n.Add(-1)
		}
	}
	return v
}

// Word fills a finding's severity, message and remediation from the check
// and the wording templates.
func Word(tpl *templates.Set, c Check, a Asset, f *Finding) error {
	return word(tpl, c, a, f, new(MessageData))
}

// word is Word with d as the templates' data, overwritten: the findings of
// one asset are worded one after another with one MessageData.
func word(tpl *templates.Set, c Check, a Asset, f *Finding, d *MessageData) error {
	f.Severity = severity(c, f.Status)
	if f.Controls == nil {
		f.Controls = []ControlRef{}
	}
	if f.Evidence == nil {
		f.Evidence = []Evidence{}
	}
	reason, _ := f.Observed["reason"].(string)
	*d = MessageData{Check: f.Check, Status: string(f.Status), Reason: reason, Asset: a, Observed: f.Observed}
	if f.Selector != nil {
		d.Selector = *f.Selector
	}
	st := string(f.Status)
	msg, err := tpl.FirstOf(wordKey{f.Check, f.Status, reason, false}, d, func() []string {
		return []string{f.Check + "/" + st + "." + reason, f.Check + "/" + st, "default/" + st}
	})
	if err != nil {
		return fmt.Errorf("wording %s/%s: %w", f.Check, st, err)
	}
	f.Message = msg
	f.Remediation = ""
	if f.Status == StatusFail || f.Status == StatusWarn || f.Status == StatusError {
		rem, err := tpl.FirstOf(wordKey{f.Check, f.Status, reason, true}, d, func() []string {
			if f.Status == StatusError {
				// An undetermined finding is fixed by finding out, not by
				// changing records.
				return []string{f.Check + "/remediation.error." + reason, "default/remediation.error"}
			}
			return []string{f.Check + "/remediation." + reason, f.Check + "/remediation", "default/remediation." + st}
		})
		if err != nil {
			return fmt.Errorf("wording %s remediation: %w", f.Check, err)
		}
		f.Remediation = rem
	}
	if name := f.Check + "/remediation.pass"; f.Status == StatusPass && tpl.Has(name) {
		// A pass that still asks for something (a DKIM key in
		// testing mode): the action goes where every report looks for
		// one, not in the message alone.
		rem, err := tpl.FirstOf(wordKey{f.Check, f.Status, reason, true}, d, func() []string { return []string{name} })
		if err != nil {
			return fmt.Errorf("wording %s remediation: %w", f.Check, err)
		}
		f.Remediation = rem
	}
	return nil
}

// wordKey names the wording of one kind of finding: its message, or with
// rem its remediation (templates.Set.FirstOf remembers the choice).
type wordKey struct {
	check  string
	status Status
	reason string
	rem    bool
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
