package study

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/plan/plantest"
	"github.com/sonde-bench/sonde/internal/profile"

	"github.com/sonde-bench/sonde/internal/sondetest"
)

// parse reads args as `sonde profile` flags, as the CLI does.
func parse(t *testing.T, args ...string) *config.Profile {
	t.Helper()
	return plantest.Flags(t, append([]string{"--ui-type", "none"}, args...)...)
}

// study runs a study of args into a fresh folder, in-process against the
// simulator.
func study(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	t.Setenv("HF_HUB_OFFLINE", "1")
	p := parse(t, append([]string{"--url", "sim://?ttft=1ms&itl=100us", "--isl", "6", "--osl", "2"}, args...)...)
	p.ArtifactDir, p.ArtifactDirSet = filepath.Join(t.TempDir(), "study"), true
	if !Needed(p) {
		t.Fatalf("%v is not a study", args)
	}
	var out, errb sondetest.Buffer
	dir, err := Run(profile.Env{Args: args, Stdout: &out, Stderr: &errb, Getenv: os.Getenv, Version: "test"}, p)
	return dir, out.String(), err
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// A sweep of two concurrencies, run twice each: a folder per run, a
// confidence aggregate per value, the sweep file with its Pareto set.
func TestSweepWithTrials(t *testing.T) {
	dir, out, err := study(t, "--concurrency", "1,2", "--request-count", "4", "--num-profile-runs", "2", "--parameter-sweep-mode", "independent")
	if err != nil {
		t.Fatal(err)
	}
	sw := readJSON(t, filepath.Join(dir, "sweep_aggregate", "profile_export_aiperf_sweep.json"))
	if n := len(sw["per_combination_metrics"].([]any)); n != 2 {
		t.Errorf("%d combinations", n)
	}
	for _, v := range []string{"concurrency_1", "concurrency_2"} {
		if _, err := os.Stat(filepath.Join(dir, "aggregate", v, "profile_export_aiperf_aggregate.json")); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat(filepath.Join(dir, "profile_runs", "trial_0002", v, "profile_export_aiperf.json")); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(out, "Repeated Runs of concurrency_2") || !strings.Contains(out, "sonde | Sweep") {
		t.Errorf("console:\n%s", out)
	}
}

// ISL/OSL pairs and rates sweep too; a user-centric rate list as well.
func TestSweepAxes(t *testing.T) {
	dir, _, err := study(t, "--isl-osl-pairs", "6:2,8:3", "--request-count", "2", "--request-rate", "200,400")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(readJSON(t, filepath.Join(dir, "sweep_aggregate", "profile_export_aiperf_sweep.json"))["per_combination_metrics"].([]any)); n != 4 {
		t.Errorf("%d combinations, want 2 pairs × 2 rates", n)
	}
}

// Repeated runs stop once converged (ISL never varies with one seed).
func TestRepeatedRunsConverge(t *testing.T) {
	dir, _, err := study(t, "--request-count", "2", "--num-profile-runs", "6", "--convergence-metric", "input_sequence_length",
		"--convergence-mode", "cv", "--export-level", "records")
	if err != nil {
		t.Fatal(err)
	}
	runs, _ := os.ReadDir(filepath.Join(dir, "profile_runs"))
	agg := readJSON(t, filepath.Join(dir, "aggregate", "profile_export_aiperf_aggregate.json"))
	if len(runs) != 3 || agg["metadata"].(map[string]any)["convergence"].(map[string]any)["converged"] != true {
		t.Errorf("%d runs; %v", len(runs), agg["metadata"])
	}
	if _, err := os.Stat(filepath.Join(dir, "aggregate", "profile_export_aiperf_collated.json")); err != nil {
		t.Error(err)
	}
}

// The capacity search against the simulator: everything passes a generous
// SLA, so the answer is the range's top.
func TestSearchRuns(t *testing.T) {
	dir, out, err := study(t, "--streaming", "--request-count", "4", "--concurrency-min", "1", "--concurrency-max", "4", "--ttft-sla-ms", "60000")
	if err != nil {
		t.Fatal(err)
	}
	res := readJSON(t, filepath.Join(dir, "search", "search_result.json"))
	if res["answer"] != 4.0 || len(res["probes"].([]any)) != 3 || !strings.Contains(out, "Answer: concurrency 4") {
		t.Errorf("%v\n%s", res, out)
	}
}

// Study flags are checked before anything runs, each error naming its flag.
func TestStudyChecks(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--num-profile-runs", "11"}, "--num-profile-runs must be between 1 and 10"},
		{[]string{"--num-profile-runs", "2", "--confidence-level", "1"}, "--confidence-level must be between 0 and 1"},
		{[]string{"--num-profile-runs", "2", "--convergence-metric", "x", "--convergence-threshold", "0"}, "--convergence-threshold must be positive"},
		{[]string{"--num-profile-runs", "2", "--convergence-metric", "x"}, "needs --num-profile-runs of at least 3"},
		{[]string{"--concurrency-min", "1"}, "needs both --concurrency-min and --concurrency-max"},
		{[]string{"--concurrency-min", "1", "--concurrency-max", "2"}, "a search range needs an SLA"},
		{[]string{"--request-rate-min", "1", "--request-rate-max", "2", "--ttft-sla-ms", "5"}, "need --streaming"},
		{[]string{"--ttft-sla-ms", "5"}, "which needs a range"},
		{[]string{"--concurrency-min", "1", "--concurrency-max", "2", "--request-rate-min", "1", "--request-rate-max", "2", "--e2e-sla-ms", "5"}, "takes one range"},
		{[]string{"--concurrency-min", "3", "--concurrency-max", "2", "--e2e-sla-ms", "5"}, "min ≤ max"},
		{[]string{"--concurrency-min", "1", "--concurrency-max", "2", "--e2e-sla-ms=-1", "--error-rate-sla", "2", "--slo-attainment-fraction", "0",
			"--goodput", "request_latency:5", "--search-max-iterations", "1", "--num-profile-runs", "2"}, "--e2e-sla-ms must be positive"},
		{[]string{"--concurrency", "1,2", "--request-count", "0"}, "concurrency_1"},
	} {
		_, _, err := study(t, c.args...)
		var ue profile.UsageError
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		} else if !errors.As(err, &ue) {
			t.Errorf("%v: %v is not a usage error", c.args, err)
		}
	}
}

// --sweep-type zip pairs the lists element by element instead of taking
// every combination; unequal lists are refused.
func TestZippedSweep(t *testing.T) {
	p := parse(t, "--concurrency", "1,2,4", "--request-rate", "5,10,20", "--sweep-type", "zip")
	p.ResolveLists()
	vs, err := Variations(p)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, v := range vs {
		labels = append(labels, v.Label)
	}
	if strings.Join(labels, " ") != "concurrency_1-request_rate_5 concurrency_2-request_rate_10 concurrency_4-request_rate_20" {
		t.Errorf("zip: %v", labels)
	}
	if q := vs[1].Apply(p); *q.Concurrency != 2 || *q.RequestRate != 10 {
		t.Errorf("variation 1 runs concurrency %v, rate %v", *q.Concurrency, *q.RequestRate)
	}
	grid := parse(t, "--concurrency", "1,2,4", "--request-rate", "5,10,20")
	grid.ResolveLists()
	if vs, _ := Variations(grid); len(vs) != 9 {
		t.Errorf("grid: %d variations, want 9", len(vs))
	}
	bad := parse(t, "--concurrency", "1,2", "--request-rate", "5,10,20", "--sweep-type", "zip")
	bad.ResolveLists()
	if _, err := Variations(bad); err == nil {
		t.Error("unequal zipped lists taken")
	}
	errs := bad.Validate()
	if !strings.Contains(fmt.Sprint(errs), "--concurrency 2, --request-rate 3") {
		t.Errorf("validation: %v", errs)
	}
}

// --convergence-mode distribution: the third run's requests cannot be
// told from the first two's (the same prompts), so the runs stop at 3.
func TestRepeatedRunsConvergeByDistribution(t *testing.T) {
	dir, _, err := study(t, "--request-count", "3", "--num-profile-runs", "6", "--convergence-metric", "input_sequence_length",
		"--convergence-mode", "distribution", "--convergence-threshold", "0.05")
	if err != nil {
		t.Fatal(err)
	}
	if runs, _ := os.ReadDir(filepath.Join(dir, "profile_runs")); len(runs) != 3 {
		t.Errorf("%d runs, want 3", len(runs))
	}
}

// The KS test: one sample against itself has D 0 and p 1; two samples
// apart have D 1 and a p-value near 0; Q at the 5 % critical value.
func TestKSTest(t *testing.T) {
	a := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	if d, p := ksTest(a, a); d != 0 || p != 1 {
		t.Errorf("same: D %v p %v", d, p)
	}
	if d, p := ksTest(a, []float64{11, 12, 13, 14, 15, 16, 17, 18}); d != 1 || p > 0.01 {
		t.Errorf("apart: D %v p %v", d, p)
	}
	if q := kolmogorovQ(1.358); math.Abs(q-0.05) > 0.001 {
		t.Errorf("Q(1.358) = %v, want 0.05", q)
	}
	if d, _ := ksTest(nil, a); !math.IsNaN(d) {
		t.Error("an empty sample")
	}
}

// --variant (AIPerf's): named or numbered runs, each the flags it sets.
func TestVariants(t *testing.T) {
	dir, _, err := study(t, "--request-count", "2", "--variant", "short: isl=4, osl=1", "--variant", "isl=8, concurrency=2")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"short", "variant_2"} {
		if _, err := os.Stat(filepath.Join(dir, name, "profile_export_aiperf.json")); err != nil {
			t.Error(err)
		}
	}
	for args, want := range map[string]string{
		"--variant=isl=4":                       "give at least two",
		"--variant=a: isl,--variant=b: isl=2":   `"isl" is not key=value`,
		"--variant=a: isl=1,--variant=a: isl=2": "a second variant named a",
	} {
		p := parse(t, append([]string{"--url", "http://x"}, strings.Split(args, ",")...)...)
		if err := config.Join(p.Validate()); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", args, err)
		}
	}
}
