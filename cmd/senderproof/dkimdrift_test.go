package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"senderproof/assess/dnstest"
	"senderproof/report"
)

// TestDriftDKIMKeyState: a DKIM key record whose p= is unchanged but that
// now stops receivers from using the key (t=y added, s=email → s=tlsrpt,
// h=sha1:sha256 → h=sha1) is a change of the key's compared value, one
// that weakens, and verify derives the same drift again from the packs.
func TestDriftDKIMKeyState(t *testing.T) {
	const (
		soa = "$TTL 300\n@ IN SOA ns.example.com. h.example.com. 1 3600 600 86400 300\n@ IN NS ns.example.com.\n"
		key = "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=" // RFC 8463 §A.2
		fp  = "21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9"
	)
	world := func(tags ...string) *dnstest.Server {
		zone := soa + "mail50 IN A 192.0.2.50\n@ IN TXT \"v=spf1 ip4:192.0.2.50 -all\"\n_dmarc IN TXT \"v=DMARC1; p=reject\"\n"
		for i, sel := range []string{"s1", "s2", "s3"} {
			zone += sel + "._domainkey IN TXT \"v=DKIM1; k=ed25519; " + tags[i] + key + "\"\n"
		}
		return dnstest.Start(t, dnstest.Config{Zones: []dnstest.Zone{
			{Origin: "2.0.192.in-addr.arpa.", Text: soa + "50 IN PTR mail50.example.com.\n"},
			{Origin: "example.com.", Text: zone},
		}})
	}
	inv := filepath.Join(t.TempDir(), "fleet.csv")
	if err := os.WriteFile(inv, []byte("ip,hostname,helo,domain,dkim_selectors\n192.0.2.50,mail50.example.com,mail50.example.com,example.com,s1 s2 s3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := assessJSON(t, inv, world("", "s=email; ", "h=sha1:sha256; "))
	cur := assessJSON(t, inv, world("t=y; ", "s=tlsrpt; ", "h=sha1; "), "--baseline", filepath.Join(base, "evidence.json"))
	p := readPack(t, cur)
	want := []report.DriftChange{
		{Asset: "192.0.2.50", Field: "dkim.fingerprint[s1]", Old: fp, New: fp + " (testing)"},
		{Asset: "192.0.2.50", Field: "dkim.fingerprint[s2]", Old: fp, New: fp + " (not email)"},
		{Asset: "192.0.2.50", Field: "dkim.fingerprint[s3]", Old: fp, New: fp + " (sha1 only)"},
	}
	if p.Drift == nil || !slices.Equal(p.Drift.Changes, want) {
		t.Fatalf("drift %+v, want changes %+v", p.Drift, want)
	}
	if code, stdout, stderr := run(t, context.Background(), "verify", cur); code != 0 {
		t.Errorf("verify: exit %d\n%s%s", code, stdout, stderr)
	}
}
