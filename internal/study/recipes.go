package study

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/sonde-bench/sonde/internal/config"
)

// The post-processes of AIPerf's grid recipes: each reads the sweep's runs
// (their mean over trials) and writes one file in sweep_aggregate/.

// recipePoint is one run of a recipe's grid: its swept values and the
// mean of its trials' headline numbers.
type recipePoint struct {
	values map[string]float64
	h      map[string]float64
}

func (s *sweepStudy) recipePoints() []recipePoint {
	var out []recipePoint
	for i, v := range s.variations {
		vals, ok := s.base.RecipeAxes[v.Label]
		if !ok {
			continue
		}
		sums, counts := map[string]float64{}, map[string]int{}
		for _, r := range successful(s.results[i]) {
			for k, x := range r.headlines {
				if finite(x.X) {
					sums[k], counts[k] = sums[k]+x.X, counts[k]+1
				}
			}
		}
		h := map[string]float64{}
		for k, sum := range sums {
			h[k] = sum / float64(counts[k])
		}
		out = append(out, recipePoint{vals, h})
	}
	return out
}

// postProcess writes the recipe's file, when the sweep is a recipe's, and
// a space-filling sweep's design.
func (s *sweepStudy) postProcess() error {
	if d := s.base.SamplingDesign; d != "" {
		var v any
		if err := json.Unmarshal([]byte(d), &v); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(s.dir, "sweep_aggregate"), 0o755); err != nil {
			return err
		}
		if err := writeJSON(filepath.Join(s.dir, "sweep_aggregate", "sampling_design.json"), v); err != nil {
			return err
		}
	}
	if s.base.RecipeAxes == nil {
		return nil
	}
	pts := s.recipePoints()
	var name string
	var v any
	switch s.base.RecipeName {
	case "concurrency-ramp":
		name, v = "degradation_knee.json", degradationKnee(pts, s.base.DegradationTag, s.base.DegradationStat, s.base.DegradationThreshold)
	case "max-concurrency-under-sla":
		filters, _ := s.base.SLAFilters()
		name, v = "sla_breach.json", slaBreach(pts, filters)
	case "prefill-ttft-curve":
		name, v = "prefill_curve.json", prefillCurve(pts)
	case "decode-itl-curve":
		name, v = "decode_itl_surface.json", decodeSurface(pts)
	case "pareto-sweep":
		name, v = "pareto_sweep.json", paretoCells(pts)
	default:
		return nil
	}
	if err := os.MkdirAll(filepath.Join(s.dir, "sweep_aggregate"), 0o755); err != nil {
		return err
	}
	return writeJSON(filepath.Join(s.dir, "sweep_aggregate", name), v)
}

type kneePoint struct {
	Concurrency float64  `json:"concurrency"`
	Value       *float64 `json:"value"`
}

// knee is degradation_knee.json: the first concurrency whose metric
// exceeds the lowest concurrency's by more than the threshold.
type knee struct {
	Metric        string      `json:"metric"`
	Stat          string      `json:"stat"`
	Threshold     float64     `json:"threshold"`
	BaselineConc  *float64    `json:"baseline_concurrency"`
	BaselineValue *float64    `json:"baseline_value"`
	KneeConc      *float64    `json:"knee_concurrency"`
	KneeValue     *float64    `json:"knee_value"`
	Points        []kneePoint `json:"all_points"`
}

func degradationKnee(pts []recipePoint, tag, stat string, threshold float64) knee {
	k := knee{Metric: tag, Stat: stat, Threshold: threshold, Points: []kneePoint{}}
	slices.SortFunc(pts, func(a, b recipePoint) int { return cmpFloat(a.values["concurrency"], b.values["concurrency"]) })
	for _, p := range pts {
		c := p.values["concurrency"]
		x, ok := p.h[tag+"_"+stat]
		if !ok {
			k.Points = append(k.Points, kneePoint{c, nil})
			continue
		}
		k.Points = append(k.Points, kneePoint{c, orNull(x)})
		switch {
		case k.BaselineValue == nil:
			k.BaselineConc, k.BaselineValue = orNull(c), orNull(x)
		case k.KneeConc == nil && x > *k.BaselineValue*(1+threshold):
			k.KneeConc, k.KneeValue = orNull(c), orNull(x)
		}
	}
	return k
}

type breachPoint struct {
	Concurrency float64    `json:"concurrency"`
	Feasible    bool       `json:"feasible"`
	Violations  []*float64 `json:"sla_violations"`
}

type breach struct {
	Filters       []config.SLAFilter `json:"sla_filters"`
	Points        []breachPoint      `json:"points"`
	FeasibleMax   *float64           `json:"feasible_max"`
	InfeasibleMin *float64           `json:"infeasible_min"`
	FirstBreach   *config.SLAFilter  `json:"first_breach"`
}

// slaBreach is sla_breach.json: each concurrency's verdict against the
// SLAs, the largest that met them all and the smallest that did not.
func slaBreach(pts []recipePoint, filters []config.SLAFilter) breach {
	b := breach{Filters: filters, Points: []breachPoint{}}
	slices.SortFunc(pts, func(a, b recipePoint) int { return cmpFloat(a.values["concurrency"], b.values["concurrency"]) })
	for _, p := range pts {
		c := p.values["concurrency"]
		bp := breachPoint{Concurrency: c, Feasible: len(p.h) > 0, Violations: []*float64{}}
		var first *config.SLAFilter
		for i, f := range filters {
			x, ok := p.h[f.Tag+"_"+f.Stat]
			v := math.NaN()
			if ok {
				v = f.Violation(x)
			}
			bp.Violations = append(bp.Violations, orNull(v))
			if !(v <= 0) {
				bp.Feasible = false
				if first == nil {
					first = &filters[i]
				}
			}
		}
		switch {
		case bp.Feasible:
			b.FeasibleMax = orNull(c)
		case b.InfeasibleMin == nil:
			b.InfeasibleMin, b.FirstBreach = orNull(c), first
		}
		b.Points = append(b.Points, bp)
	}
	return b
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
