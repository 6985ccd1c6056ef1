package assess

// Raw UDP and TCP responders on 127.0.0.1 for answers the test server in
// dnstest cannot give: cut inside a record, without their question.

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// rawServer listens on one UDP and one TCP port (same number) on 127.0.0.1.
type rawServer struct {
	addr    string
	udp     *net.UDPConn
	tcp     *net.TCPListener
	udpSeen atomic.Int64
	tcpSeen atomic.Int64
	ports   sync.Map // client source ports seen over UDP
}

// onUDP gets the query bytes and the client address and may write replies.
type onUDP func(s *rawServer, q *dns.Msg, from *net.UDPAddr)

// onTCP gets the connection after the query was read.
type onTCP func(s *rawServer, q *dns.Msg, c net.Conn)

func startRaw(t *testing.T, u onUDP, tc onTCP) *rawServer {
	t.Helper()
	var s rawServer
	for range 20 {
		uc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		port := uc.LocalAddr().(*net.UDPAddr).Port
		tl, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
		if err != nil {
			uc.Close()
			continue
		}
		s.udp, s.tcp = uc, tl
		s.addr = fmt.Sprintf("127.0.0.1:%d", port)
		break
	}
	if s.udp == nil {
		t.Fatal("no port")
	}
	_ = s.udp.SetReadBuffer(4 << 20)
	_ = s.udp.SetWriteBuffer(4 << 20)
	t.Cleanup(func() { s.udp.Close(); s.tcp.Close() })
	go func() {
		buf := make([]byte, 65535)
		for {
			n, from, err := s.udp.ReadFromUDP(buf)
			if err != nil {
				return
			}
			s.udpSeen.Add(1)
			s.ports.Store(from.Port, true)
			q := new(dns.Msg)
			if q.Unpack(buf[:n]) != nil {
				continue
			}
			if u != nil {
				go u(&s, q, from)
			}
		}
	}()
	go func() {
		for {
			c, err := s.tcp.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				var l uint16
				if binary.Read(c, binary.BigEndian, &l) != nil {
					return
				}
				b := make([]byte, l)
				if _, err := io.ReadFull(c, b); err != nil {
					return
				}
				s.tcpSeen.Add(1)
				q := new(dns.Msg)
				if q.Unpack(b) != nil {
					return
				}
				if tc != nil {
					tc(&s, q, c)
				}
			}()
		}
	}()
	return &s
}

func (s *rawServer) sendUDP(m *dns.Msg, to *net.UDPAddr) {
	b, err := m.Pack()
	if err != nil {
		panic(err)
	}
	_, _ = s.udp.WriteToUDP(b, to)
}

func tcpWrite(c net.Conn, b []byte) {
	var l [2]byte
	binary.BigEndian.PutUint16(l[:], uint16(len(b)))
	_, _ = c.Write(append(l[:], b...))
}

func txtAnswer(q *dns.Msg, n int) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(q)
	m.RecursionAvailable = true
	for i := range n {
		rr, _ := dns.NewRR(fmt.Sprintf(`%s 300 IN TXT "record %03d %0100d"`, q.Question[0].Name, i, 0))
		m.Answer = append(m.Answer, rr)
	}
	return m
}

func newRawClient(t *testing.T, addr string, timeout time.Duration, retries int) *Client {
	t.Helper()
	c, err := NewClient(ClientOptions{Servers: []string{addr}, Timeout: timeout, Retries: retries, Concurrency: 8, BreakerThreshold: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// TestTruncatedInsideRecord: a UDP answer with TC cut inside a record
// (RFC 2181 §9 allows it; the header counts as in the whole answer) is
// asked again over TCP, not taken for silence.
func TestTruncatedInsideRecord(t *testing.T) {
	t.Parallel()
	s := startRaw(t, func(s *rawServer, q *dns.Msg, from *net.UDPAddr) {
		m := txtAnswer(q, 30)
		m.Truncated = true
		b, _ := m.Pack()
		_, _ = s.udp.WriteToUDP(b[:1232], from)
	}, func(s *rawServer, q *dns.Msg, c net.Conn) {
		b, _ := txtAnswer(q, 30).Pack()
		tcpWrite(c, b)
	})
	c := newRawClient(t, s.addr, 2*time.Second, 1)
	ans, err := c.Lookup(context.Background(), "big.example.", dns.TypeTXT)
	if err != nil || len(ans.RRs) != 30 {
		t.Fatalf("err %v, %d records; want the 30 over TCP", err, len(ans.RRs))
	}
	if last := ans.Exchanges[len(ans.Exchanges)-1]; last.Transport != "tcp" || s.udpSeen.Load() != 1 {
		t.Errorf("answered over %s after %d UDP queries; want TCP after one", last.Transport, s.udpSeen.Load())
	}
}

// TestRcodeWithoutQuestion: a refusal or failure that leaves out the
// question section (9.9.9.9 answers REFUSED so) is the server's answer:
// REFUSED and SERVFAIL are final for that server, FORMERR brings the
// query without EDNS, and none is taken for silence.
func TestRcodeWithoutQuestion(t *testing.T) {
	t.Parallel()
	for _, rc := range []int{dns.RcodeRefused, dns.RcodeServerFailure, dns.RcodeFormatError} {
		t.Run(dns.RcodeToString[rc], func(t *testing.T) {
			t.Parallel()
			s := startRaw(t, func(s *rawServer, q *dns.Msg, from *net.UDPAddr) {
				m := new(dns.Msg)
				if rc == dns.RcodeFormatError && q.IsEdns0() == nil {
					m.SetReply(q)
					rr, _ := dns.NewRR(q.Question[0].Name + " 300 IN A 192.0.2.1")
					m.Answer = []dns.RR{rr}
					s.sendUDP(m, from)
					return
				}
				m.SetRcode(q, rc)
				m.Question = nil
				s.sendUDP(m, from)
			}, nil)
			c := newRawClient(t, s.addr, 2*time.Second, 2)
			start := time.Now()
			ans, err := c.Lookup(context.Background(), "r.example.", dns.TypeA)
			if time.Since(start) > time.Second {
				t.Errorf("took %v: the answer was taken for silence", time.Since(start))
			}
			if rc == dns.RcodeFormatError {
				if err != nil || len(ans.RRs) != 1 {
					t.Errorf("FORMERR: err %v, records %v; want the answer without EDNS", err, ans.RRs)
				}
				return
			}
			if ans.Rcode != rc || s.udpSeen.Load() != 1 {
				t.Errorf("rcode %s after %d queries (err %v); want %s after one", dns.RcodeToString[ans.Rcode], s.udpSeen.Load(), err, dns.RcodeToString[rc])
			}
		})
	}
}

// hugeAnswer is a valid answer to q of about 64 KB: some 4,000 A records.
func hugeAnswer(q *dns.Msg) []byte {
	m := new(dns.Msg)
	m.SetReply(q)
	m.Compress = true
	for i := 0; ; i++ {
		m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 3600},
			A: net.IPv4(10, byte(i>>16), byte(i>>8), byte(i))})
		if m.Len() > 65000 {
			m.Answer = m.Answer[:len(m.Answer)-1]
			break
		}
	}
	b, err := m.Pack()
	if err != nil {
		panic(err)
	}
	return b
}

// truncateUDP answers every UDP query with an empty truncated response, so
// that the client asks again over TCP.
func truncateUDP(s *rawServer, q *dns.Msg, from *net.UDPAddr) {
	m := new(dns.Msg)
	m.SetReply(q)
	m.Truncated = true
	s.sendUDP(m, from)
}

// answerA is the packed answer to q: one A record, 192.0.2.1.
func answerA(q *dns.Msg) []byte {
	m := new(dns.Msg)
	m.SetReply(q)
	m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.IPv4(192, 0, 2, 1)}}
	b, _ := m.Pack()
	return b
}

// writeTCP writes one length-prefixed message.
func writeTCP(c net.Conn, b []byte) {
	var l [2]byte
	binary.BigEndian.PutUint16(l[:], uint16(len(b)))
	_, _ = c.Write(append(l[:], b...))
}

// TestCacheKeepsRecordsRead: a 64 KB answer of thousands of records is
// cached with the records read (MaxRRs), not all of them: a hostile zone
// cannot fill the cache's memory.
func TestCacheKeepsRecordsRead(t *testing.T) {
	t.Parallel()
	s := startRaw(t, truncateUDP, func(s *rawServer, q *dns.Msg, c net.Conn) { writeTCP(c, hugeAnswer(q)) })
	c, err := NewClient(ClientOptions{Servers: []string{s.addr}, Timeout: 2 * time.Second, BreakerThreshold: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	ans, err := c.Lookup(context.Background(), "huge.example.", dns.TypeA)
	if err != nil || ans.Omitted == 0 || len(ans.RRs) != MaxRRs {
		t.Fatalf("lookup: %v, %d records read, %d omitted; want %d read and the rest omitted", err, len(ans.RRs), ans.Omitted, MaxRRs)
	}
	for i := range c.shards {
		for k, e := range c.shards[i].m {
			if n := len(e.res.msg.Answer); n > MaxRRs {
				t.Errorf("%s: %d records cached, want at most %d", k.name, n, MaxRRs)
			}
		}
	}
	// From the cache, the same answer.
	again, err := c.Lookup(context.Background(), "huge.example.", dns.TypeA)
	if err != nil || again.Omitted != ans.Omitted || len(again.RRs) != MaxRRs {
		t.Errorf("cached lookup: %v, %d records, %d omitted", err, len(again.RRs), again.Omitted)
	}
}

// TestTCPSkipsMessagesNotOurs: over TCP, a message with another ID is
// skipped however malformed (or TSIG-signed) it is, as over UDP, and the
// answer after it is read.
func TestTCPSkipsMessagesNotOurs(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"garbage", "tsig"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := startRaw(t, truncateUDP, func(s *rawServer, q *dns.Msg, c net.Conn) {
				other := new(dns.Msg)
				other.SetReply(q)
				other.Id = q.Id + 1
				b, _ := other.Pack()
				if name == "garbage" {
					b = append(b[:12:12], 0xff, 0xff, 0xff) // a header, then nothing that parses
				} else {
					other.SetTsig("key.", dns.HmacSHA256, 300, time.Now().Unix())
					b, _, _ = dns.TsigGenerate(other, "c2VjcmV0", "", false)
				}
				writeTCP(c, b)
				writeTCP(c, answerA(q))
			})
			c, err := NewClient(ClientOptions{Servers: []string{s.addr}, Timeout: 2 * time.Second, BreakerThreshold: -1})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(c.Close)
			ans, err := c.Lookup(context.Background(), "a.example.", dns.TypeA)
			if err != nil || len(ans.RRs) != 1 {
				t.Fatalf("lookup: %v, %d records; want the answer after the message that is not ours", err, len(ans.RRs))
			}
		})
	}
}

// TestTCPClosedMidAnswerRetried: a TCP connection closed before the whole
// answer came (a server at its TCP client limit) is asked again, as a
// timeout is; only a connection refused is final for the resolver.
func TestTCPClosedMidAnswerRetried(t *testing.T) {
	t.Parallel()
	var conns atomic.Int64
	s := startRaw(t, truncateUDP, func(s *rawServer, q *dns.Msg, c net.Conn) {
		b := answerA(q)
		if conns.Add(1) == 1 {
			// The length, and half the message: then the close.
			var l [2]byte
			binary.BigEndian.PutUint16(l[:], uint16(len(b)))
			_, _ = c.Write(append(l[:], b[:len(b)/2]...))
			return
		}
		writeTCP(c, b)
	})
	c, err := NewClient(ClientOptions{Servers: []string{s.addr}, Timeout: 2 * time.Second, Retries: 1, BreakerThreshold: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	ans, err := c.Lookup(context.Background(), "a.example.", dns.TypeA)
	if err != nil || len(ans.RRs) != 1 {
		t.Fatalf("lookup: %v, %d records; want the answer of the second attempt", err, len(ans.RRs))
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d TCP connections, want 2", n)
	}
}
