package optimize

import (
	"math"
	"math/rand/v2"
	"slices"
)

// tpe is a tree-structured Parzen estimator (Bergstra et al. 2011, as
// Optuna's default sampler): the trials split into the best quarter
// (feasible first) and the rest, each dimension's density estimated from
// each group by Gaussian kernels with a uniform prior, and of candidates
// drawn from the good density the one where good/bad is largest wins.
func (p Problem) tpe(trials []Trial, r *rand.Rand) []float64 {
	ys := p.signed(trials)
	order := make([]int, len(trials))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		fa, fb := trials[a].Feasible(), trials[b].Feasible()
		switch {
		case fa != fb && fa:
			return -1
		case fa != fb:
			return 1
		case !fa:
			return cmpDesc(-violation(trials[a]), -violation(trials[b]))
		}
		return cmpDesc(ys[a], ys[b])
	})
	// Infeasible trials are always bad (as Optuna's constrained TPE):
	// good is the best quarter of the feasible ones, or with none yet the
	// least violating quarter.
	pool := len(trials)
	if n := FeasibleCount(trials); n > 0 {
		pool = n
	}
	nGood := max(1, int(math.Ceil(0.25*float64(pool))))
	var good, bad [][]float64
	for k, i := range order {
		if k < nGood {
			good = append(good, p.unit(trials[i].X))
		} else {
			bad = append(bad, p.unit(trials[i].X))
		}
	}
	d := len(p.Dims)
	bestU, bestS := []float64(nil), math.Inf(-1)
	for range 64 {
		u := make([]float64, d)
		score := 0.0
		for k := range d {
			u[k] = sampleParzen(column(good, k), r)
			score += math.Log(parzen(column(good, k), u[k])) - math.Log(parzen(column(bad, k), u[k]))
		}
		if score > bestS {
			bestU, bestS = u, score
		}
	}
	return bestU
}

func column(pts [][]float64, k int) []float64 {
	out := make([]float64, len(pts))
	for i, p := range pts {
		out[i] = p[k]
	}
	return out
}

// widths are each point's kernel width, as Optuna's Parzen estimator
// sets them: the larger gap to its neighbours in sorted order (the box's
// ends included), clipped to [1/(n+1), 1] — wide where points are few,
// so a lone good point is explored around, not only exploited.
func widths(pts []float64) []float64 {
	order := make([]int, len(pts))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmpDesc(pts[b], pts[a]) })
	w := make([]float64, len(pts))
	lo := 1 / float64(len(pts)+1)
	for k, i := range order {
		left, right := pts[i], 1-pts[i]
		if k > 0 {
			left = pts[i] - pts[order[k-1]]
		}
		if k+1 < len(order) {
			right = pts[order[k+1]] - pts[i]
		}
		w[i] = math.Min(math.Max(math.Max(left, right), lo), 1)
	}
	return w
}

// parzen is the density at u of kernels at pts plus a uniform prior
// (weight one point), on [0, 1].
func parzen(pts []float64, u float64) float64 {
	dens := 1.0 // the uniform prior's density on [0, 1]
	for i, w := range widths(pts) {
		dens += normPDF((u-pts[i])/w) / w
	}
	return dens / float64(len(pts)+1)
}

// sampleParzen draws from that mixture.
func sampleParzen(pts []float64, r *rand.Rand) float64 {
	i := r.IntN(len(pts) + 1)
	if i == len(pts) {
		return r.Float64()
	}
	return clamp01(pts[i] + widths(pts)[i]*r.NormFloat64())
}

// FeasibleCount is how many trials met every constraint.
func FeasibleCount(trials []Trial) int {
	n := 0
	for _, t := range trials {
		if t.Feasible() {
			n++
		}
	}
	return n
}

// violation is how far a trial is from feasible: its positive
// violations summed (a failed run the farthest).
func violation(t Trial) float64 {
	if math.IsNaN(t.Y) {
		return math.Inf(1)
	}
	s := 0.0
	for _, v := range t.Violations {
		switch {
		case math.IsNaN(v):
			return math.Inf(1)
		case v > 0:
			s += v
		}
	}
	return s
}
