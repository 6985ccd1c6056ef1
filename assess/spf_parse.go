package assess

import (
	"cmp"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// spfRecord is a syntactically valid SPF record (RFC 7208 §4.5, §12).
type spfRecord struct {
	Terms []spfTerm
}

// spfTerm is one directive or modifier of an SPF record.
type spfTerm struct {
	Raw       string // as published
	Qualifier byte   // '+', '-', '~' or '?' for a mechanism; 0 for a modifier
	Name      string // mechanism or modifier name, lower case
	Modifier  bool
	Value     string // domain-spec, network or modifier value ("" when absent)
	CIDR4     int    // ip4 or dual-cidr IPv4 prefix length; -1 when absent
	CIDR6     int    // ip6 or dual-cidr IPv6 prefix length; -1 when absent
}

// spfSyntaxError names the term of a record that is not valid SPF. Term
// and Msg hold the record's text as published: Msg quotes it in plain
// double quotes, never Go-quoted (%q) nor escaped, as whatever shows them
// (observed values, through bounded) escapes them once, and escaping twice
// would turn the byte \x80 into \x5cx80 and the text \x1b into \x5cx5cx1b.
type spfSyntaxError struct {
	Term string // the offending term ("" for the record as a whole)
	Msg  string
}

func (e *spfSyntaxError) Error() string {
	if e.Term == "" {
		return e.Msg
	}
	// The term as published, not Go-quoted, so that its own quotes stay
	// readable; cut, but not escaped.
	return fmt.Sprintf(`term "%s": %s`, clipRaw(e.Term, 200), e.Msg)
}

// isDNSMechanism reports the terms that cost a DNS lookup (RFC 7208 §4.6.4).
func isDNSMechanism(name string) bool {
	switch name {
	case "include", "a", "mx", "ptr", "exists", "redirect":
		return true
	}
	return false
}

// isSPFRecord reports whether a TXT string is an SPF version 1 record: it
// starts with "v=spf1" followed by a space or nothing (RFC 7208 §4.5).
func isSPFRecord(txt string) bool {
	if len(txt) < 6 || !strings.EqualFold(txt[:6], "v=spf1") {
		return false
	}
	return len(txt) == 6 || txt[6] == ' '
}

// all returns the qualifier of the record's "all" mechanism, if any.
func (r spfRecord) all() (byte, bool) {
	for _, t := range r.Terms {
		if !t.Modifier && t.Name == "all" {
			return t.Qualifier, true
		}
	}
	return 0, false
}

// wideTerms returns the record's own pass terms that authorize a network
// the size of a whole provider's allocation or more: ip4, a or mx of /8 or
// shorter, ip6 (or a or mx's IPv6 length) of /32 or shorter (a regional
// registry's allocation to a provider; a site is a /48, and providers'
// sending networks are a /36 or longer). No sender needs such a block, and
// ip4:0.0.0.0/0, or two /1 halves, or a/0, authorizes every address as
// +all does. Terms after "all" are never tested, and are not listed.
func (r spfRecord) wideTerms() []string {
	var out []string
	for _, t := range r.Terms {
		if !t.Modifier && t.Name == "all" {
			break // the terms after "all" are never tested (RFC 7208 §5.1)
		}
		if t.Modifier || t.Qualifier != '+' {
			continue
		}
		wide4 := t.CIDR4 >= 0 && t.CIDR4 <= 8 && (t.Name == "ip4" || t.Name == "a" || t.Name == "mx")
		wide6 := t.CIDR6 >= 0 && t.CIDR6 <= 32 && (t.Name == "ip6" || t.Name == "a" || t.Name == "mx")
		if wide4 || wide6 {
			if len(out) == 10 {
				break
			}
			out = append(out, bounded(t.Raw, 100))
		}
	}
	return out
}

// modifier returns the value of the named modifier (redirect, exp).
func (r spfRecord) modifier(name string) (string, bool) {
	for _, t := range r.Terms {
		if t.Modifier && t.Name == name {
			return t.Value, true
		}
	}
	return "", false
}

// parseSPF checks an SPF record against the ABNF of RFC 7208 §12: the
// version, terms separated by spaces only (§4.6.1), known mechanisms with
// their arguments (§5), at most one redirect and one exp (§6), macro syntax
// (§7.1), and ip4/ip6 networks with prefix lengths in range (§5.6).
func parseSPF(txt string) (spfRecord, error) {
	var rec spfRecord
	if !isSPFRecord(txt) {
		return rec, &spfSyntaxError{Msg: `the record does not start with "v=spf1"`}
	}
	seen := map[string]bool{}
	// Terms are separated by one or more SP; trailing spaces are allowed
	// (§4.5: record = version terms *SP).
	for _, raw := range strings.Split(txt[6:], " ") {
		if raw == "" {
			continue
		}
		t, err := parseSPFTerm(raw)
		if err != nil {
			return spfRecord{}, err
		}
		if t.Modifier && (t.Name == "redirect" || t.Name == "exp") {
			if seen[t.Name] {
				return spfRecord{}, &spfSyntaxError{Term: raw, Msg: fmt.Sprintf("the %s modifier appears more than once (RFC 7208 §6)", t.Name)}
			}
			seen[t.Name] = true
		}
		rec.Terms = append(rec.Terms, t)
	}
	return rec, nil
}

func parseSPFTerm(raw string) (spfTerm, error) {
	t := spfTerm{Raw: raw, CIDR4: -1, CIDR6: -1}
	bad := func(format string, a ...any) (spfTerm, error) {
		return spfTerm{}, &spfSyntaxError{Term: raw, Msg: fmt.Sprintf(format, a...)}
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c < 0x21 || c > 0x7e {
			return bad("contains a control, space or non-ASCII character (0x%02x) (RFC 7208 §3.1, §4.6.1)", c)
		}
	}
	// A modifier is name "=" value; the "=" comes before any ":" or "/"
	// (§4.6.1, §12).
	if n := modifierName(raw); n != "" {
		t.Modifier = true
		t.Name = strings.ToLower(n)
		t.Value = raw[len(n)+1:]
		switch t.Name {
		case "redirect", "exp":
			if err := checkDomainSpec(t.Value); err != nil {
				return bad("%s", err)
			}
		default:
			if err := checkMacroString(t.Value, false); err != nil {
				return bad("%s", err)
			}
		}
		return t, nil
	}
	rest := raw
	t.Qualifier = '+'
	switch rest[0] {
	case '+', '-', '~', '?':
		t.Qualifier = rest[0]
		rest = rest[1:]
	}
	end := strings.IndexAny(rest, ":/")
	if end < 0 {
		end = len(rest)
	}
	if !isMechanismName(rest[:end]) {
		// Neither name "=" value nor a mechanism name: an "=" or another
		// character a name cannot hold (§4.6.1, §12). The term is the
		// error; a "mechanism" cut out of it would misquote it.
		return bad("invalid term, neither a mechanism nor a modifier (RFC 7208 §4.6.1, §12)")
	}
	t.Name = strings.ToLower(rest[:end])
	arg := rest[end:]
	switch t.Name {
	case "all":
		if arg != "" {
			return bad(`"all" takes no argument`)
		}
	case "include", "exists":
		if !strings.HasPrefix(arg, ":") || len(arg) == 1 {
			return bad(`"%s" needs a domain (%s:<domain>)`, t.Name, t.Name)
		}
		t.Value = arg[1:]
		if err := checkDomainSpec(t.Value); err != nil {
			return bad("%s", err)
		}
	case "a", "mx":
		spec, cidr := splitCIDR(arg)
		if strings.HasPrefix(spec, ":") {
			t.Value = spec[1:]
			if err := checkDomainSpec(t.Value); err != nil {
				return bad("%s", err)
			}
		} else if spec != "" {
			return bad(`unexpected "%s" after "%s"`, spec, t.Name)
		}
		if cidr != "" {
			c4, c6, err := parseDualCIDR(cidr)
			if err != nil {
				return bad("%s", err)
			}
			t.CIDR4, t.CIDR6 = c4, c6
		}
	case "ptr":
		if arg == "" {
			break
		}
		if !strings.HasPrefix(arg, ":") {
			return bad(`"ptr" takes no prefix length`)
		}
		t.Value = arg[1:]
		if err := checkDomainSpec(t.Value); err != nil {
			return bad("%s", err)
		}
	case "ip4", "ip6":
		if !strings.HasPrefix(arg, ":") {
			return bad(`"%s" needs a network (%s:<address>[/<length>])`, t.Name, t.Name)
		}
		network, length, hasLen := strings.Cut(arg[1:], "/")
		addr, err := netip.ParseAddr(network)
		if err != nil || addr.Zone() != "" {
			return bad(`"%s" is not an IP address`, network)
		}
		max := 32
		if t.Name == "ip4" {
			if !addr.Is4() {
				return bad(`"%s" is not an IPv4 address`, network)
			}
		} else {
			if !addr.Is6() || !strings.Contains(network, ":") {
				return bad(`"%s" is not an IPv6 address`, network)
			}
			max = 128
		}
		t.Value = network
		if hasLen {
			n, err := parseCIDRLength(length, max)
			if err != nil {
				return bad("%s", err)
			}
			if t.Name == "ip4" {
				t.CIDR4 = n
			} else {
				t.CIDR6 = n
			}
		}
	default:
		if t.Name == "" {
			return bad("empty mechanism")
		}
		return bad(`unknown mechanism "%s" (RFC 7208 §5)`, rest[:end])
	}
	return t, nil
}

// isMechanismName reports whether s can be a mechanism name: empty (an
// error of its own) or letters and digits starting with a letter, as all
// of RFC 7208 §5's are.
func isMechanismName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// modifierName returns the name of a modifier term (name "=" ...), or "".
// name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) (RFC 7208 §12).
func modifierName(raw string) string {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '=' && i > 0:
			return raw[:i]
		case isAlpha(c):
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'):
		default:
			return ""
		}
	}
	return ""
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isAlnum(c byte) bool { return isAlpha(c) || c >= '0' && c <= '9' }

// cidrSuffix matches the dual-cidr-length at the end of an a or mx term.
// A domain-spec may itself contain "/" (a macro-literal, RFC 7208 §7.1), so
// only a trailing "/digits" and "//digits" are prefix lengths.
var cidrSuffix = regexp.MustCompile(`(?:/[0-9]+)?(?://[0-9]+)?$`)

// splitCIDR splits "[:domain-spec][dual-cidr-length]".
func splitCIDR(arg string) (spec, cidr string) {
	loc := cidrSuffix.FindStringIndex(arg)
	return arg[:loc[0]], arg[loc[0]:]
}

// parseDualCIDR parses dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ].
func parseDualCIDR(s string) (c4, c6 int, err error) {
	c4, c6 = -1, -1
	if !strings.HasPrefix(s, "/") {
		return 0, 0, fmt.Errorf(`bad prefix length "%s"`, s)
	}
	s = s[1:]
	if strings.HasPrefix(s, "/") {
		c6, err = parseCIDRLength(s[1:], 128)
		return c4, c6, err
	}
	v4, v6, both := strings.Cut(s, "//")
	if c4, err = parseCIDRLength(v4, 32); err != nil {
		return 0, 0, err
	}
	if both {
		if c6, err = parseCIDRLength(v6, 128); err != nil {
			return 0, 0, err
		}
	}
	return c4, c6, nil
}

// parseCIDRLength parses a prefix length: "0" or digits without a leading
// zero, at most max (RFC 7208 §5.6, §12).
func parseCIDRLength(s string, max int) (int, error) {
	if s == "" || len(s) > 3 || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf(`bad prefix length "%s"`, "/"+s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > max {
		return 0, fmt.Errorf("prefix length /%s is out of range 0-%d", s, max)
	}
	return n, nil
}

// checkDomainSpec validates domain-spec = macro-string domain-end, where
// domain-end = ( "." toplabel [ "." ] ) / macro-expand (RFC 7208 §7.1).
func checkDomainSpec(s string) error {
	if s == "" {
		return fmt.Errorf("empty domain")
	}
	if err := checkMacroString(s, true); err != nil {
		return err
	}
	if strings.HasSuffix(s, "}") && endsWithMacroExpand(s) {
		return nil
	}
	name := strings.TrimSuffix(s, ".")
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 {
		return fmt.Errorf(`"%s" is not a fully qualified domain (needs a dot and a top label)`, s)
	}
	if !isTopLabel(name[dot+1:]) {
		return fmt.Errorf(`"%s" ends in an invalid top label "%s"`, s, name[dot+1:])
	}
	return nil
}

// endsWithMacroExpand reports whether s ends with a complete "%{...}".
func endsWithMacroExpand(s string) bool {
	i := strings.LastIndex(s, "%{")
	if i < 0 {
		return false
	}
	// The "%" must not itself be escaped by a preceding "%" ("%%{" is a
	// literal "%" followed by "{").
	n := 0
	for j := i - 1; j >= 0 && s[j] == '%'; j-- {
		n++
	}
	return n%2 == 0 && !strings.ContainsRune(s[i:len(s)-1], '}')
}

// isTopLabel: toplabel = ( *alphanum ALPHA *alphanum ) /
// ( 1*alphanum "-" *( alphanum / "-" ) alphanum ).
func isTopLabel(l string) bool {
	if l == "" || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	letter := false
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case isAlpha(c):
			letter = true
		case c >= '0' && c <= '9':
		case c == '-':
			letter = true // the second form: digits with an inner hyphen
		default:
			return false
		}
	}
	return letter
}

// checkMacroString validates macro-string = *( macro-expand / macro-literal ),
// macro-expand = ( "%{" macro-letter transformers *delimiter "}" ) / "%%" /
// "%_" / "%-" (RFC 7208 §7.1). In a domain-spec the letters c, r and t are
// not allowed (they belong to explanation strings only).
func checkMacroString(s string, domain bool) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			if c < 0x21 || c > 0x7e {
				return fmt.Errorf("invalid character 0x%02x", c)
			}
			continue
		}
		if i+1 >= len(s) {
			return fmt.Errorf(`unterminated macro at end of "%s"`, s)
		}
		i++
		switch s[i] {
		case '%', '_', '-':
			continue
		case '{':
		default:
			return fmt.Errorf(`invalid macro "%s" (RFC 7208 §7.1)`, s[i-1:i+1])
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return fmt.Errorf(`unterminated macro in "%s"`, s)
		}
		body := s[i+1 : i+end]
		if err := checkMacroBody(body, domain); err != nil {
			return err
		}
		i += end
	}
	return nil
}

// checkMacroBody: macro-letter transformers *delimiter, where transformers =
// *DIGIT [ "r" ] and delimiter = "." / "-" / "+" / "," / "/" / "_" / "=".
func checkMacroBody(b string, domain bool) error {
	if b == "" {
		return fmt.Errorf("empty macro %%{}")
	}
	switch strings.ToLower(b[:1]) {
	case "s", "l", "o", "d", "i", "p", "h", "v":
	case "c", "r", "t":
		if domain {
			return fmt.Errorf(`macro letter "%s" is allowed only in explanation text (RFC 7208 §7.3)`, b[:1])
		}
	default:
		return fmt.Errorf(`unknown macro letter "%s" in %%{%s}`, b[:1], b)
	}
	i := 1
	digits := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i > digits {
		if n, err := strconv.Atoi(b[digits:i]); err != nil || n == 0 {
			return fmt.Errorf("invalid digit transformer in %%{%s}", b)
		}
	}
	if i < len(b) && (b[i] == 'r' || b[i] == 'R') {
		i++
	}
	for ; i < len(b); i++ {
		if !strings.ContainsRune(".-+,/_=", rune(b[i])) {
			return fmt.Errorf(`invalid delimiter "%s" in %%{%s}`, b[i:i+1], b)
		}
	}
	return nil
}

// SPFTermAnyRange reports whether an SPF term is a pass term whose CIDR
// length, for IPv4 or IPv6, is 0 ("ip4:0.0.0.0/0", "a/0", "a//0",
// "a:host/24//0"), as parseSPFTerm reads it: it authorizes every address
// of that family.
func SPFTermAnyRange(term string) bool {
	t, err := parseSPFTerm(term)
	return err == nil && !t.Modifier && t.Qualifier == '+' && (t.CIDR4 == 0 || t.CIDR6 == 0)
}

// spfCover is where the pass ip4: (or ip6:) networks of a record together
// first authorize every address of their family, as +all does, though no
// one of them need be a /0: "ip6:::/1 ip6:8000::/1", or
// "ip4:0.0.0.0/1 ip4:128.0.0.0/2 ip4:192.0.0.0/2".
type spfCover struct {
	// at is the index, in the terms given, of the term with which their
	// union first covers the family; -1 when it never does.
	at int
	// terms are the terms that cover it, in record order: of the terms
	// up to at, those whose network lies within no other's (the first
	// of equal ones). Networks are nested or disjoint, so these are the
	// fewest that cover, and at is the last of them. idx holds their
	// indices.
	terms []spfTerm
	idx   []int
}

// covered reports whether c covers its family.
func (c spfCover) covered() bool { return c.at >= 0 }

// raw returns the covering terms as published, joined by a space.
func (c spfCover) raw() string {
	s := make([]string, len(c.terms))
	for i, t := range c.terms {
		s[i] = t.Raw
	}
	return strings.Join(s, " ")
}

// spfCovering tells, for a record's terms in order, whether the union of
// its pass (+) ip4: networks covers every IPv4 address, and of its pass
// ip6: networks every IPv6 one, and which terms do (spfCover). Only the
// terms before the first "all" count: those after it are never tested
// (RFC 7208 §5.1). An a or mx term's CIDR length is not counted here: a/0
// authorizes every address by itself (SPFTermAnyRange), and a/1 names
// no network of its own. A term that is not a pass and names the whole
// family (-ip4:0.0.0.0/0) decides for every address first: the pass
// networks after it no longer count for its family
// ("-ip4:0.0.0.0/0 ip4:0.0.0.0/1 ip4:128.0.0.0/1" passes no one), while
// a narrower one (-ip4:10.0.0.0/8) only excepts its addresses, which a
// stranger's is not, as spfOpenEval and a /0 pass term treat it. The
// cost is bounded by the number of terms.
func spfCovering(terms []spfTerm) (v4, v6 spfCover) {
	var n4, n6 []spfNet
	var shut4, shut6 bool
	for i, t := range terms {
		if !t.Modifier && t.Name == "all" {
			break
		}
		if t.Modifier || t.Name != "ip4" && t.Name != "ip6" {
			continue
		}
		p, ok := t.network()
		switch {
		case !ok:
		case t.Qualifier != '+':
			if p.Bits() == 0 && t.Name == "ip4" {
				shut4 = true
			}
			if p.Bits() == 0 && t.Name == "ip6" {
				shut6 = true
			}
		case t.Name == "ip4" && !shut4:
			n4 = append(n4, spfNet{p, i})
		case t.Name == "ip6" && !shut6:
			n6 = append(n6, spfNet{p, i})
		}
	}
	return coverOf(n4, terms), coverOf(n6, terms)
}

// spfNet is a pass term's network and the term's index.
type spfNet struct {
	p netip.Prefix
	i int
}

// network is the network an ip4: or ip6: term names (RFC 7208 §5.6): its
// address, masked to its prefix length (the whole address without one).
func (t spfTerm) network() (netip.Prefix, bool) {
	addr, err := netip.ParseAddr(t.Value)
	if err != nil {
		return netip.Prefix{}, false
	}
	bits := t.CIDR4
	if t.Name == "ip6" {
		bits = t.CIDR6
	}
	if bits < 0 {
		bits = addr.BitLen()
	}
	p, err := addr.Prefix(bits)
	return p, err == nil
}

// coverOf finds where the union of nets (one family's, in record order)
// first covers the family: the union of the first k covers it for every k
// from some point on, which a binary search finds.
func coverOf(nets []spfNet, terms []spfTerm) spfCover {
	k := sort.Search(len(nets)+1, func(k int) bool { return k > 0 && coversFamily(nets[:k]) })
	if k > len(nets) {
		return spfCover{at: -1}
	}
	// The widest networks: sorted by address, then wider first, a
	// network within the last one kept is within a network kept.
	sorted := slices.Clone(nets[:k])
	slices.SortFunc(sorted, func(x, y spfNet) int {
		return cmp.Or(x.p.Addr().Compare(y.p.Addr()), x.p.Bits()-y.p.Bits(), x.i-y.i)
	})
	var kept []spfNet
	for _, n := range sorted {
		if len(kept) > 0 && kept[len(kept)-1].p.Contains(n.p.Addr()) {
			continue
		}
		kept = append(kept, n)
	}
	slices.SortFunc(kept, func(x, y spfNet) int { return x.i - y.i })
	c := spfCover{at: nets[k-1].i, terms: make([]spfTerm, len(kept)), idx: make([]int, len(kept))}
	for j, n := range kept {
		c.terms[j], c.idx[j] = terms[n.i], n.i
	}
	return c
}

// coversFamily reports whether the union of nets, all of one family,
// holds every address of it: sorted by address, each network must start
// at or before the first address the ones before it leave out.
func coversFamily(nets []spfNet) bool {
	ps := make([]netip.Prefix, len(nets))
	for i, n := range nets {
		ps[i] = n.p
	}
	slices.SortFunc(ps, func(x, y netip.Prefix) int { return x.Addr().Compare(y.Addr()) })
	next := netip.IPv4Unspecified()
	if ps[0].Addr().Is6() {
		next = netip.IPv6Unspecified()
	}
	for _, p := range ps {
		if p.Addr().Compare(next) > 0 {
			return false // a gap before p
		}
		if last := lastAddr(p); last.Compare(next) >= 0 {
			if next = last.Next(); !next.IsValid() {
				return true // up to the family's last address
			}
		}
	}
	return false
}

// SPFCoveringTerms reads SPF terms as published, in record order (those
// that do not parse are left out, and none after the first "all" counts),
// and returns the pass ip4: and ip6: terms whose networks together cover
// every address of a family (spfCovering), in order: those of both
// families when each is covered; nil when neither is.
func SPFCoveringTerms(terms []string) []string {
	ts := make([]spfTerm, 0, len(terms))
	for _, s := range terms {
		if t, err := parseSPFTerm(s); err == nil {
			ts = append(ts, t)
		}
	}
	return coveringRaw(spfCovering(ts))
}

// coveringRaw lists the terms of the covers given, as published, in
// record order; nil when neither covers its family.
func coveringRaw(v4, v6 spfCover) []string {
	if len(v4.terms)+len(v6.terms) == 0 {
		return nil
	}
	out := make([]string, 0, len(v4.terms)+len(v6.terms))
	i, j := 0, 0
	for i < len(v4.terms) || j < len(v6.terms) {
		if j == len(v6.terms) || i < len(v4.terms) && v4.idx[i] < v6.idx[j] {
			out = append(out, v4.terms[i].Raw)
			i++
		} else {
			out = append(out, v6.terms[j].Raw)
			j++
		}
	}
	return out
}

// SPFOpensAll reports whether an SPF record passes every address: its
// first "all" is +all, or before it a pass term of CIDR length 0, or pass
// ip4: or ip6: terms that together cover a whole family (spfCovering).
// A record that does not parse opens nothing (it is a permerror).
func SPFOpensAll(record string) bool {
	r, err := parseSPF(record)
	if err != nil {
		return false
	}
	if v4, v6 := spfCovering(r.Terms); v4.covered() || v6.covered() {
		return true
	}
	for _, t := range r.Terms {
		switch {
		case t.Modifier:
		case t.Name == "all":
			return t.Qualifier == '+'
		case SPFTermAnyRange(t.Raw):
			return true
		}
	}
	return false
}

// SPFOpenVia reports how an SPF record lets pass an address that none of
// its terms names (a stranger's): by +all, a pass term of CIDR length 0,
// or pass ip4: or ip6: terms that together cover a family (spfCovering;
// term is then those terms joined by a space), in the record itself or in a record it reaches by an include: with the
// + qualifier or by redirect= (from a record without all), however deep,
// in evaluation order and within the 10 DNS lookups of RFC 7208 §4.6.4 (a
// term past them is a permerror, which passes nobody). reached gives the
// records of the names included and redirected to (lower case, no
// trailing dot); a name it does not know, or one built by a macro, ends
// the search: what is not known is not taken for open. via lists the
// include: and redirect= terms followed, in order, to the record whose
// term opens it; ok is false when no stranger passes.
func SPFOpenVia(record string, reached func(name string) (string, bool)) (via []string, term string, ok bool) {
	lookups := 0
	st, via, term := spfOpenEval(record, reached, &lookups, nil)
	return via, term, st == spfOpenPass
}

// spfOpenResult is what a record gives a stranger's address, as far as
// SPFOpenVia can tell.
type spfOpenResult int

const (
	spfOpenOther spfOpenResult = iota // anything but pass: an include of it does not match
	spfOpenPass                       // pass, by the term returned
	spfOpenStop                       // a permerror, or a record not known: the search ends
)

func spfOpenEval(record string, reached func(string) (string, bool), lookups *int, via []string) (spfOpenResult, []string, string) {
	r, err := parseSPF(record)
	if err != nil {
		return spfOpenStop, nil, ""
	}
	// A term that matches every address decides the record's result for
	// a stranger: pass with +, another result otherwise.
	decide := func(t spfTerm) (spfOpenResult, []string, string) {
		if t.Qualifier == '+' {
			return spfOpenPass, via, t.Raw
		}
		return spfOpenOther, nil, ""
	}
	follow := func(name string) (string, bool) {
		*lookups++
		if *lookups > spfMaxLookups || strings.Contains(name, "%") {
			return "", false
		}
		return reached(strings.TrimSuffix(strings.ToLower(name), "."))
	}
	// Pass ip4: or ip6: terms that together cover a family decide, for
	// a stranger of that family, where their union first covers it.
	v4, v6 := spfCovering(r.Terms)
	redirect := ""
	for i, t := range r.Terms {
		switch {
		case t.Modifier:
			if t.Name == "redirect" && redirect == "" {
				redirect = t.Value
			}
		case t.Name == "all":
			return decide(t)
		case t.Name == "include":
			rec, ok := follow(t.Value)
			if !ok {
				return spfOpenStop, nil, ""
			}
			switch st, v, term := spfOpenEval(rec, reached, lookups, append(slices.Clip(via), "include:"+t.Value)); {
			case st == spfOpenStop:
				return st, nil, ""
			case st == spfOpenPass && t.Qualifier == '+':
				return st, v, term
			case st == spfOpenPass:
				// -include: of an open record: every stranger gets its
				// qualifier's result.
				return spfOpenOther, nil, ""
			}
		default:
			if t.Name != "ip4" && t.Name != "ip6" {
				// a, mx, ptr and exists each cost a lookup.
				if *lookups++; *lookups > spfMaxLookups {
					return spfOpenStop, nil, ""
				}
			}
			if t.CIDR4 == 0 || t.CIDR6 == 0 {
				return decide(t)
			}
			for _, c := range []spfCover{v4, v6} {
				if c.at == i {
					return spfOpenPass, via, c.raw()
				}
			}
		}
	}
	if redirect == "" {
		return spfOpenOther, nil, ""
	}
	rec, ok := follow(redirect)
	if !ok {
		return spfOpenStop, nil, ""
	}
	return spfOpenEval(rec, reached, lookups, append(slices.Clip(via), "redirect="+redirect))
}
