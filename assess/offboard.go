package assess

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"senderproof/templates"
)

// offboardChecks are the checks run again, against today's DNS, for each
// sender removed from the inventory since a baseline run: the records that
// may still vouch for its address (OWASP NHI-01, Improper Offboarding), in
// check ID order as a sender's findings are.
var offboardChecks = []string{"helo.fqdn", "ptr.fcrdns", "ptr.present", "spf.authorizes_ip"}

// MaxRecheck bounds the removed senders a run checks again: each recheck
// keeps its findings and exchanges in memory until the pack is written
// (about 30 KB), and a run must stay within its memory bound even when a
// migration removes most of a fleet at once. The first MaxRecheck removed
// senders, in the baseline's order, are checked; the pack counts the rest.
const MaxRecheck = 2000

// RecheckBound splits the removed senders into those a run checks again,
// the first MaxRecheck in order, and the count of the rest.
func RecheckBound(removed []Asset) (checked []Asset, omitted int) {
	if len(removed) <= MaxRecheck {
		return removed, 0
	}
	return removed[:MaxRecheck], len(removed) - MaxRecheck
}

// OffboardChecks returns the checks an offboarding recheck runs.
func OffboardChecks() []string { return slices.Clone(offboardChecks) }

// Offboard is what DNS still says of a sender removed since the baseline
// run, judged from the baseline's row of it.
type Offboard struct {
	IP string `json:"ip"`
	// Status is fail when an SPF record still authorizes the address by
	// name (its own ip4:/ip6: term, or a name of the sender's
	// organization), warn when only a PTR or host name, a range or a third
	// party's include still does, error when a check could not be
	// determined and nothing was found, pass when nothing is left.
	Status     Status       `json:"status"`
	LeftBehind []LeftBehind `json:"left_behind"`
	// LeftBehindOmitted counts what is left behind beyond the first
	// maxLeftBehind listed.
	LeftBehindOmitted int `json:"left_behind_omitted,omitempty"`
	// Undetermined names the checks whose finding is error, ptr.present
	// when its answer held more names than were read, and "host" when the
	// host name lookup failed. Skipped names the checks the baseline row
	// gives no input for (spf.authorizes_ip without a sending domain,
	// helo.fqdn without a HELO name).
	Undetermined []string  `json:"undetermined"`
	Skipped      []string  `json:"skipped,omitempty"`
	Message      string    `json:"message"`
	Remediation  string    `json:"remediation"`
	Findings     []Finding `json:"findings"`
	// Host is the forward lookup of the row's host name, when it has one
	// that no check above looks up (not its HELO name, not a relay's).
	Host *HostLookup `json:"host,omitempty"`
}

// HostLookup is the forward lookup of a removed sender's host name: a host
// name of the organization that still resolves to the address is left
// behind even when the PTR no longer names it.
type HostLookup struct {
	Name      string   `json:"name"`
	Addresses []string `json:"addresses"`
	// Outcome: records, nxdomain, nodata or error (Reason says which).
	Outcome  string     `json:"outcome"`
	Reason   string     `json:"reason,omitempty"`
	Evidence []Evidence `json:"evidence"`
}

// Evidence returns every exchange of the recheck: its findings', then its
// host name lookup's.
func (o *Offboard) Evidence() []Evidence {
	var ev []Evidence
	for _, f := range o.Findings {
		ev = append(ev, f.Evidence...)
	}
	if o.Host != nil {
		ev = append(ev, o.Host.Evidence...)
	}
	return ev
}

// lookupHost looks up the host name of a removed row, or returns nil when
// the recheck's checks cover it already or it names no host.
func lookupHost(ctx context.Context, r Resolver, a Asset) *HostLookup {
	name := normName(a.Hostname)
	if name == "" || a.Relay != "" || name == normName(a.HELO) {
		return nil
	}
	if ok, _ := validFQDN(a.Hostname); !ok {
		return nil
	}
	ip, err := netip.ParseAddr(a.IP)
	if err != nil {
		return nil
	}
	addrs, ans, out := forwardAddrs(ctx, r, name, ip.Unmap())
	h := &HostLookup{Name: name, Addresses: nonNil(addrs), Evidence: evidenceOf(ans)}
	switch {
	case out == OutcomeRecords && ans.Omitted > 0 && !slices.Contains(addrs, ip.Unmap().String()):
		// One of the address records not read may be the sender's.
		h.Outcome, h.Reason = "error", "forward_cut"
	case out == OutcomeRecords:
		h.Outcome = "records"
	case out == OutcomeNXDomain || out == OutcomeNoData:
		h.Outcome = negReason(out)
	default:
		h.Outcome, h.Reason = "error", errorReason(ans, errFromAnswer(ans))
	}
	return h
}

// ReplayHost looks up a recheck's host name again from its own recorded
// exchanges, for verify: the lookup it gives, or an error when it needs an
// exchange not recorded.
func ReplayHost(ctx context.Context, a Asset, h *HostLookup) (*HostLookup, error) {
	var evs []Evidence
	if h != nil {
		evs = h.Evidence
	}
	r := NewReplayEvidence(evs)
	got := lookupHost(ctx, r, a)
	if missing := r.Missing(); len(missing) > 0 {
		return got, &NotRecordedError{Questions: missing}
	}
	return got, nil
}

// LeftBehind is one record that still vouches for a removed sender.
type LeftBehind struct {
	// Check is the finding that shows it.
	Check string `json:"check"`
	// Kind: spf_address (an ip4:/ip6: term for the address alone),
	// spf_name (a, mx, ptr or exists through the organization's own
	// names), spf_range (a wider ip4:/ip6: range), spf_shared (through
	// another organization's include or names, or a macro that cannot be
	// told), spf_any (through +all, a term that allows any address, or
	// one of the ip4:/ip6: terms that together do),
	// forward_name (a host name of the organization that still resolves
	// to the address, and that its PTR names), ptr_name (the PTR still
	// names a host of the organization), helo_name (the HELO name still
	// resolves to the address), host_name (the row's host name still
	// resolves to it; Check is "host", the Offboard's Host lookup).
	Kind string `json:"kind"`
	// Name is the name that vouches: the sending domain whose SPF check
	// passes, the PTR name or the HELO name.
	Name string `json:"name"`
	// Term is the SPF mechanism that matched (for spf_any through terms
	// that together allow any address, those terms, joined by a space,
	// the one that matched among them); Record the domain whose SPF
	// record holds it (Name's own, or one it reaches through Via, the
	// include: and redirect= terms followed), or for a PTR name the name
	// its PTR record is published at.
	Term   string   `json:"term,omitempty"`
	Record string   `json:"record,omitempty"`
	Via    []string `json:"via,omitempty"`
	Status Status   `json:"status"`
}

// Short names what is left behind on one line, for lists: "spf_address
// ip4:192.0.2.10 in _spf.example.com", "ptr_name mail3.example.com".
func (l LeftBehind) Short() string {
	if !strings.HasPrefix(l.Kind, "spf_") {
		return l.Kind + " " + l.Name
	}
	return l.Kind + " " + l.Term + " in " + cmp.Or(l.Record, l.Name)
}

// maxLeftBehind bounds what a recheck lists: the address's next holder
// controls its reverse zone and may give it a hundred PTR names.
const maxLeftBehind = 20

// CheckRemoved runs the offboarding checks for each removed sender (its
// baseline row; fleet lists the fleet's sending domains, FleetDomains)
// through opt's resolver, opt.Concurrency at a time, and
// words the verdicts with opt's templates (opt.Sink is not used). It
// returns an error when ctx is cancelled or the wording fails.
func CheckRemoved(ctx context.Context, removed []Asset, fleet []string, opt Options, baseRun string) ([]Offboard, error) {
	tpl := opt.Templates
	if tpl == nil {
		tpl = templates.MustDefault()
	}
	out := make([]Offboard, len(removed))
	err := inTurn(ctx, opt, len(removed), func() func(context.Context, int) error {
		return func(ctx context.Context, i int) error {
			o, err := checkRemoved(ctx, opt.Resolver, removed[i], tpl, fleet, baseRun)
			out[i] = o
			return err
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func checkRemoved(ctx context.Context, r Resolver, a Asset, tpl *templates.Set, fleet []string, baseRun string) (Offboard, error) {
	var fs []Finding
	for _, id := range offboardChecks {
		c, _ := LookupCheck(id)
		for _, f := range c.Run(ctx, r, a) {
			if err := Word(tpl, c, a, &f); err != nil {
				return Offboard{}, err
			}
			fs = append(fs, f)
		}
	}
	host := lookupHost(ctx, r, a)
	if err := ctx.Err(); err != nil {
		return Offboard{}, err
	}
	return JudgeRemoved(a, fs, host, fleet, tpl, baseRun)
}

// FleetDomains returns the sending domains of the given rows (this run's
// inventory and the removed senders' baseline rows), each once: the
// organization's own names, beside each removed row's own, when a recheck
// judges what still vouches for an address.
func FleetDomains(rows ...[]Asset) []string {
	seen := map[string]bool{}
	var out []string
	for _, as := range rows {
		for _, a := range as {
			if d := normName(a.Domain); d != "" && !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	slices.Sort(out)
	return out
}

// JudgeRemoved gives the verdict on a removed sender (its baseline row a)
// from the findings of the offboarding checks, worded with tpl: what still
// vouches for its address. fleet lists the fleet's sending domains
// (FleetDomains). verify calls it on a pack's recorded findings.
func JudgeRemoved(a Asset, fs []Finding, host *HostLookup, fleet []string, tpl *templates.Set, baseRun string) (Offboard, error) {
	o := Offboard{IP: a.IP, LeftBehind: []LeftBehind{}, Undetermined: []string{}, Findings: fs, Host: host}
	orgs := ownOrgs(a, fleet)
	var confirmed []string
	for _, f := range fs {
		if f.Check == "ptr.fcrdns" && f.Status == StatusPass {
			confirmed = observedStrings(f.Observed["confirmed"])
		}
	}
	var left []LeftBehind
	for _, f := range fs {
		switch f.Status {
		case StatusError:
			o.Undetermined = append(o.Undetermined, f.Check)
			continue
		case StatusSkip:
			if f.Check == "spf.authorizes_ip" || f.Check == "helo.fqdn" {
				o.Skipped = append(o.Skipped, f.Check)
			}
			continue
		case StatusPass:
		default:
			continue
		}
		switch f.Check {
		case "ptr.fcrdns":
			for _, name := range confirmed {
				if orgs[orgDomain(name)] {
					left = append(left, LeftBehind{Check: f.Check, Kind: "forward_name", Name: name, Record: ptrOwner(f), Status: StatusWarn})
				}
			}
		case "ptr.present":
			if _, cut := f.Observed["records_omitted"]; cut {
				// Past the records read, a name of the organization
				// may be among those not read.
				o.Undetermined = append(o.Undetermined, f.Check)
			}
			for _, name := range observedStrings(f.Observed["ptr_names"]) {
				if orgs[orgDomain(name)] && !slices.Contains(confirmed, name) {
					left = append(left, LeftBehind{Check: f.Check, Kind: "ptr_name", Name: name, Record: ptrOwner(f), Status: StatusWarn})
				}
			}
		case "helo.fqdn":
			helo := normName(a.HELO)
			if orgs[orgDomain(helo)] && !slices.Contains(confirmed, helo) {
				left = append(left, LeftBehind{Check: f.Check, Kind: "helo_name", Name: helo, Status: StatusWarn})
			}
		case "spf.authorizes_ip":
			l := spfLeftBehind(a, f, orgs)
			left = append(left, l)
			// A term for the address alone after the one that matched
			// (ip4:192.0.2.0/24 ip4:192.0.2.61) is never evaluated but
			// still left behind: the domain's own record is read whole.
			if l.Kind != "spf_address" {
				if t := exactTermIn(f.Observed["record"], a.IP); t != "" {
					left = append(left, LeftBehind{Check: f.Check, Kind: "spf_address", Name: l.Name, Term: t, Record: l.Name, Status: StatusFail})
				}
			}
		}
	}
	if host != nil {
		named := slices.ContainsFunc(left, func(l LeftBehind) bool { return l.Name == host.Name && !strings.HasPrefix(l.Kind, "spf_") })
		switch {
		case host.Outcome == "error":
			o.Undetermined = append(o.Undetermined, "host")
		case !named && orgs[orgDomain(host.Name)] && slices.Contains(host.Addresses, unmapped(a.IP)):
			left = append(left, LeftBehind{Check: "host", Kind: "host_name", Name: host.Name, Status: StatusWarn})
		}
	}
	// Worst first, and SPF before names among warnings, so that the bound
	// never hides an SPF authorization behind PTR names.
	spfFirst := func(l LeftBehind) int {
		if strings.HasPrefix(l.Kind, "spf_") {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(left, func(x, y LeftBehind) int {
		return cmp.Or(y.Status.Rank()-x.Status.Rank(), spfFirst(x)-spfFirst(y))
	})
	if len(left) > maxLeftBehind {
		o.LeftBehindOmitted = len(left) - maxLeftBehind
		left = left[:maxLeftBehind]
	}
	o.LeftBehind = append(o.LeftBehind, left...)
	switch {
	case slices.ContainsFunc(o.LeftBehind, func(l LeftBehind) bool { return l.Status == StatusFail }):
		o.Status = StatusFail
	case len(o.LeftBehind) > 0:
		o.Status = StatusWarn
	case len(o.Undetermined) > 0:
		o.Status = StatusError
	default:
		o.Status = StatusPass
	}
	lb := make([]map[string]any, len(o.LeftBehind))
	for i, l := range o.LeftBehind {
		via := l.Via
		if via == nil {
			via = []string{}
		}
		lb[i] = map[string]any{"check": l.Check, "kind": l.Kind, "name": l.Name, "term": l.Term,
			"record": l.Record, "via": via, "status": string(l.Status)}
		if l.Kind == "spf_shared" {
			lb[i]["drop"], lb[i]["drop_from"] = firstForeign(l, orgs)
		}
	}
	skipped := o.Skipped
	if skipped == nil {
		skipped = []string{}
	}
	data := map[string]any{
		"IP": a.IP, "Asset": &a, "Status": string(o.Status), "LeftBehind": lb, "Omitted": o.LeftBehindOmitted,
		"Undetermined": o.Undetermined, "Skipped": skipped, "BaselineRun": baseRun,
		"SPFChecked": slices.ContainsFunc(fs, func(f Finding) bool { return f.Check == "spf.authorizes_ip" && f.Status != StatusSkip }),
	}
	var err error
	if o.Message, err = tpl.Render("offboard/"+string(o.Status), data); err != nil {
		return Offboard{}, fmt.Errorf("wording offboard/%s: %w", o.Status, err)
	}
	if o.Status != StatusPass {
		if o.Remediation, err = tpl.Render("offboard/remediation."+string(o.Status), data); err != nil {
			return Offboard{}, fmt.Errorf("wording offboard/remediation.%s: %w", o.Status, err)
		}
	}
	return o, nil
}

// unmapped is an address as forward lookups list it: an IPv4-mapped IPv6
// address as IPv4.
func unmapped(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	return addr.Unmap().String()
}

// ptrOwner is the name a PTR finding's records are published at: the
// reverse name, or the end of its CNAME chain (RFC 2317).
func ptrOwner(f Finding) string {
	if o, _ := f.Observed["ptr_owner"].(string); o != "" {
		return o
	}
	o, _ := f.Observed["reverse_name"].(string)
	return o
}

// ownOrgs are the organizational domains whose names count as the
// organization's own for a removed sender: those of the fleet's sending
// domains and of the row's own, and of its host name, or of its HELO name
// when the row gives neither; a relay's host and HELO names are its
// provider's.
func ownOrgs(a Asset, fleet []string) map[string]bool {
	orgs := map[string]bool{}
	for _, d := range fleet {
		orgs[orgDomain(d)] = true
	}
	if d := normName(a.Domain); d != "" {
		orgs[orgDomain(d)] = true
	}
	if a.Relay != "" {
		return orgs
	}
	if h := normName(a.Hostname); h != "" {
		orgs[orgDomain(h)] = true
	} else if h := normName(a.HELO); h != "" && a.Domain == "" {
		orgs[orgDomain(h)] = true
	}
	return orgs
}

// spfLeftBehind describes the SPF pass f for a removed sender: how
// specifically the record still authorizes its address, and where.
func spfLeftBehind(a Asset, f Finding, orgs map[string]bool) LeftBehind {
	domain, _ := f.Observed["domain"].(string)
	matched, _ := f.Observed["matched"].(string)
	via := observedStrings(f.Observed["via"])
	l := LeftBehind{Check: f.Check, Name: domain, Term: matched, Record: domain, Via: via}
	own := func(name string) bool { return name != "" && orgs[orgDomain(name)] }
	// The record that holds the term is the last one an include or a
	// redirect led to; a target with a macro counts by the domain its
	// literal end names (%{i}._spf.example.com is example.com's), and one
	// without any is not claimed as the organization's.
	shared := false
	for _, v := range via {
		t := spfTarget(v)
		if !own(t) {
			shared = true
		}
		l.Record = t
	}
	mech := strings.ToLower(strings.TrimLeft(matched, "+"))
	open, together := mech == "all", ""
	if !open {
		together, open = anyAddress(mech, a.IP, func() string {
			// The record that holds the term: the domain's own, or the
			// last one an include or redirect led to (not known when
			// its name is built by a macro).
			name := domain
			if len(via) > 0 {
				name = termTarget(via[len(via)-1])
			}
			return spfRecordIn(f, name)
		})
	}
	switch {
	case open:
		l.Kind, l.Status = "spf_any", StatusWarn
		if together != "" {
			// The terms that together allow any address, of which the
			// one that matched is one: narrowing that one alone leaves
			// the others.
			l.Term = together
		}
	case shared:
		l.Kind, l.Status = "spf_shared", StatusWarn
	case strings.HasPrefix(mech, "ip4:") || strings.HasPrefix(mech, "ip6:"):
		l.Kind, l.Status = "spf_range", StatusWarn
		if exactTerm(mech[4:], a.IP) {
			l.Kind, l.Status = "spf_address", StatusFail
		}
	default:
		// a, mx, ptr or exists: through whose names?
		target := spfTarget(matched)
		if !strings.ContainsAny(mech, ":/") || strings.HasPrefix(mech, "a/") || strings.HasPrefix(mech, "mx/") {
			target = l.Record // a bare a, mx or ptr names the record's own domain
		} else if i := strings.IndexByte(target, '/'); i >= 0 {
			target = target[:i] // a:host/24: the host
		}
		l.Kind, l.Status = "spf_shared", StatusWarn
		switch {
		case own(target) && widensToRange(mech, a.IP):
			// a:host/24 authorizes the range around the host, not the
			// address alone.
			l.Kind = "spf_range"
		case own(target):
			l.Kind, l.Status = "spf_name", StatusFail
		}
	}
	return l
}

// widensToRange reports whether an a or mx term carries a CIDR length (RFC
// 7208 §5.6 dual-cidr-length: "/24", "//64" or "/24//64") shorter than a
// whole address of ip's family, so that it authorizes a range around the
// names' addresses.
func widensToRange(mech, ip string) bool {
	t, err := parseSPFTerm(mech)
	addr, aerr := netip.ParseAddr(ip)
	if err != nil || aerr != nil {
		return false
	}
	length, full := t.CIDR4, 32
	if !addr.Unmap().Is4() {
		length, full = t.CIDR6, 128
	}
	return length >= 0 && length < full
}

// spfTarget is the domain an SPF term names (termTarget), or for a target
// with a macro the domain its literal end names: "%{i}._spf.example.com"
// gives "_spf.example.com"; "" when there is none.
func spfTarget(term string) string {
	if t := termTarget(term); t != "" {
		return t
	}
	_, target, ok := strings.Cut(strings.TrimLeft(term, "+-~?"), ":")
	if !ok {
		if _, target, ok = strings.Cut(term, "="); !ok {
			return ""
		}
	}
	i := strings.LastIndex(target, "}")
	if i < 0 {
		return ""
	}
	rest := strings.TrimPrefix(target[i+1:], ".")
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		rest = rest[:j]
	}
	if !strings.Contains(rest, ".") || strings.Contains(rest, "%") {
		return ""
	}
	return normName(rest)
}

// firstForeign returns the term of an spf_shared pass that leaves the
// organization's names, and the record that holds it: the first include:
// or redirect= to another organization, or the matched term itself.
func firstForeign(l LeftBehind, orgs map[string]bool) (term, record string) {
	record = l.Name
	for _, v := range l.Via {
		t := spfTarget(v)
		if t == "" || !orgs[orgDomain(t)] {
			return v, record
		}
		record = t
	}
	return l.Term, record
}

// exactTermIn returns the first ip4:/ip6: term of an SPF record (an
// observed string) that names the address ip alone, before any "all"
// (nothing after it is evaluated), or "".
func exactTermIn(record any, ip string) string {
	rec, _ := record.(string)
	for _, t := range strings.Fields(rec) {
		m := strings.ToLower(strings.TrimLeft(t, "+"))
		if strings.TrimLeft(m, "-~?") == "all" {
			return ""
		}
		if (strings.HasPrefix(m, "ip4:") || strings.HasPrefix(m, "ip6:")) && exactTerm(m[4:], ip) {
			return t
		}
	}
	return ""
}

// anyAddress reports whether a mechanism covers every address of the
// family of ip: an ip4:/ip6: prefix length of 0, or an a or mx term whose
// CIDR length for that family is 0 (a/0, mx:host//0), or an ip4:/ip6:
// term among the pass terms of record (which gives the text of the SPF
// record that holds it, "" when not known) whose networks together cover
// that family (spfCovering, "ip6:::/1 ip6:8000::/1"). together is then
// those terms as published, joined by a space.
func anyAddress(mech, ip string, record func() string) (together string, ok bool) {
	zero := func(bits string) bool { return bits != "" && strings.TrimLeft(bits, "0") == "" }
	if strings.HasPrefix(mech, "ip4:") || strings.HasPrefix(mech, "ip6:") {
		if _, bits, ok := strings.Cut(mech[4:], "/"); ok && zero(bits) {
			return "", true
		}
		return coveringWith(mech, record())
	}
	if !strings.HasPrefix(mech, "a") && !strings.HasPrefix(mech, "mx") {
		return "", false
	}
	i := strings.IndexByte(mech, '/')
	if i < 0 {
		return "", false
	}
	v4, v6, _ := strings.Cut(mech[i+1:], "//")
	if strings.HasPrefix(mech[i:], "//") {
		v4, v6 = "", mech[i+2:]
	}
	if addr, err := netip.ParseAddr(ip); err == nil && addr.Unmap().Is4() {
		return "", zero(v4)
	}
	return "", zero(v6)
}

// coveringWith returns the pass terms of record whose networks together
// cover the family of the ip4:/ip6: term mech, joined by a space, when
// mech is one of them.
func coveringWith(mech, record string) (string, bool) {
	m, err := parseSPFTerm(mech)
	if err != nil || record == "" {
		return "", false
	}
	p, ok := m.network()
	rec, err := parseSPF(record)
	if !ok || err != nil {
		return "", false
	}
	v4, v6 := spfCovering(rec.Terms)
	c := v4
	if m.Name == "ip6" {
		c = v6
	}
	for _, t := range c.terms {
		if q, ok := t.network(); ok && q == p {
			return c.raw(), true
		}
	}
	return "", false
}

// spfRecordIn returns the SPF record of name as a spf.authorizes_ip
// finding read it: from its own evidence (the record of the domain, or of
// one its include: or redirect= terms reached), else, for the finding's
// domain, from its observed record; "" when neither holds exactly one.
func spfRecordIn(f Finding, name string) string {
	if name == "" {
		return ""
	}
	ans, err := NewReplayEvidence(f.Evidence).Lookup(context.Background(), name, dns.TypeTXT)
	if err == nil {
		var recs []string
		for _, t := range txtStrings(ans) {
			if isSPFRecord(t) {
				recs = append(recs, t)
			}
		}
		if len(recs) == 1 {
			return recs[0]
		}
	}
	if d, _ := f.Observed["domain"].(string); d == name {
		rec, _ := f.Observed["record"].(string)
		return rec
	}
	return ""
}

// exactTerm reports whether an ip4:/ip6: value (an address, with or without
// a prefix length) names the address ip alone. An IPv4-mapped ip6: value
// names no IPv4 sender: check_host compares an IPv4 client with ip4: terms
// only (RFC 7208 §5.6).
func exactTerm(v, ip string) bool {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	s, bits, hasBits := strings.Cut(v, "/")
	t, err := netip.ParseAddr(s)
	if err != nil || t != addr {
		return false
	}
	return !hasBits || bits == fmt.Sprint(addr.BitLen())
}

// observedStrings reads a list of strings from an observed value, as the
// checks make it ([]string) or as JSON decodes it ([]any).
func observedStrings(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
