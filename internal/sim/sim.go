// Package sim is sonde's simulated inference engine: it decides how many
// tokens a request generates, which ones, and when each is emitted. Two
// engines sit behind one interface: Fixed (constant TTFT and ITL) and Batch
// (a vLLM-like step loop with continuous batching, chunked prefill and a
// prefix cache). The HTTP side lives in sim/httpapi.
package sim

import (
	"context"
	"time"
)

// Request is what an engine needs to know about one generation request.
type Request struct {
	PromptKey    uint64  // hash of the prompt text; seeds the answer
	PromptIDs    []int32 // prompt token ids, for the prefix cache
	PromptTokens int
	MaxTokens    int // 0: no limit was sent
	MinTokens    int
	IgnoreEOS    bool
	Arrival      time.Time
}

// Token is one output token.
type Token struct {
	Text      string
	Reasoning bool // part of reasoning_content, before the answer
}

// Stream yields a request's output tokens at their emission times.
type Stream interface {
	// Next blocks until the next token is due and returns it; ok is false
	// after the last token. It returns ctx's error if ctx ends first.
	Next(ctx context.Context) (tok Token, ok bool, err error)
	// Buffered is how many tokens are already due but not yet taken, so the
	// writer can coalesce them into one flush.
	Buffered() int
	// Len is the number of tokens the stream yields in all.
	Len() int
	// ReasoningLen is how many of them are reasoning tokens.
	ReasoningLen() int
	// CachedTokens is the prompt tokens served from the prefix cache; known
	// once the first token has been returned.
	CachedTokens() int
	// FinishReason is "length" when max_tokens cut the answer, else "stop".
	FinishReason() string
	// Close releases the request's resources: call it when the response is
	// done or the client has gone.
	Close()
}

// Stats are an engine's live counts, for /metrics.
type Stats struct {
	Running       int
	Waiting       int
	KVUsage       float64 // fraction of KV blocks in use
	PrefixQueries int64   // prompt tokens looked up in the prefix cache
	PrefixHits    int64   // of which found
	// Steps run, and how late their results went out in total and at worst:
	// an engine that keeps up has sub-millisecond lag; a growing lag means
	// the simulator itself is the bottleneck.
	Steps        int64
	StepLagTotal time.Duration
	StepLagMax   time.Duration
}

// Engine plans and paces generations.
type Engine interface {
	Start(req Request) Stream
	Stats() Stats
	// ResetPrefixCache empties the prefix cache; false if there is none.
	ResetPrefixCache() bool
	Close()
}
