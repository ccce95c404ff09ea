package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/sondetest"
)

// faultServer is an OpenAI-compatible test server whose n-th request
// misbehaves in a chosen way.
type faultServer struct {
	*httptest.Server
	n       atomic.Int64
	auth    sync.Map // Authorization headers seen
	arrived chan int64
	tokens  int
	gap     time.Duration
	fault   func(n int64) string // "", "500", "truncate", "malformed", "stall", "empty", or one of hostileReply's
}

func newFaultServer(t *testing.T, tokens int, gap time.Duration, fault func(int64) string) *faultServer {
	f := &faultServer{arrived: make(chan int64, 1024), tokens: tokens, gap: gap, fault: fault}
	f.Server = httptest.NewServer(http.HandlerFunc(f.handle))
	t.Cleanup(f.Close)
	return f
}

func (f *faultServer) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost { // /metrics and other probes: not requests of the run
		http.NotFound(w, r)
		return
	}
	io.Copy(io.Discard, r.Body)
	n := f.n.Add(1)
	f.auth.Store(r.Header.Get("Authorization"), true)
	select {
	case f.arrived <- n:
	default:
	}
	kind := ""
	if f.fault != nil {
		kind = f.fault(n)
	}
	switch kind {
	case "500":
		http.Error(w, `{"error":{"message":"boom"}}`, http.StatusInternalServerError)
		return
	case "stall":
		select {
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
		return
	}
	if hostileReply(kind, f.tokens, w) {
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	fl := w.(http.Flusher)
	if kind == "empty" {
		fmt.Fprint(w, "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\ndata: [DONE]\n\n")
		return
	}
	for i := 0; i < f.tokens; i++ {
		if i > 0 {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(f.gap):
			}
		}
		if kind == "truncate" && i == f.tokens/2 {
			// Drop the connection mid-stream.
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		if kind == "malformed" {
			fmt.Fprint(w, "data: {not json\n\n")
		} else {
			fmt.Fprintf(w, "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":{\"content\":\" word\"}}]}\n\n")
		}
		fl.Flush()
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	fl.Flush()
}

func TestFaultsAreCountedNotFatal(t *testing.T) {
	kinds := []string{"", "500", "truncate", "malformed", "stall", "empty"}
	srv := newFaultServer(t, 10, time.Millisecond, func(n int64) string { return kinds[n%int64(len(kinds))] })
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "mock-model", "--streaming", "--url", srv.URL, "--request-count", "24",
		"--concurrency", "4", "--request-timeout-seconds", "1", "--isl", "20", "--artifact-dir", dir, "--ui-type", "none",
		"--api-key", "sk-SECRET-123", "-H", "X-Api-Key: sk-SECRET-456", "--random-seed", "1")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	summary := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	if got := stat(t, summary, "request_count", "avg"); got != 4 {
		t.Errorf("request_count %v, want 4 good of 24", got)
	}
	if got := stat(t, summary, "error_request_count", "avg"); got != 20 {
		t.Errorf("error_request_count %v, want 20", got)
	}
	types := map[string]float64{}
	for _, e := range summary["error_summary"].([]any) {
		m := e.(map[string]any)
		d := m["error_details"].(map[string]any)
		types[d["type"].(string)] += m["count"].(float64)
	}
	for _, want := range []string{"Internal Server Error", "StreamTruncatedError", "InvalidResponseError", "TimeoutError", "EmptyResponseError"} {
		if types[want] != 4 {
			t.Errorf("error summary %v: want 4 × %s", types, want)
		}
	}
	for _, want := range []string{"Error Summary", "StreamTruncatedError", "TimeoutError"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("console lacks %q", want)
		}
	}
	if _, ok := srv.auth.Load("Bearer sk-SECRET-123"); !ok {
		t.Error("the API key was not sent as a bearer token")
	}
	assertNoSecret(t, dir, res, "SECRET")
}

// assertNoSecret checks every artifact and both output streams.
func assertNoSecret(t *testing.T, dir string, res runResult, secret string) {
	t.Helper()
	if strings.Contains(res.stdout+res.stderr, secret) {
		t.Errorf("a secret reached the console")
	}
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			data, _ := os.ReadFile(path)
			if strings.Contains(string(data), secret) {
				t.Errorf("a secret reached %s", path)
			}
		}
		return nil
	})
}

func TestUnreachableServer(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--url", "127.0.0.1:1", "--request-count", "3", "--isl", "10",
		"--artifact-dir", dir, "--ui-type", "none", "--tokenizer", "builtin")
	if res.code != exitFailed || !strings.Contains(res.stderr, "all 3 requests failed") || !strings.Contains(res.stderr, "ConnectionRefusedError") {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
	summary := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	if got := stat(t, summary, "error_request_count", "avg"); got != 3 {
		t.Fatalf("error_request_count %v", got)
	}
}

func TestBadFlags(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--request-count", "5", "--benchmark-duration", "3"}, "Count-based and duration-based benchmarking cannot be used together"},
		{[]string{"--benchmark-grace-period", "3"}, "--benchmark-grace-period can only be used with duration-based benchmarking"},
		{[]string{"--concurrency", "0"}, "--concurrency must be at least 1"},
		{[]string{"--goodput", "latency:5"}, "Unknown metric tag(s) in --goodput"},
		{[]string{"--extra-inputs", "oops"}, "--extra-inputs \"oops\" is not in 'key:value' format"},
		{[]string{"--no-such-flag"}, "unknown flag --no-such-flag"},
		{[]string{"--endpoint-type", "video"}, "--endpoint-type"},
		{[]string{"--url", "sim://?ttft=fast"}, "option ttft=\"fast\""},
	}
	for _, c := range cases {
		args := append([]string{"profile", "-m", "m", "--artifact-dir", t.TempDir(), "--ui-type", "none"}, c.args...)
		res := runSonde(t, args...)
		if res.code != exitUsage || !strings.Contains(res.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, res.code, res.stderr, exitUsage, c.want)
		}
	}
	if res := runSonde(t, "profile", "--url", "sim://"); res.code != exitUsage || !strings.Contains(res.stderr, "--model-names") {
		t.Errorf("missing model: exit %d %q", res.code, res.stderr)
	}
}

func TestTokenizerFallbackIsRecorded(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "1ms")
	dir := filepath.Join(t.TempDir(), "out")
	// The model name is used as the tokenizer by default; offline and not
	// cached, it falls back to builtin and says so.
	res := runSonde(t, "profile", "-m", "Org/NoSuchModel", "--url", sim.addr, "--request-count", "2",
		"--isl", "10", "--osl", "3", "--artifact-dir", dir, "--ui-type", "none")
	// One short line says which tokenizer and why (the first-hour issue).
	if res.code != 0 || strings.Count(res.stderr, "Tokenizer:") != 1 ||
		!strings.Contains(res.stderr, "Tokenizer: builtin o200k_base (Org/NoSuchModel: not in the Hugging Face cache, and HF_HUB_OFFLINE is set)") {
		t.Fatalf("exit %d, %d lines name the tokenizer, stderr:\n%s", res.code, strings.Count(res.stderr, "Tokenizer:"), res.stderr)
	}
	summary := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	tok := summary["sonde"].(map[string]any)["tokenizer"].(map[string]any)
	if tok["requested"] != "Org/NoSuchModel" || !strings.Contains(tok["fallback_reason"].(string), "not in the Hugging Face cache") {
		t.Fatalf("tokenizer info %v", tok)
	}
	// Asked for explicitly, a tokenizer that cannot be had is an error.
	res = runSonde(t, "profile", "-m", "m", "--tokenizer", "Org/NoSuchModel", "--url", sim.addr, "--request-count", "2",
		"--artifact-dir", filepath.Join(t.TempDir(), "x"), "--ui-type", "none")
	if res.code != exitUsage || !strings.Contains(res.stderr, "--tokenizer Org/NoSuchModel") {
		t.Fatalf("explicit: exit %d, %s", res.code, res.stderr)
	}
	sim.stop(t)
}

// startSonde runs the binary in the background, streaming its stderr lines.
func startSonde(t *testing.T, args ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, sondeBinary(t), args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1024)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	return cmd, lines
}

func waitLine(t *testing.T, lines <-chan string, substr string) {
	t.Helper()
	for l := range lines {
		if strings.Contains(l, substr) {
			return
		}
	}
	t.Fatalf("sonde never printed %q", substr)
}

func TestCtrlCWritesEverything(t *testing.T) {
	// 100 tokens 20 ms apart: each request takes 2 s.
	srv := newFaultServer(t, 100, 20*time.Millisecond, nil)
	dir := filepath.Join(t.TempDir(), "out")
	cmd, lines := startSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", srv.URL,
		"--request-count", "50", "--concurrency", "2", "--isl", "10", "--artifact-dir", dir, "--ui-type", "none")
	<-srv.arrived
	<-srv.arrived // both slots busy
	cmd.Process.Signal(syscall.SIGINT)
	waitLine(t, lines, "Interrupted")
	cmd.Process.Signal(syscall.SIGINT) // second Ctrl-C: cancel in-flight requests now
	for range lines {
	}
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitInterrupted {
		t.Fatalf("exit: %v", err)
	}
	summary := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	if summary["was_cancelled"] != true {
		t.Error("was_cancelled is not true")
	}
	if got := stat(t, summary, "error_request_count", "avg"); got != 2 {
		t.Errorf("error_request_count %v, want the 2 cancelled requests", got)
	}
	lines2 := readJSONL(t, filepath.Join(dir, "profile_export.jsonl"))
	if len(lines2) != 2 || lines2[0].Error == nil || lines2[0].Error.Type != "RequestCancelledError" {
		t.Fatalf("records: %+v", lines2)
	}
	for _, f := range []string{"profile_export_aiperf.csv", "inputs.json", "logs/aiperf.log"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

// The same, in-process: interruptions come through env.Signals, so the
// CLI's own code is covered and the test needs no binary.
func TestCtrlCInProcess(t *testing.T) {
	srv := newFaultServer(t, 100, 20*time.Millisecond, nil)
	dir := filepath.Join(t.TempDir(), "out")
	var sig signals
	done := make(chan runResult, 1)
	go func() {
		done <- runSondeEnv(t, env{Signals: sig.notify}, "profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", srv.URL,
			"--request-count", "50", "--concurrency", "2", "--isl", "10", "--artifact-dir", dir, "--ui-type", "none")
	}()
	<-srv.arrived
	<-srv.arrived
	sig.send(syscall.SIGINT) // the second may come before the first is seen: either way, in-flight requests are cut
	res := interruptUntilDone(&sig, done)
	if res.code != exitInterrupted || !strings.Contains(res.stderr, "Interrupted") {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	summary := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	if summary["was_cancelled"] != true || stat(t, summary, "error_request_count", "avg") != 2 {
		t.Errorf("was_cancelled %v, errors %v", summary["was_cancelled"], summary["error_summary"])
	}
}

func TestCtrlCLetsInFlightFinish(t *testing.T) {
	srv := newFaultServer(t, 20, 10*time.Millisecond, nil) // 200 ms per request
	dir := filepath.Join(t.TempDir(), "out")
	cmd, lines := startSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", srv.URL,
		"--request-count", "50", "--concurrency", "2", "--isl", "10", "--artifact-dir", dir, "--ui-type", "none")
	<-srv.arrived
	<-srv.arrived
	cmd.Process.Signal(syscall.SIGINT)
	for range lines {
	}
	cmd.Wait()
	summary := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	if _, ok := summary["error_request_count"]; ok {
		t.Errorf("in-flight requests should have finished normally: %v", summary["error_summary"])
	}
	if n := srv.n.Load(); n > 3 || stat(t, summary, "request_count", "avg") < 2 {
		t.Errorf("server saw %d requests; sonde counted %v", n, summary["request_count"])
	}
}

func TestModesAgainstSimulator(t *testing.T) {
	sim := startSim(t, "--ttft", "5ms", "--itl", "1ms")
	base := []string{"profile", "-m", "m", "--url", sim.addr, "--isl", "30", "--osl", "12", "--ui-type", "none", "--random-seed", "3"}
	run := func(extra ...string) (map[string]any, string) {
		dir := filepath.Join(t.TempDir(), "out")
		res := runSonde(t, append(append(append([]string(nil), base...), "--artifact-dir", dir), extra...)...)
		if res.code != 0 {
			t.Fatalf("%v: exit %d: %s", extra, res.code, res.stderr)
		}
		return readJSON(t, filepath.Join(dir, "profile_export_aiperf.json")), dir
	}
	// Non-streaming chat: no streaming metrics, exact OSL.
	s, _ := run("--request-count", "6")
	if _, ok := s["time_to_first_token"]; ok {
		t.Error("non-streaming run reports TTFT")
	}
	if stat(t, s, "output_sequence_length", "avg") != 12 || stat(t, s, "request_count", "avg") != 6 {
		t.Errorf("non-streaming: %v %v", s["output_sequence_length"], s["request_count"])
	}
	// Completions, streaming, legacy path.
	s, _ = run("--endpoint-type", "completions", "--streaming", "--request-count", "4")
	if stat(t, s, "output_sequence_length", "max") != 12 || stat(t, s, "input_sequence_length", "avg") != 30 {
		t.Errorf("completions: %v %v", s["output_sequence_length"], s["input_sequence_length"])
	}
	// Warmup requests are sent but not reported.
	before := sim.requestsSoFar(t)
	s, dir := run("--streaming", "--warmup-request-count", "3", "--request-count", "5")
	if got := sim.requestsSoFar(t) - before; got != 8 {
		t.Errorf("server saw %d requests, want 3 warmup + 5", got)
	}
	if n := len(readJSONL(t, filepath.Join(dir, "profile_export.jsonl"))); n != 5 {
		t.Errorf("%d records exported, want 5", n)
	}
	// Goodput: every request meets a generous SLO.
	s, _ = run("--streaming", "--request-count", "5", "--goodput", "request_latency:5000 time_to_first_token:1000")
	if stat(t, s, "good_request_count", "avg") != 5 || stat(t, s, "goodput", "avg") != stat(t, s, "request_throughput", "avg") {
		t.Errorf("goodput %v vs throughput %v", s["goodput"], s["request_throughput"])
	}
	// Duration: sending stops after 1 s and, with no grace, what is still in
	// flight then is cut: a request of 600 tokens takes 0.6 s, so each slot
	// finishes one and is cut in its second. Every record that ends after
	// the deadline is a cut, and none ends long after it.
	start := time.Now()
	s, dir = run("--streaming", "--benchmark-duration", "1", "--benchmark-grace-period", "0", "--concurrency", "2", "--osl", "600")
	if time.Since(start) > 10*time.Second {
		t.Errorf("a 1 s run took %v", time.Since(start))
	}
	recs := readJSONL(t, filepath.Join(dir, "profile_export.jsonl"))
	if len(recs) == 0 {
		t.Fatal("duration run recorded nothing")
	}
	first := recs[0].Metadata.RequestStartNs
	for _, r := range recs {
		first = min(first, r.Metadata.RequestStartNs)
	}
	cut := 0
	for _, r := range recs {
		end := time.Duration(r.Metadata.RequestEndNs - first)
		if end > 1050*time.Millisecond && (r.Error == nil || r.Error.Type != "RequestCancelledError") {
			t.Errorf("a request ended %v after the first began, past the deadline, and was not cut", end)
		}
		if end > 1500*time.Millisecond {
			t.Errorf("a record ends %v after the first began: the cut came late", end)
		}
		if r.Error != nil {
			cut++
		}
	}
	if cut == 0 {
		t.Error("no request was cut at the deadline")
	}
}

// requestsSoFar asks the live simulator how many requests it has served
// (its record file is only flushed at exit).
func (s *simServer) requestsSoFar(t *testing.T) int {
	t.Helper()
	resp, err := http.Get(s.addr + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Requests int `json:"requests"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st.Requests
}

func TestDefaultArtifactDir(t *testing.T) {
	dir := t.TempDir()
	var out, errb sondetest.Buffer
	code := run(env{Args: []string{"profile", "-m", "Qwen/Qwen3-0.6B", "--url", "sim://?ttft=1ms&itl=1ms", "--request-count", "2",
		"--isl", "5", "--osl", "2", "--concurrency", "2", "--ui-type", "none"}, Stdout: &out, Stderr: &errb, Getenv: os.Getenv,
		Dir: dir, Clock: clock.New}) // the run's filesystem root and clock, injected
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "artifacts", "Qwen_Qwen3-0.6B-openai-chat-concurrency2", "profile_export_aiperf.json")); err != nil {
		t.Fatal(err)
	}
}

func TestExportLevels(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "100us")
	base := []string{"profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", sim.addr, "--request-count", "3",
		"--isl", "8", "--osl", "4", "--ui-type", "none"}
	summary := filepath.Join(t.TempDir(), "s")
	if res := runSonde(t, append(base, "--artifact-dir", summary, "--export-level", "summary")...); res.code != 0 {
		t.Fatal(res.stderr)
	}
	if _, err := os.Stat(filepath.Join(summary, "profile_export.jsonl")); err == nil {
		t.Error("summary level wrote per-request records")
	}
	raw := filepath.Join(t.TempDir(), "r")
	if res := runSonde(t, append(base, "--artifact-dir", raw, "--export-level", "raw", "--profile-export-prefix", "run")...); res.code != 0 {
		t.Fatal(res.stderr)
	}
	data, err := os.ReadFile(filepath.Join(raw, "run_raw.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var first struct {
		Metadata struct {
			FirstTokenNs int64 `json:"first_token_ns"`
		} `json:"metadata"`
		Request   map[string]any `json:"request"`
		Responses []struct {
			ReceivedNs int64  `json:"received_ns"`
			Data       string `json:"data"`
		} `json:"responses"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || len(lines) != 3 {
		t.Fatalf("%d lines: %v", len(lines), err)
	}
	if first.Request["model"] != "m" || len(first.Responses) < 5 || !strings.HasPrefix(first.Responses[len(first.Responses)-1].Data, "data: [DONE]") ||
		first.Metadata.FirstTokenNs == 0 {
		t.Fatalf("raw line %+v", first)
	}
	for _, f := range []string{"run.json", "run.csv", "run.jsonl", "run_outputs.json"} {
		if _, err := os.Stat(filepath.Join(raw, f)); err != nil {
			t.Error(err)
		}
	}
	sim.stop(t)
}

// Bad input is caught before anything is sent: exit 2, a message naming the
// flag, and a server that saw no request.
func TestBadInputSendsNothing(t *testing.T) {
	t.Parallel() // no timing in its checks: it overlaps the other parallel tests
	srv := newFaultServer(t, 2, time.Millisecond, nil)
	trace := filepath.Join(t.TempDir(), "trace.jsonl")
	os.WriteFile(trace, []byte(`{"timestamp": 0, "input_length": 10, "output_length": 2}`+"\n"), 0o644)
	file := func(text string) string {
		path := filepath.Join(t.TempDir(), "data.jsonl")
		os.WriteFile(path, []byte(text), 0o644)
		return path
	}
	mooncake := func(text string) []string {
		return []string{"--input-file", file(text), "--custom-dataset-type", "mooncake_trace"}
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--url", "ftp://" + srv.Listener.Addr().String()}, `scheme "ftp" is not supported`},
		{[]string{"--url", "http://[::1"}, "not a valid URL"},
		{[]string{"--request-rate", "inf"}, "--request-rate must be a finite number"},
		{[]string{"--request-rate", "1e308"}, "--request-rate must be at most"},
		{[]string{"--request-rate", "NaN"}, "--request-rate must be a finite number"},
		{[]string{"--conversation-turn-delay-mean", "inf"}, "--conversation-turn-delay-mean must be a finite number"},
		{[]string{"--goodput", "time_to_first_token:NaN", "--streaming"}, "not a number"},
		{[]string{"--goodput", "time_to_first_token:-5", "--streaming"}, "negative"},
		{[]string{"--concurrency", "-1"}, "--concurrency must not be negative, got -1"},
		{[]string{"--tokenizer", "/no/such/path"}, "--tokenizer /no/such/path"},
		{[]string{"--input-file", trace, "--custom-dataset-type", "mooncake_trace", "--request-rate", "5"}, "--request-rate"},
		// Sizes are checked before anything is allocated: no out-of-memory.
		{[]string{"--isl", "2000000000"}, "--isl 2000000000: at most 10000000 tokens"},
		{[]string{"--isl", "100000", "--conversation-num", "100000", "--conversation-turn-mean", "10"}, "tokens of prompts to hold"},
		{[]string{"--isl-distribution", `{"mean": 100000, "median": 90000}`, "--conversation-num", "100000"}, "--isl-distribution (mean) 100000 ×"},
		{[]string{"--osl-distribution", `{"value": 1e12}`}, "--osl-distribution: a mean of 1000000000000 tokens: at most 10000000"},
		{[]string{"--isl-distribution", `{"mean": 5, "median": 9}`}, "--isl-distribution: lognormal: mean and median above 0"},
		{mooncake(`{"timestamp": 0, "input_length": 1000000000}` + "\n"), `field "input_length": 1000000000: must be 1 to 10000000 tokens`},
		{[]string{"--input-file", "/dev/zero", "--custom-dataset-type", "mooncake_trace"}, "/dev/zero:1: a line longer than 64 MiB"},
		{mooncake(`{"timestamp": -5, "input_length": 10}` + "\n"), `:1: field "timestamp": -5: a time in ms is not negative`},
		{mooncake(`{"timestamp": 1e15, "input_length": 10}` + "\n"), "days after time zero: at most 7"},
		{mooncake(`{"timestamp": 0, "input_length": 10}` + "\n" + "{\"timestamp\": 1, \"text_input\": \"caf\xe9\"}\n"), "data.jsonl:2: not valid UTF-8"},
		{[]string{"--start-at", "2099-01-01T00:00:00Z"}, "--start-at 2099-01-01T00:00:00Z is"},
		{[]string{"-H", "X-A: b\r\nX-Evil: 1"}, "--header X-A: a line break"},
	}
	for _, c := range cases {
		args := append([]string{"profile", "-m", "m", "--url", srv.URL, "--artifact-dir", t.TempDir(), "--ui-type", "none", "--tokenizer", "builtin"}, c.args...)
		res := runSonde(t, args...)
		if res.code != exitUsage || !strings.Contains(res.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, res.code, res.stderr, exitUsage, c.want)
		}
	}
	if res := runSonde(t, "profile", "-m", "", "--url", srv.URL, "--artifact-dir", t.TempDir(), "--ui-type", "none", "--tokenizer", "builtin"); res.code != exitUsage ||
		!strings.Contains(res.stderr, "--model-names") {
		t.Errorf("-m '': exit %d, %s", res.code, res.stderr)
	}
	if n := srv.n.Load(); n != 0 {
		t.Fatalf("bad input sent %d requests", n)
	}
	res := runSonde(t, "serve", "--ttft=-5ms")
	if res.code != exitUsage || !strings.Contains(res.stderr, "--ttft must not be negative") {
		t.Errorf("serve --ttft=-5ms: exit %d %q", res.code, res.stderr)
	}
}

// A password in --url never reaches the console, the log or any file.
func TestURLPasswordNeverWritten(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "100us")
	u := strings.Replace(sim.addr, "http://", "http://alice:hunter2@", 1)
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", u, "--request-count", "2",
		"--isl", "5", "--osl", "2", "--ui-type", "none", "--artifact-dir", dir, "--export-level", "raw")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if strings.Contains(res.stdout+res.stderr, "hunter2") {
		t.Error("the password reached the console")
	}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(path); strings.Contains(string(b), "hunter2") {
				t.Errorf("the password reached %s", path)
			}
		}
		return nil
	})
}
