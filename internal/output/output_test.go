package output_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/engine"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/export/exporttest"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/output"
	"github.com/sonde-bench/sonde/internal/plan/plantest"
)

// warnings collects a run's warnings.
type warnings struct {
	mu sync.Mutex
	w  []string
}

func (w *warnings) add(s string) { w.mu.Lock(); w.w = append(w.w, s); w.mu.Unlock() }
func (w *warnings) all() string  { w.mu.Lock(); defer w.mu.Unlock(); return strings.Join(w.w, "\n") }

func exists(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("not written: %v", err)
		}
	}
}

// The server's view: the simulator's /metrics and its GPUs' exporter are
// scraped over the phase and written in every format asked for; an
// exporter that does not answer is named.
func TestServerView(t *testing.T) {
	pl := plantest.Must(t, "--url", "sim://?gpus=2&ttft=1ms&itl=100us", "--gpu-telemetry", "default", "--server-metrics-formats", "json,csv,jsonl",
		"--server-metrics", "http://127.0.0.1:1/metrics")
	if err := os.MkdirAll(pl.Files().Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var w warnings
	var logs bytes.Buffer
	v, err := output.NewServerView(t.Context(), pl, slog.New(slog.NewTextHandler(&logs, nil)), w.add)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(w.all(), "Server metrics: http://127.0.0.1:1/metrics (") {
		t.Errorf("warned %q", w.all())
	}
	l := output.List{v}
	if err := l.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // the final scrape comes with Stop in any case
	if err := l.Stop(); err != nil {
		t.Fatal(err)
	}
	s := metrics.NewAccumulator(metrics.Options{Streaming: true}).Summary()
	run := &export.Run{}
	l.Contribute(s, run)
	if err := l.Write(); err != nil {
		t.Fatal(err)
	}
	f := pl.Files()
	exists(t, f.ServerMetricsJSON(), f.ServerMetricsCSV(), f.ServerMetricsJSONL(), f.GPUTelemetryJSONL())
	if len(run.Sections) < 2 {
		t.Errorf("%d console sections, want the server's and the GPUs'", len(run.Sections))
	}

	pl = plantest.Must(t, "--url", "http://127.0.0.1:1", "--gpu-telemetry", "127.0.0.1:1", "--no-server-metrics")
	w = warnings{}
	if _, err := output.NewServerView(t.Context(), pl, slog.New(slog.NewTextHandler(&logs, nil)), w.add); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(w.all(), "GPU telemetry: no DCGM exporter answers") {
		t.Errorf("warned %q", w.all())
	}
}

// The record pipeline feeds the accumulator, the streamed exports, the
// fleet view, the live view and the slices from the records it is given.
func TestRecords(t *testing.T) {
	pl := plantest.Must(t, "--url", "http://127.0.0.1:1", "--url", "http://127.0.0.1:2", "--streaming", "--slice-duration", "0.1",
		"--export-level", "raw", "--use-server-token-count")
	if err := os.MkdirAll(pl.Files().Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var w warnings
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	clk := clock.New()
	r, err := output.NewRecords(pl, output.RecordOptions{Clock: clk, Getenv: func(string) string { return "" }, Log: log, Dashboard: true, Warn: w.add})
	if err != nil {
		t.Fatal(err)
	}
	if r.Live == nil || r.Slices == nil || r.Replicas == nil {
		t.Fatal("a view is missing")
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	outs := output.List{r.Slices, r.Replicas}
	outs.Start(t.Context())
	recs, _ := exporttest.Records(exporttest.Shape{Sessions: 2, Turns: 2, Tokens: 3, TTFT: time.Millisecond, ITL: time.Millisecond})
	in := r.Run()
	for i, rec := range recs {
		rec.URL = pl.URLs()[i%2]
		rec.Usage = nil
		in <- rec
	}
	close(in)
	r.Wait()
	outs.Stop()
	s := r.Acc.Summary()
	if s.RequestCount != 4 {
		t.Errorf("%d requests summed", s.RequestCount)
	}
	run := &export.Run{}
	outs.Contribute(s, run)
	if run.Extra["replicas"] == nil {
		t.Error("no fleet view")
	}
	if f := r.Findings(); len(f) != 1 || !strings.Contains(f[0], "4 responses carried no usage") {
		t.Errorf("findings %v", f)
	}
	if w := r.Flush(); len(w) != 0 {
		t.Errorf("flush: %v", w)
	}
	if err := errorsJoin(r.Close(), outs.Write()); err != nil {
		t.Fatal(err)
	}
	exists(t, pl.Files().Records(), pl.Files().TimeslicesJSON())
	if !strings.Contains(logs.String(), "request") {
		t.Errorf("-v logged nothing: %s", logs.String())
	}
}

func errorsJoin(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// The screen: the mode each flag and terminal gives, the progress line of
// a phase, and the log lines kept from the console.
func TestScreen(t *testing.T) {
	var stderr, file bytes.Buffer
	now := time.Now
	s, log := output.NewScreen(output.ScreenOptions{Stderr: &stderr, UIType: "dashboard", Now: now}, &file)
	if s.Dashboard() || output.IsTTY(&stderr) {
		t.Error("the dashboard on a pipe")
	}
	log.Info("shown")
	log.LogAttrs(context.Background(), slog.LevelWarn, "kept for the file", output.FileOnly())
	if !strings.Contains(stderr.String(), "shown") || strings.Contains(stderr.String(), "kept for the file") || !strings.Contains(file.String(), "kept for the file") {
		t.Errorf("console %q; file %q", stderr.String(), file.String())
	}
	var prog engine.Progress
	prog.RequestsDone.Store(3)
	d := s.Display("Profiling", &prog, engine.Config{MaxSessions: 2}, 4, nil)
	if err := d.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	d.Stop()
	if !strings.Contains(stderr.String(), "Profiling") {
		t.Errorf("no progress line: %q", stderr.String())
	}
	none, _ := output.NewScreen(output.ScreenOptions{Stderr: &stderr, UIType: "none", Verbosity: 1, Now: now}, &file)
	d = none.Display("Warmup", &prog, engine.Config{}, 0, nil)
	d.Start(t.Context())
	d.Stop()
}

// Pings measure TCP round trips to each server over the phase; a known
// round trip is subtracted without probing.
func TestPingsAndRoundTrips(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	dir := t.TempDir()
	files := export.Files{Dir: dir}
	var w warnings
	var said []string
	pg := output.NewPinger([]string{"http://" + ln.Addr().String() + "/v1/chat/completions", "http://127.0.0.1:1/x"}, 10*time.Millisecond, time.Now,
		files, func(s string) { said = append(said, s) }, w.add)
	l := output.List{pg, output.FixedRTT(0.5, func(s string) { said = append(said, s) }, w.add)}
	l.Start(t.Context())
	time.Sleep(30 * time.Millisecond)
	l.Stop()
	recs, vals := exporttest.Records(exporttest.Shape{Sessions: 1, Turns: 2, Tokens: 3, TTFT: time.Millisecond, ITL: time.Millisecond})
	acc := metrics.NewAccumulator(metrics.Options{Streaming: true})
	for i := range recs {
		acc.Add(recs[i], vals[i])
	}
	s := acc.Summary()
	l.Contribute(s, &export.Run{})
	if err := l.Write(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.Join(said, "\n"), "Network round trip subtracted"); n != 2 {
		t.Errorf("%d round trips subtracted, want the pinged and the given: %v", n, said)
	}
	exists(t, files.NetworkLatency())
}

// The servers' profilers start with the phase, each server once, and all
// stop; a refusal to start stops those started and fails the start.
func TestServerProfiler(t *testing.T) {
	var asked []string
	refuse := ""
	ask := func(_ context.Context, _ *http.Client, method, url string, _ []byte) (*http.Response, error) {
		asked = append(asked, method+" "+url)
		if strings.HasPrefix(url, refuse) && refuse != "" {
			return &http.Response{StatusCode: http.StatusNotFound, Status: "404 Not Found"}, nil
		}
		return &http.Response{StatusCode: http.StatusOK, Status: "200 OK"}, nil
	}
	pl := plantest.Flags(t, "--server-profiler")
	urls := []string{"http://a:1/v1/chat/completions", "http://a:1/v1/chat/completions", "http://b:2/v1/chat/completions"}
	var said []string
	sp := output.NewServerProfiler(urls, pl.Hooks(), ask, func(s string) { said = append(said, s) })
	if err := sp.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := sp.Stop(); err != nil {
		t.Fatal(err)
	}
	want := "POST http://a:1/start_profile, POST http://b:2/start_profile, POST http://b:2/stop_profile, POST http://a:1/stop_profile"
	if got := strings.Join(asked, ", "); got != want || len(said) != 4 {
		t.Errorf("asked %s", got)
	}
	asked, refuse = nil, "http://b:2"
	if err := sp.Start(t.Context()); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("a refused start: %v", err)
	}
	if got := strings.Join(asked, ", "); got != "POST http://a:1/start_profile, POST http://b:2/start_profile, POST http://a:1/stop_profile" {
		t.Errorf("asked %s", got)
	}
}

// --otel-url: a collector that answers gets the spans, one that does not
// is a warning and nothing more.
func TestOTelOutput(t *testing.T) {
	col := httptestServer(t)
	pl := plantest.Must(t, "--url", "http://127.0.0.1:1", "--streaming", "--otel-url", col, "--stream", "default", "--gen-ai-provider", "vllm")
	var w warnings
	var said []string
	r, err := output.NewRecords(pl, output.RecordOptions{Clock: clock.New(), Getenv: func(string) string { return "" }, Log: slog.New(slog.DiscardHandler),
		Warn: w.add, Info: func(s string) { said = append(said, s) }, BenchmarkID: "b", Version: "test"})
	if err != nil || r.OTel == nil {
		t.Fatalf("%v %v", r, err)
	}
	in := r.Run()
	close(in)
	r.Wait()
	l := output.List{r.OTel}
	l.Start(t.Context())
	l.Stop()
	l.Contribute(nil, nil)
	if all := strings.Join(said, "\n"); !strings.Contains(all, "streamed: metrics and spans") || !strings.Contains(all, "0 spans exported") {
		t.Errorf("said %v", said)
	}
	pl = plantest.Must(t, "--url", "http://127.0.0.1:1", "--otel-url", "127.0.0.1:1", "--endpoint-type", "messages")
	r, err = output.NewRecords(pl, output.RecordOptions{Clock: clock.New(), Getenv: func(string) string { return "" }, Log: slog.New(slog.DiscardHandler),
		Warn: w.add, Info: func(string) {}})
	if err != nil || r.OTel != nil || !strings.Contains(w.all(), "is not reachable") {
		t.Errorf("an unreachable collector: %v %v %q", r.OTel, err, w.all())
	}
}

func httptestServer(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// The live API: progress, live metrics, the run, a Prometheus /metrics
// that Prometheus's own parser reads, and the results once written.
func TestAPI(t *testing.T) {
	pl := plantest.Must(t, "--url", "http://127.0.0.1:1", "--streaming")
	r, err := output.NewRecords(pl, output.RecordOptions{Clock: clock.New(), Getenv: func(string) string { return "" }, Log: slog.New(slog.DiscardHandler),
		Warn: func(string) {}, Info: func(string) {}, API: "127.0.0.1:0",
		APIInfo: output.APIInfo{BenchmarkID: "b1", Seed: 7, CLICommand: "sonde profile", Config: map[string]any{"x": 1}, Files: pl.Files()}})
	if err != nil || r.API == nil || r.Live == nil {
		t.Fatalf("%v %v", r, err)
	}
	api := r.API
	api.Start()
	defer api.Close()
	base := "http://" + api.Addr().String()
	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("ready before a phase: %d", code)
	}
	var prog engine.Progress
	api.Watch("Warmup", &prog, 2)
	prog.RequestsDone.Store(2)
	var prof engine.Progress
	api.Watch("Profiling", &prof, 4)
	prof.RequestsSent.Store(4)
	prof.InFlight.Store(1)
	in := r.Run()
	recs, _ := exporttest.Records(exporttest.Shape{Sessions: 2, Turns: 2, Tokens: 3, TTFT: 5 * time.Millisecond, ITL: time.Millisecond, FailLast: 1})
	for _, rec := range recs {
		in <- rec
	}
	close(in)
	r.Wait()
	var progress struct {
		Current string `json:"current_phase"`
		Phases  map[string]struct {
			Sent    int64 `json:"requests_sent"`
			Done    bool  `json:"done"`
			Percent float64
		} `json:"phases"`
	}
	_, body := get("/api/progress")
	if err := json.Unmarshal([]byte(body), &progress); err != nil || progress.Current != "Profiling" || progress.Phases["Profiling"].Sent != 4 || !progress.Phases["Warmup"].Done {
		t.Errorf("progress %s: %v", body, err)
	}
	if _, body := get("/api/metrics"); !strings.Contains(body, `"time_to_first_token":{`) || !strings.Contains(body, "Internal Server Error") {
		t.Errorf("metrics %s", body)
	}
	if _, body := get("/api/run"); !strings.Contains(body, `"benchmark_id":"b1"`) || !strings.Contains(body, `"random_seed":7`) {
		t.Errorf("run %s", body)
	}
	if _, body := get("/api/config"); !strings.Contains(body, `"x":1`) {
		t.Errorf("config %s", body)
	}
	_, body = get("/metrics")
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if h := families["sonde_time_to_first_token_seconds"]; h == nil || h.Metric[0].Histogram.GetSampleCount() != 3 {
		t.Errorf("ttft histogram %v", h)
	}
	if f := families["sonde_requests_completed_total"]; f == nil || f.Metric[0].Counter.GetValue() != 4 {
		t.Errorf("requests %v", f)
	}
	if f := families["sonde_requests_in_flight"]; f == nil || f.Metric[0].Gauge.GetValue() != 1 {
		t.Errorf("in flight %v", f)
	}
	if f := families["sonde_request_errors_total"]; f == nil || f.Metric[0].Counter.GetValue() != 1 {
		t.Errorf("errors %v", f)
	}
	if code, _ := get("/api/results"); code != http.StatusNotFound {
		t.Errorf("results before the run ended: %d", code)
	}
	os.MkdirAll(pl.Files().Dir, 0o755)
	os.WriteFile(pl.Files().SummaryJSON(), []byte(`{"done": true}`), 0o644)
	if code, body := get("/api/results"); code != http.StatusOK || body != `{"done": true}` {
		t.Errorf("results %d %s", code, body)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok" {
		t.Errorf("healthz %d %s", code, body)
	}
	if code, _ := get("/readyz"); code != 200 {
		t.Errorf("readyz %d", code)
	}
}

// The Grafana dashboard in docs/grafana queries only metrics the live API
// serves.
func TestGrafanaDashboard(t *testing.T) {
	b, err := os.ReadFile("../../docs/grafana/sonde-live.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Targets []struct{ Expr string } `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	pl := plantest.Must(t, "--url", "http://127.0.0.1:1")
	r, err := output.NewRecords(pl, output.RecordOptions{Clock: clock.New(), Getenv: func(string) string { return "" }, Log: slog.New(slog.DiscardHandler),
		Warn: func(string) {}, Info: func(string) {}, API: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	r.API.Start()
	defer r.API.Close()
	in := r.Run()
	recs, _ := exporttest.Records(exporttest.Shape{Sessions: 1, Turns: 2, Tokens: 3, TTFT: time.Millisecond, ITL: time.Millisecond, FailLast: 1})
	for _, rec := range recs {
		in <- rec
	}
	close(in)
	r.Wait()
	resp, err := http.Get("http://" + r.API.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	name := regexp.MustCompile(`sonde_[a-z_]+`)
	n := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, m := range name.FindAllString(tg.Expr, -1) {
				n++
				if families[strings.TrimSuffix(m, "_bucket")] == nil {
					t.Errorf("the dashboard queries %s, which /metrics does not serve", m)
				}
			}
		}
	}
	if n < 7 {
		t.Errorf("%d metric references", n)
	}
}
