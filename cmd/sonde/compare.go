package main

import (
	"fmt"
	"math"
	"text/tabwriter"

	"github.com/sonde-bench/sonde/internal/compare"
)

// compareCmd is `sonde compare A B`: every headline number of two runs,
// the change, whether it is significant, and regression gates.
type compareCmd struct {
	A      string   `arg:"" help:"The baseline run folder (or repeated-runs study folder)."`
	B      string   `arg:"" help:"The run folder compared with it."`
	FailIf []string `name:"fail-if" placeholder:"RULE" help:"A gate, repeatable: 'time_to_first_token.p99>+10%' fails when B's p99 TTFT is over 10 % above A's; 'request_error_rate.avg>1' when B's value is over 1. Exit 1 when one fails."`
}

func (c *compareCmd) run(e env) error {
	var rules []compare.Rule
	for _, s := range c.FailIf {
		r, err := compare.ParseRule(s)
		if err != nil {
			return usageError{Err: err}
		}
		rules = append(rules, r)
	}
	a, err := compare.Load(c.A)
	if err != nil {
		return usageError{Err: err}
	}
	b, err := compare.Load(c.B)
	if err != nil {
		return usageError{Err: err}
	}
	tw := tabwriter.NewWriter(e.Stdout, 2, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "metric\tA\tB\tchange\tsignificant\t\n")
	for _, r := range compare.Compare(a, b, nil) {
		change := "n/a"
		if !math.IsNaN(r.Change) {
			change = fmt.Sprintf("%+.1f %%", r.Change)
		}
		sig := "unknown (one run each, no per-request values)"
		if r.Significant != nil {
			sig = map[bool]string{true: "yes", false: "no"}[*r.Significant] + " (" + r.Test + ")"
		}
		fmt.Fprintf(tw, "%s (%s)\t%.3f\t%.3f\t%s\t%s\t\n", r.Key, r.Unit, r.A, r.B, change, sig)
	}
	tw.Flush()
	failed := 0
	for _, r := range rules {
		broken, err := r.Check(a, b)
		if err != nil {
			return usageError{Err: err}
		}
		verdict := "holds"
		if broken {
			verdict, failed = "FAILS", failed+1
		}
		fmt.Fprintf(e.Stdout, "--fail-if %s: %s\n", r.Text, verdict)
	}
	if failed > 0 {
		return fmt.Errorf("sonde compare: %d of %d --fail-if rules failed", failed, len(rules))
	}
	return nil
}
