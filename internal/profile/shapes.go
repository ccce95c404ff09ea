package profile

import (
	"fmt"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/schedule"
)

// checkShapes applies the rules of the load-shape flags: ramps, the rate
// series, time slices and the failure threshold.
func checkShapes(p *config.Profile) []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	positive := func(name string, v *float64) {
		if v != nil && !(*v > 0) {
			add("%s must be positive, got %v", name, *v)
		}
	}
	positive("--concurrency-ramp-duration", p.ConcurrencyRamp)
	positive("--request-rate-ramp-duration", p.RequestRateRamp)
	positive("--slice-duration", p.SliceDuration)
	if t := p.FailedRequestThreshold; t != nil && !(*t >= 0 && *t <= 1) {
		add("--failed-request-threshold is a fraction between 0 and 1, got %v", *t)
	}
	openLoop := p.RequestRate != nil || p.SessionArrivalRate != nil
	if p.ConcurrencyRamp != nil && (p.Concurrency == nil || openLoop || p.UserCentricRate != nil || p.FixedSchedule) {
		add("--concurrency-ramp-duration ramps a closed-loop --concurrency run (no --request-rate, user-centric rate or fixed schedule)")
	}
	if p.RequestRateSeries != "" {
		if _, err := schedule.ParseSeries(p.RequestRateSeries); err != nil {
			errs = append(errs, err)
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
	if p.WaitForModelTimeout < 0 || p.WaitForModelInterval <= 0 || p.NetworkPingInterval <= 0 {
		add("--wait-for-model-timeout must not be negative, and --wait-for-model-interval and --network-latency-ping-interval must be positive")
	}
	if p.RequestRateRamp != nil && (!openLoop || p.RequestRateSeries != "") {
		add("--request-rate-ramp-duration needs --request-rate (or --session-arrival-rate) and no --request-rate-series")
	}
	return errs
}

// shapeArrivals applies a ramp or a series to the arrival process.
func shapeArrivals(p *config.Profile, a schedule.Arrivals) (schedule.Arrivals, error) {
	switch {
	case p.RequestRateSeries != "":
		pts, err := schedule.ParseSeries(p.RequestRateSeries)
		if err != nil {
			return nil, err
		}
		return schedule.Series(a, pts), nil
	case p.RequestRateRamp != nil:
		return schedule.Ramp(a, time.Duration(*p.RequestRateRamp*float64(time.Second))), nil
	}
	return a, nil
}
