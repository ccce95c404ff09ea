package plan

import (
	"errors"
	"fmt"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/engine"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/schedule"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// exportRaw is --export-level raw: the engine keeps each response's bytes.
const exportRaw = "raw"

// phases resolves the engine's configuration of each phase: the base every
// phase starts from, and the warm-up's own when there is one. A bad
// arrival process is a UsageError here, before anything is sent.
func (pl *Plan) phases(e Env) error {
	if err := pl.engineConfig(e); err != nil {
		return err
	}
	if pl.p.AgenticReplay() {
		return pl.agenticPhases()
	}
	if !pl.p.Warmup() {
		return nil
	}
	w, grace, err := pl.warmupConfig()
	if err != nil {
		return err
	}
	cut := time.Duration(-1)
	if w.Duration > 0 && grace >= 0 {
		cut = w.Duration + grace
	}
	pl.warmups = []Warmup{{Name: "Warmup", Config: w, Cut: cut, Says: pl.describeWarmup(w), Total: int64(pl.p.WarmupRequestCount)}}
	return nil
}

// engineConfig is the configuration every phase starts from.
func (pl *Plan) engineConfig(e Env) error {
	p, ld := pl.p, pl.load
	pattern, k := p.ArrivalPattern, smoothness(p)
	if ld.sessionRate {
		pattern = p.SessionArrival
		if p.SessionArrivalSmoothness != nil {
			k = *p.SessionArrivalSmoothness
		}
	}
	arrivals, err := schedule.New(pattern, ld.rate, k, dataset.NewRand(pl.seed, dataset.StreamArrival))
	if err == nil {
		arrivals, err = shapeArrivals(p, arrivals)
	}
	if err != nil {
		return UsageError{err}
	}
	concurrency := ld.concurrency
	if pl.fixed.on && p.Concurrency == nil {
		concurrency = 0 // a trace replays open loop: its default concurrency of 1 is burst mode's
	}
	pl.base = engine.Config{
		Conversations: pl.convs, Sampler: pl.sampler, Codec: pl.codec, URLs: pl.urls, Header: headers(p, e.Version),
		Concurrency: concurrency, Rate: ld.rate, Arrivals: arrivals, SessionRate: ld.sessionRate,
		Users: ld.users, UserGap: ld.userGap,
		Timeout: seconds(p.RequestTimeoutSeconds), Seed: pl.seed, IDSeed: freshSeed(),
		SessionHeader: p.SessionHeader, ExtraSessionHeaders: sessionHeaders(p, e.Getenv),
		Fixed: pl.fixed.on, FixedZeroMs: pl.fixed.zeroMs, KeepRaw: p.ExportLevel == exportRaw, KeepChunks: p.ExportHTTPTrace,
		Reuse: reuseOf(p.ConnectionReuse), Precanned: pl.contextMode != config.ContextLive, StopOnError: p.SessionOnError == "stop",
		ChatMessages: pl.template != nil, ShardIndex: pl.shard.index, ShardCount: pl.shard.count,
	}
	if p.CancellationRate != nil {
		pl.base.CancelRate = *p.CancellationRate
		if p.CancellationDelay != nil {
			pl.base.CancelDelay = seconds(*p.CancellationDelay)
		}
	}
	if p.PrefillConcurrency != nil {
		pl.base.PrefillConcurrency = *p.PrefillConcurrency
	}
	if p.ConcurrencyRamp != nil {
		pl.base.ConcurrencyRamp = seconds(*p.ConcurrencyRamp)
	}
	pl.base.DownloadJob = p.DownloadVideoContent
	if p.PrefillConcurrencyRamp != nil {
		pl.base.PrefillConcurrencyRamp = seconds(*p.PrefillConcurrencyRamp)
		if p.PrefillConcurrency == nil { // as AIPerf, whose own ramping template does this
			pl.notes.warn("--prefill-concurrency-ramp-duration: no --prefill-concurrency to ramp; ignored.")
		}
	}
	return nil
}

// chatTemplate loads the model's chat template for --apply-chat-template,
// and says how ISL is counted.
func (pl *Plan) chatTemplate() error {
	p := pl.p
	if !p.ApplyChatTemplate {
		if p.EndpointType == "chat" {
			pl.notes.info("ISL: the tokens of the messages' contents (the chat template's tokens are not counted; --apply-chat-template counts them)")
		}
		return nil
	}
	if pl.tok.Path == "" {
		return UsageError{errors.New("--apply-chat-template needs the model's tokenizer (--tokenizer NAME|PATH): the builtin tokenizer has no chat template")}
	}
	t, err := tokenizer.LoadChatTemplate(pl.tok.Path)
	if err != nil {
		return UsageError{fmt.Errorf("--apply-chat-template: %w", err)}
	}
	pl.template = t
	pl.notes.info("ISL: the tokens of the messages rendered by the chat template " + t.Source)
	return nil
}

// Base is the engine's configuration every phase starts from (no phase,
// no budgets); a copy.
func (pl *Plan) Base() engine.Config { return pl.base }

// Profiling is the profiling phase's configuration: the base with its
// budgets. Warm-up sessions are numbered apart (SessionOffset) when a
// warm-up ran.
func (pl *Plan) Profiling() engine.Config {
	c := pl.base
	c.Phase, c.MaxSessions, c.MaxRequests, c.Duration = record.PhaseProfiling, pl.maxSessions, pl.maxRequests, pl.duration
	if len(pl.warmups) > 0 {
		c.SessionOffset = 1 << 30 // warm-up sessions never share numbers with profiling ones
	}
	c.Lanes, c.LanesAtOnce, c.Stream = pl.lanes, pl.p.BurstPhaseStarts, pl.fixed.stream
	if v := pl.p.SystemIdleGapCap; v != nil {
		c.IdleGapCap = max(seconds(*v), 1) // 0: not a moment idle
	}
	if len(pl.stages) > 0 {
		c.Stage = pl.p.PhaseName // beside the other phases' names
	}
	pl.adaptiveLimits(&c)
	return c
}

// Warmup is a phase before profiling, its results discarded: its
// engine configuration, when its answers still in flight are cut (after
// its start; −1: never), what it does in words and the requests it plans
// (0: unknown).
type Warmup struct {
	Name   string
	Config engine.Config
	Cut    time.Duration
	Says   string
	Total  int64
}

// Warmups are the phases before profiling, in order: AIPerf's warm-up,
// or an agentic replay's (its snapshot and cache warm-ups).
func (pl *Plan) Warmups() []Warmup { return pl.warmups }
