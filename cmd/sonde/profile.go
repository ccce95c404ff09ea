package main

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/engine"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/schedule"
	"github.com/sonde-bench/sonde/internal/tokenizer"
	"github.com/sonde-bench/sonde/internal/transport"
	"github.com/sonde-bench/sonde/internal/ui"
)

// shutdownWait is how long in-flight requests may finish after a Ctrl-C
// before they are cancelled (a second Ctrl-C cancels at once).
const shutdownWait = 5 * time.Second

// plan is the load shape derived from the flags.
type plan struct {
	concurrency int
	rate        float64
	sessionRate bool // rate starts sessions only
	users       int
	userGap     time.Duration
	maxSessions int
	maxRequests int
	duration    time.Duration
	grace       time.Duration
}

func planOf(p *config.Profile) plan {
	var pl plan
	if p.Concurrency != nil {
		pl.concurrency = *p.Concurrency
	}
	if p.RequestRate != nil {
		pl.rate = *p.RequestRate
	}
	if p.SessionArrivalRate != nil {
		pl.rate, pl.sessionRate = *p.SessionArrivalRate, true
	}
	if p.UserCentricRate != nil && p.NumUsers != nil {
		pl.users = *p.NumUsers
		pl.userGap = time.Duration(float64(*p.NumUsers) / *p.UserCentricRate * float64(time.Second))
	}
	if pl.rate == 0 && pl.concurrency == 0 && pl.users == 0 {
		pl.concurrency = 1 // AIPerf: concurrency burst at 1 when neither is set
	}
	switch {
	case p.ConversationNum != nil:
		pl.maxSessions = *p.ConversationNum
	case p.RequestCount != nil:
		pl.maxRequests = *p.RequestCount
	case p.BenchmarkDuration == nil:
		pl.maxRequests = max(10, 2*pl.concurrency, 2*pl.users)
	}
	if p.BenchmarkDuration != nil {
		pl.duration = time.Duration(*p.BenchmarkDuration * float64(time.Second))
		pl.grace = 30 * time.Second
		if p.BenchmarkGracePeriod != nil {
			pl.grace = time.Duration(*p.BenchmarkGracePeriod * float64(time.Second))
		}
	}
	return pl
}

type accumulatorSink struct{ *metrics.Accumulator }

func (a accumulatorSink) Put(r *record.Record, v *metrics.Values) { a.Add(r, v) }

func isTTY(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func runProfile(e env, p *config.Profile) error {
	p.CLICommand = redactArgs(e.args)
	if errs := p.Validate(); len(errs) > 0 {
		return usageError{config.Join(errs)}
	}
	extra, err := parseExtra(p)
	if err != nil {
		return err
	}
	slos, err := metrics.ParseGoodput(p.Goodput, p.Streaming)
	if err != nil {
		return usageError{err}
	}
	pl := planOf(p)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	files := export.Files{Dir: artifactDir(p, pl), Prefix: p.ExportPrefix}
	if err := os.MkdirAll(filepath.Dir(files.Log()), 0o755); err != nil {
		return fmt.Errorf("--output-artifact-dir: %w", err)
	}
	logFile, err := os.Create(files.Log())
	if err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	defer logFile.Close()
	tty := isTTY(e.stderr)
	console := ui.NewConsole(e.stderr, tty)
	log := newLogger(console, logFile, parseLevel(p.LogLevel, p.Verbose))
	log.Info("Starting sonde " + version)

	typ := endpoint.Type(p.EndpointType)
	path := p.CustomEndpoint
	if path == "" {
		path = typ.DefaultPath()
	}
	urls, sims, err := endpointURLs(ctx, p, path, func(f string, a ...any) { log.Info(fmt.Sprintf(f, a...)) })
	if err != nil {
		return err
	}

	tokName := p.Tokenizer
	if tokName == "" {
		tokName = p.Model[0]
		if len(sims) == len(urls) {
			tokName = sims[0].Tokenizer // the simulated model's own tokenizer
		}
	}
	res, err := tokenizer.Resolve(tokenizer.ResolveOptions{Name: tokName, Explicit: p.Tokenizer != "",
		Revision: p.TokenizerRevision, Getenv: e.getenv})
	if err != nil {
		return usageError{err}
	}
	var warnings []string
	if res.Fallback != "" {
		w := fmt.Sprintf("Tokenizer: %s. Falling back to the builtin o200k_base tokenizer; token counts (ISL, OSL) are approximate for this model.", res.Fallback)
		log.Warn(w)
		warnings = append(warnings, w)
	}
	tok := res.Tokenizer
	log.Info("Tokenizer: " + tok.Name())

	seed := randomSeed(p)
	contextMode := p.ContextMode
	if p.ReplayOutputs != "" {
		contextMode = engine.ContextDeltasCanned
	}
	convs, fixed, err := loadConversations(p, seed, contextMode, tok, log)
	if err != nil {
		return err
	}
	if p.InputFile != "" && p.ConversationNum == nil && p.RequestCount == nil && p.BenchmarkDuration == nil {
		pl.maxSessions, pl.maxRequests = len(convs), 0 // a file is sent once through
	}
	if p.ReplayOutputs != "" {
		if err := replayAnswers(p.ReplayOutputs, convs, tok, log); err != nil {
			return usageError{err}
		}
	}
	strategy := p.SamplingStrategy
	if strategy == "" && (p.InputFile != "" || fixed.on) {
		strategy = "sequential" // files and traces go in order, as in AIPerf
	}
	sampler := dataset.Plan(dataset.NewSampler(strategy, len(convs), dataset.NewRand(seed, dataset.StreamSampler)), pl.maxSessions)
	expected := int64(pl.maxRequests)
	if pl.maxSessions > 0 {
		for _, i := range sampler.Order {
			expected += int64(len(convs[i].Turns))
		}
		if p.ConversationTurnMean > 1 {
			log.Info(fmt.Sprintf("Multi-turn mode: %d conversations, %g turns on average (%d total requests)", pl.maxSessions, p.ConversationTurnMean, expected))
		}
	}

	codec := &endpoint.Codec{Type: typ, Stream: p.Streaming, LegacyMax: p.UseLegacyMaxTokens, Extra: extra, IncludeUsage: p.UseServerTokenCount}
	if err := export.WriteFile(files.Inputs(), inputsJSON(convs, codec)); err != nil {
		return fmt.Errorf("inputs.json: %w", err)
	}

	clk := clock.New()
	conns := pl.concurrency
	if conns == 0 {
		conns = 1024
	}
	client := transport.NewClient(clk, conns)
	defer client.CloseIdle()
	meanGap := 0.0
	switch {
	case pl.rate > 0:
		meanGap = 1e9 / pl.rate
	case pl.users > 0:
		meanGap = float64(pl.userGap) / float64(pl.users)
	}
	acc := metrics.NewAccumulator(metrics.Options{Streaming: p.Streaming, SLOs: slos, MeanGapNs: meanGap,
		OSLMismatchPct:    envFloat(e.getenv, "AIPERF_METRICS_OSL_MISMATCH_PCT_THRESHOLD", 5),
		OSLMismatchTokens: envFloat(e.getenv, "AIPERF_METRICS_OSL_MISMATCH_MAX_TOKEN_THRESHOLD", 50)})
	sinks := []engine.Sink{accumulatorSink{acc}}
	var recWriter *export.RecordWriter
	if p.ExportLevel != "summary" {
		if recWriter, err = export.NewRecordWriter(files.Records()); err != nil {
			return fmt.Errorf("profile_export.jsonl: %w", err)
		}
		sinks = append(sinks, recWriter)
	}
	var rawWriter *export.RawWriter
	if p.ExportLevel == "raw" {
		if rawWriter, err = export.NewRawWriter(files.Raw()); err != nil {
			return fmt.Errorf("profile_export_raw.jsonl: %w", err)
		}
		sinks = append(sinks, rawWriter)
	}
	var outputs *export.OutputsSink
	if p.ExportOutputs || p.ExportLevel == "raw" {
		outputs = &export.OutputsSink{}
		sinks = append(sinks, outputs)
	}
	proc := engine.NewProcessor(tok, clk, p.Streaming, sinks...)
	proc.ServerCounts = p.UseServerTokenCount
	records := make(chan *record.Record, 4096)
	procDone := make(chan struct{})
	go func() { proc.Run(records); close(procDone) }()

	issueCtx, stopIssue := context.WithCancelCause(ctx)
	runCtx, stopRun := context.WithCancelCause(ctx)
	defer stopIssue(nil)
	defer stopRun(nil)
	var wasCancelled atomic.Bool
	runDone := make(chan struct{})
	sigc := make(chan os.Signal, 2)
	signal.Notify(sigc, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigc)
	go func() {
		select {
		case <-sigc:
		case <-runDone:
			return
		}
		wasCancelled.Store(true)
		log.Warn(fmt.Sprintf("Interrupted: sending no new requests; waiting up to %v for those in flight (Ctrl-C again to stop now)", shutdownWait))
		stopIssue(engine.ErrStopped)
		select {
		case <-sigc:
		case <-time.After(shutdownWait):
		case <-runDone:
			return
		}
		stopRun(transport.ErrCancelled)
	}()

	pattern := p.ArrivalPattern
	if pl.sessionRate {
		pattern = p.SessionArrival
	}
	arrivals, err := schedule.New(pattern, pl.rate, smoothness(p), dataset.NewRand(seed, dataset.StreamArrival))
	if err != nil {
		return usageError{err}
	}
	base := engine.Config{
		Conversations: convs, Sampler: sampler, Codec: codec, URLs: urls, Header: baseHeaders(p),
		Concurrency: pl.concurrency, Rate: pl.rate, Arrivals: arrivals, SessionRate: pl.sessionRate,
		Users: pl.users, UserGap: pl.userGap,
		Timeout: time.Duration(p.RequestTimeoutSeconds * float64(time.Second)), Seed: seed,
		SessionHeader: p.SessionHeader, ExtraSessionHeaders: sessionHeaders(p, e.getenv),
		Fixed: fixed.on, FixedZeroMs: fixed.zeroMs, KeepRaw: p.ExportLevel == "raw",
		ConnectionReuse: p.ConnectionReuse, ContextMode: contextMode,
	}
	if p.CancellationRate != nil {
		base.CancelRate = *p.CancellationRate
		if p.CancellationDelay != nil {
			base.CancelDelay = time.Duration(*p.CancellationDelay * float64(time.Second))
		}
	}
	if p.PrefillConcurrency != nil {
		base.PrefillConcurrency = *p.PrefillConcurrency
	}
	uiMode := p.UIType
	if uiMode == "" || p.Verbose > 0 {
		uiMode = "simple"
	}

	phase := func(name string, cfg engine.Config, total int64) *engine.Progress {
		var prog engine.Progress
		prog.ExpectedRequests.Store(total)
		eng := engine.New(cfg, client, clk, records, &prog)
		uiCtx, uiStop := context.WithCancel(ctx)
		uiDone := make(chan struct{})
		started := time.Now()
		go func() {
			ui.Progress(uiCtx, console, uiMode, 2*time.Second, func() ui.Status {
				return ui.Status{Phase: name, RequestsDone: prog.RequestsDone.Load(), RequestsTotal: total,
					SessionsDone: prog.SessionsDone.Load(), SessionsTotal: int64(cfg.MaxSessions),
					Errors: prog.RequestErrors.Load(), InFlight: prog.InFlight.Load(),
					Elapsed: time.Since(started), Duration: cfg.Duration}
			})
			close(uiDone)
		}()
		phaseRun := runCtx
		if cfg.Duration > 0 {
			var c context.CancelFunc
			phaseRun, c = context.WithTimeoutCause(runCtx, cfg.Duration+pl.grace, transport.ErrCancelled)
			defer c()
		}
		eng.Run(issueCtx, phaseRun)
		uiStop()
		<-uiDone
		return &prog
	}

	if p.WarmupRequestCount > 0 {
		w := base
		w.Phase, w.MaxRequests = record.PhaseWarmup, p.WarmupRequestCount
		w.Sampler = dataset.NewSampler(p.SamplingStrategy, len(convs), dataset.NewRand(seed, dataset.StreamSampler+100))
		log.Info(fmt.Sprintf("Warming up with %d requests", p.WarmupRequestCount))
		phase("Warmup", w, int64(p.WarmupRequestCount))
		base.SessionOffset = 1 << 30 // warmup sessions never share numbers with profiling ones
	}
	prof := base
	prof.Phase, prof.MaxSessions, prof.MaxRequests, prof.Duration = record.PhaseProfiling, pl.maxSessions, pl.maxRequests, pl.duration
	startTime := time.Now()
	if pl.duration > 0 {
		proc.SetDeadline(startTime.Add(pl.duration + pl.grace).UnixNano())
	}
	log.Info("sonde is PROFILING")
	var unsent int64
	if issueCtx.Err() == nil {
		unsent = phase("Profiling", prof, expected).Unsent.Load()
	}
	close(runDone)
	close(records)
	<-procDone
	endTime := time.Now()

	summary := acc.Summary()
	warnings = append(warnings, summary.Warnings...)
	if proc.MissingUsage > 0 {
		warnings = append(warnings, fmt.Sprintf("--use-server-token-count: %d responses carried no usage; their tokens were counted by sonde's tokenizer.", proc.MissingUsage))
	}
	if unsent > 0 {
		warnings = append(warnings, fmt.Sprintf("%d scheduled session arrivals never got a concurrency slot before the run stopped: the offered load was higher than --concurrency allows.", unsent))
	}
	for _, w := range summary.Warnings {
		log.Warn(w)
	}
	run := &export.Run{Unsent: unsent, Config: redactedConfig(p), CLICommand: p.CLICommand, WasCancelled: wasCancelled.Load(),
		StartTime: startTime, EndTime: endTime, Version: version, Seed: seed,
		Tokenizer: export.TokenizerInfo{Requested: res.Requested, Used: tok.Name(), Fallback: res.Fallback}, Warnings: warnings}
	if rawWriter != nil {
		if err := rawWriter.Close(); err != nil {
			log.Error("writing profile_export_raw.jsonl: " + err.Error())
		}
	}
	if outputs != nil {
		if err := export.WriteFile(files.Outputs(), outputs.JSON()); err != nil {
			log.Error("writing outputs.json: " + err.Error())
		}
	}
	if err := writeExports(e, files, summary, run, recWriter, log); err != nil {
		return err
	}
	if run.WasCancelled {
		return interrupted{}
	}
	if summary.RequestCount == 0 && len(summary.Errors) > 0 {
		first := summary.Errors[0].Error
		return fmt.Errorf("all %d requests failed; most common error: %s: %s", summary.ErrorCount, first.Type, first.Message)
	}
	return nil
}

// sessionHeaders are headers that carry the session id besides
// --session-header: X-Session-Affinity with --session-affinity, and
// X-Dynamo-Session-ID with AIPerf's environment switch.
func sessionHeaders(p *config.Profile, getenv func(string) string) []string {
	var h []string
	if p.SessionAffinity {
		h = append(h, "X-Session-Affinity")
	}
	if getenv("AIPERF_HTTP_X_DYNAMO_SESSION_ID_FROM_CORRELATION_ID") == "1" {
		h = append(h, "X-Dynamo-Session-ID")
	}
	return h
}

// replayAnswers replaces the pre-canned answers with those a previous run
// recorded, so this run sends the very prompts that one did.
func replayAnswers(path string, convs []dataset.Conversation, tok tokenizer.Tokenizer, log *slog.Logger) error {
	answers, err := export.LoadOutputs(path)
	if err != nil {
		return err
	}
	used := 0
	for i := range convs {
		for k := range convs[i].Turns {
			if a, ok := answers[export.OutputKey{ConversationID: convs[i].ID, TurnIndex: k}]; ok {
				t := &convs[i].Turns[k]
				t.Answer, t.AnswerTokens = a, len(tok.Encode(a))
				used++
			}
		}
	}
	if used == 0 {
		return fmt.Errorf("--replay-outputs %s: no answer matches this run's conversations (use the same --random-seed and dataset flags)", path)
	}
	log.Info(fmt.Sprintf("Replaying %d recorded answers from %s", used, path))
	return nil
}

// envFloat reads a numeric environment setting, or def.
func envFloat(getenv func(string) string, name string, def float64) float64 {
	if v, err := strconv.ParseFloat(getenv(name), 64); err == nil && v > 0 {
		return v
	}
	return def
}

func smoothness(p *config.Profile) float64 {
	if p.ArrivalSmoothness != nil {
		return *p.ArrivalSmoothness
	}
	return 1
}

// randomSeed is --random-seed, or fresh entropy; the seed used is recorded
// in the exports so any run can be repeated.
func randomSeed(p *config.Profile) uint64 {
	if p.RandomSeed != nil {
		return uint64(*p.RandomSeed)
	}
	var b [8]byte
	crand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:]) >> 1
}

func writeExports(e env, files export.Files, s *metrics.Summary, run *export.Run, rw *export.RecordWriter, log *slog.Logger) error {
	var firstErr error
	keep := func(what string, err error) {
		if err != nil {
			log.Error(fmt.Sprintf("writing %s: %v", what, err))
			if firstErr == nil {
				firstErr = fmt.Errorf("writing %s: %w", what, err)
			}
		}
	}
	if rw != nil {
		keep(files.Records(), rw.Close())
	}
	keep(files.SummaryJSON(), export.WriteFile(files.SummaryJSON(), export.SummaryJSON(s, run)))
	keep(files.SummaryCSV(), export.WriteFile(files.SummaryCSV(), export.SummaryCSV(s)))
	keep(files.TurnsCSV(), export.WriteFile(files.TurnsCSV(), export.TurnsCSV(s)))
	export.Console(e.stdout, s)
	export.Warnings(e.stdout, run.Warnings)
	fmt.Fprintf(e.stdout, "\nCLI Command: %s\n", run.CLICommand)
	fmt.Fprintf(e.stdout, "Benchmark Duration: %.2f sec\n", s.DurationSec)
	fmt.Fprintf(e.stdout, "CSV Export: %s\n", files.SummaryCSV())
	fmt.Fprintf(e.stdout, "JSON Export: %s\n", files.SummaryJSON())
	fmt.Fprintf(e.stdout, "Log File: %s\n", files.Log())
	log.Info("Results saved to: " + files.Dir)
	return firstErr
}
