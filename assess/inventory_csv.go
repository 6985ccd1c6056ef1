package assess

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxCSVColumns bounds a CSV inventory's header: the fields and 64 tags
// fit many times over.
const maxCSVColumns = 1024

// parseCSV reads a CSV inventory: a header row naming the columns, then one
// row per sender. Positions are line and column number (the field's index).
func parseCSV(file string, data []byte, errs *errList, emit func(*rawEntry)) {
	if i := lineEnd(data); i >= 0 && loneCR(data, i) {
		// The header ends in a CR alone: a classic Mac OS file, whose
		// rows encoding/csv would read as one, naming a control
		// character in a column name (or, after a quoted name, a quote
		// fault) rather than the cause.
		errs.addf(file, pos{line: 1}, "lines end in a carriage return alone (classic Mac OS line endings); save the file as CSV with LF or CRLF line endings")
		return
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	var recStart int64 // offset of the record read last (with blank lines before it)
	read := func() ([]string, bool) {
		for {
			recStart = r.InputOffset()
			rec, err := r.Read()
			if err == io.EOF {
				return nil, false
			}
			if err != nil {
				errs.add(csvError(file, data, err))
				return nil, false
			}
			if !blankRecord(rec) {
				return rec, true
			}
		}
	}
	header, ok := read()
	if !ok {
		return
	}
	headerLine, _ := r.FieldPos(0)
	if len(header) > maxCSVColumns {
		// One column per field or tag: a header this wide is another
		// kind of file (a transposed export, a list of addresses).
		errs.addf(file, pos{line: headerLine}, "the header has %d columns, more than an inventory's %d (one per field or tag; a list of addresses goes one per row under an ip column)", len(header), maxCSVColumns)
		return
	}
	// A header of one column holding ';' or tabs: a spreadsheet's export
	// in a locale whose list separator is ';', or a tab-separated file.
	// Its tabs are separators, not a column name's control characters.
	otherSep := len(header) == 1 && (strings.Contains(header[0], ";") || strings.Contains(header[0], "\t"))
	keys := make([]string, len(header))
	first := make(map[string]int, len(header)) // a column name's first column
	ipCol := -1
	bad := false
	for i, h := range header {
		k := strings.ToLower(strings.TrimSpace(h))
		keys[i] = k
		p := pos{headerLine, i + 1}
		switch {
		case !utf8.ValidString(h): // before ToLower, which makes it valid
			errs.addf(file, p, "column name is not valid UTF-8")
			bad = true
		case strings.IndexFunc(k, unicode.IsControl) >= 0 && !otherSep:
			errs.addf(file, p, "column name %q contains a control character", k)
			bad = true
		case len(k) > maxTagKeyLen:
			errs.addf(file, p, "column name is too long (%d bytes; the limit is %d)", len(k), maxTagKeyLen)
			bad = true
		}
		if j, dup := first[k]; k != "" && dup {
			errs.addf(file, p, "duplicate column %q (also column %d)", k, j+1)
			bad = true
		} else if !dup {
			first[k] = i
		}
		if k == "ip" {
			ipCol = i
		}
	}
	if ipCol < 0 {
		hint := "the first row must name the columns"
		if otherSep {
			// A column name may hold ';', never a tab: any tab is the
			// separator.
			sep := "';'"
			if strings.Contains(header[0], "\t") {
				sep = "tabs"
			}
			hint = "the columns must be separated by commas; this header uses " + sep
		} else if i := slices.IndexFunc(keys, ipLike); i >= 0 {
			hint = fmt.Sprintf("name the address column ip, not %q", strings.TrimSpace(header[i]))
		}
		errs.addf(file, pos{line: headerLine}, "no ip column in header %.200q (%s)", strings.Join(header, ","), hint)
		return
	}
	if bad {
		return
	}
	for {
		rec, ok := read()
		if !ok {
			return
		}
		if col, ok := mixedLineEnd(rec, data[recStart:r.InputOffset()]); ok {
			// A line of a CRLF or LF file ends in a CR alone: encoding/csv
			// reads the next line as more of this row, whose fields
			// would each be a problem of their own.
			l, _ := r.FieldPos(col)
			errs.addf(file, pos{l, col + 1}, csvMixedLineEnds)
			continue
		}
		line, _ := r.FieldPos(0)
		e := rawEntry{pos: pos{line, 0}, values: make([]rawValue, 0, len(keys))}
		for i, v := range rec {
			l, _ := r.FieldPos(i)
			p := pos{l, i + 1}
			switch {
			case i >= len(keys):
				if strings.TrimSpace(v) != "" {
					errs.addf(file, p, "row has more fields than the header (%d)", len(keys))
				}
				continue
			case keys[i] == "":
				if strings.TrimSpace(v) != "" {
					errs.addf(file, p, "value in column %d, which has no name in the header", i+1)
				}
				continue
			}
			e.values = append(e.values, rawValue{key: keys[i], pos: p, keyPos: pos{headerLine, i + 1}, scalar: v})
		}
		if len(rec) <= ipCol {
			e.values = append(e.values, rawValue{key: "ip", pos: pos{line, ipCol + 1}})
		}
		emit(&e)
	}
}

// csvMixedLineEnds is the reason given for a row whose line ends in a CR
// alone among lines that end in LF or CRLF.
const csvMixedLineEnds = "this line ends in a carriage return alone, unlike the lines before it (mixed line endings): the next line is read as part of this row; save the file as CSV with LF or CRLF line endings"

// lineEnd returns the offset of the first CR or LF of data outside double
// quotes, or -1.
func lineEnd(data []byte) int {
	quoted := false
	for i, c := range data {
		switch {
		case c == '"':
			quoted = !quoted
		case (c == '\r' || c == '\n') && !quoted:
			return i
		}
	}
	return -1
}

// loneCR reports whether data[i] is a CR that ends a line by itself: one
// followed by more than a LF (encoding/csv drops a CR at the very end).
func loneCR(data []byte, i int) bool {
	return data[i] == '\r' && i+1 < len(data) && data[i+1] != '\n'
}

// mixedLineEnd reports whether the record rec, read from raw, holds a CR
// that ends a line by itself outside quotes, and the index of the field
// holding it. encoding/csv keeps such a CR in an unquoted field; one in a
// quoted field is part of its value, refused as a line break.
func mixedLineEnd(rec []string, raw []byte) (int, bool) {
	if !slices.ContainsFunc(rec, func(f string) bool { return strings.IndexByte(f, '\r') >= 0 }) {
		return 0, false
	}
	quoted, col := false, 0
	for i, c := range raw {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ',':
			col++
		case loneCR(raw, i):
			return min(col, len(rec)-1), true
		}
	}
	return 0, false
}

// blankRecord reports whether every field of a record is empty or spaces.
func blankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// csvError turns an encoding/csv error into an InputError at the line where
// the faulty field starts and the field's column number.
func csvError(file string, data []byte, err error) *InputError {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return &InputError{File: file, Line: 1, Reason: err.Error(), Err: err}
	}
	if line, col, reason, ok := findCSVQuoteError(data, pe.StartLine); ok {
		return &InputError{File: file, Line: line, Col: col, Reason: reason, Err: err}
	}
	return &InputError{File: file, Line: pe.StartLine, Reason: pe.Err.Error(), Err: err}
}

// findCSVQuoteError scans the record starting on line startLine with the
// rules of encoding/csv (comma separator, leading space trimmed) and returns
// the line where the faulty field starts, its column number and the reason.
func findCSVQuoteError(data []byte, startLine int) (line, col int, reason string, ok bool) {
	off := 0
	for l := 1; l < startLine; l++ {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			return 0, 0, "", false
		}
		off += i + 1
	}
	line, col = startLine, 1
	for off <= len(data) {
		// leading space of the field
		for off < len(data) {
			r, n := utf8.DecodeRune(data[off:])
			if r == '\n' || !unicode.IsSpace(r) {
				break
			}
			off += n
		}
		if off < len(data) && data[off] == '"' {
			start := line
			off++
		quoted:
			for {
				if off >= len(data) {
					return start, col, `quoted field is not closed (a " is missing)`, true
				}
				c := data[off]
				off++
				switch {
				case c == '\n':
					line++
				case c != '"':
				case off < len(data) && data[off] == '"':
					off++
				case off >= len(data) || data[off] == ',' || data[off] == '\n':
					break quoted
				case data[off] == '\r' && off+1 < len(data) && data[off+1] == '\n':
					off++
					break quoted
				case loneCR(data, off):
					return line, col, csvMixedLineEnds, true
				default:
					r, _ := utf8.DecodeRune(data[off:])
					return start, col, fmt.Sprintf(`unexpected %q after the closing " of a quoted field (double a " inside quotes)`, r), true
				}
			}
		} else {
			for off < len(data) && data[off] != ',' && data[off] != '\n' {
				switch {
				case data[off] == '"':
					return line, col, `bare " in a field that is not quoted (quote the field and double the " inside it)`, true
				case loneCR(data, off):
					// The next line is read as more of this field.
					return line, col, csvMixedLineEnds, true
				}
				off++
			}
		}
		if off >= len(data) || data[off] == '\n' {
			return 0, 0, "", false // the record ended without a quote error
		}
		off++ // the comma
		col++
	}
	return 0, 0, "", false
}

// ipLike reports a column name that looks meant for the addresses: "ip
// address", "ip_addr", "ipv4", "address".
func ipLike(k string) bool {
	k = strings.NewReplacer(" ", "", "_", "", "-", "").Replace(k)
	return strings.HasPrefix(k, "ip") || k == "address" || k == "addr" || k == "ipaddress"
}
