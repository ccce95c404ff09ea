package study

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/optimize"
)

// history is search_history.json, in AIPerf's documented schema (with
// sonde's artifact_dir and sla_values beside each iteration).
type history struct {
	Config     historyConfig `json:"config"`
	Iterations []iteration   `json:"iterations"`
	Best       []bestTrial   `json:"best_trials"`
	Recipe     *string       `json:"recipe"`
	// BestByTier is each --search-sla-tier's best point (null: none met
	// it), by label.
	BestByTier map[string]*int `json:"best_by_tier,omitempty"`
	Reason     *string         `json:"convergence_reason"`
	Boundary   *boundary       `json:"boundary_summary"`
}

type historyConfig struct {
	Planner     string             `json:"planner"`
	Sampler     string             `json:"sampler"`
	Objectives  []objective        `json:"objectives"`
	Outcome     []any              `json:"outcome_constraints"`
	MaxIter     int                `json:"max_iterations"`
	Initial     int                `json:"n_initial_points"`
	Seed        int64              `json:"random_seed"`
	Patience    int                `json:"improvement_patience"`
	Window      int                `json:"plateau_window"`
	Threshold   float64            `json:"plateau_threshold"`
	SearchSpace []spaceDim         `json:"search_space"`
	SLAFilters  []config.SLAFilter `json:"sla_filters"`
	SLATiers    []config.SLATier   `json:"sla_tiers,omitempty"`
}

type objective struct {
	Metric    string   `json:"metric"`
	Stat      string   `json:"stat"`
	Direction string   `json:"direction"`
	Threshold *float64 `json:"threshold"`
}

type spaceDim struct {
	Path string  `json:"path"`
	Lo   float64 `json:"lo"`
	Hi   float64 `json:"hi"`
	Kind string  `json:"kind"`
}

type iteration struct {
	Index      int                `json:"iteration_idx"`
	Values     map[string]float64 `json:"variation_values"`
	Objective  []*float64         `json:"objective_values"`
	Feasible   bool               `json:"feasible"`
	Warning    *string            `json:"non_monotonic_warning"`
	Violations []*float64         `json:"sla_violations"`
	TiersMet   []string           `json:"tiers_met,omitempty"`
	Dir        string             `json:"artifact_dir"`
}

type bestTrial struct {
	Index         int                `json:"iteration_idx"`
	Objective     []*float64         `json:"objective_values"`
	Values        map[string]float64 `json:"variation_values"`
	Feasible      bool               `json:"feasible"`
	FeasibleCount int                `json:"feasible_count"`
	ParetoRank    int                `json:"pareto_rank"`
}

// boundary is AIPerf's boundary_summary of a one-dimensional search: the
// highest value that passed every SLA and the lowest that failed one.
type boundary struct {
	Dim           string            `json:"dimension"`
	FeasibleMax   *float64          `json:"feasible_max"`
	InfeasibleMin *float64          `json:"infeasible_min"`
	FirstBreach   *config.SLAFilter `json:"first_breach"`
}

func newHistory(p *config.Profile, dims []config.SearchDim, filters []config.SLAFilter, sampler string, seed int64) history {
	tiers, _ := p.SLATiers()
	h := history{Config: historyConfig{Planner: p.SearchPlanner, Sampler: sampler, Outcome: []any{}, MaxIter: p.SearchMaxProbes,
		Initial: p.SearchInitialPoints, Seed: seed, Patience: 10, Window: 8, Threshold: 0.01, SLAFilters: filters, SLATiers: tiers,
		Objectives: []objective{{p.SearchMetric, p.SearchStat, p.SearchDirection, nil}}}, Iterations: []iteration{}, Best: []bestTrial{}}
	if h.Config.SLAFilters == nil {
		h.Config.SLAFilters = []config.SLAFilter{}
	}
	for _, d := range dims {
		kind := "real"
		if d.Int {
			kind = "int"
		}
		h.Config.SearchSpace = append(h.Config.SearchSpace, spaceDim{d.Path, d.Lo, d.Hi, kind})
	}
	return h
}

// orNull is a JSON number, or null for NaN.
func orNull(x float64) *float64 {
	if !finite(x) {
		return nil
	}
	return &x
}

func values(dims []config.SearchDim, x []float64) map[string]float64 {
	m := map[string]float64{}
	for i, d := range dims {
		m[d.Path] = x[i]
	}
	return m
}

func (h *history) add(i int, t optimize.Trial, dims []config.SearchDim, dir string, tiersMet []string) {
	it := iteration{Index: i, Values: values(dims, t.X), Objective: []*float64{orNull(t.Y)}, Feasible: t.Feasible(), Dir: dir,
		Violations: []*float64{}}
	if len(h.Config.SLATiers) > 0 {
		it.TiersMet = tiersMet
	}
	for _, v := range t.Violations {
		it.Violations = append(it.Violations, orNull(v))
	}
	h.Iterations = append(h.Iterations, it)
}

// finish names the best trial and, for one dimension, the boundary.
func (h *history) finish(trials []optimize.Trial, maximize bool, dims []config.SearchDim, filters []config.SLAFilter) {
	if b := optimize.Best(trials, maximize); b >= 0 {
		h.Best = []bestTrial{{Index: b, Objective: []*float64{orNull(trials[b].Y)}, Values: values(dims, trials[b].X),
			Feasible: trials[b].Feasible(), FeasibleCount: optimize.FeasibleCount(trials)}}
	}
	h.bestByTier(trials, maximize)
	if len(dims) != 1 {
		return
	}
	bd := &boundary{Dim: dims[0].Path}
	for _, t := range trials {
		x := t.X[0]
		switch {
		case t.Feasible() && (bd.FeasibleMax == nil || x > *bd.FeasibleMax):
			bd.FeasibleMax = orNull(x)
		case !t.Feasible() && len(filters) > 0 && (bd.InfeasibleMin == nil || x < *bd.InfeasibleMin):
			bd.InfeasibleMin = orNull(x)
			for k, v := range t.Violations {
				if !(v <= 0) {
					bd.FirstBreach = &filters[k]
					break
				}
			}
		}
	}
	h.Boundary = bd
}

// bestByTier is each tier's best iteration among those meeting it.
func (h *history) bestByTier(trials []optimize.Trial, maximize bool) {
	if len(h.Config.SLATiers) == 0 {
		return
	}
	h.BestByTier = map[string]*int{}
	for _, t := range h.Config.SLATiers {
		var best *int
		for i, it := range h.Iterations {
			if !slices.Contains(it.TiersMet, t.Label) {
				continue
			}
			if y := trials[i].Y; best == nil || (maximize && y > trials[*best].Y) || (!maximize && y < trials[*best].Y) {
				best = &i
			}
		}
		h.BestByTier[t.Label] = best
	}
}

// pooled is the percentile stat of the metric over every request of the
// runs in dirs (their profile_export.jsonl), as if they were one run.
func pooled(dirs []string, tag, stat string) (float64, bool) {
	q, err := strconv.ParseFloat(strings.TrimPrefix(stat, "p"), 64)
	if err != nil {
		return 0, false
	}
	var xs []float64
	for _, dir := range dirs {
		xs = append(xs, readMetric(dir, tag)...)
	}
	if len(xs) == 0 {
		return 0, false
	}
	slices.Sort(xs)
	return metrics.Percentile(xs, q), true
}

func printHistory(w io.Writer, h *history) {
	o := h.Config.Objectives[0]
	fmt.Fprintf(w, "\nsonde | Search (%s, %s): %s %s of %s\n", h.Config.Planner, h.Config.Sampler, o.Direction, o.Stat, o.Metric)
	tw := tabwriter.NewWriter(w, 2, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "iteration\tpoint\tobjective\tfeasible\t")
	for _, it := range h.Iterations {
		obj := "failed"
		if v := it.Objective[0]; v != nil {
			obj = strconv.FormatFloat(*v, 'f', 3, 64)
		}
		var keys []string
		for _, k := range slices.Sorted(maps.Keys(it.Values)) {
			keys = append(keys, k+"="+strconv.FormatFloat(it.Values[k], 'f', -1, 64))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%v\t\n", it.Index, strings.Join(keys, " "), obj, it.Feasible)
	}
	tw.Flush()
	if len(h.Best) > 0 && h.Best[0].Objective[0] != nil {
		b := h.Best[0]
		fmt.Fprintf(w, "Best: iteration %d, %s = %.3f (feasible: %v)\n", b.Index, o.Metric, *b.Objective[0], b.Feasible)
	} else {
		fmt.Fprintln(w, "Best: none (no iteration measured the objective)")
	}
	if h.Reason != nil {
		fmt.Fprintln(w, "Stopped: "+*h.Reason)
	}
}

// capacityHistory is the capacity search told as AIPerf's
// search_history.json (its monotonic_sla planner), beside
// search_result.json: each probe an iteration (its request throughput the
// objective, passing the SLAs its feasibility), the answer the best trial
// and the boundary.
func capacityHistory(r *SearchResult, p *config.Profile, budgetSpent bool) history {
	kind := "real"
	if r.Parameter == "concurrency" {
		kind = "int"
	}
	filters, _ := p.SLAFilters()
	if filters == nil {
		filters = []config.SLAFilter{}
	}
	h := history{Config: historyConfig{Planner: "monotonic_sla", Sampler: "bisection", Outcome: []any{}, MaxIter: p.SearchMaxProbes, Seed: r.Seed,
		Objectives:  []objective{{"request_throughput", "avg", "maximize", nil}},
		SearchSpace: []spaceDim{{r.Parameter, r.Range[0], r.Range[1], kind}}, SLAFilters: filters},
		Iterations: []iteration{}, Best: []bestTrial{}}
	bd := &boundary{Dim: r.Parameter, FeasibleMax: r.Answer}
	feasible := 0
	for i, pr := range r.Probes {
		vals := map[string]float64{r.Parameter: pr.Value}
		obj := []*float64{orNull(math.NaN())}
		if x, ok := pr.Metrics["request_throughput_avg"]; ok {
			obj = []*float64{orNull(x)}
		}
		h.Iterations = append(h.Iterations, iteration{Index: i, Values: vals, Objective: obj, Feasible: pr.Passed, Violations: []*float64{}, Dir: pr.ArtifactDir})
		if pr.Passed {
			feasible++
		} else if bd.InfeasibleMin == nil || pr.Value < *bd.InfeasibleMin {
			bd.InfeasibleMin = orNull(pr.Value)
		}
	}
	for i, pr := range r.Probes {
		if r.Answer != nil && pr.Value == *r.Answer {
			h.Best = []bestTrial{{Index: i, Objective: h.Iterations[i].Objective, Values: h.Iterations[i].Values, Feasible: true, FeasibleCount: feasible}}
		}
	}
	h.Boundary = bd
	var reason string
	switch {
	case r.Interrupted:
		reason = "interrupted"
	case budgetSpent:
		reason = "max_iterations"
	case !r.Complete:
		reason = "incomplete"
	case r.Answer == nil:
		reason = "monotonic_no_pass_in_range"
	case *r.Answer >= r.Range[1]:
		reason = "monotonic_no_failure_in_range"
	default:
		reason = "monotonic_precision_reached"
	}
	h.Reason = &reason
	return h
}
