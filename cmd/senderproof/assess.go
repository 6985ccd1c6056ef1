package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"senderproof/assess"
	"senderproof/mappings"
	"senderproof/report"
	"senderproof/templates"
)

// Defaults that are polite to a shared recursive resolver: at most 32 queries
// in flight and 200 queries per second. Raise them for your own resolver.
// minQPS is the least --qps taken: one query every ten seconds.
const minQPS = 0.1

const (
	defaultConcurrency = 32
	defaultQPS         = 200
	defaultTimeout     = 2 * time.Second
	defaultRetries     = 2
)

// runConfig is one assessment as the CLI asked for it.
type runConfig struct {
	Inventories []string
	Inventory   *assess.Inventory // set instead of Inventories by demo
	Out         string
	Resolvers   []string
	ResolvConf  string
	// LookupHost resolves --resolver host names; nil is the system's
	// resolver.
	LookupHost  lookupFunc
	Formats     string
	Mappings    string
	Templates   string
	Baseline    string
	Concurrency int
	QPS         float64
	Timeout     time.Duration
	Retries     int
	FailOn      string
	Title       string
	SignKey     string // path of an Ed25519 PEM key to sign the manifest with
	Now         func() time.Time
	Stderr      io.Writer
	// Resolver, when set, replaces the DNS client (replay).
	Resolver assess.Resolver
	Notes    []string
	// Replay, when set, is the recorded pack to re-assess: its assets, and
	// answers only from its recorded evidence (--replay).
	Replay *report.Pack
	// ReplayAnswers holds the recorded exchanges of Replay, read with it
	// (nil: taken from Replay.Findings).
	ReplayAnswers *assess.Replay
	// ReplayPath is the file Replay was read from.
	ReplayPath string
}

// runDefaults are the defaults of the run flags that differ between
// assess and demo.
type runDefaults struct {
	title, titleUsage string
	qps               float64
	timeout           time.Duration
	retries           int
}

var assessDefaults = runDefaults{
	titleUsage: "organisation or fleet name on the reports (default: from the inventory file name)",
	qps:        defaultQPS, timeout: defaultTimeout, retries: defaultRetries,
}

func runFlags(d runDefaults) []cli.Flag {
	return []cli.Flag{
		stringFlag("out", []string{"o"}, "", "directory to write the evidence pack to (created if missing; required)"),
		stringFlag("format", nil, "all", "comma-separated formats to write: json,pdf,xlsx,csv,oscal"),
		stringFlag("mappings", nil, "", "directory of extra or overriding mapping files (*.yaml); the embedded ones always load"),
		stringFlag("templates", nil, "", "directory of *.tmpl files overriding the embedded wording"),
		stringFlag("baseline", nil, "", "evidence.json of an earlier run (or its pack directory), to report drift against"),
		onceFlag("concurrency", nil, flagValue(defaultConcurrency), "DNS queries in flight at most (and assets assessed at once)"),
		onceFlag("qps", nil, flagValue(d.qps), "DNS queries per second at most, across all resolvers (0: no limit)"),
		onceFlag("timeout", nil, flagValue(d.timeout), "time to wait for each DNS answer, with a unit: 2s, 500ms"),
		onceFlag("retries", nil, flagValue(d.retries), "extra attempts after a timeout, with backoff, rotating resolvers"),
		stringFlag("fail-on", nil, "", "exit 3 when any finding has this status or worse: fail or warn (error counts as fail)"),
		stringFlag("title", nil, d.title, d.titleUsage),
		stringFlag("sign-key", nil, "", "Ed25519 private key (PEM, PKCS #8) to sign manifest.json into manifest.sig"),
	}
}

func assessCommand(stderr io.Writer) *cli.Command {
	flags := append([]cli.Flag{
		&cli.StringSliceFlag{Name: "inventory", Aliases: []string{"i"}, Usage: "inventory file (.csv, .yaml, .yml, .json); repeat for several (required unless --replay)"},
		stringFlag("replay", nil, "", "evidence.json of an earlier run (or its pack directory): re-assess its senders offline from its recorded DNS answers"),
		&cli.StringSliceFlag{Name: "resolver", Aliases: []string{"r"}, Usage: "resolver HOST[:PORT] to query: an IP address or a host name, resolved once before the run (port 53 unless given; IPv6 as [ADDR]:PORT); repeat for several (default: the system's, from /etc/resolv.conf)"},
	}, runFlags(assessDefaults)...)
	return &cli.Command{
		Name:  "assess",
		Usage: "assess every sender of an inventory and write the evidence pack",
		UsageText: "senderproof assess --inventory fleet.csv --out evidence [--resolver 127.0.0.1:53] [options]\n" +
			"senderproof assess --replay old/evidence.json --out evidence [options]",
		Description: "Reads the inventory, checks each sender's PTR, FCrDNS, HELO, SPF, DKIM and DMARC over DNS,\n" +
			"maps findings to controls and writes evidence.json, report.pdf, report.xlsx, findings.csv,\n" +
			"oscal-assessment-results.json and manifest.json into --out.\n\n" +
			"--baseline OLD/evidence.json adds a drift.changed finding per sender: what changed since then.\n" +
			"--replay OLD/evidence.json re-assesses a recorded run offline, from its senders and the DNS\n" +
			"answers recorded in it (for example with new mapping files); no query is sent.\n\n" +
			"A replay of a run made with --baseline compares against the same baseline: the recorded\n" +
			"path if that file is still the recorded run, else give --baseline.\n\n" +
			"Exit codes: 0 done; 1 bad usage or bad input (nothing written); 2 run failed: no resolver\n" +
			"answered a single query, or every answer was REFUSED, SERVFAIL, a referral or cut short even\n" +
			"over TCP (the pack is written, every DNS finding error), or the output was not writable;\n" +
			"3 --fail-on threshold met (pack still written); 130 interrupted (nothing written).",
		Flags: flags,
		Action: func(c *cli.Context) error {
			if err := noArgs(c, "assess", ": give each inventory with --inventory FILE, and flags before any other word"); err != nil {
				return err
			}
			if err := notEmpty(c, "fail-on", "format", "inventory", "mappings", "templates",
				"baseline", "replay", "sign-key", "out"); err != nil {
				return err
			}
			cfg := configFrom(c, stderr)
			cfg.Inventories = c.StringSlice("inventory")
			cfg.Resolvers = c.StringSlice("resolver")
			cfg.ResolvConf = "/etc/resolv.conf"
			if path := packEvidence(c.String("replay")); path != "" {
				if len(cfg.Inventories) > 0 || len(cfg.Resolvers) > 0 {
					return badInput(errors.New("--replay takes the senders and DNS answers from the recorded pack: give neither --inventory nor --resolver"))
				}
				if err := matchesManifest("--replay", path); err != nil {
					return badInput(err)
				}
				// Read finding by finding, keeping only the distinct
				// exchanges: a 100,000-sender pack is gigabytes of JSON.
				answers := assess.NewReplayEvidence(nil)
				noteReading(stderr, "the recorded run", path)
				p, err := report.ReadPackEach(c.Context, path, func(_ []assess.Asset, f *assess.Finding) { answers.Record(f.Evidence...) })
				if errors.Is(err, context.Canceled) {
					return err
				}
				if err != nil {
					return badInput(fmt.Errorf("--replay: %w", packWithoutEvidence(path, err)))
				}
				// Once the file is known to be a pack (the note would
				// only confuse an error that it is none).
				if !listedByManifest(path) {
					fmt.Fprintf(stderr, "senderproof: note: no pack's manifest.json beside %s lists it, so nothing shows its answers are the recorded run's as written (verify of the replay says so too)\n", oneLine(path))
				}
				cfg.Replay, cfg.ReplayAnswers, cfg.ReplayPath = p, answers, path
			} else if len(cfg.Inventories) == 0 {
				return badInput(errors.New("need --inventory FILE (or --replay EVIDENCE.json or PACK-DIR)"))
			}
			return runAssess(c.Context, cfg)
		},
	}
}

// fileReserve is the open files a run needs besides one per query in
// flight: its UDP sockets, inputs, spool and the runtime's own.
const fileReserve = 64

// concurrencyFits refuses a --concurrency the open-files limit cannot
// hold: a query in flight may need a file of its own (a TCP connection,
// when answers come truncated), and one that cannot get it would turn
// into an error finding charged to the resolver.
func concurrencyFits(concurrency int, limit uint64) error {
	need := uint64(concurrency) + fileReserve
	if need <= limit {
		return nil
	}
	what := "raise the limit"
	if limit > fileReserve {
		what = fmt.Sprintf("lower --concurrency to %d or raise the limit", limit-fileReserve)
	}
	return fmt.Errorf("--concurrency %d needs about %d open files (a TCP connection for each query in flight when answers come truncated), and this process may open %d (ulimit -n): %s",
		concurrency, need, limit, what)
}

// maxRetries bounds --retries: each retry of a silent resolver waits
// up to --timeout again, so 100 is minutes per question.
const maxRetries = 100

// replayConflictNote says that the replayed evidence holds different
// answers to n questions (first: the first of them): the replay answers
// each with the first recorded, so the findings that used another may
// differ from the recorded run's. A run whose records changed while it
// ran gives this, and so does an edited evidence.json: verify of the
// recorded pack tells which, finding by finding.
func replayConflictNote(n int, first []string) string {
	more := ""
	if n > len(first) {
		more = fmt.Sprintf(" and %d more", n-len(first))
	}
	return fmt.Sprintf("%s %d DNS %s in different findings (%s%s); the replay answers each with the first recorded, so a finding that used another may replay to another verdict. A question can fail in one finding and be answered in a later one (a resolver that stopped answering for a while), its records can change while a run goes on, and an edited evidence.json shows the same way: senderproof verify of the recorded pack tells which",
		replayConflictPrefix, n, plural(n, "question", "questions"), oneLine(strings.Join(first, ", ")), more)
}

// replayConflictPrefix starts replayConflictNote.
const replayConflictPrefix = "the replayed evidence holds different outcomes for"

// notEmpty refuses an empty value given to one of the flags (or to one
// use of a repeated one): a CI script's unset variable would otherwise turn
// a gate off without a word. --fail-on "" drops the gate, --format ""
// writes every format, --pubkey "" checks no signature, --sign-key ""
// signs nothing and --baseline "" compares with nothing, none of which was
// asked for.
func notEmpty(c *cli.Context, names ...string) error {
	for _, n := range names {
		if !c.IsSet(n) {
			continue
		}
		values := c.StringSlice(n)
		if values == nil {
			values = []string{c.String(n)}
		}
		for _, v := range values {
			if strings.TrimSpace(v) == "" {
				return badInput(fmt.Errorf("--%s is given an empty value", n))
			}
		}
	}
	return nil
}

func configFrom(c *cli.Context, stderr io.Writer) runConfig {
	return runConfig{
		Out: c.String("out"), Formats: c.String("format"), Mappings: c.String("mappings"),
		Templates: c.String("templates"), Baseline: packEvidence(c.String("baseline")),
		Concurrency: c.Int("concurrency"), QPS: c.Float64("qps"), Timeout: c.Duration("timeout"),
		Retries: c.Int("retries"), FailOn: c.String("fail-on"), Title: c.String("title"), SignKey: c.String("sign-key"),
		Now: time.Now, Stderr: stderr,
	}
}

// runAssess validates every input before the first query, assesses, and
// writes the pack.
func runAssess(ctx context.Context, cfg runConfig) error {
	if cfg.Out == "" {
		return badInput(errors.New("need --out DIR, the directory to write the evidence pack to"))
	}
	// 1. Inputs, all of them, before any query.
	formats, err := report.ParseFormats(cfg.Formats)
	if err != nil {
		return badInput(fmt.Errorf("--format: %w", err))
	}
	cfg.FailOn = strings.ToLower(cfg.FailOn) // as --format is read
	if cfg.FailOn != "" && cfg.FailOn != "fail" && cfg.FailOn != "warn" {
		return badInput(fmt.Errorf("--fail-on must be fail or warn, not %q", cfg.FailOn))
	}
	if cfg.Concurrency < 1 {
		return badInput(fmt.Errorf("--concurrency must be at least 1"))
	}
	if limit, ok := openFileLimit(); ok && cfg.Replay == nil && cfg.Resolver == nil {
		if err := concurrencyFits(cfg.Concurrency, limit); err != nil {
			return badInput(err)
		}
	}
	switch {
	case cfg.QPS < 0 || math.IsNaN(cfg.QPS) || math.IsInf(cfg.QPS, 0):
		return badInput(fmt.Errorf("--qps must be a number of queries per second, 0 for no limit, not %v", cfg.QPS))
	case cfg.QPS > 0 && cfg.QPS < minQPS:
		// 1e-9 would take years for one sender: a slip, not a plan.
		return badInput(fmt.Errorf("--qps %v is below %v query per second, which no run can live with (0 is no limit)", cfg.QPS, minQPS))
	case cfg.Retries < 0:
		return badInput(fmt.Errorf("--retries must not be negative, not %d", cfg.Retries))
	case cfg.Retries > maxRetries:
		// More is a slip (and near the integer limit would wrap to none).
		return badInput(fmt.Errorf("--retries must be at most %d, not %d", maxRetries, cfg.Retries))
	case cfg.Timeout <= 0:
		return badInput(fmt.Errorf("--timeout must be positive, not %v", cfg.Timeout))
	}
	resolvers, err := parseResolvers(cfg.Resolvers)
	if err != nil {
		return badInput(err)
	}
	cfg.Resolvers = resolvers
	for _, d := range [][2]string{{"--templates", cfg.Templates}, {"--mappings", cfg.Mappings}} {
		if err := notAFile(d[0], d[1]); err != nil {
			return badInput(err)
		}
	}
	tpl, err := templates.Load(cfg.Templates)
	if err != nil {
		return badInput(err)
	}
	noteEmptyDir(cfg.Stderr, "--templates", cfg.Templates, ".tmpl")
	noteEmptyDir(cfg.Stderr, "--mappings", cfg.Mappings, ".yaml", ".yml")
	var signKey ed25519.PrivateKey
	if cfg.SignKey != "" {
		if signKey, err = report.LoadSigningKey(cfg.SignKey); err != nil {
			return badInput(fmt.Errorf("--sign-key: %w", err))
		}
		if mode, open := report.KeyReadableByOthers(cfg.SignKey); open {
			fmt.Fprintf(cfg.Stderr, "senderproof: warning: --sign-key %s can be read by other users (mode %04o): anyone who can read it can sign packs as you; chmod 600 it\n", oneLine(cfg.SignKey), mode)
		}
	}
	set, err := mappings.Load(cfg.Mappings)
	if err != nil {
		return badInput(lintFailed(err))
	}
	if cfg.Replay != nil {
		if err := replayLoadsRecorded(cfg, set); err != nil {
			return badInput(err)
		}
	}
	for _, r := range set.Replaced {
		fmt.Fprintf(cfg.Stderr, "senderproof: note: %s\n", oneLine(r))
		// In the pack too: its reports show the framework's name over
		// the user's file.
		cfg.Notes = append(slices.Clip(cfg.Notes), "mappings: "+oneLine(r))
	}
	inv := cfg.Inventory
	if cfg.Replay != nil {
		inv = replayInventory(cfg.Replay)
	}
	if inv == nil {
		resume := assess.SuspendMemoryLimit()
		inv, err = assess.LoadInventory(cfg.Inventories...)
		resume()
		if err != nil {
			return badInput(err)
		}
	}
	for _, w := range inv.Warnings {
		fmt.Fprintf(cfg.Stderr, "senderproof: warning: %s\n", w)
	}
	if more := inv.WarningCount - len(inv.Warnings); more > 0 {
		fmt.Fprintf(cfg.Stderr, "senderproof: warning: ... and %d more inventory warnings\n", more)
	}
	if cfg.Replay != nil && cfg.Replay.Drift != nil && cfg.Baseline == "" {
		// The recorded run compared against a baseline: replay it against
		// the same one, so its drift findings come out the same.
		path, err := recordedBaseline(cfg.Replay.Drift, cfg.ReplayPath)
		if err != nil {
			return badInput(err)
		}
		cfg.Baseline = path
	}
	var baseline *report.Pack
	if cfg.Baseline != "" {
		if err := matchesManifest("--baseline", cfg.Baseline); err != nil {
			return badInput(err)
		}
		noteReading(cfg.Stderr, "the baseline", cfg.Baseline)
		if baseline, err = report.ReadPackForDrift(ctx, cfg.Baseline); errors.Is(err, context.Canceled) {
			return err
		} else if err != nil {
			return badInput(fmt.Errorf("--baseline: %w", packWithoutEvidence(cfg.Baseline, err)))
		}
	}
	extraInputs, err := runInputs(cfg, tpl)
	if err != nil {
		return badInput(err)
	}
	if err := checkOutDir(cfg.Out); err != nil {
		return badInput(err)
	}
	if _, foreign := report.StaleFiles(cfg.Out, formats, cfg.SignKey != ""); len(foreign) > 0 {
		return badInput(fmt.Errorf("--out %s holds %s, which no senderproof manifest there lists (your own file, or one of another run): this run would overwrite %s, or leave %s beside a manifest that does not list %s; move %s away or give another --out",
			cfg.Out, strings.Join(foreign, ", "), plural(len(foreign), "it", "them"), plural(len(foreign), "it", "them"), plural(len(foreign), "it", "them"), plural(len(foreign), "it", "them")))
	}
	named := [][2]string{{"--replay", cfg.ReplayPath}, {"--baseline", cfg.Baseline}, {"--sign-key", cfg.SignKey}}
	for _, p := range cfg.Inventories {
		named = append(named, [2]string{"--inventory", p})
	}
	for _, in := range extraInputs {
		named = append(named, [2]string{"input", in.Path})
	}
	if err := inputInOut(cfg.Out, named); err != nil {
		return badInput(err)
	}

	// 2. The DNS client.
	resolver := cfg.Resolver
	var client *assess.Client
	servers := cfg.Resolvers
	var replay *assess.Replay
	if cfg.Replay != nil {
		replay = cfg.ReplayAnswers
		if replay == nil {
			replay = assess.NewReplay(cfg.Replay.Findings)
		}
		resolver, servers = replay, cfg.Replay.Run.Resolvers
	}
	if resolver == nil {
		if servers, err = resolveHosts(ctx, servers, cfg.LookupHost); err != nil {
			if ctx.Err() != nil {
				return ctx.Err() // interrupted while looking up a resolver's name
			}
			return badInput(err)
		}
		if len(servers) == 0 {
			if servers, err = assess.SystemResolvers(cfg.ResolvConf); err != nil {
				// Before the first query: nothing was asked.
				return badInput(fmt.Errorf("%w (give --resolver HOST:PORT)", err))
			}
		}
		var repeated []string
		if servers, repeated = dropRepeated(servers); len(repeated) > 0 {
			note := fmt.Sprintf("%s %s given more than once; each resolver is asked once",
				oneLine(strings.Join(repeated, ", ")), plural(len(repeated), "is a resolver", "are resolvers"))
			fmt.Fprintf(cfg.Stderr, "senderproof: note: %s\n", note)
			cfg.Notes = append(slices.Clip(cfg.Notes), note)
		}
		client, err = assess.NewClient(assess.ClientOptions{
			Servers: servers, Timeout: cfg.Timeout, Retries: cfg.Retries,
			QPS: cfg.QPS, Concurrency: cfg.Concurrency, Now: cfg.Now,
		})
		if err != nil {
			return runFailed(err)
		}
		servers = client.Servers()
		resolver = client
		defer client.Close()
	}

	// 3. Assess. Each asset's findings go straight to the pack builder,
	// which rolls them up and spools them to disk (in --out, removed when
	// the pack is written or the run fails), so memory does not grow with
	// the fleet.
	mapper, mappingRefs := report.FromMappings(set)
	// A run that writes no pack (stopped, or failed) leaves no --out it
	// created either, nor the parents it created for it; an interrupt that
	// ends the process before this returns removes them too (exitIfStuck).
	created := missingDirs(cfg.Out)
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		removeCreated(created)
		return runFailed(outError(cfg.Out, "creating it", err))
	}
	unlock, err := lockOut(cfg.Out)
	if err != nil {
		// Another run holds the directory: whatever this run found
		// missing, that run may have created and be using it.
		if errors.Is(err, errOutLocked) {
			return badInput(fmt.Errorf("--out %s: %w", oneLine(cfg.Out), err))
		}
		removeCreated(created)
		return runFailed(outError(cfg.Out, "locking it", err))
	}
	defer unlock()
	// The directory the run writes in, as it was locked: one put in its
	// place meanwhile (a link to another, by someone who can write in
	// its parent) must not get the pack.
	outInfo, _ := os.Stat(cfg.Out)
	createdDirs.Store(&created)
	defer removeCreated(created)
	// Temporary files a killed run left behind (no other run is using
	// the directory: it is locked).
	report.RemoveTemps(cfg.Out)
	builder, err := report.NewBuilder(cfg.Out, inv.Assets, mapper)
	if err != nil {
		return runFailed(outError(cfg.Out, "setting aside the findings", err))
	}
	defer builder.Discard()
	var base *report.Baseline
	if baseline != nil {
		base = report.NewBaseline(baseline, cfg.Baseline, tpl)
		baseline = nil // what the comparison needs is in base
		builder.PerAsset = base.Asset
	}
	started := cfg.Now()
	progress, finish := progressReporter(cfg.Stderr, "assessing", len(inv.Assets))
	sink := builder.Add
	var evidenced report.EvidenceSpan
	if replay != nil {
		// A replay's reports say when the DNS answers its findings
		// carry were collected; verify finds the same span in them.
		sink = func(i int, fs []assess.Finding) error {
			for j := range fs {
				evidenced.Add(&fs[j])
			}
			return builder.Add(i, fs)
		}
	}
	_, err = assess.Run(ctx, inv.Assets, assess.Options{
		Resolver: resolver, Templates: tpl, Concurrency: cfg.Concurrency, Progress: progress, Sink: sink,
	})
	finish()
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return runFailed(err)
	}
	if err := builder.Flush(); err != nil {
		return runFailed(outError(cfg.Out, "setting aside the findings", err))
	}
	// The senders removed since the baseline: what DNS still says of
	// them (their PTR, host and HELO names, SPF authorization) is the
	// evidence of their offboarding. A replay answers from the recorded
	// recheck.
	var offboarding []assess.Offboard
	offboardingOmitted := 0
	// A replay of a pack that holds no recheck (made before it was kept)
	// makes none: it has no recorded answers to make it from.
	recheck := cfg.Replay == nil || (cfg.Replay.Drift != nil && cfg.Replay.Drift.Offboarding != nil)
	if base != nil && recheck {
		all := base.RemovedAssets(inv.Assets)
		// The fleet's domains include those of every removed row,
		// rechecked or not.
		fleet := assess.FleetDomains(inv.Assets, all)
		var removed []assess.Asset
		removed, offboardingOmitted = assess.RecheckBound(all)
		if offboardingOmitted > 0 {
			fmt.Fprintf(cfg.Stderr, "senderproof: %d senders were removed since the baseline; the first %d are checked again for records left behind, the other %d are listed without a recheck (a bound on the run's memory)\n",
				len(all), len(removed), offboardingOmitted)
		}
		if replay != nil && cfg.Replay.Drift != nil {
			for _, o := range cfg.Replay.Drift.Offboarding {
				for _, f := range o.Findings {
					replay.Record(f.Evidence...)
				}
				if o.Host != nil {
					replay.Record(o.Host.Evidence...)
				}
			}
		}
		progress, finish := progressReporter(cfg.Stderr, "rechecking removed senders", len(removed))
		offboarding, err = assess.CheckRemoved(ctx, removed, fleet, assess.Options{
			Resolver: resolver, Templates: tpl, Concurrency: cfg.Concurrency, Progress: progress,
		}, base.BaseRun())
		finish()
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			return runFailed(err)
		}
	}
	if client != nil {
		// Every finding holds the answers it needs; the cache's memory is
		// better spent on writing the pack.
		client.DropCache()
	}
	finished := cfg.Now()
	var replayMissing []string
	var replayConflicts string
	if replay != nil {
		// As for the cache: the recorded exchanges have done their work.
		replay.Release()
		replayMissing = replay.Missing()
		// Once everything is recorded, the offboarding recheck's
		// exchanges included.
		if n, first := replay.Conflicts(); n > 0 {
			replayConflicts = replayConflictNote(n, first)
			fmt.Fprintf(cfg.Stderr, "senderproof: note: %s\n", replayConflicts)
		}
	}

	// 4. Build and write the pack.
	run := report.Run{
		ID: newRunID(), Title: cfg.Title, StartedAt: report.Stamp(started), FinishedAt: report.StampEnd(finished),
		Resolvers: servers, InventorySHA256: inv.SHA256, Mappings: mappingRefs,
		Settings: report.Settings{Concurrency: cfg.Concurrency, QPS: cfg.QPS, Timeout: cfg.Timeout.String(), Retries: cfg.Retries},
		Notes:    cfg.Notes,
	}
	if run.Resolvers == nil {
		run.Resolvers = []string{}
	}
	if cfg.Replay == nil {
		// What loading the inventory warned of (merged rows, a host
		// address read as its network) is part of the record, not only
		// of the terminal.
		run.Notes = append(run.Notes, inventoryNotes(inv.Warnings, inv.WarningCount)...)
	}
	if run.Title == "" && cfg.Replay != nil {
		run.Title = cfg.Replay.Run.Title
	}
	if run.Title == "" {
		run.Title = titleFrom(cfg.Inventories)
	}
	var inputs []report.Input
	for _, in := range inv.Inputs {
		inputs = append(inputs, report.Input{Path: in.Path, SHA256: in.SHA256})
	}
	run.Inventories = slices.Clone(inputs)
	for i := range inputs {
		inputs[i].Kind = report.InputInventory
	}
	if cfg.Replay != nil {
		// The replayed run describes the recorded one: same resolvers,
		// client settings, query counts and notes; only its ID and times are
		// its own, and it names the recorded run, so its evidence.json is
		// the recorded one's apart from those. The manifest says it is a
		// replay too.
		// The DNS answers were collected when the exchanges the findings
		// carry say: for a replay of a replay, by the first run.
		evidenced.AddOffboarding(offboarding)
		run.ReplayOf = evidenced.ReplayOf(cfg.Replay.Run.ID)
		run.Settings = cfg.Replay.Run.Settings
		run.Queries = cfg.Replay.Run.Queries
		// The recorded notes, then this run's that they do not hold
		// already (a mapping file's note is given again by every replay).
		// A replay's own note of conflicting answers is this replay's
		// to give, not the recorded one's (a replay's evidence holds one
		// answer to each question).
		run.Notes = slices.DeleteFunc(slices.Clone(cfg.Replay.Run.Notes), func(n string) bool {
			// (and the wording of the builds before it named outcomes).
			return strings.HasPrefix(n, replayConflictPrefix) || strings.HasPrefix(n, "the replayed evidence holds different answers to")
		})
		if replayConflicts != "" {
			run.Notes = append(run.Notes, replayConflicts)
		}
		for _, n := range cfg.Notes {
			if !slices.Contains(run.Notes, n) {
				run.Notes = append(run.Notes, n)
			}
		}
		run.Inventories = cfg.Replay.Run.Inventories
	}
	inputs = append(inputs, extraInputs...)
	if client != nil {
		st := client.Stats()
		run.Queries = report.QueryStats{Lookups: st.Lookups, CacheHits: st.CacheHits, Sent: st.Sent, TCP: st.TCP, Timeouts: st.Timeouts, Errors: st.Errors}
	}
	var drift *report.Drift
	if base != nil {
		drift = base.Drift(inv.Assets)
		drift.Offboarding, drift.OffboardingOmitted = offboarding, offboardingOmitted
	}
	pack := builder.Pack(report.Tool{Name: "senderproof", Version: version, Build: build}, run, drift)
	defer pack.Close()
	var downNotes []string
	failed, what := false, "no resolver answered"
	if client != nil {
		health := client.Health()
		fail := newFailures(pack)
		downNotes = resolverNotes(health, fail)
		if silent := silentResolvers(health); silent != "" {
			downNotes = append(downNotes, fmt.Sprintf("no resolver answered any DNS query: %s; every finding that needed DNS is error", silent))
		} else {
			what = "no resolver gave a usable answer"
		}
		refusing, _ := refusingResolvers(health)
		downNotes = append(downNotes, refusing...)
		downNotes = append(downNotes, passedOnResolvers(health)...)
		downNotes = append(downNotes, finalFailureResolvers(health, fail)...)
		downNotes = append(downNotes, localZoneResolvers(health)...)
		downNotes = append(downNotes, tcpFailedResolvers(health, fail)...)
		downNotes = append(downNotes, referralResolvers(health)...)
		downNotes = append(downNotes, truncatedTCPResolvers(health, fail)...)
		downNotes = append(downNotes, unansweredNote(client.Stats(), health, cfg.Retries, cfg.Timeout, fail)...)
		failed = noUsableAnswer(health)
		pack.Run.Notes = append(pack.Run.Notes, downNotes...)
	}
	writers := report.Writers(tpl)
	if isTerminal(cfg.Stderr) {
		fmt.Fprintf(cfg.Stderr, "senderproof: writing %s to %s\n", strings.Join(formats, ", "), oneLine(cfg.Out))
		writers = reportEachFile(cfg.Stderr, writers)
	}
	opt := report.WriteOptions{Inputs: inputs, SignKey: signKey}
	if wd, err := os.Getwd(); err == nil {
		opt.WorkDir = wd
	}
	if cfg.Replay != nil {
		opt.ReplayOf = cfg.Replay.Run.ID
	}
	if now, err := os.Stat(cfg.Out); outInfo != nil && (err != nil || !os.SameFile(outInfo, now)) {
		return runFailed(fmt.Errorf("--out %s is no longer the directory the run started in (it was replaced, or made a link to another, while the run went on); nothing was written", oneLine(cfg.Out)))
	}
	if _, err := report.WritePackOptions(ctx, cfg.Out, pack, formats, writers, opt); err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return runFailed(outError(cfg.Out, "writing the pack", err))
	}
	if len(replayMissing) > 0 {
		// Questions the recorded run did not ask (a check of this
		// version asks more): what they did to the verdicts is in the
		// findings, each with the question in its evidence.
		what := fmt.Sprintf("no finding's verdict hung on %s (the findings that asked keep %s in their evidence)", plural(len(replayMissing), "it", "them"), plural(len(replayMissing), "it", "them"))
		if n := pack.ErrorCauses()["not_recorded"]; n > 0 {
			what = fmt.Sprintf("the %d %s that needed %s %s error", n, plural(n, "finding", "findings"), plural(len(replayMissing), "it", "them"), plural(n, "is", "are"))
		}
		fmt.Fprintf(cfg.Stderr, "senderproof: %d DNS %s not in the recorded evidence; %s: %s\n",
			len(replayMissing), plural(len(replayMissing), "question is", "questions are"), what, strings.Join(replayMissing, ", "))
	}
	s := pack.Summary
	// The last read of the spooled findings; then the spool goes, before
	// anything is printed, so no stderr closed early leaves it beside
	// the pack.
	breakdown := ""
	if s.Error > 0 {
		breakdown = errorBreakdown(pack)
	}
	builder.Discard()
	num := func(n int64) string { return templates.Num(int(n)) } // 41,007 as the --fail-on line gives it
	dnsWork := fmt.Sprintf("%s DNS %s sent, %s answered from the run's cache (answers, and failures remembered)", num(run.Queries.Sent), plural(int(run.Queries.Sent), "query", "queries"), num(run.Queries.CacheHits))
	if replay != nil {
		dnsWork = "DNS answers replayed from the recorded evidence of run " + cfg.Replay.Run.ID
	}
	n := func(v int) string { return templates.Num(v) }
	fmt.Fprintf(cfg.Stderr, "senderproof: %s %s, %s %s: %s pass, %s fail, %s warn, %s error, %s skip; %s; pack written to %s\n",
		n(s.Assets), plural(s.Assets, "asset", "assets"), n(s.Findings), plural(s.Findings, "finding", "findings"), n(s.Pass), n(s.Fail), n(s.Warn), n(s.Error), n(s.Skip), dnsWork, oneLine(cfg.Out))
	if s.Error > 0 {
		why := ""
		if breakdown != "" {
			why = " (" + breakdown + ")"
		}
		fmt.Fprintf(cfg.Stderr, "senderproof: %s\n", undeterminedLine(s.Error, why))
	}
	for _, n := range downNotes {
		fmt.Fprintf(cfg.Stderr, "senderproof: %s\n", n)
	}
	if line := offboardingLine(pack.Drift); line != "" {
		fmt.Fprintf(cfg.Stderr, "senderproof: %s\n", line)
	}
	if failed {
		// Not one usable DNS answer: the pack records that, but the run
		// did not assess anything.
		return runFailed(fmt.Errorf("the run failed: %s (%s); the pack in %s shows every DNS finding as error", what, strings.Join(servers, ", "), oneLine(cfg.Out)))
	}
	if thresholdMet(pack, cfg.FailOn) {
		fmt.Fprintf(cfg.Stderr, "senderproof: --fail-on %s: threshold met: %s (exit 3)\n", cfg.FailOn, thresholdCounts(pack.Summary, cfg.FailOn))
		return errThreshold
	}
	return nil
}

// failures is what the run's failed exchanges did: the error findings by
// what failed in their exchanges (report.Pack.ErrorCauses: a ptr.fcrdns
// error behind a forward lookup's SERVFAIL counts as the SERVFAIL), and
// the removed senders whose offboarding recheck is incomplete, which are
// not findings.
type failures struct {
	causes            map[string]int
	errors            int // error findings, whatever their cause
	rechecksUnchecked int
}

// newFailures tallies p's error findings and the rechecks of removed
// senders that some check left undetermined.
func newFailures(p *report.Pack) failures {
	f := failures{causes: p.ErrorCauses(), errors: p.Summary.Error}
	if p.Drift != nil {
		f.rechecksUnchecked = p.Drift.RecheckIncomplete()
	}
	return f
}

// resolverNotes says which resolvers the client's circuit breaker marked
// down during the run, for the summary line and the run's notes, and how
// many findings are error for want of an answer: of several resolvers, a
// silent one passes its questions to the others, and the run's other
// errors (a zone's SERVFAIL, a CNAME loop) are not its doing.
func resolverNotes(health []assess.ServerHealth, fail failures) []string {
	unanswered := fail.causes["timeout|resolvers_down"]
	var out []string
	for _, h := range health {
		if h.SlowSpells > 0 && h.Outages == 0 && h.Answered > 0 {
			out = append(out, fmt.Sprintf("resolver %s left some questions unanswered in time while it answered others (a zone it was waiting on, not a resolver down); their findings are error (timeout)", h.Server))
		}
		// A resolver that never answered is named even when the run was
		// too short for it to be taken for down.
		// (A truncated UDP answer whose TCP retry failed is an answer
		// too, counted apart.)
		silent := h.Sent > 0 && h.Answered == 0 && h.TCPFailed == 0
		// One that stopped answering too late in the run for its
		// breaker to mark it down is named as well.
		late := h.Outages == 0 && !silent && stoppedLate(h)
		if h.Outages == 0 && !silent && !late {
			continue
		}
		back := ""
		if h.Outages > 0 && !h.Down {
			back = " (it answered again later)"
		}
		what := fmt.Sprintf("stopped answering after %d queries", h.StoppedAfter)
		whose := "its"
		switch {
		case late:
			what = fmt.Sprintf("left its last %d %s unanswered", h.LastUnanswered, plural(int(h.LastUnanswered), "query", "queries"))
			whose = "their"
		case h.StoppedAfter == 0 || silent:
			what = "never answered"
		}
		// Another resolver that answered took this one's questions.
		others := slices.ContainsFunc(health, func(o assess.ServerHealth) bool { return o.Server != h.Server && o.Answered > 0 })
		switch {
		case unanswered > 0:
			what += fmt.Sprintf("%s; %d %s error for want of an answer (timeout, or every resolver taken for down)", back, unanswered, plural(unanswered, "finding is", "findings are"))
		case others && fail.rechecksUnchecked == 0:
			what += back + "; " + whose + " questions went to the other resolvers, and no finding is error for want of an answer"
		case others:
			what += back + "; " + whose + " questions went to the other resolvers"
		default:
			what += back
		}
		if fail.rechecksUnchecked > 0 {
			what += fmt.Sprintf("; the recheck of %d removed %s could not be completed in full", fail.rechecksUnchecked, plural(fail.rechecksUnchecked, "sender", "senders"))
		}
		out = append(out, fmt.Sprintf("resolver %s %s", h.Server, what))
	}
	return out
}

// stoppedLate reports whether a resolver that answered left at least the
// breaker's threshold of queries unanswered since its last answer, when the
// run ended: it stopped answering, too late for the breaker to mark it
// down (which takes twice the timeout of silence and a liveness check).
func stoppedLate(h assess.ServerHealth) bool {
	// One that answered a liveness check since is alive, waiting on a
	// zone: the note of its slow spell says so.
	return (h.Answered > 0 || h.TCPFailed > 0) && h.LastUnanswered >= assess.DefaultBreakerThreshold && !h.AliveSinceAnswer
}

// unansweredNote says, when questions went unanswered on every attempt
// while no resolver stopped answering or stalled on a zone (which other
// notes tell), how many and what to do: such a run otherwise explains its
// timeout errors only in the stderr summary.
func unansweredNote(st assess.Stats, health []assess.ServerHealth, retries int, timeout time.Duration, fail failures) []string {
	if st.Unanswered == 0 {
		return nil
	}
	for _, h := range health {
		if h.Outages > 0 || h.SlowSpells > 0 || h.Answered == 0 || stoppedLate(h) {
			return nil
		}
	}
	n := int(st.Unanswered)
	if fail.causes["timeout"] == 0 && fail.causes["tcp_failed"] > 0 {
		// What went unanswered was asked again over TCP, which the TCP
		// note tells of.
		return nil
	}
	if fail.causes["timeout"] == 0 && fail.rechecksUnchecked == 0 {
		// A lookup whose failure leaves the verdict standing (the
		// DMARCbis walk, a report address's authorization).
		return []string{fmt.Sprintf("%d %s went unanswered on every attempt (1 + --retries %d, up to --timeout %s each) while the %s answered others, though no finding's verdict hung on %s (the findings that asked say so)",
			n, plural(n, "question", "questions"), retries, timeout, plural(len(health), "resolver", "resolvers"), plural(n, "it", "them"))}
	}
	return []string{fmt.Sprintf("%d %s went unanswered on every attempt (1 + --retries %d, up to --timeout %s each) while the %s answered others: the findings that needed %s are error (timeout), never a verdict; if %s when asked alone, a lossy network or a resolver that limits one client's rate dropped %s: re-run with a lower --qps, or raise --timeout or --retries",
		n, plural(n, "question", "questions"), retries, timeout, plural(len(health), "resolver", "resolvers"),
		plural(n, "it", "them"), plural(n, "its name answers", "those names answer"), plural(n, "the query", "the queries"))}
}

// inventoryNotes are the run notes of the inventory's warnings: the
// first maxInventoryNotes of those printed, and how many more there were
// of total.
func inventoryNotes(printed []string, total int) []string {
	var out []string
	for i, w := range printed {
		if i == maxInventoryNotes {
			break
		}
		out = append(out, "inventory: "+w)
	}
	if more := total - len(out); more > 0 {
		shown := ", printed when the run started"
		if len(printed) < total {
			shown = fmt.Sprintf(" (the first %d of all %d were printed when the run started)", len(printed), total)
		}
		out = append(out, fmt.Sprintf("inventory: %d more %s%s", more, plural(more, "warning", "warnings"), shown))
	}
	return out
}

// maxInventoryNotes bounds the inventory warnings a pack records.
const maxInventoryNotes = 20

// replayInventory is the inventory of a recorded pack: its assets, inputs
// and inventory hash.
func replayInventory(p *report.Pack) *assess.Inventory {
	inv := &assess.Inventory{Assets: p.Assets, SHA256: p.Run.InventorySHA256}
	for _, in := range p.Run.Inventories {
		inv.Inputs = append(inv.Inputs, assess.InputFile{Path: in.Path, SHA256: in.SHA256})
	}
	return inv
}

// missingDirs returns dir and those of its parents that do not exist (not
// even as a symbolic link), deepest first.
func missingDirs(dir string) []string {
	var out []string
	for d := filepath.Clean(dir); ; {
		if _, err := os.Lstat(d); !errors.Is(err, fs.ErrNotExist) {
			return out
		}
		out = append(out, d)
		parent := filepath.Dir(d)
		if parent == d {
			return out
		}
		d = parent
	}
}

// createdDirs holds the directories the run's --out will create
// (missingDirs), for exitIfStuck.
var createdDirs atomic.Pointer[[]string]

// removeCreated removes the directories that are still empty, deepest
// first: os.Remove takes no directory with anything in it.
func removeCreated(dirs []string) {
	for _, d := range dirs {
		if os.Remove(d) != nil {
			return
		}
	}
}

// replayLoadsRecorded refuses a replay that, given no --mappings or no
// --templates, would not load what the recorded run loaded, as the
// manifest beside the replayed evidence.json lists it: mapping files of
// its own (by hash), or template files of its own. With the flag, the
// files given are the user's choice (re-assessing with new mapping files). The replay would otherwise evaluate
// other controls or word the findings otherwise, and be no replay of the
// run. Without that manifest there is nothing to go by.
func replayLoadsRecorded(cfg runConfig, set *mappings.Set) error {
	m, err := report.ReadManifest(filepath.Dir(cfg.ReplayPath))
	if err != nil {
		return nil
	}
	_, loaded := report.FromMappings(set)
	var missing, tpls []string
	for _, in := range m.Inputs {
		switch in.Kind {
		case report.InputMappings:
			if !slices.ContainsFunc(loaded, func(l report.MappingRef) bool { return l.SHA256 == in.SHA256 }) {
				missing = append(missing, oneLine(in.Path))
			}
		case report.InputTemplates:
			tpls = append(tpls, oneLine(in.Path))
		}
	}
	if cfg.Mappings == "" && len(missing) > 0 {
		return fmt.Errorf("--replay: the recorded run loaded mapping files of its own that this run does not: %s; give --mappings DIR holding them (or the mapping files to re-assess it with)", strings.Join(report.ClipList(missing, 10), ", "))
	}
	if cfg.Templates == "" && len(tpls) > 0 {
		return fmt.Errorf("--replay: the recorded run worded its findings with template files of its own (%s); give --templates DIR holding them", strings.Join(report.ClipList(tpls, 10), ", "))
	}
	return nil
}

// outError words a failure to write in --out by its cause, when the system
// says one a user can act on (no space, a read-only file system, no
// permission), rather than by the temporary file it struck: nothing of
// this run is in dir, and an earlier pack there is as it was. Any other
// error is kept as it is, under what was being done.
func outError(dir, doing string, err error) error {
	// A commit's failure says itself what the directory holds: the new
	// pack (an earlier run's file could not be removed), or the earlier
	// one, whole or not.
	var ce *report.CommitError
	if errors.As(err, &ce) {
		return fmt.Errorf("--out %s: %s: %s", oneLine(dir), doing, oneLine(ce.Error()))
	}
	var why string
	switch {
	case errors.Is(err, syscall.ENOSPC):
		why = "no space left on the device"
	case errors.Is(err, syscall.EDQUOT):
		why = "the disk quota is used up"
	case errors.Is(err, syscall.EROFS):
		why = "the file system is read-only"
	case errors.Is(err, fs.ErrPermission):
		why = "permission denied"
	default:
		return fmt.Errorf("--out %s: %s: %w", oneLine(dir), doing, err)
	}
	return fmt.Errorf("--out %s: %s while %s; nothing of this run is left there (an earlier pack there is as it was)", oneLine(dir), why, doing)
}

// errOutLocked is lockOut's error when another run holds the directory.
var errOutLocked = errors.New("another senderproof run is writing its pack there; wait for it to finish or give another --out")

// checkOutDir refuses an --out that exists and is not a directory.
func checkOutDir(dir string) error {
	if dir == "" {
		return fmt.Errorf("--out is required")
	}
	st, err := os.Stat(dir)
	if err == nil && !st.IsDir() {
		return fmt.Errorf("--out %s exists and is not a directory", dir)
	}
	if err != nil {
		if target, lerr := os.Readlink(dir); lerr == nil && errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("--out %s is a symbolic link to %s, which does not exist", dir, target)
		}
		// The nearest parent that exists must be a directory.
		for d := filepath.Dir(filepath.Clean(dir)); ; d = filepath.Dir(d) {
			if pst, perr := os.Stat(d); perr == nil {
				if !pst.IsDir() {
					return fmt.Errorf("--out %s: %s is not a directory", dir, d)
				}
				break
			}
			if d == filepath.Dir(d) {
				break
			}
		}
	}
	if err == nil {
		// A directory where the pack writes a file would fail the run at
		// its end (for manifest.sig, after the pack is in place; for the
		// commit's record, before its first rename): say so before the
		// first query.
		for _, name := range append(report.PackFiles(), report.ManifestFile, report.SignatureFile, report.JournalFile) {
			if st, err := os.Lstat(filepath.Join(dir, name)); err == nil && st.IsDir() {
				return fmt.Errorf("--out %s holds a directory named %s, where the pack writes a file", dir, name)
			}
		}
	}
	return nil
}

// offboardingLine sums up the recheck of the senders removed since the
// baseline for the end of the run: "3 senders removed since the
// baseline: DNS still vouches for 2 (OWASP NHI-01): 192.0.2.70 fail,
// 192.0.2.71 warn; the reports' drift section says what is left behind";
// "" without a baseline or removed senders.
func offboardingLine(d *report.Drift) string {
	if d == nil || len(d.Offboarding) == 0 {
		return ""
	}
	// Fails first, then the warnings of an SPF authorization: a clipped
	// list never hides one behind PTR and host names.
	var fails, spfWarns, warns []string
	authorized := 0
	for _, o := range d.Offboarding {
		bySPF := slices.ContainsFunc(o.LeftBehind, func(l assess.LeftBehind) bool { return strings.HasPrefix(l.Kind, "spf_") })
		if bySPF {
			authorized++
		}
		switch {
		case o.Status == assess.StatusFail:
			fails = append(fails, o.IP+" fail")
		case o.Status == assess.StatusWarn && bySPF:
			spfWarns = append(spfWarns, o.IP+" warn")
		case o.Status == assess.StatusWarn:
			warns = append(warns, o.IP+" warn")
		}
	}
	named := slices.Concat(fails, spfWarns, warns)
	undetermined := d.RecheckIncomplete()
	total := len(d.Offboarding)
	s := fmt.Sprintf("%d %s removed since the baseline: ", total, plural(total, "sender", "senders"))
	if d.OffboardingOmitted > 0 {
		s = fmt.Sprintf("%d of the %d senders removed since the baseline checked again: ", total, total+d.OffboardingOmitted)
	}
	if len(named) == 0 {
		s += "DNS no longer vouches for any"
	} else {
		s += fmt.Sprintf("DNS still vouches for %d (OWASP NHI-01", len(named))
		switch {
		case authorized > 0 && len(fails) == authorized && authorized == len(named):
			s += fmt.Sprintf("; SPF still authorizes %s by address or by name", plural(authorized, "it", "all of them"))
		case authorized > 0 && len(fails) == authorized:
			s += fmt.Sprintf("; SPF still authorizes %d of them by address or by name", authorized)
		case authorized > 0 && len(fails) > 0:
			s += fmt.Sprintf("; SPF still authorizes %d, %d of them by address or by name", authorized, len(fails))
		case authorized > 0:
			s += fmt.Sprintf("; SPF still authorizes %d, %s by address or by name", authorized, plural(authorized, "not", "none of them"))
		}
		s += "): " + strings.Join(report.ClipList(named, 10), ", ")
	}
	if undetermined > 0 {
		s += fmt.Sprintf("; %d could not be checked in full", undetermined)
	}
	if len(named) > 0 || undetermined > 0 {
		s += "; the reports' drift section says what is left behind"
	}
	return s
}

// thresholdMet reports whether --fail-on is met: any finding fail (or
// error, which is never a pass) for "fail"; any of those or warn for "warn".
func thresholdMet(p *report.Pack, failOn string) bool {
	s := p.Summary
	switch failOn {
	case "fail":
		return s.Fail+s.Error > 0
	case "warn":
		return s.Fail+s.Error+s.Warn > 0
	}
	return false
}

// thresholdCounts says which findings met the --fail-on threshold: "2
// fail, 1 error" (an error counts as fail).
func thresholdCounts(s report.Summary, failOn string) string {
	var parts []string
	for _, c := range []struct {
		n    int
		name string
	}{{s.Fail, "fail"}, {s.Error, "error"}, {s.Warn, "warn"}} {
		if c.n > 0 && (c.name != "warn" || failOn == "warn") {
			parts = append(parts, fmt.Sprintf("%s %s", templates.Num(c.n), c.name))
		}
	}
	return strings.Join(parts, ", ")
}

func titleFrom(paths []string) string {
	if len(paths) == 0 {
		return "Mail sender fleet"
	}
	base := filepath.Base(paths[0])
	base = strings.TrimSuffix(base, filepath.Ext(base))
	base = strings.NewReplacer("_", " ", "-", " ").Replace(base)
	if base == "" {
		return "Mail sender fleet"
	}
	return base
}

// newRunID returns a random UUID (version 4).
func newRunID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := rawWriter(w).(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// terminalWidth is the width of the terminal f is, in columns (80 when
// it cannot be read).
func terminalWidth(f *os.File) int {
	if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
		return w
	}
	return 80
}

// reportEachFile wraps the pack writers so that each file says when it is
// written: a large fleet's pack takes minutes after the assessment's
// progress bar is gone.
func reportEachFile(w io.Writer, writers map[string]report.Writer) map[string]report.Writer {
	out := make(map[string]report.Writer, len(writers))
	for format, wr := range writers {
		file, _ := report.FileName(format)
		out[format] = fileReporter{wr, w, file}
	}
	return out
}

type fileReporter struct {
	report.Writer
	w    io.Writer
	file string
}

func (r fileReporter) Write(ctx context.Context, out io.Writer, p *report.Pack) error {
	start := time.Now()
	cw := &byteCounter{w: out}
	if err := r.Writer.Write(ctx, cw, p); err != nil {
		return err
	}
	if ctx.Err() != nil {
		// Interrupted: no file of the pack will be kept, so none is
		// "done" just before "no pack was written".
		return nil
	}
	fmt.Fprintf(r.w, "senderproof: %s done (%.1f MB in %s)\n", r.file, float64(cw.n)/1e6, time.Since(start).Round(100*time.Millisecond))
	return nil
}

type byteCounter struct {
	w io.Writer
	n int64
}

func (c *byteCounter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// progressReporter shows a progress bar on stderr when it is a terminal,
// described as doing ("assessing", "verifying").
func progressReporter(w io.Writer, doing string, total int) (func(done, total int), func()) {
	if !isTerminal(w) || total < 2 {
		return nil, func() {}
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(rawWriter(w)), // its own escapes redraw the bar
		progressbar.OptionSetDescription(doing),
		progressbar.OptionSetItsString("assets"),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionClearOnFinish(),
		// Drawn, and its clock started, at once: not only when the
		// first sender is done, which a slow resolver delays.
		progressbar.OptionSetRenderBlankState(true),
	}
	// The bar shrinks to fit the terminal, the text after it does not: a
	// line that wraps is left behind at each redraw, so a narrow terminal
	// gets the bar and its percentage alone.
	if f, ok := rawWriter(w).(*os.File); !ok || terminalWidth(f) >= 80 {
		opts = append(opts, progressbar.OptionShowCount(), progressbar.OptionShowIts())
	}
	bar := progressbar.NewOptions(total, opts...)
	return func(done, _ int) { _ = bar.Set(done) }, func() { _ = bar.Finish() }
}

// errorBreakdown counts the pack's error findings by the reason they record
// (observed "reason"), for the end-of-run summary: "timeout 5, servfail 20,
// refused 6, cname loop 1"; "" when the findings cannot be read back.
func errorBreakdown(p *report.Pack) string {
	// The usual reasons come first in this order; others follow
	// alphabetically.
	order := []string{"timeout", "resolvers down", "servfail", "refused", "cname loop", "cname chain", "network", "forward lookup", "cancelled"}
	counts := map[string]int{}
	if reasons := p.ErrorReasons(); reasons != nil {
		// Counted as the run built the pack: no second read of the
		// spooled findings.
		for r, n := range reasons {
			counts[errorReasonLabel(map[string]any{"reason": r})] += n
		}
	} else if err := p.EachFinding(func(f *assess.Finding) error {
		if f.Status == assess.StatusError {
			counts[errorReasonLabel(f.Observed)]++
		}
		return nil
	}); err != nil {
		return ""
	}
	var keys []string
	for _, k := range order {
		if counts[k] > 0 {
			keys = append(keys, k)
		}
	}
	var rest []string
	for k := range counts {
		if !slices.Contains(order, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	parts := make([]string, 0, len(counts))
	for _, k := range append(keys, rest...) {
		parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
	}
	return strings.Join(parts, ", ")
}

// errorReasonLabel names why an error finding could not be determined, from
// its observed reason.
func errorReasonLabel(obs map[string]any) string {
	r, _ := obs["reason"].(string)
	switch r {
	case "":
		return "unknown"
	case "cname_loop":
		return "cname loop"
	case "cname_chain":
		return "cname chain"
	case "forward_error":
		return "forward lookup"
	case "invalid_ip":
		return "invalid address"
	}
	return strings.ReplaceAll(r, "_", " ")
}

// listedByManifest reports whether a manifest.json beside path lists it
// (matchesManifest checks the hash).
func listedByManifest(path string) bool {
	m, err := report.ReadManifest(filepath.Dir(path))
	return err == nil && m.Listed(filepath.Base(path))
}

// matchesManifest refuses an evidence.json given with flag that no longer
// matches the manifest beside it. A replayed one would give a pack that
// verifies clean and names the original run, laundering the change; a
// baseline or a pack to diff, drift that never happened. A file with no
// manifest beside it (a copy) is taken as it is.
func matchesManifest(flag, path string) error {
	if _, err := os.Stat(path); err != nil {
		return nil // the reader says why it cannot be read
	}
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if _, err := os.Stat(filepath.Join(dir, report.ManifestFile)); err != nil {
		return nil
	}
	m, err := report.ReadManifest(dir)
	if err != nil {
		return fmt.Errorf("%s %s: %w", flag, path, err)
	}
	var listed []report.ManifestEntry
	for _, e := range m.Files {
		if e.Path == name {
			listed = append(listed, e)
		}
	}
	if len(listed) == 0 {
		return nil
	}
	// The file as it is read (through a symbolic link, as the reader
	// follows it); verify holds a pack to regular files.
	sum, size, err := report.FileSHA256(context.Background(), path)
	if err != nil {
		return fmt.Errorf("%s %s: %w", flag, path, err)
	}
	for _, e := range listed {
		if e.SHA256 != sum || e.Size != size {
			return fmt.Errorf("%s %s does not match the manifest beside it (sha256 %s, %d bytes; the manifest says %s, %d bytes): run verify on that pack, or use a copy you trust",
				flag, path, sum, size, oneLine(e.SHA256), e.Size)
		}
	}
	return nil
}

// undeterminedLine says how many findings are error and why ("" or
// " (timeout 2, ...)"), in the number their count asks for.
func undeterminedLine(count int, why string) string {
	they := "they are"
	if count == 1 {
		they = "it is"
	}
	return fmt.Sprintf("%s %s could not be determined%s; %s reported as error, not as pass or fail",
		templates.Num(count), plural(count, "finding", "findings"), why, they)
}
