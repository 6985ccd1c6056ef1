package report

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"senderproof/assess"
)

// sameAsMarshal fails when appendFindings and json.Marshal disagree on fs.
func sameAsMarshal(t testing.TB, fs []assess.Finding) {
	t.Helper()
	want, werr := json.Marshal(fs)
	got, gerr := appendFindings(nil, fs)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("json.Marshal error %v, appendFindings error %v", werr, gerr)
	}
	if werr == nil && !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		lo := max(i-60, 0)
		t.Fatalf("encodings differ at byte %d:\n got %q\nwant %q", i, got[lo:min(i+60, len(got))], want[lo:min(i+60, len(want))])
	}
}

func TestAppendFindingsMatchesMarshal(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 5; seed++ {
		sameAsMarshal(t, SyntheticPack(120, seed).Findings)
	}
	sel, empty := "s1", ""
	at := time.Date(2026, 11, 26, 20, 1, 2, 345678900, time.UTC)
	type custom struct {
		A string `json:"a"`
		B []int  `json:"b,omitempty"`
	}
	edge := []assess.Finding{
		{},
		{Asset: "192.0.2.1", Check: "dkim.key", Selector: &sel, Observed: map[string]any{}, Evidence: []assess.Evidence{}, Controls: []assess.ControlRef{}},
		{Selector: &empty, Observed: map[string]any{
			"nil": nil, "s": "a\"b\\c\n\r\t\b\f\x00\x1f\x7f<>&é\u2028\u2029\xff\xfe end", "t": true, "f": false,
			"i": -42, "i64": int64(math.MaxInt64), "u16": uint16(65535), "u32": uint32(1 << 31),
			"floats":  []any{0.0, 1.0, -1.5, 1e-7, 1e-6, 123456789.125, 1e21, 1e20, 5e-324, math.MaxFloat64},
			"strings": []string{"x", "", "ü"}, "nilstrings": []string(nil), "nilany": []any(nil),
			"nested": map[string]any{"z": 1, "a": []any{map[string]any{"k": "v"}, "w"}},
			"maps":   []map[string]any{{"b": 2, "a": 1}, nil}, "nilmaps": []map[string]any(nil),
			"custom": custom{A: "<x>"}, "customs": []custom{{A: "1", B: []int{1}}},
			"\u2028key<": "odd key",
		}, Evidence: []assess.Evidence{
			{Name: "x.example.", Type: "TXT", Answers: []string{"\"v=spf1 -all\""}, AD: true, At: at, RTT: 0.123456},
			{At: time.Time{}, RTT: 1e-9, Error: "i/o timeout"},
			{At: at.In(time.FixedZone("", 3600)), RTT: 12345.5, Answers: nil},
			{Name: "11.2.0.192.in-addr.arpa.", Type: "PTR", Answers: []string{"a."}, At: at, Omitted: 900},
		}, Controls: []assess.ControlRef{{Framework: "nist-csf-2.0", ID: "PR.DS-1"}}},
	}
	sameAsMarshal(t, edge)
	// Exchanges cited by several findings are copied from the first
	// encoding; look-alikes with other answers are not.
	shared := assess.Evidence{Name: "1.2.0.192.in-addr.arpa.", Type: "PTR", Answers: []string{"a <b>"}, At: at, RTT: 0.2}
	other := shared
	other.Answers = []string{"a <c>"}
	noAnswers, nullAnswers := shared, shared
	noAnswers.Answers, nullAnswers.Answers = []string{}, nil
	sameAsMarshal(t, []assess.Finding{
		{Check: "ptr.present", Evidence: []assess.Evidence{shared, noAnswers}},
		{Check: "ptr.single", Evidence: []assess.Evidence{other, shared, nullAnswers, noAnswers}},
		{Check: "ptr.fcrdns", Evidence: []assess.Evidence{shared, shared, other}},
	})
	// Up to 32 keys are sorted on the stack, more by slices.SortFunc.
	for _, n := range []int{15, 32, 33, 60} {
		m := map[string]any{}
		for i := range n {
			m[string(rune('z'-i%26))+strings.Repeat("k", i/26)] = i
		}
		sameAsMarshal(t, []assess.Finding{{Observed: m}})
	}
	sameAsMarshal(t, nil)
	sameAsMarshal(t, []assess.Finding{})
	// Values JSON cannot hold fail in both.
	sameAsMarshal(t, []assess.Finding{{Observed: map[string]any{"nan": math.NaN()}}})
	sameAsMarshal(t, []assess.Finding{{Evidence: []assess.Evidence{{RTT: math.Inf(1)}}}})
}

func FuzzAppendFinding(f *testing.F) {
	f.Add("192.0.2.1", "msg <&> \u2028", "value\x00\xff", 0.5, int64(0))
	f.Add("", "", "", 1e-7, int64(1700000000123456789))
	f.Fuzz(func(t *testing.T, asset, msg, val string, rtt float64, ns int64) {
		sel := val
		fs := []assess.Finding{{
			Asset: asset, Check: msg, Selector: &sel, Message: msg, Remediation: val,
			Observed: map[string]any{val: msg, "n": rtt, "l": []any{val, rtt, ns}},
			Evidence: []assess.Evidence{{Name: val, Answers: []string{msg, val}, RTT: rtt, At: time.Unix(0, ns).UTC(), Error: val}},
		}}
		sameAsMarshal(t, fs)
	})
}

func BenchmarkSpoolEncode(b *testing.B) {
	fs := SyntheticPack(200, 1).Findings
	b.Run("json.Marshal", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(fs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("appendFindings", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			var err error
			if buf, err = appendFindings(buf[:0], fs); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// sameAsUnmarshal fails when decodeFindings accepts b and decodes it
// differently from json.Unmarshal.
func sameAsUnmarshal(t testing.TB, b []byte, mustAccept bool) {
	t.Helper()
	var want []assess.Finding
	werr := json.Unmarshal(b, &want)
	got, gerr := decodeFindings(b, skipFields{})
	switch {
	case gerr != nil && mustAccept:
		t.Fatalf("decodeFindings rejects what appendFindings wrote: %v\n%q", gerr, b)
	case gerr != nil:
		// The spool falls back to encoding/json. A reader that skips
		// fields may accept it still, but only valid JSON.
		for _, skip := range []skipFields{{observed: true, evidence: true}, {observed: true, evidence: true, controls: true}, {observedText: true}} {
			if _, err := decodeFindings(b, skip); err == nil && !json.Valid(b) {
				t.Fatalf("skipping %+v accepts invalid JSON:\n%q", skip, b)
			}
		}
		return
	case werr != nil:
		t.Fatalf("decodeFindings accepts what json.Unmarshal rejects (%v):\n%q", werr, b)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decodings differ:\n got %#v\nwant %#v", got, want)
	}
	// A reader that skips fields gets the others, and the same verdict.
	for _, skip := range []skipFields{{observed: true, evidence: true}, {evidence: true, controls: true}, {observed: true, evidence: true, controls: true}, {observedText: true}, {observedText: true, evidence: true}, {passObserved: true, evidence: true, controls: true}} {
		lean, texts, err := decodeFindingsText(b, skip)
		if err != nil {
			t.Fatalf("skipping %+v rejects what the full decoding accepts: %v\n%q", skip, err, b)
		}
		if skip.observedText {
			// The text, taken as spooled where it can be, is what
			// compactJSON makes of the decoded map.
			if len(texts) != len(want) {
				t.Fatalf("%d observed texts for %d findings", len(texts), len(want))
			}
			for i := range want {
				if w := compactJSON(want[i].Observed); texts[i] != w {
					t.Fatalf("observed text of finding %d:\n got %q\nwant %q\nin %q", i, texts[i], w, b)
				}
			}
		}
		whole := slices.Clone(want)
		for i := range whole {
			if skip.observed || skip.observedText || (skip.passObserved && whole[i].Status == assess.StatusPass) {
				whole[i].Observed = nil
			}
			if skip.evidence {
				whole[i].Evidence = nil
			}
			if skip.controls {
				whole[i].Controls = nil
			}
		}
		if !reflect.DeepEqual(lean, whole) {
			t.Fatalf("skipping %+v:\n got %#v\nwant %#v", skip, lean, whole)
		}
	}
}

func TestDecodeFindingsMatchesUnmarshal(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 5; seed++ {
		b, err := appendFindings(nil, SyntheticPack(120, seed).Findings)
		if err != nil {
			t.Fatal(err)
		}
		sameAsUnmarshal(t, b, true)
	}
	for _, s := range []string{
		`null`, `[]`, ` [ ] `, `[{}]`,
		`[{"asset":null,"selector":null,"observed":null,"evidence":null,"controls":null}]`,
		`[{"observed":{"a":[],"b":{},"c":[1,-0.5,2e-7,1E+3,true,false,null,"x"]},"evidence":[{"answers":null,"ad":null,"at":null,"rtt_ms":null}]}]`,
		`[{"message":"\ud83d\ude00 \ud83d x \udc00 \u00e9\/\b\f\n\r\t\"\\"}]`,
		"[{\"message\":\"raw \xff\xfe bytes \xe2\x82\"}]",
		`[{"evidence":[{"at":"2026-11-26T20:01:02.3456789+01:00"}]}]`,
		`[{"observed":{"a":1},"status":"pass"},{"status":"pass","observed":{"a":1}},{"status":"fail","observed":{"a":1}}]`,
		`[{"evidence":[{"omitted":900},{"omitted":0},{"omitted":null}]}]`,
	} {
		sameAsUnmarshal(t, []byte(s), true)
	}
	// Input it need not take: it must fall back, never differ.
	for _, s := range []string{
		`[{"unknown":1}]`, `[01]`, `[{"observed":{"n":01}}]`, `[{"asset":1}]`, `[`, `[{}]x`,
		"[{\"message\":\"ctl\x01\"}]", `[{"evidence":[{"at":"yesterday"}]}]`, `{"a":1}`,
		`[{"observed":{"a":1},"observed":{"b":2}}]`, `[{"status":"pass","observed":{"a":1},"status":"fail"}]`,
		`[{"evidence":[{"omitted":1.0}]}]`, `[{"evidence":[{"omitted":1e2}]}]`, `[{"evidence":[{"omitted":-1}]}]`,
	} {
		sameAsUnmarshal(t, []byte(s), false)
	}
}

func FuzzDecodeFindings(f *testing.F) {
	b, _ := appendFindings(nil, SyntheticPack(1, 1).Findings[:4])
	f.Add(b)
	f.Add([]byte(`[{"observed":{"a":[1,{"b":"\u00e9\ud83d"}]},"evidence":[{"rtt_ms":1e-7}]}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		sameAsUnmarshal(t, b, false)
	})
}

func BenchmarkSpoolDecode(b *testing.B) {
	enc, err := appendFindings(nil, SyntheticPack(200, 1).Findings)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("json.Unmarshal", func(b *testing.B) {
		for b.Loop() {
			var fs []assess.Finding
			if err := json.Unmarshal(enc, &fs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decodeFindings", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeFindings(enc, skipFields{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	// What findings.csv reads: no observed values, no evidence.
	b.Run("decodeFindings-csv", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeFindings(enc, skipFields{observed: true, evidence: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestEachElement(t *testing.T) {
	t.Parallel()
	synthetic, err := appendFindings(nil, SyntheticPack(30, 3).Findings)
	if err != nil {
		t.Fatal(err)
	}
	for _, arr := range []string{
		`[]`, ` [ ] `, `[{"a":"x,]}\"\\"},{"b":[1,[2,{"c":"]"}]]}]`, `[1, "two" ,{"3":[]} ]`, string(synthetic),
	} {
		var want []string
		dec := json.NewDecoder(bytes.NewReader([]byte(arr)))
		if _, err := dec.Token(); err != nil {
			t.Fatal(err)
		}
		for dec.More() {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				t.Fatal(err)
			}
			want = append(want, string(raw))
		}
		var got []string
		if err := eachElement([]byte(arr), func(b []byte) error { got = append(got, string(b)); return nil }); err != nil {
			t.Fatalf("%.60q: %v", arr, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%.60q: elements\n%q\nwant\n%q", arr, got, want)
		}
	}
	for _, bad := range []string{``, `{}`, `[{"a":1}`, `["x]`} {
		if err := eachElement([]byte(bad), func([]byte) error { return nil }); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestCompactJSONMatchesEncoder: compactJSON writes what an Encoder without
// HTML escaping writes.
func TestCompactJSONMatchesEncoder(t *testing.T) {
	t.Parallel()
	type custom struct {
		A string `json:"a"`
	}
	values := []any{
		map[string]any{"s": "<&>\u2028\xff\x01", "n": 1e-7, "c": custom{"<b>"}, "l": []any{"&", []string{"<"}}},
		[]any{"x"}, "plain <b>", 3.5,
	}
	for _, f := range SyntheticPack(40, 2).Findings {
		values = append(values, f.Observed)
	}
	for _, v := range values {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		want := strings.TrimSuffix(b.String(), "\n")
		if m, ok := v.(map[string]any); ok && len(m) == 0 {
			want = ""
		}
		if got := compactJSON(v); got != want {
			t.Fatalf("compactJSON(%v)\n got %q\nwant %q", v, got, want)
		}
	}
}

// TestSharedEncodings encodes senders that share domain-level findings, as
// a run's domain memo makes them, and holds every sender's bytes to
// json.Marshal: the shared encodings must be taken exactly when the rest
// of the finding is the same.
func TestSharedEncodings(t *testing.T) {
	t.Parallel()
	sel := "s1"
	at := time.Date(2026, 11, 26, 20, 1, 2, 0, time.UTC)
	ev := []assess.Evidence{{Name: "_dmarc.example.com.", Type: "TXT", Answers: []string{`"v=DMARC1; p=reject"`}, At: at, RTT: 1.5}}
	obs := map[string]any{"policy": "reject", "pct": 100, "source": "_dmarc.example.com"}
	ctl := []assess.ControlRef{{Framework: "nist-csf-2.0", ID: "PR.DS-1"}}
	memo := []assess.Finding{
		{Check: "dmarc.policy", Status: assess.StatusPass, Severity: assess.SeverityInfo, Message: "reject", Observed: obs, Evidence: ev, Controls: ctl},
		{Check: "dkim.key", Selector: &sel, Status: assess.StatusWarn, Severity: assess.SeverityLow, Message: "short", Observed: map[string]any{"bits": 1024}, Evidence: ev[:1], Controls: ctl},
	}
	shared := newSharedEncodings()
	for i, ip := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"} {
		fs := []assess.Finding{{Asset: ip, Check: "ptr.present", Status: assess.StatusPass, Observed: map[string]any{"ip": ip}, Evidence: ev, Controls: ctl}}
		for _, m := range memo {
			m.Asset = ip
			fs = append(fs, m)
		}
		switch i {
		case 2:
			fs[1].Message = "worded for this sender" // same values, other words
		case 3:
			fs[1].Observed = map[string]any{"policy": "none"} // another map
		}
		want, err := json.Marshal(fs)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendFindingsShared(nil, fs, shared)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("sender %d (%v):\n got %s\nwant %s", i, err, got, want)
		}
	}
	// dmarc.policy three ways, dkim.key once; ptr.present is never shared.
	if n := len(shared.m); n != 4 {
		t.Errorf("%d shared encodings kept, want 4", n)
	}
}

// sameAsIndent fails when appendIndent and json.Indent disagree on valid
// JSON, or when appendIndent accepts what json.Indent refuses for a reason
// appendIndent is meant to catch (structure: strings, nesting, stray bytes).
func sameAsIndent(t testing.TB, src []byte) {
	t.Helper()
	var want bytes.Buffer
	werr := json.Indent(&want, src, "    ", "  ")
	got, gerr := appendIndent([]byte("kept"), src, "    ", "  ")
	if gerr == nil && !bytes.HasPrefix(got, []byte("kept")) {
		t.Fatalf("%.80q: the bytes before dst's end were changed", src)
	}
	if !json.Valid(src) {
		return // appendIndent checks structure, not grammar
	}
	if gerr != nil || werr != nil {
		t.Fatalf("%.80q: appendIndent error %v, json.Indent error %v", src, gerr, werr)
	}
	if got := got[len("kept"):]; !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("%.80q:\nappendIndent %q\njson.Indent  %q", src, got, want.Bytes())
	}
}

// TestAppendIndent: evidence.json's indentation is json.Indent's, byte for
// byte, on a synthetic pack's findings and on edge cases; broken structure
// is an error, as json.Indent makes it.
func TestAppendIndent(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(60, 3)
	arr, err := appendFindings(nil, p.Findings)
	if err != nil {
		t.Fatal(err)
	}
	sameAsIndent(t, arr)
	for i := range p.Findings {
		one, err := appendFindings(nil, p.Findings[i:i+1])
		if err != nil {
			t.Fatal(err)
		}
		sameAsIndent(t, one[1:len(one)-1])
	}
	for _, s := range []string{`{}`, `[]`, `{"a":{}}`, `[[],[{}]]`, `"x"`, `1`, ` { "a" : [ 1 , -2.5e+3 , true , false , null ] } `,
		`{"q":"\"\\\u2028 \\\"","":""}`, `["\\"]`, "{\"\xff\u00e9\":\"\\u0000\"}"} {
		sameAsIndent(t, []byte(s))
	}
	for _, bad := range []string{`{"a":"x}`, `[1,2`, `]`, `{"a":"` + "\x01" + `"}`, `[1]]`, `{"a":nope}`, `["\`} {
		if _, err := appendIndent(nil, []byte(bad), "", "  "); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// FuzzAppendIndent: appendIndent is json.Indent on valid JSON, and
// eachElement splits an array of such values where encoding/json does.
func FuzzAppendIndent(f *testing.F) {
	for _, s := range []string{`{"a":[1,{"b":"c\"d"}],"e":{}}`, `[]`, `"\u00e9\\"`, `[1]]`, `{"a":"` + "\x01" + `"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		sameAsIndent(t, src)
		if !json.Valid(src) {
			return
		}
		// eachElement finds the same value twice in an array.
		want := string(bytes.Trim(src, " \t\r\n"))
		var got []string
		arr := append(append(append([]byte("["), src...), ','), append(src, ']')...)
		if err := eachElement(arr, func(b []byte) error { got = append(got, string(b)); return nil }); err != nil {
			t.Fatalf("%.80q: eachElement: %v", arr, err)
		}
		if len(got) != 2 || got[0] != want || got[1] != want {
			t.Fatalf("%.80q: eachElement gave %q, want %q twice", arr, got, want)
		}
	})
}

// FuzzObservedJSON holds the observed text a writer gets from the spool to
// what compactJSON makes of the decoded value, byte for byte, whether the
// spooled bytes are taken as they are or encoded again.
func FuzzObservedJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `null`, `{"a":1}`, `{"b":1,"a":2}`, `{"a":1,"a":2}`, `{"a":9007199254740993}`,
		`{"a":1.0}`, `{"a":1e21}`, `{"a":-0}`, `{"a":0.1,"b":[1,2,{"c":null}]}`, `{ "a":1}`,
		`{"a":"<b>&"}`, `{"a":"\u003cb\u003e"}`, "{\"a\":\"\u2028\"}", `{"a":"\ufffd"}`,
		"{\"a\":\"\xff\"}", `{"a":"x\ny"}`, `{"a":[]}`, `{"a":{}}`, `{"a":true,"b":false}`,
		`{"":1,"a":2}`, `{"a":1E+3}`, `{"a":100000000000000000000}`, `{"a":1e-7}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		d := spoolDecoder{b: raw}
		if d.peek() != '{' {
			return
		}
		v, err := d.generic()
		if d.space(); err != nil || d.i != len(raw) {
			return
		}
		got, err := observedJSON(raw)
		if err != nil {
			t.Fatalf("observedJSON(%q): %v", raw, err)
		}
		if want := compactJSON(v); got != want {
			t.Fatalf("observedJSON(%q) = %q, want compactJSON's %q", raw, got, want)
		}
	})
}

// The observed values a run spools are taken as they are, not decoded and
// encoded again; values compactJSON would write otherwise are not.
func TestCompactCanonical(t *testing.T) {
	t.Parallel()
	for _, s := range []string{`{}`, `{"a":1}`, `{"a":-0.5,"b":[1,"x",{"c":null}],"d":true}`, `{"a":1e+21,"b":1e-7}`,
		`{"a":"check \"x.example\" \\ \n\r\t\b\f"}`} {
		if !compactCanonical([]byte(s)) {
			t.Errorf("%s is not taken as it is", s)
		}
	}
	for _, s := range []string{`{"b":1,"a":2}`, `{"a":1,"a":2}`, `{"a":9007199254740993}`, `{"a":1.0}`, `{ "a":1}`,
		`{"a":"\u003c"}`, "{\"a\":\"\u2028\"}", "{\"a\":\"\xff\"}", `{"a":1E+3}`, `{"a":1}x`, `{"a":1`,
		`{"a":"\/"}`, `{"a":"\u0001"}`, `{"a\"":1}`, "{\"a\":\"\x01\"}"} {
		if compactCanonical([]byte(s)) {
			t.Errorf("%s is taken as it is", s)
		}
	}
	// Spooled as a run spools them.
	fs := SyntheticPack(200, 1).Findings
	canonical := 0
	for i := range fs {
		raw, err := appendObserved(nil, fs[i].Observed, true)
		if err != nil {
			t.Fatal(err)
		}
		if compactCanonical(raw) {
			canonical++
		}
	}
	if canonical < len(fs)*9/10 {
		t.Errorf("%d of %d spooled observed values are taken as they are, want nearly all", canonical, len(fs))
	}
}

// TestStampEnd: a run's end is rounded up to the millisecond, so no exchange
// recorded at full precision falls after it; a whole millisecond stays.
func TestStampEnd(t *testing.T) {
	at := time.Date(2026, 11, 27, 13, 3, 51, 268233498, time.UTC)
	if got, want := StampEnd(at), time.Date(2026, 11, 27, 13, 3, 51, 269000000, time.UTC); !got.Equal(want) {
		t.Errorf("StampEnd(%v) = %v, want %v", at, got, want)
	}
	whole := time.Date(2026, 11, 27, 13, 3, 51, 268000000, time.UTC)
	if got := StampEnd(whole); !got.Equal(whole) {
		t.Errorf("StampEnd(%v) = %v", whole, got)
	}
}
