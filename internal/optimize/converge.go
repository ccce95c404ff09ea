package optimize

import "math"

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
