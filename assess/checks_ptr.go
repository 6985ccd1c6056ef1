package assess

import (
	"context"
	"errors"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
	"golang.org/x/net/publicsuffix"
)

// MaxForwardNames bounds how many PTR names are forward-confirmed (a hostile
// reverse zone may publish hundreds).
const MaxForwardNames = 10

// ptrView is everything the PTR-based checks need about one IP: the reverse
// answer, the names, and the forward answers of (up to MaxForwardNames of)
// them. Each check recomputes it; the client's cache makes that free.
type ptrView struct {
	ip      netip.Addr
	ans     Answer
	outcome Outcome
	reason  string   // for OutcomeError: timeout, servfail, refused, loop, ...
	names   []string // sorted, lower case, without trailing dot
	// name is "the PTR name": the first forward-confirmed name in sorted
	// order, else the first in sorted order (SPEC edge rules).
	name      string
	confirmed []string
	forward   []Answer            // forward answers, in names order
	fwdAddrs  map[string][]string // name → addresses seen
	fwdErr    []string            // names whose forward lookup was an error
	// fwdZone is set when every forward lookup error is a fault of the
	// zone data (an alias loop or an over-long chain), which asking again
	// does not change.
	fwdZone bool
	// fwdReferral is set when every forward lookup error is a referral:
	// the server does not resolve the names delegated away from it.
	fwdReferral bool
	// fwdCut are the names whose forward answer held more records than
	// were read (MaxRRs), the address not among those read: whether they
	// confirm is not known.
	fwdCut []string
	// fwdOmitted are all the names whose forward answer held more records
	// than were read, confirmed or not: their address sets are partial.
	fwdOmitted []string
	// rootPTR is set when a PTR record points to the root ("."), which
	// names no host: it is not among names.
	rootPTR bool
	obs     map[string]any // observed(), when the view is memoised
}

// lookupPTR returns a's PTR view, with the forward lookups of its names
// when withForward. The checks of one asset share one view (assetMemo): the
// view's slices are clipped and its map is never written after this.
func lookupPTR(ctx context.Context, r Resolver, a Asset, withForward bool) ptrView {
	m, ok := r.(*assetMemo)
	if !ok {
		return computePTR(ctx, r, a, withForward)
	}
	return remember(ctx, &m.mu, &m.ptr, withForward, func() ptrView {
		v := computePTR(ctx, r, a, withForward)
		v.names, v.confirmed, v.forward = slices.Clip(v.names), slices.Clip(v.confirmed), slices.Clip(v.forward)
		v.fwdErr, v.fwdCut, v.fwdOmitted = slices.Clip(v.fwdErr), slices.Clip(v.fwdCut), slices.Clip(v.fwdOmitted)
		v.obs = v.buildObserved()
		return v
	})
}

func computePTR(ctx context.Context, r Resolver, a Asset, withForward bool) ptrView {
	v := ptrView{}
	ip, err := netip.ParseAddr(a.IP)
	if err != nil {
		v.outcome, v.reason = OutcomeError, "invalid_ip"
		return v
	}
	v.ip = ip.Unmap()
	ans, lerr := r.Lookup(ctx, ReverseName(v.ip), dns.TypePTR)
	v.ans, v.outcome = ans, Classify(ans, lerr)
	if v.outcome == OutcomeError {
		v.reason = errorReason(ans, lerr)
		return v
	}
	for _, rr := range ans.RRs {
		if p, ok := rr.(*dns.PTR); ok {
			if n := normName(p.Ptr); n != "" {
				v.names = append(v.names, n)
			} else {
				v.rootPTR = true
			}
		}
	}
	slices.Sort(v.names)
	v.names = slices.Compact(v.names)
	if len(v.names) == 0 {
		return v
	}
	if !withForward {
		// Without the forward lookups, "the PTR name" is known only
		// when there is one name: the first forward-confirmed one wins.
		if len(v.names) == 1 {
			v.name = v.names[0]
		}
		return v
	}
	v.name = v.names[0]
	v.fwdAddrs = map[string][]string{}
	for i, n := range v.names {
		if i == MaxForwardNames {
			break
		}
		addrs, fa, out := forwardAddrs(ctx, r, n, v.ip)
		v.forward = append(v.forward, fa)
		v.fwdAddrs[n] = addrs
		// A cut answer without the address among the records read is
		// no failure of the lookup: the name may confirm (fwdCut).
		cut := out == OutcomeError && fa.Err == "" && fa.Rcode == dns.RcodeSuccess && fa.Omitted > 0
		if out == OutcomeError && !cut {
			reason := ""
			if fa.Err != "" {
				reason = errorReason(fa, errors.New(fa.Err))
			}
			zone := reason == "cname_loop" || reason == "cname_chain" || reason == "cname_conflict"
			v.fwdZone = zone && (len(v.fwdErr) == 0 || v.fwdZone)
			v.fwdReferral = reason == "referral" && (len(v.fwdErr) == 0 || v.fwdReferral)
			v.fwdErr = append(v.fwdErr, n)
			continue
		}
		if fa.Omitted > 0 {
			v.fwdOmitted = append(v.fwdOmitted, n)
		}
		switch {
		case slices.Contains(addrs, v.ip.String()):
			v.confirmed = append(v.confirmed, n)
		case fa.Omitted > 0:
			v.fwdCut = append(v.fwdCut, n)
		}
	}
	if len(v.confirmed) > 0 {
		v.name = v.confirmed[0]
	}
	return v
}

// forwardAddrs looks up name's addresses of ip's family (A for IPv4, an
// IPv4-mapped address included, AAAA for IPv6) and returns them in
// canonical form, each as its record holds it: an AAAA record of an
// IPv4-mapped address is the IPv6 address ::ffff:192.0.2.13 (RFC 5952
// §5), never the IPv4 address, which only an A record gives. So only the
// records of the type asked count: a mapped AAAA value matches no IPv4
// sender, whose name is looked up by A, nor any IPv6 one.
func forwardAddrs(ctx context.Context, r Resolver, name string, ip netip.Addr) ([]string, Answer, Outcome) {
	qt := dns.TypeA
	if ip.Is6() && !ip.Is4In6() {
		qt = dns.TypeAAAA
	}
	ans, err := r.Lookup(ctx, name, qt)
	out := Classify(ans, err)
	var addrs []string
	for _, rr := range ans.RRs {
		switch x := rr.(type) {
		case *dns.A:
			if a, ok := netip.AddrFromSlice(x.A.To4()); ok && qt == dns.TypeA {
				addrs = append(addrs, a.String())
			}
		case *dns.AAAA:
			if a, ok := netip.AddrFromSlice(x.AAAA); ok && qt == dns.TypeAAAA {
				addrs = append(addrs, a.String())
			}
		}
	}
	slices.SortFunc(addrs, CompareValues)
	return slices.Compact(addrs), ans, out
}

// CompareValues orders values for display: IP addresses by address
// (192.0.2.9 before 192.0.2.10, IPv4 before IPv6) and before any other
// text, which is in byte order.
func CompareValues(a, b string) int {
	x, errx := netip.ParseAddr(a)
	y, erry := netip.ParseAddr(b)
	switch {
	case errx == nil && erry == nil:
		return x.Compare(y)
	case errx == nil:
		return -1
	case erry == nil:
		return 1
	}
	return strings.Compare(a, b)
}

// errorReason names why an answer is an error, for observed["reason"].
func errorReason(a Answer, err error) string {
	if err != nil {
		msg := err.Error()
		switch {
		case strings.Contains(msg, ErrCNAMELoop.Error()):
			return "cname_loop"
		case strings.Contains(msg, ErrChainLong.Error()):
			return "cname_chain"
		case strings.Contains(msg, ErrCNAMEConflict.Error()):
			return "cname_conflict"
		case strings.Contains(msg, ErrTCPFallback.Error()):
			return "tcp_failed"
		case strings.Contains(msg, ErrReferral.Error()):
			return "referral"
		case strings.Contains(msg, ErrTruncated.Error()):
			return "truncated"
		case strings.Contains(msg, ErrResolversDown.Error()):
			// Not sent: the breaker took every resolver for down (a
			// resolver refusing connections as much as a silent one).
			return "resolvers_down"
		case strings.Contains(msg, ErrTimeout.Error()):
			return "timeout"
		case strings.Contains(msg, ErrNotRecorded.Error()):
			return "not_recorded"
		case strings.Contains(msg, "context"):
			return "cancelled"
		}
		return "network"
	}
	switch a.Rcode {
	case dns.RcodeSuccess:
		if a.Omitted > 0 {
			return "records_omitted" // see Classify
		}
		if a.Unrelated > 0 {
			return "unrelated_answer" // see Classify
		}
	case dns.RcodeServerFailure:
		return "servfail"
	case dns.RcodeRefused:
		return "refused"
	case dns.RcodeFormatError:
		return "formerr"
	case dns.RcodeNotImplemented:
		return "notimp"
	case dns.RcodeNameError:
		return "nxdomain_with_records" // see Classify
	}
	return "rcode_" + strings.ToLower(rcodeName(a.Rcode))
}

// negReason names a negative answer.
func negReason(o Outcome) string {
	if o == OutcomeNXDomain {
		return "nxdomain"
	}
	return "nodata"
}

// normName lower-cases a DNS name and drops the trailing dot.
func normName(s string) string {
	s = strings.ToLower(s)
	if !strings.HasSuffix(s, ".") {
		return s
	}
	// A dot after an odd run of backslashes is escaped: part of the
	// last label (com\.), not the root.
	n := 0
	for i := len(s) - 2; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	if n%2 == 1 {
		return s
	}
	return s[:len(s)-1]
}

// OrgDomain is the organizational domain of name (RFC 7489 §3.2 via the
// Public Suffix List); a single-label name is its own.
func OrgDomain(name string) string {
	name = normName(name)
	if !strings.Contains(name, ".") || isAddressLiteral(name) {
		return name // an address literal or IP address is no domain
	}
	// The sending domains and HELO names of a fleet come back for every
	// sender.
	return orgMemo.get(name, orgDomain)
}

// orgMemo holds at most 32k names, so hostile names cannot grow it past
// 16 MB.
var orgMemo = boundedMemo[string]{max: 32 << 10, maxKey: 253}

// orgDomain is OrgDomain of a normalized name with a dot.
func orgDomain(name string) string {
	if strings.Contains(name, `\`) {
		return orgDomainEscaped(name)
	}
	org, err := publicsuffix.EffectiveTLDPlusOne(name)
	if err != nil {
		return name
	}
	return org
}

// orgDomainEscaped is orgDomain of a name in presentation form with
// escapes. Its labels are split as DNS splits them: in evil\.example.com
// the escaped dot is part of the label "evil.example", so the name has two
// labels and is its own organizational domain (RFC 7489 §3.2 counts
// labels). A label with an escape matches no rule of the Public Suffix
// List but a wildcard, so it stands in as a plain label while the list is
// consulted.
func orgDomainEscaped(name string) string {
	labels := dns.SplitDomainName(name)
	plain := make([]string, len(labels))
	for i, l := range labels {
		plain[i] = l
		if strings.Contains(l, `\`) {
			plain[i] = "x"
		}
	}
	org, err := publicsuffix.EffectiveTLDPlusOne(strings.Join(plain, "."))
	if err != nil {
		return name
	}
	n := strings.Count(org, ".") + 1
	return strings.Join(labels[len(labels)-n:], ".")
}

// isIPAddress reports whether netip.ParseAddr accepts s, without the
// error value ParseAddr allocates for the host names it is mostly given.
func isIPAddress(s string) bool {
	if !strings.ContainsRune(s, ':') && strings.Trim(s, "0123456789.") != "" {
		return false // neither IPv6 nor dotted-decimal IPv4
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// observed returns the common observed part of PTR-based findings, a new
// map to which a check adds its own keys. The memoised view (lookupPTR)
// builds it once and clones it, values and all: the values are never
// written.
func (v ptrView) observed() map[string]any {
	if v.obs != nil {
		return maps.Clone(v.obs)
	}
	return v.buildObserved()
}

func (v ptrView) buildObserved() map[string]any {
	obs := map[string]any{"ptr_names": nonNil(v.names), "reverse_name": normName(v.ans.Name)}
	if len(v.ans.Chain) > 0 {
		chain := make([]string, len(v.ans.Chain))
		for i, c := range v.ans.Chain {
			chain[i] = normName(c)
		}
		obs["cname_chain"] = chain
		// The PTR records live at the end of the chain (an RFC 2317
		// child zone): that is where they are published, and the name
		// a negative answer is about.
		obs["ptr_owner"] = chain[len(chain)-1]
	}
	if v.name != "" {
		obs["ptr"] = v.name
		noteRelative(obs, v.name, v.owner())
	}
	if v.rootPTR {
		obs["root_ptr"] = true
	}
	if v.outcome == OutcomeError {
		obs["reason"] = v.reason
	}
	if v.ans.Omitted > 0 {
		obs["records_omitted"] = v.ans.Omitted
	}
	if len(v.fwdCut) > 0 {
		obs["forward_cut"] = v.fwdCut
	}
	if len(v.fwdOmitted) > 0 {
		obs["forward_omitted"] = v.fwdOmitted
	}
	obs["forward_type"] = forwardType(v.ip)
	return obs
}

// owner is the name that holds the PTR records: the end of the alias chain
// (an RFC 2317 child zone), else the reverse name asked.
func (v ptrView) owner() string {
	if len(v.ans.Chain) > 0 {
		return normName(v.ans.Chain[len(v.ans.Chain)-1])
	}
	return normName(v.ans.Name)
}

// relativePTR reports whether name, a PTR target, lies under the reverse
// tree (in-addr.arpa, ip6.arpa). A host name never does: in practice it is
// a target written in a zone file without its trailing dot, which the zone
// reads relative to its origin (mail.example.com in the zone
// 2.0.192.in-addr.arpa becomes mail.example.com.2.0.192.in-addr.arpa).
// intended is the name likely meant: name less the labels it shares at its
// end with owner, where the record lives (the origin is among them), when
// what is left has two labels or more.
func relativePTR(name, owner string) (intended string, ok bool) {
	if !strings.HasSuffix(name, ".in-addr.arpa") && !strings.HasSuffix(name, ".ip6.arpa") {
		return "", false
	}
	nl, ol := dns.SplitDomainName(name), dns.SplitDomainName(owner)
	n := 0
	for n < len(nl) && n < len(ol) && nl[len(nl)-1-n] == ol[len(ol)-1-n] {
		n++
	}
	left := nl[:len(nl)-n]
	if len(left) == 0 {
		// The owner itself, or a name above it: nothing was read
		// relative to the zone, it names no host all the same.
		return "", false
	}
	if len(left) >= 2 {
		intended = strings.Join(left, ".")
	}
	return intended, true
}

// noteRelative records, for a PTR name under the reverse tree
// (relativePTR), relative_name and the name likely meant (intended_name),
// so that the wording names the missing trailing dot, not a generic name
// or a foreign organization.
func noteRelative(obs map[string]any, name, owner string) {
	if intended, ok := relativePTR(name, owner); ok {
		obs["relative_name"] = true
		if intended != "" {
			obs["intended_name"] = intended
		}
	}
}

// dropPTRName removes "the PTR name" and what is noted of it from obs,
// for a finding whose PTR name is not known.
func dropPTRName(obs map[string]any) {
	delete(obs, "ptr")
	delete(obs, "relative_name")
	delete(obs, "intended_name")
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// nameUnknown reports that "the PTR name" cannot be told: a name whose
// forward lookup was an error might have been the first forward-confirmed
// one (SPEC edge rules), and it is not the name chosen without it. Checks that compare the
// PTR name are then error, never a pass or fail on a guessed name.
func (v ptrView) nameUnknown() bool {
	if v.unchecked() {
		return true
	}
	return slices.ContainsFunc(v.fwdErr, v.couldPrecede) || slices.ContainsFunc(v.fwdCut, v.couldPrecede)
}

// alternatives returns the names other than v.name that may be "the PTR
// name" when failed or cut forward lookups, or names not asked, leave it
// unknown (candidates), and whether they and v.name share one
// organizational domain: then every check that compares the PTR name's
// organization gets the same verdict whichever it is. ok is false when
// records of the answer were not read, or the names are in several
// organizations.
func (v ptrView) alternatives() (alt []string, ok bool) {
	cands, ok := v.candidates()
	if !ok {
		return nil, false
	}
	org := OrgDomain(v.name)
	for _, n := range cands[1:] {
		if OrgDomain(n) != org {
			return nil, false
		}
	}
	return cands[1:], true
}

// candidates returns every name that may be "the PTR name" when a failed
// or cut forward lookup, or names not asked, leave it unknown: v.name, the
// names whose confirmation is not known that could precede it and, when
// none of the names asked confirms and there are more, the names not asked
// (any of them may confirm). ok is false when records of the answer were
// not read: a name not read may sort first.
func (v ptrView) candidates() (names []string, ok bool) {
	if v.ans.Omitted > 0 {
		return nil, false
	}
	names = []string{v.name}
	for _, n := range append(slices.Clone(v.fwdErr), v.fwdCut...) {
		if !slices.Contains(names, n) && v.couldPrecede(n) {
			names = append(names, n)
		}
	}
	if v.unchecked() {
		names = append(names, v.names[MaxForwardNames:]...)
	}
	return names, true
}

// noteAlternatives records, in a finding whose verdict is the same for
// every name that may be the PTR name, the other such names
// (ptr_alternatives) and, when some are names not asked forward, how many
// were (names_checked), for the wording.
func (v ptrView) noteAlternatives(obs map[string]any, alt []string) {
	obs["ptr_alternatives"] = alt
	if v.unchecked() {
		obs["names_checked"] = MaxForwardNames
	}
}

// unchecked reports whether the PTR name could be one senderproof did not
// look at: when the answer had more records than MaxRRs, one not read may
// sort first, and when none of the MaxForwardNames names asked forward
// confirms, one not asked may.
func (v ptrView) unchecked() bool {
	return v.ans.Omitted > 0 || len(v.confirmed) == 0 && len(v.names) > MaxForwardNames
}

// couldPrecede reports whether name, whose confirmation is not known,
// could be the PTR name: it sorts before the first confirmed name, or,
// with none confirmed, it is not the first name anyway.
func (v ptrView) couldPrecede(name string) bool {
	if len(v.confirmed) > 0 {
		return name < v.confirmed[0]
	}
	return name != v.names[0]
}

// noteUnchecked marks obs as undetermined by the names not looked at.
func (v ptrView) noteUnchecked(obs map[string]any) {
	obs["reason"] = "names_unchecked"
	obs["names_checked"] = min(len(v.names), MaxForwardNames)
}

// ptrNameError is the finding of a check that needs the PTR name when a
// forward lookup error, or names not looked at, leave it unknown
// (nameUnknown).
func ptrNameError(a Asset, check string, v ptrView, obs map[string]any) Finding {
	dropPTRName(obs)
	switch {
	case v.unchecked():
		v.noteUnchecked(obs)
	case !slices.ContainsFunc(v.fwdErr, v.couldPrecede):
		// A name whose address answer was cut may be the PTR name
		// (forward_cut lists them).
		obs["reason"] = "forward_cut"
	default:
		obs["reason"] = "forward_error"
		obs["error_names"] = v.fwdErr
		if v.fwdZone {
			obs["forward_zone_fault"] = true
		}
		if v.fwdReferral {
			obs["forward_referral"] = true
		}
	}
	return newFinding(a, check, StatusError, obs, append([]Answer{v.ans}, v.forward...)...)
}

// ptrGate applies the SPEC edge rules shared by the checks that need the
// PTR answer: error when the PTR lookup is an error, noPTR (fail or skip)
// when the IP has no PTR name. obs is the check's observed map so far. It
// returns false when the check should go on.
func ptrGate(a Asset, check string, v ptrView, obs map[string]any, noPTR Status) ([]Finding, bool) {
	switch {
	case v.outcome == OutcomeError:
		return []Finding{newFinding(a, check, StatusError, obs, v.ans)}, true
	case len(v.names) == 0:
		obs["reason"] = "no_ptr"
		return []Finding{newFinding(a, check, noPTR, obs, v.ans)}, true
	}
	return nil, false
}

func checkPTRPresent(ctx context.Context, r Resolver, a Asset) []Finding {
	const id = "ptr.present"
	v := lookupPTR(ctx, r, a, false)
	obs := v.observed()
	noteHostnameFit(r, obs, a, v.ip)
	switch v.outcome {
	case OutcomeError:
		return []Finding{newFinding(a, id, StatusError, obs, v.ans)}
	case OutcomeRecords:
		if len(v.names) > 0 {
			return []Finding{newFinding(a, id, StatusPass, obs, v.ans)}
		}
		obs["reason"] = "nodata"
		if v.rootPTR {
			obs["reason"] = "root"
		}
	default:
		obs["reason"] = negReason(v.outcome)
	}
	return []Finding{newFinding(a, id, StatusFail, obs, v.ans)}
}

func checkPTRSingle(ctx context.Context, r Resolver, a Asset) []Finding {
	const id = "ptr.single"
	v := lookupPTR(ctx, r, a, false)
	obs := v.observed()
	noteHostnameFit(r, obs, a, v.ip)
	if fs, done := ptrGate(a, id, v, obs, StatusSkip); done {
		return fs
	}
	if len(v.names) == 1 {
		if v.ans.Omitted > 0 {
			// Records not read may hold other names.
			obs["reason"] = "names_unchecked"
			return []Finding{newFinding(a, id, StatusError, obs, v.ans)}
		}
		if v.rootPTR {
			// Exactly one PTR name, as the check asks (the root names
			// no host), but a second record points to the root: a
			// receiver that takes that one sees no name at all, which
			// the pass says and asks to remove (remediation.pass).
			obs["reason"] = "root_beside"
		}
		return []Finding{newFinding(a, id, StatusPass, obs, v.ans)}
	}
	obs["reason"] = "several"
	obs["count"] = len(v.names)
	return []Finding{newFinding(a, id, StatusWarn, obs, v.ans)}
}

func checkPTRNotGeneric(ctx context.Context, r Resolver, a Asset) []Finding {
	const id = "ptr.not_generic"
	v := lookupPTR(ctx, r, a, true)
	obs := v.observed()
	noteHostnameFit(r, obs, a, v.ip)
	if fs, done := ptrGate(a, id, v, obs, StatusSkip); done {
		return fs
	}
	used := append([]Answer{v.ans}, v.forward...)
	if v.nameUnknown() {
		// The verdict stands when every name that may be the PTR name
		// gets the same one.
		// With all the names read, names not asked forward are
		// candidates too (candidates).
		cands, ok := v.candidates()
		if !ok {
			return []Finding{ptrNameError(a, id, v, obs)}
		}
		generic := func(n string) bool { why, _ := DefaultGenericMatcher().Match(n, v.ip); return why != "" }
		first := generic(cands[0])
		if slices.ContainsFunc(cands[1:], func(n string) bool { return generic(n) != first }) {
			return []Finding{ptrNameError(a, id, v, obs)}
		}
		v.noteAlternatives(obs, cands[1:])
	}
	if obs["relative_name"] == true {
		// A name read relative to the reverse zone names no host, and
		// whether the generic patterns meet it is chance (mail22 then
		// ends in the address's octets, mail.example.com does not):
		// it warns, as the reverse zone's labels are the address's.
		obs["reason"] = "relative_name"
		return []Finding{newFinding(a, id, StatusWarn, obs, used...)}
	}
	if why, pat := DefaultGenericMatcher().Match(v.name, v.ip); why != "" {
		obs["reason"] = "generic"
		obs["why"] = why
		obs["pattern"] = pat
		return []Finding{newFinding(a, id, StatusWarn, obs, used...)}
	}
	return []Finding{newFinding(a, id, StatusPass, obs, used...)}
}

func checkPTRFCrDNS(ctx context.Context, r Resolver, a Asset) []Finding {
	const id = "ptr.fcrdns"
	v := lookupPTR(ctx, r, a, true)
	obs := v.observed()
	noteHostnameFit(r, obs, a, v.ip)
	used := append([]Answer{v.ans}, v.forward...)
	if fs, done := ptrGate(a, id, v, obs, StatusFail); done {
		return fs
	}
	obs["forward"] = v.fwdAddrs
	obs["confirmed"] = nonNil(v.confirmed)
	if len(v.names) > MaxForwardNames {
		obs["names_checked"] = MaxForwardNames
	}
	if len(v.fwdErr) > 0 {
		// Also on a pass: those names' addresses are not known.
		obs["error_names"] = v.fwdErr
	}
	if len(v.confirmed) > 0 {
		return []Finding{newFinding(a, id, StatusPass, obs, used...)}
	}
	if len(v.fwdErr) > 0 {
		obs["reason"] = "forward_error"
		if v.fwdZone {
			obs["forward_zone_fault"] = true
		}
		if v.fwdReferral {
			obs["forward_referral"] = true
		}
		return []Finding{newFinding(a, id, StatusError, obs, used...)}
	}
	if v.unchecked() || len(v.fwdCut) > 0 {
		// None of the names asked confirms; one not read or not asked, or
		// an address record not read, may.
		v.noteUnchecked(obs)
		return []Finding{newFinding(a, id, StatusError, obs, used...)}
	}
	obs["reason"] = "not_confirmed"
	notePTRFit(obs, v)
	// A PTR name that resolves to other addresses is likely another
	// host's, left behind: no remediation should give it this IP
	// without saying so, nor pass over the inventory's own name.
	if addrs := v.fwdAddrs[v.name]; len(addrs) > 0 {
		obs["ptr_addresses"] = addrs
	}
	if want := normName(a.Hostname); want != "" && slices.Contains(v.names, want) {
		obs["expected_among"] = true
	}
	return []Finding{newFinding(a, id, StatusFail, obs, used...)}
}

func checkPTRMatchesExpected(ctx context.Context, r Resolver, a Asset) []Finding {
	const id = "ptr.matches_expected"
	if a.Hostname == "" {
		return []Finding{skipFinding(a, id, "no_hostname")}
	}
	v := lookupPTR(ctx, r, a, true)
	obs := v.observed()
	noteHostnameFit(r, obs, a, v.ip)
	obs["expected"] = a.Hostname
	used := append([]Answer{v.ans}, v.forward...)
	if fs, done := ptrGate(a, id, v, obs, StatusFail); done {
		return fs
	}
	switch {
	case v.nameUnknown():
		cands, ok := v.candidates()
		if !ok || slices.Contains(cands, normName(a.Hostname)) {
			return []Finding{ptrNameError(a, id, v, obs)}
		}
		// Whichever name receivers take, it is not the expected one.
		if v.unchecked() && !slices.Contains(v.names, normName(a.Hostname)) {
			dropPTRName(obs) // one of many; the message says none is
		} else {
			// The expected name was asked and does not resolve back,
			// so it is not the PTR name: the message names the
			// candidates, the remediation the names to remove.
			v.noteAlternatives(obs, cands[1:])
		}
	case v.name == normName(a.Hostname):
		return []Finding{newFinding(a, id, StatusPass, obs, used...)}
	}
	obs["reason"] = "mismatch"
	notePTRFit(obs, v)
	if want := normName(a.Hostname); slices.Contains(v.names, want) {
		// Published beside the name receivers may take: the fix is to
		// remove the others, not to publish it.
		obs["expected_among"] = true
		obs["expected_confirmed"] = slices.Contains(v.confirmed, want)
	}
	return []Finding{newFinding(a, id, StatusFail, obs, used...)}
}

// validFQDN reports whether s is a syntactically valid host name with at
// least two labels (RFC 1123 §2.1, RFC 5321 §4.1.1.1: HELO is a domain, not
// an address literal). When it is not, it returns the problem as a code for
// observed["problem"], worded by the templates: empty, too_long,
// address_literal, ip_address, single_label, empty_label, long_label,
// hyphen_edge, invalid_characters, numeric_tld. A bracketed value that is
// no address literal (heloLiteral) has invalid characters: it is neither
// a literal nor a name.
func validFQDN(s string) (bool, string) {
	s = strings.TrimSuffix(s, ".")
	switch {
	case s == "":
		return false, "empty"
	case len(s) > 253:
		return false, "too_long"
	case heloLiteral(s):
		return false, "address_literal"
	}
	if isIPAddress(s) {
		return false, "ip_address"
	}
	// Characters first: "mail example" is a name with a space in it, not
	// a single label.
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false, "invalid_characters"
		}
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false, "single_label"
	}
	for _, l := range labels {
		switch {
		case l == "":
			return false, "empty_label"
		case len(l) > 63:
			return false, "long_label"
		case l[0] == '-' || l[len(l)-1] == '-':
			return false, "hyphen_edge"
		}
	}
	if tld := labels[len(labels)-1]; strings.Trim(tld, "0123456789") == "" {
		return false, "numeric_tld"
	}
	return true, ""
}

// heloLiteral reports whether a HELO value is an address literal as RFC
// 5321 §4.1.3 writes one: "[" and a dotted-quad IPv4 address (each part
// 0-255, of one to three digits) and "]", or "[IPv6:" and an IPv6 address
// and "]", the tag in any case (the inventory gives the value in lower
// case). Any other bracketed value is malformed: "[IPv6:2001:db8::zz]",
// "[192.0.2.300]", and a General-address-literal ("[tag:...]"), whose
// kind no wording names.
func heloLiteral(s string) bool {
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return false
	}
	inner := s[1 : len(s)-1]
	if len(inner) > 5 && strings.EqualFold(inner[:5], "IPv6:") {
		// IPv6-addr (RFC 5321 §4.1.3): the full, compressed and
		// IPv4-embedded forms, no zone.
		a, err := netip.ParseAddr(inner[5:])
		return err == nil && a.Is6() && a.Zone() == ""
	}
	// IPv4-address-literal = Snum 3("." Snum), Snum = 1*3DIGIT, 0-255.
	parts := strings.Split(inner, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return false
		}
		if n, _ := strconv.Atoi(p); n > 255 {
			return false
		}
	}
	return true
}

// heloAddress reports whether a HELO value is an address, which wording
// calls "an address literal, of no organization": an address literal
// (heloLiteral) or a bare IP address. A bracketed value that is no literal
// is not one: it is an invalid name (isAddressLiteral still takes it for
// no domain, to be looked up by no one).
func heloAddress(s string) bool { return heloLiteral(s) || isIPAddress(s) }

// forwardType names the address record a name must have for ip: A for
// IPv4, AAAA for IPv6, "A/AAAA" when ip is not an address. Remediation
// wording names it.
func forwardType(ip netip.Addr) string {
	switch {
	case !ip.IsValid():
		return "A/AAAA"
	case ip.Unmap().Is4():
		return "A"
	}
	return "AAAA"
}

// genericName reports whether name looks generic or dynamic for ip, by the
// patterns of ptr.not_generic.
func genericName(name string, ip netip.Addr) bool {
	why, _ := DefaultGenericMatcher().Match(name, ip)
	return why != ""
}

// noteHELOFit records, in a non-pass finding, whether the HELO name may be
// recommended by its remediation: a valid FQDN (helo_valid) that does not
// look generic (helo_generic). Wording never tells an operator to keep or
// copy an invalid or generic name.
func noteHELOFit(obs map[string]any, helo string, ip netip.Addr) {
	ok, _ := validFQDN(helo)
	obs["helo_valid"] = ok
	obs["helo_generic"] = genericName(helo, ip)
}

// noteHELOHost records the HELO name's addresses of ip's family
// (helo_addresses) and, when it has some, whether ip is not among them
// (helo_elsewhere: the name is another host's), so that no remediation
// gives this IP another host's name. A HELO name that is the inventory
// hostname is this host's by the inventory's word: its address record is
// what is wrong (helo.fqdn says so), and nothing is noted. It returns the
// answer it used.
func noteHELOHost(ctx context.Context, r Resolver, obs map[string]any, a Asset, helo string, ip netip.Addr) Answer {
	addrs, ans, out := forwardAddrs(ctx, r, helo, ip)
	if out == OutcomeRecords && len(addrs) > 0 && normName(a.Hostname) != helo {
		obs["helo_addresses"] = addrs
		obs["helo_elsewhere"] = !slices.Contains(addrs, ip.String())
	}
	return ans
}

// hostnameFit is what noteHostnameFit records of an asset's hostname.
type hostnameFit struct{ invalid, generic bool }

// noteHostnameFit records whether the inventory hostname may be
// recommended by a remediation: hostname_invalid when it is not a valid
// host name (as helo.fqdn judges names), hostname_generic when it looks
// generic for ip (the patterns of ptr.not_generic). Each is set only when
// true. Wording never tells an operator to set a PTR record or HELO name
// to such a name, even the inventory's. Several checks of an asset ask
// it: the asset's memo (r, an *assetMemo in a run) keeps the verdict.
func noteHostnameFit(r Resolver, obs map[string]any, a Asset, ip netip.Addr) {
	if a.Hostname == "" {
		return
	}
	var fit hostnameFit
	m, _ := r.(*assetMemo)
	if m != nil {
		m.mu.Lock()
		fit, ok := m.hostFit, m.hostFitDone
		m.mu.Unlock()
		if ok {
			noteFit(obs, fit)
			return
		}
	}
	ok, _ := validFQDN(a.Hostname)
	fit = hostnameFit{invalid: !ok, generic: genericName(normName(a.Hostname), ip)}
	if m != nil {
		m.mu.Lock()
		m.hostFit, m.hostFitDone = fit, true
		m.mu.Unlock()
	}
	noteFit(obs, fit)
}

func noteFit(obs map[string]any, fit hostnameFit) {
	if fit.invalid {
		obs["hostname_invalid"] = true
	}
	if fit.generic {
		obs["hostname_generic"] = true
	}
}

// notePTRFit records, in a non-pass finding, whether the PTR name looks
// generic (ptr_generic) or is not a valid host name (ptr_invalid), so that
// its remediation does not recommend it.
func notePTRFit(obs map[string]any, v ptrView) {
	if v.name != "" {
		obs["ptr_generic"] = genericName(v.name, v.ip)
		if ok, _ := validFQDN(v.name); !ok {
			// Control bytes, "=", spaces: DNS holds any byte, a host
			// name does not (RFC 1123 §2.1).
			obs["ptr_invalid"] = true
		}
	}
}

func checkHELOFQDN(ctx context.Context, r Resolver, a Asset) []Finding {
	const id = "helo.fqdn"
	if a.HELO == "" {
		return []Finding{skipFinding(a, id, "no_helo")}
	}
	ip, err := netip.ParseAddr(a.IP)
	ip = ip.Unmap()
	obs := map[string]any{"helo": a.HELO, "forward_type": forwardType(ip)}
	noteHostnameFit(r, obs, a, ip)
	if ok, problem := validFQDN(a.HELO); !ok {
		obs["reason"], obs["problem"] = "syntax", problem
		return []Finding{newFinding(a, id, StatusFail, obs)}
	}
	if err != nil {
		obs["reason"] = "invalid_ip"
		return []Finding{newFinding(a, id, StatusError, obs)}
	}
	addrs, ans, out := forwardAddrs(ctx, r, normName(a.HELO), ip)
	obs["addresses"] = nonNil(addrs)
	switch out {
	case OutcomeError:
		obs["reason"] = errorReason(ans, errFromAnswer(ans))
		return []Finding{newFinding(a, id, StatusError, obs, ans)}
	case OutcomeNXDomain, OutcomeNoData:
		obs["reason"] = negReason(out)
		noteHELOFit(obs, a.HELO, ip)
		return []Finding{newFinding(a, id, StatusFail, obs, ans)}
	}
	if ans.Omitted > 0 {
		// Which records were read depends on the answer's order: the
		// addresses are not the whole set (drift does not compare them).
		obs["records_omitted"] = ans.Omitted
	}
	if slices.Contains(addrs, ip.String()) {
		return []Finding{newFinding(a, id, StatusPass, obs, ans)}
	}
	if ans.Omitted > 0 {
		// The answer holds more address records than are read (a bound
		// against hostile answers): one not read may be the sender's.
		obs["reason"], obs["records_omitted"] = "forward_cut", ans.Omitted
		return []Finding{newFinding(a, id, StatusError, obs, ans)}
	}
	obs["reason"] = "ip_not_listed"
	noteHELOFit(obs, a.HELO, ip)
	return []Finding{newFinding(a, id, StatusFail, obs, ans)}
}

// errFromAnswer recovers the error of an answer that carried one.
func errFromAnswer(a Answer) error {
	if a.Err == "" {
		return nil
	}
	return lookupErr(a.Err)
}

type lookupErr string

func (e lookupErr) Error() string { return string(e) }

func checkHELOMatchesPTR(ctx context.Context, r Resolver, a Asset) []Finding {
	const id = "helo.matches_ptr"
	if a.HELO == "" {
		return []Finding{skipFinding(a, id, "no_helo")}
	}
	v := lookupPTR(ctx, r, a, true)
	obs := v.observed()
	noteHostnameFit(r, obs, a, v.ip)
	obs["helo"] = a.HELO
	used := append([]Answer{v.ans}, v.forward...)
	helo := normName(a.HELO)
	if len(v.names) == 0 && v.outcome != OutcomeError {
		noteHELOFit(obs, helo, v.ip)
		if ok, _ := validFQDN(helo); ok {
			hans := noteHELOHost(ctx, r, obs, a, helo, v.ip)
			obs["reason"] = "no_ptr"
			return []Finding{newFinding(a, id, StatusFail, obs, v.ans, hans)}
		}
	}
	if fs, done := ptrGate(a, id, v, obs, StatusFail); done {
		return fs
	}
	if v.nameUnknown() {
		// Unknown which name receivers take; when the HELO name is none
		// of the candidates and they share one organization, the
		// verdict (warn or fail) is the same for each.
		alt, ok := v.alternatives()
		if !ok || helo == v.name || slices.Contains(alt, helo) {
			return []Finding{ptrNameError(a, id, v, obs)}
		}
		v.noteAlternatives(obs, alt)
	}
	if helo == v.name {
		return []Finding{newFinding(a, id, StatusPass, obs, used...)}
	}
	noteHELOFit(obs, helo, v.ip)
	notePTRFit(obs, v)
	obs["ptr_confirmed"] = slices.Contains(v.confirmed, v.name)
	if ok, _ := validFQDN(helo); ok {
		used = append(used, noteHELOHost(ctx, r, obs, a, helo, v.ip))
	}
	if slices.Contains(v.names, helo) {
		// The HELO name is a PTR name too, just not the one receivers
		// may take: the fix is to remove the others.
		obs["helo_among"] = true
		obs["helo_among_confirmed"] = slices.Contains(v.confirmed, helo)
	}
	obs["helo_org"], obs["ptr_org"] = OrgDomain(helo), OrgDomain(v.name)
	if heloAddress(helo) {
		// An address is no name: it has no organization to share.
		obs["helo_literal"] = true
	} else if isAddressLiteral(helo) {
		// Bracketed but no address literal: an invalid name, of no
		// organization either.
		obs["helo_invalid"] = true
	}
	if OrgDomain(helo) == OrgDomain(v.name) {
		obs["reason"] = "same_org"
		return []Finding{newFinding(a, id, StatusWarn, obs, used...)}
	}
	obs["reason"] = "different_org"
	return []Finding{newFinding(a, id, StatusFail, obs, used...)}
}
