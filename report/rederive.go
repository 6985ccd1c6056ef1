package report

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"senderproof/assess"
	"senderproof/templates"
)

// Rederivable are the formats whose files follow byte for byte from
// evidence.json: verify writes them again from it and compares. evidence.json
// itself is among them: written again from what was read of it, it comes out
// the same only in the form senderproof writes, so a key given twice or in
// other case (which encoding/json reads as the last one and other readers as
// the first, or not at all) fails.
var Rederivable = []string{"json", "csv", "xlsx", "oscal", "pdf"}

// RederivableFiles lists the files of m in the Rederivable formats: those
// verify writes again.
func RederivableFiles(m *Manifest) []string {
	var out []string
	for _, f := range Rederivable {
		if name, _ := FileName(f); m.Listed(name) {
			out = append(out, name)
		}
	}
	return out
}

// Rederiver keeps the findings of an evidence.json as verify reads them,
// in a spool of their own, so that the pack's other files can be written
// again from them (RederiveFiles) for a pack of any size.
type Rederiver struct {
	dir    string // its own temporary directory, removed by Close
	assets []assess.Asset
	spool  *spool
	shared *sharedEncodings
	idx    map[string]int // asset index by IP
	cur    int            // index of the asset whose findings are pending
	fs     []assess.Finding
	span   EvidenceSpan
}

// NewRederiver returns a Rederiver for a pack of the given assets whose
// spool and scratch files live in a new directory under parent ("" for the
// system's temporary directory), removed by Close.
func NewRederiver(parent string, assets []assess.Asset) (*Rederiver, error) {
	dir, err := os.MkdirTemp(parent, "rederive-")
	if err != nil {
		return nil, err
	}
	sp, err := newSpool(dir, len(assets))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	idx := make(map[string]int, len(assets))
	for i, a := range assets {
		if _, ok := idx[a.IP]; !ok {
			idx[a.IP] = i
		}
	}
	return &Rederiver{dir: dir, assets: assets, spool: sp, shared: newSharedEncodings(), idx: idx, cur: -1}, nil
}

// Add takes the next finding of the pack, in the pack's order (findings
// of one asset together).
func (r *Rederiver) Add(f *assess.Finding) error {
	r.span.Add(f)
	i, ok := r.idx[f.Asset]
	if !ok {
		// Not the pack's: verify's completeness check names it, and
		// the files written again differ.
		return nil
	}
	if i != r.cur {
		if err := r.flush(); err != nil {
			return err
		}
		r.cur = i
	}
	r.fs = append(r.fs, *f)
	return nil
}

func (r *Rederiver) flush() error {
	if len(r.fs) == 0 {
		return nil
	}
	enc, err := appendFindingsShared(nil, r.fs, r.shared)
	if err != nil {
		return err
	}
	r.fs = r.fs[:0]
	return r.spool.put(r.cur, enc)
}

// Close removes the spool and the Rederiver's directory.
func (r *Rederiver) Close() error {
	err := r.spool.close()
	if rerr := os.RemoveAll(r.dir); err == nil {
		err = rerr
	}
	return err
}

// RederiveFiles writes again, from the pack read (p, its findings given to
// r) and the formats the manifest lists, each file of the Rederivable
// formats that m lists, and returns one problem per file that comes out
// other than the manifest's hash and size. replayOf is the manifest's
// replay_of: a replay's reports name the recorded run and when its DNS
// answers were collected, which evidence.json does not hold. Each file's
// bytes are hashed as they are written, not kept.
func (r *Rederiver) RederiveFiles(ctx context.Context, p *Pack, m *Manifest, tpl *templates.Set, replayOf string) ([]VerifyProblem, []string, error) {
	if err := r.flush(); err != nil {
		return nil, nil, err
	}
	if err := r.spool.flush(); err != nil {
		return nil, nil, err
	}
	q := *p
	q.spool, q.Findings = r.spool, []assess.Finding{}
	if replayOf != "" {
		if p.Drift != nil {
			r.span.AddOffboarding(p.Drift.Offboarding)
		}
		q.Run.ReplayOf = r.span.ReplayOf(replayOf)
	}
	var formats []string
	listed := map[string]ManifestEntry{}
	for _, f := range Formats {
		for _, e := range m.Files {
			if e.Path == f.File {
				formats = append(formats, f.Name)
				listed[f.Name] = e
			}
		}
	}
	wctx := WithTempDir(WithFormats(ctx, formats), r.dir)
	writers := Writers(tpl)
	problems := make([]VerifyProblem, len(Rederivable))
	g, gctx := errgroup.WithContext(wctx)
	g.SetLimit(packWriters())
	for i, f := range Rederivable {
		e, ok := listed[f]
		if !ok {
			continue
		}
		g.Go(func() error {
			h := &hashCounter{h: sha256.New()}
			if err := writers[f].Write(gctx, h, &q); err != nil {
				return fmt.Errorf("writing %s again from evidence.json: %w", e.Path, err)
			}
			if sum := hex.EncodeToString(h.h.Sum(nil)); sum != e.SHA256 || h.n != e.Size {
				what := "does not follow from evidence.json: written again from it"
				if f == "json" {
					what = "is not in the form senderproof writes (a key given twice, a key in other case, a key or spacing of another writer, which JSON readers may take differently): written again from what was read of it"
				}
				problems[i] = VerifyProblem{e.Path, fmt.Sprintf("%s, it comes out as %d bytes with sha256 %s, not the pack's %d bytes", what, h.n, sum, e.Size)}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	problems = slices.DeleteFunc(problems, func(p VerifyProblem) bool { return p.Path == "" })
	return problems, RederivableFiles(m), nil
}

// hashCounter hashes and counts what is written to it.
type hashCounter struct {
	h hash.Hash
	n int64
}

func (c *hashCounter) Write(b []byte) (int, error) {
	c.h.Write(b)
	c.n += int64(len(b))
	return len(b), nil
}

// EvidenceSpan is the span of the times of the DNS exchanges of the
// findings added to it (safe for concurrent use): when the answers a
// replay re-assessed were collected.
type EvidenceSpan struct {
	mu          sync.Mutex
	first, last time.Time
}

// Add takes in f's exchanges.
func (s *EvidenceSpan) Add(f *assess.Finding) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range f.Evidence {
		if e.At.IsZero() {
			continue
		}
		if s.first.IsZero() || e.At.Before(s.first) {
			s.first = e.At
		}
		if e.At.After(s.last) {
			s.last = e.At
		}
	}
}

// AddOffboarding adds the exchanges of the offboarding recheck of the
// removed senders: they were collected in the same run as the findings'.
func (s *EvidenceSpan) AddOffboarding(obs []assess.Offboard) {
	for i := range obs {
		s.Add(&assess.Finding{Evidence: obs[i].Evidence()})
	}
}

// ReplayOf returns the mark of a replay of run runID whose findings
// carry the exchanges added.
func (s *EvidenceSpan) ReplayOf(runID string) *ReplayOf {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &ReplayOf{RunID: runID, RecordedAt: Stamp(s.first), RecordedTo: StampEnd(s.last)}
}
