package assess

import (
	"cmp"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"senderproof/assess/dnstest"
)

// TestParserErrorsEscapedOnce: the text of a record that a DMARC, DKIM or
// SPF syntax error quotes reaches the finding escaped once, by bounded: the
// byte ESC, a byte that is not UTF-8 and a bidirectional override read as
// \x1b, \xc3 and \u{202e}, and the text \x1b as \x5cx1b, never as \\x1b,
// \x5cx1b for the byte, or \x5cx5cx1b for the text (errors built with
// Go's %q, or escaped before the finding escaped them again).
func TestParserErrorsEscapedOnce(t *testing.T) {
	t.Parallel()
	variants := []struct {
		name, raw, escaped string
		isByte             bool // a byte or character, not text that reads as an escape
	}{
		{"ESC byte", "\x1b", `\x1b`, true},
		{"invalid UTF-8", "\xc3", `\xc3`, true},
		{"U+202E", "\u202e", `\u{202e}`, true},
		{`text \x1b`, `\x1b`, `\x5cx1b`, false},
	}
	// Each record holds V where the variant goes. key is the observed
	// value that quotes it (E is its escaped form) as want says; textKey
	// and textWant are what the error says of the text \x1b, where a byte
	// is refused before (SPF terms are ASCII, RFC 7208 §4.6.1).
	cases := []struct {
		name, id  string
		fn        CheckFunc
		status    Status // StatusFail when empty
		owner     string // the TXT record's name under the asset's domain ("" for the domain)
		record    string // {d} is the asset's domain
		included  string // a record at i.{d}, when not ""
		key, want string
		textKey   string
		textWant  string
	}{
		{name: "dmarc p=", id: "dmarc.record", fn: checkDMARCRecord, owner: "_dmarc",
			record: "v=DMARC1; p=noneV[31m", key: "error", want: "p=noneE[31m is not none, quarantine or reject"},
		{name: "dmarc sp=", id: "dmarc.record", fn: checkDMARCRecord, owner: "_dmarc",
			record: "v=DMARC1; p=none; sp=rejectV", key: "error", want: "sp=rejectE is not none, quarantine or reject"},
		{name: "dmarc pct", id: "dmarc.record", fn: checkDMARCRecord, owner: "_dmarc",
			record: "v=DMARC1; p=none; pct=V9", key: "error", want: `invalid parameter 'pct': "E9": invalid syntax`},
		{name: "dmarc library error", id: "dmarc.record", fn: checkDMARCRecord, owner: "_dmarc",
			record: "v=DMARC1; p=none; ri=V1", key: "error", want: `invalid parameter 'ri': "E1": invalid syntax`},
		{name: "dkim tag name", id: "dkim.key", fn: checkDKIMKey, owner: "s1._domainkey",
			record: "v=DKIM1; kV=1; p=abc", key: "error", want: `invalid tag name "kE"`},
		{name: "dkim tag-spec", id: "dkim.key", fn: checkDKIMKey, owner: "s1._domainkey",
			record: "v=DKIM1; Vab; p=abc", key: "error", want: `tag-spec "Eab" has no "="`},
		{name: "dkim other", id: "dkim.key", fn: checkDKIMKey, owner: "s1._domainkey",
			record: "v=DKIM1; n=aVb; p=abc", key: "record", want: "n=aEb"},
		{name: "spf ip4", id: "spf.record", fn: checkSPFRecord,
			record: "v=spf1 ip4:V -all", key: "invalid_term", want: "ip4:E",
			textKey: "error", textWant: `"\x5cx1b" is not an IP address`},
		{name: "spf include", id: "spf.record", fn: checkSPFRecord,
			record: "v=spf1 include:V -all", key: "invalid_term", want: "include:E",
			textKey: "error", textWant: `"\x5cx1b" is not a fully qualified domain`},
		{name: "spf top label", id: "spf.record", fn: checkSPFRecord,
			record: "v=spf1 a:x.exampleV -all", key: "invalid_term", want: "a:x.exampleE",
			textKey: "error", textWant: `"x.example\x5cx1b" ends in an invalid top label "example\x5cx1b"`},
		{name: "spf after a", id: "spf.record", fn: checkSPFRecord,
			record: "v=spf1 a/24V -all", key: "invalid_term", want: "a/24E",
			textKey: "error", textWant: `unexpected "/24\x5cx1b" after "a"`},
		{name: "spf macro", id: "spf.record", fn: checkSPFRecord,
			record: "v=spf1 exists:%{V}.example -all", key: "invalid_term", want: "exists:%{E}.example",
			textKey: "error", textWant: `in %{\x5cx1b}`},
		{name: "spf evaluation", id: "spf.authorizes_ip", fn: checkSPFAuthorizesIP,
			record: "v=spf1 ip4:V -all", key: "invalid_term", want: "ip4:E",
			textKey: "syntax_error", textWant: `"\x5cx1b" is not an IP address`},
		// The lookup count names the included record it could not read
		// and why: it refuses a byte in a term; the text \x1b makes a
		// name that holds no record.
		{name: "spf lookup count", id: "spf.lookup_limit", fn: checkSPFLookupLimit, status: StatusPass,
			record: "v=spf1 include:i.{d} -all", included: "v=spf1 include:bV.esc.example -all", key: "broken", want: "bE.esc.example",
			textKey: "broken", textWant: `[b\x5cx1b.esc.example: no SPF record]`},
	}
	var zone strings.Builder
	zone.WriteString("$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n")
	for i, tc := range cases {
		for j, v := range variants {
			domain := fmt.Sprintf("c%dv%d", i, j)
			owner := domain
			if tc.owner != "" {
				owner = tc.owner + "." + domain
			}
			record := strings.ReplaceAll(tc.record, "{d}", domain+".esc.example")
			fmt.Fprintf(&zone, "%s IN TXT \"%s\"\n", owner, escapeTXT(strings.ReplaceAll(record, "V", v.raw)))
			if tc.included != "" {
				fmt.Fprintf(&zone, "i.%s IN TXT \"%s\"\n", domain, escapeTXT(strings.ReplaceAll(tc.included, "V", v.raw)))
			}
		}
	}
	srv := startAuth(t, dnstest.Config{Zones: []dnstest.Zone{{Origin: "esc.example.", Text: zone.String(), File: "esc"}}})
	c := authClient(t, srv.Addr, false, time.Second)
	for i, tc := range cases {
		for j, v := range variants {
			t.Run(tc.name+"/"+v.name, func(t *testing.T) {
				a := Asset{IP: "192.0.2.10", Domain: fmt.Sprintf("c%dv%d.esc.example", i, j), DKIMSelectors: []string{"s1"}}
				f := runCheck(t, tc.id, tc.fn, c, a)
				if want := cmp.Or(tc.status, StatusFail); f.Status != want {
					t.Fatalf("status %s, want %s: %v", f.Status, want, f.Observed)
				}
				got := fmt.Sprint(f.Observed[tc.key])
				if want := strings.ReplaceAll(tc.want, "E", v.escaped); !strings.Contains(got, want) {
					t.Errorf("observed %s = %q, want it to hold %q", tc.key, got, want)
				}
				if tc.textKey != "" && !v.isByte {
					if got := fmt.Sprint(f.Observed[tc.textKey]); !strings.Contains(got, tc.textWant) {
						t.Errorf("observed %s = %q, want it to hold %q", tc.textKey, got, tc.textWant)
					}
				}
				if !strings.Contains(f.Message, v.escaped) {
					t.Errorf("message does not show %s as %s: %s", v.name, v.escaped, f.Message)
				}
				expectEscapedOnce(t, f, v.isByte)
			})
		}
	}
}

// expectEscapedOnce fails t when a text of f holds a raw byte or hidden
// character, or was escaped twice (\\, \x5cx5c; and \x5c at all when the
// record held a byte, not the text of an escape).
func expectEscapedOnce(t *testing.T, f Finding, isByte bool) {
	t.Helper()
	for _, s := range findingTexts(f) {
		switch {
		case !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || HiddenRune(r) }):
			t.Errorf("raw byte or character in %q", s)
		case strings.Contains(s, `\\`), strings.Contains(s, `\x5cx5c`), isByte && strings.Contains(s, `\x5c`):
			t.Errorf("escaped twice: %s", s)
		}
	}
}

// findingTexts returns the message, remediation and every observed string
// of a finding.
func findingTexts(f Finding) []string {
	out := []string{f.Message, f.Remediation}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case []string:
			out = append(out, x...)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		case map[string][]string:
			for _, e := range x {
				out = append(out, e...)
			}
		}
	}
	walk(f.Observed)
	return out
}

// TestDMARCRepeatedTagsEscaped: the names of repeated tags, which come from
// the record, are escaped once in repeated_tags as in the error.
func TestDMARCRepeatedTagsEscaped(t *testing.T) {
	t.Parallel()
	zone := "$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n" +
		"_dmarc.byte IN TXT \"" + escapeTXT("v=DMARC1; p=none; x\x1b\u202e=1; x\x1b\u202e=2") + "\"\n" +
		"_dmarc.text IN TXT \"" + escapeTXT(`v=DMARC1; p=none; x\x1b=1; x\x1b=2`) + "\"\n"
	srv := startAuth(t, dnstest.Config{Zones: []dnstest.Zone{{Origin: "rep.example.", Text: zone, File: "rep"}}})
	c := authClient(t, srv.Addr, false, time.Second)
	for sub, want := range map[string]string{"byte": `x\x1b\u{202e}`, "text": `x\x5cx1b`} {
		t.Run(sub, func(t *testing.T) {
			f := runCheck(t, "dmarc.record", checkDMARCRecord, c, Asset{IP: "192.0.2.10", Domain: sub + ".rep.example"})
			if got := fmt.Sprint(f.Observed["repeated_tags"]); got != "["+want+"]" {
				t.Errorf("repeated_tags = %s, want [%s]", got, want)
			}
			expectText(t, "error", fmt.Sprint(f.Observed["error"]), []string{"tag " + want + "= appears more than once"}, nil)
			expectEscapedOnce(t, f, sub == "byte")
		})
	}
}

// TestSPFTraceEscapedOnce: the SPF library quotes records and terms in its
// trace with Go's %q; the trace shows them as written, escaped once, and
// the deciding term is still read from it.
func TestSPFTraceEscapedOnce(t *testing.T) {
	t.Parallel()
	zone := "$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n" +
		"byte IN TXT \"" + escapeTXT("v=spf1 ip4:192.0.2.10 exists:x\x1b\u202e.example -all") + "\"\n" +
		"text IN TXT \"" + escapeTXT(`v=spf1 ip4:192.0.2.10 exists:x\x1b.example -all`) + "\"\n"
	srv := startAuth(t, dnstest.Config{Zones: []dnstest.Zone{{Origin: "tr.example.", Text: zone, File: "tr"}}})
	c := authClient(t, srv.Addr, false, time.Second)
	for sub, want := range map[string]string{"byte": `exists:x\x1b\u{202e}.example`, "text": `exists:x\x5cx1b.example`} {
		t.Run(sub, func(t *testing.T) {
			f := runCheck(t, "spf.authorizes_ip", checkSPFAuthorizesIP, c, Asset{IP: "192.0.2.10", Domain: sub + ".tr.example"})
			trace := fmt.Sprint(f.Observed["trace"])
			if sub == "byte" {
				// A byte the syntax refuses never reaches the library:
				// the resolver's error quotes the term.
				if !strings.Contains(trace, `term "`+want+`"`) {
					t.Errorf("trace does not quote the term escaped once: %s", trace)
				}
			} else {
				if !strings.Contains(trace, `dns record "v=spf1 ip4:192.0.2.10 `+want+` -all"`) {
					t.Errorf("trace does not quote the record as written, escaped once: %s", trace)
				}
				if got := fmt.Sprint(f.Observed["matched"]); got != "ip4:192.0.2.10" {
					t.Errorf("matched = %s, want ip4:192.0.2.10 (%s)", got, trace)
				}
			}
			expectEscapedOnce(t, f, sub == "byte")
		})
	}
}

// TestSPFFailedLookupsEscaped: a name that failed_lookups names comes
// from a record's text; it is named once, as asked, in the presentation
// form the exchanges use, where a backslash is \\ and a byte \DDD.
func TestSPFFailedLookupsEscaped(t *testing.T) {
	t.Parallel()
	zone := "$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n" +
		"@ IN TXT \"" + escapeTXT(`v=spf1 include:b\x1b.fl.example -all`) + "\"\n"
	srv := startAuth(t, dnstest.Config{
		Zones:  []dnstest.Zone{{Origin: "fl.example.", Text: zone, File: "fl"}},
		Faults: map[string]dnstest.Fault{`b\\x1b.fl.example.`: dnstest.ServFail},
	})
	c := authClient(t, srv.Addr, false, time.Second)
	f := runCheck(t, "spf.lookup_limit", checkSPFLookupLimit, c, Asset{IP: "192.0.2.10", Domain: "fl.example"})
	got := fmt.Sprint(f.Observed["failed_lookups"])
	if want := `[b\\x1b.fl.example TXT: servfail]`; f.Status != StatusError || got != want {
		t.Fatalf("%s, failed_lookups %s: want error, %s", f.Status, got, want)
	}
}
