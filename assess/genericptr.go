package assess

import (
	_ "embed"
	"encoding/hex"
	"fmt"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed genericptr.yaml
var genericPTRData []byte

// GenericPattern is one rule of the generic-PTR data file.
type GenericPattern struct {
	Kind  string `yaml:"kind"`
	Regex string `yaml:"regex"`
	// Scope "host" matches the regex against the labels left of the
	// name's organizational domain only (hostLabels): a keyword in the
	// organization's own domain says nothing of the host.
	Scope  string `yaml:"scope"`
	Reason string `yaml:"reason"`
	re     *regexp.Regexp
	// lits are substrings one of which every name the regex matches holds
	// (lower case); none when the regex requires no literal. Go's regexp
	// scans an unanchored pattern from every position, which made a
	// non-generic name cost about 10 µs; most names hold none of a
	// pattern's literals, so the scan is skipped for them.
	lits []string
}

// GenericMatcher tells generic or dynamic reverse names apart.
type GenericMatcher struct {
	patterns []GenericPattern
}

// ParseGenericPatterns parses a generic-PTR pattern file.
func ParseGenericPatterns(data []byte) (*GenericMatcher, error) {
	var doc struct {
		Patterns []GenericPattern `yaml:"patterns"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("generic ptr patterns: %w", err)
	}
	m := &GenericMatcher{}
	for i, p := range doc.Patterns {
		switch {
		case p.Kind == "ip" && p.Regex == "":
		case p.Kind == "" && p.Regex != "":
			re, err := regexp.Compile("(?i)" + p.Regex)
			if err != nil {
				return nil, fmt.Errorf("generic ptr pattern %d: %w", i+1, err)
			}
			p.re = re
			if tree, err := syntax.Parse("(?i)"+p.Regex, syntax.Perl); err == nil {
				p.lits = requiredLiterals(tree.Simplify())
			}
		default:
			return nil, fmt.Errorf("generic ptr pattern %d: needs either kind: ip or a regex", i+1)
		}
		if p.Reason == "" {
			return nil, fmt.Errorf("generic ptr pattern %d: needs a reason", i+1)
		}
		switch {
		case p.Scope == "":
		case p.Scope != "host":
			return nil, fmt.Errorf("generic ptr pattern %d: scope %q: want host or none", i+1, p.Scope)
		case p.Kind == "ip":
			return nil, fmt.Errorf("generic ptr pattern %d: scope applies to a regex, not kind: ip", i+1)
		}
		m.patterns = append(m.patterns, p)
	}
	return m, nil
}

var defaultGeneric = func() *GenericMatcher {
	m, err := ParseGenericPatterns(genericPTRData)
	if err != nil {
		panic(err)
	}
	return m
}()

// DefaultGenericMatcher returns the matcher built from the embedded patterns.
func DefaultGenericMatcher() *GenericMatcher { return defaultGeneric }

// Match returns the reason name looks generic for ip, or "" when it does not.
func (m *GenericMatcher) Match(name string, ip netip.Addr) (reason, pattern string) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if len(name) > 255 {
		name = name[:255]
	}
	// Case folding beyond ASCII (ſ matches s under (?i)) is not what
	// strings.ToLower does, so only ASCII names use the literal filter.
	ascii := isASCIIString(name)
	host, hostDone := "", false
	for _, p := range m.patterns {
		if p.Kind == "ip" {
			// Octets are read from the name's bytes: an escape (\195\169
			// for é) stands for a byte, whose digits are no octets.
			if embedsIP(unescapeTXT(name), ip) {
				return p.Reason, "kind: ip"
			}
			continue
		}
		if ascii && len(p.lits) > 0 && !containsAny(name, p.lits) {
			continue
		}
		subject := name
		if p.Scope == "host" {
			if !hostDone {
				host, hostDone = hostLabels(name), true
			}
			if host == "" || ascii && len(p.lits) > 0 && !containsAny(host, p.lits) {
				continue
			}
			subject = host
		}
		if p.re.MatchString(subject) {
			return p.Reason, p.Regex
		}
	}
	return "", ""
}

// hostLabels returns the labels of name (lower case, without the trailing
// dot) left of its organizational domain: "mail.dyn" of
// mail.dyn.example.com, "mail2" of mail2.dsl-provider.example, "" when the
// name is its own organizational domain or has none.
func hostLabels(name string) string {
	org := OrgDomain(name)
	if org == name || !strings.HasSuffix(name, "."+org) {
		return ""
	}
	return name[:len(name)-len(org)-1]
}

// requiredLiterals returns substrings one of which any text re matches must
// contain, in lower case, or nil when there is no such set (or re holds
// non-ASCII literals). It over-approximates: a text holding one of them may
// still not match.
func requiredLiterals(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		lit := string(re.Rune)
		if !isASCIIString(lit) || lit == "" {
			return nil
		}
		return []string{strings.ToLower(lit)}
	case syntax.OpCapture:
		return requiredLiterals(re.Sub[0])
	case syntax.OpPlus:
		return requiredLiterals(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiterals(re.Sub[0])
		}
		return nil
	case syntax.OpConcat:
		// Every part must match: the most selective part's set will do.
		var best []string
		for _, sub := range re.Sub {
			if l := requiredLiterals(sub); l != nil && (best == nil || shortest(l) > shortest(best)) {
				best = l
			}
		}
		return best
	case syntax.OpAlternate:
		// Some branch matches: every branch must give a set.
		var all []string
		for _, sub := range re.Sub {
			l := requiredLiterals(sub)
			if l == nil {
				return nil
			}
			all = append(all, l...)
		}
		return all
	}
	return nil
}

func shortest(ss []string) int {
	n := len(ss[0])
	for _, s := range ss[1:] {
		n = min(n, len(s))
	}
	return n
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func isASCIIString(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// embedsIP reports whether name carries ip's octets in either order with any
// separator (zero-padded or not), or its hex form, in either order, whole
// or with any separator between its two-digit octets.
func embedsIP(name string, ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() {
		return false
	}
	if ip.Is4() {
		b := ip.As4()
		fwd := []byte{b[0], b[1], b[2], b[3]}
		rev := []byte{b[3], b[2], b[1], b[0]}
		for _, o := range [][]byte{fwd, rev} {
			if strings.Contains(name, hex.EncodeToString(o)) || hexOctetSeq(name, o) {
				return true
			}
			if octetSeq(name, o) {
				return true
			}
			// Each octet in three digits ("192000002010"), written by
			// hand: this runs for every name of every sender.
			var padded [12]byte
			for i, x := range o {
				padded[3*i], padded[3*i+1], padded[3*i+2] = '0'+x/100, '0'+x/10%10, '0'+x%10
			}
			if strings.Contains(name, string(padded[:])) {
				return true
			}
		}
		return false
	}
	b := ip.As16()
	// A NAT64 (64:ff9b::/96, RFC 6052) or 6to4 (2002::/16, RFC 3056)
	// address carries an IPv4 address, which a provider's name may spell.
	if v4, ok := embeddedIPv4(ip); ok && embedsIP(name, v4) {
		return true
	}
	full := hex.EncodeToString(b[:])
	digits := strings.Map(func(r rune) rune {
		if isHexDigit(r) {
			return r
		}
		return -1
	}, name)
	// The 32 hex digits of the address, or of its interface half, in
	// order or nibble-reversed as in ip6.arpa, with any separators.
	rev := reverseString(full)
	if strings.Contains(digits, full) || strings.Contains(digits, full[16:]) ||
		strings.Contains(digits, rev) || strings.Contains(digits, rev[:16]) {
		return true
	}
	tokens := strings.FieldsFunc(name, func(r rune) bool { return !isHexDigit(r) })
	// Groups of the expanded address, most significant last four, with any
	// separator, in either order as for IPv4's octets:
	// "2001-db8-0-0-0-0-0-25" or "25.0.0.0.0.db8.2001" style names.
	groups := make([]string, 8)
	for i := range groups {
		groups[i] = strconv.FormatUint(uint64(b[2*i])<<8|uint64(b[2*i+1]), 16)
	}
	low := groups[4:]
	lowRev := slices.Clone(low)
	slices.Reverse(lowRev)
	for i := range tokens {
		if groupsAt(tokens[i:], low) > 0 || groupsAt(tokens[i:], lowRev) > 0 {
			return true
		}
	}
	// A compressed form, its "::" written as any run of separators,
	// possibly with zero groups: "2001-db8--26", "2001-db8-1-2--26". Any
	// run of zero groups may be the one compressed, not only the one RFC
	// 5952 picks: 2001:db8:0:0:1::1 is as good as 2001:db8::1:0:0:1. At
	// least three groups must show, so that two short numbers in an
	// ordinary name do not match.
	for i := 0; i < len(groups); {
		if groups[i] != "0" {
			i++
			continue
		}
		j := i
		for j < len(groups) && groups[j] == "0" {
			j++
		}
		lg, rg := slices.Clone(groups[:i]), slices.Clone(groups[j:])
		i = j
		if len(lg) == 0 || len(rg) == 0 || len(lg)+len(rg) < 3 {
			continue
		}
		if compressedAt(tokens, lg, rg) {
			return true
		}
		// Reversed, group by group: "28.10.db8.2001" for 2001:db8:10::28.
		slices.Reverse(lg)
		slices.Reverse(rg)
		if compressedAt(tokens, rg, lg) {
			return true
		}
	}
	return false
}

// nat64 is the well-known prefix of NAT64 addresses (RFC 6052 §2.1).
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// embeddedIPv4 returns the IPv4 address a NAT64 address of the well-known
// prefix 64:ff9b::/96 (RFC 6052) or a 6to4 address (2002::/16, RFC 3056)
// carries.
func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	b := ip.As16()
	switch {
	case nat64.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case b[0] == 0x20 && b[1] == 0x02:
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

// compressedAt reports whether some run of tokens spells the groups
// before, then any number of zero groups (the "::"), then the groups
// after.
func compressedAt(tokens, before, after []string) bool {
	for i := range tokens {
		n := groupsAt(tokens[i:], before)
		if n == 0 {
			continue
		}
		j := i + n
		// The groups next to "::" are not zero (the longest zero run is
		// the one compressed), so zero tokens here stand for the "::".
		for j < len(tokens) && groupsAt(tokens[j:j+1], []string{"0"}) == 1 {
			j++
		}
		if groupsAt(tokens[j:], after) > 0 {
			return true
		}
	}
	return false
}

// groupsAt reports how many tokens, from the first, spell the IPv6 groups
// in order (each with optional leading zeros, at most 4 digits): len(groups),
// or 0 when they do not.
func groupsAt(tokens, groups []string) int {
	if len(tokens) < len(groups) {
		return 0
	}
	for i, g := range groups {
		t := tokens[i]
		if len(t) > 4 || strings.TrimLeft(t, "0") != strings.TrimLeft(g, "0") {
			return 0
		}
	}
	return len(groups)
}

func isHexDigit(r rune) bool { return r >= '0' && r <= '9' || r >= 'a' && r <= 'f' }

func reverseString(s string) string {
	b := []byte(s)
	slices.Reverse(b)
	return string(b)
}

// octetSeq reports whether the decimal octets appear in name in this order,
// separated by non-digits, each with optional leading zeros.
// hexOctetSeq reports whether name holds the octets o in order as
// two-digit hex numbers, each its own run of hex digits between
// separators (c0-00-02-24).
func hexOctetSeq(name string, o []byte) bool {
	tokens := strings.FieldsFunc(name, func(r rune) bool { return !isHexDigit(r) })
	for i := 0; i+len(o) <= len(tokens); i++ {
		ok := true
		for j, x := range o {
			if t := tokens[i+j]; len(t) != 2 || t != hex.EncodeToString([]byte{x}) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func octetSeq(name string, o []byte) bool {
	// The runs of digits in name, as strings.FieldsFunc would split them;
	// a host name has few, so they are kept on the stack.
	var arr [16]string
	fields := arr[:0]
	for i := 0; i < len(name); {
		if name[i] < '0' || name[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(name) && name[j] >= '0' && name[j] <= '9' {
			j++
		}
		fields = append(fields, name[i:j])
		i = j
	}
	for i := 0; i+len(o) <= len(fields); i++ {
		ok := true
		for j, x := range o {
			v, err := strconv.Atoi(strings.TrimLeft(fields[i+j], "0") + "0")
			if err != nil || v/10 != int(x) || len(fields[i+j]) > 3 {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
