package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"senderproof/assess"
)

var errPortZero = errors.New("port 0 is not a port; give 1-65535")

// parseResolver checks one --resolver value, HOST[:PORT], without a
// lookup: an IP address (IPv6 in brackets when a port follows) comes back
// as IP:PORT, a host name as name:PORT for resolveHosts; the port defaults
// to 53. localhost is the loopback address and .invalid never resolves
// (RFC 6761 §6.3, §6.4).
func parseResolver(v string) (string, error) {
	s := strings.TrimSpace(v)
	if s == "" {
		return "", errors.New("empty; give an IP address or host name, optionally with :PORT")
	}
	switch {
	case strings.ContainsAny(s, ", "):
		return "", errors.New("one resolver per --resolver: repeat the flag for several (--resolver A --resolver B)")
	case strings.Contains(s, "://"):
		return "", errors.New("give HOST[:PORT] without a URL scheme: senderproof asks plain DNS over UDP, and TCP when an answer is truncated")
	case strings.Contains(s, "#"):
		// BIND's and dig's ADDR#PORT.
		return "", fmt.Errorf("give the port after a colon, %s, not after #", strings.Replace(s, "#", ":", 1))
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		if ap.Port() == 0 {
			return "", errPortZero
		}
		return ap.String(), nil
	}
	bare := s
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		bare = s[1 : len(s)-1]
	}
	if ip, err := netip.ParseAddr(bare); err == nil {
		if bare == s && ip.Is6() {
			if err := ambiguousPort(s); err != nil {
				return "", err
			}
		}
		return netip.AddrPortFrom(ip, 53).String(), nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		if i := strings.LastIndexByte(s, ':'); i > 0 && !strings.ContainsAny(s, "[]") {
			// ::1:10053, which no IPv6 address is (10053 is no group).
			if ip, err := netip.ParseAddr(s[:i]); err == nil && ip.Is6() {
				if n, err := strconv.Atoi(s[i+1:]); err == nil && n >= 1 && n <= 65535 {
					return "", fmt.Errorf("write [%s]:%d for port %d of an IPv6 address", s[:i], n, n)
				}
			}
		}
		if strings.ContainsAny(s, ":[]") {
			return "", errors.New("not HOST[:PORT]: give an IP address or host name, optionally with :PORT (IPv6 as [ADDR]:PORT)")
		}
		host, port = s, "53"
	}
	n, err := strconv.ParseUint(port, 10, 64)
	if err != nil || n < 1 || n > 65535 {
		if port == "0" {
			return "", errPortZero
		}
		return "", fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return netip.AddrPortFrom(ip, uint16(n)).String(), nil
	}
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	switch {
	case !hostName(name):
		return "", fmt.Errorf("%q is neither an IP address nor a host name", host)
	case name == "localhost" || strings.HasSuffix(name, ".localhost"):
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(n)).String(), nil
	case name == "invalid" || strings.HasSuffix(name, ".invalid"):
		return "", fmt.Errorf("%q is a reserved name that never resolves (RFC 6761)", host)
	}
	return net.JoinHostPort(name, port), nil
}

// lookupFunc resolves a host name to its addresses.
type lookupFunc func(ctx context.Context, host string) ([]netip.Addr, error)

// systemLookup resolves with the system's resolver (the hosts file first).
func systemLookup(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// resolveHosts replaces each host name that parseResolver left in servers
// by its address: an IPv4 address if it has one, else its first. It runs
// once, after every input is checked and before the first query, so the
// run and its evidence name the address asked.
func resolveHosts(ctx context.Context, servers []string, lookup lookupFunc) ([]string, error) {
	if lookup == nil {
		lookup = systemLookup
	}
	out := make([]string, 0, len(servers))
	for _, srv := range servers {
		host, port, err := net.SplitHostPort(srv)
		if err != nil {
			return nil, fmt.Errorf("--resolver %s: %w", srv, err)
		}
		if _, err := netip.ParseAddr(host); err == nil {
			out = append(out, srv)
			continue
		}
		lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		addrs, err := lookup(lctx, host)
		cancel()
		if err == nil && len(addrs) == 0 {
			err = errors.New("no address")
		}
		if err != nil {
			return nil, fmt.Errorf("--resolver %s: cannot resolve host name %q: %v (give the resolver's IP address instead)", srv, host, err)
		}
		ip := addrs[0].Unmap().WithZone("")
		for _, a := range addrs {
			if a.Unmap().Is4() {
				ip = a.Unmap()
				break
			}
		}
		out = append(out, net.JoinHostPort(ip.String(), port))
	}
	return out, nil
}

// dropRepeated keeps the first of servers (IP:PORT) that are the same
// address and port, however written (127.0.0.1, localhost, an IPv4-mapped
// IPv6 address), and returns the resolvers given more than once, each once
// as kept: a resolver listed twice would be asked a question it answered
// SERVFAIL or REFUSED again, as if it were another, and be named twice in
// the run.
func dropRepeated(servers []string) (kept, repeated []string) {
	first := map[netip.AddrPort]string{}
	for _, srv := range servers {
		ap, err := netip.ParseAddrPort(srv)
		if err != nil {
			kept = append(kept, srv)
			continue
		}
		ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		if k, ok := first[ap]; ok {
			if !slices.Contains(repeated, k) {
				repeated = append(repeated, k)
			}
			continue
		}
		first[ap] = srv
		kept = append(kept, srv)
	}
	return kept, repeated
}

// hostName reports whether s (lower case, no trailing dot) is a host name:
// letters, digits and hyphens in labels of 1-63 characters that do not
// start or end with a hyphen, at most 253 characters, and a last label that
// is not all digits (192.0.2.300 is a mistyped address, not a name).
func hostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

// ambiguousPort refuses an IPv6 address without brackets whose last group
// reads as a port after an address: ::1:5353 is the address ::1:5353 on
// port 53, but it is easily meant as ::1 on port 5353. A last group of one
// digit, or one that follows "::" (::53), is not taken for a port.
func ambiguousPort(s string) error {
	i := strings.LastIndexByte(s, ':')
	host, port := s[:i], s[i+1:]
	if len(port) < 2 || strings.Trim(port, "0123456789") != "" || strings.HasSuffix(host, ":") {
		return nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return nil
	}
	if _, err := netip.ParseAddr(host); err != nil {
		return nil
	}
	return fmt.Errorf("ambiguous: write [%s]:%s for port %s of %s, or [%s] for that address on port 53", host, port, port, host, s)
}

// parseResolvers checks every --resolver value; the error names the first
// bad one as `--resolver VALUE: reason`.
func parseResolvers(values []string) ([]string, error) {
	out := make([]string, 0, len(values))
	for _, v := range values {
		addr, err := parseResolver(v)
		if err != nil {
			shown := v
			if strings.TrimSpace(v) == "" {
				shown = strconv.Quote(v)
			}
			return nil, fmt.Errorf("--resolver %s: %w", shown, err)
		}
		out = append(out, addr)
	}
	return out, nil
}

// silentResolvers returns a note naming each resolver that was sent queries
// and answered none, with the last error seen from it, when no resolver
// answered anything at all; "" otherwise.
func silentResolvers(health []assess.ServerHealth) string {
	var parts []string
	for _, h := range health {
		if h.Answered > 0 || h.TCPFailed > 0 {
			return ""
		}
		if h.Sent == 0 {
			continue
		}
		p := h.Server
		if h.LastError != "" {
			p += " (" + h.LastError + ")"
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "; ")
}

// minBroadFailure is how many responses, all SERVFAIL, make that the
// resolver's failure rather than the zones': a small run's few names may
// all be in broken zones, and SERVFAIL for them is the findings' business.
// A resolver that REFUSES everything is named whatever the count.
const minBroadFailure = 10

// refusingResolvers returns a note for each resolver whose every response
// was REFUSED, or REFUSED and SERVFAIL (at least minBroadFailure of them):
// it resolves nothing for this host, which the findings show only as
// errors one by one. all is set when no resolver
// gave any other response (the others, if any, answered nothing at all),
// so that the run resolved nothing.
func refusingResolvers(health []assess.ServerHealth) (notes []string, all bool) {
	all = true
	// Of several resolvers, another answered its questions unless every
	// one refused (all), which the run's failure then says.
	consequence := "the findings that needed it are error"
	if len(health) > 1 {
		consequence = "its questions went to the other resolvers, and a finding is error only where none of them answered"
	}
	for _, h := range health {
		if !refusesAll(h) {
			if h.Answered > 0 {
				all = false
			}
			continue
		}
		var what, why string
		switch {
		case h.ServFail == 0:
			what, why = "REFUSED", "it does not resolve for this host: an access list, or a server that is authoritative only"
		case h.Refused == 0:
			what, why = "SERVFAIL", "it could not resolve any name: no working upstream, or DNSSEC validation failing"
		default:
			what, why = "REFUSED or SERVFAIL", "it resolves nothing for this host"
		}
		notes = append(notes, fmt.Sprintf("resolver %s answered every query with %s (%d %s): %s; %s", h.Server, what, h.Answered, plural(int(h.Answered), "response", "responses"), why, consequence))
	}
	return notes, all && len(notes) > 0
}

// refusesAll reports a resolver that answered every query it answered
// with REFUSED, or REFUSED and SERVFAIL (at least minBroadFailure answers
// when any is SERVFAIL), for which refusingResolvers gives its note.
func refusesAll(h assess.ServerHealth) bool {
	bad := h.Refused + h.ServFail
	return h.Answered > 0 && bad >= h.Answered && (h.ServFail == 0 || h.Answered >= minBroadFailure)
}

// passedOnResolvers returns a note for each resolver, of several, that
// answered some questions (not all: refusingResolvers speaks of those)
// with SERVFAIL or REFUSED: those questions went to the next resolver, so
// without the note a resolver failing for some zone leaves no trace in the
// pack when another answered.
func passedOnResolvers(health []assess.ServerHealth) []string {
	if len(health) < 2 {
		return nil
	}
	var notes []string
	for _, h := range health {
		bad := h.Refused + h.ServFail
		if bad == 0 || bad >= h.Answered {
			continue
		}
		notes = append(notes, fmt.Sprintf("resolver %s answered %s of its %d responses; those questions were asked of the other resolvers, and a finding is error only where none of them answered (the evidence names the server of each answer)",
			h.Server, failedAnswers(h), h.Answered))
	}
	return notes
}

// failedAnswers counts a resolver's SERVFAIL and REFUSED answers in words:
// "SERVFAIL to 3 and REFUSED to 1".
func failedAnswers(h assess.ServerHealth) string {
	var parts []string
	if h.ServFail > 0 {
		parts = append(parts, fmt.Sprintf("SERVFAIL to %d", h.ServFail))
	}
	if h.Refused > 0 {
		parts = append(parts, fmt.Sprintf("REFUSED to %d", h.Refused))
	}
	return strings.Join(parts, " and ")
}

// finalFailureResolvers returns a note for the one resolver of a run that
// answered questions with SERVFAIL or REFUSED, unless refusingResolvers
// speaks of it (it refused everything): with no other resolver to ask,
// those answers are final and their findings error, which without the note
// the pack shows only finding by finding. A lookup whose failure leaves a
// verdict standing (the DMARCbis tree walk past the RFC 7489 record) makes
// no finding error, and the note then says so, unless a removed sender's
// recheck is incomplete, which such answers may have caused. Many
// SERVFAILs at once are often a resolver limiting the rate of one client,
// so the note then says what to change.
func finalFailureResolvers(health []assess.ServerHealth, fail failures) []string {
	if len(health) != 1 {
		return nil
	}
	h := health[0]
	if h.Refused+h.ServFail == 0 || refusesAll(h) {
		return nil
	}
	outcome := "those answers are final, though no finding's verdict hung on them (a lookup whose failure leaves the verdict standing, such as the DMARCbis walk up a domain's tree)"
	switch n := fail.causes["servfail|refused"]; {
	case n > 0:
		outcome = fmt.Sprintf("those answers are final and the %d %s that needed them %s error (the evidence shows each answer)", n, plural(n, "finding", "findings"), plural(n, "is", "are"))
	case fail.rechecksUnchecked > 0:
		outcome = fmt.Sprintf("those answers are final: no finding is error for them, but the recheck of %d removed %s could not be completed in full, and they may be why (the evidence shows each answer)", fail.rechecksUnchecked, plural(fail.rechecksUnchecked, "sender", "senders"))
	}
	note := fmt.Sprintf("resolver %s answered %s of its %d responses; with no other resolver to ask, %s",
		h.Server, failedAnswers(h), h.Answered, outcome)
	if h.ServFail >= minBroadFailure {
		note += "; a resolver that limits the rate of one client answers SERVFAIL or nothing: if the names resolve when asked alone, re-run with a lower --qps, or give a second --resolver"
	}
	return []string{note}
}

// localZoneResolvers returns a note for each resolver that answered some
// questions from a locally served empty zone (RFC 6303): a recursive
// resolver's built-in reverse zones of private address ranges answer
// NXDOMAIN for every name, whatever the organisation's internal DNS holds,
// so those findings' "no PTR record" is the resolver's default, which the
// findings alone do not show.
func localZoneResolvers(health []assess.ServerHealth) []string {
	var notes []string
	for _, h := range health {
		if h.LocalZone == 0 {
			continue
		}
		notes = append(notes, fmt.Sprintf("resolver %s answered %d %s from a locally served empty zone (%s; SOA mailbox nobody.invalid., RFC 6303), not from the DNS: for private address ranges it answers that no record exists whatever your internal DNS holds; to assess those names, point --resolver at a server that serves your internal zones",
			h.Server, h.LocalZone, plural(int(h.LocalZone), "question", "questions"), strings.Join(h.LocalZones, ", ")))
	}
	return notes
}

// tcpFailedResolvers returns a note for each resolver some of whose answers
// were truncated and then could not be asked for over TCP: the resolver
// answers, but TCP to it fails, so the note points there rather than at a
// dead resolver.
func tcpFailedResolvers(health []assess.ServerHealth, fail failures) []string {
	var notes []string
	for _, h := range health {
		if h.TCPFailed == 0 {
			continue
		}
		last := ""
		if e, ok := strings.CutPrefix(h.LastError, assess.ErrTCPFallback.Error()+" "); ok {
			last = " " + e
		}
		// Another resolver may have answered those questions: the
		// findings say whether any is error for it.
		what := failureCost("tcp_failed", fail)
		if what != "" {
			what = " " + strings.ToUpper(what[:1]) + what[1:]
		}
		notes = append(notes, fmt.Sprintf("resolver %s truncated %d %s over UDP and the retry over TCP failed%s: is TCP port 53 to it blocked?%s",
			h.Server, h.TCPFailed, plural(int(h.TCPFailed), "answer", "answers"), last, what))
	}
	return notes
}

// failureCost says what a resolver's failures of one kind (an
// EvidenceCause) cost the run, as far as the findings tell: error findings
// for that cause, or none at all; "" when findings are error for other
// causes, which may or may not include those questions.
func failureCost(cause string, fail failures) string {
	switch {
	case fail.causes[cause] > 0:
		return "the findings that needed them are error"
	case fail.errors == 0:
		return "no finding is error for it"
	}
	return ""
}

// truncatedTCPResolvers returns a note for each resolver that cut some
// answers short (TC) over TCP too: broken, and the findings show it only
// as errors one by one.
func truncatedTCPResolvers(health []assess.ServerHealth, fail failures) []string {
	var notes []string
	for _, h := range health {
		if h.TruncatedTCP == 0 {
			continue
		}
		what := failureCost("truncated", fail)
		if what != "" {
			what = "; " + what
		}
		notes = append(notes, fmt.Sprintf("resolver %s cut %d %s short (TC) even over TCP, which leaves no answer: a broken server, or something between it and senderproof that cuts TCP answers%s",
			h.Server, h.TruncatedTCP, plural(int(h.TruncatedTCP), "answer", "answers"), what))
	}
	return notes
}

// referralResolvers returns a note for each resolver that answered some
// questions with a referral: an authoritative server, not a recursive
// resolver, which the findings show only as errors one by one.
func referralResolvers(health []assess.ServerHealth) []string {
	var notes []string
	for _, h := range health {
		if h.Referred == 0 {
			continue
		}
		notes = append(notes, fmt.Sprintf("resolver %s answered %d %s with a referral to other name servers instead of an answer: it serves some zones but does not resolve the names delegated away from them (an authoritative server, not a recursive resolver); the findings that needed them are error (point --resolver at a recursive resolver)",
			h.Server, h.Referred, plural(int(h.Referred), "question", "questions")))
	}
	return notes
}

// noUsableAnswer reports a run in which queries were sent and no resolver
// gave a single response other than REFUSED, SERVFAIL or a referral (nor a truncated
// one it could fetch over TCP): nothing was resolved.
func noUsableAnswer(health []assess.ServerHealth) bool {
	sent := false
	for _, h := range health {
		if h.Sent > 0 {
			sent = true
		}
		if h.Answered-h.Refused-h.ServFail-h.Referred-h.TruncatedTCP > 0 || h.ServFail > 0 && h.Answered < minBroadFailure {
			return false
		}
	}
	return sent
}
