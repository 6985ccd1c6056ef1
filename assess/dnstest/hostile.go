package dnstest

import (
	"fmt"
	"strings"
)

// Hostile senders of HostileWorld, by IP.
const (
	HostileLoop    = "192.0.2.10" // reverse name in a CNAME loop
	HostileMany    = "192.0.2.11" // 1,000 PTR names, all forward-confirmed
	HostileBig     = "192.0.2.12" // 4 KB SPF, DKIM and DMARC TXT records
	HostileChain   = "192.0.2.13" // reverse CNAME chain of 12 hops
	HostileOK      = "192.0.2.14" // an ordinary sender among them
	HostileOdd     = "192.0.2.15" // SPF, DKIM and DMARC text with bytes that are not UTF-8, controls and bidi overrides
	HostileHuge    = "192.0.2.16" // a 60 KB TXT record of control bytes beside the domain's SPF record
	HostileManyPTR = 1000
)

// HostileWorld is a small world of senders whose DNS data is hostile: a
// reverse name in a CNAME loop, an IP with 1,000 PTR names, 4 KB TXT
// records (over UDP they truncate, so the client must use TCP), and a CNAME
// chain longer than any client follows. All under 192.0.2.0/24 and
// hostile.example.
func HostileWorld() World {
	const dom = "hostile.example"
	var rev, fwd strings.Builder
	soa := "$TTL 3600\n@ IN SOA ns1.example.net. hostmaster.example.net. 1 3600 600 86400 300\n@ IN NS ns1.example.net.\n"
	rev.WriteString("$ORIGIN 2.0.192.in-addr.arpa.\n" + soa)
	fwd.WriteString("$ORIGIN hostile.example.\n" + soa)

	// A CNAME loop, RFC 2317 style.
	rev.WriteString("10 IN CNAME 10.loop\n10.loop IN CNAME 10\n")
	// 1,000 PTR names, each with an A record for the IP.
	for i := range HostileManyPTR {
		fmt.Fprintf(&rev, "11 IN PTR h%04d.many.%s.\n", i, dom)
		fmt.Fprintf(&fwd, "h%04d.many IN A %s\n", i, HostileMany)
	}
	// 4 KB records: SPF listing many addresses (the sender's among them),
	// a DKIM key with a long notes tag, DMARC with many report addresses.
	rev.WriteString("12 IN PTR big.hostile.example.\n")
	fwd.WriteString("big IN A " + HostileBig + "\n")
	var spf []string
	for i := 0; len(strings.Join(spf, " ")) < 4096; i++ {
		spf = append(spf, fmt.Sprintf("ip4:198.51.100.%d", i%256))
	}
	spf = append(spf[:len(spf)/2], append([]string{"ip4:" + HostileBig}, spf[len(spf)/2:]...)...)
	fmt.Fprintf(&fwd, "big IN TXT %s\n", txtStrings("v=spf1 "+strings.Join(spf, " ")+" -all"))
	fmt.Fprintf(&fwd, "s1._domainkey.big IN TXT %s\n",
		txtStrings("v=DKIM1; k=ed25519; n="+strings.Repeat("x", 4096)+"; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="))
	var rua []string
	for i := 0; len(strings.Join(rua, ",")) < 4096; i++ {
		rua = append(rua, fmt.Sprintf("mailto:dmarc%d@big.hostile.example", i))
	}
	fmt.Fprintf(&fwd, "_dmarc.big IN TXT %s\n", txtStrings("v=DMARC1; p=reject; rua="+strings.Join(rua, ",")))
	// A chain of 12 CNAMEs before the PTR.
	rev.WriteString("13 IN CNAME 13.c1\n")
	for i := 1; i < 12; i++ {
		fmt.Fprintf(&rev, "13.c%d IN CNAME 13.c%d\n", i, i+1)
	}
	rev.WriteString("13.c12 IN PTR chain.hostile.example.\n")
	fwd.WriteString("chain IN A " + HostileChain + "\n")
	// Text a terminal or viewer would act on, bytes that are not UTF-8,
	// and a DKIM notes tag of 600 two-byte characters, which the observed
	// values cut: none of it may reach a pack other than escaped.
	rev.WriteString("15 IN PTR odd.hostile.example.\n")
	fwd.WriteString("odd IN A " + HostileOdd + "\n")
	fmt.Fprintf(&fwd, "odd IN TXT %s\n", txtBytes("v=spf1 ip4:"+HostileOdd+" \x80 \u009b[2J \u202eexe.txt -all"))
	fmt.Fprintf(&fwd, "s1._domainkey.odd IN TXT %s\n",
		txtBytes("v=DKIM1; k=ed25519; n="+strings.Repeat("é", 600)+"; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="))
	fmt.Fprintf(&fwd, "_dmarc.odd IN TXT %s\n", txtBytes("v=DMARC1; p=reject; rua=mailto:a\x1b[2J@odd.hostile.example,mailto:b\u2028@odd.hostile.example"))
	// A TXT record of 60 KB of control bytes beside a valid SPF record:
	// 240 KB in presentation form, more than any answer's evidence keeps.
	rev.WriteString("16 IN PTR huge.hostile.example.\n")
	fwd.WriteString("huge IN A " + HostileHuge + "\n")
	fmt.Fprintf(&fwd, "huge IN TXT %s\n", txtStrings("v=spf1 ip4:"+HostileHuge+" -all"))
	fmt.Fprintf(&fwd, "huge IN TXT %s\n", txtBytes(strings.Repeat("\x01", 60000)))
	// An ordinary sender.
	rev.WriteString("14 IN PTR ok.hostile.example.\n")
	fwd.WriteString("ok IN A " + HostileOK + "\n@ IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n")
	fwd.WriteString("_dmarc IN TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@hostile.example\"\n")

	inv := "ip,hostname,helo,domain,dkim_selectors\n" +
		HostileLoop + ",loop.hostile.example,,hostile.example,\n" +
		HostileMany + ",h0000.many.hostile.example,h0000.many.hostile.example,hostile.example,\n" +
		HostileBig + ",big.hostile.example,big.hostile.example,big.hostile.example,s1\n" +
		HostileChain + ",chain.hostile.example,,hostile.example,\n" +
		HostileOK + ",ok.hostile.example,ok.hostile.example,hostile.example,\n" +
		HostileOdd + ",odd.hostile.example,odd.hostile.example,odd.hostile.example,s1\n" +
		HostileHuge + ",huge.hostile.example,,huge.hostile.example,\n"
	return World{
		Zones: []Zone{
			{Origin: "2.0.192.in-addr.arpa.", Text: rev.String(), File: "2.0.192.in-addr.arpa.zone"},
			{Origin: dom + ".", Text: fwd.String(), File: dom + ".zone"},
		},
		Inventory: []byte(inv),
		Senders:   7,
		Domains:   []string{dom, "big." + dom, "odd." + dom, "huge." + dom},
	}
}

// txtStrings splits s into quoted character-strings of at most 255 bytes.
func txtStrings(s string) string {
	var parts []string
	for len(s) > 0 {
		n := min(len(s), 255)
		parts = append(parts, `"`+s[:n]+`"`)
		s = s[n:]
	}
	return strings.Join(parts, " ")
}

// txtBytes writes the bytes of s as TXT character-strings of at most 255
// bytes each, every byte outside printable ASCII (and the quote and
// backslash) escaped as \DDD, so the zone holds exactly those bytes.
func txtBytes(s string) string {
	var parts []string
	for len(s) > 0 {
		n := min(len(s), 255)
		var b strings.Builder
		b.WriteByte('"')
		for i := range n {
			c := s[i]
			if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
				fmt.Fprintf(&b, "\\%03d", c)
				continue
			}
			b.WriteByte(c)
		}
		b.WriteByte('"')
		parts = append(parts, b.String())
		s = s[n:]
	}
	return strings.Join(parts, " ")
}
