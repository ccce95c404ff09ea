package config

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Adaptive scale (a profiling phase's adaptive_scale block, AIPerf's newer
// --adaptive-scale flags): the run raises its concurrency or prefill
// concurrency while every SLA holds over each assessment window, then
// sustains the last limit that held.

// AdaptiveSpec is the adaptive scale the flags ask for.
type AdaptiveSpec struct {
	Variable   string
	Min, Max   float64
	Fractional bool // a request rate: not whole numbers
	SLAs       []AdaptiveSLA
}

// AdaptiveSLA is METRIC:STAT:OP:VALUE.
type AdaptiveSLA struct {
	Metric, Stat, Op string
	Value            float64
}

// adaptiveMetrics are the metrics an SLA may name, by AIPerf's names and
// short names.
var adaptiveMetrics = map[string]string{"time_to_first_token": "time_to_first_token", "ttft": "time_to_first_token",
	"inter_token_latency": "inter_token_latency", "itl": "inter_token_latency", "request_latency": "request_latency",
	"error_rate": "error_rate", "success_rate": "success_rate", "cancellation_rate": "cancellation_rate",
	"request_throughput": "request_throughput", "output_token_throughput": "output_token_throughput"}

var adaptiveStats = []string{"avg", "min", "max", "p50", "p75", "p90", "p95", "p99"}

// Adaptive reads the adaptive-scale flags; ok is false without
// --adaptive-scale.
func (p *Profile) Adaptive() (spec AdaptiveSpec, ok bool, err error) {
	if !p.AdaptiveScale {
		return spec, false, nil
	}
	parts := strings.Split(p.AdaptiveControl, ":")
	lo, hi, found := strings.Cut(get(parts, 1), ",")
	if len(parts) < 2 || len(parts) > 3 || !found {
		return spec, true, fmt.Errorf("--adaptive-scale-control %q: VARIABLE:MIN,MAX[:int|float] (concurrency:1,64, request_rate:1,50)", p.AdaptiveControl)
	}
	spec.Variable, spec.Fractional = parts[0], parts[0] == "request_rate"
	if !slices.Contains([]string{"concurrency", "prefill_concurrency", "request_rate", "users"}, spec.Variable) {
		return spec, true, fmt.Errorf("--adaptive-scale-control: variable %q: concurrency, prefill_concurrency, request_rate or users", spec.Variable)
	}
	if t := get(parts, 2); t != "" && t != "int" && t != "float" || t == "float" && !spec.Fractional {
		return spec, true, fmt.Errorf("--adaptive-scale-control %q: the type is int (concurrency, prefill_concurrency) or float (request_rate)", p.AdaptiveControl)
	}
	var e1, e2 error
	spec.Min, e1 = strconv.ParseFloat(strings.TrimSpace(lo), 64)
	spec.Max, e2 = strconv.ParseFloat(strings.TrimSpace(hi), 64)
	whole := spec.Fractional || spec.Min == math.Trunc(spec.Min) && spec.Max == math.Trunc(spec.Max)
	if e1 != nil || e2 != nil || !(spec.Min > 0) || spec.Max < spec.Min || math.IsInf(spec.Max, 0) || !whole || !spec.Fractional && spec.Min < 1 {
		return spec, true, fmt.Errorf("--adaptive-scale-control %q: 0 < MIN ≤ MAX (whole numbers for a concurrency)", p.AdaptiveControl)
	}
	for _, s := range p.AdaptiveSLA {
		sla, err := parseAdaptiveSLA(s)
		if err != nil {
			return spec, true, fmt.Errorf("--adaptive-scale-sla %w", err)
		}
		spec.SLAs = append(spec.SLAs, sla)
	}
	if len(spec.SLAs) == 0 {
		return spec, true, fmt.Errorf("--adaptive-scale needs an SLA to judge its windows by: --adaptive-scale-sla request_latency:p95:le:30000")
	}
	return spec, true, nil
}

func get(xs []string, i int) string {
	if i < len(xs) {
		return xs[i]
	}
	return ""
}

func parseAdaptiveSLA(s string) (AdaptiveSLA, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 4 {
		return AdaptiveSLA{}, fmt.Errorf("%q is not METRIC:STAT:OP:VALUE (request_latency:p95:le:30000)", s)
	}
	m, ok := adaptiveMetrics[parts[0]]
	if !ok {
		return AdaptiveSLA{}, fmt.Errorf("%q: metric %q: one of time_to_first_token (ttft), inter_token_latency (itl), request_latency, error_rate, success_rate, cancellation_rate, request_throughput, output_token_throughput", s, parts[0])
	}
	if !slices.Contains(adaptiveStats, parts[1]) {
		return AdaptiveSLA{}, fmt.Errorf("%q: statistic %q: one of %s", s, parts[1], strings.Join(adaptiveStats, ", "))
	}
	if !slices.Contains([]string{"lt", "le", "gt", "ge"}, parts[2]) {
		return AdaptiveSLA{}, fmt.Errorf("%q: operator %q: lt, le, gt or ge", s, parts[2])
	}
	v, err := strconv.ParseFloat(parts[3], 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return AdaptiveSLA{}, fmt.Errorf("%q: threshold %q is not a number", s, parts[3])
	}
	return AdaptiveSLA{Metric: m, Stat: parts[1], Op: parts[2], Value: v}, nil
}

// checkAdaptive applies adaptive scale's rules.
func (p *Profile) checkAdaptive(add func(string, ...any)) {
	spec, ok, err := p.Adaptive()
	if !ok {
		return
	}
	if err != nil {
		add("%v", err)
		return
	}
	if p.AdaptivePeriod <= 0 || p.AdaptiveSustain < 0 || p.AdaptiveMinCompleted < 1 {
		add("--adaptive-scale-assessment-period must be positive, --adaptive-sustain-duration not negative, --adaptive-scale-min-completed-requests at least 1")
	}
	if p.AdaptiveStepPercent <= 0 || p.AdaptiveBaseStep < 1 || p.AdaptiveMaxStepMult < 1 {
		add("--adaptive-scale-step-percent must be positive, --adaptive-scale-base-step and --adaptive-scale-max-step-multiplier at least 1")
	}
	for _, s := range spec.SLAs {
		if (s.Metric == "time_to_first_token" || s.Metric == "inter_token_latency") && !p.Streaming {
			add("--adaptive-scale-sla %s needs --streaming: without it no answer has a first token", s.Metric)
		}
	}
	switch {
	case (p.UserCentricRate != nil) != (spec.Variable == "users"):
		add("--adaptive-scale-control users: the phase is user-centric (--user-centric-rate); its rate stays, the users move — and only users move in one")
	case p.FixedSchedule, p.SessionArrivalRate != nil:
		add("--adaptive-scale moves a concurrency, a request rate or the users: not a fixed schedule or a session rate")
	case spec.Variable == "request_rate" && p.RequestRate == nil:
		add("--adaptive-scale-control request_rate: the phase runs at a --request-rate (its arrival pattern; --concurrency stays its ceiling)")
	case spec.Variable == "concurrency" && p.ConcurrencyRamp != nil, spec.Variable == "prefill_concurrency" && p.PrefillConcurrencyRamp != nil,
		spec.Variable == "request_rate" && p.RequestRateRamp != nil:
		add("--adaptive-scale-control %s: a fixed ramp of the same variable cannot run beside it", spec.Variable)
	case spec.Variable == "prefill_concurrency" && !p.Streaming:
		add("--adaptive-scale-control prefill_concurrency needs --streaming (a prefill ends at the first token)")
	}
	if len(p.Phases) > 0 || p.Searching() {
		add("--adaptive-scale: a run of one profiling phase (no --phase, no search)")
	}
	if p.BenchmarkDuration == nil {
		add("--adaptive-scale needs --benchmark-duration: the windows are periods of the phase, which ends at the first of its duration and the sustain's end")
	}
}

// AdaptiveBlock is a phase's adaptive_scale block, as AIPerf reads it.
type AdaptiveBlock struct {
	Enabled bool `json:"enabled" yaml:"enabled"`
	Control struct {
		Variable string  `json:"variable" yaml:"variable"`
		Min      float64 `json:"min" yaml:"min"`
		Max      float64 `json:"max" yaml:"max"`
	} `json:"control" yaml:"control"`
	AssessmentPeriod     float64 `json:"assessment_period" yaml:"assessment_period"`
	MinCompletedRequests int     `json:"min_completed_requests" yaml:"min_completed_requests"`
	SustainDuration      float64 `json:"sustain_duration" yaml:"sustain_duration"`
	Strategy             struct {
		Type              string  `json:"type" yaml:"type"`
		StepPolicy        string  `json:"step_policy" yaml:"step_policy"`
		StepPercent       float64 `json:"step_percent" yaml:"step_percent"`
		BaseStep          int     `json:"base_step" yaml:"base_step"`
		MaxStepMultiplier float64 `json:"max_step_multiplier" yaml:"max_step_multiplier"`
	} `json:"strategy" yaml:"strategy"`
}

// adaptiveBlock is the profiling phase's adaptive_scale and sla blocks;
// nil without --adaptive-scale.
func (p *Profile) adaptiveBlock() (*AdaptiveBlock, map[string]map[string]map[string]float64) {
	spec, ok, err := p.Adaptive()
	if !ok || err != nil {
		return nil, nil // checked by Validate
	}
	b := &AdaptiveBlock{Enabled: true, AssessmentPeriod: p.AdaptivePeriod, MinCompletedRequests: p.AdaptiveMinCompleted,
		SustainDuration: p.AdaptiveSustain}
	b.Control.Variable, b.Control.Min, b.Control.Max = spec.Variable, spec.Min, spec.Max
	b.Strategy.Type, b.Strategy.StepPolicy, b.Strategy.StepPercent = "ramp_until_fail", p.AdaptiveStepPolicy, p.AdaptiveStepPercent
	b.Strategy.BaseStep, b.Strategy.MaxStepMultiplier = p.AdaptiveBaseStep, p.AdaptiveMaxStepMult
	sla := map[string]map[string]map[string]float64{}
	for _, s := range p.AdaptiveSLA {
		parts := strings.Split(s, ":") // checked: METRIC:STAT:OP:VALUE, the metric as the user named it
		v, _ := strconv.ParseFloat(parts[3], 64)
		if sla[parts[0]] == nil {
			sla[parts[0]] = map[string]map[string]float64{}
		}
		if sla[parts[0]][parts[1]] == nil {
			sla[parts[0]][parts[1]] = map[string]float64{}
		}
		sla[parts[0]][parts[1]][parts[2]] = v
	}
	return b, sla
}
