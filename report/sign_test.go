package report

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
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
