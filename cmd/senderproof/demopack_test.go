package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/xuri/excelize/v2"

	"senderproof/assess"
	"senderproof/report"
)

// TestDemoPackReadsBack runs the demo with every format, as a user's first
// command does, and reads each file back: the PDF's text shows the cover,
// every control ID and every sender with a failing finding; the XLSX has its
// sheets, a chart on Summary and one Findings row per finding; the CSV
// parses with one row per finding; the OSCAL document validates against the
// OSCAL 1.1.3 schema; the manifest lists exactly these files.
func TestDemoPackReadsBack(t *testing.T) {
	out := filepath.Join(t.TempDir(), "evidence")
	code, _, stderr := run(t, context.Background(), "demo", "--out", out)
	if code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	p, err := report.ReadPack(filepath.Join(out, "evidence.json"))
	if err != nil {
		t.Fatal(err)
	}
	n := len(p.Findings)

	t.Run("manifest", func(t *testing.T) {
		var files []string
		for _, e := range readManifest(t, out).Files {
			files = append(files, e.Path)
		}
		slices.Sort(files)
		want := []string{"evidence.json", "findings.csv", "oscal-assessment-results.json", "report.pdf", "report.xlsx"}
		if !slices.Equal(files, want) {
			t.Errorf("manifest lists %q, want %q", files, want)
		}
	})

	t.Run("pdf", func(t *testing.T) {
		text := pdfText(t, filepath.Join(out, "report.pdf"))
		flat := strings.Join(strings.Fields(text), " ")
		if !strings.Contains(flat, p.Run.Title) {
			t.Errorf("PDF lacks the cover title %q", p.Run.Title)
		}
		if !strings.Contains(flat, "changed since the baseline run (not run: only with --baseline)") {
			t.Error("the PDF's methodology does not say drift.changed was not run without --baseline")
		}
		for _, c := range p.Controls {
			if !strings.Contains(text, c.ID) {
				t.Errorf("PDF lacks control %s %s", c.Framework, c.ID)
			}
		}
		failing := map[string]bool{}
		for _, f := range p.Findings {
			if f.Status == assess.StatusFail {
				failing[f.Asset] = true
			}
		}
		if len(failing) == 0 {
			t.Fatal("the demo has no failing sender")
		}
		for ip := range failing {
			if !strings.Contains(text, ip) {
				t.Errorf("PDF lacks failing sender %s", ip)
			}
		}
	})

	t.Run("xlsx", func(t *testing.T) {
		x, err := excelize.OpenFile(filepath.Join(out, "report.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		sheets := x.GetSheetList()
		for _, s := range []string{"Summary", "Findings", "Controls", "Assets", "Evidence"} {
			if !slices.Contains(sheets, s) {
				t.Errorf("XLSX lacks sheet %s (has %q)", s, sheets)
			}
		}
		rows, err := x.GetRows("Findings")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != n+1 {
			t.Errorf("Findings sheet has %d rows, want %d findings and a header", len(rows), n)
		}
		// The Summary sheet's drawing holds a native chart.
		zr, err := zip.OpenReader(filepath.Join(out, "report.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		var charts int
		var summaryRels string
		for _, f := range zr.File {
			if strings.HasPrefix(f.Name, "xl/charts/chart") {
				charts++
			}
			if f.Name == "xl/worksheets/_rels/sheet1.xml.rels" {
				rc, err := f.Open()
				if err != nil {
					t.Fatal(err)
				}
				var b bytes.Buffer
				_, _ = b.ReadFrom(rc)
				rc.Close()
				summaryRels = b.String()
			}
		}
		if sheets[0] != "Summary" || charts == 0 || !strings.Contains(summaryRels, "drawing") {
			t.Errorf("no chart anchored on Summary: first sheet %s, %d charts, sheet1 rels %q", sheets[0], charts, summaryRels)
		}
	})

	t.Run("csv", func(t *testing.T) {
		f, err := os.Open(filepath.Join(out, "findings.csv"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatalf("findings.csv does not parse: %v", err)
		}
		if len(recs) != n+1 || strings.Join(recs[0], ",") != "asset,check,selector,status,severity,message,controls,remediation,catalog_controls,hostname,owner,environment,criticality" {
			t.Errorf("findings.csv: %d records, header %q; want %d findings and the SPEC header", len(recs), recs[0], n)
		}
	})

	t.Run("oscal", func(t *testing.T) {
		const schema = "../../report/testdata/oscal_complete_schema-1-1-3.json"
		sf, err := os.Open(schema)
		if err != nil {
			t.Fatal(err)
		}
		defer sf.Close()
		doc, err := jsonschema.UnmarshalJSON(sf)
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource(schema, doc); err != nil {
			t.Fatal(err)
		}
		s, err := c.Compile(schema)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(out, "oscal-assessment-results.json"))
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(inst); err != nil {
			t.Errorf("the demo's OSCAL document does not validate: %v", err)
		}
	})
}

// pdfText is the text of a PDF as pdftotext reads it (skipped without
// pdftotext, unless CI is set).
func pdfText(t *testing.T, path string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("pdftotext not installed (poppler-utils)")
		}
		t.Fatal("pdftotext not installed but CI is set")
	}
	b, err := exec.Command(bin, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(b)
}
