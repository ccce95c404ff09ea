package sim

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/tokenizer"
)

func TestParseURLAndSet(t *testing.T) {
	o, err := ParseURL("sim://?ttft=50ms&itl=2&max-num-seqs=8&prefix-caching=false&error-rate=5&error-codes=500,503&stall-rate=1&stall=1s&seed=4&model=x&record=/tmp/r")
	if err != nil {
		t.Fatal(err)
	}
	if o.Engine != "fixed" || o.TTFT != 50*time.Millisecond || o.ITL != 2*time.Millisecond || o.Batch.MaxNumSeqs != 8 ||
		o.Batch.PrefixCaching || o.Faults.ErrorRate != 5 || len(o.Faults.Codes) != 2 || o.Seed != 4 || o.Model != "x" || o.RecordPath != "/tmp/r" {
		t.Fatalf("%+v", o)
	}
	if !strings.Contains(o.Describe(), "fixed engine") || !strings.Contains(DefaultOptions().Describe(), "batch engine") {
		t.Fatal("Describe")
	}
	for _, bad := range []string{"sim://?nope=1", "sim://?ttft=-1", "sim://?max-num-seqs=-2", "sim://?error-rate=101",
		"sim://?error-codes=200", "sim://?engine=warp", "sim://?max-num-seqs=0", "sim://?error-rate=60&stall-rate=60",
		"sim://?stall-rate=1", "sim://?kv-cache-tokens=10", "sim://%zz"} {
		if _, err := ParseURL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if len(Keys()) != len(Defaults()) {
		t.Fatalf("%d keys, %d defaults", len(Keys()), len(Defaults()))
	}
}

// Faults are drawn per request number, deterministically for a seed, at
// their rates.
func TestFaultsDecide(t *testing.T) {
	f := Faults{ErrorRate: 25, DisconnectRate: 25, MalformedRate: 25, StallRate: 25, Stall: time.Second, Codes: []int{500}}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	seen := map[int]int{}
	for n := range uint64(400) {
		k, code := f.Decide(7, n)
		if k2, _ := f.Decide(7, n); k2 != k {
			t.Fatal("not deterministic")
		}
		if k == FaultError && code != 500 {
			t.Fatalf("code %d", code)
		}
		seen[k]++
	}
	for k := FaultError; k <= FaultStall; k++ {
		if seen[k] < 60 {
			t.Errorf("fault %d drawn %d times of 400 at 25%%", k, seen[k])
		}
	}
}

// The fixed engine emits max tokens, first after TTFT, then every ITL, and
// stops when its context ends.
func TestFixedEngine(t *testing.T) {
	tok, _ := tokenizer.Builtin()
	o := DefaultOptions()
	o.Engine, o.TTFT, o.ITL = "fixed", time.Millisecond, 100*time.Microsecond
	o.Output.ReasoningTokens = 1
	e, err := New(o, tok)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	start := time.Now()
	st := e.Start(Request{Arrival: start, PromptTokens: 5, PromptIDs: []int32{1, 2, 3, 4, 5}, MaxTokens: 4})
	n := 0
	for {
		tok, ok, err := st.Next(context.Background())
		if err != nil || !ok {
			break
		}
		if n == 0 && !tok.Reasoning {
			t.Error("the first token should be reasoning")
		}
		n++
	}
	st.Close()
	if n != 4 || st.Len() != 4 || st.FinishReason() != "length" || st.Buffered() != 0 || st.CachedTokens() != 0 || st.ReasoningLen() != 1 {
		t.Fatalf("%d tokens, len %d, finish %s", n, st.Len(), st.FinishReason())
	}
	if time.Since(start) < time.Millisecond+3*100*time.Microsecond {
		t.Fatal("tokens came before their times")
	}
	if e.ResetPrefixCache() {
		t.Fatal("the fixed engine has no prefix cache")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	st = e.Start(Request{Arrival: time.Now(), PromptTokens: 1, PromptIDs: []int32{1}, MaxTokens: 100})
	if _, _, err := st.Next(ctx); err == nil {
		t.Fatal("a cancelled stream went on")
	}
	st.Close()
	_ = e.Stats()
}
