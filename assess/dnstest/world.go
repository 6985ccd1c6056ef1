package dnstest

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// World is a synthetic DNS world of mail senders: the zones that answer
// for them and their inventory as CSV.
type World struct {
	Zones     []Zone
	Inventory []byte // CSV with the SPEC's header
	Senders   int
	Domains   []string
	// Queries lists the questions an assessment of the world asks, one per
	// line as "name TYPE" (dnsperf's input format): per sender its PTR, the
	// forward lookup of its PTR names and of its HELO name (once, when it
	// is a PTR name) and the TXT of its HELO name; per domain some sender
	// uses, its SPF, DMARC and DKIM records; the shared include chain.
	Queries []string
}

// Kinds of synthetic sender, by share of the fleet.
const (
	kindGood      = iota // PTR, FCrDNS, HELO, SPF all in order
	kindGeneric          // PTR embeds the IP
	kindMissing          // no PTR
	kindBrokenFwd        // PTR name resolves elsewhere
	kindMulti            // two PTR names, both forward-confirmed
	kindV6               // IPv6 sender
)

// SyntheticWorld builds a world of n senders (IPv4 from 10.128.0.0/9 and
// 2001:db8::/32 addresses, names under .example), sending for 20 domains
// with SPF include chains, DKIM selectors and DMARC records. Of the
// whole fleet, about 8% are IPv4 senders with a generic PTR name, 5% with
// none, 4% with a PTR name that resolves elsewhere and 2% with two PTR
// names (the IPv6 share comes first); some domains publish DMARC with
// pct below 100 or lack the DKIM selector. The same n and seed give the same
// world. v6share is the share of IPv6 senders (0 for an all-IPv4 fleet).
func SyntheticWorld(n int, seed uint64, v6share float64) World {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	w := World{Senders: n}
	const ndomains = 20
	soa := func(origin string) string {
		return fmt.Sprintf("$ORIGIN %s\n$TTL 3600\n@ IN SOA ns1.example.net. hostmaster.example.net. 1 3600 600 86400 300\n@ IN NS ns1.example.net.\n", origin)
	}
	// Shared ESP zone with an include chain.
	var esp strings.Builder
	esp.WriteString(soa("esp.example."))
	esp.WriteString("_spf IN TXT \"v=spf1 include:_spf2.esp.example. include:_spf3.esp.example. ~all\"\n")
	esp.WriteString("_spf2 IN TXT \"v=spf1 ip4:10.0.0.0/9 -all\"\n")
	esp.WriteString("_spf3 IN TXT \"v=spf1 ip6:2001:db8::/32 -all\"\n")
	w.Zones = append(w.Zones, Zone{Origin: "esp.example.", Text: esp.String(), File: "esp.example.zone"})
	w.Queries = append(w.Queries, "_spf.esp.example. TXT", "_spf2.esp.example. TXT", "_spf3.esp.example. TXT")
	chain := len(w.Queries)

	domains := make([]strings.Builder, ndomains)
	for d := range ndomains {
		name := fmt.Sprintf("d%02d.example", d)
		w.Domains = append(w.Domains, name)
		b := &domains[d]
		b.WriteString(soa(name + "."))
		b.WriteString("@ IN TXT \"v=spf1 ip4:10.128.0.0/9 include:_spf.esp.example. -all\"\n")
		policy := []string{"reject", "quarantine", "none"}[d%3]
		pct := ""
		if d%7 == 6 {
			pct = "; pct=50"
		}
		fmt.Fprintf(b, "_dmarc IN TXT \"v=DMARC1; p=%s%s; rua=mailto:dmarc@%s\"\n", policy, pct, name)
		if d%10 != 9 {
			fmt.Fprintf(b, "s1._domainkey IN TXT \"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n")
		}
	}
	rev4 := map[string]*strings.Builder{}
	var rev4Order []string
	var rev6 strings.Builder
	rev6.WriteString(soa("8.b.d.0.1.0.0.2.ip6.arpa."))

	var inv bytes.Buffer
	cw := csv.NewWriter(&inv)
	_ = cw.Write([]string{"ip", "hostname", "helo", "domain", "dkim_selectors", "owner", "environment", "provider", "relay", "criticality"})
	used := make([]bool, ndomains) // the domains some sender sends for
	for i := range n {
		d := rng.IntN(ndomains)
		used[d] = true
		dom := w.Domains[d]
		kind := kindGood
		switch r := rng.Float64(); {
		case r < v6share:
			kind = kindV6
		case r < v6share+0.08:
			kind = kindGeneric
		case r < v6share+0.13:
			kind = kindMissing
		case r < v6share+0.17:
			kind = kindBrokenFwd
		case r < v6share+0.19:
			kind = kindMulti
		}
		host := fmt.Sprintf("mta%d.%s", i, dom)
		var ip netip.Addr
		if kind == kindV6 {
			ip = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 12: byte(i >> 24), 13: byte(i >> 16), 14: byte(i >> 8), 15: byte(i)})
		} else {
			// 10.128.0.0/9 onwards, skipping .0 and .255.
			v := 0x0A800000 + uint32(i/254)<<8 + uint32(i%254+1)
			ip = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
		}
		b := &domains[d]
		fwd := "A"
		if ip.Is6() {
			fwd = "AAAA"
		}
		ptrs := []string{host}
		switch kind {
		case kindGeneric:
			ptrs[0] = strings.ReplaceAll(ip.String(), ".", "-") + ".pool." + dom
			fmt.Fprintf(b, "%s. IN A %s\n", ptrs[0], ip)
		case kindBrokenFwd:
			fmt.Fprintf(b, "%s. IN A 10.0.0.1\n", host)
		case kindMulti:
			alias := fmt.Sprintf("alias%d.%s", i, dom)
			ptrs = append(ptrs, alias)
			fmt.Fprintf(b, "%s. IN A %s\n%s. IN A %s\n", host, ip, alias, ip)
		case kindMissing:
			ptrs = nil
		default:
			fmt.Fprintf(b, "%s. IN %s %s\n", host, fwd, ip)
		}
		if ip.Is4() {
			o := ip.As4()
			origin := fmt.Sprintf("%d.%d.%d.in-addr.arpa.", o[2], o[1], o[0])
			z, ok := rev4[origin]
			if !ok {
				z = &strings.Builder{}
				z.WriteString(soa(origin))
				rev4[origin] = z
				rev4Order = append(rev4Order, origin)
			}
			for _, p := range ptrs {
				fmt.Fprintf(z, "%d IN PTR %s.\n", o[3], p)
			}
		} else {
			rev, _ := reverse6(ip)
			for _, p := range ptrs {
				fmt.Fprintf(&rev6, "%s IN PTR %s.\n", rev, p)
			}
		}
		w.Queries = append(w.Queries, reverseName(ip)+" PTR")
		for _, p := range ptrs {
			w.Queries = append(w.Queries, p+". "+fwd)
		}
		if !slices.Contains(ptrs, host) {
			// helo.fqdn asks the HELO name's address (none: NXDOMAIN).
			w.Queries = append(w.Queries, host+". "+fwd)
		}
		w.Queries = append(w.Queries, host+". TXT")
		_ = cw.Write([]string{ip.String(), host, host, dom, "s1", "team" + strconv.Itoa(d), "production", "synthetic", "", "medium"})
	}
	cw.Flush()
	w.Inventory = inv.Bytes()
	// Only the domains of some sender are asked about: a fleet of a few
	// senders does not use all 20. Their questions follow the include
	// chain's, before the senders'.
	var domainQs []string
	for d, name := range w.Domains {
		if used[d] {
			domainQs = append(domainQs, name+". TXT", "_dmarc."+name+". TXT", "s1._domainkey."+name+". TXT")
		}
	}
	w.Queries = slices.Insert(w.Queries, chain, domainQs...)
	for d := range ndomains {
		w.Zones = append(w.Zones, Zone{Origin: w.Domains[d] + ".", Text: domains[d].String(), File: w.Domains[d] + ".zone"})
	}
	for _, origin := range rev4Order {
		w.Zones = append(w.Zones, Zone{Origin: origin, Text: rev4[origin].String(), File: origin + "zone"})
	}
	w.Zones = append(w.Zones, Zone{Origin: "8.b.d.0.1.0.0.2.ip6.arpa.", Text: rev6.String(), File: "8.b.d.0.1.0.0.2.ip6.arpa.zone"})
	return w
}

// WriteDir writes the world for a real DNS server and load generator:
// zones/<origin>.zone (origin without its final dot), inventory.csv, and
// queries.txt (dnsperf input). It returns the origins in the order
// written.
func (w World) WriteDir(dir string) ([]string, error) {
	if err := os.MkdirAll(filepath.Join(dir, "zones"), 0o755); err != nil {
		return nil, err
	}
	var origins []string
	for _, z := range w.Zones {
		origin := strings.TrimSuffix(z.Origin, ".")
		if err := os.WriteFile(filepath.Join(dir, "zones", origin+".zone"), []byte(z.Text), 0o644); err != nil {
			return nil, err
		}
		origins = append(origins, origin)
	}
	if err := os.WriteFile(filepath.Join(dir, "inventory.csv"), w.Inventory, 0o644); err != nil {
		return nil, err
	}
	q := strings.Join(w.Queries, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "queries.txt"), []byte(q), 0o644); err != nil {
		return nil, err
	}
	return origins, nil
}

// reverse6 returns the ip6.arpa labels of ip below 8.b.d.0.1.0.0.2.ip6.arpa.
func reverse6(ip netip.Addr) (string, bool) {
	b := ip.As16()
	var parts []string
	for i := 15; i >= 4; i-- {
		parts = append(parts, strconv.FormatUint(uint64(b[i]&0xf), 16), strconv.FormatUint(uint64(b[i]>>4), 16))
	}
	return strings.Join(parts, "."), true
}

func reverseName(ip netip.Addr) string {
	if ip.Is4() {
		o := ip.As4()
		return fmt.Sprintf("%d.%d.%d.%d.in-addr.arpa.", o[3], o[2], o[1], o[0])
	}
	r, _ := reverse6(ip)
	return r + ".8.b.d.0.1.0.0.2.ip6.arpa."
}
