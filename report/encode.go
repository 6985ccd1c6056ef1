package report

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"senderproof/assess"
)

// appendFindings appends fs as encoding/json's json.Marshal would, byte for
// byte, without its reflection: spooling every finding of a 100,000-sender
// run is the hottest encoding the tool does. Values in Observed of a type
// this encoder does not know are handed to json.Marshal.
//
// The findings of one sender cite the same few exchanges many times (its PTR
// exchange backs half a dozen checks): an exchange already written in this
// call is copied from the bytes written for it.
func appendFindings(b []byte, fs []assess.Finding) ([]byte, error) {
	return appendFindingsShared(b, fs, nil)
}

// appendFindingsShared is appendFindings that takes the encoding of a
// domain-level finding from shared (nil for none) when another sender's
// copy of the same finding was encoded before.
func appendFindingsShared(b []byte, fs []assess.Finding, shared *sharedEncodings) ([]byte, error) {
	if fs == nil {
		return append(b, "null"...), nil
	}
	var seen evidenceSeen
	b = append(b, '[')
	for i := range fs {
		if i > 0 {
			b = append(b, ',')
		}
		f := &fs[i]
		if shared == nil || !domainOnly[f.Check] {
			var err error
			if b, err = appendFinding(b, f, &seen); err != nil {
				return nil, err
			}
			continue
		}
		b = appendFindingAsset(b, f)
		k := sharedKeyOf(f)
		if enc, ok := shared.get(k); ok {
			b = append(b, enc...)
			continue
		}
		start := len(b)
		var err error
		if b, err = appendFindingRest(b, f, &seen); err != nil {
			return nil, err
		}
		shared.put(k, f, b[start:])
	}
	return append(b, ']'), nil
}

// domainOnly holds the IDs of the checks whose findings depend on the
// sending domain alone (see assess.Check.DomainOnly).
var domainOnly = func() map[string]bool {
	m := map[string]bool{}
	for _, id := range assess.CheckIDs() {
		if c, _ := assess.LookupCheck(id); c.DomainOnly {
			m[id] = true
		}
	}
	return m
}()

// sharedEncodings keeps the encoding, all but the asset, of findings that
// many senders share: a run computes a domain-level check once per domain
// and gives each sender a copy with the same observed map, evidence and
// controls (assess's domain memo). The key holds those by identity and
// every string by value; each entry keeps what its key points to alive,
// so an address cannot come back with other contents. Bounded: once full,
// it only answers what it holds.
type sharedEncodings struct {
	mu sync.Mutex
	m  map[sharedKey]sharedEntry
}

const sharedEncodingsMax = 4096

type sharedKey struct {
	check, selector, status, severity, message, remediation string
	hasSelector                                             bool
	observed                                                uintptr
	evidence                                                *assess.Evidence
	controls                                                *assess.ControlRef
	nEvidence, nControls                                    int
	nilObserved, nilEvidence, nilControls                   bool
}

type sharedEntry struct {
	enc []byte
	pin assess.Finding // keeps the key's map and slices alive
}

func newSharedEncodings() *sharedEncodings {
	return &sharedEncodings{m: map[sharedKey]sharedEntry{}}
}

func sharedKeyOf(f *assess.Finding) sharedKey {
	k := sharedKey{
		check: f.Check, status: string(f.Status), severity: string(f.Severity),
		message: f.Message, remediation: f.Remediation,
		nEvidence: len(f.Evidence), nControls: len(f.Controls),
		nilObserved: f.Observed == nil, nilEvidence: f.Evidence == nil, nilControls: f.Controls == nil,
	}
	if f.Selector != nil {
		k.selector, k.hasSelector = *f.Selector, true
	}
	if f.Observed != nil {
		k.observed = reflect.ValueOf(f.Observed).Pointer()
	}
	if len(f.Evidence) > 0 {
		k.evidence = &f.Evidence[0]
	}
	if len(f.Controls) > 0 {
		k.controls = &f.Controls[0]
	}
	return k
}

func (s *sharedEncodings) get(k sharedKey) ([]byte, bool) {
	s.mu.Lock()
	e, ok := s.m[k]
	s.mu.Unlock()
	return e.enc, ok
}

func (s *sharedEncodings) put(k sharedKey, f *assess.Finding, enc []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) < sharedEncodingsMax {
		s.m[k] = sharedEntry{enc: bytes.Clone(enc), pin: *f}
	}
}

// evidenceSeen remembers where in the output each exchange was written.
type evidenceSeen struct {
	evs   []*assess.Evidence
	spans [][2]int
}

// find returns the span of an identical exchange written before.
func (s *evidenceSeen) find(e *assess.Evidence) ([2]int, bool) {
	for i, o := range s.evs {
		if sameEvidence(o, e) {
			return s.spans[i], true
		}
	}
	return [2]int{}, false
}

// sameEvidence reports whether two exchanges are one: the same answers
// (the very same slice, as copies of one recorded exchange share it) and
// the same fields.
func sameEvidence(a, b *assess.Evidence) bool {
	if len(a.Answers) != len(b.Answers) || a.At != b.At || a.RTT != b.RTT || a.AD != b.AD {
		return false
	}
	if len(a.Answers) > 0 && &a.Answers[0] != &b.Answers[0] {
		return false
	}
	if (a.Answers == nil) != (b.Answers == nil) {
		return false
	}
	if len(a.Authority) != len(b.Authority) || len(a.Authority) > 0 && &a.Authority[0] != &b.Authority[0] {
		return false
	}
	return a.Name == b.Name && a.Type == b.Type && a.Server == b.Server &&
		a.Transport == b.Transport && a.Rcode == b.Rcode && a.Error == b.Error
}

func appendFinding(b []byte, f *assess.Finding, seen *evidenceSeen) ([]byte, error) {
	return appendFindingRest(appendFindingAsset(b, f), f, seen)
}

// appendFindingAsset writes a finding's opening and its asset.
func appendFindingAsset(b []byte, f *assess.Finding) []byte {
	b = append(b, `{"asset":`...)
	return appendString(b, f.Asset, true)
}

// appendFindingRest writes the rest of a finding, from its check on.
func appendFindingRest(b []byte, f *assess.Finding, seen *evidenceSeen) ([]byte, error) {
	b = append(b, `,"check":`...)
	b = appendString(b, f.Check, true)
	if f.Selector != nil {
		b = append(b, `,"selector":`...)
		b = appendString(b, *f.Selector, true)
	}
	b = append(b, `,"status":`...)
	b = appendString(b, string(f.Status), true)
	b = append(b, `,"severity":`...)
	b = appendString(b, string(f.Severity), true)
	b = append(b, `,"message":`...)
	b = appendString(b, f.Message, true)
	b = append(b, `,"observed":`...)
	var err error
	if b, err = appendObserved(b, f.Observed, true); err != nil {
		return nil, err
	}
	b = append(b, `,"evidence":`...)
	if f.Evidence == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range f.Evidence {
			if i > 0 {
				b = append(b, ',')
			}
			e := &f.Evidence[i]
			if span, ok := seen.find(e); ok {
				b = append(b, b[span[0]:span[1]]...)
				continue
			}
			start := len(b)
			if b, err = appendEvidence(b, e); err != nil {
				return nil, err
			}
			if len(seen.evs) < 64 {
				seen.evs = append(seen.evs, e)
				seen.spans = append(seen.spans, [2]int{start, len(b)})
			}
		}
		b = append(b, ']')
	}
	b = append(b, `,"controls":`...)
	if f.Controls == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, c := range f.Controls {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"framework":`...)
			b = appendString(b, c.Framework, true)
			b = append(b, `,"id":`...)
			b = appendString(b, c.ID, true)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"remediation":`...)
	b = appendString(b, f.Remediation, true)
	return append(b, '}'), nil
}

func appendEvidence(b []byte, e *assess.Evidence) ([]byte, error) {
	b = append(b, `{"name":`...)
	b = appendString(b, e.Name, true)
	b = append(b, `,"type":`...)
	b = appendString(b, e.Type, true)
	b = append(b, `,"server":`...)
	b = appendString(b, e.Server, true)
	b = append(b, `,"transport":`...)
	b = appendString(b, e.Transport, true)
	b = append(b, `,"rcode":`...)
	b = appendString(b, e.Rcode, true)
	b = append(b, `,"answers":`...)
	b = appendStrings(b, e.Answers, true)
	if len(e.Authority) > 0 {
		b = append(b, `,"authority":`...)
		b = appendStrings(b, e.Authority, true)
	}
	b = append(b, `,"ad":`...)
	b = strconv.AppendBool(b, e.AD)
	b = append(b, `,"at":`...)
	var err error
	if b, err = appendTime(b, e.At); err != nil {
		return nil, err
	}
	b = append(b, `,"rtt_ms":`...)
	if b, err = appendFloat(b, e.RTT); err != nil {
		return nil, err
	}
	if e.Error != "" {
		b = append(b, `,"error":`...)
		b = appendString(b, e.Error, true)
	}
	if e.Omitted != 0 {
		b = append(b, `,"omitted":`...)
		b = strconv.AppendInt(b, int64(e.Omitted), 10)
	}
	return append(b, '}'), nil
}

func appendStrings(b []byte, ss []string, html bool) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s, html)
	}
	return append(b, ']')
}

func appendObserved(b []byte, m map[string]any, html bool) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	// Keys and values in one pass, sorted by key as encoding/json does;
	// observed maps are small, so on the stack and by insertion.
	type kv struct {
		k string
		v any
	}
	var arr [32]kv
	kvs := arr[:0]
	for k, v := range m {
		kvs = append(kvs, kv{k, v})
		if len(m) > len(arr) {
			continue // sorted below
		}
		for i := len(kvs) - 1; i > 0 && kvs[i].k < kvs[i-1].k; i-- {
			kvs[i], kvs[i-1] = kvs[i-1], kvs[i]
		}
	}
	if len(m) > len(arr) {
		slices.SortFunc(kvs, func(a, b kv) int { return strings.Compare(a.k, b.k) })
	}
	b = append(b, '{')
	for i := range kvs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, kvs[i].k, html)
		b = append(b, ':')
		var err error
		if b, err = appendAny(b, kvs[i].v, html); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func appendAny(b []byte, v any, html bool) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, x, html), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case uint16:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case float64:
		return appendFloat(b, x)
	case []string:
		return appendStrings(b, x, html), nil
	case map[string]any:
		return appendObserved(b, x, html)
	case []any:
		return appendArray(b, x, html, appendAny)
	case []map[string]any:
		return appendArray(b, x, html, appendObserved)
	}
	if !html {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return nil, err
		}
		return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), nil
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, enc...), nil
}

// appendArray appends xs as a JSON array (null when nil), each element
// written by elem.
func appendArray[T any](b []byte, xs []T, html bool, elem func([]byte, T, bool) ([]byte, error)) ([]byte, error) {
	if xs == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = elem(b, x, html); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// appendFloat formats a float64 as encoding/json does.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, &json.UnsupportedValueError{Str: strconv.FormatFloat(f, 'g', -1, 64)}
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 → e-9, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// appendTime formats t as time.Time's MarshalJSON does.
func appendTime(b []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		enc, err := json.Marshal(t)
		if err != nil {
			return nil, err
		}
		return append(b, enc...), nil
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

const hexDigits = "0123456789abcdef"

// plainJSON marks the bytes a JSON string holds as they are (printable
// ASCII but quote and backslash); plainHTMLJSON also leaves out <, > and &.
var plainJSON, plainHTMLJSON = func() (plain, html [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		plain[c] = c != '"' && c != '\\'
		html[c] = plain[c] && c != '<' && c != '>' && c != '&'
	}
	return
}()

// appendString quotes s as encoding/json does: invalid UTF-8 replaced by
// U+FFFD, U+2028 and U+2029 escaped, and with html <, > and & escaped
// (json.Marshal; an Encoder with SetEscapeHTML(false) leaves them).
func appendString(b []byte, s string, html bool) []byte {
	safe := &plainJSON
	if html {
		safe = &plainHTMLJSON
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if safe[c] {
				i++
				for i < len(s) && safe[s[i]] {
					i++
				}
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
