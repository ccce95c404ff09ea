package main

import (
	"fmt"

	"github.com/sonde-bench/sonde/internal/compare"
)

// compareCmd is `sonde compare A B`: every headline number of two runs,
// the change, whether it is significant, and regression gates.
type compareCmd struct {
	A      string   `arg:"" help:"The baseline run folder (or repeated-runs study folder)."`
	B      string   `arg:"" help:"The run folder compared with it."`
	FailIf []string `name:"fail-if" placeholder:"RULE" help:"A gate, repeatable: 'time_to_first_token.p99>+10%' fails when B's p99 TTFT is over 10 % above A's; 'request_error_rate.avg>1' when B's value is over 1. Exit 1 when one fails."`
	Strict bool     `name:"strict" help:"Refuse to compare runs that measured different things: server version, model, tokenizer, GPUs or client differ (otherwise a warning)."`
}

func (c *compareCmd) Run(e env) error {
	rules, err := compare.ParseRules(c.FailIf)
	if err != nil {
		return usageError{Err: err}
	}
	a, err := compare.Load(c.A)
	if err != nil {
		return usageError{Err: err}
	}
	b, err := compare.Load(c.B)
	if err != nil {
		return usageError{Err: err}
	}
	diffs := compare.Comparability(c.A, c.B)
	for _, d := range diffs {
		fmt.Fprintln(e.Stderr, "sonde: warning: the runs differ:", d)
	}
	if c.Strict && len(diffs) > 0 {
		return usageError{Err: fmt.Errorf("sonde compare --strict: the runs measured different things (%d differences)", len(diffs))}
	}
	compare.Print(e.Stdout, compare.Compare(a, b, nil))
	failed, err := compare.Gate(e.Stdout, rules, a, b)
	if err != nil {
		return usageError{Err: err}
	}
	if failed > 0 {
		return fmt.Errorf("sonde compare: %d of %d --fail-if rules failed", failed, len(rules))
	}
	return nil
}
