package config

import (
	"net/url"
	"strings"
	"time"
)

// ServerHooks are the control requests sent to every server around the
// profiling phase: the prefix-cache reset, the profiler's start and stop.
type ServerHooks struct {
	Reset                       string // path; empty: no reset
	ResetTimeout                time.Duration
	ProfilerStart, ProfilerStop string // paths; empty: no profiler
	ProfilerTimeout             time.Duration
}

// defaultHookTimeout is AIPerf's for its control requests: short, unlike a
// request's timeout, so that a stalled server fails fast.
const defaultHookTimeout = 30 * time.Second

// Hooks resolves --reset-kv-cache and the --server-profiler options: any
// of the latter turns the profiler on (as AIPerf's sub-options do), with
// its default paths.
func (p *Profile) Hooks() ServerHooks {
	slashed := func(path string) string { return "/" + strings.TrimPrefix(path, "/") }
	var h ServerHooks
	if p.ResetKVCache {
		h.Reset, h.ResetTimeout = slashed(p.ResetKVCachePath), time.Duration(p.ResetKVCacheTimeout*float64(time.Second))
	}
	if !p.ServerProfiler && p.ServerProfilerStart == "" && p.ServerProfilerStop == "" && p.ServerProfilerTimeout == 0 {
		return h
	}
	path := func(given, def string) string {
		if given == "" {
			return def
		}
		return slashed(given)
	}
	h.ProfilerStart, h.ProfilerStop, h.ProfilerTimeout = path(p.ServerProfilerStart, "/start_profile"), path(p.ServerProfilerStop, "/stop_profile"), defaultHookTimeout
	if p.ServerProfilerTimeout > 0 {
		h.ProfilerTimeout = time.Duration(p.ServerProfilerTimeout * float64(time.Second))
	}
	return h
}

// checkServerAccess: the control requests' options in range, and AWS signing's
// in full (as AIPerf: --aws-* alone would be silently ignored).
func (p *Profile) checkServerAccess(add func(string, ...any)) {
	if p.ServerProfilerTimeout < 0 {
		add("--server-profiler-timeout-seconds must be positive, got %v", p.ServerProfilerTimeout)
	}
	_, _, sign := p.Signing()
	switch {
	case !sign && (p.AWSRegion != "" || p.AWSService != ""):
		add("--aws-region and --aws-service sign requests: they need --auth-type sigv4 (or --sagemaker-endpoint-name)")
	case p.SageMakerEndpoint != "" && p.AWSRegion == "":
		add("--sagemaker-endpoint-name needs --aws-region")
	case p.SageMakerEndpoint == "" && sign && (p.AWSRegion == "" || p.AWSService == ""):
		add("--auth-type sigv4 needs --aws-region and --aws-service (execute-api for API Gateway)")
	case sign && p.APIKey != "":
		add("AWS signing (--auth-type sigv4, --sagemaker-endpoint-name) and --api-key (or $SONDE_API_KEY) would both set Authorization: give one")
	}
}

// Signing says whether requests are signed with SigV4, and for which
// region and service: --auth-type sigv4, or a SageMaker endpoint, which
// implies it (for the sagemaker service unless --aws-service says other).
func (p *Profile) Signing() (region, service string, on bool) {
	service = p.AWSService
	if p.SageMakerEndpoint != "" && service == "" {
		service = "sagemaker"
	}
	return p.AWSRegion, service, p.AuthType == "sigv4" || p.SageMakerEndpoint != ""
}

// SageMakerURL is where a SageMaker endpoint's requests go: its path, on
// the region's runtime host unless --url names another (the default
// localhost:8000 does not).
func (p *Profile) SageMakerURL() (base, path string) {
	path = "/endpoints/" + url.PathEscape(p.SageMakerEndpoint) + "/invocations"
	if p.Streaming {
		path += "-response-stream"
	}
	base = "https://runtime.sagemaker." + p.AWSRegion + ".amazonaws.com"
	if len(p.URL) > 0 && !(len(p.URL) == 1 && p.URL[0] == "localhost:8000") {
		base = p.URL[0]
	}
	return base, path
}
