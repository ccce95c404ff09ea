package metrics

import (
	"math"
	"slices"
)

// Percentiles are the ones AIPerf reports.
var Percentiles = [...]float64{1, 5, 10, 25, 50, 75, 90, 95, 99}

// Stats summarise a distribution, in display units.
type Stats struct {
	Avg, Min, Max, Std, Sum float64
	P                       [len(Percentiles)]float64
	Count                   int
}

// Describe computes statistics of xs (which it sorts): mean, min, max,
// sample std (ddof=1, as AIPerf's export schema documents it since 1.1; 0
// for a single value), and percentiles with numpy's linear interpolation
// (rank (n−1)·q/100). ok is false for an empty slice.
func Describe(xs []float64) (s Stats, ok bool) {
	n := len(xs)
	if n == 0 {
		return s, false
	}
	slices.Sort(xs)
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	mean := sum / float64(n)
	ss := 0.0
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	std := 0.0
	if n > 1 {
		std = math.Sqrt(ss / float64(n-1))
	}
	s = Stats{Avg: mean, Min: xs[0], Max: xs[n-1], Std: std, Sum: sum, Count: n}
	for i, q := range Percentiles {
		s.P[i] = Percentile(xs, q)
	}
	return s, true
}

// Percentile is numpy.percentile(sorted, q) with linear interpolation.
func Percentile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	rank := (float64(n) - 1) * q / 100
	lo := int(math.Floor(rank))
	hi := min(lo+1, n-1)
	frac := rank - float64(lo)
	return sorted[lo] + (sorted[hi]-sorted[lo])*frac
}

// P returns the q-th percentile of s (q one of Percentiles).
func (s *Stats) Pct(q float64) float64 {
	for i, p := range Percentiles {
		if p == q {
			return s.P[i]
		}
	}
	return math.NaN()
}

func (s Stats) scaled(f float64) Stats {
	s.Avg *= f
	s.Min *= f
	s.Max *= f
	s.Std *= f
	s.Sum *= f
	for i := range s.P {
		s.P[i] *= f
	}
	return s
}
