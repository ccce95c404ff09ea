package profile

import (
	"fmt"
	"strings"
	"time"

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
func (r *profileRun) warmupConfig() (w engine.Config, grace time.Duration, err error) {
	p := r.p
	w = r.base
	w.Phase, w.MaxRequests, w.MaxSessions, w.Duration = record.PhaseWarmup, p.WarmupRequestCount, 0, 0
	if p.WarmupSessions != nil {
		w.MaxSessions = *p.WarmupSessions
	}
	if p.WarmupDuration != nil {
		w.Duration = seconds(*p.WarmupDuration)
	}
	w.Sampler = dataset.NewSampler(p.SamplingStrategy, len(r.plan.convs), dataset.NewRand(r.plan.seed, dataset.StreamSampler+100))
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
		if w.Arrivals, err = r.warmupArrivals(&w); err != nil {
			return w, 0, UsageError{err}
		}
	}
	if v := p.WarmupPrefillConcurrencyRamp; v != nil {
		w.PrefillConcurrencyRamp = seconds(*v)
		if w.PrefillConcurrency == 0 {
			r.warn("--warmup-prefill-concurrency-ramp-duration: no prefill concurrency to ramp in the warm-up; ignored.")
		}
	}
	grace = -1
	if p.WarmupGracePeriod != nil {
		grace = seconds(*p.WarmupGracePeriod)
	}
	r.logf("Warming up: %s", r.describeWarmup(w))
	return w, grace, nil
}

// warmupArrivals is the warm-up's own arrival process: its rate, pattern
// and ramp, each the profiling one when not given.
func (r *profileRun) warmupArrivals(w *engine.Config) (schedule.Arrivals, error) {
	p := r.p
	if p.WarmupRequestRate != nil {
		w.Rate = *p.WarmupRequestRate
	}
	pattern := p.WarmupArrivalPattern
	if pattern == "" {
		pattern = p.ArrivalPattern
		if r.plan.sessionRate {
			pattern = p.SessionArrival
		}
	}
	a, err := schedule.New(pattern, w.Rate, smoothness(p), dataset.NewRand(r.plan.seed, dataset.StreamArrival+100))
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
func (r *profileRun) describeWarmup(w engine.Config) string {
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
	if w.Concurrency != r.base.Concurrency {
		s += fmt.Sprintf("; concurrency %d (profiling will use %d)", w.Concurrency, r.base.Concurrency)
	}
	if w.Rate != r.base.Rate {
		s += fmt.Sprintf("; %g requests/s (profiling will use %g)", w.Rate, r.base.Rate)
	}
	if p := r.p.WarmupArrivalPattern; p != "" && p != r.p.ArrivalPattern {
		s += fmt.Sprintf("; %s arrivals (profiling will use %s)", p, r.p.ArrivalPattern)
	}
	return s
}
