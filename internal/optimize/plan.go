package optimize

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Dim is one searched parameter: its bounds (inclusive) and whether it
// takes whole numbers.
type Dim struct {
	Name   string
	Lo, Hi float64
	Int    bool
}

// Trial is one evaluated point: the objective's value (NaN when the
// benchmark failed) and each constraint's signed violation (≤ 0 holds).
type Trial struct {
	X          []float64
	Y          float64
	Violations []float64
}

// Feasible reports whether every constraint held.
func (t Trial) Feasible() bool {
	for _, v := range t.Violations {
		if !(v <= 0) {
			return false
		}
	}
	return !math.IsNaN(t.Y)
}

// Problem is what a planner needs: the box, the direction and the number
// of space-filling points before any model is fitted.
type Problem struct {
	Dims     []Dim
	Maximize bool
	Initial  int    // space-filling points first (AIPerf's default 5)
	Sampler  string // gp (expected improvement) or tpe
	Seed     uint64
}

// Next is the point to evaluate after trials: the first Initial points
// fill the box (a Halton sequence, scrambled by the seed); then the
// sampler's choice. Pure: the same trials give the same point.
func (p Problem) Next(trials []Trial) ([]float64, error) {
	if len(p.Dims) == 0 {
		return nil, fmt.Errorf("an empty search space")
	}
	r := rand.New(rand.NewPCG(p.Seed, uint64(len(trials))))
	var u []float64
	switch {
	case len(trials) < max(p.Initial, 1):
		u = halton(len(trials)+1, len(p.Dims), p.Seed)
	case p.Sampler == "tpe":
		u = p.tpe(trials, r)
	default:
		var err error
		if u, err = p.bayes(trials, r); err != nil {
			return nil, err
		}
	}
	return p.fromUnit(u), nil
}

// unit maps x into the unit cube; fromUnit maps back, rounding whole
// dimensions.
func (p Problem) unit(x []float64) []float64 {
	u := make([]float64, len(x))
	for i, d := range p.Dims {
		if d.Hi > d.Lo {
			u[i] = (x[i] - d.Lo) / (d.Hi - d.Lo)
		}
	}
	return u
}

// units are the trials' points in the unit cube.
func (p Problem) units(trials []Trial) [][]float64 {
	xs := make([][]float64, len(trials))
	for i, t := range trials {
		xs[i] = p.unit(t.X)
	}
	return xs
}

func (p Problem) fromUnit(u []float64) []float64 {
	x := make([]float64, len(u))
	for i, d := range p.Dims {
		v := d.Lo + math.Min(math.Max(u[i], 0), 1)*(d.Hi-d.Lo)
		if d.Int {
			v = math.Round(v)
		}
		x[i] = math.Min(math.Max(v, d.Lo), d.Hi)
	}
	return x
}

// signed is the objective as maximized; a failed trial is worse than any
// other (the worst seen, less a spread), so the model learns to avoid it.
func (p Problem) signed(trials []Trial) []float64 {
	ys := make([]float64, len(trials))
	worst, best := math.Inf(1), math.Inf(-1)
	for i, t := range trials {
		ys[i] = t.Y
		if !p.Maximize {
			ys[i] = -t.Y
		}
		if !math.IsNaN(ys[i]) {
			worst, best = math.Min(worst, ys[i]), math.Max(best, ys[i])
		}
	}
	if math.IsInf(worst, 1) {
		worst, best = 0, 1
	}
	for i := range ys {
		if math.IsNaN(ys[i]) {
			ys[i] = worst - 0.5*(best-worst+1e-9)
		}
	}
	return ys
}

// bayes picks the candidate with the largest expected improvement over
// the best feasible trial, times the probability that each constraint
// holds (each violation modelled by a GP of its own); with no feasible
// trial yet, the most probably feasible candidate.
func (p Problem) bayes(trials []Trial, r *rand.Rand) ([]float64, error) {
	xs := p.units(trials)
	ys := p.signed(trials)
	obj, err := fitGP(xs, ys)
	if err != nil {
		return nil, err
	}
	var cons []*gp
	for c := range trials[0].Violations {
		vs := make([]float64, len(trials))
		for i, t := range trials {
			vs[i] = t.Violations[c]
			if math.IsNaN(vs[i]) || math.IsInf(vs[i], 0) {
				vs[i] = 1e9
			}
		}
		g, err := fitGP(xs, vs)
		if err != nil {
			return nil, err
		}
		cons = append(cons, g)
	}
	best, anyFeasible := math.Inf(-1), false
	for i, t := range trials {
		if t.Feasible() {
			best, anyFeasible = math.Max(best, ys[i]), true
		}
	}
	score := func(u []float64) float64 {
		pf := 1.0
		for _, g := range cons {
			mu, sigma := g.predict(u)
			pf *= normCDF(-mu / sigma)
		}
		if !anyFeasible {
			return pf
		}
		mu, sigma := obj.predict(u)
		return expectedImprovement(mu, sigma, best) * pf
	}
	return p.maximize(score, xs, ys, r), nil
}

// maximize searches the acquisition: random candidates over the box and
// around the best trials, the best of them refined by shrinking steps.
func (p Problem) maximize(score func([]float64) float64, xs [][]float64, ys []float64, r *rand.Rand) []float64 {
	d := len(p.Dims)
	var cands [][]float64
	for range 512 * d {
		u := make([]float64, d)
		for i := range u {
			u[i] = r.Float64()
		}
		cands = append(cands, u)
	}
	order := make([]int, len(ys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmpDesc(ys[a], ys[b]) })
	for _, i := range order[:min(3, len(order))] {
		for range 64 {
			u := make([]float64, d)
			for k := range u {
				u[k] = clamp01(xs[i][k] + 0.05*r.NormFloat64())
			}
			cands = append(cands, u)
		}
	}
	bestU, bestS := cands[0], math.Inf(-1)
	for _, u := range cands {
		if s := score(u); s > bestS {
			bestU, bestS = u, s
		}
	}
	for step := 0.02; step > 1e-4; step /= 2 { // coordinate refinement
		for k := range d {
			for _, dir := range []float64{-1, 1} {
				u := slices.Clone(bestU)
				u[k] = clamp01(u[k] + dir*step)
				if s := score(u); s > bestS {
					bestU, bestS = u, s
				}
			}
		}
	}
	return bestU
}

func clamp01(v float64) float64 { return math.Min(math.Max(v, 0), 1) }

func cmpDesc(a, b float64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// halton is point n (from 1) of the d-dimensional Halton sequence, each
// coordinate shifted by the seed modulo 1 (a Cranley–Patterson rotation):
// space-filling, and another seed gives another set.
func halton(n, d int, seed uint64) []float64 {
	primes := []int{2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37}
	r := rand.New(rand.NewPCG(seed, 0x68616c746f6e))
	u := make([]float64, d)
	for i := range d {
		b := primes[i%len(primes)]
		f, v := 1.0, 0.0
		for k := n; k > 0; k /= b {
			f /= float64(b)
			v += f * float64(k%b)
		}
		u[i] = math.Mod(v+r.Float64(), 1)
	}
	return u
}
