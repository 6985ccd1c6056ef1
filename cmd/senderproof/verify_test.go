package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"senderproof/assess"
	"senderproof/assess/dnstest"
	"senderproof/report"
)

// copyPack copies a pack directory's files into a new temporary directory.
func copyPack(t *testing.T, dir string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "pack")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range entries(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// rewritePack lets edit change the pack's evidence.json, then writes it as
// the JSON writer does and updates the manifest's hash and size to match,
// so that only the replay can tell.
func rewritePack(t *testing.T, dir string, edit func(p *report.Pack)) {
	t.Helper()
	p := readPack(t, dir)
	edit(p)
	var buf bytes.Buffer
	if err := (report.JSON{}).Write(context.Background(), &buf, p); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "evidence.json"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := report.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	for i := range m.Files {
		if m.Files[i].Path == "evidence.json" {
			m.Files[i].SHA256 = hex.EncodeToString(sum[:])
			m.Files[i].Size = int64(buf.Len())
		}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, report.ManifestFile), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// findingIndex returns the index of asset's finding of check.
func findingIndex(t *testing.T, p *report.Pack, asset, check string) int {
	t.Helper()
	i := slices.IndexFunc(p.Findings, func(f assess.Finding) bool { return f.Asset == asset && f.Check == check })
	if i < 0 {
		t.Fatalf("no %s finding for %s", check, asset)
	}
	return i
}

func TestVerifyReplaysFindings(t *testing.T) {
	pack := demoPack(t)
	code, stdout, stderr := run(t, context.Background(), "verify", pack)
	if code != 0 {
		t.Fatalf("verify of an untouched pack: exit %d: %s %s", code, stdout, stderr)
	}
	n := len(readPack(t, pack).Findings)
	if !strings.Contains(stdout, "1 file matches the manifest") || !strings.Contains(stdout, strconv.Itoa(n)+" findings replayed: all match") {
		t.Errorf("verify output: %s", stdout)
	}

	cases := []struct {
		name string
		edit func(t *testing.T, dir string)
		want []string
	}{
		{"one byte changed", func(t *testing.T, dir string) {
			path := filepath.Join(dir, "evidence.json")
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			i := bytes.Index(b, []byte("mail1.example.com"))
			b[i] = 'n'
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, []string{"evidence.json: sha256"}},
		{"recorded answer altered", func(t *testing.T, dir string) {
			rewritePack(t, dir, func(p *report.Pack) {
				f := &p.Findings[findingIndex(t, p, "192.0.2.10", "ptr.fcrdns")]
				for i, ev := range f.Evidence {
					if ev.Name == "mail1.example.com." && ev.Type == "A" {
						f.Evidence[i].Answers = []string{"mail1.example.com.\t3600\tIN\tA\t192.0.2.99"}
					}
				}
			})
		}, []string{"finding 192.0.2.10 ptr.fcrdns differs on replay: status is fail, recorded pass",
			"finding 192.0.2.10 ptr.fcrdns records the exchange mail1.example.com. A with "}},
		{"recorded rcode altered", func(t *testing.T, dir string) {
			rewritePack(t, dir, func(p *report.Pack) {
				f := &p.Findings[findingIndex(t, p, "192.0.2.10", "ptr.present")]
				f.Evidence[0].Rcode = "SERVFAIL"
			})
		}, []string{"finding 192.0.2.10 ptr.present differs on replay: status is error, recorded pass"}},
		{"message altered", func(t *testing.T, dir string) {
			rewritePack(t, dir, func(p *report.Pack) {
				p.Findings[findingIndex(t, p, "192.0.2.12", "ptr.present")].Message = "All good."
			})
		}, []string{"finding 192.0.2.12 ptr.present differs on replay: message is"}},
		{"made by another version", func(t *testing.T, dir string) {
			rewritePack(t, dir, func(p *report.Pack) {
				p.Tool.Version = "0.0.9"
				p.Findings[findingIndex(t, p, "192.0.2.12", "ptr.present")].Message = "Worded by an older release."
			})
		}, []string{"differs on replay: message is", `note: the pack was made by "senderproof" version "0.0.9" and this is version ` + version}},
		{"evidence left out", func(t *testing.T, dir string) {
			rewritePack(t, dir, func(p *report.Pack) {
				f := &p.Findings[findingIndex(t, p, "192.0.2.10", "ptr.fcrdns")]
				f.Evidence = slices.DeleteFunc(f.Evidence, func(ev assess.Evidence) bool { return ev.Type == "A" })
			})
		}, []string{"finding 192.0.2.10 ptr.fcrdns used DNS data that is not in its evidence: A mail1.example.com"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyPack(t, pack)
			tc.edit(t, dir)
			code, stdout, stderr := run(t, context.Background(), "verify", dir)
			if code != exitRunFailed {
				t.Fatalf("verify exit %d, want %d: %s %s", code, exitRunFailed, stdout, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("verify error lacks %q:\n%s", w, stderr)
				}
			}
			// One finding replays otherwise (the ledger of exchanges may
			// name the edited exchange's other findings too).
			if n := strings.Count(stderr, " differs on replay") + strings.Count(stderr, " used DNS data"); n > 1 {
				t.Errorf("more than one finding replayed otherwise:\n%s", stderr)
			}
		})
	}
}

// runFields are the lines of evidence.json that belong to one run alone:
// its ID and timestamps (issue 7: a replayed pack is byte-identical apart
// from those).
var runFields = []*regexp.Regexp{
	regexp.MustCompile(`(?m)^    "id": "[^"]*",$`),
	regexp.MustCompile(`(?m)^    "started_at": "[^"]*",$`),
	regexp.MustCompile(`(?m)^    "finished_at": "[^"]*",$`),
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func normaliseRun(b []byte) []byte {
	for _, re := range runFields {
		b = re.ReplaceAll(b, nil)
	}
	return b
}

// TestReplayReproducesThePack replays a pack given by its directory, as
// --baseline and diff take it (other tests give its evidence.json).
func TestReplayReproducesThePack(t *testing.T) {
	orig := demoPack(t)
	out := filepath.Join(t.TempDir(), "replay")
	code, _, stderr := run(t, context.Background(), "assess", "--replay", orig, "--out", out, "--format", "json")
	if code != 0 {
		t.Fatalf("assess --replay exit %d: %s", code, stderr)
	}
	a, err := os.ReadFile(filepath.Join(orig, "evidence.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "evidence.json"))
	if err != nil {
		t.Fatal(err)
	}
	p, op := readPack(t, out), readPack(t, orig)
	if p.Run.ID == op.Run.ID {
		t.Error("replayed run kept the original run ID")
	}
	if bytes.Contains(b, []byte(`"replay"`)) {
		t.Error(`replayed evidence.json has a "replay" key`)
	}
	for _, re := range runFields {
		if !re.Match(b) {
			t.Fatalf("normalisation %s matches nothing", re)
		}
	}
	na, nb := normaliseRun(a), normaliseRun(b)
	if !bytes.Equal(na, nb) {
		al, bl := strings.Split(string(na), "\n"), strings.Split(string(nb), "\n")
		for i := range min(len(al), len(bl)) {
			if al[i] != bl[i] {
				t.Fatalf("replayed evidence.json differs at line %d:\n orig: %s\nreplay: %s", i+1, al[i], bl[i])
			}
		}
		t.Fatalf("replayed evidence.json differs in length: %d vs %d lines", len(al), len(bl))
	}
	m, err := report.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	if m.ReplayOf != op.Run.ID || m.RunID != p.Run.ID {
		t.Errorf("replayed manifest: replay_of %q run_id %q, want %q and %q", m.ReplayOf, m.RunID, op.Run.ID, p.Run.ID)
	}
	replayed := filepath.Join(orig, "evidence.json")
	if len(m.Inputs) != 2 || m.Inputs[0].Path != "demo/fleet.csv" || m.Inputs[1].Path != replayed || m.Inputs[1].SHA256 != sha256Hex(a) {
		t.Errorf("replayed manifest inputs %+v, want the inventory and %s", m.Inputs, replayed)
	}
	if code, stdout, stderr := run(t, context.Background(), "verify", out); code != 0 || !strings.Contains(stdout, "replay of run "+op.Run.ID) {
		t.Errorf("verify of the replayed pack: exit %d: %s %s", code, stdout, stderr)
	}

	t.Run("bad usage", func(t *testing.T) {
		for _, args := range [][]string{
			{"assess", "--replay", filepath.Join(orig, "evidence.json"), "--inventory", "../../testdata/demo/fleet.csv"},
			{"assess", "--replay", filepath.Join(orig, "missing.json")},
			{"assess", "--replay", filepath.Join(orig, "manifest.json")},
		} {
			dir := filepath.Join(t.TempDir(), "out")
			if code, _, _ := run(t, context.Background(), append(args, "--out", dir)...); code != 1 {
				t.Errorf("%v: exit %d, want 1", args, code)
			}
			if got := entries(t, dir); len(got) != 0 {
				t.Errorf("%v wrote %v", args, got)
			}
		}
	})
}

// TestVerifyFindsRecordedInputs: verify uses the run's --templates files
// as the manifest records them (by kind, so a YAML inventory is not taken
// for a mapping file) from any working directory, the paths given on the
// command line being relative to the run's; a pack whose manifest predates
// kinds tells its inventories apart by evidence.json.
func TestVerifyFindsRecordedInputs(t *testing.T) {
	work := t.TempDir()
	srv := dnstest.Start(t, dnstest.Config{Zones: []dnstest.Zone{{Origin: "2.0.192.in-addr.arpa.", File: "rev", Text: "$TTL 3600\n@ IN SOA ns.example. h.example. 1 3600 600 86400 300\n1 IN PTR mail.example.com.\n"}, {Origin: "example.com.", File: "fwd", Text: "$TTL 3600\n@ IN SOA ns.example. h.example. 1 3600 600 86400 300\nmail IN A 192.0.2.1\n@ IN TXT \"v=spf1 ip4:192.0.2.1 -all\"\n"}}})
	if err := os.WriteFile(filepath.Join(work, "fleet.yaml"), []byte("- ip: 192.0.2.1\n  hostname: mail.example.com\n  domain: example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(work, "tpl"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "tpl", "ptr.tmpl"), []byte(`{{define "ptr.present/pass"}}Reverse DNS in place for {{.Asset.IP}}.{{end}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work)
	if code, _, stderr := run(t, context.Background(), "assess", "--inventory", "fleet.yaml", "--templates", "tpl", "--resolver", srv.Addr, "--format", "json", "--out", "pack"); code != 0 {
		t.Fatalf("assess exit %d: %s", code, stderr)
	}
	// A second run against the first as --baseline, given relative too.
	if code, _, stderr := run(t, context.Background(), "assess", "--inventory", "fleet.yaml", "--templates", "tpl", "--resolver", srv.Addr, "--format", "json", "--baseline", "pack", "--out", "pack2"); code != 0 {
		t.Fatalf("assess with --baseline: exit %d: %s", code, stderr)
	}
	pack := filepath.Join(work, "pack")
	t.Chdir(t.TempDir())
	code, stdout, stderr := run(t, context.Background(), "verify", pack)
	if code != 0 || !strings.Contains(stdout, "using the run's --templates files as the manifest records them: tpl/ptr.tmpl") || strings.Contains(stdout, "--mappings") {
		t.Fatalf("verify from another directory: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, context.Background(), "verify", filepath.Join(work, "pack2"))
	if code != 0 || strings.Contains(stdout, "drift record only") {
		t.Fatalf("verify of a drift pack from another directory: exit %d\n%s%s", code, stdout, stderr)
	}

	// A pack of this version names each input's kind: without them, its
	// inventory would escape being read again.
	b, err := os.ReadFile(filepath.Join(pack, report.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	kindless := bytes.ReplaceAll(b, []byte(`"kind": "inventory"`), []byte(`"kind": ""`))
	if err := os.WriteFile(filepath.Join(pack, report.ManifestFile), kindless, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = run(t, context.Background(), "verify", pack)
	if code != 2 || !strings.Contains(stderr, "without its kind, which this version of senderproof always records") {
		t.Fatalf("verify of this version's pack without input kinds: exit %d\n%s%s", code, stdout, stderr)
	}

	// The manifest as 0.1 wrote it: no kinds, no workdir, and the pack's
	// tool version 0.1.0.
	rewritePack(t, pack, func(p *report.Pack) { p.Tool.Version = "0.1.0" })
	b, err = os.ReadFile(filepath.Join(pack, report.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "workdir")
	m["tool"].(map[string]any)["version"] = "0.1.0"
	for _, in := range m["inputs"].([]any) {
		delete(in.(map[string]any), "kind")
	}
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pack, report.ManifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work)
	code, stdout, stderr = run(t, context.Background(), "verify", "pack")
	if code != 0 || !strings.Contains(stdout, "using the run's --templates files") || strings.Contains(stdout, "--mappings") {
		t.Fatalf("verify of a pack without input kinds: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestReplaySource: verify names the evidence.json a replay was made from
// and whether a pack's manifest lists it; a replay of a loose copy, which
// could have been edited, is said to be one, by assess and by verify.
func TestReplaySource(t *testing.T) {
	orig := demoPack(t)
	out := filepath.Join(t.TempDir(), "replay")
	if code, _, stderr := run(t, context.Background(), "assess", "--replay", orig, "--out", out, "--format", "json"); code != 0 || strings.Contains(stderr, "no pack's manifest.json") {
		t.Fatalf("assess --replay of a pack: exit %d: %s", code, stderr)
	}
	_, stdout, _ := run(t, context.Background(), "verify", out)
	if want := ", the evidence.json its pack's manifest lists"; !strings.Contains(stdout, "replayed from "+filepath.Join(orig, "evidence.json")) || !strings.Contains(stdout, want) {
		t.Errorf("verify of a replay of a pack:\n%s", stdout)
	}
	loose := filepath.Join(t.TempDir(), "evidence.json")
	b, err := os.ReadFile(filepath.Join(orig, "evidence.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(loose, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out2 := filepath.Join(t.TempDir(), "replay")
	code, _, stderr := run(t, context.Background(), "assess", "--replay", loose, "--out", out2, "--format", "json")
	if code != 0 || !strings.Contains(stderr, "no pack's manifest.json beside "+loose+" lists it") {
		t.Errorf("assess --replay of a loose copy: exit %d: %s", code, stderr)
	}
	code, stdout, _ = run(t, context.Background(), "verify", out2)
	if code != 0 || !strings.Contains(stdout, "no pack's manifest lists that file, so nothing shows it is the recorded run's evidence as written") {
		t.Errorf("verify of a replay of a loose copy: exit %d:\n%s", code, stdout)
	}
}

// TestVerifyAssetsAgainstInventory: verify reads the run's inventory again
// (the demo's embedded fleet here) and fails on assets that are not what it
// gives; an inventory file no longer at hand is said to leave them
// unchecked.
func TestVerifyAssetsAgainstInventory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pack")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", dir, "--format", "json"); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	code, stdout, stderr := run(t, context.Background(), "verify", dir)
	if code != 0 || !strings.Contains(stdout, "assets: the 33 senders the run's inventory gives, read again") {
		t.Fatalf("verify exit %d: %s %s", code, stdout, stderr)
	}
	forged := copyPack(t, dir)
	forgeFile(t, forged, "evidence.json", `"owner": "mail-platform"`, `"owner": "someone-else"`)
	code, stdout, stderr = run(t, context.Background(), "verify", forged)
	if code != exitRunFailed || !strings.Contains(stderr, "evidence.json's assets are not those the run's inventory gives (demo/fleet.csv, read again): 192.0.2.10 is ") {
		t.Errorf("verify of an asset changed: exit %d: %s %s", code, stdout, stderr)
	}

	srv, fleet := startDriftWorld(t)
	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := run(t, context.Background(), "assess", "--inventory", fleet, "--resolver", srv.Addr, "--out", out, "--format", "json", "--qps", "0"); code != 0 {
		t.Fatalf("assess exit %d: %s", code, stderr)
	}
	if err := os.Remove(fleet); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = run(t, context.Background(), "verify", out)
	if code != 0 || !strings.Contains(stdout, "assets: not checked against the inventory: "+fleet+" is not at hand") {
		t.Errorf("verify with the inventory gone: exit %d: %s", code, stdout)
	}
}

// TestVerifyNotAPack: a directory without a manifest or any pack file, or
// a pack's evidence.json given for its directory, is bad usage (exit 1)
// saying what to give, not a pack that fails (exit 2).
func TestVerifyNotAPack(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	if code, _, stderr := run(t, context.Background(), "verify", empty); code != exitBadInput || !strings.Contains(stderr, "not a pack directory (no manifest.json)") {
		t.Errorf("verify of a directory without a manifest: exit %d: %s", code, stderr)
	}
	ev := filepath.Join(empty, "evidence.json")
	if err := os.WriteFile(ev, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, context.Background(), "verify", ev); code != exitBadInput || !strings.Contains(stderr, "give the pack directory, "+empty+", not its evidence.json") {
		t.Errorf("verify of an evidence.json: exit %d: %s", code, stderr)
	}
}

// TestVerifyAPackFile: any file of a pack given for its directory, by the
// name a pack writes it under or beside the manifest, is told to give the
// directory; a file elsewhere is not a pack directory.
func TestVerifyAPackFile(t *testing.T) {
	t.Parallel()
	pack := filepath.Join(t.TempDir(), "evidence")
	other := t.TempDir()
	for _, name := range []string{"manifest.json", "manifest.sig", "report.pdf", "report.xlsx", "findings.csv", "oscal-assessment-results.json", "notes.txt"} {
		if err := os.MkdirAll(pack, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(pack, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"manifest.sig", "report.pdf", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(other, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct{ path, want string }{
		{filepath.Join(pack, "manifest.json"), "verify " + pack + "/manifest.json: give the pack directory, " + pack + ", not its manifest.json"},
		{filepath.Join(pack, "manifest.sig"), "verify " + pack + "/manifest.sig: give the pack directory, " + pack + ", not its manifest.sig"},
		{filepath.Join(pack, "report.pdf"), "verify " + pack + "/report.pdf: give the pack directory, " + pack + ", not its report.pdf"},
		{filepath.Join(pack, "report.xlsx"), "verify " + pack + "/report.xlsx: give the pack directory, " + pack + ", not its report.xlsx"},
		{filepath.Join(pack, "findings.csv"), "verify " + pack + "/findings.csv: give the pack directory, " + pack + ", not its findings.csv"},
		{filepath.Join(pack, "oscal-assessment-results.json"), "verify " + pack + "/oscal-assessment-results.json: give the pack directory, " + pack + ", not its oscal-assessment-results.json"},
		{filepath.Join(pack, "notes.txt"), "verify " + pack + "/notes.txt: give the pack directory, " + pack + ", not its notes.txt"},
		// Named as a pack's file, without a manifest beside it: a pack
		// whose manifest is lost is still a pack directory to give.
		{filepath.Join(other, "manifest.sig"), "verify " + other + "/manifest.sig: give the pack directory, " + other + ", not its manifest.sig"},
		{filepath.Join(other, "report.pdf"), "verify " + other + "/report.pdf: give the pack directory, " + other + ", not its report.pdf"},
		{filepath.Join(other, "notes.txt"), "verify " + other + "/notes.txt: not a pack directory"},
	}
	for _, tt := range tests {
		code, _, stderr := run(t, context.Background(), "verify", tt.path)
		if code != exitBadInput || stderr != tt.want {
			t.Errorf("verify %s: exit %d:\n got %q\nwant %q", tt.path, code, stderr, tt.want)
		}
	}
}

// TestVerifyReplayOfAlone: replay_of written into a manifest that records
// no replayed evidence.json does not spare the pack the checks a replay
// is spared (its assets against the inventory, its run's time).
func TestVerifyReplayOfAlone(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pack")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", dir, "--format", "json"); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	forgeFile(t, dir, "evidence.json", `"owner": "mail-platform"`, `"owner": "someone-else"`)
	editManifest(t, dir, func(m *report.Manifest) { m.ReplayOf = m.RunID })
	code, stdout, stderr := run(t, context.Background(), "verify", dir)
	for _, want := range []string{
		"lists no replayed evidence.json among its inputs",
		"evidence.json's assets are not those the run's inventory gives",
	} {
		if code != exitRunFailed || !strings.Contains(stderr, want) {
			t.Errorf("verify exit %d, want %d with %q: %s %s", code, exitRunFailed, want, stdout, stderr)
		}
	}
}

// TestVerifyInventoryRecord: the pack's inventory hash, which its reports
// show, must be that of its inventory files, and a pack of this version
// that lists no inventory (so that none is read again) fails.
func TestVerifyInventoryRecord(t *testing.T) {
	t.Parallel()
	base := demoPack(t)

	claimed := copyPack(t, base)
	rewritePack(t, claimed, func(p *report.Pack) { p.Run.InventorySHA256 = strings.Repeat("ab", 32) })
	code, stdout, stderr := run(t, context.Background(), "verify", claimed)
	if code != 2 || !strings.Contains(stderr, "evidence.json's run.inventory_sha256 is "+strings.Repeat("ab", 32)+", its inventory files give ") {
		t.Errorf("another inventory claimed: exit %d\n%s%s", code, stdout, stderr)
	}

	dropped := copyPack(t, base)
	rewritePack(t, dropped, func(p *report.Pack) { p.Run.Inventories, p.Run.InventorySHA256 = nil, "" })
	m, err := report.ReadManifest(dropped)
	if err != nil {
		t.Fatal(err)
	}
	m.Inputs = slices.DeleteFunc(m.Inputs, func(in report.Input) bool { return in.Kind == report.InputInventory })
	writeManifest(t, dropped, m)
	code, stdout, stderr = run(t, context.Background(), "verify", dropped)
	if code != 2 || !strings.Contains(stderr, "manifest.json lists no inventory among the run's inputs") {
		t.Errorf("inventory dropped from the record: exit %d\n%s%s", code, stdout, stderr)
	}
	// The demo's notes are said to be unchecked.
	if code, stdout, stderr := run(t, context.Background(), "verify", base); code != 0 || !strings.Contains(stdout, "run notes: 3, not checked") {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestVerifyFilesPlacedInPack: a pack lists only pack files; and the
// run's wording files, when they lie in the pack's own directory, are taken
// as the run's only under a verified signature (whoever can edit the pack
// can edit them and the manifest alike), else verify asks for --templates.
func TestVerifyFilesPlacedInPack(t *testing.T) {
	t.Parallel()
	// A file listed beside the pack files.
	listed := copyPack(t, demoPack(t))
	note := []byte("reviewed\n")
	if err := os.WriteFile(filepath.Join(listed, "review.txt"), note, 0o644); err != nil {
		t.Fatal(err)
	}
	m := readManifest(t, listed)
	m.Files = append(m.Files, report.ManifestEntry{Path: "review.txt", SHA256: sha256Hex(note), Size: int64(len(note))})
	writeManifest(t, listed, m)
	code, stdout, stderr := run(t, context.Background(), "verify", listed)
	if code != 2 || !strings.Contains(stderr, "review.txt: listed in the manifest, but not a file senderproof writes into a pack") {
		t.Errorf("a foreign file listed: exit %d\n%s%s", code, stdout, stderr)
	}

	// A genuine run whose wording lies under its --out: signed, it
	// verifies; unsigned, verify asks for --templates, and given it, passes.
	dir := t.TempDir()
	key, pub := writeKeyPair(t, dir, "signer")
	out := filepath.Join(dir, "evidence")
	wording := filepath.Join(out, "wording")
	if err := os.MkdirAll(wording, 0o755); err != nil {
		t.Fatal(err)
	}
	tmpl := `{{define "ptr.fcrdns/fail"}}No forward-confirmed reverse DNS for {{.Asset.IP}}.{{end}}`
	if err := os.WriteFile(filepath.Join(wording, "ptr.tmpl"), []byte(tmpl), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json", "--templates", wording, "--sign-key", key); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	if code, stdout, stderr := run(t, context.Background(), "verify", "--pubkey", pub, out); code != 0 {
		t.Errorf("signed: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, context.Background(), "verify", out)
	if code != exitBadInput || !strings.Contains(stderr, "the pack was not checked: the run's --templates files lie in the pack's own directory") {
		t.Errorf("unsigned: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := run(t, context.Background(), "verify", "--templates", wording, out); code != 0 {
		t.Errorf("unsigned with --templates: exit %d\n%s%s", code, stdout, stderr)
	}

	// Wording slipped into the pack after the run and recorded as the
	// run's, unsigned: not used.
	forged := copyPack(t, demoPack(t))
	evil := []byte(`{{define "ptr.fcrdns/fail"}}Accepted by risk exception RE-2026-14.{{end}}`)
	path := filepath.Join(forged, "wording.tmpl")
	if err := os.WriteFile(path, evil, 0o644); err != nil {
		t.Fatal(err)
	}
	m = readManifest(t, forged)
	m.Inputs = append(m.Inputs, report.Input{Path: path, SHA256: sha256Hex(evil), Kind: report.InputTemplates})
	writeManifest(t, forged, m)
	code, stdout, stderr = run(t, context.Background(), "verify", forged)
	if code == 0 || !strings.Contains(stderr, "lie in the pack's own directory") {
		t.Errorf("wording placed in the pack: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestVerifyFrameworkRecord: a shipped framework left out of a pack of this
// version fails, as does a framework's name edited while its file's hash
// stays; a framework mapped with a file of the run's own is said.
func TestVerifyFrameworkRecord(t *testing.T) {
	t.Parallel()
	base := demoPack(t)

	dropped := copyPack(t, base)
	rewritePack(t, dropped, func(p *report.Pack) {
		const fw = "cisa-bod-18-01"
		p.Run.Mappings = slices.DeleteFunc(p.Run.Mappings, func(r report.MappingRef) bool { return r.Framework == fw })
		p.Controls = slices.DeleteFunc(p.Controls, func(c report.ControlStatus) bool { return c.Framework == fw })
		for i := range p.Findings {
			p.Findings[i].Controls = slices.DeleteFunc(slices.Clone(p.Findings[i].Controls), func(r assess.ControlRef) bool { return r.Framework == fw })
		}
	})
	code, stdout, stderr := run(t, context.Background(), "verify", dropped)
	if code != 2 || !strings.Contains(stderr, "run.mappings lacks the shipped framework cisa-bod-18-01, which every run of this version loads") {
		t.Errorf("shipped framework dropped: exit %d\n%s%s", code, stdout, stderr)
	}

	renamed := copyPack(t, base)
	rewritePack(t, renamed, func(p *report.Pack) { p.Run.Mappings[0].Name = "A framework we like better" })
	code, stdout, stderr = run(t, context.Background(), "verify", renamed)
	if code != 2 || !strings.Contains(stderr, `is recorded as "A framework we like better"`) {
		t.Errorf("framework renamed: exit %d\n%s%s", code, stdout, stderr)
	}

	dir := t.TempDir()
	b, err := os.ReadFile("../../mappings/owasp-nhi-top10.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nhi.yaml"), bytes.Replace(b, []byte("title: "), []byte("title: Our "), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	own := filepath.Join(t.TempDir(), "own")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", own, "--format", "json", "--mappings", dir); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	code, stdout, stderr = run(t, context.Background(), "verify", own)
	if code != 0 || !strings.Contains(stdout, "frameworks: the run mapped owasp-nhi-top10 (sha256 ") || !strings.Contains(stdout, "with a file of its own, not the one shipped with senderproof") {
		t.Errorf("own file: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestVerifyCheckRecord: the checks and pass criteria a pack of this
// version records, which its PDF prints as its method, are this version's.
func TestVerifyCheckRecord(t *testing.T) {
	t.Parallel()
	pack := copyPack(t, demoPack(t))
	rewritePack(t, pack, func(p *report.Pack) {
		p.Run.Checks[3].Criteria = "always"
		p.Run.Checks = p.Run.Checks[:len(p.Run.Checks)-1]
	})
	code, stdout, stderr := run(t, context.Background(), "verify", pack)
	if code != 2 || !strings.Contains(stderr, "otherwise than this version does (title, family or pass criteria)") || !strings.Contains(stderr, "run.checks lacks the check ") {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestVerifyReplayReadsInventory: a pack dressed up as a replay (replay_of
// and a replayed evidence.json that is not at hand) still has its senders
// held against the inventory its manifest lists.
func TestVerifyReplayReadsInventory(t *testing.T) {
	t.Parallel()
	pack := copyPack(t, demoPack(t))
	rewritePack(t, pack, func(p *report.Pack) { p.Assets = p.Assets[1:] })
	m := readManifest(t, pack)
	m.ReplayOf = "an-earlier-run"
	m.Inputs = append(m.Inputs, report.Input{Path: "/nowhere/evidence.json", SHA256: strings.Repeat("1", 64), Kind: report.InputReplay})
	writeManifest(t, pack, m)
	code, stdout, stderr := run(t, context.Background(), "verify", pack)
	if code != 2 || !strings.Contains(stderr, "evidence.json's assets are not those the run's inventory gives") {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
}

// writeManifest writes m as dir's manifest, as a forger would.
func writeManifest(t *testing.T, dir string, m *report.Manifest) {
	t.Helper()
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, report.ManifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestVerifySignedDriftBaselineEdited: under a verified signature the
// manifest's hash of the baseline is the run's, so a baseline edited since
// is not compared with (the drift record stands), and no fault of the pack.
func TestVerifySignedDriftBaselineEdited(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key, pub := writeKeyPair(t, dir, "signer")
	base := demoPack(t)
	cur := filepath.Join(dir, "cur")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", cur, "--format", "json", "--baseline", base, "--sign-key", key); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	path := filepath.Join(base, "evidence.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(b, []byte("mail1.example.com"), []byte("evil1.example.com"), 1)
	if bytes.Equal(edited, b) {
		t.Fatal("nothing to edit in the baseline")
	}
	if err := os.WriteFile(path, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, context.Background(), "verify", "--pubkey", pub, cur)
	if code != 0 || !strings.Contains(stdout, "checked against the drift record only") || !strings.Contains(stdout, "is no longer the file the manifest hashed") {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
	if strings.Contains(stdout, "run notes:") {
		t.Errorf("a signed pack's notes said to be unchecked:\n%s", stdout)
	}
}

// TestVerifyReplayFromElsewhere: a replay made in another directory keeps
// the recorded run's relative inventory path, which verify finds from the
// recorded run's working directory and reads again.
func TestVerifyReplayFromElsewhere(t *testing.T) {
	// Not parallel: it changes the working directory.
	srv, fleet := startDriftWorld(t)
	root := t.TempDir()
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
	for _, d := range []string{a, b} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(fleet)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(a, "fleet.csv"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(a)
	if code, _, stderr := run(t, context.Background(), "assess", "--inventory", "fleet.csv", "--resolver", srv.Addr, "--qps", "0", "--format", "json", "--out", "pack"); code != 0 {
		t.Fatalf("assess exit %d: %s", code, stderr)
	}
	t.Chdir(b)
	if code, _, stderr := run(t, context.Background(), "assess", "--replay", filepath.Join(a, "pack"), "--format", "json", "--out", "replay"); code != 0 {
		t.Fatalf("replay exit %d: %s", code, stderr)
	}
	code, stdout, stderr := run(t, context.Background(), "verify", "replay")
	if code != 0 || !strings.Contains(stdout, "senders the run's inventory gives, read again") {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestVerifyOtherVersionSaysSo: a pack that says another version made it
// is not held to what this version makes (run.checks, the shipped
// frameworks, the inputs' kinds): verify passes it, but says so, so that a
// relabelled version is never passed unremarked.
func TestVerifyOtherVersionSaysSo(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "p")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json"); code != 0 {
		t.Fatalf("demo: exit %d: %s", code, stderr)
	}
	rewritePack(t, out, func(p *report.Pack) { p.Tool.Version = "0.3.9" })
	m, err := report.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	m.Tool.Version = "0.3.9"
	writeManifest(t, out, m)
	code, stdout, stderr := run(t, context.Background(), "verify", out)
	if code != 0 || !strings.Contains(stdout, `note: the pack says it was made by "senderproof" version "0.3.9", not this version`) {
		t.Errorf("verify of a pack of another version: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, _ := run(t, context.Background(), "verify", demoPack(t)); code != 0 || strings.Contains(stdout, "not this version") {
		t.Errorf("verify of this version's pack: exit %d, %s", code, stdout)
	}
}

// TestVerifyReplayWithoutInventorySaysSo: a replay whose manifest lists no
// inventory has its assets unchecked against one, and verify says so.
func TestVerifyReplayWithoutInventorySaysSo(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "r")
	if code, _, stderr := run(t, context.Background(), "assess", "--replay", demoPack(t), "--out", out, "--format", "json"); code != 0 {
		t.Fatalf("replay: exit %d: %s", code, stderr)
	}
	rewritePack(t, out, func(p *report.Pack) { p.Run.Inventories = nil })
	m, err := report.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	m.Inputs = slices.DeleteFunc(m.Inputs, func(in report.Input) bool { return in.Kind == report.InputInventory })
	writeManifest(t, out, m)
	code, stdout, stderr := run(t, context.Background(), "verify", out)
	if !strings.Contains(stdout, "assets: not checked against the inventory: the manifest lists no inventory among the run's inputs") {
		t.Errorf("verify: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestReplayNeedsRecordedFiles: a replay of a run that loaded mapping or
// template files of its own is refused without them (it would evaluate
// other controls, or word the findings otherwise), and replays the run
// with them.
func TestReplayNeedsRecordedFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tdir := filepath.Join(dir, "tpl")
	if err := os.MkdirAll(tdir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tdir, "ptr.tmpl"), []byte(`{{define "ptr.present/pass"}}Reverse DNS in place for {{.Asset.IP}}.{{end}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	extra := "../../testdata/mappings/extra"
	base := filepath.Join(dir, "base")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", base, "--format", "json", "--mappings", extra, "--templates", tdir); code != 0 {
		t.Fatalf("demo: exit %d: %s", code, stderr)
	}
	code, _, stderr := run(t, context.Background(), "assess", "--replay", base, "--out", filepath.Join(dir, "r1"), "--format", "json")
	if code != exitBadInput || !strings.Contains(stderr, "the recorded run loaded mapping files of its own that this run does not") {
		t.Errorf("replay without the run's mapping files: exit %d: %s", code, stderr)
	}
	code, _, stderr = run(t, context.Background(), "assess", "--replay", base, "--out", filepath.Join(dir, "r2"), "--format", "json", "--mappings", extra)
	if code != exitBadInput || !strings.Contains(stderr, "the recorded run worded its findings with template files of its own") {
		t.Errorf("replay without the run's template files: exit %d: %s", code, stderr)
	}
	out := filepath.Join(dir, "r3")
	if code, _, stderr := run(t, context.Background(), "assess", "--replay", base, "--out", out, "--format", "json", "--mappings", extra, "--templates", tdir); code != 0 {
		t.Fatalf("replay with the run's files: exit %d: %s", code, stderr)
	}
	if code, stdout, stderr := run(t, context.Background(), "verify", out); code != 0 {
		t.Errorf("verify of the replay: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestInputsInPackThroughLinks: a recorded wording file that lies in the
// pack is taken as in the pack however its path reads: through a
// symbolic link outside it, too.
func TestInputsInPackThroughLinks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pack := filepath.Join(dir, "pack")
	if err := os.MkdirAll(filepath.Join(pack, "tpl"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(pack, "tpl"), filepath.Join(dir, "elsewhere")); err != nil {
		t.Fatal(err)
	}
	m := &report.Manifest{Inputs: []report.Input{
		{Path: filepath.Join(dir, "elsewhere", "x.tmpl"), Kind: report.InputTemplates},
		{Path: filepath.Join(dir, "outside.tmpl"), Kind: report.InputTemplates},
	}}
	if got := inputsInPack(m, pack, nil, report.InputTemplates, ".tmpl"); len(got) != 1 || got[0] != filepath.Join(dir, "elsewhere", "x.tmpl") {
		t.Errorf("inputs in the pack: %q, want the one reached through the link", got)
	}
}

// TestInputsInPackWithoutKind: a recorded input without a kind, as a pack
// from before inputs had one records it, is taken as the run's wording or
// mapping file by its extension, so it counts as in the pack the same way:
// blanking the kind in an unsigned manifest does not get a wording file
// in the pack past the check that refuses it without a signature.
func TestInputsInPackWithoutKind(t *testing.T) {
	t.Parallel()
	pack := t.TempDir()
	inv := report.Input{Path: filepath.Join(pack, "fleet.yaml")}
	m := &report.Manifest{Inputs: []report.Input{
		inv,
		{Path: filepath.Join(pack, "tpl", "ptr.tmpl")},
		{Path: filepath.Join(pack, "map", "acme.yaml")},
	}}
	if got := inputsInPack(m, pack, []report.Input{inv}, report.InputTemplates, ".tmpl"); !slices.Equal(got, []string{filepath.Join(pack, "tpl", "ptr.tmpl")}) {
		t.Errorf("wording files in the pack: %q", got)
	}
	if got := inputsInPack(m, pack, []report.Input{inv}, report.InputMappings, ".yaml", ".yml"); !slices.Equal(got, []string{filepath.Join(pack, "map", "acme.yaml")}) {
		t.Errorf("mapping files in the pack: %q", got)
	}
}
