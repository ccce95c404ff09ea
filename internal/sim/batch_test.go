package sim

import (
	"context"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/tokenizer"
)

func fastConfig() BatchConfig {
	c := DefaultBatchConfig()
	c.Step = StepModel{Base: 200 * time.Microsecond}
	return c
}

func newBatch(t *testing.T, cfg BatchConfig) *Batch {
	t.Helper()
	tok, err := tokenizer.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewBatch(cfg, 1, OutputOptions{}, tok)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// drain reads a stream to the end and returns its tokens.
func drain(t *testing.T, st Stream) []Token {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []Token
	for {
		tok, ok, err := st.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			st.Close()
			return out
		}
		out = append(out, tok)
	}
}

func req(prompt []int32, maxTokens int) Request {
	return Request{PromptKey: uint64(len(prompt)), PromptIDs: prompt, PromptTokens: len(prompt), MaxTokens: maxTokens, Arrival: time.Now()}
}

// With two sequence slots, the third and fourth requests wait in the queue
// until the first two finish.
func TestBatchQueuesBeyondMaxNumSeqs(t *testing.T) {
	cfg := fastConfig()
	cfg.MaxNumSeqs = 2
	b := newBatch(t, cfg)
	var streams []*seq
	for i := range 4 {
		streams = append(streams, b.Start(req(ids(10, int32(i*100)), 5)).(*seq))
	}
	done := make(chan []Token, 4)
	for _, s := range streams {
		go func() { done <- drain(t, s) }()
	}
	for range streams {
		if toks := <-done; len(toks) != 5 {
			t.Fatalf("%d tokens, want 5", len(toks))
		}
	}
	a, c := streams[0], streams[2]
	if a.firstStep != 1 || a.lastStep != 5 {
		t.Fatalf("first request: tokens at steps %d..%d, want 1..5", a.firstStep, a.lastStep)
	}
	if c.firstStep <= a.lastStep {
		t.Fatalf("third request's first token at step %d, before a slot freed at step %d", c.firstStep, a.lastStep)
	}
}

// A prompt longer than the per-step token budget is prefilled in chunks,
// while running sequences keep decoding.
func TestChunkedPrefill(t *testing.T) {
	cfg := fastConfig()
	cfg.MaxNumBatchedTokens = 100
	b := newBatch(t, cfg)
	s := b.Start(req(ids(250, 0), 3)).(*seq)
	if toks := drain(t, s); len(toks) != 3 {
		t.Fatalf("%d tokens", len(toks))
	}
	if s.firstStep != 3 { // 100 + 100 + 50 prompt tokens
		t.Fatalf("first token at step %d, want 3", s.firstStep)
	}
	if got := DefaultStepModel().Duration(8192, 0, 0, 0, 0); got < 30*time.Millisecond || got > 40*time.Millisecond {
		t.Fatalf("an 8k prefill chunk takes %v", got)
	}
}

// Turn 2 of a conversation reuses turn 1's prompt and answer: every full
// block of them is served from the cache; not when caching is off or after
// a reset.
func TestPrefixCacheAcrossTurns(t *testing.T) {
	for _, caching := range []bool{true, false} {
		cfg := fastConfig()
		cfg.PrefixCaching = caching
		b := newBatch(t, cfg)
		p1 := ids(100, 0)
		s1 := b.Start(req(p1, 20)).(*seq)
		drain(t, s1)
		p2 := append(append([]int32(nil), s1.all...), ids(10, 5000)...) // history + new user turn
		s2 := b.Start(req(p2, 5)).(*seq)
		drain(t, s2)
		want := 112 // ⌊120 / 16⌋ · 16
		if !caching {
			want = 0
		}
		if got := s2.CachedTokens(); got != want {
			t.Fatalf("caching %v: turn 2 cached %d tokens, want %d", caching, got, want)
		}
		if st := b.Stats(); st.PrefixQueries != 230 || st.PrefixHits != int64(want) {
			t.Fatalf("stats %+v", st)
		}
		if caching {
			if !b.ResetPrefixCache() {
				t.Fatal("reset refused")
			}
			s3 := b.Start(req(p2, 5)).(*seq)
			drain(t, s3)
			if s3.CachedTokens() != 0 {
				t.Fatalf("after reset: %d cached", s3.CachedTokens())
			}
		}
	}
}

// With a KV cache too small for two conversations, the second one evicts the
// first one's blocks and the first one's next turn misses.
func TestPrefixCacheEviction(t *testing.T) {
	cfg := fastConfig()
	cfg.KVCacheTokens = 16 * 10
	b := newBatch(t, cfg)
	a := b.Start(req(ids(100, 0), 20)).(*seq)
	drain(t, a)
	drain(t, b.Start(req(ids(120, 9000), 20))) // needs 9 of 10 blocks
	next := append(append([]int32(nil), a.all...), ids(10, 5000)...)
	s := b.Start(req(next[:130], 5)).(*seq)
	drain(t, s)
	if s.CachedTokens() != 0 {
		t.Fatalf("evicted prefix still hit %d tokens", s.CachedTokens())
	}
}

// A client that leaves frees its sequence slot.
func TestAbortFreesSlot(t *testing.T) {
	cfg := fastConfig()
	cfg.MaxNumSeqs = 1
	b := newBatch(t, cfg)
	long := b.Start(req(ids(10, 0), 1_000_000))
	ctx, cancel := context.WithCancel(context.Background())
	if _, _, err := long.Next(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	long.Close()
	if toks := drain(t, b.Start(req(ids(10, 50), 3))); len(toks) != 3 {
		t.Fatal("the next request never ran")
	}
}

func TestOutputPlan(t *testing.T) {
	tok, _ := tokenizer.Builtin()
	v, err := newVocab(tok)
	if err != nil {
		t.Fatal(err)
	}
	r := Request{PromptKey: 7, PromptTokens: 100, MaxTokens: 50}
	if a := v.plan(r, 1, OutputOptions{}); len(a.words) != 50 || a.finish != "length" {
		t.Fatalf("max_tokens honoured: %d %s", len(a.words), a.finish)
	}
	if a := v.plan(Request{PromptKey: 7, PromptTokens: 100}, 1, OutputOptions{}); len(a.words) < 80 || len(a.words) > 120 || a.finish != "stop" {
		t.Fatalf("no limit: %d %s", len(a.words), a.finish)
	}
	stops := 0
	for k := range uint64(200) {
		a := v.plan(Request{PromptKey: k, MaxTokens: 400}, 1, OutputOptions{NaturalLength: 200})
		if a.finish == "stop" {
			stops++
			if len(a.words) >= 400 {
				t.Fatal("stopped at max_tokens but said stop")
			}
		}
		if ie := v.plan(Request{PromptKey: k, MaxTokens: 400, IgnoreEOS: true}, 1, OutputOptions{NaturalLength: 200}); len(ie.words) != 400 {
			t.Fatal("ignore_eos must reach max_tokens")
		}
		if mt := v.plan(Request{PromptKey: k, MaxTokens: 400, MinTokens: 390}, 1, OutputOptions{NaturalLength: 20}); len(mt.words) < 390 {
			t.Fatal("min_tokens not honoured")
		}
	}
	if stops < 150 {
		t.Fatalf("natural length 200 < max 400 should stop early most of the time: %d/200", stops)
	}
	if a := v.plan(r, 1, OutputOptions{ReasoningTokens: 10}); a.reasoning != 10 || !v.token(&a, 9).Reasoning || v.token(&a, 10).Reasoning {
		t.Fatal("reasoning tokens come first")
	}
	a1, a2 := v.plan(r, 1, OutputOptions{}), v.plan(r, 1, OutputOptions{})
	for i := range a1.words {
		if a1.words[i] != a2.words[i] {
			t.Fatal("answers must be deterministic in (seed, prompt)")
		}
	}
}

// BenchmarkBatchEngine measures the engine's own cost per generated token
// with a zero step time: 256 sequences decoding, each drained by a reader.
func BenchmarkBatchEngine(b *testing.B) {
	tok, _ := tokenizer.Builtin()
	cfg := DefaultBatchConfig()
	cfg.Step = StepModel{}
	eng, err := NewBatch(cfg, 1, OutputOptions{}, tok)
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	const seqs, tokens = 256, 200
	prompt := ids(64, 0)
	b.ResetTimer()
	for b.Loop() {
		done := make(chan int, seqs)
		for i := range seqs {
			st := eng.Start(Request{PromptKey: uint64(i), PromptIDs: prompt, PromptTokens: len(prompt), MaxTokens: tokens, Arrival: time.Now()})
			go func() {
				n := 0
				for {
					_, ok, _ := st.Next(context.Background())
					if !ok {
						break
					}
					n++
				}
				st.Close()
				done <- n
			}()
		}
		for range seqs {
			<-done
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*seqs*tokens), "ns/token")
}
