package adapt

import (
	"math"
	"slices"
	"sync"

	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

// Window collects the profiling answers of the current assessment window:
// a sink of the processor's goroutine; Take hands the window over to the
// controller and starts the next.
type Window struct {
	mu  sync.Mutex
	cur Summary
}

// Summary is one window's answers: latencies of the successful ones (ms),
// counts, and its length.
type Summary struct {
	Completed, Errors, Cancelled int
	OutputTokens                 float64
	Seconds                      float64
	lat                          map[string][]float64
}

func (w *Window) Start() error { return nil }
func (w *Window) Close() error { return nil }

// Put adds a profiling record.
func (w *Window) Put(r *record.Record, v *metrics.Values) {
	if r.Phase != record.PhaseProfiling {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	s := &w.cur
	switch {
	case r.WasCancelled:
		s.Cancelled++
		return
	case r.Error != nil:
		s.Errors++
		return
	}
	s.Completed++
	if s.lat == nil {
		s.lat = map[string][]float64{}
	}
	for tag, i := range map[string]int{"time_to_first_token": metrics.TTFT, "inter_token_latency": metrics.ITL, "request_latency": metrics.RequestLatency} {
		if x, ok := v.Get(i); ok {
			s.lat[tag] = append(s.lat[tag], x*1e-6)
		}
	}
	if x, ok := v.Get(metrics.OutputTokenCount); ok {
		s.OutputTokens += x
	}
}

// Peek is the window so far, without ending it.
func (w *Window) Peek() Summary {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cur
}

// Take ends the window of the given length and starts the next.
func (w *Window) Take(seconds float64) Summary {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.cur
	s.Seconds = seconds
	w.cur = Summary{}
	return s
}

// Stat is one of the window's statistics; NaN when it has no sample.
func (s Summary) Stat(metric, stat string) float64 {
	total := float64(s.Completed + s.Errors + s.Cancelled)
	switch metric {
	case "error_rate":
		return ratio(float64(s.Errors), total)
	case "success_rate":
		return ratio(float64(s.Completed), total)
	case "cancellation_rate":
		return ratio(float64(s.Cancelled), total)
	case "request_throughput":
		return ratio(float64(s.Completed), s.Seconds)
	case "output_token_throughput":
		return ratio(s.OutputTokens, s.Seconds)
	}
	xs := slices.Clone(s.lat[metric])
	if len(xs) == 0 {
		return math.NaN()
	}
	slices.Sort(xs)
	switch stat {
	case "avg":
		sum := 0.0
		for _, x := range xs {
			sum += x
		}
		return sum / float64(len(xs))
	case "min":
		return xs[0]
	case "max":
		return xs[len(xs)-1]
	}
	var q float64
	switch stat {
	case "p50":
		q = 50
	case "p75":
		q = 75
	case "p90":
		q = 90
	case "p95":
		q = 95
	default:
		q = 99
	}
	return metrics.Percentile(xs, q)
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return math.NaN()
	}
	return a / b
}
