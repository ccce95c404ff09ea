package profile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/engine"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/pipeline"
	"github.com/sonde-bench/sonde/internal/plan"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/tokenizer"
	"github.com/sonde-bench/sonde/internal/transport"
	"github.com/sonde-bench/sonde/internal/ui"
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
	codec       *endpoint.Codec // builds the bodies; also the inference readiness probe
	// summary is what the run measured, once it finished.
	summary *metrics.Summary
	// outputs watch the profiling phase beside the requests (outputs.go).
	outputs outputs
	// abort says why the run ended early (--failed-request-threshold).
	abort string
	// view is the server's own view (/metrics, GPU telemetry).
	view *serverView
	// live feeds the dashboard (nil without one).
	live *pipeline.Live

	console *ui.Console
	log     *slog.Logger

	tok      *tokenizer.Resolution
	warnings []string

	clk     clock.Clock
	client  *transport.Client
	sigv4   *transport.SigV4 // --auth-type sigv4; nil: requests unsigned
	acc     *metrics.Accumulator
	proc    *pipeline.Processor
	streams []pipeline.Sink // the streamed exports, closed after the summaries
	// cpuPct is the share of the CPU the process may use that it used while
	// profiling.
	cpuPct float64
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
	r.console = ui.NewConsole(r.e.Stderr, isTTY(r.e.Stderr))
	r.log = ui.NewLogger(r.console, r.e.Secrets.Writer(f), ui.ParseLevel(r.p.LogLevel, r.verbosity()))
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
	r.log.LogAttrs(context.Background(), slog.LevelWarn, w, ui.FileOnly())
	r.warnings = append(r.warnings, w)
}

// prepare writes inputs.json and sets up the client, the server's view,
// the pipeline and the engine's configuration.
func (r *profileRun) prepare() error {
	r.codec = r.plan.Codec()
	if err := export.WriteInputs(r.files.Inputs(), r.plan.Conversations(), r.codec); err != nil {
		return fmt.Errorf("inputs.json: %w", err)
	}
	if err := r.setUpClient(); err != nil {
		return err
	}
	if err := r.waitForModel(); err != nil {
		return err
	}
	if err := r.setUpServerView(); err != nil {
		return err
	}
	if err := r.setUpPipeline(); err != nil {
		return err
	}
	return pipeline.Start(r.streams) // last: nothing to close if preparing failed
}

// setUpClient builds the run clock and the HTTP client, and opens
// --warmup-connections.
func (r *profileRun) setUpClient() error {
	if err := r.setUpSigning(); err != nil {
		return err
	}
	conns := r.plan.Concurrency()
	if conns == 0 {
		conns = 1024
	}
	if s := r.e.Shared; s != nil {
		if s.client == nil {
			s.clk = r.e.clock()
			s.client = transport.NewClient(s.clk, max(conns, 1024))
			if r.p.HTTPClient == "lean" {
				s.client.UseLean()
			}
		}
		r.clk, r.client = s.clk, s.client
	} else {
		r.clk = r.e.clock()
		r.client = transport.NewClient(r.clk, conns)
		if r.p.HTTPClient == "lean" {
			r.client.UseLean()
		}
	}
	limit := r.plan.Concurrency()
	if w := r.p.WarmupConcurrency; w != nil && limit > 0 {
		limit = max(limit, *w) // a warm-up at a higher concurrency
	}
	r.client.LimitConns(limit) // sessions in flight never need more
	paced := 0
	if r.plan.Rate() > 0 {
		paced = transport.PacedDials // a client behind its schedule must not dial for every due arrival
	}
	r.client.BoundDials(paced)
	if n := r.p.WarmupConnections; n > 0 {
		if err := r.client.Warm(r.ctx, r.plan.URLs(), n); err != nil {
			return err
		}
		r.logf("Opened %d connections to each server before profiling (--warmup-connections)", n)
	}
	return nil
}

// setUpPipeline builds the accumulator, the streamed exports by name, and
// the processor that feeds them.
func (r *profileRun) setUpPipeline() error {
	p, slos, urls := r.p, r.plan.SLOs(), r.plan.URLs()
	t := endpoint.Type(p.EndpointType)
	r.acc = metrics.NewAccumulator(metrics.Options{Streaming: p.Streaming, SLOs: slos, MeanGapNs: r.plan.MeanGapNs(),
		Vectors: !t.ProducesTokens(), Title: t.Title(),
		OSLMismatchPct:    envFloat(r.e.Getenv, "AIPERF_METRICS_OSL_MISMATCH_PCT_THRESHOLD", 5),
		OSLMismatchTokens: envFloat(r.e.Getenv, "AIPERF_METRICS_OSL_MISMATCH_MAX_TOKEN_THRESHOLD", 50)})
	for _, name := range pipeline.Streams(p.ExportLevel, p.ExportOutputs) {
		s, err := pipeline.Exporter(name, r.files)
		if err != nil {
			return err
		}
		r.streams = append(r.streams, s)
	}
	if r.log.Enabled(r.ctx, slog.LevelDebug) { // -v: how the connections were used; -vv: each request
		r.streams = append(r.streams, &pipeline.Debug{Log: r.log})
	}
	sinks := append([]pipeline.Sink{pipeline.Accumulate{Accumulator: r.acc}}, r.streams...)
	if len(urls) > 1 { // the fleet view: a summary per replica
		rs := newReplicaSink(metrics.Options{Streaming: p.Streaming, SLOs: slos, Vectors: !t.ProducesTokens()}, urls)
		sinks = append(sinks, rs)
		r.outputs = append(r.outputs, &replicasOutput{sink: rs, urls: urls})
	}
	if r.uiMode() == "dashboard" {
		r.live = pipeline.NewLive(r.now)
		sinks = append(sinks, r.live)
	}
	if p.SliceDuration != nil {
		slicer := metrics.NewSlicer(metrics.Options{Streaming: p.Streaming, SLOs: slos, Vectors: !t.ProducesTokens()}, int64(*p.SliceDuration*1e9))
		sinks = append(sinks, pipeline.Slices{Slicer: slicer})
		// First: its warning comes before the server view's, as it always has.
		r.outputs = append(outputs{&slicesOutput{slicer: slicer, files: r.files, now: func() int64 { return r.now().UnixNano() },
			warn: r.warn, streaming: p.Streaming}}, r.outputs...)
	}
	r.proc = pipeline.NewProcessor(r.tok.Tokenizer, r.clk, p.Streaming, sinks...)
	r.proc.ServerCounts = p.UseServerTokenCount
	r.proc.Template = r.plan.Template()
	return nil
}

// execute runs the warmup and profiling phases and writes the exports.
func (r *profileRun) execute() error {
	records := make(chan *record.Record, 4096)
	procDone := make(chan struct{})
	go func() { r.proc.Run(records); close(procDone) }()

	issueCtx, stopIssue := context.WithCancelCause(r.ctx)
	runCtx, stopRun := context.WithCancelCause(r.ctx)
	defer stopIssue(nil)
	defer stopRun(nil)
	wasCancelled, stopWatching := r.watchSignals(stopIssue, stopRun)

	var runErr error
	phase := func(name string, cfg engine.Config, total int64, grace time.Duration) map[string]int64 {
		unsent, err := r.runPhase(name, cfg, total, grace, records, issueCtx, runCtx)
		runErr = errors.Join(runErr, err)
		return unsent
	}
	if w, grace, says, ok := r.plan.Warmup(); ok {
		r.logf("Warming up: %s", says)
		phase("Warmup", r.signed(w), int64(r.p.WarmupRequestCount), grace)
	}
	prof := r.signed(r.plan.Profiling())
	r.resetCache()
	barrierErr := r.waitForStart(issueCtx)
	if barrierErr != nil {
		r.abort = barrierErr.Error()
	}
	if r.p.NetworkLatency {
		r.outputs = append(r.outputs, newPinger(r.plan.URLs(), time.Duration(r.p.NetworkPingInterval*float64(time.Second)), r.now, r.files, r.info, r.warn))
	}
	if h := r.p.Hooks(); h.ProfilerStart != "" {
		r.outputs = append(r.outputs, newServerProfiler(r.plan.URLs(), h, r))
	}
	if r.p.NetworkLatencyMean > 0 {
		r.outputs = append(r.outputs, fixedRTT{ms: r.p.NetworkLatencyMean, log: r.info, warn: r.warn})
	}
	// An output that cannot start (a server refusing its profiler) holds
	// the phase as a failed barrier does: nothing is sent, the files are
	// written and the run exits 1. start has stopped those it started.
	outErr := r.outputs.start(r.ctx)
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
		unsent = phase("Profiling", prof, expected, r.plan.Grace())
	default:
		unsent[engine.UnsentInterrupted] = expected
	}
	r.cpuPct = cpuShare(clock.ProcessCPU()-cpu0, int64(r.now().Sub(startTime)))
	stopWatching()
	close(records)
	<-procDone
	if err := errors.Join(r.outputs.stop(), runErr); err != nil {
		return err
	}
	return r.finish(startTime, r.now(), unsent, wasCancelled.Load())
}

// runPhase runs one engine phase with its progress display and returns the
// turns it did not send, by reason.
func (r *profileRun) runPhase(name string, cfg engine.Config, total int64, grace time.Duration, records chan<- *record.Record, issue, run context.Context) (map[string]int64, error) {
	var prog engine.Progress
	// The set-up's garbage (tokenizer parsing, prompts) is collected now,
	// before the first request, rather than by a collection that would
	// start in the middle of the phase and hold the only core from the
	// dispatcher for milliseconds.
	runtime.GC()
	eng := engine.New(cfg, r.client, r.clk, records, &prog)
	r.log.Debug(fmt.Sprintf("%s: %s", name, describeLoad(cfg)))
	if t := r.p.FailedRequestThreshold; t != nil {
		var stop func()
		issue, run, stop = r.watchFailures(&prog, cfg, *t, issue, run)
		defer stop()
	}
	show := outputs{r.display(name, &prog, cfg, total)}
	show.start(r.ctx)
	if cfg.Duration > 0 && grace >= 0 {
		// Requests still in flight when the grace period ends are cut: they
		// get records as cancelled errors (record.Cut), never vanish.
		var c context.CancelFunc
		run, c = context.WithTimeoutCause(run, cfg.Duration+grace, transport.ErrCancelled)
		defer c()
	}
	err := eng.Run(issue, run)
	show.stop()
	r.log.Debug(fmt.Sprintf("%s ended: %d requests sent, %d done, %d failed; %d sessions started, %d done; not sent: %v",
		name, prog.RequestsSent.Load(), prog.RequestsDone.Load(), prog.RequestErrors.Load(), prog.SessionsStarted.Load(), prog.SessionsDone.Load(), eng.Unsent()))
	return eng.Unsent(), err
}

// signed is a phase's configuration with requests signed by --auth-type
// sigv4 (the credentials are this run's, loaded when it starts).
func (r *profileRun) signed(c engine.Config) engine.Config {
	if r.sigv4 != nil {
		header := c.Header
		c.Sign = func(url string, own []transport.HeaderField, body []byte) ([]transport.HeaderField, error) {
			return r.sigv4.Sign(http.MethodPost, url, header, own, body, r.now())
		}
	}
	return c
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
		stopRun(transport.ErrCancelled)
	}()
	return &cancelled, func() {
		stopSignals()
		close(done)
	}
}

// finish computes the summary, writes every export and says how the run
// ended.
func (r *profileRun) finish(start, end time.Time, unsent map[string]int64, cancelled bool) error {
	summary := r.acc.Summary()
	r.summary = summary
	for _, w := range summary.Warnings {
		r.finding(w)
	}
	if r.proc.MissingUsage > 0 {
		r.finding(fmt.Sprintf("--use-server-token-count: %d responses carried no usage; their tokens were counted by sonde's tokenizer.", r.proc.MissingUsage))
	}
	if r.proc.BadUsage > 0 {
		r.finding(fmt.Sprintf("the server's usage was not a token count in %d responses (first: %s); it was ignored and sonde's own token counts stand.", r.proc.BadUsage, r.proc.FirstBadUsage))
	}
	if r.proc.TemplateErrors > 0 {
		r.finding(fmt.Sprintf("--apply-chat-template: the chat template failed to render %d requests; their ISL counts the messages' contents only.", r.proc.TemplateErrors))
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
	res := r.tok
	run := &export.Run{UnsentTurns: unsent, OfferedRate: r.plan.Rate(), ClientCPUPct: r.cpuPct, BenchmarkID: r.benchmarkID, InputConfig: r.p.Body(), Options: r.p.Redacted(), CLICommand: r.p.CLICommand, WasCancelled: cancelled,
		StartTime: start, EndTime: end, Version: r.e.Version, Seed: r.plan.Seed(), Warnings: r.warnings,
		Tokenizer: export.TokenizerInfo{Requested: res.Requested, Used: res.Tokenizer.Name(), Fallback: res.Fallback, ISLCounting: "message_contents"}}
	if t := r.proc.Template; t != nil {
		run.Tokenizer.ISLCounting, run.Tokenizer.ChatTemplate = "chat_template", t.Source
	}
	if _, count := r.plan.Shard(); count > 1 {
		run.Extra = map[string]any{"shard": r.plan.ShardID()}
	}
	if r.p.ShowTraceTiming {
		run.Sections = append(run.Sections, func(w io.Writer) { export.TraceTiming(w, summary) })
	}
	r.outputs.contribute(summary, run)
	run.Warnings = r.warnings // with the outputs'
	if err := r.writeExports(summary, run); err != nil {
		return err
	}
	if err := r.outputs.write(); err != nil {
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
	run.Warnings = append(run.Warnings, r.flushStreams()...)
	r.claim.FreeReserve() // the space held for this moment
	written, err := export.WriteSummaries(r.files, s, run)
	err = errors.Join(err, pipeline.Close(r.streams))
	if err != nil {
		r.log.Error(err.Error())
	}
	export.Report(r.e.Stdout, r.files, s, run, written)
	r.log.Info("Results saved to: " + r.files.Dir)
	return err
}

// flushStreams writes what the streamed exports hold, and says which
// could not keep every record (a full disk): the summaries, written next
// into the space held for them, count every request all the same.
func (r *profileRun) flushStreams() (warnings []string) {
	for _, st := range r.streams {
		f, ok := st.(interface {
			Flush() error
			Lost() int
			Path() string
		})
		if !ok {
			continue
		}
		if err := f.Flush(); err != nil && f.Lost() > 0 {
			w := fmt.Sprintf("%d records could not be written to %s (%v); it holds the ones before them, and the summaries count every request.", f.Lost(), filepath.Base(f.Path()), err)
			r.log.Error(w)
			warnings = append(warnings, w)
		}
	}
	return warnings
}

// verbosity is -v counted, --extra-verbose as -vv.
func (r *profileRun) verbosity() int {
	if r.p.ExtraVerbose {
		return max(r.p.Verbose, 2)
	}
	return r.p.Verbose
}

// uiMode is the progress display: the full-screen dashboard by default on
// a terminal (and when asked for), else the simple line; -v always shows
// the line, among the log lines.
func (r *profileRun) uiMode() string {
	mode := r.p.UIType
	switch {
	case mode == "none":
		return mode
	case r.verbosity() > 0 || !isTTY(r.e.Stderr):
		return "simple"
	case mode == "":
		return "dashboard"
	}
	return mode
}
