package study

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/sonde-bench/sonde/internal/metrics"
)

// printConfidence is the console of repeated runs: one table of each
// number's mean over the runs with its confidence interval, instead of a
// full table per run (those stay in each run's files).
func printConfidence(w io.Writer, title string, agg *aggregateFile) {
	m := agg.Metadata
	if m.NumSuccessfulRuns == 1 {
		fmt.Fprintf(w, "\nsonde | %s: 1 run succeeded (no confidence interval from one)\n", title)
	} else {
		fmt.Fprintf(w, "\nsonde | %s: mean of %d runs with its %g %% confidence interval (Student's t)\n", title, m.NumSuccessfulRuns, m.ConfidenceLevel*100)
	}
	tw := tabwriter.NewWriter(w, 2, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "Metric\tmean\tCI low\tCI high\tstd\tCV (%)\tmin\tmax\t")
	for _, r := range metrics.Headlines(metrics.InConfidence) {
		c, ok := agg.Metrics[r.Key()]
		if !ok {
			continue
		}
		cell := func(x *float64, scale float64) string {
			if x == nil {
				return "N/A"
			}
			return fmt.Sprintf("%.2f", *x*scale)
		}
		fmt.Fprintf(tw, "%s\t%.2f\t%s\t%s\t%s\t%s\t%.2f\t%.2f\t\n", r.Label, c.Mean, cell(c.CILow, 1), cell(c.CIHigh, 1),
			cell(c.Std, 1), cell(c.CV, 100), c.Min, c.Max)
	}
	tw.Flush()
	for _, f := range m.FailedRuns {
		fmt.Fprintf(w, "Failed run %s: %s\n", f.Label, f.Error)
	}
}

// oneLine is a finished run's headline numbers in one line, for the
// progress of repeated runs.
func oneLine(h map[string]Value) string {
	x := func(k string) float64 { return h[k].X }
	return fmt.Sprintf("%.2f requests/s, %.2f tokens/s, TTFT p50 %.2f ms, request latency p50 %.2f ms",
		x("request_throughput_avg"), x("output_token_throughput_avg"), x("time_to_first_token_p50"), x("request_latency_p50"))
}
