package study

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/sonde-bench/sonde/internal/profile"
	"github.com/sonde-bench/sonde/internal/sondetest"
)

// recipeHeadlines is a made-up server: TTFT grows with ISL (0.01 ms a
// token, plus 5) and with concurrency past 8; latency and ITL grow with
// concurrency and OSL; throughput saturates.
func recipeHeadlines(v map[string]float64) map[string]Value {
	c, isl, osl := v["concurrency"], v["isl"], v["osl"]
	if isl == 0 {
		isl = 100
	}
	if osl == 0 {
		osl = 50
	}
	queue := math.Max(0, c-8) * 20
	return map[string]Value{
		"time_to_first_token_avg":     {5 + 0.01*isl + queue, "ms"},
		"time_to_first_token_p95":     {6 + 0.01*isl + queue, "ms"},
		"request_latency_p99":         {100 + queue + osl, "ms"},
		"inter_token_latency_avg":     {2 + 0.1*c + 0.001*osl, "ms"},
		"output_token_throughput_avg": {1000 * c / (c + 8), "tokens/sec"},
	}
}

// Each grid recipe's file, byte for byte, from a made-up server's numbers
// (so the goldens do not depend on a machine's speed).
func TestGoldenRecipeFiles(t *testing.T) {
	for name, c := range map[string]struct {
		args []string
		file string
	}{
		"concurrency_ramp": {[]string{"--search-recipe", "concurrency-ramp", "--concurrency-max", "64", "--concurrency-steps", "5"}, "degradation_knee.json"},
		"sla_breach":       {[]string{"--search-recipe", "max-concurrency-under-sla", "--search-style", "grid", "--ttft-sla-ms", "100", "--streaming", "--concurrency-max", "32"}, "sla_breach.json"},
		"prefill_curve":    {[]string{"--search-recipe", "prefill-ttft-curve", "--streaming", "--isl-min", "128", "--isl-max", "8192", "--isl-steps", "4"}, "prefill_curve.json"},
		"decode_itl":       {[]string{"--search-recipe", "decode-itl-curve", "--streaming", "--concurrency-max", "16", "--concurrency-steps", "3", "--osl-steps", "2"}, "decode_itl_surface.json"},
		"pareto_sweep":     {[]string{"--search-recipe", "pareto-sweep", "--streaming", "--isl-osl-pairs", "128/128,2048/512", "--concurrency", "1,16"}, "pareto_sweep.json"},
	} {
		t.Run(name, func(t *testing.T) {
			p := parse(t, append([]string{"--url", "http://x"}, c.args...)...)
			if err := p.CheckStudy(); err != nil {
				t.Fatal(err)
			}
			q, err := p.ExpandRecipe()
			if err != nil {
				t.Fatal(err)
			}
			vs, err := Variations(q)
			if err != nil {
				t.Fatal(err)
			}
			s := &sweepStudy{e: profile.Env{}, base: q, variations: vs, dir: t.TempDir()}
			s.results = make([][]runResult, len(vs))
			for i, v := range vs {
				s.results[i] = []runResult{{Label: v.Label, Dir: v.Label, headlines: recipeHeadlines(q.RecipeAxes[v.Label])}}
			}
			if err := s.postProcess(); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(s.dir, "sweep_aggregate", c.file))
			if err != nil {
				t.Fatal(err)
			}
			sondetest.Golden(t, "recipe_"+name, b)
		})
	}
}

// A recipe's runs in-process against the simulator: prefill-ttft-curve
// writes its curve, fitted on the runs' TTFT.
func TestRecipeRuns(t *testing.T) {
	dir, _, err := study(t, "--request-count", "2", "--streaming", "--search-recipe", "prefill-ttft-curve", "--isl-min", "8", "--isl-max", "64", "--isl-steps", "3")
	if err != nil {
		t.Fatal(err)
	}
	c := readJSON(t, filepath.Join(dir, "sweep_aggregate", "prefill_curve.json"))
	if len(c["raw_points"].([]any)) != 3 || c["fit_form"] == nil {
		t.Errorf("%v", c)
	}
}

// The fits: a line through a line, a parabola through a parabola (the
// line's r² below the floor), and the Pareto rule.
func TestCurveFits(t *testing.T) {
	var line, parabola []recipePoint
	for _, isl := range []float64{100, 1000, 4000, 10000, 30000} {
		line = append(line, recipePoint{map[string]float64{"isl": isl}, map[string]float64{"time_to_first_token_avg": 0.05*isl + 3}})
		parabola = append(parabola, recipePoint{map[string]float64{"isl": isl}, map[string]float64{"time_to_first_token_avg": 1e-6*(isl-15000)*(isl-15000) + 1}})
	}
	if c := prefillCurve(line); c.Form != "linear" || math.Abs(c.Coef[0]-0.05) > 1e-9 || math.Abs(c.Coef[1]-3) > 1e-6 || *c.R2 < 0.9999 || c.Below {
		t.Errorf("line: %+v", c)
	}
	if c := prefillCurve(parabola); c.Form != "quadratic" || math.Abs(c.Coef[0]-1e-6) > 1e-12 || *c.R2 < 0.9999 {
		t.Errorf("parabola: %+v", c)
	}
	if c := prefillCurve(nil); !c.Below {
		t.Error("no points: below the floor")
	}
	f := paretoCells([]recipePoint{
		{map[string]float64{"concurrency": 1}, map[string]float64{"time_to_first_token_p95": 10, "output_token_throughput_avg": 100}},
		{map[string]float64{"concurrency": 2}, map[string]float64{"time_to_first_token_p95": 10, "output_token_throughput_avg": 90}},
		{map[string]float64{"concurrency": 4}, map[string]float64{"time_to_first_token_p95": 20, "output_token_throughput_avg": 300}},
	})
	if !f.Cells[0].Optimal || f.Cells[1].Optimal || !f.Cells[2].Optimal {
		t.Errorf("%+v", f.Cells)
	}
}
