package study

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/profile"
	"github.com/sonde-bench/sonde/internal/sondetest"
)

// fakeServer is a made-up server: throughput grows with concurrency and
// saturates, TTFT p95 grows with it; concurrency 13 fails outright.
func fakeServer(q *config.Profile, dir string) (map[string]Value, string, error) {
	c := float64(q.ConcurrencyList[0])
	if c == 13 {
		return nil, "", errors.New("every request failed")
	}
	return map[string]Value{"output_token_throughput_avg": {1000 * c / (c + 8), "tokens/sec"}, "time_to_first_token_p95": {10 + 4*c, "ms"}}, dir, nil
}

// search_history.json and the search's console, byte for byte, from a
// made-up server (so the golden does not depend on a machine's speed).
func TestGoldenSearchHistory(t *testing.T) {
	p := parse(t, "--url", "http://x", "--search-space", "concurrency:1,40:int", "--search-metric", "output_token_throughput",
		"--search-direction", "maximize", "--search-sla", "time_to_first_token:p95:lt:100", "--search-max-iterations", "9",
		"--search-initial-points", "3")
	if err := p.CheckStudy(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	o := newOptimizer(context.Background(), profile.Env{Stdout: &out}, p)
	o.dir, o.measure = t.TempDir(), fakeServer
	if err := o.search(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(o.dir, "search_history.json"))
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(b, []byte(o.dir), []byte("ROOT"))
	sondetest.Golden(t, "search_history_json", b)
	sondetest.Golden(t, "search_history_console", out.Bytes())
	best := o.hist.Best[0]
	if !best.Feasible || best.Values["concurrency"] < 20 || best.Values["concurrency"] > 22 {
		t.Errorf("best %+v: want the SLA's boundary, 22 (TTFT 10 + 4c < 100)", best)
	}
}

// An interrupted search keeps its trajectory, marked so.
func TestSearchHistoryInterrupted(t *testing.T) {
	p := parse(t, "--url", "http://x", "--search-space", "concurrency:1,40:int", "--search-metric", "output_token_throughput",
		"--search-direction", "minimize", "--search-max-iterations", "9")
	var out bytes.Buffer
	o := newOptimizer(context.Background(), profile.Env{Stdout: &out}, p)
	calls := 0
	o.dir, o.measure = t.TempDir(), func(q *config.Profile, dir string) (map[string]Value, string, error) {
		if calls++; calls == 3 {
			return nil, "", profile.ErrInterrupted
		}
		return fakeServer(q, dir)
	}
	if err := o.search(); err != profile.ErrInterrupted {
		t.Fatal(err)
	}
	h := readJSON(t, filepath.Join(o.dir, "search_history.json"))
	if h["convergence_reason"] != "interrupted" || len(h["iterations"].([]any)) != 3 || h["boundary_summary"] == nil {
		t.Errorf("history: %v", h)
	}
	if !strings.Contains(out.String(), "Stopped: interrupted") {
		t.Error(out.String())
	}
}

// In-process against the simulator: each iteration a run in its own
// folder, two runs per point with --num-profile-runs, the pooled p95.
func TestOptimizeRuns(t *testing.T) {
	dir, out, err := study(t, "--request-count", "3", "--streaming", "--search-space", "concurrency:1,4:int", "--search-metric", "time_to_first_token",
		"--search-stat", "p95", "--search-direction", "minimize", "--search-max-iterations", "3", "--search-initial-points", "2",
		"--num-profile-runs", "2", "--search-percentile-pooling", "pooled", "--search-planner", "optuna", "--optuna-sampler", "tpe",
		"--search-sla-tier", "fast:time_to_first_token:p95:lt:60000", "--search-sla-tier", "time_to_first_token:p95:lt:90000")
	if err != nil {
		t.Fatal(err)
	}
	h := readJSON(t, filepath.Join(dir, "search_history.json"))
	its := h["iterations"].([]any)
	if len(its) != 3 || h["config"].(map[string]any)["sampler"] != "tpe" || h["best_by_tier"].(map[string]any)["fast"] == nil {
		t.Fatalf("history: %v", h)
	}
	for i := range its {
		for _, run := range []string{"run_0001", "run_0002"} {
			if _, err := os.Stat(filepath.Join(dir, "search_iter_000"+string(rune('0'+i)), "profile_runs", run, "profile_export.jsonl")); err != nil {
				t.Error(err)
			}
		}
	}
	if !strings.Contains(out, "sonde | Search (optuna, tpe)") {
		t.Error(out)
	}
	if _, ok := pooled([]string{filepath.Join(dir, "nothing")}, "time_to_first_token", "p95"); ok {
		t.Error("pooled read a folder without records")
	}
}

// --search-sla-tier: each iteration says which tiers it meets, and the
// history names each tier's best point.
func TestSearchTiers(t *testing.T) {
	p := parse(t, "--url", "http://x", "--search-space", "concurrency:1,40:int", "--search-metric", "output_token_throughput",
		"--search-direction", "maximize", "--search-max-iterations", "6", "--search-initial-points", "3",
		"--search-sla-tier", "fast:time_to_first_token:p95:lt:50", "--search-sla-tier", "time_to_first_token:p95:lt:150")
	if err := p.CheckStudy(); err != nil {
		t.Fatal(err)
	}
	o := newOptimizer(context.Background(), profile.Env{Stdout: &bytes.Buffer{}}, p)
	o.dir, o.measure = t.TempDir(), fakeServer
	if err := o.search(); err != nil {
		t.Fatal(err)
	}
	fast, second := o.hist.BestByTier["fast"], o.hist.BestByTier["tier_2"]
	if fast == nil || second == nil {
		t.Fatalf("best by tier: %v", o.hist.BestByTier)
	}
	// TTFT p95 is 10 + 4c: fast needs c < 10, tier_2 c < 35.
	if c := o.trials[*fast].X[0]; c >= 10 {
		t.Errorf("fast's best at concurrency %v", c)
	}
	if o.trials[*second].Y < o.trials[*fast].Y {
		t.Error("the looser tier's best is worse than the tighter one's")
	}
	for i, it := range o.hist.Iterations {
		c := o.trials[i].X[0]
		if want := c < 10; want != slices.Contains(it.TiersMet, "fast") {
			t.Errorf("concurrency %v: tiers %v", c, it.TiersMet)
		}
	}
}
