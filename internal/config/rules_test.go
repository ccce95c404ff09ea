package config

import (
	"strings"
	"testing"
)

func ip(x int) *int { return &x }

func fp(x float64) *float64 { return &x }

// The warm-up's, the load shapes', the studies' and the capacity search's
// rules, each error naming its flag.
func TestPhaseAndStudyRules(t *testing.T) {
	for _, c := range []struct {
		mut  func(*Profile)
		want string
	}{
		{func(p *Profile) { p.WarmupRequestCount = -1 }, "--warmup-request-count must not be negative"},
		{func(p *Profile) { p.WarmupSessions = ip(0) }, "--num-warmup-sessions must be at least 1"},
		{func(p *Profile) { p.WarmupRequestCount, p.WarmupConcurrency = 1, ip(0) }, "--warmup-concurrency must be at least 1"},
		{func(p *Profile) { p.WarmupRequestCount, p.WarmupPrefillConcurrency = 1, ip(0) }, "--warmup-prefill-concurrency must be at least 1"},
		{func(p *Profile) { p.WarmupDuration = fp(0) }, "--warmup-duration must be positive"},
		{func(p *Profile) { p.WarmupDuration, p.WarmupGracePeriod = fp(1), fp(-1) }, "--warmup-grace-period must not be negative"},
		{func(p *Profile) { p.WarmupRequestCount, p.WarmupGracePeriod = 1, fp(1) }, "--warmup-grace-period limits the wait"},
		{func(p *Profile) { p.WarmupConcurrency, p.WarmupArrivalPattern = ip(2), "constant" }, "--warmup-concurrency, --warmup-arrival-pattern set, but no warm-up runs"},
		{func(p *Profile) {
			p.WarmupRequestCount, p.WarmupRequestRate, p.UserCentricRate, p.NumUsers = 1, fp(5), fp(1), ip(2)
		}, "--warmup-request-rate paces"},
		{func(p *Profile) { p.WarmupRequestCount, p.WarmupRequestRateRamp = 1, fp(5) }, "--warmup-request-rate-ramp-duration needs a rate"},
		{func(p *Profile) { p.SliceDuration = fp(0) }, "--slice-duration must be positive"},
		{func(p *Profile) { p.FailedRequestThreshold = fp(2) }, "--failed-request-threshold is a fraction"},
		{func(p *Profile) { p.ConcurrencyRamp = fp(5) }, "--concurrency-ramp-duration ramps --concurrency"},
		{func(p *Profile) { p.RequestRateSeries = "oops" }, "--request-rate-series"},
		{func(p *Profile) { p.RequestRateSeries, p.RequestRate = "0:1,10:5", fp(3) }, "--request-rate-series sets the rate itself"},
		{func(p *Profile) { p.ServerMetricsFormats = []string{"xml"} }, `--server-metrics-formats: "xml"`},
		{func(p *Profile) { p.NetworkPingInterval = 0 }, "--network-latency-ping-interval must be positive"},
		{func(p *Profile) { p.NetworkLatencyMean = -1 }, "--network-latency-mean must not be negative"},
		{func(p *Profile) { p.Transport = "grpc" }, `--transport: "grpc" is not one sonde speaks`},
		{func(p *Profile) { p.ServerProfilerTimeout = -1 }, "--server-profiler-timeout-seconds must be positive"},
		{func(p *Profile) { p.AWSRegion = "us-east-1" }, "they need --auth-type sigv4"},
		{func(p *Profile) { p.SageMakerEndpoint = "e" }, "--sagemaker-endpoint-name needs --aws-region"},
		{func(p *Profile) { p.AuthType, p.AWSRegion = "sigv4", "us-east-1" }, "--auth-type sigv4 needs --aws-region and --aws-service"},
		{func(p *Profile) { p.AuthType, p.AWSRegion, p.AWSService, p.APIKey = "sigv4", "r", "s", "k" }, "would both set Authorization"},
		{func(p *Profile) { p.NetworkLatencyMean, p.NetworkLatency = 2, true }, "not with --network-latency-automatic"},
		{func(p *Profile) { p.RequestRateRamp = fp(5) }, "--request-rate-ramp-duration needs --request-rate"},
		{func(p *Profile) { p.NumProfileRuns = 11 }, "--num-profile-runs must be between 1 and 10"},
		{func(p *Profile) { p.ConfidenceLevel = 1 }, "--confidence-level must be between 0 and 1"},
		{func(p *Profile) { p.RunCooldown = -1 }, "must not be negative"},
		{func(p *Profile) { p.ConvergenceThreshold = 0 }, "--convergence-threshold must be positive"},
		{func(p *Profile) { p.ConvergenceMetric = "x" }, "needs --num-profile-runs of at least 3"},
		{func(p *Profile) { p.ConcurrencyMin = ip(1) }, "needs both --concurrency-min and --concurrency-max"},
		{func(p *Profile) { p.RequestRateMin = fp(1) }, "a request rate search needs both"},
		{func(p *Profile) { p.TTFTSLA = fp(5) }, "which needs a range"},
		{func(p *Profile) {
			p.ConcurrencyMin, p.ConcurrencyMax, p.RequestRateMin, p.RequestRateMax = ip(1), ip(2), fp(1), fp(2)
		}, "takes one range"},
		{func(p *Profile) { p.UserCentricRateMin, p.UserCentricRateMax, p.E2ESLA = fp(3), fp(2), fp(5) }, "min ≤ max"},
		{func(p *Profile) { p.ConcurrencyMin, p.ConcurrencyMax = ip(1), ip(2) }, "a search range needs an SLA"},
		{func(p *Profile) { p.ConcurrencyMin, p.ConcurrencyMax, p.ITLSLA = ip(1), ip(2), fp(5) }, "need --streaming"},
		{func(p *Profile) {
			p.ConcurrencyMin, p.ConcurrencyMax, p.E2ESLA, p.ErrorRateSLA, p.SLOAttainment = ip(1), ip(2), fp(-1), fp(2), 0
			p.Goodput, p.SearchMaxProbes, p.NumProfileRuns = "request_latency:5", 1, 2
		}, "--e2e-sla-ms must be positive"},
	} {
		p := valid()
		c.mut(&p)
		if got := Join(p.Validate()); got == nil || !strings.Contains(got.Error(), c.want) {
			t.Errorf("want %q, got %v", c.want, got)
		}
	}
	p := valid()
	p.ConcurrencyMin, p.ConcurrencyMax, p.E2ESLA = ip(1), ip(8), fp(100)
	if err := p.CheckStudy(); err != nil || !p.Searching() {
		t.Fatalf("a valid search: %v", err)
	}
	if r, _ := p.SearchRange(); r.Name != "concurrency" || r.Lo != 1 || r.Hi != 8 {
		t.Errorf("range %+v", r)
	}
	if q := p.WithoutSearch(); q.Searching() || !p.Searching() {
		t.Error("WithoutSearch")
	}
}

// The warm-up's phase in input_config: its own load where given, the
// profiling one otherwise.
func TestWarmupPhaseBody(t *testing.T) {
	p := valid()
	p.Concurrency, p.WarmupRequestCount, p.WarmupDuration = ip(8), 5, fp(30)
	p.WarmupConcurrency, p.WarmupPrefillConcurrency, p.WarmupRequestRate = ip(2), ip(1), fp(4)
	ph := p.Body().Phases[0]
	if ph.Name != "warmup" || !ph.ExcludeFromResults || *ph.Requests != 5 || *ph.Duration != 30 || *ph.Concurrency != 2 ||
		*ph.PrefillConcurrency != 1 || *ph.Rate != 4 || ph.Type != "poisson" {
		t.Errorf("%+v", ph)
	}
	p.WarmupArrivalPattern = "constant"
	if ph := p.Body().Phases[0]; ph.Type != "constant" {
		t.Errorf("type %s", ph.Type)
	}
	q := valid()
	q.Concurrency, q.WarmupSessions = ip(8), ip(3)
	if ph := q.Body().Phases[0]; *ph.Concurrency != 8 || *ph.Sessions != 3 || ph.Requests != nil {
		t.Errorf("inherited: %+v", ph)
	}
}
