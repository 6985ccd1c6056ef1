package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"senderproof/report"
	"senderproof/templates"
)

// runInputs returns the manifest's inputs besides the inventories: the
// recorded evidence a replay re-assesses, the --baseline evidence, each
// --mappings file and each --templates file, with their SHA-256, in that
// order. The --templates files are those tpl was loaded from, hashed as
// they were read: a file edited since is recorded as the run used it.
func runInputs(cfg runConfig, tpl *templates.Set) ([]report.Input, error) {
	var ins []report.Input
	if cfg.ReplayPath != "" {
		ins = append(ins, report.Input{Path: cfg.ReplayPath, Kind: report.InputReplay})
	}
	if cfg.Baseline != "" {
		ins = append(ins, report.Input{Path: cfg.Baseline, Kind: report.InputBaseline})
	}
	if err := hashInputs(ins); err != nil {
		return nil, err
	}
	if cfg.Mappings != "" {
		more, err := dirInputs(cfg.Mappings, report.InputMappings, ".yaml", ".yml")
		if err != nil {
			return nil, fmt.Errorf("--mappings: %w", err)
		}
		ins = append(ins, more...)
	}
	if cfg.Templates != "" {
		for _, f := range tpl.Files() {
			ins = append(ins, report.Input{Path: f.Path, Kind: report.InputTemplates, SHA256: f.SHA256})
		}
	}
	return ins, nil
}

// dirInputs lists dir's files with one of exts as inputs of kind, hashed.
func dirInputs(dir, kind string, exts ...string) ([]report.Input, error) {
	files, err := dirFiles(dir, exts...)
	if err != nil {
		return nil, err
	}
	ins := make([]report.Input, len(files))
	for i, f := range files {
		ins[i] = report.Input{Path: f, Kind: kind}
	}
	return ins, hashInputs(ins)
}

// hashInputs sets the SHA-256 of each input.
func hashInputs(ins []report.Input) error {
	for i := range ins {
		sum, _, err := report.FileSHA256(context.Background(), ins[i].Path)
		if err != nil {
			return fmt.Errorf("hashing input %s: %w", ins[i].Path, err)
		}
		ins[i].SHA256 = sum
	}
	return nil
}

// dirFiles lists the regular files of dir with one of the extensions
// (compared case-insensitively), in name order: the files the mapping and
// template loaders read.
func dirFiles(dir string, exts ...string) ([]string, error) {
	files, bad, err := templates.DirFiles(dir, exts...)
	if err != nil {
		return nil, err
	}
	if len(bad) > 0 {
		errs := make([]error, len(bad))
		for i, b := range bad {
			errs[i] = b
		}
		return nil, errors.Join(errs...)
	}
	return files, nil
}

// recordedBaseline checks that the baseline a recorded run compared against
// is still at its recorded path and is that run, and the same file when the
// manifest beside replayPath hashed it, for a replay without --baseline,
// and returns the path to read it at: the recorded one, or, when that is
// relative and names nothing from the current directory, the same path
// from the directory the recorded run was started in (the manifest's
// workdir), as verify finds it.
func recordedBaseline(d *report.Drift, replayPath string) (string, error) {
	ask := "give --baseline with the evidence.json of run " + d.BaseRun + " to replay the drift findings"
	if d.Baseline == "" {
		return "", fmt.Errorf("--replay: the recorded run compared against baseline run %s, whose path is not recorded; %s", d.BaseRun, ask)
	}
	// The manifest beside the replayed file says what the baseline file
	// hashed to: the file read now must be that one.
	path, want := d.Baseline, ""
	if m, err := report.ReadManifest(filepath.Dir(replayPath)); err == nil {
		for _, in := range m.Inputs {
			if in.Kind == report.InputBaseline && in.Path == d.Baseline {
				want = in.SHA256
				if _, err := os.Stat(path); err != nil && !filepath.IsAbs(path) {
					path = m.InputPath(in)
				}
			}
		}
	}
	run, err := report.ReadRun(path)
	if err != nil {
		return "", fmt.Errorf("--replay: the recorded run compared against baseline %s (run %s), which cannot be read (%v); %s", path, d.BaseRun, err, ask)
	}
	if run.ID != d.BaseRun {
		return "", fmt.Errorf("--replay: the recorded run compared against baseline %s of run %s, but that file is now run %s; %s", path, d.BaseRun, run.ID, ask)
	}
	if want != "" {
		sum, _, err := report.FileSHA256(context.Background(), path)
		if err != nil {
			return "", fmt.Errorf("--replay: the recorded run compared against baseline %s (run %s), which cannot be read (%v); %s", path, d.BaseRun, err, ask)
		}
		if sum != want {
			return "", fmt.Errorf("--replay: baseline %s is still run %s, but no longer the file the run read (sha256 %s, the manifest recorded %s): it was changed since; %s", path, d.BaseRun, sum, want, ask)
		}
	}
	return path, nil
}

// inputInOut refuses a run whose --out holds one of its own inputs under a
// name the pack writes or removes: "--out q1 --baseline q1/evidence.json"
// would replace last quarter's evidence with this run's and leave nothing to
// compare with or verify against. Each input is given with the flag that
// named it.
func inputInOut(out string, inputs [][2]string) error {
	names := append(report.PackFiles(), report.ManifestFile, report.SignatureFile)
	for _, name := range names {
		packFile := filepath.Join(out, name)
		pst, err := os.Stat(packFile)
		if err != nil {
			continue
		}
		for _, in := range inputs {
			ist, err := os.Stat(in[1])
			if err == nil && os.SameFile(pst, ist) {
				return fmt.Errorf("%s %s is the pack's %s in --out %s, which this run would replace: copy it out of that directory first, or write the pack to another --out", in[0], in[1], name, out)
			}
		}
	}
	return nil
}
