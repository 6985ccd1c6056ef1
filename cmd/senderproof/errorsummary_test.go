package main

import (
	"testing"

	"senderproof/assess"
	"senderproof/report"
)

// TestErrorBreakdown: the end-of-run line counts the error findings by the
// reason each records, not by the client's timeout counter.
func TestErrorBreakdown(t *testing.T) {
	t.Parallel()
	f := func(st assess.Status, obs map[string]any) assess.Finding {
		return assess.Finding{Status: st, Observed: obs}
	}
	cases := []struct {
		name string
		fs   []assess.Finding
		want string
	}{
		{"none", []assess.Finding{f(assess.StatusPass, nil)}, ""},
		{"by reason in a fixed order", []assess.Finding{
			f(assess.StatusError, map[string]any{"reason": "cname_loop"}),
			f(assess.StatusError, map[string]any{"reason": "servfail"}),
			f(assess.StatusError, map[string]any{"reason": "servfail"}),
			f(assess.StatusError, map[string]any{"reason": "refused"}),
			f(assess.StatusError, map[string]any{"reason": "timeout"}),
			f(assess.StatusFail, map[string]any{"reason": "timeout"}),
		}, "timeout 1, servfail 2, refused 1, cname loop 1"},
		{"other reasons", []assess.Finding{
			f(assess.StatusError, map[string]any{"reason": "forward_error"}),
			f(assess.StatusError, map[string]any{"reason": "temperror"}),
			f(assess.StatusError, map[string]any{"reason": "tcp_failed"}),
			f(assess.StatusError, nil),
		}, "forward lookup 1, tcp failed 1, temperror 1, unknown 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := errorBreakdown(&report.Pack{Findings: tc.fs}); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestUndeterminedLine: the count of error findings is worded in the
// number it asks for.
func TestUndeterminedLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		count int
		why   string
		want  string
	}{
		{1, " (cname loop 1)", "1 finding could not be determined (cname loop 1); it is reported as error, not as pass or fail"},
		{2, "", "2 findings could not be determined; they are reported as error, not as pass or fail"},
		{41007, "", "41,007 findings could not be determined; they are reported as error, not as pass or fail"},
	} {
		if got := undeterminedLine(tc.count, tc.why); got != tc.want {
			t.Errorf("undeterminedLine(%d, %q) = %q, want %q", tc.count, tc.why, got, tc.want)
		}
	}
}
