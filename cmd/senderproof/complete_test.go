package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"senderproof/assess"
	"senderproof/report"
	"senderproof/templates"
)

// countStatus moves a finding of status st out of (d -1) or into (d +1) the
// pack's summary, as someone covering their tracks would.
func countStatus(s *report.Summary, st assess.Status, d int) {
	s.Findings += d
	switch st {
	case assess.StatusPass:
		s.Pass += d
	case assess.StatusFail:
		s.Fail += d
	case assess.StatusWarn:
		s.Warn += d
	case assess.StatusError:
		s.Error += d
	case assess.StatusSkip:
		s.Skip += d
	}
}

// deleteFinding removes asset's finding of check (and selector, for
// dkim.key) and returns it.
func deleteFinding(t *testing.T, p *report.Pack, asset, check, selector string) assess.Finding {
	t.Helper()
	i := slices.IndexFunc(p.Findings, func(f assess.Finding) bool {
		return f.Asset == asset && f.Check == check && (f.Selector == nil || *f.Selector == selector)
	})
	if i < 0 {
		t.Fatalf("no %s %s %s finding", asset, check, selector)
	}
	f := p.Findings[i]
	p.Findings = slices.Delete(p.Findings, i, i+1)
	return f
}

func controlIndex(t *testing.T, p *report.Pack, framework, id string) int {
	t.Helper()
	i := slices.IndexFunc(p.Controls, func(c report.ControlStatus) bool { return c.Framework == framework && c.ID == id })
	if i < 0 {
		t.Fatalf("no control %s %s", framework, id)
	}
	return i
}

// TestVerifyCompleteness: evidence.json cannot silently be incomplete.
// Findings left out or doubled, and summary, control or per-asset figures
// that are not what the findings give, fail verify (exit 2) naming what
// differs, even when the manifest is re-hashed to match.
func TestVerifyCompleteness(t *testing.T) {
	pack := demoPack(t)
	runID := readPack(t, pack).Run.ID
	const inconsistent = "evidence.json is incomplete or inconsistent with its findings"
	cases := []struct {
		name string
		edit func(t *testing.T, p *report.Pack)
		want []string
	}{
		{"finding deleted", func(t *testing.T, p *report.Pack) {
			deleteFinding(t, p, "192.0.2.10", "ptr.fcrdns", "")
		}, []string{"asset 192.0.2.10 lacks 1 finding: ptr.fcrdns", "summary.findings is"}},
		{"findings deleted, summary and roll-ups adjusted", func(t *testing.T, p *report.Pack) {
			for _, c := range []string{"ptr.fcrdns", "spf.record"} {
				f := deleteFinding(t, p, "192.0.2.10", c, "")
				countStatus(&p.Summary, f.Status, -1)
			}
		}, []string{"asset 192.0.2.10 lacks 2 findings: ptr.fcrdns, spf.record", "control "}},
		{"DKIM selector's finding deleted", func(t *testing.T, p *report.Pack) {
			f := deleteFinding(t, p, "192.0.2.11", "dkim.key", "esp")
			countStatus(&p.Summary, f.Status, -1)
		}, []string{"asset 192.0.2.11 lacks 1 finding: dkim.key esp"}},
		{"every finding of an asset deleted", func(t *testing.T, p *report.Pack) {
			p.Findings = slices.DeleteFunc(p.Findings, func(f assess.Finding) bool { return f.Asset == "192.0.2.12" })
		}, []string{"1 asset has no findings at all: 192.0.2.12"}},
		{"finding doubled", func(t *testing.T, p *report.Pack) {
			i := findingIndex(t, p, "192.0.2.13", "ptr.present")
			p.Findings = slices.Insert(p.Findings, i, p.Findings[i])
		}, []string{"asset 192.0.2.13 has 2 findings of ptr.present, want one"}},
		// The SPEC's order within a sender: by check ID, a DKIM key's
		// selectors as the inventory lists them.
		{"findings of one sender swapped", func(t *testing.T, p *report.Pack) {
			i := findingIndex(t, p, "192.0.2.10", "ptr.fcrdns")
			p.Findings[i], p.Findings[i+1] = p.Findings[i+1], p.Findings[i]
		}, []string{"the findings of 192.0.2.10 are not in check-ID order (DKIM selectors in the inventory's): ptr.fcrdns comes after ptr.matches_expected"}},
		{"DKIM selectors swapped", func(t *testing.T, p *report.Pack) {
			i := findingIndex(t, p, "192.0.2.11", "dkim.key")
			p.Findings[i], p.Findings[i+1] = p.Findings[i+1], p.Findings[i]
		}, []string{"the findings of 192.0.2.11 are not in check-ID order (DKIM selectors in the inventory's): dkim.key ed comes after dkim.key esp"}},
		{"summary count edited", func(t *testing.T, p *report.Pack) {
			p.Summary.Fail--
			p.Summary.Pass++
		}, []string{"summary.pass is", "summary.fail is"}},
		{"control status edited", func(t *testing.T, p *report.Pack) {
			p.Controls[controlIndex(t, p, "cis-controls-v8", "9.5")].Status = report.ControlSatisfied
		}, []string{"control cis-controls-v8 9.5: status is satisfied, the findings give not_satisfied"}},
		{"control count edited", func(t *testing.T, p *report.Pack) {
			p.Controls[controlIndex(t, p, "cis-controls-v8", "9.5")].Fail = 0
		}, []string{"control cis-controls-v8 9.5: fail is 0, the findings give"}},
		{"finding's controls edited", func(t *testing.T, p *report.Pack) {
			p.Findings[findingIndex(t, p, "192.0.2.14", "spf.record")].Controls = []assess.ControlRef{}
		}, []string{"finding 192.0.2.14 spf.record lists controls [], the mapping files give ["}},
		{"per-asset summary edited", func(t *testing.T, p *report.Pack) {
			p.AssetSummary[0].Status = "satisfactory"
		}, []string{"asset_summary 192.0.2.10: status is \"satisfactory\", the findings give"}},
		{"per-asset skip count edited", func(t *testing.T, p *report.Pack) {
			p.AssetSummary[0].Skip++
		}, []string{"asset_summary 192.0.2.10: skip is"}},
		// A pack from another version is told so, whatever differs.
		{"pack from another version", func(t *testing.T, p *report.Pack) {
			p.Tool.Version = "0.1.0-dev"
			p.AssetSummary[0].Skip++
		}, []string{"asset_summary 192.0.2.10: skip is", `made by "senderproof" version "0.1.0-dev"`}},
		{"drift finding without a drift record", func(t *testing.T, p *report.Pack) {
			i := findingIndex(t, p, "192.0.2.15", "dmarc.reporting")
			f := assess.Finding{Asset: "192.0.2.15", Check: "drift.changed", Status: assess.StatusPass,
				Observed: map[string]any{"baseline_run": "x", "changes": []any{}}, Evidence: []assess.Evidence{}, Controls: []assess.ControlRef{}}
			p.Findings = slices.Insert(p.Findings, i+1, f)
		}, []string{"no drift record, yet 1 asset has a drift.changed finding: 192.0.2.15"}},
		// An evidence.json of another run is not replayed at all.
		{"run ID not the manifest's", func(t *testing.T, p *report.Pack) {
			p.Run.ID = "00000000-0000-4000-8000-000000000000"
		}, []string{"evidence.json: run.id 00000000-0000-4000-8000-000000000000 is not the manifest's run_id " + runID + "; nothing was replayed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyPack(t, pack)
			rewritePack(t, dir, func(p *report.Pack) { tc.edit(t, p) })
			code, stdout, stderr := run(t, context.Background(), "verify", dir)
			if code != exitRunFailed {
				t.Fatalf("verify exit %d, want %d: %s %s", code, exitRunFailed, stdout, stderr)
			}
			if !strings.HasPrefix(tc.name, "run ID") {
				tc.want = append(tc.want, inconsistent)
			} else if strings.Contains(stdout, "replayed") {
				t.Errorf("verify replayed the findings of another run: %s", stdout)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("verify error lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

// TestVerifyMappings: verify rolls the findings up with the run's mapping
// files; when the loaded ones differ (gone, edited, or not the run's) it
// checks the rest and says the controls were not checked, naming why: an
// auditor's copy of a pack need not come with the run's mapping files.
func TestVerifyMappings(t *testing.T) {
	extra := "../../testdata/mappings/extra"
	plain := demoPack(t)
	withExtra := filepath.Join(t.TempDir(), "extra")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", withExtra, "--format", "json", "--mappings", extra); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	changed := t.TempDir()
	b, err := os.ReadFile(filepath.Join(extra, "internal-mail-policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// A pack made with mapping files that are gone when it is verified.
	gone := t.TempDir()
	if err := os.WriteFile(filepath.Join(gone, "internal-mail-policy.yaml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	moved := filepath.Join(t.TempDir(), "moved")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", moved, "--format", "json", "--mappings", gone); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	if err := os.RemoveAll(gone); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(changed, "internal-mail-policy.yaml"), append(b, []byte("# edited\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	// The run's file beside a framework added since.
	grown := t.TempDir()
	if err := os.WriteFile(filepath.Join(grown, "internal-mail-policy.yaml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(grown, "later.yaml"), bytes.Replace(b, []byte("example-mail-policy"), []byte("later-policy"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"plain pack", []string{plain}, 0, "summary, controls and per-asset summaries match"},
		{"extra pack with its mappings", []string{"--mappings", extra, withExtra}, 0, "summary, controls and per-asset summaries match"},
		{"extra pack without --mappings: the recorded files", []string{withExtra}, 0,
			"using the run's --mappings files as the manifest records them: ../../testdata/mappings/extra/internal-mail-policy.yaml"},
		{"extra pack with its file among more", []string{"--mappings", grown, withExtra}, 0,
			"using the run's 1 file found there by its hash, not the 1 other (later.yaml)"},
		{"extra pack whose mapping files are gone", []string{moved}, 0,
			"framework example-mail-policy (version 2025.1, sha256 "},
		{"extra pack with an edited file", []string{"--mappings", changed, withExtra}, 0,
			"framework example-mail-policy was mapped with a file of sha256 "},
		{"plain pack with extra mappings", []string{"--mappings", extra, plain}, 0,
			"framework example-mail-policy is loaded (sha256 "},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, context.Background(), append([]string{"verify"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
				t.Errorf("exit %d, want %d with %q:\n%s\n%s", code, tc.code, tc.want, stdout, stderr)
			}
			if notChecked := strings.Contains(stdout, "not against mapping files: the loaded ones are not the run's"); notChecked != (i >= 4) {
				t.Errorf("verify says the controls were not checked: %v, want %v:\n%s", notChecked, i >= 4, stdout)
			}
		})
	}
}

// TestVerifyDriftFindings: with a drift record, every asset has one
// drift.changed finding whose status and changes are the record's.
func TestVerifyDriftFindings(t *testing.T) {
	base := demoPack(t)
	srv, fleet := startDriftWorld(t)
	cur := filepath.Join(t.TempDir(), "cur")
	code, _, stderr := run(t, context.Background(), "assess", "--inventory", fleet,
		"--resolver", srv.Addr, "--out", cur, "--format", "json", "--qps", "0",
		"--baseline", filepath.Join(base, "evidence.json"))
	if code != 0 {
		t.Fatalf("assess exit %d: %s", code, stderr)
	}
	if code, stdout, stderr := run(t, context.Background(), "verify", cur); code != 0 || !strings.Contains(stdout, "drift findings: compared with baseline") ||
		!strings.Contains(stdout, "drift.offboarding: 1 removed sender rechecked; their 4 findings replayed and verdicts judged again: all match") {
		t.Fatalf("verify of the drift pack: exit %d, or the drift not compared again: %s %s", code, stdout, stderr)
	}
	// A --baseline that cannot be read is bad input, not a pack to pass.
	missing := filepath.Join(t.TempDir(), "missing.json")
	if code, stdout, stderr := run(t, context.Background(), "verify", "--baseline", missing, cur); code != exitBadInput || !strings.Contains(stderr, "--baseline: "+missing+" cannot be read") {
		t.Errorf("verify --baseline of a missing file: exit %d, want %d naming it: %s %s", code, exitBadInput, stdout, stderr)
	}
	// A --baseline of another run is bad input too: the pack was not
	// checked, not found at fault.
	if code, stdout, stderr := run(t, context.Background(), "verify", "--baseline", filepath.Join(cur, "evidence.json"), cur); code != exitBadInput || !strings.Contains(stderr, "but the pack's drift record names baseline run") {
		t.Errorf("verify --baseline of another run: exit %d, want %d: %s %s", code, exitBadInput, stdout, stderr)
	}
	// A drift record pointed at a baseline the manifest never hashed (a
	// forged one, say) is not compared with: verify fails naming it.
	forged := copyPack(t, cur)
	baseEvidence, _ := json.Marshal(filepath.Join(base, "evidence.json"))
	forgeFile(t, forged, "evidence.json", `"baseline": `+string(baseEvidence), `"baseline": "/elsewhere/evidence.json"`)
	if code, stdout, stderr := run(t, context.Background(), "verify", forged); code != exitRunFailed ||
		!strings.Contains(stderr, "drift record names the baseline /elsewhere/evidence.json, which manifest.json does not list among the run's inputs") ||
		strings.Contains(stdout, "again: all match") {
		t.Errorf("verify of a drift record with an unlisted baseline: exit %d: %s %s", code, stdout, stderr)
	}
	// A --baseline for a pack without drift is said to be unused.
	if code, stdout, stderr := run(t, context.Background(), "verify", "--baseline", filepath.Join(cur, "evidence.json"), base); code != 0 || !strings.Contains(stdout, "not used: the pack has no drift record") {
		t.Errorf("verify --baseline of a pack without drift: exit %d, or not said unused: %s %s", code, stdout, stderr)
	}
	// reword sets a drift finding's changes and status as a forger would,
	// with a message that matches them.
	reword := func(t *testing.T, p *report.Pack, ip string, changes []any, st assess.Status) {
		t.Helper()
		f := &p.Findings[findingIndex(t, p, ip, "drift.changed")]
		countStatus(&p.Summary, f.Status, -1)
		countStatus(&p.Summary, st, 1)
		f.Status = st
		f.Observed["changes"] = changes
		check, _ := assess.LookupCheck("drift.changed")
		a := p.Assets[slices.IndexFunc(p.Assets, func(a assess.Asset) bool { return a.IP == ip })]
		if err := assess.Word(templates.MustDefault(), check, a, f); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name string
		edit func(t *testing.T, p *report.Pack)
		want []string
	}{
		{"drift record removed", func(t *testing.T, p *report.Pack) { p.Drift = nil },
			[]string{"evidence.json has no drift record, yet "}},
		{"drift finding deleted", func(t *testing.T, p *report.Pack) {
			f := deleteFinding(t, p, "192.0.2.12", "drift.changed", "")
			countStatus(&p.Summary, f.Status, -1)
		}, []string{"the pack has a drift record, yet 1 asset has no drift.changed finding: 192.0.2.12"}},
		{"change removed from the drift record", func(t *testing.T, p *report.Pack) {
			p.Drift.Changes = slices.DeleteFunc(p.Drift.Changes, func(c report.DriftChange) bool { return c.Asset == "192.0.2.10" })
		}, []string{"finding 192.0.2.10 drift.changed is warn, but the drift record gives pass (no change)",
			"finding 192.0.2.10 drift.changed lists changes [ptr.names \"mail1.example.com\" → \"mail2.example.com\", spf.reached[_spf.example.net] "}},
		{"changed asset's finding made a pass", func(t *testing.T, p *report.Pack) {
			f := &p.Findings[findingIndex(t, p, "192.0.2.10", "drift.changed")]
			countStatus(&p.Summary, f.Status, -1)
			countStatus(&p.Summary, assess.StatusPass, 1)
			f.Status = assess.StatusPass
		}, []string{"finding 192.0.2.10 drift.changed is pass, but the drift record gives warn (2 changes)",
			"finding 192.0.2.10 drift.changed differs when worded again"}},
		{"change hidden from the record and the finding alike", func(t *testing.T, p *report.Pack) {
			p.Drift.Changes = slices.DeleteFunc(p.Drift.Changes, func(c report.DriftChange) bool { return c.Asset == "192.0.2.10" })
			reword(t, p, "192.0.2.10", []any{}, assess.StatusPass)
		}, []string{`drift of 192.0.2.10: the record lists []; the baseline gives [ptr.names "mail1.example.com" → "mail2.example.com", spf.reached[_spf.example.net] `}},
		{"new value faked in the record and the finding alike", func(t *testing.T, p *report.Pack) {
			i := slices.IndexFunc(p.Drift.Changes, func(c report.DriftChange) bool { return c.Asset == "192.0.2.10" })
			p.Drift.Changes[i].New = "mail9.example.com"
			reword(t, p, "192.0.2.10", []any{map[string]any{"field": "ptr.names", "key": "ptr.names", "of": "", "old": "mail1.example.com", "new": "mail9.example.com"}}, assess.StatusWarn)
		}, []string{`drift of 192.0.2.10: the record lists [ptr.names "mail1.example.com" → "mail9.example.com", spf.reached[_spf.example.net] `}},
		{"removed sender's recheck made a pass", func(t *testing.T, p *report.Pack) {
			o := &p.Drift.Offboarding[0]
			o.Status, o.LeftBehind, o.Remediation = assess.StatusPass, []assess.LeftBehind{}, ""
			o.Message = strings.Replace(o.Message, "is still vouched for", "is no longer vouched for", 1)
		}, []string{"drift.offboarding of 192.0.2.70 is pass; its findings give warn"}},
		{"removed sender's recheck dropped", func(t *testing.T, p *report.Pack) { p.Drift.Offboarding = nil },
			[]string{"drift.offboarding is missing: the 1 removed sender has no recheck"}},
		{"removed sender's recheck finding edited", func(t *testing.T, p *report.Pack) {
			f := &p.Drift.Offboarding[0].Findings[1]
			f.Observed["confirmed"] = []any{}
		}, []string{"drift.offboarding of 192.0.2.70: finding ptr.fcrdns differs on replay"}},
		{"drift message edited", func(t *testing.T, p *report.Pack) {
			p.Findings[findingIndex(t, p, "192.0.2.11", "drift.changed")].Message = "Nothing to see."
		}, []string{"finding 192.0.2.11 drift.changed differs when worded again from its observed values: message is"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyPack(t, cur)
			rewritePack(t, dir, func(p *report.Pack) { tc.edit(t, p) })
			code, stdout, stderr := run(t, context.Background(), "verify", dir)
			if code != exitRunFailed {
				t.Fatalf("verify exit %d, want %d: %s %s", code, exitRunFailed, stdout, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("verify error lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
	// The manifest's hash of the baseline edited, so that the baseline,
	// still at its path, would no longer be compared: it is the recorded
	// baseline run, so it is compared all the same.
	rehash := func(t *testing.T, dir string) {
		t.Helper()
		m := readManifest(t, dir)
		for i := range m.Inputs {
			if m.Inputs[i].Kind == report.InputBaseline {
				m.Inputs[i].SHA256 = strings.Repeat("0", 64)
			}
		}
		writeManifest(t, dir, m)
	}
	t.Run("change hidden and the baseline's hash edited", func(t *testing.T) {
		dir := copyPack(t, cur)
		rewritePack(t, dir, func(p *report.Pack) {
			p.Drift.Changes = slices.DeleteFunc(p.Drift.Changes, func(c report.DriftChange) bool { return c.Asset == "192.0.2.10" })
			reword(t, p, "192.0.2.10", []any{}, assess.StatusPass)
		})
		rehash(t, dir)
		code, stdout, stderr := run(t, context.Background(), "verify", dir)
		if code != exitRunFailed || !strings.Contains(stderr, "is no longer the file the manifest hashed") ||
			!strings.Contains(stderr, "compared with it again the drift differs") || !strings.Contains(stderr, "drift of 192.0.2.10: the record lists []") {
			t.Errorf("exit %d: %s %s", code, stdout, stderr)
		}
	})
	t.Run("only the baseline's hash edited", func(t *testing.T) {
		dir := copyPack(t, cur)
		rehash(t, dir)
		code, stdout, stderr := run(t, context.Background(), "verify", dir)
		if code != 0 || !strings.Contains(stdout, "again: all match; note: ") || !strings.Contains(stdout, "is no longer the file the manifest hashed") {
			t.Errorf("exit %d: %s %s", code, stdout, stderr)
		}
	})
}
