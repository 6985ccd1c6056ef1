package report

import (
	"bytes"
	"context"
	"encoding/json"
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
