package assess

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/emersion/go-msgauth/dmarc"
	"github.com/miekg/dns"
)

// dmarcBisMaxLabels bounds the DMARCbis DNS tree walk: a name of 8 or more
// labels is shortened to its 7 right-most labels after the first query, so
// at most 8 names are asked (draft-ietf-dmarc-dmarcbis, DNS Tree Walk).
const dmarcBisMaxLabels = 8

// dmarcAt is what one _dmarc name holds.
type dmarcAt struct {
	domain  string // the domain whose _dmarc name was asked
	ans     Answer
	outcome Outcome
	reason  string   // "" when one valid record; none, several, syntax, or a DNS error
	records []string // texts starting with v=DMARC1
	rec     *dmarc.Record
	tags    map[string]string
	err     string // parse error
	// rua holds the valid aggregate report URIs of a record whose policy
	// is not valid (reason invalid_policy).
	rua []string
	// nearMiss is the first TXT text that names v=DMARC1 but is no DMARC
	// record, and why (dmarcNearMiss): receivers ignore it, and its owner
	// believes it published one.
	nearMiss, nearMissWhy string
	// repeated holds the tags the record gives more than once, and
	// otherFault what else is wrong with it ("" for nothing).
	repeated   []string
	otherFault string
}

// blanks removes the spaces and tabs of a tag list.
var blanks = strings.NewReplacer(" ", "", "\t", "")

// dmarcNearMiss says why a TXT text at a _dmarc name that mentions
// v=DMARC1, in any case and spacing, is not a DMARC record (RFC 7489
// §6.4: the record starts with "v=DMARC1", in that case, and its next
// tag follows a ";"); "" for a text that does not mention it.
func dmarcNearMiss(txt string) string {
	sq := blanks.Replace(txt)
	at := strings.Index(strings.ToLower(sq), "v=dmarc1")
	switch {
	case at < 0:
		return ""
	case at > 0:
		return "v=DMARC1 is not its first tag"
	case !strings.HasPrefix(sq, "v=DMARC1"):
		return "the version must be written DMARC1, in upper case"
	default:
		return "v=DMARC1 is not followed by a semicolon before the next tag"
	}
}

// validPolicyTags reports whether a DMARC record's p= is present and valid
// and its sp=, if any, is valid (RFC 7489 §6.3).
func validPolicyTags(tags map[string]string) bool { return policyTagFault(tags) == "" }

// policyTagFault names the policy tag that makes a DMARC record's policy
// invalid: "p" when p= is missing or not a policy, else "sp" when sp= is
// set and not a policy, else "".
func policyTagFault(tags map[string]string) string {
	valid := func(p string) bool {
		p = strings.ToLower(p)
		return p == "none" || p == "quarantine" || p == "reject"
	}
	if p, ok := tags["p"]; !ok || !valid(p) {
		return "p"
	}
	if sp, ok := tags["sp"]; ok && !valid(sp) {
		return "sp"
	}
	return ""
}

// policyTagError is the error a message gives for a record whose p= or
// sp= is invalid (policyTagFault): the parser stops at the first tag it
// cannot read, which may be another one (adkim=x before sp=bogus), so the
// policy tag's fault comes first and the parser's error after it. A policy
// tag blanked because the record repeats it (one of repeated) is not
// missing: the error, which starts by naming the repeat, is its fault.
// The error quotes the record's text raw (cut, not escaped): the finding
// escapes it once (bounded).
func policyTagError(tags map[string]string, parserErr string, repeated []string) string {
	tag := policyTagFault(tags)
	if tag == "" || slices.Contains(repeated, tag) {
		return parserErr
	}
	fault := "no p= tag"
	if v, ok := tags[tag]; ok {
		fault = fmt.Sprintf("%s=%s is not none, quarantine or reject", tag, clipRaw(v, 64))
	}
	if parserErr == "" || strings.Contains(parserErr, "'"+tag+"'") || strings.Contains(parserErr, "\""+tag+"\"") {
		return fault
	}
	return fault + "; " + parserErr
}

// repeatError says which tags a record repeats (repeatedTags).
func repeatError(repeated []string) string {
	names := make([]string, len(repeated))
	for i, t := range repeated {
		names[i] = t + "="
	}
	if len(names) == 1 {
		return fmt.Sprintf("tag %s appears more than once, and RFC 6376 §3.2 makes a tag list with a repeated tag invalid", names[0])
	}
	return fmt.Sprintf("tags %s and %s appear more than once, and RFC 6376 §3.2 makes a tag list with a repeated tag invalid",
		strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
}

// reportSize is the size limit a report URI may end in, after its "!"
// (RFC 7489 §6.4; ABNF literals match in any case).
var reportSize = regexp.MustCompile(`^[0-9]+[kmgtKMGT]?$`)

// validReportURIs returns the syntactically valid URIs of a rua= or ruf=
// list (RFC 7489 §6.4: comma-separated URIs, each with an optional "!size"
// limit), for example mailto:reports@example.com.
func validReportURIs(list string) []string {
	var out []string
	for _, u := range strings.Split(list, ",") {
		u = strings.TrimSpace(u)
		if i := strings.LastIndexByte(u, '!'); i >= 0 {
			if !reportSize.MatchString(u[i+1:]) {
				continue // "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] or nothing
			}
			u = u[:i]
		}
		p, err := url.Parse(u)
		if err != nil || p.Scheme == "" || p.Opaque == "" && p.Host == "" || !uriText(u) {
			continue
		}
		if strings.EqualFold(p.Scheme, "mailto") && !mailtoAddress(p.Opaque) {
			continue
		}
		out = append(out, u) // whole: its host is asked about; bounded where shown
		if len(out) == 10 {
			break
		}
	}
	return out
}

// uriText reports whether s holds only the characters a URI may (RFC
// 3986 §2: unreserved, reserved and %-escapes): Go's url.Parse lets a
// space, "<" or ">" through, and "mailto:<img src=x>@example.com" is no
// address reports reach.
func uriText(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("-._~:/?#[]@!$&'()*+,;=", c) >= 0:
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			i += 2
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// mailtoAddress reports whether the part of a mailto: URI after the
// scheme names one address with a local part and a domain (RFC 6068 §2),
// for example reports@example.com or reports@example.com?subject=x. The
// local part must be one (see localPart). The
// domain must be a host name mail can be sent to (a URI is ASCII: an IDN
// is written in its xn-- form), so a domain with a soft hyphen or a space
// hidden in it does not count as a report address.
func mailtoAddress(opaque string) bool {
	addr, _, _ := strings.Cut(opaque, "?")
	local, domain, ok := strings.Cut(addr, "@")
	return ok && localPart(local) && validLookupName(domain) && strings.Contains(domain, ".")
}

// localPart reports whether s, once its %-escapes are decoded, is the local
// part of an address (RFC 5322 §3.4.1, as RFC 6068 §2 takes it): a
// dot-atom such as dmarc+reports, or a quoted string. "[a](http://b)" is
// made of URI characters but is none.
func localPart(s string) bool {
	d, err := url.PathUnescape(s)
	if err != nil || d == "" {
		return false
	}
	if len(d) > 2 && d[0] == '"' && d[len(d)-1] == '"' {
		return true // a quoted string, not empty
	}
	for _, atom := range strings.Split(d, ".") {
		if atom == "" {
			return false
		}
		for i := 0; i < len(atom); i++ {
			c := atom[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0) {
				return false
			}
		}
	}
	return true
}

// mailtoURIs returns the mailto: URIs among valid report URIs: the one
// scheme every receiver must support (RFC 7489 §6.2); receivers ignore the
// schemes they do not support (§6.3), and in practice send reports by mail
// only.
func mailtoURIs(uris []string) []string {
	var out []string
	for _, u := range uris {
		if len(u) > len("mailto:") && strings.EqualFold(u[:len("mailto:")], "mailto:") {
			out = append(out, u)
		}
	}
	return out
}

// isDMARCRecord reports whether a TXT text starts with the v=DMARC1 tag,
// which must come first (RFC 7489 §6.4, §6.6.3 step 3). The tag name is an
// ABNF quoted string, so "V" is as good as "v"; DMARC1 must match exactly.
func isDMARCRecord(txt string) bool {
	t := strings.TrimLeft(txt, " \t")
	rest, ok := strings.CutPrefix(t, "v")
	if !ok {
		rest, ok = strings.CutPrefix(t, "V")
	}
	if !ok {
		return false
	}
	rest = strings.TrimLeft(rest, " \t")
	rest, ok = strings.CutPrefix(rest, "=")
	if !ok {
		return false
	}
	rest = strings.TrimLeft(rest, " \t")
	rest, ok = strings.CutPrefix(rest, "DMARC1")
	if !ok {
		return false
	}
	rest = strings.TrimLeft(rest, " \t")
	return rest == "" || rest[0] == ';'
}

// foldedTags are the DMARC tags whose values are keywords: RFC 7489 §6.4
// writes them as ABNF quoted strings, which match in any case (RFC 5234
// §2.3), as tag names do. The report URIs of rua and ruf are not folded.
var foldedTags = map[string]bool{"p": true, "sp": true, "np": true, "adkim": true, "aspf": true, "fo": true, "rf": true}

// caseFolded returns a DMARC record with its tag names, and the values of
// foldedTags, in lower case, for the parser, which compares them exactly.
// The value DMARC1, which must match exactly, is left as it is. A valid
// ri= (1*DIGIT, RFC 7489 §6.4) is left out: the parser refuses ri=0, and
// nothing here uses the report interval.
func caseFolded(txt string) string {
	parts := strings.Split(strings.TrimSpace(txt), ";")
	out := parts[:0]
	for _, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			out = append(out, p)
			continue
		}
		name := strings.ToLower(strings.TrimSpace(k))
		if name == "ri" && allDigits(strings.TrimSpace(v)) {
			continue
		}
		if name == "v" {
			out = append(out, "v="+v)
			continue
		}
		if foldedTags[name] {
			v = strings.ToLower(v)
		}
		out = append(out, name+"="+v)
	}
	return strings.Join(out, ";")
}

// allDigits reports whether s is one or more ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// pctValue is the value pct= may take (RFC 7489 §6.4: 1*3DIGIT), its
// range apart.
var pctValue = regexp.MustCompile(`^[0-9]{1,3}$`)

// dmarcTags splits a DMARC record into its tags, for reporting raw values.
func dmarcTags(txt string) map[string]string {
	out := map[string]string{}
	for _, p := range strings.Split(txt, ";") {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		out[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	return out
}

// repeatedTags returns the tag names that occur more than once in a DMARC
// record (in any case), each once, in the order first repeated. DMARC
// records are DKIM tag lists (RFC 7489 §6.3), and a tag list with a
// repeated tag is invalid as a whole (RFC 6376 §3.2): receivers that take
// the first value and those that take the last would apply different
// policies.
func repeatedTags(txt string) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range strings.Split(txt, ";") {
		k, _, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if seen[k] && !slices.Contains(out, k) {
			out = append(out, k)
		}
		seen[k] = true
	}
	return out
}

func lookupDMARCAt(ctx context.Context, r Resolver, domain string) dmarcAt {
	d := dmarcAt{domain: domain}
	name := "_dmarc." + domain
	if !validLookupName(name) {
		d.outcome, d.reason = OutcomeNXDomain, "invalid_domain"
		return d
	}
	ans, err := r.Lookup(ctx, name, dns.TypeTXT)
	d.ans, d.outcome = ans, Classify(ans, err)
	if d.outcome == OutcomeError {
		d.reason = errorReason(ans, err)
		return d
	}
	for _, t := range txtStrings(ans) {
		if isDMARCRecord(t) {
			d.records = append(d.records, t)
		} else if why := dmarcNearMiss(t); why != "" && d.nearMiss == "" {
			d.nearMiss, d.nearMissWhy = t, why
		}
	}
	switch len(d.records) {
	case 0:
		d.reason = "none"
	case 1:
		rec, err := dmarc.Parse(caseFolded(d.records[0]))
		d.tags = dmarcTags(d.records[0])
		if pct, ok := d.tags["pct"]; ok && err == nil && !pctValue.MatchString(pct) {
			// The parser reads pct with strconv.Atoi, which takes +50
			// and 0050 for 50; it has read any other value, so this
			// one is a number from 0 to 100.
			err = fmt.Errorf(`invalid parameter 'pct': "%s" is not 1 to 3 digits (RFC 7489 §6.4)`, pct)
		}
		d.repeated = repeatedTags(d.records[0])
		for _, tag := range d.repeated {
			if tag == "p" || tag == "sp" {
				// Which of its values holds is not known: no valid one,
				// as policyTagFault and validPolicyTags read it.
				d.tags[tag] = ""
			}
		}
		if err != nil || len(d.repeated) > 0 {
			perr := ""
			if err != nil {
				perr = parserError(err)
			}
			// What is wrong besides the repeats, if anything.
			d.otherFault = policyTagError(d.tags, perr, d.repeated)
			d.err = d.otherFault
			if len(d.repeated) > 0 {
				// Named first whatever else is wrong: a repeated p= or
				// sp= leaves no known policy, whichever tag the parser
				// stopped at.
				d.err = repeatError(d.repeated)
				if d.otherFault != "" {
					d.err += "; " + d.otherFault
				}
			}
			d.reason = "syntax"
			// A record without a valid p= (or with an invalid sp=) that
			// names a valid aggregate report address is acted on as if it
			// said p=none (RFC 7489 §6.6.3 step 6): broken, but not ignored.
			if !validPolicyTags(d.tags) {
				if d.rua = validReportURIs(d.tags["rua"]); len(d.rua) > 0 {
					d.reason = "invalid_policy"
				}
			}
			return d
		}
		d.rec = rec
	default:
		// Several records at one name: none of them applies (§6.6.3
		// step 3 and 6).
		d.reason = "several"
	}
	return d
}

// parserError is the DMARC parser's error as a message shows it: without
// its "dmarc: " prefix, and a number it could not read named as the
// record wrote it, not as Go's strconv reports it: in plain double quotes,
// its text raw, not Go-quoted, as the finding escapes the whole error once
// (bounded) and would otherwise show the byte ESC as \x5cx1b.
func parserError(err error) string {
	return strconvError.ReplaceAllStringFunc(strings.TrimPrefix(err.Error(), "dmarc: "), func(m string) string {
		quoted := strconvError.FindStringSubmatch(m)[1]
		if raw, err := strconv.Unquote(quoted); err == nil {
			return `"` + raw + `"`
		}
		return quoted
	})
}

// strconvError matches `strconv.Atoi: parsing "99999999999": value out of
// range` within a parser error.
var strconvError = regexp.MustCompile(`strconv\.\w+: parsing ("(?:[^"\\]|\\.)*")`)

// dmarcView is the outcome of DMARC policy discovery for a domain.
type dmarcView struct {
	domain string
	org    string
	// tried holds the names asked for RFC 7489 discovery, in order.
	tried []dmarcAt
	// found is the applicable record, or the place discovery stopped.
	found   dmarcAt
	valid   bool
	outcome Outcome // OutcomeError when discovery could not be completed
	reason  string
	fromOrg bool // the record came from the organizational domain
	// bis is the DMARCbis tree walk: where it found a record ("" if none),
	// and whether it could be completed.
	bisSource string
	bisTried  []dmarcAt
	bisReason string // DNS error reason when the walk failed
	bisErrAt  string // the _dmarc name whose lookup failed
}

// discoverDMARC finds the DMARC record for domain as RFC 7489 §6.6.3 says:
// _dmarc.<domain>, then, if that holds no DMARC record at all,
// _dmarc.<organizational domain>. It also runs the DMARCbis tree walk.
func discoverDMARC(ctx context.Context, r Resolver, domain string) dmarcView {
	v := dmarcView{domain: normName(domain)}
	v.org = OrgDomain(v.domain)
	first := lookupDMARCAt(ctx, r, v.domain)
	v.tried = append(v.tried, first)
	v.found = first
	if first.outcome != OutcomeError && len(first.records) == 0 && v.org != v.domain {
		second := lookupDMARCAt(ctx, r, v.org)
		v.tried = append(v.tried, second)
		v.found = second
		v.fromOrg = true
	}
	v.outcome = v.found.outcome
	v.reason = v.found.reason
	v.valid = v.reason == ""
	if v.outcome == OutcomeError {
		v.valid = false
	}
	v.bisWalk(ctx, r, first)
	return v
}

// bisWalk is the DMARCbis DNS tree walk for policy discovery: ask
// _dmarc.<domain>; if no single DMARC record is there, shorten the name (to
// 7 labels when it has 8 or more, else by one label) and walk up one label
// at a time, down to the top-level domain, stopping at the first name with
// exactly one DMARC record.
func (v *dmarcView) bisWalk(ctx context.Context, r Resolver, first dmarcAt) {
	at := first
	v.bisTried = append(v.bisTried, at)
	labels := strings.Split(v.domain, ".")
	for {
		if at.outcome == OutcomeError {
			v.bisReason, v.bisErrAt = at.reason, "_dmarc."+at.domain
			return
		}
		if len(at.records) == 1 {
			v.bisSource = "_dmarc." + at.domain
			return
		}
		if len(labels) <= 1 || at.reason == "invalid_domain" && !validLookupName(v.domain) {
			// A domain that is no name has no parents to walk to:
			// [192.0.2.1] is no domain, and 2.1] no parent of it. A
			// valid one too long to ask under _dmarc has: the walk
			// goes on to the shorter names.
			return
		}
		if len(labels) >= dmarcBisMaxLabels {
			labels = labels[len(labels)-(dmarcBisMaxLabels-1):]
		} else {
			labels = labels[1:]
		}
		at = lookupDMARCAt(ctx, r, strings.Join(labels, "."))
		v.bisTried = append(v.bisTried, at)
	}
}

// source is the _dmarc name that holds the applicable record.
func (v dmarcView) source() string { return "_dmarc." + v.found.domain }

// effectivePolicy is sp when the record came from the organizational domain
// for a subdomain and sets sp, else p (RFC 7489 §6.6.3, §6.3).
func (v dmarcView) effectivePolicy() string {
	if v.found.rec == nil {
		return ""
	}
	if v.fromOrg && v.found.rec.SubdomainPolicy != "" {
		return string(v.found.rec.SubdomainPolicy)
	}
	return string(v.found.rec.Policy)
}

func (v dmarcView) pct() int {
	if v.found.rec == nil || v.found.rec.Percent == nil {
		return 100
	}
	return *v.found.rec.Percent
}

func (v dmarcView) answers() []Answer {
	var out []Answer
	for _, d := range v.tried {
		out = append(out, d.ans)
	}
	for _, d := range v.bisTried {
		out = append(out, d.ans)
	}
	return out
}

func (v dmarcView) observed() map[string]any {
	obs := map[string]any{"domain": v.domain, "org_domain": v.org}
	obs["queried"] = askedNames(v.tried)
	for _, d := range v.tried {
		if d.nearMiss != "" {
			obs["ignored_record"] = bounded(d.nearMiss, maxObservedText)
			obs["ignored_at"] = "_dmarc." + d.domain
			obs["ignored_why"] = d.nearMissWhy
			if chain := d.ans.Chain; len(chain) > 0 {
				// Behind an alias, which holds no TXT record of its own.
				obs["ignored_record_at"] = normName(chain[len(chain)-1])
			}
			break
		}
	}
	if chain := v.found.ans.Chain; len(chain) > 0 {
		// Hosted DMARC: the _dmarc name is an alias, which can hold no
		// record of its own (RFC 2181 §10.1), so the record is changed
		// where the chain ends.
		names := make([]string, len(chain))
		for i, c := range chain {
			names[i] = normName(c)
		}
		obs["cname_chain"] = names
		obs["record_at"] = names[len(names)-1]
	}
	if len(v.found.repeated) > 0 {
		obs["repeated_tags"] = boundedList(v.found.repeated)
		if v.found.otherFault != "" {
			obs["other_fault"] = bounded(v.found.otherFault, 300)
		}
	}
	switch {
	case v.found.reason == "syntax":
		obs["source"] = v.source()
		// Whether p= (and sp=) are valid and the error is elsewhere: then
		// receivers should drop the bad tag and keep the rest (RFC 7489 §6.3).
		obs["policy_valid"] = validPolicyTags(v.found.tags)
		if t := policyTagFault(v.found.tags); t != "" {
			obs["invalid_policy_tag"] = t
		}
	case v.valid, v.found.reason == "several":
		obs["source"] = v.source()
	case v.found.reason == "invalid_policy":
		obs["source"] = v.source()
		obs["rua"] = boundedList(v.found.rua)
		obs["treated_as_policy"] = "none"
		obs["invalid_policy_tag"] = policyTagFault(v.found.tags)
	}
	switch len(v.found.records) {
	case 0:
	case 1:
		obs["record"] = bounded(v.found.records[0], maxObservedText)
	default:
		rs := []string{}
		for i, t := range slices.Sorted(slices.Values(v.found.records)) { // whatever order the resolver gave
			if i == 5 {
				break
			}
			rs = append(rs, bounded(t, maxObservedText/4))
		}
		obs["records"] = rs
		obs["count"] = len(v.found.records)
	}
	if v.found.err != "" {
		obs["error"] = bounded(v.found.err, 300)
	}
	if rec := v.found.rec; rec != nil {
		obs["p"] = string(rec.Policy)
		if rec.SubdomainPolicy != "" {
			obs["sp"] = string(rec.SubdomainPolicy)
		}
		obs["policy"] = v.effectivePolicy()
		obs["pct"] = v.pct()
		obs["rua"] = nonNil(boundedList(rec.ReportURIAggregate))
		obs["ruf"] = nonNil(boundedList(rec.ReportURIFailure))
		obs["adkim"] = string(rec.DKIMAlignment)
		obs["aspf"] = string(rec.SPFAlignment)
		obs["from_org"] = v.fromOrg
	}
	bisTried := askedNames(v.bisTried)
	if v.bisReason != "" {
		// The walk could not be completed: whether it agrees with RFC 7489
		// discovery is not known, and "disagree" is left out.
		obs["dmarcbis_error"] = v.bisReason
		obs["dmarcbis_error_at"] = v.bisErrAt
		obs["dmarcbis_queried"] = bisTried
	} else if v.outcome != OutcomeError {
		obs["dmarcbis_source"] = v.bisSource
		if d := v.bisFound(); d != nil {
			obs["dmarcbis_record"] = bounded(d.records[0], maxObservedText)
		}
		obs["dmarcbis_queried"] = bisTried
		// The two discoveries disagree when they pick different names
		// (or only one of them finds a record).
		rfc := ""
		if len(v.found.records) == 1 {
			rfc = v.source()
		}
		obs["disagree"] = rfc != v.bisSource
	}
	if !v.valid {
		obs["reason"] = v.reason
	}
	return obs
}

// askedNames returns the _dmarc names of tried that were asked: a name
// too long to be one (invalid_domain) was never sent.
func askedNames(tried []dmarcAt) []string {
	out := []string{}
	for _, d := range tried {
		if d.reason != "invalid_domain" {
			out = append(out, "_dmarc."+d.domain)
		}
	}
	return out
}

func (v dmarcView) bisFound() *dmarcAt {
	for i := range v.bisTried {
		if "_dmarc."+v.bisTried[i].domain == v.bisSource && len(v.bisTried[i].records) == 1 {
			return &v.bisTried[i]
		}
	}
	return nil
}

// dmarcPrereq returns the finding of a check that needs a valid DMARC record
// when there is none: error when discovery failed, else skip.
func dmarcPrereq(a Asset, id string, v dmarcView) (Finding, bool) {
	if v.valid {
		return Finding{}, false
	}
	obs := v.observed()
	if v.outcome == OutcomeError {
		return newFinding(a, id, StatusError, obs, v.answers()...), true
	}
	obs["record_reason"] = v.reason
	obs["reason"] = "no_record"
	return newFinding(a, id, StatusSkip, obs, v.answers()...), true
}

func checkDMARCRecord(ctx context.Context, r Resolver, a Asset) []Finding {
	const id = "dmarc.record"
	if a.Domain == "" {
		return []Finding{skipFinding(a, id, "no_domain")}
	}
	v := discoverDMARC(ctx, r, a.Domain)
	st := StatusPass
	switch {
	case v.outcome == OutcomeError:
		st = StatusError
	case !v.valid:
		st = StatusFail
	}
	return []Finding{newFinding(a, id, st, v.observed(), v.answers()...)}
}

func checkDMARCPolicy(ctx context.Context, r Resolver, a Asset) []Finding {
	const id = "dmarc.policy"
	if a.Domain == "" {
		return []Finding{skipFinding(a, id, "no_domain")}
	}
	v := discoverDMARC(ctx, r, a.Domain)
	if f, ok := dmarcPrereq(a, id, v); ok {
		return []Finding{f}
	}
	obs := v.observed()
	pol := v.effectivePolicy()
	switch {
	case pol == string(dmarc.PolicyNone):
		obs["reason"] = "none"
	case v.pct() < 100:
		obs["reason"] = "pct"
	default:
		return []Finding{newFinding(a, id, StatusPass, obs, v.answers()...)}
	}
	return []Finding{newFinding(a, id, StatusWarn, obs, v.answers()...)}
}

func checkDMARCReporting(ctx context.Context, r Resolver, a Asset) []Finding {
	const id = "dmarc.reporting"
	if a.Domain == "" {
		return []Finding{skipFinding(a, id, "no_domain")}
	}
	v := discoverDMARC(ctx, r, a.Domain)
	if f, ok := dmarcPrereq(a, id, v); ok {
		return []Finding{f}
	}
	obs := v.observed()
	rua := v.found.tags["rua"]
	switch mailto := mailtoURIs(validReportURIs(rua)); {
	case len(mailto) > 0:
		// rua is set: the check passes (SPEC). Whether a receiver will
		// send to an address outside the domain is said beside it.
		answers := append(v.answers(), verifyExternalRUA(ctx, r, v.found.domain, mailto, obs)...)
		return []Finding{newFinding(a, id, StatusPass, obs, answers...)}
	case strings.Trim(rua, " \t,") != "":
		// Only a mailto: address (RFC 7489 §6.2, §6.4) gets reports.
		obs["reason"] = "invalid_rua"
	default:
		obs["reason"] = "no_rua"
	}
	return []Finding{newFinding(a, id, StatusWarn, obs, v.answers()...)}
}

// maxExternalRUA bounds the report domains asked about per record.
const maxExternalRUA = 4

// verifyExternalRUA asks, for each mailto: report address outside the
// organizational domain of policyDomain (the domain whose _dmarc name held
// the record), whether its domain authorizes the reports: a receiver sends
// none there unless <policyDomain>._report._dmarc.<its domain> holds a TXT
// record starting with v=DMARC1 (RFC 7489 §7.1). It records in obs the
// addresses not authorized (rua_unauthorized, with the names asked in
// rua_unauthorized_at) and those it could not tell (rua_unverified), and
// returns the answers.
func verifyExternalRUA(ctx context.Context, r Resolver, policyDomain string, uris []string, obs map[string]any) []Answer {
	org := OrgDomain(policyDomain)
	var answers []Answer
	var unauthorized, at, unverified []string
	asked := map[string]bool{}
	for _, u := range uris {
		addr, _, _ := strings.Cut(u[len("mailto:"):], "?")
		_, host, _ := strings.Cut(addr, "@")
		host = normName(host)
		if host == "" || OrgDomain(host) == org || asked[host] {
			continue
		}
		if len(asked) == maxExternalRUA {
			unverified = append(unverified, bounded(u, 200))
			continue
		}
		asked[host] = true
		name := normName(policyDomain) + "._report._dmarc." + host
		if !validLookupName(name) {
			// Too long a name to ask: no receiver can find an
			// authorization either.
			unauthorized, at = append(unauthorized, bounded(u, 200)), append(at, bounded(name, 300))
			continue
		}
		ans, err := r.Lookup(ctx, name, dns.TypeTXT)
		answers = append(answers, ans)
		switch Classify(ans, err) {
		case OutcomeError:
			unverified = append(unverified, bounded(u, 200))
		default:
			if !slices.ContainsFunc(txtStrings(ans), isDMARCRecord) {
				unauthorized, at = append(unauthorized, bounded(u, 200)), append(at, name)
			}
		}
	}
	if len(unauthorized) > 0 {
		obs["rua_unauthorized"], obs["rua_unauthorized_at"] = unauthorized, at
	}
	if len(unverified) > 0 {
		obs["rua_unverified"] = unverified
	}
	return answers
}
