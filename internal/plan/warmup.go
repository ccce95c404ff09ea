package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/engine"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/schedule"
)

func seconds(x float64) time.Duration { return time.Duration(x * float64(time.Second)) }

// warmupConfig is the warm-up phase, AIPerf's: it ends at the first of its
// request count, session count or duration; its load is the profiling one
// where the --warmup-* flags do not say otherwise; grace is how long its
// answers still in flight after --warmup-duration are waited for (−1: all
// of them). Its results are discarded.
func (pl *Plan) warmupConfig() (w engine.Config, grace time.Duration, err error) {
	p := pl.p
	w = pl.base
	w.Phase, w.MaxRequests, w.MaxSessions, w.Duration = record.PhaseWarmup, p.WarmupRequestCount, 0, 0
	if p.WarmupSessions != nil {
		w.MaxSessions = *p.WarmupSessions
	}
	if p.WarmupDuration != nil {
		w.Duration = seconds(*p.WarmupDuration)
	}
	w.Sampler = dataset.NewSampler(p.SamplingStrategy, len(pl.convs), dataset.NewRand(pl.seed, dataset.StreamSampler+100))
	if q, _ := p.WarmupData(); q != nil { // prompts of its own (checked by Validate)
		if w.Conversations, err = pl.warmupConversations(q); err != nil {
			return w, 0, err
		}
		w.Sampler = dataset.NewSampler(q.SamplingStrategy, len(w.Conversations), dataset.NewRand(pl.seed, dataset.StreamSampler+100))
	}
	if v := p.WarmupConcurrency; v != nil {
		w.Concurrency = *v
	}
	if v := p.WarmupPrefillConcurrency; v != nil {
		w.PrefillConcurrency = *v
	}
	if v := p.WarmupConcurrencyRamp; v != nil {
		w.ConcurrencyRamp = seconds(*v)
	}
	if p.WarmupRequestRate != nil || p.WarmupArrivalPattern != "" || p.WarmupRequestRateRamp != nil {
		if w.Arrivals, err = pl.warmupArrivals(&w); err != nil {
			return w, 0, UsageError{err}
		}
	}
	if v := p.WarmupPrefillConcurrencyRamp; v != nil {
		w.PrefillConcurrencyRamp = seconds(*v)
		if w.PrefillConcurrency == 0 {
			pl.notes.warn("--warmup-prefill-concurrency-ramp-duration: no prefill concurrency to ramp in the warm-up; ignored.")
		}
	}
	grace = -1
	if p.WarmupGracePeriod != nil {
		grace = seconds(*p.WarmupGracePeriod)
	}
	return w, grace, nil
}

// warmupArrivals is the warm-up's own arrival process: its rate, pattern
// and ramp, each the profiling one when not given.
func (pl *Plan) warmupArrivals(w *engine.Config) (schedule.Arrivals, error) {
	p := pl.p
	if p.WarmupRequestRate != nil {
		w.Rate = *p.WarmupRequestRate
	}
	pattern := p.WarmupArrivalPattern
	if pattern == "" {
		pattern = p.ArrivalPattern
		if pl.sessionRate {
			pattern = p.SessionArrival
		}
	}
	a, err := schedule.New(pattern, w.Rate, smoothness(p), dataset.NewRand(pl.seed, dataset.StreamArrival+100))
	if err != nil {
		return nil, err
	}
	ramp := p.RequestRateRamp
	if p.WarmupRequestRateRamp != nil {
		ramp = p.WarmupRequestRateRamp
	}
	if ramp != nil {
		a = schedule.Ramp(a, seconds(*ramp))
	}
	return a, nil
}

// describeWarmup says what the warm-up does and where its load differs
// from the profiling one, as AIPerf's log does.
func (pl *Plan) describeWarmup(w engine.Config) string {
	var stop []string
	if w.MaxRequests > 0 {
		stop = append(stop, fmt.Sprintf("%d requests", w.MaxRequests))
	}
	if w.MaxSessions > 0 {
		stop = append(stop, fmt.Sprintf("%d sessions", w.MaxSessions))
	}
	if w.Duration > 0 {
		stop = append(stop, fmt.Sprintf("%v", w.Duration))
	}
	s := strings.Join(stop, " or ")
	if w.Concurrency != pl.base.Concurrency {
		s += fmt.Sprintf("; concurrency %d (profiling will use %d)", w.Concurrency, pl.base.Concurrency)
	}
	if w.Rate != pl.base.Rate {
		s += fmt.Sprintf("; %g requests/s (profiling will use %g)", w.Rate, pl.base.Rate)
	}
	if p := pl.p.WarmupArrivalPattern; p != "" && p != pl.p.ArrivalPattern {
		s += fmt.Sprintf("; %s arrivals (profiling will use %s)", p, pl.p.ArrivalPattern)
	}
	return s
}

// warmupConversations are the warm-up's own prompts (--warmup-dataset),
// drawn with a seed of their own.
func (pl *Plan) warmupConversations(q *config.Profile) ([]dataset.Conversation, error) {
	convs, _, err := loadConversations(q, pl.seed^stageSalt(-2), pl.contextMode, pl.tok.Tokenizer, pl.notes.logger())
	if err != nil {
		return nil, fmt.Errorf("--warmup-dataset: %w", err)
	}
	cacheBust(q, convs, pl.tok.Tokenizer)
	return convs, checkPayloads(pl.codec, convs)
}
