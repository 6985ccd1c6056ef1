package assess

import "context"

// Placeholders until the domain checks land; each gives skip.
func checkHELOSPF(ctx context.Context, r Resolver, a Asset) []Finding {
	return []Finding{skipFinding(a, "helo.spf", "not_implemented")}
}
func checkSPFRecord(ctx context.Context, r Resolver, a Asset) []Finding {
	return []Finding{skipFinding(a, "spf.record", "not_implemented")}
}
func checkSPFAuthorizesIP(ctx context.Context, r Resolver, a Asset) []Finding {
	return []Finding{skipFinding(a, "spf.authorizes_ip", "not_implemented")}
}
func checkSPFLookupLimit(ctx context.Context, r Resolver, a Asset) []Finding {
	return []Finding{skipFinding(a, "spf.lookup_limit", "not_implemented")}
}
func checkDKIMKey(ctx context.Context, r Resolver, a Asset) []Finding {
	s := ""
	f := skipFinding(a, "dkim.key", "not_implemented")
	f.Selector = &s
	return []Finding{f}
}
func checkDMARCRecord(ctx context.Context, r Resolver, a Asset) []Finding {
	return []Finding{skipFinding(a, "dmarc.record", "not_implemented")}
}
func checkDMARCPolicy(ctx context.Context, r Resolver, a Asset) []Finding {
	return []Finding{skipFinding(a, "dmarc.policy", "not_implemented")}
}
func checkDMARCReporting(ctx context.Context, r Resolver, a Asset) []Finding {
	return []Finding{skipFinding(a, "dmarc.reporting", "not_implemented")}
}
