package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"senderproof/assess"
	"senderproof/mappings"
	"senderproof/report"
	"senderproof/templates"
)

func verifyCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check an evidence pack against its manifest and replay its findings offline",
		UsageText: "senderproof verify [--pubkey KEY.pem] [--mappings DIR] [--templates DIR] [--baseline EVIDENCE.json] DIR",
		Description: "Recomputes the SHA-256 and size of every file listed in DIR/manifest.json and\n" +
			"exits non-zero naming each file that is missing or differs, and each pack file (evidence.json,\n" +
			"report.pdf, ...) present in DIR that the manifest does not list. When the manifest lists\n" +
			"evidence.json, it then checks that evidence.json is complete and consistent: one finding per\n" +
			"sender and check (per DKIM selector), drift findings matching the drift record, and the\n" +
			"summary, control roll-up and per-sender summaries equal to what the findings give with the\n" +
			"run's mapping files. It re-runs every finding offline, answering each check only from the\n" +
			"DNS exchanges recorded in that finding's evidence, and fails naming each finding whose\n" +
			"status, message, observed values or evidence come out different, or whose check needed DNS\n" +
			"data that is not in its evidence, and holds the findings' exchanges against each other\n" +
			"and the run: one exchange reads alike wherever it is recorded, went to a resolver the run\n" +
			"names and, but in a replay, within the run's time. It reads the run's inventory files again\n" +
			"when they are at hand as hashed, and fails unless the pack's assets are what they give.\n" +
			"It writes evidence.json again from what it read (so a\n" +
			"duplicated key, a key in other case or an unknown key, which JSON readers take differently,\n" +
			"fails) and findings.csv, report.xlsx, oscal-assessment-results.json and report.pdf\n" +
			"again from evidence.json, and fails naming any that differs. A pack made with --baseline has its drift compared with\n" +
			"the baseline again (the recorded path, or --baseline) and fails on any difference from its\n" +
			"drift record and drift.changed findings. A pack made with custom wording (--templates) or\n" +
			"extra mapping files (--mappings) is checked with the files its manifest records, when they\n" +
			"are still at their recorded paths and unchanged; give --templates or --mappings when they\n" +
			"have moved. Give --pubkey to check manifest.sig (a pack signed with assess --sign-key).\n\n" +
			"Exit codes: 0 the pack verifies; 1 bad usage, or an input verify cannot use (a --baseline\n" +
			"FILE it cannot read, a temporary directory it cannot write), so the pack was not checked;\n" +
			"2 the pack does not verify; 130 interrupted.",
		Flags: []cli.Flag{
			stringFlag("templates", nil, "", "directory of *.tmpl files the pack was worded with"),
			stringFlag("mappings", nil, "", "directory of the extra or overriding mapping files the pack was made with"),
			stringFlag("pubkey", nil, "", "Ed25519 public key (PEM) to check manifest.sig with"),
			stringFlag("baseline", nil, "", "evidence.json of the baseline run, when the pack was made with --baseline and that file has moved"),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return badInput(fmt.Errorf("verify takes one argument: the pack directory, after any flag (got %d)%s", c.NArg(), flagsLast(c.Args().Slice(), "senderproof verify --pubkey KEY DIR")))
			}
			dir := c.Args().First()
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				if err == nil && packMember(dir) {
					return badInput(fmt.Errorf("verify %s: give the pack directory, %s, not its %s", oneLine(dir), oneLine(filepath.Dir(dir)), oneLine(filepath.Base(dir))))
				}
				if errors.Is(err, fs.ErrNotExist) {
					return badInput(fmt.Errorf("verify %s: no such directory", oneLine(dir)))
				}
				return badInput(fmt.Errorf("verify %s: not a pack directory", oneLine(dir)))
			}
			// Bad usage first, whatever the pack: a file for a directory,
			// a bad --pubkey.
			if err := notEmpty(c, "pubkey", "templates", "mappings", "baseline"); err != nil {
				return err
			}
			for _, flag := range []string{"--templates", "--mappings"} {
				if err := notAFile(flag, c.String(strings.TrimPrefix(flag, "--"))); err != nil {
					return badInput(err)
				}
			}
			var pub ed25519.PublicKey
			if path := c.String("pubkey"); path != "" {
				var err error
				if pub, err = report.LoadPublicKey(path); err != nil {
					return badInput(fmt.Errorf("--pubkey: %w", err))
				}
			}
			if _, err := os.Lstat(filepath.Join(dir, report.ManifestFile)); errors.Is(err, fs.ErrNotExist) {
				return noManifest(dir)
			}
			// The manifest is read once: the signature is checked on the
			// bytes whose hashes are checked, and before anything the
			// manifest names (input files, recorded paths) is opened.
			mb, m, err := report.ReadManifestBytes(dir)
			if err != nil {
				return runFailed(err)
			}
			signed := false // the manifest's signature verified
			_, serr := os.Lstat(filepath.Join(dir, report.SignatureFile))
			// A run stopped between its manifest's and manifest.sig's
			// renames, or before it removed an earlier signature, leaves
			// the same: run again rather than remove files by hand.
			note := interruptedNote(dir)
			switch {
			case m.Signed != nil && !*m.Signed && serr == nil:
				// The run could not remove an earlier run's signature
				// (and said so): it signs no manifest of this run.
				fix := "remove " + filepath.Join(dir, report.SignatureFile)
				if note != "" {
					fix = note
				}
				return runFailed(fmt.Errorf("pack %s: %s is left from an earlier run: this run's manifest records that it was not signed; %s", dir, report.SignatureFile, fix))
			case m.Signed != nil && *m.Signed && errors.Is(serr, fs.ErrNotExist):
				if note != "" {
					return runFailed(fmt.Errorf("pack %s: the run signed its manifest, but %s is missing; %s", dir, report.SignatureFile, note))
				}
				return runFailed(fmt.Errorf("pack %s: the run signed its manifest, but %s is missing", dir, report.SignatureFile))
			}
			switch {
			case pub != nil && errors.Is(serr, fs.ErrNotExist):
				return runFailed(fmt.Errorf("pack %s: the pack is not signed (no %s), but --pubkey %s was given to check its signature", dir, report.SignatureFile, report.KeyFingerprint(pub)))
			case pub != nil:
				if err := report.VerifySignature(dir, mb, pub); err != nil {
					if errors.Is(err, report.ErrBadSignature) {
						return runFailed(fmt.Errorf("pack %s: %w with key %s: the manifest was changed after it was signed, or signed with another key", dir, err, report.KeyFingerprint(pub)))
					}
					return runFailed(fmt.Errorf("pack %s: %w", dir, err))
				}
				signed = true
				fmt.Fprintf(stdout, "%s: manifest signature verifies with key %s\n", oneLine(dir), report.KeyFingerprint(pub))
			case serr == nil:
				if _, err := report.ReadSignature(dir); err != nil {
					return runFailed(fmt.Errorf("pack %s: %w: the pack's signature is broken", dir, err))
				}
				fmt.Fprintf(stdout, "%s: %s present but NOT checked (give --pubkey): the checks below show that the files agree with the manifest and with each other, not who made them\n", oneLine(dir), report.SignatureFile)
			default:
				fmt.Fprintf(stdout, "%s: the manifest is not signed: the checks below show that the files agree with it and with each other, not who made them (see assess --sign-key)\n", oneLine(dir))
			}
			// Without --templates or --mappings, the run's own files are
			// used when the manifest records them and they are still where
			// it says, unchanged.
			var inventories []report.Input
			if slices.ContainsFunc(m.Inputs, func(in report.Input) bool { return in.Kind == "" }) {
				// A pack from before inputs had a kind: its inventories
				// are told apart by evidence.json's run.
				if run, err := report.ReadRun(filepath.Join(dir, "evidence.json")); err == nil {
					inventories = run.Inventories
				}
			}
			vt, err := newVerifyTemp()
			if err != nil {
				return err
			}
			defer vt.close()
			in := recordedSource{pack: dir, tmp: vt.dir, m: m, inventories: inventories, signed: signed}
			tplDir, cleanTpl, err := inputDir(stdout, in, c.String("templates"), "--templates", report.InputTemplates, ".tmpl")
			if err != nil {
				return keepCode(err)
			}
			defer cleanTpl()
			mapDir, cleanMap, err := inputDir(stdout, in, c.String("mappings"), "--mappings", report.InputMappings, ".yaml", ".yml")
			if err != nil {
				return keepCode(err)
			}
			defer cleanMap()
			tpl, err := templates.Load(tplDir)
			if err != nil {
				return badInput(err)
			}
			set, err := mappings.Load(mapDir)
			if err != nil {
				return badInput(lintFailed(err))
			}
			noteEmptyDir(stdout, "--templates", c.String("templates"), ".tmpl")
			noteEmptyDir(stdout, "--mappings", c.String("mappings"), ".yaml", ".yml")
			problems := append(report.VerifyHashes(c.Context, dir, m), report.UnlistedPackFiles(dir, m)...)
			problems = append(problems, report.ForeignListed(m)...)
			if err := c.Context.Err(); err != nil {
				return err
			}
			if len(problems) > 0 {
				errs := make([]error, len(problems))
				for i, p := range problems {
					errs[i] = p
				}
				if note != "" {
					errs = append(errs, errors.New(note))
				}
				return runFailed(fmt.Errorf("pack %s does not match its manifest:\n%w", dir, errors.Join(errs...)))
			}
			fmt.Fprintf(stdout, "%s: %d %s the manifest (run %s)\n", oneLine(dir), len(m.Files), plural(len(m.Files), "file matches", "files match"), oneLine(m.RunID))
			others, err := report.Uncovered(dir, m)
			if err != nil {
				return runFailed(err)
			}
			if len(others) > 0 {
				fmt.Fprintf(stdout, "%s: not covered by the manifest, so not verified: %s\n", oneLine(dir), oneLine(strings.Join(others, ", ")))
			}
			if m.ReplayOf != "" {
				fmt.Fprintf(stdout, "%s: an offline replay of run %s%s\n", oneLine(dir), oneLine(m.ReplayOf), replaySource(m))
			}
			if !m.Listed("evidence.json") {
				fmt.Fprintf(stdout, "%s: no evidence.json in the manifest, so the findings were not checked for completeness or replayed\n", oneLine(dir))
				return nil
			}
			return verifyEvidence(c.Context, stdout, stderr, vt.dir, filepath.Join(dir, "evidence.json"), m, tpl, set, packEvidence(c.String("baseline")), signed)
		},
	}
}

// noManifest is verify's answer for a directory without manifest.json: a
// pack whose manifest is gone, or one a run was killed in while it put its
// files in place, does not verify (exit 2); a directory that holds no pack
// file is no pack, and was not checked (exit 1).
func noManifest(dir string) error {
	if note := interruptedNote(dir); note != "" {
		return runFailed(fmt.Errorf("pack %s: no %s: %s", oneLine(dir), report.ManifestFile, note))
	}
	if present := report.PresentPackFiles(dir); len(present) > 0 {
		return runFailed(fmt.Errorf("pack %s: %s is missing, so %s cannot be checked: nothing says which run %s", oneLine(dir), report.ManifestFile,
			strings.Join(present, ", "), plural(len(present), "it is of", "they are of")))
	}
	return badInput(fmt.Errorf("verify %s: not a pack directory (no %s)", oneLine(dir), report.ManifestFile))
}

// interruptedNote says what a run killed while it put its files in place
// left in dir (report.InterruptedCommit), or "" when it left nothing.
func interruptedNote(dir string) string {
	journal, old := report.InterruptedCommit(dir)
	var what []string
	if journal {
		what = append(what, "its record "+report.JournalFile+" is left")
	}
	if old > 0 {
		what = append(what, fmt.Sprintf("earlier files are kept aside as .senderproof-*.old (%d)", old))
	}
	if len(what) == 0 {
		return ""
	}
	// The record is also left by a run that could not remove an
	// earlier file (made immutable), which said so when it ended.
	return fmt.Sprintf("a run was stopped while it put its files in place, or could not remove an earlier run's file (%s), so this directory may hold files of two runs; run the assessment again, which replaces them (once any file it said it could not remove can be)", strings.Join(what, "; "))
}

// recordedSource is where verify may take the run's recorded input files
// from: the pack, its manifest, the scratch directory to gather them in,
// and whether the manifest's signature verified.
type recordedSource struct {
	pack, tmp   string
	m           *report.Manifest
	inventories []report.Input
	signed      bool
}

// inputDir returns given, the directory a flag named (or the run's files
// among more there, recordedAmong), or when it is "" the run's recorded
// files of that kind (recordedInputs), saying which are used or why they
// cannot be; the cleanup removes what was gathered. Wording files that are
// not the run's are bad input, the pack not checked (givenWording).
func inputDir(stdout io.Writer, src recordedSource, given, flag, kind string, exts ...string) (string, func(), error) {
	pack, tmp, m := src.pack, src.tmp, src.m
	if given != "" {
		// The run's files among more (a framework added since): those
		// alone, found by their hashes.
		if d, note, cleanup, err := recordedAmong(m, src.inventories, tmp, given, flag, kind, exts...); err != nil || d != "" {
			if note != "" {
				fmt.Fprintf(stdout, "%s: %s\n", oneLine(pack), note)
			}
			return d, cleanup, err
		}
		if kind == report.InputTemplates {
			// Every message follows from the run's wording: with other
			// files, the run's own messages would fail (mapping files
			// that differ leave the controls to the pack's own record).
			note, err := givenWording(m, src.inventories, pack, given, flag, exts...)
			if err != nil {
				return "", func() {}, err
			}
			if note != "" {
				fmt.Fprintf(stdout, "%s: %s\n", oneLine(pack), note)
				return "", func() {}, nil
			}
		}
		if note := givenNotRecorded(m, src.inventories, given, kind, exts...); note != "" {
			fmt.Fprintf(stdout, "%s: %s %s: %s\n", oneLine(pack), flag, oneLine(given), note)
		}
		return given, func() {}, nil
	}
	if !src.signed {
		// Files in the pack's own directory can be changed by whoever
		// can change the pack, and the manifest that names them along
		// with it: without a verified signature they are not taken as
		// the run's.
		if inside := inputsInPack(m, pack, src.inventories, kind, exts...); len(inside) > 0 {
			note := fmt.Sprintf("the run's %s files lie in the pack's own directory (%s), where whoever can edit the pack can edit them too: verify takes them as the run's only when the manifest's signature verifies (--pubkey); give %s DIR", flag, oneLine(strings.Join(inside, ", ")), flag)
			if kind == report.InputTemplates {
				return "", func() {}, badInput(fmt.Errorf("%s: the pack was not checked: %s", oneLine(pack), note))
			}
			fmt.Fprintf(stdout, "%s: %s\n", oneLine(pack), note)
			return "", func() {}, nil
		}
	}
	d, note, cleanup, err := recordedInputs(m, tmp, src.inventories, flag, kind, exts...)
	if err != nil {
		return "", cleanup, err
	}
	if d == "" && note != "" && kind == report.InputTemplates {
		// The findings' messages follow from the run's wording alone:
		// without it every overridden message would differ, which is no
		// finding of the pack's.
		cleanup()
		return "", func() {}, badInput(fmt.Errorf("%s: the pack was not checked: %s", oneLine(pack), note))
	}
	if note != "" {
		fmt.Fprintf(stdout, "%s: %s\n", oneLine(pack), note)
	}
	return d, cleanup, nil
}

// givenWording checks a --templates DIR given to verify that holds
// neither exactly the run's wording files nor them and more
// (recordedAmong): when it lacks one the manifest records (by SHA-256),
// the pack cannot be checked (bad input: exit 1, as without the files at
// all); when the run used none, DIR's files are not the run's wording and
// the note returned says verify leaves them out for the embedded wording.
// It returns "" and no error when DIR holds the run's files, or cannot be
// read (the loader then says why).
func givenWording(m *report.Manifest, inventories []report.Input, pack, given, flag string, exts ...string) (string, error) {
	recorded := recordedOfKind(m, inventories, report.InputTemplates, exts...)
	ins, err := dirInputs(given, report.InputTemplates, exts...)
	if err != nil {
		return "", nil
	}
	have := map[string]bool{}
	for _, in := range ins {
		have[in.SHA256] = true
	}
	var missing []string
	for _, in := range recorded {
		if !have[in.SHA256] {
			missing = append(missing, oneLine(in.Path))
		}
	}
	switch {
	case len(missing) > 0:
		return "", badInput(fmt.Errorf("%s: the pack was not checked: %s %s does not hold the run's wording files: %d of the %d the manifest records %s not there by %s (%s), and every message follows from them; give %s DIR holding the files the run used",
			oneLine(pack), flag, oneLine(given), len(missing), len(recorded), plural(len(missing), "is", "are"), plural(len(missing), "its hash", "their hashes"), strings.Join(missing, ", "), flag))
	case len(recorded) == 0 && len(ins) > 0:
		var left []string
		for _, in := range ins {
			left = append(left, oneLine(filepath.Base(in.Path)))
		}
		return fmt.Sprintf("%s %s: the run used no wording files (only the embedded ones), so verify checks its messages with those, leaving out the %d %s there (%s)",
			flag, oneLine(given), len(ins), plural(len(ins), "file", "files"), strings.Join(left, ", ")), nil
	}
	return "", nil
}

// givenNotRecorded says when the files of a --templates or --mappings DIR
// given to verify are not those the manifest records for the run (by
// SHA-256; recordedOfKind), or "" when they are, or when the manifest
// records none and DIR holds none.
func givenNotRecorded(m *report.Manifest, inventories []report.Input, dir, kind string, exts ...string) string {
	var recorded []string
	for _, in := range recordedOfKind(m, inventories, kind, exts...) {
		recorded = append(recorded, in.SHA256)
	}
	ins, err := dirInputs(dir, kind, exts...)
	if err != nil {
		return ""
	}
	var given []string
	for _, in := range ins {
		given = append(given, in.SHA256)
	}
	slices.Sort(recorded)
	slices.Sort(given)
	if slices.Equal(recorded, given) {
		return ""
	}
	if len(recorded) == 0 {
		return "the run used none (only the embedded ones): what these files change is checked against them, not the run's"
	}
	matched := 0
	for _, h := range given {
		if slices.Contains(recorded, h) {
			matched++
		}
	}
	return fmt.Sprintf("not the files the run used (it holds %d of the %d the manifest records, by their hashes, and %d others): what they change is checked against them, not the run's",
		matched, len(recorded), len(given)-matched)
}

// recordedInputs gathers the run's input files of one kind (its
// --templates or --mappings files, recorded in the manifest's inputs with
// their SHA-256; in a pack from before inputs had a kind, the files with
// one of exts that are not among the run's inventories) into a new directory, when every one of them is still at
// its recorded path with its recorded hash: verify then uses what the run
// used without being told where it is. It returns "" when the run had none,
// and a note when they cannot be used (moved or changed), in which case
// verify goes on with the embedded files and says what is missing.
func recordedInputs(m *report.Manifest, tmp string, inventories []report.Input, flag, kind string, exts ...string) (dir, note string, cleanup func(), err error) {
	cleanup = func() {}
	files := recordedOfKind(m, inventories, kind, exts...)
	if len(files) == 0 {
		return "", "", cleanup, nil
	}
	var paths []string
	for _, in := range files {
		paths = append(paths, oneLine(in.Path))
	}
	contents, bad := readRecorded(files, m.InputPath)
	if bad >= 0 {
		return "", fmt.Sprintf("the run's %s files are not where the manifest recorded them, or have changed (%s); give %s DIR holding them", flag, oneLine(files[bad].Path), flag), cleanup, nil
	}
	staged, cleanup, err := stageInputs(tmp, files, contents)
	if err != nil {
		return "", "", cleanup, err
	}
	return staged, fmt.Sprintf("using the run's %s files as the manifest records them: %s", flag, strings.Join(paths, ", ")), cleanup, nil
}

// recordedOfKind returns the run's recorded input files of one kind: those
// of that kind, and in a pack from before inputs had a kind, those with
// one of exts that are not among the run's inventories.
func recordedOfKind(m *report.Manifest, inventories []report.Input, kind string, exts ...string) []report.Input {
	var files []report.Input
	for _, in := range m.Inputs {
		if in.Kind == kind || in.Kind == "" && slices.Contains(exts, strings.ToLower(filepath.Ext(in.Path))) && !slices.Contains(inventories, in) {
			files = append(files, in)
		}
	}
	return files
}

// inputsInPack returns the run's recorded inputs of one kind (recordedOfKind:
// the same files verify would take as the run's) that lie in the pack's
// directory or below it.
func inputsInPack(m *report.Manifest, dir string, inventories []report.Input, kind string, exts ...string) []string {
	// Where the files are, not how their paths read: through a symbolic
	// link, /proc/self/cwd or a bind mount, a file in the pack may be
	// named by a path outside it.
	real := func(p string) (string, bool) {
		a, err := filepath.Abs(p)
		if err != nil {
			return "", false
		}
		if r, err := filepath.EvalSymlinks(a); err == nil {
			return r, true
		}
		if r, err := filepath.EvalSymlinks(filepath.Dir(a)); err == nil {
			return filepath.Join(r, filepath.Base(a)), true // the file gone, its directory not
		}
		return a, true
	}
	packDir, ok := real(dir)
	if !ok {
		return nil
	}
	var out []string
	for _, in := range recordedOfKind(m, inventories, kind, exts...) {
		p, ok := real(m.InputPath(in))
		if !ok {
			continue
		}
		if rel, err := filepath.Rel(packDir, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			out = append(out, in.Path)
		}
	}
	return out
}

// readRecorded reads each of files at path(file), once, so that what is
// hashed is what is used, and returns their contents, or the index of
// the first that cannot be read or no longer has its recorded SHA-256
// (-1 when all can). Each must be a regular file (a pipe or device could
// hang verify or fill its memory) far below 16 MiB, as any template or
// mapping file is.
func readRecorded(files []report.Input, path func(report.Input) string) ([][]byte, int) {
	contents := make([][]byte, len(files))
	for i, in := range files {
		b, err := report.ReadRegular(path(in), 16<<20, true)
		if err != nil || sha256Of(b) != in.SHA256 {
			return nil, i
		}
		contents[i] = b
	}
	return contents, -1
}

// stageInputs writes the contents of files into a new directory under
// parent (verify's own) for a loader to read; the cleanup removes it.
func stageInputs(parent string, files []report.Input, contents [][]byte) (string, func(), error) {
	tmp, err := os.MkdirTemp(parent, "inputs-")
	if err != nil {
		return "", func() {}, tempTrouble(err)
	}
	cleanup := func() { os.RemoveAll(tmp) }
	for i, in := range files {
		// Numbered, so two files of one name from different directories
		// do not collide; the loaders read every file, in name order.
		if err := os.WriteFile(filepath.Join(tmp, fmt.Sprintf("%03d-%s", i, filepath.Base(in.Path))), contents[i], 0o600); err != nil {
			cleanup()
			return "", func() {}, tempTrouble(err)
		}
	}
	return tmp, cleanup, nil
}

// recordedAmong gathers, when the directory given to verify's flag holds
// every file of kind the manifest records (recordedOfKind, by SHA-256) and
// more besides, the recorded ones alone into a new directory, saying which
// it leaves out; "" when the directory holds exactly the run's files, or
// not all of them (givenWording or givenNotRecorded then says so).
func recordedAmong(m *report.Manifest, inventories []report.Input, tmp, given, flag, kind string, exts ...string) (dir, note string, cleanup func(), err error) {
	cleanup = func() {}
	want := map[string]bool{}
	for _, in := range recordedOfKind(m, inventories, kind, exts...) {
		want[in.SHA256] = true
	}
	ins, err := dirInputs(given, kind, exts...)
	if err != nil || len(want) == 0 || len(ins) <= len(want) {
		return "", "", cleanup, nil
	}
	var files, others []report.Input
	found := map[string]bool{}
	for _, in := range ins {
		if want[in.SHA256] && !found[in.SHA256] {
			found[in.SHA256] = true
			files = append(files, in)
		} else {
			others = append(others, in)
		}
	}
	if len(found) != len(want) {
		return "", "", cleanup, nil
	}
	contents, bad := readRecorded(files, func(in report.Input) string { return in.Path })
	if bad >= 0 {
		return "", "", cleanup, nil // changed meanwhile: as if not found
	}
	dir, cleanup, err = stageInputs(tmp, files, contents)
	if err != nil {
		return "", "", cleanup, err
	}
	var left []string
	for _, in := range others {
		left = append(left, oneLine(filepath.Base(in.Path)))
	}
	return dir, fmt.Sprintf("%s %s: using the run's %d %s found there by %s, not the %d %s (%s)", flag, oneLine(given),
		len(files), plural(len(files), "file", "files"), plural(len(files), "its hash", "their hashes"),
		len(others), plural(len(others), "other", "others"), strings.Join(left, ", ")), cleanup, nil
}

// verifyEvidence checks the evidence.json of a pack whose files match its
// manifest: it belongs to the manifest's run, its findings are complete and
// replay from their own evidence, and its roll-ups are what its findings
// give with the loaded mapping files.
func verifyEvidence(ctx context.Context, stdout, stderr io.Writer, tmp, path string, m *report.Manifest, tpl *templates.Set, set *mappings.Set, baseline string, signed bool) error {
	run, err := report.ReadRun(path)
	if err != nil {
		return runFailed(err)
	}
	if run.ID != m.RunID {
		return runFailed(fmt.Errorf("evidence.json: run.id %s is not the manifest's run_id %s; nothing was replayed", oneLine(run.ID), oneLine(m.RunID)))
	}
	mapper, loaded := report.FromMappings(set)
	mappingProblems := report.CompareMappings(run.Mappings, loaded)

	// Findings are checked as they are read, so a pack of any size is
	// verified without holding it in memory.
	var v *assess.Verifier
	var pc *report.PackCheck
	var bad []assess.ReplayProblem
	noteReading(stdout, "and replaying", path)
	// A large pack takes minutes: on a terminal, a bar counts the senders
	// whose findings were replayed (findings come in sender order).
	progress, finish := func(int, int) {}, func() {}
	senders, last := 0, ""
	// The findings are spooled again as they are read, to write the
	// pack's other files again from them and compare.
	var rd *report.Rederiver
	defer func() {
		if rd != nil {
			_ = rd.Close()
		}
	}()
	p, err := report.ScanPack(path, func(assets []assess.Asset, f *assess.Finding) error {
		if v == nil {
			v = assess.NewVerifier(assets, tpl)
			pc = report.NewPackCheck(assets, mapper, tpl, len(mappingProblems) == 0)
			pc.Replay = isReplay(m)
			if show, done := progressReporter(stderr, "verifying", len(assets)); show != nil {
				progress, finish = show, done
			}
			var err error
			if rd, err = report.NewRederiver(tmp, assets); err != nil {
				return tempTrouble(err)
			}
		}
		if f.Asset != last || senders == 0 {
			senders, last = senders+1, f.Asset
			progress(senders, 0)
		}
		if prob := v.Check(ctx, *f); prob != nil {
			bad = append(bad, *prob)
		}
		pc.Add(f)
		if err := rd.Add(f); err != nil {
			return err
		}
		return ctx.Err()
	})
	finish()
	if err != nil {
		var coded *codedError
		if errors.Is(err, context.Canceled) || errors.As(err, &coded) {
			return err
		}
		return runFailed(err)
	}
	if pc == nil {
		pc = report.NewPackCheck(p.Assets, mapper, tpl, len(mappingProblems) == 0)
		pc.Replay = isReplay(m)
	}
	if rd == nil {
		if rd, err = report.NewRederiver(tmp, p.Assets); err != nil {
			return tempTrouble(err)
		}
	}
	// Mapping files that are not the run's (moved, changed, or none given
	// for a run that had its own) leave the controls unchecked, which
	// verify says; the pack's files and findings are checked all the same.
	inconsistent := pc.Finish(p)
	driftNote := ""
	if p.Drift != nil {
		problems, note, err := rederiveDrift(ctx, stdout, path, p, m, pc, baseline, signed)
		var coded *codedError
		switch {
		case errors.As(err, &coded):
			return err
		case err != nil:
			return runFailed(err)
		}
		inconsistent = append(inconsistent, problems...)
		driftNote = note
	} else if baseline != "" {
		driftNote = fmt.Sprintf("--baseline %s not used: the pack has no drift record (it was not made with --baseline)", baseline)
	}
	// A replay makes the recheck only from a recorded one: a replay of a
	// pack made before it was kept has none.
	offReplayed, offProblems := report.CheckOffboarding(ctx, p, tpl, p.Tool.Name == "senderproof" && p.Tool.Version == version &&
		(!isReplay(m) || missingRecheck(p) && replayedRecheck(ctx, m)))
	if ctx.Err() != nil {
		return ctx.Err()
	}
	inconsistent = append(inconsistent, offProblems...)
	n := 0
	if v != nil {
		n = v.Replayed
	}
	inconsistent = append(inconsistent, manifestAgrees(m, p)...)
	inconsistent = append(inconsistent, report.MappingMetaProblems(p.Run.Mappings, loaded)...)
	shippedProblems, shippedNote := shippedFrameworks(p)
	inconsistent = append(inconsistent, shippedProblems...)
	if p.Tool.Name == "senderproof" && p.Tool.Version == version {
		inconsistent = append(inconsistent, report.CheckRecordProblems(p.Run.Checks)...)
	}
	invProblems, invNote := inventoryAgrees(m, p)
	inconsistent = append(inconsistent, invProblems...)
	// The files that follow byte for byte from evidence.json are written
	// again from it: a GRC import edited (and the manifest re-hashed)
	// no longer passes for the run's.
	if st, err := os.Stat(path); err == nil && st.Size() >= largeEvidence {
		if again := report.RederivableFiles(m); len(again) > 0 {
			fmt.Fprintf(stdout, "senderproof: writing %s again from evidence.json to compare...\n", strings.Join(again, ", "))
		}
	}
	rederived, compared, err := rd.RederiveFiles(ctx, p, m, tpl, m.ReplayOf)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		if isLocalTrouble(err) {
			return tempTrouble(err)
		}
		return runFailed(err)
	}
	var sections []error
	if len(rederived) > 0 {
		errs := make([]error, len(rederived))
		for i, p := range rederived {
			errs[i] = p
		}
		sections = append(sections, fmt.Errorf("%d of the pack's files %s from its evidence.json:\n%w", len(rederived), plural(len(rederived), "does not follow", "do not follow"), errors.Join(errs...)))
	}
	if len(inconsistent) > 0 {
		sections = append(sections, fmt.Errorf("evidence.json is incomplete or inconsistent with its findings:\n%w", errors.Join(inconsistent...)))
	}
	if len(bad) > 0 {
		errs := make([]error, len(bad))
		for i, p := range bad {
			errs[i] = p
		}
		sections = append(sections, fmt.Errorf("%d of %d findings do not replay from their evidence:\n%w", len(bad), n, errors.Join(errs...)))
	}
	if len(sections) > 0 && (p.Tool.Version != version || p.Tool.Build != build || build == "") {
		// Checks, wording and the pack's summaries change between
		// versions, and between builds of one: a pack is checked
		// faithfully only by the build that made it.
		made := ""
		if p.Tool.Build != "" {
			made = " (build " + oneLine(p.Tool.Build) + ")"
		}
		if p.Tool.Version == version && p.Tool.Build == build {
			// Neither binary records its build: another build of
			// this version cannot be told from this one.
			sections = append(sections, fmt.Errorf("note: the pack was made by %q version %q and this is version %s; neither records the source revision it was built from, so if the pack came from another build of that version (see go build -buildvcs), a check, its wording or the pack's summaries may differ between the two: verify it with the binary that made it before taking a difference for tampering",
				p.Tool.Name, p.Tool.Version, version))
		} else {
			sections = append(sections, fmt.Errorf("note: the pack was made by %q version %q%s and this is version %s; a check, its wording or the pack's summaries may have changed between the two, so verify it with the version that made it before taking a difference for tampering",
				p.Tool.Name, p.Tool.Version, made, versionText()))
		}
	}
	if len(sections) > 0 {
		return runFailed(errors.Join(sections...))
	}
	if len(mappingProblems) == 0 {
		fmt.Fprintf(stdout, "%d findings complete; summary, controls and per-asset summaries match them\n", p.Summary.Findings)
	} else {
		fmt.Fprintf(stdout, "%d findings complete; summary, controls as the pack records them and per-asset summaries match them\n", p.Summary.Findings)
		var why []string
		for _, e := range mappingProblems {
			why = append(why, strings.TrimPrefix(e.Error(), "run.mappings: "))
		}
		fmt.Fprintf(stdout, "controls: checked against the pack's own record only (each control's state and counts against the findings that name it, and those findings against the checks it lists), not against mapping files: the loaded ones are not the run's (%s)\n", strings.Join(why, "; "))
	}
	fmt.Fprintf(stdout, "%d findings replayed: all match\n", n)
	if d := p.Drift; d != nil && len(d.Offboarding) > 0 {
		fmt.Fprintf(stdout, "drift.offboarding: %d removed %s rechecked; their %d findings replayed and verdicts judged again: all match\n",
			len(d.Offboarding), plural(len(d.Offboarding), "sender", "senders"), offReplayed)
	} else if d != nil && len(d.Removed) > 0 {
		// A pack of a version that did not recheck them (or one that
		// says so of itself): nothing proves what DNS still says.
		fmt.Fprintf(stdout, "drift.offboarding: none; the pack (made by %s %s) holds no recheck of its %d removed %s, so nothing in it says what DNS still vouches for\n",
			oneLine(p.Tool.Name), oneLine(p.Tool.Version), len(d.Removed), plural(len(d.Removed), "sender", "senders"))
	}
	if slices.Contains(compared, "evidence.json") {
		fmt.Fprintln(stdout, "evidence.json: written again from what was read of it, the same bytes (in the form senderproof writes: no key given twice or in other case)")
		compared = slices.DeleteFunc(compared, func(f string) bool { return f == "evidence.json" })
	}
	if len(compared) > 0 {
		fmt.Fprintf(stdout, "%s: written again from evidence.json, the same bytes\n", strings.Join(compared, ", "))
	}
	if invNote != "" {
		fmt.Fprintln(stdout, invNote)
	}
	if shippedNote != "" {
		fmt.Fprintln(stdout, shippedNote)
	}
	if n := len(p.Run.Notes); n > 0 && !signed {
		// No finding gives them: a note deleted or added shows only
		// under a signature.
		fmt.Fprintf(stdout, "run notes: %d, not checked (no finding gives them; a signed manifest covers them)\n", n)
	}
	if driftNote != "" {
		fmt.Fprintln(stdout, driftNote)
	}
	if p.Tool.Name != "senderproof" || p.Tool.Version != version {
		// What holds for a pack of this version only was not asked of
		// it: say so, or a relabelled version would pass unremarked.
		fmt.Fprintf(stdout, "note: the pack says it was made by %q version %q, not this version (%s): its checks' descriptions (run.checks), the shipped frameworks it loaded, its inputs' kinds and its offboarding recheck were not held to what this version makes; verify it with that version for those\n",
			oneLine(p.Tool.Name), oneLine(p.Tool.Version), versionText())
	}
	return nil
}

// rederiveDrift compares the pack at path with its baseline again: the
// baseline evidence at the recorded path (or at baseline, when given), which
// must be the recorded baseline run and, when the manifest hashed it, the
// same file. It returns the differences from the pack's drift record and
// drift findings, and a line saying what was done; when the baseline cannot
// be had, the drift findings rest on the checks against the drift record
// alone, and the line says so.
func rederiveDrift(ctx context.Context, stdout io.Writer, path string, p *report.Pack, m *report.Manifest, pc *report.PackCheck, baseline string, signed bool) ([]error, string, error) {
	// A relative path is the run's: from the directory it started in.
	basePath := m.InputPath(report.Input{Path: p.Drift.Baseline})
	if baseline != "" {
		if err := matchesManifest("--baseline", baseline); err != nil {
			return nil, "", badInput(err)
		}
		basePath = baseline
	}
	notDone := func(why string) ([]error, string, error) {
		if baseline != "" {
			// The file given cannot serve: bad input, not a pack fault.
			return nil, "", badInput(fmt.Errorf("--baseline: %s", why))
		}
		return nil, fmt.Sprintf("drift findings: checked against the drift record only; not compared with the baseline again: %s (give --baseline)", why), nil
	}
	if baseline == "" && !baselineListed(m, p.Drift.Baseline) {
		// manifestAgrees reports it: a file the run never hashed is no
		// baseline to compare with.
		return notDone(fmt.Sprintf("the drift record's baseline %s is not among the manifest's inputs", oneLine(p.Drift.Baseline)))
	}
	// otherFile says that the file at the recorded path is not the one the
	// manifest hashed. It is compared all the same when it is the recorded
	// baseline run: a baseline is not edited after its run, so the hash in
	// the manifest may be what was edited, to spare a hidden change this
	// comparison.
	otherFile := ""
	for _, in := range m.Inputs {
		if in.Path != p.Drift.Baseline || baseline != "" {
			continue
		}
		// A file the manifest names may be any size: hashing it stops
		// at an interrupt.
		sum, _, err := report.FileSHA256(ctx, basePath)
		if err != nil {
			return notDone(fmt.Sprintf("%s cannot be read (%v)", oneLine(basePath), err))
		}
		if sum != in.SHA256 {
			otherFile = fmt.Sprintf("%s is no longer the file the manifest hashed (sha256 %s, manifest %s)", oneLine(basePath), sum, oneLine(in.SHA256))
			if signed {
				// The signed hash is the run's: the baseline changed.
				return notDone(otherFile)
			}
		}
	}
	noteReading(stdout, "the baseline", basePath)
	base, err := report.ReadPackForDrift(ctx, basePath)
	if errors.Is(err, context.Canceled) {
		return nil, "", err
	}
	if err != nil {
		return notDone(fmt.Sprintf("%s cannot be read (%v)", oneLine(basePath), err))
	}
	if base.Run.ID != p.Drift.BaseRun {
		if baseline != "" {
			// The wrong file given: bad input, not a pack fault.
			return nil, "", badInput(fmt.Errorf("--baseline %s is run %s, but the pack's drift record names baseline run %s", oneLine(basePath), oneLine(base.Run.ID), oneLine(p.Drift.BaseRun)))
		}
		if otherFile != "" {
			return notDone(otherFile + fmt.Sprintf(", and it is run %s, not the recorded baseline run %s", oneLine(base.Run.ID), oneLine(p.Drift.BaseRun)))
		}
		return notDone(fmt.Sprintf("%s is now run %s, not the recorded baseline run %s", oneLine(basePath), oneLine(base.Run.ID), oneLine(p.Drift.BaseRun)))
	}
	// A second read of evidence.json, for drift packs only, compared as it
	// is read: keeping every pack's compared values through the first pass
	// would cost memory in proportion to the fleet for the many packs
	// without drift.
	undetermined := pc.DriftUndetermined()
	noteReading(stdout, "and comparing with it", path)
	cmp, cur, err := report.ComparePackFile(ctx, base, p.Drift.Baseline, path)
	if err != nil {
		return nil, "", err
	}
	problems := report.RederiveDrift(cmp, cur, undetermined)
	// This read is not the one whose bytes were written again: it must
	// be the file the manifest hashed, not one put in its place since.
	for _, f := range m.Files {
		if f.Path == "evidence.json" && f.SHA256 != cur.ReadSHA256() {
			problems = append(problems, fmt.Errorf("evidence.json changed while verify read it: its read for the drift comparison is not the file the manifest hashed"))
		}
	}
	if otherFile != "" {
		if len(problems) > 0 {
			problems = append([]error{fmt.Errorf("%s, but it is the recorded baseline run %s, and compared with it again the drift differs:", otherFile, oneLine(p.Drift.BaseRun))}, problems...)
			return problems, "", nil
		}
		return nil, fmt.Sprintf("drift findings: compared with baseline %s (run %s) again: all match; note: %s", oneLine(basePath), oneLine(p.Drift.BaseRun), otherFile), nil
	}
	return problems, fmt.Sprintf("drift findings: compared with baseline %s (run %s) again: all match", oneLine(basePath), oneLine(p.Drift.BaseRun)), nil
}

// replaySource says where a replay's answers came from: the recorded
// evidence.json and its hash, and whether that file is a pack's own, as
// the manifest beside it lists it. A replay is only as good as the file
// it replayed: an evidence.json edited outside a pack replays cleanly.
func replaySource(m *report.Manifest) string {
	i := slices.IndexFunc(m.Inputs, func(in report.Input) bool { return in.Kind == report.InputReplay })
	if i < 0 {
		return ""
	}
	in := m.Inputs[i]
	path := m.InputPath(in)
	out := fmt.Sprintf(", replayed from %s (sha256 %s)", oneLine(path), oneLine(in.SHA256))
	sum, _, err := report.FileSHA256(context.Background(), path)
	switch {
	case err != nil:
		return out + ": that file is not at hand; compare its hash with evidence.json's in that run's manifest"
	case sum != in.SHA256:
		return out + ": the file there now is another (sha256 " + sum + ")"
	}
	orig, err := report.ReadManifest(filepath.Dir(path))
	if err != nil || filepath.Base(path) != "evidence.json" {
		return out + ": no pack's manifest lists that file, so nothing shows it is the recorded run's evidence as written"
	}
	for _, f := range orig.Files {
		if f.Path == "evidence.json" && f.SHA256 == in.SHA256 && orig.RunID == m.ReplayOf {
			return out + ", the evidence.json its pack's manifest lists"
		}
	}
	return out + ": its pack's manifest lists another evidence.json or run, so it is not the recorded run's evidence as written"
}

// missingRecheck reports whether a pack's drift record has removed senders
// but no recheck of them: only then is a replay's source read to see
// whether it had one.
func missingRecheck(p *report.Pack) bool {
	return p.Drift != nil && len(p.Drift.Removed) > 0 && p.Drift.Offboarding == nil
}

// replayedRecheck reports whether a replay's source, the replayed
// evidence.json, is at hand as the manifest hashed it and holds an
// offboarding recheck, which the replay then must hold too.
func replayedRecheck(ctx context.Context, m *report.Manifest) bool {
	i := slices.IndexFunc(m.Inputs, func(in report.Input) bool { return in.Kind == report.InputReplay })
	if i < 0 {
		return false
	}
	path := m.InputPath(m.Inputs[i])
	if sum, _, err := report.FileSHA256(ctx, path); err != nil || sum != m.Inputs[i].SHA256 {
		return false
	}
	src, err := report.ScanPack(path, func([]assess.Asset, *assess.Finding) error { return ctx.Err() })
	return err == nil && src.Drift != nil && src.Drift.Offboarding != nil
}

// manifestAgrees compares what the manifest says of the run with
// evidence.json: the tool, and the inventory files and their hashes.
func manifestAgrees(m *report.Manifest, p *report.Pack) []error {
	var out []error
	if m.Tool != p.Tool {
		out = append(out, fmt.Errorf("manifest.json names the tool %s, evidence.json %s", oneLine(m.Tool.String()), oneLine(p.Tool.String())))
	}
	var listed []report.Input
	for _, in := range m.Inputs {
		if in.Kind == report.InputInventory {
			listed = append(listed, report.Input{Path: in.Path, SHA256: in.SHA256})
		}
	}
	if !slices.ContainsFunc(m.Inputs, func(in report.Input) bool { return in.Kind == "" }) && !slices.Equal(listed, p.Run.Inventories) {
		out = append(out, fmt.Errorf("manifest.json lists the inventory files %s, evidence.json's run %s", inputList(listed), inputList(p.Run.Inventories)))
	}
	// A pack of this version gives every input a kind, and every run but
	// a replay reads an inventory: a pack without them was edited to
	// escape the inventory's checks (packs of 0.2.0-dev and before give
	// inputs no kind).
	if p.Tool.Name == "senderproof" && p.Tool.Version == version {
		if i := slices.IndexFunc(m.Inputs, func(in report.Input) bool { return in.Kind == "" }); i >= 0 {
			out = append(out, fmt.Errorf("manifest.json lists the input %s without its kind, which this version of senderproof always records", oneLine(m.Inputs[i].Path)))
		}
		if len(listed) == 0 && m.ReplayOf == "" {
			out = append(out, errors.New("manifest.json lists no inventory among the run's inputs, though every run that is not a replay reads one"))
		}
	}
	// The inventory's hash, which the reports show, is that of its files.
	if len(p.Run.Inventories) > 0 {
		files := make([]assess.InputFile, len(p.Run.Inventories))
		for i, in := range p.Run.Inventories {
			files[i] = assess.InputFile{Path: in.Path, SHA256: in.SHA256}
		}
		if want := assess.InventorySHA256(files); p.Run.InventorySHA256 != want {
			out = append(out, fmt.Errorf("evidence.json's run.inventory_sha256 is %s, its inventory files give %s", oneLine(p.Run.InventorySHA256), want))
		}
	}
	switch {
	case m.ReplayOf != "" && !isReplay(m):
		out = append(out, fmt.Errorf("manifest.json says the pack is a replay of run %s, but lists no replayed evidence.json among its inputs", oneLine(m.ReplayOf)))
	case m.ReplayOf != "" && m.ReplayOf == p.Run.ID:
		out = append(out, fmt.Errorf("manifest.json says the pack is a replay of its own run %s", oneLine(m.ReplayOf)))
	}
	if p.Drift != nil && !baselineListed(m, p.Drift.Baseline) {
		out = append(out, fmt.Errorf("evidence.json's drift record names the baseline %s, which manifest.json does not list among the run's inputs", oneLine(p.Drift.Baseline)))
	}
	return out
}

// shippedFrameworks compares the run's frameworks with those shipped in
// this binary. Every run loads the shipped files, so a pack of this
// version without one of their frameworks was edited to leave it out; and
// a framework the run took from a file of its own, not the shipped one of
// that name, is said, since the reports show the shipped framework's name
// over it.
func shippedFrameworks(p *report.Pack) ([]error, string) {
	set, err := mappings.Load("")
	if err != nil {
		return nil, ""
	}
	// Another version shipped other files: nothing to compare with.
	if p.Tool.Name != "senderproof" || p.Tool.Version != version {
		return nil, ""
	}
	_, shipped := report.FromMappings(set)
	var problems []error
	var own []string
	for _, s := range shipped {
		i := slices.IndexFunc(p.Run.Mappings, func(r report.MappingRef) bool { return r.Framework == s.Framework })
		switch {
		case i < 0:
			problems = append(problems, fmt.Errorf("run.mappings lacks the shipped framework %s, which every run of this version loads", s.Framework))
		case p.Run.Mappings[i].SHA256 != s.SHA256:
			own = append(own, fmt.Sprintf("%s (sha256 %s, the shipped file's is %s)", s.Framework, oneLine(p.Run.Mappings[i].SHA256), s.SHA256))
		}
	}
	if len(own) == 0 {
		return problems, ""
	}
	return problems, "frameworks: the run mapped " + strings.Join(own, "; ") + " with a file of its own, not the one shipped with senderproof"
}

// isReplay reports whether the manifest records a replay: replay_of, and
// the replayed evidence.json among its inputs (the checks a replay is
// spared, of the run's time and inventory, are not turned off by
// replay_of alone).
func isReplay(m *report.Manifest) bool {
	// Packs of 0.2.0-dev and before give inputs no kind.
	return m.ReplayOf != "" && slices.ContainsFunc(m.Inputs, func(in report.Input) bool { return in.Kind == report.InputReplay || in.Kind == "" })
}

// baselineListed reports whether the manifest lists path as the run's
// baseline input (packs of 0.2.0-dev and before give inputs no kind).
func baselineListed(m *report.Manifest, path string) bool {
	return slices.ContainsFunc(m.Inputs, func(in report.Input) bool {
		return in.Path == path && (in.Kind == report.InputBaseline || in.Kind == "")
	})
}

func inputList(ins []report.Input) string {
	if len(ins) == 0 {
		return "(none)"
	}
	parts := make([]string, len(ins))
	for i, in := range ins {
		parts[i] = oneLine(in.Path) + " (sha256 " + oneLine(in.SHA256) + ")"
	}
	return strings.Join(parts, ", ")
}

// keepCode is runFailed(err), unless err already carries its exit code.
func keepCode(err error) error {
	var c *codedError
	if errors.As(err, &c) {
		return err
	}
	return runFailed(err)
}

// tempTrouble is verify's error when the system's temporary directory,
// where it copies inputs and writes files again, cannot be used: a fault
// of this machine, not of the pack, so bad usage (exit 1), not exit 2.
func tempTrouble(err error) error {
	var c *codedError
	if errors.As(err, &c) {
		return err
	}
	return badInput(fmt.Errorf("verify cannot use the temporary directory %s (%w), so the pack was not checked: set TMPDIR to a writable directory with room (%s)", os.TempDir(), err, tempNeed))
}

// tempNeed says how much room verify takes in the temporary directory.
const tempNeed = "as much as evidence.json's size for a pack of many findings with long messages, a quarter of it for most"

// isLocalTrouble reports whether err is the machine's (a full or
// read-only disk, a permission), not the pack's.
func isLocalTrouble(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EDQUOT) ||
		errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrNotExist)
}

// packMember reports whether the file path is one of a pack's: named as a
// file the pack writes (evidence.json, manifest.json, manifest.sig, a
// report), or beside a manifest.json, as a file added to a pack is.
func packMember(path string) bool {
	name := filepath.Base(path)
	if name == report.ManifestFile || name == report.SignatureFile || slices.Contains(report.PackFiles(), name) {
		return true
	}
	_, err := os.Lstat(filepath.Join(filepath.Dir(path), report.ManifestFile))
	return err == nil
}
