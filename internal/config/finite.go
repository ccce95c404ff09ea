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
	return errs
}
