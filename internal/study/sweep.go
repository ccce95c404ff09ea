package study

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/profile"
)

// sweepStudy runs every variation (one, for repeated runs of one
// configuration) --num-profile-runs times.
type sweepStudy struct {
	e          profile.Env
	base       *config.Profile
	variations []Variation
	dir        string
	ctx        context.Context
	results    [][]runResult // by variation, in trial order
	converged  []bool
}

// runResult is one finished run.
type runResult struct {
	Label     string           `json:"label"`
	Dir       string           `json:"artifact_dir"`
	Error     string           `json:"error,omitempty"`
	headlines map[string]Value // nil when the run measured nothing
	seed      uint64
}

func (s *sweepStudy) trials() int { return s.base.NumProfileRuns }

// runDir is a run's folder: <label> for a sweep, profile_runs/run_NNNN for
// repeated runs, profile_runs/trial_NNNN/<label> for both (AIPerf's layout).
func (s *sweepStudy) runDir(v *Variation, trial int) string {
	switch {
	case s.trials() == 1:
		return filepath.Join(s.dir, v.Label)
	case len(s.variations) == 1:
		return filepath.Join(s.dir, "profile_runs", fmt.Sprintf("run_%04d", trial+1))
	}
	return filepath.Join(s.dir, "profile_runs", fmt.Sprintf("trial_%04d", trial+1), v.Label)
}

// order is the sequence of (variation, trial): every value per trial
// (repeated, the default) or every trial per value (independent).
func (s *sweepStudy) order() [][2]int {
	var out [][2]int
	n, t := len(s.variations), s.trials()
	if s.base.SweepMode == "independent" {
		for v := range n {
			for k := range t {
				out = append(out, [2]int{v, k})
			}
		}
		return out
	}
	for k := range t {
		for v := range n {
			out = append(out, [2]int{v, k})
		}
	}
	return out
}

func (s *sweepStudy) run() error {
	s.results = make([][]runResult, len(s.variations))
	s.converged = make([]bool, len(s.variations))
	var stopErr error
	prev := -1
	for _, vk := range s.order() {
		v, trial := &s.variations[vk[0]], vk[1]
		if s.converged[vk[0]] {
			continue
		}
		if prev >= 0 {
			// Between trials of one value, the run cooldown; between
			// values, the sweep's.
			wait := s.base.SweepCooldown
			if prev == vk[0] {
				wait = s.base.RunCooldown
			}
			if err := cooldown(s.ctx, wait); err != nil {
				stopErr = err
				break
			}
		}
		prev = vk[0]
		q := v.Apply(s.base)
		q.RandomSeed = seedFor(s.base, v, trial)
		if trial > 0 && s.base.WarmupOnlyFirst {
			q.DropWarmup()
		}
		dir := s.runDir(v, trial)
		e := s.e
		if s.trials() > 1 {
			// One table of means with intervals at the end, not one per
			// run: each run's own numbers stay in its files.
			e.Stdout = io.Discard
		}
		out, err := runOne(e, q, dir)
		res := runResult{Label: filepath.Base(dir), Dir: dir}
		if out != nil {
			res.headlines, res.seed = Headlines(out.Summary), out.Seed
			accuracyHeadlines(res.headlines, out.Dir, q.ExportPrefix)
			if !s.base.NoSweepTable { // a row per finished cell as the study goes (AIPerf's streaming sweep table)
				fmt.Fprintf(s.e.Stderr, "sonde: study: %s: %s\n", res.Label, oneLine(res.headlines))
			}
		}
		if err != nil {
			res.Error = err.Error()
		}
		s.results[vk[0]] = append(s.results[vk[0]], res)
		if stopping(err) {
			stopErr = err
			break
		}
		s.converged[vk[0]] = s.hasConverged(vk[0])
		if s.allConverged() {
			break
		}
	}
	err := s.writeAggregates()
	if perr := s.postProcess(); err == nil {
		err = perr
	}
	if stopErr != nil {
		return stopErr
	}
	if err != nil {
		return err
	}
	return s.failure()
}

// failure is an error when no run measured anything.
func (s *sweepStudy) failure() error {
	for _, rs := range s.results {
		for _, r := range rs {
			if r.headlines != nil && r.Error == "" {
				return nil
			}
		}
	}
	return errors.New("study: no run succeeded")
}

func (s *sweepStudy) allConverged() bool {
	if s.base.ConvergenceMetric == "" {
		return false
	}
	for _, c := range s.converged {
		if !c {
			return false
		}
	}
	return true
}

// hasConverged judges --convergence-metric over a variation's runs so far
// (at least 3): the confidence interval's width over the mean (ci_width),
// or the coefficient of variation (cv), at most the threshold; or the KS
// test's p-value at least it (distribution).
func (s *sweepStudy) hasConverged(v int) bool {
	p := s.base
	if p.ConvergenceMetric == "" {
		return false
	}
	if p.ConvergenceMode == "distribution" {
		return distributionConverged(s.results[v], p.ConvergenceMetric, p.ConvergenceThreshold)
	}
	c, ok := convergenceOf(p, s.results[v])
	if !ok || c.N < 3 || c.CV == nil {
		return false
	}
	if p.ConvergenceMode == "cv" {
		return *c.CV <= p.ConvergenceThreshold
	}
	return (*c.CIHigh-*c.CILow)/abs(c.Mean) <= p.ConvergenceThreshold
}

func convergenceOf(p *config.Profile, rs []runResult) (Confidence, bool) {
	key := metrics.Headline{Tag: p.ConvergenceMetric, Stat: p.ConvergenceStat}.Key()
	var xs []float64
	unit := ""
	for _, r := range successful(rs) {
		if v, ok := r.headlines[key]; ok {
			xs, unit = append(xs, v.X), v.Unit
		}
	}
	if len(xs) == 0 {
		return Confidence{}, false
	}
	return Confide(xs, p.ConfidenceLevel, unit), true
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func successful(rs []runResult) []runResult {
	var out []runResult
	for _, r := range rs {
		if r.headlines != nil && r.Error == "" {
			out = append(out, r)
		}
	}
	return out
}
