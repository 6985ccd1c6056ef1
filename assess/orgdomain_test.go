package assess

import "testing"

// TestOrgDomain: the organizational domain follows the Public Suffix List,
// and an escaped dot stays inside its label (RFC 7489 §3.2 works on labels).
func TestOrgDomain(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"mail.example.com":         "example.com",
		"Mail.Example.CO.UK.":      "example.co.uk",
		"example":                  "example",
		`evil\.example.com`:        `evil\.example.com`,
		`a.evil\.example.com`:      `evil\.example.com`,
		`mail\ x.example.com`:      "example.com",
		`mail.b\195\188cher.test`:  `b\195\188cher.test`,
		`x.y\.z.example.co.uk`:     "example.co.uk",
		`host.example\.co.uk`:      `example\.co.uk`,
		`deep.host.example\.co.uk`: `example\.co.uk`,
		`evil\.example`:            `evil\.example`,
		`www.example.com\.`:        `example.com\.`,
	} {
		if got := OrgDomain(name); got != want {
			t.Errorf("OrgDomain(%q) = %q, want %q", name, got, want)
		}
	}
}
