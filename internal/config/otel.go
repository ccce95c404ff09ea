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
