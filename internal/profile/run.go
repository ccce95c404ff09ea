package profile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sonde-bench/sonde/internal/client"
	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/engine"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/output"
	"github.com/sonde-bench/sonde/internal/plan"
)

// profileRun is one `sonde profile`: what prepare builds and execute runs.
type profileRun struct {
	// benchmarkID names the run: in its summary and in its folder's lock.
	benchmarkID string
	claim       *export.Claim // the folder's lock and the space held for the summaries
	e           Env
	p           *config.Profile
	plan        *plan.Plan
	ctx         context.Context
	files       export.Files
	// summary is what the run measured, once it finished.
	summary *metrics.Summary
	// outputs watch the profiling phase beside the requests.
	outputs output.List
	// abort says why the run ended early (--failed-request-threshold).
	abort string

	screen   *output.Screen
	log      *slog.Logger
	warnings []string

	clk     clock.Clock
	client  *client.Client
	records *output.Records
	// cpuPct is the share of the CPU the process may use that it used while
	// profiling.
	cpuPct float64
	// server is what the server says of itself (client.Fingerprint).
	server map[string]string
	// prediction, for a run a twin predicted (sonde predict), is its
	// sonde.prediction block: the twin and the prediction intervals.
	prediction map[string]any
}

// openLog creates the artifact folder, the log file and the logger.
// The folder is claimed first: a folder another run holds is refused
// before anything is written or sent, and an earlier run's files are
// removed so the folder holds this run alone.
func (r *profileRun) openLog() (func(), error) {
	r.benchmarkID = newBenchmarkID()
	clk := r.e.clock()
	claim, cleared, err := export.ClaimFolder(r.files, r.benchmarkID, clk.Time(clk.Now()))
	if errors.Is(err, export.ErrFolderInUse) {
		return nil, UsageError{Err: fmt.Errorf("--output-artifact-dir %w", err)}
	}
	if err == nil {
		err = os.MkdirAll(filepath.Dir(r.files.Log()), 0o755)
	}
	if err != nil {
		claim.Release()
		return nil, fmt.Errorf("--output-artifact-dir: %w", err)
	}
	f, err := os.Create(r.files.Log())
	if err != nil {
		claim.Release()
		return nil, fmt.Errorf("log file: %w", err)
	}
	r.screen, r.log = output.NewScreen(output.ScreenOptions{Stderr: r.e.Stderr, Keys: r.e.Stdin, UIType: r.p.UIType, LogLevel: r.p.LogLevel,
		Verbosity: r.verbosity(), Every: r.p.StatsEvery(0), Now: r.now}, r.e.Secrets.Writer(f))
	r.log.Info("Starting sonde " + r.e.Version)
	if cleared = slices.DeleteFunc(cleared, func(n string) bool { return n == filepath.Base(r.files.Log()) }); len(cleared) > 0 {
		r.log.Warn(fmt.Sprintf("%s held an earlier run's files; they were removed so the folder holds this run alone: %s", r.files.Dir, strings.Join(cleared, ", ")))
	}
	if claim.ReserveErr != nil {
		r.log.Warn(fmt.Sprintf("could not hold %d MiB for the summaries in %s (%v): if the disk fills during the run, they may not be written", export.SummaryReserve>>20, r.files.Dir, claim.ReserveErr))
	}
	r.claim = claim
	return func() { f.Close(); claim.Release() }, nil
}

func (r *profileRun) logf(format string, a ...any) { r.log.Info(fmt.Sprintf(format, a...)) }
func (r *profileRun) info(msg string)              { r.log.Info(msg) }

// now is the run clock's wall time (with its monotonic reading): every
// time of the run comes from the one clock Env gives.
func (r *profileRun) now() time.Time { return r.clk.Time(r.clk.Now()) }

func (r *profileRun) warn(w string) {
	r.log.Warn(w)
	r.warnings = append(r.warnings, w)
}

// finding is a warning found at the end of the run: the report prints it
// under the results, so the console does not get it twice (the log file
// does).
func (r *profileRun) finding(w string) {
	r.log.LogAttrs(context.Background(), slog.LevelWarn, w, output.FileOnly())
	r.warnings = append(r.warnings, w)
}

// prepare writes inputs.json and sets up the client, the server's view,
// the pipeline and the engine's configuration.
func (r *profileRun) prepare() error {
	if err := export.WriteInputs(r.files.Inputs(), r.plan.Conversations(), r.plan.Codec()); err != nil {
		return fmt.Errorf("inputs.json: %w", err)
	}
	cl, err := client.New(r.ctx, r.plan, client.Options{Clock: r.e.clock(), Getenv: r.e.Getenv, Dir: r.e.Dir,
		Shared: r.e.Shared, Say: client.Say{Info: r.info, Warn: r.warn}})
	if err != nil {
		return err
	}
	r.client, r.clk = cl, cl.Clock()
	if err := r.writeUserFiles(); err != nil {
		return err
	}
	if err := cl.WaitForModel(r.ctx); err != nil {
		return err
	}
	r.server = cl.Fingerprint(r.ctx)
	view, err := output.NewServerView(r.ctx, r.plan, r.log, r.warn)
	if err != nil {
		return err
	}
	r.records, err = output.NewRecords(r.plan, output.RecordOptions{Clock: r.clk, Getenv: r.e.Getenv, Log: r.log, Dashboard: r.screen.Dashboard(),
		Warn: r.warn, Info: r.info, BenchmarkID: r.benchmarkID, Version: r.e.Version, API: r.apiAddr(),
		APIInfo: output.APIInfo{BenchmarkID: r.benchmarkID, Seed: r.plan.Seed(), CLICommand: r.p.CLICommand, Config: r.p.Body(), Files: r.files}})
	if err != nil {
		return UsageError{Err: err}
	}
	if api := r.records.API; api != nil {
		api.Start()
		r.logf("Live API on http://%s: /api/progress, /api/metrics, /metrics (Prometheus), /api/run, /api/config, /api/results", api.Addr())
	}
	// The time slices first: their warning comes before the server view's.
	// The trackers last: they send the files the others write.
	trackers := output.NewTrackers(r.p, r.files, r.e.Getenv, r.info, r.warn)
	for _, o := range []output.Output{r.records.Slices, view, r.records.Replicas, r.records.Phases, r.records.Adaptive, r.records.OTel, r.records.Traces, r.records.Accuracy, trackers} {
		if o != nil {
			r.outputs = append(r.outputs, o)
		}
	}
	return r.records.Start() // last: nothing to close if preparing failed
}

// execute runs the warmup and profiling phases and writes the exports.
func (r *profileRun) execute() error {
	records := r.records.Run()

	issueCtx, stopIssue := context.WithCancelCause(r.ctx)
	runCtx, stopRun := context.WithCancelCause(r.ctx)
	defer stopIssue(nil)
	defer stopRun(nil)
	wasCancelled, stopWatching := r.watchSignals(stopIssue, stopRun)

	var runErr error
	for i, w := range r.plan.Warmups() {
		if issueCtx.Err() != nil {
			break
		}
		r.logf("Warming up: %s", w.Says)
		if i == 0 {
			runtime.GC() // the set-up's garbage, before the first request (as before profiling)
		}
		_, err := r.startPhase(w.Name, r.client.Signed(w.Config), w.Total, w.Cut, records, issueCtx, runCtx).wait()
		runErr = errors.Join(runErr, err)
	}
	prof := r.client.Signed(r.plan.Profiling())
	r.client.ResetCache(r.ctx)
	barrierErr := r.client.WaitForStart(issueCtx)
	if barrierErr != nil {
		r.abort = barrierErr.Error()
	}
	if r.p.NetworkLatency {
		r.outputs = append(r.outputs, output.NewPinger(r.plan.URLs(), time.Duration(r.p.NetworkPingInterval*float64(time.Second)), r.now, r.files, r.info, r.warn))
	}
	if h := r.p.Hooks(); h.ProfilerStart != "" {
		r.outputs = append(r.outputs, output.NewServerProfiler(r.plan.URLs(), h, r.client.Ask, r.info))
	}
	if r.p.NetworkLatencyMean > 0 {
		r.outputs = append(r.outputs, output.FixedRTT(r.p.NetworkLatencyMean, r.info, r.warn))
	}
	// An output that cannot start (a server refusing its profiler) holds
	// the phase as a failed barrier does: nothing is sent, the files are
	// written and the run exits 1. start has stopped those it started.
	outErr := r.outputs.Start(r.ctx)
	if outErr != nil {
		r.outputs = nil
		if barrierErr == nil {
			r.abort = outErr.Error()
		}
	}
	startTime, cpu0 := r.now(), clock.ProcessCPU()
	if barrierErr == nil && outErr == nil {
		r.log.Info("sonde is PROFILING")
	}
	unsent, expected := map[string]int64{}, r.plan.Expected()
	switch {
	case barrierErr != nil:
		unsent[unsentBarrier] = expected
	case outErr != nil:
		unsent[unsentOutputs] = expected
	case issueCtx.Err() == nil:
		var err error
		unsent, err = r.runProfiling(prof, expected, records, issueCtx, runCtx)
		runErr = errors.Join(runErr, err)
	default:
		unsent[engine.UnsentInterrupted] = expected
	}
	r.cpuPct = clock.CPUShare(clock.ProcessCPU()-cpu0, int64(r.now().Sub(startTime)))
	stopWatching()
	close(records)
	r.records.Wait()
	if err := errors.Join(r.outputs.Stop(), runErr); err != nil {
		return err
	}
	return r.finish(startTime, r.now(), unsent, wasCancelled.Load())
}

// apiAddr is --api-host:--api-port, or "" without the live API.
func (r *profileRun) apiAddr() string {
	if r.p.APIPort == nil {
		return ""
	}
	return net.JoinHostPort(r.p.APIHost, strconv.Itoa(*r.p.APIPort))
}

// watchSignals: the first Ctrl-C stops new requests and gives those in
// flight shutdownWait to finish; a second one cancels them at once.
func (r *profileRun) watchSignals(stopIssue, stopRun context.CancelCauseFunc) (*atomic.Bool, func()) {
	var cancelled atomic.Bool
	done := make(chan struct{})
	sigc := make(chan os.Signal, 2)
	stopSignals := r.e.notify(sigc)
	go func() {
		select {
		case <-sigc:
		case <-done:
			return
		}
		cancelled.Store(true)
		r.log.Warn(fmt.Sprintf("Interrupted: sending no new requests; waiting up to %v for those in flight (Ctrl-C again to stop now)", shutdownWait))
		stopIssue(engine.ErrStopped)
		select {
		case <-sigc:
		case <-time.After(shutdownWait):
		case <-done:
			return
		}
		stopRun(engine.ErrCancelled)
	}()
	return &cancelled, func() {
		stopSignals()
		close(done)
	}
}

// finish computes the summary, writes every export and says how the run
// ended.
func (r *profileRun) finish(start, end time.Time, unsent map[string]int64, cancelled bool) error {
	summary := r.records.Acc.Summary()
	r.summary = summary
	for _, w := range summary.Warnings {
		r.finding(w)
	}
	for _, f := range r.records.Findings() {
		r.finding(f)
	}
	if summary.Cut > 0 {
		r.finding(fmt.Sprintf("%d requests were still in flight when the run stopped and were cut; they are recorded as RequestCancelledError.", summary.Cut))
	}
	if w := unsentWarning(unsent); w != "" {
		r.finding(w)
	}
	if w := clientCPUWarning(r.cpuPct, r.plan.SimInProcess()); w != "" {
		r.finding(w)
	}
	if r.abort != "" {
		r.finding(r.abort)
	}
	res := r.plan.Tokenizer()
	run := &export.Run{UnsentTurns: unsent, OfferedRate: r.plan.Rate(), ClientCPUPct: r.cpuPct, BenchmarkID: r.benchmarkID, InputConfig: r.p.Body(), Options: r.p.Redacted(), CLICommand: r.p.CLICommand, WasCancelled: cancelled,
		StartTime: start, EndTime: end, Version: r.e.Version, Seed: r.plan.Seed(), Warnings: r.warnings,
		Tokenizer: export.TokenizerInfo{Requested: res.Requested, Used: res.Tokenizer.Name(), Fallback: res.Fallback, ISLCounting: "message_contents"}}
	if t := r.plan.Template(); t != nil {
		run.Tokenizer.ISLCounting, run.Tokenizer.ChatTemplate = "chat_template", t.Source
	}
	if o := r.p.ScenarioOutcome; o != nil {
		run.Metadata = o.Metadata(cancelled)
	}
	run.Extra = map[string]any{"server": r.server, "client": client.ClientInfo(r.e.Version)}
	if r.prediction != nil {
		run.Extra["prediction"] = r.prediction
		if run.Metadata == nil {
			run.Metadata = predictedMetadata(r.prediction["twin"].(string))
		}
	}
	if _, count := r.plan.Shard(); count > 1 {
		run.Extra["shard"] = r.plan.ShardID()
	}
	if r.p.ShowTraceTiming {
		run.Sections = append(run.Sections, func(w io.Writer) { export.TraceTiming(w, summary) })
	}
	r.outputs.Contribute(summary, run)
	run.Warnings = r.warnings // with the outputs'
	if err := r.writeExports(summary, run); err != nil {
		return err
	}
	if err := r.outputs.Write(); err != nil {
		return err
	}
	if cancelled {
		return ErrInterrupted
	}
	if r.abort != "" {
		return errors.New(r.abort)
	}
	switch {
	case summary.RequestCount > 0:
		return nil
	case len(summary.Errors) > 0:
		first := summary.Errors[0].Error
		return fmt.Errorf("all %d requests failed; most common error: %s: %s", summary.ErrorCount, first.Type, first.Message)
	}
	return errors.New("no request completed")
}

// unsentWarning says which planned turns were never sent, and why.
func unsentWarning(unsent map[string]int64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(unsent)) {
		if unsent[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", unsent[k], k))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "Planned turns not sent: " + strings.Join(parts, ", ") + " (sonde.unsent_turns_by_reason in the JSON)."
}

// writeExports writes the summaries, then closes the streamed exports (in
// that order: see export.WriteSummaries), prints the report and returns
// every failure joined.
func (r *profileRun) writeExports(s *metrics.Summary, run *export.Run) error {
	run.Warnings = append(run.Warnings, r.records.Flush()...)
	r.claim.FreeReserve() // the space held for this moment
	written, err := export.WriteSummaries(r.files, s, run)
	err = errors.Join(err, r.records.Close())
	if err != nil {
		r.log.Error(err.Error())
	}
	export.Report(r.e.Stdout, r.files, s, run, written)
	r.log.Info("Results saved to: " + r.files.Dir)
	return err
}

// verbosity is -v counted, --extra-verbose as -vv.
func (r *profileRun) verbosity() int {
	if r.p.ExtraVerbose {
		return max(r.p.Verbose, 2)
	}
	return r.p.Verbose
}

// describeLoad is a phase's load, for the debug log: what the engine was
// told to do.
func describeLoad(cfg engine.Config) string {
	s := fmt.Sprintf("concurrency %d", cfg.Concurrency)
	if cfg.Rate > 0 {
		s = fmt.Sprintf("rate %g/s (%v arrivals, sessions only: %v), concurrency cap %d", cfg.Rate, cfg.Arrivals, cfg.SessionRate, cfg.Concurrency)
	}
	if cfg.Users > 0 {
		s = fmt.Sprintf("%d users, a turn every %v each", cfg.Users, cfg.UserGap)
	}
	if cfg.Fixed {
		s = "the trace's timestamps"
	}
	if cfg.PrefillConcurrency > 0 {
		s += fmt.Sprintf(", prefill concurrency %d", cfg.PrefillConcurrency)
	}
	if cfg.ConcurrencyRamp > 0 {
		s += fmt.Sprintf(", concurrency ramp %v", cfg.ConcurrencyRamp)
	}
	s += fmt.Sprintf("; budget %d requests, %d sessions, duration %v; connection reuse %v; %d URLs; shard %d of %d",
		cfg.MaxRequests, cfg.MaxSessions, cfg.Duration, cfg.Reuse, len(cfg.URLs), cfg.ShardIndex, max(cfg.ShardCount, 1))
	return s
}
