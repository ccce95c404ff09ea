package dataset

import (
	"testing"
)

// A tree: lines 1 and 2 share blocks 1, 2; line 3 shares block 1; each
// has its own tail.
const synthTrace = `{"timestamp": 0, "input_length": 50, "output_length": 10, "hash_ids": [1, 2, 3]}
{"timestamp": 5, "input_length": 45, "output_length": 10, "hash_ids": [1, 2, 4]}
{"timestamp": 9, "input_length": 35, "output_length": 10, "hash_ids": [1, 5]}
`

func synthLoad(t *testing.T, s Synthesis) []Conversation {
	t.Helper()
	o := opts(t, writeFile(t, "t.jsonl", synthTrace), "mooncake_trace")
	o.BlockSize, o.Synthesis = 20, s
	convs, err := LoadFile(o)
	if err != nil {
		t.Fatal(err)
	}
	return convs
}

func sharedTokens(t *testing.T, a, b string) int {
	tok := builtin(t)
	x, y := tok.Encode(a), tok.Encode(b)
	n := 0
	for n < min(len(x), len(y)) && x[n] == y[n] {
		n++
	}
	return n
}

func TestSynthesisLengths(t *testing.T) {
	s := NoSynthesis
	s.PrefixLen, s.PromptLen, s.OutputLen, s.MaxOSL = 2, 0.5, 3, 25
	convs := synthLoad(t, s)
	// Line 1: 2 shared blocks (40 tokens) → 4 blocks (80); its 10-token
	// tail → 5. Line 3: 1 shared block → 2 (40); 15-token tail → 8.
	for i, want := range []int{85, 83, 48} { // line 2: 80 + round(5 × 0.5), half away from zero
		if got := convs[i].Turns[0].Tokens; got != want {
			t.Errorf("line %d: %d tokens, want %d", i+1, got, want)
		}
		if convs[i].Turns[0].MaxTokens != 25 {
			t.Errorf("line %d: output %d, want 30 capped at 25", i+1, convs[i].Turns[0].MaxTokens)
		}
	}
	if n := sharedTokens(t, convs[0].Turns[0].Text, convs[1].Turns[0].Text); n < 80 {
		t.Errorf("lines 1 and 2 share %d tokens, want their 80-token prefix", n)
	}
	if n := sharedTokens(t, convs[0].Turns[0].Text, convs[2].Turns[0].Text); n < 40 || n >= 80 {
		t.Errorf("lines 1 and 3 share %d tokens, want their 40-token prefix only", n)
	}
	s.MaxISL = 84
	if convs := synthLoad(t, s); len(convs) != 2 {
		t.Fatalf("--synthesis-max-isl 84 keeps 2 of 3 lines, got %d", len(convs))
	}
}

func TestSynthesisRoots(t *testing.T) {
	s := NoSynthesis
	s.Roots = 50 // three lines in one of fifty trees each: almost surely apart
	convs := synthLoad(t, s)
	if n := sharedTokens(t, convs[0].Turns[0].Text, convs[1].Turns[0].Text); n >= 20 {
		t.Fatalf("lines in different trees still share %d tokens", n)
	}
	if convs[0].Turns[0].Tokens != 50 {
		t.Fatal("roots alone keep the lengths")
	}
	same := synthLoad(t, NoSynthesis)
	if n := sharedTokens(t, same[0].Turns[0].Text, same[1].Turns[0].Text); n < 40 {
		t.Fatalf("without synthesis the lines share %d tokens", n)
	}
}
