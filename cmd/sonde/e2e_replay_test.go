package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/sondetest"
)

func sp(s string) *string { return &s }

// A Baseten trace (Parquet) replayed against completions: every prompt
// sent verbatim and alone, with the recorded output length as max and
// min tokens and the KV hints forwarded; a session's second turn never
// before its first answer ends. Its ten-minute idle gap is collapsed and
// the rest runs 100× faster, so the test takes a second.
func TestBasetenReplay(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator and folders
	trace := filepath.Join(t.TempDir(), "trace.parquet")
	sondetest.WriteParquet(t, trace, []sondetest.BasetenRow{
		{Start: 1_000, Prompt: "alpha one", Input: 2, Output: 4, Session: sp("a"), Hashes: []int64{11}, BlockSize: 64, E2EMs: 50},
		{Start: 1_400, Prompt: "alpha one, answer, alpha two", Input: 6, Output: 3, Session: sp("a"), Hashes: []int64{11, 12}, BlockSize: 64},
		{Start: 601_000, Prompt: "beta", Input: 1, Output: 2, Session: sp("b")},
		{Start: 601_100, Prompt: "gamma", Input: 1, Output: 0, Session: sp("c")},
	})
	recs, res := runFile(t, trace, "--custom-dataset-type", "baseten_trace", "--endpoint-type", "completions",
		"--replay-speedup", "100", "--max-idle-gap-cap-seconds", "0.05")
	if res.code != 0 || len(recs) != 4 || !strings.Contains(res.stderr, "Fixed schedule") || !strings.Contains(res.stderr, "1 idle gaps collapsed") {
		t.Fatalf("exit %d, %d requests: %s", res.code, len(recs), res.stderr)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].ReceivedNs < recs[j].ReceivedNs })
	type body struct {
		Prompt    []string `json:"prompt"` // AIPerf's completions send a list
		MaxTokens int      `json:"max_tokens"`
		MinTokens int      `json:"min_tokens"`
		HashIDs   []int64  `json:"hash_ids"`
		BlockSize int      `json:"block_size"`
	}
	want := []body{{[]string{"alpha one"}, 4, 4, []int64{11}, 64}, {[]string{"alpha one, answer, alpha two"}, 3, 3, []int64{11, 12}, 64},
		{[]string{"beta"}, 2, 2, nil, 0}, {[]string{"gamma"}, 1, 1, nil, 0}}
	seen := map[string]bool{}
	for i, r := range recs {
		var b body
		if err := json.Unmarshal(r.Body, &b); err != nil {
			t.Fatalf("%v: %s", err, r.Body)
		}
		if seen[string(r.Body)] {
			t.Errorf("request %d sent twice: %s", i, r.Body)
		}
		seen[string(r.Body)] = true
		// beta and gamma are other sessions 1 ms apart once sped up: on a
		// busy machine either may reach the server first, so they are
		// matched by their prompt; session a's two turns come first, in order.
		w := want[i]
		if i >= 2 && len(b.Prompt) == 1 && b.Prompt[0] == want[5-i].Prompt[0] {
			w = want[5-i]
		}
		if len(b.Prompt) != 1 || b.Prompt[0] != w.Prompt[0] || b.MaxTokens != w.MaxTokens || b.MinTokens != w.MinTokens ||
			len(b.HashIDs) != len(w.HashIDs) || b.BlockSize != w.BlockSize {
			t.Errorf("request %d: %s, want %+v", i, r.Body, w)
		}
	}
	if recs[0].CorrelationID != recs[1].CorrelationID || recs[1].ReceivedNs < recs[0].FinishedNs || recs[2].CorrelationID == recs[0].CorrelationID {
		t.Errorf("session a's turns share a session id and follow each other: %+v", recs[:2])
	}
}

// --open-loop-strict sends each row as its own session; --omit-kv-hints
// and --no-force-min-tokens send only what a strict server accepts; a
// session sample keeps whole sessions.
func TestBasetenStrictAndSampled(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator and folders
	trace := filepath.Join(t.TempDir(), "trace.parquet")
	var rows []sondetest.BasetenRow
	for i := range 8 {
		s := string(rune('a' + i/2))
		rows = append(rows, sondetest.BasetenRow{Start: int64(i * 10), Prompt: "row " + s, Input: 2, Output: 2, Session: &s, Hashes: []int64{1}, BlockSize: 16})
	}
	sondetest.WriteParquet(t, trace, rows)
	recs, res := runFile(t, trace, "--custom-dataset-type", "baseten_trace", "--endpoint-type", "completions",
		"--open-loop-strict", "--omit-kv-hints", "--no-force-min-tokens")
	ids := map[string]bool{}
	for _, r := range recs {
		ids[r.CorrelationID] = true
		if s := string(r.Body); strings.Contains(s, "hash_ids") || strings.Contains(s, "block_size") || strings.Contains(s, "min_tokens") {
			t.Errorf("%s", s)
		}
	}
	if res.code != 0 || len(recs) != 8 || len(ids) != 8 {
		t.Fatalf("strict: exit %d, %d requests in %d sessions: %s", res.code, len(recs), len(ids), res.stderr)
	}
	recs, res = runFile(t, trace, "--custom-dataset-type", "baseten_trace", "--endpoint-type", "completions",
		"--trace-session-sample-ratio", "0.5", "--random-seed", "3")
	sessions := map[string]int{}
	for _, r := range recs {
		sessions[r.CorrelationID]++
	}
	if res.code != 0 || len(recs) != 4 || len(sessions) != 2 || !strings.Contains(res.stderr, "2 of 4 sessions kept") {
		t.Fatalf("sampled: exit %d, %d requests in %v: %s", res.code, len(recs), sessions, res.stderr)
	}
}

// A mooncake trace reshaped on the way: prefixes twice as long (still
// shared), outputs capped, the line above --synthesis-max-isl dropped,
// the schedule ten times faster.
func TestMooncakeSynthesis(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator and folders
	trace := write(t, t.TempDir(), "trace.jsonl", `{"timestamp": 0, "input_length": 50, "output_length": 10, "hash_ids": [1, 2, 3]}
{"timestamp": 50, "input_length": 45, "output_length": 10, "hash_ids": [1, 2, 4]}
{"timestamp": 90, "input_length": 35, "output_length": 10, "hash_ids": [1, 5]}
{"timestamp": 3000, "input_length": 900, "output_length": 10, "hash_ids": [1, 6]}`)
	recs, res := runFile(t, trace, "--custom-dataset-type", "mooncake_trace", "--isl-block-size", "20",
		"--synthesis-prefix-len-multiplier", "2", "--synthesis-max-osl", "3", "--synthesis-max-isl", "500", "--synthesis-speedup-ratio", "10")
	if res.code != 0 || len(recs) != 3 {
		t.Fatalf("exit %d, %d requests: %s", res.code, len(recs), res.stderr)
	}
	b := bodiesOf(t, recs)
	for i := range b {
		if *b[i].MaxTokens != 3 {
			t.Errorf("request %d: max tokens %d, want 3", i, *b[i].MaxTokens)
		}
	}
	common := func(x, y string) int {
		n := 0
		for n < min(len(x), len(y)) && x[n] == y[n] {
			n++
		}
		return n
	}
	a, c, d := b[0].Messages[0].Content, b[1].Messages[0].Content, b[2].Messages[0].Content
	if common(a, c) <= common(a, d) || common(a, d) == 0 {
		t.Errorf("lines 1 and 2 (two shared blocks) share %d bytes, lines 1 and 3 (one) %d", common(a, c), common(a, d))
	}
}

// A Weka coding session replayed: the parent's first request, then its
// sub-agent's requests (another model), then — after the sub-agent is
// done — the parent's second; each request its own whole prompt. Too few
// traces for the lanes asked is refused unless --allow-dataset-wrap.
func TestWekaReplay(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator and folders
	dir := t.TempDir()
	trace := write(t, dir, "trace.json", `{"id": "s1", "models": ["opus", "haiku"], "block_size": 16, "hash_id_scope": "local", "requests": [
 {"t": 0, "type": "s", "model": "opus", "in": 40, "out": 4, "hash_ids": [1, 2, 3]},
 {"t": 0.01, "type": "subagent", "agent_id": "a", "subagent_type": "Explore", "status": "completed", "models": ["haiku"], "requests": [
   {"t": 0.01, "type": "n", "model": "haiku", "in": 20, "out": 3, "hash_ids": [7, 8]},
   {"t": 0.02, "type": "n", "model": "haiku", "in": 40, "out": 3, "hash_ids": [7, 8, 9]}]},
 {"t": 0.03, "type": "s", "model": "opus", "in": 60, "out": 5, "hash_ids": [1, 2, 3, 4]}]}`)
	recs, res := runFile(t, trace, "--custom-dataset-type", "weka_trace", "-m", "big", "-m", "small", "--use-think-time-only")
	if res.code != 0 || len(recs) != 4 {
		t.Fatalf("exit %d, %d requests: %s", res.code, len(recs), res.stderr)
	}
	b := bodiesOf(t, recs)
	var models []string
	for _, r := range recs {
		var m struct{ Model string }
		json.Unmarshal(r.Body, &m)
		models = append(models, m.Model)
	}
	// runFile's -m m, then big: the trace's first model, then its second.
	if strings.Join(models, ",") != "m,big,big,m" || len(b[3].Messages) != 1 || *b[3].MaxTokens != 5 {
		t.Fatalf("models %v, last body %+v", models, b[3])
	}
	if recs[3].ReceivedNs < recs[2].FinishedNs || recs[1].ReceivedNs < recs[0].FinishedNs {
		t.Error("the sub-agent runs between the parent's requests, the parent waiting for it")
	}
	_, res = runFile(t, trace, "--custom-dataset-type", "weka_trace", "--concurrency", "4")
	if res.code != 2 || !strings.Contains(res.stderr, "--allow-dataset-wrap") {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
}

// SageMaker Data Capture, as S3 syncs it (a folder of hourly .jsonl):
// each captured chat request sent as captured, at its captured time.
func TestSageMakerReplay(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator and folders
	dir := filepath.Join(t.TempDir(), "captured", "2026", "04", "29", "00")
	os.MkdirAll(dir, 0o755)
	line := func(content, at string) string {
		data, _ := json.Marshal(fmt.Sprintf(`{"messages": [{"role": "user", "content": %q}], "max_tokens": 3, "temperature": 0.5}`, content))
		return fmt.Sprintf(`{"captureData": {"endpointInput": {"data": %s, "encoding": "JSON"}}, "eventMetadata": {"eventId": %q, "inferenceTime": %q}}`+"\n", data, content, at)
	}
	os.WriteFile(filepath.Join(dir, "x.jsonl"), []byte(line("later one", "2026-04-29T00:00:00.3Z")+line("first one", "2026-04-29T00:00:00Z")), 0o644)
	recs, res := runFile(t, filepath.Dir(filepath.Dir(filepath.Dir(filepath.Dir(dir)))), "--custom-dataset-type", "sagemaker_data_capture", "--endpoint-type", "chat")
	if res.code != 0 || len(recs) != 2 || !strings.Contains(res.stderr, "Fixed schedule") {
		t.Fatalf("exit %d, %d requests: %s", res.code, len(recs), res.stderr)
	}
	b := bodiesOf(t, recs)
	if b[0].Messages[0].Content != "first one" || *b[0].MaxTokens != 3 || !strings.Contains(string(recs[0].Body), `"temperature":0.5`) || recs[1].ReceivedNs-recs[0].ReceivedNs < 250e6 {
		t.Fatalf("%s then %s, %v apart", recs[0].Body, recs[1].Body, recs[1].ReceivedNs-recs[0].ReceivedNs)
	}
}
