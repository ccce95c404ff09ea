package metrics

import (
	"math"
	"sort"
)

// MannWhitney is the two-sided p-value of the Mann–Whitney U test that xs
// and ys come from the same distribution (no shift), by the normal
// approximation with the tie correction and a continuity correction: fine
// from about 20 values a side. NaN when a side is empty or every value is
// the same.
func MannWhitney(xs, ys []float64) float64 {
	n1, n2 := float64(len(xs)), float64(len(ys))
	if n1 == 0 || n2 == 0 {
		return math.NaN()
	}
	type v struct {
		x    float64
		left bool
	}
	all := make([]v, 0, len(xs)+len(ys))
	for _, x := range xs {
		all = append(all, v{x, true})
	}
	for _, y := range ys {
		all = append(all, v{y, false})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].x < all[j].x })
	n := n1 + n2
	r1, ties := 0.0, 0.0
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].x == all[i].x {
			j++
		}
		rank := float64(i+j+1) / 2 // the mean of ranks i+1 … j
		for k := i; k < j; k++ {
			if all[k].left {
				r1 += rank
			}
		}
		t := float64(j - i)
		ties += t*t*t - t
		i = j
	}
	u := r1 - n1*(n1+1)/2
	sigma := math.Sqrt(n1 * n2 / 12 * ((n + 1) - ties/(n*(n-1))))
	if sigma == 0 {
		return math.NaN()
	}
	z := (math.Abs(u-n1*n2/2) - 0.5) / sigma
	if z < 0 {
		z = 0
	}
	return math.Erfc(z / math.Sqrt2)
}
