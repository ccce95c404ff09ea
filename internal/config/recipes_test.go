package config

import (
	"slices"
	"strings"
	"testing"
)

// searchBase is a valid profile with the search flags' defaults.
func searchBase() Profile {
	p := valid()
	p.SearchStat, p.SearchPlanner, p.OptunaSampler, p.SearchPooling, p.OptunaTerminator = "avg", "bayesian", "botorch", "mean", "none"
	p.SearchInitialPoints, p.SearchStyle, p.DegradationThreshold, p.DegradationTag, p.DegradationStat = 5, "monotonic", 0.2, "request_latency", "p99"
	p.ISLMin, p.ISLMax, p.ISLSteps, p.OSLMin, p.OSLMax, p.OSLSteps = 256, 32768, 8, 64, 1024, 4
	p.Streaming = true
	return p
}

// Every recipe expands into the search or the grid AIPerf's does.
func TestExpandRecipes(t *testing.T) {
	for _, c := range []struct {
		recipe string
		set    func(p *Profile)
		check  func(q *Profile) bool
	}{
		{"max-throughput-ttft-sla", func(p *Profile) { p.TTFTSLA = ptr(200.0) }, func(q *Profile) bool {
			return slices.Equal(q.SearchSpace, []string{"concurrency:1,1000:int"}) && q.SearchMetric == "output_token_throughput" && q.SearchMaxProbes == 30
		}},
		{"max-throughput-itl-sla", func(p *Profile) { p.TPOTSLA = ptr(20.0); p.SearchMaxProbes, p.SearchMaxSet = 9, true }, func(q *Profile) bool {
			return q.SearchMaxProbes == 9 && q.Optimizing()
		}},
		{"max-goodput-under-slo", func(p *Profile) { p.TTFTSLA, p.ITLSLA, p.E2ESLA = ptr(500.0), ptr(15.0), ptr(2000.0) }, func(q *Profile) bool {
			return q.SearchMetric == "goodput" && strings.Contains(q.Goodput, "request_latency:2000") && q.TTFTSLA == nil &&
				slices.Contains(q.SearchSLA, "good_request_fraction:avg:ge:0.95")
		}},
		{"max-concurrency-under-sla", func(p *Profile) { p.TTFTSLA = ptr(200.0) }, func(q *Profile) bool {
			return *q.ConcurrencyMin == 1 && *q.ConcurrencyMax == 1000 && q.Searching() && !q.Optimizing()
		}},
		{"max-concurrency-under-sla", func(p *Profile) { p.E2ESLA, p.SearchStyle = ptr(900.0), "optuna" }, func(q *Profile) bool {
			return q.SearchPlanner == "optuna" && q.Optimizing()
		}},
		{"max-concurrency-under-sla", func(p *Profile) { p.ErrorRateSLA, p.SearchStyle = ptr(0.01), "grid" }, func(q *Profile) bool {
			return len(q.SweepScenarios) == 8 && slices.Equal(q.SearchSLA, []string{"request_error_rate:avg:lt:1"}) && q.ErrorRateSLA == nil
		}},
		{"concurrency-ramp", func(p *Profile) { p.ConcurrencyMax, p.ConcurrencySteps = ptr(64), 4 }, func(q *Profile) bool {
			return len(q.SweepScenarios) == 4 && q.RecipeAxes["concurrency_64"]["concurrency"] == 64
		}},
		{"prefill-ttft-curve", func(p *Profile) {}, func(q *Profile) bool {
			return len(q.SweepScenarios) == 8 && q.RecipeAxes["isl_32768"]["concurrency"] == 1
		}},
		{"decode-itl-curve", func(p *Profile) {}, func(q *Profile) bool { return len(q.SweepScenarios) == 6*4 }},
		{"pareto-sweep", func(p *Profile) { p.ISLOSLPairs = "128/128, 512:256" }, func(q *Profile) bool {
			return len(q.SweepScenarios) == 10 && q.RecipeAxes["shape_512_256_c64"]["osl"] == 256 && q.ISLOSLPairs == ""
		}},
	} {
		p := searchBase()
		p.SearchRecipe = c.recipe
		c.set(&p)
		if errs := p.Validate(); len(errs) > 0 {
			t.Errorf("%s: %v", c.recipe, errs)
			continue
		}
		q, err := p.ExpandRecipe()
		if err != nil || q.RecipeName != c.recipe || q.SearchRecipe != "" || !c.check(q) {
			t.Errorf("%s: %+v %v", c.recipe, q, err)
		}
	}
	if q, _ := (&Profile{}).ExpandRecipe(); q.RecipeName != "" {
		t.Error("no recipe")
	}
}

func TestRecipeRules(t *testing.T) {
	for _, c := range []struct {
		set  func(p *Profile)
		want string
	}{
		{func(p *Profile) { p.SearchRecipe = "max-throughput-itl-sla" }, "needs --itl-sla-ms"},
		{func(p *Profile) { p.SearchRecipe = "max-goodput-under-slo"; p.TTFTSLA = ptr(1.0) }, "needs --ttft-sla-ms, --tpot-sla-ms and --e2e-sla-ms"},
		{func(p *Profile) { p.SearchRecipe, p.Streaming, p.TTFTSLA = "max-throughput-ttft-sla", false, ptr(1.0) }, "needs --streaming"},
		{func(p *Profile) { p.SearchRecipe = "max-concurrency-under-sla" }, "needs an SLA"},
		{func(p *Profile) { p.SearchRecipe, p.SearchSLA = "max-concurrency-under-sla", []string{"x:p95:lt:1"} }, "--search-style monotonic bisects"},
		{func(p *Profile) { p.SearchRecipe, p.Streaming = "decode-itl-curve", false }, "needs --streaming"},
		{func(p *Profile) { p.SearchRecipe = "pareto-sweep" }, "needs --isl-osl-pairs"},
		{func(p *Profile) { p.SearchRecipe, p.ISLOSLPairs = "pareto-sweep", "1/1,1/1" }, "needs --isl-osl-pairs"},
		{func(p *Profile) { p.SearchRecipe, p.ISLMin = "prefill-ttft-curve", 0 }, "--isl-min 0"},
		{func(p *Profile) { p.SearchRecipe, p.ConcurrencySteps = "concurrency-ramp", 1 }, "--concurrency-steps must be at least 2"},
		{func(p *Profile) { p.SearchRecipe, p.RequestRateList = "concurrency-ramp", []float64{1, 2} }, "sets the runs"},
		{func(p *Profile) { p.SearchRecipe, p.ISLOSLPairs = "concurrency-ramp", "1:1" }, "pareto-sweep's"},
	} {
		p := searchBase()
		c.set(&p)
		if err := Join(p.Validate()); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want %q, got %v", c.want, err)
		}
	}
}

// Search dimensions by flag or AIPerf path; SLA filters from the flags and
// --search-sla; tiers.
func TestSearchFlagsParse(t *testing.T) {
	p := searchBase()
	p.SearchSpace = []string{"phases.profiling.rate:0.5,20", "isl:64,4096:int", "prefill_concurrency:1,8:int"}
	dims, err := p.SearchDims()
	if err != nil || dims[0].Flag != "request-rate" || dims[0].Int || dims[1].Flag != "prompt-input-tokens-mean" || dims[2].Flag != "prefill-concurrency" {
		t.Fatalf("%+v %v", dims, err)
	}
	p.TTFTSLA, p.ITLSLA, p.E2ESLA, p.ErrorRateSLA = ptr(200.0), ptr(20.0), ptr(2000.0), ptr(0.05)
	p.SearchSLA = []string{"goodput:avg:ge:3"}
	fs, err := p.SLAFilters()
	if err != nil || len(fs) != 5 || fs[3].Threshold != 5 || fs[4].Op != "ge" {
		t.Fatalf("%+v %v", fs, err)
	}
	if fs[4].Violation(3) != 0 || fs[4].Violation(4) != -1 || fs[0].Violation(200) <= 0 || fs[0].Violation(150) != -50 {
		t.Error("violations: ≤ 0 holds; strict bounds miss at equality")
	}
	for _, bad := range []string{"x:p95:lt", "x:p42:lt:1", "x:p95:eq:1", "x:p95:lt:many"} {
		q := Profile{SearchSLA: []string{bad}}
		if _, err := q.SLAFilters(); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	p.SearchSLATiers = []string{"gold:time_to_first_token:p95:lt:100,goodput:avg:gt:5", "time_to_first_token:p95:lt:500"}
	tiers, err := p.SLATiers()
	if err != nil || tiers[0].Label != "gold" || len(tiers[0].Filters) != 2 || tiers[1].Label != "tier_2" {
		t.Fatalf("%+v %v", tiers, err)
	}
	p.SearchSLATiers = []string{"a:x:p95:lt:1", "b:x:p95"}
	if _, err := p.SLATiers(); err == nil {
		t.Error("a bad tier filter")
	}
	q := searchBase()
	q.SearchSpace, q.SearchPlanner, q.TTFTSLA = []string{"request-rate:1,9"}, "monotonic_sla", ptr(1.0)
	c := q.AsCapacitySearch()
	if *c.RequestRateMin != 1 || *c.RequestRateMax != 9 || c.Optimizing() {
		t.Errorf("%+v", c)
	}
	if got := LogSteps(1, 1000, 4); !slices.Equal(got, []int{1, 10, 100, 1000}) {
		t.Errorf("LogSteps %v", got)
	}
	if got := LogSteps(1, 3, 8); !slices.Equal(got, []int{1, 2, 3}) || len(LogSteps(5, 5, 3)) != 1 {
		t.Errorf("LogSteps %v", got)
	}
}

func TestOptimizeRules(t *testing.T) {
	for _, c := range []struct {
		set  func(p *Profile)
		want string
	}{
		{func(p *Profile) { p.SearchSpace = []string{"concurrency:1,8"} }, "needs --search-metric"},
		{func(p *Profile) {
			p.SearchSpace, p.SearchMetric, p.SearchDirection = []string{"concurrency:1,8"}, "x", "maximize"
			p.SearchPooling, p.ExportLevel = "pooled", "summary"
		}, "--export-level records"},
		{func(p *Profile) {
			p.SearchSpace, p.SearchMetric, p.SearchDirection = []string{"concurrency:1,8"}, "x", "maximize"
			p.ConvergenceMetric = "x"
		}, "--convergence-metric"},
		{func(p *Profile) {
			p.SearchSpace, p.SearchMetric, p.SearchDirection, p.ConcurrencyMin = []string{"concurrency:1,8"}, "x", "maximize", ptr(2)
		}, "drop --concurrency-min"},
		{func(p *Profile) { p.SearchSpace, p.SearchPlanner = []string{"concurrency:1,8"}, "monotonic_sla" }, "needs an SLA"},
		{func(p *Profile) {
			p.SearchSpace, p.SearchMetric, p.SearchDirection = []string{"concurrency:1,8:int", "concurrency:1,x"}, "x", "maximize"
		}, "LO < HI"},
		{func(p *Profile) {
			p.Variants = []string{"a: isl=1", "b: isl=2"}
			p.SweepScenarios = []string{`{"name":"c","flags":{}}`}
		}, "two forms of one sweep"},
		{func(p *Profile) { p.Variants = []string{"a b: isl=1", "c: isl=2"} }, "a name without spaces"},
	} {
		p := searchBase()
		c.set(&p)
		if err := Join(p.Validate()); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want %q, got %v", c.want, err)
		}
	}
}
