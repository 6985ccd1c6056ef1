package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"senderproof/assess"
)

// TestBuilderMatchesBuild proves the streamed pack (findings spooled to
// disk) writes the same evidence.json as the in-memory one, and that the
// streamed JSON is what encoding/json gives for the whole Pack.
func TestBuilderMatchesBuild(t *testing.T) {
	t.Parallel()
	src := SyntheticPack(40, 7)
	// Findings as the runner delivers them: per asset, in any order.
	byAsset := map[string][]assess.Finding{}
	for _, f := range src.Findings {
		f.Controls = nil
		byAsset[f.Asset] = append(byAsset[f.Asset], f)
	}
	var all []assess.Finding
	for _, a := range src.Assets {
		all = append(all, byAsset[a.IP]...)
	}
	mem := Build(BuildInput{Tool: src.Tool, Run: src.Run, Assets: src.Assets, Findings: all, Mapper: fakeMapper{}})

	dir := t.TempDir()
	b, err := NewBuilder(dir, src.Assets, fakeMapper{})
	if err != nil {
		t.Fatal(err)
	}
	for i := len(src.Assets) - 1; i >= 0; i-- {
		if err := b.Add(i, byAsset[src.Assets[i].IP]); err != nil {
			t.Fatal(err)
		}
	}
	// A sender's findings repeat its exchanges and its domain's records:
	// the spool holds them compressed.
	if disk, text := b.SpoolSize(); disk*3 > text {
		t.Errorf("spool holds %d bytes for %d bytes of findings: not compressed", disk, text)
	}
	streamed := b.Pack(src.Tool, mem.Run, nil)
	defer streamed.Close()

	var a, c bytes.Buffer
	if err := (JSON{}).Write(context.Background(), &a, mem); err != nil {
		t.Fatal(err)
	}
	if err := (JSON{}).Write(context.Background(), &c, streamed); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Fatalf("streamed evidence.json differs from the in-memory one (%d vs %d bytes)", c.Len(), a.Len())
	}
	// The other writers read a spooled pack their own ways (fields
	// skipped, observed values as spooled text): the same bytes.
	for name, w := range map[string]Writer{"csv": NewCSV(), "xlsx": NewXLSX(), "oscal": NewOSCAL()} {
		var fromMem, fromSpool bytes.Buffer
		if err := w.Write(context.Background(), &fromMem, mem); err != nil {
			t.Fatal(err)
		}
		if err := w.Write(context.Background(), &fromSpool, streamed); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fromMem.Bytes(), fromSpool.Bytes()) {
			t.Errorf("%s of the streamed pack differs from the in-memory one (%d vs %d bytes)", name, fromSpool.Len(), fromMem.Len())
		}
	}
	want, err := json.MarshalIndent(mem, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(append(want, '\n'), a.Bytes()) {
		t.Fatal("streamed JSON differs from json.MarshalIndent of the pack")
	}
	n := 0
	if err := streamed.EachFinding(func(f *assess.Finding) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != len(all) {
		t.Fatalf("EachFinding gave %d findings, want %d", n, len(all))
	}
	if err := streamed.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".senderproof-*")); len(left) != 0 {
		t.Fatalf("spool left behind: %v", left)
	}
	_ = os.Remove(dir)
}

// fakeMapper maps every check to one control per family.
type fakeMapper struct{}

func (fakeMapper) ControlsFor(check string) []assess.ControlRef {
	return []assess.ControlRef{{Framework: "test", ID: "ALL"}}
}

func (fakeMapper) Controls() []ControlDef {
	return []ControlDef{{Framework: "test", ID: "ALL", Title: "every check"}}
}

// TestReadPackForDrift: reading a pack for drift keeps what drift compares,
// so it finds the same changes as the whole pack in memory.
func TestReadPackForDrift(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, p *Pack) string {
		var b bytes.Buffer
		if err := (JSON{}).Write(context.Background(), &b, p); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	oldPath := write("old.json", SyntheticPack(30, 1))
	newPath := write("new.json", SyntheticPack(30, 2))
	read := func(f func(string) (*Pack, error), path string) *Pack {
		p, err := f(path)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	forDrift := func(path string) (*Pack, error) { return ReadPackForDrift(context.Background(), path) }
	full, _ := Diff(read(ReadPack, oldPath), oldPath, read(ReadPack, newPath))
	lite, _ := Diff(read(forDrift, oldPath), oldPath, read(forDrift, newPath))
	a, _ := json.Marshal(full)
	b, _ := json.Marshal(lite)
	if !bytes.Equal(a, b) {
		t.Fatalf("drift differs:\nwhole pack: %s\nfor drift:  %s", a, b)
	}
	if len(full.Changes) == 0 {
		t.Fatal("the two synthetic packs should differ")
	}
	p := read(forDrift, oldPath)
	if len(p.Findings) != 0 || len(p.Assets) != 30 || p.Run.ID == "" {
		t.Fatalf("pack for drift: %d findings, %d assets, run %q", len(p.Findings), len(p.Assets), p.Run.ID)
	}
}

// TestSpoolBuffer: chunks of every size, put in any order, come back whole
// and in asset order, across buffer flushes and chunks larger than the
// buffer.
func TestSpoolBuffer(t *testing.T) {
	t.Parallel()
	sizes := []int{10, spoolBuffer - 64, 7, spoolBuffer + 3, 1, 0, 300_000, 300_000, 300_000, 300_000, 2 * spoolBuffer, 5}
	s, err := newSpool(t.TempDir(), len(sizes))
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	want := make([][]byte, len(sizes))
	order := []int{3, 0, 11, 1, 2, 5, 4, 10, 6, 9, 7, 8}
	rng := rand.NewChaCha8([32]byte{1})
	for _, i := range order {
		// Random bytes do not compress: the sizes hold on disk, give or
		// take the few bytes of a block's header.
		b := make([]byte, sizes[i])
		rng.Read(b)
		want[i] = b
		if err := s.put(i, b); err != nil {
			t.Fatal(err)
		}
	}
	var got [][]byte
	if err := s.raw(func(b []byte) error { got = append(got, bytes.Clone(b)); return nil }); err != nil {
		t.Fatal(err)
	}
	var nonEmpty [][]byte
	for _, b := range want {
		if len(b) > 0 {
			nonEmpty = append(nonEmpty, b)
		}
	}
	if len(got) != len(nonEmpty) {
		t.Fatalf("%d chunks back, want %d", len(got), len(nonEmpty))
	}
	for i := range got {
		if !bytes.Equal(got[i], nonEmpty[i]) {
			t.Fatalf("chunk %d differs (%d bytes, want %d)", i, len(got[i]), len(nonEmpty[i]))
		}
	}
}

// TestWriteJSONShapes: evidence.json is json.MarshalIndent of the pack,
// byte for byte, for each shape its streamed lists take (nil, empty, full),
// with drift and without.
func TestWriteJSONShapes(t *testing.T) {
	t.Parallel()
	full := SyntheticPack(40, 7)
	if full.Drift == nil || len(full.Assets) == 0 || len(full.Controls) == 0 || len(full.AssetSummary) == 0 {
		t.Fatal("the synthetic pack lacks a list this test needs")
	}
	shapes := map[string]func(p *Pack){
		"full":      func(p *Pack) {},
		"no drift":  func(p *Pack) { p.Drift = nil },
		"nil lists": func(p *Pack) { p.Assets, p.Controls, p.AssetSummary = nil, nil, nil },
		"empty lists": func(p *Pack) {
			p.Assets, p.Controls, p.AssetSummary = []assess.Asset{}, []ControlStatus{}, []AssetSummary{}
		},
		"empty findings": func(p *Pack) { p.Findings = []assess.Finding{} },
		"one of each list": func(p *Pack) {
			p.Assets, p.Controls, p.AssetSummary, p.Findings = p.Assets[:1], p.Controls[:1], p.AssetSummary[:1], p.Findings[:1]
		},
	}
	for name, edit := range shapes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := SyntheticPack(40, 7)
			edit(p)
			want, err := json.MarshalIndent(p, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := (JSON{}).Write(context.Background(), &got, p); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(append(want, '\n'), got.Bytes()) {
				t.Errorf("evidence.json differs from json.MarshalIndent of the pack (%d vs %d bytes)", got.Len(), len(want)+1)
			}
		})
	}
}

// TestWriteJSONStopsAtInterrupt: a pack's lists are written an element at
// a time, so an interrupt stops the file at once, not after the whole
// asset list is encoded.
func TestWriteJSONStopsAtInterrupt(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(3000, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var got bytes.Buffer
	err := (JSON{}).Write(ctx, &got, p)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Write after an interrupt = %v, want context.Canceled", err)
	}
	if bytes.Contains(got.Bytes(), []byte(p.Assets[0].IP)) {
		t.Errorf("an asset was written after the interrupt (%d bytes)", got.Len())
	}
}

// TestWriteJSONNoFindings: a pack holding no findings at all, in memory or
// spooled, writes them as an empty list, as a run writes none.
func TestWriteJSONNoFindings(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(2, 1)
	p.Findings = nil
	var got bytes.Buffer
	if err := (JSON{}).Write(context.Background(), &got, p); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(got.Bytes(), []byte("\n  \"findings\": [],\n")) {
		t.Errorf("findings not written as []:\n%.300s", got.String()[bytes.Index(got.Bytes(), []byte(`"findings"`)):])
	}
	var back Pack
	if err := json.Unmarshal(got.Bytes(), &back); err != nil {
		t.Fatalf("evidence.json does not read back: %v", err)
	}
}
