package metrics

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/sonde-bench/sonde/internal/record"
)

// Slicer keeps the metrics of each time slice of a run (--slice-duration):
// a request belongs to the slice in which it was sent.
type Slicer struct {
	opts   Options
	width  int64 // ns
	origin int64 // wall ns of slice 0's start; the first request's start if unset
	accs   map[int64]*Accumulator
}

// NewSlicer slices time into widthNs pieces.
func NewSlicer(opts Options, widthNs int64) *Slicer {
	return &Slicer{opts: opts, width: max(widthNs, 1), accs: map[int64]*Accumulator{}}
}

// SetOrigin sets when slice 0 starts (the profiling phase's start, wall ns).
func (s *Slicer) SetOrigin(wallNs int64) { s.origin = wallNs }

// Add counts a profiling record in its slice.
func (s *Slicer) Add(r *record.Record, v *Values) {
	if r.StartWallNs == 0 {
		return
	}
	if s.origin == 0 {
		s.origin = r.StartWallNs
	}
	k := (r.StartWallNs - s.origin) / s.width
	if r.StartWallNs < s.origin {
		k = -1 - (s.origin-r.StartWallNs-1)/s.width
	}
	a := s.accs[k]
	if a == nil {
		a = NewAccumulator(s.opts)
		s.accs[k] = a
	}
	a.Add(r, v)
}

// Slice is one time slice's results.
type Slice struct {
	Index          int
	StartNs, EndNs int64 // wall clock
	Summary        *Summary
}

// Slices are the slices that hold requests, in time order.
func (s *Slicer) Slices() []Slice {
	keys := slices.Sorted(maps.Keys(s.accs))
	out := make([]Slice, 0, len(keys))
	for _, k := range keys {
		start := s.origin + k*s.width
		out = append(out, Slice{Index: int(k), StartNs: start, EndNs: start + s.width, Summary: s.accs[k].Summary()})
	}
	return out
}

// SteadyStateWarning compares the request latency (TTFT when streaming) of
// the last third of the slices with the first third's: a difference beyond
// twice its standard error and 10 % of the first means the run did not
// reach a steady state (a warm-up, or a server degrading). Needs 3 slices.
func SteadyStateWarning(ss []Slice, streaming bool) string {
	if len(ss) < 3 {
		return ""
	}
	tag := "request_latency"
	if streaming {
		tag = "time_to_first_token"
	}
	third := len(ss) / 3
	first, okA := pooled(ss[:third], tag)
	last, okB := pooled(ss[len(ss)-third:], tag)
	if !okA || !okB {
		return ""
	}
	diff := last.mean - first.mean
	se := math.Sqrt(first.v/first.n + last.v/last.n)
	if math.Abs(diff) <= 2*se || math.Abs(diff) <= 0.1*math.Abs(first.mean) {
		return ""
	}
	way := "grew"
	if diff < 0 {
		way = "fell"
	}
	return fmt.Sprintf("Time slices: %s avg %s from %.2f to %.2f between the first and the last third of the run, beyond the noise: the run may not have reached a steady state (a longer warm-up or run, or a degrading server).",
		tag, way, first.mean, last.mean)
}

type group struct{ n, mean, v float64 }

// pooled merges slices' count, mean and sample variance of a metric.
func pooled(ss []Slice, tag string) (group, bool) {
	var n, sum, sq float64
	for _, s := range ss {
		r, ok := s.Summary.Lookup(tag)
		if !ok || r.Stats.Count == 0 {
			continue
		}
		c := float64(r.Stats.Count)
		n += c
		sum += r.Stats.Avg * c
		sq += r.Stats.Std*r.Stats.Std*(c-1) + c*r.Stats.Avg*r.Stats.Avg
	}
	if n < 2 {
		return group{}, false
	}
	mean := sum / n
	return group{n: n, mean: mean, v: math.Max(0, (sq-n*mean*mean)/(n-1))}, true
}
