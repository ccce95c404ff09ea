package profile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/output"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/sim"
	"github.com/sonde-bench/sonde/internal/twin"
)

// PredictDraws is how many simulations with drawn costs give a prediction's
// intervals.
const PredictDraws = 20

// Predict is `sonde predict`: the run p describes, simulated against a twin
// in virtual time instead of sent. The plan is resolved as for a run (the
// server is never contacted), each phase simulated, and the records go
// through the run's own pipeline into the same files, marked as predicted
// (metadata.predicted, sonde.prediction with the twin and the headline
// figures' prediction intervals).
func Predict(e Env, p *config.Profile, t *sim.Twin, twinPath string) (*Outcome, error) {
	pl, err := Resolve(e, p)
	if err != nil {
		return nil, err
	}
	defer pl.Close()
	if len(pl.Stages()) > 0 {
		return nil, UsageError{Err: errors.New("--phase: the twin predicts one profiling phase; predict each phase's load on its own")}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &profileRun{e: e, p: pl.Flags(), plan: pl, ctx: ctx, files: pl.Files()}
	closeLog, err := r.openLog()
	if err != nil {
		return nil, err
	}
	defer closeLog()
	r.tell(pl.Notes())
	if err := r.predict(t, twinPath); err != nil {
		return nil, err
	}
	return &Outcome{Dir: r.files.Dir, Summary: r.summary, Seed: pl.Seed()}, nil
}

// predict simulates the phases and writes what a run would.
func (r *profileRun) predict(t *sim.Twin, twinPath string) error {
	var loads []*twin.Workload
	var names []string
	for _, w := range r.plan.Warmups() {
		l, err := twin.FromConfig(w.Config)
		if err != nil {
			return UsageError{Err: fmt.Errorf("%s: %w", w.Name, err)}
		}
		loads, names = append(loads, l), append(names, record.PhaseWarmup)
	}
	l, err := twin.FromConfig(r.plan.Profiling())
	if err != nil {
		return UsageError{Err: err}
	}
	loads, names = append(loads, l), append(names, record.PhaseProfiling)
	if err := export.WriteInputs(r.files.Inputs(), r.plan.Conversations(), r.plan.Codec()); err != nil {
		return fmt.Errorf("inputs.json: %w", err)
	}
	r.clk = r.e.clock()
	r.records, err = output.NewRecords(r.plan, output.RecordOptions{Clock: r.clk, Getenv: r.e.Getenv, Log: r.log,
		Warn: r.warn, Info: r.info, BenchmarkID: r.benchmarkID, Version: r.e.Version})
	if err != nil {
		return UsageError{Err: err}
	}
	if err := r.records.Start(); err != nil {
		return err
	}
	r.logf("Predicting with the twin %s (%s): nothing is sent", twinPath, t.Server)
	pred := twin.Predict(t, loads, PredictDraws, r.plan.Seed())
	base := r.clk.Now()
	in := r.records.Run()
	var last int64
	for _, rec := range twin.Records(pred.Requests, loads, names, base, r.plan.URLs()[0], r.p.Streaming) {
		last = max(last, rec.EndNs)
		in <- rec
	}
	close(in)
	r.records.Wait()
	r.prediction = map[string]any{"twin": twinPath, "server": t.Server, "costs": t.Costs, "std_err": t.StdErr,
		"headline": pred.Headline, "intervals": pred.Intervals, "draws": pred.Draws,
		"virtual_seconds": time.Duration(last - base).Seconds()}
	r.warn(fmt.Sprintf("Predicted by the twin %s in virtual time: no request was sent.", twinPath))
	return r.finish(r.clk.Time(base), r.clk.Time(max(last, base)), map[string]int64{}, false)
}

// predictedMetadata marks a predicted run's summary.
func predictedMetadata(twinPath string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"predicted": true, "twin": twinPath})
	return b
}
