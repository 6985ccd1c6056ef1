package mappings

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"senderproof/assess"
)

func TestEmbeddedLintClean(t *testing.T) {
	t.Parallel()
	if err := Lint(""); err != nil {
		t.Fatalf("Lint(\"\"): %v", err)
	}
	s, err := Load("")
	if err != nil {
		t.Fatalf("Load(\"\"): %v", err)
	}
	var ids []string
	for _, f := range s.Files {
		ids = append(ids, f.Framework.ID)
	}
	want := []string{"cis-controls-v8", "cisa-bod-18-01", "mailbox-providers-2024", "nist-csf-2.0", "owasp-nhi-top10"}
	if !slices.Equal(ids, want) {
		t.Errorf("frameworks = %v, want %v", ids, want)
	}
}

// TestEveryCheckMapped asserts that every registered check maps to at least
// one control of NIST CSF 2.0 and of the OWASP NHI Top 10.
func TestEveryCheckMapped(t *testing.T) {
	t.Parallel()
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range assess.CheckIDs() {
		t.Run(id, func(t *testing.T) {
			refs := s.ControlsFor(id)
			for _, fw := range []string{"nist-csf-2.0", "owasp-nhi-top10"} {
				if !slices.ContainsFunc(refs, func(r assess.ControlRef) bool { return r.Framework == fw }) {
					t.Errorf("check %s maps to no control of %s (got %v)", id, fw, refs)
				}
			}
		})
	}
}

func TestShippedCatalogIdentifiers(t *testing.T) {
	t.Parallel()
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		framework, control string
		catalog            []string
		labels             []string
	}{
		{"nist-csf-2.0", "PR.DS-1", []string{"PR.DS-02"}, []string{"CSF 2.0 PR.DS-02"}},
		{"nist-csf-2.0", "DE.CM-8", []string{"DE.CM-06", "DE.CM-09"}, []string{"CSF 2.0 DE.CM-06", "CSF 2.0 DE.CM-09"}},
		{"owasp-nhi-top10", "NHI-01", []string{"NHI1:2025"}, []string{"NHI1:2025"}},
		{"owasp-nhi-top10", "NHI-04", []string{"NHI4:2025"}, []string{"NHI4:2025"}},
		{"cis-controls-v8", "9.5", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.framework+"/"+tc.control, func(t *testing.T) {
			c, ok := s.Control(tc.framework, tc.control)
			if !ok {
				t.Fatalf("control %s %s not found", tc.framework, tc.control)
			}
			if !slices.Equal(c.Catalog, tc.catalog) {
				t.Errorf("catalog = %v, want %v", c.Catalog, tc.catalog)
			}
			if c.Title == "" {
				t.Errorf("control has no title")
			}
			var labels []string
			for _, id := range c.Catalog {
				labels = append(labels, CatalogLabel(tc.framework, id))
				if got := s.CatalogLabel(tc.framework, id); got != labels[len(labels)-1] {
					t.Errorf("Set.CatalogLabel = %q, want %q", got, labels[len(labels)-1])
				}
			}
			if !slices.Equal(labels, tc.labels) {
				t.Errorf("labels = %v, want %v", labels, tc.labels)
			}
		})
	}
}

func TestControlsForAndChecksFor(t *testing.T) {
	t.Parallel()
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	got := s.ControlsFor("spf.lookup_limit")
	want := []assess.ControlRef{
		{Framework: "cis-controls-v8", ID: "9.5"},
		{Framework: "cisa-bod-18-01", ID: "SPF"},
		{Framework: "mailbox-providers-2024", ID: "MBX-2"},
		{Framework: "nist-csf-2.0", ID: "PR.DS-1"},
		{Framework: "nist-csf-2.0", ID: "DE.CM-8"},
		{Framework: "owasp-nhi-top10", ID: "NHI-03"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("ControlsFor(spf.lookup_limit) = %v, want %v", got, want)
	}
	// helo.spf is named by "helo.*" and by its own mapping in the OWASP
	// file, to different controls.
	got = s.ControlsFor("helo.spf")
	var owasp []assess.ControlRef
	for _, r := range got {
		if r.Framework == "owasp-nhi-top10" {
			owasp = append(owasp, r)
		}
	}
	if w := []assess.ControlRef{{Framework: "owasp-nhi-top10", ID: "NHI-01"}, {Framework: "owasp-nhi-top10", ID: "NHI-04"}}; !slices.Equal(owasp, w) {
		t.Errorf("owasp controls for helo.spf = %v, want %v", owasp, w)
	}
	if len(s.ControlsFor("no.such")) != 0 {
		t.Errorf("ControlsFor(no.such) is not empty")
	}
	checks := s.ChecksFor("nist-csf-2.0", "DE.CM-8")
	if w := []string{"dmarc.reporting", "drift.changed", "spf.lookup_limit"}; !slices.Equal(checks, w) {
		t.Errorf("ChecksFor(DE.CM-8) = %v, want %v", checks, w)
	}
	if checks := s.ChecksFor("nist-csf-2.0", "NOPE"); len(checks) != 0 {
		t.Errorf("ChecksFor(NOPE) = %v", checks)
	}
	if _, ok := s.Control("nist-csf-2.0", "DE.CM-08"); ok {
		t.Errorf("Control(DE.CM-08) found; only DE.CM-8 is defined")
	}
}

func TestLintInvalidFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want []string // ":line: reason" after the path
	}{
		{"invalid-yaml-syntax.yaml", []string{":5: invalid YAML: found unexpected end of stream"}},
		// A flow list's error is at the line the list opened on (5); a
		// block's, at the line at fault (8), as the inventory loader
		// reports them.
		{"invalid-yaml-flow.yaml", []string{":5: invalid YAML: did not find expected ',' or ']'"}},
		{"invalid-yaml-indent.yaml", []string{":8: invalid YAML: did not find expected '-' indicator"}},
		{"invalid-unknown-field.yaml", []string{`:8: unknown field "colour" in control (known: id, title, relevance, catalog)`}},
		{"invalid-missing-framework-id.yaml", []string{":1: missing required field framework.id"}},
		{"invalid-missing-framework-name.yaml", []string{":1: missing required field framework.name"}},
		{"invalid-missing-framework-version.yaml", []string{":2: missing required field framework.version"}},
		{"invalid-missing-control-id.yaml", []string{":8: missing required field controls[].id"}},
		{"invalid-missing-control-title.yaml", []string{
			":6: missing required field controls[].title",
			":8: missing required field controls[].title",
		}},
		{"invalid-missing-check.yaml", []string{":9: missing required field mappings[].check"}},
		{"invalid-missing-controls.yaml", []string{
			":9: missing required field mappings[].controls",
			":12: missing required field mappings[].controls",
		}},
		{"invalid-unmapped-control.yaml", []string{
			":8: control X-2 is mapped to no check",
			":10: control X-3 is mapped to no check",
		}},
		{"invalid-fail-on.yaml", []string{
			`:14: fail_on must be fail or warn, not "always"`,
			`:17: fail_on must be fail or warn, not "Warn"`,
		}},
		{"invalid-unknown-check.yaml", []string{`:9: unknown check "ptr.bogus"`}},
		{"invalid-prefix-no-match.yaml", []string{`:9: check prefix "smtp.*" matches no registered check`}},
		// An exact check ID does not quietly lose to a prefix's fail_on:
		// warn; the same setting twice is no conflict.
		{"invalid-fail-on-conflict.yaml", []string{
			":7: this mapping ties ptr.not_generic to control ACME-1 with fail_on: fail, and the one on line 6 with fail_on: warn; a warn finding would count against the control either way: give it one fail_on (one mapping, or the same setting in both)",
		}},
		{"invalid-tab.yaml", []string{":3: invalid YAML: found character that cannot start any token; indent with spaces, not tabs"}},
		{"invalid-unquoted-comma.yaml", []string{
			`:5: unknown field "which is advisory." in mapping (known: check, controls, rationale, fail_on); text with a comma inside {...} must be quoted`,
		}},
		// A key with a space in block style is a typo, not a comma.
		{"invalid-block-typo.yaml", []string{`:11: unknown field "fail on" in mapping (known: check, controls, rationale, fail_on)`}},
		{"invalid-no-controls.yaml", []string{
			":1: framework bare-policy has no controls: list its controls under controls, each mapped to the checks that evidence it",
		}},
		{"invalid-check-forms.yaml", []string{
			`:5: unknown check "PTR.Present"; did you mean "ptr.present"?`,
			`:6: unknown check "ptr*"; a prefix is written as a family and .*, for example ptr.*`,
			`:7: check prefix "dkm.*" matches no registered check; did you mean "dkim.*"?`,
		}},
		{"invalid-unknown-control.yaml", []string{`:10: unknown control "X-2" (not defined under controls)`}},
		{"invalid-duplicate-control.yaml", []string{`:8: duplicate control id "X-1" (first defined at line 6)`}},
		{"invalid-oscal-token.yaml", []string{`:8: control id "CC7_2" gives the same OSCAL target soc2_CC7_2 as "CC7/2" (line 6): a GRC import could not tell their findings apart; rename one`}},
		{"invalid-unknown-catalog.yaml", []string{`:5: unknown catalog "nist-csf-9.0" (known: nist-csf-2.0, owasp-nhi-top10)`}},
		{"invalid-catalog-id-unknown.yaml", []string{":9: catalog identifier PR.DS-99 is not in nist-csf-2.0"}},
		{"invalid-catalog-id-csf11.yaml", []string{
			":9: catalog identifier PR.DS-2 is not in nist-csf-2.0; did you mean PR.DS-02?",
			":9: catalog identifier PR.IP-1 is not in nist-csf-2.0; did you mean PR.IP-01 (withdrawn in nist-csf-2.0: incorporated into PR.PS-01)?",
		}},
		{"invalid-catalog-withdrawn.yaml", []string{":12: catalog identifier DE.CM-08 is withdrawn in nist-csf-2.0 (incorporated into ID.RA-01)"}},
		{"invalid-catalog-moved.yaml", []string{
			":9: catalog identifier PR.AC-02 is withdrawn in nist-csf-2.0 (moved to PR.AA-06)",
			":9: catalog identifier DE.CM-07 is withdrawn in nist-csf-2.0 (incorporated into DE.CM-01, DE.CM-03, DE.CM-06, DE.CM-09)",
		}},
		{"invalid-catalog-not-set.yaml", []string{":8: control X-1 lists catalog identifier PR.DS-02 but framework.catalog is not set"}},
		{"invalid-owasp-id.yaml", []string{":9: catalog identifier NHI11:2025 is not in owasp-nhi-top10"}},
		{"invalid-wrong-type.yaml", []string{
			":2: expected a string, found a list",
			":8: expected a list of strings, found a string",
			":9: expected a mapping, found a string",
			":12: expected a string, found a mapping",
			":13: expected a string, found a list",
			":14: expected a list of strings, found a string",
		}},
		// Every duplicate, at any depth, and nothing the decoder's stop at
		// the first would make up (missing fields, unknown controls).
		{"invalid-duplicate-key.yaml", []string{
			`:5: duplicate key "name" (first at line 3)`,
			`:9: duplicate key "id" (first at line 7)`,
			`:14: duplicate key "rationale" (first at line 13)`,
		}},
		// With each later duplicate left out, the file's other problems
		// are reported too.
		{"invalid-duplicate-key-and-more.yaml", []string{
			`:11: duplicate key "relevance" (first at line 8)`,
			`:12: control X-2 is mapped to no check`,
			`:15: unknown check "ptr.presnt"; did you mean "ptr.present"?`,
			`:18: duplicate key "rationale" (first at line 17)`,
			`:20: unknown control "X-9" (not defined under controls)`,
		}},
		{"invalid-two-documents.yaml", []string{":11: more than one YAML document"}},
		// IDs reports could not show apart, and text they would show as
		// something else.
		{"invalid-ids-and-hidden-text.yaml", []string{
			`:2: framework id "acme:policy" holds ":": a framework id is written with ASCII letters, digits, '.', '_' and '-' only: another character could make it read as another framework's (a Cyrillic or fullwidth letter, a Unicode hyphen) or break the reports' lists (a space, ':', ';', '|')`,
			`:3: "Acme \u202e policy" holds the control character U+202E, which a terminal would act on or a viewer reorder text by`,
			`:6: control id "A; B" holds a control or invisible character, a line break, or ';' (the reports' list separator), so reports could not tell it from another`,
			`:8: control id "E\u200bF" holds a control or invisible character, a line break, or ';' (the reports' list separator), so reports could not tell it from another`,
			`:11: "Clear \x1b[2J screen" holds the control character U+001B, which a terminal would act on or a viewer reorder text by`,
			`:13: control id "C-2\nfoo" holds a control or invisible character, a line break, or ';' (the reports' list separator), so reports could not tell it from another`,
			`:18: "line\u2028separator" holds the control character U+2028, which a terminal would act on or a viewer reorder text by`,
		}},
		{"invalid-blank-required.yaml", []string{
			`:2: missing required field framework.name: " " holds only white space or invisible characters`,
			`:2: missing required field framework.version: "\u200b" holds only white space or invisible characters`,
			`:8: missing required field controls[].title: " " holds only white space or invisible characters`,
			`:10: missing required field controls[].title: "\u200b\u00ad" holds only white space or invisible characters`,
			`:12: missing required field controls[].title: "\n" holds only white space or invisible characters`,
			`:13: missing required field controls[].id: "\t" holds only white space or invisible characters`,
		}},
		{"invalid-blank-letters.yaml", []string{
			`:3: missing required field framework.name: "\u3164" holds only white space or invisible characters`,
			`:3: missing required field framework.version: "\u00a0" holds only white space or invisible characters`,
			`:4: missing required field framework.id: "\u2800" holds only white space or invisible characters`,
			`:8: missing required field controls[].id: "\u3164" holds only white space or invisible characters`,
			`:10: control id "X\u1160" holds a control or invisible character, a line break, or ';' (the reports' list separator), so reports could not tell it from another`,
			`:12: control id "X\u00a0Y" holds a control or invisible character, a line break, or ';' (the reports' list separator), so reports could not tell it from another`,
			`:15: missing required field controls[].title: "\uffa0\u115f" holds only white space or invisible characters`,
		}},
		{"invalid-hidden-in-message.yaml", []string{
			`:6: catalog identifier "PR.DS-02\u200b" is not in nist-csf-2.0`,
			`:6: catalog identifier " PR.DS-02" is not in nist-csf-2.0`,
			`:8: unknown control "X-1\u3164" (not defined under controls)`,
			`:9: fail_on must be fail or warn, not "warn\u00a0"`,
			`:9: unknown check "ptr.single\u2800"`,
		}},
		{"invalid-catalog-duplicate.yaml", []string{
			`:7: duplicate catalog identifier pr.ds-02 (first at line 7)`,
		}},
		{"invalid-empty-entry.yaml", []string{
			":8: empty entry in controls",
			":11: empty list entry",
			":12: empty entry in mappings",
		}},
		{"invalid-top-level.yaml", []string{
			":1: expected a mapping, found a list",
			":1: missing required field framework.id",
			":1: missing required field framework.name",
			":1: missing required field framework.version",
		}},
		{"invalid-empty.yaml", []string{
			":1: missing required field framework.id",
			":1: missing required field framework.name",
			":1: missing required field framework.version",
		}},
		{"invalid-many.yaml", []string{
			`:6: unknown field "owner" in framework (known: id, name, version, source, catalog)`,
			":10: catalog identifier DE.CM-08 is withdrawn in nist-csf-2.0 (incorporated into ID.RA-01)",
			`:11: duplicate control id "X-1" (first defined at line 8)`,
			`:14: unknown check "ptr.bogus"`,
			`:15: unknown control "X-9" (not defined under controls)`,
			`:16: check prefix "smtp.*" matches no registered check`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			p := filepath.Join("..", "testdata", "mappings", tc.file)
			err := LintFile(p)
			if err == nil {
				t.Fatalf("LintFile(%s) = nil, want %d problems", p, len(tc.want))
			}
			var want []string
			for _, w := range tc.want {
				want = append(want, p+w)
			}
			got := strings.Split(err.Error(), "\n")
			if !slices.Equal(got, want) {
				t.Errorf("LintFile(%s):\n got: %q\nwant: %q", p, got, want)
			}
			var prob *Problem
			if !errors.As(err, &prob) || prob.Path != p || prob.Line < 1 {
				t.Errorf("error does not unwrap to a *Problem naming %s: %v", p, prob)
			}
		})
	}
}

func TestLintDirDuplicateFramework(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "testdata", "mappings", "duplicate-framework")
	want := filepath.Join(dir, "b.yaml") + `:2: duplicate framework id "same-id" (also in ` + filepath.Join(dir, "a.yaml") + ")"
	err := Lint(dir)
	if err == nil || err.Error() != want {
		t.Fatalf("Lint(%s) = %v, want %s", dir, err, want)
	}
	if _, err := Load(dir); err == nil || err.Error() != want {
		t.Fatalf("Load(%s) = %v, want %s", dir, err, want)
	}
}

func TestLintMissingDir(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "absent")
	err := Lint(dir)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Lint(%s) = %v, want a not-exist error", dir, err)
	}
}

func TestLoadDirAddsFramework(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "acme.yaml", `framework: {id: acme-policy, name: Acme policy, version: "1"}
controls:
  - {id: ACME-1, title: Sending IPs have reverse DNS}
  - {id: ACME-2, title: Drift is reviewed}
mappings:
  - {check: "ptr.*", controls: [ACME-1], rationale: reverse DNS}
  - {check: drift.changed, controls: [ACME-2, ACME-1]}
  - {check: ptr.fcrdns, controls: [ACME-1, ACME-1]}
`)
	write(t, dir, "README.md", "not a mapping file")
	if err := Lint(dir); err != nil {
		t.Fatalf("Lint: %v", err)
	}
	s, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	// ptr.fcrdns reaches ACME-1 through "ptr.*" and twice more through its
	// own mapping: it is listed once, first (acme-policy sorts first).
	refs := s.ControlsFor("ptr.fcrdns")
	if len(refs) < 2 || refs[0] != (assess.ControlRef{Framework: "acme-policy", ID: "ACME-1"}) || refs[1].Framework == "acme-policy" {
		t.Errorf("ControlsFor(ptr.fcrdns) = %v, want acme-policy ACME-1 once, first", refs)
	}
	var acme []assess.ControlRef
	for _, r := range s.ControlsFor("drift.changed") {
		if r.Framework == "acme-policy" {
			acme = append(acme, r)
		}
	}
	// Controls come in file order, whatever the mapping's order.
	if want := []assess.ControlRef{{Framework: "acme-policy", ID: "ACME-1"}, {Framework: "acme-policy", ID: "ACME-2"}}; !slices.Equal(acme, want) {
		t.Errorf("acme controls for drift.changed = %v, want %v", acme, want)
	}
	if len(s.Files) != 6 || s.Files[0].Framework.ID != "acme-policy" {
		t.Errorf("files not ordered by framework id: first %s of %d", s.Files[0].Framework.ID, len(s.Files))
	}
	f, _ := s.Framework("acme-policy")
	if f.Path != filepath.Join(dir, "acme.yaml") || len(f.SHA256) != 64 {
		t.Errorf("file path %q sha256 %q", f.Path, f.SHA256)
	}
}

func TestLoadDirOverridesEmbedded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "nist.yml", `framework: {id: nist-csf-2.0, name: Local CSF profile, version: "2.0", catalog: nist-csf-2.0}
controls:
  - {id: PR.DS-02, title: Data-in-transit, catalog: [pr.ds-02]}
mappings:
  - {check: "ptr.*", controls: [PR.DS-02]}
`)
	s, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	f, ok := s.Framework("nist-csf-2.0")
	if !ok || f.Framework.Name != "Local CSF profile" {
		t.Fatalf("nist-csf-2.0 not replaced: %+v", f)
	}
	if len(s.Files) != 5 {
		t.Errorf("%d files, want 5", len(s.Files))
	}
	if _, ok := s.Control("nist-csf-2.0", "PR.DS-1"); ok {
		t.Errorf("embedded control PR.DS-1 still visible after override")
	}
	c, _ := s.Control("nist-csf-2.0", "PR.DS-02")
	// Catalog identifiers compare case-insensitively and are stored in the
	// catalog's written form.
	if !slices.Equal(c.Catalog, []string{"PR.DS-02"}) {
		t.Errorf("catalog = %v, want [PR.DS-02]", c.Catalog)
	}
	for _, r := range s.ControlsFor("spf.record") {
		if r.Framework == "nist-csf-2.0" {
			t.Errorf("spf.record still maps to %v after override", r)
		}
	}
	// A copy of a shipped file replaces it with nothing dropped: no note.
	copyDir := t.TempDir()
	b, err := os.ReadFile("nist-csf-2.0.yaml")
	if err != nil {
		t.Fatal(err)
	}
	write(t, copyDir, "nist-csf-2.0.yaml", string(b))
	if cs, err := Load(copyDir); err != nil || len(cs.Replaced) != 0 {
		t.Errorf("a verbatim copy: Replaced = %q (err %v)", cs.Replaced, err)
	}
	// An edited copy keeps every control, and is said all the same: the
	// reports show the framework's name over the user's titles.
	edited := t.TempDir()
	write(t, edited, "nist-csf-2.0.yaml", strings.Replace(string(b), "title: ", "title: Edited ", 1))
	if cs, err := Load(edited); err != nil || len(cs.Replaced) != 1 || !strings.Contains(cs.Replaced[0], "replaces the shipped framework nist-csf-2.0") ||
		!strings.Contains(cs.Replaced[0], "whole, with a file of its own (sha256 ") {
		t.Errorf("an edited copy: Replaced = %q (err %v)", cs.Replaced, err)
	}
	// The replacement is said, naming the shipped controls it drops.
	if len(s.Replaced) != 1 || !strings.Contains(s.Replaced[0], "nist.yml replaces the shipped framework nist-csf-2.0") ||
		!strings.Contains(s.Replaced[0], "its controls PR.DS-1, DE.CM-8 are not loaded") {
		t.Errorf("Replaced = %q", s.Replaced)
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "a.yaml", "framework: {id: a, name: A, version: \"1\"}\ncontrols: [{id: A, title: A}]\nmappings: [{check: nope, controls: [A]}]\n")
	write(t, dir, "b.yaml", "framework: {id: b, name: B, version: \"1\", colour: red}\ncontrols: [{id: B}]\n")
	_, err := Load(dir)
	if err == nil {
		t.Fatal("Load succeeded")
	}
	want := []string{
		filepath.Join(dir, "a.yaml") + `:3: unknown check "nope"`,
		filepath.Join(dir, "b.yaml") + `:1: unknown field "colour" in framework (known: id, name, version, source, catalog)`,
		filepath.Join(dir, "b.yaml") + `:2: missing required field controls[].title`,
		filepath.Join(dir, "b.yaml") + `:2: control B is mapped to no check`,
	}
	if got := strings.Split(err.Error(), "\n"); !slices.Equal(got, want) {
		t.Errorf("Load:\n got %q\nwant %q", got, want)
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := s.List(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"nist-csf-2.0: NIST Cybersecurity Framework, version 2.0\n",
		"  source:  https://www.nist.gov/cyberframework\n",
		"      PR.DS-1 → CSF 2.0 PR.DS-02 (The confidentiality, integrity, and availability of data-in-transit are protected)\n",
		"      DE.CM-8 → CSF 2.0 DE.CM-06 (External service provider activities and services are monitored to find potentially adverse events)\n",
		"      NHI-01 → NHI1:2025 (Improper Offboarding)\n",
		"      checks: dmarc.reporting, drift.changed, spf.lookup_limit\n",
		"  9.5  Implement DMARC\n",
		// Relevance under each control, wrapped.
		"  PR.DS-1  Outbound mail identity protects data in transit\n" +
			"      relevance: Mail is data in transit between the organisation and the outside world. Receivers\n" +
			"        trust it only when the sending IP, its reverse DNS, the HELO name and the SPF, DKIM and\n",
		// Rationale per mapped check, checks of one mapping together, and
		// fail_on: warn shown.
		"        dmarc.policy (fail_on: warn): Only an enforcing policy (quarantine or reject, pct 100) stops\n",
		"        ptr.fcrdns, ptr.matches_expected, ptr.not_generic, ptr.present, ptr.single: A present,\n",
		"        dmarc.record: Without a valid DMARC record there is no rua, and no report reaches anyone.\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("List output lacks %q\n%s", want, out)
		}
	}
	for i, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "      relevance: ") || strings.HasPrefix(line, "        ") {
			if n := len([]rune(line)); n > listWidth {
				t.Errorf("line %d is %d characters, over %d: %q", i+1, n, listWidth, line)
			}
		}
	}
}

// TestListCustom: a control without relevance prints none, a mapped check
// without a rationale prints "-", and a check named by two mappings of one
// control shows both rationales.
func TestListCustom(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "acme.yaml", `framework: {id: acme-policy, name: Acme policy, version: "1"}
controls:
  - {id: ACME-1, title: Reverse DNS}
mappings:
  - {check: ptr.present, controls: [ACME-1]}
  - {check: ptr.fcrdns, controls: [ACME-1], rationale: First reason., fail_on: warn}
  - {check: ptr.fcrdns, controls: [ACME-1], rationale: Second reason., fail_on: warn}
`)
	b := listDir(t, dir)
	want := "  ACME-1  Reverse DNS\n" +
		"      checks: ptr.fcrdns, ptr.present\n" +
		"        ptr.fcrdns (fail_on: warn): First reason. Second reason.\n" +
		"        ptr.present: -\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("List output lacks\n%s\ngot:\n%s", want, b.String())
	}
}

// listDir loads the mapping files of dir and returns what List writes.
func listDir(t *testing.T, dir string) *strings.Builder {
	t.Helper()
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := s.List(&b); err != nil {
		t.Fatal(err)
	}
	return &b
}

// TestListOneLinePerValue: a mapping file's name, version, source and
// titles print as one line each, so a file from elsewhere cannot add a
// line that reads as a framework or control of the list.
func TestListOneLinePerValue(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "acme.yaml", `framework: {id: acme, name: "ACME\nfake-framework: Injected, version 9", version: "1\n2", source: "https://x.example/\n  file:    fake"}
controls:
  - {id: ACME-1, title: "Sound reverse DNS\n  MAIL-99  Injected control line"}
mappings:
  - {check: ptr.present, controls: [ACME-1]}
`)
	b := listDir(t, dir)
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(l, "fake-framework") || strings.HasPrefix(strings.TrimSpace(l), "MAIL-99") || strings.HasPrefix(strings.TrimSpace(l), "file:    fake") {
			t.Errorf("a value made a line of its own: %q\n%s", l, b.String())
		}
	}
	if !strings.Contains(b.String(), "acme: ACME fake-framework: Injected, version 9, version 1 2\n") {
		t.Errorf("the name and version not on one line:\n%s", b.String())
	}
}

func TestWriteWrapped(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", listWidth+5)
	tests := []struct {
		name, first, indent, text, want string
	}{
		{"short", "  a: ", "    ", "one two", "  a: one two\n"},
		{"collapses whitespace", "a: ", "  ", " one \n two  ", "a: one two\n"},
		{"wraps", "a: ", "  ", strings.Repeat("word ", 30),
			"a: " + strings.TrimSpace(strings.Repeat("word ", 19)) + "\n" +
				"  " + strings.TrimSpace(strings.Repeat("word ", 11)) + "\n"},
		{"a word longer than the line", "a: ", "  ", "b " + long + " c", "a: b\n  " + long + "\n  c\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			writeWrapped(&b, tc.first, tc.indent, tc.text)
			if b.String() != tc.want {
				t.Errorf("got\n%q\nwant\n%q", b.String(), tc.want)
			}
		})
	}
}

// TestFailOn: fail_on defaults to fail, "warn" reaches WarnFails for every
// check a prefix covers, and only for the controls that mapping names.
func TestFailOn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "acme.yaml", `framework: {id: acme-policy, name: Acme policy, version: "1"}
controls:
  - {id: ACME-1, title: DMARC enforces}
  - {id: ACME-2, title: DMARC exists}
mappings:
  - {check: "dmarc.*", controls: [ACME-1], fail_on: warn}
  - {check: "dmarc.*", controls: [ACME-2]}
  - {check: dkim.key, controls: [ACME-2], fail_on: fail}
`)
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := s.Framework("acme-policy")
	if got := []string{f.Mappings[0].FailOn, f.Mappings[1].FailOn, f.Mappings[2].FailOn}; !slices.Equal(got, []string{FailOnWarn, FailOnFail, FailOnFail}) {
		t.Errorf("FailOn = %v", got)
	}
	if got, want := s.WarnFails("acme-policy", "ACME-1"), []string{"dmarc.policy", "dmarc.record", "dmarc.reporting"}; !slices.Equal(got, want) {
		t.Errorf("WarnFails(ACME-1) = %v, want %v", got, want)
	}
	if got := s.WarnFails("acme-policy", "ACME-2"); len(got) != 0 {
		t.Errorf("WarnFails(ACME-2) = %v, want none", got)
	}
	if got := s.WarnFails("no-such-framework", "ACME-1"); len(got) != 0 {
		t.Errorf("WarnFails of an unknown framework = %v", got)
	}
}

// TestShippedFailOnWarn pins which shipped controls count a warning of
// which check against them; a change here changes what a pack reports.
func TestShippedFailOnWarn(t *testing.T) {
	t.Parallel()
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"cis-controls-v8 9.5":         {"dmarc.policy"},
		"cisa-bod-18-01 DMARC-POLICY": {"dmarc.policy"},
		"cisa-bod-18-01 DMARC-RUA":    {"dmarc.reporting"},
		"nist-csf-2.0 PR.DS-1":        {"dmarc.policy"},
		"nist-csf-2.0 DE.CM-8":        {"dmarc.reporting"},
		"owasp-nhi-top10 NHI-04":      {"dkim.key", "dmarc.policy"},
	}
	for _, f := range s.Files {
		for _, c := range f.Controls {
			k := f.Framework.ID + " " + c.ID
			if got := s.WarnFails(f.Framework.ID, c.ID); !slices.Equal(got, want[k]) {
				t.Errorf("%s: WarnFails = %v, want %v", k, got, want[k])
			}
		}
	}
}

// TestLintPaths: lint takes several directories and files, goes on past a
// path it cannot read, and reports every problem of every one.
func TestLintPaths(t *testing.T) {
	t.Parallel()
	td := filepath.Join("..", "testdata", "mappings")
	extra := filepath.Join(td, "extra")
	unknownCheck := filepath.Join(td, "invalid-unknown-check.yaml")
	failOn := filepath.Join(td, "invalid-fail-on.yaml")
	dup := filepath.Join(td, "duplicate-framework")
	missing := filepath.Join(t.TempDir(), "absent")
	tests := []struct {
		name  string
		paths []string
		want  []string // lines of the error; none for a clean lint
	}{
		{"embedded only", nil, nil},
		{"good dir", []string{extra}, nil},
		{"good file", []string{filepath.Join(extra, "internal-mail-policy.yaml")}, nil},
		{"good and bad", []string{extra, unknownCheck}, []string{unknownCheck + `:9: unknown check "ptr.bogus"`}},
		{"two bad files, in file order", []string{unknownCheck, failOn}, []string{
			failOn + `:14: fail_on must be fail or warn, not "always"`,
			failOn + `:17: fail_on must be fail or warn, not "Warn"`,
			unknownCheck + `:9: unknown check "ptr.bogus"`,
		}},
		{"one file twice, reported once", []string{unknownCheck, unknownCheck}, []string{unknownCheck + `:9: unknown check "ptr.bogus"`}},
		{"bad dir", []string{dup}, []string{
			filepath.Join(dup, "b.yaml") + `:2: duplicate framework id "same-id" (also in ` + filepath.Join(dup, "a.yaml") + ")",
		}},
		{"missing path and a bad file", []string{missing, unknownCheck}, []string{
			"mappings " + missing + ": cannot read: no such file or directory",
			unknownCheck + `:9: unknown check "ptr.bogus"`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := LintPaths(tc.paths...)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("LintPaths(%q) = %v", tc.paths, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("LintPaths(%q) = nil, want %q", tc.paths, tc.want)
			}
			if got := strings.Split(err.Error(), "\n"); !slices.Equal(got, tc.want) {
				t.Errorf("LintPaths(%q):\n got %q\nwant %q", tc.paths, got, tc.want)
			}
		})
	}
	if err := LintPaths(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LintPaths(missing) = %v, want a not-exist error", err)
	}
}

func TestCatalogs(t *testing.T) {
	t.Parallel()
	cs, err := loadCatalogs(embedded)
	if err != nil {
		t.Fatal(err)
	}
	nist := cs["nist-csf-2.0"]
	if nist == nil {
		t.Fatal("nist-csf-2.0 catalog missing")
	}
	current, withdrawn := 0, 0
	for _, e := range nist.entries {
		if e.Withdrawn {
			withdrawn++
		} else {
			current++
		}
	}
	// 106 + 22 current and 79 + 12 withdrawn subcategories and categories
	// (catalogs/SOURCES.md).
	if current != 128 || withdrawn != 91 {
		t.Errorf("nist: %d current, %d withdrawn; want 128, 91", current, withdrawn)
	}
	if e, ok := nist.lookup("gv"); ok {
		t.Errorf("function GV is an identifier: %+v", e)
	}
	if _, ok := nist.lookup("de.dp"); !ok {
		t.Errorf("category DE.DP missing")
	}
	owasp := cs["owasp-nhi-top10"]
	if owasp == nil || len(owasp.entries) != 10 {
		t.Fatalf("owasp catalog: %+v", owasp)
	}
	if e, _ := owasp.lookup("nhi3:2025"); e.ID != "NHI3:2025" || e.Title != "Vulnerable Third-Party NHI" {
		t.Errorf("NHI3:2025 = %+v", e)
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// testdata/mappings/extra is the sample directory for --mappings.
func TestExtraTestdataDir(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "testdata", "mappings", "extra")
	s, err := Load(dir)
	if err != nil {
		t.Fatalf("Load(%s): %v", dir, err)
	}
	if got := s.ChecksFor("example-mail-policy", "MAIL-2"); !slices.Equal(got, []string{"drift.changed"}) {
		t.Errorf("ChecksFor(MAIL-2) = %v", got)
	}
}

// TestLoadRefusesNearDuplicateIDs: a framework id that differs from a
// shipped one only in case would load beside it rather than replace it,
// and a control id with spaces around it reads differently across formats.
func TestLoadRefusesNearDuplicateIDs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "nist.yml", `framework: {id: NIST-CSF-2.0, name: Local CSF profile, version: "2.0"}
controls:
  - {id: OVR-1, title: Override}
mappings:
  - {check: "ptr.*", controls: [OVR-1]}
`)
	write(t, dir, "spaced.yml", `framework: {id: spaced, name: Spaced, version: "1"}
controls:
  - {id: "9.5 ", title: Spaced id}
mappings:
  - {check: "ptr.*", controls: ["9.5 "]}
`)
	_, err := Load(dir)
	if err == nil {
		t.Fatal("Load accepted near-duplicate ids")
	}
	for _, want := range []string{
		`nist.yml:1: framework id "NIST-CSF-2.0" differs only in case from the shipped "nist-csf-2.0": use "nist-csf-2.0" to replace that framework, or an id of its own`,
		`spaced.yml:3: control id "9.5 " has leading or trailing spaces`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if err := LintPaths(dir); err == nil || !strings.Contains(err.Error(), "differs only in case") {
		t.Errorf("LintPaths: %v", err)
	}
	// A control refused for its id is defined all the same: a mapping
	// to it is not called unknown as well.
	if strings.Contains(err.Error(), "unknown control") {
		t.Errorf("a mapping to the refused id is also called unknown:\n%v", err)
	}
}

// TestLintRefusedIDNoFollowOn: a control refused for its id gets that one
// problem, not also "unknown control" at each mapping naming it.
func TestLintRefusedIDNoFollowOn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "x.yaml", `framework: {id: x, name: X, version: "1"}
controls:
  - id: "A;1"
    title: T
mappings:
  - check: ptr.present
    controls: ["A;1"]
`)
	p := filepath.Join(dir, "x.yaml")
	err := LintFile(p)
	want := p + `:3: control id "A;1" holds a control or invisible character, a line break, or ';' (the reports' list separator), so reports could not tell it from another`
	if err == nil || err.Error() != want {
		t.Errorf("LintFile:\n got: %v\nwant: %s", err, want)
	}
}

// TestLintCaseOnlyFrameworkIDs: of two files whose framework IDs differ
// only in case, the second is refused naming the first, file and line:
// one file of a directory cannot replace another, so the advice to use
// the other's ID (which would give a duplicate) is only for a shipped
// framework, and not for one a file of the directory replaces already.
func TestLintCaseOnlyFrameworkIDs(t *testing.T) {
	t.Parallel()
	body := func(id string) string {
		return "# " + id + "\nframework: {id: " + id + ", name: N, version: \"1\"}\ncontrols:\n  - {id: MAIL-7, title: T}\nmappings:\n  - {check: \"ptr.*\", controls: [MAIL-7]}\n"
	}
	dir := t.TempDir()
	write(t, dir, "a.yaml", body("Acme-Mail"))
	write(t, dir, "b.yaml", body("acme-mail"))
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	want := b + `:2: framework id "acme-mail" differs only in case from "Acme-Mail" (` + a + `:2): give one of them an id of its own`
	if err := Lint(dir); err == nil || err.Error() != want {
		t.Errorf("Lint = %v\nwant %s", err, want)
	}

	dir = t.TempDir()
	write(t, dir, "a.yaml", body("nist-csf-2.0"))
	write(t, dir, "b.yaml", body("NIST-CSF-2.0"))
	a, b = filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	want = b + `:2: framework id "NIST-CSF-2.0" differs only in case from "nist-csf-2.0" (` + a + `:2): give one of them an id of its own`
	if err := Lint(dir); err == nil || err.Error() != want {
		t.Errorf("Lint = %v\nwant %s", err, want)
	}
}

// TestLintLookAlikeFrameworkIDs: a framework ID that only looks like a
// shipped one (a Cyrillic і, U+2010 hyphens, fullwidth letters) would
// load beside it, and the reports would show two sections of the same
// name; a framework ID is ASCII, so each is refused, at its line.
func TestLintLookAlikeFrameworkIDs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ id, quoted, char string }{
		{"n\u0456st-csf-2.0", `"n\u0456st-csf-2.0"`, `"\u0456"`},
		{"nist\u2010csf\u20102.0", `"nist\u2010csf\u20102.0"`, `"\u2010"`},
		{"\uff4e\uff49\uff53\uff54-csf-2.0", `"\uff4e\uff49\uff53\uff54-csf-2.0"`, `"\uff4e"`},
	} {
		t.Run(tc.quoted, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			write(t, dir, "n.yaml", "# a look-alike\nframework: {id: \""+tc.id+"\", name: NIST Cybersecurity Framework, version: \"2.0\", catalog: nist-csf-2.0}\n"+
				"controls:\n  - {id: PR.DS-1, title: T, catalog: [PR.DS-02]}\nmappings:\n  - {check: align.identity, controls: [PR.DS-1]}\n")
			want := filepath.Join(dir, "n.yaml") + ":2: framework id " + tc.quoted + " holds " + tc.char + ": a framework id is written with ASCII letters, digits, '.', '_' and '-' only"
			if err := Lint(dir); err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("Lint = %v\nwant %s…", err, want)
			}
			if _, err := Load(dir); err == nil {
				t.Error("Load accepted it")
			}
		})
	}
}

// TestShippedOSCALRefs: a control of the CSF file knows its catalog
// controls as the OSCAL catalog names them, statement part included; the
// OWASP catalog is not OSCAL, so its controls have none.
func TestShippedOSCALRefs(t *testing.T) {
	t.Parallel()
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	c, ok := s.Control("nist-csf-2.0", "DE.CM-8")
	want := []OSCALRef{{Control: "DE.CM-06", Statement: "DE.CM-06_statement"}, {Control: "DE.CM-09", Statement: "DE.CM-09_statement"}}
	if !ok || !slices.Equal(c.OSCAL, want) {
		t.Errorf("DE.CM-8 OSCAL refs %+v, want %+v", c.OSCAL, want)
	}
	if c, ok := s.Control("owasp-nhi-top10", "NHI-01"); !ok || len(c.OSCAL) != 0 {
		t.Errorf("NHI-01 OSCAL refs %+v, want none", c.OSCAL)
	}
}

// TestLintDirOddEntries: in a mapping directory, an entry that is not a
// readable regular file (a dangling link, a named pipe) is a problem of its
// own and the other files are still linted, without hanging on the pipe;
// hidden files (an editor's lock file) are passed over.
func TestLintDirOddEntries(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Symlink(filepath.Join(dir, "gone.yaml"), filepath.Join(dir, "a.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "b.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("nowhere", filepath.Join(dir, ".#c.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "d.yaml"), []byte("framework: {id: d, name: D, version: \"1\"}\nbogus: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Lint(dir)
	if err == nil {
		t.Fatal("lint passed")
	}
	for _, want := range []string{"a.yaml:1: cannot be read: no such file or directory", "b.yaml:1: not a regular file", `d.yaml:2: unknown field "bogus"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("lint lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), ".#c.yaml") {
		t.Errorf("lint read a hidden file:\n%v", err)
	}
}

// TestLintOrdinaryText: text of ordinary languages passes lint: a Persian
// zero-width non-joiner, a German soft hyphen and an emoji sequence joined
// with U+200D.
func TestLintOrdinaryText(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := "framework: {id: iso-iec-27001, name: \"کنترل\u200cها\", version: \"2022\"}\ncontrols:\n  - {id: A.8.20, title: \"Netzwerk\u00adsicherheit \U0001F469\u200d\U0001F4BB\"}\nmappings:\n  - {check: \"ptr.*\", controls: [A.8.20], rationale: r}\n"
	if err := os.WriteFile(filepath.Join(dir, "iso.yaml"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Lint(dir); err != nil {
		t.Errorf("lint: %v", err)
	}
}

// TestLintBounds: a mapping file's values are quoted in errors by their
// start and length, a file larger than a mapping file may be is refused
// unread, and one mapping listing many controls lints in linear time.
func TestLintBounds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	long := strings.Repeat("x", 100_000)
	p := filepath.Join(dir, "long.yaml")
	text := "framework: {id: acme, name: Acme, version: \"1\"}\ncontrols:\n  - {id: A-1, title: One}\nmappings:\n  - {check: ptr." + long + ", controls: [A-1], rationale: r}\n"
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	err := LintFile(p)
	if err == nil || !strings.Contains(err.Error(), "(100004 bytes)") || len(err.Error()) > 400 {
		t.Errorf("a 100 KB check name: %.500v", err)
	}

	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, maxMappingFile+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := LintFile(big); err == nil || !strings.Contains(err.Error(), big+":1: more than") {
		t.Errorf("a file over %d bytes: %v", maxMappingFile, err)
	}
	if err := Lint(dir); err == nil || !strings.Contains(err.Error(), big+":1: more than") {
		t.Errorf("a directory with a file over %d bytes: %v", maxMappingFile, err)
	}

	var b strings.Builder
	b.WriteString("framework: {id: acme, name: Acme, version: \"1\"}\ncontrols:\n")
	const n = 40_000
	for i := range n {
		fmt.Fprintf(&b, "  - {id: C-%d, title: t}\n", i)
	}
	b.WriteString("mappings:\n  - check: ptr.present\n    rationale: r\n    controls:\n")
	for i := range n {
		fmt.Fprintf(&b, "      - C-%d\n", i)
	}
	many := filepath.Join(t.TempDir(), "many.yaml")
	if err := os.WriteFile(many, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := LintFile(many); err != nil {
		t.Fatalf("%d controls: %.300v", n, err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("%d controls in one mapping took %s to lint", n, d)
	}
}

// TestLintTokenClashAcrossFrameworks: two frameworks whose controls give
// one OSCAL target ("acme" "MAIL_7" and "acme_MAIL" "7") are refused, at
// the framework line of the file that comes second; their controls
// otherwise are not compared.
func TestLintTokenClashAcrossFrameworks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := func(name, id, control string) {
		body := "framework:\n  id: " + id + "\n  name: N\n  version: \"1\"\ncontrols:\n  - id: " + control + "\n    title: T\nmappings:\n  - check: ptr.present\n    controls: [" + control + "]\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file("a.yaml", "acme", "MAIL_7")
	file("b.yaml", "acme_MAIL", "7")
	file("c.yaml", "other", "MAIL_7")
	want := filepath.Join(dir, "b.yaml") + `:2: control "7" of framework "acme_MAIL" gives the same OSCAL target acme_MAIL_7 as control "MAIL_7" of framework "acme" (` + filepath.Join(dir, "a.yaml") + `): a GRC import could not tell their findings apart; rename one of them`
	if err := Lint(dir); err == nil || err.Error() != want {
		t.Fatalf("Lint = %v\nwant %s", err, want)
	}
}

// TestLintAliasExpansion: an alias counts as the text it repeats, and a
// file's text as expanded may not exceed what a mapping file may hold:
// one long title repeated by other controls' titles and relevances, and
// lists of aliases of lists, each level ten times the one before (summed
// without being expanded). The problem is at the alias that went past the
// bound. A file that repeats short text by alias passes.
func TestLintAliasExpansion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	long := strings.Repeat("x", 1_500_000)
	flat := "framework: {id: acme, name: Acme, version: \"1\"}\ncontrols:\n" +
		"  - {id: C0, title: &t " + long + "}\n" +
		"  - {id: C1, title: *t, relevance: *t}\n" +
		"  - {id: C2, title: *t, relevance: *t}\n" +
		"mappings:\n  - {check: ptr.present, controls: [C0, C1, C2]}\n"
	var nested strings.Builder
	nested.WriteString("l0: &l0 [" + strings.TrimSuffix(strings.Repeat("xxxxxxxxxx, ", 10), ", ") + "]\n")
	for i := 1; i <= 8; i++ {
		fmt.Fprintf(&nested, "l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 10), ", "))
	}
	var short strings.Builder
	short.WriteString("framework: {id: acme, name: Acme, version: \"1\"}\ncontrols:\n")
	fmt.Fprintf(&short, "  - {id: C0, title: T, relevance: &r %s}\n", strings.Repeat("r", 100))
	for i := 1; i < 1000; i++ {
		fmt.Fprintf(&short, "  - {id: C%d, title: T, relevance: *r}\n", i)
	}
	short.WriteString("mappings:\n  - check: ptr.present\n    controls:\n")
	for i := range 1000 {
		fmt.Fprintf(&short, "      - C%d\n", i)
	}
	for _, tc := range []struct {
		name, data, want string
	}{
		// 31 bytes of framework, 8 of "controls", 9 + 18 + 18 of the
		// controls' keys and IDs, 30 of the mapping: 122 besides the
		// title's five copies. The first relevance takes it past.
		{"flat.yaml", flat, ":4: aliases expand to 7500122 bytes, more than the 4194304 a mapping file may hold"},
		// 100 bytes in l0, 100·10^k in lk, and 18 of keys; l4 reaches
		// 1,111,118 bytes, and l5's fourth alias 4,111,118 + 1,000,000.
		{"nested.yaml", nested.String(), ":6: aliases expand to 11111111118 bytes, more than the 4194304 a mapping file may hold"},
		{"short.yaml", short.String(), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := filepath.Join(dir, tc.name)
			if err := os.WriteFile(p, []byte(tc.data), 0o644); err != nil {
				t.Fatal(err)
			}
			err := LintFile(p)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("LintFile: %.300v", err)
			case tc.want != "" && (err == nil || err.Error() != p+tc.want):
				t.Errorf("LintFile = %.300v\nwant %s", err, p+tc.want)
			}
		})
	}
}

// TestLintTextBounds: IDs hold at most maxID bytes and the other text at
// most maxText, which every report shows; at the bound they pass.
func TestLintTextBounds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "ok.yaml", "framework: {id: "+strings.Repeat("f", maxID)+", name: "+strings.Repeat("n", maxText)+", version: \"1\"}\n"+
		"controls:\n  - {id: "+strings.Repeat("C", maxID)+", title: "+strings.Repeat("t", maxText)+"}\n"+
		"mappings:\n  - {check: ptr.present, controls: ["+strings.Repeat("C", maxID)+"]}\n")
	if err := LintFile(filepath.Join(dir, "ok.yaml")); err != nil {
		t.Errorf("values at the bounds: %.300v", err)
	}
	long := func(c string) string { return strings.Repeat(c, maxText+1) }
	write(t, dir, "long.yaml", "framework:\n  id: "+strings.Repeat("f", maxID+1)+"\n  name: "+long("n")+"\n  version: "+long("v")+"\n  source: "+long("s")+"\n"+
		"controls:\n  - {id: "+strings.Repeat("C", maxID+1)+", title: T}\n  - {id: D, title: "+long("t")+", relevance: "+long("r")+"}\n"+
		"mappings:\n  - {check: ptr.present, controls: ["+strings.Repeat("C", maxID+1)+", D], rationale: "+long("w")+"}\n")
	p := filepath.Join(dir, "long.yaml")
	want := []string{
		p + ":2: framework.id holds 101 bytes, more than the 100 an id may hold",
		p + ":3: framework.name holds 4097 bytes, more than the 4096 a text field may hold",
		p + ":4: framework.version holds 4097 bytes, more than the 4096 a text field may hold",
		p + ":5: framework.source holds 4097 bytes, more than the 4096 a text field may hold",
		p + ":7: controls[].id holds 101 bytes, more than the 100 an id may hold",
		p + ":8: controls[].title holds 4097 bytes, more than the 4096 a text field may hold",
		p + ":8: controls[].relevance holds 4097 bytes, more than the 4096 a text field may hold",
		p + ":10: mappings[].rationale holds 4097 bytes, more than the 4096 a text field may hold",
	}
	err := LintFile(p)
	if got := strings.Split(fmt.Sprint(err), "\n"); !slices.Equal(got, want) {
		t.Errorf("LintFile:\n got: %.2000q\nwant: %q", got, want)
	}
}
