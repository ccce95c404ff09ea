package main

import (
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	colmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// collector is a loopback OTLP/HTTP receiver: what a run exported.
type collector struct {
	*httptest.Server
	mu      sync.Mutex
	spans   map[string]string // trace id → span id
	names   []string          // span names
	metrics map[string]bool
	bad     []string
}

func newCollector(t *testing.T) *collector {
	c := &collector{spans: map[string]string{}, metrics: map[string]bool{}}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		defer c.mu.Unlock()
		switch r.URL.Path {
		case "/v1/traces":
			var req coltrace.ExportTraceServiceRequest
			if err := proto.Unmarshal(body, &req); err != nil {
				c.bad = append(c.bad, err.Error())
			}
			for _, rs := range req.ResourceSpans {
				for _, ss := range rs.ScopeSpans {
					for _, s := range ss.Spans {
						c.spans[hex.EncodeToString(s.TraceId)] = hex.EncodeToString(s.SpanId)
						c.names = append(c.names, s.Name)
					}
				}
			}
		case "/v1/metrics":
			var req colmetrics.ExportMetricsServiceRequest
			if err := proto.Unmarshal(body, &req); err != nil {
				c.bad = append(c.bad, err.Error())
			}
			for _, rm := range req.ResourceMetrics {
				for _, sm := range rm.ScopeMetrics {
					for _, m := range sm.Metrics {
						c.metrics[m.Name] = true
					}
				}
			}
		default:
			c.bad = append(c.bad, r.URL.Path)
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(c.Close)
	return c
}

// Every request carries a traceparent of its own; the server received it,
// the record keeps its trace id, and --otel-url exports one span per
// request with those very ids, and AIPerf's GenAI metrics.
func TestOpenTelemetryExport(t *testing.T) {
	sim := startSim(t)
	col := newCollector(t)
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--conversation-num", "6", "--conversation-turn-mean", "2",
		"--conversation-turn-stddev", "0", "--isl", "20", "--osl", "5", "--concurrency", "3", "--ui-type", "none", "--artifact-dir", dir,
		"--otel-url", col.URL, "--stream", "metrics", "timing", "--otel-resource-attributes", "deployment.environment=test")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	sent := sim.stop(t)
	records := readJSONL(t, filepath.Join(dir, "profile_export.jsonl"))
	col.mu.Lock()
	defer col.mu.Unlock()
	if len(col.bad) > 0 {
		t.Fatalf("the collector got %v", col.bad)
	}
	if len(sent) != 12 || len(records) != 12 || len(col.spans) != 12 {
		t.Fatalf("%d requests received, %d records, %d spans", len(sent), len(records), len(col.spans))
	}
	var got, want []string
	for _, s := range sent {
		parts := strings.Split(s.TraceParent, "-")
		if len(parts) != 4 || col.spans[parts[1]] != parts[2] {
			t.Errorf("traceparent %q: no span with its ids", s.TraceParent)
		}
		want = append(want, parts[1])
	}
	for _, r := range records {
		got = append(got, r.Metadata.TraceID)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("the records' trace ids are not those the server received")
	}
	for _, m := range []string{"gen_ai.client.operation.duration", "gen_ai.client.token.usage", "gen_ai.client.operation.time_to_first_chunk",
		"gen_ai.client.operation.time_per_output_chunk"} {
		if !col.metrics[m] {
			t.Errorf("no %s", m)
		}
	}
	if col.names[0] != "chat m" {
		t.Errorf("span name %q", col.names[0])
	}
}

// A collector that does not answer is a warning; the run goes on.
func TestOpenTelemetryUnreachable(t *testing.T) {
	sim := startSim(t)
	res := runSonde(t, "profile", "-m", "m", "--url", sim.addr, "--request-count", "2", "--isl", "5", "--osl", "2", "--ui-type", "none",
		"--artifact-dir", t.TempDir(), "--otel-url", "127.0.0.1:1")
	if res.code != 0 || !strings.Contains(res.stderr, "OpenTelemetry: the collector at http://127.0.0.1:1 is not reachable") {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	res = runSonde(t, "profile", "-m", "m", "--url", sim.addr, "--stream", "metrics", "--ui-type", "none", "--artifact-dir", t.TempDir())
	if res.code != exitUsage || !strings.Contains(res.stderr, "need --otel-url") {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
}
