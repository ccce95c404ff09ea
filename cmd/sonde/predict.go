package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/profile"
	"github.com/sonde-bench/sonde/internal/sim"
	"github.com/sonde-bench/sonde/internal/study"
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
	if len(args) == 0 || args[0] != "predict" {
		return "", args, nil
	}
	out = []string{"profile"}
	for i := 1; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--help" || a == "-h":
			return "", args, nil
		case a == "--twin" && i+1 < len(args):
			twin = args[i+1]
			i++
		case strings.HasPrefix(a, "--twin="):
			twin = strings.TrimPrefix(a, "--twin=")
		default:
			out = append(out, a)
		}
	}
	if twin == "" {
		return "", nil, errors.New("sonde predict: --twin FILE is required (write one with sonde fit)")
	}
	return twin, out, nil
}

// predictCommand runs `sonde predict`: the profile command's run,
// simulated against the twin.
func predictCommand(e env, p *config.Profile, given map[string]bool, twinPath string) error {
	p.MarkGiven(given)
	outcome, err := p.LockScenario()
	if err != nil {
		return usageError{Err: err}
	}
	p.ScenarioOutcome = outcome
	if study.Needed(p) {
		return usageError{Err: errors.New("sonde predict predicts one run: a sweep, repeated runs or a search are sonde plan's (a capacity search) or one prediction per load")}
	}
	t, err := sim.LoadTwin(twinPath)
	if err != nil {
		return usageError{Err: fmt.Errorf("--twin: %w", err)}
	}
	for i, u := range p.URL { // never contacted; a sim:// URL would start a simulator
		if strings.HasPrefix(strings.TrimSpace(u), "sim://") {
			p.URL[i] = "127.0.0.1:9" // discard: never contacted
		}
	}
	p.CLICommand = e.Secrets.Redact(config.RedactArgs(append([]string{"predict", "--twin", twinPath}, e.Args[1:]...)))
	_, err = profile.Predict(e, p, t, twinPath)
	return err
}
