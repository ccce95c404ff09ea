package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Accuracy under load, checked exactly: a simulator that knows the
// answers gives the right one to 70 % of requests (drawn per request);
// sonde's graded count must equal the number the simulator answered
// rightly, task by task, and the summary carries the rate and its
// interval; accuracy_results.csv and accuracy_export.jsonl agree.
func TestAccuracyUnderLoad(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator and folders
	dir := t.TempDir()
	var sb strings.Builder
	for i := range 120 {
		task := []string{"algebra", "biology", "history"}[i%3]
		fmt.Fprintf(&sb, `{"subject": %q, "question": "Question %d of %s: which one?", "choices": ["w", "x", "y", "z"], "answer": %d}`+"\n", task, i, task, i%4)
	}
	problems := write(t, dir, "mmlu.jsonl", sb.String())
	sim := startSim(t, "--ttft", "1ms", "--itl", "200us", "--answer-key", problems, "--answer-accuracy", "70", "--seed", "3")
	out := filepath.Join(dir, "out")
	res := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", sim.addr, "--endpoint-type", "chat",
		"--accuracy-benchmark", "mmlu", "--accuracy-n-shots", "2", "--input-file", problems, "--request-count", "120", "--concurrency", "4",
		"--ui-type", "none", "--artifact-dir", out)
	recs := sim.stop(t)
	if res.code != 0 || len(recs) != 120 {
		t.Fatalf("exit %d, %d requests: %s", res.code, len(recs), res.stderr)
	}
	right := 0
	for _, r := range recs {
		if r.Answered == "right" {
			right++
		} else if r.Answered != "wrong" {
			t.Fatalf("the simulator found no problem in %s", r.Body)
		}
	}
	var sum struct {
		Sonde struct {
			Accuracy struct {
				Overall struct {
					Total, Passed int
					Accuracy      float64
					CILow         float64 `json:"ci_low"`
					CIHigh        float64 `json:"ci_high"`
				} `json:"overall"`
				Tasks []struct{ Task string } `json:"tasks"`
			} `json:"accuracy"`
		} `json:"sonde"`
	}
	readInto(t, filepath.Join(out, "profile_export_aiperf.json"), &sum)
	acc := sum.Sonde.Accuracy
	if acc.Overall.Total != 120 || acc.Overall.Passed != right || len(acc.Tasks) != 3 {
		t.Fatalf("graded %d of %d right, the simulator answered %d rightly; tasks %v", acc.Overall.Passed, acc.Overall.Total, right, acc.Tasks)
	}
	if acc.Overall.Accuracy != float64(right)/120 || !(acc.Overall.CILow > 0 && acc.Overall.CILow < acc.Overall.Accuracy && acc.Overall.Accuracy < acc.Overall.CIHigh) {
		t.Errorf("%+v", acc.Overall)
	}
	csv, err := os.ReadFile(filepath.Join(out, "accuracy_results.csv"))
	if err != nil || !strings.Contains(string(csv), fmt.Sprintf("OVERALL,120,%d,0,", right)) {
		t.Errorf("%v: %s", err, csv)
	}
	data, err := os.ReadFile(filepath.Join(out, "accuracy_export.jsonl"))
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if err != nil || len(lines) != 120 {
		t.Fatalf("%v: %d lines", err, len(lines))
	}
	var l struct {
		Task       string `json:"task"`
		GraderName string `json:"grader_name"`
		Expected   string `json:"expected"`
	}
	if json.Unmarshal([]byte(lines[0]), &l); l.GraderName != "multiple_choice" || l.Expected == "" || l.Task == "" {
		t.Errorf("%s", lines[0])
	}
	if !strings.Contains(res.stdout+res.stderr, "Accuracy: mmlu") {
		t.Error("the console shows the accuracy table")
	}
}

// A GSM8K-style set over completions: numbers graded after "####".
func TestAccuracyGSM8KCompletions(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator and folders
	dir := t.TempDir()
	var sb strings.Builder
	for i := range 20 {
		fmt.Fprintf(&sb, `{"question": "Problem %d: how many apples?", "answer": "Count them. #### %d"}`+"\n", i, 10+i)
	}
	problems := write(t, dir, "gsm8k.jsonl", sb.String())
	sim := startSim(t, "--ttft", "1ms", "--itl", "0s", "--answer-key", problems, "--answer-accuracy", "100")
	out := filepath.Join(dir, "out")
	res := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--url", sim.addr, "--endpoint-type", "completions",
		"--accuracy-benchmark", "gsm8k", "--input-file", problems, "--request-count", "20", "--ui-type", "none", "--artifact-dir", out)
	sim.stop(t)
	csv, _ := os.ReadFile(filepath.Join(out, "accuracy_results.csv"))
	if res.code != 0 || !strings.Contains(string(csv), "OVERALL,20,20,0,1.0000") {
		t.Fatalf("exit %d: %s %s", res.code, csv, res.stderr)
	}
}

// A task set fetched from the Hub (a fake at $HF_ENDPOINT): GSM8K's main
// subset, test split, graded exactly as the local file is; a benchmark
// with no published source sonde reads needs a local file.
func TestAccuracyFromTheHub(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator, hub and cache
	var sb strings.Builder
	for i := range 12 {
		fmt.Fprintf(&sb, `{"question": "Problem %d: how many pears?", "answer": "Add them. #### %d"}`+"\n", i, 30+i)
	}
	h := newHub(t, map[string]map[string]string{"openai/gsm8k": {"main/test-00000-of-00001.jsonl": sb.String(), "main/train-00000-of-00001.jsonl": `{"question": "train", "answer": "#### 1"}` + "\n"}})
	key := write(t, t.TempDir(), "key.jsonl", sb.String())
	sim := startSim(t, "--ttft", "1ms", "--itl", "0s", "--answer-key", key, "--answer-accuracy", "100")
	out := filepath.Join(t.TempDir(), "out")
	res := runSondeEnv(t, hubEnv(t, h.URL), "profile", "-m", "m", "--tokenizer", "builtin", "--url", sim.addr, "--endpoint-type", "completions",
		"--accuracy-benchmark", "gsm8k", "--request-count", "12", "--ui-type", "none", "--artifact-dir", out)
	sim.stop(t)
	csv, _ := os.ReadFile(filepath.Join(out, "accuracy_results.csv"))
	if res.code != 0 || !strings.Contains(string(csv), "OVERALL,12,12,0,1.0000") || len(h.files()) != 1 {
		t.Fatalf("exit %d, fetched %v: %s %s", res.code, h.files(), csv, res.stderr)
	}
	res = runSonde(t, "profile", "-m", "m", "--url", "http://127.0.0.1:9", "--accuracy-benchmark", "gpqa_diamond", "--request-count", "1", "--ui-type", "none")
	if res.code != 2 || !strings.Contains(res.stderr, "--accuracy-benchmark gpqa_diamond reads its problems from a local --input-file") {
		t.Fatalf("gpqa: exit %d: %s", res.code, res.stderr)
	}
}

// Accuracy per load level: a concurrency sweep of a graded task set
// carries each level's accuracy and its interval in the sweep's aggregate,
// beside its latency numbers.
func TestAccuracyPerLoadLevel(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator and folders
	var sb strings.Builder
	for i := range 8 {
		fmt.Fprintf(&sb, `{"question": "Problem %d: how many?", "answer": "#### %d"}`+"\n", i, i)
	}
	problems := write(t, t.TempDir(), "gsm8k.jsonl", sb.String())
	sim := startSim(t, "--ttft", "1ms", "--itl", "0s", "--answer-key", problems, "--answer-accuracy", "100")
	out := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--url", sim.addr, "--endpoint-type", "completions",
		"--accuracy-benchmark", "gsm8k", "--input-file", problems, "--request-count", "8", "--concurrency", "1,2", "--ui-type", "none", "--artifact-dir", out)
	sim.stop(t)
	data, _ := os.ReadFile(filepath.Join(out, "sweep_aggregate", "profile_export_aiperf_sweep.json"))
	var sweep struct {
		PerCombination []struct {
			Metrics map[string]struct{ Mean float64 } `json:"metrics"`
		} `json:"per_combination_metrics"`
	}
	jsonUnmarshal(data, &sweep)
	if res.code != 0 || len(sweep.PerCombination) != 2 {
		t.Fatalf("exit %d: %s %s", res.code, data, res.stderr)
	}
	for _, c := range sweep.PerCombination {
		if c.Metrics["accuracy_avg"].Mean != 1 || c.Metrics["accuracy_ci_high"].Mean != 1 || c.Metrics["request_throughput_avg"].Mean <= 0 {
			t.Fatalf("a load level's metrics: %v", c.Metrics)
		}
	}
}
