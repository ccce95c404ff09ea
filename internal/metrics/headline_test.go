package metrics

import (
	"slices"
	"testing"
)

func TestHeadlines(t *testing.T) {
	var sweep []string
	for _, h := range Headlines(InSweep) {
		sweep = append(sweep, h.Key())
	}
	// The sweep CSV's columns, in the order its files have always had.
	want := []string{"request_throughput_avg", "output_token_throughput_avg", "time_to_first_token_p50", "time_to_first_token_p99",
		"inter_token_latency_p50", "request_latency_p50", "request_latency_p99", "request_error_rate_avg"}
	if !slices.Equal(sweep, want) {
		t.Errorf("%v", sweep)
	}
	h, err := ParseHeadline("time_to_first_token.p99")
	if err != nil || h.Key() != "time_to_first_token_p99" || h.Rule() != "time_to_first_token.p99" {
		t.Errorf("%+v %v", h, err)
	}
	for _, bad := range []string{"ttft", ".p99", "ttft."} {
		if _, err := ParseHeadline(bad); err == nil {
			t.Errorf("%q read", bad)
		}
	}
	if n := len(Headlines(InCompare)); n != 13 {
		t.Errorf("%d compared numbers", n)
	}
}
