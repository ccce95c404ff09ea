package telemetry

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func pf(x float64) *float64 { return &x }

// A server's histogram percentiles are shown as the bucket they fall in:
// with vLLM-like coarse buckets, 10 requests of 20 ms and one of 400 ms
// have a mean of 54 ms, a p50 in (10, 25] ms and a p99 in (250, 500] ms —
// not "p50 ~17" as if measured.
func TestPrintShowsBucketBounds(t *testing.T) {
	ttft := MetricResult{Name: "vllm:time_to_first_token_seconds", Type: "histogram", Series: []SeriesResult{{
		Count: pf(11), Sum: pf(0.6),
		Buckets: []Bucket{{LE: 0.01, Count: 0}, {LE: 0.025, Count: 10}, {LE: 0.1, Count: 10}, {LE: 0.25, Count: 10},
			{LE: 0.5, Count: 11}, {LE: math.Inf(1), Count: 11}},
	}}}
	running := MetricResult{Name: "vllm:num_requests_running", Type: "gauge", Series: []SeriesResult{{Avg: pf(3), Max: pf(8)}}}
	gen := MetricResult{Name: "vllm:generation_tokens_total", Type: "counter", Series: []SeriesResult{{Delta: pf(1200)}}}
	hs := Headlines(&Result{Endpoints: []EndpointResult{{URL: "http://s", Metrics: []MetricResult{ttft, running, gen}}}})
	var out bytes.Buffer
	Print(&out, hs, 60, 0)
	text := strings.Join(strings.Fields(out.String()), " ")
	for _, want := range []string{
		"Server TTFT (ms) mean 54.55; p50 in 10–25, p99 in 250–500; client mean 60.00: 9 % outside the engine",
		"Requests running avg 3.00, max 8.00",
		"Generation tokens 1200.00",
		"a percentile is known only to lie in",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "~") {
		t.Errorf("an interpolated percentile is shown:\n%s", out.String())
	}
}

func TestQuantileBucket(t *testing.T) {
	bs := []Bucket{{LE: 1, Count: 2}, {LE: 2, Count: 4}, {LE: math.Inf(1), Count: 5}}
	for _, c := range []struct {
		q    float64
		want string
	}{{0.2, "0–1"}, {0.5, "1–2"}, {0.99, "> 2"}} {
		if got := QuantileBucket(c.q, bs).String(); got != c.want {
			t.Errorf("q %v: %s, want %s", c.q, got, c.want)
		}
	}
	if b := QuantileBucket(0.5, nil); !math.IsNaN(b.Lo) {
		t.Errorf("no observations: %+v", b)
	}
}

// A gauge role's peak is read under whichever name the server uses.
func TestPeak(t *testing.T) {
	mx := 3.0
	e := &EndpointResult{Metrics: []MetricResult{{Name: "llamacpp:requests_deferred", Type: "gauge", Series: []SeriesResult{{Max: &mx}}}}}
	if v, ok := e.Peak(RequestsWaiting); !ok || v != 3 {
		t.Fatalf("%v %v", v, ok)
	}
	if _, ok := e.Peak(RequestsRunning); ok {
		t.Fatal("a peak of a gauge the server does not have")
	}
}
