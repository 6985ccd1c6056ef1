package report

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"senderproof/assess"
	"senderproof/templates"
)

// ReadPack reads an evidence.json given as input, whole: ReadPackEach,
// keeping the findings, so that both hold a file to the same rules.
func ReadPack(path string) (*Pack, error) {
	var fs []assess.Finding
	p, err := ReadPackEach(context.Background(), path, func(_ []assess.Asset, f *assess.Finding) { fs = append(fs, *f) })
	if err != nil {
		return nil, err
	}
	p.Findings = fs
	return p, nil
}

// ReadPackForDrift reads an evidence.json for comparing it with another run
// (--baseline, diff): everything but the findings, which are kept only as
// the values drift compares, so an earlier pack of any size fits in memory.
// The returned pack has no Findings. It is held to what ReadPack requires.
func ReadPackForDrift(ctx context.Context, path string) (*Pack, error) {
	observed := map[string][]observation{}
	p, err := ReadPackEach(ctx, path, func(_ []assess.Asset, f *assess.Finding) { addObservations(observed, f) })
	if err != nil {
		return nil, err
	}
	p.observed = observed
	return p, nil
}

// ReadPackEach reads an evidence.json given as input, handing each finding
// to each, in order, with the pack's assets (which come first), instead of
// keeping it: the returned pack has no Findings, so a pack of any size is
// read in little memory (assess --replay keeps only the distinct DNS
// exchanges). It is held to what ReadPack requires. It stops with ctx's
// error once ctx is done.
func ReadPackEach(ctx context.Context, path string, each func(assets []assess.Asset, f *assess.Finding)) (*Pack, error) {
	var c *inputCheck
	p, err := scanPack(path, func(assets []assess.Asset, f *assess.Finding, at func() string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if c == nil {
			var err error
			if c, err = newInputCheck(path, assets); err != nil {
				return err
			}
		}
		if err := c.add(f, at); err != nil {
			return err
		}
		each(assets, f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if c == nil {
		if c, err = newInputCheck(path, p.Assets); err != nil {
			return nil, err
		}
	}
	if err := c.finish(p, p.findingsSeen); err != nil {
		return nil, err
	}
	return p, nil
}

// ScanPack reads an evidence.json, handing each finding to each as it is
// decoded (with the pack's assets, which come first) instead of keeping
// them: the returned pack has everything but Findings. It checks the
// syntax and types only: verify judges the content itself.
func ScanPack(path string, each func(assets []assess.Asset, f *assess.Finding) error) (*Pack, error) {
	return scanPack(path, func(assets []assess.Asset, f *assess.Finding, _ func() string) error {
		return each(assets, f)
	})
}

// scanPack is ScanPack, also handing each the position of the finding
// ("path:line:col"), worked out only when asked for.
func scanPack(path string, each func(assets []assess.Asset, f *assess.Finding, at func() string) error) (*Pack, error) {
	f, err := templates.OpenRegular(path)
	if err != nil {
		if errors.Is(err, templates.ErrNotRegular) {
			err = fmt.Errorf("%s: %w", path, err)
		}
		return nil, err
	}
	defer f.Close()
	// The bytes read are hashed as they are read: what was decoded is
	// known to be (or not to be) the file a manifest hashed, however the
	// file changed since.
	h := sha256.New()
	dec := json.NewDecoder(newUTF8Reader(bufio.NewReaderSize(io.TeeReader(f, h), 1<<20)))
	// fail places a decoding error; start is the offset at which the
	// decoder began the value that failed.
	fail := func(err error, start int64) (*Pack, error) { return nil, streamError(path, err, start, "") }
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			// Not JSON at all (an inventory, a PDF given by mistake):
			// say so, not what the JSON scanner expected.
			return nil, fmt.Errorf("%s: not JSON, so not an evidence.json: give a pack's evidence.json or its directory", path)
		}
		if err != nil {
			return fail(err, 0)
		}
		return nil, fmt.Errorf("%s: not a JSON object", path)
	}
	rest := map[string]json.RawMessage{}
	var assets []assess.Asset
	seen := false
	var keys []string
	for dec.More() {
		at := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return fail(err, dec.InputOffset())
		}
		key, _ := tok.(string)
		// A key given twice, or again in other case, is read one way by
		// one JSON reader and another way by the next (the first value,
		// the last, or both lists of findings): senderproof writes each
		// once.
		// Folded as encoding/json folds keys (ſ is s, the Kelvin sign
		// k); a pack has a handful of keys.
		if slices.ContainsFunc(keys, func(k string) bool { return strings.EqualFold(k, key) }) {
			return nil, fmt.Errorf("%s: key %q given twice (or again in other case): not an evidence.json senderproof wrote", positionIn(path, skipBlank(path, at, true)), key)
		}
		keys = append(keys, key)
		switch key {
		case "assets":
			start := dec.InputOffset()
			if err := dec.Decode(&assets); err != nil {
				return nil, streamError(path, err, start, "assets")
			}
		case "findings":
			if assets == nil {
				// senderproof writes the assets first, and the findings
				// are checked against them as they are read.
				return nil, fmt.Errorf("%s: findings come before assets: not an evidence.json senderproof wrote", positionIn(path, skipBlank(path, dec.InputOffset(), false)))
			}
			seen = true
			if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
				if err != nil {
					return fail(err, dec.InputOffset())
				}
				return nil, fmt.Errorf("%s: findings is not a list", path)
			}
			for dec.More() {
				start := dec.InputOffset()
				var fd assess.Finding
				if err := dec.Decode(&fd); err != nil {
					return fail(err, start)
				}
				at := func() string { return positionIn(path, skipBlank(path, start, true)) }
				if err := each(assets, &fd, at); err != nil {
					return nil, err
				}
			}
			if _, err := dec.Token(); err != nil {
				return fail(err, dec.InputOffset())
			}
		default:
			start := dec.InputOffset()
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return fail(err, start)
			}
			rest[key] = raw
		}
	}
	if _, err := dec.Token(); err != nil {
		return fail(err, dec.InputOffset())
	}
	// Nothing may follow the object but white space, as for ReadPack.
	off := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s: more after the JSON object: not an evidence.json senderproof wrote", positionIn(path, skipBlank(path, off, false)))
	}
	b, err := json.Marshal(rest)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var p Pack
	if err := json.Unmarshal(b, &p); err != nil {
		// The keys other than assets and findings, decoded again: name
		// the field, as their place in the file is not known here.
		return nil, fmt.Errorf("%s: %s", path, assess.JSONTypeReason(err))
	}
	if p.Schema != Schema {
		return nil, fmt.Errorf("%s: schema is %q, want %q", path, p.Schema, Schema)
	}
	p.Assets = assets
	p.findingsSeen = seen
	p.readSHA256 = hex.EncodeToString(h.Sum(nil)) // the decoder read to the end
	return &p, nil
}

// streamError places an error of a streaming decoder in the file at path.
// A type error's offset counts from start, where the decoder began the
// value of key; a syntax error is found again by scanning the file token
// by token, which stops right after the last good token.
func streamError(path string, err error, start int64, key string) error {
	var te *json.UnmarshalTypeError
	var be *badUTF8
	switch {
	case errors.As(err, &te):
		if te.Field == "" {
			te.Field = key
		}
		return fmt.Errorf("%s: %s", positionIn(path, valueStartIn(path, start+te.Offset)), assess.JSONTypeReason(err))
	case errors.As(err, &be):
		return fmt.Errorf("%s: %s", positionIn(path, be.off), be.Error())
	}
	off, reason := firstSyntaxError(path)
	if reason == "" {
		return fmt.Errorf("%s: %w", path, err)
	}
	return fmt.Errorf("%s: %s", positionIn(path, skipBlank(path, off, false)), reason)
}

// valueStartIn returns where the value that a type error's offset ends
// begins, reading the file back from it.
func valueStartIn(path string, end int64) int64 {
	f, err := os.Open(path)
	if err != nil {
		return end
	}
	defer f.Close()
	from := max(0, end-4096)
	buf := make([]byte, end-from)
	n, _ := f.ReadAt(buf, from)
	return from + int64(assess.JSONValueStart(buf[:n], n))
}

// firstSyntaxError scans the file at path token by token and returns the
// offset just after the last good token and what went wrong there; reason
// is "" when the file scans cleanly.
func firstSyntaxError(path string) (int64, string) {
	f, err := os.Open(path)
	if err != nil {
		return 0, ""
	}
	defer f.Close()
	dec := json.NewDecoder(newUTF8Reader(bufio.NewReaderSize(f, 1<<20)))
	depth := 0
	for tokens := 0; ; tokens++ {
		tok, err := dec.Token()
		switch {
		case err == io.EOF && tokens == 0:
			return 0, "the file is empty"
		case err == io.EOF && depth == 0:
			return 0, ""
		case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
			return dec.InputOffset(), "the file ends before its JSON is complete: it was cut short"
		case err != nil:
			var be *badUTF8
			if errors.As(err, &be) {
				return be.off, be.Error()
			}
			return dec.InputOffset(), err.Error()
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			// One value read: anything but white space after it is wrong.
			if _, err := dec.Token(); err != io.EOF {
				return dec.InputOffset(), "more after the JSON object"
			}
			return 0, ""
		}
	}
}

// skipBlank returns the offset of the first byte at or after off that is
// not white space (nor, with separators, the comma or colon before a
// value): where a value read from off begins, or a syntax error found
// after the last good token lies.
func skipBlank(path string, off int64, separators bool) int64 {
	f, err := os.Open(path)
	if err != nil {
		return off
	}
	defer f.Close()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return off
	}
	r := bufio.NewReader(f)
	for {
		c, err := r.ReadByte()
		if err != nil {
			return off
		}
		switch c {
		case ' ', '\t', '\r', '\n':
		case ',', ':':
			if !separators {
				return off
			}
		default:
			return off
		}
		off++
	}
}

// positionIn returns "path:line:col" for a byte offset in the file at path
// (col counts bytes), reading the file up to it.
func positionIn(path string, off int64) string {
	f, err := os.Open(path)
	if err != nil {
		return path
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	line, col := 1, 1
	for i := int64(0); i < off; i++ {
		c, err := r.ReadByte()
		if err != nil {
			break
		}
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Sprintf("%s:%d:%d", path, line, col)
}

// inputCheck holds an evidence.json read as input (--replay, --baseline,
// diff) to being one complete run: a run ID, a findings list, assets with
// IP addresses, and every finding of one of them with a known status, each
// asset having some. A pack cut down or edited by hand would otherwise turn
// into findings "not recorded" or drift against nothing.
type inputCheck struct {
	path   string
	assets map[string]int // IP → findings seen
	// cur is the asset whose findings are being read, and keys their
	// checks and selectors: senderproof writes an asset's findings
	// together, each once.
	cur  string
	keys map[string]bool
}

func newInputCheck(path string, assets []assess.Asset) (*inputCheck, error) {
	c := &inputCheck{path: path, assets: make(map[string]int, len(assets))}
	first := make(map[string]int, len(assets))
	for i, a := range assets {
		addr, err := netip.ParseAddr(a.IP)
		if err != nil {
			return nil, fmt.Errorf("%s: assets[%d]: %q is not an IP address", path, i, a.IP)
		}
		// senderproof writes each address in one form (RFC 5952, IPv4
		// unmapped, no zone), by which a sender is the same sender from
		// run to run: another form would turn one sender into one
		// removed and one added.
		if canon := addr.Unmap().WithZone("").String(); canon != a.IP {
			return nil, fmt.Errorf("%s: assets[%d]: %q is not written as senderproof writes addresses (%s): not an evidence.json senderproof wrote", path, i, a.IP, canon)
		}
		// The inventory merges an address's rows: a pack lists each once,
		// and a comparison or replay of one listed twice would be
		// ambiguous.
		if j, dup := first[a.IP]; dup {
			return nil, fmt.Errorf("%s: assets[%d]: %s is listed twice (also assets[%d]): not an evidence.json senderproof wrote", path, i, a.IP, j)
		}
		first[a.IP] = i
		c.assets[a.IP] = 0
	}
	return c, nil
}

func (c *inputCheck) add(f *assess.Finding, at func() string) error {
	n, ok := c.assets[f.Asset]
	if !ok {
		return fmt.Errorf("%s: finding %s of %q: the asset is not in the pack's assets", at(), f.Check, f.Asset)
	}
	switch f.Status {
	case assess.StatusPass, assess.StatusFail, assess.StatusWarn, assess.StatusError, assess.StatusSkip:
	default:
		return fmt.Errorf("%s: finding %s of %s: status %q is not one of pass, fail, warn, error, skip", at(), f.Check, f.Asset, f.Status)
	}
	if f.Asset != c.cur {
		if n > 0 {
			return fmt.Errorf("%s: the findings of %s are not together: not an evidence.json senderproof wrote", at(), f.Asset)
		}
		c.cur = f.Asset
		clear(c.keys)
	}
	k := f.Check
	if f.Selector != nil {
		k += " " + *f.Selector
	}
	if c.keys == nil {
		c.keys = map[string]bool{}
	}
	if c.keys[k] {
		return fmt.Errorf("%s: finding %s of %s is given twice: not an evidence.json senderproof wrote", at(), k, f.Asset)
	}
	c.keys[k] = true
	c.assets[f.Asset] = n + 1
	return nil
}

func (c *inputCheck) finish(p *Pack, findingsSeen bool) error {
	switch {
	case p.Run.ID == "":
		return fmt.Errorf("%s: run.id is missing: not the evidence.json of a run", c.path)
	case !findingsSeen:
		return fmt.Errorf("%s: no findings list: not the evidence.json of a run", c.path)
	}
	for _, a := range p.Assets {
		if c.assets[a.IP] == 0 {
			return fmt.Errorf("%s: asset %s has no findings: the pack is not complete", c.path, a.IP)
		}
	}
	return nil
}

// badUTF8 is a byte sequence that is not UTF-8, at offset off: senderproof
// writes its evidence in UTF-8, and encoding/json would quietly replace it.
type badUTF8 struct{ off int64 }

func (e *badUTF8) Error() string { return "not UTF-8 text: not an evidence.json senderproof wrote" }

// utf8Reader passes on what r reads, failing with *badUTF8 at the first
// sequence that is not UTF-8. A sequence cut by the end of one read is held
// back until the next completes it.
type utf8Reader struct {
	r   io.Reader
	off int64 // offset in the stream of buf[start]
	buf []byte
	// buf[start:checked] is checked and not yet passed on; buf[checked:n]
	// is the start of a sequence the next read completes.
	start, checked, n int
	err               error
}

func newUTF8Reader(r io.Reader) *utf8Reader {
	return &utf8Reader{r: r, buf: make([]byte, 64<<10)}
}

func (u *utf8Reader) Read(p []byte) (int, error) {
	for {
		if u.checked > u.start {
			k := copy(p, u.buf[u.start:u.checked])
			u.start += k
			u.off += int64(k)
			return k, nil
		}
		if u.err != nil {
			return 0, u.err
		}
		// Everything checked is passed on: keep the held bytes only.
		u.n = copy(u.buf, u.buf[u.checked:u.n])
		u.start, u.checked = 0, 0
		m, err := u.r.Read(u.buf[u.n:])
		u.n += m
		u.err = err
		i := 0
		for i < u.n {
			if u.buf[i] < utf8.RuneSelf {
				i++
				continue
			}
			if !utf8.FullRune(u.buf[i:u.n]) && err == nil {
				break // the next read completes it
			}
			if r, size := utf8.DecodeRune(u.buf[i:u.n]); r != utf8.RuneError || size > 1 {
				i += size
				continue
			}
			u.err = &badUTF8{u.off + int64(i)}
			u.n = i
			break
		}
		u.checked = i
	}
}
