package study

import (
	"bytes"
	"strings"
	"testing"
)

func TestPrintConfidence(t *testing.T) {
	agg := aggregateFile{
		Metadata: aggregateMeta{NumSuccessfulRuns: 3, ConfidenceLevel: 0.9, FailedRuns: []failedRun{{"run_0004", "all 8 requests failed"}}},
		Metrics: map[string]Confidence{
			"request_throughput_avg":  Confide([]float64{10, 11, 12}, 0.9, "requests/sec"),
			"time_to_first_token_p50": Confide([]float64{5}, 0.9, "ms"),
			"not_a_row_avg":           Confide([]float64{1, 2}, 0.9, ""),
		},
	}
	var out bytes.Buffer
	printConfidence(&out, "Repeated Runs", &agg)
	text := strings.Join(strings.Fields(out.String()), " ")
	for _, want := range []string{
		"Repeated Runs: mean of 3 runs with its 90 % confidence interval",
		"Request Throughput (requests/sec) 11.00 9.31 12.69 1.00 9.09 10.00 12.00", // t(0.95, 2) = 2.92
		"Time to First Token p50 (ms) 5.00 N/A N/A N/A N/A 5.00 5.00",
		"Failed run run_0004: all 8 requests failed",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(text, "not_a_row") {
		t.Error("a number outside the table's rows was printed")
	}
	h := map[string]Value{"request_throughput_avg": {X: 2}, "time_to_first_token_p50": {X: 3}}
	if got := oneLine(h); !strings.HasPrefix(got, "2.00 requests/s, 0.00 tokens/s, TTFT p50 3.00 ms") {
		t.Error(got)
	}
}
