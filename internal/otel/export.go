package otel

import (
	"context"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// exporters are the OTLP span and metric exporters of o's endpoint: over
// HTTP to its /v1/traces and /v1/metrics (under any path it has), or gRPC.
func exporters(ctx context.Context, o Options) (sdktrace.SpanExporter, sdkmetric.Exporter, error) {
	if o.spans != nil {
		return o.spans, o.metrics, nil
	}
	u := o.Endpoint
	if u.Scheme == "grpc" {
		s, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(u.Host), otlptracegrpc.WithInsecure())
		if err != nil {
			return nil, nil, err
		}
		m, err := otlpmetricgrpc.New(ctx, otlpmetricgrpc.WithEndpoint(u.Host), otlpmetricgrpc.WithInsecure())
		return s, m, err
	}
	base := u.Scheme + "://" + u.Host + strings.TrimSuffix(u.Path, "/")
	s, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(base+"/v1/traces"))
	if err != nil {
		return nil, nil, err
	}
	m, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(base+"/v1/metrics"))
	return s, m, err
}

// countingSpans counts failed exports instead of passing them to the
// SDK's global error handler (which would print over the console).
type countingSpans struct {
	sdktrace.SpanExporter
	f *failures
}

func (c countingSpans) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if err := c.SpanExporter.ExportSpans(ctx, spans); err != nil {
		c.f.add(err)
	}
	return nil
}

// countingMetrics is countingSpans for metrics.
type countingMetrics struct {
	sdkmetric.Exporter
	f *failures
}

func (c countingMetrics) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	if err := c.Exporter.Export(ctx, rm); err != nil {
		c.f.add(err)
	}
	return nil
}
