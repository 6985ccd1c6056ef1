package assess

import "context"

func checkPTRPresent(ctx context.Context, r Resolver, a Asset) []Finding         { return nil }
func checkPTRSingle(ctx context.Context, r Resolver, a Asset) []Finding          { return nil }
func checkPTRNotGeneric(ctx context.Context, r Resolver, a Asset) []Finding      { return nil }
func checkPTRFCrDNS(ctx context.Context, r Resolver, a Asset) []Finding          { return nil }
func checkPTRMatchesExpected(ctx context.Context, r Resolver, a Asset) []Finding { return nil }
func checkHELOFQDN(ctx context.Context, r Resolver, a Asset) []Finding           { return nil }
func checkHELOMatchesPTR(ctx context.Context, r Resolver, a Asset) []Finding     { return nil }
func checkAlignIdentity(ctx context.Context, r Resolver, a Asset) []Finding      { return nil }
