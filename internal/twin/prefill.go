package twin

import (
	"time"

	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/telemetry"
)

// serverPrefill reads from a run's scrapes of the server's /metrics the
// mean time its engine spent on a request's prompt, from the first prompt
// token processed to the first token sampled: llama.cpp's
// prompt_seconds_total over the run's requests, or vLLM's
// request_prefill_time_seconds histogram (its sum over its count). false
// when the run was not scraped or the server reports neither.
//
// It tells the fit where a request's time to first token goes: what the
// engine spends on the prompt (and so does not spend decoding others) and
// what is spent beside it (HTTP, tokenization, the template). From TTFT
// alone the two trade off against each other, and a fit that put too much
// beside the engine predicted a busy server too fast (docs/twin.md).
func serverPrefill(d *export.RunDir, requests int) (time.Duration, bool) {
	res, err := d.ServerMetrics()
	if err != nil || res == nil || requests == 0 {
		return 0, false
	}
	delta := func(s *telemetry.SeriesResult) *float64 { return s.Delta }
	sum := func(s *telemetry.SeriesResult) *float64 { return s.Sum }
	count := func(s *telemetry.SeriesResult) *float64 { return s.Count }
	for i := range res.Endpoints {
		e := &res.Endpoints[i]
		if m, ok := e.Lookup("vllm:request_prefill_time_seconds"); ok {
			total, _ := m.Total(sum)
			if n, _ := m.Total(count); n > 0 {
				return seconds(total / n), true
			}
		}
		if m, ok := e.Lookup("llamacpp:prompt_seconds_total"); ok {
			if total, _ := m.Total(delta); total > 0 {
				return seconds(total / float64(requests)), true
			}
		}
	}
	return 0, false
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// besideEngine is the mean time of a request's TTFT the server did not
// spend on its prompt, in µs, for a run that never queued in the server
// (closed loop, no more streams than it runs at once): the twin's
// request_overhead_us plus overhead_jitter_us. 0 when unknown.
func besideEngine(m *Measured, maxNumSeqs int) float64 {
	if m.Prefill <= 0 || m.Concurrency <= 0 || m.Concurrency > maxNumSeqs {
		return 0
	}
	var ttft time.Duration
	for _, q := range m.Reqs {
		ttft += q.First - q.Sent
	}
	gap := ttft/time.Duration(len(m.Reqs)) - m.Prefill
	return max(float64(gap.Microseconds()), 0)
}
