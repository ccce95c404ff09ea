package study

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/optimize"
	"github.com/sonde-bench/sonde/internal/plan"
	"github.com/sonde-bench/sonde/internal/profile"
)

// An optimizing search (--search-space): each iteration the planner
// proposes a point from the trials so far (internal/optimize), sonde runs
// it --num-profile-runs times, scores --search-metric and checks the
// SLAs, and the trial goes back to the planner — AIPerf's adaptive outer
// loop, with search_history.json in its schema.

type optimizer struct {
	ctx     context.Context
	e       profile.Env
	base    *config.Profile
	dims    []config.SearchDim
	filters []config.SLAFilter
	tiers   []config.SLATier
	prob    optimize.Problem
	stop    optimize.Stopping
	seed    int64
	dir     string
	trials  []optimize.Trial
	hist    history
	// measure runs q into dir: the run's headline numbers and folder
	// (a fake in tests, so a golden does not depend on a machine's speed).
	measure func(q *config.Profile, dir string) (map[string]Value, string, error)
}

func runOptimize(ctx context.Context, e profile.Env, p *config.Profile) (string, error) {
	if p.SearchPlanner == "monotonic_sla" {
		return runSearch(ctx, e, p.AsCapacitySearch())
	}
	o := newOptimizer(ctx, e, p)
	for _, x := range [][]float64{o.corner(false), o.corner(true)} { // every point's flags are valid if the corners' are
		if err := validate(o.point(x), fmt.Sprintf("--search-space at %v", x)); err != nil {
			return "", err
		}
	}
	dir := p.ArtifactDir
	if e.Dir != "" && !filepath.IsAbs(dir) {
		dir = filepath.Join(e.Dir, dir)
	}
	if !p.ArtifactDirSet {
		dir = filepath.Join(dir, plan.ServiceName(p)+"-search")
	}
	o.dir = dir
	return dir, o.search()
}

// newOptimizer sets up the search p describes (its flags checked).
func newOptimizer(ctx context.Context, e profile.Env, p *config.Profile) *optimizer {
	dims, _ := p.SearchDims()
	filters, _ := p.SLAFilters()
	tiers, _ := p.SLATiers()
	o := &optimizer{ctx: ctx, e: e, base: p, dims: dims, filters: filters, tiers: tiers, seed: baseSeed(p)}
	o.measure = func(q *config.Profile, dir string) (map[string]Value, string, error) {
		out, err := runOne(e, q, dir)
		if out == nil {
			return nil, "", err
		}
		return Headlines(out.Summary), out.Dir, err
	}
	planSeed := o.seed
	if p.SearchRandomSeed != nil {
		planSeed = *p.SearchRandomSeed
	}
	sampler := "gp"
	if p.SearchPlanner == "optuna" && p.OptunaSampler == "tpe" {
		sampler = "tpe"
	}
	o.prob = optimize.Problem{Maximize: p.SearchDirection == "maximize", Initial: p.SearchInitialPoints, Sampler: sampler, Seed: uint64(planSeed)}
	for _, d := range dims {
		o.prob.Dims = append(o.prob.Dims, optimize.Dim{Name: d.Path, Lo: d.Lo, Hi: d.Hi, Int: d.Int})
	}
	o.stop = optimize.Stopping{MaxIterations: p.SearchMaxProbes, Patience: 10, Window: 8, Threshold: 0.01}
	o.hist = newHistory(p, dims, filters, sampler, planSeed)
	if p.RecipeName != "" {
		o.hist.Recipe = &p.RecipeName
	}
	return o
}

// search runs the iterations, then writes and prints the history (also
// when interrupted: the trajectory so far is kept).
func (o *optimizer) search() error {
	err := o.run()
	o.hist.finish(o.trials, o.prob.Maximize, o.dims, o.filters)
	if errors.Is(err, profile.ErrInterrupted) && o.hist.Reason == nil {
		reason := "interrupted"
		o.hist.Reason = &reason
	}
	werr := o.write()
	printHistory(o.e.Stdout, &o.hist)
	if err != nil {
		return err
	}
	return werr
}

// corner is the box's low or high corner.
func (o *optimizer) corner(high bool) []float64 {
	x := make([]float64, len(o.dims))
	for i, d := range o.dims {
		x[i] = d.Lo
		if high {
			x[i] = d.Hi
		}
	}
	return x
}

// point is the run at x: the base flags with each dimension's set, one
// run each, the same seed at every point (common random numbers: points
// differ by their parameters, not by their prompts).
func (o *optimizer) point(x []float64) *config.Profile {
	q := copyProfile(o.base.WithoutSearch())
	q.SearchSpace, q.NumProfileRuns = nil, 1
	flags := map[string]any{}
	for i, d := range o.dims {
		flags[d.Flag] = x[i]
	}
	_ = q.ApplyScenario(config.Scenario{Name: "search", Flags: flags}) // the flags are numeric: checked by validate
	q.ResolveLists()
	seed := o.seed
	q.RandomSeed = &seed
	return q
}

func (o *optimizer) run() error {
	for {
		reason := o.stop.Reason(o.trials, o.prob.Maximize)
		if reason == "" && o.base.SearchPlanner == "optuna" && o.base.OptunaTerminator == "regret" && o.prob.RegretConverged(o.trials) {
			reason = "posterior_regret_bound"
		}
		if reason != "" {
			o.hist.Reason = &reason
			return nil
		}
		x, err := o.prob.Next(o.trials)
		if err != nil {
			return err
		}
		if len(o.trials) > 0 {
			if err := cooldown(o.ctx, o.base.SweepCooldown); err != nil {
				return err
			}
		}
		tr, met, err := o.evaluate(len(o.trials), x)
		o.trials = append(o.trials, tr)
		o.hist.add(len(o.trials)-1, tr, o.dims, o.iterDir(len(o.trials)-1), met)
		if werr := o.write(); werr != nil {
			return werr
		}
		if stopping(err) {
			return err
		}
	}
}

func (o *optimizer) iterDir(i int) string {
	return filepath.Join(o.dir, fmt.Sprintf("search_iter_%04d", i))
}

// evaluate runs the point's trials: the objective is the mean of their
// finite values (or the pooled percentile), each SLA's observed value the
// mean of theirs; NaN when no trial measured it. met are the SLA tiers
// the point meets.
func (o *optimizer) evaluate(i int, x []float64) (tr optimize.Trial, met []string, err error) {
	tr = optimize.Trial{X: x, Y: math.NaN(), Violations: make([]float64, len(o.filters))}
	var ys []float64
	obs := make([][]float64, len(o.filters))
	seen := map[string][]float64{} // every headline of the trials, for the tiers
	var dirs []string
	var lastErr error
	for t := range o.base.NumProfileRuns {
		q := o.point(x)
		if o.base.VarySeedPerTrial {
			*q.RandomSeed += int64(t)
		}
		dir := o.iterDir(i)
		if o.base.NumProfileRuns > 1 {
			dir = filepath.Join(dir, "profile_runs", fmt.Sprintf("run_%04d", t+1))
		}
		h, runDir, err := o.measure(q, dir)
		if stopping(err) {
			return tr, nil, err
		}
		lastErr = err
		if h == nil {
			continue
		}
		dirs = append(dirs, runDir)
		if v, ok := h[o.base.SearchMetric+"_"+o.base.SearchStat]; ok && finite(v.X) {
			ys = append(ys, v.X)
		}
		for k, f := range o.filters {
			if v, ok := h[f.Tag+"_"+f.Stat]; ok {
				obs[k] = append(obs[k], v.X)
			}
		}
		for k, v := range h {
			seen[k] = append(seen[k], v.X)
		}
	}
	if len(ys) > 0 {
		tr.Y = mean(ys)
		if o.base.SearchPooling == "pooled" && o.base.SearchStat != "avg" && len(dirs) > 1 {
			if v, ok := pooled(dirs, o.base.SearchMetric, o.base.SearchStat); ok {
				tr.Y = v
			}
		}
	}
	for k, f := range o.filters {
		tr.Violations[k] = math.NaN()
		if len(obs[k]) > 0 {
			tr.Violations[k] = f.Violation(mean(obs[k]))
		}
	}
	if math.IsNaN(tr.Y) && lastErr != nil {
		fmt.Fprintf(o.e.Stderr, "sonde: search: iteration %d failed: %v\n", i, lastErr)
	}
	return tr, tiersMet(o.tiers, seen, tr), nil
}

// tiersMet are the labels of the tiers whose every filter the point's
// mean values meet (a failed point meets none).
func tiersMet(tiers []config.SLATier, seen map[string][]float64, tr optimize.Trial) []string {
	met := []string{}
	for _, t := range tiers {
		ok := !math.IsNaN(tr.Y)
		for _, f := range t.Filters {
			xs := seen[f.Tag+"_"+f.Stat]
			ok = ok && len(xs) > 0 && f.Violation(mean(xs)) <= 0
		}
		if ok {
			met = append(met, t.Label)
		}
	}
	return met
}

func (o *optimizer) write() error {
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return err
	}
	return writeJSON(filepath.Join(o.dir, "search_history.json"), o.hist)
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
