package assess

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/miekg/dns"
)

// txtResolver answers every TXT question with one record carrying text,
// as it arrives off the wire (packed and unpacked by miekg/dns).
type txtResolver struct{ rr dns.RR }

func newTXTResolver(t *testing.T, text string) txtResolver {
	var chunks []string
	for rest := text; ; {
		n := min(len(rest), 255)
		chunks = append(chunks, escapeTXT(rest[:n]))
		rest = rest[n:]
		if rest == "" {
			break
		}
	}
	m := new(dns.Msg)
	m.SetQuestion("_dmarc.example.com.", dns.TypeTXT)
	m.Answer = []dns.RR{&dns.TXT{Hdr: dns.RR_Header{Name: "_dmarc.example.com.", Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 300}, Txt: chunks}}
	wire, err := m.Pack()
	if err != nil {
		t.Skip("text does not pack:", err) // longer than a message holds
	}
	var back dns.Msg
	if err := back.Unpack(wire); err != nil {
		t.Fatalf("unpacking a packed TXT record: %v", err)
	}
	return txtResolver{back.Answer[0]}
}

// escapeTXT writes raw bytes in miekg/dns's presentation form.
func escapeTXT(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\%03d`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func (r txtResolver) Lookup(_ context.Context, name string, qtype uint16) (Answer, error) {
	return Answer{Name: name, Qtype: qtype, RRs: []dns.RR{r.rr}}, nil
}

// FuzzDMARCRecord runs DMARC record parsing (the v=DMARC1 test, the tags,
// the go-msgauth parser and the observed values) on arbitrary TXT text as
// it comes off the wire: no panic, the same result twice, the text read back
// byte for byte, and a parsed record only when it is valid.
func FuzzDMARCRecord(f *testing.F) {
	for _, s := range []string{
		"v=DMARC1; p=reject; rua=mailto:dmarc@example.com",
		"v=DMARC1; p=none; pct=50; sp=quarantine; aspf=s; adkim=r; fo=1:d; ri=3600; rf=afrf",
		"v=DMARC1;p=quarantine",
		" v = DMARC1 ; p = reject ",
		"v=DMARC1; p=reject; pct=101",
		"v=DMARC1; p=reject; pct=+50",
		"v=DMARC1; p=reject; pct=0050",
		"v=DMARC1; p=maybe",
		"v=DMARC1; rua=mailto:a@example.com",
		"v=DMARC1; p=bogus; rua=mailto:a@example.com!10m",
		"v=DMARC1; p=reject; sp=x; rua=https://example.com/r",
		"v=DMARC1; rua=not-a-uri",
		"v=DMARC1",
		"v=spf1 -all",
		"v=DMARC1; p=reject; rua=mailto:\"x\\y\"@example.com; \x00\x7f\xff",
		"v=DMARC1; p=reject; rua=" + strings.Repeat("mailto:a@example.com,", 200),
		"v=DMARC1; p=none; x=" + strings.Repeat("a", 1000) + strings.Repeat("\u202e", 4),
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		r := newTXTResolver(t, text)
		d := lookupDMARCAt(context.Background(), r, "example.com")
		if again := lookupDMARCAt(context.Background(), r, "example.com"); !reflect.DeepEqual(d.records, again.records) || d.reason != again.reason || d.err != again.err {
			t.Fatalf("two parses differ: %+v, then %+v", d, again)
		}
		if got := txtStrings(d.ans); len(got) != 1 || got[0] != text {
			t.Fatalf("TXT text read back as %q, want %q", got, text)
		}
		if !isDMARCRecord(text) {
			if d.reason != "none" || d.rec != nil {
				t.Fatalf("not a DMARC record, but reason %q, record %+v", d.reason, d.rec)
			}
			return
		}
		if d.rec != nil {
			switch d.rec.Policy {
			case "none", "quarantine", "reject":
			default:
				t.Fatalf("parsed policy %q", d.rec.Policy)
			}
			if p := d.rec.Percent; p != nil && (*p < 0 || *p > 100 || !pctValue.MatchString(d.tags["pct"])) {
				t.Fatalf("parsed pct %d from %q", *p, d.tags["pct"])
			}
			if d.reason != "" {
				t.Fatalf("a parsed record with reason %q", d.reason)
			}
		} else if d.reason != "syntax" && d.reason != "invalid_policy" || d.err == "" {
			t.Fatalf("an unparsed record needs reason syntax or invalid_policy and the error, got %q, %q", d.reason, d.err)
		} else if (d.reason == "invalid_policy") != (len(d.rua) > 0 && !validPolicyTags(d.tags)) {
			t.Fatalf("reason %q with rua %q and tags %v: invalid_policy is a broken policy with a valid rua", d.reason, d.rua, d.tags)
		}
		v := dmarcView{domain: "example.com", org: "example.com", tried: []dmarcAt{d}, found: d, valid: d.rec != nil, reason: d.reason}
		obs := v.observed()
		// bounded stops before the character or escape that would pass the
		// limit, then adds an ellipsis.
		if rec, _ := obs["record"].(string); len(rec) > maxObservedText+len("…") {
			t.Fatalf("observed record of %d bytes, more than %d", len(rec), maxObservedText)
		}
		// Whatever the record holds reaches the observed values escaped:
		// valid UTF-8, with nothing a terminal or viewer would act on.
		for _, s := range findingTexts(Finding{Observed: obs}) {
			if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || HiddenRune(r) }) {
				t.Fatalf("observed text %q is not escaped", s)
			}
		}
		if v.valid && (v.pct() < 0 || v.pct() > 100 || v.effectivePolicy() == "") {
			t.Fatalf("valid record with pct %d, policy %q", v.pct(), v.effectivePolicy())
		}
	})
}
