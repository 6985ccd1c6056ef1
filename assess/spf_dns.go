package assess

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/miekg/dns"
)

// Bounds on what SPF evaluation records from hostile data.
const (
	maxSPFTrace     = 60   // trace lines kept
	maxTraceLine    = 240  // characters per trace line
	maxObservedText = 1024 // characters of a record kept in observed
)

// txtText returns the text of a TXT record: its character-strings joined
// without separators (RFC 7208 §3.3, RFC 6376 §3.6.2.2), with the escapes of
// miekg/dns's presentation form (\" \\ \DDD) turned back into bytes.
func txtText(rr *dns.TXT) string {
	var b strings.Builder
	for _, s := range rr.Txt {
		b.WriteString(unescapeTXT(s))
	}
	return b.String()
}

func unescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b = append(b, c)
			continue
		}
		if i+3 < len(s) && isDigit3(s[i+1:i+4]) {
			n := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
			if n <= 255 {
				b = append(b, byte(n))
				i += 3
				continue
			}
		}
		b = append(b, s[i+1])
		i++
	}
	return string(b)
}

func isDigit3(s string) bool {
	return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9'
}

// txtStrings returns the text of every TXT record of an answer.
func txtStrings(ans Answer) []string {
	var out []string
	for _, rr := range ans.RRs {
		if t, ok := rr.(*dns.TXT); ok {
			out = append(out, txtText(t))
		}
	}
	return out
}

// Escape returns untrusted text with what bounded escapes escaped, whole:
// for a value printed within a line of the command's output.
func Escape(s string) string { return bounded(s, math.MaxInt) }

// bounded shortens untrusted DNS text for observed values and messages:
// what a terminal, viewer or editor could act on instead of showing (C0
// and C1 controls, DEL, line and paragraph separators, bidirectional
// overrides) is shown as \xNN or \u{NNNN}, so is a byte that is not
// UTF-8, and the result is cut at n bytes at most, between characters
// and never inside an escape, then marked with an ellipsis. Its output
// is always valid UTF-8: the JSON encoder would otherwise replace bytes,
// and the pack would no longer match what a replay writes.
func bounded(s string, n int) string {
	if len(s) <= n && plainText(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		var piece string
		switch {
		case r == utf8.RuneError && size == 1, r < 0x20, r == 0x7f:
			piece = fmt.Sprintf(`\x%02x`, s[i])
		case HiddenRune(r):
			piece = fmt.Sprintf(`\u{%04x}`, r)
		case r == '\\' && escapeLike(s[i+1:]):
			// A backslash that would start what reads as an escape is
			// one itself, so that the text "\x1b" and the byte ESC
			// never read alike, nor compare equal in drift.
			piece = `\x5c`
		default:
			piece = s[i : i+size]
		}
		if b.Len()+len(piece) > n {
			b.WriteString("…")
			break
		}
		b.WriteString(piece)
		i += size
	}
	return b.String()
}

// clipRaw cuts untrusted text that an error message quotes to n bytes at
// most, between characters, and marks the cut with an ellipsis. It does
// not escape: the message is escaped once, by bounded, where a finding
// shows it, and text escaped here would be escaped again there (the byte
// ESC would read as the text \x5cx1b).
func clipRaw(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for i := 0; i < utf8.UTFMax-1 && cut > 0 && !utf8.RuneStart(s[cut]); i++ {
		cut-- // not inside a character
	}
	return s[:cut] + "…"
}

// escapeLike reports whether s, following a backslash, would make it read
// as one of bounded's escapes: xNN (two hexadecimal digits) or u{.
func escapeLike(s string) bool {
	if strings.HasPrefix(s, "u{") {
		return true
	}
	isHex := func(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
	return len(s) >= 3 && s[0] == 'x' && isHex(s[1]) && isHex(s[2])
}

// Bounds of a list taken from a record (DMARC report addresses).
const (
	maxListed     = 20
	maxListedText = 300
)

// boundedList bounds a list of untrusted strings for observed values:
// each entry as bounded does, at most maxListed of them, the rest counted
// in a last entry.
func boundedList(list []string) []string {
	if list == nil {
		return nil
	}
	out := make([]string, 0, min(len(list), maxListed+1))
	for i, e := range list {
		if i == maxListed {
			out = append(out, fmt.Sprintf("… (%d more)", len(list)-maxListed))
			break
		}
		out = append(out, bounded(e, maxListedText))
	}
	return out
}

// HiddenRune reports a character above ASCII that a terminal, viewer or
// editor may act on or not show: a C1 control, a line or paragraph
// separator, a format character (Unicode category Cf: bidirectional marks,
// embeddings, overrides and isolates, zero-width spaces and joiners, the
// byte order mark, the soft hyphen, tags) or a non-character U+FFFE and
// U+FFFF. Shown as an escape instead, "-al\u200bl" cannot pass for
// "-all", nor a report address with a soft hyphen for one without.
func HiddenRune(r rune) bool {
	switch {
	case r < 0x80:
		return false
	case ControlRune(r), r == 0xfffe, r == 0xffff:
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// ControlRune reports a character above ASCII that a terminal or viewer
// acts on rather than shows: a C1 control, a line or paragraph separator,
// or a bidirectional mark, embedding, override or isolate, which reorders
// the text around it. The other invisible characters HiddenRune names
// (joiners, soft hyphens) are part of ordinary text in some languages.
func ControlRune(r rune) bool {
	switch {
	case r < 0x80:
		return false
	case r <= 0x9f, r == 0x2028, r == 0x2029:
		return true
	}
	return unicode.Is(unicode.Bidi_Control, r) // U+061C, U+200E-F, U+202A-E, U+2066-9
}

// plainText reports whether s is valid UTF-8 with nothing bounded would
// rewrite, the common case in which bounded returns s itself.
func plainText(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c == '\\' && escapeLike(s[i+1:]) {
			return false
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if (r == utf8.RuneError && size == 1) || HiddenRune(r) {
				return false
			}
			i += size - 1
		}
	}
	return true
}

// validLookupName reports whether name is a host name that can be asked:
// labels of 1-63 letters, digits, '-' or '_', at most 253 characters. It is
// the rule for names that come from the inventory (domains, selectors).
func validLookupName(name string) bool {
	name = strings.TrimSuffix(name, ".")
	if name == "" || len(name) > 253 {
		return false
	}
	for l := range strings.SplitSeq(name, ".") {
		if labelFault(l) != "" {
			return false
		}
	}
	return true
}

// labelFault says what makes l not a label of a name from the inventory
// (1 to 63 letters, digits, hyphens and underscores), or "" when it is one.
func labelFault(l string) string {
	switch {
	case l == "":
		return "it has an empty label"
	case len(l) > 63:
		return fmt.Sprintf("label %q is longer than 63 bytes", l[:20]+"...")
	}
	for _, c := range l {
		if c >= utf8.RuneSelf || !isAlnum(byte(c)) && c != '-' && c != '_' {
			return fmt.Sprintf("%q is not allowed in a name (letters, digits, hyphens and underscores only)", string(c))
		}
	}
	return ""
}

// wireName turns a name taken from DNS data (an SPF domain-spec after macro
// expansion) into a query name. DNS labels are octet strings, so any byte
// is allowed and escaped as \DDD for the wire; a name with an empty label, a
// label over 63 octets or more than 253 octets is malformed (RFC 7208 §4.3,
// RFC 1035 §2.3.4).
func wireName(name string) (string, bool) {
	name = strings.TrimSuffix(name, ".")
	if name == "" || len(name) > 253 {
		return "", false
	}
	if !strings.HasSuffix(name, ".") && validLookupName(name) {
		return name, true // nothing to escape
	}
	var b strings.Builder
	for i, l := range strings.Split(name, ".") {
		if l == "" || len(l) > 63 {
			return "", false
		}
		if i > 0 {
			b.WriteByte('.')
		}
		writeLabel(&b, l)
	}
	return b.String(), true
}

// writeLabel writes a label in the presentation form miekg/dns gives names
// it unpacks, so that a question matches its response: the special
// characters backslash-escaped, other bytes outside printable ASCII as \DDD.
func writeLabel(b *strings.Builder, l string) {
	for j := 0; j < len(l); j++ {
		c := l[j]
		switch {
		case c == '.' || c == ' ' || c == '\'' || c == '@' || c == ';' || c == '(' || c == ')' || c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			fmt.Fprintf(b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
}

// spfResolver adapts senderproof's Resolver to the SPF library
// (spf.DNSResolver), so that every query the evaluation makes is cached,
// rate limited and kept as evidence. Errors are returned as an unwrapped
// *net.DNSError because the library type-asserts it: IsNotFound for
// NXDOMAIN/NODATA (void, §4.6.4), IsTemporary (and IsTimeout) for timeout,
// SERVFAIL, REFUSED and CNAME loops (temperror, §2.6.6); an SPF record that
// is not valid SPF gives a permanent error (permerror, §4.6).
type spfResolver struct {
	r  Resolver
	ip netip.Addr

	mu      sync.Mutex
	answers []Answer
	failed  []string // "name TYPE: reason" of each lookup that was an error
	reason  string   // reason of the first error
	// transient is set when a lookup that could decide the result failed
	// for a reason that asking again could change (every reason but a
	// CNAME loop or an over-long chain, which are facts of the zone data).
	transient bool
	// otherFailed is set when a transient failure was of a lookup other
	// than a PTR query (see ptrOnlyUndetermined).
	otherFailed bool
	// aTerm is set when the library has traced an a term's masks: the
	// address lookup that follows is that term's. An exists term asks A
	// records even for an IPv6 client (RFC 7208 §5.7), while a, mx and
	// ptr ask the client's type (§5.3-5.5); and any address decides an
	// exists term, only the client's an a term. The term, not the name,
	// decides: one name may be the target of both.
	aTerm bool
	// top is the SPF record of the evaluated domain itself (the first TXT
	// lookup), "" when it has none or several.
	top     string
	txtSeen bool
	count   spfCounter
	// rewritten maps each record handed to the library rewritten
	// (withoutMappedIP6, withoutSlashDelimiters) to the record served.
	rewritten map[string]string
	// noRecord lists the domains reached by include: or redirect= that
	// publish no SPF record.
	noRecord []string
	// presented holds the MX hosts and PTR names handed to the library
	// (lower case, no trailing dot). They come from answers, in the
	// presentation form miekg/dns gives (mail\ x, b\195\188cher), so when
	// the library asks for their addresses they are asked as they are, not
	// escaped again as a name from record text is.
	presented map[string]bool
}

// present notes names from an answer that are handed to the library.
func (s *spfResolver) present(names []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range names {
		if !strings.Contains(n, `\`) {
			continue // nothing escaped: wireName leaves it as it is
		}
		if s.presented == nil {
			s.presented = map[string]bool{}
		}
		s.presented[strings.ToLower(strings.TrimSuffix(n, "."))] = true
	}
}

// queryName returns the name to ask for name: as it is when it came from
// an answer (see presented), else escaped by wireName. A name longer than
// 253 characters, which only macro expansion makes, loses labels from the
// left until it fits (RFC 7208 §7.3), as the walk's expansion does.
func (s *spfResolver) queryName(name string) (string, bool) {
	for len(strings.TrimSuffix(name, ".")) > 253 {
		i := strings.IndexByte(name, '.')
		if i < 0 {
			return "", false
		}
		name = name[i+1:]
	}
	if strings.Contains(name, `\`) {
		n := strings.TrimSuffix(name, ".")
		s.mu.Lock()
		ok := s.presented[strings.ToLower(n)]
		s.mu.Unlock()
		if ok {
			return n, true
		}
	}
	return wireName(name)
}

func (s *spfResolver) lookup(ctx context.Context, name string, qtype uint16) (Answer, Outcome, *net.DNSError) {
	qname, ok := s.queryName(name)
	if !ok {
		return Answer{}, OutcomeNXDomain, &net.DNSError{Err: "invalid domain name", Name: name, IsNotFound: true}
	}
	ans, err := s.r.Lookup(ctx, qname, qtype)
	out := Classify(ans, err)
	s.mu.Lock()
	s.answers = append(s.answers, ans)
	if out == OutcomeError {
		reason := errorReason(ans, err)
		transient := reason != "cname_loop" && reason != "cname_chain"
		s.failedLocked(fmt.Sprintf("%s %s: %s", normName(qname), dns.TypeToString[qtype], reason),
			reason, transient)
		s.otherFailed = s.otherFailed || transient && qtype != dns.TypePTR
	}
	s.mu.Unlock()
	switch out {
	case OutcomeError:
		return ans, out, &net.DNSError{
			Err: "lookup failed: " + errorReason(ans, err), Name: name,
			IsTimeout: errors.Is(err, ErrTimeout), IsTemporary: true,
		}
	case OutcomeNXDomain, OutcomeNoData:
		return ans, out, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	return ans, out, nil
}

// failedLocked records a lookup whose answer cannot be relied on: entry
// for failed_lookups, its reason (the first one is the evaluation's), and
// whether asking again could change it (transient).
func (s *spfResolver) failedLocked(entry, reason string, transient bool) {
	if s.reason == "" {
		s.reason = reason
	}
	s.transient = s.transient || transient
	if len(s.failed) < 20 {
		s.failed = append(s.failed, entry)
	}
}

// addressLookup returns the record type the address lookup the library
// asks for now is made with, and whether it is an exists term's. The
// lookup is an exists term's when it is neither an a term's (aTerm) nor
// one of the host lookups of an mx or ptr term (count.mode): an exists
// term asks A even for an IPv6 client (§5.7); a, mx and ptr ask the
// client's own type (§5.3-5.5).
func (s *spfResolver) addressLookup() (qtype uint16, exists bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	exists = s.count.mode == spfCallIPAddr && !s.aTerm
	s.aTerm = false
	if !s.ip.Is6() || exists {
		return dns.TypeA, exists
	}
	return dns.TypeAAAA, false
}

// LookupTXT returns the texts of name's TXT records. When exactly one of them
// is an SPF record and it is not valid SPF, the lookup fails permanently:
// a syntax error anywhere in a record is permerror before any evaluation
// (RFC 7208 §4.6), while the library would stop at the first match.
func (s *spfResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	ans, _, derr := s.lookup(ctx, name, dns.TypeTXT)
	s.mu.Lock()
	first := !s.txtSeen
	s.txtSeen = true
	s.mu.Unlock()
	if derr != nil {
		if derr.IsNotFound && !first {
			s.noteNoRecord(name)
		}
		return nil, derr
	}
	txts := txtStrings(ans)
	var records []string
	for _, t := range txts {
		if isSPFRecord(t) {
			records = append(records, t)
		}
	}
	if len(records) == 0 && !first {
		s.noteNoRecord(name)
	}
	if first && len(records) == 1 {
		s.mu.Lock()
		s.top = records[0]
		s.mu.Unlock()
	}
	if len(records) == 1 {
		if err := spfSyntax(records[0]); err != nil {
			// UnwrapErr keeps the syntax error for the wording (which term);
			// the library only type-asserts the *net.DNSError.
			return nil, &net.DNSError{Err: "invalid SPF record: " + err.Error(), Name: name, UnwrapErr: err}
		}
		u, mapped := records[0], false
		if s.ip.Is4() {
			u, mapped = withoutMappedIP6(u)
		}
		u, slashed := withoutSlashDelimiters(u)
		if mapped || slashed {
			i := slices.Index(txts, records[0])
			txts[i] = u
			s.mu.Lock()
			if s.rewritten == nil {
				s.rewritten = map[string]string{}
			}
			s.rewritten[u] = records[0]
			s.mu.Unlock()
		}
	}
	return txts, nil
}

// noteNoRecord records a domain that an include: or redirect= reached and
// that publishes no SPF record: that makes the evaluation permerror (RFC
// 7208 §5.2, §6.1), and the wording names it.
func (s *spfResolver) noteNoRecord(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.noRecord) < 10 {
		s.noRecord = append(s.noRecord, bounded(normName(name), 255))
	}
}

// withoutMappedIP6 returns record with each ip6 term whose network is
// IPv4-mapped (within ::ffff:0:0/96) replaced by one that matches no IPv4
// address, and whether there was one. RFC 7208 §5 evaluates an IPv4 client
// with the IPv4 mechanisms only, and an IPv4-mapped address counts as IPv4;
// the library compares such an ip6 network with IPv4 clients, so that
// ip6:::ffff:0:0/96 would authorize every IPv4 address. The term stays an
// ip6 term, so the lookup counts and the result of every other term are
// unchanged.
func withoutMappedIP6(record string) (string, bool) {
	if !strings.Contains(record, "6:") {
		return record, false // no ip6: term, in any case
	}
	terms := strings.Fields(record)
	changed := false
	for i, t := range terms {
		q := strings.TrimLeft(t, "+-~?")
		if len(t)-len(q) > 1 || len(q) < 4 || !strings.EqualFold(q[:4], "ip6:") {
			continue
		}
		network, length, hasLen := strings.Cut(q[4:], "/")
		addr, err := netip.ParseAddr(network)
		if err != nil || !addr.Is6() {
			continue
		}
		if hasLen {
			n, err := strconv.Atoi(length)
			if err != nil || n < 0 || n > 128 {
				continue
			}
			addr = netip.PrefixFrom(addr, n).Masked().Addr()
		}
		if addr.Is4In6() {
			terms[i] = t[:len(t)-len(q)] + "ip6:::/128"
			changed = true
		}
	}
	if !changed {
		return record, false
	}
	return strings.Join(terms, " "), true
}

// withoutSlashDelimiters returns record with "/" taken out of the
// delimiters of its macros (%{ir/} becomes %{ir}, and %{l/} %{l=}): "/" is
// a valid delimiter (RFC 7208 §7.1), but the library refuses any "/" in a
// domain-spec as a CIDR length that slipped through. No value senderproof
// expands holds a "/" (the sender is postmaster@ a host name, the HELO
// name is a host name, an address has none), so splitting on it or not
// gives the same expansion; "=" is as absent from them when "/" was the
// only delimiter.
func withoutSlashDelimiters(record string) (string, bool) {
	if !strings.Contains(record, "%{") || !strings.Contains(record, "/") {
		return record, false
	}
	var b strings.Builder
	changed := false
	for i := 0; i < len(record); {
		c := record[i]
		if c != '%' || i+1 >= len(record) {
			b.WriteByte(c)
			i++
			continue
		}
		if record[i+1] != '{' {
			b.WriteString(record[i : i+2]) // %%, %_, %- or an invalid escape
			i += 2
			continue
		}
		end := strings.IndexByte(record[i:], '}')
		if end < 0 {
			b.WriteString(record[i:])
			break
		}
		body := record[i+2 : i+end]
		if d := strings.IndexAny(body, "-.+,/_="); d > 0 && strings.Contains(body[d:], "/") {
			delims := strings.ReplaceAll(body[d:], "/", "")
			if delims == "" {
				delims = "="
			}
			body = body[:d] + delims
			changed = true
		}
		b.WriteString("%{" + body + "}")
		i += end + 1
	}
	if !changed {
		return record, false
	}
	return b.String(), true
}

// served returns the trace arguments with a record handed to the library
// rewritten (withoutMappedIP6, withoutSlashDelimiters) put back as it was
// served.
func (s *spfResolver) served(format string, args []any) []any {
	if format != "dns record %q" || len(args) != 1 {
		return args
	}
	rec, _ := args[0].(string)
	s.mu.Lock()
	orig, ok := s.rewritten[rec]
	s.mu.Unlock()
	if !ok {
		return args
	}
	return []any{orig}
}

// spfSyntax is parseSPF's verdict on an SPF record's syntax, remembered:
// an evaluation per sender reads the same few records of the sending
// domains again and again. The memo holds at most 1,024 records of at most
// 2,048 bytes, so hostile data cannot grow it past 2 MB.
func spfSyntax(record string) error {
	return spfSyntaxMemo.get(record, func(r string) error {
		_, err := parseSPF(r)
		return err
	})
}

var spfSyntaxMemo = boundedMemo[error]{max: 1024, maxKey: 2048}

// LookupMX returns name's MX records.
func (s *spfResolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	s.called(spfCallMX)
	ans, _, derr := s.lookup(ctx, name, dns.TypeMX)
	if derr != nil {
		return nil, derr
	}
	var out []*net.MX
	var hosts []string
	for _, rr := range ans.RRs {
		if mx, ok := rr.(*dns.MX); ok {
			out = append(out, &net.MX{Host: mx.Mx, Pref: mx.Preference})
			hosts = append(hosts, mx.Mx)
		}
	}
	s.present(hosts)
	return out, nil
}

// LookupIPAddr returns name's addresses, of the type addressLookup says:
// the library then finds nothing of the wrong family, and a name without
// records of the right type is a void lookup (RFC 7208 §4.6.4).
func (s *spfResolver) LookupIPAddr(ctx context.Context, name string) ([]net.IPAddr, error) {
	s.called(spfCallIPAddr)
	qtype, exists := s.addressLookup()
	ans, _, derr := s.lookup(ctx, name, qtype)
	if derr != nil {
		return nil, derr
	}
	var out []net.IPAddr
	for _, rr := range ans.RRs {
		switch x := rr.(type) {
		case *dns.A:
			out = append(out, net.IPAddr{IP: x.A})
		case *dns.AAAA:
			out = append(out, net.IPAddr{IP: x.AAAA})
		}
	}
	if ans.Omitted > 0 && !s.decidedBy(exists, out) {
		// The records not read might have matched: what the library
		// makes of the rest is not determined.
		s.mu.Lock()
		s.failedLocked(fmt.Sprintf("%s %s: %d records not read", strings.TrimSuffix(ans.Name, "."), dns.TypeToString[qtype], ans.Omitted), "records_omitted", true)
		// Not a PTR query: a ptr term of the result's own qualifier
		// (ptrCannotDecide) does not make this one harmless.
		s.otherFailed = true
		s.mu.Unlock()
	}
	if len(out) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	return out, nil
}

// decidedBy reports whether the addresses read for a term decide it
// whatever the records not read hold: the client's address among them, or,
// for an exists term, any IPv4 address.
func (s *spfResolver) decidedBy(exists bool, addrs []net.IPAddr) bool {
	for _, a := range addrs {
		if ip, ok := netip.AddrFromSlice(a.IP); ok && ip.Unmap() == s.ip {
			return true
		}
		if exists && a.IP.To4() != nil {
			return true
		}
	}
	return false
}

// LookupAddr returns the PTR names of addr.
func (s *spfResolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	s.called(spfCallAddr)
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return nil, &net.DNSError{Err: "invalid address", Name: addr, IsNotFound: true}
	}
	ans, _, derr := s.lookup(ctx, ReverseName(ip.Unmap()), dns.TypePTR)
	if derr != nil {
		return nil, derr
	}
	var out []string
	for _, rr := range ans.RRs {
		if p, ok := rr.(*dns.PTR); ok {
			out = append(out, p.Ptr)
		}
	}
	s.present(out)
	return out, nil
}

// used returns the answers looked up so far.
func (s *spfResolver) used() []Answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Answer(nil), s.answers...)
}

// spfCall is a kind of lookup the SPF library asks the adapter for.
type spfCall int

const (
	spfCallIPAddr spfCall = iota // an a or exists term, or an address of an MX or PTR name
	spfCallMX                    // an mx term's MX lookup
	spfCallAddr                  // a ptr term's reverse lookup (made once)
)

// spfCounter follows the SPF library's own count of DNS-mechanism lookups
// and void lookups (RFC 7208 §4.6.4) through one evaluation. The library
// traces both counts each time it starts evaluating a record (the top-level
// one, and each include or redirect target), and a line for each void
// lookup; the terms evaluated after the last record started (a, mx, ptr,
// exists) are counted here from the lookups they make:
//   - an MX lookup is an mx term; the address lookups of its hosts that
//     follow, up to the next trace line, are not counted;
//   - the reverse lookup is the first ptr term; the address lookups of its
//     names that follow, up to its "ptr evaluating" line, are not counted;
//     a later ptr term reuses the names and shows only as that line;
//   - any other address lookup is an a or exists term.
//
// A term refused by the limit ("lookup limit reached") is counted too, so
// an evaluation that went over the limit shows 11.
type spfCounter struct {
	lookups, voids int
	mode           spfCall // spfCallMX or spfCallAddr while their host lookups go on, else spfCallIPAddr
	ptrOpen        bool    // the reverse lookup was counted; its "ptr evaluating" line is not yet seen
}

// called notes one lookup the library asked for.
func (s *spfResolver) called(kind spfCall) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &s.count
	switch kind {
	case spfCallMX:
		c.lookups++
		c.mode = spfCallMX
	case spfCallAddr:
		c.lookups++
		c.ptrOpen = true
		c.mode = spfCallAddr
	default:
		if c.mode == spfCallIPAddr {
			c.lookups++
		}
	}
}

// traced notes one line of the library's trace, by its format string and
// arguments.
func (s *spfResolver) traced(format string, args []any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &s.count
	switch {
	case strings.HasPrefix(format, "ptr forward resolution"), strings.HasPrefix(format, "ptr names trimmed"):
		return // the ptr term's own lines, between its lookups
	case strings.HasPrefix(format, "check ") && len(args) == 3:
		n, ok1 := args[1].(uint)
		v, ok2 := args[2].(uint)
		if ok1 && ok2 {
			c.lookups, c.voids = int(n), int(v)
		}
	case strings.HasPrefix(format, "void lookup:"):
		c.voids++
	case format == "lookup limit reached":
		c.lookups++
	case strings.HasPrefix(format, "ptr evaluating"):
		if !c.ptrOpen {
			c.lookups++
		}
		c.ptrOpen = false
	case strings.HasPrefix(format, "ptr reverse lookup error"):
		c.ptrOpen = false
	case strings.HasPrefix(format, "masks on ") && len(args) > 0:
		// aField and mxField trace their field; an a term's address
		// lookup follows.
		if f, ok := args[0].(string); ok && len(f) > 0 && (f[0] == 'a' || f[0] == 'A') {
			s.aTerm = true
		}
	}
	c.mode = spfCallIPAddr
}

// counts returns the lookups and void lookups counted so far.
func (s *spfResolver) counts() (lookups, voids int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count.lookups, s.count.voids
}
