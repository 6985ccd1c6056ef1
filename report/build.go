package report

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"senderproof/assess"
	"senderproof/mappings"
)

// ControlDef is one control of a mapping file, as the roll-up needs it.
type ControlDef struct {
	Framework string
	ID        string
	Title     string
	Relevance string   // why the control matters for sender identity
	Catalog   []string // display labels, e.g. "CSF 2.0 PR.DS-02"
	Checks    []string // checks mapped to it
	// WarnFails lists the checks (of Checks) whose warn findings count
	// against the control, as a fail does: the mapping says fail_on: warn.
	WarnFails []string
	// OSCAL names the catalog controls of Catalog as an OSCAL catalog
	// does, when the framework's catalog is one.
	OSCAL []mappings.OSCALRef
}

// Mapper is what Build needs of the mapping files.
type Mapper interface {
	// ControlsFor returns the controls a check is evidence for.
	ControlsFor(checkID string) []assess.ControlRef
	// Controls returns every control, frameworks and controls in file order.
	Controls() []ControlDef
}

// BuildInput is everything a run produced.
type BuildInput struct {
	Tool     Tool
	Run      Run
	Assets   []assess.Asset
	Findings []assess.Finding
	Mapper   Mapper
	Drift    *Drift
}

// Build assembles the Pack: it attaches controls to findings, orders the
// findings (inventory order, then check ID), counts, and rolls findings up
// into controls and per-asset summaries. Writers only format its result.
func Build(in BuildInput) *Pack {
	p := &Pack{
		Schema:   Schema,
		Tool:     in.Tool,
		Run:      in.Run,
		Assets:   in.Assets,
		Findings: in.Findings,
		Drift:    in.Drift,
	}
	if p.Assets == nil {
		p.Assets = []assess.Asset{}
	}
	if p.Findings == nil {
		p.Findings = []assess.Finding{}
	}
	if p.Run.Checks == nil {
		p.Run.Checks = checkInfos()
	}
	order := make(map[string]int, len(p.Assets))
	for i, a := range p.Assets {
		if _, ok := order[a.IP]; !ok {
			order[a.IP] = i
		}
	}
	sort.SliceStable(p.Findings, func(i, j int) bool {
		a, b := p.Findings[i], p.Findings[j]
		if oa, ob := order[a.Asset], order[b.Asset]; oa != ob {
			return oa < ob
		}
		return a.Check < b.Check
	})
	acc := newAccumulator(p.Assets, in.Mapper)
	for i := range p.Findings {
		acc.add(&p.Findings[i])
	}
	acc.finish(p)
	return p
}

// accumulator rolls findings up, one at a time, into the summary, the
// controls and the per-asset summaries.
type accumulator struct {
	mapper   Mapper
	summary  Summary
	controls []ControlStatus
	ctlIdx   map[ControlRef]int
	// warnFails[i] lists the checks whose warns count against controls[i];
	// warnFailed[i] counts those warn findings.
	warnFails  [][]string
	warnFailed []int
	assets     []AssetSummary
	byIP       map[string]int
	// errorReasons counts the error findings by observed reason;
	// errorCauses counts them by what failed in their exchanges
	// (assess.EvidenceCause), once per cause a finding's exchanges show.
	errorReasons, errorCauses map[string]int
}

// ControlRef is the key of a control in roll-ups.
type ControlRef = assess.ControlRef

func newAccumulator(assets []assess.Asset, m Mapper) *accumulator {
	a := &accumulator{mapper: m, ctlIdx: map[ControlRef]int{}, byIP: make(map[string]int, len(assets))}
	a.summary.Assets = len(assets)
	a.controls = []ControlStatus{}
	if m != nil {
		for _, c := range m.Controls() {
			a.ctlIdx[ControlRef{Framework: c.Framework, ID: c.ID}] = len(a.controls)
			a.controls = append(a.controls, ControlStatus{Framework: c.Framework, ID: c.ID, Title: c.Title, Relevance: c.Relevance, Catalog: c.Catalog, Checks: c.Checks, WarnFails: c.WarnFails, OSCAL: c.OSCAL})
			a.warnFails = append(a.warnFails, c.WarnFails)
		}
	}
	a.warnFailed = make([]int, len(a.controls))
	a.assets = make([]AssetSummary, 0, len(assets))
	for _, as := range assets {
		a.byIP[as.IP] = len(a.assets)
		a.assets = append(a.assets, AssetSummary{IP: as.IP, HELO: as.HELO, Status: string(assess.StatusPass)})
	}
	return a
}

// attach sets a finding's controls from the mapping files.
func (a *accumulator) attach(f *assess.Finding) {
	if a.mapper != nil {
		f.Controls = a.mapper.ControlsFor(f.Check)
	}
	if f.Controls == nil {
		f.Controls = []assess.ControlRef{}
	}
}

// add attaches controls to f and counts it.
func (a *accumulator) add(f *assess.Finding) {
	a.attach(f)
	a.count(f)
}

// count rolls one finding (with its controls attached) up.
func (a *accumulator) count(f *assess.Finding) {
	a.summary.Findings++
	switch f.Status {
	case assess.StatusPass:
		a.summary.Pass++
	case assess.StatusFail:
		a.summary.Fail++
	case assess.StatusWarn:
		a.summary.Warn++
	case assess.StatusError:
		a.summary.Error++
		if a.errorReasons == nil {
			a.errorReasons = map[string]int{}
		}
		reason, _ := f.Observed["reason"].(string)
		a.errorReasons[reason]++
		if a.errorCauses == nil {
			a.errorCauses = map[string]int{}
		}
		var seen [8]string
		n := 0
		for _, e := range f.Evidence {
			if c := assess.EvidenceCause(e); c != "" && !slices.Contains(seen[:n], c) && n < len(seen) {
				seen[n] = c
				n++
				a.errorCauses[c]++
			}
		}
		// The findings of the notes' groups of causes, each once.
		for group, causes := range errorCauseGroups {
			if slices.ContainsFunc(seen[:n], func(c string) bool { return slices.Contains(causes, c) }) {
				a.errorCauses[group]++
			}
		}
	case assess.StatusSkip:
		a.summary.Skip++
	}
	for _, ref := range f.Controls {
		i, ok := a.ctlIdx[ref]
		if !ok {
			continue
		}
		a.controls[i].tally(f.Status)
		if f.Status == assess.StatusWarn && slices.Contains(a.warnFails[i], f.Check) {
			a.warnFailed[i]++
		}
	}
	if i, ok := a.byIP[f.Asset]; ok {
		summarizeAsset(&a.assets[i], f)
	}
}

// tally counts one finding of status s.
func (c *ControlStatus) tally(s assess.Status) {
	switch s {
	case assess.StatusPass:
		c.Pass++
	case assess.StatusFail:
		c.Fail++
	case assess.StatusWarn:
		c.Warn++
	case assess.StatusError:
		c.Error++
	case assess.StatusSkip:
		c.Skip++
	}
}

// countDiff describes how g's state and counts differ from w's, the roll-up
// of the findings that from names ("the findings", "the findings that list
// it").
func countDiff(g, w ControlStatus, from string) []string {
	var diff []string
	if g.Status != w.Status {
		diff = append(diff, fmt.Sprintf("status is %s, %s give %s", g.Status, from, w.Status))
	}
	for _, n := range []struct {
		name      string
		got, want int
	}{{"pass", g.Pass, w.Pass}, {"fail", g.Fail, w.Fail}, {"warn", g.Warn, w.Warn}, {"error", g.Error, w.Error}, {"skip", g.Skip, w.Skip}} {
		if n.got != n.want {
			diff = append(diff, fmt.Sprintf("%s is %d, %s give %d", n.name, n.got, from, n.want))
		}
	}
	return diff
}

// finish settles the states and stores the roll-ups in p.
func (a *accumulator) finish(p *Pack) {
	for i := range a.controls {
		a.controls[i].settleWith(a.warnFailed[i])
	}
	for i := range a.assets {
		s := &a.assets[i]
		switch {
		case s.Fail > 0:
			s.Status = string(assess.StatusFail)
		case s.Error > 0:
			s.Status = string(assess.StatusError)
		case s.Warn > 0:
			s.Status = string(assess.StatusWarn)
		}
	}
	p.Summary = a.summary
	p.errorReasons, p.errorCauses = a.errorReasons, a.errorCauses
	p.Controls = a.controls
	p.AssetSummary = a.assets
}

// errorCauseGroups are the groups of causes (assess.EvidenceCause) whose
// error findings the run's notes count, each finding once however many of
// the group's causes its exchanges show.
var errorCauseGroups = map[string][]string{
	"servfail|refused":       {"servfail", "refused"},
	"timeout|resolvers_down": {"timeout", "resolvers_down"},
}

// settleWith sets a control's state from its counts and warnFailed, the number
// of its warn findings whose mapping says fail_on: warn: not_satisfied if
// any mapped finding fails (or warns, for those), else inconclusive if any
// is error or no pass or warn finding supports the control at all (every
// mapped finding was skip, or none was made: drift.changed without a
// baseline), else satisfied (other warnings are counted and shown, not
// failed). The counts stay finding statuses.
func (c *ControlStatus) settleWith(warnFailed int) {
	switch {
	case c.Fail > 0 || warnFailed > 0:
		c.Status = ControlNotSatisfied
	case c.Error > 0 || c.Pass+c.Warn == 0:
		c.Status = ControlInconclusive
	default:
		c.Status = ControlSatisfied
	}
}

// summarizeAsset folds one finding into its asset's summary row.
func summarizeAsset(s *AssetSummary, f *assess.Finding) {
	switch f.Status {
	case assess.StatusFail:
		s.Fail++
	case assess.StatusWarn:
		s.Warn++
	case assess.StatusError:
		s.Error++
	case assess.StatusSkip:
		s.Skip++
	}
	switch f.Check {
	case "ptr.present":
		// ptr.fcrdns names the PTR name when it knows it (it sorts
		// first); ptr.present, without forward lookups, only when the
		// address has one name.
		if n, ok := f.Observed["ptr"].(string); ok && s.PTR == "" {
			s.PTR = n
		}
	case "ptr.fcrdns":
		s.FCrDNS = string(f.Status)
		if n, ok := f.Observed["ptr"].(string); ok {
			s.PTR = n // the forward-confirmed PTR name, when there is one
		}
	case "helo.fqdn":
		s.HELOStatus = string(f.Status)
	case "spf.authorizes_ip":
		if r, ok := f.Observed["result"].(string); ok && r != "" {
			s.SPF = r
		} else {
			s.SPF = string(f.Status)
		}
	case "dmarc.policy":
		if pol, ok := f.Observed["policy"].(string); ok {
			s.DMARCPolicy = pol
		}
	}
}

// checkRan reports whether the run applied check id: drift.changed only
// runs with a baseline.
func checkRan(p *Pack, id string) bool { return id != DriftCheck || p.Drift != nil }

// checksRun is the number of the run's checks it applied.
func checksRun(p *Pack) int {
	n := 0
	for _, c := range p.Run.Checks {
		if checkRan(p, c.ID) {
			n++
		}
	}
	return n
}

// Stamp is a helper for callers that fill Run times.
func Stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// StampEnd is Stamp for the end of a run: rounded up, so that no exchange
// recorded with its full precision falls after it.
func StampEnd(t time.Time) time.Time {
	s := Stamp(t)
	if s.Before(t) {
		s = s.Add(time.Millisecond)
	}
	return s
}
