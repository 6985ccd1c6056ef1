package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go.yaml.in/yaml/v3"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	oscal "github.com/defenseunicorns/go-oscal/src/types/oscal-1-1-3"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"senderproof/assess"
	"senderproof/mappings"
)

// oscalSchema compiles NIST's OSCAL 1.1.3 complete JSON schema (shipped in
// testdata, as embedded by go-oscal v0.6.3), with format assertions.
func oscalSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	const path = "testdata/oscal_complete_schema-1-1-3.json"
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(path, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(path)
	if err != nil {
		t.Fatalf("compile %s: %v", path, err)
	}
	return s
}

func validateOSCAL(t *testing.T, s *jsonschema.Schema, b []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("oscal-assessment-results.json is not JSON: %v", err)
	}
	if err := s.Validate(inst); err != nil {
		t.Fatalf("oscal-assessment-results.json does not validate against OSCAL 1.1.3: %v", err)
	}
}

// arDoc is the part of an Assessment Results document the tests read.
type arDoc struct {
	AR struct {
		UUID     string `json:"uuid"`
		Metadata struct {
			OscalVersion string `json:"oscal-version"`
		} `json:"metadata"`
		ImportAP struct {
			Href string `json:"href"`
		} `json:"import-ap"`
		BackMatter struct {
			Resources []struct {
				UUID   string          `json:"uuid"`
				Title  string          `json:"title"`
				Props  []oscalTestProp `json:"props"`
				Rlinks []struct {
					Href      string `json:"href"`
					MediaType string `json:"media-type"`
				} `json:"rlinks"`
			} `json:"resources"`
		} `json:"back-matter"`
		Results []struct {
			ReviewedControls struct {
				Selections []struct {
					Include []struct {
						ControlID string `json:"control-id"`
					} `json:"include-controls"`
				} `json:"control-selections"`
			} `json:"reviewed-controls"`
			LocalDefinitions struct {
				InventoryItems []struct {
					UUID string `json:"uuid"`
				} `json:"inventory-items"`
			} `json:"local-definitions"`
			Observations []struct {
				UUID             string          `json:"uuid"`
				Title            string          `json:"title"`
				Props            []oscalTestProp `json:"props"`
				RelevantEvidence []struct {
					Description string `json:"description"`
				} `json:"relevant-evidence"`
				Subjects []struct {
					SubjectUUID string `json:"subject-uuid"`
				} `json:"subjects"`
			} `json:"observations"`
			Findings []struct {
				Title       string          `json:"title"`
				Description string          `json:"description"`
				Remarks     string          `json:"remarks"`
				Props       []oscalTestProp `json:"props"`
				Links       []struct {
					Href string `json:"href"`
					Rel  string `json:"rel"`
				} `json:"links"`
				Target struct {
					Type     string `json:"type"`
					TargetID string `json:"target-id"`
					Status   struct {
						State string `json:"state"`
					} `json:"status"`
				} `json:"target"`
				Related []struct {
					UUID string `json:"observation-uuid"`
				} `json:"related-observations"`
			} `json:"findings"`
		} `json:"results"`
	} `json:"assessment-results"`
}

type oscalTestProp struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// prop is the value of the first property called name, or "".
func prop(ps []oscalTestProp, name string) string {
	for _, p := range ps {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

func TestOSCAL(t *testing.T) {
	t.Parallel()
	schema := oscalSchema(t)
	for _, tc := range []struct {
		name string
		pack *Pack
	}{
		{"synthetic", withRelevance(SyntheticPack(25, 11))},
		{"empty", emptyPack()},
		{"one control ID in two frameworks", sameIDPack()},
		{"odd times", func() *Pack {
			p := SyntheticPack(2, 1)
			p.Run.StartedAt = time.Time{}
			p.Run.FinishedAt = time.Date(1850, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 3600+17*60))
			for i := range p.Findings {
				for k := range p.Findings[i].Evidence {
					p.Findings[i].Evidence[k].At = time.Time{}
				}
			}
			return p
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := writeAll(t, NewOSCAL(), tc.pack)
			validateOSCAL(t, schema, out)
			if again := writeAll(t, NewOSCAL(), tc.pack); !bytes.Equal(out, again) {
				t.Error("two writes of one pack differ")
			}
			// One line: OSCAL tools that read JSON as YAML (go-oscal's
			// validator) take no line break between a key and its colon.
			if n := bytes.Count(out, []byte("\n")); n != 1 || !bytes.HasSuffix(out, []byte("}\n")) {
				t.Errorf("%d line feeds, want the document on one line", n)
			}
			var y any
			if err := yaml.Unmarshal(out, &y); err != nil {
				t.Errorf("the document does not read as YAML: %v", err)
			}
			// The schema does reject a broken document.
			bad := bytes.Replace(out, []byte(`"oscal-version":"1.1.3"`), []byte(`"oscal-version":" "`), 1)
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
			if err != nil {
				t.Fatal(err)
			}
			if schema.Validate(inst) == nil {
				t.Error("the schema accepts an oscal-version of one space")
			}
		})
	}
}

// sameIDPack has two frameworks that both name a control "SPF", and one
// whose control ID is not an OSCAL token on its own.
func sameIDPack() *Pack {
	p := withRelevance(SyntheticPack(3, 2))
	p.Controls = []ControlStatus{
		{Framework: "cisa-bod-18-01", ID: "SPF", Title: "Valid SPF records", Relevance: "BOD 18-01 asks for SPF on every domain.", Status: ControlSatisfied, Pass: 1},
		{Framework: "mailbox-providers-2024", ID: "SPF", Title: "SPF for the sending domain", Status: ControlNotSatisfied, Fail: 1},
		{Framework: "cis-controls-v8", ID: "9.5", Title: "Implement DMARC", Status: ControlInconclusive, Error: 1},
	}
	return p
}

func readOSCAL(t *testing.T, b []byte) arDoc {
	t.Helper()
	var doc arDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.AR.Metadata.OscalVersion != OSCALVersion || len(doc.AR.Results) != 1 {
		t.Fatalf("oscal-version %q, %d results", doc.AR.Metadata.OscalVersion, len(doc.AR.Results))
	}
	return doc
}

func TestOSCALContent(t *testing.T) {
	t.Parallel()
	p := withRelevance(SyntheticPack(25, 11))
	out := writeAll(t, NewOSCAL(), p)
	ar := readOSCAL(t, out).AR
	res := ar.Results[0]
	// The senders removed since the baseline and checked again are
	// subjects too.
	if got := len(res.LocalDefinitions.InventoryItems); got != len(p.Assets)+len(p.Drift.Offboarding) {
		t.Errorf("inventory items = %d, want one per asset (%d) and per removed sender (%d)", got, len(p.Assets), len(p.Drift.Offboarding))
	}
	nonSkip := 0
	for _, f := range p.Findings {
		if f.Status != assess.StatusSkip {
			nonSkip++
		}
	}
	if got := len(res.Observations); got != nonSkip+len(p.Drift.Offboarding) {
		t.Errorf("observations = %d, want one per finding that is not skip (%d) and per offboarding recheck (%d)", got, nonSkip, len(p.Drift.Offboarding))
	}
	for _, o := range p.Drift.Offboarding {
		i := -1
		for k, x := range res.Observations {
			if x.Title == "offboarding recheck for "+o.IP {
				i = k
			}
		}
		if i < 0 || prop(res.Observations[i].Props, "status") != string(o.Status) {
			t.Errorf("no offboarding observation of %s with status %s", o.IP, o.Status)
		}
	}
	subjects := map[string]bool{}
	for _, it := range res.LocalDefinitions.InventoryItems {
		subjects[it.UUID] = true
	}
	obs := map[string]bool{}
	for _, o := range res.Observations {
		if obs[o.UUID] {
			t.Errorf("observation UUID %s repeats", o.UUID)
		}
		obs[o.UUID] = true
		if len(o.Subjects) != 1 || !subjects[o.Subjects[0].SubjectUUID] {
			t.Errorf("observation %s subject %v is not an inventory item", o.UUID, o.Subjects)
		}
	}
	// A negative answer's SOA record is part of its evidence.
	withSOA := 0
	for _, o := range res.Observations {
		if len(o.RelevantEvidence) > 0 && strings.Contains(o.RelevantEvidence[0].Description, ", authority example.net. 300 IN SOA ") {
			withSOA++
		}
	}
	if withSOA == 0 {
		t.Error("no observation shows the authority section of a negative answer")
	}
	if got := len(res.Findings); got != len(p.Controls) {
		t.Fatalf("findings = %d, want one per control (%d)", got, len(p.Controls))
	}
	skips := 0
	for i, f := range res.Findings {
		c := p.Controls[i]
		if want := c.Framework + "_" + c.ID; f.Target.TargetID != want || f.Target.Type != "objective-id" {
			t.Errorf("finding %d target %+v, want objective-id %s", i, f.Target, want)
		}
		if prop(f.Props, "control-id") != c.ID || prop(f.Props, "framework") != c.Framework || !strings.HasPrefix(f.Title, c.Framework+" "+c.ID+": ") {
			t.Errorf("finding %d title %q, props %v: want the control ID %s of %s", i, f.Title, f.Props, c.ID, c.Framework)
		}
		if want := "Relevance: " + c.Relevance; f.Remarks != want {
			t.Errorf("finding %s remarks %q, want %q", c.ID, f.Remarks, want)
		}
		state := map[ControlState]string{ControlSatisfied: "satisfied", ControlNotSatisfied: "not-satisfied", ControlInconclusive: "not-satisfied"}[c.Status]
		if f.Target.Status.State != state {
			t.Errorf("finding %s state %q, want %q", c.ID, f.Target.Status.State, state)
		}
		// Findings not assessed are counted, or a control satisfied by a
		// few passes reads as covering the fleet.
		if skipped := fmt.Sprintf(" %d more were not assessed (skip", c.Skip); c.Skip > 0 != strings.Contains(f.Description, skipped) {
			t.Errorf("finding %s (%d skip) description %q", c.ID, c.Skip, f.Description)
		}
		if c.Skip > 0 {
			skips++
		}
		if want := c.Pass + c.Warn + c.Fail + c.Error; len(f.Related) != want {
			t.Errorf("finding %s relates %d observations, want %d", c.ID, len(f.Related), want)
		}
		for _, r := range f.Related {
			if !obs[r.UUID] {
				t.Errorf("finding %s relates unknown observation %s", c.ID, r.UUID)
			}
		}
	}
	if skips == 0 {
		t.Error("no control counts a skip finding")
	}
	// import-ap is no file to fetch: it points at the back-matter resource
	// that links evidence.json, marked as plain JSON.
	res0 := ar.BackMatter.Resources
	if len(res0) != 1+len(p.Run.Mappings) || ar.ImportAP.Href != "#"+res0[0].UUID {
		t.Fatalf("import-ap href %q, back-matter resources %+v: want a fragment naming the first resource, then one per mapping file", ar.ImportAP.Href, res0)
	}
	// Each framework's resource says where its control IDs come from,
	// and every finding of its controls links to it.
	frameworkRes := map[string]string{}
	for i, m := range p.Run.Mappings {
		r := res0[1+i]
		if prop(r.Props, "framework") != m.Framework || prop(r.Props, "mapping-sha256") != m.SHA256 || !strings.HasPrefix(r.Title, "Control framework: ") {
			t.Errorf("resource %d = %+v, want framework %s with its mapping file's SHA-256", 1+i, r, m.Framework)
		}
		frameworkRes[m.Framework] = "#" + r.UUID
	}
	for i, f := range res.Findings {
		fw := p.Controls[i].Framework
		if len(f.Links) != 1 || f.Links[0].Href != frameworkRes[fw] || f.Links[0].Rel != "reference" {
			t.Errorf("finding %d of framework %s links %+v, want its resource %s", i, fw, f.Links, frameworkRes[fw])
		}
	}
	if rl := res0[0].Rlinks; len(rl) != 1 || rl[0].Href != "evidence.json" || rl[0].MediaType != "application/json" {
		t.Errorf("resource links %+v, want evidence.json as application/json", rl)
	}
	if !strings.Contains(res0[0].Title, "not an OSCAL assessment plan") {
		t.Errorf("resource title %q does not say it is not an assessment plan", res0[0].Title)
	}
	// UUIDs depend on the run: another run ID gives other UUIDs.
	q := SyntheticPack(25, 11)
	q.Run.ID = "another-run"
	if bytes.Contains(writeAll(t, NewOSCAL(), q), []byte(res.Observations[0].UUID)) {
		t.Error("observation UUIDs do not depend on the run ID")
	}
}

// TestOSCALExchanges: an answer cut short says how many records were not
// kept, and a negative answer shows its SOA record.
func TestOSCALExchanges(t *testing.T) {
	t.Parallel()
	got := oscalExchanges([]assess.Evidence{
		{Name: "1.2.0.192.in-addr.arpa.", Type: "PTR", Server: "127.0.0.1:53", Transport: "tcp", Rcode: "NOERROR",
			Answers: []string{"1.2.0.192.in-addr.arpa.\t300\tIN\tPTR\ta.example."}, Omitted: 900},
		{Name: "nx.example.", Type: "A", Server: "127.0.0.1:53", Transport: "udp", Rcode: "NXDOMAIN",
			Authority: []string{"example.\t300\tIN\tSOA\tns.example. host.example. 1 3600 600 86400 300"}},
	})
	for _, want := range []string{
		"PTR 1.2.0.192.in-addr.arpa. via 127.0.0.1:53/tcp: NOERROR, 1.2.0.192.in-addr.arpa. 300 IN PTR a.example., and 900 more records not kept",
		"A nx.example. via 127.0.0.1:53/udp: NXDOMAIN, authority example. 300 IN SOA ns.example. host.example. 1 3600 600 86400 300",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("exchanges lack %q:\n%s", want, got)
		}
	}
}

// TestOSCALTargets: controls of different frameworks with one control ID
// get distinct target IDs, each an OSCAL token qualified by its framework,
// and the reviewed controls list the same IDs.
func TestOSCALTargets(t *testing.T) {
	t.Parallel()
	p := sameIDPack()
	out := writeAll(t, NewOSCAL(), p)
	validateOSCAL(t, oscalSchema(t), out)
	res := readOSCAL(t, out).AR.Results[0]
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.Target.TargetID)
	}
	want := []string{"cisa-bod-18-01_SPF", "mailbox-providers-2024_SPF", "cis-controls-v8_9.5"}
	if !slices.Equal(got, want) {
		t.Errorf("target IDs %q, want %q", got, want)
	}
	var reviewed []string
	for _, sel := range res.ReviewedControls.Selections {
		for _, c := range sel.Include {
			reviewed = append(reviewed, c.ControlID)
		}
	}
	if !slices.Equal(reviewed, want) {
		t.Errorf("reviewed controls %q, want %q", reviewed, want)
	}
	for i, f := range res.Findings {
		if prop(f.Props, "control-id") != p.Controls[i].ID {
			t.Errorf("finding %s has control-id prop %q, want %q", f.Target.TargetID, prop(f.Props, "control-id"), p.Controls[i].ID)
		}
	}
	if res.Findings[1].Remarks != "" {
		t.Errorf("a control without relevance has remarks %q", res.Findings[1].Remarks)
	}

	// Tokens that would collide are made unique.
	targets := oscalTargets([]ControlStatus{
		{Framework: "a_b", ID: "c"}, {Framework: "a", ID: "b_c"}, {Framework: "x", ID: "NHI1:2025"}, {Framework: "x", ID: "NHI1_2025"},
		{Framework: "a_b", ID: "c"}, // the same control again keeps its target
	})
	wantTargets := map[assess.ControlRef]string{
		{Framework: "a_b", ID: "c"}:       "a_b_c",
		{Framework: "a", ID: "b_c"}:       "a_b_c-2",
		{Framework: "x", ID: "NHI1:2025"}: "x_NHI1_2025",
		{Framework: "x", ID: "NHI1_2025"}: "x_NHI1_2025-2",
	}
	if !maps.Equal(targets, wantTargets) {
		t.Errorf("oscalTargets = %v, want %v", targets, wantTargets)
	}
}

func TestUUIDv5(t *testing.T) {
	t.Parallel()
	// RFC 9562 appendix A.4: the DNS namespace and "www.example.com".
	dns := [16]byte{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	if got, want := uuidString(uuidV5(dns, "www.example.com")), "2ed6657d-e927-568b-95e1-2665a8aea6a2"; got != want {
		t.Errorf("uuidV5 = %s, want %s", got, want)
	}
}

func TestOSCALToken(t *testing.T) {
	t.Parallel()
	token := regexp.MustCompile(`^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$`)
	for _, tc := range []struct{ framework, id, want string }{
		{"nist-csf-2.0", "PR.DS-1", "nist-csf-2.0_PR.DS-1"},
		{"owasp-nhi-top10", "NHI-01", "owasp-nhi-top10_NHI-01"},
		{"cis-controls-v8", "9.5", "cis-controls-v8_9.5"},
		{"cisa-bod-18-01", "SPF", "cisa-bod-18-01_SPF"},
		{"x", "NHI1:2025", "x_NHI1_2025"},
		{"9fw", "1 2", "_9fw_1_2"},
	} {
		t.Run(tc.id, func(t *testing.T) {
			got := mappings.OSCALToken(tc.framework, tc.id)
			if got != tc.want || !token.MatchString(got) {
				t.Errorf("OSCALToken(%q, %q) = %q, want %q (a token)", tc.framework, tc.id, got, tc.want)
			}
		})
	}
}

func BenchmarkWriteOSCAL(b *testing.B) { benchWrite(b, NewOSCAL()) }

// sameAsEncoder fails when appendObservation and an Encoder with HTML
// escaping off (how the OSCAL document was written before) disagree on o.
func sameAsEncoder(t testing.TB, o oscal.Observation) {
	t.Helper()
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	werr := enc.Encode(o)
	got, ok := appendObservation([]byte("kept"), &o)
	if !bytes.HasPrefix(got, []byte("kept")) {
		t.Fatal("the bytes before the buffer's end were changed")
	}
	if !ok {
		return // the caller falls back to the Encoder
	}
	if werr != nil {
		t.Fatalf("Encoder error %v, appendObservation accepted it", werr)
	}
	// Without the line feed the Encoder ends with, as jsonStream.value
	// writes the fallback.
	if got := got[len("kept"):]; !bytes.Equal(got, bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
		t.Fatalf("appendObservation\n%s\nEncoder\n%s", got, want.Bytes())
	}
}

// TestAppendObservation: every observation of a synthetic pack, and ones
// with the optional fields set or hostile text, are written as
// encoding/json writes them; fields it does not write send it back to the
// Encoder.
func TestAppendObservation(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(40, 5)
	at := time.Date(2026, 11, 27, 4, 0, 0, 123456789, time.UTC)
	for i := range p.Findings {
		o := oscalObservation("u", &p.Findings[i], compactJSON(p.Findings[i].Observed), at, true, "base")
		sameAsEncoder(t, o)
		o.Origins = &[]oscal.Origin{{Actors: []oscal.OriginActor{{Type: "assessment-platform", ActorUuid: "p"}}}}
		sameAsEncoder(t, o)
	}
	hostile := "=cmd|' /C calc'!A0 <b>&amp;</b> \u2028\u2029 \x00\x1f \xff\"\\"
	props := []oscal.Property{{Name: "a", Value: hostile}, {Class: "c", Group: "g", Name: "n", Ns: "https://x", Remarks: "r", UUID: "u", Value: ""}}
	subjects := []oscal.SubjectReference{{SubjectUuid: "s", Type: "inventory-item"}, {Remarks: hostile, SubjectUuid: "s2", Title: "t", Type: "party"}}
	evidence := []oscal.RelevantEvidence{{Description: hostile}, {Description: "d", Href: "evidence.json", Remarks: "r"}}
	types := []string{"finding", hostile}
	var nilProps []oscal.Property
	for _, o := range []oscal.Observation{
		{},
		{Collected: at, Description: hostile, Methods: []string{}, Title: hostile, UUID: hostile, Remarks: hostile},
		{Collected: at.In(time.FixedZone("x", 5*3600+1800)), Methods: []string{"TEST", "EXAMINE"}, Props: &props, Subjects: &subjects, RelevantEvidence: &evidence, Types: &types},
		{Props: &nilProps, Types: &[]string{}},
		{Collected: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Origins: &[]oscal.Origin{{}, {Actors: []oscal.OriginActor{}}, {Actors: []oscal.OriginActor{{ActorUuid: hostile, RoleId: hostile, Type: hostile}, {}}}}},
		{Origins: &[]oscal.Origin{}},
	} {
		sameAsEncoder(t, o)
	}
	for _, o := range []oscal.Observation{
		{Expires: &at},
		{Links: &[]oscal.Link{}},
		{Subjects: &[]oscal.SubjectReference{{Props: &props}}},
		{RelevantEvidence: &[]oscal.RelevantEvidence{{Links: &[]oscal.Link{}}}},
		{Origins: &[]oscal.Origin{{RelatedTasks: &[]oscal.RelatedTask{}}}},
		{Origins: &[]oscal.Origin{{Actors: []oscal.OriginActor{{Props: &props}}}}},
	} {
		if _, ok := appendObservation(nil, &o); ok {
			t.Errorf("%+v: written, want the Encoder", o)
		}
	}
}

func FuzzAppendObservation(f *testing.F) {
	f.Add("192.0.2.1", "ptr.present", "<&> \u2028", "\xff\x00", int64(1700000000123456789))
	f.Fuzz(func(t *testing.T, asset, check, msg, val string, ns int64) {
		sel := val
		fd := assess.Finding{Asset: asset, Check: check, Selector: &sel, Status: assess.StatusFail, Message: msg, Remediation: val,
			Observed: map[string]any{val: msg},
			Evidence: []assess.Evidence{{Name: val, Type: "TXT", Answers: []string{msg, val}, At: time.Unix(0, ns), Error: val}},
			Controls: []assess.ControlRef{{Framework: val, ID: msg}}}
		o := oscalObservation(msg, &fd, compactJSON(fd.Observed), time.Unix(0, ns), true, "base")
		o.Origins = &[]oscal.Origin{{Actors: []oscal.OriginActor{{Type: check, ActorUuid: val, RoleId: msg}}}}
		sameAsEncoder(t, o)
	})
}

// TestOSCALCatalogTargets: a control of a framework with an OSCAL catalog
// is reviewed by the catalog's control IDs and has one finding per catalog
// control it maps to, targeting that control's statement, so that a GRC
// import attaches it; other controls keep their <framework>_<ID> token.
func TestOSCALCatalogTargets(t *testing.T) {
	t.Parallel()
	p := withRelevance(SyntheticPack(5, 3))
	if len(p.Controls) < 2 {
		t.Fatalf("%d controls", len(p.Controls))
	}
	p.Controls[0].OSCAL = []mappings.OSCALRef{{Control: "DE.CM-06", Statement: "DE.CM-06_statement"}, {Control: "DE.CM-09", Statement: "DE.CM-09_statement"}}
	p.Controls[0].Catalog = []string{"CSF 2.0 DE.CM-06", "CSF 2.0 DE.CM-09"}
	// A mapping file's source is linked when it is a web address.
	p.Run.Mappings[0].Source = "https://www.nist.gov/cyberframework"
	p.Run.Mappings[1].Source = "see the framework's site"
	out := writeAll(t, NewOSCAL(), p)
	validateOSCAL(t, oscalSchema(t), out)
	res := readOSCAL(t, out).AR.Results[0]
	if got, want := len(res.Findings), len(p.Controls)+1; got != want {
		t.Fatalf("%d findings, want %d (two for the control with two catalog controls)", got, want)
	}
	for i, want := range []struct{ typ, id, catalog string }{
		{"statement-id", "DE.CM-06_statement", "DE.CM-06"},
		{"statement-id", "DE.CM-09_statement", "DE.CM-09"},
		{"objective-id", p.Controls[1].Framework + "_" + p.Controls[1].ID, ""},
	} {
		f := res.Findings[i]
		if f.Target.Type != want.typ || f.Target.TargetID != want.id || prop(f.Props, "catalog-control-id") != want.catalog {
			t.Errorf("finding %d: target %s %s, catalog-control-id %q; want %s %s %q", i, f.Target.Type, f.Target.TargetID, prop(f.Props, "catalog-control-id"), want.typ, want.id, want.catalog)
		}
		if prop(f.Props, "control-id") == "" {
			t.Errorf("finding %d lost its control-id prop", i)
		}
		// The two findings of one control are told apart by title.
		if want.catalog != "" && !strings.HasPrefix(f.Title, p.Controls[0].Framework+" "+p.Controls[0].ID+" → CSF 2.0 "+want.catalog+": ") {
			t.Errorf("finding %d title %q does not name %s", i, f.Title, want.catalog)
		}
	}
	back := readOSCAL(t, out).AR.BackMatter.Resources
	if rl := back[1].Rlinks; len(rl) != 1 || rl[0].Href != "https://www.nist.gov/cyberframework" {
		t.Errorf("resource of %s links %+v, want its source", p.Run.Mappings[0].Framework, rl)
	}
	if rl := back[2].Rlinks; len(rl) != 0 {
		t.Errorf("resource of %s links %+v, want none for a source that is no web address", p.Run.Mappings[1].Framework, rl)
	}
	var reviewed []string
	for _, sel := range res.ReviewedControls.Selections {
		for _, c := range sel.Include {
			reviewed = append(reviewed, c.ControlID)
		}
	}
	if len(reviewed) < 3 || reviewed[0] != "DE.CM-06" || reviewed[1] != "DE.CM-09" {
		t.Errorf("reviewed controls %q, want the catalog's DE.CM-06 and DE.CM-09 first", reviewed)
	}
}

// TestOSCALShippedMappingsValid: the OSCAL results of a pack mapped with
// the shipped files, catalog targets included, are valid OSCAL.
func TestOSCALShippedMappingsValid(t *testing.T) {
	t.Parallel()
	mapper := shippedMapper(t)
	asset := assess.Asset{IP: "192.0.2.10"}
	findings := everyCheck(asset, func(string) assess.Status { return assess.StatusPass })
	for i := range findings {
		findings[i].Controls = mapper.ControlsFor(findings[i].Check)
	}
	p := Build(BuildInput{Run: Run{ID: "shipped"}, Assets: []assess.Asset{asset}, Findings: findings, Mapper: mapper})
	out := writeAll(t, NewOSCAL(), p)
	validateOSCAL(t, oscalSchema(t), out)
	if !bytes.Contains(out, []byte(`"target-id":"PR.DS-02_statement"`)) {
		t.Error("no finding targets the catalog's PR.DS-02 statement")
	}
}

// TestOSCALMarkup: DNS data in OSCAL's Markdown fields renders as text,
// not as HTML, a link or emphasis; underscores inside words stay as they
// are. A DKIM observation's title keeps the space before its selector.
func TestOSCALMarkup(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`Record: "v=DKIM1; p=<script>alert(1)</script>"`:     `Record: "v=DKIM1; p=\<script\>alert(1)\</script\>"`,
		`rua=[x](http://evil) & *bold* # h`:                  `rua=\[x\](http://evil) \& \*bold\* \# h`,
		`_dmarc.example.com has ptr_names, a\b and ` + "`x`": `\_dmarc.example.com has ptr_names, a\\b and ` + "\\`x\\`",
		"plain text 192.0.2.1":                               "plain text 192.0.2.1",
		"«_em1_» “_em2_” mailto:«_u_»@x ad_hoc dépôt_été":    `«\_em1\_» “\_em2\_” mailto:«\_u\_»@x ad_hoc dépôt_été`,
	} {
		if got := oscalMarkup(in); got != want {
			t.Errorf("oscalMarkup(%q) = %q, want %q", in, got, want)
		}
	}
	sel := "s1"
	o := oscalObservation("u", &assess.Finding{Asset: "192.0.2.20", Check: "dkim.key", Selector: &sel, Status: assess.StatusFail,
		Message: "Record: <script>", Evidence: []assess.Evidence{}}, "", time.Unix(0, 0), true, "")
	if o.Title != "dkim.key for 192.0.2.20 selector s1" || o.Description != `Record: \<script\>` {
		t.Errorf("observation title %q, description %q", o.Title, o.Description)
	}
}

// TestOSCALWithoutEvidenceJSON: a pack written without evidence.json gets
// OSCAL that links no evidence.json, and is still valid.
func TestOSCALWithoutEvidenceJSON(t *testing.T) {
	t.Parallel()
	schema := oscalSchema(t)
	p := SyntheticPack(5, 3)
	for _, formats := range [][]string{{"oscal"}, {"oscal", "json"}} {
		var b bytes.Buffer
		if err := NewOSCAL().Write(WithFormats(context.Background(), formats), &b, p); err != nil {
			t.Fatal(err)
		}
		validateOSCAL(t, schema, b.Bytes())
		links := bytes.Contains(b.Bytes(), []byte(`"href":"evidence.json"`))
		if want := len(formats) == 2; links != want {
			t.Errorf("formats %v: links evidence.json %v, want %v", formats, links, want)
		}
	}
}

// TestOSCALDriftMethod: the method names drift.changed among the checks
// only when the run had a baseline, and a drift observation's evidence
// names the baseline run it compared with.
func TestOSCALDriftMethod(t *testing.T) {
	t.Parallel()
	for _, drift := range []bool{false, true} {
		p := SyntheticPack(4, 2)
		if p.Drift == nil {
			t.Fatal("the synthetic pack has no drift record")
		}
		want := len(p.Run.Checks)
		if !drift {
			p.Drift = nil
			want--
			p.Findings = slices.DeleteFunc(p.Findings, func(f assess.Finding) bool { return f.Check == DriftCheck })
		}
		var b bytes.Buffer
		if err := NewOSCAL().Write(WithFormats(context.Background(), []string{"oscal", "json"}), &b, p); err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b.Bytes(), []byte(fmt.Sprintf("senderproof's method: %d checks", want))) {
			t.Errorf("drift %v: the method does not say %d checks", drift, want)
		}
		named := bytes.Contains(b.Bytes(), []byte("compared with those of baseline run "+SyntheticPack(1, 1).Drift.BaseRun))
		if named != drift {
			t.Errorf("drift %v: drift evidence names the baseline run: %v", drift, named)
		}
	}
}

// TestOSCALSharedStatement: controls that map to one catalog statement,
// of one framework or two, share one finding: its state is the worst of
// theirs, it relates the observations of all their checks, each once, and
// its title and props name every control.
func TestOSCALSharedStatement(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		states       [2]ControlState
		state, cause string
	}{
		{"satisfied and not satisfied", [2]ControlState{ControlSatisfied, ControlNotSatisfied}, "not-satisfied", "fail"},
		{"not satisfied and satisfied", [2]ControlState{ControlNotSatisfied, ControlSatisfied}, "not-satisfied", "fail"},
		{"inconclusive and satisfied", [2]ControlState{ControlSatisfied, ControlInconclusive}, "not-satisfied", "other"},
		{"inconclusive and not satisfied", [2]ControlState{ControlInconclusive, ControlNotSatisfied}, "not-satisfied", "fail"},
		{"both satisfied", [2]ControlState{ControlSatisfied, ControlSatisfied}, "satisfied", "pass"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := withRelevance(SyntheticPack(6, 4))
			// A control of nist-csf-2.0 and one of another framework.
			pair := []int{0, 5}
			if len(p.Controls) <= pair[1] || p.Controls[pair[0]].Framework == p.Controls[pair[1]].Framework {
				t.Fatalf("controls %+v", p.Controls)
			}
			shared := mappings.OSCALRef{Control: "PR.DS-02", Statement: "PR.DS-02_statement"}
			var both []ControlStatus
			for i, k := range pair {
				p.Controls[k].OSCAL = []mappings.OSCALRef{shared}
				p.Controls[k].Catalog = []string{"CSF 2.0 PR.DS-02"}
				p.Controls[k].Status = tc.states[i]
				both = append(both, p.Controls[k])
			}
			out := writeAll(t, NewOSCAL(), p)
			validateOSCAL(t, oscalSchema(t), out)
			res := readOSCAL(t, out).AR.Results[0]
			if got, want := len(res.Findings), len(p.Controls)-1; got != want {
				t.Fatalf("%d findings, want %d (one for the two controls of PR.DS-02)", got, want)
			}
			f := res.Findings[0]
			n := 0
			for _, x := range res.Findings {
				if x.Target.TargetID == shared.Statement {
					n++
				}
			}
			if n != 1 || f.Target.TargetID != shared.Statement || f.Target.Type != "statement-id" {
				t.Fatalf("%d findings target %s; the first targets %s %s", n, shared.Statement, f.Target.Type, f.Target.TargetID)
			}
			var status struct {
				AR struct {
					Results []struct {
						Findings []struct {
							Target struct {
								Status struct{ State, Reason string } `json:"status"`
							} `json:"target"`
						} `json:"findings"`
					} `json:"results"`
				} `json:"assessment-results"`
			}
			if err := json.Unmarshal(out, &status); err != nil {
				t.Fatal(err)
			}
			if st := status.AR.Results[0].Findings[0].Target.Status; st.State != tc.state || st.Reason != tc.cause {
				t.Errorf("state %s (%s), want %s (%s)", st.State, st.Reason, tc.state, tc.cause)
			}
			// The observations: those of the findings of either control,
			// each once, in the order of the document.
			ids := newOSCALIDs(p.Run.ID)
			want := map[string]bool{}
			for i := range p.Findings {
				fd := &p.Findings[i]
				if fd.Status == assess.StatusSkip {
					continue
				}
				for _, r := range fd.Controls {
					for _, c := range both {
						if r == (assess.ControlRef{Framework: c.Framework, ID: c.ID}) {
							want[ids.of("observation", oscalFindingKey(fd))] = true
						}
					}
				}
			}
			order := map[string]int{}
			for i, o := range res.Observations {
				order[o.UUID] = i
			}
			got := map[string]bool{}
			for i, r := range f.Related {
				if got[r.UUID] {
					t.Errorf("observation %s related twice", r.UUID)
				}
				got[r.UUID] = true
				if i > 0 && order[r.UUID] < order[f.Related[i-1].UUID] {
					t.Errorf("related observation %d (%s) comes before the one it follows in the document", i, r.UUID)
				}
			}
			if len(want) == 0 || !maps.Equal(got, want) {
				t.Errorf("relates %d observations, want the %d of both controls' findings", len(got), len(want))
			}
			// Every control is named: in the title, and in props grouped
			// by the control's target token.
			for _, c := range both {
				name := c.Framework + " " + c.ID
				if !strings.Contains(f.Title, name) || !strings.Contains(f.Description, name+" is ") {
					t.Errorf("title %q or description %q does not name %s", f.Title, f.Description, name)
				}
			}
			var raw struct {
				AR struct {
					Results []struct {
						Findings []struct {
							Props []oscal.Property `json:"props"`
						} `json:"findings"`
					} `json:"results"`
				} `json:"assessment-results"`
			}
			if err := json.Unmarshal(out, &raw); err != nil {
				t.Fatal(err)
			}
			named := map[string]string{} // group: control-id
			for _, pr := range raw.AR.Results[0].Findings[0].Props {
				if pr.Name == "control-id" {
					named[pr.Group] = pr.Value
				}
			}
			targets := oscalTargets(p.Controls)
			for _, c := range both {
				if g := targets[assess.ControlRef{Framework: c.Framework, ID: c.ID}]; named[g] != c.ID {
					t.Errorf("props name controls %v, want %s in group %s", named, c.ID, g)
				}
			}
			if len(f.Links) != 2 {
				t.Errorf("links %+v, want one to each framework's resource", f.Links)
			}
			if !strings.HasSuffix(f.Title, " → CSF 2.0 PR.DS-02") {
				t.Errorf("title %q does not name the catalog control", f.Title)
			}
		})
	}
}

// TestOSCALReviewedDescription: the reviewed controls' description names
// the frameworks whose controls are reviewed by an OSCAL catalog's IDs and
// those reviewed as <framework>_<control ID>, as the pack has them, not as
// the shipped files have them.
func TestOSCALReviewedDescription(t *testing.T) {
	t.Parallel()
	csf := mappings.OSCALRef{Control: "PR.DS-02", Statement: "PR.DS-02_statement"}
	for _, tc := range []struct {
		name, want string
		edit       func(p *Pack)
	}{
		{"nist-csf-2.0 without catalog", `Controls of the mapping files loaded for the run (nist-csf-2.0, owasp-nhi-top10, mailbox-providers-2024 and cis-controls-v8), each as \<framework\>\_\<control ID\>: none maps to an OSCAL catalog.`, func(p *Pack) {
			for i := range p.Controls {
				p.Controls[i].OSCAL = nil
			}
		}},
		{"another framework with catalog nist-csf-2.0", `Controls of the mapping files loaded for the run: those of mailbox-providers-2024 that map to an OSCAL catalog by that catalog's control IDs, the others (of nist-csf-2.0, owasp-nhi-top10, mailbox-providers-2024 and cis-controls-v8) each as \<framework\>\_\<control ID\>.`, func(p *Pack) {
			for i := range p.Controls {
				p.Controls[i].OSCAL = nil
				if p.Controls[i].Framework == "mailbox-providers-2024" && p.Controls[i].ID == "bulk.ptr" {
					p.Controls[i].OSCAL = []mappings.OSCALRef{csf}
				}
			}
		}},
		{"every control by a catalog", `Controls of the mapping files loaded for the run (nist-csf-2.0, owasp-nhi-top10, mailbox-providers-2024 and cis-controls-v8), by the control IDs of the OSCAL catalog they map to.`, func(p *Pack) {
			for i := range p.Controls {
				p.Controls[i].OSCAL = []mappings.OSCALRef{csf}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := SyntheticPack(6, 4)
			tc.edit(p)
			out := writeAll(t, NewOSCAL(), p)
			validateOSCAL(t, oscalSchema(t), out)
			var doc struct {
				AR struct {
					Results []struct {
						ReviewedControls struct {
							Selections []struct {
								Description string `json:"description"`
							} `json:"control-selections"`
						} `json:"reviewed-controls"`
					} `json:"results"`
				} `json:"assessment-results"`
			}
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatal(err)
			}
			got := doc.AR.Results[0].ReviewedControls.Selections[0].Description
			if got != tc.want {
				t.Errorf("description %q, want %q", got, tc.want)
			}
		})
	}
}

// TestOSCALOrigin: the result defines senderproof, at the pack's version,
// as its assessment platform (a software component), and every
// observation, offboarding rechecks among them, names that platform as
// its origin.
func TestOSCALOrigin(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(8, 3)
	p.Tool = Tool{Name: "senderproof", Version: "9.8.7", Build: "0123456789ab"}
	if p.Drift == nil || len(p.Drift.Offboarding) == 0 {
		t.Fatal("the synthetic pack has no offboarding recheck")
	}
	out := writeAll(t, NewOSCAL(), p)
	validateOSCAL(t, oscalSchema(t), out)
	var doc struct {
		AR struct {
			Results []struct {
				LocalDefinitions struct {
					Assets oscal.AssessmentAssets `json:"assessment-assets"`
				} `json:"local-definitions"`
				Observations []oscal.Observation `json:"observations"`
			} `json:"results"`
		} `json:"assessment-results"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	res := doc.AR.Results[0]
	a := res.LocalDefinitions.Assets
	if len(a.AssessmentPlatforms) != 1 || a.Components == nil || len(*a.Components) != 1 {
		t.Fatalf("assessment assets %+v, want one platform and one component", a)
	}
	c, pl := (*a.Components)[0], a.AssessmentPlatforms[0]
	if c.Type != "software" || c.Title != "senderproof 9.8.7" || c.Status.State != "operational" || c.Props == nil || !slices.ContainsFunc(*c.Props, func(pr oscal.Property) bool { return pr.Name == "version" && pr.Value == "9.8.7" && pr.Ns == "" }) {
		t.Errorf("component %+v, want senderproof 9.8.7 as software with its version", c)
	}
	if !strings.Contains(c.Description, "senderproof 9.8.7 (build 0123456789ab)") {
		t.Errorf("component description %q does not name the build", c.Description)
	}
	if pl.UsesComponents == nil || len(*pl.UsesComponents) != 1 || (*pl.UsesComponents)[0].ComponentUuid != c.UUID || pl.Title != "senderproof 9.8.7" {
		t.Errorf("platform %+v, want senderproof 9.8.7 using component %s", pl, c.UUID)
	}
	offboarding := 0
	for _, o := range res.Observations {
		if o.Origins == nil || len(*o.Origins) != 1 || len((*o.Origins)[0].Actors) != 1 {
			t.Fatalf("observation %q origins %+v, want one actor", o.Title, o.Origins)
		}
		if act := (*o.Origins)[0].Actors[0]; act.Type != "assessment-platform" || act.ActorUuid != pl.UUID {
			t.Errorf("observation %q actor %+v, want the assessment platform %s", o.Title, act, pl.UUID)
		}
		if strings.HasPrefix(o.Title, "offboarding recheck") {
			offboarding++
		}
	}
	if offboarding != len(p.Drift.Offboarding) {
		t.Errorf("%d offboarding observations, want %d", offboarding, len(p.Drift.Offboarding))
	}
	// UUIDs are derived like the others: the same pack, the same ones.
	if again := writeAll(t, NewOSCAL(), p); !bytes.Equal(out, again) {
		t.Error("two writes of one pack differ")
	}
}
