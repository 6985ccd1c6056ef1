package assess

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/time/rate"
)

// Bounds on hostile DNS data.
const (
	// MaxChain is the longest CNAME chain followed (RFC 2317 delegation
	// needs one hop; resolvers commonly stop near 8-16).
	MaxChain = 8
	// MaxRRs is the most records of one answer kept and recorded.
	MaxRRs = 100
	// UDPSize is the EDNS0 buffer advertised (DNS Flag Day 2020).
	UDPSize = 1232
	// FailureTTL is how long a lookup that failed is remembered.
	FailureTTL = 5 * time.Minute
)

// Errors of Lookup. Transport failures wrap ErrTimeout or ErrNetwork.
var (
	ErrTimeout    = errors.New("timeout")
	ErrNetwork    = errors.New("network error")
	ErrCNAMELoop  = errors.New("cname loop")
	ErrChainLong  = errors.New("cname chain too long")
	ErrNoResolver = errors.New("no resolver configured")
)

// ClientOptions configure the DNS client.
type ClientOptions struct {
	Servers     []string      // host:port of each resolver, tried in rotation
	Timeout     time.Duration // per exchange
	Retries     int           // extra attempts after a timeout or network error
	QPS         float64       // queries per second on the wire; 0 means unlimited
	Concurrency int           // queries in flight on the wire; 0 means 64
	Now         func() time.Time
	// TCP sends every query over TCP (for networks that drop UDP, and tests).
	TCP bool
}

// Stats counts the client's work. Read it with Client.Stats.
type Stats struct {
	Lookups   int64
	CacheHits int64
	Exchanges int64 // distinct questions that went to the wire
	Sent      int64 // messages sent, with retries and TCP fallbacks
	TCP       int64
	Timeouts  int64
	Errors    int64 // exchanges that ended without a usable answer
}

// Client is senderproof's DNS client: a cache with TTLs and in-flight
// collapsing in front of miekg/dns, with a rate limit, retries with backoff,
// rotation across resolvers and TCP fallback on truncation.
type Client struct {
	opt     ClientOptions
	udp     *dns.Client
	tcp     *dns.Client
	limiter *rate.Limiter
	sem     chan struct{}
	next    atomic.Uint32

	mu     sync.Mutex
	cache  map[qkey]*cacheEntry
	health []serverHealth

	lookups, hits, exchanges, sent, tcpSent, timeouts, errs atomic.Int64
}

type serverHealth struct {
	consecutiveTimeouts int
}

type qkey struct {
	name  string
	qtype uint16
}

type cacheEntry struct {
	done    chan struct{}
	res     exchangeResult
	expires time.Time
}

// exchangeResult is one question answered (or not) on the wire.
type exchangeResult struct {
	msg *dns.Msg
	ev  Evidence
	err error
}

// NewClient returns a client for the given resolvers.
func NewClient(opt ClientOptions) (*Client, error) {
	if len(opt.Servers) == 0 {
		return nil, ErrNoResolver
	}
	for i, s := range opt.Servers {
		if _, _, err := net.SplitHostPort(s); err != nil {
			s = net.JoinHostPort(s, "53")
		}
		opt.Servers[i] = s
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 2 * time.Second
	}
	if opt.Retries < 0 {
		opt.Retries = 0
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = 64
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	c := &Client{
		opt:    opt,
		udp:    &dns.Client{Net: "udp", UDPSize: UDPSize, Timeout: opt.Timeout},
		tcp:    &dns.Client{Net: "tcp", Timeout: opt.Timeout},
		sem:    make(chan struct{}, opt.Concurrency),
		cache:  make(map[qkey]*cacheEntry),
		health: make([]serverHealth, len(opt.Servers)),
	}
	if opt.QPS > 0 {
		burst := int(opt.QPS / 10)
		if burst < 1 {
			burst = 1
		}
		c.limiter = rate.NewLimiter(rate.Limit(opt.QPS), burst)
	}
	return c, nil
}

// SystemResolvers reads the resolvers of /etc/resolv.conf.
func SystemResolvers(path string) ([]string, error) {
	cfg, err := dns.ClientConfigFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading resolvers from %s: %w", path, err)
	}
	var out []string
	for _, s := range cfg.Servers {
		out = append(out, net.JoinHostPort(s, cfg.Port))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s names no nameserver", path)
	}
	return out, nil
}

// Servers returns the resolvers in use.
func (c *Client) Servers() []string { return append([]string(nil), c.opt.Servers...) }

// Stats returns the counters so far.
func (c *Client) Stats() Stats {
	return Stats{
		Lookups: c.lookups.Load(), CacheHits: c.hits.Load(), Exchanges: c.exchanges.Load(),
		Sent: c.sent.Load(), TCP: c.tcpSent.Load(), Timeouts: c.timeouts.Load(), Errors: c.errs.Load(),
	}
}

// Lookup answers name/qtype, chasing CNAMEs.
func (c *Client) Lookup(ctx context.Context, name string, qtype uint16) (Answer, error) {
	c.lookups.Add(1)
	return chase(ctx, c.cached, name, qtype)
}

// exchangeFunc asks one question and returns the response and its evidence.
type exchangeFunc func(ctx context.Context, name string, qtype uint16) exchangeResult

// cached answers from the cache, joins an identical in-flight query, or asks
// the wire. Answers live for their TTL (negative answers for the SOA
// minimum, RFC 2308). A failure (timeout, network error after retries) is
// kept for FailureTTL, so that every check of an asset sees the same outcome
// and a dead resolver is not waited on again for each of them.
func (c *Client) cached(ctx context.Context, name string, qtype uint16) exchangeResult {
	k := qkey{name, qtype}
	now := c.opt.Now()
	c.mu.Lock()
	if e, ok := c.cache[k]; ok {
		select {
		case <-e.done:
			if now.Before(e.expires) {
				c.mu.Unlock()
				c.hits.Add(1)
				return e.res
			}
		default:
			c.mu.Unlock()
			c.hits.Add(1)
			select {
			case <-e.done:
				return e.res
			case <-ctx.Done():
				return exchangeResult{err: ctx.Err()}
			}
		}
	}
	e := &cacheEntry{done: make(chan struct{})}
	c.cache[k] = e
	c.mu.Unlock()

	res := c.exchange(ctx, name, qtype)
	c.mu.Lock()
	e.res = res
	switch {
	case res.err == nil:
		e.expires = now.Add(cacheTTL(res.msg))
	case ctx.Err() == nil:
		e.expires = now.Add(FailureTTL)
	}
	if !now.Before(e.expires) {
		delete(c.cache, k)
	}
	close(e.done)
	c.mu.Unlock()
	return res
}

// cacheTTL is how long a response may be reused: the least TTL of its
// answers, or for a negative answer the SOA's minimum (RFC 2308 §5). Within
// one assessment an answer is kept at least a minute, so each name and type is
// asked once per run even when published with TTL 0.
func cacheTTL(m *dns.Msg) time.Duration {
	const floor = time.Minute
	ttl := uint32(3600)
	found := false
	for _, rr := range m.Answer {
		if !found || rr.Header().Ttl < ttl {
			ttl, found = rr.Header().Ttl, true
		}
	}
	if !found {
		for _, rr := range m.Ns {
			if soa, ok := rr.(*dns.SOA); ok {
				ttl = min(soa.Hdr.Ttl, soa.Minttl)
				found = true
			}
		}
	}
	d := time.Duration(ttl) * time.Second
	if d < floor {
		d = floor
	}
	return d
}

// exchange asks the wire: rate limit, rotation, retries with backoff, TCP on
// truncation. SERVFAIL and REFUSED move on to the next resolver and are not
// retried on the same one; when every resolver said so, that rcode is the
// answer (classified as error by the checks).
func (c *Client) exchange(ctx context.Context, name string, qtype uint16) exchangeResult {
	c.exchanges.Add(1)
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	q.RecursionDesired = true
	q.AuthenticatedData = true // ask for the AD bit (RFC 6840 §5.7)
	q.SetEdns0(UDPSize, false)

	n := len(c.opt.Servers)
	start := int(c.next.Add(1)-1) % n
	var last exchangeResult
	refusedBy := 0
	attempts := 1 + c.opt.Retries
	if attempts < n {
		attempts = n
	}
	for i := 0; i < attempts; i++ {
		if i > 0 && last.err != nil {
			// Exponential backoff with jitter after a failure: 50ms, 100ms, …
			d := time.Duration(50<<min(i-1, 5)) * time.Millisecond
			d += time.Duration(rand.Int64N(int64(d/2) + 1))
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return exchangeResult{ev: last.ev, err: ctx.Err()}
			case <-t.C:
			}
		}
		server := c.opt.Servers[(start+i)%n]
		res := c.send(ctx, q, server)
		if ctx.Err() != nil {
			return exchangeResult{ev: res.ev, err: ctx.Err()}
		}
		last = res
		if res.err != nil {
			continue
		}
		rc := res.msg.Rcode
		if rc == dns.RcodeServerFailure || rc == dns.RcodeRefused {
			refusedBy++
			if refusedBy < n {
				continue
			}
		}
		return res
	}
	if last.err != nil {
		c.errs.Add(1)
	}
	return last
}

// send makes one exchange with one server: UDP first, TCP when truncated.
func (c *Client) send(ctx context.Context, q *dns.Msg, server string) exchangeResult {
	if c.limiter != nil {
		if err := c.limiter.Wait(ctx); err != nil {
			return exchangeResult{err: err}
		}
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return exchangeResult{err: ctx.Err()}
	}
	defer func() { <-c.sem }()

	if c.opt.TCP {
		r, ev, err := c.roundTrip(ctx, c.tcp, q, server, "tcp")
		if err != nil {
			return exchangeResult{ev: ev, err: err}
		}
		return exchangeResult{msg: r, ev: ev}
	}
	r, ev, err := c.roundTrip(ctx, c.udp, q, server, "udp")
	if err == nil && r.Truncated {
		r, ev, err = c.roundTrip(ctx, c.tcp, q, server, "tcp")
	}
	if err != nil {
		return exchangeResult{ev: ev, err: err}
	}
	return exchangeResult{msg: r, ev: ev}
}

// roundTrip writes q and reads until a response with q's ID and question
// arrives; others (late answers to earlier queries, spoofing attempts,
// garbage) are ignored until the deadline.
func (c *Client) roundTrip(ctx context.Context, cl *dns.Client, q *dns.Msg, server, transport string) (*dns.Msg, Evidence, error) {
	c.sent.Add(1)
	if transport == "tcp" {
		c.tcpSent.Add(1)
	}
	m := q.Copy()
	m.Id = dns.Id()
	at := c.opt.Now()
	ev := Evidence{
		Name: q.Question[0].Name, Type: dns.TypeToString[q.Question[0].Qtype],
		Server: server, Transport: transport, At: at.UTC(),
	}
	began := time.Now()
	fail := func(err error) (*dns.Msg, Evidence, error) {
		ev.RTT = msSince(began)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
			c.timeouts.Add(1)
			err = fmt.Errorf("%w: no answer from %s over %s within %s", ErrTimeout, server, transport, c.opt.Timeout)
		} else if !errors.Is(err, context.Canceled) {
			err = fmt.Errorf("%w: %s over %s: %v", ErrNetwork, server, transport, err)
		}
		ev.Error = err.Error()
		return nil, ev, err
	}
	conn, err := cl.DialContext(ctx, server)
	if err != nil {
		return fail(err)
	}
	defer conn.Close()
	deadline := time.Now().Add(c.opt.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	if transport == "udp" {
		conn.UDPSize = UDPSize
	}
	if err := conn.WriteMsg(m); err != nil {
		return fail(err)
	}
	for {
		r, err := conn.ReadMsg()
		if err != nil {
			var ne net.Error
			if transport == "udp" && !(errors.As(err, &ne) && ne.Timeout()) && ctx.Err() == nil && r == nil {
				continue // an unparseable datagram: keep waiting for ours
			}
			if ctx.Err() != nil {
				return fail(ctx.Err())
			}
			return fail(err)
		}
		if r.Id != m.Id || !r.Response || len(r.Question) != 1 || !sameQuestion(r.Question[0], m.Question[0]) {
			continue // not ours: keep reading until the deadline
		}
		ev.RTT = msSince(began)
		ev.Rcode = dns.RcodeToString[r.Rcode]
		ev.AD = r.AuthenticatedData
		ev.Answers = presentation(r.Answer)
		return r, ev, nil
	}
}

func sameQuestion(a, b dns.Question) bool {
	return a.Qtype == b.Qtype && a.Qclass == b.Qclass && strings.EqualFold(a.Name, b.Name)
}

func msSince(t time.Time) float64 {
	return float64(time.Since(t).Microseconds()) / 1000
}

// presentation renders records in zone-file form, at most MaxRRs of them.
func presentation(rrs []dns.RR) []string {
	out := make([]string, 0, min(len(rrs), MaxRRs))
	for i, rr := range rrs {
		if i == MaxRRs {
			break
		}
		out = append(out, rr.String())
	}
	return out
}

// chase follows CNAMEs from name until records of qtype, a negative answer,
// an error, a loop or MaxChain hops. Records in an answer that are not on the
// chain (other names) are ignored.
func chase(ctx context.Context, ex exchangeFunc, name string, qtype uint16) (Answer, error) {
	name = dns.CanonicalName(name)
	ans := Answer{Name: name, Qtype: qtype}
	seen := map[string]bool{name: true}
	cur := name
	for hop := 0; ; hop++ {
		res := ex(ctx, cur, qtype)
		if res.ev.Name != "" {
			ans.Exchanges = append(ans.Exchanges, res.ev)
		}
		if res.err != nil {
			ans.Err = res.err.Error()
			return ans, res.err
		}
		m := res.msg
		ans.Rcode = m.Rcode
		// Walk the chain inside this response.
		for {
			var next string
			for _, rr := range m.Answer {
				if cn, ok := rr.(*dns.CNAME); ok && qtype != dns.TypeCNAME && strings.EqualFold(cn.Hdr.Name, cur) {
					next = dns.CanonicalName(cn.Target)
					break
				}
			}
			if next == "" {
				break
			}
			if seen[next] {
				ans.Err = fmt.Sprintf("%v at %s", ErrCNAMELoop, next)
				return ans, fmt.Errorf("%s: %w at %s", name, ErrCNAMELoop, next)
			}
			if len(ans.Chain) >= MaxChain {
				ans.Err = fmt.Sprintf("%v (over %d)", ErrChainLong, MaxChain)
				return ans, fmt.Errorf("%s: %w", name, ErrChainLong)
			}
			seen[next] = true
			ans.Chain = append(ans.Chain, next)
			cur = next
		}
		for _, rr := range m.Answer {
			if rr.Header().Rrtype == qtype && strings.EqualFold(rr.Header().Name, cur) && len(ans.RRs) < MaxRRs {
				ans.RRs = append(ans.RRs, rr)
			}
		}
		if len(ans.RRs) > 0 || m.Rcode != dns.RcodeSuccess {
			return ans, nil
		}
		// NOERROR without records: if the chain moved on within this
		// response, the target may live elsewhere (an authoritative server
		// answers only for its own zones): ask for it.
		last := ""
		if len(ans.Chain) > 0 {
			last = ans.Chain[len(ans.Chain)-1]
		}
		if last != cur || !chainMovedIn(m, cur) {
			return ans, nil
		}
	}
}

// chainMovedIn reports whether m holds a CNAME pointing at target, so target
// has not been asked yet.
func chainMovedIn(m *dns.Msg, target string) bool {
	for _, rr := range m.Answer {
		if cn, ok := rr.(*dns.CNAME); ok && strings.EqualFold(dns.CanonicalName(cn.Target), target) {
			return true
		}
	}
	return false
}

// ReverseName returns the in-addr.arpa or ip6.arpa name of ip.
func ReverseName(ip netip.Addr) string {
	n, _ := dns.ReverseAddr(ip.String())
	return n
}
