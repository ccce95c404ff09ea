package twin

import "slices"

// minimize finds a local minimum of f from x0 by Nelder and Mead's simplex
// (standard coefficients), within evals evaluations of f: the fit's loss is
// a simulation, piecewise constant at small scales, so no gradient exists.
// step is the initial simplex's size in every coordinate.
func minimize(f func([]float64) float64, x0 []float64, step float64, evals int) ([]float64, float64) {
	n := len(x0)
	type vertex struct {
		x []float64
		f float64
	}
	at := func(x []float64) vertex { evals--; return vertex{x, f(x)} }
	simplex := []vertex{at(slices.Clone(x0))}
	for i := range n {
		x := slices.Clone(x0)
		x[i] += step
		simplex = append(simplex, at(x))
	}
	// along returns c + t·(x − c).
	along := func(c, x []float64, t float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = c[i] + t*(x[i]-c[i])
		}
		return out
	}
	for evals > 0 {
		slices.SortFunc(simplex, func(a, b vertex) int {
			switch {
			case a.f < b.f:
				return -1
			case a.f > b.f:
				return 1
			}
			return 0
		})
		best, worst := simplex[0], simplex[n]
		if worst.f-best.f < 1e-9*(1+best.f) {
			break
		}
		c := make([]float64, n) // centroid of all but the worst
		for _, v := range simplex[:n] {
			for i := range c {
				c[i] += v.x[i] / float64(n)
			}
		}
		r := at(along(c, worst.x, -1))
		switch {
		case r.f < best.f:
			if e := at(along(c, worst.x, -2)); e.f < r.f {
				r = e
			}
			simplex[n] = r
		case r.f < simplex[n-1].f:
			simplex[n] = r
		default:
			if k := at(along(c, worst.x, 0.5)); k.f < worst.f {
				simplex[n] = k
				continue
			}
			for i := 1; i <= n && evals > 0; i++ { // shrink towards the best
				simplex[i] = at(along(best.x, simplex[i].x, 0.5))
			}
		}
	}
	best := simplex[0]
	for _, v := range simplex[1:] {
		if v.f < best.f {
			best = v
		}
	}
	return best.x, best.f
}
