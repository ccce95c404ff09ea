package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sonde analyze-trace on AIPerf's documented three-line mooncake example:
// three requests over 274 ms, the report printed and written as JSON; a
// bad file is a usage error naming it.
func TestAnalyzeTrace(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator and folders
	dir := t.TempDir()
	trace := write(t, dir, "trace.jsonl", `{"timestamp": 0, "input_length": 1200, "output_length": 52, "hash_ids": [0, 1, 2]}
{"timestamp": 105, "input_length": 1800, "output_length": 26, "hash_ids": [0, 3, 4, 5]}
{"timestamp": 274, "input_length": 1300, "output_length": 52, "hash_ids": [1, 4, 6]}`)
	out := filepath.Join(dir, "analysis.json")
	res := runSonde(t, "analyze-trace", "--input-file", trace, "--output-file", out)
	if res.code != 0 || !strings.Contains(res.stdout, "Requests:            3") || !strings.Contains(res.stdout, "Cache hit rate:") {
		t.Fatalf("exit %d: %s %s", res.code, res.stdout, res.stderr)
	}
	var a struct {
		Sessions, Requests int
		DurationS          float64               `json:"duration_s"`
		CacheHitRate       float64               `json:"cache_hit_rate"`
		PrefixReuse        float64               `json:"prefix_reuse_ratio"`
		OSL                struct{ Max float64 } `json:"requested_output_length"`
	}
	data, err := os.ReadFile(out)
	if err != nil || json.Unmarshal(data, &a) != nil {
		t.Fatalf("%v: %s", err, data)
	}
	// Block 0 is shared by the first two lines: 1 hit of 8 full blocks at
	// most (the third line's blocks 1 and 4 start it differently).
	if a.Sessions != 3 || a.Requests != 3 || a.DurationS != 0.274 || a.OSL.Max != 52 || a.PrefixReuse != 1.0/3 || a.CacheHitRate <= 0 || a.CacheHitRate > 0.25 {
		t.Errorf("%+v", a)
	}
	res = runSonde(t, "analyze-trace", "--input-file", write(t, dir, "bad.jsonl", `{"timestamp": 0}`))
	if res.code != 2 || !strings.Contains(res.stderr, "bad.jsonl:1") {
		t.Errorf("exit %d: %s", res.code, res.stderr)
	}
}
