package telemetry

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// A role is one thing worth seeing of any server, under the names each
// server family gives it (vLLM, SGLang, TensorRT-LLM, Dynamo, Triton,
// llama.cpp's server). The first name an endpoint has is used.
type role struct {
	label string
	kind  string // gauge (avg, max), counter (increase), histogram (p50, p99 in ms), ratio (hits/queries)
	names []string
	// ratio: the numerator and denominator counters.
	num, den []string
	scale    float64 // histogram values to ms, gauges to %
}

// The roles other packages ask for by label (EndpointResult.Peak).
const (
	RequestsRunning = "Requests running"
	RequestsWaiting = "Requests waiting"
)

var roles = []role{
	{label: RequestsRunning, kind: "gauge", names: []string{"vllm:num_requests_running", "sglang:num_running_reqs",
		"dynamo_frontend_inflight_requests", "llamacpp:requests_processing", "trtllm_num_requests_running"}},
	{label: RequestsWaiting, kind: "gauge", names: []string{"vllm:num_requests_waiting", "sglang:num_queue_reqs",
		"dynamo_frontend_queued_requests", "llamacpp:requests_deferred", "trtllm_num_requests_waiting", "nv_inference_pending_request_count"}},
	{label: "KV-cache usage (%)", kind: "gauge", scale: 100, names: []string{"vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc",
		"sglang:token_usage", "llamacpp:kv_cache_usage_ratio", "trtllm_kv_cache_utilization"}},
	{label: "Preemptions", kind: "counter", names: []string{"vllm:num_preemptions_total", "sglang:num_retracted_reqs_total"}},
	{label: "Prefix-cache hit rate (%)", kind: "ratio", scale: 100,
		num: []string{"vllm:prefix_cache_hits_total", "vllm:gpu_prefix_cache_hits_total"},
		den: []string{"vllm:prefix_cache_queries_total", "vllm:gpu_prefix_cache_queries_total"}},
	{label: "Prefix-cache hit rate (%)", kind: "gauge", scale: 100, names: []string{"sglang:cache_hit_rate"}},
	{label: "Server TTFT (ms)", kind: "histogram", scale: 1000, names: []string{"vllm:time_to_first_token_seconds",
		"sglang:time_to_first_token_seconds", "dynamo_frontend_time_to_first_token_seconds", "trtllm_time_to_first_token_seconds"}},
	{label: "Server ITL (ms)", kind: "histogram", scale: 1000, names: []string{"vllm:inter_token_latency_seconds",
		"vllm:time_per_output_token_seconds", "sglang:inter_token_latency_seconds", "sglang:time_per_output_token_seconds",
		"dynamo_frontend_inter_token_latency_seconds", "trtllm_time_per_output_token_seconds"}},
	{label: "Server request latency (ms)", kind: "histogram", scale: 1000, names: []string{"vllm:e2e_request_latency_seconds",
		"sglang:e2e_request_latency_seconds", "dynamo_frontend_request_duration_seconds", "trtllm_e2e_request_latency_seconds"}},
	{label: "Prompt tokens", kind: "counter", names: []string{"vllm:prompt_tokens_total", "sglang:prompt_tokens_total",
		"llamacpp:prompt_tokens_total"}},
	{label: "Generation tokens", kind: "counter", names: []string{"vllm:generation_tokens_total", "sglang:generation_tokens_total",
		"llamacpp:tokens_predicted_total"}},
}

// Headline is one line of the console's server section.
type Headline struct {
	Endpoint, Label, Metric string
	A, B                    float64 // gauge: avg, max; histogram: p50, p99 (from the buckets); counter, ratio: value, NaN
	Mean                    float64 // histogram: sum/count, exact
	// P50, P99: histogram: the bounds of the bucket each quantile falls in,
	// which is all the buckets say of it.
	P50, P99 Bounds
}

// Bounds are a histogram bucket's bounds (Lo, Hi]; Hi is +Inf for the
// last bucket.
type Bounds struct{ Lo, Hi float64 }

func (b Bounds) scaled(x float64) Bounds { return Bounds{b.Lo * x, b.Hi * x} }

// String is "10–25", "> 250" for the +Inf bucket.
func (b Bounds) String() string {
	if math.IsInf(b.Hi, 1) {
		return fmt.Sprintf("> %s", short(b.Lo))
	}
	return short(b.Lo) + "–" + short(b.Hi)
}

// short prints a bucket bound without trailing zeros (0.5, 25, 2500).
func short(x float64) string { return strconv.FormatFloat(x, 'g', 4, 64) }

// Total sums a metric over its series (every label set), for one field;
// false when no series has it.
func (m *MetricResult) Total(field func(*SeriesResult) *float64) (float64, bool) {
	sum, ok := 0.0, false
	for i := range m.Series {
		if v := field(&m.Series[i]); v != nil {
			sum += *v
			ok = true
		}
	}
	return sum, ok
}

// Peak is the most a gauge role reached on the endpoint (its series'
// maxima summed, as the server section shows it), under whichever of the
// role's names the server uses; false when it has none of them.
func (e *EndpointResult) Peak(label string) (float64, bool) {
	for _, ro := range roles {
		if ro.label != label || ro.kind != "gauge" {
			continue
		}
		if m, ok := first(e, ro.names); ok {
			return m.Total(func(s *SeriesResult) *float64 { return s.Max })
		}
	}
	return 0, false
}

func first(e *EndpointResult, names []string) (*MetricResult, bool) {
	for _, n := range names {
		if m, ok := e.Lookup(n); ok {
			return m, true
		}
	}
	return nil, false
}

// Headlines picks the roles each endpoint has.
func Headlines(r *Result) []Headline {
	var out []Headline
	for i := range r.Endpoints {
		e := &r.Endpoints[i]
		for _, ro := range roles {
			h := Headline{Endpoint: e.URL, Label: ro.label, B: math.NaN()}
			scale := ro.scale
			if scale == 0 {
				scale = 1
			}
			switch ro.kind {
			case "ratio":
				n, ok1 := first(e, ro.num)
				d, ok2 := first(e, ro.den)
				if !ok1 || !ok2 {
					continue
				}
				hits, _ := n.Total(func(s *SeriesResult) *float64 { return s.Delta })
				queries, _ := d.Total(func(s *SeriesResult) *float64 { return s.Delta })
				if queries <= 0 {
					continue
				}
				h.Metric, h.A = n.Name, hits/queries*scale
			default:
				m, ok := first(e, ro.names)
				if !ok || len(m.Series) == 0 {
					continue
				}
				h.Metric = m.Name
				switch ro.kind {
				case "gauge":
					avg, _ := m.Total(func(s *SeriesResult) *float64 { return s.Avg })
					mx, _ := m.Total(func(s *SeriesResult) *float64 { return s.Max })
					h.A, h.B = avg*scale, mx*scale
				case "counter":
					h.A, _ = m.Total(func(s *SeriesResult) *float64 { return s.Delta })
				case "histogram":
					bs := mergeBuckets(m)
					h.A, h.B = HistogramQuantile(0.5, bs)*scale, HistogramQuantile(0.99, bs)*scale
					h.P50, h.P99 = QuantileBucket(0.5, bs).scaled(scale), QuantileBucket(0.99, bs).scaled(scale)
					sum, _ := m.Total(func(s *SeriesResult) *float64 { return s.Sum })
					n, _ := m.Total(func(s *SeriesResult) *float64 { return s.Count })
					if math.IsNaN(h.A) || n <= 0 {
						continue
					}
					h.Mean = sum / n * scale
				}
			}
			if !hasLabel(out, e.URL, ro.label) {
				out = append(out, h)
			}
		}
	}
	return out
}

func hasLabel(hs []Headline, endpoint, label string) bool {
	for _, h := range hs {
		if h.Endpoint == endpoint && h.Label == label {
			return true
		}
	}
	return false
}

// mergeBuckets adds the bucket increases of every series of a histogram.
func mergeBuckets(m *MetricResult) []Bucket {
	var out []Bucket
	for _, s := range m.Series {
		for _, b := range s.Buckets {
			found := false
			for i := range out {
				if out[i].LE == b.LE {
					out[i].Count += b.Count
					found = true
				}
			}
			if !found {
				out = append(out, b)
			}
		}
	}
	return out
}

// Print writes the console's server section; clientTTFT and clientITL
// (means, ms; ≤ 0 when unknown) show how much of what the client saw the
// server does not account for: network, HTTP and queueing before the
// engine. Means are compared, being exact on both sides (a histogram's
// sum over its count). A percentile is shown as the bounds of the bucket
// it falls in, not a number interpolated inside it: servers' buckets are
// coarse (vLLM's TTFT: …, 100, 250, 500 ms), and "p50 ~150" beside a mean
// of 20 read as a measurement it is not.
func Print(w io.Writer, hs []Headline, clientTTFT, clientITL float64) {
	if len(hs) == 0 {
		return
	}
	fmt.Fprintln(w, "\nsonde | Server Metrics (from the server's /metrics over the profiling phase)")
	tw := tabwriter.NewWriter(w, 2, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "endpoint\tmetric\tvalue\t")
	histograms := false
	for _, h := range hs {
		val := ""
		switch {
		case strings.HasSuffix(h.Label, "(ms)"):
			val = fmt.Sprintf("mean %.2f; p50 in %s, p99 in %s", h.Mean, h.P50, h.P99)
			histograms = true
			client := math.NaN()
			switch h.Label {
			case "Server TTFT (ms)":
				client = clientTTFT
			case "Server ITL (ms)":
				client = clientITL
			}
			if !math.IsNaN(client) && client > 0 {
				val += fmt.Sprintf("; client mean %.2f: %.0f %% outside the engine", client, (client-h.Mean)/client*100)
			}
		case !math.IsNaN(h.B):
			val = fmt.Sprintf("avg %.2f, max %.2f", h.A, h.B)
		default:
			val = fmt.Sprintf("%.2f", h.A)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", h.Endpoint, h.Label, val)
	}
	tw.Flush()
	if histograms {
		fmt.Fprintln(w, "Server latencies: means are exact (a histogram's sum over its count); a percentile is known only to lie in")
		fmt.Fprintln(w, "one of the server's buckets, whose bounds are shown (estimates inside them: server_metrics_export.json).")
	}
}
