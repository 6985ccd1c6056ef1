package assess

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/miekg/dns"

	"senderproof/templates"
)

// ErrNotRecorded is the error of a replayed lookup whose question the
// recorded evidence does not hold.
var ErrNotRecorded = errors.New("not recorded in the evidence")

// Replay is a Resolver that answers only from recorded evidence: each
// question gets the exchange recorded for it (rcode, answers, AD bit, server,
// transport, time and round-trip time exactly as recorded), a recorded
// transport failure fails again the same way, and CNAMEs are chased by the
// same code as the live client. It never sends a query.
type Replay struct {
	recorded map[qkey]Evidence
	// conflicted holds the questions recorded with different answers
	// (conflicts: the first maxConflictsShown, as questionString).
	conflicted map[qkey]bool
	conflicts  []string

	mu      sync.Mutex
	missing []string
	seen    map[qkey]bool
}

// NewReplay returns a resolver answering from the evidence of findings. When
// a question was recorded more than once (a cache entry that expired during a
// long run), the first recording in findings order answers.
func NewReplay(findings []Finding) *Replay {
	var evs []Evidence
	for _, f := range findings {
		evs = append(evs, f.Evidence...)
	}
	return NewReplayEvidence(evs)
}

// NewReplayEvidence returns a resolver answering from the given exchanges.
func NewReplayEvidence(evs []Evidence) *Replay {
	r := &Replay{recorded: make(map[qkey]Evidence, len(evs)), seen: map[qkey]bool{}}
	r.Record(evs...)
	return r
}

// Record adds exchanges to the recording, before any lookup: a question
// recorded already keeps its first exchange. A pack read finding by
// finding is recorded so, and only its distinct questions are kept.
func (r *Replay) Record(evs ...Evidence) {
	for _, ev := range evs {
		qt, ok := dns.StringToType[strings.ToUpper(ev.Type)]
		if !ok {
			continue
		}
		k := qkey{dns.CanonicalName(ev.Name), qt}
		prev, dup := r.recorded[k]
		if !dup {
			r.recorded[k] = ev
			continue
		}
		if !r.conflicted[k] && otherAnswer(prev, ev) {
			if r.conflicted == nil {
				r.conflicted = map[qkey]bool{}
			}
			r.conflicted[k] = true
			if len(r.conflicts) < maxConflictsShown {
				r.conflicts = append(r.conflicts, questionString(k.name, qt))
			}
		}
	}
}

// maxConflictsShown bounds the questions Conflicts names.
const maxConflictsShown = 5

// Conflicts returns how many questions were recorded with different
// outcomes (otherAnswer), and the first of them as "TYPE name". A genuine
// run records them when a question failed for one finding and was answered
// for another, or its records changed during the run (or its resolvers
// disagreed); the replay answers every finding with the first, so a
// finding that used another may replay to another verdict. An edited pack
// shows the same way, which is why the replay says so.
func (r *Replay) Conflicts() (int, []string) {
	return len(r.conflicted), slices.Clone(r.conflicts)
}

// otherAnswer reports whether two recorded exchanges of one question are
// different outcomes: a failure and an answer (a question that timed out
// for one finding is asked again by the next), or answers of other rcodes
// or records, their TTLs aside (a question asked again once its cache
// entry expired). Two failures are not: either leaves a finding error.
func otherAnswer(a, b Evidence) bool {
	if a.Error != "" || b.Error != "" {
		return (a.Error == "") != (b.Error == "")
	}
	if !strings.EqualFold(a.Rcode, b.Rcode) || len(a.Answers) != len(b.Answers) {
		return true
	}
	if slices.Equal(a.Answers, b.Answers) {
		return false
	}
	x, y := make([]string, len(a.Answers)), make([]string, len(b.Answers))
	for i := range a.Answers {
		x[i], y[i] = withoutTTL(a.Answers[i]), withoutTTL(b.Answers[i])
	}
	slices.Sort(x)
	slices.Sort(y)
	return !slices.Equal(x, y)
}

// withoutTTL drops the TTL of a record in presentation form ("name\tTTL\t
// class\ttype\tdata", as miekg/dns writes it).
func withoutTTL(rr string) string {
	i := strings.IndexByte(rr, '\t')
	if i < 0 {
		return rr
	}
	j := strings.IndexByte(rr[i+1:], '\t')
	if j < 0 {
		return rr
	}
	return rr[:i] + rr[i+1+j:]
}

// Release drops the recording once every lookup is done (Missing still
// answers): a large run's pack is then written without it in memory.
func (r *Replay) Release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recorded = nil
}

// Lookup answers name/qtype from the recording, chasing CNAMEs. A question
// that was not recorded fails with an error wrapping ErrNotRecorded.
func (r *Replay) Lookup(ctx context.Context, name string, qtype uint16) (Answer, error) {
	return chase(ctx, r.exchange, name, qtype)
}

// Missing returns the questions asked that the recording does not hold, as
// "TYPE name" (without the trailing dot), in the order first asked.
func (r *Replay) Missing() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.missing...)
}

// exchange is the replay's exchangeFunc.
func (r *Replay) exchange(ctx context.Context, name string, qtype uint16) exchangeResult {
	if err := ctx.Err(); err != nil {
		return exchangeResult{err: err}
	}
	k := qkey{dns.CanonicalName(name), qtype}
	ev, ok := r.recorded[k]
	if !ok {
		q := questionString(k.name, qtype)
		r.mu.Lock()
		if !r.seen[k] {
			r.seen[k] = true
			r.missing = append(r.missing, q)
		}
		r.mu.Unlock()
		// The question goes into the finding's evidence as asked and
		// not found, so that verify, replaying the finding from its own
		// evidence, meets the same failure and the same verdict.
		ev := Evidence{Name: k.name, Type: dns.TypeToString[qtype], Answers: []string{}, Error: ErrNotRecorded.Error()}
		return exchangeResult{ev: ev, err: fmt.Errorf("%w: %s", ErrNotRecorded, q)}
	}
	ev.Answers = slices.Clone(ev.Answers)
	if ev.Answers == nil {
		ev.Answers = []string{} // a list in evidence.json, never null
	}
	if ev.Error != "" {
		return exchangeResult{ev: ev, err: replayedError{msg: ev.Error, kind: errorKind(ev.Error)}}
	}
	rcode, ok := parseRcode(ev.Rcode)
	if !ok {
		return exchangeResult{ev: ev, err: fmt.Errorf("%w: recorded %s has unknown rcode %q", ErrNetwork, questionString(k.name, qtype), ev.Rcode)}
	}
	m := new(dns.Msg)
	m.SetQuestion(k.name, qtype)
	m.Response = true
	m.Rcode = rcode
	m.AuthenticatedData = ev.AD
	for _, s := range ev.Answers {
		rr, err := dns.NewRR(s)
		if err != nil {
			return exchangeResult{ev: ev, err: fmt.Errorf("%w: recorded answer %q of %s does not parse: %v", ErrNetwork, s, questionString(k.name, qtype), err)}
		}
		if rr != nil {
			m.Answer = append(m.Answer, rr)
		}
	}
	return exchangeResult{msg: m, ev: ev}
}

// replayedError is a recorded transport failure: the same text, and the
// same kind for errors.Is (a recorded timeout is a timeout again).
type replayedError struct {
	msg  string
	kind error
}

func (e replayedError) Error() string { return e.msg }
func (e replayedError) Unwrap() error { return e.kind }

// errorKind maps a recorded error text to the error it was made from.
func errorKind(msg string) error {
	for _, k := range []error{ErrTCPFallback, ErrReferral, ErrTruncated, ErrTimeout, ErrNetwork, context.Canceled, context.DeadlineExceeded} {
		if msg == k.Error() || strings.HasPrefix(msg, k.Error()+":") || strings.HasPrefix(msg, k.Error()+" (") {
			return k
		}
	}
	return ErrNetwork
}

func questionString(name string, qtype uint16) string {
	t, ok := dns.TypeToString[qtype]
	if !ok {
		t = fmt.Sprintf("TYPE%d", qtype)
	}
	return t + " " + strings.TrimSuffix(name, ".")
}

// EvidenceCause names what went wrong in one exchange, as the run's notes
// count it: "servfail", "refused", "timeout", "tcp_failed" (truncated over
// UDP, and the retry over TCP failed), "resolvers_down" (not sent: every
// resolver was down), "truncated" (cut short over TCP too), "network",
// "not_recorded"; "" for an answer that is not a failure of the resolver
// (NOERROR, NXDOMAIN, and the rest).
func EvidenceCause(e Evidence) string {
	switch {
	case e.Error == "":
	case strings.HasPrefix(e.Error, ErrTCPFallback.Error()):
		return "tcp_failed"
	case strings.HasPrefix(e.Error, ErrResolversDown.Error()):
		return "resolvers_down"
	case strings.HasPrefix(e.Error, ErrTruncated.Error()):
		return "truncated"
	case strings.HasPrefix(e.Error, ErrTimeout.Error()):
		return "timeout"
	case e.Error == ErrNotRecorded.Error():
		return "not_recorded"
	default:
		return "network"
	}
	switch strings.ToUpper(e.Rcode) {
	case "SERVFAIL":
		return "servfail"
	case "REFUSED":
		return "refused"
	}
	return ""
}

// NotRecordedError reports the questions a replayed check asked that its
// recorded evidence does not hold.
type NotRecordedError struct {
	Questions []string // "TYPE name"
}

func (e *NotRecordedError) Error() string {
	return "used DNS data that is not in its evidence: " + strings.Join(e.Questions, ", ")
}

func (e *NotRecordedError) Unwrap() error { return ErrNotRecorded }

// FindingKey names a finding in messages: asset, check and, for dkim.key,
// the selector.
func FindingKey(f Finding) string {
	s := f.Asset + " " + f.Check
	if f.Selector != nil && *f.Selector != "" {
		s += " " + *f.Selector
	}
	return s
}

// Reproduce re-runs the check of f for asset a offline, answering only from
// f's own evidence, and returns the finding it produces for the same check
// and selector, worded with tpl. For dkim.key only f's selector is looked
// up. It fails when the check is not replayable (drift.changed, unknown),
// when it produces no such finding, and with a *NotRecordedError when the
// check asked a question that f's evidence does not hold.
func Reproduce(ctx context.Context, a Asset, f Finding, tpl *templates.Set) (Finding, error) {
	if tpl == nil {
		tpl = templates.MustDefault()
	}
	c, ok := LookupCheck(f.Check)
	if !ok {
		return Finding{}, fmt.Errorf("unknown check %q", f.Check)
	}
	if c.Run == nil {
		return Finding{}, fmt.Errorf("check %s is not a DNS check and cannot be replayed", f.Check)
	}
	if f.Selector != nil && *f.Selector != "" {
		a.DKIMSelectors = []string{*f.Selector}
	}
	r := NewReplayEvidence(f.Evidence)
	fs := c.Run(ctx, r, a)
	if err := ctx.Err(); err != nil {
		return Finding{}, err
	}
	var got *Finding
	for i := range fs {
		if fs[i].Check == f.Check && selectorOf(fs[i]) == selectorOf(f) {
			got = &fs[i]
			break
		}
	}
	if missing := r.Missing(); len(missing) > 0 {
		err := &NotRecordedError{Questions: missing}
		if got == nil {
			return Finding{}, err
		}
		_ = Word(tpl, c, a, got)
		return *got, err
	}
	if got == nil {
		return Finding{}, fmt.Errorf("the check produced no finding for selector %q", selectorOf(f))
	}
	if err := Word(tpl, c, a, got); err != nil {
		return Finding{}, err
	}
	return *got, nil
}

func selectorOf(f Finding) string {
	if f.Selector == nil {
		return ""
	}
	return *f.Selector
}

// FindingDiff describes how a replayed finding differs from the recorded
// one, field by field (status, severity, message, remediation, observed,
// evidence); it is empty when they agree. Observed and evidence are
// compared as JSON.
func FindingDiff(recorded, replayed Finding) []string {
	var out []string
	if recorded.Status != replayed.Status {
		out = append(out, fmt.Sprintf("status is %s, recorded %s", replayed.Status, recorded.Status))
	}
	if recorded.Severity != replayed.Severity {
		out = append(out, fmt.Sprintf("severity is %s, recorded %s", replayed.Severity, recorded.Severity))
	}
	if recorded.Message != replayed.Message {
		out = append(out, fmt.Sprintf("message is %q, recorded %q", replayed.Message, recorded.Message))
	}
	if recorded.Remediation != replayed.Remediation {
		out = append(out, "remediation differs")
	}
	if d := jsonDiff(recorded.Observed, replayed.Observed); d != "" {
		out = append(out, "observed differs: "+d)
	}
	if d := jsonDiff(recorded.Evidence, replayed.Evidence); d != "" {
		out = append(out, "evidence differs: "+d)
	}
	return out
}

// jsonDiff compares two values as canonical JSON (map keys sorted) and
// returns "" when equal, else where they differ: for two objects the keys
// whose values differ, each with both values shortened; otherwise both
// renderings from a little before their first difference.
func jsonDiff(a, b any) string {
	ja, erra := canonicalJSON(a)
	jb, errb := canonicalJSON(b)
	if erra != nil || errb != nil {
		return fmt.Sprintf("cannot compare: %v", errors.Join(erra, errb))
	}
	if bytes.Equal(ja, jb) {
		return ""
	}
	var ma, mb map[string]json.RawMessage
	if json.Unmarshal(ja, &ma) == nil && json.Unmarshal(jb, &mb) == nil {
		keys := slices.Sorted(maps.Keys(ma))
		for k := range mb {
			if _, ok := ma[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		var parts []string
		for _, k := range keys {
			va, oka := ma[k]
			vb, okb := mb[k]
			switch {
			case !oka:
				parts = append(parts, fmt.Sprintf("%q replayed %s, not recorded", k, clipDiff(vb, vb)))
			case !okb:
				parts = append(parts, fmt.Sprintf("%q recorded %s, not replayed", k, clipDiff(va, va)))
			case !bytes.Equal(va, vb):
				parts = append(parts, fmt.Sprintf("%q replayed %s, recorded %s", k, clipDiff(vb, va), clipDiff(va, vb)))
			}
			if len(parts) == 5 {
				parts = append(parts, "…")
				break
			}
		}
		return strings.Join(parts, "; ")
	}
	return fmt.Sprintf("replayed %s, recorded %s", clipDiff(jb, ja), clipDiff(ja, jb))
}

// clipDiff shortens x for a message, keeping what differs from y in view:
// from a little before their first difference, at most 200 bytes, cut
// between characters.
func clipDiff(x, y []byte) string {
	const before, n = 60, 200
	start := 0
	if p := commonPrefix(x, y); p > before {
		start = p - before
		for start < len(x) && !utf8.RuneStart(x[start]) {
			start++
		}
	}
	end := min(len(x), start+n)
	for end < len(x) && !utf8.RuneStart(x[end]) {
		end--
	}
	out := string(x[start:end])
	if start > 0 {
		out = "…" + out
	}
	if end < len(x) {
		out += "…"
	}
	return out
}

func commonPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// canonicalJSON marshals v, decodes it generically and marshals it again, so
// that Go values and values read back from evidence.json compare equal.
func canonicalJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var g any
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, err
	}
	return json.Marshal(g)
}

// ReplayProblem is one finding that does not replay from its own evidence.
type ReplayProblem struct {
	Finding Finding
	Reason  string
}

func (p ReplayProblem) Error() string { return "finding " + FindingKey(p.Finding) + " " + p.Reason }

// VerifyFindings re-runs every finding (except those of checks without a
// Run, such as drift.changed) offline from its own evidence and compares the
// result with the recording. It returns how many findings were replayed and
// a problem for each that needed unrecorded DNS data, differs, or names an
// asset that is not in assets.
func VerifyFindings(ctx context.Context, assets []Asset, findings []Finding, tpl *templates.Set) (int, []ReplayProblem, error) {
	v := NewVerifier(assets, tpl)
	var problems []ReplayProblem
	for i := range findings {
		if p := v.Check(ctx, findings[i]); p != nil {
			problems = append(problems, *p)
		}
		if err := ctx.Err(); err != nil {
			return v.Replayed, problems, err
		}
	}
	return v.Replayed, problems, nil
}

// Verifier replays findings one at a time, so a pack of any size can be
// verified as it is read.
type Verifier struct {
	byIP map[string]Asset
	tpl  *templates.Set
	// Replayed counts the findings replayed (drift findings are not: they
	// compare two packs and have no DNS evidence).
	Replayed int
}

// NewVerifier returns a verifier for findings of the given assets.
func NewVerifier(assets []Asset, tpl *templates.Set) *Verifier {
	byIP := make(map[string]Asset, len(assets))
	for _, a := range assets {
		if _, ok := byIP[a.IP]; !ok {
			byIP[a.IP] = a
		}
	}
	return &Verifier{byIP: byIP, tpl: tpl}
}

// Check re-runs one finding's check offline from the finding's own
// evidence and returns the problem, or nil when it replays the same.
func (v *Verifier) Check(ctx context.Context, f Finding) *ReplayProblem {
	if c, ok := LookupCheck(f.Check); ok && c.Run == nil {
		return nil
	}
	v.Replayed++
	a, ok := v.byIP[f.Asset]
	if !ok {
		return &ReplayProblem{f, "names an asset that is not in the pack"}
	}
	got, err := Reproduce(ctx, a, f, v.tpl)
	if ctx.Err() != nil {
		return nil
	}
	var nr *NotRecordedError
	switch {
	case errors.As(err, &nr):
		return &ReplayProblem{f, nr.Error()}
	case err != nil:
		return &ReplayProblem{f, "does not replay: " + err.Error()}
	}
	if d := FindingDiff(f, got); len(d) > 0 {
		return &ReplayProblem{f, "differs on replay: " + strings.Join(d, "; ")}
	}
	return nil
}
