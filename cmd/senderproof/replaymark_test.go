package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"senderproof/report"
)

// TestReplayIsMarked: a replayed pack's PDF, XLSX and OSCAL say that it is
// a replay, of which run, and when the DNS answers it re-assessed were
// recorded; OSCAL's result period is the recorded one, so no observation
// was collected before its result started. A replay of that replay still
// names the first run's recording times.
func TestReplayIsMarked(t *testing.T) {
	orig := fullDemoPack(t)
	op := readPack(t, orig)
	var first, last time.Time
	for _, f := range op.Findings {
		for _, e := range f.Evidence {
			if first.IsZero() || e.At.Before(first) {
				first = e.At
			}
			if e.At.After(last) {
				last = e.At
			}
		}
	}
	replay := func(evidence string) string {
		out := filepath.Join(t.TempDir(), "replay")
		if code, _, stderr := run(t, context.Background(), "assess", "--replay", evidence, "--out", out); code != 0 {
			t.Fatalf("assess --replay exit %d: %s", code, stderr)
		}
		return out
	}
	once := replay(filepath.Join(orig, "evidence.json"))
	twice := replay(filepath.Join(once, "evidence.json"))
	for _, c := range []struct{ name, dir, of string }{{"replay", once, op.Run.ID}, {"replay of a replay", twice, readPack(t, once).Run.ID}} {
		t.Run(c.name, func(t *testing.T) {
			p := readPack(t, c.dir)
			text := strings.Join(strings.Fields(pdfText(t, filepath.Join(c.dir, "report.pdf"))), " ")
			for _, want := range []string{
				"Replay of run " + c.of + ", re-assessed offline",
				"This run is an offline replay of run " + c.of,
				"Queries (recorded run)",
				first.UTC().Format("2 January 2006, 15:04:05") + " to ",
			} {
				if !strings.Contains(text, want) {
					t.Errorf("PDF lacks %q", want)
				}
			}
			if strings.Contains(text, "assessed by querying DNS directly") {
				t.Error("the PDF's methodology says the replay queried DNS")
			}

			x, err := excelize.OpenFile(filepath.Join(c.dir, "report.xlsx"))
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			rows, err := x.GetRows("Summary")
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, r := range rows {
				if len(r) == 2 && r[0] == "Replay of" && strings.HasPrefix(r[1], "run "+c.of+", re-assessed offline") {
					found = true
				}
			}
			if !found {
				t.Errorf("the XLSX Summary has no Replay of row naming %s", c.of)
			}

			b, err := os.ReadFile(filepath.Join(c.dir, "oscal-assessment-results.json"))
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				AR struct {
					Metadata struct {
						LastModified time.Time `json:"last-modified"`
					} `json:"metadata"`
					Results []struct {
						Description string    `json:"description"`
						Start       time.Time `json:"start"`
						End         time.Time `json:"end"`
						Props       []struct{ Name, Value string }
					} `json:"results"`
				} `json:"assessment-results"`
			}
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			r := doc.AR.Results[0]
			if r.Start.After(first) || r.End.Before(last) || r.End.After(p.Run.StartedAt) {
				t.Errorf("OSCAL result %s to %s, want the recording's %s to %s", r.Start, r.End, first, last)
			}
			if !doc.AR.Metadata.LastModified.Equal(p.Run.FinishedAt) {
				t.Errorf("OSCAL last-modified %s, want the replay's end %s", doc.AR.Metadata.LastModified, p.Run.FinishedAt)
			}
			if !strings.Contains(r.Description, "An offline replay") || !strings.Contains(r.Description, c.of) {
				t.Errorf("OSCAL result description %q does not say it is a replay of %s", r.Description, c.of)
			}
			prop := ""
			for _, pr := range r.Props {
				if pr.Name == "replay-of" {
					prop = pr.Value
				}
			}
			if prop != c.of {
				t.Errorf("OSCAL replay-of prop %q, want %s", prop, c.of)
			}
		})
	}
	// The recorded run's own reports say nothing of a replay.
	if text := pdfText(t, filepath.Join(orig, "report.pdf")); strings.Contains(strings.ToLower(text), "replay") {
		t.Error("the recorded run's PDF speaks of a replay")
	}
}

// TestReplaySpanFromFindings: a question recorded twice (a cache entry
// that expired in a long run) is replayed with its first recording, so
// the later one's time is not when the replayed findings' answers were
// collected; the replay's reports, and verify writing them again, agree.
func TestReplaySpanFromFindings(t *testing.T) {
	p := readPack(t, demoPack(t))
	type q struct{ name, typ string }
	seen := map[q]int{}
	last := map[q][2]int{}
	for i, f := range p.Findings {
		for j, e := range f.Evidence {
			k := q{e.Name, e.Type}
			seen[k]++
			last[k] = [2]int{i, j}
		}
	}
	moved := false
	for k, n := range seen {
		if n > 1 {
			at := last[k]
			p.Findings[at[0]].Evidence[at[1]].At = p.Run.FinishedAt.Add(30 * time.Minute)
			moved = true
			break
		}
	}
	if !moved {
		t.Fatal("no question recorded twice in the demo pack")
	}
	dir := filepath.Join(t.TempDir(), "copy")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := (report.JSON{}).Write(context.Background(), &buf, p); err != nil {
		t.Fatal(err)
	}
	evidence := filepath.Join(dir, "evidence.json")
	if err := os.WriteFile(evidence, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "replay")
	if code, _, stderr := run(t, context.Background(), "assess", "--replay", evidence, "--out", out); code != 0 {
		t.Fatalf("assess --replay exit %d: %s", code, stderr)
	}
	if code, stdout, stderr := run(t, context.Background(), "verify", out); code != 0 {
		t.Errorf("verify of the replay: exit %d: %s%s", code, stdout, stderr)
	}
}

// TestSeveralRecordsSorted: records listed for "several records" come in
// sorted order, not the order the resolver gave them in (unbound rotates
// them), so the same DNS data reads the same in every pack.
func TestSeveralRecordsSorted(t *testing.T) {
	p := readPack(t, demoPack(t))
	f := p.Findings[findingIndex(t, p, "192.0.2.26", "spf.record")]
	rs, _ := f.Observed["records"].([]any)
	var got []string
	for _, r := range rs {
		s, _ := r.(string)
		got = append(got, s)
	}
	if len(got) != 2 || !slices.IsSorted(got) || !strings.Contains(f.Message, got[0]+" | "+got[1]) {
		t.Errorf("spf.record of 192.0.2.26: records %q, message %q: want them sorted", got, f.Message)
	}
}
