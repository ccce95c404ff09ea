package config

import "strings"

// Warmup reports whether a warm-up phase runs: a request count, a session
// count or a duration ends it.
func (p *Profile) Warmup() bool {
	return p.WarmupRequestCount > 0 || p.WarmupSessions != nil || p.WarmupDuration != nil
}

// DropWarmup turns the warm-up off, its own load with it (a repeated
// run's after the first, --profile-run-disable-warmup-after-first): its
// stop conditions alone would leave its load flags without a warm-up.
func (p *Profile) DropWarmup() {
	p.WarmupRequestCount, p.WarmupSessions, p.WarmupDuration, p.WarmupDataset = 0, nil, nil, ""
	p.WarmupConcurrency, p.WarmupPrefillConcurrency, p.WarmupRequestRate, p.WarmupArrivalPattern = nil, nil, nil, ""
	p.WarmupGracePeriod, p.WarmupConcurrencyRamp, p.WarmupPrefillConcurrencyRamp, p.WarmupRequestRateRamp = nil, nil, nil, nil
}

// checkWarmup applies the warm-up flags' rules.
func (p *Profile) checkWarmup(add func(string, ...any)) {
	if p.WarmupRequestCount < 0 {
		add("--warmup-request-count must not be negative, got %d", p.WarmupRequestCount)
	}
	if v := p.WarmupSessions; v != nil && *v < 1 {
		add("--num-warmup-sessions must be at least 1, got %d", *v)
	}
	if v := p.WarmupConcurrency; v != nil && *v < 1 {
		add("--warmup-concurrency must be at least 1, got %d", *v)
	}
	if v := p.WarmupPrefillConcurrency; v != nil && *v < 1 {
		add("--warmup-prefill-concurrency must be at least 1, got %d", *v)
	}
	for _, f := range []struct {
		flag string
		v    *float64
	}{{"--warmup-duration", p.WarmupDuration}, {"--warmup-request-rate", p.WarmupRequestRate},
		{"--warmup-concurrency-ramp-duration", p.WarmupConcurrencyRamp}, {"--warmup-request-rate-ramp-duration", p.WarmupRequestRateRamp},
		{"--warmup-prefill-concurrency-ramp-duration", p.WarmupPrefillConcurrencyRamp}} {
		if f.v != nil && !(*f.v > 0) {
			add("%s must be positive, got %v", f.flag, *f.v)
		}
	}
	if g := p.WarmupGracePeriod; g != nil {
		switch {
		case *g < 0:
			add("--warmup-grace-period must not be negative, got %v", *g)
		case p.WarmupDuration == nil:
			add("--warmup-grace-period limits the wait after --warmup-duration: give --warmup-duration too")
		}
	}
	if set := p.warmupLoadFlags(); len(set) > 0 && !p.Warmup() {
		add("%s set, but no warm-up runs: give --warmup-request-count, --num-warmup-sessions or --warmup-duration", strings.Join(set, ", "))
	}
	if p.WarmupRequestRate != nil && (p.UserCentricRate != nil || p.FixedSchedule) {
		add("--warmup-request-rate paces a --request-rate or --concurrency run, not a user-centric or fixed-schedule one")
	}
	if p.WarmupRequestRateRamp != nil && p.WarmupRequestRate == nil && p.RequestRate == nil {
		add("--warmup-request-rate-ramp-duration needs a rate: --warmup-request-rate or --request-rate")
	}
}

// warmupLoadFlags are the warm-up's load flags given.
func (p *Profile) warmupLoadFlags() []string {
	var set []string
	for _, f := range []struct {
		flag string
		on   bool
	}{{"--warmup-concurrency", p.WarmupConcurrency != nil}, {"--warmup-prefill-concurrency", p.WarmupPrefillConcurrency != nil},
		{"--warmup-request-rate", p.WarmupRequestRate != nil}, {"--warmup-arrival-pattern", p.WarmupArrivalPattern != ""},
		{"--warmup-grace-period", p.WarmupGracePeriod != nil}, {"--warmup-concurrency-ramp-duration", p.WarmupConcurrencyRamp != nil},
		{"--warmup-request-rate-ramp-duration", p.WarmupRequestRateRamp != nil},
		{"--warmup-prefill-concurrency-ramp-duration", p.WarmupPrefillConcurrencyRamp != nil}} {
		if f.on {
			set = append(set, f.flag)
		}
	}
	return set
}
