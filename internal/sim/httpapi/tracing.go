package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// tracer emits a span per finished generation the way vLLM does with
// --otlp-traces-endpoint: "llm_request", a server span whose parent is the
// request's traceparent, starting at the request's arrival, with vLLM's
// gen_ai.* attributes (latencies in seconds).
type tracer struct {
	tp *sdktrace.TracerProvider
	t  trace.Tracer
}

// exportEvery is how often the simulator exports its spans: vLLM's batch
// processor waits up to 5 s; the simulator is quicker so that short runs
// and tests do not wait (a client waits for late spans either way).
const exportEvery = 200 * time.Millisecond

// newTracer exports to endpoint: grpc://host:port speaks OTLP/gRPC (vLLM's
// default protocol), http://host:port[/path] OTLP/HTTP (/v1/traces).
func newTracer(endpoint, model string) (*tracer, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("otlp-traces-endpoint %q: grpc://host:port or http://host:port", endpoint)
	}
	var exp sdktrace.SpanExporter
	ctx := context.Background()
	switch u.Scheme {
	case "grpc":
		exp, err = otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(u.Host), otlptracegrpc.WithInsecure())
	case "http", "https":
		opts := []otlptracehttp.Option{otlptracehttp.WithEndpoint(u.Host)}
		if u.Scheme == "http" {
			opts = append(opts, otlptracehttp.WithInsecure())
		}
		if p := strings.TrimRight(u.Path, "/"); p != "" {
			opts = append(opts, otlptracehttp.WithURLPath(p))
		}
		exp, err = otlptracehttp.New(ctx, opts...)
	default:
		return nil, fmt.Errorf("otlp-traces-endpoint %q: grpc://, http:// or https://", endpoint)
	}
	if err != nil {
		return nil, err
	}
	res := resource.NewSchemaless(attribute.String("service.name", "sonde-sim"), attribute.String("gen_ai.response.model", model))
	tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(exportEvery)))
	return &tracer{tp: tp, t: tp.Tracer("vllm.llm_engine")}, nil
}

// request emits the span of one finished generation: arrival when the
// handler started, scheduled when the engine admitted it, first when its
// first token was ready to write.
func (t *tracer) request(h http.Header, rec *record, model string, maxTokens int, arrival, scheduled, first, end time.Time) {
	ctx := propagation.TraceContext{}.Extract(context.Background(), propagation.HeaderCarrier(h))
	sec := func(d time.Duration) float64 { return d.Seconds() }
	attrs := []attribute.KeyValue{
		attribute.String("gen_ai.response.model", model),
		attribute.String("gen_ai.request.id", rec.RequestID),
		attribute.Int("gen_ai.usage.prompt_tokens", rec.PromptTokens),
		attribute.Int("gen_ai.usage.completion_tokens", rec.TokensSent),
		attribute.Float64("gen_ai.latency.time_to_first_token", sec(first.Sub(arrival))),
		attribute.Float64("gen_ai.latency.e2e", sec(end.Sub(arrival))),
		attribute.Float64("gen_ai.latency.time_in_queue", sec(scheduled.Sub(arrival))),
		attribute.Float64("gen_ai.latency.time_in_model_prefill", sec(first.Sub(scheduled))),
		attribute.Float64("gen_ai.latency.time_in_model_decode", sec(end.Sub(first))),
		attribute.Float64("gen_ai.latency.time_in_model_inference", sec(end.Sub(scheduled))),
	}
	if maxTokens > 0 {
		attrs = append(attrs, attribute.Int("gen_ai.request.max_tokens", maxTokens))
	}
	_, span := t.t.Start(ctx, "llm_request", trace.WithSpanKind(trace.SpanKindServer), trace.WithTimestamp(arrival), trace.WithAttributes(attrs...))
	span.End(trace.WithTimestamp(end))
}

// close exports the spans left.
func (t *tracer) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return t.tp.Shutdown(ctx)
}
