package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

type sentBody struct {
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	MaxTokens   *int     `json:"max_completion_tokens"`
	Temperature *float64 `json:"temperature"`
}

func bodiesOf(t *testing.T, recs []simRecord) []sentBody {
	t.Helper()
	sort.Slice(recs, func(i, j int) bool { return recs[i].ReceivedNs < recs[j].ReceivedNs })
	out := make([]sentBody, len(recs))
	for i, r := range recs {
		if err := json.Unmarshal(r.Body, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func runFile(t *testing.T, file string, extra ...string) ([]simRecord, runResult) {
	t.Helper()
	sim := startSim(t, "--ttft", "1ms", "--itl", "200us")
	args := append([]string{"profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", sim.addr, "--input-file", file,
		"--ui-type", "none", "--artifact-dir", filepath.Join(t.TempDir(), "out")}, extra...)
	res := runSonde(t, args...)
	return sim.stop(t), res
}

func TestDatasetFiles(t *testing.T) {
	dir := t.TempDir()
	t.Run("single_turn", func(t *testing.T) {
		f := write(t, dir, "single.jsonl", `{"text": "What is prefill?", "output_length": 7, "extra": {"temperature": 0.25}}
{"texts": ["Part one.", "Part two."]}
{"text": "Third"}`)
		recs, res := runFile(t, f, "--custom-dataset-type", "single_turn", "--osl", "3")
		if res.code != 0 || len(recs) != 3 {
			t.Fatalf("exit %d, %d requests: %s", res.code, len(recs), res.stderr)
		}
		b := bodiesOf(t, recs)
		if b[0].Messages[0].Content != "What is prefill?" || *b[0].MaxTokens != 7 || *b[0].Temperature != 0.25 ||
			b[1].Messages[0].Content != "Part one.\nPart two." || *b[1].MaxTokens != 3 || b[2].Temperature != nil {
			t.Fatalf("bodies %+v", b)
		}
	})
	t.Run("multi_turn", func(t *testing.T) {
		f := write(t, dir, "multi.jsonl", `{"session_id": "a", "turns": [{"role": "system", "text": "Be brief."}, {"text": "q1", "output_length": 4}, {"text": "q2", "delay": 60, "output_length": 4}]}
{"session_id": "b", "turns": [{"text": "only", "output_length": 2}]}`)
		recs, res := runFile(t, f, "--custom-dataset-type", "multi_turn", "--concurrency", "1")
		if res.code != 0 || len(recs) != 3 {
			t.Fatalf("exit %d, %d requests: %s", res.code, len(recs), res.stderr)
		}
		b := bodiesOf(t, recs)
		if b[0].Messages[0].Role != "system" || b[0].Messages[0].Content != "Be brief." || len(b[1].Messages) != 4 ||
			b[1].Messages[3].Content != "q2" || b[1].Messages[2].Content != recs[0].Response || len(b[2].Messages) != 1 {
			t.Fatalf("bodies %+v", b)
		}
		if gap := recs[1].ReceivedNs - recs[0].FinishedNs; gap < 58e6 {
			t.Fatalf("the 60 ms delay was not honoured: %d ns", gap)
		}
	})
	t.Run("random_pool", func(t *testing.T) {
		pools := filepath.Join(dir, "pools")
		os.Mkdir(pools, 0o755)
		write(t, pools, "a.jsonl", "{\"text\": \"A1\"}\n{\"text\": \"A2\"}")
		write(t, pools, "b.jsonl", "{\"text\": \"B1\"}")
		recs, res := runFile(t, pools, "--custom-dataset-type", "random_pool", "--num-dataset-entries", "6", "--osl", "2")
		if res.code != 0 || len(recs) != 6 {
			t.Fatalf("exit %d, %d requests: %s", res.code, len(recs), res.stderr)
		}
		for _, b := range bodiesOf(t, recs) {
			if c := b.Messages[0].Content; c != "A1\nB1" && c != "A2\nB1" {
				t.Fatalf("composed prompt %q", c)
			}
		}
	})
	t.Run("mooncake_trace", func(t *testing.T) {
		f := write(t, dir, "trace.jsonl", `{"timestamp": 1000, "input_length": 300, "output_length": 4, "hash_ids": [1, 2]}
{"timestamp": 1150, "input_length": 300, "output_length": 4, "hash_ids": [1, 3]}
{"timestamp": 1300, "text_input": "literal", "output_length": 4}`)
		recs, res := runFile(t, f, "--custom-dataset-type", "mooncake_trace", "--isl-block-size", "160", "--fixed-schedule-auto-offset")
		if res.code != 0 || len(recs) != 3 {
			t.Fatalf("exit %d, %d requests: %s", res.code, len(recs), res.stderr)
		}
		sort.Slice(recs, func(i, j int) bool { return recs[i].ReceivedNs < recs[j].ReceivedNs })
		for i, want := range []int64{150e6, 150e6} {
			if gap := recs[i+1].ReceivedNs - recs[i].ReceivedNs; gap < want-10e6 || gap > want+10e6 {
				t.Fatalf("requests %d and %d arrived %d ms apart, the trace says 150", i, i+1, gap/1e6)
			}
		}
		b := bodiesOf(t, recs)
		a, c := b[0].Messages[0].Content, b[1].Messages[0].Content
		shared := 0
		for shared < min(len(a), len(c)) && a[shared] == c[shared] {
			shared++
		}
		if shared < 200 || b[2].Messages[0].Content != "literal" {
			t.Fatalf("hash id 1 should give both prompts the same first block (shared %d bytes)", shared)
		}
	})
	t.Run("inputs_json", func(t *testing.T) {
		f := write(t, dir, "inputs.json", `{"data": [{"session_id": "s", "payloads": [
			{"messages": [{"role": "user", "content": "first"}], "model": "m", "max_completion_tokens": 3},
			{"messages": [{"role": "user", "content": "second"}], "model": "m", "max_completion_tokens": 3}]}]}`)
		recs, res := runFile(t, f, "--custom-dataset-type", "inputs_json")
		if res.code != 0 || len(recs) != 2 {
			t.Fatalf("exit %d, %d requests: %s", res.code, len(recs), res.stderr)
		}
		b := bodiesOf(t, recs)
		if b[0].Messages[0].Content != "first" || b[1].Messages[2].Content != "second" {
			t.Fatalf("bodies %+v", b)
		}
	})
	t.Run("sharegpt", func(t *testing.T) {
		f := write(t, dir, "sharegpt.json", `[{"id": "x", "conversations": [
			{"from": "human", "value": "Explain batching."}, {"from": "gpt", "value": "Batching groups requests so the GPU works on many at once."},
			{"from": "human", "value": "And prefill?"}, {"from": "gpt", "value": "Prefill processes the prompt."}]}]`)
		recs, res := runFile(t, f, "--public-dataset", "sharegpt")
		if res.code != 0 || len(recs) != 2 {
			t.Fatalf("exit %d, %d requests: %s", res.code, len(recs), res.stderr)
		}
		b := bodiesOf(t, recs)
		if b[0].Messages[0].Content != "Explain batching." || *b[0].MaxTokens != 13 || b[1].Messages[2].Content != "And prefill?" {
			t.Fatalf("bodies %+v (max %d)", b, *b[0].MaxTokens)
		}
	})
	t.Run("malformed", func(t *testing.T) {
		f := write(t, dir, "bad.jsonl", "{\"text\": \"fine\"}\n{\"text\": \"x\", \"output_length\": 0}\n")
		recs, res := runFile(t, f, "--custom-dataset-type", "single_turn")
		if res.code != exitUsage || !strings.Contains(res.stderr, "bad.jsonl:2: field \"output_length\"") || len(recs) != 0 {
			t.Fatalf("exit %d, %d requests sent, stderr %s", res.code, len(recs), res.stderr)
		}
	})
}

func TestPromptShapingEndToEnd(t *testing.T) {
	sim := startSim(t)
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, append([]string{"profile", "-m", "m", "--streaming", "--url", sim.addr, "--conversation-num", "6",
		"--conversation-turn-mean", "2", "--isl", "40", "--osl", "5", "--shared-system-prompt-length", "64",
		"--user-context-prompt-length", "20", "--concurrency", "1", "--ui-type", "none", "--artifact-dir", dir}, includeUsage...)...)
	recs := sim.stop(t)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	system := ""
	for _, b := range bodiesOf(t, recs) {
		if b.Messages[0].Role != "system" || (system != "" && b.Messages[0].Content != system) {
			t.Fatalf("every turn must start with the shared system prompt: %+v", b.Messages[0])
		}
		system = b.Messages[0].Content
	}
	// First turns: 64 + 20 + 40 tokens; from the second session on, the
	// shared system prompt is expected (and found) in the cache.
	cachedFirsts := 0
	for _, l := range readJSONL(t, filepath.Join(dir, "profile_export.jsonl")) {
		if l.Metadata.TurnIndex != 0 {
			continue
		}
		if isl := metricValue(l, "input_sequence_length"); isl != 124 {
			t.Fatalf("first-turn ISL %v, want 64 + 20 + 40", isl)
		}
		if metricValue(l, "expected_cached_tokens") == 64 && metricValue(l, "usage_prompt_cache_read_tokens") == 64 {
			cachedFirsts++
		}
	}
	if cachedFirsts != 5 {
		t.Fatalf("%d of 5 later sessions found the shared system prompt cached", cachedFirsts)
	}

	sim = startSim(t, "--ttft", "1ms", "--itl", "100us")
	res = runSonde(t, "profile", "-m", "m", "--endpoint-type", "completions", "--url", sim.addr, "--request-count", "4",
		"-b", "3", "--seq-dist", "30,4:50;60,6:50", "--ui-type", "none", "--artifact-dir", filepath.Join(t.TempDir(), "c"))
	recs = sim.stop(t)
	if res.code != 0 || len(recs) != 4 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	for _, r := range recs {
		var b struct {
			Prompt    []string `json:"prompt"`
			MaxTokens int      `json:"max_tokens"`
		}
		json.Unmarshal(r.Body, &b)
		if len(b.Prompt) != 3 || (b.MaxTokens != 4 && b.MaxTokens != 6) {
			t.Fatalf("completions batch body %s", r.Body)
		}
	}
}

// Bailian and BurstGPT traces replay on their timestamps: every trace row
// is one request, a Bailian turn sent alone (its length is the whole
// request's, history included), BurstGPT's failed rows skipped.
func TestTraceFormats(t *testing.T) {
	dir := t.TempDir()
	bailian := write(t, dir, "bailian.jsonl", `{"chat_id": 3, "parent_chat_id": -1, "timestamp": 0.01, "input_length": 32, "output_length": 4, "type": "text", "turn": 1, "hash_ids": [1, 2]}
{"chat_id": 7, "parent_chat_id": 3, "timestamp": 0.05, "input_length": 48, "output_length": 5, "type": "text", "turn": 2, "hash_ids": [1, 2, 9]}`)
	recs, res := runFile(t, bailian, "--custom-dataset-type", "bailian_trace")
	if res.code != 0 || len(recs) != 2 || !strings.Contains(res.stderr, "Fixed schedule") {
		t.Fatalf("bailian: exit %d, %d requests: %s", res.code, len(recs), res.stderr)
	}
	b := bodiesOf(t, recs)
	for i, want := range []int{4, 5} {
		if len(b[i].Messages) != 1 || *b[i].MaxTokens != want {
			t.Errorf("bailian request %d: %d messages, max tokens %d: each turn stands alone", i, len(b[i].Messages), *b[i].MaxTokens)
		}
	}
	burst := write(t, dir, "burst.csv", "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n0.01,ChatGPT,20,3,23,Conversation log\n0.02,GPT-4,15,0,15,Conversation log\n0.03,ChatGPT,10,2,12,API log\n")
	recs, res = runFile(t, burst, "--custom-dataset-type", "burst_gpt_trace")
	if res.code != 0 || len(recs) != 2 {
		t.Fatalf("burst: exit %d, %d requests: %s", res.code, len(recs), res.stderr)
	}
}

// Raw payloads are sent byte for byte, a folder's files as multi-turn
// conversations in order, whatever --streaming says of the body.
func TestRawPayloadSentVerbatim(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sessions")
	os.Mkdir(dir, 0o755)
	bodies := []string{`{"model":"m","messages":[{"role":"user","content":"first"}],"max_tokens":3,"stream":true}`,
		`{"model":"m","messages":[{"role":"user","content":"first"},{"role":"assistant","content":"ok"},{"role":"user","content":"second"}],"max_tokens":2,"stream":true}`}
	os.WriteFile(filepath.Join(dir, "a.jsonl"), []byte(bodies[0]+"\n"+bodies[1]+"\n"), 0o644)
	recs, res := runFile(t, dir, "--custom-dataset-type", "raw_payload")
	if res.code != 0 || len(recs) != 2 {
		t.Fatalf("exit %d, %d requests: %s", res.code, len(recs), res.stderr)
	}
	for i, r := range recs {
		var got, want any
		json.Unmarshal(r.Body, &got)
		json.Unmarshal([]byte(bodies[i]), &want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("request %d: %s, want %s", i, r.Body, bodies[i])
		}
	}
}

// --cache-bust marks each conversation's prompt with this run's nonce, so
// two runs of one seed share no prefix; --ignore-trace-delays replays a
// timestamped trace at the load asked for.
func TestCacheBustAndIgnoredDelays(t *testing.T) {
	firsts := func(bust string) []string {
		sim := startSim(t, "--ttft", "1ms", "--itl", "100us")
		res := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--url", sim.addr, "--request-count", "2", "--num-dataset-entries", "2",
			"--isl", "10", "--osl", "2", "--random-seed", "5", "--shared-system-prompt-length", "8", "--cache-bust", bust,
			"--ui-type", "none", "--artifact-dir", t.TempDir())
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		var out []string
		for _, b := range bodiesOf(t, sim.stop(t)) {
			out = append(out, b.Messages[0].Content+" | "+b.Messages[1].Content)
		}
		return out
	}
	a, b := firsts("first_turn_prefix"), firsts("first_turn_prefix")
	if a[0] == b[0] || !strings.Contains(a[0], " | [run ") || strings.Contains(a[0], "conversation 1") == strings.Contains(a[1], "conversation 1") {
		t.Errorf("first_turn_prefix: %q then %q", a, b)
	}
	if s := firsts("system_suffix"); !strings.Contains(strings.Split(s[0], " | ")[0], " [run ") {
		t.Errorf("system_suffix: %q", s)
	}
	if n := firsts("none"); strings.Contains(n[0], "[run ") {
		t.Errorf("none: %q", n)
	}
	trace := write(t, t.TempDir(), "trace.jsonl", `{"timestamp": 0, "input_length": 10, "output_length": 2}
{"timestamp": 600000, "input_length": 10, "output_length": 2}`)
	recs, res := runFile(t, trace, "--custom-dataset-type", "mooncake_trace", "--ignore-trace-delays", "--concurrency", "1")
	if res.code != 0 || len(recs) != 2 || strings.Contains(res.stderr, "Fixed schedule") {
		t.Fatalf("a trace ten minutes long replayed back to back: exit %d, %d requests: %s", res.code, len(recs), res.stderr)
	}
}

// An inline dataset (a config file's dataset.records, --input-records) is
// read as a file of those records: every record sent, a bad one named by
// its line, and nothing left behind.
func TestInlineRecords(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where the records are written while the run reads them
	sim := startSim(t, "--ttft", "1ms", "--itl", "0s")
	cfg := writeFile(t, "inline.yaml", `benchmark:
  model: m
  dataset:
    type: file
    format: single_turn
    records:
      - {text: "What is machine learning?"}
      - {text: "Explain GANs.", output_length: 5}
  phases: {type: concurrency, concurrency: 1, requests: 2}
`)
	res := runSonde(t, "profile", "-f", cfg, "--url", sim.addr, "--artifact-dir", filepath.Join(tmp, "out"), "--ui-type", "none")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	var got []string
	for _, r := range sim.stop(t) {
		var b chatBody
		json.Unmarshal(r.Body, &b)
		got = append(got, b.Messages[0].Content)
	}
	if strings.Join(got, "|") != "What is machine learning?|Explain GANs." {
		t.Errorf("sent %q", got)
	}
	res = runSonde(t, "profile", "-m", "m", "--url", sim.addr, "--custom-dataset-type", "single_turn",
		"--input-records", "{\"text\": \"fine\"}\n{\"text\": 5}", "--artifact-dir", filepath.Join(tmp, "out2"), "--ui-type", "none")
	if res.code != exitUsage || !strings.Contains(res.stderr, "dataset.records.jsonl:2") {
		t.Errorf("a bad record: exit %d %s", res.code, res.stderr)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "sonde-records-*")); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}
