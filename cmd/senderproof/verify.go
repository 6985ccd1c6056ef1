package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"senderproof/assess"
	"senderproof/report"
	"senderproof/templates"
)

func verifyCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check an evidence pack against its manifest and replay its findings offline",
		UsageText: "senderproof verify [--pubkey KEY.pem] [--templates DIR] DIR",
		Description: "Recomputes the SHA-256 and size of every file listed in DIR/manifest.json and\n" +
			"exits non-zero naming each file that is missing or differs. When DIR holds evidence.json,\n" +
			"it then re-runs every finding offline, answering each check only from the DNS exchanges\n" +
			"recorded in that finding's evidence, and fails naming each finding whose status, message,\n" +
			"observed values or evidence come out different, or whose check needed DNS data that is\n" +
			"not in its evidence. Give --templates when the pack was made with custom wording, and\n" +
			"--pubkey to check manifest.sig (a pack signed with assess --sign-key).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "templates", Usage: "directory of *.tmpl files the pack was worded with"},
			&cli.StringFlag{Name: "pubkey", Usage: "Ed25519 public key (PEM) to check manifest.sig with"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return badInput(errors.New("verify takes one argument: the pack directory"))
			}
			dir := c.Args().First()
			tpl, err := templates.Load(c.String("templates"))
			if err != nil {
				return badInput(err)
			}
			var pub ed25519.PublicKey
			if path := c.String("pubkey"); path != "" {
				if pub, err = report.LoadPublicKey(path); err != nil {
					return badInput(fmt.Errorf("--pubkey: %w", err))
				}
			}
			m, err := report.ReadManifest(dir)
			if err != nil {
				return runFailed(err)
			}
			switch _, serr := os.Stat(filepath.Join(dir, report.SignatureFile)); {
			case pub != nil:
				if err := report.VerifySignature(dir, pub); err != nil {
					return runFailed(fmt.Errorf("pack %s: %w", dir, err))
				}
				fmt.Fprintf(stdout, "%s: manifest signature verifies\n", dir)
			case serr == nil:
				fmt.Fprintf(stdout, "%s: %s present; give --pubkey to check it\n", dir, report.SignatureFile)
			}
			problems := report.VerifyHashes(dir, m)
			if len(problems) > 0 {
				errs := make([]error, len(problems))
				for i, p := range problems {
					errs[i] = p
				}
				return runFailed(fmt.Errorf("pack %s does not match its manifest:\n%w", dir, errors.Join(errs...)))
			}
			fmt.Fprintf(stdout, "%s: %d files match the manifest (run %s)\n", dir, len(m.Files), m.RunID)

			path := filepath.Join(dir, "evidence.json")
			if _, err := os.Stat(path); err != nil {
				return nil
			}
			// Findings are replayed as they are read, so a pack of any size
			// is verified without holding it in memory.
			var v *assess.Verifier
			var bad []assess.ReplayProblem
			_, err = report.ScanPack(path, func(assets []assess.Asset, f *assess.Finding) error {
				if v == nil {
					v = assess.NewVerifier(assets, tpl)
				}
				if p := v.Check(c.Context, *f); p != nil {
					bad = append(bad, *p)
				}
				return c.Context.Err()
			})
			if err != nil {
				if errors.Is(err, context.Canceled) {
					return err
				}
				return runFailed(err)
			}
			n := 0
			if v != nil {
				n = v.Replayed
			}
			if len(bad) > 0 {
				errs := make([]error, len(bad))
				for i, p := range bad {
					errs[i] = p
				}
				return runFailed(fmt.Errorf("%d of %d findings do not replay from their evidence:\n%w", len(bad), n, errors.Join(errs...)))
			}
			fmt.Fprintf(stdout, "%d findings replayed: all match\n", n)
			return nil
		},
	}
}
