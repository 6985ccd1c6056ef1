package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"senderproof/assess"
	"senderproof/templates"
)

// Baseline compares a run with an earlier pack one asset at a time, as the
// run produces each asset's findings, so a streamed run gets its drift
// findings without holding every finding in memory. It keeps only the
// baseline's compared values, not its findings.
type Baseline struct {
	path, baseRun string
	tpl           *templates.Set
	check         assess.Check
	old           map[string][]observation
	baseAssets    []assess.Asset // the baseline's rows, for those removed since
	inBase        map[string]bool
	// rows holds each baseline asset's sending domain and selectors, to
	// tell an inventory edit from a DNS change.
	rows map[string]assess.Asset

	mu      sync.Mutex
	changes map[string][]DriftChange
}

// NewBaseline prepares the comparison with base, read from path.
func NewBaseline(base *Pack, path string, tpl *templates.Set) *Baseline {
	if tpl == nil {
		tpl = templates.MustDefault()
	}
	check, _ := assess.LookupCheck(DriftCheck)
	b := &Baseline{
		path: path, baseRun: base.Run.ID, tpl: tpl, check: check,
		// A copy of the map: Asset deletes from it, the pack keeps its own.
		old: maps.Clone(packObservations(base)), inBase: map[string]bool{}, changes: map[string][]DriftChange{},
		rows: map[string]assess.Asset{},
	}
	for _, a := range base.Assets {
		if !b.inBase[a.IP] {
			b.inBase[a.IP] = true
			b.baseAssets = append(b.baseAssets, a)
			b.rows[a.IP] = assess.Asset{Domain: a.Domain, HELO: a.HELO, DKIMSelectors: a.DKIMSelectors}
		}
	}
	return b
}

// Asset compares one asset's findings with the baseline and returns them
// with its drift.changed finding inserted at its place in check-ID order
// (after dmarc.*, before helo.*), so the findings keep the SPEC order. Its
// status is warn when something observed changed (naming each change, and
// what could not be compared); error when nothing changed but a run could
// not determine some compared field, so the comparison is incomplete; pass
// only when every field was compared and nothing changed; skip (new_asset)
// when the baseline lacks the asset. A value that was an error in either run
// is undetermined, never a change.
func (b *Baseline) Asset(a assess.Asset, fs []assess.Finding) []assess.Finding {
	f := assess.Finding{Asset: a.IP, Check: DriftCheck}
	var d assetDrift
	if !b.inBase[a.IP] {
		f.Status = assess.StatusSkip
		f.Observed = map[string]any{"reason": reasonNewAsset, "baseline_run": b.baseRun}
	} else {
		// Each asset is compared once (the inventory merges an IP's
		// rows): its baseline values are dropped as it is, so a large
		// baseline's memory goes down as the run goes on.
		b.mu.Lock()
		old := b.old[a.IP]
		delete(b.old, a.IP)
		b.mu.Unlock()
		d = compareAsset(a.IP, old, observationsByAsset(fs)[a.IP])
		inventoryEdits(&d, b.rows[a.IP], a)
		f.Observed = d.observed(b.baseRun)
		f.Status = d.status()
		var cs []DriftChange
		for _, c := range d.changes {
			cs = append(cs, DriftChange{Asset: a.IP, Field: c.obs.field(), Old: c.old, New: c.new, Inventory: c.inv})
		}
		b.mu.Lock()
		b.changes[a.IP] = cs
		b.mu.Unlock()
	}
	if err := assess.Word(b.tpl, b.check, a, &f); err != nil {
		f.Message = fmt.Sprintf("%d changes since the baseline run %s", len(d.changes), b.baseRun)
		if und := d.fields(); len(und) > 0 {
			f.Message += "; not compared: " + strings.Join(und, ", ")
		}
	}
	return insertByCheck(fs, f)
}

// insertByCheck orders fs by check ID (stably: DKIM selectors keep their
// inventory order; the runner's findings already are in order) and inserts f
// before the first finding whose check ID sorts after f's.
func insertByCheck(fs []assess.Finding, f assess.Finding) []assess.Finding {
	slices.SortStableFunc(fs, func(x, y assess.Finding) int { return strings.Compare(x.Check, y.Check) })
	i := slices.IndexFunc(fs, func(x assess.Finding) bool { return x.Check > f.Check })
	if i < 0 {
		i = len(fs)
	}
	return slices.Insert(fs, i, f)
}

// RemovedAssets returns the baseline's rows of the senders that assets
// (this run's inventory) no longer holds, in the baseline's order.
func (b *Baseline) RemovedAssets(assets []assess.Asset) []assess.Asset {
	inCur := make(map[string]bool, len(assets))
	for _, a := range assets {
		inCur[a.IP] = true
	}
	_, rows := removedOf(b.baseAssets, inCur)
	return rows
}

// BaseRun returns the baseline run's ID.
func (b *Baseline) BaseRun() string { return b.baseRun }

// Drift returns the drift record of a run over assets (in inventory order),
// after Asset has seen each of them.
func (b *Baseline) Drift(assets []assess.Asset) *Drift {
	drift := &Drift{Baseline: b.path, BaseRun: b.baseRun, Added: []string{}, Removed: []string{}, Changes: []DriftChange{}}
	inCur := map[string]bool{}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, a := range assets {
		if inCur[a.IP] {
			continue
		}
		inCur[a.IP] = true
		if !b.inBase[a.IP] {
			drift.Added = append(drift.Added, a.IP)
			continue
		}
		drift.Changes = append(drift.Changes, b.changes[a.IP]...)
	}
	drift.Removed, drift.RemovedAssets = removedOf(b.baseAssets, inCur)
	return drift
}
