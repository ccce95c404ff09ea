package output

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"time"

	"github.com/sonde-bench/sonde/internal/adapt"
	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/pipeline"
	"github.com/sonde-bench/sonde/internal/plan"
	"github.com/sonde-bench/sonde/internal/record"
)

// Records is a run's record pipeline, on one goroutine off the requests'
// path: the processor counts each record's tokens and hands it to the
// accumulator every summary comes from, the streamed exports, the fleet
// view, the dashboard's live view and the time slices.
type Records struct {
	Acc  *metrics.Accumulator
	proc *pipeline.Processor
	// Live feeds the dashboard; nil without one.
	Live *pipeline.Live
	// API serves the live view (--api-port); nil without.
	API *API
	// Slices (--slice-duration), Replicas (several --url) and OTel
	// (--otel-url) are outputs of the phase; nil when not asked for.
	Slices, Replicas, OTel Output
	// Phases is the summary per profiling phase (--phase); nil in a run of
	// one.
	Phases Output
	// Adaptive runs adaptive scale's controller (--adaptive-scale); nil
	// without.
	Adaptive Output
	// Traces joins the server's spans (--collect-server-traces); nil
	// without.
	Traces Output
	// Accuracy grades the answers (--accuracy-benchmark); nil without.
	Accuracy Output
	streams  []pipeline.Sink // the streamed exports, closed after the summaries
	log      *slog.Logger
	done     chan struct{}
}

// RecordOptions are what the pipeline takes besides the plan.
type RecordOptions struct {
	Clock     clock.Clock
	Getenv    func(string) string // AIPerf's OSL-mismatch thresholds
	Log       *slog.Logger        // -v: how connections were used; -vv: each request
	Dashboard bool                // feed a live view
	// API, when set, is the live API's address (--api-port) and what it
	// says of the run.
	API     string
	APIInfo APIInfo
	Warn    func(string) // a warning of the run
	Info    func(string) // a line of the log
	// BenchmarkID and Version label what goes to OpenTelemetry.
	BenchmarkID, Version string
}

// NewRecords builds the pipeline of a run of pl: the accumulator, the
// streamed exports by name, and the processor that feeds them.
func NewRecords(pl *plan.Plan, o RecordOptions) (*Records, error) {
	p, slos, urls, files := pl.Flags(), pl.SLOs(), pl.URLs(), pl.Files()
	t := endpoint.Type(p.EndpointType)
	r := &Records{log: o.Log}
	r.Acc = metrics.NewAccumulator(metrics.Options{Streaming: p.Streaming, SLOs: slos, MeanGapNs: pl.MeanGapNs(),
		Vectors: !t.ProducesTokens(), Title: t.Title(),
		OSLMismatchPct:    envFloat(o.Getenv, "AIPERF_METRICS_OSL_MISMATCH_PCT_THRESHOLD", 5),
		OSLMismatchTokens: envFloat(o.Getenv, "AIPERF_METRICS_OSL_MISMATCH_MAX_TOKEN_THRESHOLD", 50)})
	for _, name := range pipeline.Streams(p.ExportLevel, p.ExportOutputs) {
		s, err := pipeline.Exporter(name, files)
		if err != nil {
			return nil, err
		}
		r.streams = append(r.streams, s)
	}
	if o.Log.Enabled(context.Background(), slog.LevelDebug) {
		r.streams = append(r.streams, &pipeline.Debug{Log: o.Log})
	}
	sinks := append([]pipeline.Sink{pipeline.Accumulate{Accumulator: r.Acc}}, r.streams...)
	opts := metrics.Options{Streaming: p.Streaming, SLOs: slos, Vectors: !t.ProducesTokens()}
	if len(urls) > 1 { // the fleet view: a summary per replica
		rs := newGroupSink(opts, urls, func(r *record.Record) string { return r.URL })
		sinks = append(sinks, rs)
		r.Replicas = &replicasOutput{sink: rs, urls: urls}
	}
	if st, control := pl.Adaptive(); st != nil { // adaptive scale's windows
		w := &adapt.Window{}
		sinks = append(sinks, w)
		r.Adaptive = newAdaptiveOutput(*st, w, control, o.Clock, files, o.Info)
	}
	if stages := pl.Stages(); len(stages) > 0 { // a summary per profiling phase
		names, loads := []string{p.PhaseName}, []string{pl.Says()}
		for _, st := range stages {
			names, loads = append(names, st.Name), append(loads, st.Says())
		}
		ps := newGroupSink(opts, names, func(r *record.Record) string { return r.Stage })
		sinks = append(sinks, ps)
		r.Phases = &phasesOutput{sink: ps, names: names, loads: loads}
	}
	now := func() time.Time { return o.Clock.Time(o.Clock.Now()) }
	if o.Dashboard || o.API != "" {
		r.Live = pipeline.NewLive(now)
		sinks = append(sinks, r.Live)
	}
	if o.API != "" {
		api, err := NewAPI(o.API, r.Live, o.APIInfo, now)
		if err != nil {
			return nil, fmt.Errorf("--api-port: %w", err)
		}
		sinks, r.API = append(sinks, api), api
	}
	if p.SliceDuration != nil {
		slicer := metrics.NewSlicer(opts, int64(*p.SliceDuration*1e9))
		sinks = append(sinks, pipeline.Slices{Slicer: slicer})
		r.Slices = &slicesOutput{slicer: slicer, files: files, now: func() int64 { return now().UnixNano() }, warn: o.Warn, streaming: p.Streaming}
	}
	if recv := pl.ServerTraces(); recv != nil {
		ts := &traceSink{}
		sinks = append(sinks, ts)
		r.Traces = &tracesOutput{sink: ts, recv: recv, quiet: time.Duration(p.ServerTracesWait * float64(time.Second)), files: files, info: o.Info}
	}
	if b := pl.Accuracy(); b != nil {
		as, ao := newAccuracy(*b, p.AccuracyVerbose, p.ConfidenceLevel, files, o.Info)
		sinks, r.Accuracy = append(sinks, as), ao
	}
	if p.OTelURL != "" {
		ot, err := newOTel(p, urls, o.BenchmarkID, o.Version, o.Info, o.Warn)
		if err != nil {
			return nil, err
		}
		if ot != nil {
			sinks, r.OTel = append(sinks, ot.e), ot
		}
	}
	r.proc = pipeline.NewProcessor(pl.Tokenizer().Tokenizer, o.Clock, p.Streaming, sinks...)
	r.proc.ServerCounts = p.UseServerTokenCount
	r.proc.Template = pl.Template()
	return r, nil
}

// Start opens the streamed exports.
func (r *Records) Start() error { return pipeline.Start(r.streams) }

// Run starts the processor: it reads records from the channel returned
// until the channel is closed; Wait waits for it to finish.
func (r *Records) Run() chan<- *record.Record {
	records := make(chan *record.Record, 4096)
	r.done = make(chan struct{})
	go func() { r.proc.Run(records); close(r.done) }()
	return records
}

// Wait waits for the processor, once the channel Run returned is closed.
func (r *Records) Wait() { <-r.done }

// Findings are what the processor found in the answers, said under the
// results.
func (r *Records) Findings() []string {
	var out []string
	if r.proc.MissingUsage > 0 {
		out = append(out, fmt.Sprintf("--use-server-token-count: %d responses carried no usage; their tokens were counted by sonde's tokenizer.", r.proc.MissingUsage))
	}
	if r.proc.BadUsage > 0 {
		out = append(out, fmt.Sprintf("the server's usage was not a token count in %d responses (first: %s); it was ignored and sonde's own token counts stand.", r.proc.BadUsage, r.proc.FirstBadUsage))
	}
	if r.proc.TemplateErrors > 0 {
		out = append(out, fmt.Sprintf("--apply-chat-template: the chat template failed to render %d requests; their ISL counts the messages' contents only.", r.proc.TemplateErrors))
	}
	return out
}

// Flush writes what the streamed exports hold, and says which could not
// keep every record (a full disk): the summaries, written next into the
// space held for them, count every request all the same.
func (r *Records) Flush() (warnings []string) {
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

// Close closes the streamed exports (after the summaries: see
// export.WriteSummaries).
func (r *Records) Close() error { return pipeline.Close(r.streams) }

// envFloat reads a numeric environment setting, or def.
func envFloat(getenv func(string) string, name string, def float64) float64 {
	if v, err := strconv.ParseFloat(getenv(name), 64); err == nil && v > 0 {
		return v
	}
	return def
}
