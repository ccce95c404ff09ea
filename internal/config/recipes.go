package config

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// AIPerf's search recipes: a name that expands into the flags of an
// optimizing search, a capacity search, or a grid of runs whose results a
// post-process reads (RecipeName, RecipeAxes).

// ExpandRecipe is p with --search-recipe expanded (p itself without one).
func (p *Profile) ExpandRecipe() (*Profile, error) {
	if p.SearchRecipe == "" {
		return p, nil
	}
	q := *p
	q.SearchRecipe, q.RecipeName = "", p.SearchRecipe
	if err := q.expand(p.SearchRecipe); err != nil {
		return nil, fmt.Errorf("--search-recipe %s: %w", p.SearchRecipe, err)
	}
	return &q, nil
}

func (q *Profile) expand(name string) error {
	lo, hi := 1, 1000
	if q.ConcurrencyMin != nil {
		lo = *q.ConcurrencyMin
	}
	if q.ConcurrencyMax != nil {
		hi = *q.ConcurrencyMax
	}
	switch name {
	case "max-throughput-ttft-sla":
		if q.TTFTSLA == nil {
			return fmt.Errorf("needs --ttft-sla-ms (the TTFT p95 bound)")
		}
		return q.bayesOverConcurrency(lo, hi, "output_token_throughput", true)
	case "max-throughput-itl-sla":
		if q.ITLSLA == nil && q.TPOTSLA == nil {
			return fmt.Errorf("needs --itl-sla-ms (or --tpot-sla-ms: the ITL p95 bound)")
		}
		return q.bayesOverConcurrency(lo, hi, "output_token_throughput", true)
	case "max-goodput-under-slo":
		if q.TTFTSLA == nil || (q.ITLSLA == nil && q.TPOTSLA == nil) || q.E2ESLA == nil {
			return fmt.Errorf("needs --ttft-sla-ms, --tpot-sla-ms and --e2e-sla-ms (a request is good when it meets all three)")
		}
		// The SLAs are per-request goodput thresholds here, and the
		// attainment the one constraint (DistServe's formulation).
		q.Goodput = goodputThresholds(q)
		q.SearchSLA = append(slices.Clone(q.SearchSLA), "good_request_fraction:avg:ge:"+strconv.FormatFloat(q.SLOAttainment, 'f', -1, 64))
		if err := q.bayesOverConcurrency(lo, hi, "goodput", true); err != nil {
			return err
		}
		q.TTFTSLA, q.ITLSLA, q.TPOTSLA, q.E2ESLA = nil, nil, nil, nil
		return nil
	case "max-concurrency-under-sla":
		return q.maxConcurrency(lo, hi)
	case "concurrency-ramp":
		q.grid(concurrencyRuns(lo, hi, q.stepsOr(8)))
	case "prefill-ttft-curve":
		if !q.Streaming {
			return fmt.Errorf("needs --streaming (TTFT is measured on streamed answers)")
		}
		var runs []recipeRun
		for _, isl := range LogSteps(q.ISLMin, q.ISLMax, q.ISLSteps) {
			runs = append(runs, recipeRun{fmt.Sprintf("isl_%d", isl), map[string]float64{"isl": float64(isl), "concurrency": 1}})
		}
		q.grid(runs)
	case "decode-itl-curve":
		if !q.Streaming {
			return fmt.Errorf("needs --streaming (ITL is measured on streamed answers)")
		}
		if q.ConcurrencyMax == nil {
			hi = 200
		}
		var runs []recipeRun
		for _, c := range LogSteps(lo, hi, q.stepsOr(6)) {
			for _, osl := range LogSteps(q.OSLMin, q.OSLMax, q.OSLSteps) {
				runs = append(runs, recipeRun{fmt.Sprintf("concurrency_%d_osl_%d", c, osl), map[string]float64{"concurrency": float64(c), "osl": float64(osl)}})
			}
		}
		q.grid(runs)
	case "pareto-sweep":
		return q.paretoSweep()
	}
	return nil
}

// bayesOverConcurrency is the Bayesian search over concurrency in [lo, hi]
// for the metric (30 iterations unless --search-max-iterations says).
func (q *Profile) bayesOverConcurrency(lo, hi int, metric string, maximize bool) error {
	if (q.TTFTSLA != nil || q.ITLSLA != nil || q.TPOTSLA != nil) && !q.Streaming {
		return fmt.Errorf("needs --streaming (its SLA is on TTFT or ITL)")
	}
	q.SearchSpace = []string{fmt.Sprintf("concurrency:%d,%d:int", lo, hi)}
	q.SearchMetric, q.SearchStat, q.SearchDirection = metric, "avg", "minimize"
	if maximize {
		q.SearchDirection = "maximize"
	}
	if !q.SearchMaxSet {
		q.SearchMaxProbes = 30
	}
	q.ConcurrencyMin, q.ConcurrencyMax = nil, nil
	return nil
}

// maxConcurrency is max-concurrency-under-sla in its --search-style.
func (q *Profile) maxConcurrency(lo, hi int) error {
	if !q.slaGiven() && len(q.SearchSLA) == 0 {
		return fmt.Errorf("needs an SLA: --ttft-sla-ms, --tpot-sla-ms, --e2e-sla-ms, --error-rate-sla or --search-sla")
	}
	switch q.SearchStyle {
	case "monotonic": // the bisecting capacity search
		if !q.slaGiven() {
			return fmt.Errorf("--search-style monotonic bisects on the SLA flags (--ttft-sla-ms, …); --search-sla needs bo, optuna or grid")
		}
		q.ConcurrencyMin, q.ConcurrencyMax = &lo, &hi
		return nil
	case "bo", "optuna":
		if q.SearchStyle == "optuna" {
			q.SearchPlanner = "optuna"
		}
		return q.bayesOverConcurrency(lo, hi, "output_token_throughput", true)
	case "grid":
		// The runs are plain runs; the SLAs, as --search-sla filters,
		// judge them afterwards (sla_breach.json).
		filters, err := q.SLAFilters()
		if err != nil {
			return err
		}
		q.SearchSLA = nil
		for _, f := range filters {
			q.SearchSLA = append(q.SearchSLA, fmt.Sprintf("%s:%s:%s:%s", f.Tag, f.Stat, f.Op, strconv.FormatFloat(f.Threshold, 'f', -1, 64)))
		}
		q.TTFTSLA, q.ITLSLA, q.TPOTSLA, q.E2ESLA, q.ErrorRateSLA = nil, nil, nil, nil, nil
		q.grid(concurrencyRuns(lo, hi, 8))
		return nil
	}
	return fmt.Errorf("--search-style %s is not offered: monotonic, bo, optuna or grid", q.SearchStyle)
}

// recipeRun is one run of a recipe's grid: its name and swept values.
type recipeRun struct {
	name   string
	values map[string]float64
}

// grid makes the runs a scenario sweep, their values kept for the
// post-process.
func (q *Profile) grid(runs []recipeRun) {
	q.RecipeAxes = map[string]map[string]float64{}
	q.SweepScenarios = nil
	flags := map[string]string{"concurrency": "concurrency", "isl": "prompt-input-tokens-mean", "osl": "prompt-output-tokens-mean"}
	for _, r := range runs {
		set := map[string]any{}
		for k, v := range r.values {
			set[flags[k]] = strconv.FormatFloat(v, 'f', -1, 64)
		}
		b, _ := json.Marshal(Scenario{Name: r.name, Flags: set})
		q.SweepScenarios = append(q.SweepScenarios, string(b))
		q.RecipeAxes[r.name] = r.values
	}
	q.ConcurrencyMin, q.ConcurrencyMax = nil, nil
	q.ConcurrencyList, q.Concurrency = nil, nil
}

func concurrencyRuns(lo, hi, n int) []recipeRun {
	var runs []recipeRun
	for _, c := range LogSteps(lo, hi, n) {
		runs = append(runs, recipeRun{fmt.Sprintf("concurrency_%d", c), map[string]float64{"concurrency": float64(c)}})
	}
	return runs
}

func (q *Profile) stepsOr(n int) int {
	if q.ConcurrencySteps > 0 {
		return q.ConcurrencySteps
	}
	return n
}

// paretoSweep runs every ISL/OSL pair at every concurrency (default 1, 4,
// 16, 64, 256), the pairs kept paired.
func (q *Profile) paretoSweep() error {
	if !q.Streaming {
		return fmt.Errorf("needs --streaming (its axes are TTFT and output throughput)")
	}
	pairs, err := ParsePairs(q.ISLOSLPairs)
	if err != nil || q.ISLOSLPairs == "" {
		return fmt.Errorf("needs --isl-osl-pairs ISL/OSL,ISL/OSL…")
	}
	conc := q.ConcurrencyList
	if len(conc) == 0 {
		conc = []int{1, 4, 16, 64, 256}
	}
	if len(pairs)*len(conc) < 2 {
		return fmt.Errorf("a Pareto sweep of one point is meaningless: give two pairs or two concurrencies")
	}
	var runs []recipeRun
	for _, pr := range pairs {
		for _, c := range conc {
			runs = append(runs, recipeRun{fmt.Sprintf("shape_%d_%d_c%d", pr[0], pr[1], c),
				map[string]float64{"isl": float64(pr[0]), "osl": float64(pr[1]), "concurrency": float64(c)}})
		}
	}
	q.ISLOSLPairs = ""
	q.grid(runs)
	return nil
}

// LogSteps is n whole numbers spread evenly on a log scale from lo to hi,
// both included, repeats dropped.
func LogSteps(lo, hi, n int) []int {
	if n < 2 || hi <= lo {
		return []int{lo}
	}
	var out []int
	for i := range n {
		v := int(math.Round(math.Exp(math.Log(float64(lo)) + float64(i)*(math.Log(float64(hi))-math.Log(float64(lo)))/float64(n-1))))
		if len(out) == 0 || v > out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out
}

// goodputThresholds are the SLA flags as --goodput's per-request
// thresholds.
func goodputThresholds(q *Profile) string {
	itl := q.ITLSLA
	if itl == nil {
		itl = q.TPOTSLA
	}
	return fmt.Sprintf("time_to_first_token:%s inter_token_latency:%s request_latency:%s", strconv.FormatFloat(*q.TTFTSLA, 'f', -1, 64),
		strconv.FormatFloat(*itl, 'f', -1, 64), strconv.FormatFloat(*q.E2ESLA, 'f', -1, 64))
}

// ParsePairs reads --isl-osl-pairs: "ISL:OSL,…" or AIPerf's "ISL/OSL,…".
func ParsePairs(s string) ([][2]int, error) {
	var out [][2]int
	seen := map[[2]int]bool{}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		sep := ":"
		if strings.Contains(item, "/") {
			sep = "/"
		}
		a, b, ok := strings.Cut(item, sep)
		isl, err1 := strconv.Atoi(strings.TrimSpace(a))
		osl, err2 := strconv.Atoi(strings.TrimSpace(b))
		if !ok || err1 != nil || err2 != nil || isl <= 0 || osl <= 0 {
			return nil, fmt.Errorf("--isl-osl-pairs %q: %q is not ISL:OSL (or ISL/OSL) with two positive whole numbers", s, item)
		}
		if seen[[2]int{isl, osl}] {
			return nil, fmt.Errorf("--isl-osl-pairs %q: %q twice", s, item)
		}
		seen[[2]int{isl, osl}] = true
		out = append(out, [2]int{isl, osl})
	}
	return out, nil
}

// checkRecipe applies the recipes' rules: exclusive with the search flags
// that define a search, and each recipe's own needs.
func (p *Profile) checkRecipe(add func(string, ...any)) {
	if p.SearchRecipe == "" {
		return
	}
	if len(p.SearchSpace) > 0 || p.SearchMetric != "" || p.SearchDirection != "" {
		add("--search-recipe %s defines the search: drop --search-space, --search-metric and --search-direction", p.SearchRecipe)
	}
	if len(p.RequestRateList) > 1 || len(p.UserCentricRateList) > 1 || p.HasScenarios() || (len(p.ConcurrencyList) > 1 && p.SearchRecipe != "pareto-sweep") {
		add("--search-recipe %s sets the runs: no list of values or scenarios beside it (pareto-sweep takes a --concurrency list)", p.SearchRecipe)
	}
	if p.ISLOSLPairs != "" && p.SearchRecipe != "pareto-sweep" {
		add("--isl-osl-pairs with --search-recipe is pareto-sweep's")
	}
	if p.DegradationThreshold <= 0 || p.DegradationThreshold >= 1 {
		add("--degradation-threshold is a fraction between 0 and 1, got %v", p.DegradationThreshold)
	}
	for _, r := range []struct {
		name   string
		lo, hi int
		steps  int
	}{{"isl", p.ISLMin, p.ISLMax, p.ISLSteps}, {"osl", p.OSLMin, p.OSLMax, p.OSLSteps}} {
		if r.lo < 1 || r.hi <= r.lo || r.steps < 2 {
			add("--%s-min %d, --%s-max %d, --%s-steps %d: 1 ≤ min < max, at least 2 steps", r.name, r.lo, r.name, r.hi, r.name, r.steps)
		}
	}
	if p.ConcurrencySteps == 1 || p.ConcurrencySteps < 0 {
		add("--concurrency-steps must be at least 2, got %d", p.ConcurrencySteps)
	}
	q, err := p.ExpandRecipe()
	if err != nil {
		add("%v", err)
		return
	}
	if q.Optimizing() {
		q.checkOptimize(add)
	}
}
