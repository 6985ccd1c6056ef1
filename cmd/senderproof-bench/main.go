// Command senderproof-bench measures senderproof on a synthetic fleet: it
// builds a world of N senders (dnstest.SyntheticWorld), serves it from the
// in-process DNS server on 127.0.0.1 (or uses -resolver), runs the full
// assessment through the same code as `senderproof assess` (assess.Run with
// the DNS client, report.Build, the pack writers), and prints assets/s, DNS
// queries sent and per second, the cache hit rate, wall time, peak RSS and
// the time each pack format took. With -zones DIR it only writes the world
// for a real server (zone files, a knot configuration fragment, the
// inventory and a dnsperf query file) and exits.
package main

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/sync/errgroup"

	"senderproof/assess"
	"senderproof/assess/dnstest"
	"senderproof/mappings"
	"senderproof/report"
	"senderproof/templates"
)

// minQPS is the least -qps taken, as `senderproof assess --qps`: one query
// every ten seconds.
const minQPS = 0.1

// exitInterrupted is the exit code after Ctrl-C or SIGTERM, as senderproof's.
const exitInterrupted = 130

type config struct {
	n           int
	seed        uint64
	v6          float64
	zones       string
	resolver    string
	out         string
	formats     string
	concurrency int
	qps         float64
	timeout     time.Duration
	retries     int
	loss        float64
	tcp         bool
	dnsOnly     bool
	wireOnly    bool
	cpuProfile  string
	packProfile string
	memProfile  string
	checkFlags  bool
}

func main() {
	assess.TuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	interrupted := ctx.Err() != nil // before stop, which cancels ctx too
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil && (interrupted || errors.Is(err, context.Canceled)):
		fmt.Fprintln(os.Stderr, "senderproof-bench: interrupted")
		os.Exit(exitInterrupted)
	case err != nil:
		fmt.Fprintf(os.Stderr, "senderproof-bench: %v\n", err)
		os.Exit(1)
	}
}

// startProfile starts a CPU profile into path (none when path is empty);
// the returned func stops it and may be called more than once.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return sync.OnceFunc(func() { pprof.StopCPUProfile(); f.Close() }), nil
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("senderproof-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.n, "n", 100_000, "senders in the synthetic fleet")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the synthetic world")
	fs.Float64Var(&c.v6, "v6", 0.05, "share of IPv6 senders (0..1)")
	fs.StringVar(&c.zones, "zones", "", "write the world (zones/, knot-zones.conf, inventory.csv, queries.txt) into this directory and exit")
	fs.StringVar(&c.resolver, "resolver", "", "assess against this running server HOST:PORT instead of the in-process one")
	fs.StringVar(&c.out, "out", "", "directory for the pack (default: a temporary directory, removed at exit)")
	fs.StringVar(&c.formats, "format", "json,csv,xlsx,pdf", "pack formats to write, comma-separated (none: skip the pack)")
	fs.IntVar(&c.concurrency, "concurrency", 256, "DNS queries in flight and assets assessed at once")
	fs.Float64Var(&c.qps, "qps", 0, "DNS queries per second at most (0: no limit)")
	fs.DurationVar(&c.timeout, "timeout", 2*time.Second, "time to wait for each DNS answer")
	fs.IntVar(&c.retries, "retries", 2, "extra attempts after a timeout")
	fs.Float64Var(&c.loss, "loss", 0, "share of queries the in-process server drops at random (0..1)")
	fs.BoolVar(&c.tcp, "tcp", false, "send every query over TCP")
	fs.BoolVar(&c.dnsOnly, "dns-only", false, "only ask the world's questions through the DNS client (no checks, no pack): the client's own ceiling")
	fs.BoolVar(&c.wireOnly, "wire-only", false, "only send the world's questions on four UDP sockets and read the answers, without the DNS client (no cache, retries or evidence): a floor for any Go client on this machine")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the assessment (DNS client, checks, spooling) to this file")
	fs.StringVar(&c.packProfile, "packprofile", "", "write a CPU profile of writing the pack formats to this file")
	fs.StringVar(&c.memProfile, "memprofile", "", "write a heap profile after the run to this file")
	fs.BoolVar(&c.checkFlags, "check-flags", false, "only check the other flags (the -format list among them) and exit: a script's typo fails before its long steps")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.n < 1:
		return c, errors.New("-n must be at least 1")
	case c.v6 < 0 || c.v6 > 1 || c.loss < 0 || c.loss > 1:
		return c, errors.New("-v6 and -loss must be between 0 and 1")
	case c.concurrency < 1 || c.qps < 0 || math.IsNaN(c.qps) || math.IsInf(c.qps, 0) || c.retries < 0 || c.timeout <= 0:
		return c, errors.New("-concurrency must be at least 1, -qps a number and -retries not negative, -timeout positive")
	case c.qps > 0 && c.qps < minQPS:
		// As `senderproof assess --qps`: 0.001 would take minutes for
		// one sender, a slip, not a plan.
		return c, fmt.Errorf("-qps %v is below %v query per second, which no run can live with (0 is no limit)", c.qps, minQPS)
	case c.loss > 0 && c.resolver != "":
		return c, errors.New("-loss drops queries at the in-process server: it cannot apply with -resolver")
	case c.wireOnly && c.dnsOnly:
		return c, errors.New("-wire-only and -dns-only are two different runs: give one")
	case c.wireOnly && c.tcp:
		return c, errors.New("-wire-only sends on UDP sockets only: it cannot apply with -tcp")
	}
	if c.formats != "none" && c.formats != "" {
		if _, err := report.ParseFormats(c.formats); err != nil {
			return c, fmt.Errorf("-format: %w", err)
		}
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	cfg, err := parseFlags(args, os.Stderr)
	if err != nil || cfg.checkFlags {
		return err
	}
	wallStart := time.Now()
	if cfg.zones != "" {
		// Before the world is built: a directory that cannot be made
		// should not cost a 100,000-sender world first.
		if err := os.MkdirAll(cfg.zones, 0o755); err != nil {
			return fmt.Errorf("-zones: %w", err)
		}
	}
	t := time.Now()
	world := dnstest.SyntheticWorld(cfg.n, cfg.seed, cfg.v6)
	fmt.Fprintf(stdout, "world: %d senders, %d zones, %d distinct questions (seed %d, IPv6 share %.2f), built in %s\n",
		cfg.n, len(world.Zones), len(world.Queries), cfg.seed, cfg.v6, since(t))
	if cfg.zones != "" {
		return writeZones(cfg.zones, world, stdout)
	}

	server := cfg.resolver
	closeServer := func() {}
	if server == "" {
		t = time.Now()
		srv, err := dnstest.Serve(dnstest.Config{Zones: world.Zones, LossRate: cfg.loss, Seed: cfg.seed})
		if err != nil {
			return fmt.Errorf("in-process server: %w", err)
		}
		closeServer = func() {
			if srv != nil {
				srv.Close()
				srv = nil // and its zones with it
			}
		}
		defer closeServer()
		server = srv.Addr
		fmt.Fprintf(stdout, "server: in-process on %s (loss %.2f), zones loaded in %s\n", server, cfg.loss, since(t))
	} else {
		fmt.Fprintf(stdout, "server: %s\n", server)
	}

	stopProfile, err := startProfile(cfg.cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	if cfg.wireOnly {
		return wireOnly(ctx, cfg, server, world.Queries, stdout)
	}
	if cfg.dnsOnly {
		return dnsOnly(ctx, cfg, server, world.Queries, stdout)
	}

	// The same steps as `senderproof assess`.
	tpl, err := templates.Load("")
	if err != nil {
		return err
	}
	set, err := mappings.Load("")
	if err != nil {
		return err
	}
	formats, err := packFormats(cfg.formats, tpl, stdout)
	if err != nil {
		return err
	}
	inv, err := assess.ParseInventory("synthetic.csv", world.Inventory)
	if err != nil {
		return fmt.Errorf("synthetic inventory: %w", err)
	}
	world = dnstest.World{} // the server holds the zones it needs
	client, err := newClient(cfg, server)
	if err != nil {
		return err
	}
	defer client.Close()

	fmt.Fprintf(stdout, "client: concurrency %d, qps %s, timeout %s, retries %d\n",
		cfg.concurrency, qpsString(cfg.qps), cfg.timeout, cfg.retries)
	// As in `senderproof assess`, each asset's findings go straight to the
	// pack builder, which rolls them up and spools them into the out dir.
	dir := cfg.out
	if dir == "" {
		tmp, err := os.MkdirTemp("", "senderproof-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	mapper, refs := report.FromMappings(set)
	builder, err := report.NewBuilder(dir, inv.Assets, mapper)
	if err != nil {
		return err
	}
	defer builder.Discard()
	cpuBefore := cpuTime()
	started := time.Now()
	_, err = assess.Run(ctx, inv.Assets, assess.Options{
		Resolver: client, Templates: tpl, Concurrency: cfg.concurrency, Sink: builder.Add,
	})
	elapsed := time.Since(started)
	cpuUsed := cpuTime() - cpuBefore
	stopProfile()
	// As after `senderproof assess`, nothing answers DNS while the pack is
	// written: the in-process server and its zones, and the client's
	// cache, do not weigh on it.
	closeServer()
	client.DropCache()
	// The stopped server's sync.Pools keep it, and its zones, reachable
	// until two collections have passed; the third frees them.
	for range 3 {
		runtime.GC()
	}
	if err != nil {
		return err
	}
	st := client.Stats()
	t = time.Now()
	pack := builder.Pack(report.Tool{Name: "senderproof-bench", Version: "synthetic"}, report.Run{
		ID: fmt.Sprintf("bench-%d-%d", cfg.n, cfg.seed), Title: fmt.Sprintf("Synthetic fleet of %d %s", cfg.n, map[bool]string{true: "sender", false: "senders"}[cfg.n == 1]),
		StartedAt: report.Stamp(started), FinishedAt: report.Stamp(started.Add(elapsed)),
		Resolvers: client.Servers(), InventorySHA256: inv.SHA256, Mappings: refs,
		Settings: report.Settings{Concurrency: cfg.concurrency, QPS: cfg.qps, Timeout: cfg.timeout.String(), Retries: cfg.retries},
		Queries:  report.QueryStats{Lookups: st.Lookups, CacheHits: st.CacheHits, Sent: st.Sent, TCP: st.TCP, Timeouts: st.Timeouts, Errors: st.Errors},
	}, nil)
	defer pack.Close()
	built := since(t)

	secs := elapsed.Seconds()
	fmt.Fprintf(stdout, "assess: %d assets, %d findings in %s\n", len(inv.Assets), pack.Summary.Findings, round(elapsed))
	fmt.Fprintf(stdout, "assets/s: %.0f\n", float64(len(inv.Assets))/secs)
	fmt.Fprintf(stdout, "cpu: %s user+sys of this process (%.0f µs per asset; includes the in-process server when used)\n",
		round(cpuUsed), float64(cpuUsed.Microseconds())/float64(len(inv.Assets)))
	fmt.Fprintf(stdout, "queries: %d sent (%.2f per asset; %d over TCP), %d timeouts, %d errors, %d failed fast\n",
		st.Sent, float64(st.Sent)/float64(len(inv.Assets)), st.TCP, st.Timeouts, st.Errors, st.FailedFast)
	fmt.Fprintf(stdout, "queries/s: %.0f\n", float64(st.Sent)/secs)
	hitRate := 0.0
	if st.Lookups > 0 {
		hitRate = 100 * float64(st.CacheHits) / float64(st.Lookups)
	}
	fmt.Fprintf(stdout, "cache: %d lookups reached the client, %d answered from its cache or in flight (hit rate %.1f%%)\n", st.Lookups, st.CacheHits, hitRate)
	disk, text := builder.SpoolSize()
	fmt.Fprintf(stdout, "spool: %s of findings on disk (%s of JSON)\n", mib(disk/1024), mib(text/1024))
	fmt.Fprintf(stdout, "build: %s (%d pass, %d fail, %d warn, %d error, %d skip)\n", built,
		pack.Summary.Pass, pack.Summary.Fail, pack.Summary.Warn, pack.Summary.Error, pack.Summary.Skip)

	peak := peakRSSKiB()
	if len(formats) > 0 {
		stopPackProfile, err := startProfile(cfg.packProfile)
		if err != nil {
			return err
		}
		// The pack's own peak: reset the kernel's high-water mark to the
		// current RSS, so one format alone (-format xlsx) shows its cost.
		// The collections above freed the assessment's memory but Go
		// keeps the pages until its scavenger returns them: return them
		// first, or the mark starts at the assessment's leftover.
		debug.FreeOSMemory()
		reset := resetPeakRSS()
		start := currentRSSKiB()
		err = writePack(ctx, dir, pack, formats, tpl, stdout)
		stopPackProfile()
		if err != nil {
			return err
		}
		if reset {
			packPeak := peakRSSKiB()
			fmt.Fprintf(stdout, "pack peak RSS: %s (%s when it started)\n", mib(packPeak), mib(start))
			peak = max(peak, packPeak)
		} else {
			peak = peakRSSKiB()
		}
	}
	if cfg.memProfile != "" {
		f, err := os.Create(cfg.memProfile)
		if err != nil {
			return err
		}
		runtime.GC()
		err = pprof.WriteHeapProfile(f)
		f.Close()
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "peak RSS: %s\n", mib(peak))
	fmt.Fprintf(stdout, "wall: %s\n", since(wallStart))
	return erroneous(pack.Summary.Error, pack.Summary.Findings, pack.ErrorReasons())
}

// erroneous refuses figures of a run in which more than 1% of the findings
// are error: they measure a server that did not answer (a wrong -resolver,
// a knotd that did not start, one that drops), not senderproof. The
// findings are counted, not the client's failed exchanges: one failed
// exchange is shared by every lookup that joined it in flight or met it in
// the cache, so a few failures can make thousands of findings error.
// -loss alone leaves a few in 100,000.
func erroneous(errs, findings int, reasons map[string]int) error {
	if errs*100 <= findings {
		return nil
	}
	why := ""
	if len(reasons) > 0 {
		keys := slices.Collect(maps.Keys(reasons))
		slices.SortFunc(keys, func(a, b string) int {
			return cmp.Or(cmp.Compare(reasons[b], reasons[a]), strings.Compare(a, b))
		})
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %d", cmp.Or(k, "no reason"), reasons[k]))
		}
		why = " (" + strings.Join(parts, ", ") + ")"
	}
	return fmt.Errorf("%d of %d findings are error%s: these figures do not measure a server that answers", errs, findings, why)
}

// unanswered refuses figures of a -dns-only run in which more than 1% of
// the lookups failed after their retries: they measure a server that did
// not answer, not senderproof (a wrong -resolver, a knotd that did not
// start). Each question is asked once there, so a failure is not shared.
func unanswered(failed, total int64) error {
	if failed*100 <= total {
		return nil
	}
	return fmt.Errorf("%d of %d lookups failed after their retries: these figures do not measure a server that answers", failed, total)
}

// newClient is the DNS client the flags describe, asking server.
func newClient(cfg config, server string) (*assess.Client, error) {
	return assess.NewClient(assess.ClientOptions{
		Servers: []string{server}, Timeout: cfg.timeout, Retries: cfg.retries,
		QPS: cfg.qps, Concurrency: cfg.concurrency, TCP: cfg.tcp,
	})
}

// dnsOnly asks each of the world's questions once through a new client,
// cfg.concurrency at a time, and prints the client's queries/s.
func dnsOnly(ctx context.Context, cfg config, server string, questions []string, stdout io.Writer) error {
	client, err := newClient(cfg, server)
	if err != nil {
		return err
	}
	defer client.Close()
	qs, err := parseQuestions(questions)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "client: concurrency %d, qps %s, timeout %s, retries %d; DNS only: %d questions\n",
		cfg.concurrency, qpsString(cfg.qps), cfg.timeout, cfg.retries, len(qs))
	cpuBefore := cpuTime()
	started := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cfg.concurrency)
	for _, q := range qs {
		g.Go(func() error {
			_, _ = client.Lookup(gctx, q.name, q.qtype)
			return gctx.Err()
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	elapsed := time.Since(started)
	st := client.Stats()
	fmt.Fprintf(stdout, "dns: %d lookups in %s, %d sent, %d timeouts, %d errors\n", st.Lookups, round(elapsed), st.Sent, st.Timeouts, st.Errors)
	fmt.Fprintf(stdout, "cpu: %s user+sys of this process (%.1f µs per query)\n", round(cpuTime()-cpuBefore),
		float64((cpuTime()-cpuBefore).Microseconds())/float64(max(st.Sent, 1)))
	fmt.Fprintf(stdout, "queries/s: %.0f\n", float64(st.Sent)/elapsed.Seconds())
	fmt.Fprintf(stdout, "peak RSS: %s\n", peakRSS())
	return unanswered(st.Errors, st.Lookups)
}

// question is one of the world's questions (queries.txt: "NAME TYPE").
type question struct {
	name  string
	qtype uint16
}

func parseQuestions(questions []string) ([]question, error) {
	qs := make([]question, 0, len(questions))
	for _, q := range questions {
		name, typ, ok := strings.Cut(q, " ")
		t, known := dns.StringToType[typ]
		if !ok || !known {
			return nil, fmt.Errorf("question %q: want NAME TYPE", q)
		}
		qs = append(qs, question{name, t})
	}
	return qs, nil
}

// wireOnly sends each of the world's questions once on four connected UDP
// sockets, at most concurrency/4 (up to 32,768) in flight on each, and reads
// and unpacks the answers: no cache, retries, rate limit, evidence or
// checks. A question not answered within -timeout is counted lost. What it
// reaches is about the most any Go client can ask of the server on this
// machine; -dns-only and the full assessment are measured against it.
func wireOnly(ctx context.Context, cfg config, server string, questions []string, stdout io.Writer) error {
	// A socket's window stays well below its 65,536 IDs, so a free ID is
	// always there for the next question (freeID).
	const sockets, maxWindow = 4, 1 << 15
	window := min(max(cfg.concurrency/sockets, 1), maxWindow)
	qs, err := parseQuestions(questions)
	if err != nil {
		return err
	}
	packets := make([][]byte, 0, len(qs))
	for _, q := range qs {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(q.name), q.qtype)
		b, err := m.Pack()
		if err != nil {
			return fmt.Errorf("question %s %s: %w", q.name, dns.TypeToString[q.qtype], err)
		}
		packets = append(packets, b)
	}
	conns := make([]net.Conn, 0, sockets)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range sockets {
		conn, err := net.Dial("udp", server)
		if err != nil {
			return err
		}
		conns = append(conns, conn)
	}
	fmt.Fprintf(stdout, "wire only: %d questions on %d UDP sockets, %d in flight on each, no retries, lost after %s\n",
		len(packets), sockets, window, cfg.timeout)
	var next, answered, lost, lastAnswer atomic.Int64 // lastAnswer: ns since started
	cpuBefore := cpuTime()
	started := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	for _, conn := range conns {
		w := newWireSocket(window)
		g.Go(func() error {
			defer w.done.Store(true)
			var id uint16
			for {
				i := int(next.Add(1) - 1)
				if i >= len(packets) {
					return nil
				}
				var slot int
				select {
				case slot = <-w.free:
				case <-gctx.Done():
					return gctx.Err()
				}
				p := slices.Clone(packets[i])
				id = w.freeID(id)
				binary.BigEndian.PutUint16(p, id)
				w.sentAt[slot].Store(time.Now().UnixNano())
				w.ids[slot].Store(uint32(id))
				w.slotOf[id].Store(int32(slot + 1))
				if _, err := conn.Write(p); err != nil {
					return err
				}
				id++
			}
		})
		g.Go(func() error {
			buf := make([]byte, dns.MaxMsgSize)
			for {
				if err := gctx.Err(); err != nil {
					return err
				}
				lost.Add(w.expire(cfg.timeout))
				if w.done.Load() && len(w.free) == window {
					return nil // all sent and answered or lost
				}
				if err := conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
					return err
				}
				n, err := conn.Read(buf)
				if err != nil {
					if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
						continue
					}
					return err
				}
				if n < 2 {
					continue
				}
				slot := w.slotOf[binary.BigEndian.Uint16(buf)].Swap(0)
				if slot == 0 {
					continue // late, after it was counted lost
				}
				var m dns.Msg
				if m.Unpack(buf[:n]) == nil {
					answered.Add(1)
					for d := int64(time.Since(started)); ; {
						prev := lastAnswer.Load()
						if d <= prev || lastAnswer.CompareAndSwap(prev, d) {
							break
						}
					}
				} else {
					lost.Add(1)
				}
				w.sentAt[slot-1].Store(0) // before the writer may reuse it
				w.free <- int(slot - 1)
			}
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	// Up to the last answer: the wait for lost questions is neither the
	// server's work nor a client's.
	elapsed := time.Duration(max(lastAnswer.Load(), 1))
	cpu := cpuTime() - cpuBefore
	fmt.Fprintf(stdout, "wire: %d answers to %d questions (%d lost) in %s\n", answered.Load(), len(packets), lost.Load(), round(elapsed))
	fmt.Fprintf(stdout, "cpu: %s user+sys of this process (%.1f µs per query)\n", round(cpu), float64(cpu.Microseconds())/float64(max(len(packets), 1)))
	fmt.Fprintf(stdout, "queries/s: %.0f\n", float64(answered.Load())/elapsed.Seconds())
	// As for lookups (unanswered): more than 1% lost, the figures measure
	// a server that does not answer, or a network that drops.
	if lost.Load()*100 > int64(len(packets)) {
		return fmt.Errorf("%d of %d questions lost: these figures do not measure a server that answers", lost.Load(), len(packets))
	}
	return nil
}

// wireSocket is the book-keeping of one -wire-only socket: window slots,
// each holding one question in flight.
type wireSocket struct {
	free   chan int               // slots not in use
	sentAt []atomic.Int64         // per slot: when its question was sent (ns), 0 when free
	ids    []atomic.Uint32        // per slot: its question's ID
	slotOf *[1 << 16]atomic.Int32 // per ID: its slot + 1, 0 when none
	done   atomic.Bool            // the writer sent all it will send
}

func newWireSocket(window int) *wireSocket {
	w := &wireSocket{
		free: make(chan int, window), sentAt: make([]atomic.Int64, window),
		ids: make([]atomic.Uint32, window), slotOf: new([1 << 16]atomic.Int32),
	}
	for i := range window {
		w.free <- i
	}
	return w
}

// freeID returns the first ID from id on that no question in flight on the
// socket has. IDs wrap every 65,536 questions: a question still waiting for
// its timeout must not share its ID with a new one, or the new one would
// take over its slot's book-keeping and the old slot would never be freed.
func (w *wireSocket) freeID(id uint16) uint16 {
	for w.slotOf[id].Load() != 0 {
		id++
	}
	return id
}

// expire frees the slots of questions sent more than timeout ago and not
// answered, and returns how many.
func (w *wireSocket) expire(timeout time.Duration) int64 {
	cutoff := time.Now().Add(-timeout).UnixNano()
	n := int64(0)
	for slot := range w.sentAt {
		if t := w.sentAt[slot].Load(); t == 0 || t > cutoff {
			continue
		}
		id := uint16(w.ids[slot].Load())
		if w.slotOf[id].CompareAndSwap(int32(slot+1), 0) {
			w.sentAt[slot].Store(0)
			w.free <- slot
			n++
		}
	}
	return n
}

// packFormats keeps the requested formats that have a writer.
func packFormats(list string, tpl *templates.Set, stdout io.Writer) ([]string, error) {
	if list == "none" || list == "" {
		return nil, nil
	}
	want, err := report.ParseFormats(list)
	if err != nil {
		return nil, fmt.Errorf("-format: %w", err)
	}
	writers := report.Writers(tpl)
	var out []string
	for _, f := range want {
		if _, ok := writers[f]; ok {
			out = append(out, f)
		} else {
			fmt.Fprintf(stdout, "format %s: no writer yet, skipped\n", f)
		}
	}
	return out, nil
}

// timedWriter records how long its writer took.
type timedWriter struct {
	w report.Writer
	d *time.Duration
}

func (t timedWriter) Write(ctx context.Context, w io.Writer, p *report.Pack) error {
	start := time.Now()
	err := t.w.Write(ctx, w, p)
	*t.d = time.Since(start)
	return err
}

// writePack writes the pack as `senderproof assess` does (report.WritePack)
// and prints the time and size of each format.
func writePack(ctx context.Context, dir string, pack *report.Pack, formats []string, tpl *templates.Set, stdout io.Writer) error {
	took := map[string]*time.Duration{}
	writers := map[string]report.Writer{}
	for name, w := range report.Writers(tpl) {
		d := new(time.Duration)
		took[name] = d
		writers[name] = timedWriter{w, d}
	}
	t := time.Now()
	m, err := report.WritePack(ctx, dir, pack, formats, writers, nil)
	if err != nil {
		return err
	}
	sizes := map[string]int64{}
	for _, e := range m.Files {
		sizes[e.Path] = e.Size
	}
	for _, f := range formats {
		file, _ := report.FileName(f)
		fmt.Fprintf(stdout, "format %s: %s (%s, %.1f MB)\n", f, round(*took[f]), file, float64(sizes[file])/1e6)
	}
	fmt.Fprintf(stdout, "pack: %s written in %s (formats two at a time, so their times overlap)\n", dir, since(t))
	return nil
}

// writeZones writes the world for knot and dnsperf.
func writeZones(dir string, w dnstest.World, stdout io.Writer) error {
	origins, err := w.WriteDir(dir)
	if err != nil {
		return fmt.Errorf("-zones: %w", err)
	}
	var b strings.Builder
	b.WriteString("zone:\n")
	for _, o := range origins {
		fmt.Fprintf(&b, "  - domain: %s.\n    file: %s.zone\n", o, o)
	}
	if err := os.WriteFile(filepath.Join(dir, "knot-zones.conf"), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("-zones: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s: zones/ (%d zones), knot-zones.conf, inventory.csv, queries.txt (%d questions)\n",
		dir, len(origins), len(w.Queries))
	return nil
}

// peakRSS is the process's peak resident set size, formatted.
func peakRSS() string { return mib(peakRSSKiB()) }

// peakRSSKiB is the process's peak resident set size in KiB, from /proc
// (VmHWM) or getrusage; -1 when neither is available.
func peakRSSKiB() int64 {
	if kb, ok := procStatusKiB("VmHWM:"); ok {
		return kb
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
			return ru.Maxrss / 1024 // in bytes there, in KiB elsewhere
		}
		return ru.Maxrss
	}
	return -1
}

// currentRSSKiB is the process's resident set size in KiB, or -1.
func currentRSSKiB() int64 {
	if kb, ok := procStatusKiB("VmRSS:"); ok {
		return kb
	}
	return -1
}

// resetPeakRSS sets the kernel's peak RSS of the process back to its
// current RSS (Linux clear_refs 5); false where that is not possible.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// procStatusKiB reads one "Name: N kB" line of /proc/self/status.
func procStatusKiB(key string) (int64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key); ok {
			f := strings.Fields(v)
			if len(f) == 2 && f[1] == "kB" {
				if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
					return kb, true
				}
			}
		}
	}
	return 0, false
}

// mib formats a size in KiB as MiB.
func mib(kb int64) string {
	if kb < 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.0f MiB", float64(kb)/1024)
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func since(t time.Time) time.Duration { return round(time.Since(t)) }

func round(d time.Duration) time.Duration { return d.Round(time.Millisecond) }

func qpsString(q float64) string {
	if q == 0 {
		return "unlimited"
	}
	return strconv.FormatFloat(q, 'f', -1, 64)
}
