package otel

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"

	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/export/exporttest"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

// memMetrics keeps what the meter exported.
type memMetrics struct {
	mu    sync.Mutex
	names map[string]int // data points by metric
	err   error
}

func (m *memMetrics) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	return sdkmetric.DefaultTemporalitySelector(k)
}
func (m *memMetrics) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}
func (m *memMetrics) Export(_ context.Context, rm *metricdata.ResourceMetrics) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, sm := range rm.ScopeMetrics {
		for _, x := range sm.Metrics {
			switch d := x.Data.(type) {
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					m.names[x.Name] += int(p.Count)
				}
			case metricdata.Histogram[int64]:
				for _, p := range d.DataPoints {
					m.names[x.Name] += int(p.Count)
				}
			}
		}
	}
	return m.err
}
func (m *memMetrics) ForceFlush(context.Context) error { return nil }
func (m *memMetrics) Shutdown(context.Context) error   { return nil }

// records are a run's records, each with the ids its traceparent gave.
func records(t *testing.T, fail int) ([]*record.Record, []*metrics.Values) {
	recs, vals := exporttest.Records(exporttest.Shape{Sessions: 3, Turns: 2, Tokens: 4, TTFT: 20 * time.Millisecond, ITL: 2 * time.Millisecond, FailLast: fail})
	r := dataset.NewRand(1, dataset.StreamRequestIDs)
	out := make([]*metrics.Values, len(vals))
	for i, rec := range recs {
		rec.SetTraceParent(dataset.TraceParent(r))
		out[i] = vals[i]
	}
	return recs, out
}

func options(spans *tracetest.InMemoryExporter, m *memMetrics) Options {
	var exp sdktrace.SpanExporter = kept{spans}
	u, _ := url.Parse("http://127.0.0.1:4318")
	return Options{Endpoint: u, Resource: []string{"deployment.environment=test", "service.name=bench"}, Provider: "openai", Operation: "chat",
		Model: "m", BenchmarkID: "b1", Version: "test", spans: exp, metrics: m}
}

// One span per request with the ids it carried, its times, its tokens and
// its error; AIPerf's four metrics, a point per request.
func TestSpansAndMetrics(t *testing.T) {
	spans, m := tracetest.NewInMemoryExporter(), &memMetrics{names: map[string]int{}}
	e, err := New(t.Context(), options(spans, m))
	if err != nil {
		t.Fatal(err)
	}
	recs, vals := records(t, 1)
	recs[0].TraceID, recs[0].SpanID = "", "" // never sent: no span
	for i := range recs {
		e.Put(recs[i], vals[i])
	}
	e.Close()
	got := spans.GetSpans()
	if len(got) != len(recs)-1 || e.Spans != len(recs)-1 {
		t.Fatalf("%d spans for %d records", len(got), len(recs))
	}
	for i, s := range got {
		r := recs[i+1]
		if s.SpanContext.TraceID().String() != r.TraceID || s.SpanContext.SpanID().String() != r.SpanID || s.Name != "chat m" {
			t.Errorf("span %d: %s %s %s", i, s.SpanContext.TraceID(), s.SpanContext.SpanID(), s.Name)
		}
		if s.StartTime.UnixNano() != r.StartWallNs || s.EndTime.UnixNano() != r.EndWallNs {
			t.Errorf("span %d: %v–%v", i, s.StartTime, s.EndTime)
		}
		if (r.Error != nil) != (s.Status.Code == codes.Error) || (r.Error == nil) != (len(s.Events) == 1) {
			t.Errorf("span %d: status %v, %d events", i, s.Status, len(s.Events))
		}
	}
	res := got[0].Resource.Attributes()
	var envOK, nameOK bool
	for _, kv := range res {
		envOK = envOK || string(kv.Key) == "deployment.environment" && kv.Value.AsString() == "test"
		nameOK = nameOK || string(kv.Key) == "service.name" && kv.Value.AsString() == "bench"
	}
	if !envOK || !nameOK {
		t.Errorf("resource %v", res)
	}
	ok := len(recs) - 1 // the failed one has no tokens
	want := map[string]int{"gen_ai.client.operation.duration": ok, "gen_ai.client.operation.time_to_first_chunk": ok,
		"gen_ai.client.operation.time_per_output_chunk": ok, "gen_ai.client.token.usage": 2 * ok}
	for k, n := range want {
		if m.names[k] != n {
			t.Errorf("%s: %d points, want %d", k, m.names[k], n)
		}
	}
	if e.Failures() != "" {
		t.Error(e.Failures())
	}
}

// kept is an in-memory exporter whose spans outlive the shutdown (the
// SDK's own clears them then).
type kept struct{ *tracetest.InMemoryExporter }

func (kept) Shutdown(context.Context) error { return nil }

// Failed exports are counted for the run's warnings, never printed by
// the SDK; streaming exports as the run goes.
func TestFailuresAndStreaming(t *testing.T) {
	m := &memMetrics{names: map[string]int{}, err: errors.New("collector gone")}
	o := options(tracetest.NewInMemoryExporter(), m)
	o.StreamMetrics, o.StreamSpans, o.MetricInterval = true, true, 100*time.Millisecond
	e, err := New(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	recs, vals := records(t, 0)
	for i := range recs {
		e.Put(recs[i], vals[i])
	}
	deadline := time.Now().Add(10 * time.Second)
	mem := o.spans.(kept)
	for len(mem.GetSpans()) < len(recs) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // streamed: exported before Close
	}
	if n := len(mem.GetSpans()); n != len(recs) {
		t.Errorf("%d spans streamed before the end, want %d", n, len(recs))
	}
	e.Close()
	if f := e.Failures(); !strings.Contains(f, "metric exports failed (last: collector gone)") || !strings.Contains(f, "127.0.0.1:4318") {
		t.Errorf("failures %q", f)
	}
}

// traceServer is a loopback OTLP/gRPC trace receiver.
type traceServer struct {
	coltrace.UnimplementedTraceServiceServer
	mu    sync.Mutex
	spans int
}

func (s *traceServer) Export(_ context.Context, req *coltrace.ExportTraceServiceRequest) (*coltrace.ExportTraceServiceResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			s.spans += len(ss.Spans)
		}
	}
	return &coltrace.ExportTraceServiceResponse{}, nil
}

// grpc:// speaks OTLP/gRPC; the collector is reachable or not.
func TestGRPC(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	ts := &traceServer{}
	coltrace.RegisterTraceServiceServer(srv, ts)
	go srv.Serve(ln)
	defer srv.Stop()
	u, _ := url.Parse("grpc://" + ln.Addr().String())
	if err := Reachable(u, time.Second); err != nil {
		t.Fatal(err)
	}
	e, err := New(t.Context(), Options{Endpoint: u, Provider: "openai", Operation: "chat", Model: "m", Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	recs, vals := records(t, 0)
	for i := range recs {
		e.Put(recs[i], vals[i])
	}
	e.Close()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.spans != len(recs) {
		t.Errorf("%d spans received over gRPC, want %d", ts.spans, len(recs))
	}
	if !strings.Contains(e.Failures(), "metric exports failed") {
		t.Errorf("the metrics service is not there: %q", e.Failures()) // this server serves traces only
	}
	if Reachable(&url.URL{Host: "127.0.0.1:1"}, time.Second) == nil {
		t.Error("a closed port answered")
	}
}
