// Command senderproof assesses the DNS identity of a fleet's outbound mail
// senders and writes an evidence pack for audits.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"senderproof/assess"
	"senderproof/report"
	"senderproof/templates"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.4.0-dev"

// build is the source revision the binary records (see report.Tool.Build).
var build = buildRevision()

func buildRevision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	rev, modified := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && modified {
		rev += "+modified"
	}
	return rev
}

// versionText is the version with the build, as --version prints it.
func versionText() string {
	if build == "" {
		return version
	}
	return version + " (build " + build + ")"
}

// Exit codes (SPEC "Command line").
const (
	exitOK        = 0
	exitBadInput  = 1
	exitRunFailed = 2
	exitThreshold = 3
	exitCancelled = 130
)

// codedError carries the exit code an error maps to.
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

func badInput(err error) error  { return &codedError{exitBadInput, err} }
func runFailed(err error) error { return &codedError{exitRunFailed, err} }

// readerGone reports a write to standard output that failed because its
// reader closed it (`senderproof diff A B | head`): the command's outcome
// is decided all the same, so it ends with its own exit code, without a
// word, as a tool killed by SIGPIPE would have printed nothing more.
func readerGone(err error) bool { return errors.Is(err, syscall.EPIPE) }

// noteEmptyDir says so when dir, given with flag for files of the given
// extensions, holds none: a path to the wrong directory would otherwise
// pass unnoticed, with only the embedded files in use.
func noteEmptyDir(w io.Writer, flag, dir string, exts ...string) {
	if dir == "" || w == nil {
		return
	}
	files, bad, err := templates.DirFiles(dir, exts...)
	if err != nil || len(files) > 0 || len(bad) > 0 {
		return // loading it says why, or what is wrong
	}
	fmt.Fprintf(w, "senderproof: note: %s %s holds no %s file (hidden files are passed over); only the embedded ones are used\n", flag, dir, strings.Join(exts, " or "))
}

// largeEvidence is the size of an evidence.json from which reading, or
// writing a pack's files again, takes long enough to announce.
const largeEvidence = 64 << 20

// noteReading says, on w, that a large evidence.json is being read: a
// 100,000-sender pack takes a minute or more to read, before anything
// else shows.
func noteReading(w io.Writer, what, path string) {
	if st, err := os.Stat(path); w != nil && err == nil && st.Size() >= largeEvidence {
		size := fmt.Sprintf("%.0f MB", float64(st.Size())/1e6)
		if st.Size() >= 1e9 {
			size = fmt.Sprintf("%.1f GB", float64(st.Size())/1e9)
		}
		fmt.Fprintf(w, "senderproof: reading %s %s (%s)...\n", what, oneLine(path), size)
	}
}

// notAFile refuses a file given where flag takes a directory of files:
// loading it would fail on "not a directory", which says less.
func notAFile(flag, dir string) error {
	if st, err := os.Stat(dir); dir != "" && err == nil && !st.IsDir() {
		return fmt.Errorf("%s takes a directory, and %s is a file: put it in a directory of its own and give that", flag, oneLine(dir))
	}
	return nil
}

// noArgs refuses arguments a command does not take. The flag parser stops
// at the first one, so a flag after it would be silently lost as well.
func noArgs(c *cli.Context, name, hint string) error {
	if c.NArg() == 0 {
		return nil
	}
	return badInput(fmt.Errorf("%s takes no arguments, got %q%s", name, c.Args().Slice(), hint))
}

// errThreshold is returned when --fail-on is met; the pack is written.
var errThreshold = errors.New("findings at or above the --fail-on threshold")

// exitCode maps an error to the process exit code.
func exitCode(err error) int {
	var ce *codedError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errThreshold):
		return exitThreshold
	case errors.Is(err, context.Canceled):
		return exitCancelled
	case errors.As(err, &ce):
		return ce.code
	}
	// Anything urfave/cli reports itself (unknown flag, missing argument)
	// is a usage error.
	return exitBadInput
}

var (
	undefinedFlagRE = regexp.MustCompile(`^flag provided but not defined: -+(\S+)$`)
	badFlagValueRE  = regexp.MustCompile(`^invalid value "(.*)" for flag -+(\S+): (.*)$`)
	badBoolValueRE  = regexp.MustCompile(`^invalid boolean value "(.*)" for -+(\S+): `)
)

// usageError words a flag error of Go's flag package as this tool names
// its flags: "unknown flag --bogus", not "flag provided but not defined:
// -bogus"; the flag's own message, which names it, alone for a value it
// refused.
func usageError(cmd string, err error) error {
	msg := err.Error()
	if m := undefinedFlagRE.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("unknown flag --%s for %s", m[1], cmd)
	}
	if m := badFlagValueRE.FindStringSubmatch(msg); m != nil {
		if strings.Contains(m[3], "--"+m[2]) {
			return errors.New(m[3])
		}
		return fmt.Errorf("--%s %q: %s", m[2], m[1], m[3])
	}
	if m := badBoolValueRE.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("--%s=%q: give --%s alone, or --%s=true or --%s=false", m[2], m[1], m[2], m[2], m[2])
	}
	return err
}

// stopSignals are the signals that stop a run cleanly (no pack, temporary
// files removed, exit 130): Ctrl-C, SIGTERM, and SIGHUP (the terminal or
// SSH session closed) unless the run was started with it ignored (nohup),
// which must keep it running.
func stopSignals() []os.Signal {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	return sigs
}

// interruptGrace is how long after Ctrl-C or SIGTERM the process waits for
// the run to stop by itself before it exits anyway.
const interruptGrace = 500 * time.Millisecond

func main() {
	assess.TuneGC()
	// Output to a pipe closed early (`senderproof demo --out x 2>&1 |
	// head -1`) fails the write instead of killing the process, which
	// would leave its temporary files and lose the exit code.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals()...)
	go exitIfStuck()
	err := newApp(os.Stdout, os.Stderr).RunContext(ctx, os.Args)
	stop()
	code := exitCode(err)
	if err != nil && code != exitThreshold {
		if code == exitCancelled {
			sayInterrupted()
		} else {
			fmt.Fprintf(os.Stderr, "senderproof: %s\n", termString(err.Error()))
		}
	}
	os.Exit(code)
}

// exitIfStuck ends the process interruptGrace after an interrupt, or at a
// second one, when the run has not stopped by then: every phase that takes
// time looks at its context well within the grace, but one that does not
// (reading a very large input file) must not make the interrupt wait. The
// temporary files of a pack being written are removed first, once a commit
// under way (a few renames) has finished; before it nothing has been
// renamed into place, so no pack was written.
func exitIfStuck() {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, stopSignals()...)
	<-sigs
	select {
	case <-time.After(interruptGrace):
	case <-sigs:
	}
	if report.RemoveHeldTemps() {
		// The interrupt came while the pack was being committed, which is
		// not interrupted: the pack is whole, and the run ends by itself.
		// One more interrupt ends it now (what is left is its summary
		// lines); the pack stays.
		<-sigs
		fmt.Fprintln(os.Stderr, "senderproof: interrupted after the pack was written; its summary lines and --fail-on were not checked")
		os.Exit(exitCancelled)
	}
	if dirs := createdDirs.Load(); dirs != nil {
		removeCreated(*dirs) // only those left empty
	}
	if dir := heldVerifyTemp.Load(); dir != nil {
		os.RemoveAll(*dir)
	}
	sayInterrupted()
	os.Exit(exitCancelled)
}

var interrupted sync.Once

// sayInterrupted tells the user, once, that an interrupt stopped the run,
// and for a command that writes a pack that it wrote none.
func sayInterrupted() {
	interrupted.Do(func() {
		what := "interrupted"
		if len(os.Args) > 1 && (os.Args[1] == "assess" || os.Args[1] == "demo") {
			what += "; no pack was written (a pack already in --out is left as it was)"
		}
		fmt.Fprintln(os.Stderr, "senderproof: "+what)
	})
}

// newApp builds the command-line application writing to stdout and stderr,
// through termWriter: what it prints may quote untrusted text.
func newApp(stdout, stderr io.Writer) *cli.App {
	stdout, stderr = newTermWriter(stdout), newTermWriter(stderr)
	app := &cli.App{
		Name:    "senderproof",
		Usage:   "assess the DNS identity of your outbound mail senders and write an audit evidence pack",
		Version: versionText(),
		Description: "senderproof checks every sending IP's PTR, forward-confirmed reverse DNS, HELO name,\n" +
			"SPF, DKIM and DMARC, maps each finding to compliance controls (NIST CSF 2.0, OWASP NHI\n" +
			"Top 10, CIS Controls v8, CISA BOD 18-01, the large mailbox providers' 2024 sender rules, and\n" +
			"any framework you add as a YAML file: senderproof mappings list), and writes evidence.json, report.pdf,\n" +
			"report.xlsx, findings.csv and an OSCAL assessment-results file with a hash manifest.\n\n" +
			"Start with:  senderproof demo --out evidence",
		Writer:               stdout,
		ErrWriter:            stderr,
		EnableBashCompletion: true,
		// A comma is part of a file name ("Acme, Inc/fleet.csv"): repeat
		// --inventory and --resolver for several.
		DisableSliceFlagSeparator: true,
		ExitErrHandler:            func(*cli.Context, error) {},
		Commands: []*cli.Command{
			assessCommand(stderr),
			demoCommand(stderr),
			verifyCommand(stdout, stderr),
			diffCommand(stdout),
			mappingsCommand(stdout),
		},
	}
	app.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
		return fmt.Errorf("%w (see senderproof --help)", usageError("senderproof", err))
	}
	// No command is a usage error (exit 1, SPEC), after the help that
	// says which there are: a script that forgot its command fails.
	app.Action = func(c *cli.Context) error {
		// The help on stderr, as other usage errors go there.
		c.App.Writer = c.App.ErrWriter
		if err := cli.ShowAppHelp(c); err != nil {
			return err
		}
		return badInput(errors.New("no command given; start with: senderproof demo --out evidence"))
	}
	quietUsageErrors(app.Commands)
	app.Before = knownCommand("senderproof", app.Commands)
	for _, c := range app.Commands {
		if len(c.Subcommands) > 0 {
			c.Before = knownCommand("senderproof "+c.Name, c.Subcommands)
		}
	}
	return app
}

// knownCommand refuses an unknown command name before urfave/cli answers
// it with "No help topic": a mistyped command is a usage error, named, with
// the closest command when one is close.
func knownCommand(parent string, cmds []*cli.Command) cli.BeforeFunc {
	return func(c *cli.Context) error {
		name := c.Args().First()
		if name == "" || strings.HasPrefix(name, "-") || name == "help" || name == "h" {
			return nil
		}
		for _, cmd := range cmds {
			if cmd.HasName(name) {
				return nil
			}
		}
		msg := fmt.Sprintf("unknown command %q", name)
		if s := cli.SuggestCommand(cmds, name); s != "" && !strings.Contains(s, `""`) {
			msg += ". " + s
		}
		return badInput(fmt.Errorf("%s (see %s --help)", msg, parent))
	}
}

// quietUsageErrors makes a command's usage error (an unknown flag, a bad
// value) a one-line error on stderr pointing at --help, instead of urfave/cli's
// full help text on stdout, which carries only what was asked for.
func quietUsageErrors(cmds []*cli.Command) {
	for _, c := range cmds {
		c.OnUsageError = func(cc *cli.Context, err error, _ bool) error {
			return fmt.Errorf("%w (see %s --help)", usageError(cc.Command.HelpName, err), cc.Command.HelpName)
		}
		quietUsageErrors(c.Subcommands)
	}
}
