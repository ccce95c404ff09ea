package config

import (
	"errors"
	"fmt"
	"strings"
)

// Searching reports whether the flags ask for a capacity search: a range
// or an SLA.
func (p *Profile) Searching() bool {
	return p.ConcurrencyMin != nil || p.ConcurrencyMax != nil || p.RequestRateMin != nil || p.RequestRateMax != nil ||
		p.UserCentricRateMin != nil || p.UserCentricRateMax != nil || p.slaGiven()
}

func (p *Profile) slaGiven() bool {
	return p.TTFTSLA != nil || p.ITLSLA != nil || p.TPOTSLA != nil || p.E2ESLA != nil || p.ErrorRateSLA != nil
}

// SearchRange is a capacity search's range: the parameter's name
// (concurrency, request_rate, user_centric_rate) and its ends.
type SearchRange struct {
	Name   string
	Lo, Hi float64
}

// SearchRange reads the one range a capacity search takes.
func (p *Profile) SearchRange() (SearchRange, error) {
	var found []SearchRange
	add := func(name, flag string, lo, hi *float64) error {
		if lo == nil && hi == nil {
			return nil
		}
		if lo == nil || hi == nil {
			return fmt.Errorf("a %s search needs both --%s-min and --%s-max", strings.ReplaceAll(name, "_", " "), flag, flag)
		}
		found = append(found, SearchRange{name, *lo, *hi})
		return nil
	}
	var clo, chi *float64
	if p.ConcurrencyMin != nil {
		x := float64(*p.ConcurrencyMin)
		clo = &x
	}
	if p.ConcurrencyMax != nil {
		x := float64(*p.ConcurrencyMax)
		chi = &x
	}
	for _, r := range []struct {
		name, flag string
		lo, hi     *float64
	}{{"concurrency", "concurrency", clo, chi}, {"request_rate", "request-rate", p.RequestRateMin, p.RequestRateMax},
		{"user_centric_rate", "user-centric-rate", p.UserCentricRateMin, p.UserCentricRateMax}} {
		if err := add(r.name, r.flag, r.lo, r.hi); err != nil {
			return SearchRange{}, err
		}
	}
	switch {
	case len(found) == 0:
		return SearchRange{}, errors.New("an SLA flag starts a capacity search, which needs a range: --concurrency-min/-max, --request-rate-min/-max or --user-centric-rate-min/-max")
	case len(found) > 1:
		return SearchRange{}, errors.New("a capacity search takes one range: concurrency, request rate or user-centric rate")
	}
	r := found[0]
	if r.Lo <= 0 || r.Hi < r.Lo {
		return r, fmt.Errorf("the %s search range must be positive with min ≤ max, got %v to %v", r.Name, r.Lo, r.Hi)
	}
	return r, nil
}

// checkStudy applies the rules of the study flags: repeated runs,
// convergence, and the capacity search.
func (p *Profile) checkStudy(add func(string, ...any)) {
	if p.NumProfileRuns < 1 || p.NumProfileRuns > 10 {
		add("--num-profile-runs must be between 1 and 10, got %d", p.NumProfileRuns)
	}
	if p.ConfidenceLevel <= 0 || p.ConfidenceLevel >= 1 {
		add("--confidence-level must be between 0 and 1 (exclusive), got %v", p.ConfidenceLevel)
	}
	if p.SweepCooldown < 0 || p.RunCooldown < 0 {
		add("--parameter-sweep-cooldown-seconds and --profile-run-cooldown-seconds must not be negative")
	}
	if p.ConvergenceThreshold <= 0 {
		add("--convergence-threshold must be positive, got %v", p.ConvergenceThreshold)
	}
	if p.AB {
		p.checkAB(add)
	}
	if len(p.SearchSLATiers) > 0 && !p.Optimizing() && p.SearchRecipe == "" {
		add("--search-sla-tier groups an optimizing search's points by SLA tier: give --search-space (or a Bayesian --search-recipe)")
	}
	if p.ConvergenceMode == "distribution" && p.ConvergenceMetric != "" && p.ExportLevel == "summary" {
		add("--convergence-mode distribution compares the runs' requests: --export-level records")
	}
	if p.ConvergenceMetric != "" && p.NumProfileRuns < 3 {
		add("--convergence-metric needs --num-profile-runs of at least 3 (it judges after 3 runs)")
	}
	switch {
	case p.SearchRecipe != "":
		p.checkRecipe(add)
	case p.Optimizing():
		p.checkOptimize(add)
	case p.Searching():
		p.checkSearch(add)
	}
	if p.SweepType == "zip" {
		p.checkZip(add)
	}
	if p.TPOTSLA != nil && p.ITLSLA != nil && *p.TPOTSLA != *p.ITLSLA {
		add("--tpot-sla-ms %g and --itl-sla-ms %g: TPOT and ITL are one metric; give one", *p.TPOTSLA, *p.ITLSLA)
	}
}

// checkZip: zipped lists pair element by element, so they are as long as
// each other.
func (p *Profile) checkZip(add func(string, ...any)) {
	var lens []string
	n := -1
	same := true
	for _, l := range []struct {
		flag string
		n    int
	}{{"--concurrency", len(p.ConcurrencyList)}, {"--request-rate", len(p.RequestRateList)}, {"--user-centric-rate", len(p.UserCentricRateList)},
		{"--isl-osl-pairs", pairCount(p.ISLOSLPairs)}} {
		if l.n < 2 {
			continue
		}
		if n >= 0 && l.n != n {
			same = false
		}
		n = l.n
		lens = append(lens, fmt.Sprintf("%s %d", l.flag, l.n))
	}
	if !same {
		add("--sweep-type zip pairs the lists element by element; they must be as long as each other (%s)", strings.Join(lens, ", "))
	}
}

// pairCount is the number of --isl-osl-pairs items.
func pairCount(s string) int {
	if strings.TrimSpace(s) == "" {
		return 0
	}
	return strings.Count(s, ",") + 1
}

// checkSearch applies the capacity search's rules.
func (p *Profile) checkSearch(add func(string, ...any)) {
	if _, err := p.SearchRange(); err != nil {
		add("%v", err)
		return
	}
	if !p.slaGiven() {
		add("a search range needs an SLA to search against: --ttft-sla-ms, --itl-sla-ms, --e2e-sla-ms or --error-rate-sla")
	}
	if (p.TTFTSLA != nil || p.ITLSLA != nil) && !p.Streaming {
		add("--ttft-sla-ms and --itl-sla-ms need --streaming")
	}
	for _, f := range []struct {
		name string
		v    *float64
	}{{"--ttft-sla-ms", p.TTFTSLA}, {"--itl-sla-ms", p.ITLSLA}, {"--e2e-sla-ms", p.E2ESLA}} {
		if f.v != nil && *f.v <= 0 {
			add("%s must be positive, got %v", f.name, *f.v)
		}
	}
	if p.ErrorRateSLA != nil && (*p.ErrorRateSLA < 0 || *p.ErrorRateSLA > 1) {
		add("--error-rate-sla is a fraction between 0 and 1, got %v", *p.ErrorRateSLA)
	}
	if p.SLOAttainment <= 0 || p.SLOAttainment > 1 {
		add("--slo-attainment-fraction must be in (0, 1], got %v", p.SLOAttainment)
	}
	if p.Goodput != "" {
		add("--goodput cannot be combined with a capacity search: the SLA flags set the thresholds")
	}
	if p.SearchMaxProbes < 2 || p.SearchMaxProbes > 200 {
		add("--search-max-iterations must be between 2 and 200, got %d", p.SearchMaxProbes)
	}
	if len(p.ConcurrencyList) > 1 || len(p.RequestRateList) > 1 || len(p.UserCentricRateList) > 1 || p.ISLOSLPairs != "" || p.NumProfileRuns > 1 {
		add("a capacity search cannot be combined with a sweep or --num-profile-runs")
	}
}

// CheckStudy applies the study flags' rules alone (Validate applies them
// with every other rule): a study checks them before its first run.
func (p *Profile) CheckStudy() error {
	var errs []error
	p.checkStudy(func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) })
	return errors.Join(errs...)
}

// WithoutSearch is a copy of p with the searches' flags cleared: one probe
// of the search, a run of its own.
func (p *Profile) WithoutSearch() *Profile {
	q := *p
	q.ConcurrencyMin, q.ConcurrencyMax, q.RequestRateMin, q.RequestRateMax, q.UserCentricRateMin, q.UserCentricRateMax = nil, nil, nil, nil, nil, nil
	q.TTFTSLA, q.ITLSLA, q.E2ESLA, q.ErrorRateSLA = nil, nil, nil, nil
	q.SearchSpace, q.SearchSLA, q.SearchSLATiers, q.SearchRecipe = nil, nil, nil, ""
	return &q
}

// checkAB applies sonde ab's rules: two servers, a plain run as each block.
func (p *Profile) checkAB(add func(string, ...any)) {
	switch {
	case len(p.URL) != 2:
		add("sonde ab compares two servers: --url A --url B (got %d URLs)", len(p.URL))
	case p.ABBlocks < 2 || p.ABBlocks > 200:
		add("--ab-blocks must be between 2 and 200, got %d", p.ABBlocks)
	case !(p.ABEffect > 0 && p.ABEffect < 1):
		add("--ab-effect is a fraction between 0 and 1, got %v", p.ABEffect)
	case p.ResolveLists() || p.NumProfileRuns > 1 || p.Searching() || p.Optimizing() || p.SearchRecipe != "":
		add("sonde ab runs blocks of one run each: no sweep, search or --num-profile-runs beside it")
	}
}
