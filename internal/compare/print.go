package compare

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"
)

// Print writes the comparison table: each number of A and B, the change,
// and whether it is significant.
func Print(w io.Writer, rows []Row) {
	tw := tabwriter.NewWriter(w, 2, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "metric\tA\tB\tchange\tsignificant\t\n")
	for _, r := range rows {
		change := "n/a"
		if !math.IsNaN(r.Change) {
			change = fmt.Sprintf("%+.1f %%", r.Change)
		}
		sig := "unknown (one run each, no per-request values)"
		if r.Significant != nil {
			sig = map[bool]string{true: "yes", false: "no"}[*r.Significant] + " (" + r.Test + ")"
		}
		fmt.Fprintf(tw, "%s (%s)\t%.3f\t%.3f\t%s\t%s\t\n", r.Rule(), r.Unit, r.A, r.B, change, sig)
	}
	tw.Flush()
}

// Gate checks every rule of B against A, writes each verdict, and returns
// how many failed; an error when a rule cannot be judged.
func Gate(w io.Writer, rules []Rule, a, b *Run) (failed int, err error) {
	for _, r := range rules {
		broken, err := r.Check(a, b)
		if err != nil {
			return failed, err
		}
		verdict := "holds"
		if broken {
			verdict, failed = "FAILS", failed+1
		}
		fmt.Fprintf(w, "--fail-if %s: %s\n", r.Text, verdict)
	}
	return failed, nil
}
