package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// hub is a fake Hugging Face Hub serving dataset repositories of files,
// counting what it serves.
type hub struct {
	*httptest.Server
	mu     sync.Mutex
	served []string
}

func newHub(t *testing.T, repos map[string]map[string]string) *hub {
	h := &hub{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/datasets/{org}/{name}/revision/main", func(w http.ResponseWriter, r *http.Request) {
		files, ok := repos[r.PathValue("org")+"/"+r.PathValue("name")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		var sib []string
		for name := range files {
			sib = append(sib, fmt.Sprintf(`{"rfilename": %q}`, name))
		}
		fmt.Fprintf(w, `{"sha": "abc123", "siblings": [%s, {"rfilename": "README.md"}]}`, strings.Join(sib, ","))
	})
	mux.HandleFunc("GET /datasets/{org}/{name}/resolve/abc123/{path...}", func(w http.ResponseWriter, r *http.Request) {
		repo := r.PathValue("org") + "/" + r.PathValue("name")
		body, ok := repos[repo][r.PathValue("path")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h.mu.Lock()
		h.served = append(h.served, repo+"/"+r.PathValue("path"))
		h.mu.Unlock()
		fmt.Fprint(w, body)
	})
	h.Server = httptest.NewServer(mux)
	t.Cleanup(h.Close)
	return h
}

func (h *hub) files() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Sorted(slices.Values(h.served))
}

// hubEnv points sonde at the fake Hub with a cache of its own.
func hubEnv(t *testing.T, url string) env {
	vars := map[string]string{"HF_ENDPOINT": url, "XDG_CACHE_HOME": t.TempDir(), "SONDE_CACHE_DIR": "", "HF_HUB_OFFLINE": ""}
	return env{Getenv: func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		return os.Getenv(k)
	}}
}

// Public datasets by AIPerf's names: only the split's files of the subset
// are fetched (--hf-subset overriding the dataset's), rows failing
// --dataset-filter are skipped, and every row left is a request.
func TestPublicDatasetsByName(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator, hub and cache
	h := newHub(t, map[string]map[string]string{
		"openai/gsm8k": {
			"main/test-00000-of-00001.jsonl":     `{"question": "main q1", "level": "1"}` + "\n" + `{"question": "main q2", "level": "2"}` + "\n",
			"main/train-00000-of-00001.jsonl":    `{"question": "train q"}` + "\n",
			"socratic/test-00000-of-00001.jsonl": `{"question": "socratic q1", "level": "1"}` + "\n" + `{"question": "socratic q2", "level": "2"}` + "\n" + `{"question": "socratic q3", "level": "1"}` + "\n",
		},
	})
	run := func(extra ...string) ([]simRecord, runResult) {
		sim := startSim(t, "--ttft", "1ms", "--itl", "100us")
		args := append([]string{"profile", "-m", "m", "--tokenizer", "builtin", "--url", sim.addr, "--public-dataset", "spec_al_gsm8k",
			"--ui-type", "none", "--artifact-dir", filepath.Join(t.TempDir(), "out")}, extra...)
		res := runSondeEnv(t, hubEnv(t, h.URL), args...)
		return sim.stop(t), res
	}
	recs, res := run("--request-count", "2")
	if res.code != 0 || len(recs) != 2 || !strings.Contains(string(recs[0].Body), "main q") {
		t.Fatalf("exit %d, %d requests: %s", res.code, len(recs), res.stderr)
	}
	recs, res = run("--hf-subset", "socratic", "--dataset-filter", "level=1", "--request-count", "4")
	var asked []string
	for _, r := range recs {
		var b chatBody
		jsonUnmarshal(r.Body, &b)
		asked = append(asked, b.Messages[0].Content)
	}
	slices.Sort(asked)
	if res.code != 0 || strings.Join(slices.Compact(asked), ",") != "socratic q1,socratic q3" {
		t.Fatalf("exit %d, asked %v: %s", res.code, asked, res.stderr)
	}
	if got := h.files(); strings.Join(got, " ") != "openai/gsm8k/main/test-00000-of-00001.jsonl openai/gsm8k/socratic/test-00000-of-00001.jsonl" {
		t.Fatalf("served %v: the test split of each subset alone", got)
	}
}

// Exgentic's recorded agent sessions: each LLM call's snapshot sent as
// recorded — the tools offered, the assistant's tool call and the tool's
// result in the history (the simulator refuses a broken tool history).
func TestPublicExgentic(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator, hub and cache
	call := func(start, end, messages string) string {
		return fmt.Sprintf(`{"type": "llm_call", "start_time": %q, "end_time": %q, "attributes": {"gen_ai.usage.input_tokens": 40, "gen_ai.usage.output_tokens": 3, "gen_ai.input.messages": %s, "gen_ai.tool.definitions": [{"type": "function", "name": "ls", "parameters": {"type": "object"}}]}}`, start, end, messages)
	}
	row := fmt.Sprintf(`{"harness": "h", "session_id": "agent-1", "models": ["x"], "spans": [%s, %s]}`,
		call("2026-01-01T00:00:00Z", "2026-01-01T00:00:00.1Z", `[{"role": "user", "parts": [{"type": "text", "content": "list the files"}]}]`),
		call("2026-01-01T00:00:00.2Z", "2026-01-01T00:00:00.3Z", `[{"role": "user", "parts": [{"type": "text", "content": "list the files"}]}, {"role": "assistant", "parts": [{"type": "tool_call", "id": "call_1", "name": "ls", "arguments": {"dir": "."}}]}, {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_1", "result": "a.go b.go"}]}]`))
	h := newHub(t, map[string]map[string]string{"Exgentic/agent-llm-traces": {"data/train-00000-of-00001.jsonl": row + "\n"}})
	sim := startSim(t, "--ttft", "1ms", "--itl", "100us")
	out := filepath.Join(t.TempDir(), "out")
	res := runSondeEnv(t, hubEnv(t, h.URL), "profile", "-m", "m", "--tokenizer", "builtin", "--url", sim.addr, "--public-dataset", "exgentic",
		"--concurrency", "1", "--request-count", "2", "--ui-type", "none", "--artifact-dir", out)
	recs := sim.stop(t)
	if res.code != 0 || len(recs) != 2 || len(readJSONL(t, filepath.Join(out, "profile_export.jsonl"))) != 2 {
		t.Fatalf("exit %d, %d requests: %s", res.code, len(recs), res.stderr)
	}
	for _, r := range recs {
		if r.Status != 200 {
			t.Fatalf("the simulator answered %d to %s", r.Status, r.Body)
		}
	}
	body := string(recs[1].Body)
	for _, want := range []string{`"tool_calls":[{"id":"call_1","type":"function","function":{"name":"ls","arguments":"{\"dir\":\".\"}"}}]`, `"role":"tool"`, `"tool_call_id":"call_1"`, `"tools":[{`} {
		if !strings.Contains(body, want) {
			t.Errorf("the second call's body lacks %s: %s", want, body)
		}
	}
}

// AgentX end to end (its CLI defaults too): the scenario over weka traces named by their Hub
// repository (--hf-weka-dataset), run under --unsafe-override for a short
// duration: lanes of trajectories, the metadata of an invalid submission.
func TestAgentXFromTheHub(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator, hub and cache
	var lines []string
	for i := range 3 {
		var reqs []string
		for k := range 5 {
			reqs = append(reqs, fmt.Sprintf(`{"t": %g, "type": "n", "in": %d, "out": 2, "hash_ids": [%s]}`, 0.01*float64(k), 16*(k+1), strings.Repeat(fmt.Sprintf("%d,", i+1), k)+"99"))
		}
		lines = append(lines, fmt.Sprintf(`{"id": "t%d", "block_size": 16, "requests": [%s]}`, i, strings.Join(reqs, ",")))
	}
	h := newHub(t, map[string]map[string]string{"team/cc-traces": {"traces.jsonl": strings.Join(lines, "\n") + "\n"}})
	out := filepath.Join(t.TempDir(), "out")
	sim := startSim(t, "--ttft", "1ms", "--itl", "100us")
	res := runSondeEnv(t, hubEnv(t, h.URL), "profile", "-m", "m", "--tokenizer", "builtin", "--url", sim.addr, "--hf-weka-dataset", "team/cc-traces",
		"--scenario", "agentx", "--unsafe-override", "--benchmark-duration", "0.3", "--concurrency", "2", "--ui-type", "none", "--artifact-dir", out)
	recs := sim.stop(t)
	if res.code != 0 || len(recs) < 3 {
		t.Fatalf("exit %d, %d requests: %s", res.code, len(recs), res.stderr)
	}
	summary := readJSON(t, filepath.Join(out, "profile_export_aiperf.json"))
	meta, _ := summary["metadata"].(map[string]any)
	if meta["submission_valid"] != false || !strings.Contains(res.stderr, "Warming up: agentic replay") {
		t.Fatalf("metadata %v: %s", meta, res.stderr)
	}
	if ic, _ := summary["input_config"].(map[string]any); !strings.Contains(fmt.Sprint(ic), "weka_hf") {
		t.Errorf("input_config names no public dataset: %v", ic)
	}
}

// A SPEED-Bench category: its rows' sessions, every record tagged with the
// category (source_kind), as AIPerf's speed-bench report reads them.
func TestSpeedBenchCategory(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator and folders
	dir := t.TempDir()
	var rows strings.Builder
	for i, cat := range []string{"coding", "math", "coding"} {
		fmt.Fprintf(&rows, `{"question_id": "%032d", "category": %q, "messages": [{"role": "user", "content": "question %d"}]}`+"\n", i, cat, i)
	}
	file := filepath.Join(dir, "qualitative.jsonl")
	os.WriteFile(file, []byte(rows.String()), 0o644)
	recs, res := runFile(t, file, "--custom-dataset-type", "speed_bench_coding", "--osl", "4")
	if res.code != 0 || len(recs) != 2 {
		t.Fatalf("exit %d, %d requests: %s", res.code, len(recs), res.stderr)
	}
	out := filepath.Join(t.TempDir(), "out")
	sim := startSim(t, "--ttft", "1ms", "--itl", "100us")
	res = runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--url", sim.addr, "--input-file", file, "--custom-dataset-type", "speed_bench_coding",
		"--ui-type", "none", "--artifact-dir", out)
	sim.stop(t)
	data, _ := os.ReadFile(filepath.Join(out, "profile_export.jsonl"))
	if res.code != 0 || strings.Count(string(data), `"source_kind":"coding"`) != 2 {
		t.Fatalf("exit %d, records %s: %s", res.code, data, res.stderr)
	}
}
