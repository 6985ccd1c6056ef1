package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"

	"github.com/klauspost/compress/s2"

	"senderproof/assess"
)

// spool keeps a run's findings on disk, one compact JSON array per asset,
// so that a fleet of any size is held in memory only as counters and
// per-asset summaries. Writers read it back in inventory order.
//
// Each array is stored compressed (S2 blocks): a sender's findings repeat
// its few exchanges and its domain's records many times over, and the
// spool of a 100,000-sender run is about 350 MB of disk instead of 1.7 GB.
type spool struct {
	mu sync.Mutex
	// f is the spool file, used only through this handle: on Unix its
	// name is removed as soon as it is made (unlinkSpool).
	f        *os.File
	unlinked bool // f has no name left to remove
	size     int64
	text     int64   // the findings' JSON before compression
	chunks   []chunk // by asset index
	// buf holds the latest chunks, from file offset bufOff, until it is
	// full or read from: one write per megabyte rather than per asset.
	// Always bufOff+len(buf) == size.
	buf    []byte
	bufOff int64
}

// spoolBuffer is the size of the spool's write buffer.
const spoolBuffer = 1 << 20

type chunk struct{ off, n int64 }

func newSpool(dir string, assets int) (*spool, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	_, f, err := makeTemp(dir, ".senderproof-spool-*.tmp", false)
	if err != nil {
		return nil, err
	}
	return &spool{f: f, unlinked: unlinkSpool(f), chunks: make([]chunk, assets)}, nil
}

// put stores asset i's findings, already encoded as a JSON array. It
// compresses them into a buffer of its own, before taking the lock.
func (s *spool) put(i int, b []byte) error {
	if len(b) == 0 {
		return nil
	}
	zb := zbufs.Get().(*[]byte)
	defer zbufs.Put(zb)
	*zb = s2.Encode((*zb)[:cap(*zb)], b)
	text := len(b)
	b = *zb
	s.mu.Lock()
	defer s.mu.Unlock()
	s.text += int64(text)
	if len(s.buf)+len(b) > spoolBuffer {
		if err := s.flushLocked(); err != nil {
			return err
		}
	}
	off := s.size
	if len(b) > spoolBuffer {
		if _, err := s.f.WriteAt(b, off); err != nil {
			return fmt.Errorf("spooling findings: %w", err)
		}
		s.bufOff = off + int64(len(b))
	} else {
		if s.buf == nil {
			s.buf = make([]byte, 0, spoolBuffer)
		}
		s.buf = append(s.buf, b...)
	}
	s.size += int64(len(b))
	s.chunks[i] = chunk{off, int64(len(b))}
	return nil
}

// zbufs holds the buffers put compresses into.
var zbufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// readChunk returns chunk c of spool file f decompressed, in dst's memory
// when it is large enough; zbuf is scratch for the compressed bytes. Both
// come back for the next call.
func readChunk(f *os.File, c chunk, dst, zbuf []byte) (out, zout []byte, err error) {
	if int64(cap(zbuf)) < c.n {
		zbuf = make([]byte, c.n)
	}
	zbuf = zbuf[:c.n]
	if _, err := f.ReadAt(zbuf, c.off); err != nil && err != io.EOF {
		return dst, zbuf, fmt.Errorf("reading spooled findings: %w", err)
	}
	out, err = s2.Decode(dst[:cap(dst)], zbuf)
	if err != nil {
		return dst, zbuf, fmt.Errorf("reading spooled findings: %w", err)
	}
	return out, zbuf, nil
}

// flush writes the buffered chunks; readers call it first.
func (s *spool) flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushLocked()
}

func (s *spool) flushLocked() error {
	if len(s.buf) == 0 {
		return nil
	}
	if _, err := s.f.WriteAt(s.buf, s.bufOff); err != nil {
		return fmt.Errorf("spooling findings: %w", err)
	}
	s.bufOff += int64(len(s.buf))
	s.buf = s.buf[:0]
	return nil
}

// raw calls fn with each asset's JSON array, in inventory order.
func (s *spool) raw(fn func(b []byte) error) error {
	if err := s.flush(); err != nil {
		return err
	}
	var buf, zbuf []byte
	for _, c := range s.chunks {
		if c.n == 0 {
			continue
		}
		var err error
		if buf, zbuf, err = readChunk(s.f, c, buf, zbuf); err != nil {
			return err
		}
		if err := fn(buf); err != nil {
			return err
		}
	}
	return nil
}

// each decodes the findings and calls fn with each, in order. Decoding is
// most of the cost of reading a spool back, so workers decode chunks ahead
// while fn formats the earlier ones.
func (s *spool) each(skip skipFields, fn func(f *assess.Finding) error) error {
	return s.eachText(skip, func(f *assess.Finding, _ string) error { return fn(f) })
}

// eachText is each that, with skip.observedText, hands fn each finding's
// observed value as compactJSON text, its Observed left nil.
func (s *spool) eachText(skip skipFields, fn func(f *assess.Finding, observed string) error) error {
	if err := s.flush(); err != nil {
		return err
	}
	const workers, ahead = 2, 64
	type decoded struct {
		fs    []assess.Finding
		texts []string
		err   error
	}
	stop := make(chan struct{})
	defer close(stop)
	lanes := make([]chan decoded, workers)
	for w := range lanes {
		lanes[w] = make(chan decoded, ahead/workers)
	}
	var order []int // chunks that hold findings
	for i, c := range s.chunks {
		if c.n > 0 {
			order = append(order, i)
		}
	}
	f := s.f
	for w := range workers {
		go func() {
			defer close(lanes[w])
			var buf, zbuf []byte
			for j := w; j < len(order); j += workers {
				var d decoded
				var err error
				if buf, zbuf, err = readChunk(f, s.chunks[order[j]], buf, zbuf); err != nil {
					d.err = err
				} else if d.fs, d.texts, err = decodeFindingsText(buf, skip); err != nil {
					// Not what appendFindings writes: encoding/json decides.
					d.fs, d.texts = nil, nil
					if err := json.Unmarshal(buf, &d.fs); err != nil {
						d.err = fmt.Errorf("reading spooled findings: %w", err)
					} else if skip.observedText {
						d.texts = make([]string, len(d.fs))
						for i := range d.fs {
							d.texts[i] = compactJSON(d.fs[i].Observed)
							d.fs[i].Observed = nil
						}
					}
				}
				select {
				case lanes[w] <- d:
				case <-stop:
					return
				}
				if d.err != nil {
					return
				}
			}
		}()
	}
	for j := range order {
		d := <-lanes[j%workers]
		if d.err != nil {
			return d.err
		}
		for i := range d.fs {
			text := ""
			if d.texts != nil {
				text = d.texts[i]
			}
			if err := fn(&d.fs[i], text); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *spool) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	s.buf = nil
	err := s.f.Close()
	if s.unlinked {
		s.f = nil
		return err
	}
	if rerr := os.Remove(s.f.Name()); err == nil && rerr != nil && !os.IsNotExist(rerr) {
		err = rerr
	}
	s.f = nil
	return err
}

// EachFinding calls fn with every finding of the pack, in order (inventory
// order, then check ID). Writers use it rather than Findings: a large run's
// findings live in a spool file, not in memory.
func (p *Pack) EachFinding(fn func(f *assess.Finding) error) error {
	if p.spool == nil {
		for i := range p.Findings {
			if err := fn(&p.Findings[i]); err != nil {
				return err
			}
		}
		return nil
	}
	return p.spool.each(skipFields{}, fn)
}

// eachFindingWithout is EachFinding for a writer that needs no observed
// values, evidence or controls (as skip says): a spooled pack then does not
// build them, which is most of the cost of reading it back. Findings held in
// memory come whole.
func (p *Pack) eachFindingWithout(skip skipFields, fn func(f *assess.Finding) error) error {
	if p.spool == nil {
		return p.EachFinding(fn)
	}
	return p.spool.each(skip, fn)
}

// eachFindingObservedJSON is EachFinding for a writer that shows each
// finding's observed value only as compact JSON text (compactJSON): fn gets
// that text, and a spooled pack hands over the spooled text instead of
// building a map only to encode it again. Observed is nil then; findings
// held in memory come whole.
func (p *Pack) eachFindingObservedJSON(fn func(f *assess.Finding, observed string) error) error {
	if p.spool == nil {
		return p.EachFinding(func(f *assess.Finding) error { return fn(f, compactJSON(f.Observed)) })
	}
	return p.spool.eachText(skipFields{observedText: true}, fn)
}

// Close releases the pack's spool file, if any.
func (p *Pack) Close() error {
	if p.spool == nil {
		return nil
	}
	err := p.spool.close()
	p.spool = nil
	return err
}

// Builder assembles a Pack while a run is going on: the runner hands it
// each asset's findings as they are ready (from several goroutines), and
// they are rolled up and spooled to disk at once.
type Builder struct {
	assets []assess.Asset
	mu     sync.Mutex
	acc    *accumulator
	spool  *spool
	shared *sharedEncodings // encodings of domain-level findings
	// PerAsset, if set, is called with each asset's findings before they are
	// counted and may add findings (drift against a baseline does).
	PerAsset func(a assess.Asset, fs []assess.Finding) []assess.Finding
}

// NewBuilder returns a builder for the assets whose spool lives in dir (the
// pack's output directory, so it is on the same disk and cleaned with the
// pack's other temporary files).
func NewBuilder(dir string, assets []assess.Asset, m Mapper) (*Builder, error) {
	sp, err := newSpool(dir, len(assets))
	if err != nil {
		return nil, err
	}
	return &Builder{assets: assets, acc: newAccumulator(assets, m), spool: sp, shared: newSharedEncodings()}, nil
}

// Add takes asset i's findings. It is safe for concurrent use.
func (b *Builder) Add(i int, fs []assess.Finding) error {
	if b.PerAsset != nil {
		fs = b.PerAsset(b.assets[i], fs)
	}
	for j := range fs {
		b.acc.attach(&fs[j])
	}
	buf := encBufs.Get().(*[]byte)
	enc, err := appendFindingsShared((*buf)[:0], fs, b.shared)
	if err != nil {
		encBufs.Put(buf)
		return err
	}
	err = b.spool.put(i, enc)
	*buf = enc
	encBufs.Put(buf)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for j := range fs {
		b.acc.count(&fs[j])
	}
	return nil
}

// encBufs holds the buffers Add encodes each asset's findings into.
var encBufs = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// SpoolSize returns the bytes the findings take in the spool file and
// the bytes of their JSON, uncompressed.
func (b *Builder) SpoolSize() (disk, text int64) {
	b.spool.mu.Lock()
	defer b.spool.mu.Unlock()
	return b.spool.size, b.spool.text
}

// Flush writes the findings still buffered to the spool file: called once
// the run has added every asset, it reports a full disk as the spool's
// fault rather than as the first pack writer's.
func (b *Builder) Flush() error { return b.spool.flush() }

// Discard removes the spool of a run that will not be written.
func (b *Builder) Discard() { _ = b.spool.close() }

// Pack returns the pack; its findings stay in the spool until Close.
func (b *Builder) Pack(tool Tool, run Run, drift *Drift) *Pack {
	p := &Pack{Schema: Schema, Tool: tool, Run: run, Assets: b.assets, Findings: []assess.Finding{}, Drift: drift, spool: b.spool}
	if p.Assets == nil {
		p.Assets = []assess.Asset{}
	}
	if p.Run.Checks == nil {
		p.Run.Checks = checkInfos()
	}
	b.acc.finish(p)
	return p
}

// CheckRecordProblems compares a pack's run.checks (its checks and their
// pass criteria, which the PDF's methodology prints) with this binary's:
// for a pack this version made they are the same, so a difference is an
// edit.
func CheckRecordProblems(recorded []CheckInfo) []error {
	want := checkInfos()
	if slices.Equal(recorded, want) {
		return nil
	}
	var out []error
	for _, w := range want {
		i := slices.IndexFunc(recorded, func(c CheckInfo) bool { return c.ID == w.ID })
		switch {
		case i < 0:
			out = append(out, fmt.Errorf("run.checks lacks the check %s", w.ID))
		case recorded[i] != w:
			out = append(out, fmt.Errorf("run.checks describes %s otherwise than this version does (title, family or pass criteria)", w.ID))
		}
	}
	for _, r := range recorded {
		if !slices.ContainsFunc(want, func(c CheckInfo) bool { return c.ID == r.ID }) {
			out = append(out, fmt.Errorf("run.checks names %s, which is no check of this version", r.ID))
		}
	}
	if len(out) == 0 {
		out = append(out, errors.New("run.checks lists the checks in another order than this version does"))
	}
	return out
}

func checkInfos() []CheckInfo {
	var out []CheckInfo
	for _, c := range assess.Registry() {
		out = append(out, CheckInfo{ID: c.ID, Title: c.Title, Family: c.Family, Criteria: c.Criteria})
	}
	return out
}

// writeJSON writes the pack as evidence.json, streaming the findings: the
// same bytes json.MarshalIndent would give for an in-memory pack (but for
// findings that are nil, written [] as a run writes none). The
// lists that grow with the fleet (assets, findings, controls, the asset
// summary) are written an element at a time, so that an interrupt (ctx)
// stops a large pack's file within moments, not after one encoding of
// tens of megabytes.
func writeJSON(ctx context.Context, w io.Writer, p *Pack) error {
	head := *p
	head.Assets, head.Findings, head.Controls, head.AssetSummary = nil, nil, nil, nil
	b, err := json.MarshalIndent(&head, "", "  ")
	if err != nil {
		return err
	}
	// Split the document at each of those keys, written null in head,
	// and stream the list in between. A key at this indent after a line
	// break cannot occur inside a string, where a line break is escaped.
	lists := []struct {
		key   string
		write func() error
	}{
		{"assets", func() error { return writeList(ctx, w, p.Assets) }},
		{"findings", func() error { return writeFindingList(ctx, w, p) }},
		{"controls", func() error { return writeList(ctx, w, p.Controls) }},
		{"asset_summary", func() error { return writeList(ctx, w, p.AssetSummary) }},
	}
	for _, l := range lists {
		marker := []byte("\n  \"" + l.key + "\": null")
		at := bytes.Index(b, marker)
		if at < 0 {
			return fmt.Errorf("evidence.json: %s key not found", l.key)
		}
		if _, err := w.Write(b[:at+len(marker)-len("null")]); err != nil {
			return err
		}
		if err := l.write(); err != nil {
			return err
		}
		b = b[at+len(marker):]
	}
	_, err = w.Write(b)
	return err
}

// jsonListCheck is how many elements of a list writeJSON writes between
// looks at its context.
const jsonListCheck = 1024

// writeList writes s as the value of a key of the pack object, as
// json.MarshalIndent with indent "  " writes it there.
func writeList[T any](ctx context.Context, w io.Writer, s []T) error {
	if s == nil {
		_, err := io.WriteString(w, "null")
		return err
	}
	l, err := openList(w)
	if err != nil {
		return err
	}
	for i := range s {
		if i%jsonListCheck == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		raw, err := json.Marshal(&s[i])
		if err != nil {
			return err
		}
		if err := l.add(raw); err != nil {
			return err
		}
	}
	return l.close()
}

// writeFindingList writes the pack's findings, from its spool when it has
// one, as writeList writes a list; none at all as [], as a run writes them.
func writeFindingList(ctx context.Context, w io.Writer, p *Pack) error {
	if p.spool == nil && p.Findings != nil {
		return writeList(ctx, w, p.Findings)
	}
	l, err := openList(w)
	if err != nil {
		return err
	}
	if p.spool != nil {
		if err := p.spool.raw(func(arr []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return eachElement(arr, l.add)
		}); err != nil {
			return err
		}
	}
	return l.close()
}

// jsonList writes a JSON array element by element, each compact element
// indented as json.MarshalIndent would place it under a key of the pack.
type jsonList struct {
	w   io.Writer
	n   int
	ind []byte
}

func openList(w io.Writer) (*jsonList, error) {
	_, err := io.WriteString(w, "[")
	return &jsonList{w: w}, err
}

func (l *jsonList) add(raw []byte) error {
	sep := ",\n    "
	if l.n == 0 {
		sep = "\n    "
	}
	l.n++
	var err error
	if l.ind, err = appendIndent(append(l.ind[:0], sep...), raw, "    ", "  "); err != nil {
		return err
	}
	_, err = l.w.Write(l.ind)
	return err
}

func (l *jsonList) close() error {
	closing := "]"
	if l.n > 0 {
		closing = "\n  ]"
	}
	_, err := io.WriteString(l.w, closing)
	return err
}

// appendIndent appends src indented as json.Indent indents valid JSON, byte
// for byte, at several times its speed: evidence.json is gigabytes for a
// large fleet. Strings are copied in runs. It checks structure, not
// grammar (src is what this package's encoder wrote): a byte outside
// strings that no JSON value or punctuation uses, a control character in a
// string, an unterminated string or unbalanced nesting sends src to
// json.Indent itself, for its output or its error.
func appendIndent(dst, src []byte, prefix, indent string) ([]byte, error) {
	start := len(dst)
	// Trailing white space is kept, as json.Indent keeps it.
	orig := src
	trail := src[len(bytes.TrimRight(src, " \t\r\n")):]
	src = src[:len(src)-len(trail)]
	depth, needIndent := 0, false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			continue
		}
		if needIndent && c != '}' && c != ']' {
			needIndent = false
			depth++
			dst = appendNewline(dst, prefix, indent, depth)
		}
		switch c {
		case '"':
			j := i + 1
			for j < len(src) && jsonPlainInString[src[j]] {
				j++
			}
			for j < len(src) && src[j] != '"' {
				switch {
				case src[j] < 0x20:
					return slowIndent(dst[:start], orig, prefix, indent)
				case src[j] == '\\':
					j++
				}
				j++
				for j < len(src) && jsonPlainInString[src[j]] {
					j++
				}
			}
			if j >= len(src) {
				return slowIndent(dst[:start], orig, prefix, indent)
			}
			dst = append(dst, src[i:j+1]...)
			i = j
		case '{', '[':
			needIndent = true
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			dst = appendNewline(dst, prefix, indent, depth)
		case ':':
			dst = append(dst, c, ' ')
		case '}', ']':
			if needIndent {
				needIndent = false
			} else {
				if depth == 0 {
					return slowIndent(dst[:start], orig, prefix, indent)
				}
				depth--
				dst = appendNewline(dst, prefix, indent, depth)
			}
			dst = append(dst, c)
		default:
			if !jsonScalarByte[c] {
				return slowIndent(dst[:start], orig, prefix, indent)
			}
			dst = append(dst, c)
		}
	}
	if depth != 0 || needIndent {
		return slowIndent(dst[:start], orig, prefix, indent)
	}
	return append(dst, trail...), nil
}

// appendNewline starts a line at depth, as json.Indent does.
func appendNewline(dst []byte, prefix, indent string, depth int) []byte {
	dst = append(dst, '\n')
	dst = append(dst, prefix...)
	for range depth {
		dst = append(dst, indent...)
	}
	return dst
}

// slowIndent is json.Indent into dst.
func slowIndent(dst, src []byte, prefix, indent string) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	err := json.Indent(buf, src, prefix, indent)
	return buf.Bytes(), err
}

var (
	// jsonPlainInString: bytes copied as they are inside a string.
	jsonPlainInString = func() (t [256]bool) {
		for c := 0x20; c < 256; c++ {
			t[c] = c != '"' && c != '\\'
		}
		return t
	}()
	// jsonScalarByte: bytes of numbers and of true, false and null.
	jsonScalarByte = func() (t [256]bool) {
		for _, c := range []byte("0123456789+-.eEtruefalsn") {
			t[c] = true
		}
		return t
	}()
)

// eachElement calls fn with the raw bytes of each element of a JSON array.
// It only finds the element boundaries (strings and nesting); the caller's
// appendIndent checks each element's structure.
func eachElement(arr []byte, fn func([]byte) error) error {
	i := skipSpace(arr, 0)
	if i >= len(arr) || arr[i] != '[' {
		return errors.New("spooled findings: not a JSON array")
	}
	i = skipSpace(arr, i+1)
	if i < len(arr) && arr[i] == ']' {
		return nil
	}
	for {
		start, depth := i, 0
	scan:
		for ; i < len(arr); i++ {
			c := arr[i]
			switch {
			case c == '"':
				// To the closing quote, skipping runs of plain bytes.
				for i++; i < len(arr) && arr[i] != '"'; i++ {
					if arr[i] == '\\' {
						i++
						continue
					}
					for i+1 < len(arr) && jsonPlainInString[arr[i+1]] {
						i++
					}
				}
			case c == '{' || c == '[':
				depth++
			case c == '}' || c == ']':
				if depth == 0 {
					break scan
				}
				depth--
			case c == ',' && depth == 0:
				break scan
			}
		}
		if i >= len(arr) {
			return errors.New("spooled findings: unterminated JSON array")
		}
		if err := fn(bytes.TrimRight(arr[start:i], " \t\r\n")); err != nil {
			return err
		}
		if arr[i] == ']' {
			return nil
		}
		i = skipSpace(arr, i+1)
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}
