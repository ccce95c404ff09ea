package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// wekaTraces writes n weka traces of turns requests each into a folder:
// turn k of trace i sends k+1 blocks of 16 tokens (a growing prefix), 10 ms
// after the one before.
func wekaTraces(t *testing.T, n, turns int) string {
	dir := filepath.Join(t.TempDir(), "traces")
	os.MkdirAll(dir, 0o755)
	for i := range n {
		var reqs []string
		for k := range turns {
			ids := make([]string, k+1)
			for j := range ids {
				ids[j] = fmt.Sprint(100*i + j + 1)
			}
			reqs = append(reqs, fmt.Sprintf(`{"t": %g, "type": "n", "model": "opus", "in": %d, "out": 3, "hash_ids": [%s]}`, 0.01*float64(k), 16*(k+1), strings.Join(ids, ",")))
		}
		doc := fmt.Sprintf(`{"id": "trace%d", "models": ["opus"], "block_size": 16, "hash_id_scope": "local", "requests": [%s]}`, i, strings.Join(reqs, ",\n"))
		write(t, dir, fmt.Sprintf("trace%d.json", i), doc)
	}
	return dir
}

// The agentic replay: two lanes start their first trajectories mid-way
// (the window pins the start to turn 3 of 6: the warm-up sends it, and
// profiling goes on from turn 4); the lanes then take the next traces from their first
// turn. What the server received is the warm-up plus every record, and the
// records' turn indices are the trajectories' own.
func TestAgenticReplay(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator and folders
	traces := wekaTraces(t, 4, 6)
	out := filepath.Join(t.TempDir(), "out")
	sim := startSim(t, "--ttft", "1ms", "--itl", "200us")
	res := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", sim.addr, "--input-file", traces,
		"--custom-dataset-type", "weka_trace", "--concurrency", "2", "--ui-type", "none", "--artifact-dir", out,
		"--trajectory-start-min-ratio", "0.5", "--trajectory-start-max-ratio", "0.5", "--random-seed", "7")
	received := sim.stop(t)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	lines := readJSONL(t, filepath.Join(out, "profile_export.jsonl"))
	got := map[string][]int{}
	for _, l := range lines {
		got[l.Metadata.ConversationID] = append(got[l.Metadata.ConversationID], l.Metadata.TurnIndex)
	}
	for _, v := range got {
		slices.Sort(v)
	}
	want := map[string][]int{"trace0": {4, 5}, "trace1": {4, 5}, "trace2": {0, 1, 2, 3, 4, 5}, "trace3": {0, 1, 2, 3, 4, 5}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("profiled turns %v, want %v", got, want)
	}
	if len(received) != len(lines)+2 {
		t.Fatalf("the server received %d requests: %d records and 2 warm-up turns expected", len(received), len(lines))
	}
	// The warm-up turns come first: each lane's turn 3 (4 blocks, 64 tokens).
	for _, r := range received[:2] {
		if sent := r.PromptTokens; sent < 56 || sent > 72 {
			t.Errorf("a warm-up request of %d prompt tokens, want the 64 of turn 3", sent)
		}
	}
	if !strings.Contains(res.stderr, "Warming up: agentic replay: the start turn of each of 2 lanes") {
		t.Errorf("log: %s", res.stderr)
	}
}

// The cache warm-up carries the trajectories on with one-token answers,
// then profiling resumes them: nothing of it is recorded, and every
// profiled request asks for its trace's output length.
func TestAgenticCacheWarmup(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator and folders
	traces := wekaTraces(t, 3, 8)
	out := filepath.Join(t.TempDir(), "out")
	sim := startSim(t, "--ttft", "1ms", "--itl", "200us")
	res := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", sim.addr, "--input-file", traces,
		"--custom-dataset-type", "weka_trace", "--concurrency", "2", "--ui-type", "none", "--artifact-dir", out,
		"--agentic-cache-warmup-duration", "0.05", "--burst-phase-starts", "--agentic-warmup-grace-period", "30", "--request-count", "6")
	received := sim.stop(t)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	lines := readJSONL(t, filepath.Join(out, "profile_export.jsonl"))
	oneToken := 0
	for _, r := range received {
		var b struct {
			MaxTokens int `json:"max_completion_tokens"`
		}
		json.Unmarshal(r.Body, &b)
		if b.MaxTokens == 1 {
			oneToken++
		}
	}
	if len(lines) != 6 || oneToken == 0 || len(received) != len(lines)+2+oneToken {
		t.Fatalf("%d records, %d requests received, %d of one token: want 6 records, 2 snapshot warm-up turns and the cache warm-up's", len(lines), len(received), oneToken)
	}
}

// A scenario locks its rules: a conflict is refused, naming the option;
// --unsafe-override runs anyway, fills in what was left unset (streaming,
// ignore_eos, the cache bust) and marks the summary no valid submission.
func TestScenarioLock(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator and folders
	traces := wekaTraces(t, 2, 4)
	args := []string{"profile", "-m", "m", "--tokenizer", "builtin", "--input-file", traces, "--concurrency", "2", "--ui-type", "none",
		"--scenario", "inferencex-agentx-mvp", "--benchmark-duration", "0.3"}
	res := runSonde(t, append(args, "--url", "http://127.0.0.1:9", "--artifact-dir", filepath.Join(t.TempDir(), "refused"))...)
	if res.code != 2 || !strings.Contains(res.stderr, "--benchmark-duration 0.3: at least 900 s") || !strings.Contains(res.stderr, "--unsafe-override") {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	res = runSonde(t, "profile", "-m", "m", "--scenario", "nope", "--url", "http://127.0.0.1:9", "--input-file", traces, "--concurrency", "1")
	if res.code != 2 || !strings.Contains(res.stderr, `--scenario "nope"`) {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	out := filepath.Join(t.TempDir(), "out")
	sim := startSim(t, "--ttft", "1ms", "--itl", "200us")
	res = runSonde(t, append(args, "--url", sim.addr, "--artifact-dir", out, "--unsafe-override")...)
	received := sim.stop(t)
	if res.code != 0 || len(received) == 0 {
		t.Fatalf("exit %d, %d requests: %s", res.code, len(received), res.stderr)
	}
	var b struct {
		Stream    bool   `json:"stream"`
		IgnoreEOS bool   `json:"ignore_eos"`
		Messages  []chat `json:"messages"`
	}
	json.Unmarshal(received[len(received)-1].Body, &b)
	if !b.Stream || !b.IgnoreEOS || len(b.Messages) == 0 || !strings.HasPrefix(b.Messages[0].Content, "[run ") {
		t.Fatalf("body %s", received[len(received)-1].Body)
	}
	meta, _ := readJSON(t, filepath.Join(out, "profile_export_aiperf.json"))["metadata"].(map[string]any)
	if meta["scenario"] != "inferencex-agentx-mvp" || meta["submission_valid"] != false || fmt.Sprint(meta["submission_invalid_reasons"]) != "[unsafe_override]" {
		t.Fatalf("metadata %v", meta)
	}
	if !strings.Contains(res.stderr, "Scenario inferencex-agentx-mvp: set --custom-dataset-type weka_trace") || !strings.Contains(res.stderr, "--streaming") ||
		!strings.Contains(res.stderr, "no valid submission") || !strings.Contains(res.stderr, "2 lanes, sent together") {
		t.Errorf("log: %s", res.stderr)
	}
}

type chat struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// The capacity search over agentic lanes: each probe's concurrency is
// its lanes, each started mid-trajectory after its warm-up.
func TestAgentCapacityMidSession(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator and folders
	traces := wekaTraces(t, 3, 6)
	out := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", "sim://?ttft=2ms&itl=500us", "--input-file", traces,
		"--custom-dataset-type", "weka_trace", "--trajectory-start-min-ratio", "0.5", "--burst-phase-starts", "--concurrency-min", "1", "--concurrency-max", "2",
		"--ttft-sla-ms", "60000", "--benchmark-duration", "0.3", "--ui-type", "none", "--artifact-dir", out)
	if res.code != 0 || !strings.Contains(res.stdout, "Answer: concurrency 2") {
		t.Fatalf("exit %d: %s %s", res.code, res.stdout, res.stderr)
	}
	for _, probe := range []string{"probe_01_concurrency_1", "probe_02_concurrency_2"} {
		matches, _ := filepath.Glob(filepath.Join(out, "search", probe, "logs", "aiperf.log"))
		if len(matches) == 0 {
			t.Fatalf("no probe %s in %s", probe, out)
		}
		log, _ := os.ReadFile(matches[0])
		if !strings.Contains(string(log), "Warming up: agentic replay") {
			t.Fatalf("probe %s ran no agentic warm-up: %s", probe, log)
		}
	}
}
