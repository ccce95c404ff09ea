package config

import (
	"fmt"
	"strings"
	"testing"
)

// A phase's adaptive_scale and sla blocks become the --adaptive-scale
// flags; bad settings are refused by name before anything is sent.
func TestAdaptiveScale(t *testing.T) {
	fv, err := load(t, `phases:
  - name: profiling
    type: concurrency
    concurrency: 4
    duration: 45
    adaptive_scale:
      enabled: true
      control: {variable: concurrency, min: 4, max: 64}
      assessment_period: 5s
      min_completed_requests: 5
      sustain_duration: 10
      strategy: {type: ramp_until_fail, step_policy: sla_margin, base_step: 2, max_step_multiplier: 3}
    sla:
      request_latency: {p95: {le: 250}}
      ttft: {p99: {lt: 900}}
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	for flag, want := range map[string]string{"adaptive-scale": "true", "adaptive-scale-control": "concurrency:4,64",
		"adaptive-scale-assessment-period": "5", "adaptive-scale-min-completed-requests": "5", "adaptive-sustain-duration": "10",
		"adaptive-scale-step-policy": "sla_margin", "adaptive-scale-base-step": "2", "adaptive-scale-max-step-multiplier": "3",
		"adaptive-scale-sla": "[request_latency:p95:le:250 ttft:p99:lt:900]"} {
		if got := fmt.Sprint(fv.Flags[flag]); got != want {
			t.Errorf("%s = %s, want %s", flag, got, want)
		}
	}
	for text, want := range map[string]string{
		"phases: {adaptive_scale: {strategy: {type: bisect}}}\n": "ramp_until_fail",
		"phases: {sla: {latency: {p95: {le: 3}}}}\n":             `metric "latency"`,
		"phases: {sla: {ttft: {p42: {le: 3}}}}\n":                `statistic "p42"`,
		"phases: {sla: {ttft: {p95: {eq: 3}}}}\n":                `operator "eq"`,
		"phases: {sla: {ttft: {p95: {le: fast}}}}\n":             `threshold "fast"`,
		"phases: {sla: {ttft: 3}}\n":                             "sla.ttft must be a mapping",
	} {
		if _, err := load(t, text, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
	d, s := 30.0, 3.0
	for _, c := range []struct {
		mut  func(p *Profile)
		want string
	}{
		{func(p *Profile) { p.AdaptiveControl = "users:1,5" }, "the phase is user-centric"},
		{func(p *Profile) { p.AdaptiveControl = "workers:1,5" }, `variable "workers"`},
		{func(p *Profile) { p.AdaptiveControl = "request_rate:1,5" }, "the phase runs at a --request-rate"},
		{func(p *Profile) { p.AdaptiveControl = "concurrency:5,2" }, "0 < MIN ≤ MAX"},
		{func(p *Profile) { p.AdaptiveControl = "concurrency:1.5,2" }, "whole numbers for a concurrency"},
		{func(p *Profile) { p.AdaptiveControl = "concurrency:1,2:float" }, "the type is int"},
		{func(p *Profile) {
			r := 5.0
			p.AdaptiveControl, p.RequestRate, p.RequestRateRamp = "request_rate:0.5,20:float", &r, &r
		}, "a fixed ramp of the same variable"},
		{func(p *Profile) { p.AdaptiveControl = "concurrency" }, "VARIABLE:MIN,MAX"},
		{func(p *Profile) { p.AdaptiveSLA = nil }, "needs an SLA"},
		{func(p *Profile) { p.BenchmarkDuration = nil }, "needs --benchmark-duration"},
		{func(p *Profile) { p.Streaming = false }, "time_to_first_token needs --streaming"},
		{func(p *Profile) { p.ConcurrencyRamp = &s }, "a fixed ramp of the same variable"},
		{func(p *Profile) { p.AdaptivePeriod = 0 }, "assessment-period must be positive"},
		{func(p *Profile) { p.AdaptiveBaseStep = 0 }, "base-step"},
		{func(p *Profile) { p.Phases = []string{"x:concurrency=2"} }, "a run of one profiling phase"},
		{func(p *Profile) {
			p.AdaptiveControl = "prefill_concurrency:1,4"
			p.Streaming = false
			p.AdaptiveSLA = []string{"error_rate:avg:le:0.1"}
		}, "prefill_concurrency needs --streaming"},
	} {
		p := valid()
		p.Streaming, p.BenchmarkDuration = true, &d
		p.AdaptiveScale, p.AdaptiveControl, p.AdaptivePeriod, p.AdaptiveMinCompleted = true, "concurrency:1,8", 5, 3
		p.AdaptiveStepPolicy, p.AdaptiveStepPercent, p.AdaptiveBaseStep, p.AdaptiveMaxStepMult = "fixed_percent_step", 100, 1, 4
		p.AdaptiveSLA = []string{"ttft:p95:le:500"}
		if errs := p.Validate(); len(errs) != 0 {
			t.Fatalf("valid settings refused: %v", errs)
		}
		c.mut(&p)
		if errs := p.Validate(); !strings.Contains(fmt.Sprint(errs), c.want) {
			t.Errorf("%v, want %q", errs, c.want)
		}
	}
}
