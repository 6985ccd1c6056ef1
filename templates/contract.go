package templates

import (
	"reflect"
	"slices"
	"strings"
	"time"
)

// The data contract of the wording. Load checks every template against the
// Go type of the data it will be rendered with, before the first query; this
// package cannot import the packages that define those types (they import
// it), so the types below mirror them: sampleMessage mirrors
// assess.MessageData (every finding's message and remediation) and
// sampleSummary report's summary view (the reports' narrative). Tests in
// those packages hold each mirror to its original, field by field. A field
// typed any here is not checked below it (its type is large and changes
// often); a template may read anything under it.

// sampleMessage mirrors assess.MessageData.
type sampleMessage struct {
	Check    string
	Status   string
	Reason   string
	Selector string
	Asset    sampleAsset
	Observed map[string]any
}

// sampleAsset mirrors assess.Asset.
type sampleAsset struct {
	IP            string
	Hostname      string
	HELO          string
	Domain        string
	DKIMSelectors []string
	Owner         string
	Environment   string
	Provider      string
	Relay         string
	Criticality   string
	Tags          map[string]string
}

// sampleSummary mirrors report's summaryView: the view's own fields and
// those it promotes from the embedded *report.Pack.
type sampleSummary struct {
	Pack         any // the embedded *report.Pack itself
	Schema       string
	Tool         sampleTool
	Run          sampleRun
	Summary      sampleCounts
	Assets       any // []assess.Asset
	Findings     any // []assess.Finding
	Controls     []sampleControl
	AssetSummary any // []report.AssetSummary
	Drift        *sampleDrift

	Org            string
	Period         string
	PeriodPhrase   string
	ControlsTotal  int
	Satisfied      int
	NotSatisfied   int
	Inconclusive   int
	Bad            int
	Attention      int
	AffectedAssets int
	HighAssets     int
	AffectedHigh   int
	TopChecks      []sampleTopCheck
	TopAssets      []sampleTopAsset
	DriftAssets    int
	DriftBaseRun   string
	DriftSample    []sampleDriftChange
	DriftMore      int

	DriftIncomplete        int
	DriftRechecked         int
	DriftLeftBehind        int
	DriftLeftFail          int
	DriftRecheckIncomplete int
	Files                  []string
	OpenSPF                []sampleOpenSPF
	OpenSPFMore            int
}

// sampleOpenSPF mirrors report's openSPF.
type sampleOpenSPF struct {
	Domain, Kind, Why string
	Senders           int
	OverLimit         bool
}

// sampleTool mirrors report.Tool.
type sampleTool struct{ Name, Version, Build string }

// sampleRun mirrors report.Run.
type sampleRun struct {
	ID, Title             string
	StartedAt, FinishedAt time.Time
	Resolvers             []string
	InventorySHA256       string
	Inventories           []struct{ Path, SHA256, Kind string }
	Mappings              []struct{ Framework, Name, Version, SHA256, Source string }
	Settings              struct {
		Concurrency int
		QPS         float64
		Timeout     string
		Retries     int
	}
	Queries  struct{ Lookups, CacheHits, Sent, TCP, Timeouts, Errors int64 }
	Checks   []struct{ ID, Title, Family, Criteria string }
	Notes    []string
	ReplayOf *struct {
		RunID                  string
		RecordedAt, RecordedTo time.Time
	}
}

// sampleControl mirrors report.ControlStatus.
type sampleControl struct {
	Framework, ID, Title, Relevance string
	Catalog, Checks, WarnFails      []string
	OSCAL                           any // []mappings.OSCALRef
	Status                          sampleState
	Pass, Fail, Warn, Error, Skip   int
}

// sampleState mirrors report.ControlState: a string type of its own, so a
// function taking a string (lower, upper, contains) refuses .Status here
// as it refuses the real one in a run; eq and printf take either.
type sampleState string

// sampleCounts mirrors report.Summary.
type sampleCounts struct{ Assets, Findings, Pass, Fail, Warn, Error, Skip int }

// sampleDrift mirrors report.Drift.
type sampleDrift struct {
	Baseline string
	BaseRun  string
	Added    []string
	Removed  []string
	Changes  []sampleDriftChange
	// RemovedAssets mirrors []assess.Asset.
	RemovedAssets []sampleAsset
	Offboarding   any // []assess.Offboard
	// OffboardingOmitted counts the removed senders not rechecked.
	OffboardingOmitted int
}

// sampleDriftChange mirrors report.DriftChange.
type sampleDriftChange struct{ Asset, Field, Old, New, Inventory string }

// sampleTopCheck mirrors report's viewCheck.
type sampleTopCheck struct {
	Check, Title, Family, Criteria string
	Fail, Error, Warn              int
	Counts                         string
}

// sampleTopAsset mirrors report's viewAsset.
type sampleTopAsset struct {
	IP, Hostname, Owner, Criticality string
	Fail, Error, Warn                int
	Counts                           string
}

// typeName names a type in problems, a mirrored one as template authors
// know it.
func typeName(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[sampleMessage]():
		return "the finding data"
	case reflect.TypeFor[sampleAsset]():
		return ".Asset"
	case reflect.TypeFor[sampleSummary]():
		return "the report data"
	case reflect.TypeFor[sampleTool]():
		return ".Tool"
	case reflect.TypeFor[sampleCounts]():
		return ".Summary"
	case reflect.TypeFor[sampleDrift]():
		return ".Drift"
	case reflect.TypeFor[sampleDriftChange]():
		return "a drift change"
	case reflect.TypeFor[sampleRun]():
		return ".Run"
	case reflect.TypeFor[sampleControl]():
		return "an entry of .Controls"
	case reflect.TypeFor[sampleTopCheck]():
		return "an entry of .TopChecks"
	case reflect.TypeFor[sampleTopAsset]():
		return "an entry of .TopAssets"
	}
	return t.String()
}

// Kinds of template by the data they are rendered with.
const (
	kindHelper  = iota // rendered only by {{template}} calls, with their data
	kindMessage        // a finding's message or remediation: assess.MessageData
	kindSummary        // a report narrative: the summary view of the Pack
)

// templateKind tells a template's data from its name: "<check>/..." (a
// check ID has a dot) and "default/..." are a finding's wording,
// "summary/..." a report narrative; any other name is a helper.
func templateKind(name string) int {
	first, _, ok := strings.Cut(name, "/")
	switch {
	case !ok, strings.HasPrefix(name, overridePrefix):
		// An override file's own top-level template is named by its
		// path ("override:tpls.v2/custom.tmpl"), which is no check.
		return kindHelper
	case first == "default" || strings.Contains(first, "."):
		return kindMessage
	case first == "summary":
		return kindSummary
	}
	return kindHelper
}

// Contract returns the Go type of the data the template called name is
// rendered with, as Load checks it (a mirror of the real type; see
// contract.go), or nil for a helper, whose data comes from its callers.
func Contract(name string) reflect.Type {
	switch templateKind(name) {
	case kindMessage:
		return reflect.TypeFor[sampleMessage]()
	case kindSummary:
		return reflect.TypeFor[sampleSummary]()
	}
	return nil
}

// sampleData returns representative data for a trial render of the
// template called name: a finding of the template's check with that
// status and reason and the observed keys such findings carry, or a report
// of a small fleet with every section present.
func sampleData(name string) any {
	switch templateKind(name) {
	case kindMessage:
		return sampleFinding(name)
	case kindSummary:
		return sampleReport()
	}
	if status, ok := offboardStatus(name); ok {
		return sampleOffboard(status)
	}
	return nil
}

// offboardStatus returns the status whose verdict the offboarding recheck
// words with the template called name (offboard/<status> or
// offboard/remediation.<status>, as assess.JudgeRemoved renders them).
func offboardStatus(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, "offboard/")
	if !ok {
		return "", false
	}
	if st, ok := strings.CutPrefix(rest, "remediation."); ok {
		return st, st == "fail" || st == "warn" || st == "error"
	}
	return rest, rest == "pass" || rest == "fail" || rest == "warn" || rest == "error"
}

// offboardFields describes the keys of the offboarding recheck's data, for
// a template error.
const offboardFields = "IP, Asset (the removed sender's inventory row: IP, Hostname, HELO, Domain, DKIMSelectors, Owner, Environment, Provider, Relay, Criticality, Tags), " +
	"Status, LeftBehind (each with check, kind, name, term, record, via, status, and drop and drop_from for spf_shared), Omitted, Undetermined, Skipped, BaselineRun, SPFChecked"

// sampleOffboard is the data assess.JudgeRemoved renders a recheck's
// message and remediation with (a map, whose keys it mirrors): a removed
// sender with something of each kind left behind and a check undetermined.
func sampleOffboard(status string) map[string]any {
	lb := func(check, kind, term, record string, via []string, st string) map[string]any {
		return map[string]any{"check": check, "kind": kind, "name": "example.com", "term": term, "record": record, "via": via, "status": st}
	}
	var left []map[string]any
	if status == "fail" || status == "warn" {
		shared := lb("spf.authorizes_ip", "spf_shared", "ip4:192.0.2.0/24", "_spf.provider.example", []string{"include:_spf.provider.example"}, "warn")
		shared["drop"], shared["drop_from"] = "include:_spf.provider.example", "example.com"
		left = []map[string]any{
			lb("spf.authorizes_ip", "spf_address", "ip4:192.0.2.10", "_spf.example.com", []string{"include:_spf.example.com"}, "fail"),
			lb("spf.authorizes_ip", "spf_name", "a:mail1.example.com", "example.com", []string{}, "fail"),
			lb("spf.authorizes_ip", "spf_range", "ip4:192.0.2.0/24", "example.com", []string{}, "warn"),
			shared,
			lb("spf.authorizes_ip", "spf_any", "+all", "example.com", []string{}, "warn"),
			lb("ptr.fcrdns", "forward_name", "", "mail1.example.com", []string{}, "warn"),
			lb("ptr.present", "ptr_name", "", "10.2.0.192.in-addr.arpa", []string{}, "warn"),
			lb("helo.fqdn", "helo_name", "", "mail1.example.com", []string{}, "warn"),
			lb("host", "host_name", "", "mail1.example.com", []string{}, "warn"),
		}
		if status == "warn" {
			left = left[2:]
		}
	}
	var undetermined []string
	if status != "pass" {
		undetermined = []string{"ptr.fcrdns"}
	}
	return map[string]any{
		"IP": "192.0.2.10", "Status": status, "LeftBehind": left, "Omitted": 0,
		"Asset": &sampleAsset{
			IP: "192.0.2.10", Hostname: "mail1.example.com", HELO: "mail1.example.com",
			Domain: "example.com", DKIMSelectors: []string{"s2048"}, Owner: "mail-platform",
			Environment: "production", Provider: "on-prem", Criticality: "high",
			Tags: map[string]string{"site": "ams1"},
		},
		"Undetermined": undetermined, "Skipped": []string{}, "BaselineRun": "run-2026-q3", "SPFChecked": true,
	}
}

// sampleFinding builds the data of a finding for a template name
// "<check>/<status>[.<reason>]", "<check>/remediation[.<reason>]" or
// "<check>/remediation.error[.<reason>]".
func sampleFinding(name string) *sampleMessage {
	check, rest, _ := strings.Cut(name, "/")
	status, reason, _ := strings.Cut(rest, ".")
	if status == "remediation" {
		status = "fail"
		if r, ok := strings.CutPrefix(reason, "error"); ok {
			status, reason = "error", strings.TrimPrefix(r, ".")
		} else if reason == "warn" {
			status, reason = "warn", ""
		}
	}
	d := &sampleMessage{
		Check: check, Status: status, Reason: reason,
		Asset: sampleAsset{
			IP: "192.0.2.10", Hostname: "mail1.example.com", HELO: "mail1.example.com",
			Domain: "example.com", DKIMSelectors: []string{"s2048"}, Owner: "mail-platform",
			Environment: "production", Provider: "on-prem", Criticality: "high",
			Tags: map[string]string{"site": "ams1"},
		},
	}
	if strings.HasPrefix(check, "dkim.") {
		d.Selector = "s2048"
	}
	family, _, _ := strings.Cut(check, ".")
	d.Observed = sampleObserved(family, reason)
	return d
}

// sampleObserved returns the observed values a finding of a check family
// typically carries (as the checks in package assess record them).
func sampleObserved(family, reason string) map[string]any {
	ptr := map[string]any{
		"ptr": "mail1.example.com", "ptr_names": []string{"mail1.example.com"},
		"reverse_name": "10.2.0.192.in-addr.arpa", "cname_chain": []string{},
	}
	spf := map[string]any{
		"domain": "example.com", "record": "v=spf1 ip4:192.0.2.0/26 include:_spf.example.net -all",
		"records": []string{"v=spf1 ip4:192.0.2.0/26 include:_spf.example.net -all"},
		"result":  "softfail", "all": "~all", "ip_term": "ip4:192.0.2.10", "matched": "~all",
		"via": []string{"include:_spf.example.net"}, "lookups": 3, "void_lookups": 0,
		"max_lookups": 10, "max_void_lookups": 2, "count": 1, "permissive": false,
		"failed_lookups": []string{}, "terms": []string{"include:_spf.example.net"},
		"limit_hit_for_ip": false, "detail": "", "trace": []string{},
	}
	dmarc := map[string]any{
		"domain": "example.com", "org_domain": "example.com", "source": "_dmarc.example.com",
		"record": "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com",
		"p":      "none", "sp": "", "policy": "none", "pct": 100, "from_org": false,
		"rua": []string{"mailto:dmarc-reports@example.com"}, "ruf": []string{},
		"adkim": "r", "aspf": "r", "queried": []string{"_dmarc.example.com"},
		"disagree": false, "dmarcbis_source": "_dmarc.example.com",
		"cname_chain": []string{}, "record_at": "", "ignored_record_at": "", "repeated_tags": []string{}, "other_fault": "",
	}
	var obs map[string]any
	switch family {
	case "ptr":
		obs = ptr
		obs["count"] = 2
		obs["expected"] = "mail1.example.com"
		obs["confirmed"] = []string{"mail1.example.com"}
		obs["forward"] = map[string]any{"mail1.example.com": []string{"192.0.2.10"}}
		obs["pattern"] = "kind: ip"
		obs["why"] = "the name embeds the IP address"
	case "helo":
		obs = spf
		for k, v := range ptr {
			obs[k] = v
		}
		obs["helo"] = "mail1.example.com"
		obs["helo_org"] = "example.com"
		obs["ptr_org"] = "example.com"
		obs["addresses"] = []string{"192.0.2.10"}
		obs["why"] = "a single label, not a fully qualified name"
	case "spf":
		obs = spf
	case "dkim":
		obs = map[string]any{
			"selector": "s2048", "name": "s2048._domainkey.example.com", "record": "v=DKIM1; k=rsa; p=MIIB",
			"key_type": "rsa", "key_bits": 1024, "testing": false, "fingerprint": "0cc84789c38fc450",
			"cname_chain": []string{}, "rcode": "noerror",
		}
	case "dmarc":
		obs = dmarc
	case "align":
		obs = ptr
		obs["helo"] = "mail1.example.com"
		obs["domain"] = "example.com"
		obs["org_domain"] = "example.com"
		obs["ptr_org"] = "example.net"
		obs["helo_org"] = "example.com"
		obs["domain_org"] = "example.com"
		obs["out_of_line"] = []string{"ptr"}
	case "drift":
		obs = map[string]any{
			"baseline_run": "run-2026Q3",
			"changes": []any{map[string]any{
				"field": "ptr", "key": "ptr.names", "of": "", "old": "mail1.example.com", "new": "mail2.example.com",
			}},
			"undetermined": []string{}, "undetermined_run": []string{},
			"undetermined_baseline": []string{}, "undetermined_both": []string{},
		}
	default:
		obs = map[string]any{}
	}
	obs["reason"] = reason
	return obs
}

// sampleReport is the data of the reports' narrative for a small fleet
// with failures, a drift section and every list filled.
func sampleReport() *sampleSummary {
	at := time.Date(2026, 6, 30, 9, 0, 0, 0, time.UTC)
	change := sampleDriftChange{Asset: "192.0.2.10", Field: "ptr", Old: "mail1.example.com", New: "mail2.example.com"}
	return &sampleSummary{
		Schema: "senderproof/evidence/v1",
		Tool:   sampleTool{Name: "senderproof", Version: "dev"},
		Run: sampleRun{
			ID: "run-2026Q4", Title: "Example Corp outbound mail", StartedAt: at, FinishedAt: at.Add(time.Minute),
			Resolvers: []string{"192.0.2.53:53"}, InventorySHA256: "0cc84789c38fc450",
			Inventories: []struct{ Path, SHA256, Kind string }{{Path: "fleet.csv", SHA256: "0cc84789c38fc450"}},
			Mappings:    []struct{ Framework, Name, Version, SHA256, Source string }{{Framework: "nist-csf-2.0", Name: "NIST Cybersecurity Framework", Version: "2.0"}},
			Checks:      []struct{ ID, Title, Family, Criteria string }{{ID: "ptr.present", Title: "The sender has reverse DNS (PTR)", Family: "ptr", Criteria: "the IP has a PTR name"}},
			Notes:       []string{},
		},
		Summary: sampleCounts{Assets: 3, Findings: 48, Pass: 40, Fail: 4, Warn: 2, Error: 1, Skip: 1},
		Assets: []any{map[string]any{
			"IP": "192.0.2.10", "Hostname": "mail1.example.com", "HELO": "mail1.example.com",
			"Domain": "example.com", "Owner": "mail-platform", "Criticality": "high",
		}},
		Findings: []any{map[string]any{
			"Asset": "192.0.2.10", "Check": "ptr.fcrdns", "Status": "fail", "Severity": "high",
			"Message": "The PTR name does not resolve back to the IP.", "Remediation": "Publish an A record.",
		}},
		Controls: []sampleControl{{
			Framework: "nist-csf-2.0", ID: "PR.DS-1", Title: "Outbound mail identity protects data in transit",
			Catalog: []string{"PR.DS-02"}, Checks: []string{"ptr.fcrdns"}, WarnFails: []string{},
			OSCAL:  []any{map[string]any{"Control": "PR.DS-02", "Statement": "PR.DS-02_statement"}},
			Status: "not_satisfied", Pass: 40, Fail: 4, Warn: 2, Error: 1,
		}},
		AssetSummary: []any{map[string]any{"IP": "192.0.2.10", "PTR": "mail1.example.com", "Status": "fail"}},
		Drift: &sampleDrift{
			Baseline: "evidence-2026Q3/evidence.json", BaseRun: "run-2026Q3",
			Added: []string{"192.0.2.12"}, Removed: []string{}, Changes: []sampleDriftChange{change},
		},
		Org: "Example Corp outbound mail", Period: "30 June 2026", PeriodPhrase: "on 30 June 2026",
		ControlsTotal: 14, Satisfied: 10, NotSatisfied: 3, Inconclusive: 1, Bad: 5, Attention: 7,
		AffectedAssets: 2, HighAssets: 2, AffectedHigh: 1,
		TopChecks: []sampleTopCheck{{Check: "ptr.fcrdns", Title: "Reverse DNS is forward-confirmed", Family: "ptr", Criteria: "some PTR name's A/AAAA set contains the IP",
			Fail: 2, Warn: 1, Counts: "2 fail, 1 warn"}},
		TopAssets: []sampleTopAsset{{IP: "192.0.2.10", Hostname: "mail1.example.com", Owner: "mail-platform",
			Criticality: "high", Fail: 2, Counts: "2 fail"}},
		DriftAssets: 1, DriftBaseRun: "run-2026Q3", DriftSample: []sampleDriftChange{change}, DriftMore: 2,
		DriftRechecked: 2, DriftLeftBehind: 1, DriftLeftFail: 1, DriftRecheckIncomplete: 1,
		OpenSPF: []sampleOpenSPF{{Domain: "news.example.com", Kind: "all", Why: "+all", Senders: 3}}, OpenSPFMore: 1,
	}
}

// ShapeDiff compares a mirror type of this package (see Contract) with the
// type it mirrors, and returns each difference, prefixed with path: a field
// missing on either side, or of another kind. A field typed interface in the
// mirror is not compared below it. Tests of the packages that own the real
// types use it to keep the mirrors true.
func ShapeDiff(path string, mirror, real reflect.Type) []string {
	if mirror.Kind() == reflect.Interface {
		return nil
	}
	if mirror.Kind() != real.Kind() {
		return []string{path + ": " + mirror.Kind().String() + " in the mirror, " + real.Kind().String() + " in " + real.String()}
	}
	if mirror.Kind() <= reflect.Complex128 || mirror.Kind() == reflect.String {
		// A basic type of its own (report.ControlState) is refused by the
		// functions that take the basic one: so must its mirror be.
		if named := func(t reflect.Type) bool { return t.PkgPath() != "" }; named(mirror) != named(real) {
			return []string{path + ": " + mirror.String() + " in the mirror, " + real.String() + " in the original: a type of its own in one only"}
		}
	}
	switch mirror.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return ShapeDiff(path+"[]", mirror.Elem(), real.Elem())
	case reflect.Map:
		return append(ShapeDiff(path+"{key}", mirror.Key(), real.Key()), ShapeDiff(path+"{}", mirror.Elem(), real.Elem())...)
	case reflect.Struct:
		var out []string
		mf, rf := shapeFields(mirror), shapeFields(real)
		for name, rt := range rf {
			mt, ok := mf[name]
			if !ok {
				out = append(out, path+"."+name+": missing in the mirror of "+real.String())
				continue
			}
			out = append(out, ShapeDiff(path+"."+name, mt, rt)...)
		}
		for name := range mf {
			if _, ok := rf[name]; !ok {
				out = append(out, path+"."+name+": in the mirror, not in "+real.String())
			}
		}
		slices.Sort(out)
		return out
	}
	return nil
}

// shapeFields returns the exported fields a template can name, promoted ones
// included.
func shapeFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for _, f := range reflect.VisibleFields(t) {
		if f.IsExported() {
			if _, ok := out[f.Name]; !ok {
				out[f.Name] = f.Type
			}
		}
	}
	return out
}
