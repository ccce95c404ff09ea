package plan

import (
	"log/slog"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/servertrace"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// Flags are the validated flags the plan was resolved from. Callers read
// them; nothing changes them after Resolve.
func (pl *Plan) Flags() *config.Profile { return pl.p }

// Seed is the run's random seed (--random-seed, or fresh entropy).
func (pl *Plan) Seed() uint64 { return pl.seed }

// URLs are the request URLs, one per server (sim:// servers started).
func (pl *Plan) URLs() []string { return pl.urls }

// Conversations are the workload, every turn's prompt built.
func (pl *Plan) Conversations() []dataset.Conversation { return pl.convs }

// Codec builds the request bodies.
func (pl *Plan) Codec() *endpoint.Codec { return pl.codec }

// SLOs are the goodput SLOs (--goodput).
func (pl *Plan) SLOs() []metrics.SLO { return pl.slos }

// Files are where the run's files go.
func (pl *Plan) Files() export.Files { return pl.files }

// Tokenizer is the tokenizer the run counts with, and how it was chosen.
func (pl *Plan) Tokenizer() *tokenizer.Resolution { return pl.tok }

// Template is the chat template ISL is counted through
// (--apply-chat-template); nil without one.
func (pl *Plan) Template() *tokenizer.ChatTemplate { return pl.template }

// Shard is this process's part of a sharded run: its index and the count.
func (pl *Plan) Shard() (index, count int) { return pl.shard.index, pl.shard.count }

// ShardID names this shard in its summary, for sonde merge.
func (pl *Plan) ShardID() export.ShardID {
	return export.ShardID{Index: pl.shard.index, Count: pl.shard.count, Run: shardRunKey(pl.p)}
}

// Expected is the requests the profiling phase will send; 0 when the run
// is bounded by time alone.
func (pl *Plan) Expected() int64 { return pl.expected }

// Grace is how long requests in flight may finish after the duration.
func (pl *Plan) Grace() time.Duration { return pl.grace }

// Concurrency is this shard's concurrency (0 in rate mode without one).
func (pl *Plan) Concurrency() int { return pl.concurrency }

// Rate is the offered request rate (0 when the load is a concurrency).
func (pl *Plan) Rate() float64 { return pl.rate }

// MeanGapNs is the mean gap between this process's arrivals, in ns (0 for
// a closed loop): what coordinated omission is measured against.
func (pl *Plan) MeanGapNs() float64 {
	switch {
	case pl.rate > 0:
		return 1e9 / pl.rate * float64(pl.shard.count) // a shard sends every n-th arrival
	case pl.users > 0:
		return float64(pl.userGap) / float64(pl.users)
	}
	return 0
}

// SimInProcess reports a sim:// server running in this process (it shares
// the CPU the client's overhead is measured on).
func (pl *Plan) SimInProcess() bool { return pl.simInProcess }

// A Note is something resolving said, told in the run's log once it is
// open; a warning is also one of the run's warnings.
type Note struct {
	Level slog.Level
	Msg   string
}

// Notes are what resolving said, in order.
func (pl *Plan) Notes() []Note {
	out := make([]Note, len(pl.notes.items))
	for i, it := range pl.notes.items {
		out[i] = Note{it.level, it.msg}
	}
	return out
}

// ServerTraces receives the server's spans (--collect-server-traces); nil
// without.
func (pl *Plan) ServerTraces() *servertrace.Receiver { return pl.traces }
