package plan

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

func writeTemp(t *testing.T, name, text string) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAnalyzeTraceReport(t *testing.T) {
	path := writeTemp(t, "t.jsonl", `{"timestamp": 0, "input_length": 40, "output_length": 4, "hash_ids": [1, 2]}
{"timestamp": 500, "input_length": 40, "output_length": 8, "hash_ids": [1, 3]}`)
	var out bytes.Buffer
	b, err := AnalyzeTrace(&out, AnalyzeOptions{Path: path, Type: "mooncake_trace", Tokenizer: "builtin", BlockSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	var a dataset.Analysis
	if err := json.Unmarshal(b, &a); err != nil || a.Requests != 2 || a.DurationS != 0.5 || a.RequestRate != 4 {
		t.Fatalf("%v %+v", err, a)
	}
	if !strings.Contains(out.String(), "Duration:            0.5 s") {
		t.Error(out.String())
	}
	for _, o := range []AnalyzeOptions{{Path: path, Type: "mooncake_trace", Tokenizer: "builtin"}, {Path: path, Type: "mooncake_trace", Tokenizer: "/nope.json", BlockSize: 8},
		{Path: "/nope.jsonl", Type: "bailian_trace", Tokenizer: "builtin", BlockSize: 512}} {
		if _, err := AnalyzeTrace(&out, o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

func TestAccuracyConversations(t *testing.T) {
	tok, err := tokenizer.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	path := writeTemp(t, "p.jsonl", `{"subject": "a", "question": "Q1", "choices": ["x", "y"], "answer": 1}
{"subject": "a", "question": "Q2", "choices": ["x", "y"], "answer": 0}
{"subject": "b", "question": "Q3", "choices": ["x", "y"], "answer": 0}`)
	p := &config.Profile{AccuracyBenchmark: "mmlu", InputFile: path, EndpointType: "chat", AccuracyCoT: true, AccuracyTasks: []string{"a"}}
	convs, err := accuracyConversations(p, tok)
	if err != nil || len(convs) != 2 {
		t.Fatalf("%v %d", err, len(convs))
	}
	turn := convs[0].Turns[0]
	if len(turn.Messages) != 3 || turn.Gold.Answer != "B" || turn.Gold.Grader != "multiple_choice" || turn.MaxTokens != 4000 || turn.Tokens == 0 {
		t.Fatalf("%+v", turn)
	}
	p.EndpointType, p.AccuracyCoT, p.AccuracyNoCoT, p.AccuracyTasks = "completions", false, true, nil
	if convs, err = accuracyConversations(p, tok); err != nil || len(convs) != 3 || convs[0].Turns[0].Messages != nil || !strings.Contains(convs[0].Turns[0].Text, "Q2\nA. x") {
		t.Fatalf("%v %+v", err, convs)
	}
	pl := &Plan{p: p}
	if b := pl.Accuracy(); b == nil || b.CoT || b.Name != "mmlu" {
		t.Fatalf("%+v", b)
	}
	for _, bad := range []*config.Profile{{AccuracyBenchmark: "nope", InputFile: path}, {AccuracyBenchmark: "mmlu", InputFile: "/nope"},
		{AccuracyBenchmark: "mmlu", InputFile: path, AccuracyTasks: []string{"zz"}}} {
		if _, err := accuracyConversations(bad, tok); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if (&Plan{p: &config.Profile{}}).Accuracy() != nil {
		t.Error("no benchmark, no grading")
	}
}

func TestReplayTimingLog(t *testing.T) {
	var log bytes.Buffer
	convs := []dataset.Conversation{{ID: "a", Turns: []dataset.Turn{{Timestamp: 0, HasTimestamp: true}, {Delay: 9e9}}},
		{ID: "b", Turns: []dataset.Turn{{Timestamp: 60000, HasTimestamp: true}}}}
	speed, capDelay, capGap := 2.0, 1.0, 5.0
	p := &config.Profile{SynthesisSpeedup: 1, ReplaySpeedup: &speed, InterTurnDelayCap: &capDelay, MaxIdleGapCap: &capGap, TraceSampleRatio: 1}
	out, err := replayTiming(p, convs, 1, slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil || out[1].Turns[0].Timestamp != 5000 || out[0].Turns[1].Delay != 1e9 {
		t.Fatalf("%v %+v", err, out)
	}
	if !strings.Contains(log.String(), "1 delays clamped") || !strings.Contains(log.String(), "1 idle gaps collapsed") {
		t.Error(log.String())
	}
	p = &config.Profile{SynthesisSpeedup: 1, TraceSampleRatio: 0.5}
	if out, err = replayTiming(p, convs, 1, slog.New(slog.NewTextHandler(&log, nil))); err != nil || len(out) != 1 || !strings.Contains(log.String(), "1 of 2 sessions kept") {
		t.Fatalf("%v %d %s", err, len(out), log.String())
	}
}

func TestSynthesizeAgenticFolder(t *testing.T) {
	cfg := writeTemp(t, "small.json", `{"max_prompt_tokens": 3000, "block_size": 64, "cache": {"layer1_tokens": 128, "layer1_5_tokens": 64, "layer2": {"mean": 100, "median": 80}, "layer1_5_groups": {"num_groups": 2, "zipf_alpha": 1}}}`)
	out := t.TempDir()
	dir, block, err := SynthesizeAgentic(SynthesizeOptions{Sessions: 3, Output: out, Config: cfg, Seed: 1, MaxOSL: 20, MaxISL: 2500, Now: time.Unix(0, 0).UTC()})
	if err != nil || block != 64 || !strings.HasSuffix(dir, "small_3s_seed1_19700101-000000") {
		t.Fatalf("%s %d %v", dir, block, err)
	}
	// The manifest makes the same dataset again.
	again, _, err := SynthesizeAgentic(SynthesizeOptions{Sessions: 3, Output: t.TempDir(), Config: filepath.Join(dir, "manifest.json"), Seed: 1, MaxOSL: 20, Now: time.Unix(0, 0)})
	a, _ := os.ReadFile(filepath.Join(dir, "dataset.jsonl"))
	b, _ := os.ReadFile(filepath.Join(again, "dataset.jsonl"))
	if err != nil || string(a) != string(b) || len(a) == 0 {
		t.Fatalf("from the manifest: %v", err)
	}
	var q map[string]any
	data, _ := os.ReadFile(filepath.Join(dir, "quality.json"))
	if json.Unmarshal(data, &q) != nil || q["sessions"] != 3.0 {
		t.Fatalf("%s", data)
	}
	for _, o := range []SynthesizeOptions{{Sessions: 0, Config: "default"}, {Sessions: 1, Config: "/nope.json"}, {Sessions: 1, Config: writeTemp(t, "bad.json", `{"block_size": 0}`)}} {
		if _, _, err := SynthesizeAgentic(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

func TestFetchInput(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"e1"`)
		w.Write([]byte("{}\n"))
	}))
	defer srv.Close()
	cache := t.TempDir()
	env := Env{Getenv: func(k string) string { return map[string]string{"XDG_CACHE_HOME": cache}[k] }}
	pl := &Plan{p: &config.Profile{InputFile: srv.URL + "/t.jsonl", CustomDatasetType: "single_turn"}, notes: &notes{}}
	q, err := pl.fetchInput(env)
	if err != nil || q == pl.p || !strings.HasSuffix(q.InputFile, "t.jsonl") || pl.p.InputFile != srv.URL+"/t.jsonl" || len(pl.notes.items) == 0 {
		t.Fatalf("%v %+v", err, q)
	}
	local := &Plan{p: &config.Profile{InputFile: "x.jsonl"}}
	if q, err := local.fetchInput(env); err != nil || q != local.p {
		t.Fatal("a local file is read where it is")
	}
	bad := &Plan{p: &config.Profile{InputFile: srv.URL + "/other.jsonl"}, notes: &notes{}}
	srv.Close()
	if _, err := bad.fetchInput(env); err == nil {
		t.Fatal("an unreachable source, not cached")
	}
}
