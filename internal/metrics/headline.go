package metrics

import (
	"fmt"
	"strings"
)

// A Headline is one number runs are compared by: a metric's statistic
// ("avg" for aggregate and derived metrics). Key is its one spelling in
// files and code, "time_to_first_token_p99", as AIPerf's aggregate files
// write it; Rule is how a user writes it in a gate
// (`sonde compare --fail-if time_to_first_token.p99>+10%`).
type Headline struct {
	Tag, Stat string
	Label     string // the console's name, with its unit
}

// Key is "<tag>_<stat>".
func (h Headline) Key() string { return h.Tag + "_" + h.Stat }

// Rule is "<tag>.<stat>".
func (h Headline) Rule() string { return h.Tag + "." + h.Stat }

// ParseHeadline reads "<tag>.<stat>".
func ParseHeadline(s string) (Headline, error) {
	i := strings.LastIndex(s, ".")
	if i <= 0 || i == len(s)-1 {
		return Headline{}, fmt.Errorf("%q is not METRIC.STAT (e.g. time_to_first_token.p99)", s)
	}
	return Headline{Tag: s[:i], Stat: s[i+1:]}, nil
}

// Where a headline is shown.
const (
	InCompare    = 1 << iota // sonde compare's rows
	InSweep                  // a sweep's table and CSV columns
	InProbe                  // a capacity search probe's metrics
	InConfidence             // repeated runs' table of means
)

// headlines is the one table of the numbers runs are compared by, in the
// order every list of them keeps.
var headlines = []struct {
	Headline
	in int
}{
	{Headline{"request_throughput", "avg", "Request Throughput (requests/sec)"}, InCompare | InSweep | InProbe | InConfidence},
	{Headline{"output_token_throughput", "avg", "Output Token Throughput (tokens/sec)"}, InCompare | InSweep | InProbe | InConfidence},
	{Headline{"time_to_first_token", "avg", "Time to First Token avg (ms)"}, InCompare | InConfidence},
	{Headline{"time_to_first_token", "p50", "Time to First Token p50 (ms)"}, InCompare | InSweep | InProbe | InConfidence},
	{Headline{"time_to_first_token", "p99", "Time to First Token p99 (ms)"}, InCompare | InSweep | InProbe | InConfidence},
	{Headline{"inter_token_latency", "avg", "Inter Token Latency avg (ms)"}, InCompare | InConfidence},
	{Headline{"inter_token_latency", "p50", "Inter Token Latency p50 (ms)"}, InCompare | InSweep},
	{Headline{"inter_token_latency", "p99", "Inter Token Latency p99 (ms)"}, InCompare | InProbe | InConfidence},
	{Headline{"request_latency", "avg", "Request Latency avg (ms)"}, InCompare | InConfidence},
	{Headline{"request_latency", "p50", "Request Latency p50 (ms)"}, InCompare | InSweep | InProbe},
	{Headline{"request_latency", "p99", "Request Latency p99 (ms)"}, InCompare | InSweep | InProbe | InConfidence},
	{Headline{"effective_latency", "p99", "Effective Request Latency p99 (ms)"}, InProbe},
	{Headline{"schedule_lag", "p99", "Schedule Lag p99 (ms)"}, InProbe},
	{Headline{"goodput", "avg", "Goodput (requests/sec)"}, InCompare | InConfidence},
	{Headline{"request_error_rate", "avg", "Error Rate (%)"}, InCompare | InSweep | InConfidence},
}

// Headlines are the headlines shown in a place (InCompare, …), in order.
func Headlines(in int) []Headline {
	var out []Headline
	for _, h := range headlines {
		if h.in&in != 0 {
			out = append(out, h.Headline)
		}
	}
	return out
}
