package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/study"
)

// abCmd is `sonde ab`: its arguments are sonde profile's flags, read as
// `sonde profile --ab …` (abArgs), so A/B takes every flag a run takes;
// the command exists for --help and the command list.
type abCmd struct {
	Args []string `arg:"" optional:"" passthrough:"" help:"sonde profile's flags, with --url A --url B, --ab-blocks, --ab-effect, --strict."`
}

func (c *abCmd) Run(e env) error {
	return usageError{Err: errors.New("sonde ab runs through sonde profile's flags: sonde ab --model M --url A --url B …")}
}

// abArgs makes `sonde ab FLAGS` into `sonde profile --ab FLAGS` (not its
// help, which the command shows).
func abArgs(args []string) []string {
	if len(args) == 0 || args[0] != "ab" {
		return args
	}
	for _, a := range args[1:] {
		if a == "--help" || a == "-h" {
			return args
		}
	}
	return append([]string{"profile", "--ab"}, args[1:]...)
}

// twoConfigs splits a `sonde profile --ab` command line with two config
// files into one command line per side (each with its file, without
// --ab): sonde ab -f a.yaml -f b.yaml [flags].
func twoConfigs(args []string) (a, b []string, ok bool) {
	if len(args) == 0 || args[0] != "profile" || !slices.Contains(args, "--ab") {
		return nil, nil, false
	}
	var at [][2]int // each file's arguments: start, count
	for i := 1; i < len(args); i++ {
		switch x := args[i]; {
		case x == "--":
			i = len(args)
		case (x == "-f" || x == "--config") && i+1 < len(args):
			at = append(at, [2]int{i, 2})
			i++
		case strings.HasPrefix(x, "--config="), strings.HasPrefix(x, "-f") && len(x) > 2 && !strings.HasPrefix(x, "--"):
			at = append(at, [2]int{i, 1})
		}
	}
	if len(at) != 2 {
		return nil, nil, false
	}
	without := func(skip [2]int) []string {
		var out []string
		for i, x := range args {
			if (i >= skip[0] && i < skip[0]+skip[1]) || x == "--ab" {
				continue
			}
			out = append(out, x)
		}
		return out
	}
	return without(at[1]), without(at[0]), true
}

// abConfigs runs sonde ab with two config files: each side parsed as its
// own `sonde profile` (its file, then the flags given), the A/B flags A's.
func abConfigs(e env, argsA, argsB []string) int {
	var sides [2]*config.Profile
	for i, args := range [][]string{argsA, argsB} {
		file, err := config.FileOf(args, e.Getenv)
		if err != nil {
			fmt.Fprintf(e.Stderr, "sonde: %v\n", err)
			return exitUsage
		}
		var c cli
		ce := e
		ce.Args = args
		ctx, code := parse(ce, &c, file)
		if code >= 0 {
			return code
		}
		c.Profile.MarkGiven(givenFlags(ctx))
		sides[i] = &c.Profile
	}
	// The files' secrets (API keys, URLs' credentials) kept out of what is
	// printed and written, as for one run.
	sec := config.NewSecrets(append(slices.Clone(argsA), argsB...), sides[0], sides[1])
	e.Secrets, e.Stdout, e.Stderr = sec, sec.Writer(e.Stdout), sec.Writer(e.Stderr)
	for i, args := range [][]string{argsA, argsB} {
		sides[i].CLICommand = sec.Redact(config.RedactArgs(args))
	}
	_, err := study.RunABConfigs(e, sides[0], sides[1])
	code := exitCodeOf(err)
	if code != exitOK && code != exitInterrupted {
		fmt.Fprintf(e.Stderr, "sonde: %v\n", err)
	}
	return code
}
