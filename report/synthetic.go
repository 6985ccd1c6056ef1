package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"time"

	"senderproof/assess"
)

// SyntheticPack returns a realistic Pack of n assets (about 17 findings
// each) for tests and benchmarks of the writers. The same n and seed give
// the same Pack. It holds every status, DKIM selectors, controls from four
// frameworks, drift against a baseline, and hostile text where DNS or an
// inventory can put it: a TXT record that reads as a spreadsheet formula,
// values starting with + - @, control characters, a 4000-character TXT
// record, non-ASCII and bidi text, and empty fields (on assets 1 to 4, so
// n >= 5 holds them all). Names and addresses are reserved for
// documentation.
func SyntheticPack(n int, seed uint64) *Pack {
	if n < 0 {
		n = 0
	}
	g := &synth{
		rng:   rand.New(rand.NewPCG(seed, seed^0x5eed5eed)),
		start: time.Date(2025, 6, 30, 9, 0, 0, 0, time.UTC),
	}
	p := &Pack{
		Schema: Schema,
		Tool:   Tool{Name: "senderproof", Version: "0.9.0-synthetic"},
	}
	p.Run = Run{
		ID:              fmt.Sprintf("20250630T090000Z-%08x", uint32(seed)),
		Title:           "Example Corp — outbound mail fleet",
		StartedAt:       g.start,
		Resolvers:       []string{"192.0.2.53:53", "[2001:db8::53]:53"},
		InventorySHA256: synthHash("inventory", seed),
		Inventories:     []Input{{Path: "inventory/senders.csv", SHA256: synthHash("inventory", seed)}},
		Mappings:        synthMappings(),
		Settings:        Settings{Concurrency: 64, QPS: 200, Timeout: "3s", Retries: 2},
		Notes:           []string{"synthetic pack for tests and benchmarks"},
	}
	p.Run.Checks = checkInfos()
	p.Drift = &Drift{
		Baseline: "baseline/evidence.json",
		BaseRun:  "20250331T090000Z-0000beef",
		Added:    []string{},
		Removed:  []string{"192.0.2.254", "2001:db8:ffff::1"},
		RemovedAssets: []assess.Asset{
			{IP: "192.0.2.254", Hostname: "old-mx.example.com", HELO: "old-mx.example.com", Domain: "example.com", Owner: "mail-platform", Criticality: "high"},
			{IP: "2001:db8:ffff::1", Domain: "example.net"},
		},
		// What a hostile zone can put in the recheck's wording: a TXT
		// record's term that reads as a formula, a control character.
		Offboarding: []assess.Offboard{
			{IP: "192.0.2.254", Status: assess.StatusFail,
				LeftBehind: []assess.LeftBehind{{Check: "spf.authorizes_ip", Kind: "spf_address", Name: "example.com", Term: "ip4:192.0.2.254", Status: assess.StatusFail},
					{Check: "ptr.fcrdns", Kind: "forward_name", Name: "old-mx.example.com", Status: assess.StatusWarn}},
				Undetermined: []string{},
				Message:      "192.0.2.254 (old-mx.example.com), removed from the inventory since the baseline run 20250331T090000Z-0000beef, is still authorized to send: the SPF record of example.com still authorizes it by its own address (ip4:192.0.2.254); its PTR still names old-mx.example.com, which still resolves to it.",
				Remediation:  "If 192.0.2.254 no longer sends mail for you: remove ip4:192.0.2.254 from the SPF record of example.com.",
				Findings:     []assess.Finding{}},
			{IP: "2001:db8:ffff::1", Status: assess.StatusError, LeftBehind: []assess.LeftBehind{}, Undetermined: []string{"spf.authorizes_ip"},
				Message:     "=HYPERLINK(\"http://evil.example\") \x1b[31m nothing found still vouching for 2001:db8:ffff::1, but spf.authorizes_ip could not be determined.",
				Remediation: "Find out why spf.authorizes_ip could not be determined.",
				Findings:    []assess.Finding{}},
		},
	}
	p.Assets = make([]assess.Asset, n)
	p.Findings = make([]assess.Finding, 0, n*18)
	p.AssetSummary = make([]AssetSummary, 0, n)
	for i := range n {
		a := g.asset(i)
		p.Assets[i] = a
		if i%97 == 5 {
			p.Drift.Added = append(p.Drift.Added, a.IP)
		}
		first := len(p.Findings)
		p.Findings = g.findings(p.Findings, i, a, p.Drift)
		p.AssetSummary = append(p.AssetSummary, synthAssetSummary(a, p.Findings[first:]))
	}
	for i := range p.Findings {
		synthCount(&p.Summary, p.Findings[i].Status)
	}
	p.Summary.Assets = n
	p.Summary.Findings = len(p.Findings)
	p.Controls = synthControls(p.Findings)
	p.Run.FinishedAt = g.start.Add(time.Duration(n)*7*time.Millisecond + 42*time.Second)
	p.Run.Queries = QueryStats{
		Lookups: int64(n) * 24, CacheHits: int64(n) * 9, Sent: int64(n) * 16, TCP: int64(n) / 40,
		Timeouts: int64(n) / 100, Errors: int64(n) / 60,
	}
	return p
}

func synthCount(s *Summary, st assess.Status) {
	switch st {
	case assess.StatusPass:
		s.Pass++
	case assess.StatusFail:
		s.Fail++
	case assess.StatusWarn:
		s.Warn++
	case assess.StatusError:
		s.Error++
	case assess.StatusSkip:
		s.Skip++
	}
}

type synth struct {
	rng   *rand.Rand
	start time.Time
	at    time.Duration
}

func synthHash(kind string, seed uint64) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s/%d", kind, seed))
	return hex.EncodeToString(h[:])
}

// synthIP gives the i-th address: the three IPv4 documentation blocks
// first, then 2001:db8::/32.
func synthIP(i int) string {
	blocks := [3][3]byte{{192, 0, 2}, {198, 51, 100}, {203, 0, 113}}
	if i < 3*250 {
		b := blocks[i/250]
		return netip.AddrFrom4([4]byte{b[0], b[1], b[2], byte(i%250 + 2)}).String()
	}
	j := i - 3*250
	return fmt.Sprintf("2001:db8:%x:%x::25", 0x100+j/65536, j%65536)
}

var (
	synthDomains  = []string{"example.com", "example.net", "example.org", "mail.example", "corp.test"}
	synthOwners   = []string{"messaging-platform", "marketing-ops", "billing", "it-infra", "hr-systems"}
	synthEnvs     = []string{"production", "production", "staging", "dr"}
	synthProvs    = []string{"on-prem", "aws", "azure", "gcp", "colo-fra1"}
	synthRelays   = []string{"", "", "", "relay.example.net", "esp.example.org"}
	synthCrit     = []string{"high", "medium", "medium", "low"}
	synthSelector = []string{"s1", "s2024", "mta", "google", "k1"}
)

// asset returns the i-th asset; assets 1 to 4 carry the hostile values.
func (g *synth) asset(i int) assess.Asset {
	d := synthDomains[i%len(synthDomains)]
	ip := synthIP(i)
	a := assess.Asset{
		IP:          ip,
		Hostname:    fmt.Sprintf("mta%d.out.%s", i, d),
		HELO:        fmt.Sprintf("mta%d.out.%s", i, d),
		Domain:      d,
		Owner:       synthOwners[i%len(synthOwners)],
		Environment: synthEnvs[i%len(synthEnvs)],
		Provider:    synthProvs[i%len(synthProvs)],
		Relay:       synthRelays[i%len(synthRelays)],
		Criticality: synthCrit[i%len(synthCrit)],
		Tags:        map[string]string{"site": fmt.Sprintf("dc%d", i%3+1)},
	}
	switch g.rng.IntN(4) {
	case 0:
		a.DKIMSelectors = []string{synthSelector[i%len(synthSelector)]}
	case 1, 2:
		a.DKIMSelectors = []string{synthSelector[i%len(synthSelector)], synthSelector[(i+1)%len(synthSelector)]}
	default: // no selectors: dkim.key is skip
	}
	if i%10 == 7 {
		a.HELO = ""
	}
	if i%13 == 11 {
		a.Hostname = ""
	}
	switch i {
	case 1:
		a.Owner = "+1-555-0100 (noc)"
		a.Environment = "-prod"
		a.Relay = "@relay.example.net"
		a.Tags["ticket"] = "=1+1"
	case 2:
		a.Hostname = "mta2\x00evil\x1b[31m.out.example.org"
		a.HELO = "helo\r\nX-Injected: header.example"
		a.Owner = "Zoë Ångström — 送信チーム"
		a.Tags["note"] = "\u202egnp.exe"
	case 3:
		a.Owner = ""
		a.Environment = ""
		a.Provider = ""
		a.Tags = nil
	case 4:
		a.Hostname = "mta4.bücher.example"
		a.Owner = "Ελληνική ομάδα"
		a.DKIMSelectors = []string{"s1", strings.Repeat("long-selector-", 8) + "x"}
	}
	return a
}

// pick returns one of the statuses by weight (percent, summing to 100).
func (g *synth) pick(w ...any) assess.Status {
	r := g.rng.IntN(100)
	for k := 0; k+1 < len(w); k += 2 {
		r -= w[k+1].(int)
		if r < 0 {
			return w[k].(assess.Status)
		}
	}
	return w[len(w)-2].(assess.Status)
}

const (
	synPass  = assess.StatusPass
	synFail  = assess.StatusFail
	synWarn  = assess.StatusWarn
	synError = assess.StatusError
	synSkip  = assess.StatusSkip
)

func (g *synth) ev(name, typ, rcode string, answers ...string) assess.Evidence {
	g.at += 3 * time.Millisecond
	server := "192.0.2.53:53"
	transport := "udp"
	if len(answers) > 0 && len(answers[0]) > 900 {
		transport = "tcp"
	}
	e := assess.Evidence{
		Name: name, Type: typ, Server: server, Transport: transport, Rcode: rcode,
		Answers: answers, At: g.start.Add(g.at), RTT: float64(g.rng.IntN(4000)) / 100,
	}
	if answers == nil {
		e.Answers = []string{}
	}
	if rcode == "" {
		e.Rcode = ""
		e.Error = "read udp 192.0.2.53:53: i/o timeout"
	}
	if rcode == "NXDOMAIN" || rcode == "NOERROR" && len(answers) == 0 {
		e.Authority = []string{"example.net.\t300\tIN\tSOA\tns1.example.net. hostmaster.example.net. 2026112601 3600 600 86400 300"}
	}
	return e
}

func synthReverse(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	if a.Is4() {
		b := a.As4()
		return fmt.Sprintf("%d.%d.%d.%d.in-addr.arpa.", b[3], b[2], b[1], b[0])
	}
	b := a.As16()
	var s strings.Builder
	for k := 15; k >= 0; k-- {
		fmt.Fprintf(&s, "%x.%x.", b[k]&0xf, b[k]>>4)
	}
	return s.String() + "ip6.arpa."
}

var synthRemediation = map[string]string{
	"ptr.present":          "Ask the owner of the IP's reverse zone (your ISP or cloud provider) to publish a PTR record naming the sender's hostname.",
	"ptr.single":           "Keep exactly one PTR name per sending IP; remove the extra PTR records from the reverse zone.",
	"ptr.not_generic":      "Replace the provider's default reverse name with a descriptive hostname in your own domain.",
	"ptr.fcrdns":           "Publish an A/AAAA record for the PTR name that points back to this IP (forward-confirmed reverse DNS).",
	"ptr.matches_expected": "Update the PTR record or the inventory so the reverse name matches the expected hostname.",
	"helo.fqdn":            "Configure the MTA to announce a fully qualified HELO name whose A/AAAA record contains the sending IP.",
	"helo.matches_ptr":     "Make the HELO name equal to the IP's PTR name.",
	"helo.spf":             "Publish an SPF record for the HELO name that authorises this IP, e.g. \"v=spf1 a -all\".",
	"spf.record":           "Publish exactly one valid \"v=spf1 …\" TXT record at the domain and remove duplicates.",
	"spf.authorizes_ip":    "Add this IP (ip4:/ip6: or an include of the relay) to the domain's SPF record.",
	"spf.lookup_limit":     "Flatten or trim includes so SPF evaluation needs at most 10 DNS-mechanism lookups and 2 void lookups.",
	"dkim.key":             "Publish a DKIM key of at least 2048-bit RSA or Ed25519 for the selector and rotate the old key out.",
	"dmarc.record":         "Publish a DMARC record at _dmarc.<domain>, starting with \"v=DMARC1; p=none; rua=mailto:…\".",
	"dmarc.policy":         "Move the DMARC policy to p=quarantine or p=reject with pct=100 once reports are clean.",
	"dmarc.reporting":      "Add rua=mailto:<address> to the DMARC record to receive aggregate reports.",
	"align.identity":       "Use PTR, HELO and envelope domain names from one organizational domain.",
	"drift.changed":        "Confirm each change was planned; update the inventory or revert the DNS change.",
}

// findings appends the findings of asset i in check-ID order.
func (g *synth) findings(out []assess.Finding, i int, a assess.Asset, drift *Drift) []assess.Finding {
	rev := synthReverse(a.IP)
	ptrName := a.Hostname
	if ptrName == "" {
		ptrName = fmt.Sprintf("host-%s.example.net", strings.NewReplacer(".", "-", ":", "-").Replace(a.IP))
	}
	ptrSt := g.pick(synPass, 95, synFail, 3, synError, 2)
	if i == 0 {
		ptrSt = synPass
	}
	ptrEv := g.ev(rev, "PTR", "NOERROR", fmt.Sprintf("%s\t3600\tIN\tPTR\t%s.", rev, ptrName))
	switch ptrSt {
	case synFail:
		ptrEv = g.ev(rev, "PTR", "NXDOMAIN")
	case synError:
		ptrEv = g.ev(rev, "PTR", "SERVFAIL")
	}
	fwdEv := g.ev(ptrName+".", "A", "NOERROR", fmt.Sprintf("%s.\t300\tIN\tA\t%s", ptrName, a.IP))
	d := a.Domain
	spfTXT := "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 include:_spf.example.net -all"
	spfEv := g.ev(d+".", "TXT", "NOERROR", fmt.Sprintf("%s.\t300\tIN\tTXT\t%q", d, spfTXT))
	dmarcTXT := "v=DMARC1; p=reject; pct=100; rua=mailto:dmarc-reports@" + d
	dmarcEv := g.ev("_dmarc."+d+".", "TXT", "NOERROR", fmt.Sprintf("_dmarc.%s.\t300\tIN\tTXT\t%q", d, dmarcTXT))

	type row struct {
		check string
		sel   *string
		st    assess.Status
		msg   string
		obs   map[string]any
		ev    []assess.Evidence
	}
	var rows []row
	add := func(check string, st assess.Status, msg string, obs map[string]any, ev ...assess.Evidence) {
		rows = append(rows, row{check: check, st: st, msg: msg, obs: obs, ev: ev})
	}
	ptrDep := func(check string, okSt assess.Status, okMsg string, obs map[string]any, ev ...assess.Evidence) {
		switch ptrSt {
		case synError:
			add(check, synError, "The PTR lookup for "+a.IP+" failed (SERVFAIL), so this could not be determined.", map[string]any{"ptr_rcode": "SERVFAIL"}, ptrEv)
		default:
			add(check, okSt, okMsg, obs, ev...)
		}
	}

	// align.identity
	alignSt := g.pick(synPass, 80, synWarn, 20)
	if ptrSt == synFail {
		alignSt = synPass
	}
	ptrDep("align.identity", alignSt, map[assess.Status]string{
		synPass: "PTR name, HELO and domain share the organizational domain " + d + ".",
		synWarn: "PTR name " + ptrName + " and domain " + d + " belong to different organizational domains.",
	}[alignSt], map[string]any{"ptr": ptrName, "helo": a.HELO, "domain": d}, ptrEv)

	// dkim.key, one per selector
	if len(a.DKIMSelectors) == 0 {
		empty := ""
		rows = append(rows, row{check: "dkim.key", sel: &empty, st: synSkip, msg: "No DKIM selector in the inventory.", obs: map[string]any{"reason": "no_selectors"}})
	}
	for k, s := range a.DKIMSelectors {
		s := s
		st := g.pick(synPass, 75, synWarn, 15, synFail, 10)
		name := s + "._domainkey." + d + "."
		key := "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + strings.Repeat("q", 40) + "IDAQAB"
		if i == 4 && k == 0 {
			key = "v=DKIM1; k=rsa; p=" + strings.Repeat("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A", 125) // 4000 characters of key
			st = synFail
		}
		bits := map[assess.Status]int{synPass: 2048, synWarn: 1024, synFail: 512}[st]
		msg := map[assess.Status]string{
			synPass: fmt.Sprintf("Selector %s publishes a %d-bit RSA key.", s, bits),
			synWarn: fmt.Sprintf("Selector %s publishes a %d-bit RSA key; 2048 bits or more is expected.", s, bits),
			synFail: fmt.Sprintf("Selector %s publishes a %d-bit RSA key, which is too weak.", s, bits),
		}[st]
		rows = append(rows, row{check: "dkim.key", sel: &s, st: st, msg: msg,
			obs: map[string]any{"selector": s, "key_type": "rsa", "bits": bits, "record": key},
			ev:  []assess.Evidence{g.ev(name, "TXT", "NOERROR", fmt.Sprintf("%s\t300\tIN\tTXT\t%q", name, key))}})
	}

	// dmarc.*
	dmSt := g.pick(synPass, 85, synFail, 12, synError, 3)
	switch dmSt {
	case synPass:
		add("dmarc.policy", g.pick(synPass, 60, synWarn, 40), "Effective DMARC policy for "+d+" is reject with pct=100.", map[string]any{"p": "reject", "pct": 100}, dmarcEv)
		if rows[len(rows)-1].st == synWarn {
			rows[len(rows)-1].msg = "Effective DMARC policy for " + d + " is none: receivers only monitor."
			rows[len(rows)-1].obs = map[string]any{"p": "none", "pct": 100}
		}
		add("dmarc.record", synPass, "DMARC record found at _dmarc."+d+".", map[string]any{"record": dmarcTXT, "source": "_dmarc." + d}, dmarcEv)
		rs := g.pick(synPass, 80, synWarn, 20)
		add("dmarc.reporting", rs, map[assess.Status]string{synPass: "Aggregate reports go to dmarc-reports@" + d + ".", synWarn: "The DMARC record sets no rua address."}[rs], map[string]any{"rua": "mailto:dmarc-reports@" + d}, dmarcEv)
	case synFail:
		ev := g.ev("_dmarc."+d+".", "TXT", "NXDOMAIN")
		add("dmarc.policy", synSkip, "No valid DMARC record.", map[string]any{"reason": "no_dmarc_record"})
		add("dmarc.record", synFail, "No DMARC record at _dmarc."+d+" or its organizational domain.", map[string]any{"rcode": "NXDOMAIN"}, ev)
		add("dmarc.reporting", synSkip, "No valid DMARC record.", map[string]any{"reason": "no_dmarc_record"})
	default:
		ev := g.ev("_dmarc."+d+".", "TXT", "")
		add("dmarc.policy", synSkip, "No valid DMARC record.", map[string]any{"reason": "no_dmarc_record"})
		add("dmarc.record", synError, "The DMARC lookup for _dmarc."+d+" timed out after 2 retries.", map[string]any{"error": "timeout"}, ev)
		add("dmarc.reporting", synSkip, "No valid DMARC record.", map[string]any{"reason": "no_dmarc_record"})
	}

	// drift.changed
	if drift != nil {
		st := g.pick(synPass, 95, synWarn, 5)
		if i == 1 {
			st = synWarn
		}
		if st == synWarn {
			drift.Changes = append(drift.Changes,
				DriftChange{Asset: a.IP, Field: "ptr", Old: "old-" + ptrName, New: ptrName},
				DriftChange{Asset: a.IP, Field: "spf_result", Old: "pass", New: "softfail"})
			add("drift.changed", synWarn, "Changed since the baseline: PTR name (old-"+ptrName+" → "+ptrName+"), SPF result (pass → softfail).", map[string]any{"changes": []any{"ptr", "spf_result"}})
		} else {
			add("drift.changed", synPass, "Nothing observed for "+a.IP+" changed since the baseline.", map[string]any{})
		}
	}

	// helo.*
	if a.HELO == "" {
		add("helo.fqdn", synSkip, "No HELO name in the inventory.", map[string]any{"reason": "no_helo"})
		add("helo.matches_ptr", synSkip, "No HELO name in the inventory.", map[string]any{"reason": "no_helo"})
		add("helo.spf", synSkip, "No HELO name in the inventory.", map[string]any{"reason": "no_helo"})
	} else {
		hf := g.pick(synPass, 90, synFail, 10)
		heloEv := g.ev(a.HELO+".", "A", "NOERROR", fmt.Sprintf("%s.\t300\tIN\tA\t%s", a.HELO, a.IP))
		add("helo.fqdn", hf, map[assess.Status]string{synPass: "HELO " + a.HELO + " resolves to " + a.IP + ".", synFail: "HELO " + a.HELO + " does not resolve to " + a.IP + "."}[hf], map[string]any{"helo": a.HELO, "addresses": []any{a.IP}}, heloEv)
		hm := g.pick(synPass, 75, synWarn, 15, synFail, 10)
		if ptrSt == synFail {
			hm = synFail
		}
		ptrDep("helo.matches_ptr", hm, map[assess.Status]string{
			synPass: "HELO equals the PTR name " + ptrName + ".",
			synWarn: "HELO " + a.HELO + " differs from the PTR name " + ptrName + " in the same organizational domain.",
			synFail: "HELO " + a.HELO + " differs from the PTR name and its organizational domain.",
		}[hm], map[string]any{"helo": a.HELO, "ptr": ptrName}, ptrEv)
		hs := g.pick(synPass, 70, synWarn, 15, synFail, 10, synError, 5)
		add("helo.spf", hs, map[assess.Status]string{
			synPass:  "SPF for HELO " + a.HELO + " authorises " + a.IP + " (pass).",
			synWarn:  "SPF for HELO " + a.HELO + " gives neutral.",
			synFail:  "SPF for HELO " + a.HELO + " gives softfail for " + a.IP + ".",
			synError: "SPF evaluation for HELO " + a.HELO + " hit a temporary DNS error (temperror).",
		}[hs], map[string]any{"result": string(hs)}, heloEv)
	}

	// ptr.*
	ptrDep("ptr.fcrdns", g.pick(synPass, 88, synFail, 12), "", map[string]any{"ptr": ptrName, "forward": []any{a.IP}}, ptrEv, fwdEv)
	if r := &rows[len(rows)-1]; r.st != synError {
		if ptrSt == synFail {
			r.st = synFail
		}
		r.msg = map[assess.Status]string{
			synPass: "PTR name " + ptrName + " resolves back to " + a.IP + ".",
			synFail: "No PTR name of " + a.IP + " resolves back to it.",
		}[r.st]
	}
	if a.Hostname == "" {
		add("ptr.matches_expected", synSkip, "No expected hostname in the inventory.", map[string]any{"reason": "no_hostname"})
	} else {
		me := g.pick(synPass, 85, synFail, 15)
		if ptrSt == synFail {
			me = synFail
		}
		ptrDep("ptr.matches_expected", me, map[assess.Status]string{
			synPass: "PTR name equals the expected hostname " + a.Hostname + ".",
			synFail: "PTR name " + ptrName + " is not the expected hostname " + a.Hostname + ".",
		}[me], map[string]any{"expected": a.Hostname, "ptr": ptrName}, ptrEv)
	}
	if ptrSt == synFail {
		add("ptr.not_generic", synSkip, "No PTR record.", map[string]any{"reason": "no_ptr"})
	} else {
		ng := g.pick(synPass, 85, synWarn, 15)
		ptrDep("ptr.not_generic", ng, map[assess.Status]string{
			synPass: "PTR name " + ptrName + " is descriptive.",
			synWarn: "PTR name " + ptrName + " looks generic (embeds the IP's octets).",
		}[ng], map[string]any{"ptr": ptrName}, ptrEv)
	}
	switch ptrSt {
	case synPass:
		add("ptr.present", synPass, a.IP+" has the PTR name "+ptrName+".", map[string]any{"names": []any{ptrName}}, ptrEv)
	case synFail:
		add("ptr.present", synFail, a.IP+" has no PTR record (NXDOMAIN).", map[string]any{"rcode": "NXDOMAIN"}, ptrEv)
	default:
		add("ptr.present", synError, "The PTR lookup for "+a.IP+" failed (SERVFAIL).", map[string]any{"rcode": "SERVFAIL"}, ptrEv)
	}
	if ptrSt == synFail {
		add("ptr.single", synSkip, "No PTR record.", map[string]any{"reason": "no_ptr"})
	} else {
		sg := g.pick(synPass, 93, synWarn, 7)
		ptrDep("ptr.single", sg, map[assess.Status]string{
			synPass: a.IP + " has exactly one PTR name.",
			synWarn: a.IP + " has 2 PTR names.",
		}[sg], map[string]any{"count": map[assess.Status]int{synPass: 1, synWarn: 2}[sg]}, ptrEv)
	}

	// spf.*
	if d == "" {
		add("spf.authorizes_ip", synSkip, "No domain in the inventory.", map[string]any{"reason": "no_domain"})
		add("spf.lookup_limit", synSkip, "No domain in the inventory.", map[string]any{"reason": "no_domain"})
		add("spf.record", synSkip, "No domain in the inventory.", map[string]any{"reason": "no_domain"})
	} else {
		rec := g.pick(synPass, 90, synFail, 10)
		recMsg := "Exactly one valid SPF record: " + spfTXT
		recObs := map[string]any{"records": []any{spfTXT}}
		recEv := spfEv
		if i == 1 {
			hostile := `=HYPERLINK("http://x.example","click")`
			rec = synFail
			recMsg = hostile
			recObs = map[string]any{"records": []any{hostile}}
			recEv = g.ev(d+".", "TXT", "NOERROR", fmt.Sprintf("%s.\t300\tIN\tTXT\t%q", d, hostile))
		} else if rec == synFail {
			recMsg = d + " publishes 2 SPF records; exactly one is allowed."
			recObs = map[string]any{"records": []any{spfTXT, "v=spf1 -all"}}
		}
		au := g.pick(synPass, 80, synFail, 18, synError, 2)
		auMsg := map[assess.Status]string{
			synPass:  "SPF for " + d + " authorises " + a.IP + " (pass).",
			synFail:  "-all matched: SPF for " + d + " does not authorise " + a.IP + " (fail).",
			synError: "SPF evaluation for " + d + " hit a temporary DNS error (temperror).",
		}[au]
		if i == 1 {
			au, auMsg = synWarn, "+all is not expected: SPF for "+d+" authorises every host (neutral result)."
		}
		if i == 2 {
			au, auMsg = synFail, "@ record mismatch \x07\x7f with control characters in "+d+"."
		}
		add("spf.authorizes_ip", au, auMsg, map[string]any{"result": string(au), "ip": a.IP}, spfEv)
		if rec == synFail {
			add("spf.lookup_limit", synSkip, "No single valid SPF record.", map[string]any{"reason": "spf_record_failed"})
		} else {
			ll := g.pick(synPass, 92, synFail, 6, synError, 2)
			add("spf.lookup_limit", ll, map[assess.Status]string{
				synPass:  "SPF evaluation used 4 DNS-mechanism lookups and 0 void lookups.",
				synFail:  "SPF evaluation needs 13 DNS-mechanism lookups (limit 10).",
				synError: "SPF evaluation hit a temporary DNS error (temperror).",
			}[ll], map[string]any{"lookups": 4, "void_lookups": 0}, spfEv)
		}
		add("spf.record", rec, recMsg, recObs, recEv)
	}

	crit := map[string]bool{"high": true}
	for _, r := range rows {
		c, _ := assess.LookupCheck(r.check)
		sev := assess.SeverityInfo
		switch r.st {
		case synFail, synError:
			sev = c.Severity
		case synWarn:
			sev = assess.SeverityLow
			if c.Severity == assess.SeverityHigh && crit[a.Criticality] {
				sev = assess.SeverityMedium
			}
		}
		f := assess.Finding{
			Asset: a.IP, Check: r.check, Selector: r.sel, Status: r.st, Severity: sev,
			Message: r.msg, Observed: r.obs, Evidence: r.ev, Controls: synthControlRefs(r.check),
		}
		if f.Evidence == nil {
			f.Evidence = []assess.Evidence{}
		}
		if r.st != synPass && r.st != synSkip {
			f.Remediation = synthRemediation[r.check]
		}
		out = append(out, f)
	}
	return out
}

func synthAssetSummary(a assess.Asset, fs []assess.Finding) AssetSummary {
	s := AssetSummary{IP: a.IP, HELO: a.HELO, Status: string(synPass)}
	worst := -1
	order := map[assess.Status]int{synPass: 0, synSkip: 0, synWarn: 1, synFail: 2, synError: 3}
	for _, f := range fs {
		switch f.Status {
		case synFail:
			s.Fail++
		case synWarn:
			s.Warn++
		case synError:
			s.Error++
		}
		if o := order[f.Status]; o > worst && f.Status != synSkip {
			worst = o
			s.Status = string(f.Status)
		}
		switch f.Check {
		case "ptr.present":
			if names, ok := f.Observed["names"].([]any); ok && len(names) > 0 {
				s.PTR, _ = names[0].(string)
			}
		case "ptr.fcrdns":
			s.FCrDNS = string(f.Status)
		case "helo.fqdn":
			s.HELOStatus = string(f.Status)
		case "spf.authorizes_ip":
			s.SPF = string(f.Status)
			if r, ok := f.Observed["result"].(string); ok {
				s.SPF = r
			}
		case "dmarc.policy":
			if p, ok := f.Observed["p"].(string); ok {
				s.DMARCPolicy = p
			}
		}
	}
	return s
}

type synthControl struct {
	framework, id, title string
	catalog              []string
	checks               []string // check IDs or prefixes ending in ".*"
}

var synthControlList = []synthControl{
	{"nist-csf-2.0", "PR.DS-1", "Data-at-rest and in-transit are protected (sender identity of mail in transit)", []string{"CSF 2.0 PR.DS-02"},
		[]string{"ptr.*", "helo.*", "spf.*", "dkim.*", "dmarc.*"}},
	{"nist-csf-2.0", "DE.CM-8", "External service activity is monitored (sending infrastructure drift)", []string{"CSF 2.0 DE.CM-06", "CSF 2.0 DE.CM-09"},
		[]string{"drift.changed", "ptr.fcrdns", "spf.authorizes_ip"}},
	{"owasp-nhi-top10", "NHI-01", "Improper offboarding: stale PTR and SPF authorisations after IP swaps", []string{"NHI1:2025"},
		[]string{"drift.changed", "spf.authorizes_ip", "ptr.matches_expected"}},
	{"owasp-nhi-top10", "NHI-07", "Long-lived secrets: weak or unrotated DKIM keys", []string{"NHI7:2025"},
		[]string{"dkim.key"}},
	{"owasp-nhi-top10", "NHI-09", "NHI reuse: one reverse identity per sending IP", []string{"NHI9:2025"},
		[]string{"ptr.single"}},
	{"mailbox-providers-2024", "bulk.ptr", "Sending IPs have valid forward and reverse DNS", nil,
		[]string{"ptr.present", "ptr.fcrdns"}},
	{"mailbox-providers-2024", "bulk.auth", "SPF and DKIM authenticate the sending domain", nil,
		[]string{"spf.*", "dkim.key"}},
	{"mailbox-providers-2024", "bulk.dmarc", "A DMARC policy is published for the sending domain", nil,
		[]string{"dmarc.record", "dmarc.policy", "align.identity"}},
	{"mailbox-providers-2024", "bulk.reports", "DMARC aggregate reports are collected", nil,
		[]string{"dmarc.reporting"}},
	{"cis-controls-v8", "9.5", "Implement DMARC", []string{"CIS-9.5"},
		[]string{"dmarc.*", "spf.record", "dkim.key"}},
}

func synthMatch(pattern, check string) bool {
	if p, ok := strings.CutSuffix(pattern, ".*"); ok {
		return strings.HasPrefix(check, p+".")
	}
	return pattern == check
}

func synthControlRefs(check string) []assess.ControlRef {
	out := []assess.ControlRef{}
	for _, c := range synthControlList {
		for _, m := range c.checks {
			if synthMatch(m, check) {
				out = append(out, assess.ControlRef{Framework: c.framework, ID: c.id})
				break
			}
		}
	}
	return out
}

func synthMappings() []MappingRef {
	seen := map[string]bool{}
	var out []MappingRef
	names := map[string][2]string{
		"nist-csf-2.0":           {"NIST Cybersecurity Framework", "2.0"},
		"owasp-nhi-top10":        {"OWASP Non-Human Identities Top 10", "2025"},
		"mailbox-providers-2024": {"Mailbox provider sender requirements", "2024"},
		"cis-controls-v8":        {"CIS Critical Security Controls", "8.1"},
	}
	for _, c := range synthControlList {
		if seen[c.framework] {
			continue
		}
		seen[c.framework] = true
		nv := names[c.framework]
		out = append(out, MappingRef{Framework: c.framework, Name: nv[0], Version: nv[1],
			SHA256: synthHash("mapping/"+c.framework, 1), Source: "embedded:mappings/" + c.framework + ".yaml"})
	}
	return out
}

// synthControls rolls the findings up into the controls as Build does.
func synthControls(fs []assess.Finding) []ControlStatus {
	out := make([]ControlStatus, len(synthControlList))
	idx := map[[2]string]int{}
	for i, c := range synthControlList {
		idx[[2]string{c.framework, c.id}] = i
		var checks []string
		for _, id := range assess.CheckIDs() {
			for _, m := range c.checks {
				if synthMatch(m, id) {
					checks = append(checks, id)
					break
				}
			}
		}
		out[i] = ControlStatus{Framework: c.framework, ID: c.id, Title: c.title, Catalog: c.catalog, Checks: checks}
	}
	for i := range fs {
		for _, r := range fs[i].Controls {
			c := &out[idx[[2]string{r.Framework, r.ID}]]
			switch fs[i].Status {
			case synPass:
				c.Pass++
			case synFail:
				c.Fail++
			case synWarn:
				c.Warn++
			case synError:
				c.Error++
			case synSkip:
				c.Skip++
			}
		}
	}
	for i := range out {
		out[i].settleWith(0) // no fail_on: warn in the synthetic mappings
	}
	return out
}
