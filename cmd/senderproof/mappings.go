package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"senderproof/mappings"
)

func mappingsCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "mappings",
		Usage: "lint or list the control mapping files",
		Subcommands: []*cli.Command{
			{
				Name:      "lint",
				Usage:     "check the embedded mapping files and those in DIR; every problem as file:line: reason",
				UsageText: "senderproof mappings lint [DIR]",
				Action: func(c *cli.Context) error {
					if err := mappings.Lint(c.Args().First()); err != nil {
						return badInput(fmt.Errorf("mapping files fail lint:\n%w", err))
					}
					fmt.Fprintln(stdout, "mapping files: ok")
					return nil
				},
			},
			{
				Name:      "list",
				Usage:     "print frameworks, controls, their catalog identifiers and the checks mapped to each",
				UsageText: "senderproof mappings list [--mappings DIR]",
				Flags:     []cli.Flag{&cli.StringFlag{Name: "mappings", Usage: "directory of extra or overriding mapping files"}},
				Action: func(c *cli.Context) error {
					set, err := mappings.Load(c.String("mappings"))
					if err != nil {
						return badInput(fmt.Errorf("mapping files fail lint:\n%w", err))
					}
					return set.List(stdout)
				},
			},
		},
	}
}
