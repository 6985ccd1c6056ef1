package assess

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// jsonWalker reads a JSON document already known to be valid, keeping the
// position of every entry and value.
type jsonWalker struct {
	file string
	data []byte
	errs *errList
	at   lineCounter
	emit func(*rawEntry)
}

// jsonEndsEarly is the reason given for JSON that stops before its last
// value is closed: encoding/json's "unexpected end of JSON input" says
// neither what is missing nor that the file may have been cut short.
const jsonEndsEarly = "the file ends before the JSON is complete (a closing bracket, brace or quote missing, or the file cut short)"

// parseJSON reads a JSON inventory: an array of entries, or an object with an
// `assets` array. Positions are line and column (in characters).
func parseJSON(file string, data []byte, errs *errList, emit func(*rawEntry)) {
	start := skipJSON(data, 0)
	if start == len(data) {
		return
	}
	// encoding/json turns bytes that are not UTF-8 into U+FFFD inside
	// strings; RFC 8259 §8.1 asks for UTF-8, and a Latin-1 name would
	// reach the pack altered.
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		errs.addf(file, lineCol(data, i), "the file is not valid UTF-8 here (byte 0x%02x); save it as UTF-8", data[i])
		return
	}
	// Validate the whole document first: encoding/json reports the exact
	// offset of a syntax error only when it checks a complete value.
	var probe json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		errs.add(JSONError(file, data, err))
		return
	}
	// encoding/json turns an escaped surrogate without its pair into
	// U+FFFD as well: the value would reach the pack altered.
	if i := loneSurrogate(data); i >= 0 {
		errs.addf(file, lineCol(data, i), "%s is half of a UTF-16 surrogate pair, without the other half: not a character", data[i:i+6])
		return
	}
	w := &jsonWalker{file: file, data: data, errs: errs, at: lineCounter{data: data, p: pos{1, 1}}, emit: emit}
	dec := json.NewDecoder(bytes.NewReader(data))
	const want = "want an array of entries or an object with an assets array"
	switch data[start] {
	case '[':
		dec.Token()
		w.entries(dec)
		return
	case 'n':
		return
	case '{':
	default:
		errs.addf(file, w.at.pos(start), "the document is %s; %s", jsonKind(data[start]), want)
		return
	}
	dec.Token()
	seen := false
	for dec.More() {
		koff := skipJSON(data, int(dec.InputOffset()))
		tok, _ := dec.Token()
		key, _ := tok.(string)
		voff := skipJSON(data, int(dec.InputOffset()))
		isAssets := strings.EqualFold(strings.TrimSpace(key), "assets")
		if !isAssets || seen {
			if isAssets {
				errs.addf(file, w.at.pos(koff), "duplicate key %q", key)
			} else {
				errs.addf(file, w.at.pos(koff), "unknown top-level key %q (%s)", key, want)
			}
			var skip json.RawMessage
			dec.Decode(&skip)
			continue
		}
		seen = true
		switch data[voff] {
		case '[':
			dec.Token()
			w.entries(dec)
			dec.Token()
		case 'n':
			dec.Token()
		default:
			errs.addf(file, w.at.pos(voff), "assets is %s; want an array of entries", jsonKind(data[voff]))
			var skip json.RawMessage
			dec.Decode(&skip)
		}
	}
}

// entries reads the elements of an array whose '[' was just read.
func (w *jsonWalker) entries(dec *json.Decoder) {
	for dec.More() {
		off := skipJSON(w.data, int(dec.InputOffset()))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			w.errs.add(JSONError(w.file, w.data, err))
			return
		}
		if raw[0] != '{' {
			w.errs.addf(w.file, w.at.pos(off), "entry is %s; want an object of field names to values", jsonKind(raw[0]))
			continue
		}
		e := w.entry(raw, off)
		w.emit(&e)
	}
}

// entry reads one object found at offset off of the document.
func (w *jsonWalker) entry(raw []byte, off int) rawEntry {
	e := rawEntry{pos: w.at.pos(off)}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.Token()
	for dec.More() {
		koff := skipJSON(raw, int(dec.InputOffset()))
		tok, _ := dec.Token()
		key, _ := tok.(string)
		voff := skipJSON(raw, int(dec.InputOffset()))
		var v json.RawMessage
		dec.Decode(&v)
		rv := rawValue{key: strings.ToLower(strings.TrimSpace(key)), pos: w.at.pos(off + voff), keyPos: w.at.pos(off + koff)}
		switch v[0] {
		case '[':
			rv.kind = kindList
			ld := json.NewDecoder(bytes.NewReader(v))
			ld.Token()
			for ld.More() {
				ioff := skipJSON(v, int(ld.InputOffset()))
				var it json.RawMessage
				if ld.Decode(&it) != nil {
					rv.kind = kindOther
					break
				}
				s, ok := jsonScalar(it)
				if !ok {
					rv.kind = kindOther
					break
				}
				if it[0] != 'n' {
					rv.list = append(rv.list, rawItem{text: s, pos: w.at.pos(off + voff + ioff), typed: jsonTyped(it)})
				}
			}
		default:
			s, ok := jsonScalar(v)
			if !ok {
				rv.kind = kindOther
			}
			rv.scalar = s
			rv.typed = jsonTyped(v)
		}
		e.values = append(e.values, rv)
	}
	return e
}

// jsonScalar gives a scalar's text: a string's value, a number or boolean as
// written, null as "". ok is false for an object or array.
func jsonScalar(v []byte) (string, bool) {
	switch v[0] {
	case '{', '[':
		return "", false
	case '"':
		var s string
		json.Unmarshal(v, &s)
		return s, true
	case 'n':
		return "", true
	}
	return string(v), true
}

func jsonKind(c byte) string {
	switch c {
	case '[':
		return "an array"
	case '{':
		return "an object"
	case '"':
		return "a string"
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// skipJSON returns the offset of the next value or key at or after off,
// skipping whitespace and the separators , and :.
// jsonTyped names the type of a JSON scalar that is not text: "boolean",
// "number", or "" for a string or null.
func jsonTyped(v json.RawMessage) string {
	switch v[0] {
	case 't', 'f':
		return "boolean"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "number"
	}
	return ""
}

func skipJSON(data []byte, off int) int {
	for off < len(data) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// JSONError places an error of json.Unmarshal over data, a syntax error or
// a value of the wrong type, at the line and column of the offending
// character. The reports' readers of evidence files use it too.
func JSONError(file string, data []byte, err error) *InputError {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te):
		// Offset counts the bytes read up to the end of the value.
		p := lineCol(data, valueAt(data, int(te.Offset)))
		return &InputError{File: file, Line: p.line, Col: p.col, Reason: JSONTypeReason(err), Err: err}
	case errors.As(err, &se):
		// encoding/json counts the offending byte in Offset.
		p := lineCol(data, int(se.Offset)-1)
		reason := se.Error()
		switch {
		case se.Offset == int64(len(data)) && strings.HasPrefix(reason, "invalid character ' '") && len(data) > 0 && data[len(data)-1] != ' ':
			// The scanner ends the input with a space of its own: a
			// file cut inside a string escape (a trailing \) is cut short,
			// not "invalid character ' ' in string escape code".
			p, reason = lineCol(data, len(data)), jsonEndsEarly
		case se.Offset >= int64(len(data)) && strings.HasPrefix(reason, "unexpected end"):
			p, reason = lineCol(data, len(data)), jsonEndsEarly
		}
		return &InputError{File: file, Line: p.line, Col: p.col, Reason: reason, Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		p := lineCol(data, len(data))
		return &InputError{File: file, Line: p.line, Col: p.col, Reason: jsonEndsEarly, Err: err}
	}
	return &InputError{File: file, Line: 1, Reason: err.Error(), Err: err}
}

// valueAt returns the offset at which the value ending at end begins, for
// a scalar (a string, number, true, false or null), or of the bracket that
// opens a list or object: where encoding/json's type errors point.
// JSONValueStart is the same for a window of a file.
func valueAt(data []byte, end int) int {
	end = min(max(end, 0), len(data))
	i := end - 1
	if i >= 0 && (data[i] == '[' || data[i] == '{') {
		return i // a list or object where a scalar belongs: its opening
	}
	if i >= 0 && data[i] == '"' {
		for i--; i >= 0; i-- {
			if data[i] == '"' && (i == 0 || data[i-1] != '\\') {
				return i
			}
		}
		return 0
	}
	for i >= 0 && !strings.ContainsRune(" \t\r\n,:[{", rune(data[i])) {
		i--
	}
	return i + 1
}

// JSONValueStart is valueAt for callers that read a window of a file.
func JSONValueStart(data []byte, end int) int { return valueAt(data, end) }

// JSONTypeReason says what a decoding type error found, in JSON's terms
// rather than Go's; any other error as it is.
func JSONTypeReason(err error) string {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return err.Error()
	}
	want := te.Type.Kind().String()
	switch te.Type.Kind() {
	case reflect.String:
		want = "a string"
	case reflect.Bool:
		want = "true or false"
	case reflect.Slice, reflect.Array:
		want = "a list"
	case reflect.Struct, reflect.Map:
		want = "an object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		want = "a number"
	}
	if te.Field == "" {
		return fmt.Sprintf("%s where %s is expected", te.Value, want)
	}
	return fmt.Sprintf("%s: %s where %s is expected", te.Field, te.Value, want)
}

// lineCounter turns increasing byte offsets into positions in linear time.
// A line ends in a LF, or in a CR alone (a classic Mac OS file, whose lines
// the YAML reader counts so too).
type lineCounter struct {
	data []byte
	off  int
	p    pos
}

func (c *lineCounter) pos(off int) pos {
	off = min(max(off, 0), len(c.data))
	if off < c.off {
		c.off, c.p = 0, pos{1, 1}
	}
	for c.off < off {
		r, n := utf8.DecodeRune(c.data[c.off:])
		c.off += n
		if r == '\n' || r == '\r' && (c.off == len(c.data) || c.data[c.off] != '\n') {
			c.p = pos{c.p.line + 1, 1}
		} else {
			c.p.col++
		}
	}
	return c.p
}

// loneSurrogate returns the offset of the first \uXXXX escape of a UTF-16
// surrogate that is not half of a pair (a high one followed by a low
// one), or -1. Backslashes appear only inside strings in valid JSON, and
// an escaped backslash is skipped whole.
func loneSurrogate(data []byte) int {
	hex4 := func(i int) (rune, bool) {
		if i+6 > len(data) || data[i] != '\\' || data[i+1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(string(data[i+2:i+6]), 16, 16)
		return rune(v), err == nil
	}
	for i := 0; i < len(data); i++ {
		if data[i] != '\\' || i+1 >= len(data) {
			continue
		}
		r, ok := hex4(i)
		if !ok {
			i++ // an escape of one character, \\ included
			continue
		}
		switch {
		case r >= 0xD800 && r <= 0xDBFF:
			if lo, ok := hex4(i + 6); ok && lo >= 0xDC00 && lo <= 0xDFFF {
				i += 11
				continue
			}
			return i
		case r >= 0xDC00 && r <= 0xDFFF:
			return i
		}
		i += 5
	}
	return -1
}
