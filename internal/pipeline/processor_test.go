package pipeline

import (
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/openai"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

type collect struct{ recs []*record.Record }

func (c *collect) Start() error                            { return nil }
func (c *collect) Put(r *record.Record, _ *metrics.Values) { c.recs = append(c.recs, r) }
func (c *collect) Close() error                            { return nil }

// --use-server-token-count: OSL is the server's completion tokens however
// the usage splits them, and expected cache hits stay in client counts.
func TestServerCountsSplit(t *testing.T) {
	tok, err := tokenizer.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name                      string
		content, reasoning        string
		usage                     openai.Usage
		wantOutput, wantReasoning int
	}{
		// Every token is reasoning and usage does not say so: all 60 are
		// reasoning (the old code lost OSL and ITL here).
		{"reasoning only, no split", "", "think think think", openai.Usage{PromptTokens: 10, CompletionTokens: 60}, 0, 60},
		{"content only, no split", "an answer", "", openai.Usage{PromptTokens: 10, CompletionTokens: 40}, 40, 0},
		{"both, split given", "an answer", "think", openai.Usage{PromptTokens: 10, CompletionTokens: 40, CompletionTokensDetails: &openai.CompletionTokensDetails{ReasoningTokens: 15}}, 25, 15},
		{"both, no split: the client's reasoning count", "an answer", "think think", openai.Usage{PromptTokens: 10, CompletionTokens: 40}, 38, 2},
	} {
		var sink collect
		p := NewProcessor(tok, clock.New(), true, &sink)
		p.ServerCounts = true
		u := c.usage
		r := &record.Record{Phase: record.PhaseProfiling, StartNs: 1, EndNs: 100, UserTokens: 7, LastTurn: true, Usage: &u,
			Output: c.content, ReasoningText: c.reasoning, HasOutput: c.content != "", HasReasoning: c.reasoning != "",
			Responses: []record.Response{{Ns: 10}, {Ns: 20}}}
		p.Process(r)
		if r.OutputTokens != c.wantOutput || r.ReasoningTokens != c.wantReasoning {
			t.Errorf("%s: output %d reasoning %d, want %d and %d", c.name, r.OutputTokens, r.ReasoningTokens, c.wantOutput, c.wantReasoning)
		}
		v := metrics.Compute(r, true)
		if osl, ok := v.Get(metrics.OSL); !ok || int(osl) != u.CompletionTokens {
			t.Errorf("%s: OSL %v (%v), want the server's %d", c.name, osl, ok, u.CompletionTokens)
		}
		if _, ok := v.Get(metrics.ITL); !ok {
			t.Errorf("%s: no ITL", c.name)
		}
		if r.InputTokens != 10 || r.ClientInputTokens != 7 {
			t.Errorf("%s: ISL %d (server) and %d (client)", c.name, r.InputTokens, r.ClientInputTokens)
		}
	}
}

// The processor's loop hands every record to the sinks and stops when its
// channel closes.
func TestProcessorRun(t *testing.T) {
	tok, _ := tokenizer.Builtin()
	var sink collect
	p := NewProcessor(tok, clock.New(), true, &sink)
	in := make(chan *record.Record, 5)
	for i := range 4 {
		in <- &record.Record{Phase: record.PhaseProfiling, SessionNum: i, StartNs: 1, EndNs: 50, UserTokens: 3, LastTurn: true,
			Output: " a b", HasOutput: true, Responses: []record.Response{{Ns: 10, Content: 2}, {Ns: 20, Content: 2}}}
	}
	in <- &record.Record{Phase: record.PhaseWarmup, StartNs: 1, EndNs: 2}
	close(in)
	p.Run(in)
	if len(sink.recs) != 4 || sink.recs[0].OutputTokens != 2 || sink.recs[0].InputTokens != 3 {
		t.Fatalf("%d records out", len(sink.recs))
	}
}

// Records that come in a stream are gathered (pollEvery) rather than each
// waking the processor; none is lost or reordered, whether they come all at
// once, one by one, or in bursts, and the loop ends when the channel closes
// in the middle of a gathering pause.
func TestProcessorRunGathers(t *testing.T) {
	tok, _ := tokenizer.Builtin()
	var sink collect
	p := NewProcessor(tok, clock.New(), true, &sink)
	in := make(chan *record.Record, 64)
	done := make(chan struct{})
	go func() { p.Run(in); close(done) }()
	n := 0
	send := func(k int) {
		for range k {
			in <- &record.Record{Phase: record.PhaseProfiling, SessionNum: n, StartNs: 1, EndNs: 50, LastTurn: true}
			n++
		}
	}
	send(1000) // more than the channel holds: the sender waits at most a pause
	for range 5 {
		send(1)
		time.Sleep(2 * pollEvery)
	}
	send(30)
	close(in)
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("Run did not return after its channel closed")
	}
	if len(sink.recs) != n {
		t.Fatalf("%d records out of %d", len(sink.recs), n)
	}
	for i, r := range sink.recs {
		if r.SessionNum != i {
			t.Fatalf("record %d is session %d: reordered", i, r.SessionNum)
		}
	}
}

// A pooled prefix repeated by a later session is what a prefix cache can
// serve: expected_cached_tokens counts it, after a shared system prompt
// seen before, not after one never seen (a cache reuses a prompt's start).
func TestExpectedCachedPrefix(t *testing.T) {
	tok, _ := tokenizer.Builtin()
	p := NewProcessor(tok, clock.New(), true)
	rec := func(session int, system, prefix string) *record.Record {
		r := &record.Record{Phase: record.PhaseProfiling, SessionNum: session, StartNs: 1, EndNs: 50, UserTokens: 100, LastTurn: true,
			Prefix: prefix, PrefixTokens: 40, Responses: []record.Response{{Ns: 10}}}
		if system != "" {
			r.System, r.SystemTokens = system, 20
		}
		p.Process(r)
		return r
	}
	for _, c := range []struct {
		session        int
		system, prefix string
		want           int
	}{
		{0, "", "A", 0},   // the first to send prefix A
		{1, "", "A", 40},  // A again
		{2, "", "B", 0},   // B is new
		{3, "S", "A", 0},  // an unseen system prompt before A: no prefix of the cache
		{4, "S", "A", 60}, // S seen, then A after S seen: both
		{5, "S", "B", 20}, // B was sent, but never after S
	} {
		if got := rec(c.session, c.system, c.prefix).ExpectedCached; got != c.want {
			t.Errorf("session %d (%q, %q): expected cached %d, want %d", c.session, c.system, c.prefix, got, c.want)
		}
	}
}
