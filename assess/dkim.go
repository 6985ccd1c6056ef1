package assess

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync"

	"filippo.io/edwards25519"
	"github.com/miekg/dns"
)

// DKIM key strength thresholds (RFC 8301 §3.2: verifiers MUST accept 1024-4096
// bit keys; 2048 is the current baseline of the large mailbox providers).
const (
	dkimMinRSABits  = 1024
	dkimGoodRSABits = 2048
	// dkimMaxVerifiedRSABits is the largest RSA key every verifier must
	// handle (RFC 8301 §3.2): some fail signatures made with larger ones.
	dkimMaxVerifiedRSABits = 4096
)

// dkimKey is a parsed DKIM key record (RFC 6376 §3.6.1).
type dkimKey struct {
	Version  string   // "DKIM1" or ""
	KeyType  string   // k=, lower case; "rsa" by default
	Hashes   []string // h=, lower case; nil means any
	Services []string // s=, lower case; nil means "*"
	Flags    []string // t=, lower case
	Testing  bool     // t=y
	Revoked  bool     // empty p=
	Key      []byte   // decoded p=
	// Canon is the key in one form whatever form p= holds it in (the
	// fingerprint's): an RSA key's SubjectPublicKeyInfo DER, an Ed25519
	// key's raw 32 bytes (RFC 8463); nil for a key of unknown type.
	Canon []byte
	// Bits is the RSA modulus length; 256 for an Ed25519 key.
	Bits int
	// Known is set when KeyType is rsa or ed25519 and the key decoded as one.
	Known bool
	// Fault says why a key that decodes cannot serve (rsaFault,
	// smallOrderEd25519); its Reason is "" for none found.
	Fault keyFault
}

// Reasons of a key that decodes but cannot serve (keyFault.Reason).
const (
	// faultUnusable: anyone can make signatures that verify with the
	// key (its private key is known, or none is needed).
	faultUnusable = "unusable_key"
	// faultCorrupt: no key generator makes such a key, and no key pair
	// has it: most likely the signer's key damaged in copying. No
	// signature made with the signer's key verifies with it, but its
	// private key is not known either.
	faultCorrupt = "corrupt_key"
)

// keyFault is why a key that decodes cannot serve: Reason is
// faultUnusable or faultCorrupt ("" for none found), Text the why.
type keyFault struct{ Reason, Text string }

// fingerprint is the SHA-256, in hex, of the key in one form whatever
// form p= holds it in (Canon): an RSA key's SubjectPublicKeyInfo DER
// (what "openssl pkey -pubin -outform DER | sha256sum" hashes), whether
// p= holds that or a bare PKCS#1 key; an Ed25519 key's raw 32 bytes (RFC
// 8463), whether p= holds those or SubjectPublicKeyInfo. So the same key
// republished in another form keeps its fingerprint, and the usual forms
// (SPKI RSA, raw Ed25519) hash as they are published. A key of unknown
// type is hashed as p= holds it.
func (k dkimKey) fingerprint() string {
	b := k.Canon
	if len(b) == 0 {
		b = k.Key
	}
	if len(b) == 0 {
		return ""
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// forEmail reports whether s= allows e-mail ("email" or "*", §3.6.1).
func (k dkimKey) forEmail() bool {
	if k.Services == nil {
		return true
	}
	for _, s := range k.Services {
		if s == "*" || s == "email" {
			return true
		}
	}
	return false
}

// sha256OK reports whether h= allows sha256 (sha1 is forbidden for signing
// and verifying since RFC 8301 §3.1).
func (k dkimKey) sha256OK() bool {
	if k.Hashes == nil {
		return true
	}
	for _, h := range k.Hashes {
		if h == "sha256" {
			return true
		}
	}
	return false
}

// parseTagList parses a DKIM tag-list (RFC 6376 §3.2): tag=value pairs
// separated by ";", tag names ALPHA *(ALPHA / DIGIT / "_"), whitespace
// around names and values ignored, values of printable characters other
// than ";" with inner whitespace. A duplicate tag makes the list invalid.
// Empty tag-specs (";;") are tolerated, as verifiers do. Its errors quote
// the record's text as it is, cut but not escaped: the finding that shows
// an error escapes it once (bounded).
func parseTagList(s string) ([]string, map[string]string, error) {
	var order []string
	tags := map[string]string{}
	for _, spec := range strings.Split(s, ";") {
		if strings.Trim(spec, " \t\r\n") == "" {
			continue
		}
		name, value, ok := strings.Cut(spec, "=")
		if !ok {
			return nil, nil, fmt.Errorf(`tag-spec "%s" has no "="`, clipRaw(strings.TrimSpace(spec), 60))
		}
		name = strings.Trim(name, " \t\r\n")
		value = strings.Trim(value, " \t\r\n")
		if !validTagName(name) {
			return nil, nil, fmt.Errorf(`invalid tag name "%s"`, clipRaw(name, 60))
		}
		for i := 0; i < len(value); i++ {
			c := value[i]
			if !(c >= 0x21 && c <= 0x7e || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
				return nil, nil, fmt.Errorf(`tag "%s" has an invalid character 0x%02x`, name, c)
			}
		}
		if _, dup := tags[name]; dup {
			return nil, nil, fmt.Errorf(`tag "%s" appears more than once (RFC 6376 §3.2)`, name)
		}
		tags[name] = value
		order = append(order, name)
	}
	return order, tags, nil
}

func validTagName(n string) bool {
	if n == "" || !isAlpha(n[0]) {
		return false
	}
	for i := 1; i < len(n); i++ {
		if !isAlnum(n[i]) && n[i] != '_' {
			return false
		}
	}
	return true
}

// colonList splits a "a:b:c" tag value, lower case and trimmed.
func colonList(v string) []string {
	out := []string{}
	for _, p := range strings.Split(v, ":") {
		if p = strings.ToLower(strings.Trim(p, " \t\r\n")); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// stripWS removes the folding whitespace base64 may carry (RFC 6376 §3.6.1).
func stripWS(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
}

// parseDKIMKey parses a DKIM key record (RFC 6376 §3.6.1; Ed25519 per RFC
// 8463). An empty p= is a revoked key, not an error. An unknown k= is not an
// error either (Known stays false); a key that does not decode as its type
// is.
func parseDKIMKey(txt string) (dkimKey, error) {
	var k dkimKey
	order, tags, err := parseTagList(txt)
	if err != nil {
		return k, err
	}
	if v, ok := tags["v"]; ok {
		if order[0] != "v" {
			return k, fmt.Errorf("v= must be the first tag (RFC 6376 §3.6.1)")
		}
		if v != "DKIM1" {
			return k, fmt.Errorf("v=%s is not DKIM1", clipRaw(v, 20))
		}
		k.Version = v
	}
	p, ok := tags["p"]
	if !ok {
		return k, fmt.Errorf("no p= tag (public key)")
	}
	k.KeyType = "rsa"
	if v, ok := tags["k"]; ok {
		k.KeyType = strings.ToLower(v)
	}
	if v, ok := tags["h"]; ok {
		if k.Hashes = colonList(v); len(k.Hashes) == 0 {
			return k, fmt.Errorf("h= names no hash algorithm (RFC 6376 §3.6.1: remove the tag, or give h=sha256)")
		}
	}
	if v, ok := tags["s"]; ok {
		if k.Services = colonList(v); len(k.Services) == 0 {
			return k, fmt.Errorf("s= names no service type (RFC 6376 §3.6.1: remove the tag, or give s=email)")
		}
	}
	if v, ok := tags["t"]; ok {
		k.Flags = colonList(v)
		for _, f := range k.Flags {
			if f == "y" {
				k.Testing = true
			}
		}
	}
	p = stripWS(p)
	if p == "" {
		k.Revoked = true
		return k, nil
	}
	raw, err := decodeKeyData(p)
	if err != nil {
		return k, fmt.Errorf("p= is not valid base64")
	}
	k.Key = raw
	switch k.KeyType {
	case "rsa":
		pub, err := parseRSAKey(raw)
		if err != nil {
			if _, ok := tags["k"]; !ok && len(raw) == ed25519.PublicKeySize {
				return k, fmt.Errorf("p= holds 32 bytes, the size of a raw Ed25519 key (RFC 8463), but the record has no k=ed25519, so verifiers read it as an RSA key (k= defaults to rsa)")
			}
			return k, err
		}
		k.Bits = pub.N.BitLen()
		k.Known = true
		if k.Canon, err = x509.MarshalPKIXPublicKey(pub); err != nil {
			k.Canon = nil // hashed as published
		}
		// Once per key: the tests take milliseconds, and a fleet's
		// senders share their domain's keys.
		k.Fault = faultMemo.get(string(raw), func(string) keyFault { return rsaFault(pub) })
	case "ed25519":
		ek, err := parseEd25519Key(raw)
		if err != nil {
			return k, err
		}
		k.Bits, k.Known, k.Canon = 256, true, ek
		k.Fault = smallOrderEd25519(ek)
	}
	return k, nil
}

// parseEd25519Key decodes an Ed25519 key: the raw 32 bytes of RFC 8463, or
// SubjectPublicKeyInfo. The key must decode as a point on the curve (RFC
// 8032 §5.1.3), as every verifier decodes it before it checks a signature;
// non-canonical encodings of a point are accepted, as most verifiers do.
func parseEd25519Key(raw []byte) (ed25519.PublicKey, error) {
	ek := ed25519.PublicKey(raw)
	if len(raw) != ed25519.PublicKeySize {
		pub, err := x509.ParsePKIXPublicKey(raw)
		if err != nil {
			if _, err := x509.ParsePKCS1PublicKey(raw); err == nil {
				return nil, fmt.Errorf("k=ed25519 but p= holds an RSA key (PKCS#1)")
			}
			if err := certificateError(raw); err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("p= is not a raw 32-byte Ed25519 key (RFC 8463) nor an SPKI one: %d bytes", len(raw))
		}
		var ok bool
		if ek, ok = pub.(ed25519.PublicKey); !ok {
			return nil, fmt.Errorf("k=ed25519 but p= holds %s", keyKind(pub))
		}
	}
	if _, err := new(edwards25519.Point).SetBytes(ek); err != nil {
		return nil, fmt.Errorf("p= is not a point on the Ed25519 curve (RFC 8032 §5.1.3): no signature can verify")
	}
	return ek, nil
}

// faultMemo holds rsaFault's verdict by key bytes: 1,024 keys of at most
// 4 KB (a 16,384-bit modulus and more are not memoized, nor tested for
// primality).
var faultMemo = boundedMemo[keyFault]{max: 1024, maxKey: 4096}

// maxPrimalityBits bounds the moduli tested for primality: the test's
// cost grows with the cube of the size, and a 32,768-bit key in one TXT
// record would take seconds.
const maxPrimalityBits = 8192

// rsaFault says why an RSA public key cannot serve, or gives a zero
// keyFault when none of these is found.
//
// Unusable (anyone can sign): an exponent of 1 (a signature is the
// message itself), a modulus that is prime, or one that factors
// completely into primes below 1,000 and at most one other prime (the
// private key follows from the factors at once).
//
// Corrupt (no key pair has it, so no signature made with the signer's
// key verifies; its private key is not known): an even exponent (RFC
// 8017 §3.1 asks for an odd e ≥ 3), or a modulus that is even or has a
// prime factor below 1,000 and a large composite cofactor. A key
// generator makes the modulus the product of two large primes; a
// character changed in p= (a copy and paste typo) gives such a modulus
// almost always, and one small factor does not factor the rest.
//
// Primality is tested up to maxPrimalityBits; above it a modulus with a
// small factor is corrupt. A modulus that is a product of two large
// primes cannot be told from here.
func rsaFault(pub *rsa.PublicKey) keyFault {
	n := pub.N
	switch {
	case pub.E < 2:
		return keyFault{faultUnusable, fmt.Sprintf("its public exponent is %d: a signature made without the private key verifies", pub.E)}
	case pub.E%2 == 0:
		return keyFault{faultCorrupt, fmt.Sprintf("its public exponent %d is even, which RSA does not allow (RFC 8017 §3.1)", pub.E)}
	}
	small, rest := smallFactors(n)
	switch {
	case len(small) == 0:
		if n.BitLen() <= maxPrimalityBits && n.ProbablyPrime(0) {
			return keyFault{faultUnusable, "its modulus is prime, so the private key follows from it at once"}
		}
		return keyFault{}
	case rest != nil && rest.Cmp(big.NewInt(1)) == 0:
		return keyFault{faultUnusable, fmt.Sprintf("its modulus is a product of primes below 1,000 (%s), so it factors completely at once and the private key is known", primeList(small))}
	case rest != nil && rest.ProbablyPrime(0):
		return keyFault{faultUnusable, fmt.Sprintf("its modulus is divisible by %s and the rest of it is prime, so it factors completely at once and the private key is known", primeList(small))}
	case small[0] == 2:
		return keyFault{faultCorrupt, "its modulus is even"}
	}
	return keyFault{faultCorrupt, fmt.Sprintf("its modulus is divisible by %d", small[0])}
}

// smallFactors returns the distinct primes below 1,000 that divide n, in
// increasing order, and what remains of n once they are all divided out
// (as often as they divide it); rest is nil when n is over
// maxPrimalityBits, where the division stops at the first prime found.
func smallFactors(n *big.Int) (ps []int64, rest *big.Int) {
	full := n.BitLen() <= maxPrimalityBits
	var r, m, q big.Int
	r.Set(n)
	if tz := r.TrailingZeroBits(); tz > 0 && r.Sign() > 0 {
		ps = append(ps, 2)
		if !full {
			return ps, nil
		}
		r.Rsh(&r, tz)
	}
	for _, p := range smallPrimes() {
		bp := big.NewInt(p)
		if m.Mod(&r, bp).Sign() != 0 {
			continue
		}
		ps = append(ps, p)
		if !full {
			return ps, nil
		}
		for {
			q.QuoRem(&r, bp, &m)
			if m.Sign() != 0 {
				break
			}
			r.Set(&q)
		}
	}
	return ps, &r
}

// primeList writes up to three primes for a message: "7", "3 and 7",
// "2, 3 and 5", "2, 3, 5 and others".
func primeList(ps []int64) string {
	s := make([]string, 0, 4)
	for i, p := range ps {
		if i == 3 {
			s = append(s, "others")
			break
		}
		s = append(s, fmt.Sprint(p))
	}
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// smallPrimes are the odd primes below 1,000.
var smallPrimes = sync.OnceValue(func() []int64 {
	var ps []int64
	for c := int64(3); c < 1000; c += 2 {
		if big.NewInt(c).ProbablyPrime(0) {
			ps = append(ps, c)
		}
	}
	return ps
})

// smallOrderEd25519 says, for a 32-byte Ed25519 public key that is a point
// of small order (the identity, or one of order 2, 4 or 8, in canonical or
// non-canonical encoding), that signatures made without the private key
// verify with it (faultUnusable); a zero keyFault for another key. The
// sign bit is ignored, as libsodium's blocklist does.
func smallOrderEd25519(key []byte) keyFault {
	if len(key) != ed25519.PublicKeySize {
		return keyFault{}
	}
	var y [ed25519.PublicKeySize]byte
	copy(y[:], key)
	y[31] &= 0x7f
	if slices.Contains(ed25519SmallOrder, hex.EncodeToString(y[:])) {
		return keyFault{faultUnusable, "it is a point of small order on the curve, so a signature made without the private key verifies"}
	}
	return keyFault{}
}

// ed25519SmallOrder are the encodings of the points of order 1, 2, 4 and 8
// with the sign bit cleared, non-canonical ones included (y = p, p + 1).
var ed25519SmallOrder = []string{
	"0000000000000000000000000000000000000000000000000000000000000000", // order 4
	"0100000000000000000000000000000000000000000000000000000000000000", // identity
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2 (y = p - 1)
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 4 (y = p)
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // identity (y = p + 1)
}

// parseRSAKey decodes an RSA key: SubjectPublicKeyInfo (RFC 6376 §3.6.1), or
// a bare PKCS#1 RSAPublicKey as some signers publish.
func parseRSAKey(der []byte) (*rsa.PublicKey, error) {
	if pub, err := x509.ParsePKIXPublicKey(der); err == nil {
		if r, ok := pub.(*rsa.PublicKey); ok {
			return r, nil
		}
		return nil, fmt.Errorf("k=rsa but p= holds %s", keyKind(pub))
	}
	if r, err := x509.ParsePKCS1PublicKey(der); err == nil {
		return r, nil
	}
	if err := certificateError(der); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("p= is not an RSA public key (neither SubjectPublicKeyInfo nor PKCS#1)")
}

// certificateError says, for a p= that holds an X.509 certificate rather
// than a public key, what to publish instead; nil for anything else.
func certificateError(der []byte) error {
	if _, err := x509.ParseCertificate(der); err != nil {
		return nil
	}
	return fmt.Errorf("p= holds an X.509 certificate; publish its public key (openssl x509 -pubkey -noout)")
}

// keyKind names a public key's algorithm for messages.
func keyKind(pub any) string {
	switch pub.(type) {
	case *rsa.PublicKey:
		return "an RSA key"
	case ed25519.PublicKey:
		return "an Ed25519 key"
	case *ecdsa.PublicKey:
		return "an ECDSA key"
	}
	return "a key of another type"
}

// otherVersion reports a record whose first tag is v= with a value other
// than DKIM1, which verifiers discard (RFC 6376 §3.6.1).
func otherVersion(txt string) bool {
	order, tags, err := parseTagList(txt)
	// Of another DKIM version (DKIM2, dkim1): a v=DMARC1 or v=spf1
	// record at the selector is no key record of any version.
	v := tags["v"]
	return err == nil && len(order) > 0 && order[0] == "v" && v != "DKIM1" && len(v) >= 4 && strings.EqualFold(v[:4], "DKIM")
}

// looksLikeDKIM reports whether a TXT text is meant as a DKIM key record.
func looksLikeDKIM(txt string) bool {
	t := strings.TrimLeft(txt, " \t")
	if strings.HasPrefix(t, "v=DKIM1") {
		return true
	}
	order, tags, err := parseTagList(txt)
	if err != nil {
		return strings.Contains(txt, "p=")
	}
	if v := tags["v"]; len(order) > 0 && order[0] == "v" && !(len(v) >= 4 && strings.EqualFold(v[:4], "DKIM")) {
		// v=DMARC1 (whose p= is a policy) or v=spf1: another
		// protocol's record, no key record.
		return false
	}
	if _, ok := tags["p"]; ok {
		return true
	}
	// A tag list of a key record's own tags without p= is a key record
	// missing its key (parseDKIMKey says so), not some other text.
	n := 0
	for _, t := range []string{"k", "h", "s", "t", "n"} {
		if _, ok := tags[t]; ok {
			n++
		}
	}
	return n > 0 && n == len(tags)
}

func checkDKIMKey(ctx context.Context, r Resolver, a Asset) []Finding {
	const id = "dkim.key"
	skip := func(reason string) []Finding {
		s := ""
		f := skipFinding(a, id, reason)
		f.Selector = &s
		return []Finding{f}
	}
	if a.Domain == "" {
		return skip("no_domain")
	}
	if len(a.DKIMSelectors) == 0 {
		return skip("no_selectors")
	}
	out := make([]Finding, 0, len(a.DKIMSelectors))
	for _, sel := range a.DKIMSelectors {
		f := dkimFinding(ctx, r, a, sel)
		s := sel
		f.Selector = &s
		out = append(out, f)
	}
	return out
}

func dkimFinding(ctx context.Context, r Resolver, a Asset, sel string) Finding {
	const id = "dkim.key"
	name := strings.TrimSuffix(sel, ".") + "._domainkey." + normName(a.Domain)
	obs := map[string]any{"selector": sel, "name": name}
	if !validLookupName(name) {
		obs["reason"] = "invalid_selector"
		return newFinding(a, id, StatusFail, obs)
	}
	ans, err := r.Lookup(ctx, name, dns.TypeTXT)
	if len(ans.Chain) > 0 {
		chain := make([]string, len(ans.Chain))
		for i, c := range ans.Chain {
			chain[i] = normName(c)
		}
		obs["cname_chain"] = chain
	}
	switch out := Classify(ans, err); out {
	case OutcomeError:
		obs["reason"] = errorReason(ans, err)
		return newFinding(a, id, StatusError, obs, ans)
	case OutcomeNXDomain, OutcomeNoData:
		obs["reason"] = "none"
		obs["rcode"] = negReason(out)
		return newFinding(a, id, StatusFail, obs, ans)
	}
	txts := txtStrings(ans)
	var keys []dkimKey
	var records []string   // key records, whether or not they parse
	var discarded []string // key records with a v= other than DKIM1
	var firstErr error
	var firstBad string
	for _, t := range txts {
		k, err := parseDKIMKey(t)
		if err != nil {
			switch {
			case !looksLikeDKIM(t):
			case otherVersion(t):
				discarded = append(discarded, t)
			default:
				records = append(records, t)
				if firstErr == nil {
					firstErr, firstBad = err, t
				}
			}
			continue
		}
		keys = append(keys, k)
		records = append(records, t)
	}
	if len(discarded) > 0 {
		// Verifiers discard them (RFC 6376 §3.6.1): no verdict rests
		// on them, but they are what is there.
		obs["discarded"] = sortedRecords(discarded)
	}
	if len(records) > 1 && len(keys) == len(records) && sameKeys(keys) {
		// Copies of one record: whichever a verifier picks, the
		// verdict is the same, so the key is judged once.
		obs["duplicates"] = len(records)
		records = records[:1]
	}
	switch {
	case len(records) > 1:
		// Which of several key records a verifier uses is undefined
		// (RFC 6376 §3.6.2.2), broken ones included.
		obs["reason"] = "several"
		obs["count"] = len(records)
		obs["records"] = sortedRecords(records)
		return newFinding(a, id, StatusFail, obs, ans)
	case len(keys) == 0 && firstErr != nil:
		obs["reason"] = "syntax"
		switch {
		case ed25519Mislabelled(firstBad):
			obs["key_type_hint"] = "ed25519"
		case rsaMislabelled(firstBad):
			obs["key_type_hint"] = "rsa"
		}
		obs["record"] = bounded(firstBad, maxObservedText)
		obs["error"] = bounded(firstErr.Error(), 300)
		return newFinding(a, id, StatusFail, obs, ans)
	case len(keys) == 0 && len(discarded) > 0:
		// Key records there are, but verifiers discard every one: not
		// "no record", and the fix is the v= tag, not a new record.
		obs["reason"] = "other_version"
		first := slices.Min(discarded)
		_, tags, _ := parseTagList(first)
		obs["version"] = bounded(tags["v"], 60)
		return newFinding(a, id, StatusFail, obs, ans)
	case len(keys) == 0:
		obs["reason"] = "none"
		obs["rcode"] = "no_dkim_record"
		return newFinding(a, id, StatusFail, obs, ans)
	}
	k := keys[0]
	obs["record"] = bounded(records[0], maxObservedText) // the one record, which parses
	obs["key_type"] = k.KeyType
	obs["testing"] = k.Testing
	if k.Bits > 0 {
		obs["key_bits"] = k.Bits
	}
	if k.KeyType == "rsa" && k.Bits > dkimMaxVerifiedRSABits {
		// It passes (RSA of 2048 bits or more, SPEC), but verifiers
		// need only handle keys up to 4096 bits (RFC 8301 §3.2).
		obs["oversize"] = true
	}
	if fp := k.fingerprint(); fp != "" {
		obs["fingerprint"] = fp
	}
	if k.Hashes != nil {
		obs["hashes"] = k.Hashes
	}
	if k.Services != nil {
		obs["services"] = k.Services
	}
	st := StatusPass
	switch {
	case k.Revoked:
		st, obs["reason"] = StatusFail, "revoked"
	case !k.Known:
		st, obs["reason"] = StatusFail, "unknown_key_type"
	case k.Fault.Reason != "":
		st, obs["reason"] = StatusFail, k.Fault.Reason
		obs["key_fault"] = k.Fault.Text
	case !k.forEmail():
		st, obs["reason"] = StatusFail, "not_email"
	case !k.sha256OK() && slices.Contains(k.Hashes, "sha1"):
		st, obs["reason"] = StatusFail, "sha1_only"
	case !k.sha256OK():
		st, obs["reason"] = StatusFail, "no_sha256"
	case k.KeyType == "rsa" && k.Bits < dkimMinRSABits:
		st, obs["reason"] = StatusFail, "rsa_weak"
	case k.KeyType == "rsa" && k.Bits < dkimGoodRSABits:
		st, obs["reason"] = StatusWarn, "rsa_short"
	}
	return newFinding(a, id, st, obs, ans)
}

// sortedRecords bounds records for observed: at most 5, in sorted order
// (whatever order the resolver gave), each cut at a quarter of
// maxObservedText.
func sortedRecords(records []string) []string {
	rs := []string{}
	for i, t := range slices.Sorted(slices.Values(records)) {
		if i == 5 {
			break
		}
		rs = append(rs, bounded(t, maxObservedText/4))
	}
	return rs
}

// sameKeys reports whether every key record says the same: same key type,
// key bytes, hashes, services and flags.
func sameKeys(keys []dkimKey) bool {
	for _, k := range keys[1:] {
		f := keys[0]
		if k.KeyType != f.KeyType || !bytes.Equal(k.Key, f.Key) || k.Revoked != f.Revoked ||
			!slices.Equal(k.Hashes, f.Hashes) || !slices.Equal(k.Services, f.Services) || !slices.Equal(k.Flags, f.Flags) ||
			(k.Hashes == nil) != (f.Hashes == nil) || (k.Services == nil) != (f.Services == nil) {
			return false
		}
	}
	return true
}

// ed25519Mislabelled reports whether a key record that does not parse as
// RSA holds an Ed25519 key, raw or SPKI, under k=rsa or no k= at all: the
// record needs k=ed25519 (RFC 8463 §4.2).
func ed25519Mislabelled(txt string) bool {
	_, tags, err := parseTagList(txt)
	if err != nil {
		return false
	}
	if k, ok := tags["k"]; ok && !strings.EqualFold(k, "rsa") {
		return false
	}
	raw, err := decodeKeyData(stripWS(tags["p"]))
	if err != nil {
		return false
	}
	if len(raw) == ed25519.PublicKeySize {
		return true
	}
	pub, err := x509.ParsePKIXPublicKey(raw)
	_, ok := pub.(ed25519.PublicKey)
	return err == nil && ok
}

// rsaMislabelled reports whether a key record that does not parse holds
// an RSA key, SPKI or PKCS#1, under k=ed25519: the record needs k=rsa (or
// no k=, which defaults to rsa, RFC 6376 §3.6.1).
func rsaMislabelled(txt string) bool {
	_, tags, err := parseTagList(txt)
	if err != nil || !strings.EqualFold(tags["k"], "ed25519") {
		return false
	}
	raw, err := decodeKeyData(stripWS(tags["p"]))
	if err != nil {
		return false
	}
	_, err = parseRSAKey(raw)
	return err == nil
}

// decodeKeyData decodes a p= value: base64, padded or not.
func decodeKeyData(p string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		raw, err = base64.RawStdEncoding.DecodeString(p)
	}
	return raw, err
}
