package profile

import (
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alecthomas/kong"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/sondetest"
)

func exists(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
}

// The server's view, time slices, pings, readiness, the cache reset, a
// rate ramp and the failure threshold armed but not crossed, in one run:
// each writes its files.
func TestRunServerView(t *testing.T) {
	dir, err := runArgs(t, "--streaming", "--url", "sim://?gpus=2&ttft=1ms&itl=200us", "--request-count", "8", "--isl", "8", "--osl", "3",
		"--request-rate", "200", "--request-rate-ramp-duration", "0.02", "--gpu-telemetry", "default", "--server-metrics-formats", "json,csv,jsonl",
		"--slice-duration", "0.05", "--network-latency-automatic", "--network-latency-ping-interval", "0.02",
		"--wait-for-model-timeout", "5", "--reset-kv-cache", "--failed-request-threshold", "0.9", "--random-seed", "1")
	if err != nil {
		t.Fatal(err)
	}
	exists(t, filepath.Join(dir, "server_metrics_export.json"), filepath.Join(dir, "server_metrics_export.csv"),
		filepath.Join(dir, "server_metrics_export.jsonl"), filepath.Join(dir, "gpu_telemetry_export.json"),
		filepath.Join(dir, "profile_export_aiperf_timeslices.json"), filepath.Join(dir, "profile_export_network_latency.jsonl"))
	if _, ok := summaryOf(t, dir)["total_gpu_energy"]; !ok {
		t.Error("no GPU energy in the summary")
	}
}

// A dead server: --failed-request-threshold ends the run early, exit 1
// with the reason.
func TestRunFailureThreshold(t *testing.T) {
	_, err := runArgs(t, "--url", "sim://?error-rate=100&error-codes=500", "--request-count", "200", "--request-rate", "400",
		"--isl", "5", "--osl", "2", "--failed-request-threshold", "0.5")
	if err == nil || !strings.Contains(err.Error(), "more than --failed-request-threshold 0.5") {
		t.Fatalf("%v", err)
	}
}

// Shards: --start-at starts at the instant; a barrier whose other shard
// never comes fails the run, having sent nothing.
func TestRunShardStarts(t *testing.T) {
	at := strconv.FormatInt(time.Now().Add(30*time.Millisecond).UnixNano(), 10)
	dir, err := runArgs(t, "--url", "sim://?ttft=1ms&itl=100us", "--request-count", "4", "--concurrency", "2", "--isl", "5", "--osl", "2",
		"--shard-count", "2", "--shard-index", "1", "--start-at", at)
	if err != nil {
		t.Fatal(err)
	}
	if n := requestCount(t, filepath.Join(dir, "shard_1")); n != 2 {
		t.Errorf("shard 1 of 2 sent %v of 4 requests", n)
	}
	_, err = runArgs(t, "--url", "sim://?ttft=1ms&itl=100us", "--request-count", "4", "--concurrency", "2", "--isl", "5", "--osl", "2",
		"--shard-count", "2", "--shard-index", "0", "--start-barrier", t.TempDir(), "--start-barrier-timeout", "0.05")
	if err == nil || !strings.Contains(err.Error(), "no announcement from shard 1 of 2") {
		t.Fatalf("%v", err)
	}
	var ue UsageError
	if _, err := runArgs(t, "--url", "sim://", "--start-at", "soon"); !errors.As(err, &ue) {
		t.Fatalf("a bad --start-at: %v", err)
	}
	if _, err := runArgs(t, "--url", "sim://", "--shard-count", "3", "--concurrency", "2", "--shard-index", "0"); !errors.As(err, &ue) {
		t.Fatalf("a concurrency smaller than the shards: %v", err)
	}
}

// A template endpoint renders the user's payload and reads the answer
// from the response field.
func TestRunTemplateEndpoint(t *testing.T) {
	dir, err := runArgs(t, "--url", "sim://?ttft=1ms&itl=100us", "--endpoint-type", "template", "--request-count", "2", "--isl", "5", "--osl", "2",
		"--endpoint", "/v1/chat/completions",
		"--extra-inputs", `payload_template:{"model": {{ model|tojson }}, "messages": {{ messages|tojson }}, "max_tokens": 2}`,
		"--extra-inputs", "response_field:choices[0].message.content")
	if err != nil {
		t.Fatal(err)
	}
	if n := requestCount(t, dir); n != 2 {
		t.Errorf("%v requests", n)
	}
	var ue UsageError
	if _, err := runArgs(t, "--url", "sim://", "--endpoint-type", "template"); !errors.As(err, &ue) || !strings.Contains(err.Error(), "payload_template") {
		t.Fatalf("a template without its payload: %v", err)
	}
}

// Shapes of the dataset and the connection: a rankings API's queries and
// passages, a sequence-length distribution with shared prefixes, fresh
// connections per request, a named server-metrics URL.
func TestRunShapes(t *testing.T) {
	for _, args := range [][]string{
		{"--endpoint-type", "cohere_rankings", "--request-count", "2", "--rankings-passages-mean", "3"},
		{"--endpoint-type", "embeddings", "--request-count", "2", "--prompt-batch-size", "2"},
		{"--url", "sim://?ttft=2ms&itl=100us", "--request-count", "4", "--streaming"}, // two replicas: the fleet view
		{"--streaming", "--request-count", "3", "--seq-dist", "8,2:50;12,3:50", "--prompt-prefix-pool-size", "2", "--prompt-prefix-length", "4",
			"--connection-reuse-strategy", "never", "--server-metrics", "sim-metrics=http://127.0.0.1:1/metrics"},
	} {
		dir, err := runArgs(t, append([]string{"--url", "sim://?ttft=1ms&itl=100us", "--isl", "6"}, args...)...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if n := requestCount(t, dir); n < 2 {
			t.Errorf("%v: %v requests", args, n)
		}
	}
	var ue UsageError
	if _, err := runArgs(t, "--url", "sim://", "--apply-chat-template"); !errors.As(err, &ue) || !strings.Contains(err.Error(), "--apply-chat-template needs") {
		t.Fatalf("a chat template without a tokenizer: %v", err)
	}
}

// An interrupted run (the interruptions injected through Env.Signals)
// returns ErrInterrupted with its files written.
func TestRunInterrupted(t *testing.T) {
	var c struct {
		Profile config.Profile `cmd:""`
	}
	parser, _ := kong.New(&c)
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := parser.Parse([]string{"profile", "-m", "m", "--ui-type", "none", "--artifact-dir", dir, "--url", "sim://?ttft=5s",
		"--request-count", "4", "--concurrency", "2", "--isl", "5", "--osl", "2"}); err != nil {
		t.Fatal(err)
	}
	c.Profile.ArtifactDirSet = true
	var mu sync.Mutex
	var subs []chan<- os.Signal
	notify := func(ch chan<- os.Signal) func() {
		mu.Lock()
		defer mu.Unlock()
		subs = append(subs, ch)
		return func() {}
	}
	done := make(chan error, 1)
	go func() {
		done <- Run(Env{Stdout: &sondetest.Buffer{}, Stderr: &sondetest.Buffer{}, Getenv: os.Getenv, Version: "test", Signals: notify}, &c.Profile)
	}()
	for {
		select {
		case err := <-done:
			if !errors.Is(err, ErrInterrupted) {
				t.Fatalf("%v", err)
			}
			if s := summaryOf(t, dir); s["was_cancelled"] != true {
				t.Errorf("was_cancelled %v", s["was_cancelled"])
			}
			return
		case <-time.After(20 * time.Millisecond):
			mu.Lock()
			for _, ch := range subs {
				select {
				case ch <- os.Interrupt:
				default:
				}
			}
			mu.Unlock()
		}
	}
}

// --apply-chat-template with the model's tokenizer: ISL counts the
// rendered messages (more than their contents alone).
func TestRunChatTemplate(t *testing.T) {
	qwen := "../tokenizer/testdata/tokenizers/qwen3"
	args := []string{"--url", "sim://?ttft=1ms&itl=100us", "--tokenizer", qwen, "--request-count", "2", "--isl", "20", "--osl", "2", "--random-seed", "5"}
	plain, err := runArgs(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	templ, err := runArgs(t, append(args, "--apply-chat-template")...)
	if err != nil {
		t.Fatal(err)
	}
	isl := func(dir string) float64 {
		return summaryOf(t, dir)["input_sequence_length"].(map[string]any)["avg"].(float64)
	}
	if a, b := isl(plain), isl(templ); b <= a {
		t.Errorf("ISL %v with the template, %v without", b, a)
	}
	var ue UsageError
	if _, err := runArgs(t, "--url", "sim://", "--endpoint-type", "completions", "--apply-chat-template", "--tokenizer", qwen); !errors.As(err, &ue) {
		t.Errorf("a chat template on completions: %v", err)
	}
}

// The warm-up at a load of its own in every respect, AIPerf's service
// options, and -vv: the run goes through, discarding the warm-up.
func TestRunWarmupAndNotes(t *testing.T) {
	dir, err := runArgs(t, "--streaming", "--url", "sim://?ttft=1ms&itl=100us", "--request-count", "3", "--concurrency", "2", "--isl", "5", "--osl", "2",
		"--warmup-request-count", "2", "--warmup-duration", "5", "--warmup-grace-period", "5", "--warmup-request-rate", "200",
		"--warmup-arrival-pattern", "constant", "--warmup-concurrency", "1", "--warmup-prefill-concurrency", "1",
		"--warmup-concurrency-ramp-duration", "0.01", "--warmup-request-rate-ramp-duration", "0.01", "--warmup-prefill-concurrency-ramp-duration", "1",
		"--workers-max", "2", "--zmq-host", "h", "--record-processors", "1", "--tokenizer-trust-remote-code", "-vv", "--connection-reuse-strategy", "sticky-user-sessions")
	if err != nil {
		t.Fatal(err)
	}
	if n := requestCount(t, dir); n != 3 {
		t.Errorf("%v requests: the warm-up was counted", n)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "logs", "aiperf.log"))
	for _, want := range []string{"Warming up: 2 requests or 5s; concurrency 1 (profiling will use 2); 200 requests/s (profiling will use 0); constant arrivals",
		"--workers-max:", "--zmq-*:", "--record-processor-service-count:", "--tokenizer-trust-remote-code:",
		"DEBUG    Warmup: rate 200/s", "TRACE    request session"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("the log lacks %q", want)
		}
	}
}

// A known round trip (--network-latency-mean): every adjusted statistic is
// the raw one less it, clamped at 0, with nothing probed.
func TestRunNetworkLatencyMean(t *testing.T) {
	for _, ms := range []float64{0.5, 1e4} {
		dir, err := runArgs(t, "--streaming", "--url", "sim://?ttft=2ms&itl=100us", "--request-count", "3", "--isl", "5", "--osl", "2",
			"--network-latency-mean", strconv.FormatFloat(ms, 'g', -1, 64))
		if err != nil {
			t.Fatal(err)
		}
		s := summaryOf(t, dir)
		stat := func(tag, k string) float64 {
			m, ok := s[tag].(map[string]any)
			if !ok {
				t.Fatalf("no %s in the summary", tag)
			}
			return m[k].(float64)
		}
		if got := stat("network_rtt", "avg"); got != ms {
			t.Errorf("network_rtt %v, want %v", got, ms)
		}
		for _, k := range []string{"avg", "min", "max", "p50", "p99"} {
			raw, adj := stat("time_to_first_token", k), stat("network_adjusted_time_to_first_token", k)
			if want := max(0, raw-ms); math.Abs(adj-want) > 1e-9 {
				t.Errorf("%v ms: adjusted TTFT %s %v, want %v", ms, k, adj, want)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "profile_export_network_latency.jsonl")); err == nil {
			t.Error("a given round trip probed the network")
		}
	}
}

// --server-profiler against the simulator: started and stopped around the
// phase; a server without the path holds the phase (exit 1, files written).
func TestRunServerProfiler(t *testing.T) {
	if _, err := runArgs(t, "--url", "sim://?ttft=1ms&itl=100us", "--request-count", "2", "--isl", "5", "--osl", "2", "--server-profiler"); err != nil {
		t.Fatal(err)
	}
	dir, err := runArgs(t, "--url", "sim://?ttft=1ms&itl=100us", "--request-count", "2", "--isl", "5", "--osl", "2",
		"--server-profiler-start-path", "nope", "--server-profiler-timeout-seconds", "5")
	if err == nil || !strings.Contains(err.Error(), "/nope answered 404") {
		t.Fatalf("%v", err)
	}
	if n := requestCount(t, dir); n != 0 {
		t.Errorf("%v requests sent without the profiler", n)
	}
}

// --api-port: the run answers over HTTP while it runs, with its own
// progress, and stops answering once its files are written.
func TestRunLiveAPI(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	seen := make(chan string, 1)
	go func() {
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			resp, err := http.Get("http://127.0.0.1:" + port + "/api/progress")
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if strings.Contains(string(b), `"current_phase":"Profiling"`) {
					seen <- string(b)
					return
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		seen <- ""
	}()
	if _, err := runArgs(t, "--streaming", "--url", "sim://?ttft=150ms&itl=1ms", "--request-count", "6", "--isl", "5", "--osl", "2", "--api-port", port); err != nil {
		t.Fatal(err)
	}
	if body := <-seen; !strings.Contains(body, `"requests_total":6`) {
		t.Errorf("progress during the run: %q", body)
	}
	if _, err := http.Get("http://127.0.0.1:" + port + "/healthz"); err == nil {
		t.Error("the API still answers after the run")
	}
	var ue UsageError
	busy, _ := net.Listen("tcp", "127.0.0.1:0")
	defer busy.Close()
	if _, err := runArgs(t, "--url", "sim://", "--request-count", "1", "--api-port", strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)); !errors.As(err, &ue) {
		t.Errorf("a port in use: %v", err)
	}
}
