package export

import (
	"math"
	"os"
	"testing"

	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/sondetest"
	"github.com/sonde-bench/sonde/internal/telemetry"
)

func fp(x float64) *float64 { return &x }

// shardDir writes a shard's folder: its records, summary, server metrics
// and GPUs, as a run writes them.
func shardDir(t *testing.T, dir string, recs []*record.Record, vals []*metrics.Values, server *telemetry.Result, gpus []telemetry.GPU) *RunDir {
	t.Helper()
	d := &RunDir{Files{Dir: dir}}
	os.MkdirAll(dir, 0o755)
	w := NewRecordWriter(d.Files.Records())
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	a := metrics.NewAccumulator(metrics.Options{Streaming: true})
	for i := range recs {
		w.Put(recs[i], vals[i])
		a.Add(recs[i], vals[i])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	info := goldenRunInfo()
	info.BenchmarkID = "run-of-" + dir // each shard is a run of its own
	if _, err := WriteSummaries(d.Files, a.Summary(), info); err != nil {
		t.Fatal(err)
	}
	if server != nil {
		WriteFile(d.ServerMetricsJSON(), telemetry.ServerJSON(server))
	}
	if gpus != nil {
		j, w, _ := telemetry.Energy(gpus)
		WriteFile(d.GPUTelemetryJSON(), telemetry.GPUJSON(gpus, j, w))
	}
	return d
}

func gpu(endpoint string, index int, watts, joules float64) telemetry.GPU {
	return telemetry.GPU{Endpoint: endpoint, Index: index, Name: "H100", UUID: "GPU-" + endpoint[len(endpoint)-2:] + string(rune('0'+index)),
		Platform: "nvidia", Metrics: map[string]telemetry.GPUStat{
			"nvidia_power_usage":        {Unit: "W", Avg: watts},
			"nvidia_energy_consumption": {Unit: "J", Avg: joules}}}
}

func serverEndpoint(url string, running float64) telemetry.EndpointResult {
	return telemetry.EndpointResult{URL: url, Scrapes: 3, Metrics: []telemetry.MetricResult{
		{Name: "vllm:num_requests_running", Type: "gauge", Series: []telemetry.SeriesResult{{Avg: fp(running), Max: fp(running)}}},
		{Name: "vllm:time_to_first_token_seconds", Type: "histogram", Series: []telemetry.SeriesResult{{Count: fp(2), Sum: fp(0.05),
			Buckets: []telemetry.Bucket{{LE: 0.025, Count: 1}, {LE: 0.05, Count: 2}, {LE: math.Inf(1), Count: 2}}}}}}}
}

// Two shards merged, byte for byte: the summary from the union of the
// records (with the GPUs' energy), the server's endpoints once each (the
// first shard's values), and the GPUs by (endpoint, index): shard b's GPU 0
// of d1 is shard a's again, its GPU 0 of d2 is another GPU, and the total
// power is the sum over the three.
func TestGoldenMerge(t *testing.T) {
	t.Chdir(t.TempDir()) // the summary names the shards' folders as given
	_, recs, vals := goldenRun()
	a := shardDir(t, "shard_0", recs[:3], vals[:3], &telemetry.Result{Endpoints: []telemetry.EndpointResult{serverEndpoint("http://s1/metrics", 2)}},
		[]telemetry.GPU{gpu("http://d1/metrics", 0, 300, 900), gpu("http://d1/metrics", 1, 200, 600)})
	b := shardDir(t, "shard_1", recs[3:], vals[3:], &telemetry.Result{Endpoints: []telemetry.EndpointResult{serverEndpoint("http://s1/metrics", 7), serverEndpoint("http://s2/metrics", 1)}},
		[]telemetry.GPU{gpu("http://d1/metrics", 0, 310, 910), gpu("http://d2/metrics", 0, 100, 300)})
	out := &RunDir{Files{Dir: "merged"}}
	res, err := Merge([]*RunDir{a, b}, out, RebuildOptions{CLICommand: "sonde merge a b -o merged", Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.RequestCount != 4 {
		t.Errorf("merged %d requests, want 4", res.Summary.RequestCount)
	}
	for name, path := range map[string]string{"merged_summary_json": out.SummaryJSON(), "merged_server_metrics_json": out.ServerMetricsJSON(),
		"merged_gpu_telemetry_json": out.GPUTelemetryJSON(), "merged_gpu_telemetry_csv": out.GPUTelemetryCSV()} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sondetest.Golden(t, name, b)
	}
	gpus, err := out.GPUs()
	if err != nil || len(gpus) != 3 {
		t.Fatalf("%d GPUs read back: %v", len(gpus), err)
	}
	if j, w, _ := telemetry.Energy(gpus); j != 900+600+300 || w != 300+200+100 {
		t.Errorf("totals over the merged GPUs: %v J, %v W", j, w)
	}
	srv, err := out.ServerMetrics()
	if err != nil || len(srv.Endpoints) != 2 || *srv.Endpoints[0].Metrics[0].Series[0].Avg != 2 {
		t.Fatalf("server metrics read back: %+v %v", srv, err)
	}
	if !math.IsInf(srv.Endpoints[0].Metrics[1].Series[0].Buckets[2].LE, 1) {
		t.Error("the +Inf bucket did not read back")
	}
}
