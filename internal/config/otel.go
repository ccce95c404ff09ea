package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// checkOTel: --otel-url's scheme, --stream's domains, the attributes'
// form; none of them without --otel-url.
func (p *Profile) checkOTel() []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if p.APIPort != nil && (*p.APIPort < 0 || *p.APIPort > 65535) {
		add("--api-port %d is not a port (0 to 65535)", *p.APIPort)
	}
	if p.StatsInterval != nil && !(*p.StatsInterval > 0) {
		add("--stats-interval %g: seconds, more than 0", *p.StatsInterval)
	}
	if p.CollectServerTraces != "" {
		if _, _, err := net.SplitHostPort(p.CollectServerTraces); err != nil {
			add("--collect-server-traces %q: host:port (port 0: any free one)", p.CollectServerTraces)
		}
	}
	if !(p.ServerTracesWait >= 0) {
		add("--server-traces-wait %g: seconds, 0 or more", p.ServerTracesWait)
	}
	if u := p.MLflowTrackingURI; u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		add("--mlflow-tracking-uri %q: sonde speaks MLflow's REST API to a tracking server, http(s)://host:port", RedactURL(u))
	}
	if p.MLflowTrackingURI == "" && (p.MLflowRunName != "" || len(p.MLflowTags) > 0 || p.MLflowParentRunID != "" || len(p.MLflowArtifactGlobs) > 0) {
		add("--mlflow-run-name, --mlflow-tag, --mlflow-parent-run-id and --mlflow-artifact-glob need --mlflow-tracking-uri")
	}
	_, tagErrs := p.MLflowTagMap()
	errs = append(errs, tagErrs...)
	if p.WandBProject == "" && (p.WandBEntity != "" || p.WandBRunName != "" || len(p.WandBTags) > 0) {
		add("--wandb-entity, --wandb-run-name and --wandb-tag need --wandb-project")
	}
	if p.OTelURL == "" {
		if len(p.OTelStream) > 0 || len(p.OTelAttributes) > 0 || p.GenAIProvider != "" {
			add("--stream, --otel-resource-attributes and --gen-ai-provider need --otel-url")
		}
		return errs
	}
	if _, _, err := OTelEndpoint(p.OTelURL); err != nil {
		add("--otel-url: %v", err)
	}
	for _, s := range p.OTelStream {
		if s != "metrics" && s != "timing" && s != "default" {
			add("--stream %q: metrics, timing or default", s)
		}
	}
	for _, kv := range p.OTelAttributes {
		if k, _, ok := strings.Cut(kv, "="); !ok || strings.TrimSpace(k) == "" {
			add("--otel-resource-attributes %q: key=value", kv)
		}
	}
	return errs
}

// OTelEndpoint reads --otel-url: host[:port] or http(s)://host:port is
// OTLP/HTTP (port 4318 by default), grpc://host:port OTLP/gRPC (4317).
func OTelEndpoint(raw string) (u *url.URL, grpc bool, err error) {
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err = url.Parse(raw)
	if err != nil {
		return nil, false, err
	}
	switch u.Scheme {
	case "http", "https":
	case "grpc":
		grpc = true
	default:
		return nil, false, fmt.Errorf("%q: http://, https:// or grpc://", raw)
	}
	if u.Hostname() == "" {
		return nil, false, fmt.Errorf("%q has no host", raw)
	}
	if u.Port() == "" {
		port := "4318"
		if grpc {
			port = "4317"
		}
		u.Host += ":" + port
	}
	return u, grpc, nil
}

// OTelStreams reports which domains --stream sends live.
func (p *Profile) OTelStreams() (metrics, timing bool) {
	for _, s := range p.OTelStream {
		metrics = metrics || s == "metrics" || s == "default"
		timing = timing || s == "timing" || s == "default"
	}
	return metrics, timing
}

// StatsEvery is --stats-interval, or def when it is not given.
func (p *Profile) StatsEvery(def time.Duration) time.Duration {
	if p.StatsInterval == nil {
		return def
	}
	return time.Duration(*p.StatsInterval * float64(time.Second))
}

// MLflowTagMap reads --mlflow-tag: key:value (or key=value), repeatable or
// comma-separated.
func (p *Profile) MLflowTagMap() (map[string]string, []error) {
	out := map[string]string{}
	var errs []error
	for _, kv := range p.MLflowTags {
		for _, one := range strings.Split(kv, ",") {
			if one = strings.TrimSpace(one); one == "" {
				continue
			}
			i := strings.IndexAny(one, ":=")
			if i <= 0 {
				errs = append(errs, fmt.Errorf("--mlflow-tag %q: key:value", one))
				continue
			}
			out[strings.TrimSpace(one[:i])] = strings.TrimSpace(one[i+1:])
		}
	}
	return out, errs
}
