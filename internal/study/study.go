package study

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/plan"
	"github.com/sonde-bench/sonde/internal/profile"
)

// defaultSeed is the seed of studies when --random-seed is not given, as
// AIPerf's: repeated runs and sweep values are then reproducible.
const defaultSeed = 42

// Needed reports whether the flags ask for a study rather than one run.
func Needed(p *config.Profile) bool {
	sweep := p.ResolveLists()
	return sweep || p.NumProfileRuns > 1 || p.Searching() || p.Optimizing() || p.SearchRecipe != "" || p.AB
}

// Run runs the study the flags describe, writes its aggregates and
// returns its folder ("" when nothing ran). Every run's flags are checked
// before the first one starts.
func Run(e profile.Env, p *config.Profile) (string, error) {
	if err := p.CheckStudy(); err != nil {
		return "", profile.UsageError{Err: err}
	}
	p, err := p.ExpandRecipe()
	if err != nil {
		return "", profile.UsageError{Err: err}
	}
	ctx, stop := e.NotifyContext(context.Background())
	defer stop()
	switch {
	case p.AB:
		return runAB(ctx, e, p)
	case p.Optimizing():
		return runOptimize(ctx, e, p)
	case p.Searching() && !p.HasScenarios(): // a recipe's grid keeps its SLAs for its post-process
		return runSearch(ctx, e, p)
	}
	vs, err := Variations(p)
	if err != nil {
		return "", profile.UsageError{Err: err}
	}
	s := &sweepStudy{e: e, base: p, variations: vs, ctx: ctx}
	for i := range vs {
		if err := validate(vs[i].Apply(p), vs[i].Label); err != nil {
			return "", err
		}
	}
	s.dir = studyDir(e, p, vs)
	return s.dir, s.run()
}

// validate checks one run's flags, naming the variation.
func validate(q *config.Profile, label string) error {
	if errs := q.Validate(); len(errs) > 0 {
		return profile.UsageError{Err: fmt.Errorf("%s: %w", label, config.Join(errs))}
	}
	return nil
}

// studyDir is where the study's folders go: --artifact-dir as given, or
// <dir>/<model>-openai-<type>-<what is studied>.
func studyDir(e profile.Env, p *config.Profile, vs []Variation) string {
	dir := p.ArtifactDir
	if e.Dir != "" && !filepath.IsAbs(dir) {
		dir = filepath.Join(e.Dir, dir)
	}
	if p.ArtifactDirSet {
		return dir
	}
	name := plan.RunName(vs[0].Apply(p))
	if len(vs) > 1 {
		name = plan.ServiceName(p) + "-" + sweepName(vs)
	}
	return filepath.Join(dir, name)
}

// runOne runs q into dir; an interrupted run ends the study (after its
// aggregates are written), bad flags end it at once, and any other failure
// is noted and the study goes on.
func runOne(e profile.Env, q *config.Profile, dir string) (*profile.Outcome, error) {
	q.ArtifactDir, q.ArtifactDirSet = dir, true
	fmt.Fprintf(e.Stderr, "sonde: study: running %s\n", dir)
	return profile.Measure(e, q)
}

// stopping reports errors that end a study.
func stopping(err error) bool {
	var ue profile.UsageError
	return errors.Is(err, profile.ErrInterrupted) || errors.As(err, &ue)
}

// cooldown waits between runs; an interrupt ends the wait and the study.
func cooldown(ctx context.Context, sec float64) error {
	if sec <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(time.Duration(sec * float64(time.Second)))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return profile.ErrInterrupted
	}
}

// baseSeed is a study's seed: --random-seed, else defaultSeed.
func baseSeed(p *config.Profile) int64 {
	if p.RandomSeed != nil {
		return *p.RandomSeed
	}
	return defaultSeed
}

// seedFor is the seed of a run: the base seed (--random-seed, else 42),
// plus the variation's index unless --parameter-sweep-same-seed, plus the
// trial with --vary-seed-per-trial; nil (a fresh seed per run) with
// --no-set-consistent-seed and no --random-seed.
func seedFor(p *config.Profile, v *Variation, trial int) *int64 {
	if p.RandomSeed == nil && !p.ConsistentSeed {
		return nil
	}
	seed := baseSeed(p)
	if !p.SweepSameSeed {
		seed += int64(v.Index)
	}
	if p.VarySeedPerTrial {
		seed += int64(trial)
	}
	return &seed
}
