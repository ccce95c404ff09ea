package plan

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
