package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"senderproof/mappings"
)

func mappingsCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "mappings",
		Usage: "lint or list the control mapping files",
		// Without lint or list it is a usage error, as senderproof
		// without a command is: the help on stderr, exit 1.
		Action: func(c *cli.Context) error {
			c.App.Writer = c.App.ErrWriter
			if err := cli.ShowSubcommandHelp(c); err != nil {
				return err
			}
			return badInput(errors.New("no subcommand given; use senderproof mappings lint or senderproof mappings list"))
		},
		Subcommands: []*cli.Command{
			{
				Name:      "lint",
				Usage:     "check the embedded mapping files and each DIR or FILE given; every problem as file:line: reason",
				UsageText: "senderproof mappings lint [DIR|FILE.yaml]...",
				Action: func(c *cli.Context) error {
					if err := mappings.LintPaths(c.Args().Slice()...); err != nil {
						return badInput(lintFailed(err))
					}
					for _, p := range c.Args().Slice() {
						noteEmptyDir(stdout, "mappings lint", p, ".yaml", ".yml")
						if st, err := os.Stat(p); err == nil && st.IsDir() {
							if set, err := mappings.Load(p); err == nil {
								for _, r := range set.Replaced {
									fmt.Fprintf(stdout, "note: %s\n", oneLine(r))
								}
							}
						}
					}
					fmt.Fprintln(stdout, "mapping files: ok")
					return nil
				},
			},
			{
				Name:      "list",
				Usage:     "print frameworks, controls (title, relevance, catalog identifiers) and the checks mapped to each, with the rationale",
				UsageText: "senderproof mappings list [--mappings DIR]",
				Flags:     []cli.Flag{stringFlag("mappings", nil, "", "directory of extra or overriding mapping files")},
				Action: func(c *cli.Context) error {
					if err := noArgs(c, "mappings list", ": give a directory of extra mapping files with --mappings DIR"); err != nil {
						return err
					}
					if err := notEmpty(c, "mappings"); err != nil {
						return err
					}
					if err := notAFile("--mappings", c.String("mappings")); err != nil {
						return badInput(err)
					}
					set, err := mappings.Load(c.String("mappings"))
					if err != nil {
						return badInput(lintFailed(err))
					}
					for _, r := range set.Replaced {
						fmt.Fprintf(stdout, "note: %s\n", oneLine(r))
					}
					if err := set.List(stdout); err != nil && !readerGone(err) {
						return err
					}
					return nil
				},
			},
		},
	}
}

// lintFailed is the error of mapping files that could not be loaded: the
// lint problems, each file:line: reason, under a line saying so; a
// directory or file that cannot be read, alone.
func lintFailed(err error) error {
	var p *mappings.Problem
	if !errors.As(err, &p) {
		return err
	}
	return fmt.Errorf("mapping files fail lint:\n%w", err)
}
