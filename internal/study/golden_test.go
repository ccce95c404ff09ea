package study

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/profile"
	"github.com/sonde-bench/sonde/internal/sondetest"
)

// headlines of a made-up run: throughput and latency that grow with load.
func fakeHeadlines(c, trial float64) map[string]Value {
	return map[string]Value{
		"request_throughput_avg":      {10*c + trial, "requests/sec"},
		"output_token_throughput_avg": {100*c + trial, "tokens/sec"},
		"time_to_first_token_p50":     {5 * c, "ms"},
		"time_to_first_token_p99":     {8*c + trial, "ms"},
		"request_latency_p50":         {50 * c, "ms"},
		"request_latency_p99":         {70*c - trial, "ms"},
		"request_error_rate_avg":      {0, "%"},
	}
}

// A sweep's aggregate files and console, byte for byte, from runs whose
// numbers are given (so the golden does not depend on a machine's speed).
func TestGoldenSweepAggregate(t *testing.T) {
	root := t.TempDir()
	p := parse(t, "--url", "http://x", "--concurrency", "1,2,4", "--num-profile-runs", "2", "--export-level", "summary")
	vs, err := Variations(p)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s := &sweepStudy{e: profile.Env{Stdout: &out}, base: p, variations: vs, dir: root}
	s.results = make([][]runResult, len(vs))
	for i, v := range vs {
		for trial := range 2 {
			s.results[i] = append(s.results[i], runResult{Label: v.Label, Dir: filepath.Join("runs", v.Label, string(rune('a'+trial))),
				headlines: fakeHeadlines(float64(i+1), float64(trial)), seed: uint64(42 + trial)})
		}
	}
	s.results[2][1] = runResult{Label: "concurrency_4", Dir: "runs/failed", Error: "all 4 requests failed"}
	if err := s.writeAggregates(); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{
		"sweep_json":           "sweep_aggregate/profile_export_aiperf_sweep.json",
		"sweep_csv":            "sweep_aggregate/profile_export_aiperf_sweep.csv",
		"aggregate_json":       "aggregate/concurrency_2/profile_export_aiperf_aggregate.json",
		"aggregate_csv":        "aggregate/concurrency_2/profile_export_aiperf_aggregate.csv",
		"aggregate_failed_run": "aggregate/concurrency_4/profile_export_aiperf_aggregate.json",
	} {
		b, err := os.ReadFile(filepath.Join(root, path))
		if err != nil {
			t.Fatal(err)
		}
		sondetest.Golden(t, name, b)
	}
	sondetest.Golden(t, "sweep_console", bytes.ReplaceAll(out.Bytes(), []byte(root), []byte("ROOT")))
}

// search_result.json and the search's console, byte for byte.
func TestGoldenSearchResult(t *testing.T) {
	root := t.TempDir()
	ttft := 200.0
	s := &searcher{e: profile.Env{}, base: parse(t, "--url", "http://x", "--search-max-iterations", "10"), dir: root,
		param: &searchParam{name: "concurrency", lo: 1, hi: 64, integer: true, resolution: 1}}
	var out bytes.Buffer
	s.e.Stdout = &out
	s.res = SearchResult{Parameter: "concurrency", Range: [2]float64{1, 64}, Attainment: 0.95, Monotonic: true, Seed: 42,
		SLAs: map[string]float64{"ttft_ms": ttft}}
	pass := below(20)
	if err := Search(Space{Lo: 1, Hi: 64, Resolution: 1, Integer: true}, func(x float64) (bool, error) {
		s.res.Probes = append(s.res.Probes, Probe{Value: x, Passed: pass(x), Attainment: map[bool]float64{true: 0.99, false: 0.5}[pass(x)],
			ArtifactDir: filepath.Join("search", "probe"), Metrics: map[string]float64{"request_throughput_avg": x, "time_to_first_token_p99": 10 * x}})
		return pass(x), nil
	}); err != nil {
		t.Fatal(err)
	}
	s.res.Complete = true
	s.finish() // ten probes of a budget of ten, the last by choice: no note
	if s.res.Note != "" {
		t.Errorf("a search that ended on its own has a note: %s", s.res.Note)
	}
	if err := s.write(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "search_result.json"))
	if err != nil {
		t.Fatal(err)
	}
	sondetest.Golden(t, "search_result_json", b)
	sondetest.Golden(t, "search_console", out.Bytes())
	// The same search told as AIPerf's search_history.json.
	hist, err := os.ReadFile(filepath.Join(root, "search_history.json"))
	if err != nil {
		t.Fatal(err)
	}
	sondetest.Golden(t, "search_history_capacity_json", hist)

	// Interrupted after three probes: no answer, marked so, the best pass
	// so far kept apart from it.
	s.res.Probes, s.res.Complete, s.res.Interrupted = s.res.Probes[:3], false, true
	out.Reset()
	s.finish()
	if s.res.Answer != nil || s.res.BestSoFar == nil || !strings.Contains(s.res.Note, "interrupted after 3 probes") {
		t.Fatalf("interrupted: answer %v, best so far %v, note %q", s.res.Answer, s.res.BestSoFar, s.res.Note)
	}
	if err := s.write(); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(filepath.Join(root, "search_result.json"))
	if !strings.Contains(string(b), `"complete": false`) || !strings.Contains(string(b), `"interrupted": true`) || !strings.Contains(string(b), `"answer": null`) {
		t.Errorf("search_result.json of an interrupted search:\n%s", b)
	}
	if !strings.Contains(out.String(), "Answer: none, the search did not finish") {
		t.Errorf("console:\n%s", out.String())
	}
}
