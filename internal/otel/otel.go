// Package otel exports a run to OpenTelemetry with the official SDK: each
// request as a span whose trace and span ids are those of the traceparent
// it carried (so the server's own spans of it join), and the GenAI client
// metrics (OpenTelemetry's GenAI semantic conventions, AIPerf's names) —
// over OTLP/HTTP or OTLP/gRPC. It is a sink of the record pipeline: it
// reads records after they are measured, on the processor goroutine, and
// the SDK exports from goroutines of its own, never on a request's path.
package otel

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Options say where the run goes and how it is labelled.
type Options struct {
	Endpoint *url.URL // http(s):// for OTLP/HTTP, grpc:// for OTLP/gRPC
	// StreamMetrics exports the metrics every MetricInterval during the
	// run (else once, at the end); StreamSpans exports spans as requests
	// end (else in batches of BatchSize, the last at the end).
	StreamMetrics, StreamSpans bool
	MetricInterval             time.Duration
	// Resource are the resource attributes (key=value) besides sonde's.
	Resource []string
	// Provider is gen_ai.provider.name; Operation gen_ai.operation.name;
	// Model gen_ai.request.model.
	Provider, Operation, Model string
	BenchmarkID, Version       string
	// span and metric exporters, for tests (the OTLP ones otherwise).
	spans   sdktrace.SpanExporter
	metrics sdkmetric.Exporter
}

// BatchSize is how many spans go in one export when they are not streamed.
const BatchSize = 512

// Exporter is a run's OpenTelemetry export: a sink of the record pipeline.
type Exporter struct {
	o       Options
	tp      *sdktrace.TracerProvider
	mp      *sdkmetric.MeterProvider
	tracer  trace.Tracer
	inst    instruments
	attrs   []attribute.KeyValue // every span's and data point's
	ids     ids
	spanErr *failures
	metErr  *failures
	Spans   int // spans made
}

// New builds the exporter; nothing is sent before the first record.
func New(ctx context.Context, o Options) (*Exporter, error) {
	res := resource.NewSchemaless(resourceAttrs(o)...)
	e := &Exporter{o: o, spanErr: &failures{}, metErr: &failures{}}
	spans, metrics, err := exporters(ctx, o)
	if err != nil {
		return nil, err
	}
	batch := []sdktrace.BatchSpanProcessorOption{sdktrace.WithMaxExportBatchSize(BatchSize), sdktrace.WithMaxQueueSize(8 * BatchSize)}
	if !o.StreamSpans {
		batch = append(batch, sdktrace.WithBatchTimeout(24*time.Hour)) // full batches, and the rest at the end
	} else {
		batch = append(batch, sdktrace.WithBatchTimeout(time.Second))
	}
	e.tp = sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithIDGenerator(&e.ids), sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithBatcher(countingSpans{spans, e.spanErr}, batch...))
	interval := 24 * time.Hour // once, when the exporter shuts down
	if o.StreamMetrics {
		interval = max(o.MetricInterval, 100*time.Millisecond)
	}
	e.mp = sdkmetric.NewMeterProvider(sdkmetric.WithResource(res),
		sdkmetric.WithReader(sdkmetric.NewPeriodicReader(countingMetrics{metrics, e.metErr}, sdkmetric.WithInterval(interval))))
	e.tracer = e.tp.Tracer("sonde", trace.WithInstrumentationVersion(o.Version))
	if e.inst, err = newInstruments(e.mp.Meter("sonde", metric.WithInstrumentationVersion(o.Version))); err != nil {
		return nil, err
	}
	e.attrs = []attribute.KeyValue{attribute.String("gen_ai.operation.name", o.Operation), attribute.String("gen_ai.provider.name", o.Provider),
		attribute.String("gen_ai.request.model", o.Model)}
	return e, nil
}

// resourceAttrs are sonde's resource attributes, then the user's (which
// win: the SDK keeps the last value of a key).
func resourceAttrs(o Options) []attribute.KeyValue {
	attrs := []attribute.KeyValue{attribute.String("service.name", "sonde"), attribute.String("service.version", o.Version),
		attribute.String("sonde.benchmark.id", o.BenchmarkID)}
	for _, kv := range o.Resource {
		if k, v, ok := strings.Cut(kv, "="); ok {
			attrs = append(attrs, attribute.String(strings.TrimSpace(k), strings.TrimSpace(v)))
		}
	}
	return attrs
}

// Reachable says whether the collector accepts a connection (AIPerf warns
// and goes on when it does not).
func Reachable(u *url.URL, timeout time.Duration) error {
	c, err := net.DialTimeout("tcp", u.Host, timeout)
	if err != nil {
		return err
	}
	return c.Close()
}

// Start is the sink's: the exporter is ready once built.
func (e *Exporter) Start() error { return nil }

// Close exports what is left and shuts the SDK down, within 10 s; export
// failures are not errors of the run (see Failures).
func (e *Exporter) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e.tp.Shutdown(ctx)
	e.mp.Shutdown(ctx)
	return nil
}

// Failures says which exports failed, for the run's warnings; "" when none.
func (e *Exporter) Failures() string {
	var parts []string
	for _, f := range []struct {
		what string
		f    *failures
	}{{"span", e.spanErr}, {"metric", e.metErr}} {
		if n, last := f.f.get(); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s exports failed (last: %v)", n, f.what, last))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("OpenTelemetry: %s to %s; the run itself is not affected.", strings.Join(parts, ", "), e.o.Endpoint.Redacted())
}

// failures counts an exporter's failed exports and keeps the last error.
type failures struct {
	mu   sync.Mutex
	n    int
	last error
}

func (f *failures) add(err error) {
	f.mu.Lock()
	f.n, f.last = f.n+1, err
	f.mu.Unlock()
}

func (f *failures) get() (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n, f.last
}
