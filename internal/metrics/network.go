package metrics

import "math"

var (
	defNetworkRTT = Def{Tag: "network_rtt", Header: "Network RTT", Unit: "ms", Scale: msPerNs, Flags: NoConsole}
	// AIPerf's network-adjusted latencies: every statistic less the mean
	// round trip (never below 0); the std is unchanged.
	adjusted = map[string]*Def{
		"request_latency":            {Tag: "network_adjusted_request_latency", Header: "Network-Adjusted Request Latency", Unit: "ms", Scale: 1, Flags: NoConsole},
		"time_to_first_token":        {Tag: "network_adjusted_time_to_first_token", Header: "Network-Adjusted TTFT", Unit: "ms", Scale: 1, Flags: NoConsole},
		"time_to_first_output_token": {Tag: "network_adjusted_time_to_first_output_token", Header: "Network-Adjusted TTFO", Unit: "ms", Scale: 1, Flags: NoConsole},
	}
)

// AddNetwork adds network_rtt (the round trips, ns) and the latencies with
// the mean round trip removed. It returns the mean subtracted (ms) and
// whether it exceeded some latency, so that one was clamped at 0: then the
// round trip may be larger than the network's share of the latencies.
func (s *Summary) AddNetwork(rttNs []float64) (meanMs float64, clamped bool) {
	rtt, ok := describe(&defNetworkRTT, rttNs)
	if !ok {
		return 0, false
	}
	out := []Result{rtt}
	mean := rtt.Stats.Avg
	for _, tag := range []string{"request_latency", "time_to_first_token", "time_to_first_output_token"} {
		base, ok := s.Lookup(tag)
		if !ok {
			continue
		}
		st := base.Stats
		clamped = clamped || st.Min < mean
		sub := func(x float64) float64 { return math.Max(0, x-mean) }
		st.Avg, st.Min, st.Max = sub(st.Avg), sub(st.Min), sub(st.Max)
		for i := range st.P {
			st.P[i] = sub(st.P[i])
		}
		st.Sum = st.Avg * float64(st.Count)
		out = append(out, Result{Def: adjusted[tag], Stats: st})
	}
	s.Metrics = append(s.Metrics, out...)
	sortResults(s.Metrics)
	return mean, clamped
}
