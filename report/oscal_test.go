package report

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"senderproof/assess"
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
		Results []struct {
			LocalDefinitions struct {
				InventoryItems []struct {
					UUID string `json:"uuid"`
				} `json:"inventory-items"`
			} `json:"local-definitions"`
			Observations []struct {
				UUID     string `json:"uuid"`
				Subjects []struct {
					SubjectUUID string `json:"subject-uuid"`
				} `json:"subjects"`
			} `json:"observations"`
			Findings []struct {
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

func TestOSCAL(t *testing.T) {
	t.Parallel()
	schema := oscalSchema(t)
	for _, tc := range []struct {
		name string
		pack *Pack
	}{
		{"synthetic", SyntheticPack(25, 11)},
		{"empty", emptyPack()},
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

func TestOSCALContent(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(25, 11)
	out := writeAll(t, NewOSCAL(), p)
	var doc arDoc
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	ar := doc.AR
	if ar.Metadata.OscalVersion != OSCALVersion || len(ar.Results) != 1 {
		t.Fatalf("oscal-version %q, %d results", ar.Metadata.OscalVersion, len(ar.Results))
	}
	res := ar.Results[0]
	if got := len(res.LocalDefinitions.InventoryItems); got != len(p.Assets) {
		t.Errorf("inventory items = %d, want one per asset (%d)", got, len(p.Assets))
	}
	nonSkip := 0
	for _, f := range p.Findings {
		if f.Status != assess.StatusSkip {
			nonSkip++
		}
	}
	if got := len(res.Observations); got != nonSkip {
		t.Errorf("observations = %d, want one per finding that is not skip (%d)", got, nonSkip)
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
	if got := len(res.Findings); got != len(p.Controls) {
		t.Fatalf("findings = %d, want one per control (%d)", got, len(p.Controls))
	}
	for i, f := range res.Findings {
		c := p.Controls[i]
		want := c.ID
		if c.ID == "9.5" {
			want = "cis-controls-v8_9.5" // not an OSCAL token on its own
		}
		if f.Target.TargetID != want || f.Target.Type != "objective-id" {
			t.Errorf("finding %d target %+v, want objective-id %s", i, f.Target, want)
		}
		state := map[ControlState]string{ControlSatisfied: "satisfied", ControlNotSatisfied: "not-satisfied", ControlInconclusive: "not-satisfied"}[c.Status]
		if f.Target.Status.State != state {
			t.Errorf("finding %s state %q, want %q", c.ID, f.Target.Status.State, state)
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
	// UUIDs depend on the run: another run ID gives other UUIDs.
	q := SyntheticPack(25, 11)
	q.Run.ID = "another-run"
	if bytes.Contains(writeAll(t, NewOSCAL(), q), []byte(res.Observations[0].UUID)) {
		t.Error("observation UUIDs do not depend on the run ID")
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
		{"nist-csf-2.0", "PR.DS-1", "PR.DS-1"},
		{"owasp-nhi-top10", "NHI-01", "NHI-01"},
		{"cis-controls-v8", "9.5", "cis-controls-v8_9.5"},
		{"x", "NHI1:2025", "x_NHI1_2025"},
		{"9fw", "1 2", "_9fw_1_2"},
	} {
		t.Run(tc.id, func(t *testing.T) {
			got := oscalToken(tc.framework, tc.id)
			if got != tc.want || !token.MatchString(got) {
				t.Errorf("oscalToken(%q, %q) = %q, want %q (a token)", tc.framework, tc.id, got, tc.want)
			}
		})
	}
}

func BenchmarkWriteOSCAL(b *testing.B) { benchWrite(b, NewOSCAL()) }
