package twin

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/sim"
)

// Interval is a headline figure's prediction interval: its 5th and 95th
// percentiles over simulations with the twin's costs drawn from their
// uncertainty.
type Interval struct {
	Low  float64 `json:"p5"`
	High float64 `json:"p95"`
}

// Prediction is what the twin predicts for a run of phases.
type Prediction struct {
	Requests  []*Request
	Headline  Headline            // the profiling phase's (the last)
	Intervals map[string]Interval // by headline key
	Draws     int
}

// Predict simulates the phases under the twin, then again under draws of
// its costs (each normal around the fitted value with its standard error,
// never negative; seeded), for the last phase's prediction intervals.
// These cover the fit's uncertainty, not a server's run-to-run noise.
func Predict(t *sim.Twin, loads []*Workload, draws int, seed uint64) Prediction {
	p := Prediction{Requests: Simulate(t, loads, seed), Draws: draws}
	last := len(loads) - 1
	p.Headline = headlineOf(simulatedObs(p.Requests, last))
	heads := make([]Headline, draws)
	var wg sync.WaitGroup
	work := make(chan int)
	for range min(runtime.GOMAXPROCS(0), draws) {
		wg.Go(func() {
			for i := range work {
				d := *t
				d.Costs = drawCosts(t.Costs, t.StdErr, rand.New(rand.NewPCG(seed, 0x7477696e+uint64(i))))
				heads[i] = headlineOf(simulatedObs(Simulate(&d, loads, seed), last))
			}
		})
	}
	for i := range draws {
		work <- i
	}
	close(work)
	wg.Wait()
	spread := map[string][]float64{}
	for _, h := range heads {
		for k, v := range h {
			spread[k] = append(spread[k], v)
		}
	}
	if draws > 1 {
		p.Intervals = map[string]Interval{}
		for k, xs := range spread {
			slices.Sort(xs)
			p.Intervals[k] = Interval{Low: metrics.Percentile(xs, 5), High: metrics.Percentile(xs, 95)}
		}
	}
	return p
}

// drawCosts draws each cost around its value.
func drawCosts(c, se sim.TwinCosts, r *rand.Rand) sim.TwinCosts {
	d := func(x, s float64) float64 { return max(0, x+s*r.NormFloat64()) }
	return sim.TwinCosts{StepBaseUs: d(c.StepBaseUs, se.StepBaseUs), PrefillTokenUs: d(c.PrefillTokenUs, se.PrefillTokenUs),
		DecodeSeqUs: d(c.DecodeSeqUs, se.DecodeSeqUs), KContextUs: d(c.KContextUs, se.KContextUs), MPairsUs: d(c.MPairsUs, se.MPairsUs), NewSeqUs: d(c.NewSeqUs, se.NewSeqUs), OverheadUs: d(c.OverheadUs, se.OverheadUs),
		JitterUs: d(c.JitterUs, se.JitterUs)}
}
