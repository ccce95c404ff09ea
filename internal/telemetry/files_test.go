package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sonde-bench/sonde/internal/sondetest"
)

// vllmText is a vLLM-like /metrics at step k of a run.
func vllmText(k int) string {
	return fmt.Sprintf(`# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{model_name="m"} %d
# TYPE vllm:prompt_tokens_total counter
vllm:prompt_tokens_total{model_name="m"} %d
# TYPE vllm:prefix_cache_queries_total counter
vllm:prefix_cache_queries_total{model_name="m"} %d
# TYPE vllm:prefix_cache_hits_total counter
vllm:prefix_cache_hits_total{model_name="m"} %d
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_bucket{model_name="m",le="0.01"} %d
vllm:time_to_first_token_seconds_bucket{model_name="m",le="0.1"} %d
vllm:time_to_first_token_seconds_bucket{model_name="m",le="+Inf"} %d
vllm:time_to_first_token_seconds_sum{model_name="m"} %g
vllm:time_to_first_token_seconds_count{model_name="m"} %d
`, k%3, 1000*k, 100*k, 40*k, 2*k, 5*k, 5*k, 0.2*float64(k), 5*k)
}

// dcgmText is a DCGM exporter's page for two GPUs at step k.
func dcgmText(k int) string {
	var b strings.Builder
	for _, f := range []string{"DCGM_FI_DEV_POWER_USAGE", "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_FB_USED"} {
		typ := "gauge"
		if f == "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION" {
			typ = "counter"
		}
		fmt.Fprintf(&b, "# TYPE %s %s\n", f, typ)
		for g := range 2 {
			v := float64(100*(g+1) + k)
			if typ == "counter" {
				v = float64(1e6 + 300000*k*(g+1))
			}
			fmt.Fprintf(&b, "%s{gpu=\"%d\",UUID=\"GPU-%d\",modelName=\"H100\",Hostname=\"n1\"} %g\n", f, g, g, v)
		}
	}
	return b.String()
}

// fixedResult is a collector's result from given scrapes, 1 s apart.
func fixedResult(t *testing.T) *Result {
	c := NewCollector([]string{"http://s/metrics", "http://d/metrics", "http://gone/metrics"}, 0, nil)
	for k := range 4 {
		for u, text := range map[string]string{"http://s/metrics": vllmText(k), "http://d/metrics": dcgmText(k)} {
			if c.series[u] == nil {
				c.series[u] = newEndpointAcc()
			}
			s := scrape(t, text, int64(k+1)*1e9)
			s.Endpoint = u
			c.series[u].add(s)
		}
	}
	c.errs["http://gone/metrics"], c.lastErr["http://gone/metrics"] = 4, "connection refused"
	return c.result()
}

// The server-metrics and GPU files, byte for byte, from fixed scrapes; they
// read back as written.
func TestGoldenFiles(t *testing.T) {
	r := fixedResult(t)
	sondetest.Golden(t, "server_metrics_json", ServerJSON(r))
	sondetest.Golden(t, "server_metrics_csv", ServerCSV(r))
	gpus := GPUs(r)
	joules, watts, ok := Energy(gpus)
	if !ok || len(gpus) != 2 {
		t.Fatalf("%d GPUs, energy %v", len(gpus), ok)
	}
	sondetest.Golden(t, "gpu_telemetry_json", GPUJSON(gpus, joules, watts))
	sondetest.Golden(t, "gpu_telemetry_csv", GPUCSV(gpus))
	var console bytes.Buffer
	Print(&console, Headlines(r), 30, 5)
	PrintGPUs(&console, gpus)
	sondetest.Golden(t, "console", console.Bytes())
	td, _ := json.MarshalIndent(TelemetryData([]string{"http://d/metrics"}, r, gpus, "2026-12-05T00:00:00Z", "2026-12-05T00:00:04Z"), "", "  ")
	sondetest.Golden(t, "telemetry_data", td)

	back, err := ParseGPUJSON(GPUJSON(gpus, joules, watts))
	if err != nil || len(back) != 2 || back[1].Endpoint != "http://d/metrics" || back[1].Index != 1 {
		t.Fatalf("GPUs read back: %+v %v", back, err)
	}
	var rb Result
	if err := json.Unmarshal(ServerJSON(r), &rb); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ServerJSON(&rb), ServerJSON(r)) {
		t.Error("the server-metrics file does not read back as written")
	}
	if err := json.Unmarshal([]byte(`{"le": "x", "count": 1}`), &Bucket{}); err == nil {
		t.Error("a bucket bound that is no number was read")
	}
}

// The collector against live endpoints: unreachable ones are dropped up
// front, the others scraped from Start to Stop, each scrape seen once.
func TestCollectorScrapes(t *testing.T) {
	var k atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, vllmText(int(k.Add(1))))
	}))
	defer srv.Close()
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", 500) }))
	defer bad.Close()
	var mu sync.Mutex
	var lines bytes.Buffer
	c := NewCollector([]string{srv.URL, bad.URL}, 5e6, func(s *Scrape) {
		mu.Lock()
		defer mu.Unlock()
		WriteScrape(&lines, s)
	})
	if dropped := c.Reachable(context.Background()); len(dropped) != 1 || !strings.Contains(dropped[0], bad.URL) || len(c.URLs()) != 1 {
		t.Fatalf("dropped %v, kept %v", dropped, c.URLs())
	}
	c.Start()
	r := c.Stop()
	if len(r.Endpoints) != 1 || r.Endpoints[0].Scrapes < 2 {
		t.Fatalf("%+v", r)
	}
	mu.Lock()
	n := strings.Count(lines.String(), "\n")
	mu.Unlock()
	if n != r.Endpoints[0].Scrapes || !strings.Contains(lines.String(), `"vllm:time_to_first_token_seconds"`) {
		t.Errorf("%d lines for %d scrapes", n, r.Endpoints[0].Scrapes)
	}
}
