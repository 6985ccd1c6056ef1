package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"senderproof/assess"
	"senderproof/templates"
)

// ReadRun reads the run of an evidence.json, stopping before its findings,
// so a pack of any size tells its run ID at once.
func ReadRun(path string) (*Run, error) {
	f, err := templates.OpenRegular(path)
	if err != nil {
		if errors.Is(err, templates.ErrNotRegular) {
			err = fmt.Errorf("%s: %w", path, err)
		}
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReader(f))
	fail := func(err error) (*Run, error) { return nil, fmt.Errorf("%s: %w", path, err) }
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fail(errors.New("not a JSON object"))
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		switch key, _ := tok.(string); key {
		case "run":
			var r Run
			if err := dec.Decode(&r); err != nil {
				return fail(err)
			}
			return &r, nil
		case "findings":
			return fail(errors.New("no run before the findings"))
		default:
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return fail(err)
			}
		}
	}
	return fail(errors.New("no run"))
}

// CompareMappings compares the mapping files a run recorded with those
// loaded now (from FromMappings) and returns one problem per framework
// whose file differs, is missing, or was not used by the run.
func CompareMappings(recorded, loaded []MappingRef) []error {
	var out []error
	// The recorded values are the pack's text: one line each.
	e := assess.Escape
	recorded = slices.Clone(recorded) // the caller's stay as they are
	for i, r := range recorded {
		recorded[i] = MappingRef{Framework: e(r.Framework), Name: r.Name, Version: e(r.Version), SHA256: e(r.SHA256), Source: r.Source}
	}
	byID := map[string]MappingRef{}
	for _, l := range loaded {
		byID[l.Framework] = l
	}
	used := map[string]bool{}
	for _, r := range recorded {
		used[r.Framework] = true
		l, ok := byID[r.Framework]
		switch {
		case !ok:
			out = append(out, fmt.Errorf("run.mappings: framework %s (version %s, sha256 %s) is not among the loaded mapping files; give --mappings DIR holding the run's file for it", r.Framework, r.Version, r.SHA256))
		case l.SHA256 != r.SHA256:
			out = append(out, fmt.Errorf("run.mappings: framework %s was mapped with a file of sha256 %s (version %s), but the loaded one is sha256 %s (version %s); give --mappings DIR holding the run's file", r.Framework, r.SHA256, r.Version, l.SHA256, l.Version))
		}
	}
	for _, l := range loaded {
		if !used[l.Framework] {
			out = append(out, fmt.Errorf("run.mappings: framework %s is loaded (sha256 %s) but the run did not use it", l.Framework, l.SHA256))
		}
	}
	return out
}

// MappingMetaProblems returns a problem for each framework the run records
// with the SHA-256 of a loaded file but another name, version or source:
// those come from the file, so the record was edited (the reports print
// them as the framework assessed).
func MappingMetaProblems(recorded, loaded []MappingRef) []error {
	var out []error
	for _, r := range recorded {
		for _, l := range loaded {
			if l.Framework == r.Framework && l.SHA256 == r.SHA256 && (l.Name != r.Name || l.Version != r.Version || l.Source != r.Source) {
				out = append(out, fmt.Errorf("run.mappings: framework %s is recorded as %q version %q (source %q), but its file of sha256 %s says %q version %q (source %q)",
					r.Framework, r.Name, r.Version, r.Source, r.SHA256, l.Name, l.Version, l.Source))
			}
		}
	}
	return out
}

// findingKey is one expected finding of an asset: a check and, for
// dkim.key, a selector.
type findingKey struct{ check, selector string }

func (k findingKey) String() string {
	if k.selector == "" {
		return k.check
	}
	return k.check + " " + k.selector
}

func keyOf(f *assess.Finding) findingKey {
	k := findingKey{check: f.Check}
	if f.Selector != nil {
		k.selector = *f.Selector
	}
	return k
}

// ExpectedFindings returns the findings every pack holds for an asset, in
// check-ID order: one per registered DNS check, and for dkim.key one per
// selector, or a single one with selector "" (a skip) when the asset has no
// domain or no selectors. drift.changed is not among them: it is expected
// exactly when the pack has a drift record.
func expectedFindings(a assess.Asset) []findingKey {
	var out []findingKey
	for _, c := range assess.Registry() {
		if c.Run == nil {
			continue
		}
		if c.ID == "dkim.key" && a.Domain != "" && len(a.DKIMSelectors) > 0 {
			for _, s := range a.DKIMSelectors {
				out = append(out, findingKey{c.ID, s})
			}
			continue
		}
		if c.ID == "dkim.key" {
			out = append(out, findingKey{c.ID, ""})
			continue
		}
		out = append(out, findingKey{check: c.ID})
	}
	return out
}

// driftSeen is what a pack's drift.changed findings of one asset say.
type driftSeen struct {
	count   int
	status  assess.Status
	baseRun string
	changes []DriftChange
	// undetermined counts the fields its observed values say could not be
	// compared; undeterminedFields names them.
	undetermined       int
	undeterminedFields []string
}

// PackCheck checks that a pack's findings are complete and that its
// summary, control roll-up, per-asset summaries and drift record are the
// ones its findings give. Findings are handed to Add one at a time, in the
// pack's order, so a pack of any size is checked without holding it in
// memory; Finish then compares the roll-ups.
type PackCheck struct {
	assets   []assess.Asset
	index    map[string]int
	mapper   Mapper
	controls bool
	tpl      *templates.Set
	acc      *accumulator

	cur      int // index of the asset whose findings come now; -1 before the first
	counts   map[findingKey]int
	seen     []bool
	orderBad bool
	// last is the current asset's finding before, to hold its findings
	// to check-ID order, a DKIM key's selectors to the inventory's.
	last        findingKey
	withinOrder bool // a problem of the order within an asset was reported
	drift       map[string]*driftSeen
	problems    []error
	ledger      *exchangeLedger
	// recorded rolls the findings up by the controls they record, for a
	// pack whose mapping files are not at hand (controls false).
	recorded *recordedRollUp
	// Replay is set for a pack made by assess --replay: its exchanges are
	// the recorded run's, made before its own start.
	Replay bool
}

// NewPackCheck returns a check of a pack of the given assets. m gives each
// check's controls and the controls to roll up; with controls false (the
// loaded mapping files are not the run's), the findings' controls are not
// compared with mapping files, but the control roll-up is held against
// the pack itself: each control's counts and state against the findings
// that record it, and the findings' controls against the checks each
// control lists. tpl words drift findings again.
func NewPackCheck(assets []assess.Asset, m Mapper, tpl *templates.Set, controls bool) *PackCheck {
	if tpl == nil {
		tpl = templates.MustDefault()
	}
	c := &PackCheck{
		assets: assets, index: make(map[string]int, len(assets)), mapper: m, controls: controls, tpl: tpl,
		acc: newAccumulator(assets, m), cur: -1, counts: map[findingKey]int{},
		seen: make([]bool, len(assets)), drift: map[string]*driftSeen{}, ledger: newExchangeLedger(),
	}
	if !controls {
		c.recorded = newRecordedRollUp()
	}
	for i, a := range assets {
		if _, dup := c.index[a.IP]; dup {
			c.problems = append(c.problems, fmt.Errorf("asset %s is listed more than once", a.IP))
			continue
		}
		c.index[a.IP] = i
	}
	return c
}

// Add takes the pack's next finding. It does not change f.
func (c *PackCheck) Add(f *assess.Finding) {
	c.ledger.add(f)
	if c.recorded != nil {
		c.recorded.add(f)
	}
	g := *f
	if c.mapper != nil {
		want := c.mapper.ControlsFor(f.Check)
		if c.controls && !sameControls(f.Controls, want) {
			c.problems = append(c.problems, fmt.Errorf("finding %s lists controls %s, the mapping files give %s",
				assess.FindingKey(*f), controlList(f.Controls), controlList(want)))
		}
		g.Controls = want
	}
	c.acc.count(&g)

	i, ok := c.index[f.Asset]
	if !ok {
		// A DNS finding of an unknown asset is the replay's to report.
		if f.Check == DriftCheck {
			c.problems = append(c.problems, fmt.Errorf("finding %s names an asset that is not in the pack", assess.FindingKey(*f)))
		}
		return
	}
	if i != c.cur {
		if (i < c.cur || c.seen[i]) && !c.orderBad {
			c.orderBad = true
			c.problems = append(c.problems, fmt.Errorf("findings are not grouped by asset in inventory order: %s comes after %s", f.Asset, c.assets[c.cur].IP))
		}
		c.endAsset()
		c.cur, c.seen[i] = i, true
		c.last = findingKey{}
	}
	c.checkWithinOrder(c.assets[i], f)
	if f.Check == DriftCheck {
		c.addDrift(c.assets[i], f)
		return
	}
	c.counts[keyOf(f)]++
}

// checkWithinOrder holds an asset's findings to the SPEC's order: by
// check ID, and a DKIM key's by selector in the inventory's order, as
// senderproof writes them; another order is an edit.
func (c *PackCheck) checkWithinOrder(a assess.Asset, f *assess.Finding) {
	k := keyOf(f)
	prev := c.last
	c.last = k
	if prev.check == "" || c.withinOrder {
		return
	}
	bad := k.check < prev.check
	if k.check == prev.check && k.check == "dkim.key" {
		bad = slices.Index(a.DKIMSelectors, k.selector) < slices.Index(a.DKIMSelectors, prev.selector)
	}
	if bad {
		c.withinOrder = true
		c.problems = append(c.problems, fmt.Errorf("the findings of %s are not in check-ID order (DKIM selectors in the inventory's): %s comes after %s", a.IP, k, prev))
	}
}

// addDrift notes a drift finding and checks its wording.
func (c *PackCheck) addDrift(a assess.Asset, f *assess.Finding) {
	d := c.drift[a.IP]
	if d == nil {
		d = &driftSeen{}
		c.drift[a.IP] = d
	}
	d.count++
	d.status = f.Status
	d.baseRun, _ = f.Observed["baseline_run"].(string)
	d.changes = nil
	und, _ := f.Observed["undetermined"].([]any)
	d.undetermined = len(und)
	d.undeterminedFields = nil
	for _, u := range und {
		s, _ := u.(string)
		d.undeterminedFields = append(d.undeterminedFields, s)
	}
	list, _ := f.Observed["changes"].([]any)
	for _, it := range list {
		m, _ := it.(map[string]any)
		field, _ := m["field"].(string)
		old, _ := m["old"].(string)
		nw, _ := m["new"].(string)
		inv, _ := m["inventory"].(string)
		d.changes = append(d.changes, DriftChange{Asset: a.IP, Field: field, Old: old, New: nw, Inventory: inv})
	}
	check, _ := assess.LookupCheck(DriftCheck)
	again := assess.Finding{Asset: f.Asset, Check: f.Check, Selector: f.Selector, Status: f.Status, Observed: f.Observed}
	if err := assess.Word(c.tpl, check, a, &again); err != nil {
		c.problems = append(c.problems, fmt.Errorf("finding %s cannot be worded again: %v", assess.FindingKey(*f), err))
		return
	}
	if diff := assess.FindingDiff(*f, again); len(diff) > 0 {
		c.problems = append(c.problems, fmt.Errorf("finding %s differs when worded again from its observed values: %s", assess.FindingKey(*f), strings.Join(diff, "; ")))
	}
}

// endAsset checks the findings of the current asset against those expected.
func (c *PackCheck) endAsset() {
	if c.cur < 0 {
		return
	}
	a := c.assets[c.cur]
	var missing, extra []string
	for _, k := range expectedFindings(a) {
		switch n := c.counts[k]; {
		case n == 0:
			missing = append(missing, k.String())
		case n > 1:
			c.problems = append(c.problems, fmt.Errorf("asset %s has %d findings of %s, want one", a.IP, n, k))
		}
		delete(c.counts, k)
	}
	for k := range c.counts {
		if _, known := assess.LookupCheck(k.check); known {
			extra = append(extra, k.String())
		}
	}
	slices.Sort(extra)
	if len(missing) > 0 {
		c.problems = append(c.problems, fmt.Errorf("asset %s lacks %d %s: %s", a.IP, len(missing), plural(len(missing), "finding", "findings"), strings.Join(missing, ", ")))
	}
	if len(extra) > 0 {
		c.problems = append(c.problems, fmt.Errorf("asset %s has findings no check gives it: %s", a.IP, strings.Join(extra, ", ")))
	}
	clear(c.counts)
}

// Finish compares the pack's summary, controls, per-asset summaries and
// drift record (p as ScanPack returns it) with what its findings give, and
// returns every problem found since NewPackCheck.
func (c *PackCheck) Finish(p *Pack) []error {
	c.endAsset()
	var none []string
	for i, a := range c.assets {
		if !c.seen[i] && c.index[a.IP] == i {
			none = append(none, a.IP)
		}
	}
	if len(none) > 0 {
		c.problems = append(c.problems, fmt.Errorf("%d %s no findings at all: %s", len(none), plural(len(none), "asset has", "assets have"), strings.Join(ClipList(none, 20), ", ")))
	}
	c.checkDrift(p.Drift)
	// The recheck's exchanges were made in the same run, to the same
	// resolvers: one that the fleet's findings recorded too reads alike.
	c.ledger.addOffboarding(p.Drift)
	c.problems = append(c.problems, c.ledger.finish(p.Run, c.Replay)...)

	var want Pack
	c.acc.finish(&want)
	c.compareSummary(p.Summary, want.Summary)
	if c.controls {
		c.compareControls(p.Controls, want.Controls)
	} else {
		c.problems = append(c.problems, c.recorded.finish(p.Controls)...)
	}
	c.compareAssetSummary(p.AssetSummary, want.AssetSummary)
	return c.problems
}

// checkDrift checks the drift findings against the drift record.
func (c *PackCheck) checkDrift(d *Drift) {
	if d == nil {
		if len(c.drift) > 0 {
			ips := make([]string, 0, len(c.drift))
			for _, a := range c.assets {
				if _, ok := c.drift[a.IP]; ok {
					ips = append(ips, a.IP)
				}
			}
			c.problems = append(c.problems, fmt.Errorf("evidence.json has no drift record, yet %d %s a drift.changed finding: %s", len(c.drift), plural(len(c.drift), "asset has", "assets have"), strings.Join(ClipList(ips, 20), ", ")))
		}
		return
	}
	added := map[string]bool{}
	for _, ip := range d.Added {
		added[ip] = true
		if _, ok := c.index[ip]; !ok {
			c.problems = append(c.problems, fmt.Errorf("drift.added lists %s, which is not an asset of the pack", ip))
		}
	}
	for _, ip := range d.Removed {
		if _, ok := c.index[ip]; ok {
			c.problems = append(c.problems, fmt.Errorf("drift.removed lists %s, which is an asset of the pack", ip))
		}
	}
	changes := map[string][]DriftChange{}
	for _, ch := range d.Changes {
		if _, ok := c.index[ch.Asset]; !ok {
			c.problems = append(c.problems, fmt.Errorf("drift.changes names %s, which is not an asset of the pack", ch.Asset))
		}
		if added[ch.Asset] {
			c.problems = append(c.problems, fmt.Errorf("drift.changes names %s, which drift.added lists as new", ch.Asset))
		}
		changes[ch.Asset] = append(changes[ch.Asset], ch)
	}
	var missing []string
	for i, a := range c.assets {
		if c.index[a.IP] != i {
			continue
		}
		seen := c.drift[a.IP]
		if seen == nil {
			missing = append(missing, a.IP)
			continue
		}
		name := a.IP + " " + DriftCheck
		if seen.count > 1 {
			c.problems = append(c.problems, fmt.Errorf("asset %s has %d findings of %s, want one", a.IP, seen.count, DriftCheck))
		}
		// Nothing changed is a pass only when every field was compared; a
		// comparison left incomplete by undetermined values is an error.
		want, why := assess.StatusPass, "no change"
		switch n := len(changes[a.IP]); {
		case added[a.IP]:
			want, why = assess.StatusSkip, "a new asset"
		case n > 0:
			want, why = assess.StatusWarn, fmt.Sprintf("%d %s", n, plural(n, "change", "changes"))
		case seen.undetermined > 0:
			want, why = assess.StatusError, fmt.Sprintf("no change, %d %s not compared", seen.undetermined, plural(seen.undetermined, "value", "values"))
		}
		if seen.status != want {
			c.problems = append(c.problems, fmt.Errorf("finding %s is %s, but the drift record gives %s (%s)", name, seen.status, want, why))
		}
		if seen.baseRun != d.BaseRun {
			c.problems = append(c.problems, fmt.Errorf("finding %s names baseline run %q, the drift record %q", name, seen.baseRun, d.BaseRun))
		}
		if !added[a.IP] && !slices.Equal(seen.changes, changes[a.IP]) {
			c.problems = append(c.problems, fmt.Errorf("finding %s lists changes %s, the drift record %s", name, changeList(seen.changes), changeList(changes[a.IP])))
		}
	}
	if len(missing) > 0 {
		c.problems = append(c.problems, fmt.Errorf("the pack has a drift record, yet %d %s no drift.changed finding: %s", len(missing), plural(len(missing), "asset has", "assets have"), strings.Join(ClipList(missing, 20), ", ")))
	}
}

func (c *PackCheck) compareSummary(got, want Summary) {
	fields := []struct {
		name      string
		got, want int
	}{
		{"assets", got.Assets, want.Assets}, {"findings", got.Findings, want.Findings},
		{"pass", got.Pass, want.Pass}, {"fail", got.Fail, want.Fail}, {"warn", got.Warn, want.Warn},
		{"error", got.Error, want.Error}, {"skip", got.Skip, want.Skip},
	}
	for _, f := range fields {
		if f.got != f.want {
			c.problems = append(c.problems, fmt.Errorf("summary.%s is %d, the findings give %d", f.name, f.got, f.want))
		}
	}
}

func (c *PackCheck) compareControls(got, want []ControlStatus) {
	byKey := map[ControlRef]ControlStatus{}
	for _, w := range want {
		byKey[ControlRef{Framework: w.Framework, ID: w.ID}] = w
	}
	listed := map[ControlRef]bool{}
	for _, g := range got {
		k := ControlRef{Framework: g.Framework, ID: g.ID}
		listed[k] = true
		w, ok := byKey[k]
		if !ok {
			c.problems = append(c.problems, fmt.Errorf("control %s %s is not in the mapping files", g.Framework, g.ID))
			continue
		}
		diff := countDiff(g, w, "the findings")
		if g.Title != w.Title || g.Relevance != w.Relevance || !slices.Equal(g.Catalog, w.Catalog) || !slices.Equal(g.Checks, w.Checks) {
			diff = append(diff, "its title, relevance, catalog or checks differ from the mapping files")
		}
		if len(diff) > 0 {
			c.problems = append(c.problems, fmt.Errorf("control %s %s: %s", g.Framework, g.ID, strings.Join(diff, "; ")))
		}
	}
	for _, w := range want {
		if !listed[ControlRef{Framework: w.Framework, ID: w.ID}] {
			c.problems = append(c.problems, fmt.Errorf("control %s %s of the mapping files is missing from evidence.json", w.Framework, w.ID))
		}
	}
	if len(got) == len(want) {
		for i := range got {
			if got[i].Framework != want[i].Framework || got[i].ID != want[i].ID {
				c.problems = append(c.problems, fmt.Errorf("controls are not in the mapping files' order: %s %s where %s %s belongs", got[i].Framework, got[i].ID, want[i].Framework, want[i].ID))
				break
			}
		}
	}
}

func (c *PackCheck) compareAssetSummary(got, want []AssetSummary) {
	if len(got) != len(want) {
		c.problems = append(c.problems, fmt.Errorf("asset_summary has %d rows, the assets give %d", len(got), len(want)))
		return
	}
	for i := range got {
		g, w := got[i], want[i]
		if g == w {
			continue
		}
		var diff []string
		for _, f := range []struct{ name, got, want string }{
			{"ip", g.IP, w.IP}, {"ptr", g.PTR, w.PTR}, {"fcrdns", g.FCrDNS, w.FCrDNS}, {"helo", g.HELO, w.HELO},
			{"helo_status", g.HELOStatus, w.HELOStatus}, {"spf", g.SPF, w.SPF}, {"dmarc_policy", g.DMARCPolicy, w.DMARCPolicy},
			{"status", g.Status, w.Status},
			{"fail", fmt.Sprint(g.Fail), fmt.Sprint(w.Fail)}, {"warn", fmt.Sprint(g.Warn), fmt.Sprint(w.Warn)}, {"error", fmt.Sprint(g.Error), fmt.Sprint(w.Error)},
			{"skip", fmt.Sprint(g.Skip), fmt.Sprint(w.Skip)},
		} {
			if f.got != f.want {
				diff = append(diff, fmt.Sprintf("%s is %q, the findings give %q", f.name, f.got, f.want))
			}
		}
		if len(diff) == 0 {
			diff = append(diff, "differs from what the findings give")
		}
		c.problems = append(c.problems, fmt.Errorf("asset_summary %s: %s", w.IP, strings.Join(diff, "; ")))
	}
}

func sameControls(a, b []assess.ControlRef) bool {
	return len(a) == len(b) && (len(a) == 0 || slices.Equal(a, b))
}

func controlList(cs []assess.ControlRef) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Framework + " " + c.ID
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func changeList(cs []DriftChange) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s %q → %q", c.Field, c.Old, c.New)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// ClipList keeps the first n items and says how many more there were.
func ClipList(items []string, n int) []string {
	if len(items) <= n {
		return items
	}
	return append(slices.Clone(items[:n]), fmt.Sprintf("and %d more", len(items)-n))
}

// DriftUndetermined returns, per asset, the fields its drift.changed
// finding lists as not compared.
func (c *PackCheck) DriftUndetermined() map[string][]string {
	out := make(map[string][]string, len(c.drift))
	for ip, d := range c.drift {
		out[ip] = d.undeterminedFields
	}
	return out
}

// RederiveDrift takes cmp, the comparison of cur with its baseline made
// again as the run made it (ComparePackFile), and returns each way cur's
// drift record, and the values its drift findings list as not compared
// (undetermined, from PackCheck.DriftUndetermined), differ from it. With the findings
// replayed and the drift findings checked against the drift record, this
// proves the drift findings too.
func RederiveDrift(cmp *Comparison, cur *Pack, undetermined map[string][]string) []error {
	if cur.Drift == nil {
		return nil
	}
	re, und := cmp.Drift, cmp.Undetermined
	var out []error
	if !slices.Equal(re.Added, cur.Drift.Added) {
		out = append(out, fmt.Errorf("drift.added is %s; the baseline gives %s", strings.Join(ClipList(cur.Drift.Added, 20), ", "), strings.Join(ClipList(re.Added, 20), ", ")))
	}
	if !slices.Equal(re.Removed, cur.Drift.Removed) {
		out = append(out, fmt.Errorf("drift.removed is %s; the baseline gives %s", strings.Join(ClipList(cur.Drift.Removed, 20), ", "), strings.Join(ClipList(re.Removed, 20), ", ")))
	}
	// Packs written before removed_assets was kept have none to compare.
	if cur.Drift.RemovedAssets != nil {
		a, _ := json.Marshal(cur.Drift.RemovedAssets)
		b, _ := json.Marshal(re.RemovedAssets)
		if !bytes.Equal(a, b) {
			out = append(out, fmt.Errorf("drift.removed_assets are not the baseline's rows of the senders removed"))
		}
	}
	byAsset := func(cs []DriftChange) map[string][]DriftChange {
		m := map[string][]DriftChange{}
		for _, c := range cs {
			m[c.Asset] = append(m[c.Asset], c)
		}
		return m
	}
	got, want := byAsset(cur.Drift.Changes), byAsset(re.Changes)
	for _, a := range cur.Assets {
		if !slices.Equal(got[a.IP], want[a.IP]) {
			out = append(out, fmt.Errorf("drift of %s: the record lists %s; the baseline gives %s", a.IP, changeList(got[a.IP]), changeList(want[a.IP])))
		}
		if slices.Contains(re.Added, a.IP) {
			continue
		}
		var fields []string
		for _, u := range und[a.IP] {
			fields = append(fields, u.Field)
		}
		if !slices.Equal(undetermined[a.IP], fields) {
			out = append(out, fmt.Errorf("finding %s %s lists as not compared %q; the baseline gives %q", a.IP, DriftCheck, undetermined[a.IP], fields))
		}
	}
	return out
}
