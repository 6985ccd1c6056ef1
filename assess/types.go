// Package assess loads a sender inventory, queries DNS for each sender's
// identity, and runs the registered checks to produce findings.
package assess

import (
	"context"
	"time"

	"github.com/miekg/dns"
)

// Status is the outcome of one check for one asset.
type Status string

// Statuses, from best to worst for threshold purposes (see Rank).
const (
	StatusPass  Status = "pass"
	StatusSkip  Status = "skip"
	StatusWarn  Status = "warn"
	StatusFail  Status = "fail"
	StatusError Status = "error"
)

// Rank orders statuses for --fail-on: skip and pass are 0, warn 1, fail 2.
// error is ranked with fail: an undetermined control is not a passed one.
func (s Status) Rank() int {
	switch s {
	case StatusWarn:
		return 1
	case StatusFail, StatusError:
		return 2
	}
	return 0
}

// Severity of a finding, derived from the check and the status.
type Severity string

// Severities.
const (
	SeverityInfo   Severity = "info"
	SeverityLow    Severity = "low"
	SeverityMedium Severity = "medium"
	SeverityHigh   Severity = "high"
)

// Asset is one outbound mail sender of the inventory.
type Asset struct {
	IP            string            `json:"ip"`
	Hostname      string            `json:"hostname"`
	HELO          string            `json:"helo"`
	Domain        string            `json:"domain"`
	DKIMSelectors []string          `json:"dkim_selectors"`
	Owner         string            `json:"owner"`
	Environment   string            `json:"environment"`
	Provider      string            `json:"provider"`
	Relay         string            `json:"relay"`
	Criticality   string            `json:"criticality"`
	Tags          map[string]string `json:"tags"`
}

// TemplateField gives the wording the field name (see templates.Fielder).
func (a *Asset) TemplateField(name string) (any, bool) {
	switch name {
	case "IP":
		return a.IP, true
	case "Hostname":
		return a.Hostname, true
	case "HELO":
		return a.HELO, true
	case "Domain":
		return a.Domain, true
	case "DKIMSelectors":
		return a.DKIMSelectors, true
	case "Owner":
		return a.Owner, true
	case "Environment":
		return a.Environment, true
	case "Provider":
		return a.Provider, true
	case "Relay":
		return a.Relay, true
	case "Criticality":
		return a.Criticality, true
	case "Tags":
		return a.Tags, true
	}
	return nil, false
}

// Evidence is one DNS exchange as recorded in a finding: enough to replay the
// lookup offline (see Replay).
type Evidence struct {
	Name      string   `json:"name"`
	Type      string   `json:"type"`
	Server    string   `json:"server"`
	Transport string   `json:"transport"`
	Rcode     string   `json:"rcode"`
	Answers   []string `json:"answers"`
	// Authority holds the SOA record of a negative answer (NXDOMAIN or
	// NODATA), whose TTL and minimum say how long the absence holds
	// (RFC 2308), or the NS records of a referral (ErrReferral).
	Authority []string  `json:"authority,omitempty"`
	AD        bool      `json:"ad"`
	At        time.Time `json:"at"`
	// RTT is how long the exchange took, in milliseconds.
	RTT float64 `json:"rtt_ms"`
	// Error is set when no usable answer came back (timeout, network error).
	Error string `json:"error,omitempty"`
	// Omitted counts the records of the answer section beyond those kept
	// in Answers (MaxRRs, besides the aliases before them): a hostile
	// answer is bounded, and says so.
	Omitted int `json:"omitted,omitempty"`
}

// ControlRef names one control of one framework.
type ControlRef struct {
	Framework string `json:"framework"`
	ID        string `json:"id"`
}

// Finding is one check's verdict for one asset (and DKIM selector).
type Finding struct {
	Asset       string         `json:"asset"`
	Check       string         `json:"check"`
	Selector    *string        `json:"selector,omitempty"`
	Status      Status         `json:"status"`
	Severity    Severity       `json:"severity"`
	Message     string         `json:"message"`
	Observed    map[string]any `json:"observed"`
	Evidence    []Evidence     `json:"evidence"`
	Controls    []ControlRef   `json:"controls"`
	Remediation string         `json:"remediation"`
}

// Resolver answers one DNS question, following CNAMEs. An rcode such as
// NXDOMAIN, SERVFAIL or REFUSED is data in the Answer; a non-nil error means
// no answer could be had at all (timeout or network failure after retries,
// or a cancelled context).
type Resolver interface {
	Lookup(ctx context.Context, name string, qtype uint16) (Answer, error)
}

// Answer is the result of one lookup, after CNAME chasing.
type Answer struct {
	Name  string // the question, fully qualified, lower case
	Qtype uint16
	// Rcode of the final exchange of the chain.
	Rcode int
	// RRs holds the records of type Qtype at the end of the CNAME chain.
	RRs []dns.RR
	// Chain holds the CNAME targets followed, in order.
	Chain []string
	// Exchanges holds every exchange used to reach this answer, in order.
	Exchanges []Evidence
	// Err describes why the answer is an error (loop, chain too long); it is
	// set together with a non-nil error from Lookup.
	Err string
	// Omitted counts the records of the final response beyond those read
	// (Evidence.Omitted): RRs may then lack some of the name's records.
	Omitted int
	// Unrelated counts the records of a NOERROR response's answer section
	// when none of them answers the question (other names, types or
	// classes, and no CNAME to follow): such a response is neither the
	// records nor the empty answer of NODATA.
	Unrelated int
}

// Outcome classifies an answer for the checks.
type Outcome int

// Outcomes of a lookup.
const (
	OutcomeRecords  Outcome = iota // records of the asked type exist
	OutcomeNXDomain                // the name does not exist (an answer)
	OutcomeNoData                  // the name exists, without that type (an answer)
	OutcomeError                   // timeout, SERVFAIL, REFUSED, network error, loop
)

// Classify turns a Lookup result into an Outcome. NXDOMAIN and NODATA are
// answers; timeout, SERVFAIL, REFUSED and every other rcode are errors, and
// so is an NXDOMAIN that carries records of the asked type for the name it
// says does not exist: the response contradicts itself, so it answers
// neither way. A NOERROR answer with none of the asked records among those
// read and more records not read (Omitted) is an error too: the records
// not read may be the name's; so is one whose answer section holds only
// records for other questions (Unrelated). A TXT answer with records not
// read is an error even when some were read: the policy records (SPF,
// DKIM, DMARC) are picked from among all of a name's texts, and the one
// that counts, or a second that voids it, may be among those not read.
func Classify(a Answer, err error) Outcome {
	if err != nil {
		return OutcomeError
	}
	switch a.Rcode {
	case dns.RcodeSuccess:
		if len(a.RRs) == 0 {
			if a.Omitted > 0 || a.Unrelated > 0 {
				return OutcomeError
			}
			return OutcomeNoData
		}
		if a.Qtype == dns.TypeTXT && a.Omitted > 0 {
			return OutcomeError
		}
		return OutcomeRecords
	case dns.RcodeNameError:
		if len(a.RRs) > 0 {
			return OutcomeError
		}
		return OutcomeNXDomain
	}
	return OutcomeError
}

// CheckFunc runs one check for one asset. It depends only on its arguments.
type CheckFunc func(ctx context.Context, r Resolver, a Asset) []Finding

// Check is one registered check.
type Check struct {
	ID       string // SPEC check ID: API, never renamed
	Title    string // what it asks, in plain words, for readers of the reports
	Family   string // ptr, helo, spf, dkim, dmarc, align, drift
	Criteria string // when it passes, for the methodology page
	Severity Severity
	Run      CheckFunc
	// DomainOnly: the findings depend on nothing but the asset's Domain and
	// DKIMSelectors, so a run computes them once per domain and gives every
	// asset of the domain a copy.
	DomainOnly bool
}
