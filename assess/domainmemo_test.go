package assess

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"senderproof/assess/dnstest"
	"senderproof/templates"
)

// TestDomainMemo checks, over the wire, that a run which computes the
// domain-level checks once per domain gives every asset exactly the findings
// it would get assessed on its own.
func TestDomainMemo(t *testing.T) {
	t.Parallel()
	w := dnstest.SyntheticWorld(300, 7, 0.1)
	sameAsAlone(t, w.Zones, w.Inventory)
}

// TestDomainMemoSenderDependentSPF: an SPF record whose walk depends on the
// sender (macros, ptr) is walked for each sender, not shared.
func TestDomainMemoSenderDependentSPF(t *testing.T) {
	t.Parallel()
	zones := []dnstest.Zone{
		{Origin: "example.com.", Text: scenarioSOA +
			"@ IN TXT \"v=spf1 exists:%{i}.allow.example.com ptr include:_s.example.com -all\"\n" +
			"1.2.0.192.allow IN A 127.0.0.2\n" +
			"_s IN TXT \"v=spf1 a:%{l}.hosts.example.com ip4:198.51.100.0/24 -all\"\n" +
			"plain IN TXT \"v=spf1 mx a include:_s.example.com ~all\"\n" +
			"plain IN MX 10 mx.example.com.\nmx IN A 192.0.2.9\n" +
			"mail1 IN A 192.0.2.1\nmail2 IN A 192.0.2.2\n"},
		{Origin: "2.0.192.in-addr.arpa.", Text: scenarioSOA + "1 IN PTR mail1.example.com.\n2 IN PTR mail2.example.com.\n"},
	}
	inv := []byte("ip,helo,domain\n" +
		"192.0.2.1,mail1.example.com,example.com\n" +
		"192.0.2.2,mail2.example.com,example.com\n" +
		"192.0.2.3,mail2.example.com,example.com\n" +
		"192.0.2.4,mail1.example.com,plain.example.com\n" +
		"192.0.2.9,mx.example.com,plain.example.com\n")
	sameAsAlone(t, zones, inv)
}

// inventoryAndClient parses a CSV inventory and makes a client of the
// server at addr, closed when the test ends.
func inventoryAndClient(t *testing.T, addr string, inventory []byte) (*Inventory, *Client) {
	t.Helper()
	inv, err := ParseInventory("inventory.csv", inventory)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(ClientOptions{Servers: []string{addr}, Timeout: 2 * time.Second, Retries: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return inv, c
}

// sameAsAlone runs the inventory over the wire and checks that every asset
// gets exactly the findings it gets when assessed on its own.
func sameAsAlone(t *testing.T, zones []dnstest.Zone, inventory []byte) {
	t.Helper()
	srv := dnstest.Start(t, dnstest.Config{Zones: zones})
	inv, c := inventoryAndClient(t, srv.Addr, inventory)
	ctx := context.Background()
	tpl := templates.MustDefault()
	run, err := Run(ctx, inv.Assets, Options{Resolver: c, Templates: tpl})
	if err != nil {
		t.Fatal(err)
	}
	// The client's cache now holds every answer with its recorded exchange,
	// so assessing each asset alone sees the same DNS.
	var alone []Finding
	for _, a := range inv.Assets {
		fs, err := AssessAsset(ctx, c, a, tpl)
		if err != nil {
			t.Fatal(err)
		}
		alone = append(alone, fs...)
	}
	if len(run) != len(alone) {
		t.Fatalf("run gave %d findings, assets alone %d", len(run), len(alone))
	}
	domainOnly := 0
	for i := range run {
		if !reflect.DeepEqual(run[i], alone[i]) {
			t.Fatalf("finding %d differs:\nrun:   %+v\nalone: %+v", i, run[i], alone[i])
		}
		if ck, _ := LookupCheck(run[i].Check); ck.DomainOnly {
			domainOnly++
		}
	}
	if domainOnly == 0 {
		t.Fatal("no domain-level findings to compare")
	}
}

// TestDomainMemoAssetWording: when a wording template of a domain-level
// check reads the asset, each asset's finding is worded for that asset.
func TestDomainMemoAssetWording(t *testing.T) {
	t.Parallel()
	srv := dnstest.Start(t, dnstest.Config{Zones: []dnstest.Zone{{Origin: "example.com.", Text: scenarioSOA +
		"_dmarc IN TXT \"v=DMARC1; p=reject; rua=mailto:d@example.com\"\n"}}})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mine.tmpl"),
		[]byte(`{{define "dmarc.record/pass"}}DMARC ok for {{.Asset.IP}} ({{.Asset.Owner}}){{end}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tpl, err := templates.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	assets := []Asset{
		{IP: "192.0.2.1", Domain: "example.com", Owner: "a"},
		{IP: "192.0.2.2", Domain: "example.com", Owner: "b"},
	}
	fs, err := Run(context.Background(), assets, Options{Resolver: c, Templates: tpl})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range fs {
		if f.Check == "dmarc.record" {
			got[f.Asset] = f.Message
		}
	}
	for _, a := range assets {
		want := "DMARC ok for " + a.IP + " (" + a.Owner + ")"
		if got[a.IP] != want {
			t.Errorf("%s: message %q, want %q", a.IP, got[a.IP], want)
		}
	}
	if !strings.Contains(got["192.0.2.2"], "(b)") {
		t.Errorf("second asset worded with the first one's data: %q", got["192.0.2.2"])
	}
}

// TestIsIPAddress: the fast path agrees with netip.ParseAddr.
func TestIsIPAddress(t *testing.T) {
	for _, s := range []string{"", "192.0.2.1", "192.0.2", "01.2.3.4", "1..2.3", "::1", "fe80::1%eth0",
		"::ffff:192.0.2.1", "2001:db8::", "mail.example.com", "1.2.3.4.example", "1e1.2.3.4", "[192.0.2.1]", "256.1.1.1"} {
		_, err := netip.ParseAddr(s)
		if got := isIPAddress(s); got != (err == nil) {
			t.Errorf("isIPAddress(%q) = %v, ParseAddr error %v", s, got, err)
		}
	}
}

// TestRunSinkReusesSlice: a run whose sink gets each asset's findings (in a
// slice the worker refills for its next asset) hands the sink exactly what a
// run that collects them returns, over the wire.
func TestRunSinkReusesSlice(t *testing.T) {
	t.Parallel()
	w := dnstest.SyntheticWorld(200, 11, 0.1)
	srv := dnstest.Start(t, dnstest.Config{Zones: w.Zones})
	inv, err := ParseInventory("w.csv", w.Inventory)
	if err != nil {
		t.Fatal(err)
	}
	run := func(sink func(int, []Finding) error) []Finding {
		c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fs, err := Run(context.Background(), inv.Assets, Options{Resolver: c, Concurrency: 4, Sink: sink})
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	want := run(nil)
	got := make([][]Finding, len(inv.Assets))
	var mu sync.Mutex
	run(func(i int, fs []Finding) error {
		mu.Lock()
		defer mu.Unlock()
		got[i] = slices.Clone(fs)
		return nil
	})
	var flat []Finding
	for _, fs := range got {
		flat = append(flat, fs...)
	}
	if len(flat) != len(want) {
		t.Fatalf("sink got %d findings, run returned %d", len(flat), len(want))
	}
	for i := range want {
		g, w := flat[i], want[i]
		// Evidence times and RTTs differ between runs.
		g.Evidence, w.Evidence = nil, nil
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("finding %d: sink got\n%+v\nrun returned\n%+v", i, g, w)
		}
		if len(flat[i].Evidence) != len(want[i].Evidence) {
			t.Errorf("finding %d (%s %s): %d exchanges through the sink, %d returned", i, w.Asset, w.Check, len(flat[i].Evidence), len(want[i].Evidence))
		}
	}
}

// TestBoundedMemo: values are computed once per key up to the bound, keys
// past it or longer than maxKey are computed each time, and a nil value
// (an SPF record without a syntax error) comes back as nil.
func TestBoundedMemo(t *testing.T) {
	t.Parallel()
	m := boundedMemo[error]{max: 2, maxKey: 4}
	calls := map[string]int{}
	compute := func(k string) error {
		calls[k]++
		if k == "bad" {
			return errors.New("bad")
		}
		return nil
	}
	for range 3 {
		for _, k := range []string{"ok", "bad", "more", "toolong"} {
			err := m.get(k, compute)
			if (err != nil) != (k == "bad") {
				t.Fatalf("get(%q) = %v", k, err)
			}
		}
	}
	want := map[string]int{"ok": 1, "bad": 1, "more": 3, "toolong": 3}
	if !reflect.DeepEqual(calls, want) {
		t.Errorf("computed %v, want %v (two keys kept, none longer than 4 bytes)", calls, want)
	}

	// Many goroutines missing at once keep to the bound too.
	c := boundedMemo[int]{max: 8, maxKey: 16}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 64 {
				c.get(fmt.Sprint(g, "-", i), func(string) int { return i })
			}
		})
	}
	wg.Wait()
	kept := 0
	c.m.Range(func(any, any) bool { kept++; return true })
	if kept != 8 || c.n.Load() != 8 {
		t.Errorf("concurrent misses kept %d keys (count %d), want 8", kept, c.n.Load())
	}
}

// TestDomainMemoForgetsFailures: a DNS failure of a domain's name is not
// kept by the run's memo past the client's own FailureTTL: in a run that
// lasts longer, a later sender of the domain asks again and gets the
// answer, as it would without the memo, instead of the first sender's
// error (a dropped query, here, for each of the DKIM, DMARC and SPF names).
func TestDomainMemoForgetsFailures(t *testing.T) {
	t.Parallel()
	zone := "$TTL 3600\n@ IN SOA ns.example. h.example. 1 3600 600 86400 300\n" +
		"@ IN TXT \"v=spf1 include:_inc.t.example -all\"\n" +
		"_inc IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n" +
		"_dmarc IN TXT \"v=DMARC1; p=reject; rua=mailto:d@t.example\"\n" +
		"s1._domainkey IN TXT \"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"
	for faulted, checks := range map[string][]string{
		"s1._domainkey.t.example.": {"dkim.key"},
		"_dmarc.t.example.":        {"dmarc.record", "dmarc.policy", "dmarc.reporting"},
		"_inc.t.example.":          {"spf.lookup_limit", "spf.authorizes_ip"},
	} {
		srv := dnstest.Start(t, dnstest.Config{Zones: []dnstest.Zone{{Origin: "t.example.", Text: zone}},
			Faults: map[string]dnstest.Fault{faulted: dnstest.DropFirst}})
		var mu sync.Mutex
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 300 * time.Millisecond, Retries: 0, Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		assets := []Asset{
			{IP: "192.0.2.1", Domain: "t.example", DKIMSelectors: []string{"s1"}},
			{IP: "192.0.2.2", Domain: "t.example", DKIMSelectors: []string{"s1"}},
		}
		// Each sender takes ten minutes, past FailureTTL.
		fs, err := Run(context.Background(), assets, Options{Resolver: c, Concurrency: 1,
			Progress: func(int, int) { mu.Lock(); now = now.Add(2 * FailureTTL); mu.Unlock() }})
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.Asset == "192.0.2.2" && slices.Contains(checks, f.Check) && f.Status != StatusPass {
				t.Errorf("%s dropped once: the later sender's %s is %s, want pass (%v)", faulted, f.Check, f.Status, f.Observed["reason"])
			}
		}
	}
}

// TestSyntheticWorldQueriesAreAsked: the world's questions (queries.txt,
// dnsperf's input in bench/knot.sh) are exactly those an assessment of it
// asks, so dnsperf measures the same mix of answers; also for a fleet too
// small to use all the domains.
func TestSyntheticWorldQueriesAreAsked(t *testing.T) {
	t.Parallel()
	for _, n := range []int{400, 3} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			t.Parallel()
			testSyntheticWorldQueriesAreAsked(t, n)
		})
	}
}

func testSyntheticWorldQueriesAreAsked(t *testing.T, n int) {
	w := dnstest.SyntheticWorld(n, 5, 0.1)
	var mu sync.Mutex
	asked := map[string]bool{}
	srv := dnstest.Start(t, dnstest.Config{Zones: w.Zones, Observe: func(name string, qtype uint16) {
		mu.Lock()
		asked[name+" "+dns.TypeToString[qtype]] = true
		mu.Unlock()
	}})
	inv, c := inventoryAndClient(t, srv.Addr, w.Inventory)
	if _, err := Run(context.Background(), inv.Assets, Options{Resolver: c, Templates: templates.MustDefault()}); err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, q := range w.Queries {
		listed[q] = true
	}
	mu.Lock()
	defer mu.Unlock()
	for q := range asked {
		if !listed[q] {
			t.Errorf("asked but not in the world's questions: %s", q)
		}
	}
	for q := range listed {
		if !asked[q] {
			t.Errorf("in the world's questions but not asked: %s", q)
		}
	}
}

// lookupCounter counts the questions asked through it, by name.
type lookupCounter struct {
	r  Resolver
	mu sync.Mutex
	n  map[string]int
}

func (l *lookupCounter) Lookup(ctx context.Context, name string, qtype uint16) (Answer, error) {
	l.mu.Lock()
	l.n[strings.ToLower(name)]++
	l.mu.Unlock()
	return l.r.Lookup(ctx, name, qtype)
}

// TestDomainMemoBounded: the memo keeps an entry only while a sender that
// will take it remains: none for senders each of a domain of its own, and
// none once a shared domain's last sender has its copy. The DMARC checks
// are shared by the senders of a domain whatever selectors each lists, and
// dkim.key by those that list the same.
func TestDomainMemoBounded(t *testing.T) {
	t.Parallel()
	zone := func(d string) dnstest.Zone {
		return dnstest.Zone{Origin: d + ".", Text: "$TTL 3600\n@ IN SOA ns.example. h.example. 1 3600 600 86400 300\n" +
			"_dmarc IN TXT \"v=DMARC1; p=reject; rua=mailto:d@" + d + "\"\n" +
			"s1._domainkey IN TXT \"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n" +
			"s2._domainkey IN TXT \"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"}
	}
	var zones []dnstest.Zone
	var assets []Asset
	for i := range 6 {
		d := fmt.Sprintf("own%d.example", i)
		zones = append(zones, zone(d))
		assets = append(assets, Asset{IP: fmt.Sprintf("192.0.2.%d", i+1), Domain: d, DKIMSelectors: []string{"s1"}})
	}
	zones = append(zones, zone("shared.example"))
	for i, sel := range [][]string{{"s1", "s2"}, {"s2", "s1"}, {"s1", "s2"}, nil} {
		assets = append(assets, Asset{IP: fmt.Sprintf("192.0.2.%d", 100+i), Domain: "shared.example", DKIMSelectors: sel})
	}
	srv := dnstest.Start(t, dnstest.Config{Zones: zones})
	c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Without the client's cache between them, as when a busy run has
	// evicted a domain's answers before its next sender.
	counter := &lookupCounter{r: uncached{c}, n: map[string]int{}}
	tpl := templates.MustDefault()
	dm := newDomainMemo(tpl)
	dm.expect(assets)
	for _, a := range assets {
		if _, err := assessAsset(context.Background(), counter, a, tpl, dm, nil); err != nil {
			t.Fatal(err)
		}
	}
	if len(dm.m) != 0 || len(dm.left) != 0 {
		t.Errorf("the memo keeps %d entries (%d counts) after the last sender", len(dm.m), len(dm.left))
	}
	if n := counter.n["_dmarc.shared.example"]; n != 1 {
		t.Errorf("_dmarc.shared.example asked %d times for four senders, want once", n)
	}
	// The same selectors in another order are another list: asked again.
	if n := counter.n["s1._domainkey.shared.example"]; n != 2 {
		t.Errorf("s1._domainkey.shared.example asked %d times, want twice (two selector lists)", n)
	}
}

// uncached asks the client with its cache dropped before each question.
type uncached struct{ c *Client }

func (u uncached) Lookup(ctx context.Context, name string, qtype uint16) (Answer, error) {
	u.c.DropCache()
	return u.c.Lookup(ctx, name, qtype)
}
