package assess

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// Socket pool bounds.
const (
	// udpSockets is how many UDP sockets each server gets at once.
	udpSockets = 4
	// udpSocketUses is how many queries one socket carries before it is
	// replaced, so the source port keeps changing (RFC 5452 §9.2) while a
	// socket costs one dial per udpSocketUses queries instead of one each.
	udpSocketUses = 256
	// udpIdle closes a socket nobody has used for this long.
	udpIdle = 2 * time.Second
	// udpReadBuffer is the receive buffer asked for each socket.
	udpReadBuffer = 1 << 20
)

// errSocketClosed fails the queries waiting on a socket that closed.
var errSocketClosed = errors.New("socket closed")

// udpPool keeps a few connected UDP sockets to one server. Each socket has
// one reader that hands every response to the query waiting for its ID, if
// the response carries that query's question; anything else (a late answer
// to a query that timed out, a spoofing attempt, garbage) is dropped.
type udpPool struct {
	server string
	mu     sync.Mutex
	socks  []*udpSock
	next   int
}

type udpSock struct {
	pool *udpPool
	conn *net.UDPConn

	mu       sync.Mutex
	pending  map[uint16]*udpWaiter
	uses     int
	lastUsed time.Time
	retired  bool // takes no new queries; closes when the last one is done
	closed   bool
}

type udpWaiter struct {
	q  dns.Question
	ch chan udpReply // buffered: the reader never blocks
}

type udpReply struct {
	msg *dns.Msg
	err error
}

func newUDPPool(server string, size int) *udpPool {
	return &udpPool{server: server, socks: make([]*udpSock, size)}
}

// exchange sends q with a fresh ID on one of the pool's sockets and waits
// until deadline for its response.
func (p *udpPool) exchange(ctx context.Context, q *dns.Msg, deadline time.Time) (*dns.Msg, error) {
	s, id, w, err := p.register(q.Question[0])
	if err != nil {
		return nil, err
	}
	m := *q // shallow: only the ID differs
	m.Id = id
	buf, err := m.Pack()
	if err != nil {
		s.remove(id)
		return nil, err
	}
	if _, err := s.conn.Write(buf); err != nil {
		s.remove(id)
		return nil, err
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case r := <-w.ch:
		return r.msg, r.err
	case <-t.C:
		s.remove(id)
		return nil, os.ErrDeadlineExceeded
	case <-ctx.Done():
		s.remove(id)
		return nil, ctx.Err()
	}
}

// register picks a socket in rotation, replacing one that has retired, and
// books an ID on it that no query in flight there uses.
func (p *udpPool) register(q dns.Question) (*udpSock, uint16, *udpWaiter, error) {
	w := &udpWaiter{q: q, ch: make(chan udpReply, 1)}
	p.mu.Lock()
	defer p.mu.Unlock()
	i := p.next % len(p.socks)
	p.next++
	s := p.socks[i]
	if s != nil {
		s.mu.Lock()
		if s.retired {
			s.mu.Unlock()
			s = nil
		}
	}
	if s == nil {
		var err error
		if s, err = p.dial(); err != nil {
			return nil, 0, nil, err
		}
		p.socks[i] = s
		s.mu.Lock()
	}
	defer s.mu.Unlock()
	id := uint16(rand.Uint32())
	for s.pending[id] != nil {
		id = uint16(rand.Uint32())
	}
	s.pending[id] = w
	s.uses++
	s.lastUsed = time.Now()
	if s.uses >= udpSocketUses {
		s.retired = true
		p.socks[i] = nil
	}
	return s, id, w, nil
}

func (p *udpPool) dial() (*udpSock, error) {
	raddr, err := net.ResolveUDPAddr("udp", p.server)
	if err != nil {
		return nil, err
	}
	conn, err := net.DialUDP("udp", nil, raddr)
	if err != nil {
		return nil, err
	}
	// Room for every response in flight on this socket, so a burst is not
	// dropped while the reader waits for the CPU (the kernel caps it at
	// net.core.rmem_max).
	_ = conn.SetReadBuffer(udpReadBuffer)
	s := &udpSock{pool: p, conn: conn, pending: map[uint16]*udpWaiter{}, lastUsed: time.Now()}
	go s.read()
	return s, nil
}

// close retires every socket; each closes when its last query is done.
func (p *udpPool) close() {
	p.mu.Lock()
	socks := p.socks
	p.socks = make([]*udpSock, len(socks))
	p.mu.Unlock()
	for _, s := range socks {
		if s != nil {
			s.mu.Lock()
			s.retired = true
			s.closeIfDoneLocked()
			s.mu.Unlock()
		}
	}
}

// remove forgets a query that gave up.
func (s *udpSock) remove(id uint16) {
	s.mu.Lock()
	delete(s.pending, id)
	s.closeIfDoneLocked()
	s.mu.Unlock()
}

func (s *udpSock) closeIfDoneLocked() {
	if s.retired && len(s.pending) == 0 && !s.closed {
		s.closed = true
		_ = s.conn.Close()
	}
}

// read delivers responses until the socket closes. A socket unused for
// udpIdle retires itself.
func (s *udpSock) read() {
	buf := make([]byte, dns.MaxMsgSize)
	_ = s.conn.SetReadDeadline(time.Now().Add(udpIdle))
	for {
		n, err := s.conn.Read(buf)
		if err != nil {
			var ne net.Error
			switch {
			case errors.As(err, &ne) && ne.Timeout():
				s.mu.Lock()
				if len(s.pending) == 0 && time.Since(s.lastUsed) >= udpIdle {
					s.retired = true
					s.closeIfDoneLocked()
					s.mu.Unlock()
					s.forget()
					return
				}
				s.mu.Unlock()
				_ = s.conn.SetReadDeadline(time.Now().Add(udpIdle))
				continue
			case errors.Is(err, syscall.ECONNREFUSED):
				// An ICMP port unreachable for one of the queries in
				// flight: nothing says which, so they all fail.
				s.failAll(err)
				continue
			}
			s.mu.Lock()
			s.retired = true
			s.closeIfDoneLocked()
			s.mu.Unlock()
			s.failAll(fmt.Errorf("%w: %v", errSocketClosed, err))
			s.forget()
			return
		}
		m := new(dns.Msg)
		if err := m.Unpack(buf[:n]); err != nil {
			// A truncated answer cut inside a record (RFC 2181 §9
			// allows it): the header and question parse before the
			// record that does not, and TC says to ask over TCP.
			if !m.Truncated || len(m.Question) != 1 {
				continue
			}
			m.Answer, m.Ns, m.Extra = nil, nil, nil
		}
		if !m.Response || len(m.Question) > 1 || len(m.Question) == 0 && !questionlessRcode(m.Rcode) {
			continue
		}
		s.mu.Lock()
		w := s.pending[m.Id]
		if w == nil || len(m.Question) == 1 && !sameQuestion(m.Question[0], w.q) {
			s.mu.Unlock()
			continue // not ours
		}
		if len(m.Question) == 0 {
			m.Question = []dns.Question{w.q}
		}
		delete(s.pending, m.Id)
		s.closeIfDoneLocked()
		s.mu.Unlock()
		w.ch <- udpReply{msg: m}
	}
}

// failAll fails every query in flight on the socket.
func (s *udpSock) failAll(err error) {
	s.mu.Lock()
	pending := s.pending
	s.pending = map[uint16]*udpWaiter{}
	s.closeIfDoneLocked()
	s.mu.Unlock()
	for _, w := range pending {
		w.ch <- udpReply{err: err}
	}
}

// forget takes a closed socket out of its pool.
func (s *udpSock) forget() {
	p := s.pool
	p.mu.Lock()
	for i, x := range p.socks {
		if x == s {
			p.socks[i] = nil
		}
	}
	p.mu.Unlock()
}
