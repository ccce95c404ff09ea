package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The simulator's capacity under a TTFT SLA is set by its options: two
// sequences at a time and 20 ms steps, so a third request waits a whole
// answer (~220 ms) for its first token. Maximizing throughput under
// TTFT p95 < 100 ms, the Bayesian search (AIPerf's flags) finds
// concurrency 2 and says where the boundary lies; search_history.json has
// AIPerf's schema.
func TestOptimizingSearch(t *testing.T) {
	t.Parallel() // mostly waiting on the simulator's 20 ms steps
	sim := startSim(t, "--max-num-seqs", "2", "--step-base", "20ms")
	dir := filepath.Join(t.TempDir(), "out")
	base := []string{"profile", "-m", "m", "--tokenizer", "builtin", "--url", sim.addr, "--streaming", "--request-count", "4", "--isl", "16",
		"--osl", "10", "--search-space", "concurrency:1,8:int", "--ttft-sla-ms", "100", "--ui-type", "none", "--no-server-metrics"}
	res := runSonde(t, append(base, "--search-metric", "request_throughput", "--search-direction", "maximize",
		"--search-max-iterations", "6", "--search-initial-points", "3", "--artifact-dir", dir)...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	var h struct {
		Config struct {
			Planner    string `json:"planner"`
			Objectives []struct {
				Metric, Direction string
			} `json:"objectives"`
			SearchSpace []struct {
				Path string
				Lo   float64
				Hi   float64
				Kind string
			} `json:"search_space"`
		} `json:"config"`
		Iterations []struct {
			Values    map[string]float64 `json:"variation_values"`
			Objective []*float64         `json:"objective_values"`
			Feasible  bool               `json:"feasible"`
			Dir       string             `json:"artifact_dir"`
		} `json:"iterations"`
		Best []struct {
			Values   map[string]float64 `json:"variation_values"`
			Feasible bool               `json:"feasible"`
		} `json:"best_trials"`
		Reason   *string `json:"convergence_reason"`
		Boundary struct {
			FeasibleMax   *float64 `json:"feasible_max"`
			InfeasibleMin *float64 `json:"infeasible_min"`
			FirstBreach   *struct {
				Tag string `json:"metric_tag"`
			} `json:"first_breach"`
		} `json:"boundary_summary"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "search_history.json"))
	if err != nil || json.Unmarshal(raw, &h) != nil {
		t.Fatalf("search_history.json: %v", err)
	}
	if h.Config.Planner != "bayesian" || h.Config.Objectives[0].Metric != "request_throughput" || h.Config.SearchSpace[0].Kind != "int" ||
		h.Reason == nil || len(h.Iterations) == 0 || len(h.Iterations) > 6 {
		t.Fatalf("history: %s", raw)
	}
	for _, it := range h.Iterations {
		if _, err := os.Stat(filepath.Join(it.Dir, "profile_export_aiperf.json")); err != nil || it.Objective[0] == nil {
			t.Errorf("iteration at %v: no summary or objective", it.Values)
		}
	}
	if len(h.Best) != 1 || !h.Best[0].Feasible || h.Best[0].Values["concurrency"] != 2 {
		t.Errorf("best %+v, want concurrency 2 (the SLA's capacity)", h.Best)
	}
	if fm := h.Boundary.FeasibleMax; fm == nil || *fm != 2 || h.Boundary.FirstBreach == nil || h.Boundary.FirstBreach.Tag != "time_to_first_token" {
		t.Errorf("boundary: %s", raw)
	}
	if !strings.Contains(res.stdout, "sonde | Search (bayesian, gp)") || !strings.Contains(res.stdout, "Best: iteration") {
		t.Errorf("console: %s", res.stdout)
	}
}

func TestOptimizingSearchFlags(t *testing.T) {
	base := []string{"profile", "-m", "m", "--tokenizer", "builtin", "--url", "sim://", "--ui-type", "none", "--artifact-dir", t.TempDir()}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--search-space", "concurrency:1,8:int"}, "needs --search-metric and --search-direction"},
		{[]string{"--search-space", "concurrency:8,1", "--search-metric", "x", "--search-direction", "maximize"}, "LO < HI"},
		{[]string{"--search-space", "warp:1,2", "--search-metric", "x", "--search-direction", "maximize"}, `"warp" is no field sonde searches`},
		{[]string{"--search-space", "concurrency:1,8:float", "--search-metric", "x", "--search-direction", "maximize"}, "is int or real"},
		{[]string{"--search-space", "concurrency:1,8:int", "--search-metric", "x", "--search-direction", "maximize", "--optuna-acquisition", "qlognehvi"}, "hypervolume"},
		{[]string{"--search-space", "concurrency:1,8:int", "--search-metric", "x", "--search-direction", "maximize", "--search-sla", "ttft:p95:lt"}, "TAG:STAT:OP:THRESHOLD"},
		{[]string{"--search-space", "concurrency:1,8:int", "--search-metric", "x", "--search-direction", "maximize", "--concurrency", "1,2"}, "cannot be combined with a sweep"},
		{[]string{"--search-space", "isl:10,20:int", "--search-planner", "monotonic_sla", "--ttft-sla-ms", "5", "--streaming"}, "bisects one load dimension"},
		{[]string{"--search-space", "concurrency:1,8:int", "--search-metric", "x", "--search-direction", "maximize", "--search-initial-points", "20"}, "fewer than --search-max-iterations"},
		{[]string{"--search-recipe", "max-throughput-ttft-sla", "--streaming"}, "needs --ttft-sla-ms"},
		{[]string{"--search-recipe", "max-throughput-ttft-sla", "--ttft-sla-ms", "200", "--streaming", "--search-space", "concurrency:1,8"}, "defines the search"},
		{[]string{"--search-recipe", "max-concurrency-under-sla", "--search-style", "smooth_isotonic", "--ttft-sla-ms", "200", "--streaming"}, "smooth_isotonic is not offered"},
		{[]string{"--search-recipe", "prefill-ttft-curve"}, "needs --streaming"},
		{[]string{"--search-recipe", "pareto-sweep", "--streaming", "--isl-osl-pairs", "128/128", "--concurrency", "4"}, "one point is meaningless"},
		{[]string{"--search-recipe", "concurrency-ramp", "--degradation-threshold", "1.5"}, "--degradation-threshold"},
		{[]string{"--search-space", "concurrency:1,8:int", "--search-metric", "x", "--search-direction", "maximize", "--search-sla-tier", "a:ttft:p95:lt:5"}, "2 to 10 tiers"},
		{[]string{"--search-sla-tier", "a:ttft:p95:lt:5", "--search-sla-tier", "b:ttft:p95:lt:9"}, "groups an optimizing search"},
		{[]string{"--convergence-mode", "distribution", "--convergence-metric", "ttft", "--num-profile-runs", "3", "--export-level", "summary"}, "--export-level records"},
		{[]string{"--search-space", "concurrency:1,8:int", "--search-metric", "x", "--search-direction", "maximize", "--search-planner", "optuna", "--optuna-terminator", "emmr"}, "--optuna-terminator"},
	} {
		res := runSonde(t, append(base, c.args...)...)
		if res.code != exitUsage || !strings.Contains(res.stderr, c.want) {
			t.Errorf("%v: exit %d: %s", c.args, res.code, res.stderr)
		}
	}
}

// A config file's Sobol sweep: a run per point, the design beside the
// sweep's aggregate; its adaptive_search runs the Bayesian search.
func TestConfigFileSpaceFillingAndAdaptive(t *testing.T) {
	dir := t.TempDir()
	// Two tiny runs on the simulator, with the sweep block given.
	base := `benchmark:
  model: m
  endpoint: {url: "sim://?ttft=1ms&itl=0s", streaming: true}
  datasets: [{name: main, type: synthetic, prompts: {isl: 8, osl: 2}}]
  phases: [{name: profiling, type: concurrency, concurrency: 1, requests: 2}]
`
	cfg := filepath.Join(dir, "sobol.yaml")
	os.WriteFile(cfg, []byte(base+`sweep:
  type: sobol
  samples: 2
  seed: 1
  dimensions:
    - {path: concurrency, lo: 1, hi: 4, kind: int}
`), 0o644)
	out := filepath.Join(dir, "out")
	if res := runSonde(t, "profile", "-f", cfg, "--tokenizer", "builtin", "--ui-type", "none", "--no-server-metrics", "--artifact-dir", out); res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	d := readJSON(t, filepath.Join(out, "sweep_aggregate", "sampling_design.json"))
	if d["sampler"] != "sobol" || len(d["samples_mapped"].([]any)) != 2 {
		t.Errorf("design: %v", d)
	}
	adaptive := filepath.Join(dir, "adaptive.yaml")
	os.WriteFile(adaptive, []byte(base+`sweep:
  type: adaptive_search
  searchSpace: [{path: concurrency, lo: 1, hi: 4, kind: int}]
  objectives: [{metric: request_throughput, direction: maximize}]
  maxIterations: 3
  nInitialPoints: 2
`), 0o644)
	out = filepath.Join(dir, "adaptive")
	if res := runSonde(t, "profile", "-f", adaptive, "--tokenizer", "builtin", "--ui-type", "none", "--no-server-metrics", "--artifact-dir", out); res.code != 0 {
		t.Fatalf("adaptive: exit %d: %s", res.code, res.stderr)
	}
	if h := readJSON(t, filepath.Join(out, "search_history.json")); len(h["iterations"].([]any)) != 3 {
		t.Errorf("history: %v", h)
	}
}
