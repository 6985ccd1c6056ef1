package report

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unique"

	"senderproof/assess"
	"senderproof/templates"
)

// DriftCheck is the check ID of drift findings.
const DriftCheck = "drift.changed"

// Drift fields: what is compared between two runs for one asset. A field
// with a subject (a PTR name, a DKIM selector) is written field[subject].
const (
	FieldPTRNames      = "ptr.names"        // ptr.present ptr_names
	FieldPTRForward    = "ptr.forward"      // ptr.fcrdns forward[name], per PTR name in both runs
	FieldHELOAddresses = "helo.addresses"   // helo.fqdn addresses
	FieldSPFRecord     = "spf.record"       // spf.record: the sending domain's SPF record text
	FieldSPFReached    = "spf.reached"      // spf.lookup_limit reached_records[name]: a record included or redirected to
	FieldSPFResult     = "spf.result"       // spf.authorizes_ip result
	FieldSPFMatched    = "spf.matched"      // spf.authorizes_ip matched mechanism
	FieldDMARCPolicy   = "dmarc.policy"     // dmarc.policy effective policy (and pct when not 100)
	FieldDMARCRecord   = "dmarc.record"     // dmarc.policy: the DMARC record text applied
	FieldDKIMKey       = "dkim.fingerprint" // dkim.key fingerprint, per selector
	FieldDKIMKeyBits   = "dkim.key_bits"    // dkim.key key_bits, per selector
)

// reasonNewAsset is the skip reason of an asset the baseline lacks.
const reasonNewAsset = "new_asset"

// reasonIncomplete is the error reason of a comparison that found no change
// but could not compare some field.
const reasonIncomplete = "incomplete"

// observation is one compared value of one asset in one run.
type observation struct {
	key, subject string
	value        string
	undetermined bool // the finding it comes from is error
	// pairOnly: compared only when both runs have it (a forward set of a PTR
	// name that is new or gone is already a ptr.names change).
	pairOnly bool
}

func (o observation) field() string {
	if o.subject == "" {
		return o.key
	}
	return o.key + "[" + o.subject + "]"
}

// Sides of an undetermined field: which run could not determine it.
const (
	UndeterminedOld  = "old"  // the earlier (baseline) run only
	UndeterminedNew  = "new"  // the later run only
	UndeterminedBoth = "both" // neither run
)

// Undetermined is a field that was not compared because a run could not
// determine it (its finding was error).
type Undetermined struct {
	Field string `json:"field"`
	In    string `json:"undetermined_in"` // UndeterminedOld, UndeterminedNew or UndeterminedBoth
}

// assetDrift is the comparison of one asset present in both runs.
type assetDrift struct {
	ip           string
	changes      []change
	undetermined []Undetermined // in field order
}

// fields returns the undetermined fields on the given sides, in order.
func (d assetDrift) fields(sides ...string) []string {
	var out []string
	for _, u := range d.undetermined {
		if len(sides) == 0 || slices.Contains(sides, u.In) {
			out = append(out, u.Field)
		}
	}
	return out
}

// status is the drift.changed status of the comparison: warn when anything
// changed, error when nothing changed but a run could not determine some
// field (the comparison is incomplete, which is not a pass), else pass.
func (d assetDrift) status() assess.Status {
	switch {
	case len(d.changes) > 0:
		return assess.StatusWarn
	case len(d.undetermined) > 0:
		return assess.StatusError
	}
	return assess.StatusPass
}

type change struct {
	obs      observation
	old, new string
	// inv names an inventory edit behind the change, "" for none: a
	// selector added to or removed from the asset's row, its sending
	// domain changed (invDomain, with the two domains in oldName and
	// newName) or its HELO name (invHELO, the two names likewise). Such a
	// change is not a DNS change.
	inv              string
	oldName, newName string
}

// Inventory edits behind a change.
const (
	invSelectorAdded   = "selector_added"
	invSelectorRemoved = "selector_removed"
	invDomain          = "domain"
	invHELO            = "helo"
)

// inventoryEdits marks the changes of one asset that come from its
// inventory row, not from DNS: a DKIM selector only one run assessed, SPF
// and DMARC values of a sending domain that changed, or the addresses of a
// HELO name that changed. A removed or added
// selector is reported once, by its key, not again by its key size.
func inventoryEdits(d *assetDrift, old, cur assess.Asset) {
	out := d.changes[:0]
	for _, c := range d.changes {
		switch c.obs.key {
		case FieldDKIMKey, FieldDKIMKeyBits:
			// A value on one side only, for a selector only that side's
			// row lists (a baseline that recorded no selectors at all,
			// not even an empty list, names none: nothing is then put
			// down to the inventory; a row with an empty list had none,
			// so a selector on it now was added).
			inOld, inCur := slices.Contains(old.DKIMSelectors, c.obs.subject), slices.Contains(cur.DKIMSelectors, c.obs.subject)
			switch {
			case c.new == "" && inOld && !inCur:
				c.inv = invSelectorRemoved
			case c.old == "" && inCur && !inOld && old.DKIMSelectors != nil:
				c.inv = invSelectorAdded
			case old.Domain != cur.Domain:
				// The key's name holds the domain.
				c.inv, c.oldName, c.newName = invDomain, old.Domain, cur.Domain
			}
			// A key added or gone is reported once, by its key, not
			// again by its size.
			if c.obs.key == FieldDKIMKeyBits && (c.inv == invSelectorRemoved || c.inv == invSelectorAdded || c.old == "" || c.new == "") {
				continue
			}
		case FieldSPFRecord, FieldSPFReached, FieldSPFResult, FieldSPFMatched, FieldDMARCPolicy, FieldDMARCRecord:
			if old.Domain != cur.Domain {
				c.inv, c.oldName, c.newName = invDomain, old.Domain, cur.Domain
			}
		case FieldHELOAddresses:
			if old.HELO != cur.HELO {
				c.inv, c.oldName, c.newName = invHELO, old.HELO, cur.HELO
			}
		}
		out = append(out, c)
	}
	d.changes = out
}

// CompareBaseline compares a run's findings with a baseline pack and returns
// the findings with one drift.changed finding per asset added at its place
// in check-ID order (see Baseline.Asset for its status), and the drift
// record. A value that was an error in either run is undetermined, not a
// change: it is listed under observed "undetermined".
func CompareBaseline(base *Pack, path string, assets []assess.Asset, findings []assess.Finding, tpl *templates.Set) ([]assess.Finding, *Drift) {
	b := NewBaseline(base, path, tpl)
	byAsset := map[string][]assess.Finding{}
	for _, f := range findings {
		byAsset[f.Asset] = append(byAsset[f.Asset], f)
	}
	out := make([]assess.Finding, 0, len(findings)+len(assets))
	done := map[string]bool{}
	for _, a := range assets {
		if done[a.IP] {
			continue
		}
		done[a.IP] = true
		out = append(out, b.Asset(a, byAsset[a.IP])...)
	}
	return out, b.Drift(assets)
}

// Comparison is the comparison of two packs made by ComparePacks.
type Comparison struct {
	Drift *Drift
	// Undetermined lists, per asset in both packs, the fields that were not
	// compared because a run could not determine them, in field order.
	Undetermined map[string][]Undetermined
}

// Outcomes of a comparison (Comparison.Outcome).
const (
	OutcomeNoDrift    = "no_drift"   // every comparable field compared, nothing changed
	OutcomeChanged    = "changed"    // a change, an added or a removed asset
	OutcomeIncomplete = "incomplete" // no change, but a field was determined in one run only
)

// Diff compares two packs as CompareBaseline compares a run with its
// baseline, without adding findings. It also returns, per asset, the fields
// that could not be compared because a run had an error for them (see
// ComparePacks for which run).
func Diff(base *Pack, basePath string, cur *Pack) (*Drift, map[string][]string) {
	c := ComparePacks(base, basePath, cur)
	return c.Drift, c.NotCompared()
}

// ComparePacks compares two packs as CompareBaseline compares a run with its
// baseline, without adding findings, and says what could not be compared
// and which run could not determine it.
func ComparePacks(base *Pack, basePath string, cur *Pack) *Comparison {
	drift, per := compare(base, basePath, cur.Assets, packObservations(cur))
	c := &Comparison{Drift: drift, Undetermined: map[string][]Undetermined{}}
	for ip, d := range per {
		if len(d.undetermined) > 0 {
			c.Undetermined[ip] = d.undetermined
		}
	}
	return c
}

// NotCompared returns, per asset, every field that was not compared
// because either run could not determine it.
func (c *Comparison) NotCompared() map[string][]string {
	return c.fields(UndeterminedOld, UndeterminedNew, UndeterminedBoth)
}

// Incomplete returns, per asset, the fields one run determined and the
// other could not: there the comparison lost information, and a change
// would go unnoticed. Fields neither run determined are not included: two
// runs that fail alike lose nothing against each other.
func (c *Comparison) Incomplete() map[string][]string {
	return c.fields(UndeterminedOld, UndeterminedNew)
}

func (c *Comparison) fields(sides ...string) map[string][]string {
	out := map[string][]string{}
	for ip, us := range c.Undetermined {
		if f := (assetDrift{undetermined: us}).fields(sides...); len(f) > 0 {
			out[ip] = f
		}
	}
	return out
}

// ComparePackFile compares the evidence.json at path with base as
// ComparePacks does, reading it finding by finding: each sender's values
// are compared once its findings are read, and base's are let go then, so
// neither run's values of a large fleet are held at once. It takes base's
// compared values (base cannot be compared again after it). It returns the
// comparison and the pack at path, without its findings; path is held to
// what ReadPack requires, and its findings must come sender by sender, as
// senderproof writes them.
func ComparePackFile(ctx context.Context, base *Pack, basePath, path string) (*Comparison, *Pack, error) {
	oldObs := packObservations(base)
	base.observed = nil
	baseAsset := map[string]assess.Asset{}
	for _, a := range base.Assets {
		if _, ok := baseAsset[a.IP]; !ok {
			baseAsset[a.IP] = a
		}
	}
	var assets map[string]assess.Asset // of the pack at path
	per := map[string]assetDrift{}
	var cur string // ReadPackEach refuses an asset's findings that are not together
	obs := map[string][]observation{}
	flush := func() {
		if _, ok := baseAsset[cur]; cur == "" || !ok {
			return
		}
		d := compareAsset(cur, oldObs[cur], obs[cur])
		inventoryEdits(&d, baseAsset[cur], assets[cur])
		per[cur] = d
		delete(oldObs, cur)
	}
	p, err := ReadPackEach(ctx, path, func(as []assess.Asset, f *assess.Finding) {
		if assets == nil {
			assets = make(map[string]assess.Asset, len(as))
			for _, a := range as {
				if _, ok := assets[a.IP]; !ok {
					assets[a.IP] = a
				}
			}
		}
		if f.Asset != cur {
			flush()
			clear(obs)
			cur = f.Asset
		}
		addObservations(obs, f)
	})
	if err != nil {
		return nil, nil, err
	}
	flush()
	drift := &Drift{Baseline: basePath, BaseRun: base.Run.ID, Added: []string{}, Removed: []string{}, Changes: []DriftChange{}}
	inCur := map[string]bool{}
	cmp := &Comparison{Drift: drift, Undetermined: map[string][]Undetermined{}}
	for _, a := range p.Assets {
		if inCur[a.IP] {
			continue
		}
		inCur[a.IP] = true
		if _, ok := baseAsset[a.IP]; !ok {
			drift.Added = append(drift.Added, a.IP)
			continue
		}
		d := per[a.IP]
		for _, ch := range d.changes {
			drift.Changes = append(drift.Changes, DriftChange{Asset: a.IP, Field: ch.obs.field(), Old: ch.old, New: ch.new, Inventory: ch.inv})
		}
		if len(d.undetermined) > 0 {
			cmp.Undetermined[a.IP] = d.undetermined
		}
	}
	drift.Removed, drift.RemovedAssets = removedOf(base.Assets, inCur)
	return cmp, p, nil
}

// Outcome is OutcomeChanged when anything changed, else OutcomeIncomplete
// when some field was determined in one run only, else OutcomeNoDrift.
func (c *Comparison) Outcome() string {
	switch {
	case c.Drift.Changed():
		return OutcomeChanged
	case len(c.Incomplete()) > 0:
		return OutcomeIncomplete
	}
	return OutcomeNoDrift
}

// Changed reports whether the drift record holds any change, added or
// removed asset.
func (d *Drift) Changed() bool {
	return d != nil && (len(d.Added) > 0 || len(d.Removed) > 0 || len(d.Changes) > 0)
}

func (d assetDrift) observed(baseRun string) map[string]any {
	changes := make([]any, 0, len(d.changes))
	for _, c := range d.changes {
		m := map[string]any{
			"field": c.obs.field(), "key": c.obs.key, "of": c.obs.subject, "old": c.old, "new": c.new,
		}
		if c.inv != "" {
			m["inventory"] = c.inv
		}
		switch c.inv {
		case invDomain:
			m["old_domain"], m["new_domain"] = c.oldName, c.newName
		case invHELO:
			m["old_helo"], m["new_helo"] = c.oldName, c.newName
		}
		changes = append(changes, m)
	}
	obs := map[string]any{"baseline_run": baseRun, "changes": changes}
	if len(d.changes) > 0 && !slices.ContainsFunc(d.changes, func(c change) bool { return c.inv == "" }) {
		obs["inventory_only"] = true
	}
	if len(d.undetermined) > 0 {
		obs["undetermined"] = d.fields()
		for key, side := range map[string]string{
			"undetermined_baseline": UndeterminedOld, "undetermined_run": UndeterminedNew, "undetermined_both": UndeterminedBoth,
		} {
			if f := d.fields(side); len(f) > 0 {
				obs[key] = f
			}
		}
	}
	if d.status() == assess.StatusError {
		obs["reason"] = reasonIncomplete
	}
	return obs
}

func compare(base *Pack, path string, assets []assess.Asset, newObs map[string][]observation) (*Drift, map[string]assetDrift) {
	drift := &Drift{Baseline: path, BaseRun: base.Run.ID, Added: []string{}, Removed: []string{}, Changes: []DriftChange{}}
	oldObs := packObservations(base)
	inBase := map[string]bool{}
	baseAsset := map[string]assess.Asset{}
	for _, a := range base.Assets {
		inBase[a.IP] = true
		if _, ok := baseAsset[a.IP]; !ok {
			baseAsset[a.IP] = a
		}
	}
	inCur := map[string]bool{}
	per := map[string]assetDrift{}
	for _, a := range assets {
		if inCur[a.IP] {
			continue
		}
		inCur[a.IP] = true
		if !inBase[a.IP] {
			drift.Added = append(drift.Added, a.IP)
			continue
		}
		d := compareAsset(a.IP, oldObs[a.IP], newObs[a.IP])
		inventoryEdits(&d, baseAsset[a.IP], a)
		per[a.IP] = d
		for _, c := range d.changes {
			drift.Changes = append(drift.Changes, DriftChange{Asset: a.IP, Field: c.obs.field(), Old: c.old, New: c.new, Inventory: c.inv})
		}
	}
	drift.Removed, drift.RemovedAssets = removedOf(base.Assets, inCur)
	return drift, per
}

// compareAsset compares one asset's observations, in a fixed field order.
func compareAsset(ip string, old, cur []observation) assetDrift {
	d := assetDrift{ip: ip}
	find := func(list []observation, field string) (observation, bool) {
		for _, o := range list {
			if o.field() == field {
				return o, true
			}
		}
		return observation{}, false
	}
	// Whole-family error markers (subject "*") make every field of that key
	// undetermined.
	wild := func(list []observation, key string) bool {
		for _, o := range list {
			if o.key == key && o.subject == "*" && o.undetermined {
				return true
			}
		}
		return false
	}
	// reached reports whether a run has a determined value of key (a
	// pairOnly error marker counts only beside one).
	reached := func(list []observation, key string) bool {
		return slices.ContainsFunc(list, func(o observation) bool { return o.key == key && o.subject != "*" })
	}
	// sides records, per undetermined field, which runs could not
	// determine it.
	type sides struct{ old, cur bool }
	und := map[string]sides{}
	var undOrder []string
	undetermined := func(field string, inOld, inCur bool) {
		s, ok := und[field]
		if !ok {
			undOrder = append(undOrder, field)
		}
		und[field] = sides{s.old || inOld, s.cur || inCur}
	}
	seen := map[string]bool{}
	for _, list := range [][]observation{cur, old} {
		for _, o := range list {
			f := o.field()
			if seen[f] {
				continue
			}
			seen[f] = true
			if o.subject == "*" {
				if o.pairOnly && !reached(old, o.key) && !reached(cur, o.key) {
					continue
				}
				undetermined(o.key, wild(old, o.key), wild(cur, o.key))
				continue
			}
			a, okA := find(old, f)
			b, okB := find(cur, f)
			if (!okA && wild(old, o.key)) || (!okB && wild(cur, o.key)) {
				undetermined(o.key, wild(old, o.key), wild(cur, o.key))
				continue
			}
			if !okA && !okB {
				continue
			}
			if o.pairOnly && (!okA || !okB) {
				continue
			}
			if okA != okB && o.key != FieldDKIMKey && o.key != FieldDKIMKeyBits && o.key != FieldSPFReached {
				// Every finding of its check gives this field: one run
				// lacks the finding (a pack cut short or edited, or made
				// by a version without the check). Not compared, rather
				// than a value that vanished. A DKIM selector one run did
				// not assess is an inventory edit (inventoryEdits); a
				// reached SPF record of +all compared on one side only
				// (not pairOnly) is one the domain now reaches or no
				// longer does.
				undetermined(f, !okA, !okB)
				continue
			}
			if a.undetermined || b.undetermined {
				undetermined(f, a.undetermined, b.undetermined)
				continue
			}
			if a.value != b.value && !sameSPFText(o.key, a.value, b.value) {
				d.changes = append(d.changes, change{obs: o, old: a.value, new: b.value})
			}
		}
	}
	for _, f := range undOrder {
		side := UndeterminedBoth
		switch s := und[f]; {
		case s.old && !s.cur:
			side = UndeterminedOld
		case s.cur && !s.old:
			side = UndeterminedNew
		}
		d.undetermined = append(d.undetermined, Undetermined{Field: f, In: side})
	}
	order := func(field string) int {
		key, _, _ := strings.Cut(field, "[")
		return slices.Index(fieldOrder, key)
	}
	byField := func(x, y string) int {
		if c := order(x) - order(y); c != 0 {
			return c
		}
		return strings.Compare(x, y)
	}
	slices.SortStableFunc(d.changes, func(x, y change) int { return byField(x.obs.field(), y.obs.field()) })
	slices.SortStableFunc(d.undetermined, func(x, y Undetermined) int { return byField(x.Field, y.Field) })
	return d
}

// comparedChecks are the checks whose observations drift compares.
var comparedChecks = []string{"ptr.present", "ptr.fcrdns", "helo.fqdn", "spf.record", "spf.lookup_limit", "spf.authorizes_ip", "dmarc.policy", "dkim.key"}

var fieldOrder = []string{FieldPTRNames, FieldPTRForward, FieldHELOAddresses, FieldSPFRecord, FieldSPFReached, FieldSPFResult, FieldSPFMatched, FieldDMARCPolicy, FieldDMARCRecord, FieldDKIMKey, FieldDKIMKeyBits}

// observationsByAsset extracts the compared values from findings. Observed
// values are normalised through JSON, so a run's Go values and a pack read
// back from evidence.json render alike.
func observationsByAsset(findings []assess.Finding) map[string][]observation {
	out := map[string][]observation{}
	for i := range findings {
		addObservations(out, &findings[i])
	}
	return out
}

// packObservations returns a pack's compared values: those kept when it was
// read with ReadPackForDrift, else drawn from its findings.
func packObservations(p *Pack) map[string][]observation {
	if p.observed != nil {
		return p.observed
	}
	return observationsByAsset(p.Findings)
}

// addObservations adds the compared values of one finding to out.
func addObservations(out map[string][]observation, f *assess.Finding) {
	if !slices.Contains(comparedChecks, f.Check) {
		return
	}
	obs := normalized(f.Observed)
	errored := f.Status == assess.StatusError
	add := func(o observation) { out[f.Asset] = append(out[f.Asset], o) }
	one := func(key, subject, value string) {
		add(observation{key: key, subject: subject, value: value, undetermined: errored})
	}
	switch f.Check {
	case "ptr.present":
		// Past the records read, the names are not all known: which of
		// them were read can differ with the order of the answer.
		_, cut := obs["records_omitted"]
		add(observation{key: FieldPTRNames, value: render(obs["ptr_names"]), undetermined: errored || cut})
	case "ptr.fcrdns":
		if errored {
			add(observation{key: FieldPTRForward, subject: "*", undetermined: true})
			return
		}
		// Names whose forward lookup failed, or whose address records were
		// more than were read, have no known address set.
		failed := map[string]bool{}
		for _, key := range []string{"error_names", "forward_omitted"} {
			if names, ok := obs[key].([]any); ok {
				for _, n := range names {
					failed[render(n)] = true
				}
			}
		}
		fwd, _ := obs["forward"].(map[string]any)
		for name, addrs := range fwd {
			// A name whose forward lookup failed has no known addresses,
			// even when another name confirms the address.
			add(observation{key: FieldPTRForward, subject: name, value: render(addrs), pairOnly: true, undetermined: failed[name]})
		}
	case "helo.fqdn":
		// An answer cut at the records read holds an order-dependent
		// part of the set: not comparable.
		_, cut := obs["records_omitted"]
		add(observation{key: FieldHELOAddresses, value: render(obs["addresses"]), undetermined: errored || cut})
	case "spf.record":
		// The record itself: an include added, a range widened or +all
		// change no result or matched mechanism of a sender the record
		// already authorized.
		one(FieldSPFRecord, "", recordText(obs))
	case "spf.lookup_limit":
		// Each record reached through include: or redirect=, in both
		// runs: one added or dropped is already a change of the record
		// that names it, unless it passes every address (+all), which is
		// a change of its own, picked first. Packs written before these
		// were kept have none. A walk that failed leaves them
		// undetermined.
		if errored {
			// Undetermined only where the other run reached some
			// record: a domain that includes none is not noise.
			add(observation{key: FieldSPFReached, subject: "*", undetermined: true, pairOnly: true})
			return
		}
		reached, _ := obs["reached_records"].(map[string]any)
		for name, rec := range reached {
			// One copy of a record's text for all the senders whose
			// domain reaches it: a baseline of a large fleet holds
			// them all.
			v := unique.Make(render(rec)).Value()
			add(observation{key: FieldSPFReached, subject: unique.Make(name).Value(), value: v, pairOnly: !passAll(v)})
		}
	case "spf.authorizes_ip":
		one(FieldSPFResult, "", render(obs["result"]))
		// A mechanism is compared without its qualifier: a changed
		// qualifier is a changed result, reported as such, and earlier
		// packs named the mechanism without it ("all" always with it).
		m := render(obs["matched"])
		if t := strings.TrimLeft(m, "+-~?"); !strings.EqualFold(t, "all") {
			m = t
		}
		one(FieldSPFMatched, "", foldSPFTerm(m))
	case "dmarc.policy":
		v := render(obs["policy"])
		if pct, ok := obs["pct"].(float64); ok && v != "" && pct != 100 {
			v += " pct=" + strconv.FormatFloat(pct, 'f', -1, 64)
		}
		if t := render(obs["treated_as_policy"]); v == "" && t != "" {
			// A record with no valid policy but a report address, which
			// receivers act on as p=none: a policy, not none at all.
			v = t + " (invalid record)"
		}
		one(FieldDMARCPolicy, "", v)
		// The record applied: its report addresses (rua, ruf) and other
		// tags change no policy.
		one(FieldDMARCRecord, "", recordText(obs))
	case "dkim.key":
		sel := ""
		if f.Selector != nil {
			sel = *f.Selector
		}
		if sel == "" {
			return // no selectors: nothing to compare
		}
		one(FieldDKIMKey, sel, dkimKeyValue(f.Status, obs))
		one(FieldDKIMKeyBits, sel, render(obs["key_bits"]))
	}
}

// dkimKeyValue is the compared value of a dkim.key finding: its key's
// fingerprint, followed in parentheses by what in its record stops
// receivers from using it (dkimKeyState: "<fp> (testing)", "<fp> (not
// email)"), or, for a selector that has no usable key, why in parentheses
// ("(revoked)", "(no key record)"), so that a key revoked, a record
// deleted or a key put in testing mode shows as that, and a selector added
// or removed whose key is none of them still shows. The state is read
// from the record's tags as observed (testing, services, hashes,
// key_type), which packs of earlier versions hold too, not from the
// finding's reason, so a baseline gives the same value for the same
// record.
func dkimKeyValue(status assess.Status, obs map[string]any) string {
	if fp := render(obs["fingerprint"]); fp != "" || status == assess.StatusError {
		if st := dkimKeyState(obs); fp != "" && len(st) > 0 {
			return fp + " (" + strings.Join(st, ", ") + ")"
		}
		return fp
	}
	switch r := render(obs["reason"]); r {
	case "":
		return ""
	case "none":
		return "(no key record)"
	case "several":
		return "(several key records)"
	case "syntax":
		return "(unreadable key record)"
	default:
		return "(" + strings.ReplaceAll(r, "_", " ") + ")"
	}
}

// dkimKeyState lists what in a key record with a key stops receivers from
// using the key (RFC 6376 §3.6.1, RFC 8301 §3.1), in this order: a key
// type they do not know ("unknown key type"), an s= without email or *
// ("not email"), an h= without sha256 ("sha1 only", or "no sha256" for
// other hashes alone) and t=y ("testing": mail signed with it is treated
// as unsigned); nil when none.
func dkimKeyState(obs map[string]any) []string {
	var st []string
	if t := render(obs["key_type"]); t != "" && t != "rsa" && t != "ed25519" {
		st = append(st, "unknown key type")
	}
	if s, ok := obs["services"].([]any); ok && !slices.ContainsFunc(s, func(v any) bool { return v == "email" || v == "*" }) {
		st = append(st, "not email")
	}
	if h, ok := obs["hashes"].([]any); ok && !slices.Contains(h, any("sha256")) {
		if slices.Contains(h, any("sha1")) {
			st = append(st, "sha1 only")
		} else {
			st = append(st, "no sha256")
		}
	}
	if obs["testing"] == true {
		st = append(st, "testing")
	}
	return st
}

// hasKey reports whether a compared DKIM key value is a key (a
// fingerprint), not its absence or why there is none (dkimKeyValue).
func hasKey(v string) bool { return v != "" && !strings.HasPrefix(v, "(") }

// keyInForce reports whether a compared DKIM key value is a key that
// receivers use: a fingerprint with no state after it (dkimKeyState).
func keyInForce(v string) bool { return hasKey(v) && !strings.Contains(v, " (") }

// recordText is the record an spf.record or dmarc.policy finding observed:
// the one record, or the several found, sorted; "" for none.
func recordText(obs map[string]any) string {
	if r, ok := obs["record"]; ok {
		return render(r)
	}
	return render(obs["records"])
}

// sameSPFText reports whether two values of an SPF record field (the
// record, or one it reaches) differ only in the case of what RFC 7208
// reads without case (all but a macro's text) or in the spaces between
// terms: the same record.
func sameSPFText(key, a, b string) bool {
	return (key == FieldSPFRecord || key == FieldSPFReached) && foldSPFTerm(a) == foldSPFTerm(b)
}

// foldSPFTerm puts SPF text in lower case for comparing, as mechanism
// names and domains are (RFC 7208 §4.6.1, §7.1), but not inside a macro,
// where an upper-case letter asks for URL escaping (§7.3); and as terms
// are separated by one or more spaces, with spaces allowed at the end
// (§4.6.1), each run of spaces is one and none ends a record. Several
// records are compared as the drift renders them, joined by ", ".
func foldSPFTerm(t string) string {
	var b strings.Builder
	inMacro, space := false, false
	for _, r := range t {
		switch {
		case inMacro:
			inMacro = r != '}'
		case r == ' ':
			space = true
			continue
		case r == '{' && strings.HasSuffix(b.String(), "%"):
			inMacro = true
		default:
			r = unicode.ToLower(r)
		}
		if space {
			if r != ',' && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// normalized returns m as encoding/json would read it back.
func normalized(m map[string]any) map[string]any {
	b, err := json.Marshal(m)
	if err != nil {
		return map[string]any{}
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil || out == nil {
		return map[string]any{}
	}
	return out
}

// render turns an observed value into the text compared and shown: lists
// sorted and comma-separated, numbers without exponent, nothing as "".
func render(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, render(e))
		}
		slices.SortFunc(parts, assess.CompareValues)
		return strings.Join(parts, ", ")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Sample returns up to n of the drift's changes for a summary, chosen so
// that what weakened shows first and then different kinds of change and
// different senders: one weakening change of each field (weakens), then
// one change of each field (in field order) from a sender not yet shown,
// then one of each field not yet shown from any sender, then changes of
// senders not yet shown, then the rest. The sample keeps the changes'
// order (inventory order).
func (d *Drift) Sample(n int) []DriftChange {
	if d == nil || n <= 0 {
		return nil
	}
	if len(d.Changes) <= n {
		return slices.Clone(d.Changes)
	}
	keyOf := func(c DriftChange) string {
		key, _, _ := strings.Cut(c.Field, "[")
		return key
	}
	keys := slices.Clone(fieldOrder)
	for _, c := range d.Changes {
		if k := keyOf(c); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	picked := make([]bool, len(d.Changes))
	shownAsset, shownKey := map[string]bool{}, map[string]bool{}
	left := n
	// sweep picks, in order, changes that ok accepts, at most max of them.
	sweep := func(max int, ok func(DriftChange) bool) {
		for i, c := range d.Changes {
			if left == 0 || max == 0 {
				return
			}
			if !picked[i] && ok(c) {
				picked[i] = true
				shownAsset[c.Asset], shownKey[keyOf(c)] = true, true
				left--
				max--
			}
		}
	}
	for _, k := range keys {
		if !shownKey[k] {
			sweep(1, func(c DriftChange) bool { return keyOf(c) == k && weakens(c) })
		}
	}
	for _, freshAsset := range []bool{true, false} {
		for _, k := range keys {
			if !shownKey[k] {
				sweep(1, func(c DriftChange) bool { return keyOf(c) == k && (!freshAsset || !shownAsset[c.Asset]) })
			}
		}
	}
	sweep(n, func(c DriftChange) bool { return !shownAsset[c.Asset] })
	sweep(n, func(DriftChange) bool { return true })
	out := make([]DriftChange, 0, n)
	for i, c := range d.Changes {
		if picked[i] {
			out = append(out, c)
		}
	}
	return out
}

// weakens reports whether a change lowers a sender's protection: a DMARC
// policy less strict than before (or applied to fewer messages), an SPF
// result that is no longer pass, an SPF record that now ends in an all
// that authorizes every address, a PTR name or DKIM key gone from DNS, or
// a DKIM key that receivers used and now do not (put in testing mode, for
// another service, sha1 only: dkimKeyState).
func weakens(c DriftChange) bool {
	key, _, _ := strings.Cut(c.Field, "[")
	switch key {
	case FieldDMARCPolicy:
		// "reject" or "reject pct=50": the policy, and the share of
		// messages it applies to (100 when not written).
		rank := func(v string) (int, float64) {
			p, rest, _ := strings.Cut(v, " ")
			pct := 100.0
			if n, err := strconv.ParseFloat(strings.TrimPrefix(rest, "pct="), 64); err == nil {
				pct = n
			}
			return slices.Index([]string{"none", "quarantine", "reject"}, p), pct
		}
		o, oPct := rank(c.Old)
		n, nPct := rank(c.New)
		return n < o || n == o && nPct < oPct
	case FieldSPFResult:
		return c.Old == "pass" && c.New != "pass"
	case FieldSPFRecord:
		return !permissiveAll(c.Old) && permissiveAll(c.New)
	case FieldSPFReached:
		// An included record's ?all authorizes nothing: an include
		// matches on pass only.
		return !passAll(c.Old) && passAll(c.New)
	case FieldPTRNames:
		return c.Old != "" && c.New == "" && c.Inventory == ""
	case FieldDKIMKey:
		// A key gone, or one in force replaced by one that is not.
		gone := hasKey(c.Old) && !hasKey(c.New)
		disabled := keyInForce(c.Old) && hasKey(c.New) && !keyInForce(c.New)
		return (gone || disabled) && c.Inventory == ""
	}
	return false
}

// passAll reports whether an SPF record has an all term that passes every
// address: +all or all.
func passAll(record string) bool {
	for _, t := range strings.Fields(record) {
		switch strings.ToLower(t) {
		case "all", "+all":
			return true
		}
	}
	return false
}

// permissiveAll reports whether an SPF record has an all term that passes
// or is neutral for every address: +all, all or ?all.
func permissiveAll(record string) bool {
	for _, t := range strings.Fields(record) {
		switch strings.ToLower(t) {
		case "all", "+all", "?all":
			return true
		}
	}
	return false
}
