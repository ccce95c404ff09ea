package output

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sonde-bench/sonde/internal/engine"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/pipeline"
	"github.com/sonde-bench/sonde/internal/record"
)

// API serves a run's progress and live metrics over HTTP while it runs
// (--api-port), AIPerf's paths: it reads the engine's counters, the live
// view and its own Prometheus histograms, which the record pipeline feeds
// (a sink, off the requests' path). It answers until Close.
type API struct {
	srv   *http.Server
	ln    net.Listener
	reg   *prometheus.Registry
	hist  map[int]prometheus.Histogram // by metric index
	reqs  prometheus.Counter
	errs  *prometheus.CounterVec
	toks  *prometheus.CounterVec
	live  *pipeline.Live
	phase atomic.Pointer[phaseState]
	info  APIInfo
	mu    sync.Mutex
	done  map[string]phaseCounts // phases that ended
	now   func() time.Time
}

// APIInfo is what /api/run and /api/config say of the run, and where its
// summary will be.
type APIInfo struct {
	BenchmarkID string
	Seed        uint64
	CLICommand  string // redacted
	Config      any    // the run's input_config
	Files       export.Files
}

// phaseState is the phase running now.
type phaseState struct {
	name    string
	prog    *engine.Progress
	total   int64
	started time.Time
}

// phaseCounts is a phase's progress, as /api/progress shows it.
type phaseCounts struct {
	RequestsSent      int64   `json:"requests_sent"`
	RequestsCompleted int64   `json:"requests_completed"`
	RequestErrors     int64   `json:"request_errors"`
	RequestsTotal     int64   `json:"requests_total,omitempty"`
	SessionsCompleted int64   `json:"sessions_completed"`
	InFlight          int64   `json:"in_flight"`
	ElapsedSec        float64 `json:"elapsed_sec"`
	Percent           float64 `json:"percent,omitempty"`
	Done              bool    `json:"done"`
}

// secondsBuckets bound the latency histograms: 1 ms to about 65 s.
var secondsBuckets = prometheus.ExponentialBuckets(0.001, 2, 17)

// NewAPI listens on addr (port 0: any free one); nothing is served before
// Start. live is the pipeline's live view.
func NewAPI(addr string, live *pipeline.Live, info APIInfo, now func() time.Time) (*API, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	a := &API{ln: ln, reg: prometheus.NewRegistry(), hist: map[int]prometheus.Histogram{}, live: live, info: info, done: map[string]phaseCounts{}, now: now}
	for i, name := range map[int]string{metrics.TTFT: "time_to_first_token", metrics.ITL: "inter_token_latency",
		metrics.RequestLatency: "request_latency", metrics.ScheduleLag: "schedule_lag"} {
		a.hist[i] = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "sonde", Name: name + "_seconds", Buckets: secondsBuckets,
			Help: "Per-request " + name + " of the profiling phase, as sonde measured it."})
		a.reg.MustRegister(a.hist[i])
	}
	a.reqs = prometheus.NewCounter(prometheus.CounterOpts{Namespace: "sonde", Name: "requests_completed_total", Help: "Profiling requests ended, failed or not."})
	a.errs = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "sonde", Name: "request_errors_total", Help: "Failed profiling requests, by error type."}, []string{"error_type"})
	a.toks = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "sonde", Name: "tokens_total", Help: "Tokens of successful profiling requests."}, []string{"type"})
	inFlight := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "sonde", Name: "requests_in_flight", Help: "Requests sent and not yet answered, in the phase running."},
		func() float64 {
			if s := a.phase.Load(); s != nil {
				return float64(s.prog.InFlight.Load())
			}
			return 0
		})
	a.reg.MustRegister(a.reqs, a.errs, a.toks, inFlight)
	a.srv = &http.Server{Handler: a.routes(), ReadHeaderTimeout: 5 * time.Second}
	return a, nil
}

// Addr is where the API answers.
func (a *API) Addr() net.Addr { return a.ln.Addr() }

// Start serves until Close.
func (a *API) Start() error {
	go a.srv.Serve(a.ln)
	return nil
}

// Close stops serving (after the run's files are written).
func (a *API) Close() error { return a.srv.Close() }

// Watch makes the phase name, counted in prog, the one /api/progress and
// /metrics follow; the previous one is kept as it ended.
func (a *API) Watch(name string, prog *engine.Progress, total int64) {
	if prev := a.phase.Swap(&phaseState{name: name, prog: prog, total: total, started: a.now()}); prev != nil {
		a.mu.Lock()
		c := a.counts(prev)
		c.Done = true
		a.done[prev.name] = c
		a.mu.Unlock()
	}
}

// Put observes one profiling record (a pipeline sink).
func (a *API) Put(r *record.Record, v *metrics.Values) {
	a.reqs.Inc()
	for i, h := range a.hist {
		if x, ok := v.Get(i); ok {
			h.Observe(x / 1e9)
		}
	}
	if r.Error != nil {
		a.errs.WithLabelValues(r.Error.Kind()).Inc()
		return
	}
	a.toks.WithLabelValues("input").Add(float64(r.InputTokens))
	a.toks.WithLabelValues("output").Add(float64(r.OutputTokens + r.ReasoningTokens))
}

func (a *API) counts(s *phaseState) phaseCounts {
	c := phaseCounts{RequestsSent: s.prog.RequestsSent.Load(), RequestsCompleted: s.prog.RequestsDone.Load(), RequestErrors: s.prog.RequestErrors.Load(),
		RequestsTotal: s.total, SessionsCompleted: s.prog.SessionsDone.Load(), InFlight: s.prog.InFlight.Load(), ElapsedSec: a.now().Sub(s.started).Seconds()}
	if s.total > 0 {
		c.Percent = 100 * float64(c.RequestsCompleted) / float64(s.total)
	}
	return c
}

func (a *API) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /api/progress", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, a.progress()) })
	mux.HandleFunc("GET /api/metrics", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, a.metrics()) })
	mux.HandleFunc("GET /api/run", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"benchmark_id": a.info.BenchmarkID, "random_seed": a.info.Seed, "cli_command": a.info.CLICommand})
	})
	mux.HandleFunc("GET /api/config", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, a.info.Config) })
	mux.HandleFunc("GET /api/results", a.results)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if a.phase.Load() == nil {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok"))
	})
	return mux
}

func (a *API) progress() map[string]any {
	a.mu.Lock()
	phases := map[string]phaseCounts{}
	for k, v := range a.done {
		phases[k] = v
	}
	a.mu.Unlock()
	current := ""
	if s := a.phase.Load(); s != nil {
		current = s.name
		phases[s.name] = a.counts(s)
	}
	return map[string]any{"current_phase": current, "phases": phases}
}

// metrics are the live view: each latency's p50, p90 and p99 over the
// recent requests (ms), errors by type, and output tokens per second over
// the last 10 s.
func (a *API) metrics() map[string]any {
	out := map[string]any{}
	if a.live == nil {
		return out
	}
	s := a.live.Snapshot()
	ms := map[string]any{}
	for tag, p50 := range s.P50 {
		ms[tag] = map[string]any{"unit": "ms", "p50": p50, "p90": s.P90[tag], "p99": s.P99[tag]}
	}
	ms["output_token_throughput"] = map[string]any{"unit": "tokens/sec", "avg": s.OutputTPS}
	out["metrics"], out["errors"] = ms, s.Errors
	return out
}

// results is the summary once the run has written it.
func (a *API) results(w http.ResponseWriter, _ *http.Request) {
	b, err := os.ReadFile(a.info.Files.SummaryJSON())
	if errors.Is(err, os.ErrNotExist) {
		http.Error(w, `{"detail": "the run has not finished"}`, http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
