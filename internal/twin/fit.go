package twin

import (
	"fmt"
	"math"
	"slices"

	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/sim"
)

// FitOptions are what the fit is told rather than finds: the engine's
// limits (a batch limit the runs never reached cannot be seen in them) and
// the effort.
type FitOptions struct {
	Engine sim.TwinEngine
	Server string
	// Evals bounds the simulations the refinement may run (0: 1,500).
	Evals int
	Seed  uint64
}

// DefaultEvals is the fit's budget of simulations: 400 stopped the simplex
// short on a real server's runs (c1's ITL p50 47 % off on a run it was
// fitted to, 500–1,000 brought it within 2–8 %; restarting the simplex where
// it stopped changed nothing), and it stops sooner once it has converged.
const DefaultEvals = 1500

// fitKeys are the figures the fit matches, run by run.
var fitKeys = []string{"time_to_first_token p50", "time_to_first_token p90", "inter_token_latency p50",
	"inter_token_latency p90", "request_latency p50", "output_token_throughput avg"}

// fitFigures are fitKeys and the halves' medians (split), in the order of
// the residuals.
var fitFigures = append(slices.Clip(fitKeys), "ttft short", "ttft long", "ttft history short", "ttft history long", "itl short", "itl long")

// costNames name the costs in the order of a parameter vector.
var costNames = []string{"step_base_us", "prefill_token_us", "decode_seq_us", "per_1k_context_us", "prefill_per_1m_pairs_us",
	"new_seq_us", "request_overhead_us", "overhead_jitter_us"}

func costsVector(c sim.TwinCosts) []float64 {
	return []float64{c.StepBaseUs, c.PrefillTokenUs, c.DecodeSeqUs, c.KContextUs, c.MPairsUs, c.NewSeqUs, c.OverheadUs, c.JitterUs}
}

func vectorCosts(v []float64) sim.TwinCosts {
	return sim.TwinCosts{StepBaseUs: v[0], PrefillTokenUs: v[1], DecodeSeqUs: v[2], KContextUs: v[3], MPairsUs: v[4], NewSeqUs: v[5],
		OverheadUs: v[6], JitterUs: v[7]}
}

// floors keep the costs' logarithms finite: below them a cost is nil for
// every purpose (a microsecond per step, a nanosecond per token).
var floors = []float64{1, 0.001, 0.01, 0.001, 0.01, 1, 1, 1}

// Fit estimates a twin's costs from measured runs: first by regression on
// the requests' own times (initial), then by simulating the runs (their
// sessions replayed as they ran, Replay) and moving the costs until the
// simulated figures match the measured ones (the sum of squared log ratios
// over fitKeys and the halves' medians of every run, Nelder-Mead over the
// costs' logarithms). The standard errors come from that least-squares problem's
// Jacobian (the residuals' spread over its degrees of freedom); a cost the
// runs do not move has none and is said so in Notes.
func Fit(runs []*Measured, o FitOptions) (*sim.Twin, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("no run to fit")
	}
	if o.Evals == 0 {
		o.Evals = DefaultEvals
	}
	t := &sim.Twin{Kind: sim.TwinKind, Server: o.Server, Engine: o.Engine}
	halves := make([]Headline, len(runs))
	beside := make([]float64, len(runs))
	for i, m := range runs {
		halves[i], beside[i] = split(m.obs(), m), besideEngine(m, o.Engine.MaxNumSeqs)
	}
	residuals := func(x []float64) []float64 {
		t.Costs = vectorCosts(fromLog(x))
		var out []float64
		for i, m := range runs {
			got := replayObs(t, m, o.Seed)
			out = append(out, logErrors(headlineOf(got), m.Headline)...)
			out = append(out, logErrors(split(got, m), halves[i])...)
			if beside[i] > 0 {
				// The server said how much of TTFT its engine spent on the
				// prompt: the rest is overhead beside the engine (1 ms
				// added to both sides so that a few hundred µs do not
				// weigh like a factor).
				out = append(out, math.Log((t.Costs.OverheadUs+t.Costs.JitterUs+1000)/(beside[i]+1000)))
			}
		}
		return out
	}
	loss := func(x []float64) float64 {
		s := 0.0
		for _, r := range residuals(x) {
			s += r * r
		}
		return s
	}
	x0 := toLog(costsVector(initial(runs)))
	x, _ := minimize(loss, x0, 0.5, o.Evals)
	se, notes := stdErrors(residuals, x)
	t.Costs, t.StdErr, t.Notes = vectorCosts(fromLog(x)), vectorCosts(se), notes
	for _, m := range runs {
		t.Runs = append(t.Runs, m.Dir)
	}
	return t, nil
}

func toLog(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Log(max(x, floors[i]))
	}
	return out
}

// fromLog undoes toLog; a cost at its floor is nil.
func fromLog(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, l := range x {
		if v := math.Exp(l); v > floors[i] {
			out[i] = v
		}
	}
	return out
}

// logErrors are log(simulated/measured) over the figures both have, in a
// fixed order (fitKeys, then the halves').
func logErrors(got, meas Headline) []float64 {
	var out []float64
	for _, k := range fitFigures {
		s, ok1 := got[k]
		m, ok2 := meas[k]
		if !ok1 || !ok2 || m <= 0 {
			continue
		}
		out = append(out, math.Log(max(s, 1e-9)/m))
	}
	return out
}

// Check compares a run's measured figures with the twin's: replayed at the
// run's own send times (a fitted run), or, for a held-out run whose load
// is known (loads, its phases), predicted from that load alone, as sonde
// predict would.
func Check(t *sim.Twin, m *Measured, loads []*Workload, holdout bool, seed uint64) []sim.TwinCheck {
	pred := Headline(nil)
	if loads != nil {
		pred = Predict(t, loads, 0, seed).Headline
	} else {
		pred = Replay(t, m, seed)
	}
	var out []sim.TwinCheck
	for _, k := range HeadlineKeys {
		meas, ok1 := m.Headline[k]
		p, ok2 := pred[k]
		if !ok1 || !ok2 || meas == 0 {
			continue
		}
		out = append(out, sim.TwinCheck{Run: m.Dir, Metric: k, Measured: round3(meas), Predicted: round3(p),
			ErrorPct: round3(100 * (p - meas) / meas), Holdout: holdout})
	}
	return out
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// split are figures of halves of a run's requests, which tie the costs to
// what they scale with: TTFT's median for the shorter and the longer
// uncached prompts (prefill per token against the fixed overhead), ITL's
// for the shorter and longer contexts (per context token against the step's
// base).
func split(obs []Obs, m *Measured) Headline {
	h := Headline{}
	half := func(key string, size func(q MeasuredRequest) int, value func(o Obs) (float64, bool)) {
		sizes := make([]float64, len(m.Reqs))
		for i, q := range m.Reqs {
			sizes[i] = float64(size(q))
		}
		med := metrics.Percentile(slices.Sorted(slices.Values(sizes)), 50)
		var lo, hi []float64
		for i, o := range obs {
			if v, ok := value(o); ok && o.Output > 0 {
				if sizes[i] <= med {
					lo = append(lo, v)
				} else {
					hi = append(hi, v)
				}
			}
		}
		if len(lo) > 0 && len(hi) > 0 {
			h[key+" short"], h[key+" long"] = metrics.Percentile(slices.Sorted(slices.Values(lo)), 50), metrics.Percentile(slices.Sorted(slices.Values(hi)), 50)
		}
	}
	ttft := func(o Obs) (float64, bool) { return ms(o.First - o.Sent), true }
	half("ttft", func(q MeasuredRequest) int { return q.Input - q.Cached }, ttft)
	half("ttft history", func(q MeasuredRequest) int { return q.Cached }, ttft)
	half("itl", func(q MeasuredRequest) int { return q.Input + q.Output/2 }, func(o Obs) (float64, bool) {
		return ms(o.Last-o.First) / float64(o.Output-1), o.Output > 1
	})
	return h
}
