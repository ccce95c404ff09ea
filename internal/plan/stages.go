package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/engine"
)

// Stage is a profiling phase after the run's own (--phase): its name, its
// plan (the run's, with the phase's load and, when it has one, its own
// dataset) and whether it may start before the previous phase's answers
// are in.
type Stage struct {
	Name     string
	Seamless bool
	plan     *Plan
	index    int
}

// resolveStages derives a plan for each --phase. Each phase draws its
// sessions with a seed of its own, so that a phase over the run's dataset
// does not resend the previous phase's prompts in the same order (every
// prompt a prefix-cache hit).
func (pl *Plan) resolveStages(e Env) error {
	specs, err := pl.p.ParsePhases()
	if err != nil {
		return UsageError{err}
	}
	for k, sp := range specs {
		np, err := pl.derive(e, sp.Profile, pl.seed^stageSalt(k))
		if err == nil && sp.OwnData {
			err = np.loadData(e)
		}
		if err == nil {
			np.order()
			err = np.phases(e)
		}
		if err != nil {
			return fmt.Errorf("--phase %s: %w", sp.Name, err)
		}
		np.files = pl.files
		pl.stages = append(pl.stages, Stage{Name: sp.Name, Seamless: sp.Seamless, plan: np, index: k})
	}
	return nil
}

// stageSalt moves phase k's seed away from the run's (the golden ratio's
// odd multiplier spreads consecutive k over all the bits).
func stageSalt(k int) uint64 { return uint64(k+1) * 0x9E3779B97F4A7C15 }

// loadData makes the conversations of a phase with a dataset of its own.
func (pl *Plan) loadData(e Env) (err error) {
	if pl.convs, pl.fixed, err = loadConversations(pl.p, pl.seed, pl.contextMode, pl.tok.Tokenizer, pl.notes.logger()); err != nil {
		return err
	}
	cacheBust(pl.p, pl.convs, pl.tok.Tokenizer)
	return checkPayloads(pl.codec, pl.convs)
}

// Stages are the profiling phases after the run's own, in order.
func (pl *Plan) Stages() []Stage { return pl.stages }

// Config is the phase's engine configuration: its sessions are numbered
// apart from every other phase's, its records carry its name.
func (s Stage) Config() engine.Config {
	c := s.plan.Profiling()
	c.Stage, c.SessionOffset = s.Name, (s.index+2)<<30
	return c
}

// Expected is the requests the phase will send; 0 if unknown.
func (s Stage) Expected() int64 { return s.plan.Expected() }

// Grace is how long the phase's answers in flight are waited for after
// its duration.
func (s Stage) Grace() time.Duration { return s.plan.Grace() }

// Says is the phase's load in words.
func (s Stage) Says() string { return phaseWords(s.plan.p) }

// Says is the run's own profiling phase's load in words.
func (pl *Plan) Says() string { return phaseWords(pl.p) }

// phaseWords says a phase's load and stop conditions in a few words.
func phaseWords(p *config.Profile) string {
	var parts []string
	add := func(f string, a ...any) { parts = append(parts, fmt.Sprintf(f, a...)) }
	if p.Concurrency != nil {
		add("concurrency %d", *p.Concurrency)
	}
	if p.RequestRate != nil {
		add("%g requests/s (%s)", *p.RequestRate, p.ArrivalPattern)
	}
	if p.UserCentricRate != nil {
		add("user-centric %g/s", *p.UserCentricRate)
	}
	if p.RequestCount != nil {
		add("%d requests", *p.RequestCount)
	}
	if p.ConversationNum != nil {
		add("%d sessions", *p.ConversationNum)
	}
	if p.BenchmarkDuration != nil {
		add("%gs", *p.BenchmarkDuration)
	}
	if p.CancellationRate != nil {
		add("%g%% cancelled", *p.CancellationRate)
	}
	if len(parts) == 0 {
		return "the defaults"
	}
	return strings.Join(parts, ", ")
}
