package main

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"testing"
)

// A DAG of sub-agents against the simulator, checked from what it
// received: the root's first turn, then both spawned sub-agents (fresh
// histories) after it answered, the root's second turn only after both
// ended (the join), then the forked session after that, its history the
// root's own with the answers the server gave. The records name each
// sub-agent's depth and parent, and count its inherited history as ISL.
func TestDAGSessions(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator and folders
	dir := t.TempDir()
	file := write(t, dir, "tree.jsonl", `{"session_id": "root", "turns": [{"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "plan the change"}], "max_tokens": 6, "spawns": ["s1", "s2"]}, {"messages": [{"role": "user", "content": "merge the findings"}], "max_tokens": 5, "forks": ["f1"]}]}
{"session_id": "s1", "turns": [{"messages": [{"role": "user", "content": "search the code"}], "max_tokens": 4}]}
{"session_id": "s2", "turns": [{"messages": [{"role": "user", "content": "read the file"}], "max_tokens": 4}, {"messages": [{"role": "user", "content": "summarize it"}], "max_tokens": 3}]}
{"session_id": "f1", "turns": [{"messages": [{"role": "user", "content": "now write the patch"}], "max_tokens": 7}]}`)
	sim := startSim(t, "--ttft", "2ms", "--itl", "1ms")
	out := filepath.Join(dir, "out")
	res := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", sim.addr, "--input-file", file,
		"--custom-dataset-type", "dag_jsonl", "--concurrency", "1", "--ui-type", "none", "--artifact-dir", out)
	recs := sim.stop(t)
	if res.code != 0 || len(recs) != 6 {
		t.Fatalf("exit %d, %d requests: %s", res.code, len(recs), res.stderr)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].ReceivedNs < recs[j].ReceivedNs })
	type msg struct{ Role, Content string }
	by := map[string][]simRecord{} // by the last user message's text
	bodies := map[*simRecord][]msg{}
	for i := range recs {
		var b struct{ Messages []msg }
		if err := json.Unmarshal(recs[i].Body, &b); err != nil {
			t.Fatal(err)
		}
		bodies[&recs[i]] = b.Messages
		last := b.Messages[len(b.Messages)-1].Content
		by[last] = append(by[last], recs[i])
	}
	one := func(text string) (simRecord, []msg) {
		r := by[text]
		if len(r) != 1 {
			t.Fatalf("%q sent %d times", text, len(r))
		}
		for p, m := range bodies {
			if p.RequestID == r[0].RequestID {
				return r[0], m
			}
		}
		return r[0], nil
	}
	root0, _ := one("plan the change")
	s1, s1m := one("search the code")
	s2a, _ := one("read the file")
	s2b, _ := one("summarize it")
	root1, root1m := one("merge the findings")
	f1, f1m := one("now write the patch")
	if s1.ReceivedNs < root0.FinishedNs || s2a.ReceivedNs < root0.FinishedNs {
		t.Error("a spawned sub-agent started before its parent's turn answered")
	}
	if root1.ReceivedNs < s1.FinishedNs || root1.ReceivedNs < s2b.FinishedNs {
		t.Error("the root's next turn did not wait for its sub-agents (the join)")
	}
	if f1.ReceivedNs < root1.FinishedNs {
		t.Error("the fork started before its parent's turn answered")
	}
	if len(s1m) != 1 || s1m[0].Role != "user" {
		t.Errorf("a spawned sub-agent starts a history of its own: %+v", s1m)
	}
	// The fork resends the root's whole history, its answers included.
	if len(f1m) != len(root1m)+2 || f1m[0].Content != "be brief" || f1m[len(root1m)].Role != "assistant" || f1m[len(root1m)].Content != root1.Response {
		t.Errorf("fork history %+v after root %+v (answer %q)", f1m, root1m, root1.Response)
	}
	if root0.CorrelationID != root1.CorrelationID || s1.CorrelationID == root0.CorrelationID || s2a.CorrelationID != s2b.CorrelationID {
		t.Error("each session keeps one session id, its own")
	}
	isl := map[string]float64{}
	for _, l := range readJSONL(t, filepath.Join(out, "profile_export.jsonl")) {
		m := l.Metadata
		want, parent := 1, root0.CorrelationID
		if m.ConversationID == "root" {
			want, parent = 0, ""
		}
		if m.AgentDepth != want || m.ParentCorrID != parent {
			t.Errorf("%s: depth %d parent %q", m.ConversationID, m.AgentDepth, m.ParentCorrID)
		}
		v, _ := l.Metrics["input_sequence_length"].Value.(float64)
		isl[m.ConversationID] = max(isl[m.ConversationID], v)
	}
	if !(isl["f1"] > isl["root"]) || !(isl["s1"] < isl["root"]) {
		t.Errorf("ISL: the fork's %v counts the root's history (%v) and more; a spawn's %v only its own", isl["f1"], isl["root"], isl["s1"])
	}
}
