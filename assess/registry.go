package assess

// registry is every check, in check-ID order. Lint, the runner, the reports'
// methodology page and the docs all read this one slice.
var registry = []Check{
	{ID: "align.identity", Title: "PTR name, HELO and domain aligned", Family: "align", Severity: SeverityLow, Run: checkAlignIdentity,
		Criteria: "PTR name, HELO and domain share one organizational domain (Public Suffix List)"},
	{ID: "dkim.key", Title: "A strong DKIM key is published", Family: "dkim", Severity: SeverityHigh, Run: checkDKIMKey, DomainOnly: true,
		Criteria: "<selector>._domainkey.<domain> publishes a parseable, unrevoked RSA ≥ 2048 or Ed25519 key"},
	{ID: "dmarc.policy", Title: "The DMARC policy enforces", Family: "dmarc", Severity: SeverityMedium, Run: checkDMARCPolicy, DomainOnly: true,
		Criteria: "effective DMARC policy is quarantine or reject with pct 100"},
	{ID: "dmarc.record", Title: "A DMARC record is published", Family: "dmarc", Severity: SeverityHigh, Run: checkDMARCRecord, DomainOnly: true,
		Criteria: "a valid DMARC record exists at _dmarc.<domain> or the organizational domain"},
	{ID: "dmarc.reporting", Title: "DMARC aggregate reports are requested", Family: "dmarc", Severity: SeverityLow, Run: checkDMARCReporting, DomainOnly: true,
		Criteria: "the DMARC record sets rua (aggregate reports)"},
	{ID: "drift.changed", Title: "Nothing changed since the baseline", Family: "drift", Severity: SeverityMedium,
		Criteria: "nothing observed for the asset changed since the baseline run"},
	{ID: "helo.fqdn", Title: "The HELO name resolves to the sender", Family: "helo", Severity: SeverityHigh, Run: checkHELOFQDN,
		Criteria: "HELO is a valid FQDN whose A/AAAA contains the IP"},
	{ID: "helo.matches_ptr", Title: "The HELO name is the PTR name", Family: "helo", Severity: SeverityMedium, Run: checkHELOMatchesPTR,
		Criteria: "HELO equals the PTR name"},
	{ID: "helo.spf", Title: "SPF authorises the HELO name", Family: "helo", Severity: SeverityMedium, Run: checkHELOSPF,
		Criteria: "SPF check_host(ip, helo) is pass (RFC 7208 §2.3)"},
	{ID: "ptr.fcrdns", Title: "Reverse DNS is forward-confirmed", Family: "ptr", Severity: SeverityHigh, Run: checkPTRFCrDNS,
		Criteria: "some PTR name's A/AAAA set contains the IP (forward-confirmed reverse DNS)"},
	{ID: "ptr.matches_expected", Title: "The PTR name is the inventory's", Family: "ptr", Severity: SeverityMedium, Run: checkPTRMatchesExpected,
		Criteria: "the PTR name equals the inventory hostname"},
	{ID: "ptr.not_generic", Title: "The PTR name is not generic", Family: "ptr", Severity: SeverityMedium, Run: checkPTRNotGeneric,
		Criteria: "the PTR name does not look generic or dynamic"},
	{ID: "ptr.present", Title: "The sender has reverse DNS (PTR)", Family: "ptr", Severity: SeverityHigh, Run: checkPTRPresent,
		Criteria: "the IP's PTR (following RFC 2317 CNAMEs) has at least one name"},
	{ID: "ptr.single", Title: "The sender has one PTR name", Family: "ptr", Severity: SeverityLow, Run: checkPTRSingle,
		Criteria: "the IP has exactly one PTR name"},
	{ID: "spf.authorizes_ip", Title: "SPF authorises the sender", Family: "spf", Severity: SeverityHigh, Run: checkSPFAuthorizesIP,
		Criteria: "SPF check_host(ip, domain) is pass"},
	{ID: "spf.lookup_limit", Title: "SPF stays within its lookup limits", Family: "spf", Severity: SeverityMedium, Run: checkSPFLookupLimit,
		Criteria: "SPF evaluation stays within 10 DNS-mechanism lookups and 2 void lookups"},
	{ID: "spf.record", Title: "The domain has one valid SPF record", Family: "spf", Severity: SeverityHigh, Run: checkSPFRecord,
		Criteria: "the domain has exactly one syntactically valid v=spf1 record"},
}

// Registry returns the registered checks in check-ID order.
func Registry() []Check { return append([]Check(nil), registry...) }

// CheckIDs returns every registered check ID in order.
func CheckIDs() []string {
	ids := make([]string, len(registry))
	for i, c := range registry {
		ids[i] = c.ID
	}
	return ids
}

// LookupCheck returns the check with the given ID.
func LookupCheck(id string) (Check, bool) {
	for _, c := range registry {
		if c.ID == id {
			return c, true
		}
	}
	return Check{}, false
}
