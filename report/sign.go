package report

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"senderproof/templates"
)

// SignatureFile is the detached signature of the manifest in the pack.
const SignatureFile = "manifest.sig"

// LoadSigningKey reads an Ed25519 private key in PEM (PKCS #8, "PRIVATE
// KEY"), as `openssl genpkey -algorithm ed25519` writes it.
func LoadSigningKey(path string) (ed25519.PrivateKey, error) {
	der, err := readPEM(path, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		if alg := otherAlgorithm(der, true); alg != "" {
			return nil, fmt.Errorf("%s: not an Ed25519 private key (%s): make one with openssl genpkey -algorithm ed25519 -out KEY.pem", path, alg)
		}
		return nil, fmt.Errorf("%s: the PRIVATE KEY block is damaged or holds no key senderproof reads: make an Ed25519 key with openssl genpkey -algorithm ed25519 -out KEY.pem", path)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an Ed25519 private key (%s): make one with openssl genpkey -algorithm ed25519", path, keyAlgorithm(k))
	}
	return priv, nil
}

// LoadPublicKey reads an Ed25519 public key in PEM (PKIX, "PUBLIC KEY"), as
// `openssl pkey -pubout` writes it.
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	der, err := readPEM(path, "PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		if alg := otherAlgorithm(der, false); alg != "" {
			return nil, fmt.Errorf("%s: not an Ed25519 public key (%s): senderproof signs with Ed25519", path, alg)
		}
		return nil, fmt.Errorf("%s: the PUBLIC KEY block is damaged or holds no key senderproof reads: give the public half of the signing key (openssl pkey -in KEY.pem -pubout -out KEY.pub)", path)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an Ed25519 public key (%s): senderproof signs with Ed25519", path, keyAlgorithm(k))
	}
	return pub, nil
}

func readPEM(path, want string) ([]byte, error) {
	b, _, err := templates.ReadAtMost(path, 1<<20)
	switch {
	case errors.Is(err, templates.ErrNotRegular):
		return nil, fmt.Errorf("%s: %w", path, err)
	case errors.Is(err, templates.ErrTooLarge):
		return nil, fmt.Errorf("%s: larger than 1 MiB: not a PEM key", path)
	case err != nil:
		return nil, fmt.Errorf("%s: cannot read: %w", path, pathless(err))
	}
	block, rest := pem.Decode(b)
	if block == nil {
		switch {
		case bytes.HasPrefix(b, []byte("ssh-")) && want == "PUBLIC KEY":
			// ssh-keygen cannot write an Ed25519 key as PEM: the
			// public half comes from the signing key itself.
			return nil, fmt.Errorf("%s: an OpenSSH public key: senderproof reads PEM (%q); give the public half of the signing key as openssl writes it (openssl pkey -in KEY.pem -pubout -out KEY.pub)", path, want)
		case bytes.HasPrefix(b, []byte("ssh-")):
			return nil, fmt.Errorf("%s: an OpenSSH public key: --sign-key takes a private key (PKCS #8 \"PRIVATE KEY\"); make one with openssl genpkey -algorithm ed25519 -out KEY.pem", path)
		}
		return nil, fmt.Errorf("%s: no PEM block (want %q, as openssl writes it)", path, want)
	}
	for next, more := pem.Decode(rest); next != nil; next, more = pem.Decode(more) {
		if strings.HasSuffix(next.Type, "KEY") {
			// Which one counts would be a guess: the first one signed,
			// or another checked in its place.
			return nil, fmt.Errorf("%s: holds more than one key (a %q block, then a %q block): give a file holding the one key", path, block.Type, next.Type)
		}
	}
	switch {
	case block.Type == "ENCRYPTED PRIVATE KEY" && want == "PUBLIC KEY":
		return nil, fmt.Errorf("%s: a private key (protected by a passphrase): give its public half (openssl pkey -in KEY.pem -pubout -out KEY.pub), which can be shared", path)
	case block.Type == "ENCRYPTED PRIVATE KEY":
		return nil, fmt.Errorf("%s: the key is protected by a passphrase, which senderproof does not ask for; give it a key without one (openssl pkey -in KEY -out PLAIN.pem), kept where only you can read it", path)
	case block.Type == "OPENSSH PRIVATE KEY" && want == "PUBLIC KEY":
		return nil, fmt.Errorf("%s: an OpenSSH private key: give the public half of the signing key in PEM (\"PUBLIC KEY\", as openssl pkey -in KEY.pem -pubout writes it)", path)
	case block.Type == "OPENSSH PRIVATE KEY":
		return nil, fmt.Errorf("%s: an OpenSSH private key: senderproof reads PKCS #8 (\"PRIVATE KEY\"); make one with openssl genpkey -algorithm ed25519 -out KEY.pem", path)
	}
	// A key of another algorithm is named as such whichever half it is:
	// its other half would be refused too.
	other := ""
	switch block.Type {
	case "PUBLIC KEY":
		other = otherAlgorithm(block.Bytes, false)
	case "PRIVATE KEY":
		other = otherAlgorithm(block.Bytes, true)
	case "RSA PRIVATE KEY", "RSA PUBLIC KEY":
		other = "RSA"
	case "EC PRIVATE KEY":
		other = "EC"
	}
	private := strings.HasSuffix(block.Type, "PRIVATE KEY")
	switch {
	case block.Type == want:
		// LoadSigningKey and LoadPublicKey name another algorithm.
	case other != "" && private == (want == "PRIVATE KEY"):
		// The half asked for, of another algorithm ("RSA PRIVATE KEY").
		return nil, fmt.Errorf("%s: an %s key, not Ed25519: senderproof signs with Ed25519; make a key with openssl genpkey -algorithm ed25519 -out KEY.pem", path, other)
	case want == "PRIVATE KEY" && other != "":
		return nil, fmt.Errorf("%s: a public key, and %s, not Ed25519: --sign-key takes an Ed25519 private key; make one with openssl genpkey -algorithm ed25519 -out KEY.pem", path, other)
	case want == "PUBLIC KEY" && other != "":
		return nil, fmt.Errorf("%s: a private key, and %s, not Ed25519: verify --pubkey takes the public half of the Ed25519 key the pack was signed with", path, other)
	case want == "PRIVATE KEY" && block.Type == "PUBLIC KEY":
		return nil, fmt.Errorf("%s: a public key: --sign-key takes the private key it was made from (verify --pubkey takes this one)", path)
	case want == "PUBLIC KEY" && strings.HasSuffix(block.Type, "PRIVATE KEY"):
		return nil, fmt.Errorf("%s: a private key: give its public half (openssl pkey -in KEY.pem -pubout -out KEY.pub), which can be shared", path)
	case strings.HasSuffix(block.Type, "PRIVATE KEY"):
		return nil, fmt.Errorf("%s: a %q: senderproof signs with Ed25519 keys in PKCS #8; make one with openssl genpkey -algorithm ed25519 -out KEY.pem", path, block.Type)
	default:
		return nil, fmt.Errorf("%s: the PEM block is %q, not a %q", path, block.Type, want)
	}
	return block.Bytes, nil
}

// otherAlgorithm names the algorithm of a PKCS #8 private key (private)
// or a SubjectPublicKeyInfo when it is not Ed25519 ("Ed448", "RSA"), from
// its algorithm identifier; "" for Ed25519, and when der is not one.
func otherAlgorithm(der []byte, private bool) string {
	var alg pkix.AlgorithmIdentifier
	if private {
		var k struct {
			Version int
			Algo    pkix.AlgorithmIdentifier
			Key     []byte
		}
		if _, err := asn1.Unmarshal(der, &k); err != nil {
			return ""
		}
		alg = k.Algo
	} else {
		var k struct {
			Algo pkix.AlgorithmIdentifier
			Key  asn1.BitString
		}
		if _, err := asn1.Unmarshal(der, &k); err != nil {
			return ""
		}
		alg = k.Algo
	}
	oid := alg.Algorithm.String()
	switch {
	case len(alg.Algorithm) == 0, oid == "1.3.101.112": // Ed25519
		return ""
	case algorithmNames[oid] != "":
		return algorithmNames[oid]
	}
	return "algorithm " + oid
}

// algorithmNames are the key algorithms a user may have at hand, by OID.
var algorithmNames = map[string]string{
	"1.3.101.110":          "X25519",
	"1.3.101.111":          "X448",
	"1.3.101.113":          "Ed448",
	"1.2.840.113549.1.1.1": "RSA",
	"1.2.840.10045.2.1":    "EC",
}

// ErrBadSignature is returned when manifest.sig does not verify.
var ErrBadSignature = errors.New("manifest signature does not verify")

// VerifySignature checks dir's manifest.sig against manifest, the bytes of
// its manifest.json as read once (ReadManifestBytes), and pub.
func VerifySignature(dir string, manifest []byte, pub ed25519.PublicKey) error {
	sig, err := ReadSignature(dir)
	if err != nil {
		return err
	}
	if !ed25519.Verify(pub, manifest, sig) {
		return ErrBadSignature
	}
	return nil
}

// ReadSignature reads dir's manifest.sig: a regular file holding a base64
// Ed25519 signature and a newline.
func ReadSignature(dir string) ([]byte, error) {
	s, err := ReadRegular(filepath.Join(dir, SignatureFile), 1<<10, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", SignatureFile, err)
	}
	sig, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(s)))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%s: not a base64 Ed25519 signature", SignatureFile)
	}
	return sig, nil
}

// KeyFingerprint names pub in logs: "SHA256:" and the unpadded base64 of
// the SHA-256 of its 32 bytes.
func KeyFingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

// KeyReadableByOthers reports whether the file at path can be read by its
// group or by others, which a private key should not be.
func KeyReadableByOthers(path string) (os.FileMode, bool) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, false
	}
	return st.Mode().Perm(), st.Mode().Perm()&0o044 != 0
}

// keyAlgorithm names a key's algorithm (private or public) for a message.
func keyAlgorithm(k any) string {
	switch k.(type) {
	case *rsa.PrivateKey, *rsa.PublicKey:
		return "an RSA key"
	case *ecdsa.PrivateKey, *ecdsa.PublicKey:
		return "an ECDSA key"
	case *ecdh.PrivateKey, *ecdh.PublicKey:
		return "an X25519 or ECDH key"
	}
	return "another kind of key"
}

// pathless is err without the path a *fs.PathError repeats.
func pathless(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
