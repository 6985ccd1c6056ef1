package assess

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"
	"time"

	"senderproof/assess/dnstest"
)

func TestDKIMKeyCheck(t *testing.T) {
	t.Parallel()
	srv := startAuth(t, dnstest.Config{Faults: map[string]dnstest.Fault{
		"servfail._domainkey.dkim-test.example.": dnstest.ServFail,
		"refused._domainkey.dkim-test.example.":  dnstest.Refused,
	}}, "dkim-test.example.zone")
	cases := []checkCase{
		{name: "rsa2048", status: StatusPass, obs: map[string]string{"key_type": "rsa", "key_bits": "2048", "testing": "false"}},
		{name: "pkcs1", status: StatusPass, obs: map[string]string{"key_bits": "2048"}},
		{name: "ed25519", status: StatusPass, obs: map[string]string{"key_type": "ed25519", "key_bits": "256"}},
		{name: "edspki", status: StatusPass, obs: map[string]string{"key_type": "ed25519"}},
		{name: "testing", status: StatusPass, obs: map[string]string{"testing": "true"}},
		{name: "hosted", status: StatusPass, obs: map[string]string{"cname_chain": "[rsa2048._domainkey.dkim-test.example]"}},
		{name: "mixed", status: StatusPass},
		{name: "rsa4608", status: StatusPass, obs: map[string]string{"key_bits": "4608", "oversize": "true"}},
		{name: "rsa1024", status: StatusWarn, reason: "rsa_short", obs: map[string]string{"key_bits": "1024"}},
		{name: "rsa512", status: StatusFail, reason: "rsa_weak", obs: map[string]string{"key_bits": "512"}},
		{name: "revoked", status: StatusFail, reason: "revoked"},
		{name: "rsae1", status: StatusFail, reason: "unusable_key", obs: map[string]string{"key_bits": "2048", "key_fault": "its public exponent is 1: a signature made without the private key verifies"}},
		// 2^2047 and 7 × a prime: factored completely, so the private
		// key is known.
		{name: "rsaeven", status: StatusFail, reason: "unusable_key", obs: map[string]string{"key_fault": "its modulus is a product of primes below 1,000 (2), so it factors completely at once and the private key is known"}},
		{name: "rsaprime", status: StatusFail, reason: "unusable_key", obs: map[string]string{"key_fault": "its modulus is prime, so the private key follows from it at once"}},
		{name: "rsasmall", status: StatusFail, reason: "unusable_key", obs: map[string]string{"key_fault": "its modulus is divisible by 7 and the rest of it is prime, so it factors completely at once and the private key is known"}},
		// A typo: a small factor, and a cofactor of unknown factors.
		{name: "rsatypo", status: StatusFail, reason: "corrupt_key", obs: map[string]string{"key_bits": "2048", "key_fault": "its modulus is divisible by 3"}},
		{name: "edcurve", status: StatusFail, reason: "syntax", obs: map[string]string{"error": "p= is not a point on the Ed25519 curve (RFC 8032 §5.1.3): no signature can verify"}},
		{name: "edzero", status: StatusFail, reason: "unusable_key", obs: map[string]string{"key_type": "ed25519"}},
		{name: "edident", status: StatusFail, reason: "unusable_key", obs: map[string]string{"key_fault": "it is a point of small order on the curve, so a signature made without the private key verifies"}},
		{name: "unknownk", status: StatusFail, reason: "unknown_key_type", obs: map[string]string{"key_type": "dsa"}},
		{name: "garbage", status: StatusFail, reason: "syntax"},
		{name: "notkey", status: StatusFail, reason: "syntax"},
		{name: "dup", status: StatusFail, reason: "syntax"},
		{name: "ctrl", status: StatusFail, reason: "syntax"},
		{name: "vnotfirst", status: StatusFail, reason: "syntax"},
		{name: "edmismatch", status: StatusFail, reason: "syntax", obs: map[string]string{"key_type_hint": "rsa", "error": "k=ed25519 but p= holds an RSA key"}},
		{name: "sha1", status: StatusFail, reason: "sha1_only"},
		{name: "hempty", status: StatusFail, reason: "syntax", obs: map[string]string{"error": "h= names no hash algorithm (RFC 6376 §3.6.1: remove the tag, or give h=sha256)"}},
		{name: "sempty", status: StatusFail, reason: "syntax", obs: map[string]string{"error": "s= names no service type (RFC 6376 §3.6.1: remove the tag, or give s=email)"}},
		{name: "nop", status: StatusFail, reason: "syntax", obs: map[string]string{"error": "no p= tag (public key)"}},
		{name: "smime", status: StatusFail, reason: "not_email"},
		{name: "several", status: StatusFail, reason: "several", obs: map[string]string{"count": "2"}},
		{name: "other", status: StatusFail, reason: "none"},
		// A DMARC record at a selector is no key record of any version.
		{name: "dmarcsel", status: StatusFail, reason: "none"},
		{name: "vlower", status: StatusFail, reason: "other_version", obs: map[string]string{"version": "dkim1", "discarded": "[v=dkim1; k=ed25519; p=EOdepLXzUAJT3b/tDOI3C+FUBJLj6gxA2ZmHVF2W6ks=]"}},
		{name: "dkim2", status: StatusFail, reason: "other_version", obs: map[string]string{"version": "DKIM2", "discarded": "[v=DKIM2; k=ed25519; p=EOdepLXzUAJT3b/tDOI3C+FUBJLj6gxA2ZmHVF2W6ks= v=dkim1; k=ed25519; p=EOdepLXzUAJT3b/tDOI3C+FUBJLj6gxA2ZmHVF2W6ks=]"}},
		{name: "dkim2plus1", status: StatusPass, obs: map[string]string{"key_type": "ed25519", "discarded": "[v=DKIM2; k=ed25519; p=EOdepLXzUAJT3b/tDOI3C+FUBJLj6gxA2ZmHVF2W6ks=]"}},
		{name: "spfhere", status: StatusFail, reason: "none", obs: map[string]string{"rcode": "no_dkim_record", "discarded": "<nil>"}},
		{name: "missing", status: StatusFail, reason: "none", obs: map[string]string{"rcode": "nxdomain"}},
		{name: "nodata", status: StatusFail, reason: "none", obs: map[string]string{"rcode": "nodata"}},
		{name: "servfail", status: StatusError, reason: "servfail"},
		{name: "refused", status: StatusError, reason: "refused"},
		{name: "loop1", status: StatusError, reason: "cname_loop"},
		{name: "bad selector", status: StatusFail, reason: "invalid_selector"},
	}
	transports(t, func(t *testing.T, tcp bool) {
		c := authClient(t, srv.Addr, tcp, 500*time.Millisecond)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				a := Asset{IP: "192.0.2.10", Domain: "dkim-test.example", DKIMSelectors: []string{tc.name}}
				fs := checkDKIMKey(context.Background(), c, a)
				if len(fs) != 1 || fs[0].Selector == nil || *fs[0].Selector != tc.name {
					t.Fatalf("findings %+v, want one for selector %q", fs, tc.name)
				}
				wordFinding(t, "dkim.key", &fs[0], a)
				if tc.reason != "invalid_selector" {
					tc.verify(t, fs[0])
				} else if fs[0].Status != tc.status {
					t.Errorf("status %s, want %s", fs[0].Status, tc.status)
				}
				if fp, ok := fs[0].Observed["fingerprint"].(string); tc.status == StatusPass && len(fp) != 64 {
					t.Errorf("fingerprint %q (%v)", fp, ok)
				}
				// A pass in testing mode carries the action it asks for;
				// any other pass none.
				switch rem := fs[0].Remediation; {
				case tc.name == "testing" && !strings.Contains(rem, "Remove t=y from the record at testing._domainkey.dkim-test.example"):
					t.Errorf("testing-mode pass: remediation %q", rem)
				case tc.name == "rsa4608" && (!strings.Contains(rem, "Sign with a key of 2048 to 4096 bits") || !strings.Contains(fs[0].Message, "RFC 8301 §3.2")):
					t.Errorf("oversize key: message %q, remediation %q", fs[0].Message, rem)
				case tc.name == "rsa512" && (!strings.Contains(fs[0].Message, "within reach of factoring") || strings.Contains(fs[0].Message, "can be factored")):
					// Short, not known to be factored.
					t.Errorf("rsa_weak message %q", fs[0].Message)
				case tc.status == StatusPass && tc.name != "testing" && tc.name != "rsa4608" && rem != "":
					t.Errorf("pass with remediation %q", rem)
				}
			})
		}
	})
}

func TestDKIMKeyTimeoutAndSkips(t *testing.T) {
	t.Parallel()
	srv := startAuth(t, dnstest.Config{Faults: map[string]dnstest.Fault{
		"slow._domainkey.dkim-test.example.": dnstest.Drop,
	}}, "dkim-test.example.zone")
	c := authClient(t, srv.Addr, false, 200*time.Millisecond)
	a := Asset{IP: "192.0.2.10", Domain: "dkim-test.example", DKIMSelectors: []string{"rsa2048", "slow", "rsa1024"}}
	fs := checkDKIMKey(context.Background(), c, a)
	if len(fs) != 3 {
		t.Fatalf("%d findings, want one per selector", len(fs))
	}
	want := []Status{StatusPass, StatusError, StatusWarn}
	for i, f := range fs {
		wordFinding(t, "dkim.key", &f, a)
		if f.Status != want[i] || *f.Selector != a.DKIMSelectors[i] {
			t.Errorf("selector %s: %s, want %s", *f.Selector, f.Status, want[i])
		}
	}
	if fs[1].Observed["reason"] != "timeout" {
		t.Errorf("timeout reason %v", fs[1].Observed["reason"])
	}
	for _, a := range []Asset{
		{IP: "192.0.2.10", Domain: "dkim-test.example"},
		{IP: "192.0.2.10", DKIMSelectors: []string{"rsa2048"}},
	} {
		fs := checkDKIMKey(context.Background(), c, a)
		if len(fs) != 1 || fs[0].Status != StatusSkip || fs[0].Selector == nil || *fs[0].Selector != "" {
			t.Errorf("%+v: %+v, want one skip with selector \"\"", a, fs)
		}
		wordFinding(t, "dkim.key", &fs[0], a)
	}
}

func TestParseDKIMKey(t *testing.T) {
	t.Parallel()
	const ed = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=" // RFC 8463 §A.2
	cases := []struct {
		in      string
		err     string // substring; "" for no error
		typ     string
		bits    int
		revoked bool
		testing bool
	}{
		{in: "v=DKIM1; k=ed25519; p=" + ed, typ: "ed25519", bits: 256},
		{in: "k=ed25519; p=" + ed, typ: "ed25519", bits: 256},
		{in: "v=DKIM1; k=ed25519; p=" + ed[:20] + " \t" + ed[20:], typ: "ed25519", bits: 256},
		{in: "v=DKIM1; p=", typ: "rsa", revoked: true},
		{in: "v=DKIM1; p= ; t=y", typ: "rsa", revoked: true, testing: true},
		{in: "v=DKIM1;k=ed25519;t=s:y;p=" + ed + ";", typ: "ed25519", bits: 256, testing: true},
		{in: "p=" + ed + "; v=DKIM1", err: "first"},
		{in: "v=DKIM2; p=", err: "not DKIM1"},
		{in: "v=DKIM1", err: "no p="},
		{in: "v=DKIM1; p", err: "no \"=\""},
		{in: "v=DKIM1; 1x=2; p=", err: "invalid tag name"},
		{in: "v=DKIM1; p=; p=", err: "more than once"},
		{in: "v=DKIM1; k=ed25519; p=AAAA", err: "32-byte"},
		// y = 2 has no x on the curve (RFC 8032 §5.1.3), raw or SPKI.
		{in: "v=DKIM1; k=ed25519; p=AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", err: "not a point on the Ed25519 curve (RFC 8032 §5.1.3): no signature can verify"},
		{in: "v=DKIM1; k=ed25519; p=MCowBQYDK2VwAyEAAgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", err: "not a point on the Ed25519 curve"},
		{in: "v=DKIM1; k=rsa; p=AAAA", err: "not an RSA"},
		{in: "v=DKIM1; p=@@@@", err: "base64"},
		{in: "v=DKIM1; n=\x01; p=", err: "invalid character"},
		{in: "v=DKIM1; k=unknown; p=AAAA", typ: "unknown"},
	}
	for _, tc := range cases {
		k, err := parseDKIMKey(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseDKIMKey(%q) error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseDKIMKey(%q): %v", tc.in, err)
			continue
		}
		if k.KeyType != tc.typ || k.Bits != tc.bits || k.Revoked != tc.revoked || k.Testing != tc.testing {
			t.Errorf("parseDKIMKey(%q) = %+v", tc.in, k)
		}
	}
}

// TestDKIMKeyMisplaced: an X.509 certificate in p= (under k=rsa or
// k=ed25519), or an RSA key under k=ed25519, is named as what it is.
func TestDKIMKeyMisplaced(t *testing.T) {
	t.Parallel()
	edPub, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<32, 0)}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, edPub, edPriv)
	if err != nil {
		t.Fatal(err)
	}
	spki, _ := base64.StdEncoding.DecodeString(rsa2048Key)
	pub, err := parseRSAKey(spki)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString
	const certErr = "p= holds an X.509 certificate; publish its public key (openssl x509 -pubkey -noout)"
	for _, tc := range []struct{ record, err, hint string }{
		{"v=DKIM1; p=" + b64(cert), certErr, ""},
		{"v=DKIM1; k=ed25519; p=" + b64(cert), certErr, ""},
		{"v=DKIM1; k=ed25519; p=" + rsa2048Key, "k=ed25519 but p= holds an RSA key", "rsa"},
		{"v=DKIM1; k=ED25519; p=" + b64(x509.MarshalPKCS1PublicKey(pub)), "k=ed25519 but p= holds an RSA key (PKCS#1)", "rsa"},
		{"v=DKIM1; p=" + b64(edPub), "size of a raw Ed25519 key", "ed25519"},
		{"v=DKIM1; k=ed25519; p=AAAA", "32-byte", ""},
	} {
		_, err := parseDKIMKey(tc.record)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%.40s…: error %v, want %q", tc.record, err, tc.err)
		}
		hint := ""
		if ed25519Mislabelled(tc.record) {
			hint = "ed25519"
		} else if rsaMislabelled(tc.record) {
			hint = "rsa"
		}
		if hint != tc.hint {
			t.Errorf("%.40s…: hint %q, want %q", tc.record, hint, tc.hint)
		}
	}
}

func FuzzParseDKIMKey(f *testing.F) {
	for _, s := range []string{
		"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC",
		"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
		"v=DKIM1; p=", "k=rsa; t=y:s; h=sha256; s=email; p=AAAA", ";;", "=", "v=DKIM1;p=\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := parseDKIMKey(s)
		if err != nil {
			return
		}
		if k.Revoked && len(k.Key) > 0 {
			t.Errorf("revoked key with key bytes: %q", s)
		}
		if k.Known && k.Bits <= 0 {
			t.Errorf("known key without size: %q", s)
		}
		_ = k.fingerprint()
	})
}

// TestDKIMTestingAndRestrictions: t=y is named in every wording of a key
// that parsed, not only in a pass, and the keys whose h= or s= tags make
// them unusable say why.
func TestDKIMTestingAndRestrictions(t *testing.T) {
	t.Parallel()
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	ed := base64.StdEncoding.EncodeToString(edPub)
	rsa1024 := base64.StdEncoding.EncodeToString(der)
	zone := "$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n" +
		`edtest._domainkey IN TXT "v=DKIM1; k=ed25519; t=y; p=` + ed + "\"\n" +
		`short._domainkey IN TXT "v=DKIM1; t=y; p=` + rsa1024 + "\"\n" +
		`sha1._domainkey IN TXT "v=DKIM1; k=ed25519; t=y; h=sha1; p=` + ed + "\"\n" +
		`sha512._domainkey IN TXT "v=DKIM1; k=ed25519; h=sha512; p=` + ed + "\"\n" +
		`notmail._domainkey IN TXT "v=DKIM1; k=ed25519; s=tlsrpt; p=` + ed + "\"\n" +
		`unknown._domainkey IN TXT "v=DKIM1; k=xyz; t=y; p=` + ed + "\"\n" +
		`revoked._domainkey IN TXT "v=DKIM1; t=y; p="` + "\n"
	srv := startAuth(t, dnstest.Config{Zones: []dnstest.Zone{{Origin: "dkim-edge.example.", Text: zone, File: "dkim-edge"}}})
	c := authClient(t, srv.Addr, false, 500*time.Millisecond)
	cases := []struct {
		sel      string
		status   Status
		reason   string
		contains []string
		lacks    []string
	}{
		{"edtest", StatusPass, "", []string{"t=y (testing mode"}, nil},
		{"short", StatusWarn, "rsa_short", []string{"only 1024 bits", "t=y (testing mode"}, nil},
		{"sha1", StatusFail, "sha1_only", []string{"allows only h=sha1, not sha256", "RFC 8301", "t=y (testing mode"}, nil},
		// A hash other than sha1 and sha256: not "SHA-1 only".
		{"sha512", StatusFail, "no_sha256", []string{"allows only h=sha512, not sha256", "RFC 6376 §3.7"}, []string{"SHA-1", "t=y"}},
		{"notmail", StatusFail, "not_email", []string{"not for e-mail", "s=tlsrpt", `not "email" or "*"`}, []string{"t=y"}},
		{"unknown", StatusFail, "unknown_key_type", []string{"k=xyz", "t=y (testing mode"}, nil},
		{"revoked", StatusFail, "revoked", []string{"empty p="}, []string{"t=y"}},
	}
	for _, tc := range cases {
		t.Run(tc.sel, func(t *testing.T) {
			a := Asset{IP: "192.0.2.10", Domain: "dkim-edge.example", DKIMSelectors: []string{tc.sel}}
			fs := checkDKIMKey(context.Background(), c, a)
			if len(fs) != 1 {
				t.Fatalf("%d findings", len(fs))
			}
			f := fs[0]
			wordFinding(t, "dkim.key", &f, a)
			if reason, _ := f.Observed["reason"].(string); f.Status != tc.status || reason != tc.reason {
				t.Fatalf("%s %q, want %s %q: %s", f.Status, reason, tc.status, tc.reason, f.Message)
			}
			expectText(t, "message", f.Message, tc.contains, tc.lacks)
			if f.Observed["testing"] == true && tc.status != StatusPass && tc.reason != "revoked" && !strings.Contains(f.Remediation, "t=y") {
				t.Errorf("remediation does not mention t=y: %s", f.Remediation)
			}
		})
	}
}

// rsa2048Key is the p= of rsa2048._domainkey.dkim-test.example, a key a
// key generator made.
const rsa2048Key = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1TL9YnyttDHtz92+e7vci0R2iAkl4fW4Obz1d9UYR5kVG1oWl3uQajWfSHu+eJTaNUx2k+4U7JaCkY9HXYsIP0Ikxt5r8ikebCn62971QZtfJa565VxwLHdv694S7u+4x1Df/0R6JUDM32LZK/+ZNP8PM9hUB43zfQx60TGV6tvTgbACO4ZFjFCRBtuH02gGgEeTMAx0ALI0wyeiXdmEPeI6emIthAIqhg2Q7HfkN0pWS0dLNY7oRCLOhyb3adw2++zbTiP5n4wpBof+tEQAoUe/sFDqnRuWxm6rIIKn/gzk8Rz0XwhvGnwAXJDqcEA3jjsJ7QoWaiJo7LeciG1OhQIDAQAB"

// TestRSAFault: a key whose private key follows from its modulus or
// exponent is unusable (anyone can sign); a modulus with a small factor
// whose cofactor is not known to be prime, or an even exponent, is a key
// no key pair has (corrupt), most often a typo in p=: its private key is
// not known.
func TestRSAFault(t *testing.T) {
	t.Parallel()
	k, err := parseDKIMKey("v=DKIM1; p=" + rsa2048Key)
	if err != nil || k.Fault.Reason != "" {
		t.Fatalf("rsa2048: %v %+v", err, k.Fault)
	}
	pub, err := parseRSAKey(k.Key)
	if err != nil {
		t.Fatal(err)
	}
	n := pub.N
	prime, err := rand.Prime(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	mul := func(a *big.Int, b int64) *big.Int { return new(big.Int).Mul(a, big.NewInt(b)) }
	cases := []struct {
		name   string
		n      *big.Int
		e      int
		reason string
		text   string
	}{
		{"generated", n, 65537, "", ""},
		{"exponent 1", n, 1, faultUnusable, "its public exponent is 1: a signature made without the private key verifies"},
		{"exponent 2", n, 2, faultCorrupt, "its public exponent 2 is even, which RSA does not allow (RFC 8017 §3.1)"},
		{"even exponent", n, 65538, faultCorrupt, "its public exponent 65538 is even, which RSA does not allow (RFC 8017 §3.1)"},
		{"even modulus", mul(n, 2), 65537, faultCorrupt, "its modulus is even"},
		{"small factor", mul(n, 41), 65537, faultCorrupt, "its modulus is divisible by 41"},
		{"small factors", mul(mul(n, 3), 997), 65537, faultCorrupt, "its modulus is divisible by 3"},
		{"power of 2", new(big.Int).Lsh(big.NewInt(1), 2047), 65537, faultUnusable, "its modulus is a product of primes below 1,000 (2), so it factors completely at once and the private key is known"},
		{"small primes only", big.NewInt(2 * 3 * 5 * 7 * 11), 65537, faultUnusable, "its modulus is a product of primes below 1,000 (2, 3, 5 and others), so it factors completely at once and the private key is known"},
		{"small factor times prime", mul(prime, 41), 65537, faultUnusable, "its modulus is divisible by 41 and the rest of it is prime, so it factors completely at once and the private key is known"},
		{"even times prime", mul(mul(prime, 2), 2), 65537, faultUnusable, "its modulus is divisible by 2 and the rest of it is prime, so it factors completely at once and the private key is known"},
		{"prime", prime, 65537, faultUnusable, "its modulus is prime, so the private key follows from it at once"},
		// Over maxPrimalityBits the cofactor is not tested: corrupt.
		{"huge with small factor", mul(new(big.Int).Exp(prime, big.NewInt(9), nil), 3), 65537, faultCorrupt, "its modulus is divisible by 3"},
	}
	for _, tc := range cases {
		f := rsaFault(&rsa.PublicKey{N: tc.n, E: tc.e})
		if f.Reason != tc.reason || f.Text != tc.text {
			t.Errorf("%s: %+v, want %s %q", tc.name, f, tc.reason, tc.text)
		}
	}
	// One character changed in the modulus, at each of its positions:
	// most give a small factor and are corrupt. A few give a modulus
	// that is prime, or a small factor times a prime: anyone can sign
	// with those, but never because of one small factor alone.
	seen := map[string]int{}
	for i := 60; i < len(rsa2048Key)-8; i += 3 {
		b := []byte(rsa2048Key)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		k, err := parseDKIMKey("v=DKIM1; p=" + string(b))
		if err != nil {
			t.Fatalf("typo at %d: %v", i, err)
		}
		if k.Fault.Reason == faultUnusable && !strings.Contains(k.Fault.Text, "prime") {
			t.Errorf("typo at %d: %s", i, k.Fault.Text)
		}
		seen[k.Fault.Reason]++
	}
	if seen[faultCorrupt] < 4*(seen[""]+seen[faultUnusable]) {
		t.Errorf("typos: %v, want most of them corrupt", seen)
	}
}

// TestEd25519SmallOrderDecodes: every small-order encoding the blocklist
// names, with the sign bit clear or set, decodes as a point (so the point
// check does not hide it) and is unusable.
func TestEd25519SmallOrderDecodes(t *testing.T) {
	t.Parallel()
	for _, h := range ed25519SmallOrder {
		key, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		for _, sign := range []byte{0, 0x80} {
			key[31] |= sign
			k, err := parseDKIMKey("v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(key))
			if err != nil || k.Fault.Reason != faultUnusable {
				t.Errorf("%x: %v %+v, want unusable", key, err, k.Fault)
			}
		}
	}
}

// TestDKIMFingerprint: a key has one fingerprint whatever form p= holds
// it in, the SHA-256 of its SubjectPublicKeyInfo DER for RSA (as openssl
// pkey -pubin -outform DER | sha256sum gives) and of its raw 32 bytes for
// Ed25519; the usual forms (SPKI RSA, raw Ed25519) keep the fingerprint
// of the bytes published.
func TestDKIMFingerprint(t *testing.T) {
	t.Parallel()
	spki, err := base64.StdEncoding.DecodeString(rsa2048Key)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := parseRSAKey(spki)
	if err != nil {
		t.Fatal(err)
	}
	const ed = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=" // RFC 8463 §A.2
	edRaw, _ := base64.StdEncoding.DecodeString(ed)
	edSPKI, err := x509.MarshalPKIXPublicKey(ed25519.PublicKey(edRaw))
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString
	cases := []struct{ name, record, want string }{
		// openssl pkey -pubin -inform DER -outform DER | sha256sum
		{"rsa spki", "v=DKIM1; p=" + rsa2048Key, "c7c698ed62bed05e4a18a0ee08508ba25634de87ccd82df6aa4fb4127ef971f2"},
		{"rsa pkcs1", "v=DKIM1; p=" + b64(x509.MarshalPKCS1PublicKey(pub)), "c7c698ed62bed05e4a18a0ee08508ba25634de87ccd82df6aa4fb4127ef971f2"},
		// The pkcs1 selector's key, as openssl rsa -RSAPublicKey_in
		// -pubout -outform DER | sha256sum gives it.
		{"zone pkcs1", "v=DKIM1; p=MIIBCgKCAQEAsYaNRKUjWKyDySJAqLZVguiUMZUNbF+rdUVUHYGvwkgDB1b2DOXgllXOSmhxhTFxrk9L5Be+2VEfbCwoDQTaQathuOVXW+l2A+bn3cObrgt9qmar+PDNbC8n71aVbpkscLRsmHyr3Fb/qfDcXcLeDWYzj0xMny8Ef1Ul7Xmh1L4xT6IJeQhmiMIrkFuNW42gBGcVhEonIdJcklH+PFvCyPv0H5ugsVh0BYRSh+Pv4V9WDY4oCi1rl2yVMEUhYc/larklPnB0ksPZdKIGDE+txyu3mbkkKvi2pcWlmFGdqu5K1p4rGb8hytaPRJWAeNMw8RMRLBvp5nAeuGAjZoKUewIDAQAB", "659eeadf311f5e28946b7ef0a8486e4821ad125897437caf55a5c9126db02556"},
		{"ed raw", "v=DKIM1; k=ed25519; p=" + ed, hexSHA256(edRaw)},
		{"ed spki", "v=DKIM1; k=ed25519; p=" + b64(edSPKI), hexSHA256(edRaw)},
		// Unknown type: the bytes as published.
		{"unknown", "v=DKIM1; k=xyz; p=" + ed, hexSHA256(edRaw)},
	}
	for _, tc := range cases {
		k, err := parseDKIMKey(tc.record)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := k.fingerprint(); got != tc.want {
			t.Errorf("%s: fingerprint %s, want %s", tc.name, got, tc.want)
		}
	}
}

func hexSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
