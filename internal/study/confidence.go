package study

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/sonde-bench/sonde/internal/metrics"
)

// Value is one headline number of a run, in its display unit.
type Value struct {
	X    float64
	Unit string
}

// headlineStats are the statistics of a per-request metric that studies
// compare across runs.
var headlineStats = []string{"avg", "p50", "p90", "p95", "p99", "min", "max", "std"}

// Headlines are a run's numbers by "<tag>_<stat>": every statistic of the
// per-request metrics and the value of the aggregate and derived ones
// ("<tag>_avg"), as AIPerf's aggregate files key them.
func Headlines(s *metrics.Summary) map[string]Value {
	out := map[string]Value{}
	for i := range s.Metrics {
		r := &s.Metrics[i]
		if r.Scalar {
			out[metrics.Headline{Tag: r.Def.Tag, Stat: "avg"}.Key()] = Value{r.Value(), r.Def.Unit}
			continue
		}
		for _, st := range headlineStats {
			var x float64
			switch st {
			case "avg":
				x = r.Stats.Avg
			case "min":
				x = r.Stats.Min
			case "max":
				x = r.Stats.Max
			case "std":
				x = r.Stats.Std
			default:
				q, _ := strconv.ParseFloat(strings.TrimPrefix(st, "p"), 64)
				x = r.Stats.Pct(q)
			}
			out[metrics.Headline{Tag: r.Def.Tag, Stat: st}.Key()] = Value{x, r.Def.Unit}
		}
	}
	for k, v := range out {
		if math.IsNaN(v.X) || math.IsInf(v.X, 0) {
			delete(out, k)
		}
	}
	return out
}

// Confidence is AIPerf's aggregate of one number over repeated runs: the
// mean, sample std, min, max, coefficient of variation, standard error and
// the Student's t confidence interval at the given level.
type Confidence struct {
	Mean      float64  `json:"mean"`
	Std       *float64 `json:"std,omitempty"`
	Min       float64  `json:"min"`
	Max       float64  `json:"max"`
	CV        *float64 `json:"cv,omitempty"`
	SE        *float64 `json:"se,omitempty"`
	CILow     *float64 `json:"ci_low,omitempty"`
	CIHigh    *float64 `json:"ci_high,omitempty"`
	TCritical *float64 `json:"t_critical,omitempty"`
	Unit      string   `json:"unit"`
	N         int      `json:"n"`
}

// Confide aggregates xs (at least one value). With a single run there is
// no spread: only the mean, min and max are set.
func Confide(xs []float64, level float64, unit string) Confidence {
	n := float64(len(xs))
	c := Confidence{Min: slices.Min(xs), Max: slices.Max(xs), Unit: unit, N: len(xs)}
	for _, x := range xs {
		c.Mean += x
	}
	c.Mean /= n
	if len(xs) < 2 {
		return c
	}
	ss := 0.0
	for _, x := range xs {
		ss += (x - c.Mean) * (x - c.Mean)
	}
	std := math.Sqrt(ss / (n - 1))
	se := std / math.Sqrt(n)
	t := metrics.TQuantile(1-(1-level)/2, n-1)
	lo, hi := c.Mean-t*se, c.Mean+t*se
	c.Std, c.SE, c.TCritical, c.CILow, c.CIHigh = &std, &se, &t, &lo, &hi
	if c.Mean != 0 {
		cv := std / math.Abs(c.Mean)
		c.CV = &cv
	}
	return c
}

// confideAll aggregates every headline number present in all runs.
func confideAll(runs []map[string]Value, level float64) map[string]Confidence {
	out := map[string]Confidence{}
	if len(runs) == 0 {
		return out
	}
	for key, v := range runs[0] {
		xs := make([]float64, 0, len(runs))
		for _, r := range runs {
			if w, ok := r[key]; ok {
				xs = append(xs, w.X)
			}
		}
		if len(xs) == len(runs) {
			out[key] = Confide(xs, level, v.Unit)
		}
	}
	return out
}
