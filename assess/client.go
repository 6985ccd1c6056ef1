package assess

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// Bounds on hostile DNS data.
const (
	// MaxChain is the longest CNAME chain followed (RFC 2317 delegation
	// needs one hop; resolvers commonly stop near 8-16).
	MaxChain = 8
	// MaxRRs is the most records of one answer kept and recorded, besides
	// its aliases (see keptRecords).
	MaxRRs = 100
	// maxAliasRRs is the most CNAME and DNAME records of one answer kept
	// besides MaxRRs others: a recursive resolver puts the whole chain in
	// front of the records asked for, and a chain is followed for at most
	// MaxChain hops, each a CNAME or a DNAME with its CNAME.
	maxAliasRRs = 2*MaxChain + 2
	// MaxAnswerData bounds the record data of one answer kept and
	// recorded, besides its aliases: 100 host names of the longest kind
	// fit, as does any real TXT set, but not a 60 KB record of junk, which
	// the evidence of every finding that used it would otherwise copy,
	// four times over in presentation form.
	MaxAnswerData = 32 << 10
	// UDPSize is the EDNS0 buffer advertised (DNS Flag Day 2020).
	UDPSize = 1232
	// FailureTTL is how long an answer that decides nothing (SERVFAIL,
	// REFUSED, a referral, one truncated over TCP too) is remembered. A
	// lookup that got no answer at all (timeout, network error) is
	// remembered only as long as it took to fail, at least
	// minFailureMemory (see Client.cached).
	FailureTTL = 5 * time.Minute
	// DefaultBreakerThreshold is how many consecutive exchanges with a
	// server may go unanswered (timeouts, network errors) before the client
	// marks it down.
	DefaultBreakerThreshold = 8
	// DefaultBreakerCooldown is how long a down server is left alone before
	// one query probes it again.
	DefaultBreakerCooldown = 5 * time.Second
)

// Errors of Lookup. Transport failures wrap ErrTimeout or ErrNetwork.
var (
	ErrTimeout   = errors.New("timeout")
	ErrNetwork   = errors.New("network error")
	ErrCNAMELoop = errors.New("cname loop")
	ErrChainLong = errors.New("cname chain too long")
	// ErrCNAMEConflict is a name with several CNAME records of different
	// targets, which DNS does not allow (RFC 2181 §10.1): resolvers may
	// follow either, so which records the name has is not known.
	ErrCNAMEConflict = errors.New("several cname records")
	ErrNoResolver    = errors.New("no resolver configured")
	// ErrTCPFallback is wrapped (with the TCP failure) by an exchange whose
	// UDP answer was truncated and whose retry over TCP failed: the
	// resolver answers, but TCP to it does not work.
	ErrTCPFallback = errors.New("truncated over UDP, and the retry over TCP failed")
	// ErrResolversDown is wrapped (with ErrTimeout) by a lookup that failed
	// at once, unsent, because every resolver was marked down.
	ErrResolversDown = errors.New("every resolver is down")
	// ErrReferral is an exchange answered with a referral (NOERROR, no
	// answer, name servers and no SOA in the authority section, RFC 2308
	// §2.2): the server neither holds the name nor resolves it, so the
	// response says nothing of whether the records exist.
	ErrReferral = errors.New("referral instead of an answer")
	// ErrTruncated is an answer over TCP that still says it is truncated
	// (TC): what it holds is not the whole answer, and there is no larger
	// transport to ask again over.
	ErrTruncated = errors.New("truncated answer over TCP")
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
	// BreakerThreshold is how many consecutive exchanges with one server
	// may go unanswered before it is marked down, provided it has not
	// answered anything for twice the Timeout (at least a second); 0 means
	// DefaultBreakerThreshold, negative never marks a server down. A down
	// server gets no queries but one probe per BreakerCooldown; when every
	// server is down, lookups fail at once with ErrResolversDown.
	BreakerThreshold int
	// BreakerCooldown is the time between probes of a down server; 0 means
	// DefaultBreakerCooldown.
	BreakerCooldown time.Duration
	// CacheSize bounds how many answers the cache keeps for reuse (0:
	// DefaultCacheSize); a quarter as many more wait on probation, until
	// asked for again (see cacheShard). Past the bound the oldest go: the
	// shared names (a domain's SPF, DKIM and DMARC records) are asked again
	// at worst, while a fleet's one-off per-IP answers do not pile up in
	// memory.
	CacheSize int
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
	// FailedFast counts exchanges failed unsent because every server was
	// down (see ClientOptions.BreakerThreshold).
	FailedFast int64
	// Unanswered counts the exchanges sent that no server answered in
	// time on any attempt: their findings are error (timeout).
	Unanswered int64
	// ServersDown is how many servers are marked down now.
	ServersDown int
}

// ServerHealth is what the client observed of one server.
type ServerHealth struct {
	Server   string
	Sent     int64 // messages sent to it
	Answered int64 // responses received from it (any rcode)
	// Refused and ServFail count the responses with those rcodes: a
	// resolver that answers only these resolves nothing for this host.
	Refused, ServFail int64
	// Referred counts the responses that were referrals (ErrReferral): an
	// authoritative server asked for names outside its zones.
	Referred int64
	// TruncatedTCP counts the answers truncated (TC) over TCP too: cut
	// short by the server, so no answer (ErrTruncated).
	TruncatedTCP int64
	// TCPFailed counts the truncated UDP answers whose retry over TCP
	// failed.
	TCPFailed int64
	Timeouts  int64
	// LastUnanswered counts the exchanges sent to it after its last
	// response, none of them answered since (timeouts, network errors):
	// at the end of a run, a resolver that stopped answering too late for
	// its breaker to mark it down (BreakerThreshold or more of them).
	LastUnanswered int64
	// AliveSinceAnswer reports that a liveness check answered since its
	// last response to a real question: those unanswered are a zone it
	// waits on (SlowSpells), not a resolver that stopped.
	AliveSinceAnswer bool
	// Down reports that the server is marked down now.
	Down bool
	// Outages counts the times it was marked down.
	Outages int
	// StoppedAfter is how many responses it had given when it was first
	// marked down; DownSince when that was.
	StoppedAfter int64
	DownSince    time.Time
	// LastError is the last transport failure seen from it.
	LastError string
	// SlowSpells counts the times it left many questions unanswered in a
	// row while it still answered a liveness query: a zone it waits on,
	// not a server down.
	SlowSpells int
	// LocalZone counts its negative answers from a locally served empty
	// zone (an SOA whose mailbox is nobody.invalid., RFC 6303 §3), such as
	// a recursive resolver's built-in reverse zones of private address
	// ranges; LocalZones names the first few of those zones (without the
	// root's dot: 10.in-addr.arpa).
	LocalZone  int64
	LocalZones []string
}

// maxLocalZones is how many locally served zones ServerHealth names.
const maxLocalZones = 5

// localZoneSOA returns the zone of a negative answer's SOA record when it
// is that of a locally served empty zone (RFC 6303 §3 gives such zones the
// mailbox nobody.invalid.; unbound's are "localhost. nobody.invalid."): the
// resolver answered from its own defaults, not from the DNS.
func localZoneSOA(m *dns.Msg) (string, bool) {
	if len(m.Answer) > 0 || m.Rcode != dns.RcodeSuccess && m.Rcode != dns.RcodeNameError {
		return "", false
	}
	for _, rr := range m.Ns {
		if soa, ok := rr.(*dns.SOA); ok && strings.EqualFold(soa.Mbox, "nobody.invalid.") {
			return strings.TrimSuffix(dns.CanonicalName(soa.Hdr.Name), "."), true
		}
	}
	return "", false
}

// Client is senderproof's DNS client: a cache with TTLs and in-flight
// collapsing in front of miekg/dns, with a rate limit, retries with backoff,
// rotation across resolvers, TCP fallback on truncation, and a circuit
// breaker per resolver. UDP queries share a few long-lived sockets per
// resolver (see udpPool).
type Client struct {
	opt ClientOptions
	tcp *dns.Client
	// pacer spaces the messages sent under --qps; nil when unlimited.
	pacer   *pacer
	sem     chan struct{}
	servers []*serverState

	shards [cacheShards]cacheShard

	lookups, hits, exchanges, sent, tcpSent, timeouts, errs, failedFast, unanswered atomic.Int64

	// life ends at Close: the breaker's liveness checks (checkAlive),
	// which no lookup waits for, stop with it.
	life    context.Context
	endLife context.CancelFunc
}

// cacheShards splits the cache so that concurrent lookups rarely wait on
// one another's lock.
const cacheShards = 32

type cacheShard struct {
	mu sync.Mutex
	m  map[qkey]*cacheEntry
	// An answer comes in on probation, in fresh; the oldest there go
	// first, once fresh holds freshMax. One asked for again while on
	// probation (a sending domain's records, asked for by each of its
	// senders) moves to kept when it comes up, where it stays while it is
	// used: kept holds at most keptMax and gives an entry used since it
	// last came up another round. A fleet's one-off answers (each sender's
	// PTR and forward lookups) so never crowd out its shared ones.
	fresh, kept       slotQueue
	nFresh, nKept     int // entries in m that are in fresh, in kept
	freshMax, keptMax int
}

// slotQueue is a queue of cache keys in the order they were queued, from
// head on. A slot whose entry went away earlier (expired, replaced,
// dropped) is skipped when it comes up.
type slotQueue struct {
	slots []orderSlot
	head  int
}

func (q *slotQueue) len() int         { return len(q.slots) - q.head }
func (q *slotQueue) push(o orderSlot) { q.slots = append(q.slots, o) }
func (q *slotQueue) pop() (o orderSlot) {
	o, q.slots[q.head] = q.slots[q.head], orderSlot{}
	q.head++
	return o
}

// compact reclaims the space of popped slots.
func (q *slotQueue) compact() {
	if q.head > len(q.slots)/2 {
		n := copy(q.slots, q.slots[q.head:])
		clear(q.slots[n:])
		q.slots = q.slots[:n]
		q.head = 0
	}
}

// orderSlot is one entry in a shard's eviction queue; it is current while
// the map still holds that very entry under its key.
type orderSlot struct {
	k qkey
	e *cacheEntry
}

// DefaultCacheSize is the default bound on answers kept for reuse; a
// quarter as many more are held on probation (see cacheShard). What is
// asked again across senders is a domain's records and its include chain,
// kept for as many domains as the bound allows; a sender's own PTR and
// forward answers are asked by that sender only (its checks share them
// through their own memo), and pass through probation.
const DefaultCacheSize = 64 << 10

// add queues a new entry for k, on probation, making room for it.
func (sh *cacheShard) add(k qkey, e *cacheEntry) {
	sh.makeRoom()
	if old, ok := sh.m[k]; ok {
		sh.forget(old)
	}
	sh.m[k] = e
	sh.nFresh++
	sh.fresh.push(orderSlot{k, e})
}

// remove drops k's entry e, if the map still holds it.
func (sh *cacheShard) remove(k qkey, e *cacheEntry) {
	if sh.m[k] == e {
		delete(sh.m, k)
		sh.forget(e)
	}
}

// forget uncounts e, which the map no longer holds.
func (sh *cacheShard) forget(e *cacheEntry) {
	if e.kept {
		sh.nKept--
	} else {
		sh.nFresh--
	}
}

// makeRoom makes room for one more entry on probation: the oldest finished
// ones there go, or move to kept if used since they came in; entries still
// in flight go to the back. Kept entries past keptMax go the same way,
// oldest first, those used since they last came up going to the back. It
// also drops keys that no longer have an entry (answers with TTL 0,
// replaced ones), so each queue stays within twice its bound.
func (sh *cacheShard) makeRoom() {
	for budget := sh.fresh.len(); budget > 0 && (sh.nFresh >= sh.freshMax || sh.fresh.len() > 2*sh.freshMax); budget-- {
		o := sh.fresh.pop()
		e := o.e
		switch {
		case sh.m[o.k] != e: // gone already: its slot goes too
		case sh.nFresh < sh.freshMax || e.done != closedDone:
			sh.fresh.push(o) // only dropping gone slots, or in flight
		case e.used:
			e.used, e.kept = false, true
			sh.nFresh--
			sh.nKept++
			sh.kept.push(o)
		default:
			delete(sh.m, o.k)
			sh.nFresh--
		}
	}
	sh.fresh.compact()
	for budget := sh.kept.len(); budget > 0 && (sh.nKept > sh.keptMax || sh.kept.len() > 2*sh.keptMax); budget-- {
		o := sh.kept.pop()
		e := o.e
		switch {
		case sh.m[o.k] != e:
		case sh.nKept <= sh.keptMax:
			sh.kept.push(o)
		case e.used:
			e.used = false
			sh.kept.push(o)
		default:
			delete(sh.m, o.k)
			sh.nKept--
		}
	}
	sh.kept.compact()
}

// serverState is one resolver: its UDP sockets and its circuit breaker.
type serverState struct {
	addr string
	hash uint32 // of addr: its weight for a question (firstResolver)
	pool *udpPool

	mu        sync.Mutex
	sent      int64
	answered  int64
	refused   int64 // responses with rcode REFUSED
	tcpFailed int64 // truncated UDP answers whose TCP retry failed
	servfail  int64 // responses with rcode SERVFAIL
	referred  int64 // responses that were referrals (ErrReferral)
	// truncatedTCP counts the answers truncated (TC) over TCP too.
	truncatedTCP int64
	timeouts     int64
	consecutive  int       // unanswered exchanges sent after the last answer
	lastAnswer   time.Time // when the last response arrived
	// unansweredSince is consecutive, but left as it is by the breaker's
	// liveness check: only a response to a real question ends it.
	unansweredSince int64
	// aliveSince is set when a liveness check answered while
	// unansweredSince counted, and cleared with it.
	aliveSince bool
	// firstSent is when the first exchange seen here was sent: a server
	// that has not answered yet is silent since then, not forever.
	firstSent time.Time
	down      bool
	downUntil time.Time // next probe when down
	probing   bool      // a probe is in flight
	// checking: the breaker's threshold was met and a liveness query is
	// in flight (checkAlive) before the server is marked down.
	checking bool
	// quietSpells counts the liveness checks in a row that found the
	// server alive with no answer to a real question since the check
	// before (answeredAtCheck): one that answers only ". NS" is down.
	quietSpells     int
	answeredAtCheck int64
	outages         int
	stopped         int64 // answered when first marked down
	downSince       time.Time
	lastError       string
	// slowSpells counts the times the breaker's threshold was met while
	// the server still answered a liveness query: questions it did not
	// answer in time (a zone it waits on), not a server down.
	slowSpells int
	localZone  int64
	localZones []string
	// noEDNS is set once the server answered FORMERR or NOTIMP without
	// an OPT record to a query with one (RFC 6891 §7): it does not speak
	// EDNS, and later queries go to it without.
	noEDNS atomic.Bool
	// Round-trip time of answered UDP exchanges, smoothed (RFC 6298), in
	// milliseconds, and how many were measured.
	srtt, rttvar float64
	rttSamples   int
}

// Retransmission bounds: a server's round trips are trusted after
// rtoMinSamples answers, and a query is sent again no sooner than rtoFloor
// after its usual round trip (well above a recursive resolver's cache
// hits, below its timeouts).
const (
	rtoMinSamples = 32
	rtoFloor      = 200 * time.Millisecond
)

// retransmitAfter is how long to wait for an answer before sending a query
// again: the smoothed round trip plus four times its variation, that term
// at least rtoFloor (RFC 6298 §2, whose clock granularity G bounds it the
// same way), and at most timeout; timeout until the server has answered
// rtoMinSamples queries. Without the floor on the variation, a server that
// answers every query in the same time (400 ms from a distant resolver)
// has none, and queries would be sent again just as their answers come.
func (s *serverState) retransmitAfter(timeout time.Duration) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rttSamples < rtoMinSamples {
		return timeout
	}
	rto := time.Duration(s.srtt*float64(time.Millisecond)) + max(rtoFloor, time.Duration(4*s.rttvar*float64(time.Millisecond)))
	return min(rto, timeout)
}

// sampleRTT folds an answered exchange's round trip into the estimate.
func (s *serverState) sampleRTT(ms float64) {
	if s.rttSamples == 0 {
		s.srtt, s.rttvar = ms, ms/2
	} else {
		s.rttvar = 0.75*s.rttvar + 0.25*math.Abs(s.srtt-ms)
		s.srtt = 0.875*s.srtt + 0.125*ms
	}
	s.rttSamples++
}

type qkey struct {
	name  string
	qtype uint16
}

// closedDone stands in for the done channel of every completed cache entry.
var closedDone = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

type cacheEntry struct {
	done    chan struct{}
	res     exchangeResult
	expires time.Time
	used    bool // answered a lookup since it last came up for eviction
	kept    bool // out of probation (see cacheShard)
}

// exchangeResult is one question answered (or not) on the wire.
type exchangeResult struct {
	msg  *dns.Msg
	ev   Evidence
	err  error
	sent time.Time // when the last message of the exchange went out
	// tcpFailed: the server answered over UDP (truncated), then the TCP
	// retry failed; err wraps ErrTCPFallback. tcpRefused: the TCP
	// connection was refused, which asking again would not change (one
	// closed or reset mid-answer, or timed out, is retried).
	tcpFailed, tcpRefused bool
	// referral: the server answered with a referral; err wraps ErrReferral.
	referral bool
	// truncated: the server answered over TCP, truncated; err wraps
	// ErrTruncated.
	truncated bool
}

// answeredUnusably reports whether the server answered, with a response
// that serves as no answer (a referral, truncated over TCP, or truncated
// over UDP with TCP to it refused): it is alive, and asking it again would
// get the same.
func (r exchangeResult) answeredUnusably() bool { return r.referral || r.truncated || r.tcpRefused }

// NewClient returns a client for the given resolvers.
func NewClient(opt ClientOptions) (*Client, error) {
	if len(opt.Servers) == 0 {
		return nil, ErrNoResolver
	}
	opt.Servers = slices.Clone(opt.Servers) // the caller's slice stays as given
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
	if opt.BreakerThreshold == 0 {
		opt.BreakerThreshold = DefaultBreakerThreshold
	}
	if opt.BreakerCooldown <= 0 {
		opt.BreakerCooldown = DefaultBreakerCooldown
	}
	c := &Client{
		opt: opt,
		tcp: &dns.Client{Net: "tcp", Timeout: opt.Timeout},
		sem: make(chan struct{}, opt.Concurrency),
	}
	c.life, c.endLife = context.WithCancel(context.Background())
	size := opt.CacheSize
	if size <= 0 {
		size = DefaultCacheSize
	}
	for i := range c.shards {
		c.shards[i].m = make(map[qkey]*cacheEntry)
		c.shards[i].keptMax = max(size/cacheShards, 16)
		c.shards[i].freshMax = max(size/4/cacheShards, 16)
	}
	for _, s := range opt.Servers {
		c.servers = append(c.servers, &serverState{addr: s, hash: questionHash(s, 0), pool: newUDPPool(s, udpSockets)})
	}
	if opt.QPS > 0 {
		c.pacer = newPacer(opt.QPS)
	}
	return c, nil
}

// pace waits until a message may be sent under --qps (see pacer).
func (c *Client) pace(ctx context.Context) error {
	if c.pacer == nil {
		return nil
	}
	return c.pacer.wait(ctx)
}

// pacer spaces the messages sent under --qps 1/QPS apart, measured when
// each is let go: a message goes once the last one went 1/QPS ago, by the
// clock of that moment. No slot is booked ahead of time, so when the
// process was held up (stopped, or starved of the CPU on a busy machine)
// the messages that waited leave one by one, spaced as ever, not together
// the moment it runs again. The times of the last QPS messages are kept
// besides (the window, up to maxWindow), and another goes only when the
// oldest of them is a second old: no second holds more than QPS.
type pacer struct {
	// turn is held by the one message waiting for its moment, and guards
	// the rest; the others queue for it in order.
	turn     chan struct{}
	interval time.Duration
	last     time.Time   // when the last message was let go
	window   []time.Time // ring of the last sends; nil past maxWindow
	next     int         // the oldest in window
	timer    *time.Timer // the turn holder's, stopped when idle
}

// maxWindow is the largest --qps whose last sends are kept: 100,000
// times, 2.4 MB; past it the spacing is all (a window that large would
// take memory for nothing).
const maxWindow = 100_000

func newPacer(qps float64) *pacer {
	p := &pacer{
		turn:     make(chan struct{}, 1),
		interval: time.Duration(float64(time.Second) / qps),
		timer:    time.NewTimer(time.Hour),
	}
	p.timer.Stop()
	if qps <= maxWindow {
		p.window = make([]time.Time, int(math.Ceil(qps)))
	}
	return p
}

// wait returns when a message may be sent, and counts it sent.
func (p *pacer) wait(ctx context.Context) error {
	select {
	case p.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.turn }()
	for {
		now := time.Now()
		at := p.last.Add(p.interval)
		if p.window != nil {
			if oldest := p.window[p.next]; !oldest.IsZero() && at.Before(oldest.Add(time.Second)) {
				at = oldest.Add(time.Second)
			}
		}
		if !now.Before(at) {
			p.last = now
			if p.window != nil {
				p.window[p.next] = now
				p.next = (p.next + 1) % len(p.window)
			}
			return nil
		}
		// The clock is read again on waking: a wait that ended late
		// (the process held up) does not make the next one shorter.
		p.timer.Reset(at.Sub(now))
		select {
		case <-ctx.Done():
			p.timer.Stop()
			return ctx.Err()
		case <-p.timer.C:
		}
	}
}

// SystemResolvers reads the resolvers of /etc/resolv.conf.
func SystemResolvers(path string) ([]string, error) {
	cfg, err := dns.ClientConfigFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading resolvers from %s: %w", path, err)
	}
	var out []string
	for _, s := range cfg.Servers {
		// resolv.conf takes addresses only (a zone for link-local):
		// "127.0.0.1:53" or a name there would otherwise be asked as
		// a host name at the run's end, every query failing.
		if _, err := netip.ParseAddr(s); err != nil {
			return nil, fmt.Errorf("%s: nameserver %q is not an IP address (resolv.conf takes no port or name)", path, s)
		}
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
	st := Stats{
		Lookups: c.lookups.Load(), CacheHits: c.hits.Load(), Exchanges: c.exchanges.Load(),
		Sent: c.sent.Load(), TCP: c.tcpSent.Load(), Timeouts: c.timeouts.Load(), Errors: c.errs.Load(),
		FailedFast: c.failedFast.Load(), Unanswered: c.unanswered.Load(),
	}
	for _, h := range c.Health() {
		if h.Down {
			st.ServersDown++
		}
	}
	return st
}

// Health returns what the client observed of each server, in the order of
// ClientOptions.Servers.
func (c *Client) Health() []ServerHealth {
	out := make([]ServerHealth, len(c.servers))
	for i, s := range c.servers {
		s.mu.Lock()
		out[i] = ServerHealth{
			Server: s.addr, Sent: s.sent, Answered: s.answered, Refused: s.refused, ServFail: s.servfail, Referred: s.referred, TruncatedTCP: s.truncatedTCP, TCPFailed: s.tcpFailed, Timeouts: s.timeouts,
			LastUnanswered: s.unansweredSince, AliveSinceAnswer: s.aliveSince, Down: s.down, Outages: s.outages, StoppedAfter: s.stopped, DownSince: s.downSince,
			LastError: s.lastError, SlowSpells: s.slowSpells,
			LocalZone: s.localZone, LocalZones: slices.Clone(s.localZones),
		}
		s.mu.Unlock()
	}
	return out
}

// Close releases the client's sockets. Lookups after Close still work
// (sockets are opened again); idle sockets also close by themselves.
func (c *Client) Close() {
	c.endLife()
	for _, s := range c.servers {
		s.pool.close()
	}
}

// Lookup answers name/qtype, chasing CNAMEs.
func (c *Client) Lookup(ctx context.Context, name string, qtype uint16) (Answer, error) {
	ans, err := chase(ctx, c.cached, name, qtype)
	if Classify(ans, err) == OutcomeError {
		// Every way a lookup ends in error counts, the zone's (a CNAME
		// loop, records past the bounds) as the resolver's.
		c.errs.Add(1)
	}
	return ans, err
}

// DropCache forgets every cached answer, to free its memory once the
// lookups are done; lookups after it ask the wire again.
func (c *Client) DropCache() {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		for k, e := range sh.m {
			if e.done == closedDone {
				delete(sh.m, k)
			}
		}
		sh.fresh, sh.kept = slotQueue{}, slotQueue{}
		sh.nFresh, sh.nKept = 0, 0
		for k, e := range sh.m { // still in flight
			e.kept = false
			sh.nFresh++
			sh.fresh.push(orderSlot{k, e})
		}
		sh.mu.Unlock()
	}
}

// exchangeFunc asks one question and returns the response and its evidence.
type exchangeFunc func(ctx context.Context, name string, qtype uint16) exchangeResult

// cached answers from the cache, joins an identical in-flight query, or asks
// the wire. Answers live for their TTL (negative answers for the SOA
// minimum, RFC 2308). An answer that decides nothing (SERVFAIL, REFUSED, a
// referral, one truncated over TCP too) is kept for FailureTTL, so that a
// failing server is not asked the same question again at once. A transport
// failure (a timeout or network error after retries) is kept only as long
// as the exchange took to fail, at least minFailureMemory: the lookups
// joined to it, or asked meanwhile, share it, and a later sender asks
// again rather than copying a passing fault. Every check of one asset sees
// the same outcome all the same: the asset's memo (assetMemo) keeps what
// it was told.
//
// Each call is one lookup in the client's counts (a CNAME chain's every
// hop is one), and one hit at most, so the hit rate stays a share.
func (c *Client) cached(ctx context.Context, name string, qtype uint16) exchangeResult {
	c.lookups.Add(1)
	return c.cachedOnce(ctx, name, qtype)
}

func (c *Client) cachedOnce(ctx context.Context, name string, qtype uint16) exchangeResult {
	k := qkey{name, qtype}
	sh := &c.shards[questionHash(name, qtype)%cacheShards]
	now := c.opt.Now()
	sh.mu.Lock()
	if e, ok := sh.m[k]; ok {
		select {
		case <-e.done:
			if now.Before(e.expires) {
				e.used = true
				sh.mu.Unlock()
				c.hits.Add(1)
				return e.res
			}
		default:
			// Joining a lookup in flight is asking again: the answer is
			// shared, so it leaves probation like one asked later.
			e.used = true
			done := e.done // read under the lock: it is replaced when closed
			sh.mu.Unlock()
			select {
			case <-done:
				if isCancel(e.res.err) && ctx.Err() == nil {
					// The first asker was cancelled, not this one: its
					// entry is gone, so ask again.
					return c.cachedOnce(ctx, name, qtype)
				}
				c.hits.Add(1)
				return e.res
			case <-ctx.Done():
				return exchangeResult{err: ctx.Err()}
			}
		}
	}
	e := &cacheEntry{done: make(chan struct{})}
	sh.add(k, e)
	sh.mu.Unlock()

	res := c.exchange(ctx, name, qtype)
	var expires time.Time
	switch {
	case res.err == nil:
		expires = now.Add(cacheTTL(res.msg))
		// Only the answer records kept and the rcode are read from here
		// on (chase); drop the rest so a fleet-sized cache stays small,
		// a hostile 64 KB answer of thousands of records included.
		res.msg.Question, res.msg.Ns, res.msg.Extra = nil, nil, nil
		if n := keptRecords(res.msg.Answer); n < len(res.msg.Answer) {
			res.msg.Answer = slices.Clone(res.msg.Answer[:n])
		}
	case ctx.Err() != nil || errors.Is(res.err, ErrResolversDown):
		// A question not sent, as every resolver was down, is not
		// remembered: once one answers a probe, it is asked.
	case res.answeredUnusably():
		// A server's answer (a referral, one cut short over TCP too):
		// asking again at once would get the same.
		expires = now.Add(FailureTTL)
	default:
		// No answer in time, or the network failed: a passing fault (a
		// resolver silent for a moment) is not handed to every later
		// sender, who asks again. Remembered as long as it took to fail,
		// so a name that is never answered is still asked at most about
		// half the time.
		end := c.opt.Now()
		expires = end.Add(max(end.Sub(now), minFailureMemory))
	}
	sh.mu.Lock()
	e.res = res
	e.expires = expires
	if !now.Before(e.expires) {
		sh.remove(k, e)
	}
	close(e.done)
	e.done = closedDone // the entry's own channel can go
	sh.mu.Unlock()
	return res
}

// minFailureMemory is the least time a lookup that got no answer (timeout,
// network error) is remembered: the lookups of the moment share it, and
// asking again sooner would only add to the load on a struggling resolver.
const minFailureMemory = time.Second

// isCancel reports an error that is a context's cancellation or deadline.
func isCancel(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// cacheTTL is how long a response may be reused: the least TTL of its
// answers, or for a negative answer the SOA's minimum (RFC 2308 §5). Within
// one assessment an answer is kept at least a minute, so each name and type is
// asked once per run even when published with TTL 0.
func cacheTTL(m *dns.Msg) time.Duration {
	const floor = time.Minute
	if m.Rcode != dns.RcodeSuccess && m.Rcode != dns.RcodeNameError {
		// SERVFAIL, REFUSED and the like say nothing of the name: kept as
		// long as a failure, so a passing fault is asked again (RFC 2308
		// §7.1: at most five minutes).
		return FailureTTL
	}
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

// firstResolver chooses which resolver is asked a question first: the one
// of highest weight for it (rendezvous hashing of the question and each
// resolver's address). The questions spread over the resolvers as a
// rotation would spread them, but the same question goes to the same
// resolver in every run, whatever order the checks ask in and whatever
// order the resolvers are given in, so that a run of several resolvers is
// reproducible (its queries sent, its notes, and its answers where the
// resolvers disagree); one resolver more takes its share of the questions
// and moves no others.
func (c *Client) firstResolver(name string, qtype uint16) int {
	if len(c.servers) == 1 {
		return 0
	}
	q := uint64(questionHash(name, qtype))
	best, top := 0, uint64(0)
	for i, s := range c.servers {
		if w := mix64(q<<32 | uint64(s.hash)); i == 0 || w > top {
			best, top = i, w
		}
	}
	return best
}

// mix64 is SplitMix64's finalizer: every bit of x moves every bit of the
// result, so the weights of one question for two resolvers are
// unrelated.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// questionHash is FNV-1a of a question's name, in lower case, and its
// type: the same in every run (the client's resolver choice and its cache
// shard follow from it, so that which answers the cache keeps, and so the
// queries a run sends, do not vary with a per-process seed).
func questionHash(name string, qtype uint16) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h = (h ^ uint32(c)) * 16777619
	}
	h = (h ^ uint32(qtype>>8)) * 16777619
	return (h ^ uint32(qtype&0xff)) * 16777619
}

// exchange asks the wire: rate limit, rotation, retries with backoff, TCP on
// truncation. SERVFAIL and REFUSED move on to the next resolver and are not
// retried on the same one; when every resolver said so, that rcode is the
// answer (classified as error by the checks). A resolver marked down by its
// circuit breaker is skipped; when every one is, the exchange fails at once.
func (c *Client) exchange(ctx context.Context, name string, qtype uint16) exchangeResult {
	c.exchanges.Add(1)
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	q.RecursionDesired = true
	q.AuthenticatedData = true // ask for the AD bit (RFC 6840 §5.7)
	q.SetEdns0(UDPSize, false)

	n := len(c.servers)
	start := c.firstResolver(name, qtype)
	var last, said exchangeResult
	// saidNo holds the servers that answered SERVFAIL, REFUSED, a truncated answer over TCP or a
	// referral: they are not asked again for this question.
	var saidNo []*serverState
	attempts := 1 + c.opt.Retries
	if attempts < n {
		attempts = n
	}
	for i := 0; i < attempts; i++ {
		if i > 0 && last.err != nil && !last.answeredUnusably() {
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
		srv, probe := c.pick(start+i, saidNo)
		if srv == nil {
			if i > 0 {
				// Sent already, and the others are down now: what came
				// back (a timeout, a server's SERVFAIL) stands, with its
				// evidence. Only a question never sent is "not sent".
				break
			}
			c.failedFast.Add(1)
			return c.allDown(q)
		}
		// Before the last attempt, a query the server has not answered
		// within its usual round trip is sent again; the last attempt
		// waits the full timeout, so a slow answer is not lost.
		wait := c.opt.Timeout
		if i < attempts-1 {
			wait = srv.retransmitAfter(c.opt.Timeout)
		}
		res := c.send(ctx, q, srv, wait)
		c.observe(srv, probe, res, ctx.Err() != nil)
		if ctx.Err() != nil {
			return exchangeResult{ev: res.ev, err: ctx.Err()}
		}
		last = res
		if res.answeredUnusably() || res.err == nil && decidesNothing(res.msg.Rcode) {
			said = res
			saidNo = append(saidNo, srv)
			if len(saidNo) < n {
				continue
			}
			break
		}
		if res.err != nil {
			continue
		}
		return res
	}
	if len(saidNo) > 0 && last.err != nil && !last.answeredUnusably() {
		// A server's answer says more than another's silence.
		last = said
	}
	if errors.Is(last.err, ErrTimeout) {
		c.unanswered.Add(1)
	}
	return last
}

// decidesNothing reports whether an answer of this rcode says nothing of
// the name: SERVFAIL and REFUSED, and FORMERR and NOTIMP, a resolver (or
// something before it) that cannot read or does not serve the query. The
// next resolver is asked; once every one gave such an answer, it is final.
func decidesNothing(rcode int) bool {
	switch rcode {
	case dns.RcodeServerFailure, dns.RcodeRefused, dns.RcodeFormatError, dns.RcodeNotImplemented:
		return true
	}
	return false
}

// pick returns the first server from position i in rotation, not in skip,
// that its breaker lets through, and whether that query is a probe of a down
// server; nil when every server is down.
func (c *Client) pick(i int, skip []*serverState) (*serverState, bool) {
	n := len(c.servers)
	now := time.Now()
	for j := range n {
		s := c.servers[(i+j)%n]
		if slices.Contains(skip, s) {
			continue
		}
		s.mu.Lock()
		switch {
		case !s.down:
			s.mu.Unlock()
			return s, false
		case !s.probing && !now.Before(s.downUntil):
			s.probing = true
			s.mu.Unlock()
			return s, true
		}
		s.mu.Unlock()
	}
	return nil, false
}

// observe feeds an exchange's outcome to the server's breaker: any response
// resets it; an unanswered exchange (timeout, network error) counts if it
// was sent after the last response arrived, and BreakerThreshold of them in
// a row mark the server down once it has been silent for breakerWindow.
// Counting only those keeps random loss from opening the breaker when every
// worker waits on lost queries and nothing else is asked: a query lost while
// the server answered others is no sign of a dead server. A probe that fails
// keeps the server down for another BreakerCooldown.
func (c *Client) observe(s *serverState, probe bool, res exchangeResult, cancelled bool) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if probe {
		s.probing = false
	}
	switch {
	case res.answeredUnusably() && !res.tcpFailed:
		s.answered++
		if res.referral {
			s.referred++
		}
		if res.truncated {
			s.truncatedTCP++
		}
		s.consecutive, s.unansweredSince, s.aliveSince = 0, 0, false
		s.lastAnswer = now
		s.down = false
	case res.tcpFailed:
		// It answered over UDP: alive, whatever became of TCP.
		s.tcpFailed++
		s.consecutive, s.unansweredSince, s.aliveSince = 0, 0, false
		s.lastAnswer = now
		s.down = false
		s.lastError = res.err.Error()
	case res.err == nil:
		s.answered++
		if res.msg != nil {
			switch res.msg.Rcode {
			case dns.RcodeRefused:
				s.refused++
			case dns.RcodeServerFailure:
				s.servfail++
			}
			if zone, ok := localZoneSOA(res.msg); ok {
				s.localZone++
				if len(s.localZones) < maxLocalZones && !slices.Contains(s.localZones, zone) {
					s.localZones = append(s.localZones, zone)
				}
			}
		}
		if res.ev.Transport == "udp" {
			s.sampleRTT(res.ev.RTT)
		}
		s.consecutive, s.unansweredSince, s.aliveSince = 0, 0, false
		s.lastAnswer = now
		s.down = false
	case cancelled || errors.Is(res.err, context.Canceled) || res.sent.IsZero():
		// Not sent, or given up by the caller: says nothing of the server.
	case !res.sent.After(s.lastAnswer):
		// Others were answered while it waited.
		s.lastError = res.err.Error()
		if errors.Is(res.err, ErrTimeout) {
			s.timeouts++
		}
	default:
		s.consecutive++
		s.unansweredSince++
		if errors.Is(res.err, ErrTimeout) {
			s.timeouts++
		}
		s.lastError = res.err.Error()
		if s.firstSent.IsZero() || res.sent.Before(s.firstSent) {
			s.firstSent = res.sent
		}
		silentSince := s.lastAnswer
		if silentSince.IsZero() {
			silentSince = s.firstSent
		}
		switch {
		case s.down:
			s.downUntil = now.Add(c.opt.BreakerCooldown)
		case c.opt.BreakerThreshold > 0 && s.consecutive >= c.opt.BreakerThreshold && now.Sub(silentSince) >= c.breakerWindow() && !s.checking && c.life.Err() == nil:
			// Silence may be the questions', not the server's: a
			// recursive resolver waits on a zone whose servers are down
			// while it answers everything else, and when every query in
			// flight is for that zone nothing else is answered. A
			// question any server answers at once tells.
			s.checking = true
			go c.checkAlive(s)
		}
	}
}

// checkAlive asks s a question it answers at once if it answers at all
// (". NS": from a resolver's cache, REFUSED from an authoritative server),
// twice at most, and marks s down only when neither is answered. Any
// response counts: it is the server's silence that is in question.
func (c *Client) checkAlive(s *serverState) {
	q := new(dns.Msg)
	q.SetQuestion(".", dns.TypeNS)
	q.RecursionDesired = true
	began := time.Now()
	alive, asked := false, false
	for range 2 {
		if c.life.Err() != nil {
			break
		}
		// --qps and the concurrency slots may hold the question
		// back (a low --qps): it waits for them as long as it takes,
		// then gets its timeout.
		res := c.send(c.life, q, s, c.opt.Timeout)
		if res.sent.IsZero() || c.life.Err() != nil {
			// Not sent, or the client closed: it says nothing, and
			// nothing more is sent.
			asked = false
			break
		}
		asked = true
		if res.err == nil || res.answeredUnusably() || res.tcpFailed {
			alive = true
			break
		}
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checking = false
	if !asked {
		return
	}
	if s.lastAnswer.After(began) {
		// A real question was answered meanwhile: alive, and not
		// only to the liveness question.
		s.consecutive = 0
		s.quietSpells = 0
		s.answeredAtCheck = s.answered
		return
	}
	if alive {
		if s.answered == s.answeredAtCheck && s.slowSpells > 0 {
			s.quietSpells++
		} else {
			s.quietSpells = 0
		}
		s.answeredAtCheck = s.answered
		if s.quietSpells < maxQuietSpells {
			s.consecutive = 0
			s.lastAnswer = now
			s.slowSpells++
			s.aliveSince = true
			return
		}
		// It answers ". NS" and nothing it is asked: as good as down,
		// or a run would wait out every query's timeout.
	}
	s.down = true
	s.downUntil = now.Add(c.opt.BreakerCooldown)
	s.outages++
	if s.outages == 1 {
		s.stopped = s.answered
		s.downSince = now
	}
}

// maxQuietSpells is how many liveness checks in a row may find a server
// alive without its answering a real question in between before it is
// marked down all the same: each spell is at least twice the timeout of
// silence, so a resolver waiting on one dead zone while the queries in
// flight are all for it gets that long to come back to the others.
const maxQuietSpells = 5

// breakerWindow is how long a server must have been silent before its
// breaker opens: a server that stalls for less (a busy moment, a burst of
// loss) is waited for, not failed fast.
func (c *Client) breakerWindow() time.Duration {
	return max(2*c.opt.Timeout, time.Second)
}

// allDown is the result of an exchange that no server was up for.
func (c *Client) allDown(q *dns.Msg) exchangeResult {
	var why []string
	for _, s := range c.servers {
		s.mu.Lock()
		why = append(why, fmt.Sprintf("%s stopped answering (%d exchanges in a row unanswered, after %d answers)", s.addr, s.consecutive, s.stopped))
		s.mu.Unlock()
	}
	err := fmt.Errorf("%w: %w: %s; not sent", ErrTimeout, ErrResolversDown, strings.Join(why, "; "))
	transport := "udp"
	if c.opt.TCP {
		transport = "tcp"
	}
	ev := Evidence{
		Name: q.Question[0].Name, Type: dns.TypeToString[q.Question[0].Qtype],
		Server: c.servers[0].addr, Transport: transport, At: c.opt.Now().UTC(), Error: err.Error(),
		Answers: []string{}, // no response: an empty list, never null (evidence.json shape)
	}
	return exchangeResult{ev: ev, err: err}
}

// send makes one exchange with one server: UDP first, TCP when truncated.
func (c *Client) send(ctx context.Context, q *dns.Msg, srv *serverState, wait time.Duration) exchangeResult {
	// The slot first, then the rate: a query paced while every slot was
	// busy would otherwise hold a permit from long before it is sent, and
	// when a stalled resolver answers, all such queries leave at once.
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return exchangeResult{err: ctx.Err()}
	}
	defer func() { <-c.sem }()
	if err := c.pace(ctx); err != nil {
		return exchangeResult{err: err}
	}

	transport := "udp"
	if c.opt.TCP {
		transport = "tcp"
	}
	if transport == "tcp" {
		wait = c.opt.Timeout
	}
	sent := time.Now()
	if srv.noEDNS.Load() {
		q = withoutEDNS(q)
	}
	r, ev, err := c.roundTrip(ctx, q, srv, transport, wait)
	if err == nil && refusesEDNS(q, r) {
		// A server from before EDNS (RFC 6891 §7): ask it again without
		// the OPT record, and remember that it needs that once it
		// answers so: a server that answers FORMERR without EDNS too
		// objects to the question, not to EDNS, and later queries keep
		// their larger UDP size.
		if err := c.pace(ctx); err != nil {
			return exchangeResult{err: err}
		}
		q = withoutEDNS(q)
		sent = time.Now()
		r, ev, err = c.roundTrip(ctx, q, srv, transport, wait)
		if err == nil && r.Rcode != dns.RcodeFormatError && r.Rcode != dns.RcodeNotImplemented {
			srv.noEDNS.Store(true)
		}
	}
	if err == nil && r.Truncated && transport == "udp" {
		// Asking again over TCP is another query to the resolver.
		if err := c.pace(ctx); err != nil {
			return exchangeResult{err: err}
		}
		sent = time.Now()
		r, ev, err = c.roundTrip(ctx, q, srv, "tcp", c.opt.Timeout)
		if err != nil && ctx.Err() == nil {
			refused := errors.Is(err, syscall.ECONNREFUSED)
			err = fmt.Errorf("%w (%w)", ErrTCPFallback, err)
			// The evidence says what the finding says, and a replay
			// reads the reason back from it.
			ev.Error = err.Error()
			// Only a connection refused is final for this resolver: one
			// closed or reset mid-answer (a server at its TCP client
			// limit) may work the next time, as a timeout may.
			return exchangeResult{ev: ev, err: err, sent: sent, tcpFailed: true, tcpRefused: refused}
		}
	}
	if err != nil {
		return exchangeResult{ev: ev, err: err, sent: sent}
	}
	if r.Truncated {
		// Only over TCP: a truncated UDP answer was asked again above.
		err = fmt.Errorf("%w: %s cut its answer short (TC) over TCP too", ErrTruncated, srv.addr)
		ev.Error = err.Error()
		return exchangeResult{ev: ev, err: err, sent: sent, truncated: true}
	}
	if ns := referralNS(r); ns != nil {
		ev.Authority = presentation(ns[:min(len(ns), maxReferralNS)])
		err = fmt.Errorf("%w: %s does not hold %s and sent it on to %s", ErrReferral, srv.addr, ev.Name, nsTargets(ns))
		ev.Error = err.Error()
		return exchangeResult{ev: ev, err: err, sent: sent, referral: true}
	}
	return exchangeResult{msg: r, ev: ev, sent: sent}
}

// refusesEDNS reports whether r is an answer of a server that does not
// know EDNS to q: FORMERR or NOTIMP without an OPT record, to a query that
// carried one (RFC 6891 §7), or BADVERS, which to a query of EDNS version 0
// (every one senderproof sends) says its EDNS is broken (§6.1.3).
func refusesEDNS(q, r *dns.Msg) bool {
	if q.IsEdns0() == nil {
		return false
	}
	return r.Rcode == dns.RcodeBadVers ||
		(r.Rcode == dns.RcodeFormatError || r.Rcode == dns.RcodeNotImplemented) && r.IsEdns0() == nil
}

// rcodeName is an rcode's mnemonic, as the evidence records it. 16 is
// BADVERS (RFC 6891): senderproof signs no query, so it is never BADSIG
// (TSIG), which shares the value and miekg/dns names. An rcode without a
// mnemonic is RCODE and its number.
func rcodeName(rcode int) string {
	if rcode == dns.RcodeBadVers {
		return "BADVERS"
	}
	if s, ok := dns.RcodeToString[rcode]; ok {
		return s
	}
	return "RCODE" + strconv.Itoa(rcode)
}

// parseRcode reads an rcode as rcodeName writes it (and BADSIG, which
// packs of earlier versions recorded for BADVERS).
func parseRcode(s string) (int, bool) {
	s = strings.ToUpper(s)
	if s == "BADVERS" {
		return dns.RcodeBadVers, true
	}
	if n, ok := dns.StringToRcode[s]; ok {
		return n, true
	}
	if digits, ok := strings.CutPrefix(s, "RCODE"); ok {
		if n, err := strconv.Atoi(digits); err == nil && n >= 0 && n <= 0xfff && strconv.Itoa(n) == digits {
			return n, true
		}
	}
	return 0, false
}

// withoutEDNS returns q without its OPT record (q itself when it has none).
func withoutEDNS(q *dns.Msg) *dns.Msg {
	if q.IsEdns0() == nil {
		return q
	}
	p := q.Copy()
	p.Extra = slices.DeleteFunc(p.Extra, func(rr dns.RR) bool { return rr.Header().Rrtype == dns.TypeOPT })
	return p
}

// maxReferralNS bounds the name server records of a referral kept in the
// evidence and named in its error.
const maxReferralNS = 8

// referralNS returns the NS records of r's authority section when r is a
// referral (RFC 2308 §2.2, RFC 1034 §4.3.2): NOERROR, an empty answer
// section, no SOA, and NS records of the name asked or a name above it,
// from a server that is neither authoritative for the answer (AA) nor
// recursive (RA): that server holds a zone above the cut and sends the
// question on. A negative answer carries an SOA (or, rarely, nothing); an
// authoritative or recursive server's NODATA may carry the zone's own NS
// records without it, and NS records of an unrelated name say nothing.
// nil when r is not a referral.
func referralNS(r *dns.Msg) []dns.RR {
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) > 0 || r.Authoritative || r.RecursionAvailable || len(r.Question) == 0 {
		return nil
	}
	qname := r.Question[0].Name
	var ns []dns.RR
	covers := false
	for _, rr := range r.Ns {
		switch rr.(type) {
		case *dns.SOA:
			return nil
		case *dns.NS:
			ns = append(ns, rr)
			covers = covers || dns.IsSubDomain(rr.Header().Name, qname)
		}
	}
	if !covers {
		return nil
	}
	return ns
}

// nsTargets names the servers of a referral's NS records, bounded.
func nsTargets(ns []dns.RR) string {
	var names []string
	for _, rr := range ns[:min(len(ns), maxReferralNS)] {
		names = append(names, bounded(rr.(*dns.NS).Ns, maxNameLen+1))
	}
	if len(ns) > maxReferralNS {
		names = append(names, fmt.Sprintf("%d more", len(ns)-maxReferralNS))
	}
	return strings.Join(names, ", ")
}

// roundTrip sends q to the server and waits for a response with q's ID and
// question; others (late answers to earlier queries, spoofing attempts,
// garbage) are ignored until the deadline. UDP goes through the server's
// socket pool; TCP dials a connection per exchange.
func (c *Client) roundTrip(ctx context.Context, q *dns.Msg, srv *serverState, transport string, wait time.Duration) (*dns.Msg, Evidence, error) {
	server := srv.addr
	c.sent.Add(1)
	if transport == "tcp" {
		c.tcpSent.Add(1)
	}
	srv.mu.Lock()
	srv.sent++
	srv.mu.Unlock()
	at := c.opt.Now()
	ev := Evidence{
		Name: q.Question[0].Name, Type: dns.TypeToString[q.Question[0].Qtype],
		Server: server, Transport: transport, At: at.UTC(),
		Answers: []string{}, // stays empty, never null, when no response comes
	}
	began := time.Now()
	fail := func(err error) (*dns.Msg, Evidence, error) {
		ev.RTT = msSince(began)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
			c.timeouts.Add(1)
			err = fmt.Errorf("%w: no answer from %s over %s within %s", ErrTimeout, server, transport, wait)
		} else if !errors.Is(err, context.Canceled) {
			err = fmt.Errorf("%w: %s over %s: %w", ErrNetwork, server, transport, err)
		}
		ev.Error = err.Error()
		return nil, ev, err
	}
	deadline := began.Add(wait)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	var r *dns.Msg
	var err error
	if transport == "udp" {
		r, err = srv.pool.exchange(ctx, q, deadline)
	} else {
		r, err = c.tcpExchange(ctx, q, server, deadline)
	}
	if err != nil {
		if ctx.Err() != nil {
			return fail(ctx.Err())
		}
		return fail(err)
	}
	ev.RTT = msSince(began)
	ev.Rcode = rcodeName(r.Rcode)
	ev.AD = r.AuthenticatedData
	ev.Answers = presentation(r.Answer)
	ev.Omitted = len(r.Answer) - keptRecords(r.Answer)
	if len(r.Answer) == 0 {
		ev.Authority = negativeSOA(r.Ns)
	}
	return r, ev, nil
}

// negativeSOA is the SOA record of a negative answer's authority section,
// in presentation format, or nil when it has none.
func negativeSOA(ns []dns.RR) []string {
	for _, rr := range ns {
		if soa, ok := rr.(*dns.SOA); ok {
			return presentation([]dns.RR{soa})
		}
	}
	return nil
}

// tcpExchange asks q over a new TCP connection.
func (c *Client) tcpExchange(ctx context.Context, q *dns.Msg, server string, deadline time.Time) (*dns.Msg, error) {
	m := q.Copy()
	m.Id = dns.Id()
	conn, err := c.tcp.DialContext(ctx, server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	if err := conn.WriteMsg(m); err != nil {
		return nil, err
	}
	for {
		// The header first: a message that is not ours (another ID, or
		// no response) is skipped unread, as over UDP, however malformed
		// the rest of it, and no TSIG is checked (none is asked for).
		var hdr dns.Header
		b, err := conn.ReadMsgHeader(&hdr)
		if err != nil {
			return nil, err
		}
		if hdr.Id != m.Id || hdr.Bits&qrBit == 0 {
			continue // not ours: keep reading until the deadline
		}
		r := new(dns.Msg)
		if err := r.Unpack(b); err != nil {
			return nil, err
		}
		switch {
		case len(r.Question) == 0 && questionlessRcode(r.Rcode):
			r.Question = m.Question
		case len(r.Question) != 1 || !sameQuestion(r.Question[0], m.Question[0]):
			continue
		}
		return r, nil
	}
}

// qrBit is the header flag of a response (RFC 1035 §4.1.1).
const qrBit = 1 << 15

// questionlessRcode reports whether an answer of this rcode is taken
// without its question section: some servers leave it out of a refusal or
// failure (9.9.9.9 answers REFUSED so, and servers from before EDNS
// FORMERR), which matched on its ID is the server's answer, not silence.
// It can only make a finding error, which a forged one could as well.
func questionlessRcode(rcode int) bool { return decidesNothing(rcode) }

func sameQuestion(a, b dns.Question) bool {
	return a.Qtype == b.Qtype && a.Qclass == b.Qclass && strings.EqualFold(a.Name, b.Name)
}

func msSince(t time.Time) float64 {
	return float64(time.Since(t).Microseconds()) / 1000
}

// presentation renders records in zone-file form, those keptRecords keeps.
func presentation(rrs []dns.RR) []string {
	rrs = rrs[:keptRecords(rrs)]
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		out = append(out, rr.String())
	}
	return out
}

// keptRecords returns how many records of a section, from the first, are
// read and kept: up to MaxRRs records holding at most MaxAnswerData bytes
// of record data (as the wire gave it: records parsed from the evidence's
// text, which holds only those kept, count none), not counting up to
// maxAliasRRs CNAME and DNAME records among them. A name with exactly MaxRRs address
// records reads the same whether an authoritative server answers (one
// exchange per alias) or a recursive resolver (the chain and the records
// in one answer); the result on the records kept is all of them, so a
// replay of the evidence reads the same.
func keptRecords(rrs []dns.RR) int {
	others, aliases, data := 0, 0, 0
	for i, rr := range rrs {
		switch rr.Header().Rrtype {
		case dns.TypeCNAME, dns.TypeDNAME:
			if aliases++; aliases > maxAliasRRs {
				return i
			}
		default:
			data += int(rr.Header().Rdlength)
			if others++; others > MaxRRs || data > MaxAnswerData {
				return i
			}
		}
	}
	return len(rrs)
}

// chase follows CNAMEs from name until records of qtype, a negative answer,
// an error, a loop or MaxChain hops. Records in an answer that are not on the
// chain (other names) are ignored.
func chase(ctx context.Context, ex exchangeFunc, name string, qtype uint16) (Answer, error) {
	name = dns.CanonicalName(name)
	ans := Answer{Name: name, Qtype: qtype}
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
		// Only the records the evidence keeps are read, so that a replay
		// from it reads the same.
		section := m.Answer[:keptRecords(m.Answer)]
		ans.Omitted = res.ev.Omitted
		// Walk the chain inside this response.
		moved := false
		for {
			var next string
			for _, rr := range section {
				if cn, ok := rr.(*dns.CNAME); ok && qtype != dns.TypeCNAME && cn.Hdr.Class == dns.ClassINET && strings.EqualFold(cn.Hdr.Name, cur) {
					t := dns.CanonicalName(cn.Target)
					if next != "" && t != next {
						// Which one a receiver's resolver follows depends
						// on the order of the records, which resolvers
						// rotate: no verdict may rest on either.
						ans.Err = fmt.Sprintf("%v at %s: %s, %s", ErrCNAMEConflict, cur, next, t)
						return ans, fmt.Errorf("%s: %w at %s: %s, %s", name, ErrCNAMEConflict, cur, next, t)
					}
					next = t
				}
			}
			if next == "" && qtype != dns.TypeDNAME {
				next = dnameTarget(section, cur)
			}
			if next == "" {
				break
			}
			moved = true
			if next == name || slices.Contains(ans.Chain, next) {
				ans.Err = fmt.Sprintf("%v at %s", ErrCNAMELoop, next)
				return ans, fmt.Errorf("%s: %w at %s", name, ErrCNAMELoop, next)
			}
			if len(ans.Chain) >= MaxChain {
				ans.Err = fmt.Sprintf("%v (over %d)", ErrChainLong, MaxChain)
				return ans, fmt.Errorf("%s: %w", name, ErrChainLong)
			}
			ans.Chain = append(ans.Chain, next)
			cur = next
		}
		for _, rr := range section {
			if h := rr.Header(); h.Rrtype == qtype && h.Class == dns.ClassINET && strings.EqualFold(h.Name, cur) {
				ans.RRs = append(ans.RRs, rr)
			}
		}
		if len(ans.RRs) > 0 || m.Rcode != dns.RcodeSuccess {
			return ans, nil
		}
		// NOERROR without records: if the chain moved on within this
		// response, the target may live elsewhere (an authoritative server
		// answers only for its own zones): ask for it.
		if !moved {
			// Records in the answer, none of them the question's (other
			// names, types or classes): not the empty answer NODATA is.
			ans.Unrelated = len(section)
			return ans, nil
		}
	}
}

// dnameTarget returns the name a DNAME record in section redirects cur to
// (RFC 6672 §2.2: the owner's suffix of cur replaced by the target), or ""
// when none applies. Servers add the CNAME this synthesizes (§3.1), which
// chase follows first; one that sends the DNAME alone still redirects the
// name, which then is not NODATA.
func dnameTarget(section []dns.RR, cur string) string {
	var labels []string
	for _, rr := range section {
		d, ok := rr.(*dns.DNAME)
		if !ok || d.Hdr.Class != dns.ClassINET {
			continue
		}
		owner := dns.CanonicalName(d.Hdr.Name)
		// Labels as DNS splits them: an escaped dot (x\.b) is inside its
		// label, so x\.b.example is not below b.example.
		if labels == nil {
			labels = dns.SplitDomainName(cur)
		}
		n := len(labels) - dns.CountLabel(owner)
		if owner == "." || n <= 0 || !dns.IsSubDomain(owner, cur) {
			continue
		}
		next := dns.CanonicalName(strings.Join(labels[:n], ".") + "." + dns.CanonicalName(d.Target))
		if _, ok := dns.IsDomainName(next); !ok || len(next) > 255 {
			return "" // too long: YXDOMAIN (§2.2); not followed
		}
		return next
	}
	return ""
}

// ReverseName returns the in-addr.arpa or ip6.arpa name of ip.
func ReverseName(ip netip.Addr) string {
	n, _ := dns.ReverseAddr(ip.String())
	return n
}
