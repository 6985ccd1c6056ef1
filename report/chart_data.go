package report

import (
	"context"
	"sort"
	"strings"

	"senderproof/assess"
)

// statusTally counts findings by status.
type statusTally struct {
	Pass, Warn, Fail, Error, Skip int
}

func (c *statusTally) add(s assess.Status) {
	switch s {
	case assess.StatusPass:
		c.Pass++
	case assess.StatusWarn:
		c.Warn++
	case assess.StatusFail:
		c.Fail++
	case assess.StatusError:
		c.Error++
	case assess.StatusSkip:
		c.Skip++
	}
}

// Total is the number of findings counted.
func (c statusTally) Total() int { return c.Pass + c.Warn + c.Fail + c.Error + c.Skip }

// Bad is the number of findings that need action: fail, error or warn.
func (c statusTally) Bad() int { return c.Warn + c.Fail + c.Error }

// checkTally is one check and how its findings came out.
type checkTally struct {
	Check  string
	Family string
	statusTally
}

// assetTally is one asset and how many of its findings need action.
type assetTally struct {
	IP          string
	Hostname    string
	Owner       string
	Criticality string
	statusTally
}

// packDigest holds the tallies the report writers draw from a Pack's
// findings: per check, per check family, per asset. It only counts what
// the Pack holds.
type packDigest struct {
	ByCheck  []checkTally // in Run.Checks order, then any other check as first seen
	ByFamily []checkTally // Check is the family name
	ByAsset  []assetTally // in inventory order
	// Controls by state.
	Satisfied, NotSatisfied, Inconclusive int
	// incomplete counts the senders whose comparison with the baseline is
	// incomplete: drift.changed error (nothing changed in what was
	// compared), or warn with fields not compared beside its changes.
	incomplete int
	// incompleteIPs names the first of those senders, for the PDF.
	incompleteIPs []string
}

// maxIncompleteIPs is how many senders with an incomplete comparison the
// digest names.
const maxIncompleteIPs = 50

// driftIncomplete is the number of senders whose comparison with the
// baseline is incomplete.
func (d *packDigest) driftIncomplete() int { return d.incomplete }

// driftUndetermined reports whether f is a drift.changed finding whose
// comparison left fields undetermined.
func driftUndetermined(f *assess.Finding) bool {
	if f.Check != DriftCheck {
		return false
	}
	if f.Status == assess.StatusError {
		return true
	}
	switch u := f.Observed["undetermined"].(type) {
	case []string:
		return len(u) > 0
	case []any:
		return len(u) > 0
	}
	return false
}

// digestPack tallies p, reading its findings once; visit, if given, sees
// every finding of that one pass too, without its evidence and controls,
// and a pass finding without its observed values, when the pack is
// spooled.
func digestPack(ctx context.Context, p *Pack, visit ...func(*assess.Finding)) (*packDigest, error) {
	d := &packDigest{}
	checkIdx := map[string]int{}
	famIdx := map[string]int{}
	family := map[string]string{}
	for _, c := range p.Run.Checks {
		family[c.ID] = c.Family
		if _, ok := checkIdx[c.ID]; ok {
			continue
		}
		checkIdx[c.ID] = len(d.ByCheck)
		d.ByCheck = append(d.ByCheck, checkTally{Check: c.ID, Family: c.Family})
	}
	assetIdx := make(map[string]int, len(p.Assets))
	d.ByAsset = make([]assetTally, 0, len(p.Assets))
	for _, a := range p.Assets {
		if _, ok := assetIdx[a.IP]; ok {
			continue
		}
		assetIdx[a.IP] = len(d.ByAsset)
		d.ByAsset = append(d.ByAsset, assetTally{IP: a.IP, Hostname: a.Hostname, Owner: a.Owner, Criticality: a.Criticality})
	}
	// The tallies and the PDF's rows read no evidence or controls, and
	// the observed values of the findings that need action or were not
	// assessed only.
	n := 0
	err := p.eachFindingWithout(skipFields{evidence: true, controls: true, passObserved: true}, func(f *assess.Finding) error {
		// A pass over millions of findings answers an interrupt quickly.
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		ci, ok := checkIdx[f.Check]
		if !ok {
			ci = len(d.ByCheck)
			checkIdx[f.Check] = ci
			fam := family[f.Check]
			if fam == "" {
				fam, _, _ = strings.Cut(f.Check, ".")
			}
			d.ByCheck = append(d.ByCheck, checkTally{Check: f.Check, Family: fam})
		}
		d.ByCheck[ci].add(f.Status)
		if driftUndetermined(f) {
			d.incomplete++
			if len(d.incompleteIPs) < maxIncompleteIPs {
				d.incompleteIPs = append(d.incompleteIPs, f.Asset)
			}
		}
		if ai, ok := assetIdx[f.Asset]; ok {
			d.ByAsset[ai].add(f.Status)
		}
		for _, v := range visit {
			v(f)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, c := range d.ByCheck {
		fi, ok := famIdx[c.Family]
		if !ok {
			fi = len(d.ByFamily)
			famIdx[c.Family] = fi
			d.ByFamily = append(d.ByFamily, checkTally{Check: c.Family, Family: c.Family})
		}
		fc := &d.ByFamily[fi].statusTally
		fc.Pass += c.Pass
		fc.Warn += c.Warn
		fc.Fail += c.Fail
		fc.Error += c.Error
		fc.Skip += c.Skip
	}
	d.Satisfied, d.NotSatisfied, d.Inconclusive = controlStates(p)
	return d, nil
}

// controlStates counts the controls by state.
func controlStates(p *Pack) (satisfied, notSatisfied, inconclusive int) {
	for _, c := range p.Controls {
		switch c.Status {
		case ControlSatisfied:
			satisfied++
		case ControlNotSatisfied:
			notSatisfied++
		default:
			inconclusive++
		}
	}
	return satisfied, notSatisfied, inconclusive
}

// topChecks returns up to n checks with the most fail findings, then warn,
// then error, ties in check order; checks with nothing to act on are left
// out.
func (d *packDigest) topChecks(n int) []checkTally {
	return worst(d.ByCheck, n, func(c checkTally) (statusTally, bool) { return c.statusTally, true })
}

// topAssets returns up to n assets of the given criticality ("" for any)
// with the most fail findings, then warn, then error, ties in inventory
// order; assets with nothing to act on are left out.
func (d *packDigest) topAssets(criticality string, n int) []assetTally {
	return worst(d.ByAsset, n, func(a assetTally) (statusTally, bool) {
		return a.statusTally, criticality == "" || strings.EqualFold(a.Criticality, criticality)
	})
}

// worst returns up to n of the items that keep says to keep and that have
// findings to act on: most fail first, then most warn, then most error,
// ties in their given order. A confirmed failure or weakness outranks any
// number of findings that could not be determined, which may hide either
// or neither; an item with only those still comes, last.
func worst[T any](items []T, n int, keep func(T) (statusTally, bool)) []T {
	var out []T
	var tallies []statusTally
	for _, it := range items {
		if t, ok := keep(it); ok && t.Bad() > 0 {
			out = append(out, it)
			tallies = append(tallies, t)
		}
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool {
		a, b := tallies[idx[i]], tallies[idx[j]]
		if a.Fail != b.Fail {
			return a.Fail > b.Fail
		}
		if a.Warn != b.Warn {
			return a.Warn > b.Warn
		}
		return a.Error > b.Error
	})
	sorted := make([]T, 0, min(n, len(idx)))
	for _, i := range idx {
		if len(sorted) == n {
			break
		}
		sorted = append(sorted, out[i])
	}
	return sorted
}

// affected counts assets of the given criticality ("" for any) with at
// least one fail, error or warn finding.
func (d *packDigest) affected(criticality string) int {
	n := 0
	for _, a := range d.ByAsset {
		if a.Bad() > 0 && (criticality == "" || strings.EqualFold(a.Criticality, criticality)) {
			n++
		}
	}
	return n
}
