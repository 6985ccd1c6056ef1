package report

import (
	"sort"
	"time"

	"senderproof/assess"
)

// ControlDef is one control of a mapping file, as the roll-up needs it.
type ControlDef struct {
	Framework string
	ID        string
	Title     string
	Catalog   []string // display labels, e.g. "CSF 2.0 PR.DS-02"
	Checks    []string // checks mapped to it
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
		for _, c := range assess.Registry() {
			p.Run.Checks = append(p.Run.Checks, CheckInfo{ID: c.ID, Family: c.Family, Criteria: c.Criteria})
		}
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
	for i := range p.Findings {
		f := &p.Findings[i]
		if in.Mapper != nil {
			f.Controls = in.Mapper.ControlsFor(f.Check)
		}
		if f.Controls == nil {
			f.Controls = []assess.ControlRef{}
		}
	}
	p.Summary = summarize(p)
	p.Controls = rollUp(p.Findings, in.Mapper)
	p.AssetSummary = assetSummaries(p)
	return p
}

func summarize(p *Pack) Summary {
	s := Summary{Assets: len(p.Assets), Findings: len(p.Findings)}
	for _, f := range p.Findings {
		switch f.Status {
		case assess.StatusPass:
			s.Pass++
		case assess.StatusFail:
			s.Fail++
		case assess.StatusWarn:
			s.Warn++
		case assess.StatusError:
			s.Error++
		case assess.StatusSkip:
			s.Skip++
		}
	}
	return s
}

// rollUp computes each control's state: not_satisfied if any mapped finding
// fails, inconclusive if none fails but any is error, else satisfied (warns
// are counted and shown).
func rollUp(findings []assess.Finding, m Mapper) []ControlStatus {
	out := []ControlStatus{}
	if m == nil {
		return out
	}
	type key struct{ fw, id string }
	idx := map[key]int{}
	for _, c := range m.Controls() {
		idx[key{c.Framework, c.ID}] = len(out)
		out = append(out, ControlStatus{Framework: c.Framework, ID: c.ID, Title: c.Title, Catalog: c.Catalog, Checks: c.Checks})
	}
	for _, f := range findings {
		for _, ref := range f.Controls {
			i, ok := idx[key{ref.Framework, ref.ID}]
			if !ok {
				continue
			}
			c := &out[i]
			switch f.Status {
			case assess.StatusPass:
				c.Pass++
			case assess.StatusFail:
				c.Fail++
			case assess.StatusWarn:
				c.Warn++
			case assess.StatusError:
				c.Error++
			}
		}
	}
	for i := range out {
		c := &out[i]
		switch {
		case c.Fail > 0:
			c.Status = ControlNotSatisfied
		case c.Error > 0:
			c.Status = ControlInconclusive
		default:
			c.Status = ControlSatisfied
		}
	}
	return out
}

func assetSummaries(p *Pack) []AssetSummary {
	out := make([]AssetSummary, 0, len(p.Assets))
	byIP := make(map[string]int, len(p.Assets))
	for _, a := range p.Assets {
		byIP[a.IP] = len(out)
		out = append(out, AssetSummary{IP: a.IP, HELO: a.HELO, Status: string(assess.StatusPass)})
	}
	for _, f := range p.Findings {
		i, ok := byIP[f.Asset]
		if !ok {
			continue
		}
		s := &out[i]
		switch f.Status {
		case assess.StatusFail:
			s.Fail++
		case assess.StatusWarn:
			s.Warn++
		case assess.StatusError:
			s.Error++
		}
		switch f.Check {
		case "ptr.present":
			if n, ok := f.Observed["ptr"].(string); ok {
				s.PTR = n
			} else if f.Status != assess.StatusPass {
				s.PTR = ""
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
	for i := range out {
		s := &out[i]
		switch {
		case s.Fail > 0:
			s.Status = string(assess.StatusFail)
		case s.Error > 0:
			s.Status = string(assess.StatusError)
		case s.Warn > 0:
			s.Status = string(assess.StatusWarn)
		}
	}
	return out
}

// Stamp is a helper for callers that fill Run times.
func Stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }
