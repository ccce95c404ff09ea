package twin

import (
	"math"
	"time"

	"github.com/sonde-bench/sonde/internal/sim"
)

// initial estimates the costs by regression on the requests' own times,
// where the refinement starts. A request's mean ITL is a step's time while
// it decodes: base + decode·D + context·C/1000 + prefill·P, with D the
// requests decoding beside it, C their context and P the prompt tokens
// prefilled per step meanwhile (other requests' first tokens in its
// interval), all read from the other requests' times. A request sent into
// an idle server takes the overhead and one step of its uncached prompt to
// its first token: the rest of TTFT.
func initial(runs []*Measured) sim.TwinCosts {
	var rows [][]float64
	var ys []float64
	for _, m := range runs {
		for i := range m.Reqs {
			if row, y, ok := itlRow(m.Reqs, i); ok {
				rows, ys = append(rows, row), append(ys, y)
			}
		}
	}
	beta := nnls(rows, ys) // base, decode, context, prefill (µs)
	c := sim.TwinCosts{StepBaseUs: beta[0], DecodeSeqUs: beta[1], KContextUs: beta[2], PrefillTokenUs: beta[3]}
	var alone [][]float64
	var ttft []float64
	for _, m := range runs {
		for i, q := range m.Reqs {
			if idleAt(m.Reqs, i) {
				u := float64(q.Input - q.Cached)
				alone = append(alone, []float64{1, u, u * (float64(q.Cached) + u/2) / 1e6})
				ttft = append(ttft, usOf(q.First-q.Sent)-c.StepBaseUs)
			}
		}
	}
	if len(alone) >= 4 {
		if b := nnls(alone, ttft); b[1] > 0 || b[2] > 0 {
			c.PrefillTokenUs, c.MPairsUs = b[1], b[2]
		}
	}
	var rest []float64 // the overhead: TTFT beyond its step
	for i, row := range alone {
		rest = append(rest, ttft[i]-c.PrefillTokenUs*row[1]-c.MPairsUs*row[2])
	}
	if len(rest) > 0 {
		// An exponential's spread equals its mean: the residuals' spread is
		// the jitter's mean, the rest of their mean the fixed overhead.
		mean, sq := 0.0, 0.0
		for _, r := range rest {
			mean += r / float64(len(rest))
		}
		for _, r := range rest {
			sq += (r - mean) * (r - mean) / float64(len(rest))
		}
		c.JitterUs = min(math.Sqrt(sq), max(mean, 0))
		// Whether the fixed part is paid beside the engine (an API
		// server's) or on its loop (llama.cpp's) shows only when the engine
		// is busy: start from half of each and let the refinement say.
		fixed := max(mean-c.JitterUs, 0)
		c.OverheadUs, c.NewSeqUs = fixed/2, fixed/2
	}
	return c
}

func usOf(d time.Duration) float64 { return float64(d) / 1e3 }

// itlRow is request i's regression row: [1, D, C/1000, P] and its mean ITL
// (µs), averaged over eight instants of its decoding.
func itlRow(reqs []MeasuredRequest, i int) ([]float64, float64, bool) {
	r := reqs[i]
	if r.Output < 3 || r.Last <= r.First {
		return nil, 0, false
	}
	const k = 8
	row := []float64{1, 0, 0, 0}
	for j := range k {
		at := r.First + (r.Last-r.First)*time.Duration(2*j+1)/(2*k)
		for _, q := range reqs {
			if q.First <= at && at < q.Last {
				done := float64(q.Output) * float64(at-q.First) / float64(q.Last-q.First)
				row[1] += 1.0 / k
				row[2] += (float64(q.Input) + done) / 1000 / k
			}
		}
	}
	prefill := 0
	for j, q := range reqs {
		if j != i && q.First > r.First && q.First <= r.Last {
			prefill += q.Input - q.Cached
		}
	}
	row[3] = float64(prefill) / float64(r.Output-1)
	return row, usOf(r.Last-r.First) / float64(r.Output-1), true
}

// idleAt reports whether request i was sent when no other was in flight.
func idleAt(reqs []MeasuredRequest, i int) bool {
	for j, q := range reqs {
		if j != i && q.Sent <= reqs[i].Sent && q.Last > reqs[i].Sent {
			return false
		}
	}
	return true
}

// nnls solves least squares with non-negative coefficients by dropping,
// one at a time, the column whose coefficient comes out most negative or
// that the others make redundant (an active set, good enough for four
// columns); dropped coefficients are 0.
func nnls(rows [][]float64, ys []float64) []float64 {
	if len(rows) == 0 {
		return make([]float64, 4)
	}
	p := len(rows[0])
	active := make([]bool, p)
	for i := range active {
		active[i] = true
	}
	for {
		var idx []int
		for j, a := range active {
			if a {
				idx = append(idx, j)
			}
		}
		beta := make([]float64, p)
		if len(idx) == 0 {
			return beta
		}
		sol, ok := leastSquares(rows, ys, idx)
		worst := -1
		for k, j := range idx {
			beta[j] = sol[k]
			if !ok || sol[k] < 0 && (worst < 0 || sol[k] < beta[worst]) {
				worst = j
			}
		}
		if worst < 0 {
			return beta
		}
		active[worst] = false
	}
}

// leastSquares solves the normal equations over the columns idx.
func leastSquares(rows [][]float64, ys []float64, idx []int) ([]float64, bool) {
	n := len(idx)
	a := make([][]float64, n)
	b := make([]float64, n)
	for i, ji := range idx {
		a[i] = make([]float64, n)
		for r, row := range rows {
			b[i] += row[ji] * ys[r]
			for k, jk := range idx {
				a[i][k] += row[ji] * row[jk]
			}
		}
	}
	inv, ok := invert(a)
	if !ok {
		return make([]float64, n), false
	}
	out := make([]float64, n)
	for i := range out {
		for k := range out {
			out[i] += inv[i][k] * b[k]
		}
	}
	return out, true
}
