package optimize

import (
	"math"
	"math/rand/v2"
)

// Stopping is when a search ends before its iteration budget (AIPerf's
// three signals): Patience iterations without a better feasible trial,
// or the last Window feasible values varying by less than Threshold
// (their coefficient of variation).
type Stopping struct {
	MaxIterations int
	Patience      int     // AIPerf's improvement_patience, 10
	Window        int     // plateau_window, 8
	Threshold     float64 // plateau_threshold, 0.01
}

// Reason is why the trials so far end the search ("" to go on): AIPerf's
// convergence_reason values.
func (s Stopping) Reason(trials []Trial, maximize bool) string {
	if len(trials) >= s.MaxIterations {
		return "max_iterations"
	}
	var vals []float64
	best, since := math.Inf(-1), 0
	for _, t := range trials {
		if !t.Feasible() {
			since++
			continue
		}
		y := t.Y
		if !maximize {
			y = -y
		}
		vals = append(vals, t.Y)
		if y > best {
			best, since = y, 0
		} else {
			since++
		}
	}
	if s.Patience > 0 && !math.IsInf(best, -1) && since >= s.Patience {
		return "improvement_patience"
	}
	if s.Window > 1 && len(vals) >= s.Window {
		mean, sd := meanStd(vals[len(vals)-s.Window:])
		if math.Abs(mean) > 1e-12 && sd/math.Abs(mean) < s.Threshold {
			return "plateau_cv"
		}
	}
	return ""
}

// Best is the index of the best trial: feasible first, then by the
// objective; -1 without a successful one.
func Best(trials []Trial, maximize bool) int {
	best := -1
	better := func(a, b Trial) bool {
		if a.Feasible() != b.Feasible() {
			return a.Feasible()
		}
		if maximize {
			return a.Y > b.Y
		}
		return a.Y < b.Y
	}
	for i, t := range trials {
		if math.IsNaN(t.Y) {
			continue
		}
		if best < 0 || better(t, trials[best]) {
			best = i
		}
	}
	return best
}

// RegretConverged is the posterior-regret stopping rule (Makarova et al.
// 2022, Optuna's RegretBoundEvaluator, simplified): a Gaussian process on
// the trials bounds what is left to gain by the best upper confidence
// bound over the box less the best lower bound measured (μ ± 2σ). Where
// the model is sure of the box, the bound shrinks to the band of the
// measurements' noise (4 noise deviations); the search ends when it is
// within one deviation more than that.
func (p Problem) RegretConverged(trials []Trial) bool {
	if len(trials) < max(p.Initial, 2) {
		return false
	}
	xs := p.units(trials)
	ys := p.signed(trials)
	g, err := fitGP(xs, ys)
	if err != nil {
		return false
	}
	bestLCB := math.Inf(-1)
	for _, x := range xs {
		mu, sigma := g.predict(x)
		bestLCB = math.Max(bestLCB, mu-2*sigma)
	}
	r := rand.New(rand.NewPCG(p.Seed, 0x726567726574))
	ucb := func(u []float64) float64 { mu, sigma := g.predict(u); return mu + 2*sigma }
	maxUCB := ucb(p.maximize(ucb, xs, ys, r))
	noise := math.Sqrt(g.noise) * g.scale
	return maxUCB-bestLCB <= 5*noise
}
