// Package report builds the evidence model (the Pack) from a run and writes
// it in every format of the evidence pack.
package report

import (
	"context"
	"io"
	"strings"
	"time"

	"senderproof/assess"
	"senderproof/mappings"
)

// Schema is the evidence.json schema identifier.
const Schema = "senderproof/evidence/v1"

// Pack is the evidence.json model: the single source every writer formats.
type Pack struct {
	Schema   string           `json:"schema"`
	Tool     Tool             `json:"tool"`
	Run      Run              `json:"run"`
	Summary  Summary          `json:"summary"`
	Assets   []assess.Asset   `json:"assets"`
	Findings []assess.Finding `json:"findings"`
	Controls []ControlStatus  `json:"controls"`
	// AssetSummary is one row per asset for the reports' appendix, in
	// inventory order, derived by Build from the findings.
	AssetSummary []AssetSummary `json:"asset_summary"`
	Drift        *Drift         `json:"drift,omitempty"`

	spool *spool // findings of a streamed run; see EachFinding
	// errorReasons and errorCauses count the error findings of a pack
	// built by a run (ErrorReasons, ErrorCauses).
	errorReasons, errorCauses map[string]int
	// observed holds, for a pack read with ReadPackForDrift, the values
	// drift compares, by asset, in place of its findings.
	observed map[string][]observation
	// findingsSeen: the file read had a findings list (scanPack).
	findingsSeen bool
	// readSHA256 is the SHA-256 of the bytes scanPack read.
	readSHA256 string
}

// AssetSummary condenses one asset's findings.
type AssetSummary struct {
	IP          string `json:"ip"`
	PTR         string `json:"ptr"`          // the PTR name ("" when none)
	FCrDNS      string `json:"fcrdns"`       // ptr.fcrdns status
	HELO        string `json:"helo"`         // helo value as configured
	HELOStatus  string `json:"helo_status"`  // helo.fqdn status
	SPF         string `json:"spf"`          // spf.authorizes_ip result name, or status
	DMARCPolicy string `json:"dmarc_policy"` // effective policy, or ""
	Status      string `json:"status"`       // worst status of the asset's findings
	Fail        int    `json:"fail"`
	Warn        int    `json:"warn"`
	Error       int    `json:"error"`
	// Skip counts the checks not applied to the sender (an inventory
	// field it lacks): a pass with many of them is a gap in coverage.
	Skip int `json:"skip"`
}

// Tool names the program that made the pack.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Build is the source revision the binary was built from, when it
	// records one (go build in a git checkout): "<12 hex digits>", with
	// "+modified" for a tree with uncommitted changes. Two builds of one
	// version can differ in checks and wording.
	Build string `json:"build,omitempty"`
}

// CheckInfo describes one check for the methodology page.
type CheckInfo struct {
	ID string `json:"id"`
	// Title says what the check asks in plain words (absent in packs of
	// 0.4.0-dev builds before it).
	Title    string `json:"title,omitempty"`
	Family   string `json:"family"`
	Criteria string `json:"criteria"`
}

// Run describes one assessment run.
type Run struct {
	ID              string       `json:"id"`
	Title           string       `json:"title"`
	StartedAt       time.Time    `json:"started_at"`
	FinishedAt      time.Time    `json:"finished_at"`
	Resolvers       []string     `json:"resolvers"`
	InventorySHA256 string       `json:"inventory_sha256"`
	Inventories     []Input      `json:"inventories"`
	Mappings        []MappingRef `json:"mappings"`
	Settings        Settings     `json:"settings"`
	Queries         QueryStats   `json:"queries"`
	Checks          []CheckInfo  `json:"checks"`
	Notes           []string     `json:"notes,omitempty"`
	// ReplayOf marks a run that re-assessed a recorded run offline from
	// its DNS evidence (assess --replay), for the reports. It is not in
	// evidence.json, which stays byte-identical to the recorded run's
	// apart from run ID and times; the manifest's replay_of records it.
	ReplayOf *ReplayOf `json:"-"`
}

// ReplayOf names the recorded run a replay re-assessed, and when the DNS
// answers it replays were recorded (for a replay of a replay, the first
// run's times: no DNS was queried since).
type ReplayOf struct {
	RunID      string
	RecordedAt time.Time
	RecordedTo time.Time
}

// Evidenced returns the period the run's DNS evidence was collected in:
// the run's own, or for a replay the recorded run's.
func (r Run) Evidenced() (from, to time.Time) {
	if r.ReplayOf != nil {
		return r.ReplayOf.RecordedAt, r.ReplayOf.RecordedTo
	}
	return r.StartedAt, r.FinishedAt
}

// Input is one input file and its hash.
type Input struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	// Kind says what the run used the file for, in the manifest:
	// InputInventory, InputReplay, InputBaseline, InputMappings or
	// InputTemplates (empty in packs of 0.2.0-dev and before, and in
	// evidence.json's run.inventories, which are all inventories).
	Kind string `json:"kind,omitempty"`
}

// Kinds of input file (Input.Kind).
const (
	InputInventory = "inventory"
	InputReplay    = "replay"
	InputBaseline  = "baseline"
	InputMappings  = "mappings"
	InputTemplates = "templates"
)

// MappingRef records one mapping file used by the run.
type MappingRef struct {
	Framework string `json:"framework"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	SHA256    string `json:"sha256"`
	Source    string `json:"source"`
}

// Settings records the DNS client settings of the run.
type Settings struct {
	Concurrency int     `json:"concurrency"`
	QPS         float64 `json:"qps"`
	Timeout     string  `json:"timeout"`
	Retries     int     `json:"retries"`
}

// QueryStats counts the DNS work of the run.
type QueryStats struct {
	Lookups   int64 `json:"lookups"`    // questions the checks asked the DNS client, each hop of a CNAME chain one
	CacheHits int64 `json:"cache_hits"` // answered from cache or an in-flight query
	Sent      int64 `json:"sent"`       // DNS messages sent on the wire (with retries)
	TCP       int64 `json:"tcp"`        // of which over TCP
	Timeouts  int64 `json:"timeouts"`
	Errors    int64 `json:"errors"` // checks' lookups that ended in error (a failed exchange, an alias loop, records past the bounds)
}

// Summary counts findings by status.
type Summary struct {
	Assets   int `json:"assets"`
	Findings int `json:"findings"`
	Pass     int `json:"pass"`
	Fail     int `json:"fail"`
	Warn     int `json:"warn"`
	Error    int `json:"error"`
	Skip     int `json:"skip"`
}

// ControlState is the roll-up of a control over the fleet.
type ControlState string

// Control states.
const (
	ControlSatisfied    ControlState = "satisfied"
	ControlNotSatisfied ControlState = "not_satisfied"
	ControlInconclusive ControlState = "inconclusive"
)

// ControlStatus is one control and how the fleet's findings roll up into it.
type ControlStatus struct {
	Framework string   `json:"framework"`
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Relevance string   `json:"relevance,omitempty"`
	Catalog   []string `json:"catalog,omitempty"`
	Checks    []string `json:"checks,omitempty"`
	// WarnFails are the checks (of Checks) whose warn findings count
	// against the control (fail_on: warn in the mapping file).
	WarnFails []string `json:"warn_fails,omitempty"`
	// OSCAL names the catalog controls as the framework's OSCAL catalog
	// does (its control and statement ids), for OSCAL findings' targets.
	OSCAL  []mappings.OSCALRef `json:"oscal,omitempty"`
	Status ControlState        `json:"status"`
	Pass   int                 `json:"pass"`
	Fail   int                 `json:"fail"`
	Warn   int                 `json:"warn"`
	Error  int                 `json:"error"`
	// Skip counts its checks' findings that did not apply to a sender (an
	// inventory field the check needs was missing, or the record it reads
	// does not exist): a control satisfied by a few passes among many of
	// them is covered only in part.
	Skip int `json:"skip"`
}

// String names the tool: "senderproof 0.4.0 (build 0123456789ab)".
func (t Tool) String() string {
	s := t.Name + " " + t.Version
	if t.Build != "" {
		s += " (build " + t.Build + ")"
	}
	return s
}

// Drift holds the changes found against a baseline run.
type Drift struct {
	Baseline string        `json:"baseline"`
	BaseRun  string        `json:"baseline_run_id"`
	Added    []string      `json:"added"`
	Removed  []string      `json:"removed"`
	Changes  []DriftChange `json:"changes"`
	// RemovedAssets are the baseline's rows of the removed senders, in
	// Removed's order: who they were (host name, owner, criticality) is
	// what an offboarding review needs, and the baseline may be gone.
	RemovedAssets []assess.Asset `json:"removed_assets,omitempty"`
	// Offboarding is what today's DNS still says of each removed sender,
	// in Removed's order: the records left behind that vouch for its
	// address (OWASP NHI-01). Absent in packs written before it was kept.
	Offboarding []assess.Offboard `json:"offboarding,omitempty"`
	// OffboardingOmitted counts the removed senders past the bound
	// (assess.MaxRecheck) that were not checked again: the last ones of
	// Removed.
	OffboardingOmitted int `json:"offboarding_omitted,omitempty"`
}

// removedRows indexes the removed senders' baseline rows by IP.
func (d *Drift) removedRows() map[string]assess.Asset {
	rows := make(map[string]assess.Asset, len(d.RemovedAssets))
	for _, a := range d.RemovedAssets {
		rows[a.IP] = a
	}
	return rows
}

// Rechecks indexes the offboarding rechecks by the removed sender's IP.
func (d *Drift) Rechecks() map[string]*assess.Offboard {
	out := make(map[string]*assess.Offboard, len(d.Offboarding))
	for i := range d.Offboarding {
		out[d.Offboarding[i].IP] = &d.Offboarding[i]
	}
	return out
}

// LeftBehind counts the removed senders whose recheck found records still
// vouching for them, and those of them with a fail.
func (d *Drift) LeftBehind() (n, fail int) {
	for _, o := range d.Offboarding {
		switch o.Status {
		case assess.StatusFail:
			n, fail = n+1, fail+1
		case assess.StatusWarn:
			n++
		}
	}
	return n, fail
}

// RecheckIncomplete counts the removed senders whose recheck could not
// determine some check (error, or fail or warn beside an undetermined
// check, which may hide worse).
func (d *Drift) RecheckIncomplete() int {
	n := 0
	for _, o := range d.Offboarding {
		if len(o.Undetermined) > 0 {
			n++
		}
	}
	return n
}

// removedOf returns, for the baseline's assets, the IPs not in cur and
// their rows, each IP once, in the baseline's order.
func removedOf(base []assess.Asset, inCur map[string]bool) ([]string, []assess.Asset) {
	ips, rows := []string{}, []assess.Asset(nil)
	seen := map[string]bool{}
	for _, a := range base {
		if inCur[a.IP] || seen[a.IP] {
			continue
		}
		seen[a.IP] = true
		ips, rows = append(ips, a.IP), append(rows, a)
	}
	return ips, rows
}

// RemovedNotes describes each removed sender by its baseline row, by IP:
// "host mail12.example.com, owner mail-platform, criticality high"; a
// sender whose row the pack does not hold, or whose row says none of
// these, has none.
func (d *Drift) RemovedNotes() map[string]string {
	out := make(map[string]string, len(d.RemovedAssets))
	for _, a := range d.RemovedAssets {
		var parts []string
		for _, kv := range [][2]string{{"host", a.Hostname}, {"owner", a.Owner}, {"criticality", a.Criticality}} {
			if kv[1] != "" {
				parts = append(parts, kv[0]+" "+kv[1])
			}
		}
		if len(parts) > 0 {
			out[a.IP] = strings.Join(parts, ", ")
		}
	}
	return out
}

// DriftChange is one observed value that changed for one asset.
type DriftChange struct {
	Asset string `json:"asset"`
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
	// Inventory names the inventory edit the change comes from, not a DNS
	// change: selector_added, selector_removed, domain or helo; absent for
	// none.
	Inventory string `json:"inventory,omitempty"`
}

// InventoryNote says which inventory edit a change comes from, for the
// tables that show changes (XLSX, PDF, diff); "" for a change in DNS.
func (c DriftChange) InventoryNote() string {
	switch c.Inventory {
	case "":
		return ""
	case invSelectorRemoved:
		return "selector taken out of the inventory"
	case invSelectorAdded:
		return "selector added to the inventory"
	case invDomain:
		return "sending domain changed in the inventory"
	case invHELO:
		return "HELO name changed in the inventory"
	}
	return "inventory edit: " + c.Inventory
}

// Writer formats a Pack. Writers only format: every figure they show comes
// from the Pack.
type Writer interface {
	Write(ctx context.Context, w io.Writer, p *Pack) error
}

// ReadSHA256 is the SHA-256 of the evidence.json bytes the pack was read
// from, as they were read ("" for a pack not read by ScanPack or
// ReadPackEach).
func (p *Pack) ReadSHA256() string { return p.readSHA256 }

// ErrorReasons counts the error findings of a pack a run built by the
// reason they record (observed "reason"; "" for none), so the run's last
// lines say why without reading the findings again; nil for a pack read
// from a file.
func (p *Pack) ErrorReasons() map[string]int { return p.errorReasons }

// ErrorCauses counts the error findings of a pack a run built by what
// failed in their exchanges (assess.EvidenceCause: "servfail", "timeout",
// ...), each finding once per cause: a forward lookup's SERVFAIL behind a
// ptr.fcrdns error counts as the SERVFAIL it was. "servfail|refused" and
// "timeout|resolvers_down" count the findings with either cause, once.
// Nil for a pack read from a file.
func (p *Pack) ErrorCauses() map[string]int { return p.errorCauses }
