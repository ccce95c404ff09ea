package profile

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/plan/plantest"
	"github.com/sonde-bench/sonde/internal/sondetest"
)

// The CLI's end-to-end tests live in cmd/sonde; these run profile.Run
// in-process through every load mode and export level, so the package's own
// coverage counts what they exercise.

// runArgs parses args as `sonde profile` flags and runs them.
func runArgs(t *testing.T, args ...string) (string, error) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	p := plantest.Flags(t, append([]string{"--ui-type", "none", "--artifact-dir", dir}, args...)...)
	var out, errb sondetest.Buffer
	t.Setenv("HF_HUB_OFFLINE", "1")
	err := Run(Env{Args: args, Stdout: &out, Stderr: &errb, Getenv: os.Getenv, Version: "test"}, p)
	return dir, err
}

func summaryOf(t *testing.T, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "profile_export_aiperf.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func requestCount(t *testing.T, dir string) float64 {
	return summaryOf(t, dir)["request_count"].(map[string]any)["avg"].(float64)
}

func TestRunModes(t *testing.T) {
	sim := "sim://?ttft=1ms&itl=200us"
	for _, c := range []struct {
		name string
		args []string
		want float64
	}{
		{"burst multi-turn", []string{"--conversation-num", "3", "--conversation-turn-mean", "2", "--concurrency", "2", "--warmup-request-count", "2"}, 6},
		{"request rate", []string{"--request-count", "6", "--request-rate", "200", "--arrival-pattern", "constant", "--session-affinity"}, 6},
		{"session rate", []string{"--conversation-num", "2", "--conversation-turn-mean", "2", "--session-arrival-rate", "100"}, 4},
		{"users", []string{"--conversation-num", "2", "--conversation-turn-mean", "2", "--user-centric-rate", "100", "--num-users", "2"}, 4},
		{"completions, raw export", []string{"--endpoint-type", "completions", "--request-count", "3", "--export-level", "raw",
			"--extra-inputs", "temperature:0", "-H", "X-Test:1", "--warmup-connections", "1"}, 3},
		{"pre-canned answers", []string{"--conversation-num", "2", "--conversation-turn-mean", "2", "--conversation-context-mode", "deltas_with_responses",
			"--export-outputs-json", "--use-server-token-count"}, 4},
		{"duration", []string{"--benchmark-duration", "0.3", "--benchmark-grace-period", "1", "--concurrency", "2"}, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir, err := runArgs(t, append([]string{"--streaming", "--url", sim, "--isl", "12", "--osl", "4", "--random-seed", "3"}, c.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			if got := requestCount(t, dir); c.want > 0 && got != c.want || got < 1 {
				t.Fatalf("%v requests, want %v", got, c.want)
			}
		})
	}
}

func TestRunFilesAndReplay(t *testing.T) {
	in := filepath.Join(t.TempDir(), "chats.jsonl")
	os.WriteFile(in, []byte(`{"session_id":"a","turns":[{"text":"hello there"},{"text":"and again","delay":5}]}`+"\n"+
		`{"session_id":"b","turns":[{"text":"one more"}]}`+"\n"), 0o644)
	dir, err := runArgs(t, "--streaming", "--url", "sim://?ttft=1ms&itl=100us", "--input-file", in, "--custom-dataset-type", "multi_turn",
		"--osl", "3", "--export-outputs-json")
	if err != nil {
		t.Fatal(err)
	}
	if got := requestCount(t, dir); got != 3 {
		t.Fatalf("%v requests from the file", got)
	}
	replay, err := runArgs(t, "--streaming", "--url", "sim://?ttft=1ms&itl=100us&seed=9", "--input-file", in, "--custom-dataset-type", "multi_turn",
		"--osl", "3", "--replay-outputs", filepath.Join(dir, "outputs.json"))
	if err != nil || requestCount(t, replay) != 3 {
		t.Fatalf("replay: %v", err)
	}

	trace := filepath.Join(t.TempDir(), "trace.jsonl")
	os.WriteFile(trace, []byte(`{"timestamp":0,"input_length":20,"output_length":2}`+"\n"+`{"timestamp":30,"input_length":20,"output_length":2}`+"\n"), 0o644)
	dir, err = runArgs(t, "--streaming", "--url", "sim://?ttft=1ms&itl=100us", "--input-file", trace, "--custom-dataset-type", "mooncake_trace",
		"--fixed-schedule-auto-offset")
	if err != nil || requestCount(t, dir) != 2 {
		t.Fatalf("trace: %v", err)
	}
	phases := summaryOf(t, dir)["input_config"].(map[string]any)["phases"].([]any)
	if typ := phases[len(phases)-1].(map[string]any)["type"]; typ != "fixed_schedule" {
		t.Errorf("a trace replayed on its schedule is described as a %v phase", typ)
	}
}

func TestRunFailures(t *testing.T) {
	var ue UsageError
	if _, err := runArgs(t, "--url", "ftp://x"); !errors.As(err, &ue) {
		t.Fatalf("bad URL: %v", err)
	}
	if _, err := runArgs(t, "--url", "sim://", "--goodput", "nope:1"); !errors.As(err, &ue) {
		t.Fatalf("bad goodput: %v", err)
	}
	if _, err := runArgs(t, "--url", "sim://?ttft=fast"); !errors.As(err, &ue) {
		t.Fatalf("bad sim URL: %v", err)
	}
	if _, err := runArgs(t, "--url", "sim://", "--replay-outputs", "/no/such/outputs.json"); !errors.As(err, &ue) {
		t.Fatalf("missing replay file: %v", err)
	}
	// Every request fails: exit 1 with the most common error.
	_, err := runArgs(t, "--url", "sim://?error-rate=100&error-codes=503", "--request-count", "3", "--isl", "5")
	if err == nil || errors.As(err, &ue) || !strings.Contains(err.Error(), "all 3 requests failed") {
		t.Fatalf("all failed: %v", err)
	}
}

func TestHelpers(t *testing.T) {
	if w := unsentWarning(map[string]int64{"b": 2, "a": 1, "c": 0}); w != "Planned turns not sent: 1 a, 2 b (sonde.unsent_turns_by_reason in the JSON)." {
		t.Fatalf("%q", w)
	}
	if unsentWarning(nil) != "" {
		t.Fatal("helpers")
	}
}

// A concurrency the open-file limit cannot hold is refused up front; the
// client's CPU share is reported and warned about past 85 %.
func TestLimitsAndSelfKnowledge(t *testing.T) {
	if clientCPUWarning(50, false) != "" || !strings.Contains(clientCPUWarning(95, true), "in-process simulator") {
		t.Fatal("cpu share")
	}
	dir, err := runArgs(t, "--streaming", "--url", "sim://?ttft=1ms&itl=100us", "--request-count", "4", "--isl", "5", "--osl", "2")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := summaryOf(t, dir)["sonde"].(map[string]any)["client_cpu_pct"].(float64); !ok {
		t.Fatal("no client_cpu_pct")
	}
}
