// Command sonde benchmarks LLM inference servers: `sonde profile` is a
// drop-in for `aiperf profile`; `sonde serve` runs the built-in simulator;
// `sonde summarize` rebuilds a run's summaries from its records. This file
// only parses flags, dispatches, and maps errors to exit codes.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"runtime/trace"

	"github.com/alecthomas/kong"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/profile"
	"github.com/sonde-bench/sonde/internal/study"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

// Exit codes.
const (
	exitOK          = 0
	exitFailed      = 1 // the run could not be done, or every request failed or was cut
	exitUsage       = 2 // bad flags or input, caught before anything was sent
	exitInterrupted = 130
)

type cli struct {
	Profile   config.Profile `cmd:"" help:"Benchmark an OpenAI-compatible server (drop-in for 'aiperf profile')."`
	Serve     serveCmd       `cmd:"" help:"Run the built-in simulated inference server."`
	Summarize summarizeCmd   `cmd:"" help:"Rebuild a run's summary exports from its profile_export.jsonl."`
	Compare   compareCmd     `cmd:"" help:"Compare two runs: every headline number, its change and whether it is significant; --fail-if gates for CI."`
	Merge     mergeCmd       `cmd:"" help:"Merge the shards of one run (--shard-count) into one run folder, from the union of their records."`
	Kube      kubeCmd        `cmd:"" help:"Run a profile as shards on Kubernetes: manifests, and the merge they run."`
	Plot      plotCmd        `cmd:"" help:"Draw a run's charts as PNG and SVG (several runs on the same charts)."`
	Report    reportCmd      `cmd:"" help:"Write one self-contained HTML report of one or more runs."`
	Calibrate calibrateCmd   `cmd:"" help:"Measure this machine's client ceilings (chunks/s, paced rate, memory per stream) against a loopback server."`
	Version   struct{}       `cmd:"" help:"Print the version."`
	// VersionFlag is --version, for users who type it rather than the command.
	VersionFlag kong.VersionFlag `name:"version" help:"Print the version and exit."`
}

// profileOnly is the command line of `sonde profile` alone. kong builds its
// model of every command on each parse and interpolates its variables (the
// simulator's defaults, for `serve`'s help) into every flag of every
// command: 15 ms of a profile run's start-up, against 3 ms for profile's
// own flags. Its tag is cli's (TestProfileOnlyMatchesCLI).
type profileOnly struct {
	Profile config.Profile `cmd:"" help:"Benchmark an OpenAI-compatible server (drop-in for 'aiperf profile')."`
}

// env is the process state commands use, injected so tests run the CLI
// in-process.
type env = profile.Env

// usageError is bad input (exit code 2).
type usageError = profile.UsageError

func main() {
	if os.Getenv("GOGC") == "" {
		tuneGC(gcPercent, heapHeadroom)
	}
	os.Exit(profiled(os.Getenv("SONDE_CPUPROFILE"), os.Getenv("SONDE_TRACE"), func() int {
		code := run(env{Args: os.Args[1:], Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Version: version})
		if path := os.Getenv("SONDE_MEMPROFILE"); path != "" {
			writeHeapProfile(path)
		}
		return code
	}))
}

// writeHeapProfile writes the allocation profile of the whole run
// (SONDE_MEMPROFILE; go tool pprof -sample_index=alloc_space).
func writeHeapProfile(path string) {
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "sonde: SONDE_MEMPROFILE: %v\n", err)
		return
	}
	defer f.Close()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		fmt.Fprintf(os.Stderr, "sonde: SONDE_MEMPROFILE: %v\n", err)
	}
}

// profiled runs f with a CPU profile written to path when path is set
// (SONDE_CPUPROFILE), and an execution trace to tracePath (SONDE_TRACE):
// how sonde's own cost and scheduling are measured (docs/PERFORMANCE.md).
func profiled(path, tracePath string, f func() int) int {
	if tracePath != "" {
		out, err := os.Create(tracePath)
		if err == nil {
			err = trace.Start(out)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "sonde: SONDE_TRACE: %v\n", err)
			return exitUsage
		}
		defer out.Close()
		defer trace.Stop()
	}
	if path == "" {
		return f()
	}
	out, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "sonde: SONDE_CPUPROFILE: %v\n", err)
		return exitUsage
	}
	defer out.Close()
	if err := pprof.StartCPUProfile(out); err != nil {
		fmt.Fprintf(os.Stderr, "sonde: SONDE_CPUPROFILE: %v\n", err)
		return exitUsage
	}
	defer pprof.StopCPUProfile()
	return f()
}

func run(e env) int {
	if e.Version == "" {
		e.Version = version
	}
	getenv := e.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	e.Args = optionalValues(e.Args)
	file, err := configFile(e.Args, getenv)
	if err != nil {
		fmt.Fprintf(e.Stderr, "sonde: %v\n", err)
		return exitUsage
	}
	var c cli
	ctx, exitCode := parse(e, &c, file)
	if exitCode >= 0 {
		return exitCode
	}
	if file != nil {
		for _, w := range file.Warnings {
			fmt.Fprintln(e.Stderr, "sonde: warning:", w)
		}
	}
	given := givenFlags(ctx)
	switch ctx.Command() {
	case "profile":
		c.Profile.ArtifactDirSet = given["output-artifact-dir"]
		c.Profile.ArrivalPatternSet = given["arrival-pattern"]
		c.Profile.ContextModeSet = given["conversation-context-mode"]
		c.Profile.SamplingSet = given["dataset-sampling-strategy"]
		switch {
		case c.Profile.PrintConfig:
			c.Profile.ResolveLists()
			err = printConfig(e, &c.Profile)
		case study.Needed(&c.Profile):
			c.Profile.CLICommand = config.RedactArgs(e.Args)
			var dir string
			dir, err = study.Run(e, &c.Profile)
			err = autoPlot(e, &c.Profile, dir, err)
		default:
			var out *profile.Outcome
			out, err = profile.Measure(e, &c.Profile)
			if out != nil {
				err = autoPlot(e, &c.Profile, out.Dir, err)
			}
		}
	case "serve":
		err = c.Serve.run(e, given)
	case "summarize <dir>":
		err = c.Summarize.run(e)
	case "compare <a> <b>":
		err = c.Compare.run(e)
	case "merge <dirs>":
		err = c.Merge.run(e)
	case "kube manifest", "kube manifest <args>":
		err = c.Kube.Manifest.run(e)
	case "kube merge":
		err = c.Kube.Merge.run(e)
	case "plot <dirs>":
		err = c.Plot.run(e)
	case "report <dirs>":
		err = c.Report.run(e)
	case "calibrate":
		err = c.Calibrate.run(e)
	case "version":
		fmt.Fprintln(e.Stdout, "sonde", e.Version)
	}
	code := exitCodeOf(err)
	if code != exitOK && code != exitInterrupted {
		fmt.Fprintf(e.Stderr, "sonde: %v\n", err)
	}
	return code
}

// parse reads the command line into c, with a config file's values under
// the flags given; exitCode is ≥ 0 when there is nothing to run (help, or
// bad flags, already reported).
func parse(e env, c *cli, file *config.FileValues) (ctx *kong.Context, exitCode int) {
	exitCode = -1
	opts := []kong.Option{
		kong.Name("sonde"),
		kong.Description("sonde measures how fast an LLM inference server answers under realistic load."),
		kong.Writers(e.Stdout, e.Stderr),
		kong.Exit(func(code int) { exitCode = code }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.Vars{"version": "sonde " + e.Version},
	}
	if file != nil {
		opts = append(opts, kong.Resolvers(kong.ResolverFunc(func(_ *kong.Context, _ *kong.Path, f *kong.Flag) (any, error) {
			return file.Flags[f.Name], nil
		})))
	}
	var root any = c
	var only *profileOnly
	if len(e.Args) > 0 && e.Args[0] == "profile" {
		only = &profileOnly{}
		root = only
	} else {
		opts = append(opts, serveVars())
	}
	parser, err := kong.New(root, opts...)
	if err != nil {
		fmt.Fprintln(e.Stderr, "sonde:", err)
		return nil, exitFailed
	}
	ctx, err = parser.Parse(e.Args)
	if only != nil {
		c.Profile = only.Profile
	}
	if exitCode >= 0 { // --help
		return nil, exitCode
	}
	if err != nil {
		fmt.Fprintf(e.Stderr, "sonde: %v\n", clearParseError(err))
		return nil, exitUsage
	}
	return ctx, -1
}

// exitCodeOf is the one rule from a command's error to the exit code.
func exitCodeOf(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, profile.ErrInterrupted):
		return exitInterrupted
	case errors.As(err, &ue):
		return exitUsage
	}
	return exitFailed
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

// autoPlot draws the charts of a finished run or study (--auto-plot), even
// of one that failed or was interrupted, as long as it measured something.
func autoPlot(e env, p *config.Profile, dir string, runErr error) error {
	if !p.AutoPlot || dir == "" {
		return runErr
	}
	if err := drawPlots(e, []string{dir}, filepath.Join(dir, "plots")); err != nil {
		fmt.Fprintf(e.Stderr, "sonde: --auto-plot: %v\n", err)
	}
	return runErr
}
