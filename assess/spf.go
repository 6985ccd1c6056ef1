package assess

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"blitiri.com.ar/go/spf"
	"github.com/miekg/dns"
)

// spfEval is one RFC 7208 check_host() evaluation, with what it used.
type spfEval struct {
	domain  string
	result  spf.Result
	err     error
	answers []Answer
	trace   []string
	matched string   // the mechanism that decided the result ("" when none did)
	via     []string // the include/redirect terms leading to it, outermost first
	failed  []string // lookups that were errors
	// noRecord lists domains an include: or redirect= reached that
	// publish no SPF record.
	noRecord []string
	reason   string // first DNS error, for temperror
	// unconfirmed is the library's result when a lookup it let pass as no
	// match failed; result is then temperror.
	unconfirmed spf.Result
	// lookups and voids are the evaluation's own DNS-mechanism and void
	// lookup counts (RFC 7208 §4.6.4), as the library counted them.
	lookups, voids int
	// record is the evaluated domain's own SPF record ("" when it has none
	// or several).
	record string
}

// traceMatch matches the library's trace of a deciding term: `"ip4:…" pass,
// matched ip` or `"redirect=…": fail, …`.
var traceMatch = regexp.MustCompile(`^("(?:[^"\\]|\\.)*"):? (pass|fail|softfail|neutral|permerror|temperror|none), `)

// evalSPF runs check_host(ip, domain, "postmaster@"+domain) with helo for
// the %{h} macro, through the Resolver.
// Within one asset's checks (r is the asset's memo) the same evaluation is
// made once: spf.authorizes_ip and spf.lookup_limit both need it.
func evalSPF(ctx context.Context, r Resolver, ip netip.Addr, domain, helo string) spfEval {
	m, ok := r.(*assetMemo)
	if !ok {
		return evalSPFSender(ctx, r, ip, helo, "postmaster@"+normName(domain))
	}
	k := spfKey{ip, normName(domain), helo}
	return remember(ctx, &m.mu, &m.spf, k, func() spfEval {
		ev := evalSPFSender(ctx, r, ip, helo, "postmaster@"+k.domain)
		// Callers append to these slices: each gets its own copy on append.
		ev.answers = slices.Clip(ev.answers)
		ev.trace = slices.Clip(ev.trace)
		ev.via = slices.Clip(ev.via)
		ev.failed = slices.Clip(ev.failed)
		return ev
	})
}

// spfKey names one check_host evaluation.
type spfKey struct {
	ip           netip.Addr
	domain, helo string
}

// evalSPFSender runs check_host() for a MAIL FROM sender, or for the HELO
// identity when sender is empty (RFC 7208 §2.3, §4.3: "postmaster" stands in
// for a missing local-part). A malformed or single-label domain gives none
// without a lookup (§4.3).
func evalSPFSender(ctx context.Context, r Resolver, ip netip.Addr, helo, sender string) spfEval {
	local, domain, ok := strings.Cut(sender, "@")
	if !ok || sender == "" {
		local, domain = "postmaster", helo
	}
	if local == "" {
		local = "postmaster"
	}
	domain = strings.TrimSuffix(domain, ".")
	ev := spfEval{domain: strings.ToLower(domain)}
	if _, valid := wireName(domain); !valid || !strings.Contains(domain, ".") || isAddressLiteral(domain) {
		ev.result = spf.None
		ev.err = errNotDomain
		return ev
	}
	adapter := &spfResolver{r: r, ip: ip}
	// The trace kept is the first maxSPFTrace lines, each with the
	// record's text quoted as written and escaped once (traceLine). The
	// deciding term is read from the last lines, as the library wrote
	// them, in a ring.
	var tail [spfTraceTail]string
	n := 0
	// heloMacro is set when a %{h} macro was expanded without a HELO
	// name (the inventory gives none): the name it made is not the one
	// any receiver, which always has one, would ask.
	heloMacro := false
	trace := func(format string, a ...any) {
		a = adapter.served(format, a)
		adapter.traced(format, a)
		if helo == "" && format == "macro expanded %q to %q" && len(a) > 0 {
			if s, ok := a[0].(string); ok && hasHELOMacro(s) {
				heloMacro = true
			}
		}
		if len(ev.trace) < maxSPFTrace {
			ev.trace = append(ev.trace, bounded(traceLine(format, a), maxTraceLine))
		}
		tail[n%spfTraceTail] = decidingLine(format, a)
		n++
	}
	ev.result, ev.err = spf.CheckHostWithSender(net.IP(ip.AsSlice()), helo, local+"@"+domain,
		spf.WithResolver(adapter), spf.WithContext(ctx), spf.WithTraceFunc(trace))
	ev.answers = adapter.used()
	ev.failed = adapter.failed
	ev.noRecord = adapter.noRecord
	ev.reason = adapter.reason
	ev.lookups, ev.voids = adapter.counts()
	ev.record = adapter.top
	// A failed PTR query that cannot have changed the result leaves it
	// standing (ptrCannotDecide), provided one void lookup more, had the
	// query found nothing, stays within the limit.
	ptrOnly := !adapter.otherFailed && ev.voids < spfMaxVoidLookups && ptrCannotDecide(adapter.top, ev.result)
	if adapter.transient && ev.result != spf.TempError && !ptrOnly {
		// The library lets some failed lookups count as no match: the ptr
		// mechanism's (RFC 7208 §5.5), a name it skips when its address
		// lookup fails, an exists or a term answered by AAAA while A
		// failed. The evaluation stops at the first match, so a result
		// reached past a lookup that was not answered (a timeout, SERVFAIL,
		// REFUSED) is not determined: answered, that lookup might have
		// matched first. A CNAME loop is a fact of the zone data, which
		// every receiver's check_host() skips the same way, so its result
		// stands.
		ev.unconfirmed = ev.result
		ev.result, ev.err = spf.TempError, nil
	}
	if heloMacro {
		// Whatever the library made of it, the result is not one a
		// receiver would reach: undetermined without the HELO name.
		if ev.result != spf.TempError {
			ev.unconfirmed = ev.result
		}
		ev.result, ev.err = spf.TempError, nil
		ev.reason = "helo_required"
	}
	if ev.result == spf.TempError && ev.reason == "" {
		ev.reason = "temperror"
	}
	if isSPFMatch(ev.err) {
		last := make([]string, 0, min(n, spfTraceTail))
		for i := max(0, n-spfTraceTail); i < n; i++ {
			last = append(last, tail[i%spfTraceTail])
		}
		ev.matched, ev.via = matchedTerm(last)
	}
	return ev
}

// ptrCannotDecide reports whether a failed PTR lookup, the only failure of an
// evaluation, cannot have changed its result: the ptr mechanism fails to
// match on a DNS error (RFC 7208 §5.5), and had it matched, it would have
// given its own qualifier's result. So when the record has only top-level
// ptr terms (no include, redirect or macro that could hold or need
// another), each with the qualifier of the result reached, and a void
// lookup more would stay within the limit, that result stands either way: "v=spf1 ptr ip4:192.0.2.0/24 -all" is pass for
// 192.0.2.1 whatever the PTR lookup gives.
func ptrCannotDecide(record string, result spf.Result) bool {
	rec, err := parseSPF(record)
	if err != nil {
		return false
	}
	ptrs := 0
	for _, t := range rec.Terms {
		switch {
		case strings.Contains(t.Value, "%"), t.Name == "include", t.Name == "redirect", t.Name == "exp":
			return false
		case t.Name == "ptr":
			if allQualifier(string(result)) != string(t.Qualifier) {
				return false
			}
			ptrs++
		}
	}
	return ptrs > 0
}

// errNotDomain is the evaluation error of an identity that is not a
// multi-label domain name: check_host gives none without a lookup (§4.3).
var errNotDomain = errors.New("not a valid multi-label domain name (RFC 7208 §4.3)")

// isAddressLiteral reports a HELO address literal ("[192.0.2.1]") or a bare
// IP address: not a domain, so SPF gives none for it (RFC 7208 §2.3, §4.3).
func isAddressLiteral(s string) bool {
	return strings.HasPrefix(s, "[") || isIPAddress(s)
}

func isSPFMatch(err error) bool {
	for _, m := range []error{spf.ErrMatchedAll, spf.ErrMatchedA, spf.ErrMatchedIP, spf.ErrMatchedMX, spf.ErrMatchedPTR, spf.ErrMatchedExists} {
		if errors.Is(err, m) {
			return true
		}
	}
	return false
}

// hasHELOMacro reports whether a domain-spec holds the h macro (%{h},
// %{H}, with transformers or not: RFC 7208 §7.3).
func hasHELOMacro(spec string) bool {
	return strings.Contains(spec, "%{h") || strings.Contains(spec, "%{H")
}

// spfTraceTail is how many trace lines are kept to find the deciding
// term: more than the longest chain of includes and redirects the lookup
// limit allows.
const spfTraceTail = 32

// traceLine is a line of the library's trace as a finding shows it: a
// value the library quotes with %q (a record, a term, a name) is put
// between plain double quotes as written, so that bounded escapes it once;
// Go's quoting, escaped again, would show the byte ESC as \x5cx1b.
func traceLine(format string, a []any) string {
	if !strings.Contains(format, "%q") {
		return fmt.Sprintf(format, a...)
	}
	raw := make([]any, len(a))
	for i, v := range a {
		switch v := v.(type) {
		case string:
			raw[i] = rawQuoted(v)
		case []string:
			q := make([]rawQuoted, len(v))
			for j, s := range v {
				q[j] = rawQuoted(s)
			}
			raw[i] = q
		default:
			raw[i] = v
		}
	}
	return fmt.Sprintf(format, raw...)
}

// rawQuoted is a string that %q puts between double quotes as it is.
type rawQuoted string

func (r rawQuoted) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		io.WriteString(f, `"`+string(r)+`"`)
		return
	}
	io.WriteString(f, string(r))
}

// decidingLine is a trace line as matchedTerm reads it, in the library's
// own form: a term's result (`"ip4:…" pass, matched ip`) or an all term's;
// any other line is "", which ends a chain as it would.
func decidingLine(format string, a []any) string {
	switch format {
	case "%q %v, %v", "%q: %v, %v", "all: %v":
		return fmt.Sprintf(format, a...)
	}
	return ""
}

// matchedTerm reads the deciding term from the trace: the library traces
// each deciding term as the evaluation unwinds, innermost first, so the
// trailing run of such lines is the chain from the matching mechanism out
// to the top-level term. The library strips a term's qualifier before it
// traces it; a mechanism's or include's own result is its qualifier's, so
// the term is given back as published ("-ip4:192.0.2.1"; "+" is left out).
func matchedTerm(trace []string) (string, []string) {
	var chain []string
	for i := len(trace) - 1; i >= 0; i-- {
		line := trace[i]
		if q, ok := strings.CutPrefix(line, "all: "); ok {
			// An "all" term decides by itself: the lines before it belong
			// to include or redirect evaluations that did not match.
			chain = append(chain, allQualifier(q)+"all")
			break
		}
		m := traceMatch.FindStringSubmatch(line)
		if m == nil {
			break
		}
		term, err := strconv.Unquote(m[1])
		if err != nil {
			break
		}
		if q := allQualifier(m[2]); q != "+" && !strings.HasPrefix(strings.ToLower(term), "redirect=") {
			term = q + term
		}
		chain = append(chain, term)
		if t := strings.ToLower(strings.TrimLeft(term, "+-~?")); !strings.HasPrefix(t, "include:") && !strings.HasPrefix(t, "redirect=") {
			break // a mechanism that matched by itself ends the chain
		}
	}
	if len(chain) == 0 {
		return "", nil
	}
	return chain[len(chain)-1], chain[:len(chain)-1]
}

func allQualifier(result string) string {
	switch spf.Result(result) {
	case spf.Fail:
		return "-"
	case spf.SoftFail:
		return "~"
	case spf.Neutral:
		return "?"
	}
	return "+"
}

// observed is the common observed part of an evaluation's findings.
func (ev spfEval) observed() map[string]any {
	obs := map[string]any{"result": string(ev.result), "trace": nonNil(ev.trace),
		"lookups": ev.lookups, "void_lookups": ev.voids}
	if ev.matched != "" {
		obs["matched"] = bounded(ev.matched, 200)
	}
	if len(ev.via) > 0 {
		obs["via"] = ev.via
	}
	if d := ev.detail(); d != "" {
		obs["detail"] = d
	}
	if len(ev.failed) > 0 {
		obs["failed_lookups"] = ev.failed
	}
	if ev.unconfirmed != "" {
		obs["unconfirmed_result"] = string(ev.unconfirmed)
	}
	if ev.result == spf.PermError {
		ev.notePermError(obs)
	}
	return obs
}

// notePermError records why the evaluation is permerror, for remediation
// by cause: permerror_cause is lookups or void_lookups (RFC 7208 §4.6.4),
// syntax (§4.6; with invalid_term, syntax_error and invalid_at, the domain
// whose record it is), several (§4.5) or other. void_names lists the names
// whose lookups were void.
func (ev spfEval) notePermError(obs map[string]any) {
	var se *spfSyntaxError
	cause := "other"
	switch {
	case errors.Is(ev.err, spf.ErrLookupLimitReached):
		cause = "lookups"
	case errors.Is(ev.err, spf.ErrVoidLookupLimitReached):
		cause = "void_lookups"
		if names := voidNames(ev.answers); len(names) > 0 {
			obs["void_names"] = names
		}
	case errors.As(ev.err, &se):
		cause = "syntax"
		if se.Term != "" {
			obs["invalid_term"] = bounded(se.Term, 200)
		}
		obs["syntax_error"] = bounded(se.Msg, 300)
		var derr *net.DNSError
		if errors.As(ev.err, &derr) && derr.Name != "" {
			obs["invalid_at"] = bounded(normName(derr.Name), 255)
		}
	case errors.Is(ev.err, spf.ErrMultipleRecords):
		cause = "several"
	case errors.Is(ev.err, spf.ErrNoResult) && len(ev.noRecord) > 0:
		cause = "no_record"
		obs["no_record_at"] = ev.noRecord
	}
	obs["permerror_cause"] = cause
}

// voidNames lists the names that an evaluation's address and MX lookups
// found without records (NXDOMAIN or NODATA, the void lookups of RFC 7208
// §4.6.4), each once, at most ten.
func voidNames(answers []Answer) []string {
	found := map[string]bool{}
	var names []string
	for _, a := range answers {
		if a.Qtype != dns.TypeA && a.Qtype != dns.TypeAAAA && a.Qtype != dns.TypeMX && a.Qtype != dns.TypePTR {
			continue
		}
		n := normName(a.Name)
		if a.Qtype == dns.TypePTR {
			// The ptr mechanism's reverse lookup counts as void too.
			n += " (the ptr term's reverse lookup)"
		}
		switch o := Classify(a, errFromAnswer(a)); {
		case o == OutcomeRecords:
			found[n] = true
		case o == OutcomeNXDomain || o == OutcomeNoData:
			if len(a.Exchanges) > 0 && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	out := []string{}
	for _, n := range names {
		if !found[n] && len(out) < 10 {
			out = append(out, bounded(n, 255))
		}
	}
	return out
}

// detail explains a non-pass result in a few words, "" when the result
// speaks for itself.
func (ev spfEval) detail() string {
	switch {
	case ev.err == nil || isSPFMatch(ev.err) || ev.result == spf.Pass:
		return ""
	case errors.Is(ev.err, spf.ErrNoResult):
		return ""
	}
	var derr *net.DNSError
	if errors.As(ev.err, &derr) {
		return bounded(normName(derr.Name)+": "+derr.Err, 300)
	}
	return bounded(ev.err.Error(), 300)
}

// limitHit reports which processing limit, if any, ended the evaluation.
func (ev spfEval) limitHit() string {
	switch {
	case ev.result != spf.PermError:
		return ""
	case errors.Is(ev.err, spf.ErrLookupLimitReached):
		return "lookups"
	case errors.Is(ev.err, spf.ErrVoidLookupLimitReached):
		return "void_lookups"
	}
	return ""
}

// spfView is the SPF record published at a domain, as spf.record sees it.
type spfView struct {
	domain   string
	ans      Answer
	outcome  Outcome
	reason   string   // non-pass reason: nxdomain, none, several, syntax, or a DNS error
	records  []string // the v=spf1 records found
	rec      spfRecord
	parseErr error
}

// Within one asset's checks (r is the asset's memo) a domain's record is
// read and parsed once: spf.record, spf.authorizes_ip and spf.lookup_limit
// all need it.
func lookupSPFRecord(ctx context.Context, r Resolver, domain string) spfView {
	m, ok := r.(*assetMemo)
	if !ok {
		return readSPFRecord(ctx, r, domain)
	}
	return remember(ctx, &m.mu, &m.spfRecords, domain, func() spfView {
		v := readSPFRecord(ctx, r, domain)
		v.records = slices.Clip(v.records)
		return v
	})
}

func readSPFRecord(ctx context.Context, r Resolver, domain string) spfView {
	v := spfView{domain: normName(domain)}
	if !validLookupName(v.domain) || !strings.Contains(v.domain, ".") {
		// check_host() gives none for a name that is malformed or not a
		// multi-label domain name, without a lookup (RFC 7208 §4.3).
		v.outcome, v.reason = OutcomeNXDomain, "invalid_domain"
		return v
	}
	ans, err := r.Lookup(ctx, v.domain, dns.TypeTXT)
	v.ans, v.outcome = ans, Classify(ans, err)
	switch v.outcome {
	case OutcomeError:
		v.reason = errorReason(ans, err)
		return v
	case OutcomeNXDomain:
		v.reason = "nxdomain"
		return v
	}
	for _, t := range txtStrings(ans) {
		if isSPFRecord(t) {
			v.records = append(v.records, t)
		}
	}
	switch len(v.records) {
	case 0:
		v.reason = "none"
	case 1:
		v.rec, v.parseErr = parseSPF(v.records[0])
		if v.parseErr != nil {
			v.reason = "syntax"
		}
	default:
		v.reason = "several"
	}
	return v
}

func (v spfView) valid() bool { return v.reason == "" }

func (v spfView) observed() map[string]any {
	obs := map[string]any{"domain": v.domain}
	switch len(v.records) {
	case 0:
	case 1:
		obs["record"] = bounded(v.records[0], maxObservedText)
	default:
		rs := make([]string, 0, len(v.records))
		// In sorted order: a resolver may rotate them (unbound's
		// rrset-roundrobin), and the same records must read the same.
		for i, r := range slices.Sorted(slices.Values(v.records)) {
			if i == 10 {
				break
			}
			rs = append(rs, bounded(r, maxObservedText/2))
		}
		obs["records"] = rs
		obs["count"] = len(v.records)
	}
	if v.parseErr != nil {
		obs["error"] = bounded(v.parseErr.Error(), 300)
		var se *spfSyntaxError
		if errors.As(v.parseErr, &se) && se.Term != "" {
			obs["invalid_term"] = bounded(se.Term, 200)
			obs["error"] = bounded(se.Msg, 300)
		}
	}
	if q, ok := v.rec.all(); ok {
		obs["all"] = string(q) + "all"
		obs["permissive"] = q == '+' || q == '?'
	}
	if wide := v.rec.wideTerms(); len(wide) > 0 {
		obs["wide_terms"] = wide
	}
	if v.reason != "" {
		obs["reason"] = v.reason
	}
	return obs
}

func checkSPFRecord(ctx context.Context, r Resolver, a Asset) []Finding {
	const id = "spf.record"
	if a.Domain == "" {
		return []Finding{skipFinding(a, id, "no_domain")}
	}
	v := lookupSPFRecord(ctx, r, a.Domain)
	st := StatusPass
	switch {
	case v.outcome == OutcomeError:
		st = StatusError
	case !v.valid():
		st = StatusFail
	}
	obs := v.observed()
	if t := spfIPTerm(a.IP); t != "" {
		obs["ip_term"] = t
	}
	if v.valid() {
		noteOpenTerms(obs, v.rec)
	}
	used := []Answer{v.ans}
	if _, ok := v.rec.all(); !ok && v.valid() {
		_, redirect := v.rec.modifier("redirect")
		if ip, err := netip.ParseAddr(a.IP); redirect && err == nil {
			// The record's ending is the redirect target's (RFC 7208 §6.1).
			e := followEnding(ctx, r, v, ip.Unmap(), normName(a.HELO))
			used = append(used, e.answers...)
			e.note(obs)
		}
	}
	return []Finding{newFinding(a, id, st, obs, used...)}
}

// maxOpenTerms bounds the terms open_terms lists.
const maxOpenTerms = 10

// noteOpenTerms records, when the record's pass ip4: or ip6: terms
// together authorize every address of a family (spfCovering), those terms
// in open_terms, as published and in record order: wide_terms lists only
// the networks of a /8 or an IPv6 /32 and wider, and narrower ones may
// fill the gaps between them ("ip4:0.0.0.0/1 ip4:128.0.0.0/2
// ip4:192.0.0.0/3 ..."). Past maxOpenTerms, open_terms_omitted counts the
// rest.
func noteOpenTerms(obs map[string]any, rec spfRecord) {
	open := coveringRaw(spfCovering(rec.Terms))
	if len(open) == 0 {
		return
	}
	if len(open) > maxOpenTerms {
		obs["open_terms_omitted"] = len(open) - maxOpenTerms
		open = open[:maxOpenTerms]
	}
	for i, t := range open {
		open[i] = bounded(t, 100)
	}
	obs["open_terms"] = open
}

// spfEnding is the "all" term that decides for senders a record's other
// mechanisms do not match.
type spfEnding struct {
	all     string   // "+all", "-all", "~all" or "?all"; "" when none or unknown
	source  string   // the domain whose record holds it, when not the evaluated one
	via     []string // the include/redirect terms leading to that record
	answers []Answer // the records read to follow redirects
	// noAll is set when the record (or the last one its redirects reach)
	// has neither "all" nor redirect=.
	noAll bool
}

// note records the ending in a finding's observed values: all, permissive
// (+all or ?all), and all_source and all_via when the term is in another
// record.
func (e spfEnding) note(obs map[string]any) {
	if e.all == "" {
		return
	}
	obs["all"] = e.all
	obs["permissive"] = e.all == "+all" || e.all == "?all"
	if e.source != "" {
		obs["all_source"] = bounded(e.source, 255)
	}
	if len(e.via) > 0 {
		obs["all_via"] = e.via
	}
}

// followEnding finds the "all" that ends v's record: its own, else, when it
// has a redirect=, the one of the record the redirect leads to, and so on
// (RFC 7208 §6.1: redirect applies only without "all"), at most
// spfMaxLookups redirects deep. A redirect target without a single valid
// record, or with a macro that does not expand, leaves it unknown.
func followEnding(ctx context.Context, r Resolver, v spfView, ip netip.Addr, helo string) spfEnding {
	var e spfEnding
	cur := v
	for range spfMaxLookups + 1 {
		if q, ok := cur.rec.all(); ok {
			e.all = string(q) + "all"
			if cur.domain != v.domain {
				e.source = cur.domain
			}
			return e
		}
		target, ok := cur.rec.modifier("redirect")
		if !ok {
			// Neither "all" nor redirect=: the record ends in the
			// default neutral (RFC 7208 §4.7).
			return spfEnding{answers: e.answers, noAll: true}
		}
		name, ok := expandSPFMacros(target, ip, "postmaster@"+v.domain, cur.domain, helo)
		if !ok {
			return spfEnding{answers: e.answers}
		}
		e.via = append(e.via, "redirect="+target)
		cur = lookupSPFRecord(ctx, r, name)
		e.answers = append(e.answers, cur.ans)
		if !cur.valid() {
			return spfEnding{answers: e.answers}
		}
	}
	return spfEnding{answers: e.answers}
}

// termTarget is the domain an include: or redirect= term names ("" when it
// holds a macro, whose expansion the term does not show).
func termTarget(term string) string {
	t := strings.TrimLeft(term, "+-~?")
	_, target, ok := strings.Cut(t, ":")
	if strings.HasPrefix(strings.ToLower(t), "redirect=") {
		_, target, ok = strings.Cut(t, "=")
	}
	if !ok || strings.Contains(target, "%") {
		return ""
	}
	return normName(target)
}

// spfIPTerm is the SPF mechanism that authorizes exactly ip ("" when ip is
// not an address), for remediation text.
func spfIPTerm(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	if addr = addr.Unmap(); addr.Is6() {
		return "ip6:" + addr.String()
	}
	return "ip4:" + addr.String()
}

// heloSPFStatus maps an SPF result to a status for the HELO identity.
func heloSPFStatus(res spf.Result) Status {
	switch res {
	case spf.Pass:
		return StatusPass
	case spf.None, spf.Neutral:
		return StatusWarn
	case spf.TempError:
		return StatusError
	}
	return StatusFail
}

func checkHELOSPF(ctx context.Context, r Resolver, a Asset) []Finding {
	const id = "helo.spf"
	if a.HELO == "" {
		return []Finding{skipFinding(a, id, "no_helo")}
	}
	ip, err := netip.ParseAddr(a.IP)
	if err != nil {
		return []Finding{newFinding(a, id, StatusError, map[string]any{"reason": "invalid_ip", "helo": normName(a.HELO)})}
	}
	helo := normName(a.HELO)
	ev := evalSPF(ctx, r, ip.Unmap(), helo, helo)
	obs := ev.observed()
	obs["helo"] = helo
	if ev.record != "" {
		obs["record"] = bounded(ev.record, maxObservedText)
	}
	obs["ip_term"] = spfIPTerm(a.IP)
	obs["forward_type"] = forwardType(ip.Unmap())
	st := heloSPFStatus(ev.result)
	used := ev.answers
	switch st {
	case StatusError:
		obs["reason"] = ev.reason
	case StatusPass:
	default:
		obs["reason"] = string(ev.result)
		noteHELOFit(obs, helo, ip.Unmap())
		if errors.Is(ev.err, errNotDomain) {
			obs["helo_not_domain"] = true
		}
		if valid, _ := validFQDN(helo); valid && ev.result != spf.PermError {
			used = append(slices.Clip(used), noteHELOOwner(ctx, r, obs, a, helo, ip.Unmap(), ev.record)...)
		}
	}
	return []Finding{newFinding(a, id, st, obs, used...)}
}

// noteHELOOwner records, for a HELO name whose SPF does not pass this IP,
// what the remediation needs to tell whose name it is and which to announce:
// helo_addresses and helo_elsewhere (noteHELOHost), the record's "all" term
// (all), and own_name, a name of this host to announce instead: the
// inventory hostname, else the PTR name when it is forward-confirmed and
// does not look generic (never the HELO name itself).
func noteHELOOwner(ctx context.Context, r Resolver, obs map[string]any, a Asset, helo string, ip netip.Addr, record string) []Answer {
	used := []Answer{noteHELOHost(ctx, r, obs, a, helo, ip)}
	if rec, err := parseSPF(record); record != "" && err == nil {
		if q, ok := rec.all(); ok {
			obs["all"] = string(q) + "all"
		}
	}
	if h := normName(a.Hostname); h != "" {
		// An inventory hostname that looks generic or is no host name is
		// not recommended (name/own): the PTR name may serve instead.
		noteHostnameFit(r, obs, a, ip)
		if obs["hostname_generic"] == nil && obs["hostname_invalid"] == nil {
			if h != helo {
				obs["own_name"] = h
			}
			return used
		}
	}
	v := lookupPTR(ctx, r, a, true)
	used = append(used, v.ans)
	used = append(used, v.forward...)
	if v.name != "" && v.name != helo && slices.Contains(v.confirmed, v.name) && !genericName(v.name, ip) {
		obs["own_name"] = v.name
	}
	return used
}

func checkSPFAuthorizesIP(ctx context.Context, r Resolver, a Asset) []Finding {
	const id = "spf.authorizes_ip"
	if a.Domain == "" {
		return []Finding{skipFinding(a, id, "no_domain")}
	}
	ip, err := netip.ParseAddr(a.IP)
	if err != nil {
		return []Finding{newFinding(a, id, StatusError, map[string]any{"reason": "invalid_ip", "domain": normName(a.Domain)})}
	}
	ev := evalSPF(ctx, r, ip.Unmap(), a.Domain, normName(a.HELO))
	obs := ev.observed()
	obs["domain"] = ev.domain
	obs["ip_term"] = spfIPTerm(a.IP)
	if errors.Is(ev.err, errNotDomain) {
		obs["invalid_domain"] = true // none without a lookup: fix the inventory
	}
	// Call out an "all" that lets any sender through (+all) or makes no
	// statement (?all): the one that decided, or the one the domain's
	// record ends in, in the record itself or behind its redirect=.
	var v spfView
	used := ev.answers
	if len(ev.answers) > 0 {
		v = lookupSPFRecord(ctx, r, a.Domain)
		used = append(used, v.ans)
	}
	if len(v.records) == 1 {
		obs["record"] = bounded(v.records[0], maxObservedText)
	}
	if wide := v.rec.wideTerms(); v.valid() && len(wide) > 0 {
		// A pass through ip4:0.0.0.0/0 says as little as one through
		// +all: the warning spf.record gives belongs here too.
		obs["wide_terms"] = wide
	}
	switch {
	case ev.matched == "+all" || ev.matched == "?all":
		e := spfEnding{all: ev.matched, via: ev.via}
		if len(ev.via) > 0 {
			e.source = termTarget(ev.via[len(ev.via)-1])
		}
		e.note(obs)
	case v.valid():
		e := followEnding(ctx, r, v, ip.Unmap(), normName(a.HELO))
		used = append(used, e.answers...)
		e.note(obs)
		if e.all == "" {
			// Without "all" or redirect=, an unlisted sender gets
			// neutral (RFC 7208 §4.7), as with ?all.
			obs["permissive"] = e.noAll
			if e.noAll {
				obs["no_all"] = true
			}
		}
	}
	switch ev.result {
	case spf.Pass:
		return []Finding{newFinding(a, id, StatusPass, obs, used...)}
	case spf.TempError:
		obs["reason"] = ev.reason
		return []Finding{newFinding(a, id, StatusError, obs, used...)}
	}
	obs["reason"] = string(ev.result)
	return []Finding{newFinding(a, id, StatusFail, obs, used...)}
}

func checkSPFLookupLimit(ctx context.Context, r Resolver, a Asset) []Finding {
	const id = "spf.lookup_limit"
	if a.Domain == "" {
		return []Finding{skipFinding(a, id, "no_domain")}
	}
	ip, err := netip.ParseAddr(a.IP)
	if err != nil {
		return []Finding{newFinding(a, id, StatusError, map[string]any{"reason": "invalid_ip", "domain": normName(a.Domain)})}
	}
	ip = ip.Unmap()
	v := lookupSPFRecord(ctx, r, a.Domain)
	switch {
	case v.outcome == OutcomeError:
		obs := v.observed()
		return []Finding{newFinding(a, id, StatusError, obs, v.ans)}
	case !v.valid():
		obs := v.observed()
		obs["record_reason"] = v.reason
		obs["reason"] = "no_record"
		return []Finding{newFinding(a, id, StatusSkip, obs, v.ans)}
	}
	helo := normName(a.HELO)
	c := countSPF(ctx, r, ip, a.Domain, helo)
	ev := evalSPF(ctx, r, ip, a.Domain, helo)
	obs := map[string]any{
		"domain": v.domain, "record": bounded(v.records[0], maxObservedText),
		"lookups": c.lookups, "void_lookups": c.voids, "terms": nonNil(c.terms),
		"max_lookups": spfMaxLookups, "max_void_lookups": spfMaxVoidLookups,
		"result": string(ev.result), "limit_hit_for_ip": ev.limitHit() != "",
	}
	if len(c.broken) > 0 {
		obs["broken"] = c.broken
	}
	if len(c.reached) > 0 {
		// The records behind the domain's own: a range widened or +all
		// in an included record authorizes as much as one in the
		// domain's record.
		obs["reached_records"] = c.reached
	}
	if c.halted {
		// Counting stopped at a target every evaluation fails on: the
		// terms after it were not counted.
		obs["halted"] = true
	}
	// The answers used fit this array on the stack in the usual case.
	var usedBuf [16]Answer
	used := append(append(usedBuf[:0], v.ans), c.answers...)
	used = append(used, ev.answers...)
	switch {
	case c.exceeded || ev.limitHit() == "lookups":
		obs["reason"] = "lookups"
	case c.voidExceeded || ev.limitHit() == "void_lookups":
		obs["reason"] = "void_lookups"
	case len(c.mxOver) > 0 || errors.Is(ev.err, spf.ErrTooManyMXRecords):
		obs["reason"] = "mx_hosts"
		obs["mx_over"] = nonNil(c.mxOver)
		obs["max_mx_hosts"] = spfMaxMXHosts
	case c.heloUnknown > 0 && (c.heloInclude || c.voids+c.heloUnknown > spfMaxVoidLookups):
		// Terms with the h macro were not asked (no HELO name in the
		// inventory): an include's lookups, or enough void lookups to
		// pass the limit, are not known.
		obs["reason"] = "helo_required"
		obs["helo_terms"] = c.heloUnknown
		return []Finding{newFinding(a, id, StatusError, obs, used...)}
	case c.reason != "" && (c.otherFailed || c.voids >= spfMaxVoidLookups) || ev.result == spf.TempError && ev.reason != "helo_required":
		// (An evaluation undetermined for want of the HELO name leaves
		// the walk's count standing, which the case above judged.)
		obs["reason"] = c.reason
		if c.reason == "" {
			obs["reason"] = ev.reason
		}
		// The walk and the evaluation often fail on the same lookup: name
		// each once.
		var failed []string
		for _, f := range append(append([]string(nil), c.failed...), ev.failed...) {
			if !slices.Contains(failed, f) {
				failed = append(failed, f)
			}
		}
		obs["failed_lookups"] = nonNil(failed)
		return []Finding{newFinding(a, id, StatusError, obs, used...)}
	default:
		return []Finding{newFinding(a, id, StatusPass, obs, used...)}
	}
	return []Finding{newFinding(a, id, StatusFail, obs, used...)}
}
