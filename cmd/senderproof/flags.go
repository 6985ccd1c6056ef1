package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"
)

// onceValue is the value of a flag that takes one value. A second
// occurrence is a usage error: by urfave/cli's default the last one would
// silently win, so "--format json --format csv" would write a CSV-only pack
// (and remove the earlier pack's other files), and "--out A --out B" would
// ignore A without a word.
type onceValue struct {
	flag.Value
	name string
	set  bool
}

func (o *onceValue) Set(s string) error {
	if o.set {
		hint := "it takes one value"
		if o.name == "format" {
			hint = "list several formats comma-separated, for example --format json,csv"
		}
		return fmt.Errorf("--%s is given more than once; %s", o.name, hint)
	}
	o.set = true
	if err := o.Value.Set(s); err != nil {
		switch o.Value.(flag.Getter).Get().(type) {
		case time.Duration:
			return fmt.Errorf("--%s takes a duration with a unit, such as 2s or 500ms", o.name)
		case int:
			return fmt.Errorf("--%s takes a whole number", o.name)
		case float64:
			return fmt.Errorf("--%s takes a number", o.name)
		}
		return err
	}
	return nil
}

// onceFlag is a single-valued flag; v holds its default and parses values
// as the flag package's own Value of that type does, so c.String, c.Int,
// c.Float64 and c.Duration read it as before.
func onceFlag(name string, aliases []string, v flag.Value, usage string) *cli.GenericFlag {
	return &cli.GenericFlag{Name: name, Aliases: aliases, Usage: usage, Value: &onceValue{Value: v, name: name}}
}

// flagValue returns the flag package's Value for a default of type T.
func flagValue[T string | int | float64 | time.Duration](def T) flag.Value {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	switch d := any(def).(type) {
	case string:
		fs.String("v", d, "")
	case int:
		fs.Int("v", d, "")
	case float64:
		fs.Float64("v", d, "")
	case time.Duration:
		fs.Duration("v", d, "")
	}
	return fs.Lookup("v").Value
}

func stringFlag(name string, aliases []string, def, usage string) *cli.GenericFlag {
	return onceFlag(name, aliases, flagValue(def), usage)
}
