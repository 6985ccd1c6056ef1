package assess

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/miekg/dns"

	"senderproof/assess/dnstest"
	"senderproof/templates"
)

// Fault tolerance: the client and the runner under lost, late, wrong and
// hostile answers. Short sizes run in `go test ./...`; SENDERPROOF_LONG=1
// runs fleets of 20,000 senders.

// longFaults reports whether the long fault runs were asked for.
func longFaults() bool { return os.Getenv("SENDERPROOF_LONG") == "1" }

// fleetSize is n, or long with SENDERPROOF_LONG=1.
func fleetSize(n, long int) int {
	if longFaults() {
		return long
	}
	return n
}

// parallelShort runs the test in parallel with others, except the long
// runs: on a small machine three fleets of 20,000 at once starve the
// in-process servers into stalls longer than the breaker's window.
func parallelShort(t *testing.T) {
	if !longFaults() {
		t.Parallel()
	}
}

// statusKey names one finding.
func statusKey(f Finding) string {
	sel := ""
	if f.Selector != nil {
		sel = "/" + *f.Selector
	}
	return f.Asset + " " + f.Check + sel
}

type faultRun struct {
	statuses map[string]Status
	errors   int
	elapsed  time.Duration
	stats    Stats
	health   []ServerHealth
}

// assessWorld assesses the world's inventory through a new client to srv.
func assessWorld(t *testing.T, w dnstest.World, srv *dnstest.Server, opt ClientOptions) faultRun {
	t.Helper()
	inv, err := ParseInventory("world.csv", w.Inventory)
	if err != nil {
		t.Fatal(err)
	}
	opt.Servers = []string{srv.Addr}
	conc := 32
	if longFaults() {
		conc = 256
	}
	opt.Concurrency = conc
	c, err := NewClient(opt)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	fs, err := Run(context.Background(), inv.Assets, Options{Resolver: c, Concurrency: conc})
	if err != nil {
		t.Fatal(err)
	}
	r := faultRun{statuses: map[string]Status{}, elapsed: time.Since(start), stats: c.Stats(), health: c.Health()}
	for _, f := range fs {
		r.statuses[statusKey(f)] = f.Status
		if f.Status == StatusError {
			r.errors++
		}
	}
	return r
}

// sameOrError fails the test for any finding whose status is neither the
// baseline's nor error, and returns the share of error findings.
func sameOrError(t *testing.T, base, got faultRun) float64 {
	t.Helper()
	if len(got.statuses) != len(base.statuses) {
		t.Fatalf("%d findings, baseline has %d", len(got.statuses), len(base.statuses))
	}
	bad := 0
	for k, want := range base.statuses {
		s := got.statuses[k]
		if s != want && s != StatusError {
			bad++
			if bad <= 10 {
				t.Errorf("%s: %s, baseline %s (only error may differ)", k, s, want)
			}
		}
	}
	if bad > 10 {
		t.Errorf("... %d findings differ in all", bad)
	}
	return float64(got.errors) / float64(len(got.statuses))
}

// baseline is the loss-free run of the world, with a generous timeout.
func baseline(t *testing.T, w dnstest.World) faultRun {
	t.Helper()
	srv := serveTest(t, dnstest.Config{Zones: w.Zones})
	r := assessWorld(t, w, srv, ClientOptions{Timeout: 5 * time.Second, Retries: 2})
	if r.errors > 0 {
		t.Fatalf("loss-free run has %d error findings", r.errors)
	}
	return r
}

func TestFaultRandomLoss(t *testing.T) {
	parallelShort(t)
	w := dnstest.SyntheticWorld(fleetSize(100, 20_000), 7, 0.05)
	base := baseline(t, w)
	cases := []struct {
		name             string
		loss             float64
		bound, longBound time.Duration
	}{
		{"5% loss", 0.05, 30 * time.Second, 2 * time.Minute},
		{"30% loss", 0.30, 60 * time.Second, 4 * time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			parallelShort(t)
			srv := serveTest(t, dnstest.Config{Zones: w.Zones, LossRate: tc.loss, Seed: 11})
			// Default retries (2); a short timeout keeps the test quick.
			got := assessWorld(t, w, srv, ClientOptions{Timeout: 200 * time.Millisecond, Retries: 2})
			share := sameOrError(t, base, got)
			t.Logf("%s: %d senders, %d findings, %.2f%% error; %d sent, %d timeouts, %d failed fast; %s",
				tc.name, w.Senders, len(got.statuses), 100*share, got.stats.Sent, got.stats.Timeouts, got.stats.FailedFast, got.elapsed.Round(time.Millisecond))
			bound := tc.bound
			if longFaults() {
				bound = tc.longBound
			}
			if got.elapsed > bound {
				t.Errorf("run took %s, want under %s", got.elapsed, bound)
			}
			if got.stats.Timeouts == 0 {
				t.Error("no timeouts: the server lost nothing")
			}
		})
	}
}

func TestFaultRandomMix(t *testing.T) {
	parallelShort(t)
	w := dnstest.SyntheticWorld(fleetSize(100, 20_000), 3, 0.05)
	base := baseline(t, w)
	srv, err := serveRetry(dnstest.Config{
		Zones: w.Zones, LossRate: 0.03, Seed: 5, Delay: 30 * time.Millisecond,
		Random: []dnstest.FaultRate{
			{Fault: dnstest.ServFail, Rate: 0.02}, {Fault: dnstest.Refused, Rate: 0.01},
			{Fault: dnstest.Truncate, Rate: 0.03}, {Fault: dnstest.WrongID, Rate: 0.03},
			{Fault: dnstest.WrongQuestion, Rate: 0.03}, {Fault: dnstest.WrongName, Rate: 0.03},
			{Fault: dnstest.Delay, Rate: 0.03},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	got := assessWorld(t, w, srv, ClientOptions{Timeout: 200 * time.Millisecond, Retries: 2})
	share := sameOrError(t, base, got)
	t.Logf("mixed faults: %d findings, %.2f%% error; %d sent (%d over TCP), %d timeouts, %d failed fast; %s",
		len(got.statuses), 100*share, got.stats.Sent, got.stats.TCP, got.stats.Timeouts, got.stats.FailedFast, got.elapsed.Round(time.Millisecond))
	if got.stats.TCP == 0 {
		t.Error("no TCP retry after a truncated answer")
	}
}

func TestFaultResolverStops(t *testing.T) {
	parallelShort(t)
	w := dnstest.SyntheticWorld(fleetSize(300, 20_000), 9, 0.05)
	base := baseline(t, w)
	probe, err := serveRetry(dnstest.Config{Zones: w.Zones})
	if err != nil {
		t.Fatal(err)
	}
	full := assessWorld(t, w, probe, ClientOptions{Timeout: 5 * time.Second})
	probe.Close()
	after := full.stats.Sent * 2 / 5

	srv := serveTest(t, dnstest.Config{Zones: w.Zones, DownAfter: after})
	got := assessWorld(t, w, srv, ClientOptions{Timeout: 200 * time.Millisecond, Retries: 2})
	share := sameOrError(t, base, got)
	t.Logf("resolver down after %d queries: %.1f%% error, %d failed fast, %s", after, 100*share, got.stats.FailedFast, got.elapsed.Round(time.Millisecond))
	bound := 30 * time.Second
	if longFaults() {
		bound = 2 * time.Minute
	}
	if got.elapsed > bound {
		t.Errorf("run took %s, want under %s", got.elapsed, bound)
	}
	if got.stats.FailedFast == 0 || got.stats.ServersDown != 1 {
		t.Errorf("stats %+v: want lookups failed fast and the server down", got.stats)
	}
	h := got.health[0]
	if !h.Down || h.Outages != 1 || h.StoppedAfter == 0 || h.StoppedAfter > after || h.LastError == "" {
		t.Errorf("health %+v: want down once, after at most %d answers, with the last error", h, after)
	}
	if share < 0.2 {
		t.Errorf("%.1f%% error findings; the resolver stopped before half of the run", 100*share)
	}
}

func TestBreaker(t *testing.T) {
	t.Parallel()
	w := dnstest.HostileWorld()
	srv := serveTest(t, dnstest.Config{Zones: w.Zones})
	c, err := NewClient(ClientOptions{
		Servers: []string{srv.Addr}, Timeout: 100 * time.Millisecond, Retries: 0,
		BreakerThreshold: 3, BreakerCooldown: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	name := func(i int) string { return fmt.Sprintf("n%d.hostile.example.", i) }
	if _, err := c.Lookup(ctx, "ok.hostile.example.", dns.TypeA); err != nil {
		t.Fatalf("server up: %v", err)
	}

	// The breaker opens after 3 unanswered exchanges in a row once the
	// server has been silent for a second (twice the timeout, at least a
	// second); until then every lookup waits for its own timeout.
	srv.SetDown(true)
	silent := time.Now()
	i := 0
	for ; time.Since(silent) < time.Second; i++ {
		if _, err := c.Lookup(ctx, name(100+i), dns.TypeA); !errors.Is(err, ErrTimeout) || errors.Is(err, ErrResolversDown) {
			t.Fatalf("lookup %d, %s into the outage: %v, want a timeout on the wire", i, time.Since(silent), err)
		}
	}
	if i < 3 {
		t.Fatalf("only %d lookups in a second of 100ms timeouts", i)
	}
	if _, err := c.Lookup(ctx, name(1), dns.TypeA); !errors.Is(err, ErrTimeout) {
		t.Fatalf("lookup after a second of silence: %v, want a timeout", err)
	}
	// The breaker asks the server a question any server answers at once
	// (checkAlive) before it opens: wait for that to time out too.
	for deadline := time.Now().Add(2 * time.Second); !c.Health()[0].Down; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the breaker did not open after its liveness check went unanswered")
		}
	}
	start := time.Now()
	ans, err := c.Lookup(ctx, name(10), dns.TypeA)
	if !errors.Is(err, ErrResolversDown) || !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), srv.Addr) {
		t.Fatalf("lookup after 3 timeouts: %v, want every resolver down naming %s", err, srv.Addr)
	}
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("failing fast took %s", d)
	}
	if len(ans.Exchanges) != 1 || !strings.Contains(ans.Exchanges[0].Error, "not sent") {
		t.Errorf("evidence %+v: want one unsent exchange saying why", ans.Exchanges)
	}
	if h := c.Health()[0]; !h.Down || h.Outages != 1 || h.StoppedAfter != 1 {
		t.Errorf("health %+v: want down once after 1 answer", h)
	}

	// After the cooldown one probe goes out; while the server stays down it
	// fails and the breaker stays open.
	time.Sleep(250 * time.Millisecond)
	if _, err := c.Lookup(ctx, name(11), dns.TypeA); !errors.Is(err, ErrTimeout) || errors.Is(err, ErrResolversDown) {
		t.Fatalf("probe: %v, want a timeout on the wire", err)
	}
	if _, err := c.Lookup(ctx, name(12), dns.TypeA); !errors.Is(err, ErrResolversDown) {
		t.Fatalf("after a failed probe: %v, want every resolver down", err)
	}

	// The server comes back: the next probe closes the breaker.
	srv.SetDown(false)
	time.Sleep(250 * time.Millisecond)
	if _, err := c.Lookup(ctx, "ok.hostile.example.", dns.TypeTXT); err != nil {
		t.Fatalf("probe after recovery: %v", err)
	}
	if _, err := c.Lookup(ctx, name(13), dns.TypeA); err != nil {
		t.Fatalf("lookup after recovery: %v", err)
	}
	if h := c.Health()[0]; h.Down || h.Outages != 1 {
		t.Errorf("health %+v: want up again after one outage", h)
	}
	// A question not sent while every resolver was down is not
	// remembered (an asset keeps what it saw in its own memo): asked
	// again, it goes out and is answered. One that timed out on the wire
	// is remembered as a failure for a while (at least a second).
	if _, err := c.Lookup(ctx, name(12), dns.TypeA); err != nil {
		t.Errorf("a question not sent during the outage, asked after it: %v, want it sent and answered", err)
	}
	if _, err := c.Lookup(ctx, name(11), dns.TypeA); !errors.Is(err, ErrTimeout) || errors.Is(err, ErrResolversDown) {
		t.Errorf("the probe that timed out, asked again: %v, want its remembered timeout", err)
	}
}

// TestFaultResolverSlowToStart: a resolver that answers nothing for its
// first moments (a cold start) is waited for as one that stalls mid-run
// is: the queries it dropped are asked again and answered, and the
// findings are the loss-free run's, not errors from a breaker opened at
// the first timeouts.
func TestFaultResolverSlowToStart(t *testing.T) {
	parallelShort(t)
	w := dnstest.SyntheticWorld(200, 3, 0.05)
	base := baseline(t, w)
	srv := serveTest(t, dnstest.Config{Zones: w.Zones})
	srv.SetDown(true)
	time.AfterFunc(500*time.Millisecond, func() { srv.SetDown(false) })
	got := assessWorld(t, w, srv, ClientOptions{Timeout: 400 * time.Millisecond, Retries: 2})
	if share := sameOrError(t, base, got); share != 0 {
		t.Errorf("%.1f%% error findings (stats %+v); the resolver answered every retry", 100*share, got.stats)
	}
}

func TestBreakerSkipsDownServer(t *testing.T) {
	t.Parallel()
	w := dnstest.HostileWorld()
	dead := serveTest(t, dnstest.Config{Zones: w.Zones})
	dead.SetDown(true)
	live := serveTest(t, dnstest.Config{Zones: w.Zones})
	c, err := NewClient(ClientOptions{
		// 300 ms, not less: the live server must answer within it on a
		// loaded machine too.
		Servers: []string{dead.Addr, live.Addr}, Timeout: 300 * time.Millisecond, Retries: 1,
		BreakerThreshold: 2, BreakerCooldown: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 40 {
		if _, err := c.Lookup(context.Background(), fmt.Sprintf("n%d.hostile.example.", i), dns.TypeA); err != nil {
			t.Fatalf("lookup %d: %v (the live server answers)", i, err)
		}
	}
	// A server that never answered is silent since its first query: it
	// is marked down once that silence reaches the breaker's window (1 s,
	// about four 300 ms timeouts), not at its first timeout, and skipped
	// since.
	h := c.Health()
	if !h[0].Down || h[1].Down || h[0].Sent > 15 {
		t.Errorf("health %+v: want the dead server down after about a second of attempts and skipped since", h)
	}
}

// TestFaultPerName injects each fault on one name and looks it up.
func TestFaultPerName(t *testing.T) {
	t.Parallel()
	w := dnstest.HostileWorld()
	const q = "ok.hostile.example./A"
	cases := []struct {
		fault   dnstest.Fault
		delay   time.Duration
		wantErr error
		rcode   int
		tcp     bool
	}{
		{fault: dnstest.None, rcode: dns.RcodeSuccess},
		{fault: dnstest.Drop, wantErr: ErrTimeout},
		{fault: dnstest.ServFail, rcode: dns.RcodeServerFailure},
		{fault: dnstest.Refused, rcode: dns.RcodeRefused},
		{fault: dnstest.Truncate, rcode: dns.RcodeSuccess, tcp: true},
		{fault: dnstest.WrongID, rcode: dns.RcodeSuccess},
		{fault: dnstest.WrongQuestion, rcode: dns.RcodeSuccess},
		{fault: dnstest.WrongName, rcode: dns.RcodeSuccess},
		{fault: dnstest.Delay, delay: 20 * time.Millisecond, rcode: dns.RcodeSuccess},
		{fault: dnstest.Delay, delay: time.Second, wantErr: ErrTimeout},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("fault %d delay %s", tc.fault, tc.delay), func(t *testing.T) {
			t.Parallel()
			srv := serveTest(t, dnstest.Config{Zones: w.Zones, Delay: tc.delay, Faults: map[string]dnstest.Fault{q: tc.fault}})
			c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 300 * time.Millisecond, Retries: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ans, err := c.Lookup(context.Background(), "ok.hostile.example.", dns.TypeA)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ans.Rcode != tc.rcode {
				t.Errorf("rcode %s, want %s", dns.RcodeToString[ans.Rcode], dns.RcodeToString[tc.rcode])
			}
			if tc.rcode == dns.RcodeSuccess {
				if len(ans.RRs) != 1 || ans.RRs[0].(*dns.A).A.String() != dnstest.HostileOK {
					t.Errorf("records %v, want only %s (answers for other names or IDs are ignored)", ans.RRs, dnstest.HostileOK)
				}
			}
			last := ans.Exchanges[len(ans.Exchanges)-1]
			if (last.Transport == "tcp") != tc.tcp {
				t.Errorf("transport %s, want TCP %v", last.Transport, tc.tcp)
			}
		})
	}
}

// TestFaultHostileData assesses senders whose DNS data is hostile: every
// run ends, in bounded time, with bounded evidence.
func TestFaultHostileData(t *testing.T) {
	t.Parallel()
	w := dnstest.HostileWorld()
	srv := serveTest(t, dnstest.Config{Zones: w.Zones})
	inv, err := ParseInventory("hostile.csv", w.Inventory)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 2 * time.Second, Retries: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	fs, err := Run(context.Background(), inv.Assets, Options{Resolver: c})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("hostile world took %s", d)
	}
	got := map[string]Finding{}
	for _, f := range fs {
		got[statusKey(f)] = f
		for _, ev := range f.Evidence {
			if len(ev.Answers) > MaxRRs {
				t.Errorf("%s: evidence of %s %s keeps %d answers, more than %d", statusKey(f), ev.Type, ev.Name, len(ev.Answers), MaxRRs)
			}
			// Record data in presentation form is at most four bytes
			// a byte (\DDD), plus each record's owner and type.
			size := 0
			for _, a := range ev.Answers {
				size += len(a)
			}
			if size > 4*MaxAnswerData+len(ev.Answers)*300 {
				t.Errorf("%s: evidence of %s %s keeps %d bytes of answers", statusKey(f), ev.Type, ev.Name, size)
			}
		}
		if names, ok := f.Observed["ptr_names"].([]string); ok && len(names) > MaxRRs {
			t.Errorf("%s: %d PTR names observed, more than %d", statusKey(f), len(names), MaxRRs)
		}
		// Whatever the records hold, the text a finding carries is UTF-8
		// with nothing a terminal or viewer would act on.
		for _, s := range findingTexts(f) {
			if !utf8.ValidString(s) {
				t.Errorf("%s: not UTF-8: %q", statusKey(f), s)
			}
			if i := strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || HiddenRune(r) }); i >= 0 {
				t.Errorf("%s: raw control or format character in %q", statusKey(f), s)
			}
		}
	}
	// A byte that is not UTF-8 in an SPF term is escaped once in every
	// value that shows it, never \x80 escaped again as \x5cx80.
	if f := got[dnstest.HostileOdd+" spf.authorizes_ip"]; true {
		d, _ := f.Observed["detail"].(string)
		if !strings.Contains(d, `\x80`) || strings.Contains(d, `\x5c`) {
			t.Errorf("spf.authorizes_ip detail %q: want the byte escaped once", d)
		}
	}
	// The huge TXT answer is cut by its size, not its count: the wording
	// names both bounds and asks for smaller records too.
	if f := got[dnstest.HostileHuge+" spf.record"]; !strings.Contains(f.Message, "32 KiB of record data") || !strings.Contains(f.Remediation, "fewer or smaller records") {
		t.Errorf("spf.record of the huge TXT answer: %q / %q: want both bounds named", f.Message, f.Remediation)
	}
	cases := []struct {
		key    string
		status Status
		reason string
	}{
		{dnstest.HostileLoop + " ptr.present", StatusError, "cname_loop"},
		{dnstest.HostileLoop + " ptr.fcrdns", StatusError, "cname_loop"},
		{dnstest.HostileChain + " ptr.present", StatusError, "cname_chain"},
		{dnstest.HostileMany + " ptr.present", StatusPass, ""},
		{dnstest.HostileMany + " ptr.single", StatusWarn, "several"},
		{dnstest.HostileMany + " ptr.fcrdns", StatusPass, ""},
		// 900 of the 1,000 names are not read: one of them may sort
		// before h0000, so which name is the address's is not known.
		{dnstest.HostileMany + " ptr.matches_expected", StatusError, "names_unchecked"},
		{dnstest.HostileBig + " spf.record", StatusPass, ""},
		{dnstest.HostileBig + " spf.authorizes_ip", StatusPass, ""},
		{dnstest.HostileBig + " helo.spf", StatusPass, ""},
		{dnstest.HostileBig + " dkim.key/s1", StatusPass, ""},
		{dnstest.HostileBig + " dmarc.record", StatusPass, ""},
		{dnstest.HostileBig + " dmarc.reporting", StatusPass, ""},
		{dnstest.HostileOK + " ptr.fcrdns", StatusPass, ""},
		// Its TXT answer is more than is read: the SPF record beside
		// the junk may have company not read, so nothing is judged.
		{dnstest.HostileHuge + " spf.record", StatusError, "records_omitted"},
		{dnstest.HostileHuge + " spf.authorizes_ip", StatusError, ""},
		{dnstest.HostileHuge + " ptr.fcrdns", StatusPass, ""},
		{dnstest.HostileOdd + " spf.record", StatusFail, "syntax"},
		{dnstest.HostileOdd + " dkim.key/s1", StatusFail, "syntax"},
		// Addresses with an escape sequence or a line separator in them
		// are no URIs (RFC 3986 §2): no report reaches them.
		{dnstest.HostileOdd + " dmarc.reporting", StatusWarn, "invalid_rua"},
	}
	for _, tc := range cases {
		t.Run(tc.key, func(t *testing.T) {
			f, ok := got[tc.key]
			if !ok {
				t.Fatal("no finding")
			}
			if f.Status != tc.status {
				t.Fatalf("status %s, want %s (observed %v)", f.Status, tc.status, f.Observed)
			}
			if r, _ := f.Observed["reason"].(string); tc.reason != "" && r != tc.reason {
				t.Errorf("reason %q, want %q", r, tc.reason)
			}
		})
	}
	if st := c.Stats(); st.TCP == 0 {
		t.Errorf("stats %+v: the 4 KB and 1,000-name answers must have been asked again over TCP", st)
	}
}

// TestUDPPoolIgnoresStrangers sends answers to one socket of the pool that
// belong to no query in flight: they are dropped, and the real answer still
// reaches its query.
func TestUDPPoolIgnoresStrangers(t *testing.T) {
	t.Parallel()
	w := dnstest.HostileWorld()
	var right atomic.Int64
	srv, err := serveRetry(dnstest.Config{Zones: w.Zones, Random: []dnstest.FaultRate{
		{Fault: dnstest.WrongID, Rate: 0.5}, {Fault: dnstest.WrongQuestion, Rate: 0.5},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: time.Second, Concurrency: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var names []string
	for i := range 200 {
		names = append(names, fmt.Sprintf("h%04d.many.hostile.example.", i))
	}
	errs := make(chan error, len(names))
	for _, n := range names {
		go func() {
			ans, err := c.Lookup(context.Background(), n, dns.TypeA)
			switch {
			case err != nil:
				errs <- err
			case len(ans.RRs) != 1 || ans.RRs[0].(*dns.A).A.String() != dnstest.HostileMany:
				errs <- fmt.Errorf("%s: records %v", n, ans.RRs)
			default:
				right.Add(1)
				errs <- nil
			}
		}()
	}
	for range names {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if st := c.Stats(); st.Sent != int64(len(names)) || st.Timeouts != 0 {
		t.Errorf("stats %+v: want one exchange per name, no timeout", st)
	}
	if right.Load() != int64(len(names)) {
		t.Errorf("%d answers right, want %d", right.Load(), len(names))
	}
}

// TestFaultForwardErrorLeavesPTRNameUnknown: of two PTR names, the one that
// sorts first cannot be forward-checked. It might be the first
// forward-confirmed name, so "the PTR name" is unknown and every check that
// compares it is error, never a pass on the other name (found by the 30%
// loss run: a lost A query turned fail into pass).
func TestFaultForwardErrorLeavesPTRNameUnknown(t *testing.T) {
	t.Parallel()
	zones := []dnstest.Zone{
		{Origin: "2.0.192.in-addr.arpa.", Text: "$TTL 300\n@ IN SOA ns.example. h.example. 1 3600 600 86400 300\n" +
			"30 IN PTR alias.two.example.\n30 IN PTR mta.two.example.\n" +
			"31 IN PTR mta1.two.example.\n31 IN PTR zz.two.example.\n"},
		{Origin: "two.example.", Text: "$TTL 300\n@ IN SOA ns.example. h.example. 1 3600 600 86400 300\n" +
			"alias IN A 192.0.2.30\nmta IN A 192.0.2.30\nmta1 IN A 192.0.2.31\nzz IN A 192.0.2.31\n"},
	}
	srv, err := serveRetry(dnstest.Config{Zones: zones, Faults: map[string]dnstest.Fault{
		"alias.two.example./A": dnstest.Drop, "zz.two.example./A": dnstest.Drop,
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 100 * time.Millisecond, Retries: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cases := []struct {
		asset Asset
		want  map[string]Status
	}{
		// align.identity compares organizational domains only, and both
		// candidates are in two.example, and neither looks generic: the
		// same verdict either way. Either may be the expected name.
		{Asset{IP: "192.0.2.30", Hostname: "mta.two.example", HELO: "mta.two.example", Domain: "two.example"}, map[string]Status{
			"ptr.present": StatusPass, "ptr.single": StatusWarn, "ptr.fcrdns": StatusPass, "ptr.not_generic": StatusPass,
			"ptr.matches_expected": StatusError, "helo.matches_ptr": StatusError, "align.identity": StatusPass,
		}},
		// The name that errs sorts after the confirmed one: the PTR name
		// is known.
		{Asset{IP: "192.0.2.31", Hostname: "mta1.two.example", HELO: "mta1.two.example", Domain: "two.example"}, map[string]Status{
			"ptr.fcrdns": StatusPass, "ptr.not_generic": StatusPass, "ptr.matches_expected": StatusPass, "helo.matches_ptr": StatusPass,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.asset.IP, func(t *testing.T) {
			fs, err := AssessAsset(context.Background(), c, tc.asset, templates.MustDefault())
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fs {
				if want, ok := tc.want[f.Check]; ok && f.Status != want {
					t.Errorf("%s = %s, want %s (observed %v)", f.Check, f.Status, want, f.Observed)
				}
			}
		})
	}
}

// TestFaultClosedPort: nothing listens on the resolver's port. The ICMP
// port-unreachable fails the query at once as a network error instead of
// leaving it to time out.
func TestFaultClosedPort(t *testing.T) {
	t.Parallel()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	c, err := NewClient(ClientOptions{Servers: []string{addr}, Timeout: 2 * time.Second, Retries: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	_, err = c.Lookup(context.Background(), "ok.hostile.example.", dns.TypeA)
	if !errors.Is(err, ErrNetwork) {
		t.Fatalf("err %v, want a network error", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %s: the closed port was waited on", d)
	}
}

// TestCacheBounded: a fleet's one-off answers do not pile up past CacheSize,
// and lookups stay right after evictions.
func TestCacheBounded(t *testing.T) {
	t.Parallel()
	w := dnstest.SyntheticWorld(600, 3, 0)
	srv := dnstest.Start(t, dnstest.Config{Zones: w.Zones})
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: time.Second, CacheSize: 512})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	inv, err := ParseInventory("w.csv", w.Inventory)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Run(context.Background(), inv.Assets, Options{Resolver: c, Concurrency: 16})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := range c.shards {
		n += len(c.shards[i].m)
	}
	if n > 512+cacheShards*16 {
		t.Errorf("cache holds %d entries, bound 512", n)
	}
	for _, f := range fs {
		if f.Status == StatusError {
			t.Errorf("%s %s: error after evictions: %s", f.Asset, f.Check, f.Message)
		}
	}
}

// slowName is the i-th of the names breakerWorld leaves unanswered.
func slowName(i int) string { return fmt.Sprintf("slow%d.hostile.example.", i) }

// breakerWorld serves the hostile world leaving slowName(0..slow-1)
// unanswered (and the questions of extra as they say), and returns a
// client of it with a breaker of threshold 3 and no retries, closed at
// the test's end, after one lookup answered.
func breakerWorld(t *testing.T, slow int, extra map[string]dnstest.Fault, observe func(string, uint16), opt ClientOptions) *Client {
	t.Helper()
	faults := map[string]dnstest.Fault{}
	for i := range slow {
		faults[slowName(i)] = dnstest.Drop
	}
	maps.Copy(faults, extra)
	srv := serveTest(t, dnstest.Config{Zones: dnstest.HostileWorld().Zones, Faults: faults, Observe: observe})
	opt.Servers, opt.Retries, opt.BreakerThreshold = []string{srv.Addr}, 0, 3
	if opt.Timeout == 0 {
		opt.Timeout = 100 * time.Millisecond
	}
	c, err := NewClient(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if _, err := c.Lookup(context.Background(), "ok.hostile.example.", dns.TypeA); err != nil {
		t.Fatalf("server up: %v", err)
	}
	return c
}

// TestBreakerSlowNames: a server that leaves some questions unanswered
// (a recursive resolver waiting on a zone whose servers are down) while
// it answers others is not marked down, even when for a while nothing
// but those questions is asked: the breaker first asks it a question any
// server answers at once, and it answers.
func TestBreakerSlowNames(t *testing.T) {
	parallelShort(t)
	c := breakerWorld(t, 40, nil, nil, ClientOptions{BreakerCooldown: 200 * time.Millisecond})
	ctx := context.Background()
	silent := time.Now()
	for i := 0; time.Since(silent) < 1500*time.Millisecond; i++ {
		if _, err := c.Lookup(ctx, slowName(i%40), dns.TypeAAAA); !errors.Is(err, ErrTimeout) || errors.Is(err, ErrResolversDown) {
			t.Fatalf("slow question %d, %s in: %v, want a timeout on the wire", i, time.Since(silent), err)
		}
	}
	time.Sleep(300 * time.Millisecond) // the liveness checks are answered
	if h := c.Health()[0]; h.Down || h.Outages != 0 {
		t.Errorf("health %+v: a server that answers was marked down", h)
	}
	if _, err := c.Lookup(ctx, "ok.hostile.example.", dns.TypeTXT); err != nil {
		t.Errorf("a question the server answers, after the slow ones: %v", err)
	}
}

// TestBreakerAnswersOnlyLiveness: a server that answers the breaker's
// liveness question and nothing it is asked is marked down all the same
// after a few such checks, so a run does not wait out every query's
// timeout.
func TestBreakerAnswersOnlyLiveness(t *testing.T) {
	parallelShort(t)
	// Each asked once: failures are cached.
	c := breakerWorld(t, 400, nil, nil, ClientOptions{BreakerCooldown: time.Minute})
	ctx := context.Background()
	start := time.Now()
	for i := 0; ; i++ {
		_, err := c.Lookup(ctx, slowName(i%400), dns.TypeAAAA)
		if errors.Is(err, ErrResolversDown) {
			break
		}
		if time.Since(start) > time.Duration(maxQuietSpells+3)*1500*time.Millisecond {
			t.Fatalf("after %s of unanswered questions the server is not down: %+v", time.Since(start), c.Health()[0])
		}
	}
	// The first check and maxQuietSpells-1 quiet ones let it be; the
	// next marks it down.
	if h := c.Health()[0]; !h.Down || h.SlowSpells != maxQuietSpells || h.Outages != 1 {
		t.Errorf("health %+v: want down after %d liveness checks", h, maxQuietSpells+1)
	}
}

// TestBreakerAnsweredDuringCheck: an answer to a real question that
// arrives while the breaker's liveness check runs keeps the server up,
// whatever becomes of the check's own question.
func TestBreakerAnsweredDuringCheck(t *testing.T) {
	parallelShort(t)
	checkStarted := make(chan struct{})
	var once sync.Once
	c := breakerWorld(t, 40, map[string]dnstest.Fault{"./NS": dnstest.Drop}, func(n string, qt uint16) {
		if n == "." && qt == dns.TypeNS {
			once.Do(func() { close(checkStarted) })
		}
	}, ClientOptions{Timeout: 200 * time.Millisecond, BreakerCooldown: 5 * time.Second})
	ctx := context.Background()
	for i := 0; ; i++ {
		select {
		case <-checkStarted:
		default:
			c.Lookup(ctx, slowName(i%40), dns.TypeAAAA)
			continue
		}
		break
	}
	// The check is running: the server answers a real question now.
	if _, err := c.Lookup(ctx, "ok.hostile.example.", dns.TypeTXT); err != nil {
		t.Fatalf("answered during the check: %v", err)
	}
	answeredAt := time.Now()
	time.Sleep(500 * time.Millisecond)
	h := c.Health()[0]
	_, err := c.Lookup(ctx, "hostile.example.", dns.TypeTXT)
	if h.Down || errors.Is(err, ErrResolversDown) {
		t.Errorf("server marked down although it answered a query %v ago, during the check", time.Since(answeredAt))
	}
}

// TestBreakerCheckUnderQPS: with a low --qps the liveness question waits
// its turn under --qps like any other, and the server is never marked
// down without its having been asked.
func TestBreakerCheckUnderQPS(t *testing.T) {
	parallelShort(t)
	var rootNS atomic.Int64
	c := breakerWorld(t, 160, nil, func(n string, qt uint16) {
		if n == "." && qt == dns.TypeNS {
			rootNS.Add(1)
		}
	}, ClientOptions{Timeout: 200 * time.Millisecond, BreakerCooldown: 5 * time.Second, QPS: 20, Concurrency: 32})
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < 160; i += 32 {
				c.Lookup(ctx, slowName(i), dns.TypeAAAA)
			}
		}()
	}
	wg.Wait()
	if h := c.Health()[0]; h.Outages > 0 && rootNS.Load() == 0 {
		t.Errorf("marked down without a liveness query ever being sent")
	}
}

// TestBreakerCheckStopsAtClose: a liveness check under way sends nothing
// after the client is closed.
func TestBreakerCheckStopsAtClose(t *testing.T) {
	parallelShort(t)
	w := dnstest.HostileWorld()
	faults := map[string]dnstest.Fault{"./NS": dnstest.Drop}
	name := func(i int) string { return fmt.Sprintf("slow%d.hostile.example.", i) }
	for i := range 40 {
		faults[name(i)] = dnstest.Drop
	}
	var mu sync.Mutex
	var arrivals []time.Time
	var closedAt time.Time
	var c *Client
	srv, err := serveRetry(dnstest.Config{Zones: w.Zones, Faults: faults, Observe: func(n string, qt uint16) {
		if n == "." && qt == dns.TypeNS {
			mu.Lock()
			defer mu.Unlock()
			arrivals = append(arrivals, time.Now())
			if len(arrivals) == 1 {
				c.Close()
				closedAt = time.Now()
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err = NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 200 * time.Millisecond, Retries: 0,
		BreakerThreshold: 3, BreakerCooldown: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c.Lookup(ctx, "ok.hostile.example.", dns.TypeA)
	for i := 0; ; i++ {
		mu.Lock()
		n := len(arrivals)
		mu.Unlock()
		if n > 0 {
			break
		}
		c.Lookup(ctx, name(i%40), dns.TypeAAAA)
	}
	time.Sleep(600 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(arrivals) > 1 && arrivals[1].After(closedAt) {
		t.Errorf("a liveness query was sent %v after Close; down=%v", arrivals[1].Sub(closedAt), c.Health()[0].Down)
	}
}

// TestResolversDownReason: a lookup failed unsent, every resolver down, is
// worded as not sent, not as a timeout, though its error wraps ErrTimeout
// (a caller that retries on timeouts still may).
func TestResolversDownReason(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("%w: %w: 127.0.0.1:1 stopped answering; not sent", ErrTimeout, ErrResolversDown)
	if got := errorReason(Answer{}, err); got != "resolvers_down" {
		t.Errorf("reason %q, want resolvers_down", got)
	}
	if got := errorReason(Answer{}, fmt.Errorf("%w after 3 attempts", ErrTimeout)); got != "timeout" {
		t.Errorf("reason %q, want timeout", got)
	}
	f := Finding{Asset: "192.0.2.1", Check: "ptr.present", Status: StatusError, Observed: map[string]any{"reason": "resolvers_down"}}
	check, _ := LookupCheck("ptr.present")
	if err := Word(templates.MustDefault(), check, Asset{IP: "192.0.2.1"}, &f); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.Message, "the question was not sent: every resolver had stopped answering") {
		t.Errorf("message %q", f.Message)
	}
}

// TestWrongNameAnyType: the wrong-name fault answers a question of any
// type (MX, SOA, SRV, CAA...) with a record for another name beside the
// real answer, which the client ignores, rather than stopping the server.
func TestWrongNameAnyType(t *testing.T) {
	t.Parallel()
	w := dnstest.HostileWorld()
	faults := map[string]dnstest.Fault{}
	types := []uint16{dns.TypeMX, dns.TypeSOA, dns.TypeSRV, dns.TypeCAA, dns.TypePTR, dns.TypeNS}
	for _, qt := range types {
		faults["ok.hostile.example./"+dns.TypeToString[qt]] = dnstest.WrongName
	}
	srv := serveTest(t, dnstest.Config{Zones: w.Zones, Faults: faults})
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 2 * time.Second, Retries: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, qt := range types {
		ans, err := c.Lookup(context.Background(), "ok.hostile.example.", qt)
		if errors.Is(err, ErrTimeout) {
			t.Fatalf("%s: no answer (%v): the server did not answer the fault", dns.TypeToString[qt], err)
		}
		for _, rr := range ans.RRs {
			if strings.HasPrefix(rr.Header().Name, "intruder.") {
				t.Errorf("%s: the record for another name was taken: %v", dns.TypeToString[qt], rr)
			}
		}
	}
}

// TestResolverChoiceReproducible: with several resolvers, which one is
// asked a question first depends on the question, not on the order the
// checks ask in: two runs asking in opposite orders send each question to
// the same resolver, and every resolver gets a share.
func TestResolverChoiceReproducible(t *testing.T) {
	t.Parallel()
	w := dnstest.HostileWorld()
	var addrs []string
	for range 3 {
		srv := serveTest(t, dnstest.Config{Zones: w.Zones})
		addrs = append(addrs, srv.Addr)
	}
	var names []string
	for i := range 60 {
		names = append(names, fmt.Sprintf("n%d.hostile.example.", i))
	}
	firstServer := func(order []string) map[string]string {
		c, err := NewClient(ClientOptions{Servers: addrs, Timeout: 2 * time.Second, Retries: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		got := map[string]string{}
		for _, n := range order {
			ans, _ := c.Lookup(context.Background(), n, dns.TypeA)
			if len(ans.Exchanges) > 0 {
				got[n] = ans.Exchanges[0].Server
			}
		}
		return got
	}
	a := firstServer(names)
	rev := slices.Clone(names)
	slices.Reverse(rev)
	b := firstServer(rev)
	used := map[string]int{}
	for _, n := range names {
		if a[n] == "" || a[n] != b[n] {
			t.Errorf("%s: first asked %q, then %q", n, a[n], b[n])
		}
		used[a[n]]++
	}
	if len(used) != len(addrs) {
		t.Errorf("questions per resolver %v: not every resolver was asked", used)
	}
}

// TestFaultPassingOutageNotCopied: a resolver that leaves the domains'
// questions (SPF, DKIM, DMARC) unanswered for a moment early in a run makes
// error only the findings of the senders assessed then: those after ask
// again once the failure's short memory is over, rather than copying it
// for the rest of the run.
func TestFaultPassingOutageNotCopied(t *testing.T) {
	parallelShort(t)
	w := dnstest.SyntheticWorld(120, 13, 0.05)
	base := baseline(t, w)
	// The outage starts with the run's first question, not before it:
	// on a busy machine the run may take a while to ask it.
	const outage = 800 * time.Millisecond
	var began atomic.Int64 // when the first question arrived (UnixNano)
	var once sync.Once
	var served atomic.Pointer[dnstest.Server] // for the timer, which the race detector cannot see follow the assignment
	var keys []string
	for _, d := range w.Domains {
		keys = append(keys, d+"./TXT", "_dmarc."+d+"./TXT", "s1._domainkey."+d+"./TXT")
	}
	srv, err := serveRetry(dnstest.Config{Zones: w.Zones, Observe: func(string, uint16) {
		once.Do(func() {
			began.Store(time.Now().UnixNano())
			time.AfterFunc(outage, func() {
				for _, k := range keys {
					served.Load().SetFault(k, dnstest.None)
				}
			})
		})
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	served.Store(srv)
	for _, k := range keys {
		srv.SetFault(k, dnstest.Drop)
	}
	since := func() time.Duration {
		if b := began.Load(); b != 0 {
			return time.Since(time.Unix(0, b))
		}
		return 0
	}
	inv, err := ParseInventory("world.csv", w.Inventory)
	if err != nil {
		t.Fatal(err)
	}
	// --qps spreads the run over a few seconds, most of it after the
	// outage.
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 200 * time.Millisecond, Retries: 1, QPS: 100, Concurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := faultRun{statuses: map[string]Status{}}
	var mu sync.Mutex
	late := 0
	// Failed by outage + 2 attempts and their backoff, remembered as long
	// again: every question asked after this is asked anew.
	const settled = outage + 2*time.Second
	_, err = Run(context.Background(), inv.Assets, Options{Resolver: c, Concurrency: 8, Sink: func(i int, fs []Finding) error {
		at := since()
		mu.Lock()
		defer mu.Unlock()
		for _, f := range fs {
			got.statuses[statusKey(f)] = f.Status
			if f.Status != StatusError {
				continue
			}
			got.errors++
			if at > settled {
				if late++; late <= 5 {
					t.Errorf("%s, assessed %s into the run: error, though the outage ended at %s", statusKey(f), at.Round(time.Millisecond), outage)
				}
			}
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	elapsed := since()
	share := sameOrError(t, base, got)
	t.Logf("%d findings, %.1f%% error, %d of them after %s; run %s", len(got.statuses), 100*share, late, settled, elapsed.Round(time.Millisecond))
	if got.errors == 0 {
		t.Error("no error finding: the outage met no sender")
	}
	if elapsed < settled+time.Second {
		t.Errorf("the run took %s: too short to tell", elapsed)
	}
}

// TestAssetSeesOneOutcome: every check of one sender sees the same outcome
// of a question, though the client remembers a failure only for a moment:
// the sender's memo keeps what it was told. Here the clock moves on two
// hours after every lookup, so the client remembers nothing from one
// lookup to the next, and the server answers each question from its
// second arrival.
func TestAssetSeesOneOutcome(t *testing.T) {
	t.Parallel()
	w := dnstest.SyntheticWorld(1, 5, 0)
	inv, err := ParseInventory("world.csv", w.Inventory)
	if err != nil {
		t.Fatal(err)
	}
	a := inv.Assets[0]
	ip, err := netip.ParseAddr(a.IP)
	if err != nil {
		t.Fatal(err)
	}
	// The domain's SPF and DMARC records and the sender's PTR, each read
	// by several checks.
	lossy := []string{dns.Fqdn(a.Domain) + "/TXT", "_dmarc." + dns.Fqdn(a.Domain) + "/TXT", ReverseName(ip) + "/PTR"}
	faults := map[string]dnstest.Fault{}
	for _, k := range lossy {
		faults[k] = dnstest.DropFirst
	}
	var mu sync.Mutex
	arrivals := map[string]int{}
	srv, err := serveRetry(dnstest.Config{Zones: w.Zones, Faults: faults, Observe: func(name string, qtype uint16) {
		mu.Lock()
		arrivals[name+"/"+dns.TypeToString[qtype]]++
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 200 * time.Millisecond, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := resolverFunc(func(ctx context.Context, name string, qtype uint16) (Answer, error) {
		ans, err := c.Lookup(ctx, name, qtype)
		mu.Lock()
		now = now.Add(2 * time.Hour)
		mu.Unlock()
		return ans, err
	})
	fs, err := AssessAsset(context.Background(), r, a, templates.MustDefault())
	if err != nil {
		t.Fatal(err)
	}
	used := 0
	for _, f := range fs {
		for _, ev := range f.Evidence {
			if !slices.Contains(lossy, ev.Name+"/"+ev.Type) {
				continue
			}
			used++
			if ev.Error == "" {
				t.Errorf("%s: %s %s answered, though another check of the sender saw it time out", statusKey(f), ev.Name, ev.Type)
			}
		}
	}
	if used < len(lossy) {
		t.Fatalf("%d exchanges of %q in the findings' evidence; the checks did not ask them", used, lossy)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, k := range lossy {
		if arrivals[k] != 1 {
			t.Errorf("%s reached the server %d times, want once for the sender", k, arrivals[k])
		}
	}
}

// resolverFunc is a Resolver of a function.
type resolverFunc func(ctx context.Context, name string, qtype uint16) (Answer, error)

func (f resolverFunc) Lookup(ctx context.Context, name string, qtype uint16) (Answer, error) {
	return f(ctx, name, qtype)
}

// TestBreakerOpensMidQuestion: a question sent, unanswered, and then left
// without a server because the breaker opened between its attempts ends as
// the timeout it met, with that exchange as its evidence, counted as
// unanswered: it is not reported as "not sent". Only a question asked once
// every resolver is down is.
func TestBreakerOpensMidQuestion(t *testing.T) {
	t.Parallel()
	w := dnstest.HostileWorld()
	srv := serveTest(t, dnstest.Config{Zones: w.Zones})
	// Six attempts of 150 ms with their backoff take over 2 s; the
	// breaker opens after a second of silence and its liveness check.
	const retries = 5
	c, err := NewClient(ClientOptions{
		Servers: []string{srv.Addr}, Timeout: 150 * time.Millisecond, Retries: retries,
		BreakerThreshold: 2, BreakerCooldown: time.Minute, Concurrency: 8,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if _, err := c.Lookup(ctx, "ok.hostile.example.", dns.TypeA); err != nil {
		t.Fatalf("server up: %v", err)
	}
	srv.SetDown(true)
	before := c.Stats()
	const n = 4
	answers := make([]Answer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { answers[i], errs[i] = c.Lookup(ctx, fmt.Sprintf("n%d.hostile.example.", i), dns.TypeA) })
	}
	wg.Wait()
	st := c.Stats()
	if !c.Health()[0].Down {
		t.Fatalf("health %+v: the breaker did not open during the lookups", c.Health()[0])
	}
	if sent := st.Sent - before.Sent; sent >= n*(1+retries) {
		t.Fatalf("%d messages for %d questions: every attempt was made, so the breaker opened too late to tell", sent, n)
	}
	for i, err := range errs {
		if !errors.Is(err, ErrTimeout) || errors.Is(err, ErrResolversDown) {
			t.Errorf("lookup %d: %v, want the timeout it met on the wire", i, err)
			continue
		}
		ev := answers[i].Exchanges
		if len(ev) != 1 || ev[0].RTT <= 0 || !strings.Contains(ev[0].Error, "no answer from "+srv.Addr) || strings.Contains(ev[0].Error, "not sent") {
			t.Errorf("lookup %d: evidence %+v, want the exchange that timed out", i, ev)
		}
	}
	if got := st.Unanswered - before.Unanswered; got != n {
		t.Errorf("%d exchanges counted unanswered, want %d", got, n)
	}
	if st.FailedFast != 0 {
		t.Errorf("%d counted failed fast, unsent; every question was sent", st.FailedFast)
	}
	// Asked now, a question is not sent at all, and says so.
	ans, err := c.Lookup(ctx, "late.hostile.example.", dns.TypeA)
	if !errors.Is(err, ErrResolversDown) || len(ans.Exchanges) != 1 || !strings.Contains(ans.Exchanges[0].Error, "not sent") {
		t.Errorf("a question asked with the resolver down: %v, %+v; want it failed unsent", err, ans.Exchanges)
	}
	if c.Stats().FailedFast != 1 {
		t.Errorf("stats %+v: want the unsent question counted failed fast", c.Stats())
	}
}

// TestHealthLastUnanswered: a server's health counts the exchanges sent to
// it after its last response and unanswered since, which the next response
// ends: at a run's end, a resolver that stopped answering too late for the
// breaker shows it.
func TestHealthLastUnanswered(t *testing.T) {
	t.Parallel()
	c := breakerWorld(t, 5, nil, nil, ClientOptions{})
	ctx := context.Background()
	if h := c.Health()[0]; h.LastUnanswered != 0 {
		t.Fatalf("after an answer: %+v", h)
	}
	for i := range 5 {
		if _, err := c.Lookup(ctx, slowName(i), dns.TypeA); !errors.Is(err, ErrTimeout) {
			t.Fatalf("%s: %v, want a timeout", slowName(i), err)
		}
	}
	if h := c.Health()[0]; h.LastUnanswered != 5 || h.Down {
		t.Errorf("after 5 unanswered: %+v, want LastUnanswered 5", h)
	}
	if _, err := c.Lookup(ctx, "ok.hostile.example.", dns.TypeTXT); err != nil {
		t.Fatal(err)
	}
	if h := c.Health()[0]; h.LastUnanswered != 0 {
		t.Errorf("answered again: %+v, want LastUnanswered 0", h)
	}
}
