package report

import (
	"bytes"
	"context"
	"encoding/json"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"senderproof/assess"
)

// render writes p with w and returns the bytes.
func writeAll(t testing.TB, w Writer, p *Pack) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := w.Write(context.Background(), &b, p); err != nil {
		t.Fatalf("write: %v", err)
	}
	return b.Bytes()
}

// hostileTXT is the synthetic pack's TXT record that reads as a formula.
const hostileTXT = `=HYPERLINK("http://x.example","click")`

// emptyPack is the smallest valid Pack: no asset, no finding, no control.
func emptyPack() *Pack {
	return &Pack{Schema: Schema, Tool: Tool{Name: "senderproof", Version: "test"}, Run: Run{ID: "empty-run", Title: ""}}
}

func TestSyntheticPack(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(40, 7)
	if got := len(p.Assets); got != 40 {
		t.Fatalf("assets = %d, want 40", got)
	}
	if per := float64(len(p.Findings)) / 40; per < 15 || per > 20 {
		t.Errorf("findings per asset = %.1f, want about 17", per)
	}
	statuses := map[assess.Status]int{}
	for _, f := range p.Findings {
		statuses[f.Status]++
	}
	for _, s := range []assess.Status{assess.StatusPass, assess.StatusWarn, assess.StatusFail, assess.StatusError, assess.StatusSkip} {
		if statuses[s] == 0 {
			t.Errorf("no %s finding", s)
		}
	}
	sum := p.Summary
	if sum.Pass+sum.Warn+sum.Fail+sum.Error+sum.Skip != len(p.Findings) || sum.Findings != len(p.Findings) {
		t.Errorf("summary %+v does not add up to %d findings", sum, len(p.Findings))
	}
	// Ordered by asset (inventory order), then check ID.
	pos := map[string]int{}
	for i, a := range p.Assets {
		pos[a.IP] = i
	}
	for i := 1; i < len(p.Findings); i++ {
		a, b := p.Findings[i-1], p.Findings[i]
		if pos[a.Asset] > pos[b.Asset] || (a.Asset == b.Asset && a.Check > b.Check) {
			t.Fatalf("finding %d (%s %s) after (%s %s): not in asset, check order", i, b.Asset, b.Check, a.Asset, a.Check)
		}
	}
	js, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`=HYPERLINK(\"http://x.example\",\"click\")`, `"+1-555-0100 (noc)"`, `"-prod"`, `"@relay.example.net"`, `\u0000`, "bücher", "送信チーム", "\u202egnp.exe", strings.Repeat("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A", 125)} {
		if !bytes.Contains(js, []byte(want)) {
			t.Errorf("pack lacks hostile value %q", want)
		}
	}
	again, _ := json.Marshal(SyntheticPack(40, 7))
	if !bytes.Equal(js, again) {
		t.Error("SyntheticPack is not deterministic")
	}
}

func BenchmarkSyntheticPack(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		SyntheticPack(10000, 1)
	}
}

// benchWrite measures one writer on synthetic packs of 10,000 and 100,000
// assets, spooled to disk as a real run's are, reporting the output size and
// the writer's peak heap: the most live heap seen while it wrote, above what
// the pack itself holds.
func benchWrite(b *testing.B, w Writer) {
	for _, n := range []int{10000, 100000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			p := spooledSynthetic(b, n)
			runtime.GC()
			base := liveHeap()
			b.ReportAllocs()
			b.ResetTimer()
			var size int64
			stop, peak := sampleHeap()
			for b.Loop() {
				var c countingWriter
				if err := w.Write(context.Background(), &c, p); err != nil {
					b.Fatal(err)
				}
				size = c.n
			}
			stop()
			b.ReportMetric(float64(size), "bytes/file")
			b.ReportMetric(float64(max(*peak-base, 0))/(1<<20), "peak-heap-MiB")
		})
	}
}

// spooledSynthetic is SyntheticPack(n, 1) with its findings spooled to disk
// by a Builder, as `senderproof assess` holds them.
func spooledSynthetic(b *testing.B, n int) *Pack {
	b.Helper()
	return spoolPack(b, SyntheticPack(n, 1))
}

// BenchmarkWriteJSON measures evidence.json like the other writers.
func BenchmarkWriteJSON(b *testing.B) { benchWrite(b, JSON{}) }

// liveHeap is the heap in live and not yet swept objects, in bytes.
func liveHeap() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// sampleHeap records the largest liveHeap every millisecond until stop.
func sampleHeap() (stop func(), peak *int64) {
	peak = new(int64)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			*peak = max(*peak, liveHeap())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }, peak
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// synthMapper maps checks to the synthetic pack's controls, as the
// mapping files would.
type synthMapper struct{}

func (synthMapper) ControlsFor(check string) []assess.ControlRef { return synthControlRefs(check) }

func (synthMapper) Controls() []ControlDef {
	var out []ControlDef
	for _, c := range synthControls(nil) {
		out = append(out, ControlDef{Framework: c.Framework, ID: c.ID, Title: c.Title, Catalog: c.Catalog, Checks: c.Checks})
	}
	return out
}

// streamedPair builds one run twice from the synthetic pack's findings:
// in memory with Build, and with the findings spooled to disk by a
// Builder, as a real run does.
func streamedPair(t *testing.T, n int, seed uint64) (mem, streamed *Pack) {
	t.Helper()
	src := SyntheticPack(n, seed)
	byAsset := map[string][]assess.Finding{}
	var all []assess.Finding
	for _, f := range src.Findings {
		f.Controls = nil
		byAsset[f.Asset] = append(byAsset[f.Asset], f)
		all = append(all, f)
	}
	mem = Build(BuildInput{Tool: src.Tool, Run: src.Run, Assets: src.Assets, Findings: all, Mapper: synthMapper{}, Drift: src.Drift})
	b, err := NewBuilder(t.TempDir(), src.Assets, synthMapper{})
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range src.Assets {
		if err := b.Add(i, byAsset[a.IP]); err != nil {
			t.Fatal(err)
		}
	}
	streamed = b.Pack(src.Tool, mem.Run, src.Drift)
	t.Cleanup(func() { streamed.Close() })
	if len(streamed.Findings) != 0 || len(mem.Findings) != len(src.Findings) {
		t.Fatalf("streamed pack holds %d findings in memory, in-memory pack %d of %d", len(streamed.Findings), len(mem.Findings), len(src.Findings))
	}
	return mem, streamed
}

// TestWritersStreamed checks that every writer gives the same document
// whether the findings are in memory or spooled to disk.
func TestWritersStreamed(t *testing.T) {
	t.Parallel()
	mem, streamed := streamedPair(t, 15, 21)
	for _, tc := range []struct {
		name string
		w    Writer
		read func(t *testing.T, b []byte) string
	}{
		{"csv", NewCSV(), func(_ *testing.T, b []byte) string { return string(b) }},
		{"oscal", NewOSCAL(), func(_ *testing.T, b []byte) string { return string(b) }},
		{"pdf", NewPDF(nil), func(t *testing.T, b []byte) string { return pdfText(t, b) }},
		{"xlsx", NewXLSX(), func(t *testing.T, b []byte) string {
			f := openXLSX(t, b)
			var s strings.Builder
			for _, sh := range f.GetSheetList() {
				for _, r := range rowsOf(t, f, sh) {
					s.WriteString(sh + "|" + strings.Join(r, "|") + "\n")
				}
			}
			return s.String()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := tc.read(t, writeAll(t, tc.w, mem))
			b := tc.read(t, writeAll(t, tc.w, streamed))
			if a != b {
				t.Errorf("%s of the streamed pack differs from the in-memory one (%d vs %d bytes)", tc.name, len(b), len(a))
			}
			if len(a) < 1000 {
				t.Errorf("%s output is only %d bytes", tc.name, len(a))
			}
		})
	}
}
