package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/study"
)

// configCmd is `sonde config`, as `aiperf config`: start a config file from
// a template, check one, or print what one resolves to.
type configCmd struct {
	Init     configInitCmd     `cmd:"" help:"Print a config file to start from (sonde's own templates; --list names them)."`
	Validate configValidateCmd `cmd:"" help:"Check a config file as 'sonde profile -f' reads it: exit 0 when valid, 2 naming the file, line or flag otherwise."`
	Expand   configExpandCmd   `cmd:"" help:"Print what a config file resolves to (environment variables, shorthands, defaults) as a config file."`
}

type configInitCmd struct {
	Template string `arg:"" optional:"" default:"minimal" help:"The template (default minimal)."`
	Named    string `name:"template" placeholder:"NAME" help:"The template, by AIPerf's flag."`
	List     bool   `help:"List the templates."`
	Search   string `placeholder:"WORD" help:"List the templates whose name or description holds WORD."`
	Model    string `placeholder:"NAME" help:"The model to write into the template."`
	URL      string `name:"url" placeholder:"URL" help:"The server's URL to write into the template."`
	Output   string `name:"output" short:"o" placeholder:"FILE" help:"Write the file there instead of standard output."`
}

func (c *configInitCmd) Run(e env) error {
	if c.List || c.Search != "" {
		names := config.Templates()
		if c.Search != "" {
			names = config.SearchTemplates(c.Search)
		}
		fmt.Fprintln(e.Stdout, strings.Join(names, "\n"))
		return nil
	}
	if c.Named != "" {
		c.Template = c.Named
	}
	b, err := config.Template(c.Template)
	if err != nil {
		return usageError{Err: fmt.Errorf("sonde config init: %w", err)}
	}
	b = config.WithTarget(b, c.Model, c.URL)
	if c.Output == "" {
		_, err = e.Stdout.Write(b)
		return err
	}
	return os.WriteFile(c.Output, b, 0o644)
}

type configFileCmd struct {
	File string `arg:"" type:"existingfile" help:"The config file."`
}

// profile reads the file as `sonde profile -f FILE` would and checks every
// rule.
func (c *configFileCmd) profile(e env) (*config.Profile, error) {
	getenv := e.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	args := []string{"profile", "-f", c.File}
	file, err := config.FileOf(args, getenv)
	if err != nil {
		return nil, usageError{Err: err}
	}
	var p cli
	var msg strings.Builder
	if _, code := parse(env{Args: args, Stdout: &msg, Stderr: &msg}, &p, file); code >= 0 {
		return nil, usageError{Err: fmt.Errorf("%s: %s", c.File, strings.TrimSpace(strings.TrimPrefix(msg.String(), "sonde: ")))}
	}
	for _, w := range file.Warnings {
		fmt.Fprintln(e.Stderr, "sonde: warning:", w)
	}
	p.Profile.ConfigFile = ""
	if errs := p.Profile.Validate(); len(errs) > 0 {
		return nil, usageError{Err: fmt.Errorf("%s: %w", c.File, config.Join(errs))}
	}
	return &p.Profile, nil
}

type configValidateCmd struct {
	configFileCmd `embed:""`
}

func (c *configValidateCmd) Run(e env) error {
	if _, err := c.profile(e); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "%s: valid\n", c.File)
	return nil
}

type configExpandCmd struct {
	configFileCmd `embed:""`
	Full          bool `help:"With a sweep: print each variation's whole config, not only its name."`
	Index         *int `placeholder:"N" help:"With a sweep: only variation N (from 0)."`
}

// Run prints what the file resolves to; a sweep's variations are listed
// (as aiperf config expand does), or printed whole with --full.
func (c *configExpandCmd) Run(e env) error {
	p, err := c.profile(e)
	if err != nil {
		return err
	}
	if !p.ResolveLists() || p.Searching() {
		return printConfig(e, p)
	}
	vs, err := study.Variations(p)
	if err != nil {
		return usageError{Err: err}
	}
	if c.Index != nil && (*c.Index < 0 || *c.Index >= len(vs)) {
		return usageError{Err: fmt.Errorf("sonde config expand --index %d: the sweep has variations 0 to %d", *c.Index, len(vs)-1)}
	}
	for i, v := range vs {
		if c.Index != nil && i != *c.Index {
			continue
		}
		fmt.Fprintf(e.Stdout, "# variation %d: %s\n", i, v.Label)
		if c.Full {
			if err := printConfig(e, v.Apply(p)); err != nil {
				return err
			}
		}
	}
	return nil
}
