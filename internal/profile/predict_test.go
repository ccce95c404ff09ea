package profile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/plan/plantest"
	"github.com/sonde-bench/sonde/internal/sim"
	"github.com/sonde-bench/sonde/internal/sondetest"
)

func testTwin() *Twin {
	return &Twin{Path: "twin.yaml", Draws: 3, Model: &sim.Twin{Kind: sim.TwinKind, Server: "test",
		Engine: sim.TwinEngine{MaxNumSeqs: 8, MaxNumBatchedTokens: 2048, BlockSize: 16, KVCacheTokens: 100000, PrefixCaching: true},
		Costs:  sim.TwinCosts{StepBaseUs: 2000, PrefillTokenUs: 5, DecodeSeqUs: 20, KContextUs: 10, OverheadUs: 300},
		StdErr: sim.TwinCosts{StepBaseUs: 100, PrefillTokenUs: 0.5}}}
}

func predictArgs(t *testing.T, args ...string) (string, error) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	p := plantest.Flags(t, append([]string{"--ui-type", "none", "--artifact-dir", dir, "--url", "127.0.0.1:9"}, args...)...)
	var out, errb sondetest.Buffer
	_, err := Measure(Env{Args: args, Stdout: &out, Stderr: &errb, Getenv: os.Getenv, Version: "test", Twin: testTwin()}, p)
	return dir, err
}

// A run with a twin is predicted, never sent (the URL is never contacted):
// the same files as a run, the summary marked as predicted and carrying the
// intervals; a warm-up phase is simulated before it and left out.
func TestPredictWritesARun(t *testing.T) {
	dir, err := predictArgs(t, "-m", "m", "--endpoint-type", "chat", "--streaming", "--conversation-num", "6",
		"--conversation-turn-mean", "2", "--synthetic-input-tokens-mean", "100", "--output-tokens-mean", "10", "--concurrency", "2",
		"--warmup-request-count", "2")
	if err != nil {
		t.Fatal(err)
	}
	s := summaryOf(t, dir)
	if md := s["metadata"].(map[string]any); md["predicted"] != true || md["twin"] != "twin.yaml" {
		t.Fatalf("metadata %v", md)
	}
	pred := s["sonde"].(map[string]any)["prediction"].(map[string]any)
	if iv := pred["intervals"].(map[string]any)["time_to_first_token p50"].(map[string]any); iv["p5"].(float64) > iv["p95"].(float64) {
		t.Fatalf("interval %v", iv)
	}
	if n := s["request_count"].(map[string]any)["avg"].(float64); n != 12 {
		t.Fatalf("%v profiling requests, want 12", n)
	}
	for _, f := range []string{"profile_export.jsonl", "inputs.json", "profile_export_aiperf.csv"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if w := s["sonde"].(map[string]any)["warnings"]; !strings.Contains(toString(w), "no request was sent") {
		t.Fatalf("warnings %v", w)
	}
}

// What the twin does not model is refused by flag, before anything is
// written.
func TestPredictRefusesWhatItDoesNotModel(t *testing.T) {
	_, err := predictArgs(t, "-m", "m", "--endpoint-type", "chat", "--request-count", "4", "--user-centric-rate", "2", "--num-users", "2")
	if err == nil || !strings.Contains(err.Error(), "--user-centric-rate") {
		t.Fatalf("%v", err)
	}
}

func toString(v any) string {
	var b strings.Builder
	for _, x := range v.([]any) {
		b.WriteString(x.(string) + "\n")
	}
	return b.String()
}

// PredictLoads resolves a command into the workloads a prediction
// simulates, the profiling phase last.
func TestPredictLoads(t *testing.T) {
	p := plantest.Flags(t, "-m", "m", "--endpoint-type", "chat", "--conversation-num", "3", "--concurrency", "2", "--url", "127.0.0.1:9",
		"--warmup-request-count", "1", "--ui-type", "none")
	loads, seed, err := PredictLoads(Env{Getenv: os.Getenv, Version: "test"}, p)
	if err != nil || len(loads) != 2 || loads[1].Concurrency != 2 || len(loads[1].Sessions) < 3 || seed == 0 && p.RandomSeed != nil {
		t.Fatalf("%v %d %+v", err, len(loads), loads)
	}
}
