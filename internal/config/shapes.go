package config

import "github.com/sonde-bench/sonde/internal/schedule"

// checkShapes applies the rules of the load-shape flags: ramps, the rate
// series, time slices and the failure threshold.
func (p *Profile) checkShapes(add func(string, ...any)) {
	positive := func(name string, v *float64) {
		if v != nil && !(*v > 0) {
			add("%s must be positive, got %v", name, *v)
		}
	}
	positive("--concurrency-ramp-duration", p.ConcurrencyRamp)
	positive("--request-rate-ramp-duration", p.RequestRateRamp)
	positive("--slice-duration", p.SliceDuration)
	positive("--prefill-concurrency-ramp-duration", p.PrefillConcurrencyRamp)
	if t := p.FailedRequestThreshold; t != nil && !(*t >= 0 && *t <= 1) {
		add("--failed-request-threshold is a fraction between 0 and 1, got %v", *t)
	}
	openLoop := p.RequestRate != nil || p.SessionArrivalRate != nil
	if p.ConcurrencyRamp != nil && (p.Concurrency == nil || p.UserCentricRate != nil || p.FixedSchedule) {
		add("--concurrency-ramp-duration ramps --concurrency (the sessions of a closed loop, or the cap of a --request-rate run), not a user-centric rate or a fixed schedule")
	}
	if p.RequestRateSeries != "" {
		if _, err := schedule.ParseSeries(p.RequestRateSeries); err != nil {
			add("%v", err)
		}
		if openLoop || p.UserCentricRate != nil || p.FixedSchedule {
			add("--request-rate-series sets the rate itself: drop --request-rate, --session-arrival-rate, --user-centric-rate and --fixed-schedule")
		}
	}
	for _, f := range p.ServerMetricsFormats {
		if f != "json" && f != "csv" && f != "jsonl" {
			add("--server-metrics-formats: %q is not one of json, csv, jsonl", f)
		}
	}
	if !(p.ResetKVCacheTimeout > 0) {
		add("--reset-kv-cache-timeout-seconds must be positive, got %v", p.ResetKVCacheTimeout)
	}
	if p.WaitForModelTimeout < 0 || p.WaitForModelInterval <= 0 || p.NetworkPingInterval <= 0 {
		add("--wait-for-model-timeout must not be negative, and --wait-for-model-interval and --network-latency-ping-interval must be positive")
	}
	if p.NetworkLatencyMean < 0 || (p.NetworkLatencyMean > 0 && p.NetworkLatency) {
		add("--network-latency-mean must not be negative, and not with --network-latency-automatic (one round trip or the other), got %v", p.NetworkLatencyMean)
	}
	if p.RequestRateRamp != nil && (!openLoop || p.RequestRateSeries != "") {
		add("--request-rate-ramp-duration needs --request-rate (or --session-arrival-rate) and no --request-rate-series")
	}
}
