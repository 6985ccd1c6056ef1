package templates

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestEmbeddedPassCheck: the shipped wording passes the static check, and
// a trial render of every finding and report template with the sample
// data gives none of the errors Load reports.
func TestEmbeddedPassCheck(t *testing.T) {
	t.Parallel()
	s := MustDefault()
	for _, p := range s.check(true) {
		t.Error(p)
	}
}

// writeDir writes override files into a new directory.
func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	messageFields = "(its fields: Asset, Check, Observed, Reason, Selector, Status)"
	assetFields   = "(its fields: Criticality, DKIMSelectors, Domain, Environment, HELO, Hostname, IP, Owner, Provider, Relay, Tags)"
)

// TestLoadRejects: an override that would fail to render whatever the
// data is fails Load, naming file, line and reason, in every branch.
func TestLoadRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		want  []string // "file:line: reason" after the directory
	}{
		{"unknown field", map[string]string{"a.tmpl": `{{define "ptr.present/pass"}}{{.Nope}}{{end}}`},
			[]string{"a.tmpl:1: ptr.present/pass: .Nope: the finding data has no field or method Nope " + messageFields}},
		{"unknown asset field in a branch", map[string]string{"a.tmpl": "{{define \"ptr.present/fail\"}}\nPTR of {{.Asset.IP}}\n{{if .Observed.ptr}}{{.Asset.Nope}}{{end}}{{end}}"},
			[]string{"a.tmpl:3: ptr.present/fail: .Asset.Nope: .Asset has no field or method Nope " + assetFields}},
		{"undefined template", map[string]string{"a.tmpl": "{{define \"default/error\"}}\n\n{{template \"zzz\" .}}{{end}}"},
			[]string{`a.tmpl:3: default/error: no such template "zzz" ({{template "zzz" .}})`}},
		{"undefined template in a helper", map[string]string{"a.tmpl": `{{define "my/helper"}}{{if .}}{{template "nope"}}{{end}}{{end}}`},
			[]string{`a.tmpl:1: my/helper: no such template "nope" ({{template "nope"}})`}},
		{"field of a string", map[string]string{"a.tmpl": `{{define "spf.record/pass"}}{{.Check.Foo}}{{end}}`},
			[]string{"a.tmpl:1: spf.record/pass: .Check.Foo: .Check is a string, not a struct or map: it has no field Foo"}},
		{"field of a map's string", map[string]string{"a.tmpl": `{{define "spf.record/pass"}}{{.Asset.Tags.site.x}}{{end}}`},
			[]string{"a.tmpl:1: spf.record/pass: .Asset.Tags.site.x: .Asset.Tags.site is a string, not a struct or map: it has no field x"}},
		{"range element", map[string]string{"a.tmpl": `{{define "dkim.key/pass"}}{{range .Asset.DKIMSelectors}}{{.Name}}{{end}}{{end}}`},
			[]string{"a.tmpl:1: dkim.key/pass: .Name: . is a string, not a struct or map: it has no field Name"}},
		{"with", map[string]string{"a.tmpl": `{{define "dkim.key/pass"}}{{with .Asset}}{{.IP}} {{.Nope}}{{end}}{{end}}`},
			[]string{"a.tmpl:1: dkim.key/pass: .Nope: .Asset has no field or method Nope " + assetFields}},
		{"variable", map[string]string{"a.tmpl": `{{define "dkim.key/pass"}}{{$a := .Asset}}{{$a.Nope}}{{end}}`},
			[]string{"a.tmpl:1: dkim.key/pass: $a.Nope: .Asset has no field or method Nope " + assetFields}},
		{"dollar inside range", map[string]string{"a.tmpl": `{{define "dkim.key/pass"}}{{range .Asset.DKIMSelectors}}{{$.Nope}}{{end}}{{end}}`},
			[]string{"a.tmpl:1: dkim.key/pass: $.Nope: the finding data has no field or method Nope " + messageFields}},
		{"arguments to a field", map[string]string{"a.tmpl": `{{define "dkim.key/pass"}}{{.Asset.IP "x"}}{{end}}`},
			[]string{"a.tmpl:1: dkim.key/pass: .Asset.IP: IP is not a method: it takes no arguments"}},
		{"wrong number of args", map[string]string{"a.tmpl": `{{define "dkim.key/pass"}}{{plural 1 "key"}} {{"x" | join}}{{end}}`},
			[]string{
				"a.tmpl:1: dkim.key/pass: wrong number of args for join: want 2 got 1",
				"a.tmpl:1: dkim.key/pass: wrong number of args for plural: want 3 got 2",
			}},
		{"argument types", map[string]string{"a.tmpl": `{{define "dkim.key/pass"}}{{plural "1" "a" "b"}}{{head .Asset.IP .Asset.DKIMSelectors}}{{plural 1.5 "a" "b"}}{{.Check | plural 2 "a"}}{{plural 2 "a" "b" | quote}}{{end}}`},
			[]string{
				`a.tmpl:1: dkim.key/pass: argument 1 of head, .Asset.IP, is not of type int`,
				`a.tmpl:1: dkim.key/pass: argument 1 of plural, "1", is not of type int`,
				`a.tmpl:1: dkim.key/pass: argument 1 of plural, 1.5, is not of type int`,
			}},
		{"report data", map[string]string{"s.tmpl": "{{define \"summary/executive\"}}{{.Org}}:\n{{.Summary.Nope}}\n{{range .TopChecks}}{{.Check}} {{.Severity}}{{end}}{{end}}"},
			[]string{
				"s.tmpl:2: summary/executive: .Summary.Nope: .Summary has no field or method Nope (its fields: Assets, Error, Fail, Findings, Pass, Skip, Warn)",
				"s.tmpl:3: summary/executive: .Severity: an entry of .TopChecks has no field or method Severity (its fields: Check, Counts, Criteria, Error, Fail, Family, Title, Warn)",
			}},
		{"controls and run of the report data", map[string]string{"s.tmpl": "{{define \"summary/executive\"}}{{range .Controls}}{{.Nme}}{{end}}\n{{.Run.Nope}}{{end}}"},
			[]string{
				"s.tmpl:1: summary/executive: .Nme: an entry of .Controls has no field or method Nme (its fields: Catalog, Checks, Error, Fail, Framework, ID, OSCAL, Pass, Relevance, Skip, Status, Title, Warn, WarnFails)",
				"s.tmpl:2: summary/executive: .Run.Nope: .Run has no field or method Nope (its fields: Checks, FinishedAt, ID, Inventories, InventorySHA256, Mappings, Notes, Queries, ReplayOf, Resolvers, Settings, StartedAt, Title)",
			}},
		// Values of the wrong type, shown by the sample's values (which
		// have the types the checks record).
		{"a control's status is a type of its own", map[string]string{"s.tmpl": `{{define "summary/executive"}}{{range .Controls}}{{upper .Status}}{{if eq .Status "satisfied"}}ok{{end}}{{end}}{{end}}`},
			[]string{"s.tmpl:1: summary/executive: argument 1 of upper, .Status, is not of type string"}},
		{"join's arguments swapped", map[string]string{"a.tmpl": `{{define "ptr.present/pass"}}{{join .Observed.ptr_names ", "}}{{end}}`},
			[]string{"a.tmpl:1: ptr.present/pass: .Observed.ptr_names: wrong type for value; expected string; got []string (in a trial render with sample data)"}},
		{"one name in two files", map[string]string{
			"a.tmpl":     "{{define \"ptr.present/pass\"}}A{{end}}",
			"b.tmpl":     "\n{{define \"ptr.present/pass\"}}B{{end}}\n{{define \"ptr.single/pass\"}}B{{end}}",
			"empty.tmpl": "{{define \"ptr.single/pass\"}}{{end}}"},
			[]string{`b.tmpl:2: template "ptr.present/pass" is defined in a.tmpl:1 too: define each name in one file, or it is the files' order that decides which wording is used`}},
		// The offboarding recheck's wording is rendered with a map: a
		// trial render with the recheck's sample finds what no run's data
		// could get past, before the run rather than after its queries.
		{"offboarding wording", map[string]string{"o.tmpl": "{{define \"offboard/fail\"}}{{.Asset.Nope}}{{end}}\n{{define \"offboard/remediation.warn\"}}{{range .LeftBehind}}{{index .via 3}}{{end}}{{end}}"},
			[]string{
				"o.tmpl:1: offboard/fail: .Asset.Nope: no field or method Nope there (the recheck's data: IP, Asset (the removed sender's inventory row: IP, Hostname, HELO, Domain, DKIMSelectors, Owner, Environment, Provider, Relay, Criticality, Tags), " +
					"Status, LeftBehind (each with check, kind, name, term, record, via, status, and drop and drop_from for spf_shared), Omitted, Undetermined, Skipped, BaselineRun, SPFChecked) (in a trial render with sample data)",
				"o.tmpl:2: offboard/remediation.warn: index .via 3: error calling index: index out of range: 3 (in a trial render with sample data)",
			}},
		{"comparison of a string and a number", map[string]string{"a.tmpl": `{{define "ptr.present/pass"}}{{if eq .Asset.IP 3}}x{{end}}{{end}}`},
			[]string{"a.tmpl:1: ptr.present/pass: eq .Asset.IP 3: error calling eq: incompatible types for comparison: string and int (in a trial render with sample data)"}},
		{"names nothing renders", map[string]string{"a.tmpl": "{{define \"ptr.presnt/pass\"}}X{{end}}\n{{define \"summary/executiv\"}}Y{{end}}\n{{define \"ptr.present/fial\"}}Z{{end}}\n{{define \"my/helper\"}}h{{end}}{{define \"ptr.present/fail.some_reason\"}}r{{end}}\n{{define \"summary/methodology\"}}{{template \"summary/intro\" .}}{{end}}{{define \"summary/intro\"}}i{{end}}{{define \"ptr.fcrdns/fail\"}}{{template \"ptr.fcrdns/detail\" .}}{{end}}{{define \"ptr.fcrdns/detail\"}}d{{end}}"},
			[]string{
				`a.tmpl:1: template "ptr.presnt/pass" is never rendered: no check is called "ptr.presnt"; did you mean "ptr.present"?`,
				`a.tmpl:2: template "summary/executiv" is never rendered: the reports render no template of that name; did you mean "summary/executive"?`,
				`a.tmpl:3: template "ptr.present/fial" is never rendered: "fial" is not a status (pass, fail, warn, error, skip) or remediation; did you mean "fail"?`,
			}},
		// The whole name follows the lookup, not only its check and
		// status (TestNamesFollowWord holds it to assess's word).
		{"finding names no lookup reaches", map[string]string{"a.tmpl": `{{define "ptr.present/remediation.error"}}a{{end}}
{{define "default/remediation"}}b{{end}}
{{define "default/remediation.pass"}}c{{end}}
{{define "default/remediation.skip"}}d{{end}}
{{define "dkim.key/remediation.pass.x"}}e{{end}}
{{define "default/fail.nxdomain"}}f{{end}}
{{define "ptr.present/remediation.warn"}}g{{end}}
{{define "ptr.present/fail.error"}}h{{end}}
{{define "ptr.present/remediation.skip"}}i{{end}}
{{define "default/remediation.error.timeout"}}j{{end}}
{{define "ptr.present/remediation.fail.nxdomain"}}k{{end}}
{{define "ptr.present/pass.x.y"}}l{{end}}

{{define "default/pass"}}p{{end}}{{define "default/remediation.warn"}}w{{end}}{{define "default/fail"}}ok{{end}}{{define "dkim.key/remediation.pass"}}ok{{end}}{{define "spf.authorizes_ip/remediation.fail"}}ok{{end}}{{define "ptr.present/remediation.error.timeout"}}ok{{end}}`},
			[]string{
				`a.tmpl:1: template "ptr.present/remediation.error" is never rendered: an error finding's remediation is looked up as "ptr.present/remediation.error.<reason>", then "default/remediation.error"; did you mean one of those?`,
				`a.tmpl:2: template "default/remediation" is never rendered: no finding looks up "default/remediation": the default remediation of a status is "default/remediation.fail", "default/remediation.warn" or "default/remediation.error"`,
				`a.tmpl:3: template "default/remediation.pass" is never rendered: a pass finding has a remediation only where its check defines "<check>/remediation.pass"; there is no default one`,
				`a.tmpl:4: template "default/remediation.skip" is never rendered: a skip finding has no remediation`,
				`a.tmpl:5: template "dkim.key/remediation.pass.x" is never rendered: a pass finding's remediation takes no reason; did you mean "dkim.key/remediation.pass"?`,
				`a.tmpl:6: template "default/fail.nxdomain" is never rendered: a default message takes no reason: findings look up "<check>/fail.nxdomain", "<check>/fail", then "default/fail"; did you mean "default/fail"?`,
				`a.tmpl:7: template "ptr.present/remediation.warn" is never rendered: a warn finding's remediation is looked up as "ptr.present/remediation.<reason>", "ptr.present/remediation", then "default/remediation.warn"; did you mean one of those?`,
				`a.tmpl:8: template "ptr.present/fail.error" is never rendered: "error" is a status, which no check gives as a finding's reason`,
				`a.tmpl:9: template "ptr.present/remediation.skip" is never rendered: a skip finding has no remediation`,
				`a.tmpl:10: template "default/remediation.error.timeout" is never rendered: a default remediation takes no reason: did you mean "default/remediation.error", or "<check>/remediation.error.timeout" for one check?`,
				`a.tmpl:11: template "ptr.present/remediation.fail.nxdomain" is never rendered: a fail or warn finding's remediation is looked up by its reason alone; did you mean "ptr.present/remediation.nxdomain"?`,
				`a.tmpl:12: template "ptr.present/pass.x.y" is never rendered: a finding's reason is one word ("x.y" has a dot)`,
				`a.tmpl:14: template "default/pass" is never rendered: every check has its own "<check>/pass", which findings look up before it: override those`,
				`a.tmpl:14: template "default/remediation.warn" is never rendered: every check has its own "<check>/remediation", which findings look up before it: override those`,
			}},
		// The offboarding recheck's wording is rendered by name too.
		{"offboarding name nothing renders", map[string]string{"o.tmpl": "{{define \"offboard/wran\"}}w{{end}}\n{{define \"offboard/warn\"}}ok{{end}}"},
			[]string{`o.tmpl:1: template "offboard/wran" is never rendered: the offboarding recheck renders no template of that name; did you mean "offboard/warn"?`}},
		{"helper called with the finding data", map[string]string{"h.tmpl": "{{define \"dns/why\"}}\n{{.Why}}{{end}}"},
			[]string{"h.tmpl:2: dns/why (called from "}},
		{"trial render of a reassigned variable", map[string]string{"a.tmpl": `{{define "dkim.key/pass"}}{{$a := .}}{{$a = .Asset}}{{$a.Nope}}{{end}}`},
			[]string{"a.tmpl:1: dkim.key/pass: $a.Nope: .Asset has no field or method Nope (in a trial render with sample data)"}},
		{"every file, sorted", map[string]string{
			"b.tmpl": `{{define "ptr.single/pass"}}{{.B}}{{end}}`,
			"a.tmpl": "{{define \"ptr.single/warn\"}}\n{{.A}}{{end}}",
		}, []string{
			"a.tmpl:2: ptr.single/warn: .A: the finding data has no field or method A " + messageFields,
			"b.tmpl:1: ptr.single/pass: .B: the finding data has no field or method B " + messageFields,
		}},
		{"range over a string", map[string]string{"a.tmpl": `{{define "ptr.present/pass"}}{{range .Asset.IP}}{{.}}{{end}}{{end}}`},
			[]string{"a.tmpl:1: ptr.present/pass: range over .Asset.IP: a string cannot be ranged over"}},
		// Over a number, wording has nothing to count, and two nested
		// loops that write nothing would run for ever past every bound.
		{"range over a number", map[string]string{"a.tmpl": `{{define "spf.record/fail"}}{{range 100000}}{{range 100000}}{{end}}{{end}}x{{end}}`},
			[]string{"a.tmpl:1: spf.record/fail: range over 100000: a number cannot be ranged over"}},
		{"range over a number's field", map[string]string{"a.tmpl": `{{define "spf.record/fail"}}{{range len .Asset.IP}}x{{end}}{{end}}`},
			[]string{"a.tmpl:1: spf.record/fail: range over len .Asset.IP: a number cannot be ranged over"}},
		{"call of a string", map[string]string{"a.tmpl": `{{define "ptr.present/pass"}}{{call .Asset.IP}}{{end}}`},
			[]string{"a.tmpl:1: ptr.present/pass: call of .Asset.IP: a string is not a function"}},
		{"endless recursion", map[string]string{"a.tmpl": `{{define "ptr.present/pass"}}{{template "ptr.present/pass" .}}{{end}}`},
			[]string{`a.tmpl:1: ptr.present/pass: {{template "ptr.present/pass"}} leads back to ptr.present/pass: a template may not call itself, as a recursion can run the process out of stack`}},
		// Wide frames ran the process out of stack (a fatal error, not a
		// problem reported) before text/template's depth limit.
		{"wide recursion", map[string]string{"a.tmpl": `{{define "ptr.present/pass"}}` + strings.Repeat("{{with .}}", 10) +
			`{{template "ptr.present/pass" .}}` + strings.Repeat("{{end}}", 10) + `{{end}}`},
			[]string{`a.tmpl:1: ptr.present/pass: {{template "ptr.present/pass"}} leads back to ptr.present/pass: a template may not call itself, as a recursion can run the process out of stack`}},
		{"recursion through another", map[string]string{"a.tmpl": "{{define \"ptr.present/pass\"}}{{template \"x\" .}}{{end}}\n{{define \"x\"}}{{if .Asset.IP}}{{template \"ptr.present/pass\" .}}{{end}}{{end}}"},
			[]string{
				`a.tmpl:1: ptr.present/pass: {{template "x"}} leads back to ptr.present/pass (through x): a template may not call itself, as a recursion can run the process out of stack`,
				`a.tmpl:2: x: {{template "ptr.present/pass"}} leads back to x (through ptr.present/pass): a template may not call itself, as a recursion can run the process out of stack`,
			}},
		// A render that would not end, or would fill memory: helpers
		// that each call the one before twice (2^40 templates, no
		// output), and text multiplied past what a report could show.
		{"calls that multiply", map[string]string{"a.tmpl": slowHelpers(40) + `{{define "ptr.present/pass"}}{{template "h/a40" .}}ok{{end}}`},
			[]string{`a.tmpl:10: h/a9: its {{template}} calls, each calling the next several times, run more than 1,000 templates (h/a9 → h/a8 → h/a7 → h/a6 → h/a5 → h/a4 → …); one text may run at most 1,000`}},
		{"output past the trial's bound", map[string]string{"a.tmpl": "{{define \"h/t0\"}}" + strings.Repeat("wording ", 2560) + "{{end}}\n" +
			"{{define \"h/t1\"}}" + strings.Repeat(`{{template "h/t0" .}}`, 10) + "{{end}}\n" +
			"{{define \"h/t2\"}}" + strings.Repeat(`{{template "h/t1" .}}`, 10) + "{{end}}\n" +
			"{{define \"summary/executive\"}}{{template \"h/t2\" .}}{{end}}"},
			[]string{`a.tmpl:4: summary/executive renders more than 1 MiB with the sample data (in a trial render): the reports show a few thousand characters of a text, and each finding carries its message whole`}},
		{"index past the sample", map[string]string{"a.tmpl": `{{define "ptr.present/pass"}}{{index .Observed.ptr_names 5}}{{end}}`},
			[]string{"a.tmpl:1: ptr.present/pass: index .Observed.ptr_names 5: error calling index: index out of range: 5 (in a trial render with sample data)"}},
		{"not UTF-8", map[string]string{"a.tmpl": "{{define \"ptr.present/pass\"}}\nPTR de {{.Asset.IP}} \xe9tabli{{end}}"},
			[]string{"a.tmpl:2: not UTF-8 text (byte 0xe9)"}},
		{"too large", map[string]string{"a.tmpl": `{{define "ptr.present/pass"}}` + strings.Repeat("x", maxTemplateFile) + `{{end}}`},
			[]string{fmt.Sprintf("a.tmpl:1: %d bytes, more than a wording file may hold (%d)", maxTemplateFile+len(`{{define "ptr.present/pass"}}{{end}}`), maxTemplateFile)}},
		// What stands outside {{define}} is a template named after the
		// file, which nothing renders: wording there would be lost.
		{"text outside define", map[string]string{"a.tmpl": "This is my ptr.present/pass wording {{.Asset.IP}}\n"},
			[]string{`a.tmpl:1: text outside {{define}} is never rendered: put it in {{define "check/status"}}…{{end}}`}},
		{"action outside define", map[string]string{"a.tmpl": "{{define \"ptr.present/pass\"}}x{{end}}\n\n  {{.Nope}}\n"},
			[]string{`a.tmpl:3: text outside {{define}} is never rendered: put it in {{define "check/status"}}…{{end}}`}},
		{"call outside define", map[string]string{"a.tmpl": "{{define \"ptr.present/pass\"}}x{{end -}}\n{{template \"ptr.present/pass\" .}}"},
			[]string{`a.tmpl:2: text outside {{define}} is never rendered: put it in {{define "check/status"}}…{{end}}`}},
		{"syntax errors in every file", map[string]string{
			"a.tmpl": "{{define \"x\"}}\n{{.A",
			"b.tmpl": `{{define "y"}}{{nosuchfunc}}{{end}}`,
		}, []string{
			"a.tmpl:2: unclosed action",
			`b.tmpl:1: function "nosuchfunc" not defined`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := writeDir(t, tc.files)
			_, err := Load(dir)
			if err == nil {
				t.Fatalf("Load succeeded, want %q", tc.want)
			}
			lines := strings.Split(err.Error(), "\n")
			got := lines[1:]
			if len(got) != len(tc.want) {
				t.Fatalf("Load:\n%v\nwant %q", err, tc.want)
			}
			for i, w := range tc.want {
				w = filepath.Join(dir, w)
				if got[i] != w && !(strings.HasSuffix(w, "(called from ") && strings.HasPrefix(got[i], w)) {
					t.Errorf("problem %d:\n got %s\nwant %s", i, got[i], w)
				}
			}
			var p *Problem
			if !errors.As(err, &p) || !strings.HasPrefix(p.Path, dir) || p.Line < 1 {
				t.Errorf("error does not unwrap to a *Problem in %s: %#v", dir, p)
			}
		})
	}
}

// TestLoadAccepts: what renders for some data is not rejected, in
// particular any key of a map (.Observed, .Asset.Tags), anything under a
// value of unknown type, and functions fed data of the wrong type only
// when an observed key is absent.
func TestLoadAccepts(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"msg.tmpl": `
{{define "ptr.present/pass"}}{{.Asset.IP}} {{.Observed.anything.deep.chain}} {{.Asset.Tags.anything}}{{end}}
{{define "ptr.present/fail"}}{{range $i, $c := .Observed.changes}}{{if $i}}, {{end}}{{$c.old}}{{end}}{{with .Observed.x}}{{.y}}{{end}}{{end}}
{{define "ptr.single/warn"}}{{index .Observed "k"}} {{len .Asset.DKIMSelectors}} {{plural (len .Asset.DKIMSelectors) "a" "b"}} {{.Asset.IP | printf "%s"}}{{end}}
{{define "ptr.single/pass"}}{{plural .Observed.missing "key" "keys"}} {{join ", " .Observed.missing}}{{end}}
{{define "ptr.single/remediation"}}{{template "ptr/names" .}} {{template "my/helper" .Asset}} {{$x := .Observed}}{{if .Observed.x}}{{$x = .Asset.Tags}}{{end}}{{$x.anything}}{{end}}
{{define "my/helper"}}{{.IP}} {{.Domain | lower}}{{end}}
{{define "my/unused"}}{{.Whatever}}{{end}}
{{define "dkim.key/pass"}}{{range .Asset.DKIMSelectors}}{{.}} {{$.Selector}}{{end}}{{range $k, $v := .Asset.Tags}}{{$k}}={{$v}}{{end}}{{end}}
{{define "dmarc.policy/warn"}}{{(index .Observed "rua").x}} {{default "none" .Observed.p}} {{if and .Observed.p (eq .Status "warn") (not .Reason)}}x{{end}}{{end}}
{{define "dmarc.record/pass"}}asked {{len .Observed.dmarcbis_queried}} names{{end}}
`,
		// Comments and {{block}} definitions may stand outside {{define}}.
		"block.tmpl": "{{/* the fail wording */}}\n{{block \"ptr.single/fail\" .}}b {{.Asset.IP}}{{end}}\n{{- block \"ptr.fcrdns/fail\" .}}c{{end}}\n",
		// So may a byte-order mark, as Notepad writes one, and CR LF.
		"bom.tmpl": "\ufeff{{define \"spf.record/pass\"}}SPF ok{{end}}\r\n",
		"summary.tmpl": `
{{define "summary/executive"}}{{.Run.Title}} {{.Run.StartedAt.Year}} {{range .Controls}}{{.Status}} {{.OSCAL.anything}}{{end}}
{{- range .TopChecks}}{{.Check}}: {{.Counts}}{{end}}{{if .Drift}}{{len .Drift.Changes}} {{range .Drift.Changes}}{{.Asset}}{{end}}{{end}}
{{- range .DriftSample}}{{.Field}}{{end}} {{.Summary.Fail}} {{.Tool.Version}} {{.Pack}}{{end}}
`,
	}
	dir := writeDir(t, files)
	s, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	got, err := s.Render("my/helper", &sampleAsset{IP: "192.0.2.1", Domain: "Example.COM"})
	if err != nil || got != "192.0.2.1 example.com" {
		t.Errorf("my/helper = %q, %v", got, err)
	}
}

// TestLoadRelativeDottedDir: a directory given by a relative path whose
// first part holds a dot ("../x", "tpls.v2") loads: its files' own names
// are not read as check names.
func TestLoadRelativeDottedDir(t *testing.T) {
	t.Parallel()
	dir := writeDir(t, map[string]string{"custom.tmpl": `{{define "ptr.present/pass"}}Reverse DNS in place for {{.Asset.IP}}.{{end}}`})
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, dir)
	if err != nil || !strings.HasPrefix(rel, "..") {
		t.Skipf("no relative path with a dot to %s from %s", dir, wd)
	}
	if _, err := Load(rel); err != nil {
		t.Errorf("Load(%s): %v", rel, err)
	}
}

func TestTemplateKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		kind int
	}{
		{"ptr.present/pass", kindMessage},
		{"spf.record/fail.none", kindMessage},
		{"dkim.key/remediation.error.timeout", kindMessage},
		{"default/error", kindMessage},
		{"summary/executive", kindSummary},
		{"ptr/names", kindHelper},
		{"dns/why", kindHelper},
		{"ptr.tmpl", kindHelper},
		{"override:/x/a.tmpl", kindHelper},
		{"override:tpls.v2/a.tmpl", kindHelper},
		{"override:../w/a.tmpl", kindHelper},
	}
	for _, tc := range tests {
		if got := templateKind(tc.name); got != tc.kind {
			t.Errorf("templateKind(%q) = %d, want %d", tc.name, got, tc.kind)
		}
	}
}

func TestSampleFinding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, check, status, reason string
	}{
		{"ptr.present/pass", "ptr.present", "pass", ""},
		{"ptr.present/fail.nxdomain", "ptr.present", "fail", "nxdomain"},
		{"spf.record/remediation", "spf.record", "fail", ""},
		{"spf.record/remediation.none", "spf.record", "fail", "none"},
		{"drift.changed/remediation.error.incomplete", "drift.changed", "error", "incomplete"},
		{"default/remediation.error", "default", "error", ""},
		{"default/remediation.warn", "default", "warn", ""},
	}
	for _, tc := range tests {
		d := sampleFinding(tc.name)
		if d.Check != tc.check || d.Status != tc.status || d.Reason != tc.reason || d.Observed["reason"] != tc.reason {
			t.Errorf("sampleFinding(%q) = %q %q %q", tc.name, d.Check, d.Status, d.Reason)
		}
	}
	if d := sampleFinding("dkim.key/pass"); d.Selector == "" || !slices.Contains(d.Asset.DKIMSelectors, d.Selector) {
		t.Errorf("dkim sample selector %q", d.Selector)
	}
}

// TestDirFilesLinkOutside: a link in a --templates or --mappings directory
// to a file outside it is a problem, never read; one within it is a file.
func TestDirFilesLinkOutside(t *testing.T) {
	t.Parallel()
	dir, other := t.TempDir(), t.TempDir()
	secret := filepath.Join(other, "secret")
	if err := os.WriteFile(secret, []byte("root:x:0:0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.tmpl"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, "leak.tmpl")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "a.tmpl"), filepath.Join(dir, "b.tmpl")); err != nil {
		t.Fatal(err)
	}
	files, bad, err := DirFiles(dir, ".tmpl")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || len(bad) != 1 || !strings.HasSuffix(bad[0].Path, "leak.tmpl") || !strings.Contains(bad[0].Reason, "outside the directory") {
		t.Errorf("files %q, problems %v", files, bad)
	}
}

// TestProblemPathShown: a file name holding a line break or an escape
// sequence is quoted in a problem, so it can neither make up a line of the
// error output nor act on the terminal; an ordinary name is shown as it is.
func TestProblemPathShown(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ path, want string }{
		{"/w/a.tmpl", "/w/a.tmpl"},
		{"/w/my wording/é.tmpl", "/w/my wording/é.tmpl"},
		{"/w/a\x1b[31mRED\nfake: line.tmpl", `"/w/a\x1b[31mRED\nfake: line.tmpl"`},
		{"/w/x\u202ey.tmpl", `"/w/x\u202ey.tmpl"`},
		{"/w/\xff.tmpl", `"/w/\xff.tmpl"`},
	} {
		p := &Problem{Path: tc.path, Line: 3, Reason: "why"}
		if got, want := p.Error(), tc.want+":3: why"; got != want {
			t.Errorf("Problem{%q}.Error() = %s, want %s", tc.path, got, want)
		}
	}
	name := "a\x1b[31mRED\nfake: line.tmpl"
	dir := writeDir(t, map[string]string{name: `{{define "ptr.presnt/pass"}}x{{end}}`})
	_, err := Load(dir)
	if err == nil {
		t.Fatal("Load succeeded")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], strconv.QuoteToASCII(filepath.Join(dir, name))+":1: ") || strings.ContainsRune(err.Error(), 0x1b) {
		t.Errorf("Load: %q", err)
	}
}

// slowHelpers defines h/a0 to h/a<n>, each calling the one before twice.
func slowHelpers(n int) string {
	var b strings.Builder
	b.WriteString("{{define \"h/a0\"}}{{if .Asset.Owner}}{{end}}{{end}}\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "{{define \"h/a%d\"}}{{template \"h/a%d\" .}}{{template \"h/a%d\" .}}{{end}}\n", i, i-1, i-1)
	}
	return b.String()
}

// TestLoadRunsBound: helpers that multiply their calls load while one text
// runs at most maxRuns templates (512 here), and the trial render of such
// a set stays quick.
func TestLoadRunsBound(t *testing.T) {
	t.Parallel()
	dir := writeDir(t, map[string]string{"a.tmpl": slowHelpers(8) + `{{define "ptr.present/pass"}}{{template "h/a8" .}}ok{{end}}`})
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Render("ptr.present/pass", sampleFinding("ptr.present/pass")); err != nil || got != "ok" {
		t.Errorf("Render = %q, %v", got, err)
	}
}
