package twin

import (
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/telemetry"
)

// The servers' gauges of requests running and waiting (vLLM, llama.cpp,
// SGLang): a run whose server queued while it ran N requests shows N as its
// batch limit.
var (
	runningGauges = []string{"vllm:num_requests_running", "llamacpp:requests_processing", "sglang:num_running_reqs"}
	waitingGauges = []string{"vllm:num_requests_waiting", "llamacpp:requests_deferred", "sglang:num_queue_reqs"}
)

// BatchLimit reads the server's batch limit from the runs' scrapes of its
// /metrics: the most requests it ran in a run where requests also waited.
// ok is false when no run queued (the limit was never reached: it cannot be
// seen) or none was scraped.
func BatchLimit(dirs []string, prefix string) (limit int, ok bool) {
	for _, dir := range dirs {
		d, err := export.Open(dir, prefix)
		if err != nil {
			continue
		}
		res, err := d.ServerMetrics()
		if err != nil || res == nil {
			continue
		}
		for i := range res.Endpoints {
			e := &res.Endpoints[i]
			if gaugeMax(e, waitingGauges) > 0 {
				if n := int(gaugeMax(e, runningGauges)); n > limit {
					limit, ok = n, true
				}
			}
		}
	}
	return limit, ok
}

// gaugeMax is the largest value any series of the first of names took.
func gaugeMax(e *telemetry.EndpointResult, names []string) float64 {
	mx := 0.0
	for _, n := range names {
		m, found := e.Lookup(n)
		if !found {
			continue
		}
		for _, s := range m.Series {
			if s.Max != nil && *s.Max > mx {
				mx = *s.Max
			}
		}
		return mx
	}
	return 0
}
