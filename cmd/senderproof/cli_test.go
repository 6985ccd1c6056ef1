package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"senderproof/assess"
	"senderproof/report"
)

// cliMu serializes in-process runs of the CLI: urfave/cli writes its global
// help and version flags on every parse, so two runs at once race.
var cliMu sync.Mutex

// run executes the CLI in-process and returns its exit code and output. Runs
// are serialized (cliMu), so tests calling it may still be parallel.
func run(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	cliMu.Lock()
	defer cliMu.Unlock()
	var stdout, stderr bytes.Buffer
	err := newApp(&stdout, &stderr).RunContext(ctx, append([]string{"senderproof"}, args...))
	if err != nil {
		stderr.WriteString(err.Error())
	}
	return exitCode(err), stdout.String(), stderr.String()
}

// entries lists the files in dir (none when it does not exist).
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestDemoWritesAVerifiablePack(t *testing.T) {
	out := filepath.Join(t.TempDir(), "evidence")
	code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json")
	if code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	p, err := report.ReadPack(filepath.Join(out, "evidence.json"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary.Assets < 33 || p.Summary.Findings == 0 {
		t.Fatalf("summary %+v", p.Summary)
	}
	// Every status the SPEC allows for each check appears in the demo, and
	// no other: drift.changed, which needs --baseline, is the only check
	// left out.
	seen := map[string]map[string]bool{}
	for _, f := range p.Findings {
		if seen[f.Check] == nil {
			seen[f.Check] = map[string]bool{}
		}
		seen[f.Check][string(f.Status)] = true
	}
	want := map[string][]string{
		"align.identity":       {"pass", "warn", "error", "skip"},
		"dkim.key":             {"pass", "warn", "fail", "error", "skip"},
		"dmarc.policy":         {"pass", "warn", "error", "skip"},
		"dmarc.record":         {"pass", "fail", "error", "skip"},
		"dmarc.reporting":      {"pass", "warn", "error", "skip"},
		"helo.fqdn":            {"pass", "fail", "error", "skip"},
		"helo.matches_ptr":     {"pass", "warn", "fail", "error", "skip"},
		"helo.spf":             {"pass", "warn", "fail", "error", "skip"},
		"ptr.fcrdns":           {"pass", "fail", "error"},
		"ptr.matches_expected": {"pass", "fail", "error", "skip"},
		"ptr.not_generic":      {"pass", "warn", "error", "skip"},
		"ptr.present":          {"pass", "fail", "error"},
		"ptr.single":           {"pass", "warn", "error", "skip"},
		"spf.authorizes_ip":    {"pass", "fail", "error", "skip"},
		"spf.lookup_limit":     {"pass", "fail", "error", "skip"},
		"spf.record":           {"pass", "fail", "error", "skip"},
	}
	for _, id := range assess.CheckIDs() {
		if _, ok := want[id]; !ok && id != "drift.changed" {
			t.Errorf("check %s has no statuses listed for the demo", id)
		}
	}
	for check, statuses := range want {
		t.Run(check, func(t *testing.T) {
			for _, st := range statuses {
				if !seen[check][st] {
					t.Errorf("demo shows no %s finding for %s", st, check)
				}
			}
			for st := range seen[check] {
				if !slices.Contains(statuses, st) {
					t.Errorf("demo shows a %s finding for %s, a status the SPEC does not give it", st, check)
				}
			}
		})
	}
	for check := range seen {
		if _, ok := want[check]; !ok {
			t.Errorf("demo shows findings of %s, which the demo should not run", check)
		}
	}
	// Scenarios the demo shows beyond the status set: an SPF record that
	// exceeds the void-lookup limit, and a DKIM key in testing mode (t=y).
	scenes := []struct {
		asset, check, key string
		value             any
	}{
		{"192.0.2.34", "spf.lookup_limit", "reason", "void_lookups"},
		{"192.0.2.34", "dkim.key", "testing", true},
	}
	for _, sc := range scenes {
		t.Run(sc.asset+"/"+sc.check, func(t *testing.T) {
			found := false
			for _, f := range p.Findings {
				if f.Asset == sc.asset && f.Check == sc.check {
					found = true
					if f.Observed[sc.key] != sc.value {
						t.Errorf("observed %s = %v, want %v", sc.key, f.Observed[sc.key], sc.value)
					}
				}
			}
			if !found {
				t.Error("no such finding")
			}
		})
	}
	for _, f := range p.Findings {
		if f.Message == "" || strings.Contains(f.Message+f.Remediation, "<no value>") {
			t.Errorf("%s %s %s: unworded message %q / remediation %q", f.Asset, f.Check, f.Status, f.Message, f.Remediation)
		}
		needsFix := f.Status == "fail" || f.Status == "warn" || f.Status == "error"
		// A pass asks for something only where its template says so: a
		// DKIM key in testing mode, an oversize key, report addresses
		// that do not authorize the reports.
		passAdvice := f.Status == "pass" && (f.Observed["testing"] == true || f.Observed["oversize"] == true || f.Observed["rua_unauthorized"] != nil)
		if (needsFix || passAdvice) != (f.Remediation != "") {
			t.Errorf("%s %s %s: remediation %q", f.Asset, f.Check, f.Status, f.Remediation)
		}
	}
	code, stdout, stderr := run(t, context.Background(), "verify", out)
	if code != 0 {
		t.Fatalf("verify exit %d: %s %s", code, stdout, stderr)
	}
}

func TestBadInputWritesNothing(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "fleet.csv")
	if err := os.WriteFile(bad, []byte("ip,hostname\n192.0.2.1,a.example.com\n192.0.2.300,b.example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.csv")
	if err := os.WriteFile(good, []byte("ip\n192.0.2.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		msg  string
	}{
		{"invalid ip", []string{"assess", "--inventory", bad, "--resolver", "127.0.0.1:9"}, "fleet.csv:3"},
		{"missing file", []string{"assess", "--inventory", filepath.Join(dir, "nope.csv"), "--resolver", "127.0.0.1:9"}, "nope.csv"},
		{"unknown format", []string{"assess", "--inventory", good, "--resolver", "127.0.0.1:9", "--format", "docx"}, "unknown format"},
		{"bad fail-on", []string{"assess", "--inventory", good, "--resolver", "127.0.0.1:9", "--fail-on", "pass"}, "--fail-on"},
		{"bad mappings", []string{"assess", "--inventory", good, "--resolver", "127.0.0.1:9", "--mappings", "../../testdata/mappings"}, "fail lint"},
		{"a mapping file for --mappings", []string{"assess", "--inventory", good, "--resolver", "127.0.0.1:9", "--mappings", "../../testdata/mappings/extra/internal-mail-policy.yaml"}, "--mappings takes a directory"},
		{"unknown flag", []string{"assess", "--inventory", good, "--bogus"}, "bogus"},
		{"no inventory", []string{"assess"}, "inventory"},
		// A word where a flag belongs ends flag parsing: refused, not ignored.
		{"stray argument", []string{"assess", "--inventory", good, "--resolver", "127.0.0.1:9", "fleet.csv"}, "assess takes no arguments"},
		{"demo stray argument", []string{"demo", "stray"}, "demo takes no arguments"},
		// A single-valued flag given twice: the last one must not win
		// silently (a CSV-only pack would remove the other files).
		{"format twice", []string{"assess", "--inventory", good, "--resolver", "127.0.0.1:9", "--format", "json", "--format", "csv"}, "--format json,csv"},
		{"out twice", []string{"assess", "--inventory", good, "--resolver", "127.0.0.1:9", "-o", filepath.Join(dir, "other")}, "--out is given more than once"},
		{"qps twice", []string{"demo", "--qps", "5", "--qps", "10"}, "--qps is given more than once"},
		{"qps NaN", []string{"assess", "--inventory", good, "--resolver", "127.0.0.1:9", "--qps", "NaN"}, "--qps must be"},
		{"qps Inf", []string{"demo", "--qps", "+Inf"}, "--qps must be"},
		{"qps tiny", []string{"demo", "--qps", "1e-9"}, "--qps 1e-09 is below 0.1 query per second"},
		{"timeout without unit", []string{"demo", "--timeout", "1"}, "such as 2s"},
		{"negative retries", []string{"demo", "--retries", "-1"}, "--retries must not be negative"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			code, _, stderr := run(t, context.Background(), append(tc.args, "--out", out)...)
			if code != 1 {
				t.Fatalf("exit %d, want 1; stderr: %s", code, stderr)
			}
			if !strings.Contains(stderr, tc.msg) {
				t.Errorf("stderr %q does not mention %q", stderr, tc.msg)
			}
			if got := entries(t, out); len(got) != 0 {
				t.Errorf("files written on bad input: %v", got)
			}
		})
	}
}

func TestFailOnThreshold(t *testing.T) {
	out := filepath.Join(t.TempDir(), "evidence")
	code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json", "--fail-on", "fail")
	if code != 3 {
		t.Fatalf("exit %d, want 3: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "evidence.json")); err != nil {
		t.Fatalf("pack not written when threshold met: %v", err)
	}
	// It says what met it: the demo's fail and error counts, not its warn.
	if want := "--fail-on fail: threshold met: 45 fail, 31 error (exit 3)"; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
}

// silentResolver is a UDP and TCP socket on 127.0.0.1 that never answers.
func silentResolver(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc.LocalAddr().String()
}

func TestCancelWritesNothing(t *testing.T) {
	dir := t.TempDir()
	inv := filepath.Join(dir, "fleet.csv")
	if err := os.WriteFile(inv, []byte("ip\n192.0.2.0/24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	code, _, stderr := run(t, ctx, "assess", "--inventory", inv, "--resolver", silentResolver(t), "--timeout", "5s", "--out", out)
	if code != exitCancelled && !strings.Contains(stderr, "deadline") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if d := time.Since(began); d > 2*time.Second {
		t.Errorf("cancel took %s", d)
	}
	if got := entries(t, out); len(got) != 0 {
		t.Errorf("files left after cancel: %v", got)
	}
}

// TestSIGINT runs the built binary and interrupts it mid-run, as Ctrl-C does.
func TestSIGINT(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "senderproof")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	inv := filepath.Join(dir, "fleet.csv")
	if err := os.WriteFile(inv, []byte("ip\n192.0.2.0/24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "packs", "out") // parents the run creates too
	sigs := []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		// The session closed; under nohup the run carries on instead.
		sigs = append(sigs, syscall.SIGHUP)
	}
	for _, sig := range sigs {
		args := []string{"assess", "--inventory", inv, "--resolver", silentResolver(t), "--timeout", "5s", "--out", out}
		checkInterrupted(t, sig.String(), bin, args, 500*time.Millisecond, sig, time.Second, out)
	}

	// Its stderr a pipe closed early (`2>&1 | head -1`): the writes fail,
	// the process is not killed by SIGPIPE, so its exit code stands and
	// no temporary file is left beside the pack.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	piped := filepath.Join(dir, "piped")
	cmd := exec.Command(bin, "demo", "--out", piped, "--format", "json")
	cmd.Stderr = w
	err = cmd.Run()
	w.Close()
	if code := cmd.ProcessState.ExitCode(); err != nil || code != 0 {
		t.Errorf("demo with its stderr closed: exit %d (%v), want 0", code, err)
	}
	if got, want := entries(t, piped), []string{"evidence.json", "manifest.json"}; !slices.Equal(got, want) {
		t.Errorf("demo with its stderr closed left %v, want %v", got, want)
	}

	// Reading a million-sender inventory takes seconds and does not look
	// at the interrupt: the process exits anyway, within a second of it.
	var big bytes.Buffer
	big.WriteString("ip,hostname\n")
	for i := range 1_000_000 {
		fmt.Fprintf(&big, "10.%d.%d.%d,h%d.example.com\n", i>>16, (i>>8)&255, i&255, i)
	}
	if err := os.WriteFile(inv, big.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"assess", "--inventory", inv, "--resolver", silentResolver(t), "--out", out}
	checkInterrupted(t, "loading", bin, args, 200*time.Millisecond, syscall.SIGINT, time.Second, out)
}

// checkInterrupted runs bin with args, sends sig after wait, and checks
// that the process ended within limit of it, with exit 130, saying no
// pack was written, and left nothing in out.
func checkInterrupted(t *testing.T, what, bin string, args []string, wait time.Duration, sig syscall.Signal, limit time.Duration, out string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(wait)
	sent := time.Now()
	_ = cmd.Process.Signal(sig)
	_ = cmd.Wait()
	if d := time.Since(sent); d > limit {
		t.Errorf("%s: stopped %s after the signal", what, d)
	}
	if code := cmd.ProcessState.ExitCode(); code != exitCancelled || !strings.Contains(stderr.String(), "no pack was written") {
		t.Errorf("%s: exit %d, want %d saying nothing was written; stderr: %s", what, code, exitCancelled, stderr.String())
	}
	if got := entries(t, out); len(got) != 0 {
		t.Errorf("%s: files left: %v", what, got)
	}
	if _, err := os.Stat(filepath.Dir(out)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s: the --out the run created, or its parent, is left behind (%v)", what, err)
	}
}

// TestMissingDirs: a failed run removes only the directories it created:
// never a symbolic link, dangling or not, nor anything that existed.
func TestMissingDirs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	link := filepath.Join(dir, "link")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		out  string
		want []string
	}{
		{dir, nil},
		{link, nil},
		{filepath.Join(link, "x"), []string{filepath.Join(link, "x")}},
		{filepath.Join(dir, "a", "b"), []string{filepath.Join(dir, "a", "b"), filepath.Join(dir, "a")}},
	} {
		if got := missingDirs(tc.out); !slices.Equal(got, tc.want) {
			t.Errorf("missingDirs(%s) = %q, want %q", tc.out, got, tc.want)
		}
	}
	removeCreated(missingDirs(link))
	if _, err := os.Lstat(link); err != nil {
		t.Errorf("the dangling link is gone: %v", err)
	}
}

func TestManifestListsInputs(t *testing.T) {
	out := filepath.Join(t.TempDir(), "evidence")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json"); code != 0 {
		t.Fatalf("demo: %d %s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"files", "inputs", "run_id", "tool"} {
		if _, ok := m[k]; !ok {
			t.Errorf("manifest has no %q", k)
		}
	}
}

// TestExtraFrameworkByFileAlone: a framework added as one YAML file in
// --mappings shows in evidence.json, on findings and in the control roll-up.
func TestExtraFrameworkByFileAlone(t *testing.T) {
	out := filepath.Join(t.TempDir(), "evidence")
	code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json", "--mappings", "../../testdata/mappings/extra")
	if code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	p, err := report.ReadPack(filepath.Join(out, "evidence.json"))
	if err != nil {
		t.Fatal(err)
	}
	onFindings, inRollUp, inRun := false, false, false
	for _, f := range p.Findings {
		for _, c := range f.Controls {
			if c.Framework == "example-mail-policy" && c.ID == "MAIL-1" {
				onFindings = true
			}
		}
	}
	for _, c := range p.Controls {
		if c.Framework == "example-mail-policy" && c.ID == "MAIL-1" && c.Pass+c.Fail+c.Warn+c.Error > 0 {
			inRollUp = true
		}
	}
	for _, m := range p.Run.Mappings {
		if m.Framework == "example-mail-policy" && m.Version == "2025.1" && len(m.SHA256) == 64 {
			inRun = true
		}
	}
	if !onFindings || !inRollUp || !inRun {
		t.Errorf("extra framework: on findings %v, in roll-up %v, recorded in run %v", onFindings, inRollUp, inRun)
	}
}

// TestVerifyWithoutTheRunsMappings: a pack made with --mappings verifies
// where those files are not at hand (an auditor's copy of the pack): its
// files and findings are checked, and its controls against its own record,
// so an edited control state or count fails all the same.
func TestVerifyWithoutTheRunsMappings(t *testing.T) {
	dir := t.TempDir()
	mp := filepath.Join(dir, "mp")
	if err := os.CopyFS(mp, os.DirFS("../../testdata/mappings/extra")); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "evidence")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json", "--mappings", mp); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	if err := os.RemoveAll(mp); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, context.Background(), "verify", out)
	if code != 0 {
		t.Fatalf("verify exit %d: %s\n%s", code, stdout, stderr)
	}
	for _, w := range []string{"1 file matches the manifest", "summary, controls as the pack records them and per-asset summaries match them", "controls: checked against the pack's own record only", "example-mail-policy"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("verify says nothing of %q:\n%s", w, stdout)
		}
	}

	// Forged: a control made satisfied, its fail count cleared, the
	// manifest hashed again.
	forged := ""
	rewritePack(t, out, func(p *report.Pack) {
		for i := range p.Controls {
			if c := &p.Controls[i]; c.Status == report.ControlNotSatisfied && c.Fail > 0 {
				c.Status, c.Fail = report.ControlSatisfied, 0
				forged = c.Framework + " " + c.ID
				return
			}
		}
	})
	if forged == "" {
		t.Fatal("no control of the demo is not satisfied with fails")
	}
	code, stdout, stderr = run(t, context.Background(), "verify", out)
	if code != 2 || !strings.Contains(stderr, "control "+forged+": status is satisfied, the findings that list it give not_satisfied") ||
		!strings.Contains(stderr, "fail is 0, the findings that list it give ") {
		t.Errorf("forged control %s: exit %d:\n%s\n%s", forged, code, stdout, stderr)
	}
}

// TestOverrideNoted: a file that replaces a shipped framework is named in
// the pack's run notes, not only on the terminal: the reports show the
// framework's name over the user's file.
func TestOverrideNoted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b, err := os.ReadFile("../../mappings/owasp-nhi-top10.yaml")
	if err != nil {
		t.Fatal(err)
	}
	mp := filepath.Join(dir, "mp")
	if err := os.MkdirAll(mp, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mp, "nhi.yaml"), bytes.Replace(b, []byte("title: "), []byte("title: Our "), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "evidence")
	code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json", "--mappings", mp)
	if code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	want := "nhi.yaml replaces the shipped framework owasp-nhi-top10"
	p := readPack(t, out)
	if !slices.ContainsFunc(p.Run.Notes, func(n string) bool { return strings.HasPrefix(n, "mappings: ") && strings.Contains(n, want) }) || !strings.Contains(stderr, want) {
		t.Errorf("no note %q: notes %q, stderr %s", want, p.Run.Notes, stderr)
	}
	// A replay, and a replay of it, keep the recorded notes as they were.
	from := out
	for i := range 2 {
		again := filepath.Join(dir, fmt.Sprintf("replay%d", i))
		if code, _, stderr := run(t, context.Background(), "assess", "--replay", from, "--out", again, "--format", "json", "--mappings", mp); code != 0 {
			t.Fatalf("replay %d: exit %d: %s", i, code, stderr)
		}
		if got := readPack(t, again).Run.Notes; !slices.Equal(got, p.Run.Notes) {
			t.Errorf("replay %d notes %q, want the recorded %q", i, got, p.Run.Notes)
		}
		from = again
	}
}

// TestSignedManifest: --sign-key signs the manifest; verify --pubkey checks
// it and fails after the manifest changes or with another key.
// writeKeyPair writes a new Ed25519 key pair into dir as PEM files and
// returns their paths.
func writeKeyPair(t *testing.T, dir, name string) (priv, pub string) {
	t.Helper()
	pk, sk, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	skDER, err := x509.MarshalPKCS8PrivateKey(sk)
	if err != nil {
		t.Fatal(err)
	}
	pkDER, err := x509.MarshalPKIXPublicKey(pk)
	if err != nil {
		t.Fatal(err)
	}
	priv, pub = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".pub.pem")
	if err := os.WriteFile(priv, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: skDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	return priv, pub
}

func TestSignedManifest(t *testing.T) {
	dir := t.TempDir()
	key, pub := writeKeyPair(t, dir, "signer")
	_, otherPub := writeKeyPair(t, dir, "other")
	out := filepath.Join(dir, "evidence")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json", "--sign-key", key); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	if code, stdout, stderr := run(t, context.Background(), "verify", "--pubkey", pub, out); code != 0 || !strings.Contains(stdout, "signature verifies") {
		t.Fatalf("verify exit %d: %s %s", code, stdout, stderr)
	}
	if code, _, stderr := run(t, context.Background(), "verify", "--pubkey", otherPub, out); code != 2 || !strings.Contains(stderr, "manifest signature does not verify with key SHA256:") {
		t.Errorf("verify with another key: exit %d, want 2 naming the key tried: %s", code, stderr)
	}
	unsigned := filepath.Join(dir, "unsigned")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", unsigned, "--format", "json"); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	if code, _, stderr := run(t, context.Background(), "verify", "--pubkey", pub, unsigned); code != 2 || !strings.Contains(stderr, "the pack is not signed (no manifest.sig), but --pubkey SHA256:") {
		t.Errorf("verify --pubkey of an unsigned pack: exit %d: %s", code, stderr)
	}
	// A signature beside a manifest whose run signed none is an earlier
	// run's, which that run could not remove; one missing beside a
	// manifest whose run signed it was taken away.
	sig, err := os.ReadFile(filepath.Join(out, "manifest.sig"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(unsigned, "manifest.sig"), sig, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"verify", unsigned}, {"verify", "--pubkey", pub, unsigned}} {
		if code, _, stderr := run(t, context.Background(), args...); code != 2 || !strings.Contains(stderr, "manifest.sig is left from an earlier run") {
			t.Errorf("%v with an earlier run's signature: exit %d, want 2 saying so: %s", args, code, stderr)
		}
	}
	moved := filepath.Join(dir, "sig")
	if err := os.Rename(filepath.Join(out, "manifest.sig"), moved); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, context.Background(), "verify", out); code != 2 || !strings.Contains(stderr, "the run signed its manifest, but manifest.sig is missing") {
		t.Errorf("verify of a signed pack without its signature: exit %d, want 2 saying so: %s", code, stderr)
	}
	if err := os.Rename(moved, filepath.Join(out, "manifest.sig")); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(junk, []byte("-----BEGIN PRIVATE KEY-----\nMAIBAQ==\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, context.Background(), "demo", "--out", filepath.Join(dir, "y"), "--sign-key", junk); code != 1 || !strings.Contains(stderr, "the PRIVATE KEY block is damaged or holds no key senderproof reads") {
		t.Errorf("a malformed key: exit %d: %s", code, stderr)
	}
	m := filepath.Join(out, "manifest.json")
	b, err := os.ReadFile(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(m, bytes.Replace(b, []byte(`"run_id"`), []byte(`"run_id" `), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, context.Background(), "verify", "--pubkey", pub, out); code != 2 || !strings.Contains(stderr, "signature") {
		t.Errorf("verify of a changed manifest: exit %d (%s), want 2 naming the signature", code, stderr)
	}
	if code, _, stderr := run(t, context.Background(), "demo", "--out", filepath.Join(dir, "x"), "--sign-key", pub); code != 1 || !strings.Contains(stderr, "a public key: --sign-key takes the private key it was made from") {
		t.Errorf("a public key as --sign-key: exit %d (%s), want 1 saying so", code, stderr)
	}
	if code, _, stderr := run(t, context.Background(), "verify", "--pubkey", key, out); code != 1 || !strings.Contains(stderr, "a private key: give its public half") {
		t.Errorf("a private key as --pubkey: exit %d (%s), want 1 saying so", code, stderr)
	}
}

// TestSignedManifestHardening: verify checks the signature on the one
// read of the manifest, before it opens anything the manifest names; a
// manifest that is not a regular file fails; a bad --pubkey is bad usage;
// without --pubkey a signature is said not to be checked, and a broken
// one fails; a success names the key; a signing key others can read is
// warned of.
func TestSignedManifestHardening(t *testing.T) {
	dir := t.TempDir()
	pk, sk, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	skDER, _ := x509.MarshalPKCS8PrivateKey(sk)
	pkDER, _ := x509.MarshalPKIXPublicKey(pk)
	key, pub := filepath.Join(dir, "k.pem"), filepath.Join(dir, "k.pub.pem")
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: skDER}), 0o644)
	os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkDER}), 0o644)
	os.Chmod(key, 0o644) // whatever the umask: the test is of a world-readable key
	out := filepath.Join(dir, "pack")
	code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json", "--sign-key", key)
	if code != 0 || !strings.Contains(stderr, "can be read by other users (mode 0644)") {
		t.Fatalf("demo with a world-readable key: exit %d, want 0 and a warning: %s", code, stderr)
	}
	code, stdout, _ := run(t, context.Background(), "verify", "--pubkey", pub, out)
	if code != 0 || !strings.Contains(stdout, "signature verifies with key "+report.KeyFingerprint(pk)) {
		t.Fatalf("verify: exit %d: %s", code, stdout)
	}
	if code, stdout, _ := run(t, context.Background(), "verify", out); code != 0 || !strings.Contains(stdout, "manifest.sig present but NOT checked") {
		t.Errorf("verify without --pubkey: exit %d: %s", code, stdout)
	}
	bad := filepath.Join(dir, "bad.pub")
	os.WriteFile(bad, []byte("x"), 0o644)
	if code, _, stderr := run(t, context.Background(), "verify", "--pubkey", bad, t.TempDir()); code != 1 || !strings.Contains(stderr, "--pubkey") {
		t.Errorf("a bad --pubkey: exit %d (%s), want 1", code, stderr)
	}

	// The manifest names an input that is a pipe, and is no longer what
	// was signed: the signature fails before the pipe is opened.
	m := filepath.Join(out, "manifest.json")
	orig, _ := os.ReadFile(m)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(orig, &doc); err != nil {
		t.Fatal(err)
	}
	inputs, _ := doc["inputs"].([]any)
	doc["inputs"] = append([]any{map[string]any{"path": fifo, "sha256": "00", "kind": "templates"}}, inputs...)
	forged, _ := json.Marshal(doc)
	os.WriteFile(m, forged, 0o644)
	// verifyExit runs verify, failing the test if it hangs (on a pipe).
	verifyExit := func(what string, args ...string) int {
		t.Helper()
		done := make(chan int, 1)
		go func() {
			code, _, _ := run(t, context.Background(), append([]string{"verify"}, args...)...)
			done <- code
		}()
		select {
		case code := <-done:
			return code
		case <-time.After(10 * time.Second):
			t.Fatalf("verify hung: %s", what)
			return 0
		}
	}
	if code := verifyExit("a forged manifest naming a pipe", "--pubkey", pub, out); code != 2 {
		t.Errorf("a forged manifest naming a pipe: exit %d, want 2", code)
	}
	// Without --pubkey the pipe is refused as an input, not read.
	verifyExit("without --pubkey, the pipe a manifest names", out)
	os.WriteFile(m, orig, 0o644)

	// A broken signature fails even without --pubkey.
	sig := filepath.Join(out, "manifest.sig")
	good, _ := os.ReadFile(sig)
	os.WriteFile(sig, []byte("garbage\n"), 0o644)
	if code, _, stderr := run(t, context.Background(), "verify", out); code != 2 || !strings.Contains(stderr, "signature is broken") {
		t.Errorf("a broken manifest.sig without --pubkey: exit %d (%s), want 2", code, stderr)
	}
	os.WriteFile(sig, good, 0o644)

	// A manifest that is a pipe is refused, not read.
	os.Remove(m)
	if err := syscall.Mkfifo(m, 0o644); err != nil {
		t.Fatal(err)
	}
	if code := verifyExit("a manifest that is a pipe", "--pubkey", pub, out); code != 2 {
		t.Errorf("a manifest that is a pipe: exit %d, want 2", code)
	}
}

// TestTemplatesOverride: --templates rewords findings without code.
func TestTemplatesOverride(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ptr.tmpl"), []byte(`{{define "ptr.present/pass"}}Reverse DNS in place for {{.Asset.IP}}.{{end}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "evidence")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json", "--templates", dir); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	p, err := report.ReadPack(filepath.Join(out, "evidence.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range p.Findings {
		if f.Check == "ptr.present" && f.Status == "pass" && f.Message != "Reverse DNS in place for "+f.Asset+"." {
			t.Fatalf("message not from the override: %q", f.Message)
		}
	}
	if code, stdout, stderr := run(t, context.Background(), "verify", "--templates", dir, out); code != 0 {
		t.Fatalf("verify with the same templates: exit %d %s %s", code, stdout, stderr)
	}
	// Without --templates, verify uses the files the manifest records.
	if code, stdout, stderr := run(t, context.Background(), "verify", out); code != 0 || !strings.Contains(stdout, "using the run's --templates files as the manifest records them") {
		t.Fatalf("verify without --templates: exit %d %s %s", code, stdout, stderr)
	}
	// Moved, they cannot be used: the messages cannot be checked, so the
	// pack is not (exit 1), rather than found at fault for wording.
	if err := os.Rename(filepath.Join(dir, "ptr.tmpl"), filepath.Join(t.TempDir(), "ptr.tmpl")); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := run(t, context.Background(), "verify", out); code != exitBadInput ||
		!strings.Contains(stderr, "the pack was not checked: the run's --templates files are not where the manifest recorded them") {
		t.Errorf("verify with the run's templates moved: exit %d %s %s", code, stdout, stderr)
	}
}

// TestEmptyInputDirNoted: a --templates or --mappings directory without a
// file of its kind is said to add nothing (a wrong path would otherwise
// pass unnoticed), and the run goes on with the embedded files.
func TestEmptyInputDirNoted(t *testing.T) {
	empty := t.TempDir()
	// Hidden files are passed over: a directory of them adds nothing.
	for _, name := range []string{".policy.yaml", ".#wording.tmpl"} {
		if err := os.WriteFile(filepath.Join(empty, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json", "--templates", empty, "--mappings", empty)
	if code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	for _, w := range []string{"--templates " + empty + " holds no .tmpl file", "--mappings " + empty + " holds no .yaml or .yml file"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q: %s", w, stderr)
		}
	}
	if code, stdout, _ := run(t, context.Background(), "mappings", "lint", empty); code != 0 || !strings.Contains(stdout, "mappings lint "+empty+" holds no .yaml or .yml file") {
		t.Errorf("mappings lint of an empty directory: exit %d: %s", code, stdout)
	}
}

// TestRunRefusesToReplaceItsInputs: a --baseline or --inventory that is one
// of the pack files in --out would be overwritten by the run itself.
func TestRunRefusesToReplaceItsInputs(t *testing.T) {
	out := filepath.Join(t.TempDir(), "q1")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json,csv"); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	before, err := os.ReadFile(filepath.Join(out, "evidence.json"))
	if err != nil {
		t.Fatal(err)
	}
	// An inventory kept under a name the pack writes.
	if err := os.WriteFile(filepath.Join(out, "findings.csv"), []byte("ip\n192.0.2.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"demo", "--out", out, "--baseline", filepath.Join(out, "evidence.json")},
		// The same file through another spelling of its path.
		{"demo", "--out", out, "--baseline", filepath.Join(out, "..", "q1", "evidence.json")},
		{"assess", "--inventory", filepath.Join(out, "findings.csv"), "--resolver", "127.0.0.1:9", "--out", out},
	} {
		code, _, stderr := run(t, context.Background(), args...)
		if code != 1 || !strings.Contains(stderr, "which this run would replace") {
			t.Errorf("%v: exit %d, want 1 naming the input: %s", args, code, stderr)
		}
	}
	after, err := os.ReadFile(filepath.Join(out, "evidence.json"))
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("the baseline inside --out changed (%v)", err)
	}
}

// TestCommaInInventoryPath: a comma is part of a file name, not a list
// separator (repeat --inventory for several).
func TestCommaInInventoryPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "Acme, Inc")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	inv := filepath.Join(dir, "fleet,2026.csv")
	if err := os.WriteFile(inv, []byte("ip\n192.0.2.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, context.Background(), "assess", "--inventory", inv, "--resolver", silentResolver(t),
		"--timeout", "50ms", "--retries", "0", "--format", "json", "--out", filepath.Join(t.TempDir(), "out"))
	if code == 1 || strings.Contains(stderr, "cannot read") || strings.Contains(stderr, "unsupported inventory format") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

// TestDemoOSCALTargetsCatalog: with the shipped mappings, the OSCAL results
// review NIST CSF 2.0 controls by the catalog's own IDs and target their
// statements (DE.CM-8 maps to two catalog controls), and the pack verifies.
func TestDemoOSCALTargetsCatalog(t *testing.T) {
	out := filepath.Join(t.TempDir(), "evidence")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json,oscal"); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "oscal-assessment-results.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"target-id":"PR.DS-02_statement"`, `"target-id":"DE.CM-06_statement"`, `"target-id":"DE.CM-09_statement"`,
		`"control-id":"PR.DS-02"`, `"control-id":"DE.CM-09"`, `"type":"statement-id"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("OSCAL lacks %s", want)
		}
	}
	if code, stdout, stderr := run(t, context.Background(), "verify", out); code != 0 {
		t.Errorf("verify exit %d: %s%s", code, stdout, stderr)
	}
}

// TestVerifyRefusesOddManifests: verify reads only regular files inside the
// pack, each once, and refuses a manifest that lists nothing; an unsigned
// pack is said to be one.
func TestVerifyRefusesOddManifests(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "pack")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json,csv"); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	if code, stdout, _ := run(t, context.Background(), "verify", out); code != 0 || !strings.Contains(stdout, "the manifest is not signed") {
		t.Fatalf("verify of the fresh pack: exit %d: %s", code, stdout)
	}
	manifest := filepath.Join(out, "manifest.json")
	orig, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(orig, &m); err != nil {
		t.Fatal(err)
	}
	files := m["files"].([]any)
	dup, _ := json.Marshal(map[string]any{"files": append(files, files[0]), "inputs": m["inputs"], "run_id": m["run_id"], "tool": m["tool"]})
	for _, tc := range []struct {
		name, want string
		setup      func()
	}{
		{"duplicate entry", "listed more than once", func() { os.WriteFile(manifest, dup, 0o644) }},
		{"empty manifest", "not a senderproof manifest", func() { os.WriteFile(manifest, []byte("{}"), 0o644) }},
		{"symbolic link", "not a regular file", func() {
			os.WriteFile(manifest, orig, 0o644)
			outside := filepath.Join(dir, "findings.csv")
			os.Rename(filepath.Join(out, "findings.csv"), outside)
			os.Symlink(outside, filepath.Join(out, "findings.csv"))
		}},
		// A run killed in its commit: one file replaced, the earlier one
		// kept aside.
		{"half-replaced pack", "a run was stopped while it put its files in place", func() {
			os.Remove(filepath.Join(out, "findings.csv"))
			os.Rename(filepath.Join(dir, "findings.csv"), filepath.Join(out, "findings.csv"))
			ev := filepath.Join(out, "evidence.json")
			os.Link(ev, filepath.Join(out, ".senderproof-evidence.json-1.old"))
			b, _ := os.ReadFile(ev)
			os.Remove(ev)
			os.WriteFile(ev, append(b, ' '), 0o644)
		}},
	} {
		tc.setup()
		code, stdout, stderr := run(t, context.Background(), "verify", out)
		if code != 2 || !strings.Contains(stdout+stderr, tc.want) {
			t.Errorf("%s: exit %d, want 2 saying %q: %s%s", tc.name, code, tc.want, stdout, stderr)
		}
	}
}

// TestReplayRefusesEvidenceChangedSinceItsManifest: a replay of an
// evidence.json that no longer matches the manifest beside it would make a
// clean pack naming the original run.
func TestReplayRefusesEvidenceChangedSinceItsManifest(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "pack")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json"); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	ev := filepath.Join(out, "evidence.json")
	b, err := os.ReadFile(ev)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ev, bytes.Replace(b, []byte("192.0.2.10"), []byte("192.0.2.99"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, context.Background(), "assess", "--replay", ev, "--out", filepath.Join(dir, "replayed"))
	if code != 1 || !strings.Contains(stderr, "does not match the manifest beside it") {
		t.Errorf("exit %d, want 1 naming the mismatch: %s", code, stderr)
	}
	if got := entries(t, filepath.Join(dir, "replayed")); len(got) != 0 {
		t.Errorf("files written: %v", got)
	}
}

// TestUsageMistakes: no command is a usage error, a mistyped command is
// named with the closest one, a
// directory given as an inventory is said to be one, and --baseline takes
// a pack directory as diff does.
func TestUsageMistakes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"asess", "--inventory", "x.csv"}, `unknown command "asess". Did you mean "assess"? (see senderproof --help)`},
		// No command: the help, then a usage error.
		{nil, "no command given; start with: senderproof demo --out evidence"},
		{[]string{"mappings"}, "no subcommand given; use senderproof mappings lint or senderproof mappings list"},
		{[]string{"assess", "--bogus"}, "unknown flag --bogus for senderproof assess"},
		// A missing input is said to be missing, in words.
		{[]string{"diff", filepath.Join(t.TempDir(), "nosuch"), "x"}, "the old pack: " + "/"},
		{[]string{"verify", filepath.Join(t.TempDir(), "nosuch")}, ": no such directory"},
		{[]string{"verify", "x", "--pubkey", "k"}, "--pubkey came after the arguments, where it is read as one: put flags first (senderproof verify --pubkey KEY DIR)"},
		{[]string{"diff", "../../testdata/demo/fleet.csv", "x"}, "fleet.csv: not JSON, so not an evidence.json: give a pack's evidence.json or its directory"},
		{[]string{"demo", "--out", filepath.Join(t.TempDir(), "o"), "--baseline", t.TempDir()}, "holds no evidence.json: give a pack directory or its evidence.json"},
		{[]string{"demo", "--out", filepath.Join(t.TempDir(), "o"), "--sign-key", filepath.Join(t.TempDir(), "nokey")}, "nokey: cannot read: no such file or directory"},
		{[]string{"demo", "--out", filepath.Join(t.TempDir(), "o"), "--templates", filepath.Join(t.TempDir(), "notpl")}, "notpl: cannot read: no such file or directory"},
		{[]string{"mappings", "lnt"}, `unknown command "lnt". Did you mean "lint"? (see senderproof mappings --help)`},
		{[]string{"assess", "--inventory", t.TempDir(), "--resolver", "127.0.0.1:9", "--out", filepath.Join(t.TempDir(), "o")}, "is a directory, not an inventory file"},
		// A CI script's unset variable must not turn the gate off.
		{[]string{"demo", "--out", filepath.Join(t.TempDir(), "o"), "--fail-on", ""}, "--fail-on is given an empty value"},
		{[]string{"demo", "--out", filepath.Join(t.TempDir(), "o"), "--format", " "}, "--format is given an empty value"},
		{[]string{"demo", "--out", filepath.Join(t.TempDir(), "o"), "--sign-key", ""}, "--sign-key is given an empty value"},
		{[]string{"demo", "--out", filepath.Join(t.TempDir(), "o"), "--baseline", ""}, "--baseline is given an empty value"},
		{[]string{"assess", "--inventory=", "--out", filepath.Join(t.TempDir(), "o")}, "--inventory is given an empty value"},
		{[]string{"assess", "-i", "a.csv", "-i", "", "--out", filepath.Join(t.TempDir(), "o")}, "--inventory is given an empty value"},
		{[]string{"assess", "--replay", "", "--out", filepath.Join(t.TempDir(), "o")}, "--replay is given an empty value"},
		{[]string{"verify", "--pubkey", "", t.TempDir()}, "--pubkey is given an empty value"},
		{[]string{"verify", "--baseline", "", t.TempDir()}, "--baseline is given an empty value"},
		{[]string{"diff", "--json=maybe", "a", "b"}, `--json="maybe": give --json alone, or --json=true or --json=false`},
		{[]string{"demo", "--out", filepath.Join(t.TempDir(), "o"), "--retries", "9223372036854775807"}, "--retries must be at most 100"},
		{[]string{"mappings", "list", "--mappings", ""}, "--mappings is given an empty value"},
	} {
		code, _, stderr := run(t, context.Background(), tc.args...)
		if code != exitBadInput || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want 1 and %q", tc.args, code, stderr, tc.want)
		}
	}
	base := demoPack(t)
	out := filepath.Join(t.TempDir(), "q2")
	code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json", "--baseline", base)
	if code != 0 {
		t.Fatalf("demo with a pack directory as --baseline: exit %d: %s", code, stderr)
	}
	if p := readPack(t, out); p.Drift == nil || p.Drift.Baseline != filepath.Join(base, "evidence.json") {
		t.Errorf("drift record %+v, want one against %s/evidence.json", p.Drift, base)
	}
}

// TestVerifyTemplatesNotTheRuns: verify --templates DIR whose files are
// not those the manifest records for the run (one character changed, or
// none at all) does not check the pack (exit 1), as every message follows
// from the run's wording: it does not fail the pack's messages instead.
// For a run that used only the embedded wording, DIR's files are left out.
func TestVerifyTemplatesNotTheRuns(t *testing.T) {
	dir := t.TempDir()
	tpl := filepath.Join(dir, "tpl")
	os.MkdirAll(tpl, 0o755)
	os.WriteFile(filepath.Join(tpl, "summary.tmpl"), []byte(`{{define "summary/verify"}}Ours.{{end}}`), 0o644)
	out := filepath.Join(dir, "pack")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", out, "--format", "json", "--templates", tpl); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	if code, stdout, _ := run(t, context.Background(), "verify", "--templates", tpl, out); code != 0 || strings.Contains(stdout, "not the files the run used") {
		t.Errorf("verify with the run's templates: exit %d: %s", code, stdout)
	}
	other := filepath.Join(dir, "other")
	os.MkdirAll(other, 0o755)
	os.WriteFile(filepath.Join(other, "summary.tmpl"), []byte(`{{define "summary/verify"}}Theirs.{{end}}`), 0o644)
	os.WriteFile(filepath.Join(other, "ptr.tmpl"), []byte(`{{define "ptr.present/pass"}}PTR in place for {{.Asset.IP}}.{{end}}`), 0o644)
	empty := filepath.Join(dir, "empty")
	os.MkdirAll(empty, 0o755)
	for _, given := range []string{other, empty} {
		code, stdout, stderr := run(t, context.Background(), "verify", "--templates", given, out)
		if want := "the pack was not checked: --templates " + given + " does not hold the run's wording files: 1 of the 1 the manifest records is not there by its hash (" + filepath.Join(tpl, "summary.tmpl") + ")"; code != exitBadInput || !strings.Contains(stderr, want) || strings.Contains(stdout+stderr, "do not replay") {
			t.Errorf("verify with %s: exit %d, want %d with %q:\n%s%s", given, code, exitBadInput, want, stdout, stderr)
		}
	}
	// A run with the embedded wording alone: DIR's files are not its own.
	plain := filepath.Join(dir, "plain")
	if code, _, stderr := run(t, context.Background(), "demo", "--out", plain, "--format", "json"); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	code, stdout, stderr := run(t, context.Background(), "verify", "--templates", other, plain)
	if want := "--templates " + other + ": the run used no wording files (only the embedded ones), so verify checks its messages with those, leaving out the 2 files there (ptr.tmpl, summary.tmpl)"; code != 0 || !strings.Contains(stdout, want) {
		t.Errorf("verify of a run without wording files, with some: exit %d, want 0 with %q:\n%s%s", code, want, stdout, stderr)
	}
}

// TestOutWithADirectoryOfAPackFileName: a directory where the pack writes
// a file is refused before the run, for manifest.sig and the commit's
// record too (written after the pack or just before its renames, they
// would fail only then).
func TestOutWithADirectoryOfAPackFileName(t *testing.T) {
	for _, name := range []string{"manifest.sig", "report.pdf", report.JournalFile} {
		out := t.TempDir()
		os.Mkdir(filepath.Join(out, name), 0o755)
		code, _, stderr := run(t, context.Background(), "demo", "--out", out)
		if code != 1 || !strings.Contains(stderr, "holds a directory named "+name) {
			t.Errorf("%s: exit %d, want 1: %s", name, code, stderr)
		}
		if entries, _ := os.ReadDir(out); len(entries) != 1 {
			t.Errorf("%s: --out holds %d entries, want only the directory", name, len(entries))
		}
	}
}

// TestOutError: a failure to write in --out is worded by its cause, not
// by the temporary file it struck.
func TestOutError(t *testing.T) {
	t.Parallel()
	for errno, want := range map[syscall.Errno]string{
		syscall.ENOSPC: "--out p: no space left on the device while writing the pack; nothing of this run is left there",
		syscall.EROFS:  "--out p: the file system is read-only while writing the pack",
		syscall.EACCES: "--out p: permission denied while writing the pack",
	} {
		err := outError("p", "writing the pack", fmt.Errorf("writing report.xlsx: %w", &fs.PathError{Op: "write", Path: "p/.senderproof-report.xlsx-1.tmp", Err: errno}))
		if got := err.Error(); !strings.HasPrefix(got, want) || strings.Contains(got, ".senderproof-") {
			t.Errorf("%v: %q, want %q", errno, got, want)
		}
	}
	if got := outError("p", "writing the pack", errors.New("odd")).Error(); got != "--out p: writing the pack: odd" {
		t.Errorf("another error: %q", got)
	}
	// A commit's failure says what the directory holds, whatever the
	// cause: the new pack when only an earlier run's file could not be
	// removed, and not "as it was" when the earlier pack was not restored.
	written := outError("p", "writing the pack", &report.CommitError{State: report.PackWritten,
		Err: fmt.Errorf("removing p/report.pdf of an earlier run: %w", &fs.PathError{Op: "remove", Path: "p/report.pdf", Err: syscall.EPERM})}).Error()
	if !strings.Contains(written, "the pack was written, but removing p/report.pdf of an earlier run") || strings.Contains(written, "as it was") || strings.Contains(written, "nothing of this run") {
		t.Errorf("failure after the commit: %q", written)
	}
	lost := outError("p", "writing the pack", &report.CommitError{State: report.PackNotRestored, File: "manifest.json", Lost: "p/evidence.json (kept as p/.senderproof-evidence.json-1.old: ...)",
		Err: &fs.PathError{Op: "rename", Path: "p/.senderproof-manifest.json-2.tmp", Err: syscall.EACCES}}).Error()
	if !strings.Contains(lost, "putting manifest.json in place") || !strings.Contains(lost, "could not be fully restored: p/evidence.json") || strings.Contains(lost, "as it was") {
		t.Errorf("a commit not rolled back in full: %q", lost)
	}
	kept := outError("p", "writing the pack", &report.CommitError{State: report.PackKept, File: "manifest.json",
		Err: &fs.PathError{Op: "rename", Path: "p/.senderproof-manifest.json-2.tmp", Err: syscall.EPERM}}).Error()
	if !strings.Contains(kept, "putting manifest.json in place") || !strings.Contains(kept, "an earlier pack there is as it was") {
		t.Errorf("a commit rolled back: %q", kept)
	}
}

// TestOutSwappedDuringRun: an --out replaced mid-run by a link to another
// directory gets nothing: the run fails before writing, and the other
// directory is untouched.
func TestOutSwappedDuringRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	inv := filepath.Join(dir, "fleet.csv")
	if err := os.WriteFile(inv, []byte("ip\n192.0.2.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, victim := filepath.Join(dir, "out"), filepath.Join(dir, "victim")
	for _, d := range []string{out, victim} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// A resolver that never answers, and says when it is first asked: the
	// run has taken --out by then (locked it, and made its findings'
	// spool there, which on Unix has no name to look for).
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	asked := make(chan struct{})
	go func() {
		if _, _, err := pc.ReadFrom(make([]byte, 512)); err == nil {
			close(asked)
		}
	}()
	done := make(chan struct{})
	var code int
	var stderr string
	go func() {
		defer close(done)
		code, _, stderr = run(t, context.Background(), "assess", "--inventory", inv, "--resolver", pc.LocalAddr().String(),
			"--timeout", "800ms", "--retries", "0", "--format", "json", "--out", out)
	}()
	// Once the run has taken --out, and before its queries time out.
	select {
	case <-asked:
	case <-done:
		t.Fatalf("the run ended before its first query: exit %d: %s", code, stderr)
	case <-time.After(5 * time.Second):
		t.Fatal("the run never asked its resolver")
	}
	if err := os.Rename(out, filepath.Join(dir, "out.real")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, out); err != nil {
		t.Fatal(err)
	}
	<-done
	if code != exitRunFailed || !strings.Contains(stderr, "is no longer the directory the run started in") {
		t.Errorf("exit %d, want %d naming the swap: %s", code, exitRunFailed, stderr)
	}
	if got := entries(t, victim); len(got) != 0 {
		t.Errorf("the other directory got %v", got)
	}
}
