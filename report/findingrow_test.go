package report

import (
	"testing"

	"senderproof/assess"
)

// TestFindingRow: a sender's row is found in inventory order and out of
// it, an unknown sender gets an empty row, and a catalog entry two
// controls share is named once.
func TestFindingRow(t *testing.T) {
	t.Parallel()
	p := &Pack{
		Assets: []assess.Asset{{IP: "192.0.2.1", Owner: "a"}, {IP: "192.0.2.2", Owner: "b"}, {IP: "192.0.2.3", Owner: "c"}},
		Controls: []ControlStatus{
			{Framework: "nist-csf-2.0", ID: "PR.DS-1", Catalog: []string{"CSF 2.0 PR.DS-02"}},
			{Framework: "other", ID: "X-1", Catalog: []string{"CSF 2.0 PR.DS-02", "CSF 2.0 DE.CM-06"}},
			{Framework: "plain", ID: "P-1"},
		},
	}
	r := newFindingRow(p)
	for _, tc := range []struct{ ip, owner string }{
		{"192.0.2.1", "a"}, {"192.0.2.1", "a"}, {"192.0.2.2", "b"}, // in order, a sender's findings in a row
		{"192.0.2.3", "c"}, {"192.0.2.1", "a"}, {"192.0.2.2", "b"}, // out of order
		{"198.51.100.9", ""}, // no such sender
	} {
		if got := r.asset(tc.ip).Owner; got != tc.owner {
			t.Errorf("asset(%s).Owner = %q, want %q", tc.ip, got, tc.owner)
		}
	}
	cs := []assess.ControlRef{{Framework: "nist-csf-2.0", ID: "PR.DS-1"}, {Framework: "plain", ID: "P-1"}, {Framework: "other", ID: "X-1"}}
	if got, want := r.catalogControls(cs), "CSF 2.0 PR.DS-02; CSF 2.0 DE.CM-06"; got != want {
		t.Errorf("catalogControls = %q, want %q", got, want)
	}
	if got := r.catalogControls(cs[1:2]); got != "" {
		t.Errorf("catalogControls of a control without catalog = %q", got)
	}
}
