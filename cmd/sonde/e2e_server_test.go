package main

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// serverMetric is the total of one metric's field over its series, from
// server_metrics_export.json.
func serverMetric(t *testing.T, dir, name, field string) float64 {
	t.Helper()
	doc := readJSON(t, filepath.Join(dir, "server_metrics_export.json"))
	eps := doc["endpoints"].([]any)
	sum, found := 0.0, false
	for _, m := range eps[0].(map[string]any)["metrics"].([]any) {
		mm := m.(map[string]any)
		if mm["name"] != name {
			continue
		}
		for _, s := range mm["series"].([]any) {
			if v, ok := s.(map[string]any)[field].(float64); ok {
				sum += v
				found = true
			}
		}
	}
	if !found {
		t.Fatalf("%s %s not in server_metrics_export.json", name, field)
	}
	return sum
}

// The server's /metrics, scraped over the profiling phase, agree with
// sonde's own counts (the simulator counts with the same tokenizer); the
// simulated GPUs' telemetry gives the energy metrics; the network round
// trips give the network-adjusted latencies.
func TestServerMetricsAndGPUTelemetry(t *testing.T) {
	sim := startSim(t, "--gpus", "2", "--max-num-seqs", "8")
	dir := filepath.Join(t.TempDir(), "out")
	// Long enough for several scrapes under load, whatever the machine.
	res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--concurrency", "4", "--benchmark-duration", "1.2",
		"--isl", "64", "--osl", "12", "--conversation-turn-mean", "2", "--warmup-request-count", "4", "--gpu-telemetry",
		"--server-metrics-formats", "json,csv,jsonl", "--network-latency-automatic", "--network-latency-ping-interval", "0.05",
		"--ui-type", "none", "--artifact-dir", dir)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	s := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	for _, c := range []struct {
		name, field, tag string
	}{
		{"vllm:request_success_total", "delta", "request_count"},
		{"vllm:prompt_tokens_total", "delta", "total_isl"},
		{"vllm:generation_tokens_total", "delta", "total_osl"},
		{"vllm:time_to_first_token_seconds", "count_delta", "request_count"},
	} {
		if server, client := serverMetric(t, dir, c.name, c.field), avgOf(t, s, c.tag); server != client {
			t.Errorf("%s: the server counted %v over the profiling phase, sonde %v (%s)", c.name, server, client, c.tag)
		}
	}
	// Second turns resend the first: the server's prefix-cache hits are
	// what the usage reported (asked for with --use-server-token-count).
	udir := filepath.Join(t.TempDir(), "usage")
	if res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--concurrency", "2", "--request-count", "8",
		"--isl", "64", "--osl", "12", "--conversation-turn-mean", "2", "--use-server-token-count", "--ui-type", "none",
		"--artifact-dir", udir); res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	hits := serverMetric(t, udir, "vllm:prefix_cache_hits_total", "delta")
	cached := 0.0
	for _, l := range readJSONL(t, filepath.Join(udir, "profile_export.jsonl")) {
		if v, ok := l.Metrics["usage_prompt_cache_read_tokens"]; ok {
			cached += v.Value.(float64)
		}
	}
	if hits == 0 || hits != cached {
		t.Errorf("prefix-cache hits: %v at the server, %v in the usage", hits, cached)
	}
	if !strings.Contains(res.stdout, "Server TTFT (ms)") || !strings.Contains(res.stdout, "outside the engine") {
		t.Errorf("no server section on the console:\n%s", res.stdout)
	}
	if lines := strings.Count(readFile(t, filepath.Join(dir, "server_metrics_export.jsonl")), "\n"); lines < 2 {
		t.Errorf("%d scrapes in the jsonl", lines)
	}

	gpus := readJSON(t, filepath.Join(dir, "gpu_telemetry_export.json"))["gpus"].([]any)
	if len(gpus) != 2 {
		t.Fatalf("%d GPUs", len(gpus))
	}
	power := gpus[0].(map[string]any)["metrics"].(map[string]any)["nvidia_power_usage"].(map[string]any)
	if power["max"].(float64) <= 70 {
		t.Errorf("the simulated GPU's power never rose above idle under load: %v", power)
	}
	if avgOf(t, s, "total_gpu_energy") <= 0 || avgOf(t, s, "output_tokens_per_joule") <= 0 {
		t.Error("no energy metrics")
	}
	td := s["telemetry_data"].(map[string]any)["endpoints"].(map[string]any)
	if len(td) != 1 {
		t.Errorf("telemetry_data endpoints: %v", td)
	}
	if rtt := avgOf(t, s, "network_rtt"); rtt <= 0 || avgOf(t, s, "network_adjusted_request_latency") > avgOf(t, s, "request_latency") {
		t.Errorf("network_rtt %v and the adjusted latency", rtt)
	}
	if _, err := os.Stat(filepath.Join(dir, "profile_export_network_latency.jsonl")); err != nil {
		t.Error(err)
	}
	if res := runSonde(t, "profile", "-m", "m", "--url", sim.addr, "--server-metrics-formats", "xml"); res.code != exitUsage {
		t.Errorf("a bad format: exit %d", res.code)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A server still starting (HTTP 503) is waited for, and the run is clean;
// without waiting every request fails; a server never ready is an error
// naming it.
func TestWaitForModel(t *testing.T) {
	for _, mode := range []string{"models", "health", "inference"} {
		sim := startSim(t, "--ttft", "1ms", "--itl", "1ms", "--ready-delay", "600ms")
		dir := filepath.Join(t.TempDir(), "out")
		res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--request-count", "5", "--osl", "4",
			"--wait-for-model-timeout", "30", "--wait-for-model-interval", "0.05", "--wait-for-model-mode", mode,
			"--ui-type", "none", "--artifact-dir", dir)
		if res.code != 0 || !strings.Contains(res.stdout+res.stderr, "The server answered after") {
			t.Fatalf("%s: exit %d: %s", mode, res.code, res.stderr)
		}
		s := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
		if _, failed := s["error_request_count"]; failed || avgOf(t, s, "request_count") != 5 {
			t.Errorf("%s: the run after waiting was not clean", mode)
		}
		if mode == "inference" {
			// The probe is not a request of the run: 5 records, 5 requests the run sent.
			if n := countLines(t, filepath.Join(dir, "profile_export.jsonl")); n != 5 {
				t.Errorf("%d records", n)
			}
		}
	}
	sim := startSim(t, "--ttft", "1ms", "--itl", "1ms", "--ready-delay", "1h")
	res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--request-count", "2",
		"--wait-for-model-timeout", "0.3", "--wait-for-model-interval", "0.05", "--ui-type", "none", "--artifact-dir", t.TempDir())
	if res.code != exitFailed || !strings.Contains(res.stderr, "was not ready after") || !strings.Contains(res.stderr, "503") {
		t.Errorf("never ready: exit %d: %s", res.code, res.stderr)
	}
}

// --reset-kv-cache empties the prefix cache between warm-up and profiling:
// the warm-up sent the very prompts profiling sends, so without the reset
// the server finds them cached, and with it not.
func TestResetKVCache(t *testing.T) {
	hits := func(extra ...string) float64 {
		sim := startSim(t, "--max-num-seqs", "8")
		dir := filepath.Join(t.TempDir(), "out")
		args := append([]string{"profile", "-m", "m", "--streaming", "--url", sim.addr, "--num-dataset-entries", "4",
			"--dataset-sampling-strategy", "sequential", "--request-count", "4", "--warmup-request-count", "4", "--concurrency", "1",
			"--isl", "64", "--osl", "4", "--random-seed", "3", "--ui-type", "none", "--artifact-dir", dir}, extra...)
		if res := runSonde(t, args...); res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		return serverMetric(t, dir, "vllm:prefix_cache_hits_total", "delta")
	}
	if without, with := hits(), hits("--reset-kv-cache"); without == 0 || with != 0 {
		t.Errorf("prefix-cache hits while profiling: %v without the reset, %v with it; want some, then none", without, with)
	}
}

// The simulator's DCGM exporter on its own port (--dcgm-port), named as a
// real one would be (host:port, /metrics added).
func TestDCGMPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	sim := startSim(t, "--gpus", "1", "--dcgm-port", port, "--ttft", "1ms", "--itl", "1ms")
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--request-count", "4",
		"--gpu-telemetry", "127.0.0.1:"+port, "--no-server-metrics", "--ui-type", "none", "--artifact-dir", dir)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if gpus := readJSON(t, filepath.Join(dir, "gpu_telemetry_export.json"))["gpus"].([]any); len(gpus) != 1 {
		t.Errorf("%d GPUs", len(gpus))
	}
	if _, err := os.Stat(filepath.Join(dir, "server_metrics_export.json")); err == nil {
		t.Error("--no-server-metrics wrote server metrics")
	}
}

// Many replicas, one run: requests go round robin over the --url given,
// and the summary, console and CSV say how each replica served its share;
// a slowed replica shows in the TTFT imbalance.
func TestReplicasFleetView(t *testing.T) {
	fast, slow := startSim(t, "--ttft", "1ms", "--itl", "1ms"), startSim(t, "--ttft", "25ms", "--itl", "1ms")
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", fast.addr, "--url", slow.addr, "--url-strategy", "round_robin",
		"--concurrency", "2", "--request-count", "20", "--osl", "3", "--isl", "10", "--artifact-dir", dir, "--ui-type", "none")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	nf, ns := len(fast.stop(t)), len(slow.stop(t))
	if nf != 10 || ns != 10 {
		t.Errorf("round robin sent %d and %d requests", nf, ns)
	}
	fleet := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))["sonde"].(map[string]any)["replicas"].(map[string]any)
	reps := fleet["replicas"].([]any)
	if len(reps) != 2 {
		t.Fatalf("%d replicas", len(reps))
	}
	p50 := func(i int) float64 {
		return reps[i].(map[string]any)["time_to_first_token"].(map[string]any)["p50"].(float64)
	}
	a, b := reps[0].(map[string]any), reps[1].(map[string]any)
	if a["request_count"] != 10.0 || b["request_count"] != 10.0 || a["request_share_pct"] != 50.0 || fleet["request_imbalance"] != 1.0 {
		t.Errorf("shares: %v %v", a, b)
	}
	if p50(1) < 25 || p50(0) >= 25 || fleet["ttft_p50_imbalance"].(float64) <= 1.5 {
		t.Errorf("TTFT p50 %v and %v, imbalance %v: the slowed replica does not show", p50(0), p50(1), fleet["ttft_p50_imbalance"])
	}
	if !strings.Contains(res.stdout, "sonde | Replicas (2 URLs; imbalance, max over mean: requests 1.00, TTFT p50") {
		t.Errorf("console:\n%s", res.stdout)
	}
	if csv, _ := os.ReadFile(filepath.Join(dir, "profile_export_aiperf.csv")); !strings.Contains(string(csv), "request_imbalance,1.0000") {
		t.Errorf("CSV:\n%s", csv)
	}
}

// --server-profiler: the server's profiler runs over the profiling phase
// and nothing else (the warm-up and the readiness probe fall outside it);
// a server that refuses to start it fails the run, which still writes what
// it measured.
func TestServerProfilerWindow(t *testing.T) {
	sim := startSim(t)
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--concurrency", "2", "--request-count", "4",
		"--warmup-request-count", "2", "--isl", "8", "--osl", "2", "--server-profiler", "--ui-type", "none", "--artifact-dir", dir)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	profiled, chats := 0, 0
	for _, r := range sim.stop(t) {
		if r.Path == "/v1/chat/completions" {
			chats++
			if r.Profiled {
				profiled++
			}
		}
	}
	if profiled != 4 || chats < 6 {
		t.Errorf("%d of %d requests arrived while the profiler ran, want the 4 profiled of 2+4+the probe", profiled, chats)
	}

	sim = startSim(t)
	dir = filepath.Join(t.TempDir(), "refused")
	res = runSonde(t, "profile", "-m", "m", "--url", sim.addr, "--request-count", "2", "--isl", "8", "--osl", "2",
		"--server-profiler-start-path", "/no_profiler", "--ui-type", "none", "--artifact-dir", dir)
	if res.code != 1 || !strings.Contains(res.stderr, "--server-profiler: POST "+sim.addr+"/no_profiler answered 404") {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	unsent := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))["sonde"].(map[string]any)["unsent_turns_by_reason"]
	if n := unsent.(map[string]any)["output_start_failed"]; n != 2.0 {
		t.Errorf("unsent turns: %v", unsent)
	}
	for _, r := range sim.stop(t) {
		if r.Path == "/v1/chat/completions" && r.Body != nil && !strings.Contains(string(r.Body), `"max_completion_tokens":1`) {
			t.Errorf("a request was profiled without the profiler: %s", r.Body)
		}
	}
}
