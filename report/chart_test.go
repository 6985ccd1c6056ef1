package report

import (
	"context"
	"slices"
	"testing"

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
			w := chartLabelWidth(face, tc.bars, panelW)
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
