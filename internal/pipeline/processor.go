package pipeline

import (
	"time"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

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
	// BadUsage counts answers whose usage was not token counts (dropped,
	// so sonde's own counts stand); FirstBadUsage says what the first was.
	BadUsage      int
	FirstBadUsage string
	// systems are the system prompts seen so far: a later session sending
	// the same one repeats it (a cross-session prefix).
	systems map[string]bool
	// history holds, per live session, the tokens of every message sent
	// and answered so far, so ISL never re-encodes the history.
	history map[int]int
	// forked holds a DAG parent's history after its forking turn, until
	// each forked session's first turn has taken it as its own.
	forked map[int]*forkedHistory
	// Template, when set, counts a chat request's ISL as the tokens of its
	// messages rendered by the model's chat template (what the server
	// prefills); TemplateErrors counts renders that failed (ISL then counts
	// the messages' contents).
	Template       *tokenizer.ChatTemplate
	TemplateErrors int
}

// NewProcessor builds a processor.
func NewProcessor(tok tokenizer.Tokenizer, c clock.Clock, streaming bool, sinks ...Sink) *Processor {
	if l, ok := tok.(interface{ Local() tokenizer.Tokenizer }); ok {
		tok = l.Local() // the processor's goroutine alone counts through it
	}
	return &Processor{tok: tok, clock: c, streaming: streaming, sinks: sinks, history: map[int]int{}, systems: map[string]bool{},
		forked: map[int]*forkedHistory{}}
}

// useServerCounts replaces the client's token counts by the server's usage.
// OSL is the server's completion tokens, whatever they were. When usage does
// not split out reasoning_tokens, the split follows the text received: all
// reasoning when only reasoning text came, all output when only content
// came, and the client's reasoning count (capped) when both did.
func (p *Processor) useServerCounts(r *record.Record) {
	u := r.Usage
	if u == nil {
		p.MissingUsage++
		return
	}
	r.InputTokens = u.PromptTokens
	reasoning, split := u.Reasoning()
	switch {
	case split:
	case !r.HasOutput:
		reasoning = u.CompletionTokens
	case r.HasReasoning:
		reasoning = r.ReasoningTokens
	}
	reasoning = min(max(reasoning, 0), u.CompletionTokens)
	r.OutputTokens, r.ReasoningTokens = u.CompletionTokens-reasoning, reasoning
	r.HasReasoning = r.HasReasoning || reasoning > 0
	r.HasOutput = r.HasOutput || r.OutputTokens > 0
}

// Flusher is a sink that buffers: Flush pushes what it holds to disk.
type Flusher interface{ Flush() error }

// FlushEvery is how often buffered sinks are flushed while a run goes on,
// so a killed run (SIGKILL, the OOM killer) loses at most this much.
const FlushEvery = time.Second

// pollEvery is how long the processor lets records gather once they come
// in a stream. Woken by each record, it took the core once per request
// (12,000 times a second at 12,000/s), and every wake put it ahead of the
// goroutine due to send next. Records wait in the channel meanwhile; their
// times were stamped when they happened.
const pollEvery = time.Millisecond

// Run processes records until in is closed, flushing buffered sinks every
// FlushEvery. A lone record is processed when it arrives; when more were
// waiting behind it, the processor takes the next ones pollEvery later.
func (p *Processor) Run(in <-chan *record.Record) {
	tick := time.NewTicker(FlushEvery)
	defer tick.Stop()
	gather := time.NewTimer(pollEvery)
	defer gather.Stop()
	for {
		select {
		case r, ok := <-in:
			if !ok {
				return
			}
			p.Process(r)
			n, open := p.drain(in)
			if !open {
				return
			}
			if n > 0 {
				gather.Reset(pollEvery)
				select {
				case <-gather.C:
				case <-tick.C:
					p.flush()
				}
			}
		case <-tick.C:
			p.flush()
		}
	}
}

// drain processes the records already waiting, without blocking: how many,
// and false once in is closed.
func (p *Processor) drain(in <-chan *record.Record) (int, bool) {
	for n := 0; ; n++ {
		select {
		case r, ok := <-in:
			if !ok {
				return n, false
			}
			p.Process(r)
		default:
			return n, true
		}
	}
}

func (p *Processor) flush() {
	for _, s := range p.sinks {
		if f, ok := s.(Flusher); ok {
			f.Flush() // a failure stays in the sink and is reported by its Close
		}
	}
}

// prefixKey marks the pooled prefixes among the texts seen (p.systems).
const prefixKey = "\x00prefix:"

// Process handles one record.
func (p *Processor) Process(r *record.Record) {
	r.StartWallNs = p.clock.Wall(r.StartNs)
	r.EndWallNs = p.clock.Wall(r.EndNs)
	if r.AckNs > 0 {
		r.AckWallNs = p.clock.Wall(r.AckNs)
	}
	if r.HasOutput && !r.Counted {
		r.OutputTokens = p.tok.Count(r.Output)
		if r.ToolArgs != "" {
			r.OutputTokens += p.tok.Count(r.ToolArgs) // tool-call arguments are what the model wrote too
		}
	}
	if r.HasReasoning {
		r.ReasoningTokens = p.tok.Count(r.ReasoningText)
	}
	if r.ForkParent > 0 {
		p.inherit(r)
	}
	// Everything the session sent and received before repeats at the start
	// of this prompt: what a prefix cache could serve.
	r.ExpectedCached = p.history[r.SessionNum]
	leading := true // what the cache holds so far is a prefix of this prompt
	if r.System != "" {
		leading = p.systems[r.System]
		if leading {
			r.ExpectedCached += r.SystemTokens
		}
		p.systems[r.System] = true
	}
	if r.Prefix != "" {
		// A pooled prefix an earlier session sent, right after the same
		// system prompt: a prefix cache serves it too (a cache reuses a
		// prompt's start only, so an unseen system prompt before it
		// spoils it).
		key := prefixKey + r.System + "\x00" + r.Prefix // after this system prompt
		if leading && p.systems[key] {
			r.ExpectedCached += r.PrefixTokens
		}
		p.systems[key] = true
	}
	if r.NoHistory {
		// Each request stands alone: its own texts (a batch, a query and
		// its passages).
		r.InputTokens, r.ExpectedCached = r.UserTokens+r.BatchTokens, 0
	} else if n, ok := p.templateTokens(r); ok {
		r.InputTokens = n
	} else if r.PromptText != "" {
		r.InputTokens = p.tok.Count(r.PromptText) + r.BatchTokens
	} else {
		r.InputTokens = p.history[r.SessionNum] + r.UserTokens + r.BatchTokens
	}
	// The history is counted client-side whatever the source of ISL/OSL: it
	// is what this session will send again.
	r.ClientInputTokens, r.ClientOutputTokens, r.ClientReasoningTokens = r.InputTokens, r.OutputTokens, r.ReasoningTokens
	if r.LastTurn || r.NoHistory {
		delete(p.history, r.SessionNum)
	} else {
		p.history[r.SessionNum] = historyAfter(r)
	}
	if r.Forks > 0 {
		p.forked[r.SessionNum] = &forkedHistory{tokens: historyAfter(r), left: r.Forks}
	}
	if r.BadUsage != "" {
		if p.BadUsage++; p.BadUsage == 1 {
			p.FirstBadUsage = r.BadUsage
		}
	}
	if p.ServerCounts && r.Error == nil && r.BadUsage == "" {
		p.useServerCounts(r)
	}
	if r.Phase != record.PhaseProfiling {
		return
	}
	v := metrics.Compute(r, p.streaming)
	for _, s := range p.sinks {
		s.Put(r, &v)
	}
}

// templateTokens counts the request's messages rendered by the chat
// template, with the assistant's opening a server adds.
func (p *Processor) templateTokens(r *record.Record) (int, bool) {
	if p.Template == nil || r.Messages == nil {
		return 0, false
	}
	msgs := make([]tokenizer.ChatMessage, len(r.Messages))
	for i, m := range r.Messages {
		msgs[i] = tokenizer.ChatMessage{Role: m.Role, Content: m.Content}
	}
	r.Messages = nil // counted: the record need not hold the history any longer
	text, err := p.Template.Render(msgs, true)
	if err != nil {
		p.TemplateErrors++
		return 0, false
	}
	return p.tok.Count(text), true
}

// historyAfter is what a session's next turn resends of this one: the
// prompt and its answer.
func historyAfter(r *record.Record) int {
	switch {
	case r.Error != nil && !r.Precanned:
		return r.InputTokens // the session goes on without an answer: the question stays
	case r.Precanned:
		return r.InputTokens + r.PrecannedTokens
	}
	return r.InputTokens + r.OutputTokens
}

// forkedHistory is a DAG parent's history in tokens, and how many forked
// sessions have yet to start from it.
type forkedHistory struct{ tokens, left int }

// inherit gives a forked session's first turn its parent's history: the
// engine sends the parent's record before starting its forks, so it is
// here.
func (p *Processor) inherit(r *record.Record) {
	f := p.forked[r.ForkParent-1]
	if f == nil {
		return
	}
	p.history[r.SessionNum] = f.tokens
	if f.left--; f.left == 0 {
		delete(p.forked, r.ForkParent-1)
	}
}
