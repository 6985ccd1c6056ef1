package report

import (
	"fmt"
	"slices"
	"strings"

	"senderproof/assess"
)

// recordedRollUp checks a pack's control roll-up without its mapping
// files: evidence.json records each finding's controls, and each
// control's checks and warn_fails, which is all the roll-up needs. An
// edited control state or count, or a control taken off some findings of
// a check it lists, shows; a pack edited consistently in all three places
// does not, which only the mapping files can tell.
type recordedRollUp struct {
	counts map[ControlRef]*ControlStatus
	// warnOf counts, per control, the warn findings of each check, for
	// the control's warn_fails.
	warnOf map[ControlRef]map[string]int
	// findings counts the findings of each check, and listing how many
	// of them list each control.
	findings map[string]int
	listing  map[string]map[ControlRef]int
}

func newRecordedRollUp() *recordedRollUp {
	return &recordedRollUp{
		counts: map[ControlRef]*ControlStatus{}, warnOf: map[ControlRef]map[string]int{},
		findings: map[string]int{}, listing: map[string]map[ControlRef]int{},
	}
}

func (r *recordedRollUp) add(f *assess.Finding) {
	r.findings[f.Check]++
	for _, ref := range f.Controls {
		k := ControlRef(ref)
		c := r.counts[k]
		if c == nil {
			c = &ControlStatus{}
			r.counts[k] = c
		}
		c.tally(f.Status)
		if f.Status == assess.StatusWarn {
			if r.warnOf[k] == nil {
				r.warnOf[k] = map[string]int{}
			}
			r.warnOf[k][f.Check]++
		}
		if r.listing[f.Check] == nil {
			r.listing[f.Check] = map[ControlRef]int{}
		}
		r.listing[f.Check][k]++
	}
}

// finish compares the recorded controls with the findings.
func (r *recordedRollUp) finish(controls []ControlStatus) []error {
	var problems []error
	known := map[ControlRef]bool{}
	for _, g := range controls {
		k := ControlRef{Framework: g.Framework, ID: g.ID}
		known[k] = true
		w := ControlStatus{}
		if c := r.counts[k]; c != nil {
			w = *c
		}
		warnFailed := 0
		for _, check := range g.WarnFails {
			warnFailed += r.warnOf[k][check]
		}
		w.settleWith(warnFailed)
		diff := countDiff(g, w, "the findings that list it")
		// Every finding of a check the control lists names the control,
		// and no other finding does.
		for _, check := range g.Checks {
			if n, all := r.listing[check][k], r.findings[check]; n != all {
				diff = append(diff, fmt.Sprintf("%d of the %d findings of %s, which it lists among its checks, do not name it", all-n, all, check))
			}
		}
		var strays []string
		for check := range r.listing {
			if r.listing[check][k] > 0 && !slices.Contains(g.Checks, check) {
				strays = append(strays, check)
			}
		}
		slices.Sort(strays)
		for _, check := range strays {
			diff = append(diff, fmt.Sprintf("findings of %s name it, which it does not list among its checks", check))
		}
		if len(diff) > 0 {
			problems = append(problems, fmt.Errorf("control %s %s: %s", g.Framework, g.ID, strings.Join(diff, "; ")))
		}
	}
	var unknown []string
	for k := range r.counts {
		if !known[k] {
			unknown = append(unknown, k.Framework+" "+k.ID)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		problems = append(problems, fmt.Errorf("findings name %s, which evidence.json's controls do not list", strings.Join(ClipList(unknown, 20), ", ")))
	}
	return problems
}
