package sim

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// Fixed emits the first token TTFT after arrival and each next one ITL
// later, on absolute targets so that timer lateness never accumulates. It
// has no queue and no prefix cache: load does not change its latency.
type Fixed struct {
	TTFT, ITL time.Duration
	seed      uint64
	out       OutputOptions
	vocab     *vocab
	running   atomic.Int64
	timers    *clock.Timers // the streams' waits for their tokens
}

var _ Engine = (*Fixed)(nil)

// NewFixed builds a fixed-latency engine.
func NewFixed(ttft, itl time.Duration, seed uint64, out OutputOptions, tok tokenizer.Tokenizer) (*Fixed, error) {
	v, err := newVocab(tok)
	if err != nil {
		return nil, err
	}
	return &Fixed{TTFT: ttft, ITL: itl, seed: seed, out: out, vocab: v, timers: clock.NewTimers(256)}, nil
}

// Start plans the request's answer.
func (f *Fixed) Start(req Request) Stream {
	f.running.Add(1)
	return &fixedStream{f: f, a: f.vocab.plan(req, f.seed, f.out), start: req.Arrival}
}

// Stats reports the requests in flight as running.
func (f *Fixed) Stats() Stats { return Stats{Running: int(f.running.Load())} }

// ResetPrefixCache has nothing to reset.
func (f *Fixed) ResetPrefixCache() bool { return false }

// Close releases the idle timers: Fixed has no goroutine.
func (f *Fixed) Close() { f.timers.Close() }

type fixedStream struct {
	f      *Fixed
	a      answer
	i      int
	start  time.Time
	closed bool
}

func (s *fixedStream) Len() int             { return len(s.a.words) }
func (s *fixedStream) ReasoningLen() int    { return s.a.reasoning }
func (s *fixedStream) CachedTokens() int    { return 0 }
func (s *fixedStream) FinishReason() string { return s.a.finish }

func (s *fixedStream) due(i int) time.Time {
	return s.start.Add(s.f.TTFT + time.Duration(i)*s.f.ITL)
}

// Buffered is 1 when the next token is already due: enough for the writer to
// hold its flush.
func (s *fixedStream) Buffered() int {
	if s.i < len(s.a.words) && !time.Now().Before(s.due(s.i)) {
		return 1
	}
	return 0
}

func (s *fixedStream) Next(ctx context.Context) (Token, bool, error) {
	if s.i >= len(s.a.words) {
		return Token{}, false, nil
	}
	if !s.f.timers.SleepUntil(ctx, s.due(s.i)) {
		return Token{}, false, ctx.Err()
	}
	s.i++
	return s.f.vocab.token(&s.a, s.i-1), true, nil
}

func (s *fixedStream) Close() {
	if !s.closed {
		s.closed = true
		s.f.running.Add(-1)
	}
}
