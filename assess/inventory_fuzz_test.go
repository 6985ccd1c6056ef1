package assess

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

const fuzzMaxAssets = 4096

// FuzzParseInventory feeds arbitrary bytes to each format. It must never
// panic; a nil error must mean a usable fleet, and every error must carry an
// *InputError with a line.
func FuzzParseInventory(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(inventoryDir, "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		format := strings.TrimPrefix(filepath.Ext(p), ".")
		f.Add(format, data)
	}
	f.Add("csv", []byte("ip,note\n192.0.2.1,\"a\n\"\"b\"\"\nc\",x\n192.0.2.0/30,\"\n"))
	f.Add("yaml", []byte("- &a {ip: 192.0.2.1, <<: *a}\n- <<: [*a, *a]\n  ip: 2001:db8::/126\n"))
	f.Add("json", []byte(`{"assets": [{"ip": "::ffff:192.0.2.1/120", "dkim_selectors": [1, null, "s"]}]}`))

	f.Fuzz(func(t *testing.T, format string, data []byte) {
		var name string
		switch format {
		case "csv", "json", "yaml", "yml":
			name = "fuzz." + format
		default:
			return
		}
		// A smaller asset cap keeps each input fast; the rules are the same.
		inv, err := parseInventory(name, data, fuzzMaxAssets)
		if err != nil {
			checkFuzzError(t, err)
			return
		}
		if len(inv.Assets) == 0 || len(inv.Assets) > fuzzMaxAssets {
			t.Fatalf("no error and %d assets", len(inv.Assets))
		}
		seen := make(map[string]bool, len(inv.Assets))
		for _, a := range inv.Assets {
			ip, err := netip.ParseAddr(a.IP)
			if err != nil || ip.String() != a.IP || ip.Is4In6() || ip.Zone() != "" {
				t.Fatalf("asset ip %q is not a canonical address (%v)", a.IP, err)
			}
			if seen[a.IP] {
				t.Fatalf("asset ip %s appears twice", a.IP)
			}
			seen[a.IP] = true
			for _, n := range []string{a.Hostname, a.HELO, a.Domain} {
				if n != strings.ToLower(n) || strings.HasSuffix(n, ".") || len(n) > maxNameLen {
					t.Fatalf("name %q not normalised", n)
				}
			}
			switch a.Criticality {
			case "", "high", "medium", "low":
			default:
				t.Fatalf("criticality %q", a.Criticality)
			}
			values := []string{a.Hostname, a.HELO, a.Domain, a.Owner, a.Environment, a.Provider, a.Relay}
			values = append(values, a.DKIMSelectors...)
			for k, v := range a.Tags {
				if k == "" || v == "" {
					t.Fatalf("empty tag %q=%q", k, v)
				}
				values = append(values, k, v)
			}
			for _, v := range values {
				if strings.IndexFunc(v, unicode.IsControl) >= 0 || strings.TrimSpace(v) != v {
					t.Fatalf("value %q has a control character or surrounding space", v)
				}
			}
		}
	})
}

func checkFuzzError(t *testing.T, err error) {
	t.Helper()
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("error without *InputError: %v", err)
	}
	var all []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		all = j.Unwrap()
	} else {
		all = []error{err}
	}
	if len(all) > maxInventoryErrors+1 {
		t.Fatalf("%d errors returned", len(all))
	}
	for _, e := range all {
		if errors.As(e, &ie) && ie.Line < 1 {
			t.Fatalf("error without a line: %v", e)
		}
	}
}
