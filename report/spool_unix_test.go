//go:build unix

package report

import (
	"os"
	"path/filepath"
	"testing"

	"senderproof/assess"
)

// TestSpoolHasNoName: on Unix the findings' spool is used through its open
// file alone, its name removed as soon as it is made: the output directory
// never shows it, an --out moved or replaced mid-run keeps nothing of it,
// and a run killed outright leaves none behind.
func TestSpoolHasNoName(t *testing.T) {
	t.Parallel()
	src := SyntheticPack(5, 3)
	root := t.TempDir()
	dir := filepath.Join(root, "out")
	b, err := NewBuilder(dir, src.Assets, fakeMapper{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Discard()
	if got := packDirNames(t, dir); len(got) != 0 {
		t.Fatalf("the output directory shows %v", got)
	}
	byAsset := map[string][]assess.Finding{}
	for _, f := range src.Findings {
		f.Controls = nil
		byAsset[f.Asset] = append(byAsset[f.Asset], f)
	}
	for i, a := range src.Assets {
		if err := b.Add(i, byAsset[a.IP]); err != nil {
			t.Fatal(err)
		}
	}
	// The directory is moved away, and another made in its place.
	moved := filepath.Join(root, "moved")
	if err := os.Rename(dir, moved); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := b.Pack(src.Tool, src.Run, nil)
	n := 0
	if err := p.EachFinding(func(*assess.Finding) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != len(src.Findings) {
		t.Errorf("read back %d findings, want %d", n, len(src.Findings))
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{dir, moved} {
		if got := packDirNames(t, d); len(got) != 0 {
			t.Errorf("%s holds %v", d, got)
		}
	}
}
