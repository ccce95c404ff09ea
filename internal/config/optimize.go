package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Optimizing reports an optimizing search (--search-space): a planner
// proposes each run's point.
func (p *Profile) Optimizing() bool { return len(p.SearchSpace) > 0 }

// SearchDim is one dimension of an optimizing search: the path as given,
// the flag it sets, its bounds and whether it takes whole numbers.
type SearchDim struct {
	Path, Flag string
	Lo, Hi     float64
	Int        bool
}

// SearchDims reads --search-space (AIPerf's PATH:LO,HI[:KIND]).
func (p *Profile) SearchDims() ([]SearchDim, error) {
	var out []SearchDim
	for _, s := range p.SearchSpace {
		path, rest, ok := strings.Cut(s, ":")
		bounds, kind, _ := strings.Cut(rest, ":")
		los, his, ok2 := strings.Cut(bounds, ",")
		lo, err1 := strconv.ParseFloat(strings.TrimSpace(los), 64)
		hi, err2 := strconv.ParseFloat(strings.TrimSpace(his), 64)
		if !ok || !ok2 || err1 != nil || err2 != nil || !(lo < hi) || !finite(lo) || !finite(hi) {
			return nil, fmt.Errorf("--search-space %q: PATH:LO,HI[:KIND] with LO < HI (e.g. concurrency:1,1000:int)", s)
		}
		if kind != "" && kind != "int" && kind != "real" {
			return nil, fmt.Errorf("--search-space %q: kind %q is int or real", s, kind)
		}
		flag, err := searchFlag(strings.TrimSpace(path))
		if err != nil {
			return nil, fmt.Errorf("--search-space %q: %v", s, err)
		}
		out = append(out, SearchDim{Path: strings.TrimSpace(path), Flag: flag, Lo: lo, Hi: hi, Int: kind == "int"})
	}
	return out, nil
}

func finite(x float64) bool { return x == x && x-x == 0 }

// searchFlag is the flag a search path sets: AIPerf's bare phase fields
// and their phases.profiling.<field> form, the dataset's lengths, or any
// of sonde's flags by name.
func searchFlag(path string) (string, error) {
	bare := strings.TrimPrefix(strings.TrimPrefix(path, "phases.profiling."), "benchmark.")
	aliases := map[string]string{"rate": "request-rate", "request_rate": "request-rate", "requests": "request-count",
		"duration": "benchmark-duration", "sessions": "conversation-num", "smoothness": "arrival-smoothness",
		"prefill_concurrency": "prefill-concurrency", "concurrency": "concurrency", "isl": "prompt-input-tokens-mean",
		"osl": "prompt-output-tokens-mean", "dataset.prompts.isl": "prompt-input-tokens-mean", "dataset.prompts.osl": "prompt-output-tokens-mean"}
	if f, ok := aliases[bare]; ok {
		return f, nil
	}
	name := strings.ReplaceAll(bare, "_", "-")
	if f, ok := FlagNames()[name]; ok && !slices.Contains([]string{"search-space", "config", "sweep-scenario"}, f.name) {
		return f.name, nil
	}
	return "", fmt.Errorf("%q is no field sonde searches: a flag name (concurrency, request-rate, isl, …) or AIPerf's phase fields (rate, requests, smoothness, phases.profiling.<field>)", path)
}

// SLAFilter is one constraint of an optimizing search: the metric's
// statistic compared with a threshold.
type SLAFilter struct {
	Tag       string  `json:"metric_tag"`
	Stat      string  `json:"stat"`
	Op        string  `json:"op"`
	Threshold float64 `json:"threshold"`
}

// Violation is AIPerf's signed violation: ≤ 0 when observed meets it.
func (f SLAFilter) Violation(observed float64) float64 {
	v := observed - f.Threshold
	if f.Op == "gt" || f.Op == "ge" {
		v = -v
	}
	if (f.Op == "lt" || f.Op == "gt") && v == 0 {
		return 1e-12 // a strict bound: equal misses it
	}
	return v
}

// SLAFilters are the search's constraints: --ttft-sla-ms (TTFT p95 <),
// --itl-sla-ms/--tpot-sla-ms (ITL p95 <), --e2e-sla-ms (latency p99 <),
// --error-rate-sla (error rate <, a fraction made percentage points),
// then each --search-sla, as AIPerf composes them.
func (p *Profile) SLAFilters() ([]SLAFilter, error) {
	var out []SLAFilter
	add := func(tag, stat string, v *float64, scale float64) {
		if v != nil {
			out = append(out, SLAFilter{tag, stat, "lt", *v * scale})
		}
	}
	add("time_to_first_token", "p95", p.TTFTSLA, 1)
	itl := p.ITLSLA
	if itl == nil {
		itl = p.TPOTSLA
	}
	add("inter_token_latency", "p95", itl, 1)
	add("request_latency", "p99", p.E2ESLA, 1)
	add("request_error_rate", "avg", p.ErrorRateSLA, 100)
	for _, s := range p.SearchSLA {
		parts := strings.Split(s, ":")
		if len(parts) != 4 {
			return nil, fmt.Errorf("--search-sla %q: TAG:STAT:OP:THRESHOLD (time_to_first_token:p95:lt:200)", s)
		}
		th, err := strconv.ParseFloat(parts[3], 64)
		switch {
		case err != nil || !finite(th):
			return nil, fmt.Errorf("--search-sla %q: the threshold %q is not a number", s, parts[3])
		case !slices.Contains([]string{"avg", "p50", "p90", "p95", "p99"}, parts[1]):
			return nil, fmt.Errorf("--search-sla %q: stat %q is avg, p50, p90, p95 or p99", s, parts[1])
		case !slices.Contains([]string{"lt", "le", "gt", "ge"}, parts[2]):
			return nil, fmt.Errorf("--search-sla %q: op %q is lt, le, gt or ge", s, parts[2])
		}
		out = append(out, SLAFilter{parts[0], parts[1], parts[2], th})
	}
	return out, nil
}

// checkOptimize applies an optimizing search's rules (AIPerf's).
func (p *Profile) checkOptimize(add func(string, ...any)) {
	dims, err := p.SearchDims()
	if err != nil {
		add("%v", err)
	}
	if _, err := p.SLAFilters(); err != nil {
		add("%v", err)
	}
	if _, err := p.SLATiers(); err != nil {
		add("%v", err)
	}
	switch {
	case p.SearchPlanner == "monotonic_sla":
		if len(dims) != 1 || !slices.Contains([]string{"concurrency", "request-rate", "user-centric-rate"}, dims[0].Flag) {
			add("--search-planner monotonic_sla bisects one load dimension: --search-space concurrency, request-rate or user-centric-rate")
		}
		if !p.slaGiven() {
			add("--search-planner monotonic_sla needs an SLA: --ttft-sla-ms, --itl-sla-ms, --e2e-sla-ms or --error-rate-sla")
		}
		return
	case p.SearchMetric == "" || p.SearchDirection == "":
		add("--search-space needs --search-metric and --search-direction (maximize or minimize)")
	case p.SearchInitialPoints < 1 || p.SearchInitialPoints >= p.SearchMaxProbes:
		add("--search-initial-points %d: at least 1 and fewer than --search-max-iterations (%d)", p.SearchInitialPoints, p.SearchMaxProbes)
	case slices.Contains([]string{"qehvi", "qnehvi", "qlognehvi"}, p.OptunaAcquisition):
		add("--optuna-acquisition %s maximizes a hypervolume of several objectives; the command line gives one (--search-metric): use qlognei", p.OptunaAcquisition)
	case p.SearchPooling == "pooled" && p.ExportLevel == "summary":
		add("--search-percentile-pooling pooled reads each run's requests: --export-level records")
	}
	if p.SearchMaxProbes < 2 || p.SearchMaxProbes > 200 {
		add("--search-max-iterations must be between 2 and 200, got %d", p.SearchMaxProbes)
	}
	if len(p.ConcurrencyList) > 1 || len(p.RequestRateList) > 1 || len(p.UserCentricRateList) > 1 || p.ISLOSLPairs != "" || p.HasScenarios() {
		add("--search-space cannot be combined with a sweep (a list of values, --isl-osl-pairs, scenarios)")
	}
	if p.ConvergenceMetric != "" {
		add("--search-space cannot be combined with --convergence-metric (as in AIPerf)")
	}
	if p.ConcurrencyMin != nil || p.ConcurrencyMax != nil || p.RequestRateMin != nil || p.RequestRateMax != nil || p.UserCentricRateMin != nil || p.UserCentricRateMax != nil {
		add("--search-space gives the range: drop --concurrency-min/-max and the rate ranges")
	}
}

// AsCapacitySearch is an optimizing search with --search-planner
// monotonic_sla as the bisecting capacity search over its one dimension.
func (p *Profile) AsCapacitySearch() *Profile {
	q := *p
	dims, _ := p.SearchDims()
	lo, hi := dims[0].Lo, dims[0].Hi
	switch dims[0].Flag {
	case "concurrency":
		l, h := int(lo), int(hi)
		q.ConcurrencyMin, q.ConcurrencyMax = &l, &h
	case "request-rate":
		q.RequestRateMin, q.RequestRateMax = &lo, &hi
	default:
		q.UserCentricRateMin, q.UserCentricRateMax = &lo, &hi
	}
	q.SearchSpace = nil
	return &q
}

// SLATier is one tier of --search-sla-tier: a label and its filters.
type SLATier struct {
	Label   string      `json:"label"`
	Filters []SLAFilter `json:"sla_filters"`
}

// SLATiers reads --search-sla-tier: "[LABEL:]TAG:STAT:OP:THRESHOLD,…"
// (unlabelled: tier_1, tier_2, …); 2 to 10 of them.
func (p *Profile) SLATiers() ([]SLATier, error) {
	if len(p.SearchSLATiers) == 0 {
		return nil, nil
	}
	if n := len(p.SearchSLATiers); n < 2 || n > 10 {
		return nil, fmt.Errorf("--search-sla-tier: 2 to 10 tiers, got %d", n)
	}
	var out []SLATier
	for i, s := range p.SearchSLATiers {
		t := SLATier{Label: fmt.Sprintf("tier_%d", i+1)}
		for k, item := range strings.Split(s, ",") {
			parts := strings.Split(strings.TrimSpace(item), ":")
			if k == 0 && len(parts) == 5 {
				t.Label, parts = parts[0], parts[1:]
			}
			q := Profile{SearchSLA: []string{strings.Join(parts, ":")}}
			fs, err := q.SLAFilters()
			if err != nil {
				return nil, fmt.Errorf("--search-sla-tier %q: %v", s, strings.TrimPrefix(err.Error(), "--search-sla "))
			}
			t.Filters = append(t.Filters, fs...)
		}
		out = append(out, t)
	}
	return out, nil
}
