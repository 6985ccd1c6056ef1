package report

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"senderproof/assess"
)

// errSpoolSyntax makes decodeFindings give up on input it does not expect;
// the caller then decodes with encoding/json.
var errSpoolSyntax = errors.New("unexpected spool syntax")

// decodeFindings decodes what appendFindings wrote into exactly what
// json.Unmarshal gives for it (numbers in Observed as float64, arrays as
// []any, objects as map[string]any), without reflection: reading the spool
// back is most of the cost of writing a large pack. Anything it does not
// expect is an error, never a guess.
//
// A writer that has no use for some fields says so with skip: their values
// are checked as strictly but not built, and left nil.
func decodeFindings(b []byte, skip skipFields) ([]assess.Finding, error) {
	fs, _, err := decodeFindingsText(b, skip)
	return fs, err
}

// decodeFindingsText is decodeFindings that, with skip.observedText, also
// returns each finding's observed value as compactJSON text (the findings'
// Observed left nil).
func decodeFindingsText(b []byte, skip skipFields) ([]assess.Finding, []string, error) {
	d := spoolDecoder{b: b, skip: skip}
	fs, err := d.findings()
	if err != nil {
		return nil, nil, err
	}
	d.space()
	if d.i != len(d.b) {
		return nil, nil, errSpoolSyntax
	}
	return fs, d.texts, nil
}

type spoolDecoder struct {
	b    []byte
	i    int
	skip skipFields
	// texts holds each finding's observed value as compactJSON writes it,
	// when skip.observedText asks for that instead of the map.
	texts []string
}

// skipFields names the fields of a finding a reader does not need.
// observedText gives a reader that only shows the observed value as text
// that text (observedJSON) instead of the map, which costs far less to get
// from the spool than the map does.
// passObserved skips the observed value of pass findings only (the spool
// has a finding's status before its observed value).
type skipFields struct {
	observed, evidence, controls bool
	observedText, passObserved   bool
	// keepPass, when set, names the pass findings that keep their
	// observed value all the same (passObserved). It is asked by the
	// spool's decoding goroutines, maybe more than once of a finding:
	// it must be a function of the finding alone.
	keepPass func(*assess.Finding) bool
}

// skipsPassObserved reports whether the observed value of f, read so far
// (its check and status come before it), is skipped.
func (s skipFields) skipsPassObserved(f *assess.Finding) bool {
	return s.passObserved && f.Status == assess.StatusPass && (s.keepPass == nil || !s.keepPass(f))
}

func (d *spoolDecoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte (0 at the end).
func (d *spoolDecoder) peek() byte {
	d.space()
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

func (d *spoolDecoder) expect(c byte) error {
	if d.peek() != c {
		return errSpoolSyntax
	}
	d.i++
	return nil
}

// null consumes a null literal if one is next.
func (d *spoolDecoder) null() bool {
	if d.peek() == 'n' && len(d.b)-d.i >= 4 && string(d.b[d.i:d.i+4]) == "null" {
		d.i += 4
		return true
	}
	return false
}

// open consumes the opening bracket of an array ('[') or object ('{'), or
// a null in its place (isNull).
func (d *spoolDecoder) open(c byte) (isNull bool, err error) {
	if d.null() {
		return true, nil
	}
	return false, d.expect(c)
}

// more reports whether another element follows in an array or object
// closed by end, consuming the comma or the closing bracket.
func (d *spoolDecoder) more(first bool, end byte) (bool, error) {
	c := d.peek()
	if c == end {
		d.i++
		return false, nil
	}
	if first {
		return true, nil
	}
	if c != ',' {
		return false, errSpoolSyntax
	}
	d.i++
	return true, nil
}

// key reads an object key and its colon. The bytes may point into the
// input: the caller copies them when it keeps them.
func (d *spoolDecoder) key() ([]byte, error) {
	k, err := d.strBytes()
	if err != nil {
		return nil, err
	}
	return k, d.expect(':')
}

// nextKey moves to the next key of an object whose '{' is consumed; ok is
// false at its end.
func (d *spoolDecoder) nextKey(first bool) (key []byte, ok bool, err error) {
	if ok, err = d.more(first, '}'); err != nil || !ok {
		return nil, false, err
	}
	key, err = d.key()
	return key, err == nil, err
}

// decodeArray decodes an array (nil for null, never nil otherwise, as
// encoding/json does), each element into place by elem.
func decodeArray[T any](d *spoolDecoder, elem func(*T) error) ([]T, error) {
	isNull, err := d.open('[')
	if err != nil || isNull {
		return nil, err
	}
	out := []T{}
	for first := true; ; first = false {
		ok, err := d.more(first, ']')
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		var zero T
		out = append(out, zero)
		if err := elem(&out[len(out)-1]); err != nil {
			return nil, err
		}
	}
}

func (d *spoolDecoder) findings() ([]assess.Finding, error) {
	return decodeArray(d, d.finding)
}

// stringField decodes a string or null (which leaves *s alone, as
// encoding/json does).
func (d *spoolDecoder) stringField(s *string) error {
	if d.null() {
		return nil
	}
	v, err := d.str()
	*s = v
	return err
}

// findingKeyIndex numbers the keys of a spooled finding (15 for another
// key, which finding refuses anyway).
func findingKeyIndex(key []byte) int {
	switch string(key) {
	case "asset":
		return 0
	case "check":
		return 1
	case "selector":
		return 2
	case "status":
		return 3
	case "severity":
		return 4
	case "message":
		return 5
	case "remediation":
		return 6
	case "observed":
		return 7
	case "evidence":
		return 8
	case "controls":
		return 9
	}
	return 15
}

func (d *spoolDecoder) finding(f *assess.Finding) error {
	if d.skip.observedText {
		d.texts = append(d.texts, "")
	}
	isNull, err := d.open('{')
	if err != nil || isNull {
		return err
	}
	// A key given twice is refused: encoding/json would merge two observed
	// maps, and a status after the observed value could undo a skip.
	var seen uint16
	for first := true; ; first = false {
		key, ok, err := d.nextKey(first)
		if !ok {
			if d.skip.skipsPassObserved(f) {
				f.Observed = nil // decoded when it came before the status
			}
			return err
		}
		bit := uint16(1) << (findingKeyIndex(key) & 15)
		if seen&bit != 0 {
			return errSpoolSyntax
		}
		seen |= bit
		switch string(key) {
		case "asset":
			err = d.stringField(&f.Asset)
		case "check":
			err = d.stringField(&f.Check)
		case "selector":
			if d.null() {
				f.Selector = nil
				break
			}
			var s string
			s, err = d.str()
			f.Selector = &s
		case "status":
			err = d.stringField((*string)(&f.Status))
		case "severity":
			err = d.stringField((*string)(&f.Severity))
		case "message":
			err = d.stringField(&f.Message)
		case "remediation":
			err = d.stringField(&f.Remediation)
		case "observed":
			if d.skip.observed || d.skip.skipsPassObserved(f) {
				err = d.skipValue()
				break
			}
			if d.skip.observedText {
				if d.null() {
					break // text "", as compactJSON gives for nil
				}
				if d.peek() != '{' {
					return errSpoolSyntax
				}
				start := d.i
				if err = d.skipValue(); err == nil {
					d.texts[len(d.texts)-1], err = observedJSON(d.b[start:d.i])
				}
				break
			}
			if d.null() {
				f.Observed = nil
				break
			}
			if d.peek() != '{' {
				return errSpoolSyntax
			}
			var m any
			m, err = d.generic()
			f.Observed, _ = m.(map[string]any)
		case "evidence":
			if d.skip.evidence {
				err = d.skipValue()
				break
			}
			f.Evidence, err = decodeArray(d, d.evidence)
		case "controls":
			if d.skip.controls {
				err = d.skipValue()
				break
			}
			f.Controls, err = decodeArray(d, d.control)
		default:
			return errSpoolSyntax
		}
		if err != nil {
			return err
		}
	}
}

func (d *spoolDecoder) control(c *assess.ControlRef) error {
	isNull, err := d.open('{')
	if err != nil || isNull {
		return err
	}
	for first := true; ; first = false {
		key, ok, err := d.nextKey(first)
		if !ok {
			return err
		}
		switch string(key) {
		case "framework":
			err = d.stringField(&c.Framework)
		case "id":
			err = d.stringField(&c.ID)
		default:
			err = errSpoolSyntax
		}
		if err != nil {
			return err
		}
	}
}

func (d *spoolDecoder) evidence(e *assess.Evidence) error {
	isNull, err := d.open('{')
	if err != nil || isNull {
		return err
	}
	for first := true; ; first = false {
		key, ok, err := d.nextKey(first)
		if !ok {
			return err
		}
		switch string(key) {
		case "name":
			err = d.stringField(&e.Name)
		case "type":
			err = d.stringField(&e.Type)
		case "server":
			err = d.stringField(&e.Server)
		case "transport":
			err = d.stringField(&e.Transport)
		case "rcode":
			err = d.stringField(&e.Rcode)
		case "error":
			err = d.stringField(&e.Error)
		case "answers":
			e.Answers, err = decodeArray(d, d.stringField)
		case "authority":
			e.Authority, err = decodeArray(d, d.stringField)
		case "ad":
			switch {
			case d.lit("true"):
				e.AD = true
			case d.lit("false"):
				e.AD = false
			case d.null():
			default:
				err = errSpoolSyntax
			}
		case "at":
			if d.null() {
				break
			}
			start := d.i
			if _, err = d.strBytes(); err == nil {
				err = e.At.UnmarshalJSON(d.b[start:d.i])
			}
		case "rtt_ms":
			if d.null() {
				break
			}
			e.RTT, err = d.number()
		case "omitted":
			if d.null() {
				break
			}
			d.space()
			start := d.i
			var n float64
			if n, err = d.number(); err == nil {
				// Anything but a plain count (a fraction or exponent,
				// which encoding/json refuses for an int) goes to
				// encoding/json.
				if bytes.ContainsAny(d.b[start:d.i], ".eE") || n < 0 || n > math.MaxInt32 {
					err = errSpoolSyntax
				} else {
					e.Omitted = int(n)
				}
			}
		default:
			err = errSpoolSyntax
		}
		if err != nil {
			return err
		}
	}
}

func (d *spoolDecoder) lit(s string) bool {
	if d.peek() != s[0] || len(d.b)-d.i < len(s) || string(d.b[d.i:d.i+len(s)]) != s {
		return false
	}
	d.i += len(s)
	return true
}

// generic decodes any value as encoding/json does into an interface.
func (d *spoolDecoder) generic() (any, error) {
	switch c := d.peek(); {
	case c == '"':
		return d.str()
	case c == '{':
		d.i++
		m := map[string]any{}
		for first := true; ; first = false {
			k, ok, err := d.nextKey(first)
			if !ok {
				if err != nil {
					return nil, err
				}
				return m, nil
			}
			v, err := d.generic()
			if err != nil {
				return nil, err
			}
			m[string(k)] = v
		}
	case c == '[':
		out, err := decodeArray(d, func(v *any) (err error) {
			*v, err = d.generic()
			return err
		})
		if err != nil {
			return nil, err
		}
		return out, nil
	case c == 't' && d.lit("true"):
		return true, nil
	case c == 'f' && d.lit("false"):
		return false, nil
	case c == 'n' && d.null():
		return nil, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	}
	return nil, errSpoolSyntax
}

// skipValue checks the next value as generic would decode it, without
// building it: same grammar, same errors.
func (d *spoolDecoder) skipValue() error {
	switch c := d.peek(); {
	case c == '"':
		_, err := d.strBytes()
		return err
	case c == '{':
		d.i++
		for first := true; ; first = false {
			_, ok, err := d.nextKey(first)
			if !ok {
				return err
			}
			if err := d.skipValue(); err != nil {
				return err
			}
		}
	case c == '[':
		d.i++
		for first := true; ; first = false {
			ok, err := d.more(first, ']')
			if err != nil || !ok {
				return err
			}
			if err := d.skipValue(); err != nil {
				return err
			}
		}
	case c == 't' && d.lit("true"), c == 'f' && d.lit("false"), c == 'n' && d.null():
		return nil
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := d.number()
		return err
	}
	return errSpoolSyntax
}

// number decodes a JSON number (strict grammar) as a float64.
func (d *spoolDecoder) number() (float64, error) {
	d.space()
	start, i := d.i, d.i
	if i < len(d.b) && d.b[i] == '-' {
		i++
	}
	switch {
	case i < len(d.b) && d.b[i] == '0':
		i++
	case i < len(d.b) && d.b[i] >= '1' && d.b[i] <= '9':
		for i < len(d.b) && d.b[i] >= '0' && d.b[i] <= '9' {
			i++
		}
	default:
		return 0, errSpoolSyntax
	}
	if i < len(d.b) && d.b[i] == '.' {
		i++
		if i >= len(d.b) || d.b[i] < '0' || d.b[i] > '9' {
			return 0, errSpoolSyntax
		}
		for i < len(d.b) && d.b[i] >= '0' && d.b[i] <= '9' {
			i++
		}
	}
	if i < len(d.b) && (d.b[i] == 'e' || d.b[i] == 'E') {
		i++
		if i < len(d.b) && (d.b[i] == '+' || d.b[i] == '-') {
			i++
		}
		if i >= len(d.b) || d.b[i] < '0' || d.b[i] > '9' {
			return 0, errSpoolSyntax
		}
		for i < len(d.b) && d.b[i] >= '0' && d.b[i] <= '9' {
			i++
		}
	}
	v, err := strconv.ParseFloat(string(d.b[start:i]), 64)
	if err != nil {
		return 0, errSpoolSyntax
	}
	d.i = i
	return v, nil
}

// str decodes a JSON string as encoding/json does: escapes resolved,
// surrogate pairs joined, lone surrogates and invalid UTF-8 as U+FFFD.
func (d *spoolDecoder) str() (string, error) {
	b, err := d.strBytes()
	return string(b), err
}

// strBytes is str without the copy: the bytes may point into the input.
func (d *spoolDecoder) strBytes() ([]byte, error) {
	if err := d.expect('"'); err != nil {
		return nil, err
	}
	start := d.i
	// Fast path: no escapes, no control bytes, valid UTF-8.
	guess := 0 // of the decoded length, for the slow path
	if end := bytes.IndexByte(d.b[start:], '"'); end >= 0 {
		seg := d.b[start : start+end]
		if bytes.IndexByte(seg, '\\') < 0 && !hasControl(seg) && utf8.Valid(seg) {
			d.i = start + end + 1
			return seg, nil
		}
		guess = end + 32 // an escaped quote may hide more
	}
	out := make([]byte, 0, guess)
	i := start
	for {
		if i >= len(d.b) {
			return nil, errSpoolSyntax
		}
		c := d.b[i]
		switch {
		case c == '"':
			d.i = i + 1
			return out, nil
		case c < 0x20:
			return nil, errSpoolSyntax
		case c == '\\':
			if i+1 >= len(d.b) {
				return nil, errSpoolSyntax
			}
			switch e := d.b[i+1]; e {
			case '"', '\\', '/':
				out = append(out, e)
				i += 2
			case 'b':
				out = append(out, '\b')
				i += 2
			case 'f':
				out = append(out, '\f')
				i += 2
			case 'n':
				out = append(out, '\n')
				i += 2
			case 'r':
				out = append(out, '\r')
				i += 2
			case 't':
				out = append(out, '\t')
				i += 2
			case 'u':
				r, ok := hex4(d.b, i+2)
				if !ok {
					return nil, errSpoolSyntax
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if i+1 < len(d.b) && d.b[i] == '\\' && d.b[i+1] == 'u' {
						if r2, ok := hex4(d.b, i+2); ok {
							if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
								out = utf8.AppendRune(out, dec)
								i += 6
								continue
							}
						}
					}
					r = utf8.RuneError
				}
				out = utf8.AppendRune(out, r)
			default:
				return nil, errSpoolSyntax
			}
		case c < utf8.RuneSelf:
			// A run of plain ASCII at once.
			j := i + 1
			for j < len(d.b) && d.b[j] >= 0x20 && d.b[j] < utf8.RuneSelf && d.b[j] != '"' && d.b[j] != '\\' {
				j++
			}
			out = append(out, d.b[i:j]...)
			i = j
		default:
			r, size := utf8.DecodeRune(d.b[i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, d.b[i:i+size]...)
			}
			i += size
		}
	}
}

// hasControl reports whether b holds a byte below 0x20, eight at a time.
func hasControl(b []byte) bool {
	const lo, hi = 0x2020202020202020, 0x8080808080808080
	for len(b) >= 8 {
		x := binary.LittleEndian.Uint64(b)
		if (x-lo)&^x&hi != 0 {
			return true
		}
		b = b[8:]
	}
	for _, c := range b {
		if c < 0x20 {
			return true
		}
	}
	return false
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	return r, true
}

// observedJSON is compactJSON of the value that raw (an observed value as
// the spool holds it) decodes to. Most spooled values are already that
// text, byte for byte, and are returned as they are; compactCanonical says
// which. Others are decoded and encoded again.
func observedJSON(raw []byte) (string, error) {
	if string(raw) == "{}" {
		return "", nil // compactJSON of an empty map
	}
	if len(raw) > 0 && raw[0] == '{' && compactCanonical(raw) {
		return string(raw), nil
	}
	d := spoolDecoder{b: raw}
	v, err := d.generic()
	if err != nil {
		return "", err
	}
	if d.space(); d.i != len(d.b) {
		return "", errSpoolSyntax
	}
	return compactJSON(v), nil
}

// compactCanonical reports whether b is one JSON value written exactly as
// compactJSON writes what it decodes to: no space between tokens, object
// keys in increasing order (and free of escapes), strings escaped only as
// compactJSON escapes them (\" \\ \n \r \t \b \f; no \u form, which it
// writes for other characters than the spool does, and no control bytes,
// invalid UTF-8 or U+2028/U+2029), and every number as appendFloat writes
// the float64 it parses to. A value it cannot vouch for is not canonical;
// the caller then encodes it again.
func compactCanonical(b []byte) bool {
	if bytes.Contains(b, []byte("\u2028")) || bytes.Contains(b, []byte("\u2029")) {
		return false
	}
	i, ok := canonicalValue(b, 0, 0)
	return ok && i == len(b)
}

// canonicalValue checks the value at b[i:] for compactCanonical and
// returns where it ends.
func canonicalValue(b []byte, i, depth int) (int, bool) {
	if i >= len(b) || depth > 32 {
		return i, false
	}
	switch c := b[i]; {
	case c == '"':
		_, end, ok := canonicalString(b, i)
		return end, ok
	case c == '{':
		i++
		if i < len(b) && b[i] == '}' {
			return i + 1, true
		}
		var prev []byte
		for first := true; ; first = false {
			key, end, ok := canonicalString(b, i)
			if !ok || bytes.IndexByte(key, '\\') >= 0 || (!first && bytes.Compare(prev, key) >= 0) || end >= len(b) || b[end] != ':' {
				return i, false
			}
			prev = key
			if i, ok = canonicalValue(b, end+1, depth+1); !ok {
				return i, false
			}
			var more bool
			if i, more, ok = canonicalSep(b, i, '}'); !ok || !more {
				return i, ok
			}
		}
	case c == '[':
		i++
		if i < len(b) && b[i] == ']' {
			return i + 1, true
		}
		for {
			var ok, more bool
			if i, ok = canonicalValue(b, i, depth+1); !ok {
				return i, false
			}
			if i, more, ok = canonicalSep(b, i, ']'); !ok || !more {
				return i, ok
			}
		}
	case c == 't', c == 'f', c == 'n':
		for _, lit := range [...]string{"true", "false", "null"} {
			if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
				return i + len(lit), true
			}
		}
		return i, false
	case c == '-' || (c >= '0' && c <= '9'):
		end := i
		for end < len(b) && (b[end] == '-' || b[end] == '+' || b[end] == '.' || b[end] == 'e' || b[end] == 'E' || (b[end] >= '0' && b[end] <= '9')) {
			end++
		}
		d := spoolDecoder{b: b[:end], i: i}
		v, err := d.number()
		if err != nil || d.i != end {
			return i, false
		}
		var arr [32]byte
		again, err := appendFloat(arr[:0], v)
		return end, err == nil && string(again) == string(b[i:end])
	}
	return i, false
}

// canonicalSep reads what follows a member or element at b[i]: a comma
// (more to come) or closer, the '}' or ']' that ends it.
func canonicalSep(b []byte, i int, closer byte) (next int, more, ok bool) {
	if i < len(b) {
		switch b[i] {
		case ',':
			return i + 1, true, true
		case closer:
			return i + 1, false, true
		}
	}
	return i, false, false
}

// canonicalString checks the string at b[i:] and returns its contents, as
// written, and where it ends.
func canonicalString(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			s := b[i+1 : j]
			return s, j + 1, utf8.Valid(s)
		case c < 0x20:
			return nil, i, false
		case c == '\\':
			if j+1 >= len(b) || !strings.ContainsRune(`"\nrtbf`, rune(b[j+1])) {
				return nil, i, false
			}
			j++
		}
	}
	return nil, i, false
}
