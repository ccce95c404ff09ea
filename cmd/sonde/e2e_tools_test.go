package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// An agent loop against a simulator that always calls the tool offered:
// each answer's streamed tool_calls deltas are parsed, timed and counted
// as output; the next turn sends the call back in the assistant message,
// then the recorded tool result under the live call id (the simulator
// refuses a history with a call unanswered or a result answering
// nothing), then the user's message.
func TestToolCallLoop(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator and folders
	dir := t.TempDir()
	file := write(t, dir, "agent.jsonl", `{"session_id": "a", "turns": [{"text": "find the bug", "tools": [{"type": "function", "function": {"name": "grep", "parameters": {"type": "object"}}}], "output_length": 6}, {"text": "and now?", "tool_results": ["main.go:12: nil map"], "tools": [{"type": "function", "function": {"name": "grep"}}], "output_length": 5}, {"text": "thanks", "output_length": 4}]}`)
	for _, streaming := range []bool{true, false} {
		sim := startSim(t, "--ttft", "2ms", "--itl", "500us", "--tool-call-rate", "100")
		out := filepath.Join(dir, "out", map[bool]string{true: "stream", false: "whole"}[streaming])
		args := []string{"profile", "-m", "m", "--tokenizer", "builtin", "--url", sim.addr, "--input-file", file,
			"--custom-dataset-type", "multi_turn", "--ui-type", "none", "--artifact-dir", out}
		if streaming {
			args = append(args, "--streaming")
		}
		res := runSonde(t, args...)
		recs := sim.stop(t)
		if res.code != 0 || len(recs) != 3 {
			t.Fatalf("streaming %v: exit %d, %d requests: %s", streaming, res.code, len(recs), res.stderr)
		}
		sort.Slice(recs, func(i, j int) bool { return recs[i].ReceivedNs < recs[j].ReceivedNs })
		for i, r := range recs {
			if r.Status != 200 {
				t.Fatalf("request %d refused: %s", i, r.Body)
			}
		}
		var second struct {
			Messages []struct {
				Role       string `json:"role"`
				Content    string `json:"content"`
				ToolCallID string `json:"tool_call_id"`
				ToolCalls  []struct {
					ID       string `json:"id"`
					Function struct{ Name, Arguments string }
				} `json:"tool_calls"`
			} `json:"messages"`
		}
		json.Unmarshal(recs[1].Body, &second)
		m := second.Messages
		if len(m) != 4 || m[1].Role != "assistant" || len(m[1].ToolCalls) != 1 || m[1].ToolCalls[0].Function.Name != "grep" ||
			!json.Valid([]byte(m[1].ToolCalls[0].Function.Arguments)) || !strings.Contains(m[1].ToolCalls[0].Function.Arguments, strings.TrimSpace(recs[0].Response)) ||
			m[2].Role != "tool" || m[2].ToolCallID != m[1].ToolCalls[0].ID || m[2].Content != "main.go:12: nil map" || m[3].Content != "and now?" {
			t.Fatalf("streaming %v: second turn's history %+v", streaming, m)
		}
		// The third turn offers no tools, but the second answer called one:
		// its call is answered with a stand-in, so the history stays valid.
		if !strings.Contains(string(recs[2].Body), `"role":"tool"`) {
			t.Errorf("the third turn answers the second's call: %s", recs[2].Body)
		}
		for _, l := range readJSONL(t, filepath.Join(out, "profile_export.jsonl")) {
			if n, _ := l.Metrics["tool_call_count"].Value.(float64); n != 1 && l.Metadata.TurnIndex < 2 {
				t.Errorf("turn %d: tool_call_count %v", l.Metadata.TurnIndex, l.Metrics["tool_call_count"].Value)
			}
			if _, ok := l.Metrics["output_sequence_length"]; !ok {
				t.Errorf("turn %d: a tool call's arguments are output tokens", l.Metadata.TurnIndex)
			}
			if _, ok := l.Metrics["time_to_first_tool_call"]; ok != (streaming && l.Metadata.TurnIndex < 2) || (streaming && l.Metrics["time_to_first_token"].Value == nil) {
				t.Errorf("streaming %v turn %d: time_to_first_tool_call %v, TTFT %v", streaming, l.Metadata.TurnIndex, l.Metrics["time_to_first_tool_call"], l.Metrics["time_to_first_token"])
			}
		}
	}
}

// Capacity for agents: the capacity search over agent sessions (two
// turns, tools offered, the second answering the first's call) finds the
// most concurrent agents whose requests meet TTFT ≤ 50 ms at p95 on a
// simulator that decodes 2 sequences at once and always calls the tool —
// 2, as for plain chat (the timing argument of TestCapacitySearch).
func TestCapacityForAgents(t *testing.T) {
	var sb strings.Builder
	for i := range 30 {
		fmt.Fprintf(&sb, `{"session_id": "agent-%d", "turns": [{"text": "fix bug %d", "tools": [{"type": "function", "function": {"name": "grep"}}], "output_length": 32}, {"text": "go on", "tool_results": ["found it"], "output_length": 32}]}`+"\n", i, i)
	}
	file := write(t, t.TempDir(), "agents.jsonl", sb.String())
	sim := startSim(t, "--max-num-seqs", "2", "--tool-call-rate", "100")
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", sim.addr, "--input-file", file, "--custom-dataset-type", "multi_turn",
		"--request-count", "24", "--concurrency-min", "2", "--concurrency-max", "4", "--ttft-sla-ms", "50", "--ui-type", "none", "--artifact-dir", dir)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	out := readJSON(t, filepath.Join(dir, "search", "search_result.json"))
	if out["answer"] != 2.0 {
		t.Fatalf("search result: %v", out)
	}
	calls := 0
	for _, r := range sim.stop(t) {
		if r.Status != 200 {
			t.Fatalf("refused: %s", r.Body)
		}
		if strings.Contains(string(r.Body), `"role":"tool"`) {
			calls++
		}
	}
	if calls == 0 {
		t.Error("no turn answered a tool call")
	}
}

// The same agent loop over the Responses and Messages APIs: the
// simulator's calls in their own events are read, and the next turn sends
// them back as function_call / function_call_output items, or tool_use /
// tool_result blocks.
func TestToolCallsResponsesAndMessages(t *testing.T) {
	t.Parallel() // causal checks only: its own simulators and folders
	file := write(t, t.TempDir(), "agent.jsonl", `{"session_id": "a", "turns": [{"text": "find the bug", "tools": [{"type": "function", "function": {"name": "grep"}}], "output_length": 5}, {"text": "and now?", "tool_results": ["main.go:12"], "output_length": 4}]}`)
	for _, c := range []struct {
		typ  string
		want []string
	}{
		{"responses", []string{`"type":"function_call"`, `"type":"function_call_output"`, `"output":"main.go:12"`}},
		{"messages", []string{`"type":"tool_use"`, `"type":"tool_result"`, `"content":"main.go:12"`}},
	} {
		for _, streaming := range []bool{true, false} {
			sim := startSim(t, "--ttft", "1ms", "--itl", "200us", "--tool-call-rate", "100")
			out := filepath.Join(t.TempDir(), "out")
			args := []string{"profile", "-m", "m", "--tokenizer", "builtin", "--url", sim.addr, "--endpoint-type", c.typ, "--input-file", file,
				"--custom-dataset-type", "multi_turn", "--ui-type", "none", "--artifact-dir", out}
			if streaming {
				args = append(args, "--streaming")
			}
			res := runSonde(t, args...)
			recs := sim.stop(t)
			if res.code != 0 || len(recs) != 2 {
				t.Fatalf("%s streaming %v: exit %d, %d requests: %s", c.typ, streaming, res.code, len(recs), res.stderr)
			}
			sort.Slice(recs, func(i, j int) bool { return recs[i].ReceivedNs < recs[j].ReceivedNs })
			for _, w := range c.want {
				if !strings.Contains(string(recs[1].Body), w) {
					t.Errorf("%s streaming %v: the second request lacks %s: %s", c.typ, streaming, w, recs[1].Body)
				}
			}
			l := readJSONL(t, filepath.Join(out, "profile_export.jsonl"))
			if n, _ := l[0].Metrics["tool_call_count"].Value.(float64); n != 1 {
				t.Errorf("%s streaming %v: tool_call_count %v", c.typ, streaming, l[0].Metrics["tool_call_count"].Value)
			}
		}
	}
}
