package sim

import (
	"context"
	"math"
	"sync/atomic"
	"time"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// BatchConfig configures the batching engine (vLLM's scheduler knobs).
type BatchConfig struct {
	MaxNumSeqs          int // sequences decoding at once
	MaxNumBatchedTokens int // tokens (prefill + decode) per step
	BlockSize           int // KV block size in tokens
	KVCacheTokens       int // KV capacity in tokens
	PrefixCaching       bool
	Step                StepModel
	// SlotCache replaces the block prefix cache by llama.cpp's: one
	// cached prompt per slot (MaxNumSeqs of them), see slotCache.
	SlotCache bool
	// Overhead is how long after a request arrives it reaches the
	// scheduler: a real server's HTTP, tokenization and template work,
	// which a twin fits (0: at once).
	Overhead time.Duration
}

// DefaultBatchConfig matches vLLM's defaults for a small model on one GPU.
func DefaultBatchConfig() BatchConfig {
	return BatchConfig{MaxNumSeqs: 256, MaxNumBatchedTokens: 8192, BlockSize: 16, KVCacheTokens: 500_000,
		PrefixCaching: true, Step: DefaultStepModel()}
}

// Batch is a vLLM-like engine: one goroutine runs steps; each step decodes
// one token for every running sequence and spends the rest of the token
// budget on prompt chunks (chunked prefill); waiting requests are admitted
// while there are sequence slots, budget and KV blocks. Only prompt tokens
// missing from the prefix cache are prefilled. Tokens are published at the
// end of the step that produced them, on absolute step times, so a late
// timer never accumulates.
type Batch struct {
	cfg   BatchConfig
	seed  uint64
	out   OutputOptions
	vocab *vocab

	submit chan *seq
	resets chan chan bool
	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	done   chan struct{}
	timers *clock.Timers // the engine goroutine's step waits

	steps   int      // engine goroutine only
	scratch stepPlan // the last step's lists, reused (engine goroutine only)

	// Published after every step for Stats.
	running, waiting atomic.Int64
	kvUsage          atomic.Uint64 // float64 bits
	queries, hits    atomic.Int64
	stepsDone        atomic.Int64
	lagTotal, lagMax atomic.Int64
}

var _ Engine = (*Batch)(nil)

// NewBatch starts a batching engine; Close stops it.
func NewBatch(cfg BatchConfig, seed uint64, out OutputOptions, tok tokenizer.Tokenizer) (*Batch, error) {
	v, err := newVocab(tok)
	if err != nil {
		return nil, err
	}
	b := &Batch{cfg: cfg, seed: seed, out: out, vocab: v, submit: make(chan *seq, 1024),
		resets: make(chan chan bool), done: make(chan struct{}), timers: clock.NewTimers(1)}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	go b.loop()
	return b, nil
}

// seq is one request inside the engine.
type seq struct {
	b      *Batch
	req    Request
	a      answer
	all    []int32 // prompt then output token ids
	notify chan struct{}

	// Shared with the stream's reader.
	emitted  atomic.Int32
	cached   atomic.Int32
	finished atomic.Bool
	aborted  atomic.Bool
	// scheduled is when the engine admitted the request (Unix ns; 0
	// before): the end of its queue, for the server's trace span.
	scheduled atomic.Int64
	consumed  int // reader only
	tag       int // a Virtual engine's caller's name for it
	slot      int // its slot, with a slot cache

	// Engine goroutine only (read by tests after finished).
	firstStep   int // step that emitted the first token
	lastStep    int // step that emitted the last token
	prefillLeft int
	generated   int
	held        []*kvBlock
	anon        int
	chain       uint64 // hash of the blocks filled so far
	filled      int    // blocks of `all` filled
}

// Start queues a request.
func (b *Batch) Start(req Request) Stream {
	s := &seq{b: b, req: req, a: b.vocab.plan(req, b.seed, b.out), notify: make(chan struct{}, 1)}
	s.all = make([]int32, 0, len(req.PromptIDs)+len(s.a.words))
	s.all = append(s.all, req.PromptIDs...)
	for _, w := range s.a.words {
		s.all = append(s.all, b.vocab.ids[w])
	}
	if b.cfg.Overhead > 0 && !b.timers.SleepUntil(b.ctx, req.Arrival.Add(b.cfg.Overhead)) {
		s.finish()
		return s
	}
	select {
	case b.submit <- s:
	case <-b.ctx.Done():
		s.finish()
	}
	return s
}

// Stats returns the counts after the last step.
func (b *Batch) Stats() Stats {
	return Stats{Running: int(b.running.Load()), Waiting: int(b.waiting.Load()),
		KVUsage: math.Float64frombits(b.kvUsage.Load()), PrefixQueries: b.queries.Load(), PrefixHits: b.hits.Load(),
		Steps: b.stepsDone.Load(), StepLagTotal: time.Duration(b.lagTotal.Load()), StepLagMax: time.Duration(b.lagMax.Load())}
}

// ResetPrefixCache empties the prefix cache between steps.
func (b *Batch) ResetPrefixCache() bool {
	r := make(chan bool, 1)
	select {
	case b.resets <- r:
		return <-r
	case <-b.ctx.Done():
		return false
	}
}

// Close stops the engine; requests still queued or running end.
func (b *Batch) Close() {
	b.cancel()
	<-b.done
}

func (s *seq) finish() {
	s.finished.Store(true)
	s.poke()
}

func (s *seq) poke() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

func (s *seq) Len() int             { return len(s.a.words) }
func (s *seq) ReasoningLen() int    { return s.a.reasoning }
func (s *seq) CachedTokens() int    { return int(s.cached.Load()) }
func (s *seq) FinishReason() string { return s.a.finish }
func (s *seq) Buffered() int        { return int(s.emitted.Load()) - s.consumed }
func (s *seq) Close()               { s.aborted.Store(true) }

// Scheduled is when the engine admitted the request (zero before).
func (s *seq) Scheduled() time.Time {
	if ns := s.scheduled.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

func (s *seq) Next(ctx context.Context) (Token, bool, error) {
	for {
		if s.consumed < int(s.emitted.Load()) {
			s.consumed++
			return s.b.vocab.token(&s.a, s.consumed-1), true, nil
		}
		if s.finished.Load() && s.consumed >= int(s.emitted.Load()) {
			return Token{}, false, nil
		}
		select {
		case <-s.notify:
		case <-ctx.Done():
			return Token{}, false, ctx.Err()
		}
	}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// chainHash extends a block-hash chain over ids (see blockHashes).
func chainHash(h uint64, ids []int32) uint64 {
	for _, id := range ids {
		h ^= uint64(uint32(id))
		h *= 0x100000001b3
		h ^= h >> 29
	}
	return h
}
