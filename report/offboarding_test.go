package report

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"senderproof/assess"
)

// TestCheckOffboardingBound: past assess.MaxRecheck removed senders, the
// recheck holds the first of them and counts the rest; a count or list
// that says otherwise is a problem.
func TestCheckOffboardingBound(t *testing.T) {
	t.Parallel()
	n := assess.MaxRecheck + 5
	d := &Drift{Removed: make([]string, n), Offboarding: make([]assess.Offboard, assess.MaxRecheck), OffboardingOmitted: 5}
	for i := range n {
		d.Removed[i] = fmt.Sprintf("10.0.%d.%d", i/256, i%256)
		d.RemovedAssets = append(d.RemovedAssets, assess.Asset{IP: d.Removed[i]})
	}
	for i := range d.Offboarding {
		d.Offboarding[i].IP = d.Removed[i]
	}
	has := func(errs []error, s string) bool {
		for _, e := range errs {
			if strings.Contains(e.Error(), s) {
				return true
			}
		}
		return false
	}
	// Entries without findings are refused each; the bound itself holds.
	_, errs := CheckOffboarding(context.Background(), &Pack{Drift: d}, nil, true)
	if has(errs, "drift.offboarding_omitted") || has(errs, "drift.offboarding rechecks") {
		t.Errorf("a recheck at the bound is refused: %v", errs[:min(len(errs), 3)])
	}
	d.OffboardingOmitted = 0
	if _, errs := CheckOffboarding(context.Background(), &Pack{Drift: d}, nil, true); !has(errs, fmt.Sprintf("drift.offboarding_omitted is 0; of the %d removed senders, 5 are past the recheck's bound of %d", n, assess.MaxRecheck)) {
		t.Error("a count that hides removed senders past the bound is not refused")
	}
	d.OffboardingOmitted, d.Offboarding = 5, d.Offboarding[1:]
	if _, errs := CheckOffboarding(context.Background(), &Pack{Drift: d}, nil, true); !has(errs, "drift.offboarding rechecks 10.0.0.1") {
		t.Error("a recheck list with its first entry dropped is not refused")
	}
}
