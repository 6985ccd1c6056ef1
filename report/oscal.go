package report

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	oscal "github.com/defenseunicorns/go-oscal/src/types/oscal-1-1-3"

	"senderproof/assess"
	"senderproof/mappings"
)

// OSCALVersion is the OSCAL version of oscal-assessment-results.json.
const OSCALVersion = "1.1.3"

// oscalNS qualifies the properties senderproof defines.
const oscalNS = "urn:senderproof:oscal"

// oscalMaxAnswer bounds one DNS answer quoted in an observation.
const oscalMaxAnswer = 2000

type oscalWriter struct{}

// NewOSCAL returns the writer of oscal-assessment-results.json: an OSCAL
// 1.1.3 Assessment Results document. Each sender is an inventory item;
// each finding that is not skip is an observation of that subject with
// its DNS exchanges as relevant evidence and, as its origin, the
// assessment platform the result defines (senderproof at the pack's
// version). Each control is an OSCAL finding that targets
// "<framework>_<control ID>" (the control ID itself is in the finding's
// title and props, its relevance in the remarks) and relates the
// observations of its mapped checks; a control of an OSCAL catalog has one
// per catalog statement instead, shared by every control that maps to it.
// import-ap points at a back-matter resource, as there is no OSCAL
// assessment plan. UUIDs are version 5, derived from the run ID and the
// finding's key, so the same Pack gives the same document; an inventory
// item's from its IP alone (assetUUID), so it is the same in every run,
// and in any organisation's pack with that address (README.md).
func NewOSCAL() Writer { return oscalWriter{} }

// Namespace of senderproof's UUIDs (itself a version 5 UUID of the URL
// namespace and "urn:senderproof").
var uuidNamespace = uuidV5([16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}, "urn:senderproof")

// uuidV5 is the name-based UUID of RFC 9562 §5.5 (SHA-1).
func uuidV5(ns [16]byte, name string) [16]byte {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return u
}

func uuidString(u [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:16])
	return string(b[:])
}

// oscalIDs derives the document's UUIDs.
type oscalIDs struct{ run [16]byte }

func newOSCALIDs(runID string) oscalIDs { return oscalIDs{run: uuidV5(uuidNamespace, "run:"+runID)} }

func (o oscalIDs) of(kind, key string) string { return uuidString(o.raw(kind, key)) }

func (o oscalIDs) raw(kind, key string) [16]byte { return uuidV5(o.run, kind+":"+key) }

// asset UUIDs depend on the IP only, so a sender keeps its UUID across runs.
func assetUUID(ip string) string { return uuidString(uuidV5(uuidNamespace, "asset:"+ip)) }

func oscalFindingKey(f *assess.Finding) string {
	return f.Asset + "|" + f.Check + "|" + selectorOf(f.Selector)
}

// tokenRE is OSCAL's TokenDatatype (an XML NCName).
var tokenRE = regexp.MustCompile(`^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$`)

// oscalTargets gives each control of the pack its target ID
// (mappings.OSCALToken), made unique with a "-2", "-3"... suffix in the
// case two controls give the same token, which lint refuses (within a
// framework, and across the frameworks loaded together): a pack read back
// from elsewhere is written all the same.
func oscalTargets(controls []ControlStatus) map[assess.ControlRef]string {
	out := make(map[assess.ControlRef]string, len(controls))
	used := make(map[string]bool, len(controls))
	for _, c := range controls {
		ref := assess.ControlRef{Framework: c.Framework, ID: c.ID}
		if _, ok := out[ref]; ok {
			continue
		}
		base := mappings.OSCALToken(c.Framework, c.ID)
		t := base
		for k := 2; used[t]; k++ {
			t = fmt.Sprintf("%s-%d", base, k)
		}
		used[t] = true
		out[ref] = t
	}
	return out
}

// oscalString makes s an OSCAL StringDatatype: one clean line without
// leading or trailing space; "" when nothing is left.
func oscalString(s string, max int) string {
	return strings.TrimSpace(clip(collapseSpace(cleanLine(s)), max))
}

// collapseSpace is strings.Join(strings.Fields(s), " "): runs of white
// space become one space, none at either end. Most values already are so
// and come back as they are, without the copy.
func collapseSpace(s string) string {
	prevSpace := true // a space at the start is not kept
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80 || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r':
			return strings.Join(strings.Fields(s), " ") // Unicode or odd white space
		case c == ' ':
			if prevSpace {
				return strings.Join(strings.Fields(s), " ")
			}
			prevSpace = true
		default:
			prevSpace = false
		}
	}
	if prevSpace && s != "" {
		return strings.Join(strings.Fields(s), " ") // a trailing space
	}
	return s
}

// oscalTime is t in UTC, or fallback when t is zero or outside the years
// OSCAL's date-time pattern accepts (1900-2999), or else the Unix epoch.
func oscalTime(t, fallback time.Time) time.Time {
	ok := func(t time.Time) bool { y := t.UTC().Year(); return y >= 1900 && y <= 2999 }
	switch {
	case ok(t):
	case ok(fallback):
		t = fallback
	default:
		t = time.Unix(0, 0)
	}
	return t.UTC()
}

// oscalProps builds properties in senderproof's namespace, leaving out empty
// values.
func oscalProps(kv ...string) *[]oscal.Property {
	var out []oscal.Property
	for i := 0; i+1 < len(kv); i += 2 {
		if v := oscalString(kv[i+1], 1000); v != "" {
			out = append(out, oscal.Property{Name: kv[i], Ns: oscalNS, Value: v})
		}
	}
	if len(out) == 0 {
		return nil
	}
	return &out
}

// oscalState maps a control state to an OSCAL objective status.
func oscalState(s ControlState) oscal.ObjectiveStatus {
	switch s {
	case ControlSatisfied:
		return oscal.ObjectiveStatus{State: "satisfied", Reason: "pass"}
	case ControlNotSatisfied:
		return oscal.ObjectiveStatus{State: "not-satisfied", Reason: "fail"}
	}
	return oscal.ObjectiveStatus{State: "not-satisfied", Reason: "other",
		Remarks: oscalMarkup("Inconclusive: DNS errors left some mapped checks undetermined, or no finding supports the control (its checks were skipped), so it cannot be shown satisfied.")}
}

// jsonStream writes a JSON document piece by piece.
type jsonStream struct {
	w   *bufio.Writer
	buf bytes.Buffer // what enc encodes, before it goes to w
	enc *json.Encoder
	err error
}

func newJSONStream(w io.Writer) *jsonStream {
	j := &jsonStream{w: bufio.NewWriterSize(w, 256<<10)}
	j.enc = json.NewEncoder(&j.buf)
	j.enc.SetEscapeHTML(false)
	return j
}

func (j *jsonStream) bytes(b []byte) {
	if j.err == nil {
		_, j.err = j.w.Write(b)
	}
}

func (j *jsonStream) raw(s string) {
	if j.err == nil {
		_, j.err = j.w.WriteString(s)
	}
}

// field writes "name":value, with a leading comma unless first.
func (j *jsonStream) field(first bool, name string, v any) {
	if !first {
		j.raw(",")
	}
	j.value(name)
	j.raw(":")
	j.value(v)
}

// value writes v as JSON, without the line feed encoding/json ends it
// with: a line break between a key and its colon is JSON, but not the
// YAML that OSCAL tools (go-oscal's validator) read JSON as.
func (j *jsonStream) value(v any) {
	if j.err != nil {
		return
	}
	j.buf.Reset()
	if j.err = j.enc.Encode(v); j.err == nil {
		_, j.err = j.w.Write(bytes.TrimSuffix(j.buf.Bytes(), []byte("\n")))
	}
}

// Write renders p as OSCAL Assessment Results.
func (oscalWriter) Write(ctx context.Context, out io.Writer, p *Pack) error {
	ids := newOSCALIDs(p.Run.ID)
	hasJSON := packHas(ctx, "json")
	start := oscalTime(p.Run.StartedAt, p.Run.FinishedAt)
	end := oscalTime(p.Run.FinishedAt, p.Run.StartedAt)
	modified := end
	if p.Run.ReplayOf != nil {
		// A result's start and end bound its evidence collection: a
		// replay's are the recorded run's.
		from, to := p.Run.Evidenced()
		start, end = oscalTime(from, to), oscalTime(to, from)
	}
	title := oscalString(p.Run.Title, 200)
	if title == "" {
		title = "outbound mail fleet"
	}
	version := oscalString(p.Run.ID, 200)
	if version == "" {
		version = "1"
	}
	j := newJSONStream(out)

	j.raw(`{"assessment-results":{`)
	j.field(true, "uuid", ids.of("assessment-results", ""))
	j.field(false, "metadata", oscal.Metadata{
		Title:        oscalMarkup("Mail sender DNS identity assessment: " + title),
		LastModified: modified,
		Version:      version,
		OscalVersion: OSCALVersion,
		Props:        oscalProps("tool", p.Tool.Name, "tool-version", p.Tool.Version, "tool-build", p.Tool.Build, "run-id", p.Run.ID),
	})
	// There is no OSCAL assessment plan to import: import-ap points at a
	// back-matter resource that says so and links evidence.json, where
	// the run's plan (inventory, checks, mappings, settings) is recorded.
	methodUUID := ids.of("resource", "evidence.json")
	apRemarks := "No OSCAL assessment plan: senderproof assesses from an inventory of senders, its checks and the mapping files of the run. The referenced back-matter resource describes them and links evidence.json, which records them."
	if !hasJSON {
		apRemarks = "No OSCAL assessment plan: senderproof assesses from an inventory of senders, its checks and the mapping files of the run. The referenced back-matter resource describes them."
	}
	j.field(false, "import-ap", oscal.ImportAp{Href: "#" + methodUUID, Remarks: apRemarks})
	j.raw(`,"results":[{`)
	j.field(true, "uuid", ids.of("result", ""))
	j.field(false, "title", "senderproof run "+version)
	desc := fmt.Sprintf("DNS identity of %d outbound mail senders of %s: %d findings (pass %d, warn %d, fail %d, error %d, skip %d).",
		p.Summary.Assets, title, p.Summary.Findings, p.Summary.Pass, p.Summary.Warn, p.Summary.Fail, p.Summary.Error, p.Summary.Skip)
	replayOf := ""
	if r := p.Run.ReplayOf; r != nil {
		replayOf = r.RunID
		desc += fmt.Sprintf(" An offline replay, made %s, of run %s: its findings come from the DNS answers that run recorded, and no DNS was queried.",
			oscalTime(p.Run.StartedAt, p.Run.FinishedAt).Format(time.RFC3339), oscalString(r.RunID, 200))
	}
	if d := p.Drift; d != nil && len(d.Offboarding) > 0 {
		left, fails := d.LeftBehind()
		desc += fmt.Sprintf(" %d senders removed since baseline run %s were checked again against DNS (OWASP NHI-01, Improper Offboarding): DNS still vouches for %d of them, %d still authorized by SPF by address or by name; each recheck is an observation of its own.",
			len(d.Offboarding), oscalString(d.BaseRun, 200), left, fails)
		if d.OffboardingOmitted > 0 {
			desc += fmt.Sprintf(" %d more removed senders were not checked again (a run rechecks the first %d).", d.OffboardingOmitted, len(d.Offboarding))
		}
	}
	// The title and run IDs in it come from the inventory's file name,
	// --title and evidence read back: Markdown, escaped as every other
	// field of the kind.
	j.field(false, "description", oscalMarkup(desc))
	j.field(false, "start", start)
	j.field(false, "end", end)
	if pr := oscalProps("run-id", p.Run.ID, "replay-of", replayOf, "inventory-sha256", p.Run.InventorySHA256, "resolvers", strings.Join(p.Run.Resolvers, " ")); pr != nil {
		j.field(false, "props", pr)
	}

	// Subjects: one inventory item per sender, and one per sender removed
	// since the baseline that was checked again. Then the assessment
	// platform that made the observations: senderproof, as a software
	// component of this version.
	removed := removedRechecked(p.Drift)
	j.raw(`,"local-definitions":{`)
	if len(p.Assets) > 0 || len(removed) > 0 {
		j.raw(`"inventory-items":[`)
		seen := make(map[string]bool, len(p.Assets))
		n := 0
		for i := range p.Assets {
			a := &p.Assets[i]
			if seen[a.IP] {
				continue
			}
			seen[a.IP] = true
			if n > 0 {
				j.raw(",")
			}
			n++
			j.value(oscalInventoryItem(a))
		}
		for i := range removed {
			if seen[removed[i].IP] {
				continue
			}
			seen[removed[i].IP] = true
			if n > 0 {
				j.raw(",")
			}
			n++
			item := oscalInventoryItem(&removed[i])
			item.Description = oscalMarkup(fmt.Sprintf("Outbound mail sender %s, removed from the inventory since baseline run %s; checked again for records left behind",
				oscalString(removed[i].IP, 100), oscalString(p.Drift.BaseRun, 200)))
			j.value(item)
		}
		j.raw(`],`)
	}
	platform := ids.of("assessment-platform", "")
	j.field(true, "assessment-assets", oscalAssessmentAssets(ids, platform, p.Tool))
	j.raw(`}`)
	origins := &[]oscal.Origin{{Actors: []oscal.OriginActor{{Type: "assessment-platform", ActorUuid: platform}}}}

	// Reviewed controls: the catalog's control IDs for a framework whose
	// catalog is an OSCAL catalog, "<framework>_<control ID>" otherwise.
	targets := oscalTargets(p.Controls)
	sel := oscal.AssessedControls{Description: oscalMarkup(oscalReviewedDescription(p.Controls))}
	if len(p.Controls) == 0 {
		all := oscal.IncludeAll{}
		sel.IncludeAll = &all
	} else {
		var ctl []oscal.AssessedControlsSelectControlById
		seen := map[string]bool{}
		for _, c := range p.Controls {
			ids := []string{targets[assess.ControlRef{Framework: c.Framework, ID: c.ID}]}
			if refs := oscalCatalogRefs(c); len(refs) > 0 {
				ids = ids[:0]
				for _, r := range refs {
					ids = append(ids, r.Control)
				}
			}
			for _, t := range ids {
				if !seen[t] {
					seen[t] = true
					ctl = append(ctl, oscal.AssessedControlsSelectControlById{ControlId: t})
				}
			}
		}
		sel.IncludeControls = &ctl
	}
	j.field(false, "reviewed-controls", oscal.ReviewedControls{ControlSelections: []oscal.AssessedControls{sel}})

	// Observations: one per finding that is not skip. Their UUIDs are kept,
	// with the controls each one evidences, for the findings' related
	// observations.
	ctlIdx := make(map[assess.ControlRef]int, len(p.Controls))
	for i, c := range p.Controls {
		if _, ok := ctlIdx[assess.ControlRef{Framework: c.Framework, ID: c.ID}]; !ok {
			ctlIdx[assess.ControlRef{Framework: c.Framework, ID: c.ID}] = i
		}
	}
	// Sized from the Pack's counts, so the lists are allocated once.
	obsIDs := make([][16]byte, 0, max(0, p.Summary.Findings-p.Summary.Skip))
	related := make([][]int32, len(p.Controls)) // observation ordinals per control
	for i, c := range p.Controls {
		related[i] = make([]int32, 0, c.Pass+c.Warn+c.Fail+c.Error)
	}
	var buf []byte
	var ok bool
	baseRun := ""
	if p.Drift != nil {
		baseRun = p.Drift.BaseRun
	}
	err := p.eachFindingObservedJSON(func(f *assess.Finding, observed string) error {
		if f.Status == assess.StatusSkip {
			return nil
		}
		n := len(obsIDs)
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if n == 0 {
			j.raw(`,"observations":[`)
		} else {
			j.raw(",")
		}
		id := ids.raw("observation", oscalFindingKey(f))
		obsIDs = append(obsIDs, id)
		for _, r := range f.Controls {
			if i, ok := ctlIdx[r]; ok && (len(related[i]) == 0 || related[i][len(related[i])-1] != int32(n)) {
				related[i] = append(related[i], int32(n))
			}
		}
		o := oscalObservation(uuidString(id), f, observed, end, hasJSON, baseRun)
		o.Origins = origins
		if buf, ok = appendObservation(buf[:0], &o); ok {
			j.bytes(buf)
		} else {
			j.value(o)
		}
		return j.err
	})
	if err != nil {
		return fmt.Errorf("write oscal: %w", err)
	}
	// The offboarding rechecks: what DNS still says of each removed
	// sender. They evidence no control of the mapping files (they are
	// not findings), so no control finding relates them.
	if p.Drift != nil {
		for i := range p.Drift.Offboarding {
			if len(obsIDs) == 0 && i == 0 {
				j.raw(`,"observations":[`)
			} else {
				j.raw(",")
			}
			o := oscalOffboarding(ids, &p.Drift.Offboarding[i], end, hasJSON, p.Drift.BaseRun)
			o.Origins = origins
			j.value(o)
		}
	}
	if len(obsIDs) > 0 || (p.Drift != nil && len(p.Drift.Offboarding) > 0) {
		j.raw("]")
	}

	// Findings: one per target. A control without an OSCAL catalog has
	// its own, targeting its token; a control of an OSCAL catalog has one
	// per catalog statement it maps to. Controls that map to one statement
	// (of one framework or several) share its finding, so that a GRC tool
	// keyed on the target reads one state for it: the worst of theirs.
	frameworks := oscalFrameworkResources(ids, p)
	if groups := oscalFindingGroups(p.Controls, targets); len(groups) > 0 {
		j.raw(`,"findings":[`)
		for n, g := range groups {
			if n > 0 {
				j.raw(",")
			}
			oscalControlFinding(j, ids, p.Controls, g, targets, frameworks, related, obsIDs)
		}
		j.raw("]")
	}
	j.raw("}]")
	j.field(false, "back-matter", oscalBackMatter(methodUUID, frameworks, p, hasJSON))
	j.raw("}}\n")
	if j.err == nil {
		j.err = j.w.Flush()
	}
	if j.err != nil {
		return fmt.Errorf("write oscal: %w", j.err)
	}
	return nil
}

// oscalAssessmentAssets names the tool that made the observations: one
// assessment platform (the observations' origin) using one software
// component, senderproof at the version (and build) of the pack.
func oscalAssessmentAssets(ids oscalIDs, platform string, tool Tool) oscal.AssessmentAssets {
	name := cmp.Or(oscalString(tool.Name, 100), "senderproof")
	title := oscalString(name+" "+tool.Version, 200)
	var pr []oscal.Property
	if v := oscalString(tool.Version, 100); v != "" {
		pr = append(pr, oscal.Property{Name: "version", Value: v})
	}
	if x := oscalProps("tool-build", tool.Build); x != nil {
		pr = append(pr, *x...)
	}
	component := oscal.SystemComponent{
		UUID:        ids.of("component", "tool"),
		Type:        "software",
		Title:       oscalMarkup(title),
		Description: oscalMarkup("The tool that made this result's observations: " + oscalString(tool.String(), 300) + ", which checks the DNS identity of each outbound mail sender of the inventory and maps its findings to the controls of the run's mapping files."),
		Status:      oscal.SystemComponentStatus{State: "operational"},
	}
	if len(pr) > 0 {
		component.Props = &pr
	}
	return oscal.AssessmentAssets{
		Components: &[]oscal.SystemComponent{component},
		AssessmentPlatforms: []oscal.AssessmentPlatform{{
			UUID:           platform,
			Title:          oscalMarkup(title),
			UsesComponents: &[]oscal.UsesComponent{{ComponentUuid: component.UUID}},
		}},
	}
}

func oscalInventoryItem(a *assess.Asset) oscal.InventoryItem {
	ipProp := "ipv4-address"
	if ip, err := netip.ParseAddr(a.IP); err == nil && ip.Is6() && !ip.Is4In6() {
		ipProp = "ipv6-address"
	}
	var pr []oscal.Property
	if v := oscalString(a.IP, 100); v != "" {
		pr = append(pr, oscal.Property{Name: ipProp, Value: v})
	}
	if v := oscalString(a.Hostname, 255); v != "" {
		pr = append(pr, oscal.Property{Name: "fqdn", Value: v})
	}
	if x := oscalProps("helo", a.HELO, "domain", a.Domain, "dkim-selectors", strings.Join(a.DKIMSelectors, " "),
		"owner", a.Owner, "environment", a.Environment, "provider", a.Provider, "relay", a.Relay,
		"criticality", a.Criticality); x != nil {
		pr = append(pr, *x...)
	}
	desc := "Outbound mail sender " + oscalString(a.IP, 100)
	if h := oscalString(a.Hostname, 255); h != "" {
		desc += " (" + h + ")"
	}
	item := oscal.InventoryItem{UUID: assetUUID(a.IP), Description: oscalMarkup(desc)}
	if len(pr) > 0 {
		item.Props = &pr
	}
	return item
}

// baseRun is the run ID of the baseline a drift.changed finding compares
// with.
func oscalObservation(uuid string, f *assess.Finding, observed string, fallback time.Time, hasJSON bool, baseRun string) oscal.Observation {
	title := oscalString(f.Check+" for "+f.Asset, 300)
	if sel := selectorOf(f.Selector); sel != "" {
		title += " selector " + oscalString(sel, 200)
	}
	desc := oscalString(f.Message, 4000)
	if desc == "" {
		desc = title
	}
	collected := time.Time{}
	for _, e := range f.Evidence {
		if e.At.After(collected) {
			collected = e.At
		}
	}
	o := oscal.Observation{
		UUID:        uuid,
		Title:       oscalMarkup(title),
		Description: oscalMarkup(desc),
		Methods:     []string{"TEST"},
		Types:       &[]string{"finding"},
		Collected:   oscalTime(collected, fallback),
		Props: oscalProps("check", f.Check, "status", string(f.Status), "severity", string(f.Severity),
			"selector", selectorOf(f.Selector), "controls", findingControls(f.Controls)),
		Subjects: &[]oscal.SubjectReference{{SubjectUuid: assetUUID(f.Asset), Type: "inventory-item", Title: oscalString(f.Asset, 100)}},
		RelevantEvidence: &[]oscal.RelevantEvidence{{
			Href:        "evidence.json",
			Description: oscalMarkup(oscalExchanges(f.Evidence)),
		}},
	}
	if f.Check == DriftCheck && len(f.Evidence) == 0 {
		(*o.RelevantEvidence)[0].Description = oscalMarkup("No DNS exchange: the values this run observed for the sender (its other findings) compared with those of baseline run " +
			oscalString(baseRun, 200) + ", whose evidence.json the manifest lists as the baseline input.")
	}
	if !hasJSON {
		// No evidence.json in the pack to point at: the exchanges
		// described here are all there is.
		(*o.RelevantEvidence)[0].Href = ""
	}
	var remarks []string
	if observed != "" {
		remarks = append(remarks, "Observed: "+cleanLine(clip(observed, 4000)))
	}
	if r := oscalString(f.Remediation, 4000); r != "" {
		remarks = append(remarks, "Remediation: "+r)
	}
	o.Remarks = oscalMarkup(strings.Join(remarks, "\n\n"))
	return o
}

// removedRechecked returns the baseline rows of the removed senders that
// were checked again, in the recheck's order.
func removedRechecked(d *Drift) []assess.Asset {
	if d == nil || len(d.Offboarding) == 0 {
		return nil
	}
	rows := d.removedRows()
	out := make([]assess.Asset, 0, len(d.Offboarding))
	for _, o := range d.Offboarding {
		a, ok := rows[o.IP]
		if !ok {
			a = assess.Asset{IP: o.IP}
		}
		out = append(out, a)
	}
	return out
}

// oscalOffboarding is the observation of one removed sender's recheck.
func oscalOffboarding(ids oscalIDs, o *assess.Offboard, fallback time.Time, hasJSON bool, baseRun string) oscal.Observation {
	title := oscalString("offboarding recheck for "+o.IP, 300)
	ev := o.Evidence()
	collected := time.Time{}
	// The checks share their lookups (the PTR answer is every PTR
	// check's): each exchange once, as it was made once.
	type exchangeID struct {
		name, typ, server, transport string
		at                           int64
	}
	seen := map[exchangeID]bool{}
	ev = slices.DeleteFunc(ev, func(e assess.Evidence) bool {
		k := exchangeID{e.Name, e.Type, e.Server, e.Transport, e.At.UnixNano()}
		dup := seen[k]
		seen[k] = true
		return dup
	})
	for _, e := range ev {
		if e.At.After(collected) {
			collected = e.At
		}
	}
	var left []string
	for _, l := range o.LeftBehind {
		left = append(left, l.Short()+": "+string(l.Status))
	}
	obs := oscal.Observation{
		UUID:        ids.of("offboarding", o.IP),
		Title:       oscalMarkup(title),
		Description: oscalMarkup(cmp.Or(oscalString(o.Message, 4000), title)),
		Methods:     []string{"TEST"},
		Types:       &[]string{"finding"},
		Collected:   oscalTime(collected, fallback),
		Props: oscalProps("check", "offboarding", "status", string(o.Status), "baseline-run", baseRun,
			"left-behind", strings.Join(left, "; "), "undetermined", strings.Join(o.Undetermined, " ")),
		Subjects: &[]oscal.SubjectReference{{SubjectUuid: assetUUID(o.IP), Type: "inventory-item", Title: oscalString(o.IP, 100)}},
		RelevantEvidence: &[]oscal.RelevantEvidence{{
			Href:        "evidence.json",
			Description: oscalMarkup(oscalExchanges(ev)),
		}},
	}
	if !hasJSON {
		(*obs.RelevantEvidence)[0].Href = ""
	}
	if r := oscalString(o.Remediation, 4000); r != "" {
		obs.Remarks = oscalMarkup("Remediation: " + r)
	}
	return obs
}

// oscalExchanges summarises DNS exchanges, one line each.
func oscalExchanges(ev []assess.Evidence) string {
	if len(ev) == 0 {
		return "No DNS exchange: the outcome follows from the inventory and the other findings of the sender."
	}
	lines := make([]string, 0, len(ev))
	for _, e := range ev {
		var b strings.Builder
		for _, part := range [...]string{cleanLine(e.Type), " ", cleanLine(e.Name), " via ", cleanLine(e.Server), "/", cleanLine(e.Transport), ": "} {
			b.WriteString(part)
		}
		switch {
		case e.Error != "":
			b.WriteString("no answer (" + clip(cleanLine(e.Error), 300) + ")")
		default:
			b.WriteString(cleanLine(e.Rcode))
			if len(e.Answers) > 0 {
				b.WriteString(", " + oscalRecords(e.Answers))
			}
			if e.Omitted > 0 {
				fmt.Fprintf(&b, ", and %d more records not kept", e.Omitted)
			}
			if len(e.Authority) > 0 {
				b.WriteString(", authority " + oscalRecords(e.Authority))
			}
		}
		if e.AD {
			b.WriteString(", AD")
		}
		if !e.At.IsZero() {
			b.WriteString(", at " + e.At.UTC().Format(time.RFC3339Nano))
		}
		lines = append(lines, b.String())
	}
	return strings.Join(lines, "\n")
}

// oscalRecords writes records on one line, each cleaned and clipped.
func oscalRecords(rrs []string) string {
	out := make([]string, len(rrs))
	for i, a := range rrs {
		out[i] = clip(collapseSpace(cleanLine(a)), oscalMaxAnswer)
	}
	return strings.Join(out, " | ")
}

// oscalBackMatter holds the resource import-ap points at: what the
// assessment followed in place of an OSCAL assessment plan, linking
// evidence.json (not an OSCAL document, as its media type says).
func oscalBackMatter(uuid string, frameworks map[string]string, p *Pack, hasJSON bool) oscal.BackMatter {
	var mappings []string
	for _, m := range p.Run.Mappings {
		s := oscalString(m.Framework, 200)
		if v := oscalString(m.Version, 100); v != "" {
			s += " version " + v
		}
		if s != "" {
			mappings = append(mappings, s)
		}
	}
	driftNamed := ""
	if p.Drift != nil {
		driftNamed = ", and drift since a baseline run"
	}
	desc := fmt.Sprintf("This assessment has no OSCAL assessment plan. It followed senderproof's method: %d checks of the DNS identity of each sender of the inventory (PTR, forward-confirmed reverse DNS, HELO, SPF, DKIM, DMARC and their alignment%s), each mapped to controls by the mapping files of the run", checksRun(p), driftNamed)
	if len(mappings) > 0 {
		desc += " (" + strings.Join(mappings, ", ") + ")"
	}
	if hasJSON {
		desc += ". evidence.json, in the same evidence pack, records the plan as run (the inventory files and mapping files with their SHA-256, the checks with their pass criteria, the resolvers and settings) and every finding with its DNS exchanges; manifest.json lists the SHA-256 of evidence.json."
	} else {
		desc += ". manifest.json, in the same evidence pack, lists the SHA-256 of the inventory and mapping files of the run."
	}
	res := oscal.Resource{
		UUID:        uuid,
		Title:       "senderproof assessment method and evidence (not an OSCAL assessment plan)",
		Description: oscalMarkup(desc),
		Props:       oscalProps("content", Schema, "run-id", p.Run.ID),
		Rlinks:      &[]oscal.ResourceLink{{Href: "evidence.json", MediaType: "application/json"}},
		Remarks:     "evidence.json is senderproof's own JSON format (schema " + Schema + "), not an OSCAL document.",
	}
	if !hasJSON {
		res.Rlinks = nil
		res.Remarks = "This run wrote no evidence.json (senderproof's own JSON format, schema " + Schema + "): its --format left it out, so this resource links none, and the observations of this document carry each finding's DNS exchanges."
	}
	// Then one resource for each framework's mapping file (frameworks).
	resources := []oscal.Resource{res}
	done := map[string]bool{}
	for _, m := range p.Run.Mappings {
		if !done[m.Framework] {
			done[m.Framework] = true
			resources = append(resources, oscalFrameworkResource(frameworks[m.Framework], m))
		}
	}
	return oscal.BackMatter{Resources: &resources}
}

// oscalFrameworkResources gives each framework of the run's mapping files
// the UUID of its back-matter resource, which the findings of its
// controls link to.
func oscalFrameworkResources(ids oscalIDs, p *Pack) map[string]string {
	out := make(map[string]string, len(p.Run.Mappings))
	for _, m := range p.Run.Mappings {
		out[m.Framework] = ids.of("resource", "framework|"+m.Framework)
	}
	return out
}

// oscalFrameworkResource describes one mapping file: where the framework's
// control IDs come from, so an import can resolve a finding's target
// without configuration (the NIST CSF 2.0 catalog's statements, or
// <framework>_<control ID> for a framework without an OSCAL catalog).
func oscalFrameworkResource(uuid string, m MappingRef) oscal.Resource {
	name := oscalString(strings.TrimSpace(m.Name+" "+m.Version), 300)
	if name == "" {
		name = oscalString(m.Framework, 200)
	}
	desc := "The mapping file of framework " + oscalString(m.Framework, 200) + " (" + name + "), SHA-256 " + oscalString(m.SHA256, 64) +
		": it names the framework's controls, which this document's findings target, and the checks that evidence each."
	res := oscal.Resource{
		UUID:  uuid,
		Title: oscalMarkup("Control framework: " + name),
		Props: oscalProps("framework", m.Framework, "version", m.Version, "mapping-sha256", m.SHA256),
	}
	if src := oscalSourceURL(m.Source); src != "" {
		desc += " The framework itself is published at the link."
		res.Rlinks = &[]oscal.ResourceLink{{Href: src}}
	}
	res.Description = oscalMarkup(desc)
	return res
}

// oscalSourceURL returns a mapping file's source when it is an absolute
// http(s) URL without spaces or control characters (an rlink's href is a
// URI reference), else "".
func oscalSourceURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r > 0x7e }) >= 0 {
		return ""
	}
	return s
}

// oscalRelevance is a finding's remarks: why its control matters for
// sender identity, from the mapping file; "" when the file says nothing.
func oscalRelevance(r string) string {
	if r = oscalString(r, 4000); r == "" {
		return ""
	}
	return "Relevance: " + r
}

// oscalReviewedDescription says how the reviewed controls are named: by
// the catalog's control IDs for the frameworks whose controls map to an
// OSCAL catalog, as <framework>_<control ID> for the others, each list
// naming its frameworks (one with controls of both kinds is in both).
func oscalReviewedDescription(controls []ControlStatus) string {
	var withCatalog, without []string
	for _, c := range controls {
		fw := oscalString(c.Framework, 200)
		if len(oscalCatalogRefs(c)) > 0 {
			if !slices.Contains(withCatalog, fw) {
				withCatalog = append(withCatalog, fw)
			}
		} else if !slices.Contains(without, fw) {
			without = append(without, fw)
		}
	}
	const lead = "Controls of the mapping files loaded for the run"
	const byToken = "each as <framework>_<control ID>"
	switch {
	case len(controls) == 0:
		return lead + "."
	case len(withCatalog) == 0:
		return lead + " (" + oscalList(without) + "), " + byToken + ": none maps to an OSCAL catalog."
	case len(without) == 0:
		return lead + " (" + oscalList(withCatalog) + "), by the control IDs of the OSCAL catalog they map to."
	}
	return lead + ": those of " + oscalList(withCatalog) + " that map to an OSCAL catalog by that catalog's control IDs, the others (of " +
		oscalList(without) + ") " + byToken + "."
}

// oscalList joins names as "a", "a and b" or "a, b and c".
func oscalList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// oscalTarget is what an OSCAL finding targets: a catalog control's
// statement (statement-id) or, for a framework without an OSCAL catalog,
// the control's token (objective-id); uuidKey makes the finding's UUID.
type oscalTarget struct {
	kind, id, catalogControl, uuidKey string
}

// oscalFindingGroup is one OSCAL finding: its target and the controls
// (indexes into the pack's controls, in their order) it rolls up.
type oscalFindingGroup struct {
	t       oscalTarget
	members []int
}

// oscalCatalogRefs returns the OSCAL catalog controls of c that have a
// statement to target.
func oscalCatalogRefs(c ControlStatus) []mappings.OSCALRef {
	var out []mappings.OSCALRef
	for _, r := range c.OSCAL {
		if r.Control != "" && r.Statement != "" && tokenRE.MatchString(r.Statement) {
			out = append(out, r)
		}
	}
	return out
}

// oscalFindingGroups gives the findings in the order of their first
// control: one per control without catalog statements, one per catalog
// statement with every control that maps to it. A finding keeps the UUID
// key of its first control, so one that a single control gives keeps the
// UUID it had before findings were shared.
func oscalFindingGroups(controls []ControlStatus, targets map[assess.ControlRef]string) []oscalFindingGroup {
	var out []oscalFindingGroup
	byStatement := map[string]int{}
	seen := map[assess.ControlRef]bool{}
	for k, c := range controls {
		ref := assess.ControlRef{Framework: c.Framework, ID: c.ID}
		if seen[ref] {
			continue // the same control again: its finding is written
		}
		seen[ref] = true
		// "|" joins the key's parts: one in a control ID is doubled, so
		// "A|DE.CM-09" and "A" with its catalog control DE.CM-09 never
		// give one key (control IDs without it keep the keys, and UUIDs,
		// they had).
		key := c.Framework + "|" + strings.ReplaceAll(c.ID, "|", "||")
		refs := oscalCatalogRefs(c)
		if len(refs) == 0 {
			out = append(out, oscalFindingGroup{t: oscalTarget{kind: "objective-id", id: targets[ref], uuidKey: key}, members: []int{k}})
			continue
		}
		for i, r := range refs {
			if g, ok := byStatement[r.Statement]; ok {
				if !slices.Contains(out[g].members, k) {
					out[g].members = append(out[g].members, k)
				}
				continue
			}
			t := oscalTarget{kind: "statement-id", id: r.Statement, catalogControl: r.Control, uuidKey: key}
			if i > 0 {
				t.uuidKey += "|" + r.Control
			}
			byStatement[r.Statement] = len(out)
			out = append(out, oscalFindingGroup{t: t, members: []int{k}})
		}
	}
	return out
}

// oscalWorse reports whether control state a is worse than b for a
// finding that rolls several up: not satisfied (a failure) over
// inconclusive (which OSCAL shows as not-satisfied too, for want of
// evidence) over satisfied.
func oscalWorse(a, b ControlState) bool {
	rank := func(s ControlState) int {
		switch s {
		case ControlSatisfied:
			return 0
		case ControlNotSatisfied:
			return 2
		}
		return 1
	}
	return rank(a) > rank(b)
}

// oscalControlDescription says how control c fared across the fleet.
func oscalControlDescription(c ControlStatus) string {
	name := oscalString(c.Framework+" "+c.ID, 300)
	desc := fmt.Sprintf("%s is %s across the fleet: of the findings of its mapped checks, %d pass, %d warn, %d fail and %d could not be determined.",
		name, strings.ReplaceAll(string(c.Status), "_", " "), c.Pass, c.Warn, c.Fail, c.Error)
	if c.Skip > 0 {
		desc += fmt.Sprintf(" %d more were not assessed (skip: the check did not apply to the sender, as when its inventory row has no HELO name, domain or DKIM selector, or the record the check reads does not exist), so the fleet is covered only in part.", c.Skip)
	}
	if len(c.WarnFails) > 0 {
		desc += " A warn finding of " + oscalString(strings.Join(c.WarnFails, ", "), 500) + " counts against it as a failure (the mapping's fail_on: warn)."
	}
	if len(c.Catalog) > 0 {
		desc += " Catalog: " + oscalString(strings.Join(c.Catalog, ", "), 500) + "."
	}
	return desc
}

// oscalControlProps are the properties naming control c in its finding
// (with the catalog control it targets, if any), each in group (none
// when "").
func oscalControlProps(c ControlStatus, catalogControl, group string) []oscal.Property {
	kv := []string{"framework", c.Framework, "control-id", c.ID, "control-status", string(c.Status)}
	if catalogControl != "" {
		kv = append(kv, "catalog-control-id", catalogControl)
	}
	if len(c.WarnFails) > 0 {
		kv = append(kv, "warn-fails", strings.Join(c.WarnFails, " "))
	}
	for _, id := range c.Catalog {
		kv = append(kv, "catalog", id)
	}
	if len(c.Checks) > 0 {
		kv = append(kv, "checks", strings.Join(c.Checks, " "))
	}
	pr := oscalProps(kv...)
	if pr == nil {
		return nil
	}
	for i := range *pr {
		(*pr)[i].Group = group
	}
	return *pr
}

// oscalControlFinding writes the OSCAL finding of group g: its target,
// the state of its control (the worst of its controls' when it rolls up
// several, which its title, description and props all name) and the
// observations of their mapped checks, each once, in document order.
func oscalControlFinding(j *jsonStream, ids oscalIDs, controls []ControlStatus, g oscalFindingGroup, targets map[assess.ControlRef]string, frameworks map[string]string, related [][]int32, obsIDs [][16]byte) {
	t := g.t
	var f oscal.Finding
	var rel []int32
	if len(g.members) == 1 {
		c := controls[g.members[0]]
		rel = related[g.members[0]]
		name := oscalString(c.Framework+" "+c.ID, 300)
		title := name
		if t.catalogControl != "" {
			// DE.CM-8 has a finding for each of DE.CM-06 and DE.CM-09:
			// the titles tell them apart.
			title += " → " + oscalString(catalogLabelOf(c, t.catalogControl), 200)
		}
		if t := oscalString(c.Title, 500); t != "" {
			title += ": " + t
		}
		pr := oscalControlProps(c, t.catalogControl, "")
		f = oscal.Finding{
			Title:       oscalMarkup(title),
			Description: oscalMarkup(oscalControlDescription(c)),
			Remarks:     oscalMarkup(oscalRelevance(c.Relevance)),
			Links:       oscalFrameworkLink(frameworks[c.Framework]),
			Target: oscal.FindingTarget{
				Title:  oscalMarkup(name),
				Status: oscalState(c.Status),
			},
		}
		if len(pr) > 0 {
			f.Props = &pr
		}
	} else {
		// Several controls map to one catalog statement.
		worst := controls[g.members[0]].Status
		var names, listed, descs, remarks []string
		var links []oscal.Link
		linked := map[string]bool{}
		pr := []oscal.Property{{Name: "catalog-control-id", Ns: oscalNS, Value: oscalString(t.catalogControl, 1000)}}
		for _, k := range g.members {
			c := controls[k]
			if oscalWorse(c.Status, worst) {
				worst = c.Status
			}
			name := oscalString(c.Framework+" "+c.ID, 300)
			names = append(names, name)
			l := name
			if ct := oscalString(c.Title, 500); ct != "" {
				l += " (" + ct + ")"
			}
			listed = append(listed, l)
			descs = append(descs, oscalControlDescription(c))
			if r := oscalString(c.Relevance, 4000); r != "" {
				remarks = append(remarks, "Relevance of "+name+": "+r)
			}
			if u := frameworks[c.Framework]; u != "" && !linked[u] {
				linked[u] = true
				links = append(links, *oscalFrameworkLink(u)...)
			}
			// Each control's props in a group of their own, named by its
			// target token, so that they pair up.
			pr = append(pr, oscalControlProps(c, "", targets[assess.ControlRef{Framework: c.Framework, ID: c.ID}])...)
			rel = append(rel, related[k]...)
		}
		slices.Sort(rel)
		rel = slices.Compact(rel)
		label := oscalString(catalogLabelOf(controls[g.members[0]], t.catalogControl), 200)
		desc := fmt.Sprintf("%d controls map to %s: %s. This finding rolls them up: its state is the worst of theirs (%s), and it relates the observations of all their mapped checks. ",
			len(g.members), label, strings.Join(listed, ", "), strings.ReplaceAll(string(worst), "_", " "))
		f = oscal.Finding{
			Title:       oscalMarkup(strings.Join(names, ", ") + " → " + label),
			Description: oscalMarkup(desc + strings.Join(descs, " ")),
			Props:       &pr,
			Remarks:     oscalMarkup(strings.Join(remarks, "\n\n")),
			Target: oscal.FindingTarget{
				Title:  oscalMarkup(strings.Join(names, ", ")),
				Status: oscalState(worst),
			},
		}
		if len(links) > 0 {
			f.Links = &links
		}
	}
	f.UUID = ids.of("finding", t.uuidKey)
	f.Target.Type = t.kind
	f.Target.TargetId = t.id
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		j.err = err
		return
	}
	// The finding without its closing brace, then the related
	// observations.
	j.raw(strings.TrimSuffix(strings.TrimSpace(buf.String()), "}"))
	for k, n := range rel {
		if k == 0 {
			j.raw(`,"related-observations":[`)
		} else {
			j.raw(",")
		}
		j.raw(`{"observation-uuid":"` + uuidString(obsIDs[n]) + `"}`)
	}
	if len(rel) > 0 {
		j.raw("]")
	}
	j.raw("}")
}

// appendObservation appends o as encoding/json writes it with HTML escaping
// off, followed by a newline as an Encoder writes it, for the fields
// oscalObservation fills; ok is false when o sets any other field and the
// caller must use an Encoder. Observations are most of a large fleet's
// OSCAL document, and reflection was most of the time spent writing them.
func appendObservation(b []byte, o *oscal.Observation) (_ []byte, ok bool) {
	if o.Expires != nil || o.Links != nil {
		return b, false
	}
	if o.Origins != nil {
		for _, g := range *o.Origins {
			if g.RelatedTasks != nil {
				return b, false
			}
			for _, a := range g.Actors {
				if a.Links != nil || a.Props != nil {
					return b, false
				}
			}
		}
	}
	if o.Subjects != nil {
		for _, s := range *o.Subjects {
			if s.Links != nil || s.Props != nil {
				return b, false
			}
		}
	}
	if o.RelevantEvidence != nil {
		for _, e := range *o.RelevantEvidence {
			if e.Links != nil || e.Props != nil {
				return b, false
			}
		}
	}
	orig := b
	b = append(b, `{"collected":`...)
	b, err := appendTime(b, o.Collected)
	if err != nil {
		return orig, false
	}
	b = append(b, `,"description":`...)
	b = appendString(b, o.Description, false)
	b = append(b, `,"methods":`...)
	b = appendStringList(b, o.Methods)
	if o.Origins != nil {
		b = append(b, `,"origins":`...)
		b, _ = appendArray(b, *o.Origins, false, appendOrigin)
	}
	if o.Props != nil {
		b = append(b, `,"props":`...)
		b, _ = appendArray(b, *o.Props, false, appendProperty)
	}
	if o.RelevantEvidence != nil {
		b = append(b, `,"relevant-evidence":`...)
		b, _ = appendArray(b, *o.RelevantEvidence, false, appendRelevantEvidence)
	}
	b = appendOptional(b, "remarks", o.Remarks)
	if o.Subjects != nil {
		b = append(b, `,"subjects":`...)
		b, _ = appendArray(b, *o.Subjects, false, appendSubject)
	}
	b = appendOptional(b, "title", o.Title)
	if o.Types != nil {
		b = append(b, `,"types":`...)
		b = appendStringList(b, *o.Types)
	}
	b = append(b, `,"uuid":`...)
	b = appendString(b, o.UUID, false)
	return append(b, '}'), true
}

// appendProperty appends an OSCAL property as encoding/json writes it
// (appendArray's element writer; it cannot fail).
func appendProperty(b []byte, p oscal.Property, _ bool) ([]byte, error) {
	b = append(b, '{')
	b = appendLeading(b, "class", p.Class)
	b = appendLeading(b, "group", p.Group)
	b = append(b, `"name":`...)
	b = appendString(b, p.Name, false)
	b = appendOptional(b, "ns", p.Ns)
	b = appendOptional(b, "remarks", p.Remarks)
	b = appendOptional(b, "uuid", p.UUID)
	b = append(b, `,"value":`...)
	b = appendString(b, p.Value, false)
	return append(b, '}'), nil
}

// appendOrigin appends an origin without related tasks, its actors
// without links or props (appendObservation leaves those to the Encoder).
func appendOrigin(b []byte, g oscal.Origin, _ bool) ([]byte, error) {
	b = append(b, `{"actors":`...)
	b, _ = appendArray(b, g.Actors, false, appendOriginActor)
	return append(b, '}'), nil
}

// appendOriginActor appends an origin's actor without links or props.
func appendOriginActor(b []byte, a oscal.OriginActor, _ bool) ([]byte, error) {
	b = append(b, `{"actor-uuid":`...)
	b = appendString(b, a.ActorUuid, false)
	b = appendOptional(b, "role-id", a.RoleId)
	b = append(b, `,"type":`...)
	b = appendString(b, a.Type, false)
	return append(b, '}'), nil
}

// appendRelevantEvidence appends relevant evidence without links or props
// (appendObservation leaves those to the Encoder).
func appendRelevantEvidence(b []byte, e oscal.RelevantEvidence, _ bool) ([]byte, error) {
	b = append(b, `{"description":`...)
	b = appendString(b, e.Description, false)
	b = appendOptional(b, "href", e.Href)
	b = appendOptional(b, "remarks", e.Remarks)
	return append(b, '}'), nil
}

// appendSubject appends a subject reference without links or props.
func appendSubject(b []byte, s oscal.SubjectReference, _ bool) ([]byte, error) {
	b = append(b, '{')
	b = appendLeading(b, "remarks", s.Remarks)
	b = append(b, `"subject-uuid":`...)
	b = appendString(b, s.SubjectUuid, false)
	b = appendOptional(b, "title", s.Title)
	b = append(b, `,"type":`...)
	b = appendString(b, s.Type, false)
	return append(b, '}'), nil
}

// appendLeading appends "name":v, unless v is empty (omitempty), for a
// field before the first one that is always written.
func appendLeading(b []byte, name, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, '"')
	b = append(b, name...)
	b = append(b, `":`...)
	return append(appendString(b, v, false), ',')
}

// appendOptional appends ,"name":v unless v is empty (omitempty).
func appendOptional(b []byte, name, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, `":`...)
	return appendString(b, v, false)
}

// appendStringList appends a string slice (null when nil).
func appendStringList(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	return appendStrings(b, ss, false)
}

// oscalMarkup makes text OSCAL markup: markup-line and markup-multiline
// fields are Markdown, and DNS and inventory data in them (a TXT record's
// <script>, a [link](…), a _dmarc name) would render as HTML, links or
// emphasis in a GRC tool. The characters Markdown reads that way are
// escaped with a backslash (CommonMark escapes any ASCII punctuation): \,
// `, *, [, ], <, >, & and # always, and _ where it could open or close
// emphasis (not between letters or digits, as in ptr_names).
func oscalMarkup(s string) string {
	if !strings.ContainsAny(s, "\\`*_[]<>&#") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '`', '*', '[', ']', '<', '>', '&', '#':
			b.WriteByte('\\')
		case '_':
			// Between two letters or digits (ptr_names, a word in any
			// script) it opens no emphasis; beside punctuation («_x_»)
			// or space it may.
			before, _ := utf8.DecodeLastRuneInString(s[:i])
			after, _ := utf8.DecodeRuneInString(s[i+1:])
			if !isWordRune(before) || !isWordRune(after) {
				b.WriteByte('\\')
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// isWordRune reports a letter or digit (utf8.RuneError, at either end of
// the text or a byte that is not UTF-8, is neither).
func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsNumber(r))
}

// oscalFrameworkLink links a finding to its framework's back-matter
// resource ("" when the run names no mapping file for it).
func oscalFrameworkLink(uuid string) *[]oscal.Link {
	if uuid == "" {
		return nil
	}
	return &[]oscal.Link{{Href: "#" + uuid, Rel: "reference", Text: "control framework"}}
}

// catalogLabelOf returns the label of c's catalog entry for the catalog
// control id ("CSF 2.0 DE.CM-06" for DE.CM-06), or id when none names it.
func catalogLabelOf(c ControlStatus, id string) string {
	for _, l := range c.Catalog {
		if l == id || strings.HasSuffix(l, " "+id) {
			return l
		}
	}
	return id
}
