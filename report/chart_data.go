package report

import (
	"context"
	"fmt"
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
	// OpenSPF are the sending domains whose SPF lets any address pass,
	// in the order first seen.
	OpenSPF []openSPF
}

// openSPF is a sending domain whose SPF lets any address on the Internet
// pass: its record (or one its redirect= leads to) ends in +all, holds a
// /0 range or pass ip4:/ip6: ranges that together cover a whole address
// family, or includes a record that passes every address. Its senders'
// findings pass all the same: a check asks whether the sender is
// authorized, not whether strangers are.
type openSPF struct {
	Domain string
	// Kind is what opens it: "all" (+all), "range" (a term of length
	// 0, or terms that together cover a family) or "include" (a record
	// it includes); Why says it in words.
	Kind string
	Why  string // "+all", "ip4:0.0.0.0/0", "ip6:::/1 ip6:8000::/1", "the record of _spf.x.example, which it includes, ..."
	// Senders counts the inventory's senders that send for it.
	Senders int
	// OverLimit is set when the record goes over the lookup limit
	// (spf.lookup_limit fails) after what opens it: its senders pass
	// spf.authorizes_ip, not every SPF check.
	OverLimit bool
}

// openSPFChecks are the checks whose pass findings tell whether a
// domain's SPF lets anyone pass.
var openSPFChecks = map[string]bool{"spf.record": true, "spf.lookup_limit": true}

// openSPFFinder finds the sending domains whose SPF lets any address pass,
// from the observed values of the spf.record and spf.lookup_limit pass
// findings of each domain's first sender (the checks of a domain give all
// its senders the same), counting each domain's senders.
type openSPFFinder struct {
	domainOf map[string]string // by IP
	examined map[[2]string]bool
	senders  map[string]int
	open     map[string]bool
	// reached holds, by domain, the records spf.lookup_limit's walk
	// reached that let any address pass, until the domain's spf.record
	// (which comes after it: findings are in check-ID order) says
	// whether its own record includes one of them.
	reached map[string]map[string]any
	// overLimit holds the domains whose spf.lookup_limit failed.
	overLimit map[string]bool
	found     []openSPF
}

func newOpenSPFFinder(assets []assess.Asset) *openSPFFinder {
	o := &openSPFFinder{domainOf: make(map[string]string, len(assets)), examined: map[[2]string]bool{}, senders: map[string]int{}, open: map[string]bool{}, reached: map[string]map[string]any{}, overLimit: map[string]bool{}}
	for _, a := range assets {
		o.domainOf[a.IP] = a.Domain
	}
	return o
}

// wants reports whether add needs f's observed values: a pass of one of
// openSPFChecks for a domain not yet examined, or a fail of
// spf.lookup_limit (a record over the limit still passes every address
// when what opens it comes before the lookup past the limit).
func (o *openSPFFinder) wants(f *assess.Finding) bool {
	dom := o.domainOf[f.Asset]
	status := f.Status == assess.StatusPass || f.Status == assess.StatusFail && f.Check == "spf.lookup_limit"
	return status && openSPFChecks[f.Check] && dom != "" && !o.examined[[2]string{dom, f.Check}]
}

// add takes the next finding; observed gives its observed values when
// wants said they are needed.
func (o *openSPFFinder) add(f *assess.Finding, observed func() map[string]any) {
	dom := o.domainOf[f.Asset]
	if dom == "" || !openSPFChecks[f.Check] {
		return
	}
	if f.Check == "spf.record" {
		o.senders[dom]++
	}
	if !o.wants(f) {
		return
	}
	o.examined[[2]string{dom, f.Check}] = true
	if o.open[dom] {
		return
	}
	obs := observed()
	if f.Check == "spf.lookup_limit" {
		o.reached[dom], _ = obs["reached_records"].(map[string]any)
		o.overLimit[dom] = f.Status == assess.StatusFail
		return
	}
	kind, why := openWhy(obs)
	if rec, _ := obs["record"].(string); why == "" {
		// Through the records its own reaches by + include: or
		// redirect=, however deep.
		reached := o.reached[dom]
		via, term, ok := assess.SPFOpenVia(rec, func(name string) (string, bool) {
			r, ok := reached[name].(string)
			return r, ok
		})
		if ok && len(via) > 0 {
			kind, _, _ = strings.Cut(via[0], ":")
			kind, _, _ = strings.Cut(kind, "=")
			why = strings.Join(via, " → ") + ", whose record lets any address pass with " + term
		}
	}
	delete(o.reached, dom)
	if why != "" {
		o.open[dom] = true
		o.found = append(o.found, openSPF{Domain: dom, Kind: kind, Why: why, OverLimit: o.overLimit[dom]})
	}
	delete(o.overLimit, dom)
}

// result returns the domains found, in the order found, with their senders.
func (o *openSPFFinder) result() []openSPF {
	for i := range o.found {
		o.found[i].Senders = o.senders[o.found[i].Domain]
	}
	return o.found
}

// openWhy says what in the observed values of an spf.record pass lets
// any address pass (+all in the record or one its redirect= leads to, a
// pass term of length 0 before "all", or pass ip4:/ip6: terms before it
// that together cover a whole family, "ip6:::/1 ip6:8000::/1"), and why in
// words; "", "" when nothing does.
func openWhy(obs map[string]any) (kind, why string) {
	if all, _ := obs["all"].(string); all == "+all" {
		if src, _ := obs["all_source"].(string); src != "" {
			return "all", "+all, in the record of " + src + " its redirect= leads to"
		}
		return "all", "+all"
	}
	// Of the wide terms (a /8 and wider, before "all"), those of length
	// 0: ip4:0.0.0.0/0, ip6:::/0, a/0, a:host//0.
	wide := observedList(obs["wide_terms"])
	for _, t := range wide {
		if assess.SPFTermAnyRange(t) {
			return "range", t
		}
	}
	// Terms that cover a family together: as spf.record names them
	// (open_terms, which narrower terms between the wide ones may be
	// among), else, in a pack written before it did, as its record's
	// terms tell (a term that is no pass before them, which wide_terms
	// does not list, may shut the family), or the wide terms alone.
	open := observedList(obs["open_terms"])
	if len(open) == 0 {
		if rec, _ := obs["record"].(string); rec != "" {
			open = assess.SPFCoveringTerms(strings.Fields(rec))
		} else {
			open = assess.SPFCoveringTerms(wide)
		}
	}
	if len(open) > 0 {
		why = strings.Join(open, " ")
		// As checks make it (int) or as JSON decodes it (float64).
		switch n := obs["open_terms_omitted"].(type) {
		case int:
			why += fmt.Sprintf(" and %d more", n)
		case float64:
			why += fmt.Sprintf(" and %d more", int(n))
		}
		return "range", why
	}
	return "", ""
}

// observedList reads a list of values from an observed value, as the
// checks make it ([]string) or as JSON decodes it ([]any).
func observedList(v any) []string {
	switch w := v.(type) {
	case []any:
		out := make([]string, 0, len(w))
		for _, t := range w {
			out = append(out, fmt.Sprint(t))
		}
		return out
	case []string:
		return w
	}
	return nil
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
	open := newOpenSPFFinder(p.Assets)
	n := 0
	// The spool is decoded by goroutines of its own: what they ask must
	// not read what the visitor below writes (the domains examined).
	keep := func(f *assess.Finding) bool { return openSPFChecks[f.Check] }
	err := p.eachFindingWithout(skipFields{evidence: true, controls: true, passObserved: true, keepPass: keep}, func(f *assess.Finding) error {
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
		open.add(f, func() map[string]any { return f.Observed })
		for _, v := range visit {
			v(f)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.OpenSPF = open.result()
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
