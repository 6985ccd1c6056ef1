package report

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"golang.org/x/sync/errgroup"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"senderproof/assess"

	"senderproof/templates"
)

// Formats lists the pack's formats in the order they are written, with
// their file names.
var Formats = []struct{ Name, File string }{
	{"json", "evidence.json"},
	{"csv", "findings.csv"},
	{"xlsx", "report.xlsx"},
	{"oscal", "oscal-assessment-results.json"},
	{"pdf", "report.pdf"},
}

// ManifestFile is the manifest's name in the pack.
const ManifestFile = "manifest.json"

// FileName returns the file a format is written to.
func FileName(format string) (string, bool) {
	for _, f := range Formats {
		if f.Name == format {
			return f.File, true
		}
	}
	return "", false
}

// ParseFormats checks a comma-separated --format value; "" or "all" means
// every format.
func ParseFormats(s string) ([]string, error) {
	var all []string
	for _, f := range Formats {
		all = append(all, f.Name)
	}
	if s == "" || s == "all" {
		return all, nil
	}
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		if part == "" {
			continue
		}
		if !slices.Contains(all, part) {
			return nil, fmt.Errorf("unknown format %q (known: %s)", part, strings.Join(all, ", "))
		}
		if !slices.Contains(out, part) {
			out = append(out, part)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no format given")
	}
	return out, nil
}

// JSON writes evidence.json: the Pack itself.
type JSON struct{}

// Write implements Writer.
func (JSON) Write(ctx context.Context, w io.Writer, p *Pack) error {
	if err := writeJSON(ctx, w, p); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// Manifest lists every file of the pack with its hash, and the inputs.
type Manifest struct {
	Files  []ManifestEntry `json:"files"`
	Inputs []Input         `json:"inputs"`
	RunID  string          `json:"run_id"`
	Tool   Tool            `json:"tool"`
	// ReplayOf is the run ID of the recorded run that this one re-assessed
	// offline (assess --replay); evidence.json stays byte-identical to the
	// recorded one apart from its own run ID and timestamps, so the replay
	// is recorded here.
	ReplayOf string `json:"replay_of,omitempty"`
	// WorkDir is the directory the run was started in: the inputs' paths
	// as given on the command line are relative to it, so that verify
	// finds them from any directory.
	WorkDir string `json:"workdir,omitempty"`
	// Signed records whether the run signed this manifest (manifest.sig),
	// so that a signature left beside it by an earlier run, which the run
	// could not remove, is told from its own; nil in a pack from before.
	Signed *bool `json:"signed,omitempty"`
}

// InputPath returns where in is on this machine: its path as recorded,
// under WorkDir when that is relative.
func (m *Manifest) InputPath(in Input) string {
	if filepath.IsAbs(in.Path) || m.WorkDir == "" {
		return in.Path
	}
	return filepath.Join(m.WorkDir, in.Path)
}

// ManifestEntry is one file of the pack.
type ManifestEntry struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// writeRank orders the formats longest first (measured on a
// 100,000-sender pack): started last, the XLSX ran alone on one core for
// most of a minute after the others were done.
func writeRank(format string) int {
	if i := slices.Index([]string{"xlsx", "oscal", "json", "csv", "pdf"}, format); i >= 0 {
		return i
	}
	return math.MaxInt
}

// packWriters is how many pack formats are written at once: two, each
// reading the spooled findings on its own, unless the live heap already
// holds a third of the soft memory limit (a very large fleet), where a
// second writer would only make the collector thrash.
func packWriters() int {
	limit := debug.SetMemoryLimit(-1)
	if limit == math.MaxInt64 {
		return 2
	}
	// After a collection, so the figure is what is live now: the last one
	// may have run mid-assessment, with the answer cache still held.
	if live, ok := assess.LiveHeap(); ok && live > uint64(limit/3) {
		return 1
	}
	return 2
}

// WriteOptions are what WritePackOptions records in the manifest besides
// the pack's files, and how it signs it.
type WriteOptions struct {
	// Inputs are the input files of the run, with their hashes.
	Inputs []Input
	// ReplayOf is the run ID of the recorded run a replay re-assessed.
	ReplayOf string
	// WorkDir is the directory relative input paths are relative to.
	WorkDir string
	// SignKey, when set, signs the manifest into manifest.sig; when nil, a
	// manifest.sig left by an earlier run is removed.
	SignKey ed25519.PrivateKey
}

// WritePack writes the chosen formats into dir with WritePackOptions,
// recording inputs in the manifest, unsigned.
func WritePack(ctx context.Context, dir string, p *Pack, formats []string, writers map[string]Writer, inputs []Input) (*Manifest, error) {
	return WritePackOptions(ctx, dir, p, formats, writers, WriteOptions{Inputs: inputs})
}

// WritePackOptions writes the chosen formats into dir, each first to a
// temporary file that is renamed into place only when every format has been
// written. It then removes the pack files of an earlier run that this one
// did not write (the other formats' files, and manifest.sig unless it
// signs; no other file), writes the manifest and, with opt.SignKey, signs
// it. On any error or cancellation before the renames it removes its
// temporary files and leaves dir as it was.
func WritePackOptions(ctx context.Context, dir string, p *Pack, formats []string, writers map[string]Writer, opt WriteOptions) (*Manifest, error) {
	return writePack(ctx, dir, p, formats, writers, opt, osOps)
}

// fileOps are the calls a commit renames and removes files with: the
// os package's, but in tests, which fail or stop a commit between two.
type fileOps struct {
	rename func(from, to string) error
	remove func(name string) error
}

var osOps = fileOps{rename: os.Rename, remove: os.Remove}

// writePack is WritePackOptions committing with ops.
func writePack(ctx context.Context, dir string, p *Pack, formats []string, writers map[string]Writer, opt WriteOptions, ops fileOps) (*Manifest, error) {
	// The umask is read (where it can only be read by setting it) before
	// the writers start making files.
	packFileMode()
	inputs := opt.Inputs
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	ctx = WithTempDir(ctx, dir) // writers' scratch files go in dir too, cleaned by RemoveTemps
	ctx = WithFormats(ctx, formats)
	var todo []struct{ Name, File string }
	for _, f := range Formats {
		if !slices.Contains(formats, f.Name) {
			continue
		}
		if _, ok := writers[f.Name]; !ok {
			return nil, fmt.Errorf("no writer for format %s", f.Name)
		}
		todo = append(todo, f)
	}
	// Two formats are written at once: each reads the spooled findings on
	// its own, and one writer alone leaves a core idle while it formats.
	results := make([]*done, len(todo))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(packWriters())
	order := make([]int, len(todo))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(writeRank(todo[a].Name), writeRank(todo[b].Name))
	})
	for _, i := range order {
		f := todo[i]
		w := writers[f.Name]
		g.Go(func() error {
			tmp, entry, err := writeTemp(gctx, dir, f.File, func(out io.Writer) error { return w.Write(gctx, out, p) })
			if err != nil {
				return fmt.Errorf("writing %s: %w", f.File, err)
			}
			results[i] = &done{tmp, filepath.Join(dir, f.File), entry}
			return nil
		})
	}
	werr := g.Wait()
	var written []done
	for _, d := range results {
		if d != nil {
			written = append(written, *d)
		}
	}
	cleanup := func() {
		for _, d := range written {
			os.Remove(d.tmp)
		}
	}
	if werr != nil {
		cleanup()
		return nil, werr
	}
	if err := ctx.Err(); err != nil {
		cleanup()
		return nil, err
	}
	signs := opt.SignKey != nil
	m := &Manifest{Files: []ManifestEntry{}, Inputs: inputs, RunID: p.Run.ID, Tool: p.Tool, ReplayOf: opt.ReplayOf, WorkDir: opt.WorkDir, Signed: &signs}
	if m.Inputs == nil {
		m.Inputs = []Input{}
	}
	for _, d := range written {
		m.Files = append(m.Files, d.entry)
	}
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	// The manifest is written before anything is renamed, so that the
	// commit below has nothing left that can be interrupted.
	tmp, mentry, err := writeTemp(ctx, dir, ManifestFile, func(out io.Writer) error {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	})
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("writing manifest: %w", err)
	}
	written = append(written, done{tmp: tmp, final: filepath.Join(dir, ManifestFile), entry: mentry})
	if opt.SignKey != nil {
		// Signed before the commit and renamed right after the manifest,
		// so that the new manifest never sits beside the earlier run's
		// signature for longer than the renames take.
		sig, sentry, err := signatureTemp(ctx, dir, tmp, opt.SignKey)
		if err != nil {
			cleanup()
			return nil, fmt.Errorf("signing manifest: %w", err)
		}
		written = append(written, done{tmp: sig, final: filepath.Join(dir, SignatureFile), entry: sentry})
	}
	// Commit: from the first rename on, an interrupt is not heeded (the
	// files must end up beside their own manifest); it takes a few renames.
	commitMu.Lock()
	defer commitMu.Unlock()
	if err := ctx.Err(); err != nil {
		cleanup()
		return nil, err
	}
	// The earlier pack's files this run does not replace, named by its
	// manifest, which the commit replaces.
	earlier, _ := staleFiles(dir, formats, opt.SignKey != nil)
	if err := commitPack(dir, m.RunID, written, earlier, ops); err != nil {
		return nil, err
	}
	commitDone.Store(true)
	return m, nil
}

// commitPack puts the written files in place (commitFiles) and removes
// the earlier pack's files this run did not replace (earlier). Before the
// first rename it records in dir, in JournalFile, each file it is about
// to place and each earlier file it is to remove, with their hashes, and
// it removes that record once it is done: a run killed outright between
// two renames, or before every earlier file is removed, leaves files that
// no manifest lists (a new name, a pack file an earlier run wrote with
// its manifest still the earlier one, or an earlier run's file beside the
// new manifest), and the record tells them, byte for byte, from a file of
// the user's, so that the next run replaces or removes them (StaleFiles)
// and verify says what happened. For that the record stays whenever an
// earlier file may be left: an earlier file that could not be removed, or
// a failure after the renames that removed none.
func commitPack(dir, runID string, written []done, earlier []ManifestEntry, ops fileOps) error {
	if err := writeJournal(dir, runID, written, earlier); err != nil {
		for _, d := range written {
			os.Remove(d.tmp)
		}
		return fmt.Errorf("recording the commit in %s: %w", JournalFile, err)
	}
	if err := commitFiles(dir, written, ops.rename); err != nil {
		// Removed when nothing of this run is left (the earlier pack is
		// as it was), or when every file is in place (the directory not
		// synced) and there is no earlier file to remove; kept when some
		// file of this run may be in place beside an earlier one.
		ce := (*CommitError)(nil)
		if !errors.As(err, &ce) || ce.State == PackKept || ce.State == PackWritten && len(earlier) == 0 {
			os.Remove(filepath.Join(dir, JournalFile))
		}
		return err
	}
	// Last: should it fail, the new files already sit beside their own
	// manifest, and verify names the old ones it does not list.
	names := make([]string, len(earlier))
	for i, e := range earlier {
		names[i] = e.Path
	}
	if err := removeStale(dir, names, ops.remove); err != nil {
		// The record stays: it names the earlier files left, which the
		// new manifest does not list, so the next run removes them rather
		// than take them for the user's.
		return &CommitError{Err: err, State: PackWritten}
	}
	ops.remove(filepath.Join(dir, JournalFile))
	return nil
}

// JournalFile is the record of a commit under way in a pack's directory
// (commitPack): the files it places and the earlier pack's files it
// removes, by name, SHA-256 and size.
const JournalFile = ".senderproof-commit.json"

// journalSchema identifies a JournalFile's format.
const journalSchema = "senderproof/commit/v1"

// journal is what JournalFile holds.
type journal struct {
	Schema string          `json:"journal"`
	RunID  string          `json:"run_id"`
	Files  []ManifestEntry `json:"files"`
	// Earlier are the earlier pack's files the commit removes once its
	// own are in place (none when it replaces them all).
	Earlier []ManifestEntry `json:"earlier,omitempty"`
}

// writeJournal records the files of written and the earlier files in
// dir's JournalFile, through a temporary file synced before its rename,
// and the directory synced after it: the record is on disk before the
// first file is renamed.
func writeJournal(dir, runID string, written []done, earlier []ManifestEntry) error {
	j := journal{Schema: journalSchema, RunID: runID}
	for _, e := range earlier {
		if e.SHA256 != "" { // a manifest.sig that is no small regular file
			j.Earlier = append(j.Earlier, e)
		}
	}
	for _, d := range written {
		e := d.entry
		e.Path = filepath.Base(d.final)
		j.Files = append(j.Files, e)
	}
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, JournalFile), append(b, '\n'))
}

// readJournal returns dir's JournalFile, or nil when there is none or it
// is not one senderproof wrote (then no file is taken for this tool's by
// it).
func readJournal(dir string) *journal {
	b, err := ReadRegular(filepath.Join(dir, JournalFile), 1<<20, false)
	if err != nil {
		return nil
	}
	if checkKeys(b, journalKeys) != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var j journal
	if err := dec.Decode(&j); err != nil || j.Schema != journalSchema {
		return nil
	}
	return &j
}

// recorded returns j's entry for the file name in dir when j records it,
// as a file the commit placed or an earlier file it was to remove, and
// dir's file is a regular file of exactly the size and SHA-256 recorded.
// A file whose bytes differ is never taken for the commit's or the
// earlier pack's.
func (j *journal) recorded(dir, name string) (ManifestEntry, bool) {
	if j == nil {
		return ManifestEntry{}, false
	}
	path := filepath.Join(dir, name)
	st, err := os.Lstat(path)
	if err != nil || !st.Mode().IsRegular() {
		return ManifestEntry{}, false
	}
	var candidates []ManifestEntry
	for _, e := range slices.Concat(j.Files, j.Earlier) {
		if e.Path == name && e.Size == st.Size() {
			candidates = append(candidates, e)
		}
	}
	if len(candidates) == 0 {
		return ManifestEntry{}, false // not hashed: the size alone differs
	}
	sum, n, err := FileSHA256(context.Background(), path)
	if err != nil {
		return ManifestEntry{}, false
	}
	for _, e := range candidates {
		if n == e.Size && sum == e.SHA256 {
			return e, true
		}
	}
	return ManifestEntry{}, false
}

// InterruptedCommit says what a commit stopped in dir left (a run killed
// outright while it renamed its files into place): whether its record,
// JournalFile, is there, and how many earlier files it kept aside as
// .senderproof-*.old.
func InterruptedCommit(dir string) (journal bool, old int) {
	_, err := os.Lstat(filepath.Join(dir, JournalFile))
	kept, _ := filepath.Glob(filepath.Join(dir, ".senderproof-*.old"))
	return err == nil, len(kept)
}

// PackState says what a failed commit left in the pack's directory.
type PackState int

const (
	// PackKept: nothing of the run is left; an earlier pack is as it was.
	PackKept PackState = iota
	// PackNotRestored: the run's files were taken back, but some of the
	// earlier pack's could not be put back (Lost says where they are).
	PackNotRestored
	// PackWritten: every file of the new pack is in place; what failed
	// came after (removing an earlier run's file, syncing the directory).
	PackWritten
)

// CommitError is a failure of the commit that puts a pack's files in
// place: File is the pack file that could not be put in place ("" when
// the failure came after), and State what the directory holds.
type CommitError struct {
	File  string
	Err   error
	State PackState
	Lost  string // the earlier files not restored, and where they are kept
}

func (e *CommitError) Error() string {
	switch e.State {
	case PackWritten:
		return "the pack was written, but " + e.Err.Error()
	case PackNotRestored:
		return fmt.Sprintf("putting %s in place: %v; the earlier pack could not be fully restored: %s", e.File, e.Err, e.Lost)
	}
	return fmt.Sprintf("putting %s in place: %v; nothing of this run is left, and an earlier pack there is as it was", e.File, e.Err)
}

func (e *CommitError) Unwrap() error { return e.Err }

// done is one file written to a temporary name, and where it goes.
type done struct {
	tmp, final string
	entry      ManifestEntry
}

// signatureTemp writes the signature of the manifest written to the
// temporary file manifest into a temporary file of its own, and returns
// its name.
func signatureTemp(ctx context.Context, dir, manifest string, key ed25519.PrivateKey) (string, ManifestEntry, error) {
	m, err := os.ReadFile(manifest)
	if err != nil {
		return "", ManifestEntry{}, err
	}
	return writeTemp(ctx, dir, SignatureFile, func(out io.Writer) error {
		_, err := io.WriteString(out, base64.StdEncoding.EncodeToString(ed25519.Sign(key, m))+"\n")
		return err
	})
}

// syncDir makes the renames in dir durable: a rename is an update of the
// directory, which a crash can lose until the directory itself is synced.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		return nil // a file system that cannot sync a directory
	}
	return err
}

// commitFiles renames each written file into place, the manifest last
// (its signature, when signed, right after it).
// The earlier run's file of each name is first kept aside as a hard link
// (moved aside where the file system has none), so that when a rename
// fails (a file made immutable, a directory of that name, a full disk for
// the directory entry) the files already placed are taken back and the
// earlier ones restored: the earlier pack stays as it was, never half
// replaced. With the link, each name holds a whole file at every moment,
// even should the process die between two renames. The earlier files are
// removed once every file is in place, with any a killed run left.
// rename is os.Rename but in tests.
func commitFiles(dir string, written []done, rename func(from, to string) error) error {
	type aside struct {
		final, old string
		linked     bool // a link to final: final still holds the file
	}
	var moved []aside
	var placed []string
	fail := func(i int, err error) error {
		for _, d := range written[i:] {
			os.Remove(d.tmp)
		}
		for _, f := range placed {
			if !slices.ContainsFunc(moved, func(a aside) bool { return a.final == f }) {
				os.Remove(f) // a new name; the others are replaced below
			}
		}
		var lost []string
		for _, a := range moved {
			if a.linked && !slices.Contains(placed, a.final) {
				// Never replaced: final is the earlier file itself.
				os.Remove(a.old)
				continue
			}
			if rerr := rename(a.old, a.final); rerr != nil {
				lost = append(lost, fmt.Sprintf("%s (kept as %s: %v)", a.final, a.old, rerr))
			}
		}
		if len(lost) > 0 {
			return &CommitError{File: filepath.Base(written[i].final), Err: err, State: PackNotRestored, Lost: strings.Join(lost, "; ")}
		}
		return &CommitError{File: filepath.Base(written[i].final), Err: err, State: PackKept}
	}
	for i, d := range written {
		if st, err := os.Lstat(d.final); err == nil {
			if st.IsDir() {
				return fail(i, errors.New("a directory has that name"))
			}
			f, err := os.CreateTemp(dir, ".senderproof-"+filepath.Base(d.final)+"-*.old")
			if err != nil {
				return fail(i, err)
			}
			f.Close()
			os.Remove(f.Name()) // the name only: a link cannot replace a file
			linked := os.Link(d.final, f.Name()) == nil
			if !linked {
				if err := rename(d.final, f.Name()); err != nil {
					return fail(i, err)
				}
			}
			moved = append(moved, aside{d.final, f.Name(), linked})
		}
		if err := rename(d.tmp, d.final); err != nil {
			return fail(i, err)
		}
		placed = append(placed, d.final)
	}
	if err := syncDir(dir); err != nil {
		return &CommitError{Err: fmt.Errorf("syncing the directory failed: %w", err), State: PackWritten}
	}
	for _, a := range moved {
		os.Remove(a.old)
	}
	// Earlier files a killed run left aside are the earlier pack's, which
	// this one has now replaced whole.
	old, _ := filepath.Glob(filepath.Join(dir, ".senderproof-*.old"))
	for _, o := range old {
		os.Remove(o)
	}
	return nil
}

// PackFiles returns the names of every file a pack may hold besides the
// manifest and its signature: one per format.
func PackFiles() []string {
	out := make([]string, len(Formats))
	for i, f := range Formats {
		out[i] = f.File
	}
	return out
}

// PresentPackFiles returns the pack files (PackFiles) and the manifest's
// signature that dir holds, sorted as PackFiles.
func PresentPackFiles(dir string) []string {
	var out []string
	for _, name := range append(PackFiles(), SignatureFile) {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			out = append(out, name)
		}
	}
	return out
}

// StaleFiles sorts the pack-named files in dir for a run writing formats
// (and manifest.sig when signing): earlier are the earlier pack's files
// the run does not replace, which the manifest in dir lists (manifest.sig
// beside a manifest), and which the run removes so that the directory
// holds one run's pack; foreign are the pack-named files no manifest there
// lists, whether the run would replace them or leave them: a file of the
// user's or of another run, which a run must neither overwrite nor remove,
// nor leave beside a manifest that does not list it. A manifest.json that
// is no senderproof manifest is foreign too. A file that no manifest lists
// is the earlier pack's all the same when the record of a commit stopped
// part way (JournalFile) lists it with exactly its bytes: one the commit
// put in place before it was killed, or one of the pack before it that
// the commit had yet to remove (killed, or the removal failed).
func StaleFiles(dir string, formats []string, signing bool) (earlier, foreign []string) {
	entries, foreign := staleFiles(dir, formats, signing)
	for _, e := range entries {
		earlier = append(earlier, e.Path)
	}
	return earlier, foreign
}

// staleFiles is StaleFiles, with each earlier file's SHA-256 and size for
// the commit's record (commitPack). Those come from where the file is
// known from, not from hashing it again: the earlier manifest's entry,
// or the record of a stopped commit (whose bytes recorded has just
// compared). That is sound because the record only ever lets the next run
// take a file for the earlier pack's when its bytes are those recorded,
// and a run compares them then: a file whose bytes are not those the
// earlier manifest recorded for it (edited since) is not recognised after
// a stop, and is refused as another's, never removed. Hashing the earlier
// files again here would only recognise such a file too, at the cost of
// reading the whole earlier pack (gigabytes: evidence.json is 2.8 GB for
// 100,000 senders) in a commit that otherwise takes a few renames. Only
// manifest.sig, of at most a kilobyte, is hashed (signatureEntry); one
// that is not a small regular file is not recorded, as beside any
// manifest a manifest.sig is the earlier pack's anyway.
func staleFiles(dir string, formats []string, signing bool) (earlier []ManifestEntry, foreign []string) {
	old, oerr := ReadManifest(dir)
	j := readJournal(dir)
	if _, err := os.Lstat(filepath.Join(dir, ManifestFile)); err == nil && oerr != nil {
		if _, ok := j.recorded(dir, ManifestFile); !ok {
			foreign = append(foreign, ManifestFile)
		}
	}
	names := append(PackFiles(), SignatureFile)
	for _, name := range names {
		st, err := os.Lstat(filepath.Join(dir, name))
		if err != nil || st.IsDir() {
			continue
		}
		writes := name == SignatureFile && signing || slices.ContainsFunc(Formats, func(f struct{ Name, File string }) bool {
			return f.File == name && slices.Contains(formats, f.Name)
		})
		var e ManifestEntry
		switch {
		case oerr == nil && name == SignatureFile:
			e = signatureEntry(dir)
		case oerr == nil && old.Listed(name):
			e = old.Files[slices.IndexFunc(old.Files, func(e ManifestEntry) bool { return e.Path == name })]
		default:
			var ok bool
			if e, ok = j.recorded(dir, name); !ok {
				foreign = append(foreign, name)
				continue
			}
		}
		if !writes {
			earlier = append(earlier, e)
		}
	}
	return earlier, foreign
}

// signatureEntry returns the entry of dir's manifest.sig, hashed when it
// is a regular file of at most 1 KiB, as ReadSignature reads it, and
// without a hash (not recorded) otherwise.
func signatureEntry(dir string) ManifestEntry {
	b, err := ReadRegular(filepath.Join(dir, SignatureFile), 1<<10, false)
	if err != nil {
		return ManifestEntry{Path: SignatureFile}
	}
	sum := sha256.Sum256(b)
	return ManifestEntry{Path: SignatureFile, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(b))}
}

// removeStale removes from dir the files of the earlier pack (StaleFiles,
// read before the commit) that this run did not write: otherwise an old
// evidence.json or report.pdf would sit beside a manifest that does not
// list it. Only those names are touched, never a directory, a file no
// earlier manifest listed, or any other file. One that cannot be removed
// does not stop the others: the error names each file left. remove is
// os.Remove but in tests.
func removeStale(dir string, earlier []string, remove func(string) error) error {
	var left staleLeft
	for _, name := range earlier {
		path := filepath.Join(dir, name)
		st, err := os.Lstat(path)
		if err != nil || st.IsDir() {
			continue
		}
		if err := remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			left = append(left, err)
		}
	}
	if len(left) > 0 {
		return left
	}
	return nil
}

// staleLeft is each failure to remove an earlier run's file (removeStale),
// said on one line.
type staleLeft []error

func (s staleLeft) Error() string {
	msgs := make([]string, len(s))
	for i, err := range s {
		msgs[i] = err.Error()
	}
	return fmt.Sprintf("%d %s of an earlier run could not be removed: %s", len(s), plural(len(s), "file", "files"), strings.Join(msgs, "; "))
}

func (s staleLeft) Unwrap() []error { return s }

// UnlistedPackFiles returns a problem for each pack file (see PackFiles)
// present in dir that the manifest does not list: a file of another run,
// which verify must not take for this run's.
func UnlistedPackFiles(dir string, m *Manifest) []VerifyProblem {
	var out []VerifyProblem
	for _, name := range PackFiles() {
		if m.Listed(name) {
			continue
		}
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			out = append(out, VerifyProblem{name, "present but not listed in the manifest (a file of another run?)"})
		}
	}
	return out
}

// ForeignListed returns a problem for each file the manifest lists that is
// not a pack file: senderproof lists only those, and a file listed beside
// them would pass as covered by the manifest (wording templates placed in
// the pack for verify to take as the run's, say).
func ForeignListed(m *Manifest) []VerifyProblem {
	var out []VerifyProblem
	for _, e := range m.Files {
		if !slices.Contains(PackFiles(), e.Path) {
			out = append(out, VerifyProblem{e.Path, "listed in the manifest, but not a file senderproof writes into a pack"})
		}
	}
	return out
}

// Uncovered returns the names of the other entries of dir, sorted: neither
// the manifest, its signature, a file it lists nor a pack file. A pack may
// share its directory with other files (a run only ever writes and removes
// pack files), so verify names them as not covered rather than failing.
func Uncovered(dir string, m *Manifest) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if name == ManifestFile || name == SignatureFile || m.Listed(name) || slices.Contains(PackFiles(), name) {
			continue
		}
		if e.IsDir() {
			name += "/"
		}
		out = append(out, name)
	}
	return out, nil
}

// Listed reports whether the manifest lists the named file.
func (m *Manifest) Listed(name string) bool {
	return slices.ContainsFunc(m.Files, func(e ManifestEntry) bool { return e.Path == name })
}

// writeTemp writes through fn into a temporary file in dir, synced and
// closed, and returns its path and manifest entry (named name).
func writeTemp(ctx context.Context, dir, name string, fn func(io.Writer) error) (string, ManifestEntry, error) {
	_, f, err := makeTemp(dir, ".senderproof-"+name+"-*.tmp", false)
	if err != nil {
		return "", ManifestEntry{}, err
	}
	fail := func(err error) (string, ManifestEntry, error) {
		f.Close()
		os.Remove(f.Name())
		return "", ManifestEntry{}, err
	}
	h := sha256.New()
	cw := &countWriter{}
	// Each 64 KiB written looks at ctx, so a writer that streams (JSON,
	// CSV, OSCAL) stops soon after an interrupt.
	bw := bufio.NewWriterSize(ctxWriter{ctx, io.MultiWriter(f, h, cw)}, 1<<16)
	if err := fn(bw); err != nil {
		return fail(err)
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	if err := bw.Flush(); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", ManifestEntry{}, err
	}
	// CreateTemp made it 0600: the pack's files get the mode of any file
	// the user makes (packFileMode), not one of their own.
	if err := os.Chmod(f.Name(), packFileMode()); err != nil {
		os.Remove(f.Name())
		return "", ManifestEntry{}, err
	}
	return f.Name(), ManifestEntry{Path: name, SHA256: hex.EncodeToString(h.Sum(nil)), Size: cw.n}, nil
}

// temps holds the path of every temporary file and directory a pack's
// writing made in this process, for RemoveHeldTemps. Paths are never taken
// out: one renamed into place or already removed is no longer there.
var temps sync.Map

var (
	// tempMu orders making a temporary file against RemoveHeldTemps, so
	// that none is made after the sweep; closing is set by the sweep.
	tempMu  sync.Mutex
	closing bool
	// commitMu is held while a pack is committed (its files renamed into
	// place and its manifest written): RemoveHeldTemps waits for it, so an
	// exit on interrupt never leaves new files beside an old manifest.
	commitMu sync.Mutex
)

// makeTemp creates a temporary file (or, with dir set, a directory) held for
// RemoveHeldTemps; after that sweep has run it makes none and returns
// context.Canceled.
func makeTemp(parent, pattern string, dir bool) (string, *os.File, error) {
	tempMu.Lock()
	defer tempMu.Unlock()
	if closing {
		return "", nil, context.Canceled
	}
	if dir {
		path, err := os.MkdirTemp(parent, pattern)
		if err == nil {
			temps.Store(path, true)
		}
		return path, nil, err
	}
	f, err := os.CreateTemp(parent, pattern)
	if err != nil {
		return "", nil, err
	}
	temps.Store(f.Name(), true)
	return f.Name(), f, nil
}

// RemoveHeldTemps removes the temporary files and directories of the packs
// being written, for a process about to exit without waiting for them to
// stop (an interrupt they did not answer in time). A commit under way is
// let finish first: its files are the pack. It reports whether a pack was
// committed in this process, so the caller can say which happened.
func RemoveHeldTemps() (committed bool) {
	commitMu.Lock()
	defer commitMu.Unlock()
	tempMu.Lock()
	closing = true
	tempMu.Unlock()
	temps.Range(func(k, _ any) bool {
		_ = os.RemoveAll(k.(string))
		return true
	})
	return commitDone.Load()
}

// commitDone is set once a pack has been committed in this process.
var commitDone atomic.Bool

// ctxWriter fails its writes once ctx is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(b)
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(b []byte) (int, error) { c.n += int64(len(b)); return len(b), nil }

// WriteFileAtomic writes data to path through a temporary file and a rename.
func WriteFileAtomic(path string, data []byte) error {
	tmp, _, err := writeTemp(context.Background(), filepath.Dir(path), filepath.Base(path), func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(path))
}

// RemoveTemps deletes temporary files a killed run may have left in dir.
func RemoveTemps(dir string) {
	// Not the .old files a commit keeps aside: should a run have died in
	// its commit, they may be the only copies of the earlier pack's files,
	// and they go only when a later commit has replaced that pack whole.
	matches, _ := filepath.Glob(filepath.Join(dir, ".senderproof-*.tmp"))
	for _, m := range matches {
		os.RemoveAll(m) // a writer's scratch directory too
	}
}

// VerifyProblem is one way a pack differs from its manifest.
type VerifyProblem struct {
	Path   string
	Reason string
}

// Error is the problem on one line: a path or value from a manifest is
// the pack's text, whose line breaks and controls must not reach the
// terminal as such (assess.Escape).
func (v VerifyProblem) Error() string { return assess.Escape(v.Path) + ": " + assess.Escape(v.Reason) }

// ReadManifest reads dir's manifest.
func ReadManifest(dir string) (*Manifest, error) {
	_, m, err := ReadManifestBytes(dir)
	return m, err
}

// maxManifest bounds the manifest read: a pack's lists a few files and
// inputs, far below this.
const maxManifest = 16 << 20

// ReadManifestBytes reads dir's manifest.json once, a regular file of at
// most 16 MiB, and returns its bytes with what they say: a signature is
// checked on exactly the bytes whose hashes are then checked.
func ReadManifestBytes(dir string) ([]byte, *Manifest, error) {
	b, err := ReadRegular(filepath.Join(dir, ManifestFile), maxManifest, false)
	if err != nil {
		return nil, nil, fmt.Errorf("reading manifest: %w", err)
	}
	m, err := parseManifest(dir, b)
	return b, m, err
}

// ReadRegular reads path, which must be a regular file (not a pipe or a
// device, nor a symbolic link unless follow) of at most max bytes.
func ReadRegular(path string, max int64, follow bool) ([]byte, error) {
	stat := os.Lstat
	if follow {
		stat = os.Stat
	}
	if st, err := stat(path); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	// Non-blocking, so a pipe put in its place meanwhile cannot hang the
	// open; it is refused below.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, max)
	}
	return b, nil
}

func parseManifest(dir string, b []byte) (*Manifest, error) {
	// A key given twice, or in other case, is read by encoding/json as
	// the last (in any case) and by jq or Python as written: two readers
	// would see two lists of files.
	if err := checkKeys(b, manifestKeys); err != nil {
		return nil, fmt.Errorf("%s:%w: not a manifest senderproof wrote", filepath.Join(dir, ManifestFile), err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) && se.Offset >= int64(len(b)) && strings.HasPrefix(se.Error(), "unexpected end") {
			return nil, fmt.Errorf("%s: the file ends before its JSON is complete: it was cut short", filepath.Join(dir, ManifestFile))
		}
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ManifestFile), err)
	}
	if len(m.Files) == 0 || m.RunID == "" {
		return nil, fmt.Errorf("%s lists no file or no run ID: not a senderproof manifest", filepath.Join(dir, ManifestFile))
	}
	return &m, nil
}

// VerifyHashes recomputes the hash and size of every file the manifest
// lists and returns a problem for each file that is missing or differs. It
// stops when ctx is done (the caller looks at ctx.Err()).
func VerifyHashes(ctx context.Context, dir string, m *Manifest) []VerifyProblem {
	var out []VerifyProblem
	seen := map[string]bool{}
	for _, e := range m.Files {
		if ctx.Err() != nil {
			return out
		}
		if e.Path != filepath.Base(e.Path) || strings.HasPrefix(e.Path, ".") {
			out = append(out, VerifyProblem{e.Path, "path outside the pack"})
			continue
		}
		if seen[e.Path] {
			out = append(out, VerifyProblem{e.Path, "listed more than once"})
			continue
		}
		seen[e.Path] = true
		// A pack's files are regular files in it: a symbolic link could
		// point outside the pack, and a device or pipe would never end.
		if st, err := os.Lstat(filepath.Join(dir, e.Path)); err == nil && !st.Mode().IsRegular() {
			out = append(out, VerifyProblem{e.Path, "not a regular file (" + st.Mode().Type().String() + ")"})
			continue
		}
		sum, n, err := FileSHA256(ctx, filepath.Join(dir, e.Path))
		switch {
		case ctx.Err() != nil:
			return out
		case errors.Is(err, fs.ErrNotExist):
			out = append(out, VerifyProblem{e.Path, "missing"})
			continue
		case err != nil:
			out = append(out, VerifyProblem{e.Path, err.Error()})
			continue
		}
		switch {
		case !isLowerHex(e.SHA256, sha256.Size):
			// senderproof writes lower-case hex: another form (upper
			// case, cut short) is no hash of its, even one that reads as
			// the file's.
			out = append(out, VerifyProblem{e.Path, fmt.Sprintf("the manifest's sha256 %q is not %d lower-case hex digits (the file's is %s)", e.SHA256, 2*sha256.Size, sum)})
		case sum != e.SHA256:
			out = append(out, VerifyProblem{e.Path, fmt.Sprintf("sha256 %s, manifest says %s", sum, e.SHA256)})
		case n != e.Size:
			out = append(out, VerifyProblem{e.Path, fmt.Sprintf("size %d, manifest says %d", n, e.Size)})
		}
	}
	return out
}

// isLowerHex reports whether s is the lower-case hex of n bytes.
func isLowerHex(s string, n int) bool {
	if len(s) != 2*n {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// FileSHA256 returns the hex SHA-256 and the size of the file at path,
// or ctx's error once it is done: a pack's gigabytes stop hashing at an
// interrupt.
func FileSHA256(ctx context.Context, path string) (string, int64, error) {
	f, err := templates.OpenRegular(path)
	if err != nil {
		if errors.Is(err, templates.ErrNotRegular) {
			err = fmt.Errorf("%s: %w", path, err)
		}
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(ctxWriter{ctx, h}, f, make([]byte, 1<<20))
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
