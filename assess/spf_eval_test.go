package assess

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"senderproof/assess/dnstest"
)

// spfEvalZone holds the records of the evaluation tests: permissive endings
// behind redirect= and include:, and records whose DNS-mechanism and void
// lookups are counted by hand. The sender is 192.0.2.10 unless said.
const spfEvalZone = `$TTL 300
@ IN SOA ns.spf-eval.example. hostmaster.spf-eval.example. 1 3600 600 86400 300
_plus        IN TXT "v=spf1 +all"
_q           IN TXT "v=spf1 ip4:198.51.100.1 ?all"
_minus       IN TXT "v=spf1 ip4:192.0.2.10 -all"
_r1          IN TXT "v=spf1 redirect=_plus.spf-eval.example"
redirplus    IN TXT "v=spf1 ip4:198.51.100.1 redirect=_plus.spf-eval.example"
redirq       IN TXT "v=spf1 redirect=_q.spf-eval.example"
redirchain   IN TXT "v=spf1 ip4:192.0.2.10 redirect=_r1.spf-eval.example"
redirminus   IN TXT "v=spf1 redirect=_minus.spf-eval.example"
incplus      IN TXT "v=spf1 include:_plus.spf-eval.example -all"
redirbroken  IN TXT "v=spf1 ip4:192.0.2.10 redirect=nothing.spf-eval.example"
h1           IN A    198.51.100.1
h2           IN A    198.51.100.2
m1           IN A    198.51.100.3
m2           IN A    198.51.100.4
mxd          IN MX   10 m1.spf-eval.example.
mxd          IN MX   20 m2.spf-eval.example.
e            IN A    127.0.0.2
mail         IN A    192.0.2.10
mail         IN TXT  "v=spf1 a -all"
nospf        IN A    192.0.2.10
count-a      IN TXT "v=spf1 a:h1.spf-eval.example a:h2.spf-eval.example mx:mxd.spf-eval.example ip4:192.0.2.10 -all"
_i1          IN TXT "v=spf1 a:h1.spf-eval.example mx:mxd.spf-eval.example -all"
count-inc    IN TXT "v=spf1 include:_i1.spf-eval.example exists:nx.spf-eval.example ip4:192.0.2.10 -all"
count-ptr    IN TXT "v=spf1 ptr:other.example ptr:another.example ip4:192.0.2.10 -all"
count-void   IN TXT "v=spf1 a:nx1.spf-eval.example a:nx2.spf-eval.example ip4:192.0.2.10 -all"
mapped       IN TXT "v=spf1 include:mapped-inc.spf-eval.example ip4:192.0.2.10 -all"
mapped-inc   IN TXT "v=spf1 ip6:::ffff:0:0/96 -all"
count-exists IN TXT "v=spf1 mx:mxd.spf-eval.example exists:e.spf-eval.example -all"
count-v6     IN TXT "v=spf1 a:h1.spf-eval.example ip6:2001:db8::10 -all"
count-redir  IN TXT "v=spf1 a:h1.spf-eval.example redirect=count-a.spf-eval.example"
l1           IN TXT "v=spf1 -all"
count-limit  IN TXT "v=spf1 include:l1.spf-eval.example include:l1.spf-eval.example include:l1.spf-eval.example include:l1.spf-eval.example include:l1.spf-eval.example include:l1.spf-eval.example include:l1.spf-eval.example include:l1.spf-eval.example include:l1.spf-eval.example include:l1.spf-eval.example include:l1.spf-eval.example -all"
`

// spfEvalReverse gives 192.0.2.10 a forward-confirmed PTR name for the ptr
// terms.
const spfEvalReverse = `$TTL 300
@ IN SOA ns.spf-eval.example. hostmaster.spf-eval.example. 1 3600 600 86400 300
10 IN PTR mail.spf-eval.example.
`

func startSPFEval(t *testing.T, faults map[string]dnstest.Fault) *dnstest.Server {
	t.Helper()
	return startAuth(t, dnstest.Config{Faults: faults, Zones: []dnstest.Zone{
		{Origin: "spf-eval.example.", Text: spfEvalZone, File: "spf-eval"},
		{Origin: "2.0.192.in-addr.arpa.", Text: spfEvalReverse, File: "spf-eval-reverse"},
	}})
}

func evalAsset(sub string) Asset {
	return Asset{IP: "192.0.2.10", Domain: sub + ".spf-eval.example"}
}

// TestSPFPermissiveEnding: +all and ?all are called out whether the record
// holds them, its redirect= target does (RFC 7208 §6.1), or an include's
// +all decided; a redirect to -all is not permissive.
func TestSPFPermissiveEnding(t *testing.T) {
	t.Parallel()
	srv := startSPFEval(t, nil)
	other := func(sub string) Asset { a := evalAsset(sub); a.IP = "192.0.2.99"; return a }
	cases := map[string][]checkCase{
		"spf.authorizes_ip": {
			{name: "matched +all through redirect", asset: other("redirplus"), status: StatusPass, obs: map[string]string{
				"matched": "+all", "all": "+all", "permissive": "true", "all_source": "_plus.spf-eval.example",
				"all_via": "[redirect=_plus.spf-eval.example]"}},
			{name: "listed, record redirects to +all", asset: evalAsset("redirchain"), status: StatusPass, obs: map[string]string{
				"matched": "ip4:192.0.2.10", "all": "+all", "permissive": "true", "all_source": "_plus.spf-eval.example",
				"all_via": "[redirect=_r1.spf-eval.example redirect=_plus.spf-eval.example]"}},
			{name: "neutral through redirect", asset: evalAsset("redirq"), status: StatusFail, reason: "neutral", obs: map[string]string{
				"matched": "?all", "all": "?all", "permissive": "true", "all_source": "_q.spf-eval.example"}},
			{name: "included +all", asset: other("incplus"), status: StatusPass, obs: map[string]string{
				"matched": "+all", "all": "+all", "permissive": "true", "all_source": "_plus.spf-eval.example",
				"all_via": "[include:_plus.spf-eval.example]"}},
			{name: "redirect to -all", asset: evalAsset("redirminus"), status: StatusPass, obs: map[string]string{
				"all": "-all", "permissive": "false", "all_source": "_minus.spf-eval.example"}},
			{name: "redirect target missing", asset: evalAsset("redirbroken"), status: StatusPass, obs: map[string]string{
				"all": "<nil>", "permissive": "false"}},
		},
		"spf.record": {
			{name: "redirect to +all", asset: evalAsset("redirplus"), status: StatusPass, obs: map[string]string{
				"all": "+all", "permissive": "true", "all_source": "_plus.spf-eval.example"}},
			{name: "two redirects to +all", asset: evalAsset("redirchain"), status: StatusPass, obs: map[string]string{
				"all": "+all", "all_via": "[redirect=_r1.spf-eval.example redirect=_plus.spf-eval.example]"}},
			{name: "own all", asset: evalAsset("incplus"), status: StatusPass, obs: map[string]string{
				"all": "-all", "permissive": "false", "all_source": "<nil>"}},
		},
	}
	fns := map[string]CheckFunc{"spf.record": checkSPFRecord, "spf.authorizes_ip": checkSPFAuthorizesIP}
	c := authClient(t, srv.Addr, false, time.Second)
	for id, cs := range cases {
		for _, tc := range cs {
			t.Run(id+"/"+tc.name, func(t *testing.T) {
				f := runCheck(t, id, fns[id], c, tc.asset)
				tc.verify(t, f)
				perm, _ := f.Observed["permissive"].(bool)
				if called := strings.Contains(f.Message, "+all") || strings.Contains(f.Message, "?all"); perm && !called {
					t.Errorf("permissive ending not called out: %s", f.Message)
				}
				if src, _ := f.Observed["all_source"].(string); perm && src != "" && !strings.Contains(f.Message, src) {
					t.Errorf("message does not name %s: %s", src, f.Message)
				}
			})
		}
	}
}

// TestSPFEvaluationCounts: spf.authorizes_ip and helo.spf report the
// evaluation's own DNS-mechanism and void lookups (RFC 7208 §4.6.4): mx
// hosts and ptr names' addresses are not counted, a second ptr term is, and
// so is the term refused at the limit.
func TestSPFEvaluationCounts(t *testing.T) {
	t.Parallel()
	srv := startSPFEval(t, nil)
	cases := []struct {
		name          string
		asset         Asset
		status        Status
		lookups, void int
		matched       string
	}{
		{"a, a, mx then ip4", evalAsset("count-a"), StatusPass, 3, 0, "ip4:192.0.2.10"},
		{"include with a and mx, void exists", evalAsset("count-inc"), StatusPass, 4, 1, "ip4:192.0.2.10"},
		{"two ptr terms, one reverse lookup", evalAsset("count-ptr"), StatusPass, 2, 0, "ip4:192.0.2.10"},
		{"two void a terms", evalAsset("count-void"), StatusPass, 2, 2, "ip4:192.0.2.10"},
		{"exists after mx hosts", Asset{IP: "192.0.2.99", Domain: "count-exists.spf-eval.example"}, StatusPass, 2, 0, "exists:e.spf-eval.example"},
		// For an IPv6 sender a asks AAAA (RFC 7208 §5.3): h1 has only an
		// A record, so that lookup is void (§4.6.4).
		{"ipv6 sender, one a term", Asset{IP: "2001:db8::10", Domain: "count-v6.spf-eval.example"}, StatusPass, 1, 1, "ip6:2001:db8::10"},
		{"redirect after a", evalAsset("count-redir"), StatusPass, 5, 0, "ip4:192.0.2.10"},
		{"no lookup", evalAsset("_minus"), StatusPass, 0, 0, "ip4:192.0.2.10"},
		{"over the limit", evalAsset("count-limit"), StatusFail, 11, 0, ""},
	}
	c := authClient(t, srv.Addr, false, time.Second)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := runCheckWant(t, "spf.authorizes_ip", checkSPFAuthorizesIP, c, tc.asset, tc.status)
			if f.Observed["lookups"] != tc.lookups || f.Observed["void_lookups"] != tc.void {
				t.Errorf("lookups %v, void %v; want %d, %d (trace %q)", f.Observed["lookups"], f.Observed["void_lookups"], tc.lookups, tc.void, f.Observed["trace"])
			}
			if m, _ := f.Observed["matched"].(string); m != tc.matched {
				t.Errorf("matched %q, want %q", m, tc.matched)
			}
		})
	}
	t.Run("helo.spf", func(t *testing.T) {
		for _, tc := range []struct {
			helo, record string
			status       Status
			lookups      int
		}{
			{"mail.spf-eval.example", "v=spf1 a -all", StatusPass, 1},
			{"nospf.spf-eval.example", "", StatusWarn, 0},
		} {
			f := runCheck(t, "helo.spf", checkHELOSPF, c, Asset{IP: "192.0.2.10", HELO: tc.helo})
			rec, _ := f.Observed["record"].(string)
			if f.Status != tc.status || rec != tc.record || f.Observed["lookups"] != tc.lookups || f.Observed["void_lookups"] != 0 {
				t.Errorf("%s: %s record %q lookups %v void %v; want %s %q %d 0", tc.helo, f.Status, rec,
					f.Observed["lookups"], f.Observed["void_lookups"], tc.status, tc.record, tc.lookups)
			}
		}
	})
}

// TestSPFMappedIP6: an ip6 term with an IPv4-mapped network matches no IPv4
// sender (RFC 7208 §5), so the include holding ip6:::ffff:0:0/96 does not
// match and the ip4 term after it decides; the trace quotes the included
// record as it was served.
func TestSPFMappedIP6(t *testing.T) {
	t.Parallel()
	srv := startSPFEval(t, nil)
	c := authClient(t, srv.Addr, false, time.Second)
	f := runCheckWant(t, "spf.authorizes_ip", checkSPFAuthorizesIP, c, evalAsset("mapped"), StatusPass)
	if m, _ := f.Observed["matched"].(string); m != "ip4:192.0.2.10" {
		t.Errorf("matched %q, want ip4:192.0.2.10", m)
	}
	trace, _ := f.Observed["trace"].([]string)
	joined := strings.Join(trace, "\n")
	if !strings.Contains(joined, `"v=spf1 ip6:::ffff:0:0/96 -all"`) || strings.Contains(joined, "ip6:::/128") {
		t.Errorf("trace does not quote the served record:\n%s", joined)
	}
	for in, want := range map[string]string{
		"v=spf1 ip6:::ffff:192.0.2.1 -all":            "v=spf1 ip6:::/128 -all",
		"v=spf1 ~IP6:0:0:0:0:0:FFFF:C000:0201/128 mx": "v=spf1 ~ip6:::/128 mx",
		"v=spf1 ip6:::ffff:0:0/95 ip6:2001:db8::/32":  "",
		"v=spf1 ip6:::ffff:1.2.3.4/96 a":              "v=spf1 ip6:::/128 a",
		"v=spf1 ip4:192.0.2.1 -all":                   "",
	} {
		got, ok := withoutMappedIP6(in)
		if ok != (want != "") || ok && got != want {
			t.Errorf("withoutMappedIP6(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// TestSPFEvaluationCountMatchesWalk: for a sender that no mechanism matches,
// the evaluation reaches every term, so its count equals the record walk of
// spf.lookup_limit.
func TestSPFEvaluationCountMatchesWalk(t *testing.T) {
	t.Parallel()
	srv := startSPFEval(t, nil)
	c := authClient(t, srv.Addr, false, time.Second)
	ip := netip.MustParseAddr("198.51.100.200")
	for _, d := range []string{"count-a", "count-inc", "count-void", "count-redir", "count-limit", "redirminus", "incplus"} {
		t.Run(d, func(t *testing.T) {
			domain := d + ".spf-eval.example"
			ev := evalSPF(context.Background(), c, ip, domain, "")
			w := countSPF(context.Background(), c, ip, domain, "")
			if ev.lookups != w.lookups || ev.voids != w.voids {
				t.Errorf("evaluation counted %d/%d, walk %d/%d (trace %q)", ev.lookups, ev.voids, w.lookups, w.voids, ev.trace)
			}
		})
	}
}

// TestSPFResolverErrorTypes pins what the SPF library sees from the adapter:
// an unwrapped *net.DNSError, IsNotFound for NXDOMAIN and NODATA (a void
// lookup, RFC 7208 §4.6.4), temporary for timeout, SERVFAIL and REFUSED
// (temperror, §2.6.6), and a timeout flagged as one.
func TestSPFResolverErrorTypes(t *testing.T) {
	t.Parallel()
	srv := startSPFEval(t, map[string]dnstest.Fault{
		"drop.spf-eval.example.":     dnstest.Drop,
		"servfail.spf-eval.example.": dnstest.ServFail,
		"refused.spf-eval.example.":  dnstest.Refused,
	})
	c := authClient(t, srv.Addr, false, 200*time.Millisecond)
	type lookupFn func(ctx context.Context, s *spfResolver, name string) error
	lookups := map[string]lookupFn{
		"TXT": func(ctx context.Context, s *spfResolver, name string) error {
			_, err := s.LookupTXT(ctx, name)
			return err
		},
		"MX": func(ctx context.Context, s *spfResolver, name string) error {
			_, err := s.LookupMX(ctx, name)
			return err
		},
		"IPAddr": func(ctx context.Context, s *spfResolver, name string) error {
			_, err := s.LookupIPAddr(ctx, name)
			return err
		},
	}
	cases := []struct {
		name                          string
		qname                         string
		notFound, temporary, timedOut bool
	}{
		{"nxdomain", "missing.spf-eval.example", true, false, false},
		{"nodata", "e.spf-eval.example", true, false, false}, // has only an A record
		{"timeout", "drop.spf-eval.example", false, true, true},
		{"servfail", "servfail.spf-eval.example", false, true, false},
		{"refused", "refused.spf-eval.example", false, true, false},
	}
	for _, tc := range cases {
		for kind, fn := range lookups {
			if tc.name == "nodata" && kind == "IPAddr" {
				continue // e has an A record: an answer, not an error
			}
			t.Run(tc.name+"/"+kind, func(t *testing.T) {
				t.Parallel()
				s := &spfResolver{r: c, ip: netip.MustParseAddr("192.0.2.10")}
				err := fn(context.Background(), s, tc.qname)
				derr, ok := err.(*net.DNSError)
				if !ok {
					t.Fatalf("error %T %v, want an unwrapped *net.DNSError", err, err)
				}
				if derr.IsNotFound != tc.notFound || derr.Temporary() != tc.temporary || derr.IsTimeout != tc.timedOut {
					t.Errorf("IsNotFound %v Temporary %v IsTimeout %v; want %v %v %v (%v)",
						derr.IsNotFound, derr.Temporary(), derr.IsTimeout, tc.notFound, tc.temporary, tc.timedOut, derr)
				}
			})
		}
	}
	t.Run("nodata/IPAddr", func(t *testing.T) {
		t.Parallel()
		s := &spfResolver{r: c, ip: netip.MustParseAddr("192.0.2.10")}
		_, err := s.LookupIPAddr(context.Background(), "count-a.spf-eval.example") // TXT only
		if derr, ok := err.(*net.DNSError); !ok || !derr.IsNotFound || derr.Temporary() {
			t.Errorf("error %T %v, want a not-found *net.DNSError", err, err)
		}
	})
	t.Run("nxdomain/Addr", func(t *testing.T) {
		t.Parallel()
		s := &spfResolver{r: c, ip: netip.MustParseAddr("192.0.2.11")}
		_, err := s.LookupAddr(context.Background(), "192.0.2.11")
		if derr, ok := err.(*net.DNSError); !ok || !derr.IsNotFound || derr.Temporary() {
			t.Errorf("error %T %v, want a not-found *net.DNSError", err, err)
		}
	})
	t.Run("refused/Addr", func(t *testing.T) {
		t.Parallel()
		s := &spfResolver{r: c, ip: netip.MustParseAddr("203.0.113.9")}
		_, err := s.LookupAddr(context.Background(), "203.0.113.9") // no zone served: REFUSED
		if derr, ok := err.(*net.DNSError); !ok || derr.IsNotFound || !derr.Temporary() {
			t.Errorf("error %T %v, want a temporary *net.DNSError", err, err)
		}
	})
}

// TestWithoutSlashDelimiters: "/" leaves the delimiters of macros only,
// "=" standing in when it was the only one; an escaped percent, a macro
// without delimiters and a "/" outside macros are left alone.
func TestWithoutSlashDelimiters(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"v=spf1 exists:%{ir/}.x.example -all":       "v=spf1 exists:%{ir=}.x.example -all",
		"v=spf1 exists:%{l/.}.%{d2}.example -all":   "v=spf1 exists:%{l.}.%{d2}.example -all",
		"v=spf1 exists:%%{l/}.example -all":         "v=spf1 exists:%%{l/}.example -all",
		"v=spf1 a:mail.example/24 exists:%{i} -all": "v=spf1 a:mail.example/24 exists:%{i} -all",
		"v=spf1 exists:%{ir/ -all":                  "v=spf1 exists:%{ir/ -all",
	} {
		if got, _ := withoutSlashDelimiters(in); got != want {
			t.Errorf("withoutSlashDelimiters(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSPFOmittedRecordsBesidePTR: an a term whose answer held more records
// than are read, without the sender's address among those read, leaves the
// result undetermined (a receiver reading them all may match it first), also
// when the record holds a ptr term of the result's own qualifier, which
// decides nothing only when the PTR query is what failed.
func TestSPFOmittedRecordsBesidePTR(t *testing.T) {
	t.Parallel()
	var zone strings.Builder
	zone.WriteString(`$TTL 300
@ IN SOA ns.omit.example. hostmaster.omit.example. 1 3600 600 86400 300
withptr IN TXT "v=spf1 ptr -a:big.omit.example ip4:192.0.2.10 -all"
noptr   IN TXT "v=spf1 -a:big.omit.example ip4:192.0.2.10 -all"
`)
	for i := 1; i <= MaxRRs+10; i++ {
		fmt.Fprintf(&zone, "big IN A 198.18.%d.%d\n", i/250, i%250+1)
	}
	zone.WriteString("big IN A 192.0.2.10\n")
	srv := startAuth(t, dnstest.Config{Zones: []dnstest.Zone{
		{Origin: "omit.example.", Text: zone.String(), File: "omit"},
		{Origin: "2.0.192.in-addr.arpa.", Text: spfEvalReverse, File: "spf-eval-reverse"},
	}})
	c := authClient(t, srv.Addr, false, time.Second)
	for _, sub := range []string{"withptr", "noptr"} {
		t.Run(sub, func(t *testing.T) {
			f := runCheck(t, "spf.authorizes_ip", checkSPFAuthorizesIP, c, Asset{IP: "192.0.2.10", Domain: sub + ".omit.example"})
			checkCase{name: sub, status: StatusError, reason: "records_omitted", obs: map[string]string{"unconfirmed_result": "pass"}}.verify(t, f)
		})
	}
}
