package dataset

import (
	"encoding/json"
	"reflect"
	"testing"
)

func smallAgentic(t *testing.T) AgenticConfig {
	c := DefaultAgenticConfig()
	if err := json.Unmarshal([]byte(`{"max_prompt_tokens": 4000, "block_size": 64,
		"cache": {"layer1_tokens": 300, "layer1_5_tokens": 200, "layer2": {"mean": 300, "median": 250}, "layer1_5_groups": {"num_groups": 3, "zipf_alpha": 1.2}},
		"new_tokens_per_turn": {"mean": 150, "median": 120}, "generation_length": {"mean": 40, "median": 30}}`), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// Every row fits its hash blocks; turn 0s share the L1 blocks (and their
// group's L1.5); later turns bring fresh blocks; no session's context
// reaches max_prompt_tokens; the same seed makes the same rows.
func TestSynthesizeAgentic(t *testing.T) {
	c := smallAgentic(t)
	rows, err := SynthesizeAgentic(c, 20, 7, 35)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]string{}
	context := map[string]int{}
	firsts := 0
	for _, r := range rows {
		if _, err := HashBlockSizes(r.InputLength, len(r.HashIDs), c.BlockSize); err != nil {
			t.Fatalf("%+v: %v", r, err)
		}
		if r.OutputLength > 35 {
			t.Fatalf("--max-osl: %d", r.OutputLength)
		}
		if r.Timestamp != nil {
			firsts++
			if !reflect.DeepEqual(r.HashIDs[:5], []int64{0, 1, 2, 3, 4}) || r.HashIDs[5] != int64(*r.GroupID+1)<<32 { // L1: 300 tokens in 5 blocks of 64
				t.Fatalf("turn 0 starts with the shared L1 blocks: %+v", r)
			}
		} else {
			for _, h := range r.HashIDs {
				if s, ok := seen[h]; ok {
					t.Fatalf("a later turn's block %d was sent before (by %s)", h, s)
				}
			}
		}
		for _, h := range r.HashIDs {
			if h >= 1<<40 {
				seen[h] = r.SessionID
			}
		}
		context[r.SessionID] += r.InputLength + r.OutputLength
		if context[r.SessionID]-r.OutputLength >= c.MaxPromptTokens {
			t.Fatalf("%s reached %d tokens", r.SessionID, context[r.SessionID])
		}
	}
	if firsts != 20 || len(rows) <= 20 {
		t.Fatalf("%d sessions, %d rows", firsts, len(rows))
	}
	again, _ := SynthesizeAgentic(c, 20, 7, 35)
	if !reflect.DeepEqual(rows, again) {
		t.Fatal("the same seed made another dataset")
	}
	c.MaxPromptTokens = 400
	if _, err := SynthesizeAgentic(c, 1, 1, 0); err == nil {
		t.Fatal("a context smaller than the shared layers")
	}
}
