package report

import (
	"strings"
)

// summaryView is the data of the "summary/*" templates: the Pack plus the
// tallies the writer draws from it. Strings are clean single lines.
type summaryView struct {
	*Pack
	Org            string
	Period         string
	PeriodPhrase   string
	ControlsTotal  int
	Satisfied      int
	NotSatisfied   int
	Inconclusive   int
	Bad            int
	Attention      int
	AffectedAssets int
	HighAssets     int
	AffectedHigh   int
	TopChecks      []viewCheck
	TopAssets      []viewAsset
	DriftAssets    int
	DriftBaseRun   string
	DriftSample    []DriftChange
	// DriftMore counts the changes DriftSample leaves out.
	DriftMore int
	// DriftIncomplete counts the senders whose comparison with the
	// baseline is incomplete (drift.changed error, or warn naming fields
	// not compared).
	DriftIncomplete int
	// DriftRechecked counts the removed senders checked again against
	// DNS; DriftLeftBehind those DNS still vouches for, DriftLeftFail
	// those an SPF record still authorizes by address or by name, and
	// DriftRecheckIncomplete those with nothing found but a check that
	// could not be determined.
	DriftRechecked         int
	DriftLeftBehind        int
	DriftLeftFail          int
	DriftRecheckIncomplete int
	// Files are the pack's other files this run writes beside the PDF
	// and manifest.json, in pack order: evidence.json, report.xlsx, ...
	Files []string
	// OpenSPF are the sending domains whose SPF lets any address pass
	// (+all, a /0 range, or a record included that does), at most
	// viewOpenSPF of them; OpenSPFMore counts the rest.
	OpenSPF     []openSPF
	OpenSPFMore int
}

type viewCheck struct {
	// Title says what the check asks in plain words ("" for a pack
	// that does not record it).
	Check, Title, Family, Criteria string
	Fail, Error, Warn              int
	Counts                         string // e.g. "12 fail, 1 warn": the non-zero counts
}

type viewAsset struct {
	IP, Hostname, Owner, Criticality string
	Fail, Error, Warn                int
	Counts                           string
}

// viewCounts lists the non-zero counts of fail, error and warn.
func viewCounts(fail, errs, warn int) string {
	var parts []string
	for _, c := range []struct {
		n    int
		name string
	}{{fail, "fail"}, {errs, "error"}, {warn, "warn"}} {
		if c.n > 0 {
			parts = append(parts, pdfSprintf("%d %s", c.n, c.name))
		}
	}
	return strings.Join(parts, ", ")
}

// view bounds for the narrative.
const (
	viewTopChecks = 4
	viewTopAssets = 3
	viewDrift     = 3
	viewValue     = 80
	viewOpenSPF   = 5
)

func newSummaryView(p *Pack, d *packDigest) *summaryView {
	v := &summaryView{
		Pack:          p,
		Org:           clip(cleanLine(p.Run.Title), 120),
		Period:        pdfPeriod(p.Run),
		PeriodPhrase:  periodPhrase(p.Run),
		ControlsTotal: len(p.Controls),
		Satisfied:     d.Satisfied,
		NotSatisfied:  d.NotSatisfied,
		Inconclusive:  d.Inconclusive,
		Bad:           p.Summary.Fail + p.Summary.Error,
		Attention:     p.Summary.Fail + p.Summary.Error + p.Summary.Warn,
	}
	if v.Org == "" {
		v.Org = "the fleet"
	}
	v.Files = otherFiles(func(string) bool { return true })
	for i, o := range d.OpenSPF {
		if i == viewOpenSPF {
			v.OpenSPFMore = len(d.OpenSPF) - i
			break
		}
		v.OpenSPF = append(v.OpenSPF, openSPF{Domain: clip(cleanLine(o.Domain), viewValue), Kind: o.Kind, Why: clip(cleanLine(o.Why), 2*viewValue), Senders: o.Senders, OverLimit: o.OverLimit})
	}
	v.AffectedAssets = d.affected("")
	v.AffectedHigh = d.affected("high")
	for _, a := range p.Assets {
		if strings.EqualFold(a.Criticality, "high") {
			v.HighAssets++
		}
	}
	criteria, titles := map[string]string{}, map[string]string{}
	for _, c := range p.Run.Checks {
		criteria[c.ID], titles[c.ID] = c.Criteria, c.Title
	}
	for _, c := range d.topChecks(viewTopChecks) {
		v.TopChecks = append(v.TopChecks, viewCheck{
			Check: cleanLine(c.Check), Title: clip(cleanLine(titles[c.Check]), 200), Family: cleanLine(c.Family),
			Criteria: clip(strings.TrimSuffix(cleanLine(criteria[c.Check]), "."), 200),
			Fail:     c.Fail, Error: c.Error, Warn: c.Warn, Counts: viewCounts(c.Fail, c.Error, c.Warn),
		})
	}
	for _, a := range d.topAssets("high", viewTopAssets) {
		v.TopAssets = append(v.TopAssets, viewAsset{
			IP: clip(cleanLine(a.IP), viewValue), Hostname: clip(cleanLine(a.Hostname), viewValue),
			Owner: clip(cleanLine(a.Owner), viewValue), Criticality: clip(cleanLine(a.Criticality), viewValue),
			Fail: a.Fail, Error: a.Error, Warn: a.Warn, Counts: viewCounts(a.Fail, a.Error, a.Warn),
		})
	}
	if p.Drift != nil {
		v.DriftBaseRun = clip(cleanLine(p.Drift.BaseRun), viewValue)
		v.DriftIncomplete = d.driftIncomplete()
		seen := map[string]bool{}
		for _, c := range p.Drift.Changes {
			if !seen[c.Asset] {
				seen[c.Asset] = true
				v.DriftAssets++
			}
		}
		for _, c := range p.Drift.Sample(viewDrift) {
			old, cur := clipPair(cleanLine(c.Old), cleanLine(c.New), viewValue)
			v.DriftSample = append(v.DriftSample, DriftChange{
				Asset: clip(cleanLine(c.Asset), viewValue), Field: clip(cleanLine(c.Field), viewValue),
				Old: old, New: cur,
				// In words for the summary: the edit, not its code.
				Inventory: c.InventoryNote(),
			})
		}
		v.DriftMore = len(p.Drift.Changes) - len(v.DriftSample)
		v.DriftRechecked = len(p.Drift.Offboarding)
		v.DriftLeftBehind, v.DriftLeftFail = p.Drift.LeftBehind()
		v.DriftRecheckIncomplete = p.Drift.RecheckIncomplete()
	}
	return v
}

// periodPhrase is the assessment period as an adverbial: "on 30 June
// 2025" or "from 30 June 2025 to 1 July 2025".
func periodPhrase(r Run) string {
	from, to := r.Evidenced()
	s, f := from.UTC(), to.UTC()
	switch {
	case from.IsZero():
		return "on a date not recorded"
	case to.IsZero() || s.Format("2006-01-02") == f.Format("2006-01-02"):
		return "on " + s.Format("2 January 2006")
	}
	return "from " + s.Format("2 January 2006") + " to " + f.Format("2 January 2006")
}

// otherFiles lists, in pack order, the files beside the PDF and the
// manifest of the formats has says the pack holds.
func otherFiles(has func(format string) bool) []string {
	var out []string
	for _, f := range Formats {
		if f.Name != "pdf" && has(f.Name) {
			out = append(out, f.File)
		}
	}
	return out
}
