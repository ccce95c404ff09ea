package main

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"

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
	back := func() {}
	if one, b, ok := oneCommand(c, e.Args); ok {
		root, back = one, b
	}
	if len(e.Args) == 0 || e.Args[0] != "profile" {
		opts = append(opts, serveVars()) // the simulator's defaults, in serve's help
	}
	parser, err := kong.New(root, opts...)
	if err != nil {
		fmt.Fprintln(e.Stderr, "sonde:", err)
		return nil, exitFailed
	}
	ctx, err = parser.Parse(e.Args)
	back()
	if exitCode >= 0 { // --help
		return nil, exitCode
	}
	if err != nil {
		fmt.Fprintf(e.Stderr, "sonde: %v\n", clearParseError(err))
		return nil, exitUsage
	}
	return ctx, -1
}

// oneCommand is a kong root holding only the command args[0] names (cli's
// field for it, with its tags, and --version), and back puts the parsed
// command into c. kong builds a model of every command it is given and
// interpolates its variables into every flag of every command (a regexp
// over each help text and variable): the whole CLI cost 35 ms of start-up
// and 17 % of the CLI tests' CPU, when a command line runs one command. ok
// is false when args[0] names none (--help, --version, a typo): the whole
// CLI answers those.
func oneCommand(c *cli, args []string) (root any, back func(), ok bool) {
	if len(args) == 0 {
		return nil, nil, false
	}
	v := reflect.ValueOf(c).Elem()
	t := v.Type()
	version, _ := t.FieldByName("VersionFlag")
	for i := range t.NumField() {
		f := t.Field(i)
		if _, cmd := f.Tag.Lookup("cmd"); !cmd || commandName(f) != args[0] {
			continue
		}
		one := reflect.New(reflect.StructOf([]reflect.StructField{
			{Name: f.Name, Type: f.Type, Tag: f.Tag},
			{Name: version.Name, Type: version.Type, Tag: version.Tag},
		}))
		return one.Interface(), func() { v.Field(i).Set(one.Elem().Field(0)) }, true
	}
	return nil, nil, false
}

// commandName is a command field's name on the command line, as kong
// names it: its name tag, or the field's name in lower case
// (TestOneCommandMatchesCLI checks both agree for every command).
func commandName(f reflect.StructField) string {
	if n := f.Tag.Get("name"); n != "" {
		return n
	}
	return strings.ToLower(f.Name)
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
