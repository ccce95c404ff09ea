package profile

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/plan"
)

// shutdownWait is how long in-flight requests may finish after a Ctrl-C
// before they are cancelled (a second Ctrl-C cancels at once).
const shutdownWait = 5 * time.Second

// Run runs one `sonde profile` with flags p: it validates them, resolves
// the plan, runs the warmup and profiling phases, and writes every export.
// Bad input is a UsageError before anything is sent; an interrupted run
// returns ErrInterrupted after writing what it measured.
func Run(e Env, p *config.Profile) error {
	_, err := Measure(e, p)
	return err
}

// Outcome is what one run measured, for studies made of several runs.
type Outcome struct {
	Dir     string // the run's artifact folder
	Summary *metrics.Summary
	Seed    uint64
}

// Measure is Run, returning what was measured (also when the run failed or
// was interrupted after measuring, nil when nothing was).
func Measure(e Env, p *config.Profile) (*Outcome, error) {
	r, err := measure(e, p)
	if r == nil || r.summary == nil {
		return nil, err
	}
	return &Outcome{Dir: r.files.Dir, Summary: r.summary, Seed: r.plan.Seed()}, err
}

// MeasurePlan runs a resolved plan (a capacity search's probe, made by
// WithLoad), as Measure runs flags.
func MeasurePlan(e Env, pl *plan.Plan) (*Outcome, error) {
	r, err := execute(e, pl)
	if r == nil || r.summary == nil {
		return nil, err
	}
	return &Outcome{Dir: r.files.Dir, Summary: r.summary, Seed: r.plan.Seed()}, err
}

// Resolve validates the flags and resolves the plan of a run (plan.Resolve,
// with the process state of e).
func Resolve(e Env, p *config.Profile) (*plan.Plan, error) { return plan.Resolve(e.Plan(), p) }

// Plan is what resolving a plan reads of e.
func (e Env) Plan() plan.Env {
	clk := e.clock()
	return plan.Env{Args: e.Args, Getenv: e.Getenv, Secrets: e.Secrets, Dir: e.Dir, Version: e.Version,
		Now: func() time.Time { return clk.Time(clk.Now()) }}
}

// UsageError is bad input (exit code 2): nothing was sent.
type UsageError = plan.UsageError

func measure(e Env, p *config.Profile) (*profileRun, error) {
	pl, err := Resolve(e, p)
	if err != nil {
		return nil, err
	}
	defer pl.Close()
	return execute(e, pl)
}

// execute runs a resolved plan: it opens the run's folder and log, sets up
// the client, the outputs and the pipeline, runs the phases and writes
// every export.
func execute(e Env, pl *plan.Plan) (*profileRun, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &profileRun{e: e, p: pl.Flags(), plan: pl, ctx: ctx, files: pl.Files()}
	closeLog, err := r.openLog()
	if err != nil {
		return nil, err
	}
	defer closeLog()
	r.tell(pl.Notes())
	if e.Twin != nil {
		return r, r.predict(e.Twin)
	}
	err = r.prepare()
	if r.records != nil && r.records.API != nil {
		defer r.records.API.Close() // it answers until the files are written
	}
	if err != nil {
		return nil, err
	}
	defer r.client.Close()
	return r, r.execute()
}

// newBenchmarkID is a per-run identifier, 12 hex digits as AIPerf's.
func newBenchmarkID() string {
	var b [6]byte
	crand.Read(b[:])
	return hex.EncodeToString(b[:])
}
