// Command sonde benchmarks LLM inference servers: `sonde profile` is a
// drop-in for `aiperf profile`; `sonde serve` runs the built-in simulator.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"

	"github.com/alecthomas/kong"
	"github.com/sonde-bench/sonde/internal/config"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

// Exit codes.
const (
	exitOK          = 0
	exitFailed      = 1 // the run could not be done or every request failed
	exitUsage       = 2 // bad flags or input files
	exitInterrupted = 130
)

type cli struct {
	Profile   config.Profile `cmd:"" help:"Benchmark an OpenAI-compatible server (drop-in for 'aiperf profile')."`
	Serve     serveCmd       `cmd:"" help:"Run the built-in simulated inference server."`
	Summarize summarizeCmd   `cmd:"" help:"Rebuild a run's summary exports from its profile_export.jsonl."`
	Version   struct{}       `cmd:"" help:"Print the version."`
}

// env is the process state that commands use, injected so tests can run
// commands in-process.
type env struct {
	args   []string
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

func main() {
	os.Exit(run(env{args: os.Args[1:], stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}))
}

// usageError is a bad-input error (exit code 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func run(e env) int {
	var c cli
	exitCode := -1
	parser, err := kong.New(&c,
		kong.Name("sonde"),
		kong.Description("sonde measures how fast an LLM inference server answers under realistic load."),
		kong.Writers(e.stdout, e.stderr),
		kong.Exit(func(code int) { exitCode = code }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		serveVars(),
	)
	if err != nil {
		fmt.Fprintln(e.stderr, "sonde:", err)
		return exitFailed
	}
	ctx, err := parser.Parse(e.args)
	if exitCode >= 0 { // --help
		return exitCode
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "sonde: %v\n", clearParseError(err))
		return exitUsage
	}
	given := givenFlags(ctx)
	switch ctx.Command() {
	case "profile":
		c.Profile.ArtifactDirSet = given["output-artifact-dir"]
		c.Profile.ArrivalPatternSet = given["arrival-pattern"]
		c.Profile.ContextModeSet = given["conversation-context-mode"]
		c.Profile.SamplingSet = given["dataset-sampling-strategy"]
		err = runProfile(e, &c.Profile)
	case "serve":
		err = c.Serve.run(e, given)
	case "summarize <dir>":
		err = c.Summarize.run(e)
	case "version":
		fmt.Fprintln(e.stdout, "sonde", version)
		return exitOK
	}
	var ue usageError
	var ie interrupted
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ie):
		return exitInterrupted
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "sonde: %v\n", err)
		return exitUsage
	default:
		fmt.Fprintf(e.stderr, "sonde: %v\n", err)
		return exitFailed
	}
}

// givenFlags are the flags given on the command line, by their canonical
// names (an alias counts as its flag): kong's parse path holds them, while
// the values of flags left out are defaults.
func givenFlags(ctx *kong.Context) map[string]bool {
	given := map[string]bool{}
	for _, p := range ctx.Path {
		if p.Flag != nil {
			given[p.Flag.Name] = true
		}
	}
	return given
}

// negativeAsShortFlag matches kong's reading of "--flag -1" as a short flag.
var negativeAsShortFlag = regexp.MustCompile(`^(--[a-z0-9-]+): expected [a-z0-9]+ value but got "(-[0-9][0-9.eE+-]*)" \(short flag\)`)

// clearParseError says plainly that a negative number is not allowed where
// kong would suggest quoting it: every count and rate flag must be positive.
func clearParseError(err error) error {
	if m := negativeAsShortFlag.FindStringSubmatch(err.Error()); m != nil {
		return fmt.Errorf("%s must not be negative, got %s", m[1], m[2])
	}
	return err
}

// interrupted is returned when the user stopped the run; the exports were
// still written.
type interrupted struct{}

func (interrupted) Error() string { return "interrupted" }
