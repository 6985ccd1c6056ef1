package assess

import (
	"context"
	"strings"
)

// checkAlignIdentity compares the organizational domains (Public Suffix
// List; a single-label name is its own) of the identities present: the PTR
// name, the HELO name and the sending domain (SPEC: pass when they share
// one). The DMARC alignment mode plays no part: bounces carry the host's own
// From domain, and what a receiver aligns is judged by the SPF and DMARC
// checks.
func checkAlignIdentity(ctx context.Context, r Resolver, a Asset) []Finding {
	const id = "align.identity"
	helo, domain := normName(a.HELO), normName(a.Domain)
	present := 0
	for _, s := range []string{helo, domain} {
		if s != "" {
			present++
		}
	}
	if present == 0 {
		// Only the PTR name could be present: fewer than two identities.
		return []Finding{skipFinding(a, id, "one_identity")}
	}
	v := lookupPTR(ctx, r, a, true)
	// The answers used fit this array on the stack in the usual case.
	var usedBuf [8]Answer
	used := append(append(usedBuf[:0], v.ans), v.forward...)
	obs := map[string]any{"forward_type": forwardType(v.ip)}
	if v.outcome == OutcomeError {
		obs = v.observed()
		return []Finding{newFinding(a, id, StatusError, obs, v.ans)}
	}
	if v.nameUnknown() {
		// Unknown which name receivers take; when every candidate is in
		// one organization, the comparison is the same for each.
		alt, ok := v.alternatives()
		if !ok {
			return []Finding{ptrNameError(a, id, v, obs)}
		}
		v.noteAlternatives(obs, alt)
	}
	type identity struct{ kind, name string }
	var ids []identity
	if v.name != "" {
		ids = append(ids, identity{"ptr", v.name})
		obs["ptr"] = v.name
		obs["ptr_org"] = OrgDomain(v.name)
		noteRelative(obs, v.name, v.owner())
		if n, ok := obs["intended_name"].(string); ok {
			obs["intended_org"] = OrgDomain(n)
		}
	}
	if helo != "" {
		ids = append(ids, identity{"helo", helo})
		obs["helo"] = helo
		obs["helo_org"] = OrgDomain(helo)
		if heloAddress(helo) {
			obs["helo_literal"] = true // an address, of no organization
		} else if isAddressLiteral(helo) {
			// Bracketed but no address literal ([IPv6:2001:db8::zz]): an
			// invalid HELO name, of no organization either.
			obs["helo_invalid"] = true
		}
	}
	if domain != "" {
		ids = append(ids, identity{"domain", domain})
		obs["domain"] = domain
		obs["domain_org"] = OrgDomain(domain)
	}
	if len(ids) < 2 {
		obs["reason"] = "one_identity"
		return []Finding{newFinding(a, id, StatusSkip, obs, used...)}
	}
	// The reference is the sending domain's organizational domain (the
	// identity receivers align against), else the HELO name's. A
	// single-label identity ("localhost") or an address literal is its own
	// organization and no reference for the others: the last multi-label
	// name is.
	refID := ids[len(ids)-1]
	for i := len(ids) - 1; i >= 0; i-- {
		if strings.Contains(ids[i].name, ".") && !isAddressLiteral(ids[i].name) {
			refID = ids[i]
			break
		}
	}
	ref := OrgDomain(refID.name)
	obs["org_domain"], obs["org_of"] = ref, refID.kind
	out := []string{}
	for _, x := range ids {
		if OrgDomain(x.name) != ref {
			out = append(out, x.kind)
		}
	}
	obs["out_of_line"] = out
	if len(out) == 0 {
		return []Finding{newFinding(a, id, StatusPass, obs, used...)}
	}
	obs["reason"] = "different_org"
	return []Finding{newFinding(a, id, StatusWarn, obs, used...)}
}
