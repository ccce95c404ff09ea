package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sonde synthesize agentic-code makes a mooncake trace that sonde
// replays: every row a request (the simulator counts them), the same seed
// the same bytes, and its shared layers a prefix cache serves (analyze).
func TestSynthesizeAgenticCode(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator and folders
	dir := t.TempDir()
	cfg := write(t, dir, "small.json", `{"max_prompt_tokens": 3000, "block_size": 64,
 "cache": {"layer1_tokens": 256, "layer1_5_tokens": 128, "layer2": {"mean": 200, "median": 150}, "layer1_5_groups": {"num_groups": 2, "zipf_alpha": 1.0}},
 "new_tokens_per_turn": {"mean": 100, "median": 80}, "generation_length": {"mean": 8, "median": 6},
 "inter_turn_delay": {"agentic_fraction": 1, "agentic_delay": {"mean": 2, "median": 1}, "human_delay": 5}, "reset": {"base_probability": 0.2, "context_scaling": 2}}`)
	made := func(out string) string {
		res := runSonde(t, "synthesize", "agentic-code", "--config", cfg, "--num-sessions", "4", "--seed", "9", "--output", out)
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		return strings.SplitN(res.stdout, "\n", 2)[0]
	}
	a, b := made(filepath.Join(dir, "a")), made(filepath.Join(dir, "b"))
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if len(da) == 0 || string(da) != string(db) {
		t.Fatal("the same seed and config make the same dataset")
	}
	for _, f := range []string{"manifest.json", "quality.json"} {
		if _, err := os.Stat(filepath.Join(filepath.Dir(a), f)); err != nil {
			t.Error(err)
		}
	}
	rows := strings.Count(string(da), "\n")
	if !strings.Contains(res0(t, cfg, dir), "--isl-block-size 64") {
		t.Error("the replay hint names the trace's block size")
	}
	recs, res := runFile(t, a, "--custom-dataset-type", "mooncake_trace", "--isl-block-size", "64", "--no-fixed-schedule", "--concurrency", "4")
	if res.code != 0 || len(recs) != rows {
		t.Fatalf("exit %d: %d requests of %d rows: %s", res.code, len(recs), rows, res.stderr)
	}
	res = runSonde(t, "analyze-trace", "--input-file", a, "--block-size", "64")
	if res.code != 0 || !strings.Contains(res.stdout, "Sessions:            4") || strings.Contains(res.stdout, "Cache hit rate:      0.0%") {
		t.Fatalf("%s %s", res.stdout, res.stderr)
	}
	if res := runSonde(t, "synthesize", "agentic-code", "--config", write(t, dir, "bad.json", `{"max_prompt_tokenz": 1}`)); res.code != 2 || !strings.Contains(res.stderr, "max_prompt_tokenz") {
		t.Fatalf("a typo in the config: exit %d: %s", res.code, res.stderr)
	}
}

func res0(t *testing.T, cfg, dir string) string {
	return runSonde(t, "synthesize", "agentic-code", "--config", cfg, "--num-sessions", "1", "--output", filepath.Join(dir, "c")).stdout
}
