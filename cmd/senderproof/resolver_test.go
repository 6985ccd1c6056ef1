package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"senderproof/assess"
	"senderproof/assess/dnstest"
	"senderproof/report"
)

func TestParseResolver(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, want, err string
	}{
		{"127.0.0.1", "127.0.0.1:53", ""},
		{"127.0.0.1:5353", "127.0.0.1:5353", ""},
		{" 192.0.2.53:53 ", "192.0.2.53:53", ""},
		{"::1", "[::1]:53", ""},
		{"[::1]", "[::1]:53", ""},
		{"[2001:db8::53]:5353", "[2001:db8::53]:5353", ""},
		{"127.0.0.1:65535", "127.0.0.1:65535", ""},
		{"", "", "empty"},
		{"127.0.0.1:abc", "", `port "abc" is not a number from 1 to 65535`},
		{"127.0.0.1:99999", "", `port "99999" is not a number from 1 to 65535`},
		{"127.0.0.1:0", "", "port 0"},
		{"127.0.0.1:-1", "", `port "-1"`},
		{"[::1]:53x", "", `port "53x"`},
		{"nonexistent.invalid:53", "", `"nonexistent.invalid" is a reserved name that never resolves (RFC 6761)`},
		{"nonexistent.INVALID.", "", "reserved name"},
		{"192.0.2.300:53", "", `"192.0.2.300" is neither an IP address nor a host name`},
		{"bad_name:53", "", `"bad_name" is neither an IP address nor a host name`},
		{"-bad.example", "", "neither an IP address nor a host name"},
		{"[::1:53", "", "not HOST[:PORT]"},
		{"127.0.0.1,127.0.0.1:5353", "", "one resolver per --resolver: repeat the flag for several"},
		{"127.0.0.1#5353", "", "give the port after a colon, 127.0.0.1:5353, not after #"},
		{"localhost", "127.0.0.1:53", ""},
		{"localhost:5353", "127.0.0.1:5353", ""},
		{"dns.LOCALHOST.:5353", "127.0.0.1:5353", ""},
		{"DNS4.Example.:5353", "dns4.example:5353", ""},
		{"dns6.example", "dns6.example:53", ""},
		{"dns4.example:0", "", "port 0"},
		{"::1:5353", "", "ambiguous: write [::1]:5353 for port 5353 of ::1, or [::1:5353] for that address on port 53"},
		{"2001:db8::1:53", "", "ambiguous"},
		{"::1:10053", "", "write [::1]:10053 for port 10053 of an IPv6 address"},
		{"dns://127.0.0.1", "", "without a URL scheme"},
		{"udp://[::1]:53", "", "without a URL scheme"},
		{"[::1:5353]", "[::1:5353]:53", ""},
		{"2001:db8::53", "[2001:db8::53]:53", ""},
		{"2001:db8::1:a53", "[2001:db8::1:a53]:53", ""},
		{"fe80::1:2", "[fe80::1:2]:53", ""},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := parseResolver(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("parseResolver(%q) = %q, %v; want error %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("parseResolver(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

// TestBadResolverWritesNothing: a --resolver that is not IP[:PORT] is bad
// usage, named in the message; nothing is written and nothing is asked.
func TestBadResolverWritesNothing(t *testing.T) {
	dir := t.TempDir()
	inv := filepath.Join(dir, "fleet.csv")
	if err := os.WriteFile(inv, []byte("ip\n192.0.2.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"127.0.0.1:abc", "127.0.0.1:99999", "", "[::1]:53x", "nonexistent.invalid:53"} {
		t.Run(v, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			code, _, stderr := run(t, context.Background(), "assess", "--inventory", inv, "--resolver", "127.0.0.1:5353", "--resolver", v, "--out", out)
			shown := v
			if v == "" {
				shown = `""`
			}
			if code != exitBadInput || !strings.Contains(stderr, "--resolver "+shown+": ") {
				t.Errorf("exit %d, want %d naming --resolver %s: %s", code, exitBadInput, shown, stderr)
			}
			if got := entries(t, out); len(got) != 0 {
				t.Errorf("files written: %v", got)
			}
		})
	}
}

// closedPort returns 127.0.0.1:PORT where nothing listens on UDP: queries
// to it fail at once with "connection refused".
func closedPort(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	return addr
}

// TestNoResolverAnswers: when not one query was answered, the run writes
// its pack (every DNS finding error), says which resolver failed and how,
// and exits 2.
func TestNoResolverAnswers(t *testing.T) {
	dir := t.TempDir()
	inv := filepath.Join(dir, "fleet.csv")
	if err := os.WriteFile(inv, []byte("ip,helo,domain\n192.0.2.1,mail.example.com,example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := closedPort(t)
	out := filepath.Join(dir, "out")
	code, _, stderr := run(t, context.Background(), "assess", "--inventory", inv, "--resolver", addr, "--out", out, "--format", "json", "--retries", "0")
	if code != exitRunFailed {
		t.Fatalf("exit %d, want %d: %s", code, exitRunFailed, stderr)
	}
	for _, w := range []string{"no resolver answered any DNS query: " + addr, "connection refused", "the run failed: no resolver answered (" + addr + ")"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q: %s", w, stderr)
		}
	}
	p := readPack(t, out)
	if p.Summary.Pass+p.Summary.Fail+p.Summary.Warn != 0 || p.Summary.Error == 0 {
		t.Errorf("summary %+v: want every determined finding error", p.Summary)
	}
	if !strings.Contains(strings.Join(p.Run.Notes, "\n"), "no resolver answered any DNS query") {
		t.Errorf("run notes %q do not record it", p.Run.Notes)
	}
}

func TestSilentResolvers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		health []assess.ServerHealth
		want   string
	}{
		{"one answered", []assess.ServerHealth{{Server: "127.0.0.1:53", Sent: 3, LastError: "timeout"}, {Server: "127.0.0.1:54", Sent: 3, Answered: 1}}, ""},
		{"none sent", []assess.ServerHealth{{Server: "127.0.0.1:53"}}, ""},
		{"none answered", []assess.ServerHealth{{Server: "127.0.0.1:53", Sent: 3, LastError: "network error: connection refused"}, {Server: "127.0.0.1:54", Sent: 2}},
			"127.0.0.1:53 (network error: connection refused); 127.0.0.1:54"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := silentResolvers(tc.health); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestResolveHosts: host names are resolved once, to an IPv4 address if
// there is one; addresses pass through. The lookup is a stand-in for the
// system's resolver, so the test asks no DNS.
func TestResolveHosts(t *testing.T) {
	t.Parallel()
	lookup := func(_ context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "dns4.example":
			return []netip.Addr{netip.MustParseAddr("192.0.2.53")}, nil
		case "dns6.example":
			return []netip.Addr{netip.MustParseAddr("2001:db8::53")}, nil
		case "dual.example":
			return []netip.Addr{netip.MustParseAddr("2001:db8::54"), netip.MustParseAddr("192.0.2.54")}, nil
		case "empty.example":
			return nil, nil
		}
		return nil, errors.New("no such host")
	}
	got, err := resolveHosts(context.Background(), []string{"dns4.example:5353", "dns6.example:53", "dual.example:53", "127.0.0.1:53", "[::1]:5353"}, lookup)
	want := []string{"192.0.2.53:5353", "[2001:db8::53]:53", "192.0.2.54:53", "127.0.0.1:53", "[::1]:5353"}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("resolveHosts = %q, %v; want %q", got, err, want)
	}
	for host, msg := range map[string]string{
		"gone.example:53":  `--resolver gone.example:53: cannot resolve host name "gone.example": no such host (give the resolver's IP address instead)`,
		"empty.example:53": `cannot resolve host name "empty.example": no address`,
	} {
		if _, err := resolveHosts(context.Background(), []string{host}, lookup); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("resolveHosts(%s) = %v, want %q", host, err, msg)
		}
	}
}

// TestResolverHostName: --resolver localhost:PORT asks 127.0.0.1:PORT, and
// the evidence names that address, not the host name.
func TestResolverHostName(t *testing.T) {
	srv, fleet := startDriftWorld(t)
	_, port, err := net.SplitHostPort(srv.Addr)
	if err != nil || !strings.HasPrefix(srv.Addr, "127.0.0.1:") {
		t.Fatalf("server address %q: %v", srv.Addr, err)
	}
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := run(t, context.Background(), "assess", "--inventory", fleet,
		"--resolver", "localhost:"+port, "--out", out, "--format", "json", "--qps", "0")
	if code != 0 {
		t.Fatalf("assess --resolver localhost:%s: exit %d: %s", port, code, stderr)
	}
	p, err := report.ReadPack(filepath.Join(out, "evidence.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Run.Resolvers) != 1 || p.Run.Resolvers[0] != srv.Addr {
		t.Errorf("run.resolvers = %q, want [%s]", p.Run.Resolvers, srv.Addr)
	}
	if p.Summary.Pass == 0 {
		t.Errorf("summary %+v: want answers from the server", p.Summary)
	}
}

func TestRefusingResolvers(t *testing.T) {
	t.Parallel()
	notes, all := refusingResolvers([]assess.ServerHealth{{Server: "127.0.0.1:53", Sent: 4, Answered: 4, Refused: 4}})
	if !all || len(notes) != 1 || !strings.Contains(notes[0], "answered every query with REFUSED (4 responses): it does not resolve for this host") {
		t.Errorf("all REFUSED: %v %q", all, notes)
	}
	notes, all = refusingResolvers([]assess.ServerHealth{
		{Server: "127.0.0.1:53", Sent: 40, Answered: 40, ServFail: 40},
		{Server: "127.0.0.1:54", Sent: 4, Answered: 4, Refused: 1},
	})
	if all || len(notes) != 1 || !strings.Contains(notes[0], "127.0.0.1:53 answered every query with SERVFAIL") ||
		!strings.HasSuffix(notes[0], "its questions went to the other resolvers, and a finding is error only where none of them answered") {
		t.Errorf("one SERVFAIL, one working: %v %q", all, notes)
	}
	if !strings.HasSuffix(refusingResolversNote(t), "the findings that needed it are error") {
		t.Error("a lone refusing resolver's note does not say its findings are error")
	}
	if notes, all := refusingResolvers([]assess.ServerHealth{{Server: "127.0.0.1:53", Sent: 4}}); all || len(notes) != 0 {
		t.Errorf("silent resolver: %v %q", all, notes)
	}
	// A few SERVFAILs may all come from broken zones: no note, no failed
	// run.
	few := []assess.ServerHealth{{Server: "127.0.0.1:53", Sent: 2, Answered: 2, ServFail: 2}}
	if notes, all := refusingResolvers(few); all || len(notes) != 0 || noUsableAnswer(few) {
		t.Errorf("two SERVFAILs: %v %q %v", all, notes, noUsableAnswer(few))
	}
}

// TestReferralResolvers: an authoritative server given as --resolver
// refers the names delegated away from it; the run says so, and fails when
// that is all it did.
func TestReferralResolvers(t *testing.T) {
	t.Parallel()
	some := []assess.ServerHealth{{Server: "127.0.0.1:53", Sent: 9, Answered: 9, Referred: 3}}
	if notes := referralResolvers(some); len(notes) != 1 || !strings.Contains(notes[0], "127.0.0.1:53 answered 3 questions with a referral") || noUsableAnswer(some) {
		t.Errorf("some referrals: %q, no usable answer %v", notes, noUsableAnswer(some))
	}
	only := []assess.ServerHealth{{Server: "127.0.0.1:53", Sent: 1, Answered: 1, Referred: 1}}
	if notes := referralResolvers(only); len(notes) != 1 || !strings.Contains(notes[0], "1 question with") || !noUsableAnswer(only) {
		t.Errorf("only referrals: %q, no usable answer %v", notes, noUsableAnswer(only))
	}
}

// TestRefusingResolverFailsTheRun: a resolver that answers REFUSED to every
// query (an access list, an authoritative-only server) resolves nothing;
// the run says so and fails as a silent one does, over the wire.
func TestRefusingResolverFailsTheRun(t *testing.T) {
	srv := dnstest.Start(t, dnstest.Config{}) // no zones: REFUSED for every name
	dir := t.TempDir()
	inv := filepath.Join(dir, "fleet.csv")
	if err := os.WriteFile(inv, []byte("ip,helo,domain\n192.0.2.1,mail.example.com,example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, context.Background(), "assess", "--inventory", inv, "--resolver", srv.Addr, "--qps", "0",
		"--format", "json", "--out", filepath.Join(dir, "out"))
	if code != 2 {
		t.Fatalf("exit %d, want 2: %s", code, stderr)
	}
	for _, want := range []string{"answered every query with REFUSED", "the run failed: no resolver gave a usable answer"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	p, err := report.ReadPack(filepath.Join(dir, "out", "evidence.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(p.Run.Notes, func(n string) bool { return strings.Contains(n, "answered every query with REFUSED") }) {
		t.Errorf("run notes %q", p.Run.Notes)
	}
}

// TestTCPFailedReplays: a finding that is error because TCP to the
// resolver failed after a truncated answer keeps that reason on replay, so
// verify accepts the pack.
func TestTCPFailedReplays(t *testing.T) {
	zones := []dnstest.Zone{{Origin: "example.com.", Text: "$TTL 300\n@ IN SOA ns.example.com. h.example.com. 1 3600 600 86400 300\nmail IN A 192.0.2.1\n"}}
	srv := dnstest.Start(t, dnstest.Config{Zones: zones, Faults: map[string]dnstest.Fault{"mail.example.com./A": dnstest.Truncate}})
	srv.CloseTCP()
	dir := t.TempDir()
	inv := filepath.Join(dir, "fleet.csv")
	if err := os.WriteFile(inv, []byte("ip,helo\n192.0.2.1,mail.example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, _, stderr := run(t, context.Background(), "assess", "--inventory", inv, "--resolver", srv.Addr, "--qps", "0",
		"--timeout", "300ms", "--retries", "0", "--format", "json", "--out", out)
	if code == 1 || !strings.Contains(stderr, "tcp failed 1") || !strings.Contains(stderr, "truncated 1 answer over UDP") {
		t.Fatalf("exit %d, want the tcp_failed reason: %s", code, stderr)
	}
	if code, stdout, stderr := run(t, context.Background(), "verify", out); code != 0 {
		t.Errorf("verify exit %d: %s%s", code, stdout, stderr)
	}
}

// TestPassedOnResolvers: of two resolvers, one answering SERVFAIL for some
// names, the findings show the other's answers, and the run's notes say
// that the first failed those questions; with one resolver this note is
// not given (TestFinalFailureNote).
func TestPassedOnResolvers(t *testing.T) {
	const soa = "$TTL 300\n@ IN SOA ns.example.com. h.example.com. 1 3600 600 86400 300\n@ IN NS ns.example.com.\n"
	// Twenty senders, each with PTR and address questions of its own:
	// which resolver a question goes to first follows from the question
	// and the resolvers' addresses (their ports are the system's
	// choice), so some of each are asked of the failing one first. It
	// answers SERVFAIL to every PTR question and the others as they are.
	ptrs, as, fleet := "", "", "ip,hostname,helo,domain\n"
	faults := map[string]dnstest.Fault{}
	for i := 10; i < 30; i++ {
		ptrs += fmt.Sprintf("%d IN PTR mail%d.example.com.\n", i, i)
		as += fmt.Sprintf("mail%d IN A 192.0.2.%d\n", i, i)
		fleet += fmt.Sprintf("192.0.2.%d,mail%d.example.com,mail%d.example.com,example.com\n", i, i, i)
		faults[fmt.Sprintf("%d.2.0.192.in-addr.arpa.", i)] = dnstest.ServFail
	}
	zones := []dnstest.Zone{
		{Origin: "2.0.192.in-addr.arpa.", Text: soa + ptrs},
		{Origin: "example.com.", Text: soa + as + "@ IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n_dmarc IN TXT \"v=DMARC1; p=reject\"\n"},
	}
	failing := dnstest.Start(t, dnstest.Config{Zones: zones, Faults: faults})
	good := dnstest.Start(t, dnstest.Config{Zones: zones})
	dir := t.TempDir()
	inv := filepath.Join(dir, "fleet.csv")
	if err := os.WriteFile(inv, []byte(fleet), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, _, stderr := run(t, context.Background(), "assess", "--inventory", inv, "--resolver", failing.Addr, "--resolver", good.Addr,
		"--qps", "0", "--concurrency", "1", "--format", "json", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	p := readPack(t, out)
	if p.Summary.Error != 0 {
		t.Errorf("%d findings are error: the good resolver's answers should stand", p.Summary.Error)
	}
	want := "resolver " + failing.Addr + " answered SERVFAIL to "
	if !slices.ContainsFunc(p.Run.Notes, func(n string) bool { return strings.HasPrefix(n, want) }) || !strings.Contains(stderr, want) {
		t.Errorf("no note %q: notes %q, stderr %s", want, p.Run.Notes, stderr)
	}
	if got := passedOnResolvers([]assess.ServerHealth{{Server: "127.0.0.1:53", Answered: 10, ServFail: 3}}); got != nil {
		t.Errorf("one resolver: notes %q", got)
	}
}

// TestResolverStoppedLateNote: of two resolvers, one stops answering part
// way through a run too short for its breaker to mark it down (twice the
// timeout of silence, then a liveness check): the run's notes name it all
// the same, and say that its questions went to the other, which answered
// them.
func TestResolverStoppedLateNote(t *testing.T) {
	t.Parallel()
	w := dnstest.SyntheticWorld(100, 3, 0)
	good := dnstest.Start(t, dnstest.Config{Zones: w.Zones})
	// About half of the run's 400 queries go to each resolver first.
	dying := dnstest.Start(t, dnstest.Config{Zones: w.Zones, DownAfter: 80})
	dir := t.TempDir()
	inv := filepath.Join(dir, "fleet.csv")
	if err := os.WriteFile(inv, w.Inventory, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	began := time.Now()
	code, _, stderr := run(t, context.Background(), "assess", "--inventory", inv, "--resolver", good.Addr, "--resolver", dying.Addr,
		"--qps", "0", "--timeout", "3s", "--format", "json", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	p := readPack(t, out)
	if dying.Answered() == 0 || dying.Queries() <= dying.Answered()+assess.DefaultBreakerThreshold {
		t.Fatalf("the dying resolver answered %d of %d queries: it did not stop mid-run", dying.Answered(), dying.Queries())
	}
	if p.Summary.Error != 0 {
		t.Errorf("%d findings are error: the other resolver answered every question", p.Summary.Error)
	}
	prefix := "resolver " + dying.Addr + " left its last "
	const suffix = " queries unanswered; their questions went to the other resolvers, and no finding is error for want of an answer"
	if !slices.ContainsFunc(p.Run.Notes, func(n string) bool { return strings.HasPrefix(n, prefix) && strings.HasSuffix(n, suffix) }) || !strings.Contains(stderr, prefix) {
		t.Errorf("no note %q…%q (run of %s): notes %q", prefix, suffix, time.Since(began).Round(time.Millisecond), p.Run.Notes)
	}
	if slices.ContainsFunc(p.Run.Notes, func(n string) bool { return strings.Contains(n, good.Addr) }) {
		t.Errorf("the resolver that answered is named: %q", p.Run.Notes)
	}
}

// oneSenderRun assesses one sender of example.com against an in-process
// server whose _dmarc.example.com answers with fault, with extra flags, and
// returns the server, the pack and stderr.
func oneSenderRun(t *testing.T, fault dnstest.Fault, flags ...string) (*dnstest.Server, *report.Pack, string) {
	t.Helper()
	const soa = "$TTL 300\n@ IN SOA ns.example.com. h.example.com. 1 3600 600 86400 300\n@ IN NS ns.example.com.\n"
	zones := []dnstest.Zone{
		{Origin: "2.0.192.in-addr.arpa.", Text: soa + "10 IN PTR mail.example.com.\n"},
		{Origin: "example.com.", Text: soa + "mail IN A 192.0.2.10\n@ IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"},
	}
	srv := dnstest.Start(t, dnstest.Config{Zones: zones, Faults: map[string]dnstest.Fault{"_dmarc.example.com.": fault}})
	dir := t.TempDir()
	inv := filepath.Join(dir, "fleet.csv")
	if err := os.WriteFile(inv, []byte("ip,hostname,helo,domain\n192.0.2.10,mail.example.com,mail.example.com,example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	args := append([]string{"assess", "--inventory", inv, "--resolver", srv.Addr, "--qps", "0", "--format", "json", "--out", out}, flags...)
	code, _, stderr := run(t, context.Background(), args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	return srv, readPack(t, out), stderr
}

// TestFinalFailureNote: the one resolver of a run answers SERVFAIL for
// some names. Those answers are final, so their findings are error, and
// the run's notes and its error count say so rather than leaving the cause
// to be found finding by finding; many SERVFAILs bring the rate-limit hint.
func TestFinalFailureNote(t *testing.T) {
	t.Parallel()
	srv, p, stderr := oneSenderRun(t, dnstest.ServFail)
	if p.Summary.Error == 0 || p.Run.Queries.Errors == 0 {
		t.Errorf("%d findings error, %d lookups counted as errors; want both above 0", p.Summary.Error, p.Run.Queries.Errors)
	}
	want := "resolver " + srv.Addr + " answered SERVFAIL to 1 of its "
	if !slices.ContainsFunc(p.Run.Notes, func(n string) bool {
		return strings.HasPrefix(n, want) && strings.Contains(n, "those answers are final")
	}) ||
		!strings.Contains(stderr, want) {
		t.Errorf("no note %q: notes %q, stderr %s", want, p.Run.Notes, stderr)
	}
	if slices.ContainsFunc(p.Run.Notes, func(n string) bool { return strings.Contains(n, "--qps") }) {
		t.Errorf("one SERVFAIL brought the rate-limit hint: %q", p.Run.Notes)
	}
	// A small run whose few answers were all SERVFAIL: refusingResolvers
	// leaves it to the findings' zones, and this note speaks.
	if got := finalFailureResolvers([]assess.ServerHealth{{Server: "127.0.0.1:53", Answered: 3, ServFail: 3}}, failures{causes: map[string]int{"servfail": 5, "servfail|refused": 5}}); len(got) != 1 || !strings.Contains(got[0], "SERVFAIL to 3 of its 3 responses") || !strings.Contains(got[0], "the 5 findings that needed them are error") {
		t.Errorf("all of a small run's answers SERVFAIL: notes %q", got)
	}
	// A REFUSED to the DMARCbis walk's question past a domain's own
	// organizational domain leaves every verdict standing: no finding
	// is said to be error.
	if got := finalFailureResolvers([]assess.ServerHealth{{Server: "127.0.0.1:53", Answered: 21, Refused: 1}}, failures{causes: map[string]int{"timeout": 2}}); len(got) != 1 || strings.Contains(got[0], "are error") || !strings.Contains(got[0], "no finding's verdict hung on them") {
		t.Errorf("a REFUSED no finding needed: notes %q", got)
	}
	many := finalFailureResolvers([]assess.ServerHealth{{Server: "127.0.0.1:53", Answered: 400, ServFail: 120, Refused: 2}}, failures{causes: map[string]int{"servfail": 120, "servfail|refused": 120}})
	if len(many) != 1 || !strings.Contains(many[0], "SERVFAIL to 120 and REFUSED to 2 of its 400 responses") || !strings.Contains(many[0], "re-run with a lower --qps") {
		t.Errorf("many SERVFAILs: notes %q", many)
	}
	for _, h := range [][]assess.ServerHealth{
		{{Server: "127.0.0.1:53", Answered: 10}},                  // nothing failed
		{{Server: "127.0.0.1:53", Answered: 10, ServFail: 10}},    // all failed: refusingResolvers speaks
		{{Server: "127.0.0.1:53", Answered: 4, Refused: 4}},       // all refused: refusingResolvers speaks
		{{Server: "a", Answered: 10, ServFail: 3}, {Server: "b"}}, // two: passedOnResolvers speaks
	} {
		if got := finalFailureResolvers(h, failures{causes: map[string]int{"servfail": 3, "servfail|refused": 3}}); got != nil {
			t.Errorf("%+v: notes %q, want none", h, got)
		}
	}
}

// TestUnansweredNote: a resolver that answers every question but one,
// which it drops, leaves that question's findings error (timeout), and the
// run's notes say how many questions went unanswered and what to do.
func TestUnansweredNote(t *testing.T) {
	t.Parallel()
	_, p, _ := oneSenderRun(t, dnstest.Drop, "--timeout", "1s", "--retries", "1")
	want := "1 question went unanswered on every attempt (1 + --retries 1, up to --timeout 1s each) while the resolver answered others"
	if p.Summary.Error == 0 || !slices.ContainsFunc(p.Run.Notes, func(n string) bool { return strings.HasPrefix(n, want) }) {
		t.Errorf("%d error findings; no note %q in %q", p.Summary.Error, want, p.Run.Notes)
	}
	// A resolver that stopped answering has its own note, not this one.
	if got := unansweredNote(assess.Stats{Unanswered: 3}, []assess.ServerHealth{{Server: "a", Answered: 5, Outages: 1}}, 2, time.Second, failures{causes: map[string]int{"timeout": 3, "timeout|resolvers_down": 3}}); got != nil {
		t.Errorf("with an outage: %q", got)
	}
	// Nor has one that stopped answering too late to be marked down.
	if got := unansweredNote(assess.Stats{Unanswered: 3}, []assess.ServerHealth{{Server: "a", Answered: 5, LastUnanswered: 9}}, 2, time.Second, failures{causes: map[string]int{"timeout": 3, "timeout|resolvers_down": 3}}); got != nil {
		t.Errorf("stopped late: %q", got)
	}
	// Unanswered questions no verdict needed (a report address's
	// authorization, the DMARCbis walk) make no finding error: the note
	// does not say they do.
	got := unansweredNote(assess.Stats{Unanswered: 1}, []assess.ServerHealth{{Server: "a", Answered: 5}}, 2, time.Second, failures{causes: map[string]int{"servfail": 2}})
	if len(got) != 1 || strings.Contains(got[0], "are error") || !strings.Contains(got[0], "no finding's verdict hung on it") {
		t.Errorf("no timeout error: %q", got)
	}
}

// TestLocalZoneNote: a resolver answers a private range's reverse names
// from a locally served empty zone (unbound's built-in 10.in-addr.arpa,
// SOA mailbox nobody.invalid.): ptr.present fails, as the answer says, and
// the run's notes say the answer is the resolver's default, not the DNS.
func TestLocalZoneNote(t *testing.T) {
	t.Parallel()
	zones := []dnstest.Zone{
		{Origin: "10.in-addr.arpa.", Text: "$TTL 10800\n@ IN SOA localhost. nobody.invalid. 1 3600 1200 604800 10800\n@ IN NS localhost.\n"},
		{Origin: "2.0.192.in-addr.arpa.", Text: "$TTL 300\n@ IN SOA ns.example.com. h.example.com. 1 3600 600 86400 300\n"},
	}
	srv := dnstest.Start(t, dnstest.Config{Zones: zones})
	dir := t.TempDir()
	inv := filepath.Join(dir, "fleet.csv")
	if err := os.WriteFile(inv, []byte("ip\n10.1.2.3\n10.1.2.4\n192.0.2.9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, _, stderr := run(t, context.Background(), "assess", "--inventory", inv, "--resolver", srv.Addr, "--qps", "0", "--format", "json", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	p := readPack(t, out)
	want := "resolver " + srv.Addr + " answered 2 questions from a locally served empty zone (10.in-addr.arpa; SOA mailbox nobody.invalid., RFC 6303)"
	if !slices.ContainsFunc(p.Run.Notes, func(n string) bool { return strings.HasPrefix(n, want) }) || !strings.Contains(stderr, want) {
		t.Errorf("no note %q: notes %q, stderr %s", want, p.Run.Notes, stderr)
	}
	if slices.ContainsFunc(p.Run.Notes, func(n string) bool { return strings.Contains(n, "2.0.192.in-addr.arpa") }) {
		t.Errorf("a zone with an ordinary SOA is named: %q", p.Run.Notes)
	}
}

// TestInterruptedResolverLookup: Ctrl-C while a --resolver host name is
// being looked up is an interruption (exit 130), not bad input.
func TestInterruptedResolverLookup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	inv := filepath.Join(dir, "fleet.csv")
	if err := os.WriteFile(inv, []byte("ip\n192.0.2.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	lookup := func(ctx context.Context, host string) ([]netip.Addr, error) {
		cancel() // the user presses Ctrl-C while the name is looked up
		<-ctx.Done()
		return nil, &net.DNSError{Err: ctx.Err().Error(), Name: host}
	}
	err := runAssess(ctx, runConfig{
		Inventories: []string{inv}, Out: filepath.Join(dir, "out"), Resolvers: []string{"dns.corp.example"},
		LookupHost: lookup, Formats: "json", Concurrency: 1, Timeout: time.Second, Stderr: io.Discard,
	})
	if code := exitCode(err); code != exitCancelled {
		t.Errorf("exit %d (%v), want %d", code, err, exitCancelled)
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Errorf("--out made or kept: %v", err)
	}
}

func refusingResolversNote(t *testing.T) string {
	t.Helper()
	notes, _ := refusingResolvers([]assess.ServerHealth{{Server: "127.0.0.1:53", Sent: 4, Answered: 4, Refused: 4}})
	if len(notes) != 1 {
		t.Fatalf("notes %q", notes)
	}
	return notes[0]
}

// TestFinalFailureNoteForwardLookup: a SERVFAIL to a PTR name's forward
// lookup makes ptr.fcrdns error with reason forward_error, not servfail;
// the note counts it as the SERVFAIL it was, and does not say that no
// verdict hung on the answer.
func TestFinalFailureNoteForwardLookup(t *testing.T) {
	t.Parallel()
	const soa = "$TTL 300\n@ IN SOA ns.example.com. h.example.com. 1 3600 600 86400 300\n@ IN NS ns.example.com.\n"
	srv := dnstest.Start(t, dnstest.Config{Zones: []dnstest.Zone{
		{Origin: "2.0.192.in-addr.arpa.", Text: soa + "10 IN PTR mail.example.com.\n"},
		{Origin: "example.com.", Text: soa + "mail IN A 192.0.2.10\n"},
	}, Faults: map[string]dnstest.Fault{"mail.example.com./A": dnstest.ServFail}})
	dir := t.TempDir()
	inv := filepath.Join(dir, "fleet.csv")
	if err := os.WriteFile(inv, []byte("ip\n192.0.2.10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if code, _, stderr := run(t, context.Background(), "assess", "--inventory", inv, "--resolver", srv.Addr, "--qps", "0", "--format", "json", "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	p := readPack(t, out)
	if p.Summary.Error == 0 {
		t.Fatal("no error finding")
	}
	i := slices.IndexFunc(p.Run.Notes, func(n string) bool { return strings.Contains(n, "answered SERVFAIL to 1") })
	if i < 0 || strings.Contains(p.Run.Notes[i], "no finding's verdict hung") || !strings.Contains(p.Run.Notes[i], "that needed them") {
		t.Errorf("notes %q", p.Run.Notes)
	}
}

// TestDropRepeated: one resolver written several ways is asked once.
func TestDropRepeated(t *testing.T) {
	t.Parallel()
	kept, repeated := dropRepeated([]string{"127.0.0.1:5353", "[::1]:53", "[::ffff:127.0.0.1]:5353", "127.0.0.1:53", "127.0.0.1:5353"})
	if want := []string{"127.0.0.1:5353", "[::1]:53", "127.0.0.1:53"}; !slices.Equal(kept, want) {
		t.Errorf("kept %q, want %q", kept, want)
	}
	if want := []string{"127.0.0.1:5353"}; !slices.Equal(repeated, want) {
		t.Errorf("repeated %q, want %q", repeated, want)
	}
}

// TestRepeatedResolverAskedOnce: the same resolver given as an address and
// as localhost is one resolver of the run, and stderr says so.
func TestRepeatedResolverAskedOnce(t *testing.T) {
	srv := dnstest.Start(t, dnstest.Config{Zones: []dnstest.Zone{{Origin: "2.0.192.in-addr.arpa.",
		Text: "$TTL 300\n@ IN SOA ns.example. h.example. 1 3600 600 86400 300\n1 IN PTR mail.example.\n"}}})
	_, port, _ := net.SplitHostPort(srv.Addr)
	dir := t.TempDir()
	inv := filepath.Join(dir, "fleet.csv")
	if err := os.WriteFile(inv, []byte("ip\n192.0.2.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, _, stderr := run(t, context.Background(), "assess", "--inventory", inv, "--resolver", srv.Addr,
		"--resolver", "localhost:"+port, "--out", out, "--format", "json", "--qps", "0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := "note: 127.0.0.1:" + port + " is a resolver given more than once; each resolver is asked once"; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	p := readPack(t, out)
	if !slices.Equal(p.Run.Resolvers, []string{srv.Addr}) {
		t.Errorf("run.resolvers %q, want [%s]", p.Run.Resolvers, srv.Addr)
	}
	if !slices.ContainsFunc(p.Run.Notes, func(n string) bool { return strings.Contains(n, "is a resolver given more than once") }) {
		t.Errorf("run.notes lack the repeated resolver: %q", p.Run.Notes)
	}
}

// TestConcurrencyFitsFiles: a --concurrency the open-files limit cannot
// hold is refused with both numbers and what to do.
func TestConcurrencyFitsFiles(t *testing.T) {
	t.Parallel()
	if err := concurrencyFits(32, 1024); err != nil {
		t.Errorf("32 under 1024: %v", err)
	}
	err := concurrencyFits(2000, 1024)
	if want := "--concurrency 2000 needs about 2064 open files (a TCP connection for each query in flight when answers come truncated), and this process may open 1024 (ulimit -n): lower --concurrency to 960 or raise the limit"; err == nil || err.Error() != want {
		t.Errorf("2000 under 1024: %v, want %s", err, want)
	}
	if err := concurrencyFits(1000, 100); err == nil || !strings.Contains(err.Error(), "lower --concurrency to 36") {
		t.Errorf("1000 under 100: %v", err)
	}
	// A limit no concurrency fits: only raising it helps.
	if err := concurrencyFits(1, 50); err == nil || !strings.HasSuffix(err.Error(), "(ulimit -n): raise the limit") {
		t.Errorf("1 under 50: %v", err)
	}
}
