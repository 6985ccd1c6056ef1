package report

import (
	"maps"
	"slices"
	"testing"

	"senderproof/assess"
	"senderproof/mappings"
)

// tableMapper maps each check to the controls that list it.
type tableMapper struct{ defs []ControlDef }

func (m tableMapper) ControlsFor(checkID string) []assess.ControlRef {
	var refs []assess.ControlRef
	for _, d := range m.defs {
		if slices.Contains(d.Checks, checkID) {
			refs = append(refs, assess.ControlRef{Framework: d.Framework, ID: d.ID})
		}
	}
	return refs
}

func (m tableMapper) Controls() []ControlDef { return m.defs }

// TestBuildControlRollUp holds report.Build to the roll-up rule: any fail
// (or a warn whose mapping says fail_on: warn) is not_satisfied; else any
// error, or no pass or warn finding at all, is inconclusive; else
// satisfied. The counts are the mapped findings' own statuses.
func TestBuildControlRollUp(t *testing.T) {
	t.Parallel()
	type fs = []assess.Status
	const (
		pass = assess.StatusPass
		fail = assess.StatusFail
		warn = assess.StatusWarn
		erro = assess.StatusError
		skip = assess.StatusSkip
	)
	tests := []struct {
		name      string
		a, b      fs       // statuses of the findings of check.a and check.b
		warnFails []string // the control's fail_on: warn checks
		want      ControlState
		counts    [5]int // pass, fail, warn, error, skip
	}{
		{"pass only", fs{pass, pass}, fs{pass}, nil, ControlSatisfied, [5]int{3, 0, 0, 0, 0}},
		{"one fail", fs{pass, fail}, fs{pass}, nil, ControlNotSatisfied, [5]int{2, 1, 0, 0, 0}},
		{"fail beats error and warn", fs{fail, erro}, fs{warn, pass}, nil, ControlNotSatisfied, [5]int{1, 1, 1, 1, 0}},
		{"error only", fs{erro}, nil, nil, ControlInconclusive, [5]int{0, 0, 0, 1, 0}},
		{"error among passes", fs{pass, erro}, fs{pass}, nil, ControlInconclusive, [5]int{2, 0, 0, 1, 0}},
		{"warn only", fs{warn}, fs{warn}, nil, ControlSatisfied, [5]int{0, 0, 2, 0, 0}},
		{"warn among passes", fs{pass, warn}, fs{pass}, nil, ControlSatisfied, [5]int{2, 0, 1, 0, 0}},
		{"warn with fail_on warn", fs{pass, warn}, fs{pass}, []string{"check.a"}, ControlNotSatisfied, [5]int{2, 0, 1, 0, 0}},
		{"warn with fail_on warn beats error", fs{warn}, fs{erro}, []string{"check.a"}, ControlNotSatisfied, [5]int{0, 0, 1, 1, 0}},
		{"warn of the other check", fs{pass}, fs{warn}, []string{"check.a"}, ControlSatisfied, [5]int{1, 0, 1, 0, 0}},
		{"fail_on warn, no warn", fs{pass}, fs{pass}, []string{"check.a", "check.b"}, ControlSatisfied, [5]int{2, 0, 0, 0, 0}},
		{"no findings", nil, nil, nil, ControlInconclusive, [5]int{0, 0, 0, 0, 0}},
		{"skip only", fs{skip}, fs{skip, skip}, nil, ControlInconclusive, [5]int{0, 0, 0, 0, 3}},
		{"skip and error", fs{skip}, fs{erro}, nil, ControlInconclusive, [5]int{0, 0, 0, 1, 1}},
		{"skip and pass", fs{skip}, fs{pass}, nil, ControlSatisfied, [5]int{1, 0, 0, 0, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var assets []assess.Asset
			var findings []assess.Finding
			add := func(check string, statuses fs) {
				for _, st := range statuses {
					ip := "192.0.2." + string(rune('1'+len(findings)))
					assets = append(assets, assess.Asset{IP: ip})
					findings = append(findings, assess.Finding{Asset: ip, Check: check, Status: st})
				}
			}
			add("check.a", tc.a)
			add("check.b", tc.b)
			m := tableMapper{defs: []ControlDef{
				{Framework: "fw", ID: "C", Title: "the control", Checks: []string{"check.a", "check.b"}, WarnFails: tc.warnFails},
				// A control of nothing: no finding supports it.
				{Framework: "fw", ID: "EMPTY", Title: "mapped to no finding", Checks: []string{"check.none"}},
			}}
			p := Build(BuildInput{Assets: assets, Findings: findings, Mapper: m})
			if len(p.Controls) != 2 {
				t.Fatalf("%d controls, want 2", len(p.Controls))
			}
			c := p.Controls[0]
			if c.Status != tc.want {
				t.Errorf("status = %s, want %s", c.Status, tc.want)
			}
			if got := [5]int{c.Pass, c.Fail, c.Warn, c.Error, c.Skip}; got != tc.counts {
				t.Errorf("pass, fail, warn, error, skip = %v, want %v", got, tc.counts)
			}
			if e := p.Controls[1]; e.Status != ControlInconclusive || e.Pass+e.Fail+e.Warn+e.Error != 0 {
				t.Errorf("control without findings: %s %d/%d/%d/%d, want inconclusive 0/0/0/0", e.Status, e.Pass, e.Fail, e.Warn, e.Error)
			}
			// The summary counts every finding, skip included.
			if p.Summary.Findings != len(tc.a)+len(tc.b) {
				t.Errorf("summary findings = %d, want %d", p.Summary.Findings, len(tc.a)+len(tc.b))
			}
		})
	}
}

// TestBuildShippedFailOnWarn rolls one sender up through the shipped
// mapping files: every check passes except a p=none DMARC policy and a
// DMARC record without rua (both warn). The controls whose text an
// enforcing policy or aggregate reports belong to are not satisfied; the
// others, which count those warnings as hardening, stay satisfied.
func TestBuildShippedFailOnWarn(t *testing.T) {
	t.Parallel()
	mapper := shippedMapper(t)
	asset := assess.Asset{IP: "192.0.2.10"}
	build := func(warns ...string) map[string]ControlState {
		findings := everyCheck(asset, func(id string) assess.Status {
			if slices.Contains(warns, id) {
				return assess.StatusWarn
			}
			return assess.StatusPass
		})
		p := Build(BuildInput{Assets: []assess.Asset{asset}, Findings: findings, Mapper: mapper})
		out := map[string]ControlState{}
		for _, c := range p.Controls {
			out[c.Framework+" "+c.ID] = c.Status
		}
		return out
	}

	clean := build()
	for k, st := range clean {
		if st != ControlSatisfied {
			t.Errorf("all pass: %s is %s, want satisfied", k, st)
		}
	}

	tests := []struct {
		warns        []string
		notSatisfied []string // every other control stays satisfied
	}{
		{[]string{"dmarc.policy", "dmarc.reporting"}, []string{
			"cis-controls-v8 9.5", "cisa-bod-18-01 DMARC-POLICY", "cisa-bod-18-01 DMARC-RUA",
			"nist-csf-2.0 PR.DS-1", "nist-csf-2.0 DE.CM-8", "owasp-nhi-top10 NHI-04",
		}},
		{[]string{"dmarc.reporting"}, []string{"cisa-bod-18-01 DMARC-RUA", "nist-csf-2.0 DE.CM-8"}},
		{[]string{"dkim.key"}, []string{"owasp-nhi-top10 NHI-04"}},
		{[]string{"ptr.single", "helo.matches_ptr", "align.identity", "ptr.not_generic", "helo.spf"}, nil},
	}
	for _, tc := range tests {
		got := build(tc.warns...)
		for k, st := range got {
			want := ControlSatisfied
			if slices.Contains(tc.notSatisfied, k) {
				want = ControlNotSatisfied
			}
			if st != want {
				t.Errorf("warn %v: %s is %s, want %s", tc.warns, k, st, want)
			}
		}
	}
}

// TestFromMappingsWarnFails: a mapping's fail_on: warn reaches the
// ControlDef of each control it names, for each check it covers.
func TestFromMappingsWarnFails(t *testing.T) {
	t.Parallel()
	set, err := mappings.Load("")
	if err != nil {
		t.Fatal(err)
	}
	mapper, _ := FromMappings(set)
	want := map[string][]string{
		"cis-controls-v8 9.5":          {"dmarc.policy"},
		"cisa-bod-18-01 DMARC-RUA":     {"dmarc.reporting"},
		"cisa-bod-18-01 DMARC-POLICY":  {"dmarc.policy"},
		"mailbox-providers-2024 MBX-5": nil,
	}
	seen := 0
	for _, d := range mapper.Controls() {
		w, ok := want[d.Framework+" "+d.ID]
		if !ok {
			continue
		}
		seen++
		if !slices.Equal(d.WarnFails, w) {
			t.Errorf("%s %s WarnFails = %v, want %v", d.Framework, d.ID, d.WarnFails, w)
		}
	}
	if seen != len(want) {
		t.Errorf("found %d of %d controls", seen, len(want))
	}
}

// shippedMapper is the mapper of the shipped mapping files.
func shippedMapper(t *testing.T) Mapper {
	t.Helper()
	set, err := mappings.Load("")
	if err != nil {
		t.Fatal(err)
	}
	mapper, _ := FromMappings(set)
	return mapper
}

// everyCheck is one finding of each check but drift.changed (which needs
// --baseline) for asset, with the status status gives it.
func everyCheck(asset assess.Asset, status func(id string) assess.Status) []assess.Finding {
	var out []assess.Finding
	for _, id := range assess.CheckIDs() {
		if id != "drift.changed" {
			out = append(out, assess.Finding{Asset: asset.IP, Check: id, Status: status(id), Observed: map[string]any{}})
		}
	}
	return out
}

// TestAssetSummaryPTRName: the per-sender summary names the PTR name
// ptr.fcrdns found (the first forward-confirmed one), not another name
// ptr.present saw.
func TestAssetSummaryPTRName(t *testing.T) {
	t.Parallel()
	var s AssetSummary
	for _, f := range []assess.Finding{
		{Check: "ptr.fcrdns", Status: assess.StatusPass, Observed: map[string]any{"ptr": "b.example.com"}},
		{Check: "ptr.present", Status: assess.StatusPass, Observed: map[string]any{"ptr": "a.example.com"}},
	} {
		summarizeAsset(&s, &f)
	}
	if s.PTR != "b.example.com" || s.FCrDNS != "pass" {
		t.Errorf("summary %+v, want PTR b.example.com with fcrdns pass", s)
	}
}

// TestErrorCauses: a run's error findings are counted by what failed in
// their exchanges, each finding once per cause and once per group of
// causes the notes count, however many of the group its exchanges show.
func TestErrorCauses(t *testing.T) {
	t.Parallel()
	ev := func(rcode, err string) assess.Evidence {
		return assess.Evidence{Name: "x.example.", Type: "A", Rcode: rcode, Error: err}
	}
	findings := []assess.Finding{
		{Asset: "192.0.2.1", Check: "ptr.fcrdns", Status: assess.StatusError, Observed: map[string]any{"reason": "forward_error"},
			Evidence: []assess.Evidence{ev("NOERROR", ""), ev("SERVFAIL", ""), ev("REFUSED", "")}},
		{Asset: "192.0.2.1", Check: "helo.fqdn", Status: assess.StatusError, Observed: map[string]any{"reason": "tcp_failed"},
			Evidence: []assess.Evidence{ev("", assess.ErrTCPFallback.Error()+" (timeout: no answer)")}},
		{Asset: "192.0.2.1", Check: "ptr.present", Status: assess.StatusError, Observed: map[string]any{"reason": "timeout"},
			Evidence: []assess.Evidence{ev("", "timeout: no answer from 127.0.0.1:53 over udp within 2s")}},
	}
	p := Build(BuildInput{Assets: []assess.Asset{{IP: "192.0.2.1"}}, Findings: findings})
	want := map[string]int{"servfail": 1, "refused": 1, "servfail|refused": 1, "tcp_failed": 1, "timeout": 1, "timeout|resolvers_down": 1}
	if got := p.ErrorCauses(); !maps.Equal(got, want) {
		t.Errorf("causes %v, want %v", got, want)
	}
}
