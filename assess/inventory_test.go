package assess

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

const inventoryDir = "../testdata/inventory"

// fleetAssets is what every fleet.* sample loads to.
func fleetAssets() []Asset {
	mail := func(ip, host string, sel []string, crit string, tags map[string]string) Asset {
		return Asset{IP: ip, Hostname: host, HELO: host, Domain: "example.com", DKIMSelectors: sel,
			Owner: "mail-team", Environment: "prod", Provider: "colo", Criticality: crit, Tags: tags}
	}
	esp := func(ip string) Asset {
		return Asset{IP: ip, Domain: "example.net", DKIMSelectors: []string{}, Owner: "marketing",
			Environment: "prod", Provider: "esp.example", Relay: "relay.example.net", Criticality: "low",
			Tags: map[string]string{}}
	}
	return []Asset{
		mail("192.0.2.10", "mx1.example.com", []string{"s1", "s2"}, "high", map[string]string{"site": "ams"}),
		mail("192.0.2.11", "mx2.example.com", []string{"s1", "s3"}, "medium", map[string]string{}),
		mail("2001:db8::25", "mx6.example.com", []string{"s1"}, "high", map[string]string{"site": "fra"}),
		esp("198.51.100.1"),
		esp("198.51.100.2"),
	}
}

func TestLoadInventoryFormatsAgree(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file    string
		dupLine int // line of the duplicate 192.0.2.10 entry
		first   int // line of its first appearance
	}{
		{"fleet.csv", 7, 2},
		{"fleet.yaml", 38, 2},
		{"fleet-assets.yaml", 30, 4},
		{"fleet.json", 13, 2},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(inventoryDir, tt.file)
			inv, err := LoadInventory(path)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(inv.Assets, fleetAssets()) {
				t.Errorf("assets:\n got %+v\nwant %+v", inv.Assets, fleetAssets())
			}
			wantWarn := []string{fmt.Sprintf("%s:%d: 192.0.2.10 duplicates line %d; merged", path, tt.dupLine, tt.first)}
			if !reflect.DeepEqual(inv.Warnings, wantWarn) {
				t.Errorf("warnings = %q, want %q", inv.Warnings, wantWarn)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			want := hex.EncodeToString(sum[:])
			if inv.SHA256 != want || len(inv.Inputs) != 1 || inv.Inputs[0] != (InputFile{Path: path, SHA256: want}) {
				t.Errorf("hashes: SHA256 %s, Inputs %+v; want %s", inv.SHA256, inv.Inputs, want)
			}
		})
	}
}

func TestLoadInventoryBadFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want string // without the directory
	}{
		{"bad-ip.csv", `bad-ip.csv:3:1: invalid ip "192.0.2.300" (want an IPv4 or IPv6 address or a CIDR)`},
		{"bad-cidr.csv", `bad-cidr.csv:2:1: invalid cidr "192.0.2.0/33" (want address/length, e.g. 192.0.2.0/24)`},
		{"bad-cidr-large.csv", "bad-cidr-large.csv:2:1: cidr 198.18.0.0/15 is too large: the limit is /16\n" +
			"bad-cidr-large.csv:3:1: cidr 2001:db8::/64 is too large: the limit is /112 (65536 addresses); list the sending addresses of a larger network, or their /112 networks"},
		{"bad-header.csv", `bad-header.csv:1: no ip column in header "address,hostname" (name the address column ip, not "address")`},
		{"bad-quote.csv", `bad-quote.csv:3:2: quoted field is not closed (a " is missing)`},
		{"bad-quote-after.csv", `bad-quote-after.csv:3:3: unexpected ' ' after the closing " of a quoted field (double a " inside quotes)`},
		{"bad-bare-quote.csv", `bad-bare-quote.csv:3:3: bare " in a field that is not quoted (quote the field and double the " inside it)`},
		{"bad-ragged.csv", `bad-ragged.csv:2:3: row has more fields than the header (2)`},
		{"bad-conflict.csv", `bad-conflict.csv:6:2: 192.0.2.10: hostname "b.example.com" conflicts with "a.example.com" on line 4`},
		{"bad-conflict.json", `bad-conflict.json:6:16: 192.0.2.10: hostname "a.example.com" conflicts with "b.example.com" on line 3`},
		{"bad-conflict.yaml", `bad-conflict.yaml:5:9: 192.0.2.10: tag "site" "fra" conflicts with "ams" on line 2`},
		{"bad-criticality.yaml", `bad-criticality.yaml:2:16: criticality "urgent" is not high, medium or low`},
		{"bad-syntax.yaml", `bad-syntax.yaml:4: did not find expected ',' or ']'`},
		{"bad-syntax.json", `bad-syntax.json:3:22: invalid character '"' after object key:value pair`},
		{"empty.csv", "empty.csv:1: no assets"},
		{"header-only.csv", "header-only.csv:1: no assets"},
		{"empty-assets.yaml", "empty-assets.yaml:1: no assets"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			inv, err := LoadInventory(filepath.Join(inventoryDir, tt.file))
			if err == nil {
				t.Fatalf("no error; assets %+v", inv.Assets)
			}
			want := strings.ReplaceAll("\n"+tt.want, "\n", "\n"+inventoryDir+"/")[1:]
			if err.Error() != want {
				t.Errorf("error:\n got %s\nwant %s", err, want)
			}
			var ie *InputError
			if !errors.As(err, &ie) || ie.File != filepath.Join(inventoryDir, tt.file) || ie.Line < 1 {
				t.Errorf("errors.As InputError: %#v", ie)
			}
		})
	}
}

// TestParseInventory covers the rules one by one. Each case gives either the
// error text or the assets (and warnings) expected.
func TestParseInventory(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 250) + ".com"
	tests := []struct {
		name     string
		file     string
		data     string
		want     []Asset
		warnings []string
		err      string
	}{
		{
			name: "csv header names are trimmed and case-insensitive, bom stripped, blank lines skipped",
			file: "f.csv",
			data: "\ufeff\n IP , HostName ,Site\n\n192.0.2.1 , MX.Example.ORG. , AMS \n , ,\n",
			want: []Asset{{IP: "192.0.2.1", Hostname: "mx.example.org", DKIMSelectors: []string{}, Tags: map[string]string{"site": "AMS"}}},
		},
		{
			name: "names lower-cased without the trailing dot, other fields kept as given",
			file: "f.csv",
			data: "ip,hostname,helo,domain,owner,environment,provider,relay,criticality\n" +
				"192.0.2.1,A.Example.COM.,Not A Valid HELO.,Example.NET.,Mail Team,Prod,Colo.,Relay.Example.,LoW\n",
			want: []Asset{{IP: "192.0.2.1", Hostname: "a.example.com", HELO: "not a valid helo", Domain: "example.net",
				DKIMSelectors: []string{}, Owner: "Mail Team", Environment: "Prod", Provider: "Colo.", Relay: "Relay.Example.",
				Criticality: "low", Tags: map[string]string{}}},
		},
		{
			name: "internationalized names become A-labels",
			file: "f.csv",
			data: "ip,hostname,helo,domain\n192.0.2.1,Mail.BÜCHER.test.,mail.bücher.test,xn--bcher-kva.test\n",
			want: []Asset{{IP: "192.0.2.1", Hostname: "mail.xn--bcher-kva.test", HELO: "mail.xn--bcher-kva.test", Domain: "xn--bcher-kva.test",
				DKIMSelectors: []string{}, Tags: map[string]string{}}},
		},
		{
			name: "a non-ASCII name that is not an IDN",
			file: "f.csv",
			data: "ip,domain\n192.0.2.1,bü_cher.test\n",
			err:  `f.csv:2:2: domain "bü_cher.test" is not a valid internationalized domain name: idna: disallowed rune U+005F`,
		},
		{
			// The Bidi rule holds across the labels of a name with a
			// right-to-left label (RFC 5893): a label starting with a
			// digit breaks it there, not in an all-ASCII name.
			name: "an ASCII label that breaks the Bidi rule beside a Hebrew one",
			file: "f.csv",
			data: "ip,domain\n192.0.2.1,1mail.שלום.example\n",
			err:  `f.csv:2:2: domain "1mail.שלום.example" is not a valid internationalized domain name: label "1mail" breaks the Bidi rule of a name with right-to-left labels (RFC 5893)`,
		},
		{
			name: "the same name with its Hebrew label written as an A-label",
			file: "f.csv",
			data: "ip,domain\n192.0.2.1,1mail.xn--9dbne9b.example\n",
			err:  `f.csv:2:2: domain "1mail.xn--9dbne9b.example" is not a valid internationalized domain name: label "1mail" breaks the Bidi rule of a name with right-to-left labels (RFC 5893)`,
		},
		{
			name: "a Hebrew label beside ASCII ones",
			file: "f.csv",
			data: "ip,domain,helo\n192.0.2.1,mail.שלום.example,1mail.example\n",
			want: []Asset{{IP: "192.0.2.1", Domain: "mail.xn--9dbne9b.example", HELO: "1mail.example",
				DKIMSelectors: []string{}, Tags: map[string]string{}}},
		},
		{
			// IDNA's rules are for the Unicode labels: an ASCII label
			// beside one is judged as in an ASCII name, an underscore
			// allowed (the HELO name is taken as written, for helo.fqdn).
			name: "ASCII labels with an underscore or two hyphens beside a Unicode label",
			file: "f.csv",
			data: "ip,hostname,helo,domain\n192.0.2.1,mail_7.münchen.example,MAIL_X.München.example,_dmarc.münchen.example\n" +
				"192.0.2.2,ab--c.münchen.example,ab--c.münchen.example,xn--mnchen-3ya.example\n",
			want: []Asset{
				{IP: "192.0.2.1", Hostname: "mail_7.xn--mnchen-3ya.example", HELO: "mail_x.xn--mnchen-3ya.example", Domain: "_dmarc.xn--mnchen-3ya.example",
					DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "192.0.2.2", Hostname: "ab--c.xn--mnchen-3ya.example", HELO: "ab--c.xn--mnchen-3ya.example", Domain: "xn--mnchen-3ya.example",
					DKIMSelectors: []string{}, Tags: map[string]string{}},
			},
		},
		{
			name: "an ASCII label beside a Unicode label is still judged as a name",
			file: "f.csv",
			data: "ip,hostname\n192.0.2.1,-mail.münchen.example\n",
			err:  `f.csv:2:2: hostname "-mail.xn--mnchen-3ya.example" is not a valid host or domain name: label "-mail" starts or ends with a hyphen`,
		},
		{
			name: "a HELO name that IDNA mapping would change (fullwidth letters and dots)",
			file: "f.csv",
			data: "ip,helo\n192.0.2.1,\uff4d\uff12\uff10\u3002b2.example\n",
			err:  `f.csv:2:2: helo "\uff4d\uff12\uff10\u3002b2.example" is not a domain name as DNS holds it: IDNA mapping would turn it into "m20.b2.example", dropping or folding invisible and compatibility characters: give the name exactly as DNS holds it`,
		},
		{
			// An A-label beside a U-label, and a script whose IDNA case
			// mapping goes to upper case (Cherokee), are as given.
			name: "names IDNA mapping leaves as they are but for case",
			file: "f.csv",
			data: "ip,hostname,helo,domain\n192.0.2.1,xn--bcher-kva.bücher.example,\uab9c\uab9a.example,\u13cc\u13ca.example\n",
			want: []Asset{{IP: "192.0.2.1", Hostname: "xn--bcher-kva.xn--bcher-kva.example", HELO: "xn--dbed.example", Domain: "xn--dbed.example",
				DKIMSelectors: []string{}, Tags: map[string]string{}}},
		},
		{
			name: "a name with a soft hyphen or zero-width space, which IDNA mapping drops",
			file: "f.csv",
			data: "ip,hostname,domain\n192.0.2.1,m2\u00ad1.b2.example,b2.exa\u200bmple\n",
			err: `f.csv:2:2: hostname "m2\u00ad1.b2.example" is not a domain name as DNS holds it: IDNA mapping would turn it into "m21.b2.example", dropping or folding invisible and compatibility characters: give the name exactly as DNS holds it` + "\n" +
				`f.csv:2:3: domain "b2.exa\u200bmple" is not a domain name as DNS holds it: IDNA mapping would turn it into "b2.example", dropping or folding invisible and compatibility characters: give the name exactly as DNS holds it`,
		},
		{
			// Lower-casing alone turns the Kelvin sign into k and the
			// Angstrom sign into å, and folding case takes long s for s:
			// each is another name than the one a server sends.
			name: "a name with a compatibility character folded to another letter (long s, Kelvin or Angstrom sign)",
			file: "f.csv",
			data: "ip,hostname,helo,domain\n192.0.2.1,\u017fmtp.\u4f8b\u3048.\u30c6\u30b9\u30c8,\u212aelvin.example,\u212bngstrom.example.\n",
			err: `f.csv:2:2: hostname "\u017fmtp.\u4f8b\u3048.\u30c6\u30b9\u30c8" is not a domain name as DNS holds it: IDNA mapping would turn it into "smtp.例え.テスト", dropping or folding invisible and compatibility characters: give the name exactly as DNS holds it` + "\n" +
				`f.csv:2:3: helo "\u212aelvin.example" is not a domain name as DNS holds it: IDNA mapping would turn it into "kelvin.example", dropping or folding invisible and compatibility characters: give the name exactly as DNS holds it` + "\n" +
				`f.csv:2:4: domain "\u212bngstrom.example" is not a domain name as DNS holds it: IDNA mapping would turn it into "ångstrom.example", dropping or folding invisible and compatibility characters: give the name exactly as DNS holds it`,
		},
		{
			// İ is no compatibility character, but lower-cased it is the
			// ASCII i, where IDNA mapping makes i and a combining dot.
			name: "a name whose letter lower-cases to an ASCII one IDNA mapping does not make",
			file: "f.csv",
			data: "ip,helo\n192.0.2.1,\u0130stanbul.example\n",
			err:  `f.csv:2:2: helo "\u0130stanbul.example" is not a domain name as DNS holds it: IDNA mapping would turn it into "i` + "\u0307" + `stanbul.example", dropping or folding invisible and compatibility characters: give the name exactly as DNS holds it`,
		},
		{
			name: "rows with the same tags and selectors share them; a merge changes only its asset's",
			file: "f.csv",
			data: "ip,team,site,dkim_selectors\n192.0.2.1,mail,,\n192.0.2.2,mail,,s1\n192.0.2.1,,ams,s2\n192.0.2.3,mail,,s1\n",
			want: []Asset{
				{IP: "192.0.2.1", DKIMSelectors: []string{"s2"}, Tags: map[string]string{"team": "mail", "site": "ams"}},
				{IP: "192.0.2.2", DKIMSelectors: []string{"s1"}, Tags: map[string]string{"team": "mail"}},
				{IP: "192.0.2.3", DKIMSelectors: []string{"s1"}, Tags: map[string]string{"team": "mail"}},
			},
			warnings: []string{"f.csv:4: 192.0.2.1 duplicates line 2; merged"},
		},
		{
			name: "addresses no mail is sent from are assessed with a warning",
			file: "f.csv",
			data: "ip\n127.0.0.1\n0.0.0.0\n::\n224.0.0.1\n255.255.255.255\nfe80::1\n10.0.0.1\n",
			want: []Asset{
				{IP: "127.0.0.1", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "0.0.0.0", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "::", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "224.0.0.1", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "255.255.255.255", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "fe80::1", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "10.0.0.1", DKIMSelectors: []string{}, Tags: map[string]string{}},
			},
			warnings: []string{
				"f.csv:2: 127.0.0.1 is a loopback address, not an address mail is sent from; assessed as given",
				"f.csv:3: 0.0.0.0 is the unspecified address, not an address mail is sent from; assessed as given",
				"f.csv:4: :: is the unspecified address, not an address mail is sent from; assessed as given",
				"f.csv:5: 224.0.0.1 is a multicast address, not an address mail is sent from; assessed as given",
				"f.csv:6: 255.255.255.255 is the broadcast address, not an address mail is sent from; assessed as given",
				"f.csv:7: fe80::1 is a link-local address, not an address mail is sent from; assessed as given",
			},
		},
		{
			name: "ranges of addresses mail is not sent from",
			file: "f.csv",
			data: "ip\n127.0.0.0/31\nfe80::/127\n192.0.2.0/31\n255.255.255.254/31\n",
			want: []Asset{
				{IP: "127.0.0.0", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "127.0.0.1", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "fe80::", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "fe80::1", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "192.0.2.0", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "192.0.2.1", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "255.255.255.254", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "255.255.255.255", DKIMSelectors: []string{}, Tags: map[string]string{}},
			},
			warnings: []string{
				"f.csv:2: 127.0.0.0/31 is in the loopback range, not addresses mail is sent from; assessed as given",
				"f.csv:3: fe80::/127 is in the link-local range, not addresses mail is sent from; assessed as given",
				"f.csv:5: 255.255.255.254/31 is in the broadcast range, not addresses mail is sent from; assessed as given",
			},
		},
		{
			name: "an octet with a leading zero is named as the fault",
			file: "f.csv",
			data: "ip\n010.0.0.1\n",
			err:  `f.csv:2:1: invalid ip "010.0.0.1": an octet with a leading zero is ambiguous (some tools read it as octal); write it without`,
		},
		{
			name: "an octet over 255 is not blamed on a leading zero",
			file: "f.csv",
			data: "ip\n300.0.0.01\n",
			err:  `f.csv:2:1: invalid ip "300.0.0.01" (want an IPv4 or IPv6 address or a CIDR)`,
		},
		{
			name: "a name of the DNS root alone is an error, not a blank",
			file: "f.json",
			data: `[{"ip": "192.0.2.1", "hostname": "."}]`,
			err:  `f.json:1:34: hostname "." is the DNS root, not a host or domain name`,
		},
		{
			name: "json that is not UTF-8 is refused where it breaks, not altered",
			file: "f.json",
			data: "[{\"ip\": \"192.0.2.1\",\n \"owner\": \"Jos\xe9\"}]",
			err:  `f.json:2:15: the file is not valid UTF-8 here (byte 0xe9); save it as UTF-8`,
		},
		{
			name: "a csv column name that is not UTF-8",
			file: "f.csv",
			data: "ip,equip\xe9\n192.0.2.1,x\n",
			err:  `f.csv:1:2: column name is not valid UTF-8`,
		},
		{
			name: "csv saved as UTF-16 with its byte-order mark is read as text",
			file: "f.csv",
			data: utf16LE("ip,owner\r\n192.0.2.1,Jos\u00e9\r\n"),
			want: []Asset{{IP: "192.0.2.1", Owner: "José", DKIMSelectors: []string{}, Tags: map[string]string{}}},
		},
		{
			name: "UTF-16 with a lone surrogate is refused at its line, not replaced",
			file: "f.csv",
			data: utf16LE("ip,owner\n192.0.2.1,ab") + "\x00\xd8" + "c\x00\n\x00",
			err:  `f.csv:2: the file is UTF-16 (it starts with a UTF-16 byte-order mark) but holds a lone surrogate (U+D800) here; save it as UTF-8`,
		},
		{
			name: "UTF-16 that ends in half a character is refused",
			file: "f.csv",
			data: utf16LE("ip\n192.0.2.1\n") + "x",
			err:  `f.csv:3: the file is UTF-16 (it starts with a UTF-16 byte-order mark) but ends in half a character; save it as UTF-8`,
		},
		{
			name: "big-endian UTF-16 with a pair of surrogates",
			file: "f.csv",
			data: "\xfe\xff" + "\x00i\x00p\x00,\x00o\x00w\x00n\x00e\x00r\x00\n" + "\x001\x009\x002\x00.\x000\x00.\x002\x00.\x001\x00,\xd8\x3d\xde\x00\x00\n",
			want: []Asset{{IP: "192.0.2.1", Owner: "\U0001F600", DKIMSelectors: []string{}, Tags: map[string]string{}}},
		},
		{
			name: "json saved as UTF-16 with its byte-order mark is read as text",
			file: "f.json",
			data: utf16LE(`[{"ip": "192.0.2.1"}]`),
			want: []Asset{{IP: "192.0.2.1", DKIMSelectors: []string{}, Tags: map[string]string{}}},
		},
		{
			name: "csv selectors split on spaces and semicolons, de-duplicated",
			file: "f.csv",
			data: "ip,dkim_selectors\n192.0.2.1,\"s1; S2  s3;;s1\"\n",
			want: []Asset{{IP: "192.0.2.1", DKIMSelectors: []string{"s1", "s2", "s3"}, Tags: map[string]string{}}},
		},
		{
			name: "yaml selectors as a list or a string",
			file: "f.yaml",
			data: "- {ip: 192.0.2.1, dkim_selectors: [s1, ~, s2]}\n- {ip: 192.0.2.2, dkim_selectors: 's1;s2'}\n",
			want: []Asset{
				{IP: "192.0.2.1", DKIMSelectors: []string{"s1", "s2"}, Tags: map[string]string{}},
				{IP: "192.0.2.2", DKIMSelectors: []string{"s1", "s2"}, Tags: map[string]string{}},
			},
		},
		{
			name: "json scalars of any type become strings, null is empty",
			file: "f.json",
			data: `[{"ip": "192.0.2.1", "owner": 42, "rack": 1.50, "spare": true, "relay": null, "note": null}]`,
			want: []Asset{{IP: "192.0.2.1", DKIMSelectors: []string{}, Owner: "42",
				Tags: map[string]string{"rack": "1.50", "spare": "true"}}},
		},
		{
			name: "ip forms: canonical ipv6, ipv4-mapped unmapped",
			file: "f.csv",
			data: "ip\n2001:DB8:0:0::0:1\n::ffff:192.0.2.7\n",
			want: []Asset{
				{IP: "2001:db8::1", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "192.0.2.7", DKIMSelectors: []string{}, Tags: map[string]string{}},
			},
			// The pack names 192.0.2.7: the row's address is not in it.
			warnings: []string{"f.csv:3: ::ffff:192.0.2.7 is IPv4-mapped; assessed as 192.0.2.7"},
		},
		{
			name: "ipv4 cidr shorter than /31 excludes network and broadcast; /31, /32 and ipv6 keep all",
			file: "f.csv",
			data: "ip\n192.0.2.0/30\n192.0.2.8/31\n192.0.2.12/32\n2001:db8::/127\n::ffff:192.0.2.16/127\n",
			want: []Asset{
				{IP: "192.0.2.1", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "192.0.2.2", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "192.0.2.8", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "192.0.2.9", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "192.0.2.12", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "2001:db8::", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "2001:db8::1", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "192.0.2.16", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "192.0.2.17", DKIMSelectors: []string{}, Tags: map[string]string{}},
			},
			warnings: []string{"f.csv:6: ::ffff:192.0.2.16/127 is IPv4-mapped; assessed as 192.0.2.16/31"},
		},
		{
			name: "a host address with a prefix is masked, with a warning",
			file: "f.csv",
			data: "ip,owner\n192.0.2.5/30,ops\n",
			want: []Asset{
				{IP: "192.0.2.5", DKIMSelectors: []string{}, Owner: "ops", Tags: map[string]string{}},
				{IP: "192.0.2.6", DKIMSelectors: []string{}, Owner: "ops", Tags: map[string]string{}},
			},
			warnings: []string{"f.csv:2: 192.0.2.5/30 is not a network address; using 192.0.2.4/30"},
		},
		{
			name: "duplicates merge: blanks filled, the same selectors in another order, tags merged",
			file: "f.csv",
			data: "ip,hostname,owner,dkim_selectors,site,rack\n" +
				"192.0.2.1,mx.example.com,,s1 s2,ams,\n" +
				"192.0.2.2,,,,,\n" +
				"192.0.2.1,MX.example.com.,ops,S2 s1,,r7\n",
			want: []Asset{
				{IP: "192.0.2.1", Hostname: "mx.example.com", Owner: "ops", DKIMSelectors: []string{"s1", "s2"},
					Tags: map[string]string{"site": "ams", "rack": "r7"}},
				{IP: "192.0.2.2", DKIMSelectors: []string{}, Tags: map[string]string{}},
			},
			warnings: []string{"f.csv:4: 192.0.2.1 duplicates line 2; merged"},
		},
		{
			name: "a cidr overlapping explicit rows merges with one warning",
			file: "f.yaml",
			data: "- {ip: 192.0.2.2, hostname: mx2.example.com}\n- {ip: 192.0.2.0/29, owner: ops}\n- {ip: 192.0.2.3, owner: ops}\n",
			want: []Asset{
				{IP: "192.0.2.2", Hostname: "mx2.example.com", Owner: "ops", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "192.0.2.1", Owner: "ops", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "192.0.2.3", Owner: "ops", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "192.0.2.4", Owner: "ops", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "192.0.2.5", Owner: "ops", DKIMSelectors: []string{}, Tags: map[string]string{}},
				{IP: "192.0.2.6", Owner: "ops", DKIMSelectors: []string{}, Tags: map[string]string{}},
			},
			warnings: []string{
				"f.yaml:2: 192.0.2.0/29 overlaps 1 address(es) listed earlier (first 192.0.2.2, line 1); merged",
				"f.yaml:3: 192.0.2.3 duplicates line 2; merged",
			},
		},
		{
			name: "yaml merge keys and anchors",
			file: "f.yaml",
			data: "assets:\n- &base {ip: 192.0.2.1, owner: ops, site: ams}\n- <<: *base\n  ip: 192.0.2.2\n  site: fra\n",
			want: []Asset{
				{IP: "192.0.2.1", Owner: "ops", DKIMSelectors: []string{}, Tags: map[string]string{"site": "ams"}},
				{IP: "192.0.2.2", Owner: "ops", DKIMSelectors: []string{}, Tags: map[string]string{"site": "fra"}},
			},
		},
		{
			name: "csv extra empty fields are ignored",
			file: "f.csv",
			data: "ip,owner\n192.0.2.1,ops,,\n",
			want: []Asset{{IP: "192.0.2.1", Owner: "ops", DKIMSelectors: []string{}, Tags: map[string]string{}}},
		},
		{
			name: "csv short rows leave the missing fields blank",
			file: "f.csv",
			data: "owner,ip,hostname\nops,192.0.2.1\n",
			want: []Asset{{IP: "192.0.2.1", Owner: "ops", DKIMSelectors: []string{}, Tags: map[string]string{}}},
		},
		{
			name: "extension is case-insensitive",
			file: "F.JSON",
			data: `{"ASSETS": [{"IP": "192.0.2.1"}]}`,
			want: []Asset{{IP: "192.0.2.1", DKIMSelectors: []string{}, Tags: map[string]string{}}},
		},

		// Errors.
		{name: "unsupported extension", file: "f.xlsx", data: "ip\n192.0.2.1\n",
			err: `f.xlsx: unsupported inventory format ".xlsx" (want .csv, .yaml, .yml or .json)`},
		{name: "a spreadsheet's unicode text export", file: "f.txt", data: "\xff\xfei\x00p\x00\t\x00h\x00\n\x00",
			err: `f.txt: unsupported inventory format ".txt" (want .csv, .yaml, .yml or .json); tab-separated text, which a spreadsheet's "Unicode text" export gives, is not read: save the sheet as CSV (UTF-8) instead`},
		{name: "a tsv file", file: "F.TSV", data: "ip\thostname\n192.0.2.1\tmx.example.com\n",
			err: `F.TSV: unsupported inventory format ".tsv" (want .csv, .yaml, .yml or .json); tab-separated text, which a spreadsheet's "Unicode text" export gives, is not read: save the sheet as CSV (UTF-8) instead`},
		{name: "standard input", file: "-", data: "ip\n192.0.2.1\n",
			err: `-: standard input and pipes are not read: give an inventory file whose name ends in .csv, .yaml, .yml or .json`},
		{name: "empty csv", file: "f.csv", data: "", err: "f.csv:1: no assets"},
		{name: "csv of blank lines", file: "f.csv", data: "\n\n  \n", err: "f.csv:1: no assets"},
		{name: "empty yaml", file: "f.yaml", data: "# nothing\n", err: "f.yaml:1: no assets"},
		{name: "empty yaml list", file: "f.yml", data: "[]\n", err: "f.yml:1: no assets"},
		{name: "empty json", file: "f.json", data: " \n", err: "f.json:1: no assets"},
		{name: "json null", file: "f.json", data: "null", err: "f.json:1: no assets"},
		{name: "json empty assets", file: "f.json", data: `{"assets": []}`, err: "f.json:1: no assets"},
		{name: "missing ip column after blank lines", file: "f.csv", data: "\n\nhost,owner\n",
			err: `f.csv:3: no ip column in header "host,owner" (the first row must name the columns)`},
		{name: "csv address column named otherwise", file: "f.csv", data: "IP Address,hostname\n192.0.2.1,a.example\n",
			err: `f.csv:1: no ip column in header "IP Address,hostname" (name the address column ip, not "IP Address")`},
		{name: "csv with semicolons", file: "f.csv", data: "ip;hostname\n192.0.2.1;mail.example.com\n",
			err: `f.csv:1: no ip column in header "ip;hostname" (the columns must be separated by commas; this header uses ';')`},
		// The tabs are named as separators, not also as control
		// characters in a column name.
		{name: "csv with tabs", file: "f.csv", data: "ip\thostname\n192.0.2.1\tmail.example.com\n",
			err: `f.csv:1: no ip column in header "ip\thostname" (the columns must be separated by commas; this header uses tabs)`},
		{name: "a spreadsheet's unicode text export renamed to csv", file: "f.csv",
			data: "\xff\xfei\x00p\x00\t\x00h\x00o\x00s\x00t\x00n\x00a\x00m\x00e\x00\r\x00\n\x001\x00\t\x00x\x00\r\x00\n\x00",
			err:  `f.csv:1: no ip column in header "ip\thostname" (the columns must be separated by commas; this header uses tabs)`},
		{name: "no comment lines in csv: a # row is data", file: "f.csv", data: "owner,ip\n#ops,192.0.2.1\n# note\n",
			err: "f.csv:3:2: missing ip"},
		{name: "empty ip in a csv row", file: "f.csv", data: "hostname,ip\na.example.com,192.0.2.1\nb.example.com,\n",
			err: "f.csv:3:2: missing ip"},
		{name: "no ip key", file: "f.yaml", data: "- ip: 192.0.2.1\n- hostname: b.example.com\n",
			err: "f.yaml:2:3: missing ip"},
		{name: "ip zone", file: "f.csv", data: "ip\nfe80::1%eth0\n",
			err: `f.csv:2:1: invalid ip "fe80::1%eth0": zones are not allowed`},
		{name: "cidr with a zone", file: "f.csv", data: "ip\nfe80::%eth0/120\n",
			err: `f.csv:2:1: invalid cidr "fe80::%eth0/120": zones are not allowed`},
		{name: "ipv4-mapped cidr too large", file: "f.csv", data: "ip\n::ffff:0:0/96\n",
			err: `f.csv:2:1: cidr ::ffff:0:0/96 is too large: it is IPv4-mapped, 0.0.0.0/0, and the limit for IPv4 is /16`},
		{name: "ipv6 address for a name", file: "f.csv", data: "ip,hostname\n2001:db8::1,2001:db8::1\n",
			err: `f.csv:2:2: hostname "2001:db8::1" is an IP address, not a host or domain name`},
		{name: "bad criticality in csv", file: "f.csv", data: "ip,criticality\n192.0.2.1,Critical\n",
			err: `f.csv:2:2: criticality "Critical" is not high, medium or low`},
		{name: "control character", file: "f.csv", data: "ip,hostname,site\n192.0.2.1,\"a\nb\",x\x7fy\n",
			err: "f.csv:2:2: hostname contains a line break: keep each value on one line (a spreadsheet's Alt+Enter makes one)\n" +
				`f.csv:3:3: tag "site" contains a control character (U+007F)`},
		{name: "bidirectional override and line separator", file: "f.csv", data: "ip,owner,site\n192.0.2.1,Mail \u202eTeam,ok\n192.0.2.2,,a\u2028b\n192.0.2.3,\u05e6\u05d5\u05d5\u05ea \u05d3\u05d5\u05d0\u05e8,ok\n",
			err: "f.csv:2:2: owner contains the control character U+202E, which a terminal would act on or a viewer reorder text by\n" +
				`f.csv:3:3: tag "site" contains the control character U+2028, which a terminal would act on or a viewer reorder text by`},
		{name: "invalid utf-8", file: "f.csv", data: "ip,owner\n192.0.2.1,\xff\n",
			err: "f.csv:2:2: owner is not valid UTF-8"},
		{name: "name too long", file: "f.csv", data: "ip,hostname\n192.0.2.1," + long + "\n",
			err: "f.csv:2:2: hostname is too long (254 bytes; the limit is 253)"},
		// The expected PTR name, the sending domain and the selectors are
		// names: a typo there is an input error, not a failed check.
		{name: "hostname with a space", file: "f.csv", data: "ip,hostname\n192.0.2.1,mail example.com\n",
			err: `f.csv:2:2: hostname "mail example.com" is not a valid host or domain name: " " is not allowed in a name (letters, digits, hyphens and underscores only)`},
		{name: "domain as a URL", file: "f.csv", data: "ip,domain\n192.0.2.1,http://example.com/\n",
			err: `f.csv:2:2: domain "http://example.com/" is not a valid host or domain name: give the name alone, without a scheme, path or mailbox`},
		{name: "domain with an empty label", file: "f.yaml", data: "- {ip: 192.0.2.1, domain: a..example.com}\n",
			err: `f.yaml:1:27: domain "a..example.com" is not a valid host or domain name: it has an empty label`},
		{name: "hostname label with a leading hyphen", file: "f.csv", data: "ip,hostname\n192.0.2.1,-mx.example.com\n",
			err: `f.csv:2:2: hostname "-mx.example.com" is not a valid host or domain name: label "-mx" starts or ends with a hyphen`},
		{name: "helo with two trailing dots", file: "f.csv", data: "ip,helo\n192.0.2.1,mail.example.com..\n",
			err: `f.csv:2:2: helo "mail.example.com.." ends in more than one dot (an empty label)`},
		{name: "selector with a non-ASCII letter", file: "f.csv", data: "ip,domain,dkim_selectors\n192.0.2.1,example.com,sél\n",
			err: `f.csv:2:3: dkim_selectors: "sél" is not a valid selector (RFC 6376 §3.1): "é" is not allowed in a name (letters, digits, hyphens and underscores only)`},
		{name: "a field's name spelt another way is a tag, with a warning once per file", file: "f.csv",
			data: "ip,DKIM Selectors,host-name\n192.0.2.1,s1,mx.example.com\n192.0.2.2,s2,\n",
			want: []Asset{
				{IP: "192.0.2.1", DKIMSelectors: []string{}, Tags: map[string]string{"dkim selectors": "s1", "host-name": "mx.example.com"}},
				{IP: "192.0.2.2", DKIMSelectors: []string{}, Tags: map[string]string{"dkim selectors": "s2"}},
			},
			warnings: []string{
				`f.csv:1:2: "dkim selectors" is kept as a tag, not read as dkim_selectors: name it dkim_selectors if it is meant as that field`,
				`f.csv:1:3: "host-name" is kept as a tag, not read as hostname: name it hostname if it is meant as that field`,
			}},
		// A singular or plural of a field's name, or another name in use
		// for it, is warned of too: its checks would be skip without a
		// word. "address" may be a mailbox, and stays a plain tag.
		{name: "a field's name in the singular or plural, or another name for it, is a tag, with a warning", file: "f.csv",
			data: "ip,dkim_selector,EHLO,Reverse DNS,domains,sending_domain,address\n192.0.2.1,s1,mx.example.com,mx.example.com,example.com,example.com,ops@example.com\n",
			want: []Asset{{IP: "192.0.2.1", DKIMSelectors: []string{}, Tags: map[string]string{
				"dkim_selector": "s1", "ehlo": "mx.example.com", "reverse dns": "mx.example.com",
				"domains": "example.com", "sending_domain": "example.com", "address": "ops@example.com"}}},
			warnings: []string{
				`f.csv:1:2: "dkim_selector" is kept as a tag, not read as dkim_selectors: name it dkim_selectors if it is meant as that field`,
				`f.csv:1:3: "ehlo" is kept as a tag, not read as helo: name it helo if it is meant as that field`,
				`f.csv:1:4: "reverse dns" is kept as a tag, not read as hostname: name it hostname if it is meant as that field`,
				`f.csv:1:5: "domains" is kept as a tag, not read as domain: name it domain if it is meant as that field`,
				`f.csv:1:6: "sending_domain" is kept as a tag, not read as domain: name it domain if it is meant as that field`,
			}},
		{name: "a yaml key naming a field another way is a tag, with a warning", file: "f.yaml",
			data: "- ip: 192.0.2.1\n  selectors: s1\n  ptr_name: mx.example.com\n  ehlo-name: mx.example.com\n  rdns: mx.example.com\n  mail_from_domain: example.com\n",
			want: []Asset{{IP: "192.0.2.1", DKIMSelectors: []string{}, Tags: map[string]string{
				"selectors": "s1", "ptr_name": "mx.example.com", "ehlo-name": "mx.example.com",
				"rdns": "mx.example.com", "mail_from_domain": "example.com"}}},
			warnings: []string{
				`f.yaml:2:3: "selectors" is kept as a tag, not read as dkim_selectors: name it dkim_selectors if it is meant as that field`,
				`f.yaml:3:3: "ptr_name" is kept as a tag, not read as hostname: name it hostname if it is meant as that field`,
				`f.yaml:4:3: "ehlo-name" is kept as a tag, not read as helo: name it helo if it is meant as that field`,
				`f.yaml:5:3: "rdns" is kept as a tag, not read as hostname: name it hostname if it is meant as that field`,
				`f.yaml:6:3: "mail_from_domain" is kept as a tag, not read as domain: name it domain if it is meant as that field`,
			}},
		{name: "a json key naming a field another way is a tag, with a warning", file: "f.json",
			data: `[{"ip": "192.0.2.1", "selector": "s1", "PTR": "mx.example.com"}]`,
			want: []Asset{{IP: "192.0.2.1", DKIMSelectors: []string{}, Tags: map[string]string{"selector": "s1", "ptr": "mx.example.com"}}},
			warnings: []string{
				`f.json:1:22: "selector" is kept as a tag, not read as dkim_selectors: name it dkim_selectors if it is meant as that field`,
				`f.json:1:40: "ptr" is kept as a tag, not read as hostname: name it hostname if it is meant as that field`,
			}},
		// Look-alike and invisible characters make another name to the
		// eye no more than a space or hyphen does: fullwidth letters, a
		// zero-width space, a non-breaking hyphen or space, a soft hyphen.
		{name: "a field's name spelt with look-alike or invisible characters is a tag, with a warning", file: "f.csv",
			data: "ip,\uff48\uff4f\uff53\uff54\uff4e\uff41\uff4d\uff45,helo\u200b,dkim\u2011selectors\n192.0.2.1,mx.example.com,mx.example.com,s1\n",
			want: []Asset{{IP: "192.0.2.1", DKIMSelectors: []string{},
				Tags: map[string]string{"\uff48\uff4f\uff53\uff54\uff4e\uff41\uff4d\uff45": "mx.example.com", "helo\u200b": "mx.example.com", "dkim\u2011selectors": "s1"}}},
			warnings: []string{
				`f.csv:1:2: "\uff48\uff4f\uff53\uff54\uff4e\uff41\uff4d\uff45" is kept as a tag, not read as hostname: name it hostname if it is meant as that field`,
				`f.csv:1:3: "helo\u200b" is kept as a tag, not read as helo: name it helo if it is meant as that field`,
				`f.csv:1:4: "dkim\u2011selectors" is kept as a tag, not read as dkim_selectors: name it dkim_selectors if it is meant as that field`,
			}},
		{name: "a yaml key spelt with look-alike or invisible characters is a tag, with a warning", file: "f.yaml",
			data: "- ip: 192.0.2.1\n  \"dom\\u00adain\": example.com\n  \"dkim\\u00a0selectors\": s1\n  \uff28\uff25\uff2c\uff2f: mx.example.com\n",
			want: []Asset{{IP: "192.0.2.1", DKIMSelectors: []string{},
				Tags: map[string]string{"dom\u00adain": "example.com", "dkim\u00a0selectors": "s1", "\uff48\uff45\uff4c\uff4f": "mx.example.com"}}},
			warnings: []string{
				`f.yaml:2:3: "dom\u00adain" is kept as a tag, not read as domain: name it domain if it is meant as that field`,
				`f.yaml:3:3: "dkim\u00a0selectors" is kept as a tag, not read as dkim_selectors: name it dkim_selectors if it is meant as that field`,
				`f.yaml:4:3: "\uff48\uff45\uff4c\uff4f" is kept as a tag, not read as helo: name it helo if it is meant as that field`,
			}},
		{name: "a json key spelt with look-alike or invisible characters is a tag, with a warning", file: "f.json",
			data: `[{"ip": "192.0.2.1", "dkim\u2011selectors": "s1", "\ufeffhostname": "mx.example.com"}]`,
			want: []Asset{{IP: "192.0.2.1", DKIMSelectors: []string{},
				Tags: map[string]string{"dkim\u2011selectors": "s1", "\ufeffhostname": "mx.example.com"}}},
			warnings: []string{
				`f.json:1:22: "dkim\u2011selectors" is kept as a tag, not read as dkim_selectors: name it dkim_selectors if it is meant as that field`,
				`f.json:1:51: "\ufeffhostname" is kept as a tag, not read as hostname: name it hostname if it is meant as that field`,
			}},
		{name: "a header of more columns than an inventory has", file: "f.csv", data: "ip," + strings.Repeat("10.0.0.1,", 1100) + "x\n",
			err: "f.csv:1: the header has 1102 columns, more than an inventory's 1024 (one per field or tag; a list of addresses goes one per row under an ip column)"},
		{name: "csv lines ending in a carriage return alone", file: "f.csv", data: "ip,owner\r192.0.2.10,x\r192.0.2.11,y\r",
			err: "f.csv:1: lines end in a carriage return alone (classic Mac OS line endings); save the file as CSV with LF or CRLF line endings"},
		{name: "csv lines ending in a carriage return alone, the header quoted", file: "f.csv",
			data: "\"ip\",\"owner\"\r\"192.0.2.10\",\"x\"\r\"192.0.2.11\",\"y\"\r",
			err:  "f.csv:1: lines end in a carriage return alone (classic Mac OS line endings); save the file as CSV with LF or CRLF line endings"},
		// One line of a CRLF or LF file ending in a CR alone: encoding/csv
		// reads the next line as more of the row. The cause is named,
		// once, and the row's extra fields are not.
		{name: "csv row ending in a carriage return alone among CRLF lines", file: "f.csv",
			data: "ip,hostname,owner\r\n192.0.2.10,mail1.example.com,team\r192.0.2.11,mail2.example.com,team\r\n192.0.2.12,mail3.example.com,team\r\n",
			err:  "f.csv:2:3: " + csvMixedLineEnds},
		{name: "csv row ending in a carriage return alone after a quoted field", file: "f.csv",
			data: "ip,owner\n192.0.2.10,\"team\"\r192.0.2.11,x\n",
			err:  "f.csv:2:2: " + csvMixedLineEnds},
		{name: "csv row ending in a carriage return alone before a quote fault", file: "f.csv",
			data: "ip,owner\r\n192.0.2.10,team\r192.0.2.11,\"x\"y\r\n",
			err:  "f.csv:2:2: " + csvMixedLineEnds},
		{name: "a carriage return inside a quoted csv value is a line break in it", file: "f.csv",
			data: "ip,owner\n192.0.2.10,\"a\rb\"\n",
			err:  "f.csv:2:2: owner contains a line break: keep each value on one line (a spreadsheet's Alt+Enter makes one)"},
		{name: "numeric selectors are kept as written", file: "f.yaml",
			data: "- {ip: 192.0.2.1, dkim_selectors: [20230601, s1]}\n- {ip: 192.0.2.2, dkim_selectors: 0123}\n",
			want: []Asset{
				{IP: "192.0.2.1", DKIMSelectors: []string{"20230601", "s1"}, Tags: map[string]string{}},
				{IP: "192.0.2.2", DKIMSelectors: []string{"0123"}, Tags: map[string]string{}},
			}},
		{name: "json numeric selectors are kept as written", file: "f.json",
			data: `[{"ip": "192.0.2.1", "dkim_selectors": [20230601, "s1", null]}]`,
			want: []Asset{{IP: "192.0.2.1", DKIMSelectors: []string{"20230601", "s1"}, Tags: map[string]string{}}}},
		{name: "a boolean selector is a slip, at its own line", file: "f.yaml",
			data: "- ip: 192.0.2.1\n  dkim_selectors:\n    - s1\n    - true\n",
			err:  `f.yaml:4:7: dkim_selectors: true is a boolean, not a selector (quote it if it is meant as one)`},
		{name: "a bad json selector is named at its own line and column", file: "f.json",
			data: "[{\"ip\": \"192.0.2.1\", \"dkim_selectors\": [\"s1\",\n   \"bad sel\"]}]",
			err:  `f.json:2:4: dkim_selectors: "bad sel" is not a valid selector (RFC 6376 §3.1): " " is not allowed in a name (letters, digits, hyphens and underscores only)`},
		{name: "a json boolean selector", file: "f.json",
			data: `[{"ip": "192.0.2.1", "dkim_selectors": false}]`,
			err:  `f.json:1:40: dkim_selectors false is a boolean, not a selector (quote it if it is meant as one)`},
		{name: "selectors separated by commas", file: "f.csv", data: "ip,domain,dkim_selectors\n192.0.2.1,example.com,\"s1,s2\"\n",
			err: `f.csv:2:3: dkim_selectors: "s1,s2" is not a valid selector (RFC 6376 §3.1): separate selectors with spaces or semicolons, not commas`},
		{name: "tag too long", file: "f.csv", data: "ip,note\n192.0.2.1," + strings.Repeat("x", 1025) + "\n",
			err: `f.csv:2:2: tag "note" is too long (1025 bytes; the limit is 1024)`},
		{name: "duplicate csv column", file: "f.csv", data: "ip,Owner,owner\n192.0.2.1,a,b\n",
			err: `f.csv:1:3: duplicate column "owner" (also column 2)`},
		{name: "value under a column without a name", file: "f.csv", data: "ip,,owner\n192.0.2.1,x,ops\n",
			err: "f.csv:2:2: value in column 2, which has no name in the header"},
		{name: "quoted field spanning lines then broken", file: "f.csv",
			data: "ip,note,owner\n192.0.2.1,\"line one\nline two\",\"ops\" x\n",
			err:  `f.csv:3:3: unexpected ' ' after the closing " of a quoted field (double a " inside quotes)`},
		{name: "csv conflict on a tag", file: "f.csv", data: "ip,site\n192.0.2.1,ams\n192.0.2.1,fra\n",
			err: `f.csv:3:2: 192.0.2.1: tag "site" "fra" conflicts with "ams" on line 2`},
		{name: "csv conflict on dkim_selectors", file: "f.csv", data: "ip,dkim_selectors\n192.0.2.1,s1 s2\n192.0.2.1,s3\n",
			err: `f.csv:3:2: 192.0.2.1: dkim_selectors "s3" conflicts with "s1 s2" on line 2`},
		{name: "yaml conflict on dkim_selectors across files is named by file", file: "f.yaml",
			data: "- {ip: 192.0.2.0/30, dkim_selectors: [s1]}\n- {ip: 192.0.2.1, dkim_selectors: [s1, s2]}\n",
			err:  `f.yaml:2:35: 192.0.2.1: dkim_selectors "s1 s2" conflicts with "s1" on line 1`},
		{name: "a conflicting cidr is reported once per source line", file: "f.csv",
			data: "ip,owner\n192.0.2.0/29,ops\n192.0.2.0/30,web\n",
			err:  `f.csv:3:2: 192.0.2.1: owner "web" conflicts with "ops" on line 2 (and 1 more address of this row)`},
		{name: "a cidr conflict counts the row's other addresses", file: "f.csv",
			data: "ip,owner\n10.0.0.0/16,ops\n10.0.0.0/16,web\n",
			err:  `f.csv:3:2: 10.0.0.1: owner "web" conflicts with "ops" on line 2 (and 65533 more addresses of this row)`},
		{name: "several problems are all reported, in line order", file: "f.csv",
			data: "ip,criticality\n192.0.2.1,x,extra\n,low\n192.0.2.999,\n192.0.2.2,low\n192.0.2.2,high\n",
			err: `f.csv:2:2: criticality "x" is not high, medium or low` + "\n" +
				"f.csv:2:3: row has more fields than the header (2)\n" +
				"f.csv:3:1: missing ip\n" +
				`f.csv:4:1: invalid ip "192.0.2.999" (want an IPv4 or IPv6 address or a CIDR)` + "\n" +
				`f.csv:6:2: 192.0.2.2: criticality "high" conflicts with "low" on line 5`},
		{name: "a bad ip is reported beside another field's problem", file: "f.csv",
			data: "ip,hostname\n192.0.2.300,a b\n",
			err: `f.csv:2:1: invalid ip "192.0.2.300" (want an IPv4 or IPv6 address or a CIDR)` + "\n" +
				`f.csv:2:2: hostname "a b" is not a valid host or domain name: " " is not allowed in a name (letters, digits, hyphens and underscores only)`},
		{name: "yaml top-level key", file: "f.yaml", data: "assets: []\nsenders: []\n",
			err: `f.yaml:2:1: unknown top-level key "senders" (want a list of entries or a mapping with an assets list)`},
		{name: "yaml assets not a list", file: "f.yaml", data: "assets: {ip: 192.0.2.1}\n",
			err: "f.yaml:1:9: assets is a mapping; want a list of entries"},
		{name: "yaml entry not a mapping", file: "f.yaml", data: "- ip: 192.0.2.1\n- 192.0.2.2\n",
			err: "f.yaml:2:3: entry is a single value; want a mapping of field names to values"},
		// encoding/json would make a lone surrogate U+FFFD; a pair is
		// one character, and an escaped backslash before "u" is text.
		{name: "json lone surrogate", file: "f.json", data: `[{"ip":"192.0.2.1","owner":"\ud83d\ude00 \\ud800 \ud800"}]`,
			err: `f.json:1:50: \ud800 is half of a UTF-16 surrogate pair, without the other half: not a character`},
		{name: "address for a name", file: "f.csv", data: "ip,hostname,domain\n192.0.2.1,mail.example.com,192.0.2.1\n",
			err: `f.csv:2:3: domain "192.0.2.1" is an IP address, not a host or domain name`},
		{name: "address with a leading zero for a name", file: "f.csv", data: "ip,hostname\n192.0.2.1,010.0.0.1\n",
			err: `f.csv:2:2: hostname "010.0.0.1" is an IP address, not a host or domain name`},
		{name: "address in hex for a name", file: "f.csv", data: "ip,domain\n192.0.2.1,0x7f.0.0.1\n",
			err: `f.csv:2:2: domain "0x7f.0.0.1" is an IP address, not a host or domain name`},
		{name: "json number for a name", file: "f.json", data: `[{"ip":"192.0.2.1","hostname":1.5e2,"owner":7}]`,
			err: `f.json:1:31: hostname 1.5e2 is a number, not a host or domain name (quote it if it is meant as one)`},
		{name: "yaml boolean for a name", file: "f.yaml", data: "- ip: 192.0.2.1\n  domain: true\n  owner: 7\n",
			err: `f.yaml:2:11: domain true is a boolean, not a host or domain name (quote it if it is meant as one)`},
		{name: "yaml scalar document", file: "f.yaml", data: "192.0.2.1\n",
			err: "f.yaml:1:1: the document is a single value; want a list of entries or a mapping with an assets list"},
		{name: "yaml second document", file: "f.yaml", data: "- ip: 192.0.2.1\n---\n- ip: 192.0.2.2\n",
			err: "f.yaml:2: a second YAML document; an inventory is one document"},
		{name: "yaml duplicate key", file: "f.yaml", data: "- ip: 192.0.2.1\n  Owner: a\n  owner: b\n",
			err: `f.yaml:3:10: duplicate key "owner" (first on line 2)`},
		{name: "yaml scanner error line", file: "f.yaml", data: "- ip: 192.0.2.1\n  hostname: a: b\n",
			err: "f.yaml:2: mapping values are not allowed in this context"},
		// An unclosed bracket is found at the end of the stream, which
		// the library puts on a line after the last: the last is named.
		{name: "yaml unclosed flow mapping on the only line", file: "f.yaml", data: "- {ip: 192.0.2.1, hostname: mail.example.com\n",
			err: "f.yaml:1: did not find expected ',' or '}'"},
		{name: "yaml unclosed flow list without a final newline", file: "f.yml", data: "[0",
			err: "f.yml:1: did not find expected ',' or ']'"},
		// The library names the line the enclosing list began on; the
		// error names the line at fault.
		{name: "yaml misindented line deep in a list", file: "f.yaml",
			data: "assets:\n  - ip: 192.0.2.1\n    owner: a\n  - ip: 192.0.2.2\n    owner: b\n  - ip: 192.0.2.3\n   owner: c\n  - ip: 192.0.2.4\n",
			err:  "f.yaml:7: did not find expected '-' indicator"},
		{name: "yaml tab deep in a list", file: "f.yaml",
			data: "assets:\n  - ip: 192.0.2.1\n    owner: a\n  - ip: 192.0.2.2\n\towner: b\n",
			err:  "f.yaml:5: found a tab character that violates indentation"},
		// A valid quoted value over several lines before the fault:
		// the fault's own line, not the value's first.
		{name: "yaml unclosed quote after a multi-line value", file: "f.yaml",
			data: "assets:\n  - ip: 192.0.2.1\n    owner: \"one\n      two\n      three\"\n  - ip: 192.0.2.2\n    owner: \"x\n",
			err:  "f.yaml:7: found unexpected end of stream"},
		{name: "yaml control character located", file: "f.yaml", data: "- ip: 192.0.2.1\n  owner: \"a\x01\"\n",
			err: "f.yaml:2:12: control characters are not allowed"},
		{name: "yaml unknown anchor located", file: "f.yaml", data: "- ip: 192.0.2.1\n  owner: *ops\n",
			err: "f.yaml:2:10: unknown anchor 'ops' referenced"},
		{name: "yaml circular merge", file: "f.yaml", data: "- &a {ip: 192.0.2.1, <<: *a}\n",
			err: "f.yaml:1:3: merge keys (<<) nested too deeply or circular"},
		{name: "non-scalar values", file: "f.yaml",
			data: "- ip: 192.0.2.1\n  hostname: [a]\n  rack: {row: 1}\n  dkim_selectors: [[s1]]\n",
			err: "f.yaml:2:13: hostname must be a single value, not a list or object\n" +
				`f.yaml:3:9: tag "rack" must be a single value, not a list or object (unknown keys are kept as tags)` + "\n" +
				"f.yaml:4:19: dkim_selectors must be a list of selectors or a string of them"},
		{name: "yaml tags object", file: "f.yaml", data: "- ip: 192.0.2.1\n  tags: {team: mail}\n",
			err: "f.yaml:2:9: tags are keys of the entry itself, not a tags object: write team: mail beside ip (unknown keys are kept as tags)"},
		{name: "json top-level key", file: "f.json", data: `{"assets": [], "version": 1}`,
			err: `f.json:1:16: unknown top-level key "version" (want an array of entries or an object with an assets array)`},
		{name: "json entry not an object", file: "f.json", data: "[\n  {\"ip\": \"192.0.2.1\"},\n  \"192.0.2.2\"\n]",
			err: "f.json:3:3: entry is a string; want an object of field names to values"},
		{name: "json scalar document", file: "f.json", data: `"192.0.2.1"`,
			err: "f.json:1:1: the document is a string; want an array of entries or an object with an assets array"},
		{name: "json syntax error column counts characters", file: "f.json", data: "[\n {\"owner\": \"é\", \"ip\": }\n]",
			err: "f.json:2:23: invalid character '}' looking for beginning of value"},
		{name: "json truncated", file: "f.json", data: "[\n {\"ip\": \"192.0.2.1\"",
			err: "f.json:2:20: the file ends before the JSON is complete (a closing bracket, brace or quote missing, or the file cut short)"},
		// Cut inside a string escape: encoding/json's own end-of-input
		// space would read as "invalid character ' ' in string escape code".
		{name: "json truncated in an escape", file: "f.json", data: "[\n {\"ip\": \"192.0.2.1\", \"owner\": \"a\\",
			err: "f.json:2:34: the file ends before the JSON is complete (a closing bracket, brace or quote missing, or the file cut short)"},
		{name: "json trailing data", file: "f.json", data: `[{"ip": "192.0.2.1"}] []`,
			err: "f.json:1:23: invalid character '[' after top-level value"},
		{name: "json value positions", file: "f.json", data: "[{\"ip\": \"192.0.2.1\",\n  \"criticality\": \"top\"}]",
			err: `f.json:2:18: criticality "top" is not high, medium or low`},
		// Lines that end in a carriage return alone are lines, in JSON as
		// in YAML, whose library counts them so.
		{name: "json value positions with carriage returns alone", file: "f.json",
			data: "[\r {\"ip\": \"192.0.2.10\"},\r {\"ip\": \"192.0.2.1111\"}\r]\r",
			err:  `f.json:3:9: invalid ip "192.0.2.1111" (want an IPv4 or IPv6 address or a CIDR)`},
		{name: "json syntax error position with carriage returns alone", file: "f.json",
			data: "[\r {\"ip\": \"192.0.2.10\"},\r {\"ip\": \"192.0.2.11\" \"owner\": \"x\"}\r]\r",
			err:  `f.json:3:22: invalid character '"' after object key:value pair`},
		{name: "json positions with CRLF line endings", file: "f.json",
			data: "[\r\n {\"ip\": \"192.0.2.10\"},\r\n {\"ip\": \"192.0.2.1111\"}\r\n]\r\n",
			err:  `f.json:3:9: invalid ip "192.0.2.1111" (want an IPv4 or IPv6 address or a CIDR)`},
		{name: "yaml positions with carriage returns alone", file: "f.yaml",
			data: "- ip: 192.0.2.1\r  criticality: top\r- ip: 192.0.2.2\r  owner: *ops\r",
			err:  "f.yaml:4:10: unknown anchor 'ops' referenced"},
		{name: "yaml value position with carriage returns alone", file: "f.yaml",
			data: "- ip: 192.0.2.1\r  criticality: top\r",
			err:  `f.yaml:2:16: criticality "top" is not high, medium or low`},
		{name: "yaml duplicate assets key", file: "f.yaml", data: "assets: [{ip: 192.0.2.1}]\nassets: [{ip: 192.0.2.2}]\n",
			err: `f.yaml:2:1: duplicate key "assets" (first on line 1)`},
		{name: "json duplicate key, case-insensitive", file: "f.json", data: `[{"ip": "192.0.2.1", "IP": "192.0.2.2"}]`,
			err: `f.json:1:28: duplicate key "ip" (first on line 1)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inv, err := ParseInventory(tt.file, []byte(tt.data))
			if tt.err != "" {
				if err == nil {
					t.Fatalf("no error; assets %+v", inv.Assets)
				}
				if err.Error() != tt.err {
					t.Errorf("error:\n got %s\nwant %s", err, tt.err)
				}
				var ie *InputError
				if !errors.As(err, &ie) {
					t.Errorf("errors.As(*InputError) failed for %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(inv.Assets, tt.want) {
				t.Errorf("assets:\n got %+v\nwant %+v", inv.Assets, tt.want)
			}
			if !reflect.DeepEqual(inv.Warnings, tt.warnings) && (len(inv.Warnings) > 0 || len(tt.warnings) > 0) {
				t.Errorf("warnings:\n got %q\nwant %q", inv.Warnings, tt.warnings)
			}
		})
	}
}

func TestLoadInventoryFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := write("a.csv", "ip,owner\n192.0.2.1,ops\n192.0.2.2,ops\n")
	b := write("b.yaml", "- {ip: 192.0.2.2, hostname: mx2.example.com}\n- {ip: 192.0.2.3}\n")
	c := write("c.json", `[{"ip": "192.0.2.1", "owner": "web"}]`)
	empty := write("empty.csv", "")

	t.Run("the same file twice", func(t *testing.T) {
		t.Parallel()
		_, err := LoadInventory(a, filepath.Join(dir, ".", "a.csv"))
		if err == nil || !strings.Contains(err.Error(), "is given twice") {
			t.Errorf("err = %v, want the file named as given twice", err)
		}
	})

	t.Run("several files merge in order", func(t *testing.T) {
		t.Parallel()
		inv, err := LoadInventory(a, b)
		if err != nil {
			t.Fatal(err)
		}
		if got := assetIPs(inv); got != "192.0.2.1 192.0.2.2 192.0.2.3" {
			t.Errorf("ips = %s", got)
		}
		if inv.Assets[1].Hostname != "mx2.example.com" || inv.Assets[1].Owner != "ops" {
			t.Errorf("merged asset = %+v", inv.Assets[1])
		}
		want := []string{b + ":1: 192.0.2.2 duplicates " + a + ":3; merged"}
		if !reflect.DeepEqual(inv.Warnings, want) {
			t.Errorf("warnings = %q, want %q", inv.Warnings, want)
		}
		if len(inv.Inputs) != 2 || inv.Inputs[0].Path != a || inv.Inputs[1].Path != b {
			t.Fatalf("inputs = %+v", inv.Inputs)
		}
		sum := sha256.Sum256([]byte(inv.Inputs[0].SHA256 + "\n" + inv.Inputs[1].SHA256 + "\n"))
		if inv.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("SHA256 = %s", inv.SHA256)
		}
	})
	t.Run("a conflict across files names the other file", func(t *testing.T) {
		t.Parallel()
		_, err := LoadInventory(a, c)
		want := c + `:1:31: 192.0.2.1: owner "web" conflicts with "ops" on ` + a + ":2"
		if err == nil || err.Error() != want {
			t.Errorf("error = %v, want %s", err, want)
		}
	})
	t.Run("an empty file among others is an error", func(t *testing.T) {
		t.Parallel()
		_, err := LoadInventory(a, empty)
		if want := empty + ":1: no assets"; err == nil || err.Error() != want {
			t.Errorf("error = %v, want %s", err, want)
		}
	})
	t.Run("a missing file", func(t *testing.T) {
		t.Parallel()
		missing := filepath.Join(dir, "missing.csv")
		_, err := LoadInventory(a, missing)
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("error = %v, want fs.ErrNotExist", err)
		}
		if want := missing + ": cannot read: no such file or directory"; err == nil || err.Error() != want {
			t.Errorf("error = %v, want %s", err, want)
		}
	})
	t.Run("no file", func(t *testing.T) {
		t.Parallel()
		if _, err := LoadInventory(); err == nil {
			t.Error("no error")
		}
	})
}

func assetIPs(inv *Inventory) string {
	ips := make([]string, len(inv.Assets))
	for i, a := range inv.Assets {
		ips[i] = a.IP
	}
	return strings.Join(ips, " ")
}

func TestInventoryErrorCap(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("ip\n")
	for range 60 {
		b.WriteString("bad\n")
	}
	_, err := ParseInventory("f.csv", []byte(b.String()))
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != maxInventoryErrors+1 || lines[len(lines)-1] != "... and 10 more" {
		t.Errorf("got %d lines, last %q", len(lines), lines[len(lines)-1])
	}
	if lines[0] != `f.csv:2:1: invalid ip "bad" (want an IPv4 or IPv6 address or a CIDR)` {
		t.Errorf("first = %q", lines[0])
	}
}

func TestInventoryAssetCap(t *testing.T) {
	t.Parallel()
	l := newLoader()
	l.maxAssets = 300
	l.addFile("f.csv", []byte("ip\n192.0.2.0/24\n198.51.100.0/24\n"))
	_, err := l.finish()
	if want := "f.csv:3: inventory has more than 300 assets"; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}

	l = newLoader()
	l.maxAssets = 300
	l.addFile("f.csv", []byte("ip\n192.0.2.0/24\n192.0.2.0/24\n192.0.2.0/24\n"))
	_, err = l.finish()
	if want := "f.csv:4: inventory expands to more than 600 addresses"; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestInventoryLargeCIDRs(t *testing.T) {
	t.Parallel()
	inv, err := ParseInventory("f.csv", []byte("ip\n192.0.0.0/16\n2001:db8::/112\n"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(inv.Assets); n != 65534+65536 {
		t.Errorf("%d assets", n)
	}
	if first, last := inv.Assets[0].IP, inv.Assets[65533].IP; first != "192.0.0.1" || last != "192.0.255.254" {
		t.Errorf("ipv4 range %s..%s", first, last)
	}
}

func TestInputErrorFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		e    InputError
		want string
	}{
		{InputError{File: "f.csv", Reason: "cannot read"}, "f.csv: cannot read"},
		{InputError{File: "f.csv", Line: 3, Reason: "r"}, "f.csv:3: r"},
		{InputError{File: "f.csv", Line: 3, Col: 2, Reason: "r"}, "f.csv:3:2: r"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := tt.e.Error(); got != tt.want {
				t.Errorf("got %q", got)
			}
		})
	}
}

// TestInventoryErrorsQuoteLongValuesShort: an error repeats the start of a
// bad value and its length, not a 1 MB field whole.
func TestInventoryErrorsQuoteLongValuesShort(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("1", 1<<20)
	for _, tc := range []struct{ file, data string }{
		{"f.csv", "ip\n" + huge + "\n"},
		{"f.csv", "ip,criticality\n192.0.2.1," + huge + "\n"},
		{"f.json", `[{"ip":"192.0.2.1","domain":"a..` + huge + `"}]`},
		{"f.yaml", "- ip: 192.0.2.1/" + huge + "\n"},
	} {
		_, err := ParseInventory(tc.file, []byte(tc.data))
		if err == nil {
			t.Fatalf("%s: no error", tc.file)
		}
		if msg := err.Error(); len(msg) > 400 {
			t.Errorf("%s: %d-byte error: %.300q", tc.file, len(msg), msg)
		}
	}
}

// utf16LE is s saved as UTF-16, little-endian, with its byte-order mark.
func utf16LE(s string) string {
	b := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

// TestYAMLAliasBudget: aliases and merge keys expand within a budget of
// values per byte of the file. Defaults merged into every entry load; an
// alias bomb, nested or flat, stops at the entry that passes the budget,
// quickly, and is reported there rather than at its anchor.
func TestYAMLAliasBudget(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("- &d {ip: 10.1.0.1, hostname: mx.example.com, helo: mx.example.com, domain: example.com, owner: ops, environment: prod, provider: colo, relay: r, criticality: high, dkim_selectors: [s1, s2]")
	for i := range maxTagsPerRow {
		fmt.Fprintf(&b, ", t%d: v%d", i, i)
	}
	b.WriteString("}\n")
	for i := range 2000 {
		fmt.Fprintf(&b, "- {<<: *d, ip: 10.0.%d.%d}\n", i/250, i%250+1)
	}
	inv, err := ParseInventory("ok.yaml", []byte(b.String()))
	if err != nil {
		t.Fatalf("defaults of every field and %d tags merged into 2,000 entries: %v", maxTagsPerRow, err)
	}
	if len(inv.Assets) != 2001 || inv.Assets[1].Owner != "ops" || len(inv.Assets[1].Tags) != maxTagsPerRow {
		t.Fatalf("%d assets, second %+v", len(inv.Assets), inv.Assets[1])
	}

	// Each entry merges the one before ten times over.
	laughs := "- &l0 {ip: 192.0.2.1, owner: x}\n"
	for i := 1; i <= 12; i++ {
		p := fmt.Sprintf("*l%d", i-1)
		laughs += fmt.Sprintf("- &l%d {<<: [%s], ip: 192.0.2.%d}\n", i, strings.Repeat(p+", ", 9)+p, i+1)
	}
	flat := "- &e {ip: 192.0.2.1, "
	for i := range maxTagsPerRow {
		flat += fmt.Sprintf("t%d: v%d, ", i, i)
	}
	flat = strings.TrimSuffix(flat, ", ") + "}\n" + strings.Repeat("- *e\n", 20_000)
	for name, data := range map[string]string{"laughs.yaml": laughs, "flat.yaml": flat} {
		start := time.Now()
		_, err := ParseInventory(name, []byte(data))
		if err == nil || !strings.Contains(err.Error(), "too many alias expansions") {
			t.Fatalf("%s: %v", name, err)
		}
		first, _, _ := strings.Cut(err.Error(), "\n")
		if strings.HasPrefix(first, name+":1:") {
			t.Errorf("%s: reported at the anchor: %s", name, first)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s: %s to refuse", name, d)
		}
	}
}

// TestConflictNamesTheOtherFileWhole: a conflict across files names the
// other file and line whole, however long its path; only values quoted
// from the input are cut short.
func TestConflictNamesTheOtherFileWhole(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), strings.Repeat("inventories-prod-", 10))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	os.WriteFile(a, []byte("ip,owner\n192.0.2.1,alice\n"), 0o644)
	os.WriteFile(b, []byte("ip,owner\n192.0.2.1,bob\n"), 0o644)
	_, err := LoadInventory(a, b)
	if err == nil || !strings.HasSuffix(err.Error(), `conflicts with "alice" on `+a+":2") {
		t.Fatalf("error %v, want it to name %s:2", err, a)
	}
}

// TestLoadInventoryCommaList: files given as one comma-separated value get
// a hint to repeat the flag.
func TestLoadInventoryCommaList(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, list := range []string{
		filepath.Join(dir, "a.csv,b.csv"),
		// The comma in a directory part of the value: the second
		// file's path has a directory of its own.
		filepath.Join(dir, "a.csv") + "," + filepath.Join(dir, "b.csv"),
		filepath.Join(dir, "a.csv") + ",fleets/b",
	} {
		_, err := LoadInventory(list)
		if err == nil || !strings.Contains(err.Error(), "for several files, repeat --inventory (-i a.csv -i b.csv)") {
			t.Errorf("%s: error %v", list, err)
		}
	}
}

// TestLargeYAMLWarned: a YAML inventory over yamlLargeFile is warned of
// (its parser's memory), and still read.
func TestLargeYAMLWarned(t *testing.T) {
	t.Parallel()
	data := "# " + strings.Repeat("x", yamlLargeFile) + "\n- {ip: 192.0.2.1}\n"
	inv, err := ParseInventory("big.yaml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Assets) != 1 || len(inv.Warnings) != 1 || !strings.Contains(inv.Warnings[0], "big.yaml:1: 4 MB of YAML takes about 160 MB of memory to read; save a fleet this large as CSV or JSON") {
		t.Errorf("assets %d, warnings %q", len(inv.Assets), inv.Warnings)
	}
}

// TestLoadInventoryFilesOnDisk reads files written as a user's tools save
// them and compares the whole message, path included.
func TestLoadInventoryFilesOnDisk(t *testing.T) {
	t.Parallel()
	utf16NoMark := func(s string, bigEndian bool) string {
		var b []byte
		for _, u := range utf16.Encode([]rune(s)) {
			if bigEndian {
				b = append(b, byte(u>>8), byte(u))
			} else {
				b = append(b, byte(u), byte(u>>8))
			}
		}
		return string(b)
	}
	tests := []struct {
		name     string
		file     string
		data     string
		want     []Asset
		err      string // {} stands for the file's path
		warnings []string
	}{
		{
			name: "csv saved as UTF-16 without a byte-order mark, CRLF",
			file: "u16n.csv",
			data: utf16NoMark("ip,hostname\r\n192.0.2.1,a.example.com\r\n", false),
			want: []Asset{{IP: "192.0.2.1", Hostname: "a.example.com", DKIMSelectors: []string{}, Tags: map[string]string{}}},
		},
		{
			name: "csv saved as UTF-16 without a byte-order mark, LF",
			file: "u16n.csv",
			data: utf16NoMark("ip,hostname\n192.0.2.1,a.example.com\n", false),
			want: []Asset{{IP: "192.0.2.1", Hostname: "a.example.com", DKIMSelectors: []string{}, Tags: map[string]string{}}},
		},
		{
			name: "big-endian UTF-16 without a byte-order mark",
			file: "u16n.csv",
			data: utf16NoMark("ip,owner\r\n192.0.2.1,Jos\u00e9\r\n", true),
			want: []Asset{{IP: "192.0.2.1", Owner: "José", DKIMSelectors: []string{}, Tags: map[string]string{}}},
		},
		{
			name: "json saved as UTF-16 without a byte-order mark: positions are the file's",
			file: "u16n.json",
			data: utf16NoMark("[\r\n{\"ip\": \"192.0.2.1\", \"hostname\": \"a b\"}]", false),
			err:  `{}:2:33: hostname "a b" is not a valid host or domain name: " " is not allowed in a name (letters, digits, hyphens and underscores only)`,
		},
		{
			name: "yaml saved as UTF-16 without a byte-order mark, ending in half a character",
			file: "u16n.yaml",
			data: utf16NoMark("- ip: 192.0.2.1\n", false) + "x",
			err:  `{}:2: the file is UTF-16 (without a byte-order mark: every other byte of its start is NUL) but ends in half a character; save it as UTF-8`,
		},
		{
			name: "a spreadsheet's CSV export in a locale whose list separator is ';' is named so",
			file: "fleet.csv",
			data: "\ufeffip;hostname;owner\r\n192.0.2.1;a.example.com;Mail Team\r\n",
			err:  `{}:1: no ip column in header "ip;hostname;owner" (the columns must be separated by commas; this header uses ';')`,
		},
		{
			name: "a tab-separated header with ';' in a column name is named tab-separated",
			file: "fleet.csv",
			data: "ip\thost;name\n192.0.2.1\ta.example.com\n",
			err:  `{}:1: no ip column in header "ip\thost;name" (the columns must be separated by commas; this header uses tabs)`,
		},
		{
			name: "tab-separated text renamed to csv is named so",
			file: "fleet.csv",
			data: "ip\thostname\towner\n192.0.2.1\ta.example.com\tMail Team\n",
			err:  `{}:1: no ip column in header "ip\thostname\towner" (the columns must be separated by commas; this header uses tabs)`,
		},
		{
			name: "a copy of a csv file named .txt is told to be renamed",
			file: "fleet.txt",
			data: "ip,hostname\n192.0.2.1,a.example.com\n",
			err:  `{}: unsupported inventory format ".txt" (want .csv, .yaml, .yml or .json); its first line holds commas: if the file is comma-separated values, rename it to .csv`,
		},
		{
			name: "a list of addresses named .txt is told to take a header",
			file: "list.txt",
			data: "\n192.0.2.10\n192.0.2.0/28\n",
			err:  `{}: unsupported inventory format ".txt" (want .csv, .yaml, .yml or .json); a list of addresses, one a line, is read as CSV with a header: put the line ip above them and rename the file to .csv`,
		},
		{
			name: "other text named .txt is told what is read",
			file: "semi.txt",
			data: "ip;hostname\n192.0.2.10;a.example.com\n",
			err:  `{}: unsupported inventory format ".txt" (want .csv, .yaml, .yml or .json); give a CSV file whose first row names the columns, ip among them: save the sheet as CSV (UTF-8) instead`,
		},
		{
			name: "a tab in a later line is no tab-separated header",
			file: "notes.txt",
			data: "ip,hostname,notes\n192.0.2.10,mx.example.com,\"a\tb\"\n",
			err:  `{}: unsupported inventory format ".txt" (want .csv, .yaml, .yml or .json); its first line holds commas: if the file is comma-separated values, rename it to .csv`,
		},
		{
			name: "the first line that holds something is the header",
			file: "blank.tsv",
			data: "\r\n  \nip\thostname\n",
			err:  `{}: unsupported inventory format ".tsv" (want .csv, .yaml, .yml or .json); tab-separated text, which a spreadsheet's "Unicode text" export gives, is not read: save the sheet as CSV (UTF-8) instead`,
		},
		{
			name: "a spreadsheet's unicode text export keeps its advice",
			file: "fleet.txt",
			data: utf16LE("ip\thostname\r\n192.0.2.1\ta.example.com\r\n"),
			err:  `{}: unsupported inventory format ".txt" (want .csv, .yaml, .yml or .json); tab-separated text, which a spreadsheet's "Unicode text" export gives, is not read: save the sheet as CSV (UTF-8) instead`,
		},
		{
			name: "UTF-16 without a byte-order mark holding commas is told to be renamed, as it is read as UTF-16",
			file: "fleet.txt",
			data: utf16NoMark("ip,hostname\r\n192.0.2.1,a.example.com\r\n", false),
			err:  `{}: unsupported inventory format ".txt" (want .csv, .yaml, .yml or .json); its first line holds commas: if the file is comma-separated values, rename it to .csv`,
		},
		{
			name: "tab-separated text named .tsv keeps its advice",
			file: "fleet.tsv",
			data: "ip\thostname,owner\n192.0.2.1\ta.example.com\n",
			err:  `{}: unsupported inventory format ".tsv" (want .csv, .yaml, .yml or .json); tab-separated text, which a spreadsheet's "Unicode text" export gives, is not read: save the sheet as CSV (UTF-8) instead`,
		},
		{
			name: "a json key warned of as a near miss is placed at the key",
			file: "o6.json",
			data: "[\r\n  {\"ip\": \"192.0.2.1\",   \"ehlo\":\r\n    \"mx.example.com\"}\r\n]\r\n",
			want: []Asset{{IP: "192.0.2.1", DKIMSelectors: []string{}, Tags: map[string]string{"ehlo": "mx.example.com"}}},
			warnings: []string{
				`{}:2:25: "ehlo" is kept as a tag, not read as helo: name it helo if it is meant as that field`,
			},
		},
		{
			name: "a yaml key warned of as a near miss is placed at the key, not its value",
			file: "o6.yaml",
			data: "assets:\n  - ip: 192.0.2.1\n    owner: ops\n    \"ehlo\":\n      mx.example.com\n",
			want: []Asset{{IP: "192.0.2.1", Owner: "ops", DKIMSelectors: []string{}, Tags: map[string]string{"ehlo": "mx.example.com"}}},
			warnings: []string{
				`{}:4:5: "ehlo" is kept as a tag, not read as helo: name it helo if it is meant as that field`,
			},
		},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sub := filepath.Join(dir, fmt.Sprint(i))
			if err := os.Mkdir(sub, 0o700); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(sub, tt.file)
			if err := os.WriteFile(path, []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			inv, err := LoadInventory(path)
			if tt.err != "" {
				if want := strings.ReplaceAll(tt.err, "{}", path); err == nil || err.Error() != want {
					t.Errorf("error:\n got %v\nwant %s", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(inv.Assets, tt.want) {
				t.Errorf("assets:\n got %+v\nwant %+v", inv.Assets, tt.want)
			}
			var want []string
			for _, w := range tt.warnings {
				want = append(want, strings.ReplaceAll(w, "{}", path))
			}
			if !reflect.DeepEqual(inv.Warnings, want) && (len(inv.Warnings) > 0 || len(want) > 0) {
				t.Errorf("warnings:\n got %q\nwant %q", inv.Warnings, want)
			}
		})
	}
}
