package profile

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/output"
	"github.com/sonde-bench/sonde/internal/plan"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/twin"
)

// PredictLoads resolves the plan of the run p describes (as Predict does)
// and returns its phases' workloads, the profiling phase last: what `sonde
// fit --holdout` predicts a held-out run's command with.
func PredictLoads(e Env, p *config.Profile) ([]*twin.Workload, uint64, error) {
	pl, err := Resolve(e, p)
	if err != nil {
		return nil, 0, err
	}
	defer pl.Close()
	loads, _, err := phaseLoads(pl)
	return loads, pl.Seed(), err
}

// phaseLoads are a plan's phases as the twin sees them, and their names.
func phaseLoads(pl *plan.Plan) ([]*twin.Workload, []string, error) {
	var loads []*twin.Workload
	var names []string
	for _, w := range pl.Warmups() {
		l, err := twin.FromConfig(w.Config)
		if err != nil {
			return nil, nil, UsageError{Err: fmt.Errorf("%s: %w", w.Name, err)}
		}
		loads, names = append(loads, l), append(names, record.PhaseWarmup)
	}
	l, err := twin.FromConfig(pl.Profiling())
	if err != nil {
		return nil, nil, UsageError{Err: err}
	}
	return append(loads, l), append(names, record.PhaseProfiling), nil
}

// predict is a run against a twin (Env.Twin: sonde predict): the plan
// resolved as for a run, each phase simulated in virtual time (the server
// is never contacted), and the records through the run's own pipeline into
// the same files, marked as predicted (metadata.predicted,
// sonde.prediction with the twin and the headline figures' prediction
// intervals).
func (r *profileRun) predict(tw *Twin) error {
	t, twinPath := tw.Model, tw.Path
	if len(r.plan.Stages()) > 0 {
		return UsageError{Err: errors.New("--phase: the twin predicts one profiling phase; predict each phase's load on its own")}
	}
	loads, names, err := phaseLoads(r.plan)
	if err != nil {
		return err
	}
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
	pred := twin.Predict(t, loads, tw.Draws, r.plan.Seed())
	base := r.clk.Now()
	in := r.records.Run()
	var last int64
	twin.EachRecord(pred.Requests, loads, names, base, r.plan.URLs()[0], r.p.Streaming, func(rec *record.Record) {
		last = max(last, rec.EndNs)
		in <- rec
	})
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
