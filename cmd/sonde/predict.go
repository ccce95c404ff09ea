package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/profile"
	"github.com/sonde-bench/sonde/internal/sim"
)

// predictCmd is `sonde predict --twin FILE [profile flags]`: its arguments
// are sonde profile's, read as a profile command line (predictArgs), so a
// profile command becomes a prediction by changing one word; the command
// exists for --help and the command list.
type predictCmd struct {
	Twin string   `required:"" placeholder:"FILE" help:"The twin (sonde fit's YAML) to predict with."`
	Args []string `arg:"" optional:"" passthrough:"" help:"sonde profile's flags; --url and the other endpoint flags are accepted and ignored."`
}

func (c *predictCmd) Run(e env) error {
	return usageError{Err: errors.New("sonde predict runs through sonde profile's flags: sonde predict --twin twin.yaml --model M …")}
}

// predictArgs makes `sonde predict --twin F FLAGS` into `sonde profile
// FLAGS` and returns F ("" for any other command, or predict's help).
func predictArgs(args []string) (twin string, out []string, err error) {
	if len(args) == 0 || args[0] != "predict" || slices.Contains(args, "--help") || slices.Contains(args, "-h") {
		return "", args, nil
	}
	own, rest := takeFlags(args[1:], "--twin")
	if own["--twin"] == "" {
		return "", nil, errors.New("sonde predict: --twin FILE is required (write one with sonde fit)")
	}
	return own["--twin"], append([]string{"profile"}, rest...), nil
}

// takeFlags takes a command's own flags (--name V or --name=V) off its
// arguments: their values by name, and the arguments left, which read as
// sonde profile's.
func takeFlags(args []string, names ...string) (own map[string]string, rest []string) {
	own = map[string]string{}
	for i := 0; i < len(args); i++ {
		name, value, attached := strings.Cut(args[i], "=")
		switch {
		case !slices.Contains(names, name):
			rest = append(rest, args[i])
		case attached:
			own[name] = value
		case i+1 < len(args):
			own[name] = args[i+1]
			i++
		}
	}
	return own, rest
}

// predictCommand runs `sonde predict`: the profile command (one run or a
// study of several) with every run simulated against the twin.
func predictCommand(e env, p *config.Profile, given map[string]bool, twinPath string) error {
	e, err := twinEnv(e, p, twinPath, "predict")
	if err != nil {
		return err
	}
	return profileCommand(e, p, given)
}

// twinEnv makes e predict with the twin at twinPath, and p a command that
// never reaches a server: a sim:// URL (which would start a simulator)
// becomes an address never contacted, sweeps need no cool-down, and the
// command recorded is the one typed.
func twinEnv(e env, p *config.Profile, twinPath, command string) (env, error) {
	t, err := sim.LoadTwin(twinPath)
	if err != nil {
		return e, usageError{Err: fmt.Errorf("--twin: %w", err)}
	}
	e.Twin = &profile.Twin{Model: t, Path: twinPath, Draws: 16}
	if command == "plan" {
		e.Twin.Draws = 0 // a probe passes or fails on the point prediction
	}
	for i, u := range p.URL {
		if strings.HasPrefix(strings.TrimSpace(u), "sim://") {
			p.URL[i] = "127.0.0.1:9" // discard: never contacted
		}
	}
	p.SweepCooldown = 0
	p.CLICommand = e.Secrets.Redact(config.RedactArgs(append([]string{command, "--twin", twinPath}, e.Args[1:]...)))
	return e, nil
}

// twinCall is what predict or plan asked of a profile command line.
type twinCall struct {
	predict, plan string // the twin file of each
	target        planTarget
}

// twinArgs reads sonde predict's and sonde plan's own flags off their
// command lines, which then read as sonde profile's.
func twinArgs(args []string) (tw twinCall, out []string, err error) {
	tw.predict, out, err = predictArgs(args)
	if err != nil {
		return tw, out, err
	}
	tw.plan, tw.target, out, err = planArgs(out)
	return tw, out, err
}

// twinCommand runs a profile command line: as a run, a prediction or a plan.
func twinCommand(e env, p *config.Profile, given map[string]bool, tw twinCall) error {
	switch {
	case tw.plan != "":
		return planCommand(e, p, given, tw.plan, tw.target)
	case tw.predict != "":
		return predictCommand(e, p, given, tw.predict)
	}
	return profileCommand(e, p, given)
}
