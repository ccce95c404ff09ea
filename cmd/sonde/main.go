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

	"github.com/alecthomas/kong"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/proc"
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
	Profile    config.Profile `cmd:"" help:"Benchmark an OpenAI-compatible server (drop-in for 'aiperf profile')."`
	Serve      serveCmd       `cmd:"" help:"Run the built-in simulated inference server."`
	Summarize  summarizeCmd   `cmd:"" help:"Rebuild a run's summary exports from its profile_export.jsonl."`
	Compare    compareCmd     `cmd:"" help:"Compare two runs: every headline number, its change and whether it is significant; --fail-if gates for CI."`
	Merge      mergeCmd       `cmd:"" help:"Merge the shards of one run (--shard-count) into one run folder, from the union of their records."`
	Kube       kubeCmd        `cmd:"" help:"Run a profile as shards on Kubernetes: manifests, and the merge they run."`
	Plot       plotCmd        `cmd:"" help:"Draw a run's charts as PNG and SVG (several runs on the same charts; --dashboard serves them), as aiperf plot."`
	Report     reportCmd      `cmd:"" help:"Write one self-contained HTML report of one or more runs."`
	Calibrate  calibrateCmd   `cmd:"" help:"Measure this machine's client ceilings (chunks/s, paced rate, memory per stream) against a loopback server."`
	Config     configCmd      `cmd:"" help:"Config files: start one from a template (init), check one (validate), print what one resolves to (expand)."`
	Synthesize synthesizeCmd  `cmd:"" help:"Make datasets from a seed: agentic-code (coding-agent sessions as a mooncake trace)."`
	Analyze    analyzeCmd     `cmd:"" name:"analyze-trace" help:"What a trace or dataset file implies before anything is sent: sessions, requests, ISL/OSL, arrival rate, prefix-cache reuse (as aiperf analyze-trace, for every format)."`
	Fit        fitCmd         `cmd:"" help:"Fit a twin of a server (its engine's costs, with their errors) to runs against it: sonde fit RUN_DIR… -o twin.yaml [--holdout RUN_DIR]."`
	Plan       planCmd        `cmd:"" help:"Capacity planning with a twin: the largest load one replica holds under the SLOs (the capacity search, predicted in virtual time) and the replicas a target rate or user count needs."`
	Predict    predictCmd     `cmd:"" help:"Predict a run against a twin (sonde fit) in virtual time: sonde predict --twin twin.yaml [profile flags]; the same files as the run, marked as predicted."`
	AB         abCmd          `cmd:"" name:"ab" help:"Paired, interleaved A/B of two servers: sonde ab --url A --url B [profile flags]; the same prompts on both in blocks of alternating order, every headline number's paired difference with its interval and a verdict (ab_result.json)."`
	Version    struct{}       `cmd:"" help:"Print the version."`
	// VersionFlag is --version, for users who type it rather than the command.
	VersionFlag kong.VersionFlag `name:"version" help:"Print the version and exit."`
}

// env is the process state commands use, injected so tests run the CLI
// in-process.
type env = profile.Env

// usageError is bad input (exit code 2).
type usageError = profile.UsageError

func main() {
	if os.Getenv("GOGC") == "" {
		proc.TuneGC(proc.GCPercent, proc.HeapHeadroom)
	}
	code, err := proc.Profiled(os.Getenv("SONDE_CPUPROFILE"), os.Getenv("SONDE_TRACE"), func() int {
		code := run(env{Args: os.Args[1:], Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Version: version})
		if path := os.Getenv("SONDE_MEMPROFILE"); path != "" {
			proc.WriteHeapProfile(path)
		}
		return code
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "sonde: %v\n", err)
		code = exitUsage
	}
	os.Exit(code)
}

func run(e env) int {
	if e.Version == "" {
		e.Version = version
	}
	getenv := e.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	tw, args, err := twinArgs(abArgs(e.Args))
	e.Args = config.OptionalValues(args)
	stdout, stderr := e.Stdout, e.Stderr
	redact := func(s *config.Secrets) {
		e.Secrets, e.Stdout, e.Stderr = s, s.Writer(stdout), s.Writer(stderr)
	}
	redact(config.NewSecrets(e.Args)) // before any message: a bad flag's message may repeat its value
	if err != nil {
		fmt.Fprintf(e.Stderr, "sonde: %v\n", err)
		return exitUsage
	}
	if a, b, ok := twoConfigs(e.Args); ok {
		e.Getenv = getenv
		return abConfigs(e, a, b)
	}
	file, err := config.FileOf(e.Args, getenv)
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
		redact(config.NewSecrets(e.Args, &c.Profile)) // and the config file's, $SONDE_API_KEY
		err = twinCommand(e, &c.Profile, given, tw)
	case "version":
		fmt.Fprintln(e.Stdout, "sonde", e.Version)
	default: // the selected command's Run, given e (and the flags given)
		err = ctx.Run(e, given)
	}
	code := exitCodeOf(err)
	if code != exitOK && code != exitInterrupted {
		fmt.Fprintf(e.Stderr, "sonde: %v\n", err)
	}
	return code
}

// profileCommand runs `sonde profile`: one run, a study, or --print-config.
func profileCommand(e env, p *config.Profile, given map[string]bool) error {
	p.MarkGiven(given)
	outcome, err := p.LockScenario()
	if err != nil {
		return usageError{Err: err}
	}
	p.ScenarioOutcome = outcome
	switch {
	case p.PrintConfig:
		p.ResolveLists()
		return printConfig(e, p)
	case study.Needed(p):
		if p.CLICommand == "" { // sonde predict's says so
			p.CLICommand = e.Secrets.Redact(config.RedactArgs(e.Args))
		}
		dir, err := study.Run(e, p)
		return autoPlot(e, p, dir, err)
	}
	out, err := profile.Measure(e, p)
	if out != nil {
		err = autoPlot(e, p, out.Dir, err)
	}
	return err
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

// autoPlot draws the charts of a finished run or study (--auto-plot), even
// of one that failed or was interrupted, as long as it measured something.
func autoPlot(e env, p *config.Profile, dir string, runErr error) error {
	if !p.AutoPlot || dir == "" {
		return runErr
	}
	if err := drawPlots(e, []string{dir}, p.ExportPrefix, filepath.Join(dir, "plots"), "light"); err != nil {
		if p.PlotRequired { // the charts are part of the result: exit 1
			return errors.Join(runErr, fmt.Errorf("--auto-plot (--plot-required): %v", err)) // %v: exit 1, whatever the failure
		}
		fmt.Fprintf(e.Stderr, "sonde: --auto-plot: %v (a warning: --plot-required makes it an error)\n", err)
	}
	return runErr
}
