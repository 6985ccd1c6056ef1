package report

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"senderproof/assess"
	"senderproof/templates"
)

// pdfText extracts the text of a PDF with pdftotext -layout. Without
// pdftotext the test is skipped, unless CI is set.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("pdftotext not installed (poppler-utils); skipping the PDF read-back")
		}
		t.Fatal("pdftotext not installed but CI is set: install poppler-utils")
	}
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// squash removes white space so words broken across cells still match.
func squash(s string) string { return strings.Join(strings.Fields(s), "") }

func TestPDF(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(20, 2)
	out := writeAll(t, NewPDF(templates.MustDefault()), p)
	if !bytes.HasPrefix(out, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", out[:min(len(out), 16)])
	}
	text := pdfText(t, out)
	flat := squash(text)

	for _, want := range []string{
		"Example Corp — outbound mail fleet", // cover title
		"Executive summary", "Key figures", "Control coverage", "Findings requiring action",
		"Changes since the baseline", "Appendix A: senders", "Appendix B: methodology",
		"senderproof verify DIR", p.Run.ID, p.Tool.Version,
		"PR.DS-1 → CSF 2.0 PR.DS-02",
		"mta4.bücher.example", // non-ASCII survives
	} {
		if !strings.Contains(flat, squash(want)) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	for _, c := range p.Controls {
		if !strings.Contains(flat, squash(c.ID)) {
			t.Errorf("PDF text lacks control %s", c.ID)
		}
	}
	failing := map[string]bool{}
	for _, f := range p.Findings {
		if f.Status == assess.StatusFail {
			failing[f.Asset] = true
		}
	}
	for ip := range failing {
		if !regexp.MustCompile(`(^|\s)` + regexp.QuoteMeta(ip) + `(\s|$)`).MatchString(text) {
			t.Errorf("PDF text lacks failing asset %s", ip)
		}
	}
	// Every page has the footer with the run ID and a page number.
	pages := strings.Split(strings.TrimRight(text, "\f"), "\f")
	for i, pg := range pages {
		if !strings.Contains(pg, p.Run.ID) || !regexp.MustCompile(`Page \d+ of \d+`).MatchString(pg) {
			t.Errorf("page %d lacks the footer (run ID, page number)", i+1)
		}
	}
	// No control character reaches the page.
	if i := strings.IndexFunc(text, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\f' }); i >= 0 {
		t.Errorf("PDF text holds control character %q near %q", text[i], text[max(0, i-30):min(len(text), i+30)])
	}
}

// TestPDFCapped checks that a fleet too big for the detailed lists says so
// and points to the complete files.
func TestPDFCapped(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(40, 4)
	w := NewPDF(nil).(*pdfWriter)
	w.maxFindings, w.maxAssets, w.maxDrift = 40, 25, 3
	text := squash(pdfText(t, writeAll(t, w, p)))
	for _, want := range []string{
		"This list shows 40 of", "more in report.xlsx / findings.csv",
		"This appendix shows the first 25 of 40 senders; 15 more in report.xlsx (Assets sheet).",
		"more in report.xlsx (Drift sheet)",
	} {
		if !strings.Contains(text, squash(want)) {
			t.Errorf("capped PDF lacks %q", want)
		}
	}
	if strings.Contains(text, squash(p.Assets[30].IP+" "+p.AssetSummary[30].PTR)) {
		t.Error("capped appendix still lists asset 31")
	}
}

func TestPDFEdgeCases(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 5000)
	for _, tc := range []struct {
		name string
		pack func() *Pack
		want string
	}{
		{"empty pack", emptyPack, "No finding needs action"},
		{"no drift", func() *Pack { p := SyntheticPack(5, 3); p.Drift = nil; return p }, "Appendix A"},
		{"hostile text everywhere", func() *Pack {
			p := SyntheticPack(6, 8)
			p.Run.Title = "Fleet\x00\x1b[2J 送信チーム 📨 \xff\xfe " + long
			p.Run.ID = "run\r\nid"
			p.Controls[0].Title = long
			p.Controls[0].ID = "\u202e" + long
			p.Findings[3].Message = long
			p.Findings[3].Status = assess.StatusFail
			p.Findings[3].Observed = map[string]any{"record": long, "nested": map[string]any{"a": []any{1, "b"}}}
			p.AssetSummary[0].PTR = long
			p.Run.Checks[0].Criteria = long
			return p
		}, "Fleet[2J"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			text := pdfText(t, writeAll(t, NewPDF(nil), tc.pack()))
			if !strings.Contains(squash(text), squash(tc.want)) {
				t.Errorf("PDF text lacks %q", tc.want)
			}
			for _, line := range strings.Split(text, "\n") {
				if strings.Contains(line, strings.Repeat("x", 400)) {
					t.Errorf("an unbounded value reached the page: %d-character line", len(line))
					break
				}
			}
		})
	}
}

func TestPDFCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var b bytes.Buffer
	if err := NewPDF(nil).Write(ctx, &b, SyntheticPack(3, 1)); err == nil || b.Len() > 0 {
		t.Errorf("write with a cancelled context: err %v, %d bytes", err, b.Len())
	}
}

func TestSummaryTemplate(t *testing.T) {
	t.Parallel()
	set := templates.MustDefault()
	for _, tc := range []struct {
		name string
		pack func() *Pack
		want []string
	}{
		{"action required", func() *Pack { return SyntheticPack(20, 1) }, []string{"Action required.", "## Worst risks", "## Most affected high-criticality senders", "## What changed since the baseline"}},
		{"strong", func() *Pack {
			p := SyntheticPack(3, 1)
			for i := range p.Controls {
				p.Controls[i].Status = ControlSatisfied
			}
			p.Drift = nil
			return p
		}, []string{"Strong. All 10 mapped controls are satisfied"}},
		{"inconclusive", func() *Pack {
			p := SyntheticPack(3, 1)
			p.Controls[0].Status = ControlInconclusive
			for i := 1; i < len(p.Controls); i++ {
				p.Controls[i].Status = ControlSatisfied
			}
			return p
		}, []string{"Inconclusive. No mapped control fails"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.pack()
			d, err := digestPack(p)
			if err != nil {
				t.Fatal(err)
			}
			s, err := set.Render("summary/executive", newSummaryView(p, d))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(s, w) {
					t.Errorf("summary lacks %q:\n%s", w, s)
				}
			}
			if strings.Contains(s, "<no value>") {
				t.Errorf("summary shows a missing value:\n%s", s)
			}
		})
	}
	for _, name := range []string{"summary/methodology", "summary/statuses", "summary/verify"} {
		d, err := digestPack(emptyPack())
		if err != nil {
			t.Fatal(err)
		}
		if s, err := set.Render(name, newSummaryView(emptyPack(), d)); err != nil || s == "" {
			t.Errorf("template %s: %q, %v", name, s, err)
		}
	}
}

func BenchmarkWritePDF(b *testing.B) { benchWrite(b, NewPDF(nil)) }
