package report

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"senderproof/templates"
)

// TestPDFNarrativeCut: a narrative template's text is shown from its start
// up to what the PDF shows of one (pdfNarrativeChars, pdfNarrativeBlocks),
// a long paragraph spread over rows that each fit a page (no text lost at a
// page's foot, no blank page), then a mark saying where the cut is; the
// report stays a few pages longer than with the shipped wording.
func TestPDFNarrativeCut(t *testing.T) {
	t.Parallel()
	var para strings.Builder
	para.WriteString("START")
	for i := range 1500 {
		fmt.Fprintf(&para, " word%d", i)
		if i%13 == 12 {
			para.WriteString(".")
		}
	}
	short := "START of a short summary for {{.Org}}.\n\n## Worst risks\n- one\n- two\n\nEND."
	p := SyntheticPack(5, 3)
	shipped := pdfText(t, writeAll(t, NewPDF(nil), p))
	base, bullets := len(pdfPages(shipped)), strings.Count(shipped, "•")
	const mark = "… (cut: the summary/executive template renders more than this report shows of it, 8,000 characters in 60 paragraphs, bullets and headings; no file of the pack holds the rest)"
	for _, tc := range []struct {
		name, text string
		want       []string // in the PDF, white space aside
		cut        bool
	}{
		{"one long paragraph", para.String(), []string{"START word0 word1", "word481 word482"}, true},
		{"many bullets", strings.Repeat("- bullet of {{.Org}}\n", 5000), []string{"bullet of"}, true},
		{"one long bullet", "- " + para.String(), []string{"START word0 word1", "word481 word482"}, true},
		{"many headings", strings.Repeat("## heading\n", 5000), []string{"heading"}, true},
		{"short", short, []string{"START of a short summary", "Worst risks", "END."}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "s.tmpl"), []byte(`{{define "summary/executive"}}`+tc.text+`{{end}}`), 0o644); err != nil {
				t.Fatal(err)
			}
			set, err := templates.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			text := pdfText(t, writeAll(t, NewPDF(set), p))
			// The last words kept are shown: none is lost at a page's foot.
			blocks, _ := narrativeBlocks(cleanText(strings.ReplaceAll(tc.text, "{{.Org}}", "")))
			last := strings.Fields(blocks[len(blocks)-1].text)
			tc.want = append(tc.want, strings.Join(last[max(0, len(last)-2):], " "))
			for _, w := range tc.want {
				if !strings.Contains(squash(text), squash(w)) {
					t.Errorf("PDF lacks %q", w)
				}
			}
			if got := strings.Contains(squash(text), squash(mark)); got != tc.cut {
				t.Errorf("cut mark shown: %v, want %v", got, tc.cut)
			}
			pages := pdfPages(text)
			for i, pg := range pages {
				lines := 0
				for l := range strings.SplitSeq(pg, "\n") {
					if strings.TrimSpace(l) != "" {
						lines++
					}
				}
				if lines < 3 { // the footer's two lines alone
					t.Errorf("page %d is blank:\n%s", i+1, pg)
				}
			}
			if len(pages) > base+4 {
				t.Errorf("%d pages, %d with the shipped wording", len(pages), base)
			}
			if n := strings.Count(text, "•"); n > bullets+pdfNarrativeBlocks {
				t.Errorf("%d bullets shown, %d with the shipped wording", n, bullets)
			}
		})
	}
}

// TestNarrativeBlocks: the blocks of a narrative are cut at
// pdfNarrativeBlocks of them and pdfNarrativeChars runes, at a word.
func TestNarrativeBlocks(t *testing.T) {
	t.Parallel()
	blocks, cut := narrativeBlocks(strings.Repeat("- b\n", 100))
	if len(blocks) != pdfNarrativeBlocks || !cut {
		t.Errorf("100 bullets: %d blocks, cut %v", len(blocks), cut)
	}
	blocks, cut = narrativeBlocks(strings.Repeat("- b\n", pdfNarrativeBlocks))
	if len(blocks) != pdfNarrativeBlocks || cut {
		t.Errorf("%d bullets: %d blocks, cut %v", pdfNarrativeBlocks, len(blocks), cut)
	}
	long := strings.Repeat("wörd ", 3000)
	blocks, cut = narrativeBlocks("## Title\n" + long + "\n\n- after")
	if len(blocks) != 2 || !cut || blocks[1].kind != 'p' {
		t.Fatalf("a long paragraph: %+v, cut %v", len(blocks), cut)
	}
	if n := utf8.RuneCountInString(blocks[1].text) + len("Title"); n > pdfNarrativeChars || n < pdfNarrativeChars-5 || !strings.HasSuffix(blocks[1].text, "wörd") {
		t.Errorf("a long paragraph kept as %d runes ending %q", n, blocks[1].text[len(blocks[1].text)-10:])
	}
	blocks, cut = narrativeBlocks("one\ntwo\n\n## h\n- b\nthree")
	if cut || len(blocks) != 4 || blocks[0].text != "one two" || blocks[3].text != "three" {
		t.Errorf("blocks %+v, cut %v", blocks, cut)
	}
}

// TestSplitLines: a paragraph is split into pieces of at most the lines
// asked for, after a sentence where one ends late enough, and the pieces
// joined are the paragraph.
func TestSplitLines(t *testing.T) {
	t.Parallel()
	fit, err := newTextFitter()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&b, "w%d ", i)
		if i%9 == 8 {
			b.WriteString("end. ")
		}
	}
	s := strings.TrimSpace(b.String())
	const width, size, maxLines = 100.0, 9.2, 10
	pieces := fit.splitLines(s, fit.regular, size, width, maxLines)
	if len(pieces) < 2 || strings.Join(pieces, " ") != s {
		t.Fatalf("%d pieces, joined equal: %v", len(pieces), strings.Join(pieces, " ") == s)
	}
	for i, p := range pieces {
		// Lines as the PDF engine fills them at the full width.
		lines, line := 1, 0.0
		for _, w := range strings.Fields(p) {
			ww := textWidth(fit.regular, w, size)
			if line > 0 && line+runeWidth(fit.regular, ' ', size)+ww > width {
				lines, line = lines+1, ww
			} else if line > 0 {
				line += runeWidth(fit.regular, ' ', size) + ww
			} else {
				line = ww
			}
		}
		if lines > maxLines {
			t.Errorf("piece %d wraps into %d lines", i, lines)
		}
		if i < len(pieces)-1 && !strings.HasSuffix(p, "end.") {
			t.Errorf("piece %d ends %q, not after a sentence", i, p[max(0, len(p)-20):])
		}
	}
}
