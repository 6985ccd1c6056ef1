package report

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
)

// TestChartControlLabels: the executive chart names each control with its
// framework ("cis-controls-v8 9.5", not "9.5"), and the shipped frameworks'
// labels fit their column uncut.
func TestChartControlLabels(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(6, 3)
	d, err := digestPack(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	panels := statusChartPanels(p, d)
	var ctl *chartPanel
	for i := range panels {
		if panels[i].Title == "By control" {
			ctl = &panels[i]
		}
	}
	if ctl == nil {
		t.Fatalf("no By control panel in %+v", panels)
	}
	if len(ctl.Bars) != len(p.Controls) {
		t.Fatalf("%d control bars, want %d", len(ctl.Bars), len(p.Controls))
	}
	for i, c := range p.Controls {
		if want := c.Framework + " " + c.ID; ctl.Bars[i].Label != want {
			t.Errorf("bar %d label %q, want %q", i, ctl.Bars[i].Label, want)
		}
		// Skips counted as in the family panel beside it.
		if want := (statusTally{Pass: c.Pass, Warn: c.Warn, Fail: c.Fail, Error: c.Error, Skip: c.Skip}); ctl.Bars[i].Counts != want {
			t.Errorf("bar %d counts %+v, want %+v", i, ctl.Bars[i].Counts, want)
		}
	}

	face, err := chartFace(goregular.TTF, 27)
	if err != nil {
		t.Fatal(err)
	}
	const panelW = (chartWidth - 2*chartPad - chartGutter) / 2 // two panels
	for _, tc := range []struct {
		name string
		bars []chartBar
		min  int
		max  int
	}{
		{"short labels keep 30%", []chartBar{{Label: "ptr"}, {Label: "dmarc"}}, panelW * 30 / 100, panelW * 30 / 100},
		{"shipped controls", []chartBar{
			{Label: "mailbox-providers-2024 MBX-1"}, {Label: "cisa-bod-18-01 DMARC-POLICY"},
			{Label: "cis-controls-v8 9.5"}, {Label: "nist-csf-2.0 PR.DS-1"}, {Label: "owasp-nhi-top10 NHI-01"},
		}, panelW * 30 / 100, panelW / 2},
		{"a very long label stops at half", []chartBar{{Label: "an-extremely-long-framework-identifier-from-a-custom-mapping-file CONTROL-1"}}, panelW / 2, panelW / 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var labels []string
			for _, b := range tc.bars {
				labels = append(labels, b.Label)
			}
			w := chartLabelWidth(face, labels, panelW)
			if w < tc.min || w > tc.max {
				t.Errorf("label width %d, want %d..%d", w, tc.min, tc.max)
			}
			if tc.max == panelW/2 && tc.min != tc.max {
				for _, b := range tc.bars {
					if got := chartFit(face, b.Label, w-14); got != b.Label {
						t.Errorf("label %q is cut to %q", b.Label, got)
					}
				}
			}
		})
	}
}

// TestChartLabelsSpellOut: a label in a script the chart's font lacks is
// drawn as code points, not boxes, and two controls of one framework keep
// their IDs apart when their labels are cut to the label column.
func TestChartLabelsSpellOut(t *testing.T) {
	t.Parallel()
	fit, err := newTextFitter()
	if err != nil {
		t.Fatal(err)
	}
	face, err := chartFace(goregular.TTF, 27)
	if err != nil {
		t.Fatal(err)
	}
	const panelW = (chartWidth - 2*chartPad - chartGutter) / 2 // two panels
	for _, tc := range []struct {
		name  string
		bars  []chartBar
		wants []string // what each drawn label holds
	}{
		{"CJK framework and IDs", []chartBar{{Label: "日本-基準 管理"}, {Label: "日本-基準 監査"}, {Label: "cis-controls-v8 9.5"}},
			[]string{"<U+65E5>", " <U+7BA1><U+7406>", " <U+76E3><U+67FB>", "cis-controls-v8 9.5"}},
		{"long framework keeps its IDs", []chartBar{
			{Label: "an-extremely-long-framework-identifier-from-a-custom-mapping-file CONTROL-1"},
			{Label: "an-extremely-long-framework-identifier-from-a-custom-mapping-file CONTROL-2"},
		}, []string{"an-extremely-long", "… CONTROL-1", "… CONTROL-2"}},
		{"ID too long for the column keeps its end", []chartBar{{Label: "fw " + strings.Repeat("管", 12) + "甲"}, {Label: "fw " + strings.Repeat("管", 12) + "乙"}},
			[]string{"…", "<U+7532>", "<U+4E59>"}},
		{"IDs that differ at their start", []chartBar{{Label: "jp-law 第5条第1項"}, {Label: "jp-law 第6条第1項"}, {Label: "fw A-管管管管管管-1"}, {Label: "fw B-管管管管管管-1"}},
			[]string{"<U+7B2C>5", "<U+7B2C>6", "fw A-", "fw B-"}},
		{"IDs that differ at their start under a framework that fills the column", []chartBar{
			{Label: "日本-金融庁-ガイドライン 第5条第1項"}, {Label: "日本-金融庁-ガイドライン 第6条第1項"},
			{Label: "mailbox-provider-sender-requirements-2024 第5条第1項"}, {Label: "mailbox-provider-sender-requirements-2024 第6条第1項"},
		}, []string{"<U+7B2C>5", "<U+7B2C>6"}},
		{"four-character IDs of a CJK framework", []chartBar{{Label: "日本-基準 管理策甲"}, {Label: "日本-基準 管理策乙"}, {Label: "jp 管理策甲"}, {Label: "jp 管理策乙"}},
			[]string{"<U+7532>", "<U+4E59>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			labels, w := chartLabels(fit, face, tc.bars, panelW)
			if len(labels) != len(tc.bars) {
				t.Fatalf("%d labels for %d bars", len(labels), len(tc.bars))
			}
			seen := map[string]bool{}
			for i, l := range labels {
				if seen[l] {
					t.Errorf("two bars are labelled %q", l)
				}
				seen[l] = true
				if lw := font.MeasureString(face, l).Ceil(); lw > w-14 {
					t.Errorf("label %q is %d px wide, more than %d", l, lw, w-14)
				}
				if cutEscape.MatchString(l) {
					t.Errorf("label %q is cut inside a code point", l)
				}
				for _, r := range l {
					if _, ok := face.GlyphAdvance(r); !ok {
						t.Errorf("label %d %q draws %U, which the font lacks, as a box", i, l, r)
					}
				}
			}
			all := strings.Join(labels, "\n")
			for _, want := range tc.wants {
				if !strings.Contains(all, want) {
					t.Errorf("labels %q lack %q", labels, want)
				}
			}
		})
	}
}

// cutEscape matches a code point escape cut short.
var cutEscape = regexp.MustCompile(`<U\+[0-9A-F]{0,5}…`)

// TestWorstOrder: a confirmed failure outranks any number of findings that
// could not be determined, and so does a warning; items with only errors
// still come, last, and items with nothing to act on are left out.
func TestWorstOrder(t *testing.T) {
	t.Parallel()
	d := &packDigest{ByCheck: []checkTally{
		{Check: "errors", statusTally: statusTally{Error: 30}},
		{Check: "clean", statusTally: statusTally{Pass: 9}},
		{Check: "one-fail", statusTally: statusTally{Fail: 1, Error: 2}},
		{Check: "warns", statusTally: statusTally{Warn: 2}},
		{Check: "fail-and-warns", statusTally: statusTally{Fail: 1, Warn: 5}},
		{Check: "fails", statusTally: statusTally{Fail: 4}},
	}}
	var got []string
	for _, c := range d.topChecks(10) {
		got = append(got, c.Check)
	}
	want := []string{"fails", "fail-and-warns", "one-fail", "warns", "errors"}
	if !slices.Equal(got, want) {
		t.Fatalf("order %q, want %q", got, want)
	}
}
