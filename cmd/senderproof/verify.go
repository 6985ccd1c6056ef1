package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"senderproof/report"
)

func verifyCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check an evidence pack against its manifest",
		UsageText: "senderproof verify DIR",
		Description: "Recomputes the SHA-256 and size of every file listed in DIR/manifest.json and\n" +
			"exits non-zero naming each file that is missing or differs.",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return badInput(errors.New("verify takes one argument: the pack directory"))
			}
			dir := c.Args().First()
			m, err := report.ReadManifest(dir)
			if err != nil {
				return runFailed(err)
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
			return nil
		},
	}
}
