package report

import (
	"slices"
	"strings"
	"testing"

	"senderproof/assess"
)

// rollUpProblems runs the recorded roll-up over p.
func rollUpProblems(p *Pack) []string {
	r := newRecordedRollUp()
	for i := range p.Findings {
		r.add(&p.Findings[i])
	}
	var out []string
	for _, e := range r.finish(p.Controls) {
		out = append(out, e.Error())
	}
	return out
}

// TestRecordedRollUp: without the run's mapping files, a pack's control
// roll-up is held against what the pack itself records: an untouched pack
// agrees with itself, and an edited state, a count, a control taken off
// one finding or a control no entry lists each show.
func TestRecordedRollUp(t *testing.T) {
	t.Parallel()
	if got := rollUpProblems(SyntheticPack(40, 9)); len(got) > 0 {
		t.Fatalf("untouched pack: %q", got)
	}
	pick := func(p *Pack) *ControlStatus {
		for i := range p.Controls {
			if c := &p.Controls[i]; c.Status == ControlNotSatisfied && c.Fail > 0 && len(c.Checks) > 0 {
				return c
			}
		}
		t.Fatal("no control with fails")
		return nil
	}
	tests := []struct {
		name string
		edit func(p *Pack) string // returns the text a problem must hold
	}{
		{"state and count", func(p *Pack) string {
			c := pick(p)
			c.Status, c.Fail = ControlSatisfied, 0
			return "control " + c.Framework + " " + c.ID + ": status is satisfied, the findings that list it give not_satisfied; fail is 0, the findings that list it give "
		}},
		{"skip count", func(p *Pack) string {
			c := pick(p)
			c.Skip++
			return "skip is "
		}},
		{"control taken off a finding", func(p *Pack) string {
			c := pick(p)
			for i := range p.Findings {
				f := &p.Findings[i]
				if k := slices.Index(f.Controls, assess.ControlRef{Framework: c.Framework, ID: c.ID}); k >= 0 && f.Status == assess.StatusPass {
					f.Controls = slices.Delete(slices.Clone(f.Controls), k, k+1)
					return "1 of the "
				}
			}
			t.Fatal("no passing finding names the control")
			return ""
		}},
		{"a check the control does not list", func(p *Pack) string {
			c := pick(p)
			for i := range p.Findings {
				f := &p.Findings[i]
				if !slices.Contains(c.Checks, f.Check) {
					f.Controls = append(slices.Clone(f.Controls), assess.ControlRef{Framework: c.Framework, ID: c.ID})
					return "findings of " + f.Check + " name it, which it does not list among its checks"
				}
			}
			t.Fatal("every check maps to the control")
			return ""
		}},
		{"warn_fails", func(p *Pack) string {
			// A control with warnings and no fail, satisfied: with
			// fail_on: warn for the check of its warnings, its record
			// must say not satisfied.
			for i := range p.Controls {
				c := &p.Controls[i]
				if c.Status != ControlSatisfied || c.Warn == 0 {
					continue
				}
				for _, f := range p.Findings {
					if f.Status == assess.StatusWarn && slices.Contains(f.Controls, assess.ControlRef{Framework: c.Framework, ID: c.ID}) {
						c.WarnFails = []string{f.Check}
						return "control " + c.Framework + " " + c.ID + ": status is satisfied, the findings that list it give not_satisfied"
					}
				}
			}
			t.Skip("no satisfied control with warnings in this synthetic pack")
			return ""
		}},
		{"control no entry lists", func(p *Pack) string {
			f := &p.Findings[0]
			f.Controls = append(slices.Clone(f.Controls), assess.ControlRef{Framework: "made-up", ID: "X-1"})
			return "findings name made-up X-1, which evidence.json's controls do not list"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := SyntheticPack(40, 9)
			want := tc.edit(p)
			got := rollUpProblems(p)
			if !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, want) }) {
				t.Errorf("problems %q, want one with %q", got, want)
			}
		})
	}
}
