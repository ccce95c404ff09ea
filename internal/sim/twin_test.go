package sim

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// A twin file round-trips, sets the engine of a sim:// URL (before the
// URL's other keys, which refine it), and is refused with its path when it
// is not one.
func TestTwinFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "twin.yaml")
	tw := Twin{Server: "s", Engine: TwinEngine{MaxNumSeqs: 4, MaxNumBatchedTokens: 2048, BlockSize: 16, KVCacheTokens: 16384, SlotCache: true,
		PrefixCaching: true}, Costs: TwinCosts{StepBaseUs: 1500, PrefillTokenUs: 2.5, NewSeqUs: 100, OverheadUs: 700, JitterUs: 300}}
	if err := tw.Save(path); err != nil {
		t.Fatal(err)
	}
	o, err := ParseURL("sim://?twin=" + path + "&max-num-seqs=6")
	if err != nil {
		t.Fatal(err)
	}
	b := o.Batch
	if b.MaxNumSeqs != 6 || !b.SlotCache || b.Step.Base != 1500*time.Microsecond || b.Step.PerPrefillToken != 2500*time.Nanosecond ||
		b.Overhead != time.Millisecond || o.MaxModelLen != 16384 || b.Step.PerNewSeq != 100*time.Microsecond {
		t.Fatalf("%+v", o)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("kind: other\n"), 0o644)
	if _, err := ParseURL("sim://?twin=" + bad); err == nil || !strings.Contains(err.Error(), "bad.yaml") || !strings.Contains(err.Error(), "sonde fit") {
		t.Fatalf("%v", err)
	}
	neg := filepath.Join(dir, "neg.yaml")
	os.WriteFile(neg, []byte("kind: sonde-twin\nengine: {max_num_seqs: 1, max_num_batched_tokens: 1, block_size: 1, kv_cache_tokens: 1}\ncosts: {step_base_us: -1}\n"), 0o644)
	if _, err := LoadTwin(neg); err == nil {
		t.Fatal("negative cost accepted")
	}
	zero := filepath.Join(dir, "zero.yaml")
	os.WriteFile(zero, []byte("kind: sonde-twin\n"), 0o644)
	if _, err := LoadTwin(zero); err == nil {
		t.Fatal("an engine without limits accepted")
	}
	if _, err := LoadTwin(filepath.Join(dir, "none.yaml")); err == nil {
		t.Fatal("a missing file accepted")
	}
}

// The virtual engine steps as Batch does: a prompt's step, then one token
// per step, each at a step's end; a request no KV cache can hold is
// refused at once.
func TestVirtualSteps(t *testing.T) {
	cfg := BatchConfig{MaxNumSeqs: 2, MaxNumBatchedTokens: 64, BlockSize: 16, KVCacheTokens: 64, PrefixCaching: true,
		Step: StepModel{Base: time.Millisecond, PerPrefillToken: time.Microsecond}}
	v := NewVirtual(cfg)
	v.Submit(1, make([]int32, 100), make([]int32, 2)) // 102 tokens: 7 blocks of 4
	if d, em := v.Step(); d != 0 || len(em) != 1 || em[0].Token != -1 || !em[0].Last || em[0].Tag != 1 {
		t.Fatalf("%v %+v", d, em)
	}
	v.Submit(2, []int32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, []int32{11, 12})
	d, em := v.Step()
	if d != time.Millisecond+10*time.Microsecond || len(em) != 1 || em[0].Token != 0 || em[0].Last {
		t.Fatalf("%v %+v", d, em)
	}
	if d, em = v.Step(); d != time.Millisecond || len(em) != 1 || em[0].Token != 1 || !em[0].Last || v.Busy() {
		t.Fatalf("%v %+v", d, em)
	}
	if d, em = v.Step(); d != 0 || len(em) != 0 {
		t.Fatalf("idle: %v %+v", d, em)
	}
}

// llama.cpp's slot cache: a session's next turn reuses its slot's tokens
// while the slot is idle; a request that shares less than half its prompt
// with every idle slot takes the least recently used one.
func TestSlotCache(t *testing.T) {
	c := newSlotCache(2)
	a, b := []uint64{1, 2, 3, 4}, []uint64{9, 8}
	i, n := c.take(a, 4)
	c.put(i, a)
	j, _ := c.take(b, 2)
	c.put(j, b)
	if i == j {
		t.Fatal("one slot for two requests at once")
	}
	if k, n2 := c.take([]uint64{1, 2, 3, 4, 5}, 5); k != i || n2 != 4 || n != 0 {
		t.Fatalf("slot %d shared %d", k, n2)
	}
	if k, n3 := c.take([]uint64{7}, 1); k != j || n3 != 0 {
		t.Fatalf("slot %d shared %d", k, n3)
	}
	if k, _ := c.take([]uint64{7}, 1); k != -1 {
		t.Fatal("a slot while all are busy")
	}
	c.reset()
	if c.slots[i].hashes != nil {
		t.Fatal("reset kept tokens")
	}
}

// With a slot cache the engine serves a second turn from its slot, and a
// request overhead delays its start.
func TestBatchSlotCacheAndOverhead(t *testing.T) {
	o := DefaultOptions()
	o.Batch.SlotCache, o.Batch.MaxNumSeqs, o.Batch.Overhead = true, 2, 2*time.Millisecond
	o.Batch.Step = StepModel{Base: 100 * time.Microsecond}
	tok, err := tokenizer.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(o, tok)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	prompt := make([]int32, 64)
	for i := range prompt {
		prompt[i] = int32(i)
	}
	start := time.Now()
	s := e.Start(Request{PromptKey: 1, PromptIDs: prompt, PromptTokens: 64, MaxTokens: 3, Arrival: start})
	for {
		if _, ok, _ := s.Next(context.Background()); !ok {
			break
		}
	}
	if time.Since(start) < 2*time.Millisecond {
		t.Fatal("the overhead was not waited")
	}
	s.Close()
	s2 := e.Start(Request{PromptKey: 2, PromptIDs: append(prompt, 1, 2, 3), PromptTokens: 67, MaxTokens: 1, Arrival: time.Now()})
	if _, ok, _ := s2.Next(context.Background()); !ok || s2.CachedTokens() != 64 {
		t.Fatalf("cached %d, want 64", s2.CachedTokens())
	}
	if !e.ResetPrefixCache() {
		t.Fatal("no reset")
	}
}
