// Package sim is sonde's simulated inference engine: it decides how many
// tokens a request generates, which ones, and when each is emitted. The HTTP
// side lives in sim/httpapi; the engine sits behind the small Engine
// interface so that a batching model can replace the fixed-latency one.
package sim

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/sonde-bench/sonde/internal/corpus"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// Request is what the engine needs to know about one generation request.
type Request struct {
	Prompt       string // the prompt text, used to seed the answer
	PromptTokens int
	MaxTokens    int // 0: no limit was sent
	MinTokens    int
	Arrival      time.Time
}

// Stream yields a request's output tokens at their emission times.
type Stream interface {
	// Next blocks until the next token is due and returns its text; ok is
	// false after the last token. It returns ctx's error if ctx ends first.
	Next(ctx context.Context) (text string, ok bool, err error)
	// Len is the number of tokens the stream will yield.
	Len() int
	// FinishReason is "length" when MaxTokens cut the answer, else "stop".
	FinishReason() string
}

// Engine plans generations.
type Engine interface {
	Start(req Request) Stream
}

// Fixed emits the first token TTFT after arrival and each next one ITL
// later, on absolute targets so that timer lateness never accumulates.
type Fixed struct {
	TTFT, ITL time.Duration
	Seed      uint64
	words     []string // each " "+word is exactly one token
}

// NewFixed builds a fixed-latency engine whose answers are made of words that
// are single tokens under tok, so the client's re-tokenized output count
// equals the number of tokens streamed.
func NewFixed(ttft, itl time.Duration, seed uint64, tok tokenizer.Tokenizer) (*Fixed, error) {
	var words []string
	for _, w := range corpus.Words() {
		if len(tok.Encode(" "+w)) == 1 {
			words = append(words, " "+w)
		}
	}
	if len(words) < 16 {
		return nil, fmt.Errorf("sim: tokenizer %s has too few single-token words (%d)", tok.Name(), len(words))
	}
	return &Fixed{TTFT: ttft, ITL: itl, Seed: seed, words: words}, nil
}

// OutputLength is the number of tokens an answer has: max_tokens when sent
// (vLLM with ignore_eos), else 0.8–1.2× the prompt length, at least 16 and
// at most 1024, as AIPerf's mock server does.
func OutputLength(req Request, r *rand.Rand) int {
	if req.MaxTokens > 0 {
		return req.MaxTokens
	}
	n := int(float64(req.PromptTokens) * (0.8 + 0.4*r.Float64()))
	return min(max(n, 16, req.MinTokens), 1024)
}

// Start plans the request's answer; it is deterministic in (seed, prompt).
func (f *Fixed) Start(req Request) Stream {
	h := fnv.New64a()
	h.Write([]byte(req.Prompt))
	r := rand.New(rand.NewPCG(f.Seed, h.Sum64()))
	n := OutputLength(req, r)
	finish := "stop"
	if req.MaxTokens > 0 {
		finish = "length"
	}
	return &fixedStream{f: f, r: r, n: n, start: req.Arrival, finish: finish}
}

type fixedStream struct {
	f      *Fixed
	r      *rand.Rand
	n, i   int
	start  time.Time
	finish string
	timer  *time.Timer
}

func (s *fixedStream) Len() int             { return s.n }
func (s *fixedStream) FinishReason() string { return s.finish }

func (s *fixedStream) Next(ctx context.Context) (string, bool, error) {
	if s.i >= s.n {
		return "", false, nil
	}
	due := s.start.Add(s.f.TTFT + time.Duration(s.i)*s.f.ITL)
	if wait := time.Until(due); wait > 0 {
		if s.timer == nil {
			s.timer = time.NewTimer(wait)
		} else {
			s.timer.Reset(wait)
		}
		select {
		case <-ctx.Done():
			s.timer.Stop()
			return "", false, ctx.Err()
		case <-s.timer.C:
		}
	}
	s.i++
	return s.f.words[s.r.IntN(len(s.f.words))], true, nil
}
