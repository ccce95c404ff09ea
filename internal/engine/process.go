package engine

import (
	"sync/atomic"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// Sink receives each processed profiling record with its metric values.
// Put runs on the processor goroutine, never on a request goroutine.
type Sink interface {
	Put(r *record.Record, v *metrics.Values)
}

// Processor turns raw records into counted, measured ones: wall-clock times,
// token counts (client-side re-tokenization, as AIPerf), ISL including the
// history, metric values; then hands them to the sinks.
type Processor struct {
	tok       tokenizer.Tokenizer
	clock     clock.Clock
	streaming bool
	sinks     []Sink
	// ServerCounts takes ISL and OSL from the server's usage when present
	// (--use-server-token-count); MissingUsage counts records without it.
	ServerCounts bool
	MissingUsage int
	// deadline, when set, drops profiling records that ended after it
	// (benchmark duration + grace), whole, as AIPerf does.
	deadline atomic.Int64
	// Dropped counts records dropped by the deadline.
	Dropped int
	// systems are the system prompts seen so far: a later session sending
	// the same one repeats it (a cross-session prefix).
	systems map[string]bool
	// history holds, per live session, the tokens of every message sent
	// and answered so far, so ISL never re-encodes the history.
	history map[int]int
}

// NewProcessor builds a processor.
func NewProcessor(tok tokenizer.Tokenizer, c clock.Clock, streaming bool, sinks ...Sink) *Processor {
	return &Processor{tok: tok, clock: c, streaming: streaming, sinks: sinks, history: map[int]int{}, systems: map[string]bool{}}
}

// useServerCounts replaces the client's token counts by the server's usage.
func (p *Processor) useServerCounts(r *record.Record) {
	u := r.Usage
	if u == nil {
		p.MissingUsage++
		return
	}
	reasoning := 0
	if u.ReasoningTokens != nil {
		reasoning = *u.ReasoningTokens
	}
	r.InputTokens = u.PromptTokens
	r.OutputTokens, r.ReasoningTokens = u.CompletionTokens-reasoning, reasoning
	r.HasReasoning = reasoning > 0
}

// SetDeadline sets the wall-clock time (Unix ns) after which profiling
// records are dropped; it may be called while Run is going.
func (p *Processor) SetDeadline(wallNs int64) { p.deadline.Store(wallNs) }

// Run processes records until in is closed.
func (p *Processor) Run(in <-chan *record.Record) {
	for r := range in {
		p.Process(r)
	}
}

// Process handles one record.
func (p *Processor) Process(r *record.Record) {
	r.StartWallNs = p.clock.Wall(r.StartNs)
	r.EndWallNs = p.clock.Wall(r.EndNs)
	if r.AckNs > 0 {
		r.AckWallNs = p.clock.Wall(r.AckNs)
	}
	if r.HasOutput {
		r.OutputTokens = len(p.tok.Encode(r.Output))
	}
	if r.HasReasoning {
		r.ReasoningTokens = len(p.tok.Encode(r.ReasoningText))
	}
	// Everything the session sent and received before repeats at the start
	// of this prompt: what a prefix cache could serve.
	r.ExpectedCached = p.history[r.SessionNum]
	if r.System != "" {
		if p.systems[r.System] {
			r.ExpectedCached += r.SystemTokens
		}
		p.systems[r.System] = true
	}
	if r.PromptText != "" {
		r.InputTokens = len(p.tok.Encode(r.PromptText)) + r.BatchTokens
	} else {
		r.InputTokens = p.history[r.SessionNum] + r.UserTokens
	}
	// The history is counted client-side whatever the source of ISL/OSL: it
	// is what this session will send again.
	switch {
	case r.LastTurn || (r.Error != nil && !r.Precanned):
		delete(p.history, r.SessionNum)
	case r.Precanned:
		p.history[r.SessionNum] = r.InputTokens + r.PrecannedTokens
	default:
		p.history[r.SessionNum] = r.InputTokens + r.OutputTokens
	}
	if p.ServerCounts && r.Error == nil {
		p.useServerCounts(r)
	}
	if r.Phase != record.PhaseProfiling {
		return
	}
	if d := p.deadline.Load(); d > 0 && r.EndWallNs > d {
		p.Dropped++
		return
	}
	v := metrics.Compute(r, p.streaming)
	for _, s := range p.sinks {
		s.Put(r, &v)
	}
}
