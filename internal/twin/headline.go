package twin

import (
	"math"
	"time"

	"github.com/sonde-bench/sonde/internal/metrics"
)

// Obs is one finished request as the headline metrics read it, measured or
// simulated: times since any common origin.
type Obs struct {
	Sent, First, Last time.Duration
	Output            int
}

// Headline are the figures a twin is judged by, in AIPerf's units (ms,
// tokens/s) and with its definitions: TTFT from the send, ITL as (latency −
// TTFT)/(OSL − 1) per request, output throughput over the span from the
// first send to the last answer.
type Headline map[string]float64

// HeadlineKeys are Headline's keys, in the order tables show them.
var HeadlineKeys = []string{"time_to_first_token p50", "time_to_first_token p90", "inter_token_latency p50",
	"inter_token_latency p90", "request_latency p50", "output_token_throughput avg"}

// headlineOf computes the figures of a set of requests.
func headlineOf(obs []Obs) Headline {
	var ttft, itl, lat []float64
	first, last, tokens := time.Duration(math.MaxInt64), time.Duration(0), 0
	for _, o := range obs {
		ttft = append(ttft, ms(o.First-o.Sent))
		lat = append(lat, ms(o.Last-o.Sent))
		if o.Output > 1 {
			itl = append(itl, ms(o.Last-o.First)/float64(o.Output-1))
		}
		first, last, tokens = min(first, o.Sent), max(last, o.Last), tokens+o.Output
	}
	h := Headline{}
	put := func(name string, xs []float64) {
		if s, ok := metrics.Describe(xs); ok {
			h[name+" p50"], h[name+" p90"], h[name+" p99"] = s.P[pIndex(50)], s.P[pIndex(90)], s.P[pIndex(99)]
		}
	}
	put("time_to_first_token", ttft)
	put("inter_token_latency", itl)
	put("request_latency", lat)
	if last > first {
		h["output_token_throughput avg"] = float64(tokens) / (last - first).Seconds()
	}
	return h
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// pIndex is the position of percentile q in metrics.Percentiles.
func pIndex(q float64) int {
	for i, p := range metrics.Percentiles {
		if p == q {
			return i
		}
	}
	panic("no percentile")
}

// simulatedObs are the finished requests of one phase of a simulation.
func simulatedObs(reqs []*Request, phase int) []Obs {
	var out []Obs
	for _, r := range reqs {
		if r.Phase == phase && !r.Refused && len(r.Tokens) > 0 {
			out = append(out, r.obs())
		}
	}
	return out
}
