// Package dnstest runs a real DNS server on 127.0.0.1 that answers from zone
// files, authoritatively, with faults injected per name or at random. Tests,
// the offline demo and the benchmark harness use it.
package dnstest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// Fault is what the server does instead of (or to) the right answer.
type Fault int

// Faults.
const (
	None            Fault = iota
	Drop                  // never answer (client times out)
	ServFail              // answer SERVFAIL
	Refused               // answer REFUSED
	Truncate              // over UDP, answer empty with TC set (TCP answers fully)
	WrongID               // first send a response with another ID, then the right one
	WrongQuestion         // first send a response to another question, then the right one
	WrongName             // add a record for an unrelated name to the answer section
	Delay                 // answer after Config.Delay
	DropFirst             // drop the first arrival of the question, answer the others
	NXDomainRecords       // answer NXDOMAIN, yet with the name's records in the answer section
	Padded                // put 120 records for unrelated names before the answer's own
	NoEDNS                // answer FORMERR without OPT to a query with EDNS, as a server from before RFC 6891
	TruncateAll           // set TC over UDP and TCP alike; over TCP, keep only the first record of the answer
	OtherClass            // answer with the name's records in class CH instead of IN
	FormErr               // answer FORMERR without OPT, with EDNS or without: the question, not EDNS, is refused
	BadVers               // answer BADVERS (with an OPT record) to a query with EDNS, even of version 0: broken EDNS
)

// Config sets up a server.
type Config struct {
	// Zones are zone file texts; each needs $ORIGIN or an origin in Origins.
	Zones []Zone
	// Faults by query name (lower case, fully qualified), optionally
	// restricted to one type with "name/TYPE".
	Faults map[string]Fault
	// LossRate drops this share of queries at random (0..1), seeded by Seed.
	LossRate float64
	// Random injects faults into a share of queries at random, after
	// LossRate, seeded by Seed. Whether the k-th arrival of a question
	// (name and type) meets a fault depends only on Seed, the question and
	// k, not on the order in which different questions arrive, so a run is
	// reproducible whatever the client's concurrency.
	Random []FaultRate
	Seed   uint64
	// DownAfter makes the server stop answering anything once this many
	// queries have arrived (0: never), as a resolver that dies mid-run.
	DownAfter int64
	// Delay is used by the Delay fault and added to every answer when
	// DelayAll is set.
	Delay    time.Duration
	DelayAll bool
	// NoDNAMECNAME leaves out the CNAME a server synthesizes beside a
	// DNAME (RFC 6672 §3.1), as servers that predate DNAME answers did:
	// the DNAME is then the whole answer.
	NoDNAMECNAME bool
	// Addr to listen on; default 127.0.0.1:0.
	Addr string
	// Observe, when set, is called with every question that arrives
	// (lower case, fully qualified), from the server's goroutines.
	Observe func(name string, qtype uint16)
}

// FaultRate is a fault and the share of queries (0..1) that meet it.
type FaultRate struct {
	Fault Fault
	Rate  float64
}

// Zone is one zone's text and origin.
type Zone struct {
	Origin string
	Text   string
	File   string // for error messages
}

// ZoneFile reads a zone file whose origin is its first $ORIGIN directive,
// else its name without .zone.
func ZoneFile(path string) (Zone, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Zone{}, err
	}
	origin := strings.TrimSuffix(filepath.Base(path), ".zone")
	for _, line := range strings.SplitN(string(b), "\n", 50) {
		if f := strings.Fields(line); len(f) >= 2 && strings.EqualFold(f[0], "$ORIGIN") {
			origin = f[1]
			break
		}
	}
	return Zone{Origin: dns.Fqdn(origin), Text: string(b), File: path}, nil
}

// Server is a running DNS server.
type Server struct {
	Addr string

	udp, tcp *dns.Server
	zones    map[string]*zone // by origin
	cfg      Config
	mu       sync.Mutex
	faults   map[string]Fault
	asked    map[string]uint64 // arrivals per question, for random faults
	firsts   map[string]bool   // questions whose first arrival DropFirst dropped
	down     atomic.Bool
	queries  atomic.Int64
	answered atomic.Int64
}

type zone struct {
	origin string
	rrs    map[string]map[uint16][]dns.RR // name → type → records
	names  map[string]bool                // every name, with empty non-terminals
	soa    *dns.SOA
}

// Serve parses the zones and starts listening on UDP and TCP.
func Serve(cfg Config) (*Server, error) {
	s := &Server{cfg: cfg, zones: map[string]*zone{}, faults: map[string]Fault{}, asked: map[string]uint64{}}
	for k, v := range cfg.Faults {
		s.faults[strings.ToLower(k)] = v
	}
	for _, z := range cfg.Zones {
		if err := s.addZone(z); err != nil {
			return nil, err
		}
	}
	pc, ln, err := listenBoth(cfg.Addr)
	if err != nil {
		return nil, err
	}
	s.Addr = pc.LocalAddr().String()
	h := dns.HandlerFunc(s.handle)
	s.udp = &dns.Server{PacketConn: pc, Handler: h, UDPSize: 65535}
	s.tcp = &dns.Server{Listener: ln, Handler: h}
	var wg sync.WaitGroup
	wg.Add(2)
	s.udp.NotifyStartedFunc = wg.Done
	s.tcp.NotifyStartedFunc = wg.Done
	go func() { _ = s.udp.ActivateAndServe() }()
	go func() { _ = s.tcp.ActivateAndServe() }()
	wg.Wait()
	return s, nil
}

// listenBoth binds UDP and TCP on the same port. With port 0 the UDP port
// the kernel picks may be taken for TCP: try again with another.
func listenBoth(addr string) (net.PacketConn, net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var lastErr error
	for range 20 {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, err
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			// Room for a burst of queries (a client with 256 in flight):
			// the kernel's default buffer drops some, which a test would
			// count as lost.
			if u, ok := pc.(*net.UDPConn); ok {
				_ = u.SetReadBuffer(4 << 20)
			}
			return pc, ln, nil
		}
		pc.Close()
		lastErr = err
		if _, port, _ := net.SplitHostPort(addr); port != "0" {
			break
		}
	}
	return nil, nil, lastErr
}

// TB is the part of testing.TB that Start uses.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Start serves the given zone files (paths) for a test and stops the server
// when the test ends.
func Start(t TB, cfg Config, files ...string) *Server {
	t.Helper()
	for _, f := range files {
		z, err := ZoneFile(f)
		if err != nil {
			t.Fatalf("dnstest: %v", err)
		}
		cfg.Zones = append(cfg.Zones, z)
	}
	s, err := Serve(cfg)
	if err != nil {
		t.Fatalf("dnstest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Close stops the server.
func (s *Server) Close() {
	_ = s.udp.Shutdown()
	_ = s.tcp.Shutdown()
}

// CloseTCP stops the TCP listener only: the server keeps answering over
// UDP, and TCP connections to it are refused, as where TCP/53 is blocked.
func (s *Server) CloseTCP() { _ = s.tcp.Shutdown() }

// Queries returns how many queries arrived.
func (s *Server) Queries() int64 { return s.queries.Load() }

// Answered returns how many responses were sent (a WrongID or WrongQuestion
// decoy counts with its real response as one).
func (s *Server) Answered() int64 { return s.answered.Load() }

// SetFault sets or clears (None) a fault for "name" or "name/TYPE" while running.
func (s *Server) SetFault(key string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[strings.ToLower(key)] = f
}

// SetDown makes the server stop answering anything (true) or resume.
func (s *Server) SetDown(down bool) { s.down.Store(down) }

func (s *Server) addZone(z Zone) error {
	origin := dns.CanonicalName(z.Origin)
	zn := &zone{origin: origin, rrs: map[string]map[uint16][]dns.RR{}, names: map[string]bool{}}
	p := dns.NewZoneParser(strings.NewReader(z.Text), origin, z.File)
	p.SetIncludeAllowed(false)
	for rr, ok := p.Next(); ok; rr, ok = p.Next() {
		name := dns.CanonicalName(rr.Header().Name)
		if dns.CompareDomainName(name, origin) != dns.CountLabel(origin) && origin != "." {
			continue // out of zone
		}
		rr.Header().Name = name
		if soa, ok := rr.(*dns.SOA); ok && name == origin {
			zn.soa = soa
		}
		if zn.rrs[name] == nil {
			zn.rrs[name] = map[uint16][]dns.RR{}
		}
		zn.rrs[name][rr.Header().Rrtype] = append(zn.rrs[name][rr.Header().Rrtype], rr)
		for n := name; ; {
			zn.names[n] = true
			if n == origin {
				break
			}
			i, end := dns.NextLabel(n, 0)
			if end {
				break
			}
			n = n[i:]
		}
	}
	if err := p.Err(); err != nil {
		return fmt.Errorf("zone %s: %w", z.File, err)
	}
	if zn.soa == nil {
		zn.soa = &dns.SOA{
			Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 300},
			Ns:  "ns." + origin, Mbox: "hostmaster." + origin, Serial: 1,
			Refresh: 3600, Retry: 600, Expire: 86400, Minttl: 300,
		}
	}
	if old, ok := s.zones[origin]; ok {
		for n, types := range zn.rrs {
			if old.rrs[n] == nil {
				old.rrs[n] = map[uint16][]dns.RR{}
			}
			for t, rrs := range types {
				old.rrs[n][t] = append(old.rrs[n][t], rrs...)
			}
		}
		for n := range zn.names {
			old.names[n] = true
		}
		return nil
	}
	s.zones[origin] = zn
	return nil
}

// findZone returns the zone with the longest origin that contains name.
func (s *Server) findZone(name string) *zone {
	for n := name; ; {
		if z, ok := s.zones[n]; ok {
			return z
		}
		if n == "." {
			return nil
		}
		i, end := dns.NextLabel(n, 0)
		if end {
			n = "."
			continue
		}
		n = n[i:]
	}
}

func (s *Server) fault(name string, qtype uint16) Fault {
	key := strings.ToLower(name + "/" + dns.TypeToString[qtype])
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.LossRate > 0 || len(s.cfg.Random) > 0 {
		k := s.asked[key]
		s.asked[key] = k + 1
		u := unitDraw(s.cfg.Seed, key, k)
		if u < s.cfg.LossRate {
			return Drop
		}
		cum := s.cfg.LossRate
		for _, fr := range s.cfg.Random {
			cum += fr.Rate
			if u < cum {
				return fr.Fault
			}
		}
	}
	f, ok := s.faults[key]
	if !ok {
		f = s.faults[name]
	}
	if f == DropFirst {
		if s.firsts == nil {
			s.firsts = map[string]bool{}
		}
		if s.firsts[key] {
			return None
		}
		s.firsts[key] = true
		return Drop
	}
	return f
}

// unitDraw is a number in [0,1) that depends only on seed, the question and
// its arrival count (FNV-1a, then the splitmix64 finaliser).
func unitDraw(seed uint64, key string, k uint64) float64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= 1099511628211
	}
	x := h ^ seed*0x9e3779b97f4a7c15 ^ (k+1)*0xbf58476d1ce4e5b9
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}

func (s *Server) handle(w dns.ResponseWriter, req *dns.Msg) {
	n := s.queries.Add(1)
	if s.cfg.DownAfter > 0 && n > s.cfg.DownAfter {
		s.down.Store(true)
	}
	if s.down.Load() || len(req.Question) != 1 {
		return
	}
	q := req.Question[0]
	name := dns.CanonicalName(q.Name)
	if s.cfg.Observe != nil {
		s.cfg.Observe(name, q.Qtype)
	}
	udp := w.LocalAddr().Network() == "udp"
	f := s.fault(name, q.Qtype)
	if s.cfg.DelayAll || f == Delay {
		time.Sleep(s.cfg.Delay)
	}
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	m.RecursionAvailable = false
	switch f {
	case Drop:
		return
	case ServFail:
		m.Rcode = dns.RcodeServerFailure
		s.write(w, m)
		return
	case Refused:
		m.Rcode = dns.RcodeRefused
		s.write(w, m)
		return
	case FormErr:
		m.Rcode = dns.RcodeFormatError
		s.write(w, m)
		return
	case NoEDNS:
		if req.IsEdns0() != nil {
			m.Rcode = dns.RcodeFormatError
			s.write(w, m)
			return
		}
	case BadVers:
		if req.IsEdns0() != nil {
			m.SetEdns0(1232, false)
			m.Rcode = dns.RcodeBadVers // the extended bits go in the OPT record
			s.write(w, m)
			return
		}
	case Truncate:
		if udp {
			m.Truncated = true
			s.write(w, m)
			return
		}
	}
	s.answer(m, name, q.Qtype)
	switch f {
	case WrongID:
		bad := m.Copy()
		bad.Id = m.Id + 1
		bad.Answer = []dns.RR{mustRR(name + " 60 IN A 192.0.2.66")}
		_ = w.WriteMsg(bad)
	case WrongQuestion:
		bad := m.Copy()
		bad.Question[0].Name = "other." + name
		bad.Answer = nil
		bad.Rcode = dns.RcodeNameError
		_ = w.WriteMsg(bad)
	case WrongName:
		rr, err := dns.NewRR("intruder.invalid. 60 IN " + dns.TypeToString[q.Qtype] + " " + sampleRdata(q.Qtype))
		if err != nil || rr == nil {
			// A type without sample data: a record of another type for
			// the other name is as wrong.
			rr = mustRR(`intruder.invalid. 60 IN TXT "intruder"`)
		}
		m.Answer = append(m.Answer, rr)
	case NXDomainRecords:
		m.Rcode = dns.RcodeNameError
	case TruncateAll:
		m.Truncated = true
		if udp {
			m.Answer = nil
		} else {
			m.Answer = m.Answer[:min(len(m.Answer), 1)]
		}
	case OtherClass:
		for i, rr := range m.Answer {
			rr = dns.Copy(rr)
			rr.Header().Class = dns.ClassCHAOS
			m.Answer[i] = rr
		}
	case Padded:
		pad := make([]dns.RR, 0, 120+len(m.Answer))
		for i := range 120 {
			pad = append(pad, mustRR(fmt.Sprintf("pad%d.invalid. 60 IN A 192.0.2.66", i)))
		}
		m.Answer = append(pad, m.Answer...)
	}
	if o := req.IsEdns0(); o != nil {
		m.SetEdns0(o.UDPSize(), false)
	}
	if udp {
		size := dns.MinMsgSize
		if o := req.IsEdns0(); o != nil {
			size = int(o.UDPSize())
		}
		m.Truncate(size)
	}
	s.write(w, m)
}

func (s *Server) write(w dns.ResponseWriter, m *dns.Msg) {
	s.answered.Add(1)
	_ = w.WriteMsg(m)
}

func sampleRdata(t uint16) string {
	switch t {
	case dns.TypeA:
		return "192.0.2.66"
	case dns.TypeAAAA:
		return "2001:db8::66"
	case dns.TypeTXT:
		return `"v=spf1 +all"`
	case dns.TypeMX:
		return "10 intruder.invalid."
	case dns.TypePTR, dns.TypeCNAME, dns.TypeNS:
		return "intruder.invalid."
	case dns.TypeSOA:
		return "ns.intruder.invalid. hostmaster.intruder.invalid. 1 3600 600 86400 300"
	}
	return `\# 0` // RFC 3597: an empty record of any other type
}

func mustRR(s string) dns.RR {
	rr, err := dns.NewRR(s)
	if err != nil {
		panic(err)
	}
	return rr
}

// answer fills m as an authoritative server would: records, CNAME chains
// within the server's zones, NODATA or NXDOMAIN with the SOA, a referral
// (the NS records, no SOA) for names below a zone cut, REFUSED for names
// outside every zone.
func (s *Server) answer(m *dns.Msg, name string, qtype uint16) {
	z := s.findZone(name)
	if z == nil {
		m.Rcode = dns.RcodeRefused
		m.Authoritative = false
		return
	}
	seen := map[string]bool{}
	for hop := 0; hop < 16; hop++ {
		if seen[name] {
			return
		}
		seen[name] = true
		if cut := delegation(z, name); cut != nil {
			// A zone cut: the names at and below it are served
			// elsewhere, so the server refers (RFC 1034 §4.3.2).
			if len(m.Answer) == 0 {
				m.Authoritative = false
			}
			m.Ns = append(m.Ns, cut...)
			return
		}
		types, exists := z.rrs[name]
		if rrs, ok := types[qtype]; ok {
			m.Answer = append(m.Answer, rrs...)
			return
		}
		if rrs, ok := types[dns.TypeCNAME]; ok && qtype != dns.TypeCNAME {
			m.Answer = append(m.Answer, rrs...)
			target := dns.CanonicalName(rrs[0].(*dns.CNAME).Target)
			nz := s.findZone(target)
			if nz == nil {
				return
			}
			z, name = nz, target
			continue
		}
		if d, target := dnameAbove(z, name); d != nil && qtype != dns.TypeDNAME {
			m.Answer = append(m.Answer, d)
			if s.cfg.NoDNAMECNAME || target == "" {
				return
			}
			m.Answer = append(m.Answer, &dns.CNAME{
				Hdr:    dns.RR_Header{Name: name, Rrtype: dns.TypeCNAME, Class: dns.ClassINET, Ttl: d.Hdr.Ttl},
				Target: target,
			})
			nz := s.findZone(target)
			if nz == nil {
				return
			}
			z, name = nz, target
			continue
		}
		if !exists && !z.names[name] {
			if wc := s.wildcard(z, name, qtype); len(wc) > 0 {
				m.Answer = append(m.Answer, wc...)
				return
			}
			m.Rcode = dns.RcodeNameError
		}
		m.Ns = append(m.Ns, z.soa)
		return
	}
}

// delegation returns the NS records of the zone cut at or above name in z
// (below z's origin), or nil when name is in z's own data.
func delegation(z *zone, name string) []dns.RR {
	for n := name; n != z.origin; {
		if rrs := z.rrs[n][dns.TypeNS]; len(rrs) > 0 {
			return rrs
		}
		i, end := dns.NextLabel(n, 0)
		if end {
			return nil
		}
		n = n[i:]
	}
	return nil
}

// dnameAbove returns the DNAME of the closest ancestor of name in z that
// has one, and the name it redirects name to ("" when that is too long):
// a DNAME redirects the names below its owner, not the owner itself (RFC
// 6672 §2.2).
func dnameAbove(z *zone, name string) (*dns.DNAME, string) {
	for n := name; n != z.origin; {
		i, end := dns.NextLabel(n, 0)
		if end {
			return nil, ""
		}
		n = n[i:]
		if rrs := z.rrs[n][dns.TypeDNAME]; len(rrs) > 0 {
			d := rrs[0].(*dns.DNAME)
			target := name[:len(name)-len(n)] + dns.CanonicalName(d.Target)
			if _, ok := dns.IsDomainName(target); !ok || len(target) > 255 {
				target = ""
			}
			return d, target
		}
	}
	return nil, ""
}

// wildcard synthesises records from "*.parent" (RFC 4592, simplified: the
// closest enclosing wildcard).
func (s *Server) wildcard(z *zone, name string, qtype uint16) []dns.RR {
	for n := name; n != z.origin; {
		i, end := dns.NextLabel(n, 0)
		if end {
			return nil
		}
		n = n[i:]
		if types, ok := z.rrs["*."+n]; ok {
			var out []dns.RR
			for _, rr := range types[qtype] {
				c := dns.Copy(rr)
				c.Header().Name = name
				out = append(out, c)
			}
			return out
		}
		if z.names[n] && n != z.origin {
			return nil
		}
	}
	return nil
}
