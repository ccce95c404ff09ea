package dataset

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A Weka trace: three parent requests (one streamed), a sub-agent of two
// requests between the first and the second, one with a nested
// sub-agent; two models.
const wekaTraceJSON = `{"id": "tr1", "models": ["big", "small"], "block_size": 16, "hash_id_scope": "local", "requests": [
 {"t": 0, "type": "n", "model": "big", "in": 40, "out": 5, "hash_ids": [1, 2, 3], "think_time": 0},
 {"t": 1.5, "type": "subagent", "agent_id": "a1", "subagent_type": "Explore", "status": "completed", "models": ["small"], "requests": [
   {"t": 1.5, "type": "n", "model": "small", "in": 20, "out": 3, "hash_ids": [7, 8]},
   {"t": 2.0, "type": "s", "model": "small", "in": 40, "out": 4, "hash_ids": [7, 8, 9], "think_time": 0.1},
   {"t": 2.2, "type": "subagent", "agent_id": "a2", "subagent_type": "x", "status": "completed", "models": ["small"], "requests": [
     {"t": 2.2, "type": "n", "model": "small", "in": 10, "out": 2, "hash_ids": [5]}]}]},
 {"t": 4, "type": "s", "model": "big", "in": 60, "out": 6, "hash_ids": [1, 2, 3, 4], "think_time": 1.25},
 {"t": 100, "type": "n", "model": "big", "in": 70, "out": 0, "hash_ids": [1, 2, 3, 4, 6]}]}`

func TestWekaTrace(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.json"), []byte(wekaTraceJSON), 0o644)
	o := opts(t, dir, "weka_trace")
	o.Models = []string{"m1", "m2"}
	convs, err := LoadFile(o)
	if err != nil {
		t.Fatal(err)
	}
	c := convs[0]
	if len(convs) != 1 || c.ID != "tr1" || !c.Standalone || len(c.Turns) != 3 {
		t.Fatalf("%+v", convs)
	}
	sub := c.Turns[0].Spawns
	if len(sub) != 1 || sub[0].ID != "tr1::sa:a1" || len(sub[0].Turns) != 2 || len(sub[0].Turns[1].Spawns) != 1 {
		t.Fatalf("the sub-agent hangs off the request before it: %+v", c.Turns[0])
	}
	if c.Turns[0].Model != "m1" || sub[0].Turns[0].Model != "m2" || c.Turns[2].MaxTokens != 1 || c.Turns[1].Tokens != 60 {
		t.Fatalf("models, outputs, lengths: %+v", c.Turns)
	}
	if c.Turns[1].Delay != 4*time.Second || c.Turns[1].Timestamp != 4000 || sub[0].Turns[1].Delay != 500*time.Millisecond {
		t.Fatalf("delays: %v %v", c.Turns[1].Delay, sub[0].Turns[1].Delay)
	}
	if n := sharedTokens(t, c.Turns[0].Text, c.Turns[1].Text); n < 32 { // blocks 1 and 2 (block 3 is partial in the first)
		t.Errorf("requests sharing hash ids 1-3 share %d tokens", n)
	}
	capd := 10 * time.Second
	o.Weka = Weka{ThinkTimeOnly: true, IdleGapCap: &capd}
	convs, _ = LoadFile(o)
	if d := convs[0].Turns[1].Delay; d != 1250*time.Millisecond {
		t.Errorf("think time only: %v", d)
	}
	if d := convs[0].Turns[2].Delay; d != capd {
		t.Errorf("no think_time: the gap, capped: %v", d)
	}
	o.Weka = Weka{MaxContext: 69}
	if _, err := LoadFile(o); err == nil || !strings.Contains(err.Error(), "no conversations") {
		t.Errorf("a trace peaking at 70 + 0 tokens is dropped at 69: %v", err)
	}
	o.Weka, o.Synthesis.MaxISL = Weka{}, 50
	if convs, _ = LoadFile(o); len(convs[0].Turns) != 1 {
		t.Errorf("--synthesis-max-isl drops the long requests: %d left", len(convs[0].Turns))
	}
}

func TestWekaBadTraces(t *testing.T) {
	for content, want := range map[string]string{
		`{"id": "x", "block_size": 0, "requests": [{"t": 0, "type": "n", "in": 1, "out": 1}]}`:                          "block_size must be at least 1",
		`{"id": "x", "block_size": 16, "hash_id_scope": "odd", "requests": [{"t": 0, "type": "n", "in": 1, "out": 1}]}`: `hash_id_scope "odd"`,
		`{"id": "x", "block_size": 16, "requests": []}`:                                                                 "no requests",
		`{"id": "x", "block_size": 16, "requests": [{"t": 0, "type": "q", "in": 1, "out": 1}]}`:                         `request type "q"`,
		`{"id": "x", "block_size": 16, "requests": [{"t": 0, "type": "n", "in": 40, "out": 1, "hash_ids": [1]}]}`:       "request at t=0",
		`[1, 2]`: "not a Weka trace",
	} {
		_, err := LoadFile(opts(t, writeFile(t, "t.json", content), "weka_trace"))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", content, err, want)
		}
	}
	if _, err := LoadFile(opts(t, t.TempDir(), "weka_trace")); err == nil || !strings.Contains(err.Error(), "no .json file") {
		t.Errorf("an empty folder: %v", err)
	}
}
