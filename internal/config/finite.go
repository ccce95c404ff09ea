package config

import (
	"fmt"
	"math"
	"reflect"
)

// Upper bounds for values that become durations or schedule gaps: beyond
// them a time.Duration overflows or a gap rounds to zero, and a run would
// hang or spin instead of failing with a message.
const (
	maxRate    = 1e6              // requests (or sessions, or user turns) per second
	maxSeconds = 10 * 365 * 86400 // any duration given in seconds
	maxMs      = maxSeconds * 1e3 // any duration given in milliseconds
)

// checkFinite rejects NaN and ±Inf in every float flag, by reflection over
// the flag fields, so a float flag added later is covered too.
func checkFinite(p *Profile) []error {
	var errs []error
	v := reflect.ValueOf(p).Elem()
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Tag.Get("name")
		if name == "" {
			continue
		}
		if f.Kind() == reflect.Pointer && !f.IsNil() {
			f = f.Elem()
		}
		var xs []float64
		switch {
		case f.Kind() == reflect.Float64:
			xs = []float64{f.Float()}
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Float64:
			xs = f.Interface().([]float64) // a list flag: every value
		}
		for _, x := range xs {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				errs = append(errs, fmt.Errorf("--%s must be a finite number, got %v", name, x))
			}
		}
	}
	return errs
}

// checkRanges bounds the float flags that become times or rates.
func checkRanges(p *Profile) []error {
	var errs []error
	upTo := func(flag string, x *float64, limit float64, unit string) {
		if x != nil && *x > limit {
			errs = append(errs, fmt.Errorf("%s must be at most %g %s, got %g", flag, limit, unit, *x))
		}
	}
	for i := range p.RequestRateList {
		upTo("--request-rate", &p.RequestRateList[i], maxRate, "per second")
	}
	upTo("--session-arrival-rate", p.SessionArrivalRate, maxRate, "per second")
	for i := range p.UserCentricRateList {
		upTo("--user-centric-rate", &p.UserCentricRateList[i], maxRate, "per second")
	}
	upTo("--benchmark-duration", p.BenchmarkDuration, maxSeconds, "seconds")
	upTo("--benchmark-grace-period", p.BenchmarkGracePeriod, maxSeconds, "seconds")
	upTo("--request-cancellation-delay", p.CancellationDelay, maxSeconds, "seconds")
	upTo("--request-timeout-seconds", &p.RequestTimeoutSeconds, maxSeconds, "seconds")
	upTo("--conversation-turn-delay-mean", &p.ConversationDelayMean, maxMs, "ms")
	upTo("--conversation-turn-delay-stddev", &p.ConversationDelayStddev, maxMs, "ms")
	ratio := 1e6
	upTo("--conversation-turn-delay-ratio", &p.ConversationDelayRatio, ratio, "")
	if p.ConversationDelayMean*p.ConversationDelayRatio > maxMs {
		errs = append(errs, fmt.Errorf("--conversation-turn-delay-mean × --conversation-turn-delay-ratio must be at most %g ms", float64(maxMs)))
	}
	upTo("--conversation-turn-mean", &p.ConversationTurnMean, 1e6, "turns")
	upTo("--conversation-turn-stddev", &p.ConversationTurnStddev, 1e6, "turns")
	upTo("--arrival-smoothness", p.ArrivalSmoothness, 1e6, "")
	return append(errs, checkSizes(p)...)
}

// MaxPromptTokens is the longest prompt or answer sonde generates or asks
// for: ten times today's longest context windows. Above it, a typo
// (--isl 2000000000) would take every byte of memory before failing.
const MaxPromptTokens = 10_000_000

// maxWorkloadTokens bounds the synthetic prompts held at once (about 4
// bytes each): conversations × turns × the tokens of a turn.
const maxWorkloadTokens = 1_000_000_000

// checkSizes refuses sizes that cannot be held in memory, before anything
// is allocated.
func checkSizes(p *Profile) []error {
	var errs []error
	tokens := func(flag string, n float64) {
		if n > MaxPromptTokens {
			errs = append(errs, fmt.Errorf("%s %.0f: at most %d tokens", flag, n, MaxPromptTokens))
		}
	}
	tokens("--isl", float64(p.InputTokensMean))
	tokens("--isl-stddev", p.InputTokensStddev)
	tokens("--prompt-prefix-length", float64(p.PrefixLength))
	tokens("--shared-system-prompt-length", float64(p.SharedSystemLength))
	tokens("--user-context-prompt-length", float64(p.UserContextLength))
	tokens("--rankings-passages-prompt-token-mean", float64(p.RankingsPassageTokensMean))
	tokens("--rankings-query-prompt-token-mean", float64(p.RankingsQueryTokensMean))
	tokens("--osl-stddev", p.OutputTokensStddev)
	if p.OutputTokensMean != nil {
		tokens("--osl", float64(*p.OutputTokensMean))
	}
	for _, n := range []struct {
		flag string
		v    int
	}{{"--num-dataset-entries", p.NumDatasetEntries}, {"--prompt-batch-size", p.PromptBatchSize}, {"--prompt-prefix-pool-size", p.PrefixPoolSize}} {
		if n.v > 10_000_000 {
			errs = append(errs, fmt.Errorf("%s %d: at most 10000000", n.flag, n.v))
		}
	}
	if len(errs) > 0 || p.InputFile != "" {
		return errs
	}
	if err := p.CheckWorkload("--isl", float64(p.InputTokensMean), 3*p.InputTokensStddev); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// CheckWorkload bounds the synthetic prompts held at once, for an ISL of
// mean isl (given by flag) plus spread.
func (p *Profile) CheckWorkload(flag string, isl, spread float64) error {
	convs := float64(max(p.NumDatasetEntries, 1))
	if p.ConversationNum != nil {
		convs = float64(*p.ConversationNum)
	}
	perTurn := isl + spread + float64(max(p.PromptBatchSize, 1)-1)*isl
	if total := convs * max(p.ConversationTurnMean, 1) * perTurn; total > maxWorkloadTokens || isl > MaxPromptTokens {
		return fmt.Errorf("%s %.0f × --conversation-turn-mean %g × %.0f conversations is about %.2g tokens of prompts to hold: at most %g (about 4 GB), and %d per prompt; lower one of them",
			flag, isl, max(p.ConversationTurnMean, 1), convs, total, float64(maxWorkloadTokens), MaxPromptTokens)
	}
	return nil
}
