package main

import (
	"fmt"
	"regexp"

	"github.com/alecthomas/kong"

	"github.com/sonde-bench/sonde/internal/config"
)

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
