package otel

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

// instruments are AIPerf's GenAI client metrics (OpenTelemetry's semantic
// conventions): durations in seconds, tokens by gen_ai.token.type.
type instruments struct {
	duration, ttft, itl metric.Float64Histogram
	tokens              metric.Int64Histogram
}

// latencyBuckets are the semantic conventions' advice for GenAI durations.
var latencyBuckets = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}

func newInstruments(m metric.Meter) (in instruments, err error) {
	seconds := func(name, desc string) metric.Float64Histogram {
		if err != nil {
			return nil
		}
		var h metric.Float64Histogram
		h, err = m.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc), metric.WithExplicitBucketBoundaries(latencyBuckets...))
		return h
	}
	in.duration = seconds("gen_ai.client.operation.duration", "End-to-end request latency")
	in.ttft = seconds("gen_ai.client.operation.time_to_first_chunk", "Time to first token")
	in.itl = seconds("gen_ai.client.operation.time_per_output_chunk", "Inter-token latency")
	if err == nil {
		in.tokens, err = m.Int64Histogram("gen_ai.client.token.usage", metric.WithUnit("{token}"), metric.WithDescription("Token counts (input and output)"),
			metric.WithExplicitBucketBoundaries(1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864))
	}
	return in, err
}

// Put records one request: its span and its metrics (a pipeline sink,
// on the processor goroutine).
func (e *Exporter) Put(r *record.Record, v *metrics.Values) {
	ctx := context.Background()
	attrs := e.attrs
	if r.Error != nil {
		attrs = append(attrs[:len(attrs):len(attrs)], attribute.String("error.type", r.Error.Kind()))
	}
	set := metric.WithAttributes(attrs...)
	if x, ok := v.Get(metrics.RequestLatency); ok {
		e.inst.duration.Record(ctx, x/1e9, set)
	}
	if x, ok := v.Get(metrics.TTFT); ok {
		e.inst.ttft.Record(ctx, x/1e9, set)
	}
	if x, ok := v.Get(metrics.ITL); ok {
		e.inst.itl.Record(ctx, x/1e9, set)
	}
	if r.Error == nil {
		e.inst.tokens.Record(ctx, int64(r.InputTokens), metric.WithAttributes(append(attrs[:len(attrs):len(attrs)], attribute.String("gen_ai.token.type", "input"))...))
		e.inst.tokens.Record(ctx, int64(r.OutputTokens+r.ReasoningTokens), metric.WithAttributes(append(attrs[:len(attrs):len(attrs)], attribute.String("gen_ai.token.type", "output"))...))
	}
	e.span(r, v, attrs)
}

// span makes the request's span, with the ids it carried and its times.
func (e *Exporter) span(r *record.Record, v *metrics.Values, attrs []attribute.KeyValue) {
	tid, err1 := trace.TraceIDFromHex(r.TraceID)
	sid, err2 := trace.SpanIDFromHex(r.SpanID)
	if err1 != nil || err2 != nil {
		return // never sent: no traceparent, no span
	}
	ctx := e.ids.with(context.Background(), tid, sid)
	span := attrs[:len(attrs):len(attrs)]
	span = append(span, attribute.Int("gen_ai.usage.input_tokens", r.InputTokens), attribute.Int("gen_ai.usage.output_tokens", r.OutputTokens+r.ReasoningTokens),
		attribute.String("gen_ai.conversation.id", r.CorrelationID), attribute.Int("sonde.turn_index", r.TurnIndex),
		attribute.String("sonde.request_id", r.RequestID), attribute.String("sonde.benchmark.phase", r.Phase))
	if r.MaxTokens > 0 {
		span = append(span, attribute.Int("gen_ai.request.max_tokens", r.MaxTokens))
	}
	if x, ok := v.Get(metrics.TTFT); ok {
		span = append(span, attribute.Float64("sonde.time_to_first_token_ms", x/1e6))
	}
	_, s := e.tracer.Start(ctx, e.o.Operation+" "+e.o.Model, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithTimestamp(time.Unix(0, r.StartWallNs)), trace.WithAttributes(span...))
	if len(r.Responses) > 0 {
		first := r.StartWallNs + (r.Responses[0].Ns - r.StartNs)
		s.AddEvent("gen_ai.first_token", trace.WithTimestamp(time.Unix(0, first)))
	}
	if r.Error != nil {
		s.SetStatus(codes.Error, r.Error.Message)
	}
	s.End(trace.WithTimestamp(time.Unix(0, r.EndWallNs)))
	e.Spans++
}

// ids gives each span the ids its request carried (through the context
// of its start): the SDK's IDGenerator.
type ids struct{}

type idsKey struct{}

type idPair struct {
	t trace.TraceID
	s trace.SpanID
}

func (g *ids) with(ctx context.Context, t trace.TraceID, s trace.SpanID) context.Context {
	return context.WithValue(ctx, idsKey{}, idPair{t, s})
}

func (g *ids) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	p, _ := ctx.Value(idsKey{}).(idPair)
	return p.t, p.s
}

func (g *ids) NewSpanID(ctx context.Context, _ trace.TraceID) trace.SpanID {
	p, _ := ctx.Value(idsKey{}).(idPair)
	return p.s
}
