package output

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/otel"
)

// otelOutput is the OpenTelemetry export's lifecycle: the record pipeline
// feeds it; Stop exports what is left once every response is in (before
// the summaries, so that its failures are among the run's warnings).
type otelOutput struct {
	e    *otel.Exporter
	info func(string)
	warn func(string)
}

func (o *otelOutput) Start(context.Context) error { return nil }
func (o *otelOutput) Stop() error                 { return o.e.Close() }

// Contribute says what was exported, and which exports failed.
func (o *otelOutput) Contribute(*metrics.Summary, *export.Run) {
	o.info(fmt.Sprintf("OpenTelemetry: %d spans exported", o.e.Spans))
	if f := o.e.Failures(); f != "" {
		o.warn(f)
	}
}

// newOTel builds the export of --otel-url, or nil (with a warning) when the
// collector does not answer: the run goes on without it, as AIPerf's.
func newOTel(p *config.Profile, urls []string, benchmarkID, version string, info, warn func(string)) (*otelOutput, error) {
	u, _, err := config.OTelEndpoint(p.OTelURL) // validated
	if err != nil {
		return nil, err
	}
	if err := otel.Reachable(u, 3*time.Second); err != nil {
		warn(fmt.Sprintf("OpenTelemetry: the collector at %s is not reachable (%v); nothing is exported.", u.Redacted(), err))
		return nil, nil
	}
	metrics, timing := p.OTelStreams()
	e, err := otel.New(context.Background(), otel.Options{Endpoint: u, StreamMetrics: metrics, StreamSpans: timing, MetricInterval: p.StatsEvery(time.Second),
		Resource: p.OTelAttributes, Provider: genAIProvider(p, urls), Operation: genAIOperation(p.EndpointType), Model: p.Model[0],
		BenchmarkID: benchmarkID, Version: version})
	if err != nil {
		return nil, err
	}
	info(fmt.Sprintf("OpenTelemetry: each request's span and the GenAI metrics go to %s (streamed: %s)", u.Redacted(), streamed(metrics, timing)))
	return &otelOutput{e: e, info: info, warn: warn}, nil
}

func streamed(metrics, timing bool) string {
	var s []string
	if metrics {
		s = append(s, "metrics")
	}
	if timing {
		s = append(s, "spans")
	}
	if len(s) == 0 {
		return "nothing, all at the end"
	}
	return strings.Join(s, " and ")
}

// genAIProvider is --gen-ai-provider, or the provider the first URL's host
// names, or the API's: anthropic for the Messages API, openai for every
// OpenAI-compatible server.
func genAIProvider(p *config.Profile, urls []string) string {
	if p.GenAIProvider != "" {
		return p.GenAIProvider
	}
	if len(urls) > 0 {
		if u, err := url.Parse(urls[0]); err == nil {
			switch h := u.Hostname(); {
			case strings.HasSuffix(h, "anthropic.com"):
				return "anthropic"
			case strings.HasSuffix(h, "openai.azure.com"):
				return "azure.ai.openai"
			case strings.HasSuffix(h, "amazonaws.com"):
				return "aws.bedrock"
			}
		}
	}
	if endpoint.Canonical(p.EndpointType) == endpoint.Messages {
		return "anthropic"
	}
	return "openai"
}

// genAIOperation is gen_ai.operation.name for the endpoint type.
func genAIOperation(t string) string {
	switch endpoint.Canonical(t) {
	case endpoint.Completions:
		return "text_completion"
	case endpoint.Embeddings:
		return "embeddings"
	}
	return "chat"
}
