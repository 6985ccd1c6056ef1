package assess

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// SPF processing limits (RFC 7208 §4.6.4).
const (
	spfMaxLookups     = 10
	spfMaxVoidLookups = 2
	spfMaxMXHosts     = 10 // MX records an mx term may look at
	maxWalkTerms      = 40 // counted terms kept in observed
)

// spfCount is the cost of a whole SPF record: every DNS-mechanism term
// (include, a, mx, ptr, exists, redirect) that some sender's evaluation can
// reach, following includes and the redirect, as if no mechanism matched.
// This is the worst case over all senders: a record over the limit gives
// permerror for every sender not matched before the limit is hit.
type spfCount struct {
	lookups int
	voids   int
	// exceeded is set when the walk stopped at a limit.
	exceeded     bool
	voidExceeded bool
	terms        []string // each counted term, with "(in domain)" when nested
	broken       []string // include/redirect targets without a usable record
	// halted is set when the walk reached such a target: every evaluation
	// that gets there is permerror, so no term after it is ever evaluated.
	halted bool
	// otherFailed: a lookup other than the PTR query of the ptr
	// mechanism failed. A failed PTR query leaves the counts known but
	// for the one void lookup it might have been.
	otherFailed bool
	answers     []Answer
	reason      string // first DNS error, "" when none
	failed      []string
	// mxOver names the mx targets with more MX records than an
	// evaluation may look at: that mx term is permerror (§4.6.4).
	mxOver []string
	// reached holds the SPF records the walk read through include: and
	// redirect=, by name: what authorizes senders beside the domain's own
	// record, which drift compares. A shared walk's map is put in every
	// sender's observed values as it is: they are never written.
	reached map[string]any
	// heloUnknown counts the terms whose domain-spec holds the h macro
	// while the inventory gives no HELO name: not asked, as the name is
	// not the one receivers ask; heloInclude is set when such a term is
	// an include: or redirect=, whose record's lookups are then unknown.
	heloUnknown int
	heloInclude bool
}

// maxReached bounds the records kept in reached (a walk reads at most
// spfMaxLookups of them before it stops).
const maxReached = 2 * spfMaxLookups

// spfWalker walks an SPF record tree for spfCount.
type spfWalker struct {
	r      Resolver
	ip     netip.Addr
	sender string
	helo   string
	c      spfCount
	ptr    bool   // the ptr names lookup is made (and counted void) once
	top    string // the domain whose record is walked
	// perSender is set when the walk depended on the sender beyond its
	// address family (a macro or a ptr mechanism), so it cannot be shared.
	perSender bool
}

// countSPF walks domain's SPF record as check_host would for a sender that
// matches nothing, counting DNS-mechanism lookups and void lookups.
//
// In a run, the walk of a record without macros or ptr terms is made once
// per domain and address family and shared by every sender.
func countSPF(ctx context.Context, r Resolver, ip netip.Addr, domain, helo string) spfCount {
	var shared *domainMemo
	if m, ok := r.(*assetMemo); ok {
		shared = m.run
	}
	k := spfCountKey{domain, ip.Is6()}
	if shared != nil {
		shared.mu.Lock()
		c, ok := shared.spfCounts[k]
		shared.mu.Unlock()
		if ok {
			return c
		}
	}
	w := &spfWalker{r: r, ip: ip, sender: "postmaster@" + domain, helo: helo, top: normName(domain)}
	w.visit(ctx, domain, 0)
	// A walk that met a DNS failure is not shared: the next sender asks
	// again (from the client's cache while the failure is remembered), as
	// it would without the run's memo, so a passing failure early in a
	// long run does not stay every later sender's.
	if shared != nil && !w.perSender && ctx.Err() == nil && w.c.reason == "" && len(w.c.failed) == 0 {
		w.c.answers = slices.Clip(w.c.answers)
		shared.mu.Lock()
		if len(shared.spfCounts) < maxSharedSPFCounts {
			shared.spfCounts[k] = w.c
		}
		shared.mu.Unlock()
	}
	return w.c
}

// spfCountKey names a walk that depends on nothing of the sender but its
// address family (without macros the HELO name is not used either).
type spfCountKey struct {
	domain string
	v6     bool
}

// maxSharedSPFCounts bounds the shared walks.
const maxSharedSPFCounts = 4096

func (w *spfWalker) stopped() bool { return w.c.exceeded || w.c.voidExceeded || w.c.halted }

func (w *spfWalker) lookup(ctx context.Context, name string, qtype uint16) (Answer, Outcome) {
	qname, ok := wireName(name)
	if !ok {
		return Answer{}, OutcomeNXDomain
	}
	ans, err := w.r.Lookup(ctx, qname, qtype)
	w.c.answers = append(w.c.answers, ans)
	out := Classify(ans, err)
	if out == OutcomeError {
		reason := errorReason(ans, err)
		if w.c.reason == "" {
			w.c.reason = reason
		}
		w.c.otherFailed = w.c.otherFailed || qtype != dns.TypePTR
		if len(w.c.failed) < 20 {
			// Named as asked (presentation form), as the evaluation's
			// failures and the exchanges name it: a name from a
			// record's text holds no raw byte, and \x1b in it is text.
			w.c.failed = append(w.c.failed, fmt.Sprintf("%s %s: %s", normName(qname), dns.TypeToString[qtype], reason))
		}
	}
	return ans, out
}

func (w *spfWalker) count(domain string, t spfTerm) bool {
	w.c.lookups++
	if len(w.c.terms) < maxWalkTerms {
		term := bounded(t.Raw, 120)
		if d := normName(domain); d != w.top {
			term += " (in " + bounded(d, 120) + ")"
		}
		w.c.terms = append(w.c.terms, term)
	}
	if w.c.lookups > spfMaxLookups {
		w.c.exceeded = true
		return false
	}
	return true
}

// void counts a void lookup (NXDOMAIN or no records, §4.6.4).
func (w *spfWalker) void(out Outcome) {
	if out == OutcomeNXDomain || out == OutcomeNoData {
		w.c.voids++
		if w.c.voids > spfMaxVoidLookups {
			w.c.voidExceeded = true
		}
	}
}

func (w *spfWalker) visit(ctx context.Context, domain string, depth int) {
	if w.stopped() || depth > spfMaxLookups+1 || ctx.Err() != nil {
		return
	}
	if _, ok := wireName(domain); !ok {
		w.c.broken = append(w.c.broken, bounded(domain, 120)+": invalid domain name")
		w.c.halted = depth > 0
		return
	}
	ans, out := w.lookup(ctx, domain, dns.TypeTXT)
	if out == OutcomeError {
		return
	}
	var records []string
	for _, t := range txtStrings(ans) {
		if isSPFRecord(t) {
			records = append(records, t)
		}
	}
	if len(records) != 1 {
		what := "no SPF record"
		if len(records) > 1 {
			what = fmt.Sprintf("%d SPF records", len(records))
		}
		w.c.broken = append(w.c.broken, bounded(normName(domain), 120)+": "+what)
		w.c.halted = depth > 0
		return
	}
	rec, err := parseSPF(records[0])
	if err != nil {
		w.c.broken = append(w.c.broken, bounded(normName(domain), 120)+": "+bounded(err.Error(), 160))
		w.c.halted = depth > 0
		return
	}
	if depth > 0 && len(w.c.reached) < maxReached {
		if w.c.reached == nil {
			w.c.reached = map[string]any{}
		}
		w.c.reached[bounded(normName(domain), 255)] = bounded(records[0], maxObservedText)
	}
	for _, t := range rec.Terms {
		if t.Modifier {
			continue
		}
		if t.Name == "all" {
			// Nothing after "all" is evaluated, and redirect is ignored
			// when the record has "all" (§5.1, §6.1).
			return
		}
		if !isDNSMechanism(t.Name) {
			continue
		}
		if !w.count(domain, t) {
			return
		}
		target := domain
		if t.Value != "" {
			target = t.Value
		}
		if strings.Contains(target, "%") {
			w.perSender = true
		}
		if w.helo == "" && hasHELOMacro(target) {
			// Asked with an empty HELO name, the name is not the one a
			// receiver asks: counted, not looked up, and not taken for
			// a void lookup.
			w.c.heloUnknown++
			w.c.heloInclude = w.c.heloInclude || t.Name == "include"
			continue
		}
		name, ok := expandSPFMacros(target, w.ip, w.sender, domain, w.helo)
		switch t.Name {
		case "include":
			if ok {
				w.visit(ctx, name, depth+1)
			}
		case "a":
			if ok {
				qt := dns.TypeA
				if w.ip.Is6() {
					qt = dns.TypeAAAA
				}
				_, out := w.lookup(ctx, name, qt)
				w.void(out)
			}
		case "mx":
			if ok {
				ans, out := w.lookup(ctx, name, dns.TypeMX)
				w.void(out)
				if len(ans.RRs) > spfMaxMXHosts && !slices.Contains(w.c.mxOver, name) {
					w.c.mxOver = append(w.c.mxOver, name)
				}
			}
		case "exists":
			if ok {
				_, out := w.lookup(ctx, name, dns.TypeA)
				w.void(out)
			}
		case "ptr":
			w.perSender = true
			if !w.ptr && w.ip.IsValid() {
				w.ptr = true
				_, out := w.lookup(ctx, ReverseName(w.ip), dns.TypePTR)
				w.void(out)
			}
		}
		if w.stopped() {
			return
		}
	}
	if v, ok := rec.modifier("redirect"); ok {
		t := spfTerm{Raw: "redirect=" + v, Name: "redirect", Modifier: true, Value: v}
		if !w.count(domain, t) {
			return
		}
		if strings.Contains(v, "%") {
			w.perSender = true
		}
		if w.helo == "" && hasHELOMacro(v) {
			w.c.heloUnknown++
			w.c.heloInclude = true
			return
		}
		if name, ok := expandSPFMacros(v, w.ip, w.sender, domain, w.helo); ok {
			w.visit(ctx, name, depth+1)
		}
	}
}

// expandSPFMacros expands the macros of a domain-spec (RFC 7208 §7) and
// truncates the result to 253 characters by dropping labels from the left
// (§7.3). It reports false for a malformed macro.
func expandSPFMacros(spec string, ip netip.Addr, sender, domain, helo string) (string, bool) {
	if !strings.Contains(spec, "%") {
		return spec, true
	}
	local, senderDomain, _ := strings.Cut(sender, "@")
	var b strings.Builder
	for i := 0; i < len(spec); i++ {
		c := spec[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(spec) {
			return "", false
		}
		i++
		switch spec[i] {
		case '%':
			b.WriteByte('%')
			continue
		case '_':
			b.WriteByte(' ')
			continue
		case '-':
			b.WriteString("%20")
			continue
		case '{':
		default:
			return "", false
		}
		end := strings.IndexByte(spec[i:], '}')
		if end < 0 {
			return "", false
		}
		body := spec[i+1 : i+end]
		i += end
		if body == "" {
			return "", false
		}
		letter := body[0]
		var v string
		switch letter | 0x20 {
		case 's':
			v = sender
		case 'l':
			v = local
		case 'o':
			v = senderDomain
		case 'd':
			v = domain
		case 'i':
			v = macroIP(ip)
		case 'p':
			v = "unknown"
		case 'v':
			v = "in-addr"
			if ip.Is6() {
				v = "ip6"
			}
		case 'h':
			v = helo
		default:
			return "", false
		}
		rest := body[1:]
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		keep := 0
		if j > 0 {
			n, err := strconv.Atoi(rest[:j])
			if err != nil || n == 0 {
				return "", false
			}
			keep = n
		}
		rest = rest[j:]
		reverse := false
		if rest != "" && (rest[0] == 'r' || rest[0] == 'R') {
			reverse = true
			rest = rest[1:]
		}
		delims := rest
		if delims == "" {
			delims = "."
		}
		parts := strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(delims, r) })
		if reverse {
			slices.Reverse(parts)
		}
		if keep > 0 && keep < len(parts) {
			parts = parts[len(parts)-keep:]
		}
		v = strings.Join(parts, ".")
		if letter >= 'A' && letter <= 'Z' {
			v = url.QueryEscape(v)
		}
		b.WriteString(v)
	}
	out := b.String()
	for len(strings.TrimSuffix(out, ".")) > 253 {
		i := strings.IndexByte(out, '.')
		if i < 0 {
			return "", false
		}
		out = out[i+1:]
	}
	return out, true
}

// macroIP is the %{i} expansion: dotted quad, or dotted nibbles for IPv6.
func macroIP(ip netip.Addr) string {
	if !ip.IsValid() {
		return ""
	}
	if ip.Is4() {
		return ip.String()
	}
	var b strings.Builder
	for i, x := range ip.As16() {
		if i > 0 {
			b.WriteByte('.')
		}
		fmt.Fprintf(&b, "%x.%x", x>>4, x&0xf)
	}
	return b.String()
}
