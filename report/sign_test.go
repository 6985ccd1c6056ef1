package report

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadSigningKeyWrongKinds: a key of another algorithm, or an OpenSSH
// key, is refused saying what it is and how to make one that serves.
func TestLoadSigningKeyWrongKinds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rk, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(rk)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for path, want := range map[string]string{
		write("rsa.pem", "PRIVATE KEY", der):               "not an Ed25519 private key (an RSA key): make one with openssl genpkey -algorithm ed25519",
		write("ssh.pem", "OPENSSH PRIVATE KEY", []byte{1}): "an OpenSSH private key: senderproof reads PKCS #8",
	} {
		if _, err := LoadSigningKey(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", filepath.Base(path), err, want)
		}
	}
}

// TestKeyFilesForTheWrongRole: each key file given in the other flag's
// place, or holding another algorithm or more than one key, is refused
// saying what it is and what the flag takes.
func TestKeyFilesForTheWrongRole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	block := func(typ string, b []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}) }
	ed448 := pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 3, 101, 113}}
	priv448, err := asn1.Marshal(struct {
		Version int
		Algo    pkix.AlgorithmIdentifier
		Key     []byte
	}{0, ed448, make([]byte, 59)})
	if err != nil {
		t.Fatal(err)
	}
	pub448, err := asn1.Marshal(struct {
		Algo pkix.AlgorithmIdentifier
		Key  asn1.BitString
	}{ed448, asn1.BitString{Bytes: make([]byte, 57), BitLength: 57 * 8}})
	if err != nil {
		t.Fatal(err)
	}
	pk, sk, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	skDER, _ := x509.MarshalPKCS8PrivateKey(sk)
	pkDER, _ := x509.MarshalPKIXPublicKey(pk)
	sshPub := file("id.pub", []byte("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGVk user@host\n"))
	for _, tc := range []struct {
		name, path, want string
		sign             bool // as --sign-key, else as --pubkey
	}{
		{"encrypted as --pubkey", file("enc.pem", block("ENCRYPTED PRIVATE KEY", []byte{1})), "a private key (protected by a passphrase): give its public half", false},
		{"OpenSSH private as --pubkey", file("ossh.pem", block("OPENSSH PRIVATE KEY", []byte{1})), "an OpenSSH private key: give the public half of the signing key in PEM", false},
		{"OpenSSH public as --sign-key", sshPub, "an OpenSSH public key: --sign-key takes a private key", true},
		{"OpenSSH public as --pubkey", sshPub, "give the public half of the signing key as openssl writes it", false},
		{"Ed448 public as --sign-key", file("448s.pub", block("PUBLIC KEY", pub448)), "a public key, and Ed448, not Ed25519: --sign-key takes an Ed25519 private key", true},
		{"Ed448 private as --pubkey", file("448p.pem", block("PRIVATE KEY", priv448)), "a private key, and Ed448, not Ed25519", false},
		{"RSA private as --pubkey", file("rsa.pem", block("RSA PRIVATE KEY", []byte{1})), "a private key, and RSA, not Ed25519", false},
		{"RSA private as --sign-key", file("rsa2.pem", block("RSA PRIVATE KEY", []byte{1})), "an RSA key, not Ed25519", true},
		{"EC private as --sign-key", file("ec.pem", block("EC PRIVATE KEY", []byte{1})), "an EC key, not Ed25519", true},
		{"RSA public as --pubkey", file("rsa.pub", block("RSA PUBLIC KEY", []byte{1})), "an RSA key, not Ed25519", false},
		{"Ed448 private", file("448.pem", block("PRIVATE KEY", priv448)), "not an Ed25519 private key (Ed448)", true},
		{"Ed448 public", file("448.pub", block("PUBLIC KEY", pub448)), "not an Ed25519 public key (Ed448)", false},
		{"two private keys", file("two.pem", append(block("PRIVATE KEY", skDER), block("PRIVATE KEY", skDER)...)), "holds more than one key", true},
		{"two public keys", file("two.pub", append(block("PUBLIC KEY", pkDER), block("PUBLIC KEY", pkDER)...)), "holds more than one key", false},
	} {
		var err error
		if tc.sign {
			_, err = LoadSigningKey(tc.path)
		} else {
			_, err = LoadPublicKey(tc.path)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
