package assess

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/secure/bidirule"
	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"

	"senderproof/templates"
)

// InputFile is one inventory file read, with its SHA-256 (hex).
type InputFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// Inventory is the loaded fleet.
type Inventory struct {
	// Assets are in inventory order (first appearance), CIDRs expanded and
	// duplicates merged. The assets expanded from one CIDR entry share their
	// Tags map and DKIMSelectors array: treat both as read-only.
	Assets []Asset
	// Warnings are problems that did not stop the load, each
	// "file:line: message": the first of them, WarningCount in all.
	Warnings     []string
	WarningCount int
	// Inputs are the files read, in order.
	Inputs []InputFile
	// SHA256 names the whole inventory: with one input it is that file's
	// SHA-256 (so `sha256sum` confirms it); with several it is the SHA-256 of
	// the inputs' hex hashes, each followed by a newline, in order.
	SHA256 string
}

// InputError is one problem with an input file.
type InputError struct {
	File   string
	Line   int // 1-based; 0 when the problem concerns the whole file
	Col    int // 1-based; CSV: the field's column number; JSON/YAML: the character
	Reason string
	Err    error // underlying error, if any (e.g. from reading the file)
}

func (e *InputError) Error() string {
	switch {
	case e.Line <= 0:
		return e.File + ": " + e.Reason
	case e.Col <= 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Reason)
}

func (e *InputError) Unwrap() error { return e.Err }

// Limits that bound the work of loading an inventory.
const (
	maxInventoryAssets = 1_000_000
	maxInventoryErrors = 50
	maxInventoryWarns  = 100
	maxInventoryFile   = 256 << 20 // bytes per file
	maxNameLen         = 253       // hostname, helo, domain, a DKIM selector
	maxValueLen        = 1024      // owner, environment, provider, relay, tag values
	maxTagKeyLen       = 256
	maxSelectorsPerRow = 64
	maxTagsPerRow      = 64
	maxCIDRBitsV4      = 16
	maxCIDRBitsV6      = 112
	maxYAMLAliasDepth  = 8
)

// criticalityExpected lists the criticality values, for messages.
const criticalityExpected = "high, medium or low"

// field is one of the known inventory fields.
type field int

const (
	fieldIP field = iota
	fieldHostname
	fieldHELO
	fieldDomain
	fieldSelectors
	fieldOwner
	fieldEnvironment
	fieldProvider
	fieldRelay
	fieldCriticality
	numFields
)

func (f field) String() string {
	switch f {
	case fieldIP:
		return "ip"
	case fieldHostname:
		return "hostname"
	case fieldHELO:
		return "helo"
	case fieldDomain:
		return "domain"
	case fieldSelectors:
		return "dkim_selectors"
	case fieldOwner:
		return "owner"
	case fieldEnvironment:
		return "environment"
	case fieldProvider:
		return "provider"
	case fieldRelay:
		return "relay"
	case fieldCriticality:
		return "criticality"
	}
	return "field(" + strconv.Itoa(int(f)) + ")"
}

// fieldByName maps a header name or key (already trimmed and lower-cased) to
// a known field.
func fieldByName(name string) (field, bool) {
	for f := range numFields {
		if f.String() == name {
			return f, true
		}
	}
	return 0, false
}

// nearField returns the field whose name key spells another way: with
// spaces, hyphens or dots for the underscore, or none ("dkim selectors",
// "host-name", "dkimselectors"), or in look-alike or invisible characters
// (fullwidth letters, a non-breaking hyphen or space, a zero-width space),
// which the key is read through NFKC and without format characters for;
// with or without a final s ("dkim_selector", "domains"); or by another
// name in use for it (fieldAliases).
func nearField(key string) (field, bool) {
	k := squashKey(key)
	for i, name := range squashedFields() {
		if f := field(i); f.String() != key && (name == k || name == k+"s" || name+"s" == k) {
			return f, true
		}
	}
	if f, ok := fieldAliases[k]; ok {
		return f, true
	}
	return 0, false
}

// fieldAliases maps other names in use for a field, as squashKey gives
// them, to the field: each names that field alone ("address", which may
// be a mailbox, does not).
var fieldAliases = map[string]field{
	"selector":       fieldSelectors,
	"selectors":      fieldSelectors,
	"ehlo":           fieldHELO,
	"ehloname":       fieldHELO,
	"ptr":            fieldHostname,
	"ptrname":        fieldHostname,
	"rdns":           fieldHostname,
	"reversedns":     fieldHostname,
	"ipaddress":      fieldIP,
	"sendingdomain":  fieldDomain,
	"mailfromdomain": fieldDomain,
}

// squashKey is key as nearField compares it: through NFKC (an ASCII key,
// the usual one, needs none), in lower case, without underscores, dots,
// dashes, spaces and invisible format characters.
func squashKey(key string) string {
	if !isASCII(key) {
		key = norm.NFKC.String(key)
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '_' || r == '.' || r == '-' || r == ' ':
			return -1
		case r < utf8.RuneSelf:
			return unicode.ToLower(r)
		case unicode.In(r, unicode.Pd, unicode.Zs, unicode.Cf):
			return -1
		}
		return unicode.ToLower(r)
	}, key)
}

// squashedFields holds each field's name as squashKey gives it.
var squashedFields = sync.OnceValue(func() []string {
	out := make([]string, numFields)
	for f := range numFields {
		out[f] = squashKey(f.String())
	}
	return out
})

// isName reports whether a field holds a DNS name (compared case-insensitively
// and without the trailing dot).
func (f field) isName() bool {
	return f == fieldHostname || f == fieldHELO || f == fieldDomain
}

// get and set address the string fields of an Asset.
func (f field) get(a *Asset) string {
	switch f {
	case fieldIP:
		return a.IP
	case fieldHostname:
		return a.Hostname
	case fieldHELO:
		return a.HELO
	case fieldDomain:
		return a.Domain
	case fieldOwner:
		return a.Owner
	case fieldEnvironment:
		return a.Environment
	case fieldProvider:
		return a.Provider
	case fieldRelay:
		return a.Relay
	case fieldCriticality:
		return a.Criticality
	}
	return ""
}

func (f field) set(a *Asset, v string) {
	switch f {
	case fieldIP:
		a.IP = v
	case fieldHostname:
		a.Hostname = v
	case fieldHELO:
		a.HELO = v
	case fieldDomain:
		a.Domain = v
	case fieldOwner:
		a.Owner = v
	case fieldEnvironment:
		a.Environment = v
	case fieldProvider:
		a.Provider = v
	case fieldRelay:
		a.Relay = v
	case fieldCriticality:
		a.Criticality = v
	}
}

// LoadInventory reads inventory files and merges them into one fleet. The
// format follows the extension: .csv, .yaml, .yml or .json. Every problem
// found is returned, joined, as *InputError values.
func LoadInventory(paths ...string) (*Inventory, error) {
	if len(paths) == 0 {
		return nil, errors.New("inventory: no inventory file given")
	}
	l := newLoader()
	var read []os.FileInfo
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil {
			if i := slices.IndexFunc(read, func(o os.FileInfo) bool { return os.SameFile(o, st) }); i >= 0 {
				// Its rows would merge with themselves, each "duplicating"
				// its own line.
				l.errs.add(&InputError{File: p, Reason: fmt.Sprintf("is given twice (--inventory %s and --inventory %s are the same file)", paths[i], p)})
				continue
			}
			read = append(read, st)
		} else {
			read = append(read, nil)
		}
		data, err := readInventoryFile(p)
		if err != nil {
			l.errs.add(err)
			continue
		}
		l.addFile(p, data)
	}
	return l.finish()
}

// ParseInventory parses one inventory held in memory. name chooses the format
// by its extension and names the file in messages and Inputs.
func ParseInventory(name string, data []byte) (*Inventory, error) {
	return parseInventory(name, data, maxInventoryAssets)
}

// ParseInventories parses inventory files held in memory, names[i] holding
// datas[i], and merges them into one fleet as LoadInventory does.
func ParseInventories(names []string, datas [][]byte) (*Inventory, error) {
	l := newLoader()
	for i, name := range names {
		l.addFile(name, datas[i])
	}
	return l.finish()
}

// MaxInventoryFile is the largest inventory file read, in bytes.
const MaxInventoryFile = maxInventoryFile

// parseInventory is ParseInventory with a cap on the number of assets.
func parseInventory(name string, data []byte, maxAssets int) (*Inventory, error) {
	l := newLoader()
	l.maxAssets = maxAssets
	l.addFile(name, data)
	return l.finish()
}

func readInventoryFile(path string) ([]byte, *InputError) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, &InputError{File: path, Reason: "is a directory, not an inventory file (.csv, .yaml, .yml or .json)"}
	}
	if _, err := inventoryFormat(path, textHead(path)); err != nil {
		return nil, err
	}
	data, _, err := templates.ReadAtMost(path, maxInventoryFile)
	switch {
	case errors.Is(err, templates.ErrTooLarge):
		return nil, &InputError{File: path, Reason: fmt.Sprintf("file is larger than %d MiB", maxInventoryFile>>20)}
	case err != nil:
		reason := "cannot read: " + unwrapPathError(err)
		if errors.Is(err, fs.ErrNotExist) && strings.Contains(path, ",") {
			reason += "; for several files, repeat --inventory (-i a.csv -i b.csv)"
		}
		return nil, &InputError{File: path, Reason: reason, Err: err}
	}
	return data, nil
}

// unwrapPathError drops the path an *fs.PathError repeats.
func unwrapPathError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// textHead returns the first bytes of a regular file named .txt or .tsv,
// whose refusal is worded by what it holds; nil for any other name, or
// when it cannot be read.
func textHead(path string) []byte {
	if ext := strings.ToLower(filepath.Ext(path)); ext != ".txt" && ext != ".tsv" {
		return nil
	}
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	head := make([]byte, textHeadSize)
	n, _ := io.ReadFull(f, head)
	return head[:n]
}

// textHeadSize is how much of a .txt or .tsv file words its refusal.
const textHeadSize = 4096

// inventoryFormat chooses the format by name's extension. head, the file's
// first bytes if known, words the advice for a .txt or .tsv file.
func inventoryFormat(name string, head []byte) (string, *InputError) {
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".csv":
		return "csv", nil
	case ".yaml", ".yml":
		return "yaml", nil
	case ".json":
		return "json", nil
	default:
		reason := fmt.Sprintf("unsupported inventory format %q (want .csv, .yaml, .yml or .json)", ext)
		switch {
		case name == "-" || strings.HasPrefix(name, "/dev/") || strings.HasPrefix(name, "/proc/"):
			// Standard input or a pipe has no extension to tell its format.
			reason = "standard input and pipes are not read: give an inventory file whose name ends in .csv, .yaml, .yml or .json"
		case strings.Contains(name, ","):
			reason += "; for several files, repeat --inventory (-i a.csv -i b.csv)"
		case ext == ".txt" || ext == ".tsv":
			reason += textAdvice(head)
		}
		return "", &InputError{File: name, Reason: reason}
	}
}

// textAdvice words the advice for a .txt or .tsv file by the first line
// that holds something of head, the start of the file, read as the loader
// reads text (UTF-8, or UTF-16 with or without a byte-order mark).
func textAdvice(head []byte) string {
	const save = "save the sheet as CSV (UTF-8) instead"
	var line []byte
	for rest := firstText(head); len(rest) > 0 && len(line) == 0; {
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		line = bytes.TrimSpace(line)
	}
	switch {
	case bytes.IndexByte(line, '\t') >= 0:
		// What a spreadsheet's "Unicode text" export gives: UTF-16,
		// tab-separated.
		return `; tab-separated text, which a spreadsheet's "Unicode text" export gives, is not read: ` + save
	case bytes.IndexByte(line, ',') >= 0:
		// A CSV file under another name, most likely.
		return "; its first line holds commas: if the file is comma-separated values, rename it to .csv"
	case len(line) > 0 && isAddressOrRange(string(line)):
		// A list of addresses, one a line.
		return "; a list of addresses, one a line, is read as CSV with a header: put the line ip above them and rename the file to .csv"
	case len(line) > 0:
		return "; give a CSV file whose first row names the columns, ip among them: " + save
	}
	return ""
}

// firstText is head, the start of a file, as UTF-8 text: decoded when it
// is UTF-16, whose last unit the cut may have halved.
func firstText(head []byte) []byte {
	h := head[:len(head)&^1]
	for range 2 {
		if text, _, err := utf8Text(h); err == nil {
			return text
		}
		h = h[:max(len(h)-2, 0)]
	}
	return head
}

// isAddressOrRange reports whether s is an IP address or a CIDR range.
func isAddressOrRange(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	_, err := netip.ParsePrefix(s)
	return err == nil
}

// errList collects input errors, keeping the first maxKeptErrors and
// counting the rest.
type errList struct {
	errs  []*InputError
	n     int
	files []string // in the order first seen, to sort by
}

const maxKeptErrors = 1000

func (l *errList) add(e *InputError) {
	l.n++
	if !slices.Contains(l.files, e.File) {
		l.files = append(l.files, e.File)
	}
	if len(l.errs) < maxKeptErrors {
		l.errs = append(l.errs, e)
	}
}

func (l *errList) addf(file string, p pos, format string, args ...any) *InputError {
	for i, a := range args {
		if s, ok := a.(string); ok && len(s) > maxQuotedValue {
			args[i] = ClipQuoted(s)
		}
	}
	e := &InputError{File: file, Line: p.line, Col: p.col, Reason: fmt.Sprintf(format, args...)}
	l.add(e)
	return e
}

// maxQuotedValue bounds the bytes of a value an error message repeats: a
// 10 MB field is named by its start and its length, not printed whole.
const maxQuotedValue = 120

// ClipQuoted cuts s to about 120 bytes at a character boundary and says
// how long it was; shorter values come back as they are. Input errors
// quote values through it.
func ClipQuoted(s string) string {
	if len(s) <= maxQuotedValue {
		return s
	}
	cut := maxQuotedValue
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:cut], len(s))
}

// err joins the errors in file, line and column order, at most
// maxInventoryErrors of them and a last "... and N more".
func (l *errList) err() error {
	if l.n == 0 {
		return nil
	}
	slices.SortStableFunc(l.errs, func(a, b *InputError) int {
		if c := slices.Index(l.files, a.File) - slices.Index(l.files, b.File); c != 0 {
			return c
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
	shown := l.errs[:min(len(l.errs), maxInventoryErrors)]
	errs := make([]error, 0, len(shown)+1)
	for _, e := range shown {
		errs = append(errs, e)
	}
	if l.n > len(shown) {
		errs = append(errs, fmt.Errorf("... and %d more", l.n-len(shown)))
	}
	return errors.Join(errs...)
}

// pos is a 1-based position in an input file; col may be 0 (unknown).
type pos struct{ line, col int }

// valueKind tells what a raw value held.
type valueKind int

const (
	kindScalar valueKind = iota // a string, number, boolean or null ("")
	kindList                    // a list of scalars
	kindOther                   // an object, or a list holding non-scalars
)

// rawValue is one key and its value as read from a file, before validation.
type rawValue struct {
	key    string // trimmed, lower-cased
	pos    pos    // of the value (CSV: of the cell)
	keyPos pos    // of the key (CSV: of the header's cell; YAML, JSON: of the key itself)
	kind   valueKind
	scalar string
	list   []rawItem
	// typed names the type of a JSON or YAML scalar that is not text
	// ("number", "boolean"): fine for an owner, a typo for a name.
	typed string
}

// rawItem is one item of a JSON or YAML list value, where it is, and the
// type of a scalar that is not text (as rawValue.typed).
type rawItem struct {
	text  string
	pos   pos
	typed string
}

// rawEntry is one row or entry as read from a file.
type rawEntry struct {
	pos    pos
	values []rawValue
}

// entry is a validated row or entry.
type entry struct {
	file      int32 // index into loader.files
	line      int32
	ipText    string
	prefix    netip.Prefix // a single address is a full-length prefix
	cidr      bool         // ip was written as a CIDR
	vals      [numFields]string
	at        [numFields]filePos // where each field's value is
	selectors []string
	tags      map[string]string
	tagKeys   []string  // of tags, sorted
	tagPos    []filePos // where each tag's value is, as tagKeys
	// tagAt holds the tags' positions while the entry is validated; a
	// map per row was a fifth of a large inventory's memory.
	tagAt map[string]filePos
}

// tagAtKey is where the entry's tag k is.
func (e *entry) tagAtKey(k string) filePos {
	if i, ok := slices.BinarySearch(e.tagKeys, k); ok {
		return e.tagPos[i]
	}
	return filePos{line: e.line}
}

// filePos is a pos kept per value of an entry, in half the space.
type filePos struct{ line, col int32 }

func filePosOf(p pos) filePos { return filePos{int32(p.line), int32(p.col)} }

func (p filePos) pos() pos { return pos{line: int(p.line), col: int(p.col)} }

// origin records where each value of one asset came from.
type origin struct {
	first  int32            // entry of first appearance
	src    [numFields]int32 // entry that set each field; -1 none
	tagSrc map[string]int32 // entry that set each tag; nil: all from first
}

type loader struct {
	files     []string
	inputs    []InputFile
	entries   []*entry
	assets    []Asset  // in order of first appearance
	origins   []origin // parallel to assets
	index     map[netip.Addr]int
	generated int // addresses produced by all entries, before merging
	maxAssets int
	errs      errList
	warnings  []string
	nwarn     int
	stopped   bool // the asset cap was hit: read no further entries
	// Identical tag sets and selector lists are shared by the entries,
	// and so the assets, that have them: a fleet's rows mostly repeat a
	// few, and a map per row was half an inventory's memory. Merging
	// copies a shared value before it changes it.
	tagSets      map[string]map[string]string
	selectorSets map[string][]string
	// nearMiss holds the file and tag key pairs already warned of as
	// spelling a field's name another way (one warning per file).
	nearMiss map[[2]string]bool
}

func newLoader() *loader {
	return &loader{index: map[netip.Addr]int{}, maxAssets: maxInventoryAssets}
}

func (l *loader) warnf(file string, line int32, format string, args ...any) {
	l.warnAt(file, fmt.Sprint(line), format, args...)
}

// warnAt is warnf at a place given as text: a line, or line:column.
func (l *loader) warnAt(file, at, format string, args ...any) {
	l.nwarn++
	if len(l.warnings) < maxInventoryWarns {
		l.warnings = append(l.warnings, file+":"+at+": "+fmt.Sprintf(format, args...))
	}
}

// utf8Text returns data as UTF-8 without a byte-order mark: a file saved
// as UTF-16 with its mark (a spreadsheet's "Unicode text") is converted,
// line for line, so positions in errors stay those of the file. So is
// UTF-16 without a mark, told by a NUL in every other byte of its start,
// which UTF-8 text never has: read as UTF-8, its CRLF would look like a
// carriage return alone and its column names like control characters.
// UTF-16 that does not decode (a lone surrogate, an odd last byte) is an
// error at its line, never replaced: golang.org/x/text's decoder would put
// U+FFFD in its place without a word, so the units are decoded here with
// unicode/utf16.
func utf8Text(data []byte) ([]byte, pos, error) {
	start, bigEndian, how := 2, false, "it starts with a UTF-16 byte-order mark"
	switch {
	case len(data) >= 2 && data[0] == 0xff && data[1] == 0xfe:
	case len(data) >= 2 && data[0] == 0xfe && data[1] == 0xff:
		bigEndian = true
	default:
		var ok bool
		if bigEndian, ok = utf16NoMark(data); !ok {
			return bytes.TrimPrefix(data, []byte("\ufeff")), pos{}, nil
		}
		start, how = 0, "without a byte-order mark: every other byte of its start is NUL"
	}
	unit := func(i int) rune { return rune(data[i]) | rune(data[i+1])<<8 }
	if bigEndian {
		unit = func(i int) rune { return rune(data[i])<<8 | rune(data[i+1]) }
	}
	out := make([]byte, 0, len(data))
	line := 1
	for i := start; i < len(data); i += 2 {
		if i+1 == len(data) {
			return nil, pos{line: line}, fmt.Errorf("the file is UTF-16 (%s) but ends in half a character; save it as UTF-8", how)
		}
		r := unit(i)
		if utf16.IsSurrogate(r) {
			if r >= 0xdc00 || i+3 >= len(data) || !utf16.IsSurrogate(unit(i+2)) || unit(i+2) < 0xdc00 {
				return nil, pos{line: line}, fmt.Errorf("the file is UTF-16 (%s) but holds a lone surrogate (%U) here; save it as UTF-8", how, r)
			}
			r = utf16.DecodeRune(r, unit(i+2))
			i += 2
		}
		if r == '\n' {
			line++
		}
		out = utf8.AppendRune(out, r)
	}
	return out, pos{}, nil
}

// utf16NoMark reports whether data is UTF-16 without a byte-order mark,
// and in which byte order: the first characters of an inventory (a header,
// "[{", "- ip:") are Latin letters and punctuation, so in UTF-16 every
// other byte of its start is NUL, the first (big-endian) or the second
// (little-endian) of each pair, and the byte beside it is not.
func utf16NoMark(data []byte) (bigEndian, ok bool) {
	n := min(len(data), 16) &^ 1
	if n < 4 {
		return false, false
	}
	le, be := true, true
	for i := 0; i < n; i += 2 {
		le = le && data[i] != 0 && data[i+1] == 0
		be = be && data[i] == 0 && data[i+1] != 0
	}
	return be, le || be
}

// addFile parses one file and merges its entries.
func (l *loader) addFile(name string, data []byte) {
	sum := sha256.Sum256(data)
	l.inputs = append(l.inputs, InputFile{Path: name, SHA256: hex.EncodeToString(sum[:])})
	format, ferr := inventoryFormat(name, data[:min(len(data), textHeadSize)])
	if ferr != nil {
		l.errs.add(ferr)
		return
	}
	data, at, err := utf8Text(data)
	if err != nil {
		l.errs.add(&InputError{File: name, Line: at.line, Reason: err.Error()})
		return
	}
	// Each row is validated as it is read, so the raw rows of a large
	// file are not all held at once.
	var entries []*entry
	raws, size := 0, 0
	emit := func(r *rawEntry) {
		raws++
		if e := l.validate(name, r); e != nil {
			entries = append(entries, e)
			size += prefixSize(e.prefix)
		}
	}
	before := l.errs.n
	switch format {
	case "csv":
		parseCSV(name, data, &l.errs, emit)
	case "yaml":
		if len(data) > yamlLargeFile {
			// The YAML library builds the whole document's node tree,
			// about 40 times the file's size; CSV and JSON are read as
			// they stream.
			l.warnf(name, 1, "%d MB of YAML takes about %d MB of memory to read; save a fleet this large as CSV or JSON, which are read as they stream", len(data)>>20, 40*len(data)>>20)
		}
		parseYAML(name, data, &l.errs, emit)
	case "json":
		parseJSON(name, data, &l.errs, emit)
	}
	if raws == 0 && l.errs.n == before {
		l.errs.add(&InputError{File: name, Line: 1, Reason: "no assets"})
	}
	size = min(size, l.maxAssets-len(l.assets)+1)
	if len(l.assets) == 0 {
		l.index = make(map[netip.Addr]int, size)
	}
	l.assets = slices.Grow(l.assets, size)
	l.origins = slices.Grow(l.origins, size)
	for _, e := range entries {
		if l.stopped {
			return
		}
		l.merge(e)
	}
}

// prefixSize is the number of assets a prefix expands to, at most 1<<16.
func prefixSize(p netip.Prefix) int {
	host := min(p.Addr().BitLen()-p.Bits(), 16)
	if p.Addr().Is4() && host > 1 {
		return 1<<host - 2
	}
	return 1 << host
}

// finish returns the inventory, or every error found.
func (l *loader) finish() (*Inventory, error) {
	if err := l.errs.err(); err != nil {
		return nil, err
	}
	inv := &Inventory{Assets: l.assets, Warnings: l.warnings, WarningCount: l.nwarn, Inputs: l.inputs, SHA256: InventorySHA256(l.inputs)}
	return inv, nil
}

// InventorySHA256 names a whole inventory by its files' hashes: with one
// file, that file's SHA-256; with several, the SHA-256 of their hashes,
// each with a line feed, in the order given.
func InventorySHA256(inputs []InputFile) string {
	if len(inputs) == 1 {
		return inputs[0].SHA256
	}
	h := sha256.New()
	for _, in := range inputs {
		io.WriteString(h, in.SHA256+"\n")
	}
	return hex.EncodeToString(h.Sum(nil))
}

// fileIndex returns the index of name in l.files, adding it.
func (l *loader) fileIndex(name string) int32 {
	if n := len(l.files); n > 0 && l.files[n-1] == name {
		return int32(n - 1)
	}
	l.files = append(l.files, name)
	return int32(len(l.files) - 1)
}

// yamlLargeFile is the size of a YAML inventory past which reading it is
// said to cost far more memory than the run (a few thousand senders).
const yamlLargeFile = 4 << 20

// validate checks one raw entry, reporting every problem; it returns nil when
// the entry has any.
func (l *loader) validate(file string, r *rawEntry) *entry {
	e := &entry{file: l.fileIndex(file), line: int32(r.pos.line)}
	nerr := l.errs.n
	seen := map[string]pos{}
	var ipPos pos
	ipSeen := false
	ipBad := false // the ip value itself was reported
	for _, v := range r.values {
		if p, dup := seen[v.key]; dup {
			l.errs.addf(file, v.pos, "duplicate key %q (first on line %d)", v.key, p.line)
			continue
		}
		seen[v.key] = v.pos
		f, known := fieldByName(v.key)
		if !known {
			l.validateTag(file, e, v)
			continue
		}
		e.at[f] = filePosOf(v.pos)
		if f == fieldSelectors {
			l.validateSelectors(file, e, v)
			continue
		}
		if f == fieldIP {
			ipPos, ipSeen = v.pos, true
		}
		if v.kind != kindScalar {
			l.errs.addf(file, v.pos, "%s must be a single value, not a list or object", f)
			ipBad = ipBad || f == fieldIP
			continue
		}
		s, ok := l.cleanValue(file, v.pos, f.String(), v.scalar)
		if !ok {
			ipBad = ipBad || f == fieldIP
			continue
		}
		switch {
		case f == fieldIP:
			e.ipText = s
		case f.isName():
			if v.typed != "" {
				l.errs.addf(file, v.pos, "%s %s is a %s, not a host or domain name (quote it if it is meant as one)", f, s, v.typed)
				continue
			}
			if strings.HasSuffix(s, "..") {
				l.errs.addf(file, v.pos, "%s %q ends in more than one dot (an empty label)", f, s)
				continue
			}
			if s == "." {
				// Not blank: dropping it would turn the user's value
				// into a skipped check.
				l.errs.addf(file, v.pos, "%s %q is the DNS root, not a host or domain name", f, s)
				continue
			}
			// As written, not lower-cased: that alone turns the Kelvin
			// sign into k.
			s = strings.TrimSuffix(s, ".")
			a, err := aLabels(s)
			if err != nil {
				var m errMapped
				if errors.As(err, &m) {
					l.errs.addf(file, v.pos, "%s %+q is not a domain name as DNS holds it: %v", f, s, err)
					continue
				}
				l.errs.addf(file, v.pos, "%s %q is not a valid internationalized domain name: %v", f, strings.ToLower(s), err)
				continue
			}
			s = a
			if f == fieldHELO && heloLiteral(s) && strings.HasPrefix(s, "[ipv6:") {
				// An IPv6 address literal shows its address as the ip
				// column does (RFC 5952), not in a form no one wrote.
				s = "[ipv6:" + netip.MustParseAddr(s[len("[ipv6:"):len(s)-1]).String() + "]"
			}
			if len(s) > maxNameLen {
				l.errs.addf(file, v.pos, "%s is too long (%d bytes; the limit is %d)", f, len(s), maxNameLen)
				continue
			}
			// The HELO name is judged by helo.fqdn, address literals
			// included; the expected PTR name and the sending domain
			// must be names, or every check on them reports the typo.
			if f != fieldHELO && s != "" {
				// An address first, IPv6 included, which the name syntax
				// would refuse for its colons without saying why.
				if _, err := netip.ParseAddr(s); err == nil || leadingZeroOctet(s) || inetAtonForm(s) {
					// A PTR name or a sending domain is never an address
					// (RFC 1123 §2.1): a column shifted by one.
					l.errs.addf(file, v.pos, "%s %q is an IP address, not a host or domain name", f, s)
					continue
				}
				if why := hostSyntax(s); why != "" {
					l.errs.addf(file, v.pos, "%s %q is not a valid host or domain name: %s", f, s, why)
					continue
				}
			}
		case f == fieldCriticality:
			given := s
			s = strings.ToLower(s)
			if s != "" && s != "high" && s != "medium" && s != "low" {
				l.errs.addf(file, v.pos, "criticality %q is not %s", given, criticalityExpected)
				continue
			}
		default:
			if len(s) > maxValueLen {
				l.errs.addf(file, v.pos, "%s is too long (%d bytes; the limit is %d)", f, len(s), maxValueLen)
				continue
			}
		}
		e.vals[f] = s
	}
	switch {
	case !ipSeen:
		l.errs.addf(file, r.pos, "missing ip")
	case ipBad:
	case e.ipText == "":
		l.errs.addf(file, ipPos, "missing ip")
	default:
		l.parseIP(file, ipPos, e)
	}
	if l.errs.n != nerr {
		return nil
	}
	e.tagKeys = slices.Sorted(maps.Keys(e.tags))
	if len(e.tagKeys) > 0 {
		e.tagPos = make([]filePos, len(e.tagKeys))
		for i, k := range e.tagKeys {
			e.tagPos[i] = e.tagAt[k]
		}
	}
	e.tagAt = nil
	e.selectors, e.tags = l.shareSelectors(e.selectors), l.shareTags(e.tags, e.tagKeys)
	return e
}

// shareTags returns the loader's map equal to tags (keys in sorted order),
// keeping tags as that map when there is none yet.
func (l *loader) shareTags(tags map[string]string, keys []string) map[string]string {
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(0) // values hold no control characters
		b.WriteString(tags[k])
		b.WriteByte(0)
	}
	key := b.String()
	if m, ok := l.tagSets[key]; ok {
		return m
	}
	if l.tagSets == nil {
		l.tagSets = map[string]map[string]string{}
	}
	if tags == nil {
		tags = map[string]string{}
	}
	l.tagSets[key] = tags
	return tags
}

// shareSelectors returns the loader's list equal to sel.
func (l *loader) shareSelectors(sel []string) []string {
	key := strings.Join(sel, "\x00")
	if s, ok := l.selectorSets[key]; ok {
		return s
	}
	if l.selectorSets == nil {
		l.selectorSets = map[string][]string{}
	}
	if sel == nil {
		sel = []string{}
	}
	sel = slices.Clip(sel)
	l.selectorSets[key] = sel
	return sel
}

// aLabels returns a name, as written, in lower case with its non-ASCII
// labels as A-labels (xn--), the form in which DNS holds and is asked for
// an internationalized name (RFC 5890, RFC 5891 §5): bücher.example is
// xn--bcher-kva.example. Only the non-ASCII labels go through IDNA: an
// ASCII label is left to the name syntax, as in an ASCII name, so
// mail_7.münchen.example is mail_7.xn--mnchen-3ya.example as
// mail_7.xn--mnchen-3ya.example is.
//
// A name the IDNA mapping would change beyond case (UTS #46: a fullwidth
// letter or dot folded to ASCII, a soft hyphen or zero-width space
// dropped, a decomposed letter composed, the long s or the Kelvin sign
// folded to s or k) is refused, with the name it would become
// (errMapped): a HELO name is judged as the server sends it, and a
// server configured with such a name does not send the mapped one.
func aLabels(name string) (string, error) {
	if isASCII(name) {
		// An RTL name written as A-labels (xn--, so "--" first, cheaply).
		if strings.Contains(name, "--") {
			if err := bidiLabels(name); err != nil {
				return "", err
			}
		}
		return strings.ToLower(name), nil
	}
	mapped := func() error {
		u, _ := idna.Lookup.ToUnicode(name)
		return errMapped{u}
	}
	if !norm.NFKC.IsNormalString(name) {
		// A compatibility character (a fullwidth letter, ſ, the Kelvin or
		// Angstrom sign) stands for another: checked before case, which
		// alone turns the Kelvin sign into k.
		return "", mapped()
	}
	labels := strings.Split(name, ".")
	for i, l := range labels {
		if isASCII(l) {
			labels[i] = strings.ToLower(l)
			continue
		}
		a, err := idna.Lookup.ToASCII(l)
		if err != nil {
			return "", err
		}
		// The U-label a holds, against the label as written: a dot
		// made (an ideographic full stop), or a character dropped or
		// folded to another (a soft hyphen), is not the same label.
		u, err := idna.Lookup.ToUnicode(a)
		if err != nil || !sameButCase(l, u) {
			return "", mapped()
		}
		labels[i] = strings.ToLower(a)
	}
	if err := bidiLabels(name); err != nil {
		return "", err
	}
	return strings.Join(labels, "."), nil
}

// bidiLabels applies the Bidi rule (RFC 5893 §2) to every label of a name
// that has a right-to-left label, as IDNA does for the whole name: the
// rule holds across labels, so an ASCII label beside a Hebrew one counts
// (1mail.שלום.example is no valid name, nor 1mail.xn--9dbne9b.example). An
// ASCII label with an underscore is left to the name syntax, as in an
// ASCII name.
func bidiLabels(name string) error {
	labels := strings.Split(name, ".")
	rtl := false
	for i, l := range labels {
		// An A-label counts as the U-label it holds.
		if len(l) > 4 && strings.EqualFold(l[:4], "xn--") {
			if u, err := idna.Lookup.ToUnicode(l); err == nil {
				labels[i] = u
			}
		}
		rtl = rtl || bidirule.DirectionString(labels[i]) == bidi.RightToLeft
	}
	if !rtl {
		return nil
	}
	for _, l := range labels {
		if l == "" || isASCII(l) && strings.Contains(l, "_") {
			continue
		}
		if !bidirule.ValidString(l) {
			return fmt.Errorf("label %q breaks the Bidi rule of a name with right-to-left labels (RFC 5893)", l)
		}
	}
	return nil
}

// sameButCase reports whether the label u that IDNA mapping makes of l
// differs from it only in case, character by character: an ASCII capital
// as its small letter, or a non-ASCII letter as its other case, never an
// ASCII one. strings.EqualFold is not that: it takes ſ for s and the
// Kelvin sign for k.
func sameButCase(l, u string) bool {
	if utf8.RuneCountInString(l) != utf8.RuneCountInString(u) {
		return false
	}
	for _, r := range l {
		m, n := utf8.DecodeRuneInString(u)
		u = u[n:]
		switch {
		case r == m:
		case r < utf8.RuneSelf:
			if r < 'A' || r > 'Z' || m != r+'a'-'A' {
				return false
			}
		case m < utf8.RuneSelf:
			return false
		case unicode.ToLower(r) != m && unicode.ToUpper(r) != m:
			// Upper case too: IDNA maps small Cherokee letters to
			// capitals.
			return false
		}
	}
	return true
}

// isASCII reports whether s is ASCII only.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// errMapped is aLabels' error for a name that IDNA mapping changes: to
// is the name it becomes, in U-labels.
type errMapped struct{ to string }

func (e errMapped) Error() string {
	return fmt.Sprintf("IDNA mapping would turn it into %q, dropping or folding invisible and compatibility characters: give the name exactly as DNS holds it", e.to)
}

// hostSyntax says what makes name (lower case, A-labels, no trailing dot)
// not a host or domain name, or "" when it is one: labels of 1 to 63
// letters, digits, hyphens and underscores (found in real names, though not
// in host names), not starting or ending with a hyphen.
func hostSyntax(name string) string {
	if name == "" {
		return "it is empty"
	}
	if strings.Contains(name, "://") || strings.ContainsAny(name, "/@") {
		return "give the name alone, without a scheme, path or mailbox"
	}
	for label := range strings.SplitSeq(name, ".") {
		if why := labelFault(label); why != "" {
			return why
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Sprintf("label %q starts or ends with a hyphen", label)
		}
	}
	return ""
}

// cleanValue trims a value and rejects invalid UTF-8 and control characters.
func (l *loader) cleanValue(file string, p pos, label, s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		l.errs.addf(file, p, "%s is not valid UTF-8", label)
		return "", false
	}
	if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		if r == '\n' || r == '\r' {
			l.errs.addf(file, p, "%s contains a line break: keep each value on one line (a spreadsheet's Alt+Enter makes one)", label)
			return "", false
		}
		l.errs.addf(file, p, "%s contains a control character (%U)", label, r)
		return "", false
	}
	if i := strings.IndexFunc(s, ControlRune); i >= 0 {
		// A bidirectional override or isolate, or a line separator, that
		// reports drop but evidence.json would keep for a terminal to act on.
		r, _ := utf8.DecodeRuneInString(s[i:])
		l.errs.addf(file, p, "%s contains the control character %U, which a terminal would act on or a viewer reorder text by", label, r)
		return "", false
	}
	return s, true
}

func (l *loader) validateTag(file string, e *entry, v rawValue) {
	key, ok := l.cleanValue(file, v.pos, "key", v.key)
	if !ok {
		return
	}
	if key == "" {
		l.errs.addf(file, v.pos, "empty key")
		return
	}
	if len(key) > maxTagKeyLen {
		l.errs.addf(file, v.pos, "key %.40q... is too long (%d bytes; the limit is %d)", key, len(key), maxTagKeyLen)
		return
	}
	if f, ok := nearField(key); ok && !l.nearMiss[[2]string{file, key}] {
		// "DKIM Selectors" or "host-name" kept as a tag would skip the
		// checks of the field it was meant as, without a word.
		if l.nearMiss == nil {
			l.nearMiss = map[[2]string]bool{}
		}
		l.nearMiss[[2]string{file, key}] = true
		// Quoted in ASCII, so that what tells it from the field's name
		// shows.
		at := fmt.Sprint(v.pos.line)
		if v.keyPos.line > 0 {
			at = fmt.Sprintf("%d:%d", v.keyPos.line, v.keyPos.col)
		}
		l.warnAt(file, at, "%+q is kept as a tag, not read as %s: name it %s if it is meant as that field", key, f, f)
	}
	label := fmt.Sprintf("tag %q", key)
	if v.kind != kindScalar {
		if key == "tags" {
			// evidence.json's shape, which an inventory does not take.
			l.errs.addf(file, v.pos, "tags are keys of the entry itself, not a tags object: write team: mail beside ip (unknown keys are kept as tags)")
			return
		}
		l.errs.addf(file, v.pos, "%s must be a single value, not a list or object (unknown keys are kept as tags)", label)
		return
	}
	s, ok := l.cleanValue(file, v.pos, label, v.scalar)
	if !ok || s == "" {
		return
	}
	if len(s) > maxValueLen {
		l.errs.addf(file, v.pos, "%s is too long (%d bytes; the limit is %d)", label, len(s), maxValueLen)
		return
	}
	if len(e.tags) == maxTagsPerRow {
		l.errs.addf(file, v.pos, "more than %d tags", maxTagsPerRow)
		return
	}
	if e.tags == nil {
		e.tags, e.tagAt = map[string]string{}, map[string]filePos{}
	}
	e.tags[key] = s
	e.tagAt[key] = filePosOf(v.pos)
}

func (l *loader) validateSelectors(file string, e *entry, v rawValue) {
	var items []rawItem
	switch v.kind {
	case kindScalar:
		if v.typed == "boolean" {
			l.errs.addf(file, v.pos, "dkim_selectors %s is a boolean, not a selector (quote it if it is meant as one)", v.scalar)
			return
		}
		for _, f := range strings.FieldsFunc(v.scalar, func(r rune) bool { return r == ';' || unicode.IsSpace(r) }) {
			items = append(items, rawItem{text: f, pos: v.pos})
		}
	case kindList:
		items = v.list
	default:
		l.errs.addf(file, v.pos, "dkim_selectors must be a list of selectors or a string of them")
		return
	}
	for _, it := range items {
		if it.typed == "boolean" {
			// A number is kept as written (selectors such as 20230601
			// are common); true or false is a slip.
			l.errs.addf(file, it.pos, "dkim_selectors: %s is a boolean, not a selector (quote it if it is meant as one)", it.text)
			return
		}
		s, ok := l.cleanValue(file, it.pos, "dkim_selectors", it.text)
		if !ok {
			return
		}
		s = strings.TrimSuffix(strings.ToLower(s), ".")
		if s == "" || slices.Contains(e.selectors, s) {
			continue
		}
		if len(s) > maxNameLen {
			l.errs.addf(file, it.pos, "dkim_selectors: selector is too long (%d bytes; the limit is %d)", len(s), maxNameLen)
			return
		}
		if why := hostSyntax(s); why != "" {
			if strings.Contains(s, ",") {
				why = "separate selectors with spaces or semicolons, not commas"
			}
			l.errs.addf(file, it.pos, "dkim_selectors: %q is not a valid selector (RFC 6376 §3.1): %s", s, why)
			return
		}
		if len(e.selectors) == maxSelectorsPerRow {
			l.errs.addf(file, it.pos, "dkim_selectors: more than %d selectors", maxSelectorsPerRow)
			return
		}
		e.selectors = append(e.selectors, s)
	}
}

// notASender names the kind of address a that no mail is sent from on the
// Internet (unspecified, loopback, link-local, multicast or the broadcast
// address), or returns "". Private addresses pass: internal relays are
// inventoried too.
func notASender(a netip.Addr) string {
	switch {
	case a.IsUnspecified():
		return "the unspecified address"
	case a.IsLoopback():
		return "a loopback address"
	case a.IsLinkLocalUnicast():
		return "a link-local address"
	case a.IsMulticast():
		return "a multicast address"
	case a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "the broadcast address"
	}
	return ""
}

// lastAddr is the last address of a prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// inetAtonForm reports whether s is an address in one of the forms
// inet_aton reads besides dotted decimal: one to four parts, each decimal,
// octal (a leading 0) or hexadecimal (0x), such as 0x7f.0.0.1.
func inetAtonForm(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return false
	}
	hex := false
	for _, p := range parts {
		digits := p
		if h, ok := strings.CutPrefix(strings.ToLower(p), "0x"); ok {
			digits, hex = h, true
			if digits == "" || strings.Trim(digits, "0123456789abcdef") != "" {
				return false
			}
			continue
		}
		if digits == "" || strings.Trim(digits, "0123456789") != "" {
			return false
		}
	}
	return hex
}

// leadingZeroOctet reports whether s is four dot-separated decimal
// octets of at most 255, one of them written with a leading zero
// (010.0.0.1).
func leadingZeroOctet(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	zero := false
	for _, p := range parts {
		if n, err := strconv.Atoi(p); err != nil || n > 255 || strings.Trim(p, "0123456789") != "" {
			return false
		}
		zero = zero || len(p) > 1 && p[0] == '0'
	}
	return zero
}

// parseIP reads e.ipText as an address or CIDR into e.prefix.
func (l *loader) parseIP(file string, p pos, e *entry) bool {
	s := e.ipText
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		switch {
		case err != nil && leadingZeroOctet(s):
			l.errs.addf(file, p, "invalid ip %q: an octet with a leading zero is ambiguous (some tools read it as octal); write it without", s)
			return false
		case err != nil:
			l.errs.addf(file, p, "invalid ip %q (want an IPv4 or IPv6 address or a CIDR)", s)
			return false
		case a.Zone() != "":
			l.errs.addf(file, p, "invalid ip %q: zones are not allowed", s)
			return false
		}
		if a.Is4In6() {
			// Mail from it is mail from the IPv4 address (RFC 7208 §5):
			// the pack names that one, so say which it is.
			l.warnf(file, e.line, "%s is IPv4-mapped; assessed as %s", s, a.Unmap())
		}
		a = a.Unmap()
		if why := notASender(a); why != "" {
			l.warnf(file, e.line, "%s is %s, not an address mail is sent from; assessed as given", a, why)
		}
		e.prefix = netip.PrefixFrom(a, a.BitLen())
		return true
	}
	pfx, err := netip.ParsePrefix(s)
	switch {
	case err != nil && strings.Contains(s, "%"):
		l.errs.addf(file, p, "invalid cidr %q: zones are not allowed", s)
		return false
	case err != nil:
		l.errs.addf(file, p, "invalid cidr %q (want address/length, e.g. 192.0.2.0/24)", s)
		return false
	}
	mapped := false
	if a := pfx.Addr(); a.Is4In6() && pfx.Bits() >= 96 {
		pfx = netip.PrefixFrom(a.Unmap(), pfx.Bits()-96)
		mapped = true
	}
	limit := maxCIDRBitsV4
	if pfx.Addr().Is6() {
		limit = maxCIDRBitsV6
	}
	switch {
	case pfx.Bits() < limit && mapped:
		l.errs.addf(file, p, "cidr %s is too large: it is IPv4-mapped, %s, and the limit for IPv4 is /%d", s, pfx, limit)
		return false
	case pfx.Bits() < limit && pfx.Addr().Is6():
		// An IPv6 fleet is often written down by its /64s; each holds
		// 2^64 addresses, so list the senders' addresses or their /112s.
		l.errs.addf(file, p, "cidr %s is too large: the limit is /%d (%d addresses); list the sending addresses of a larger network, or their /%d networks", s, limit, 1<<(128-limit), limit)
		return false
	case pfx.Bits() < limit:
		l.errs.addf(file, p, "cidr %s is too large: the limit is /%d", s, limit)
		return false
	}
	if mapped {
		l.warnf(file, e.line, "%s is IPv4-mapped; assessed as %s", s, pfx)
	}
	if m := pfx.Masked(); m != pfx {
		l.warnf(file, e.line, "%s is not a network address; using %s", s, m)
		pfx = m
	}
	// The special ranges (loopback, multicast, link-local...) are far
	// larger than any CIDR allowed here, so its first address tells; the
	// broadcast address is one, at the end of 255.255.255.254/31.
	why := notASender(pfx.Addr())
	if why == "" {
		why = notASender(lastAddr(pfx))
	}
	if why != "" {
		kind := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(why, "a "), "the "), " address")
		l.warnf(file, e.line, "%s is in the %s range, not addresses mail is sent from; assessed as given", pfx, kind)
	}
	e.prefix, e.cidr = pfx, true
	return true
}

// merge adds the assets of one entry, merging those already present.
func (l *loader) merge(e *entry) {
	ei := int32(len(l.entries))
	l.entries = append(l.entries, e)
	file := l.files[e.file]
	pfx := e.prefix
	skipEnds := pfx.Addr().Is4() && pfx.Bits() < 31
	overlaps, firstOverlap := 0, netip.Addr{}
	var reported map[conflictKey]*conflictSeen // conflicts already reported for this entry
	for a := pfx.Addr(); a.IsValid() && pfx.Contains(a); a = a.Next() {
		if skipEnds && (a == pfx.Addr() || !pfx.Contains(a.Next())) {
			continue
		}
		l.generated++
		if i, ok := l.index[a]; ok {
			if overlaps == 0 {
				firstOverlap = a
			}
			overlaps++
			if reported == nil {
				reported = map[conflictKey]*conflictSeen{}
			}
			l.mergeInto(&l.assets[i], &l.origins[i], e, ei, a, reported)
			if l.generated > 2*l.maxAssets {
				l.errs.addf(file, pos{line: int(e.line)}, "inventory expands to more than %d addresses", 2*l.maxAssets)
				l.stopped = true
				return
			}
			continue
		}
		if len(l.assets) == l.maxAssets {
			l.errs.addf(file, pos{line: int(e.line)}, "inventory has more than %d assets", l.maxAssets)
			l.stopped = true
			return
		}
		l.index[a] = len(l.assets)
		l.assets = append(l.assets, newAsset(e, a))
		l.origins = append(l.origins, newOrigin(e, ei))
	}
	// A CIDR row's conflict is reported at its first address; the error
	// says how many more of the row's addresses have it.
	for _, c := range reported {
		if c.more > 0 {
			what := "addresses"
			if c.more == 1 {
				what = "address"
			}
			c.err.Reason += fmt.Sprintf(" (and %d more %s of this row)", c.more, what)
		}
	}
	if overlaps == 0 {
		return
	}
	first := l.entries[l.origins[l.index[firstOverlap]].first]
	if !e.cidr {
		l.warnf(file, e.line, "%s duplicates %s; merged", firstOverlap, l.where(e, first.file, first.line))
		return
	}
	l.warnf(file, e.line, "%s overlaps %d address(es) listed earlier (first %s, %s); merged", e.ipText, overlaps, firstOverlap, l.where(e, first.file, first.line))
}

// where names a line relative to entry e: "line 3" in the same file,
// "other.csv:3" in another.
func (l *loader) where(e *entry, file, line int32) location {
	if file == e.file {
		return location(fmt.Sprintf("line %d", line))
	}
	return location(fmt.Sprintf("%s:%d", l.files[file], line))
}

// location is a place in the inputs named in an error: never cut short,
// unlike the values an error quotes.
type location string

func newAsset(e *entry, a netip.Addr) Asset {
	as := Asset{IP: a.String(), DKIMSelectors: e.selectors, Tags: e.tags}
	for f := range numFields {
		if f != fieldIP && f != fieldSelectors {
			f.set(&as, e.vals[f])
		}
	}
	return as
}

func newOrigin(e *entry, ei int32) origin {
	o := origin{first: ei}
	for f := range numFields {
		o.src[f] = -1
		if e.vals[f] != "" || f == fieldSelectors && len(e.selectors) > 0 {
			o.src[f] = ei
		}
	}
	return o
}

// sameSelectors reports whether two lists hold the same selectors (each
// list is already de-duplicated and lower case).
func sameSelectors(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, s := range b {
		if !slices.Contains(a, s) {
			return false
		}
	}
	return true
}

// tagSources returns a new map of the entry that set each of the tags.
func tagSources(tags map[string]string, o *origin) map[string]int32 {
	if o.tagSrc != nil {
		return maps.Clone(o.tagSrc)
	}
	m := make(map[string]int32, len(tags))
	for k := range tags {
		m[k] = o.first
	}
	return m
}

// conflictSeen is a conflict reported for an entry, and how many more of
// its addresses have the same one.
type conflictSeen struct {
	err  *InputError
	more int
}

// conflictKey identifies a reported conflict within one entry: the field or
// tag, and the line of the other value.
type conflictKey struct {
	label      string
	file, line int32
}

// conflict reports two different values for one field, once per entry, field
// and other line.
func (l *loader) conflict(reported map[conflictKey]*conflictSeen, e *entry, a netip.Addr, label, val, cur string, here filePos, src *entry, srcLine int32) {
	k := conflictKey{label, src.file, srcLine}
	if c := reported[k]; c != nil {
		c.more++
		return
	}
	reported[k] = &conflictSeen{err: l.errs.addf(l.files[e.file], here.pos(), "%s: %s %q conflicts with %q on %s", a, label, val, cur, l.where(e, src.file, srcLine))}
}

// mergeInto fills r's blanks from e; a different non-empty value is an error
// naming both lines.
func (l *loader) mergeInto(as *Asset, o *origin, e *entry, ei int32, a netip.Addr, reported map[conflictKey]*conflictSeen) {
	for f := range numFields {
		if f == fieldIP || f == fieldSelectors {
			continue
		}
		v := e.vals[f]
		if v == "" {
			continue
		}
		switch cur := f.get(as); {
		case cur == "":
			f.set(as, v)
			o.src[f] = ei
		case cur != v:
			src := l.entries[o.src[f]]
			l.conflict(reported, e, a, f.String(), v, cur, e.at[f], src, src.at[f].line)
		}
	}
	// Selectors are one field: the same list in another order is the same
	// value, and another list a conflict, as for any other field.
	switch {
	case len(e.selectors) == 0:
	case len(as.DKIMSelectors) == 0:
		as.DKIMSelectors = e.selectors
		o.src[fieldSelectors] = ei
	case !sameSelectors(as.DKIMSelectors, e.selectors):
		src := l.entries[o.src[fieldSelectors]]
		l.conflict(reported, e, a, fieldSelectors.String(), strings.Join(e.selectors, " "), strings.Join(as.DKIMSelectors, " "),
			e.at[fieldSelectors], src, src.at[fieldSelectors].line)
	}
	if len(e.tags) == 0 {
		return
	}
	copied := false
	for _, k := range e.tagKeys {
		v := e.tags[k]
		cur, ok := as.Tags[k]
		switch {
		case !ok:
			if !copied {
				as.Tags, o.tagSrc = maps.Clone(as.Tags), tagSources(as.Tags, o)
				copied = true
			}
			if len(as.Tags) == maxTagsPerRow {
				l.errs.addf(l.files[e.file], pos{line: int(e.tagAtKey(k).line)}, "%s: more than %d tags after merging", a, maxTagsPerRow)
				return
			}
			as.Tags[k] = v
			o.tagSrc[k] = ei
		case cur != v:
			si := o.first
			if o.tagSrc != nil {
				si = o.tagSrc[k]
			}
			src := l.entries[si]
			l.conflict(reported, e, a, fmt.Sprintf("tag %q", k), v, cur, e.tagAtKey(k), src, src.tagAtKey(k).line)
		}
	}
}
