package main

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func simStats(t *testing.T, s *simServer) map[string]float64 {
	t.Helper()
	resp, err := http.Get(s.addr + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	out := map[string]float64{}
	for k, v := range m {
		if f, ok := v.(float64); ok {
			out[k] = f
		}
	}
	return out
}

func runProfile(t *testing.T, sim *simServer, extra ...string) (string, runResult) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	args := append([]string{"profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", sim.addr,
		"--ui-type", "none", "--artifact-dir", dir, "--random-seed", "4"}, extra...)
	res := runSonde(t, args...)
	if res.code != 0 {
		t.Fatalf("%v: exit %d: %s", extra, res.code, res.stderr)
	}
	return dir, res
}

func TestSessionHeadersAndConnectionReuse(t *testing.T) {
	for _, c := range []struct {
		strategy string
		conns    func(sessions, requests float64) bool
	}{
		{"sticky-user-sessions", func(s, r float64) bool { return s > 0 && r > s }},
		{"never", func(s, r float64) bool { return true }},
		{"pooled", func(s, r float64) bool { return true }},
	} {
		t.Run(c.strategy, func(t *testing.T) {
			sim := startSim(t, "--ttft", "2ms", "--itl", "200us")
			runProfile(t, sim, "--conversation-num", "6", "--conversation-turn-mean", "3", "--isl", "20", "--osl", "5",
				"--concurrency", "2", "--connection-reuse-strategy", c.strategy, "--session-header", "X-Session-ID", "--session-affinity")
			conns := simStats(t, sim)["connections"] - 1 // not the /stats request itself
			recs := sim.stop(t)
			perSession := map[string]map[string]bool{}
			for _, r := range recs {
				id := r.Headers["X-Session-Id"]
				if id == "" || r.Headers["X-Session-Affinity"] != id || r.Headers["X-Correlation-Id"] != "" {
					t.Fatalf("session headers %v", r.Headers)
				}
				if perSession[id] == nil {
					perSession[id] = map[string]bool{}
				}
				perSession[id][r.RemoteAddr] = true
			}
			switch c.strategy {
			case "sticky-user-sessions":
				for id, addrs := range perSession {
					if len(addrs) != 1 {
						t.Errorf("session %s used %d connections", id, len(addrs))
					}
				}
				if conns != float64(len(perSession)) {
					t.Errorf("server accepted %v connections for %d sessions", conns, len(perSession))
				}
			case "never":
				if conns != float64(len(recs)) {
					t.Errorf("server accepted %v connections for %d requests", conns, len(recs))
				}
			case "pooled":
				if conns > 2 {
					t.Errorf("server accepted %v connections at concurrency 2", conns)
				}
			}
		})
	}
}

func TestRequestCancellationRate(t *testing.T) {
	sim := startSim(t, "--ttft", "20ms", "--itl", "1ms")
	dir, _ := runProfile(t, sim, "--request-count", "1000", "--concurrency", "32", "--isl", "10", "--osl", "5",
		"--request-cancellation-rate", "30")
	cancelled := 0
	lines := readJSONL(t, filepath.Join(dir, "profile_export.jsonl"))
	for _, l := range lines {
		if l.Error != nil {
			if l.Error.Type != "RequestCancellationError" || l.Error.Code != 499 {
				t.Fatalf("error %+v", l.Error)
			}
			cancelled++
		}
	}
	if len(lines) != 1000 {
		t.Fatalf("%d records", len(lines))
	}
	if pct := float64(cancelled) / 10; math.Abs(pct-30) > 3 {
		t.Fatalf("%.1f%% cancelled, want 30%% ± 3", pct)
	}
	// Every deliberate cancellation is one group of the error summary, as
	// in AIPerf (not one per elapsed time).
	if groups := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))["error_summary"].([]any); len(groups) != 1 {
		t.Errorf("%d error groups: %v", len(groups), groups)
	}
}

func TestPrefillConcurrency(t *testing.T) {
	sim := startSim(t, "--ttft", "30ms", "--itl", "1ms")
	runProfile(t, sim, "--request-count", "24", "--concurrency", "8", "--prefill-concurrency", "2", "--isl", "10", "--osl", "20")
	st := simStats(t, sim)
	if st["max_prefilling"] > 2 || st["max_in_flight"] < 4 {
		t.Fatalf("server saw %v requests awaiting a first token (limit 2), %v in flight", st["max_prefilling"], st["max_in_flight"])
	}
	sim.stop(t)
}

// Each user's turns are scheduled users/QPS seconds apart (intended times:
// exact by construction; how late they went out is schedule_lag).
func TestUserCentricGap(t *testing.T) {
	sim := startSim(t, "--ttft", "3ms", "--itl", "500us")
	dir, _ := runProfile(t, sim, "--user-centric-rate", "40", "--num-users", "4", "--conversation-num", "8",
		"--conversation-turn-mean", "4", "--isl", "20", "--osl", "10")
	bySession := map[string][]int64{}
	for _, l := range readJSONL(t, filepath.Join(dir, "profile_export.jsonl")) {
		bySession[l.Metadata.XCorrelationID] = append(bySession[l.Metadata.XCorrelationID], l.Metadata.CreditIssuedNs)
	}
	var gaps []float64
	for _, starts := range bySession {
		sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
		for i := 1; i < len(starts); i++ {
			gaps = append(gaps, float64(starts[i]-starts[i-1])/1e6)
		}
	}
	mean := 0.0
	for _, g := range gaps {
		mean += g
	}
	mean /= float64(len(gaps))
	if len(gaps) != 24 || math.Abs(mean-100) > 5 {
		t.Fatalf("%d gaps, mean %.2f ms; want 24 gaps of 100 ms ± 5%%", len(gaps), mean)
	}
}

// Sessions arrive at the session rate; their turns follow their think times,
// not the arrival schedule.
func TestSessionArrivalRate(t *testing.T) {
	sim := startSim(t, "--ttft", "3ms", "--itl", "500us")
	dir, _ := runProfile(t, sim, "--session-arrival-rate", "20", "--session-arrival-pattern", "constant", "--conversation-num", "6",
		"--conversation-turn-mean", "3", "--conversation-turn-delay-mean", "40", "--isl", "20", "--osl", "10")
	s := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	// At least the think time, and not twice it (a busy machine may wake late).
	if got := stat(t, s, "think_time", "min"); got < 40 || stat(t, s, "think_time", "p50") > 80 {
		t.Errorf("think time applied %.2f..%.2f ms, want ~40", got, stat(t, s, "think_time", "max"))
	}
	firsts := []int64{}
	for _, l := range readJSONL(t, filepath.Join(dir, "profile_export.jsonl")) {
		if l.Metadata.TurnIndex == 0 {
			firsts = append(firsts, l.Metadata.CreditIssuedNs)
		}
	}
	sort.Slice(firsts, func(i, j int) bool { return firsts[i] < firsts[j] })
	for i := 1; i < len(firsts); i++ {
		if gap := float64(firsts[i]-firsts[i-1]) / 1e6; math.Abs(gap-50) > 1 {
			t.Fatalf("sessions %d and %d were scheduled %.2f ms apart, want 50", i-1, i, gap)
		}
	}
}

// sentBodies runs a profile against a fresh simulator and returns the bodies
// it received, sorted (each holds its session's history, so the sorted set
// compares sessions and turns; the ids are the run's own).
func sentBodies(t *testing.T, simSeed string, extra ...string) ([]string, string) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "100us", "--seed", simSeed)
	dir, _ := runProfile(t, sim, append([]string{"--conversation-num", "5", "--conversation-turn-mean", "3",
		"--isl", "30", "--osl", "8", "--concurrency", "2"}, extra...)...)
	var out []string
	for _, r := range sim.stop(t) {
		out = append(out, string(r.Body))
	}
	sort.Strings(out)
	return out, dir
}

// With pre-canned answers the prompts no longer depend on the server's
// answers: two servers that answer differently get the same requests.
func TestContextModes(t *testing.T) {
	t.Parallel() // no timing in its checks: it overlaps the other parallel tests
	if testing.Short() {
		t.Skip("six runs")
	}
	same := func(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }
	live1, _ := sentBodies(t, "1")
	live2, _ := sentBodies(t, "2")
	if same(live1, live2) {
		t.Fatal("live answers differ by simulator seed, so the histories should too")
	}
	for _, mode := range []string{"deltas_with_responses", "message_array_with_responses"} {
		a, _ := sentBodies(t, "1", "--conversation-context-mode", mode)
		b, _ := sentBodies(t, "2", "--conversation-context-mode", mode)
		if !same(a, b) {
			t.Errorf("%s: the prompts depend on the server's answers", mode)
		}
	}
}

// Record a run's answers, then replay them against another server: every
// prompt of the second run equals the first run's, byte for byte.
func TestRecordAndReplay(t *testing.T) {
	first, dir := sentBodies(t, "1", "--export-outputs-json")
	outputs := filepath.Join(dir, "outputs.json")
	second, _ := sentBodies(t, "2", "--replay-outputs", outputs)
	if strings.Join(first, "\n") != strings.Join(second, "\n") {
		t.Fatal("the replayed run sent different prompts")
	}
	res := runSonde(t, "profile", "-m", "m", "--url", "sim://", "--replay-outputs", filepath.Join(dir, "inputs.json"),
		"--ui-type", "none", "--artifact-dir", t.TempDir())
	if res.code != exitUsage || !strings.Contains(res.stderr, "--replay-outputs") {
		t.Fatalf("a file that is not outputs.json: exit %d %s", res.code, res.stderr)
	}
}

// The HTTP phases are exported (k6's http_req_* names); with
// --warmup-connections no request pays for a TCP connect.
func TestHTTPPhasesAndWarmConnections(t *testing.T) {
	sim := startSim(t, "--ttft", "2ms", "--itl", "100us")
	for _, warm := range []string{"0", "4"} {
		dir, _ := runProfile(t, sim, "--request-count", "12", "--concurrency", "4", "--isl", "10", "--osl", "4", "--warmup-connections", warm)
		s := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
		for _, tag := range []string{"http_req_blocked", "http_req_connecting", "http_req_sending", "http_req_waiting", "http_req_receiving",
			"http_req_duration", "http_req_connection_overhead", "http_req_total", "http_req_data_sent", "http_req_data_received", "http_req_connection_reused"} {
			stat(t, s, tag, "avg")
		}
		connects := stat(t, s, "http_req_connecting", "max")
		if warm == "0" && connects <= 0 {
			t.Errorf("no request paid for a connect without --warmup-connections")
		}
		if warm == "4" && connects != 0 {
			t.Errorf("--warmup-connections 4: a request still connected for %.3f ms", connects)
		}
		// The phases partition the request, from its start to its end.
		for _, l := range readJSONL(t, filepath.Join(dir, "profile_export.jsonl")) {
			total, span := metricValue(l, "http_req_total"), float64(l.Metadata.RequestEndNs-l.Metadata.RequestStartNs)/1e6
			if math.Abs(total-span) > 0.01 || total < metricValue(l, "http_req_waiting") {
				t.Fatalf("http_req_total %.3f ms, the request took %.3f ms", total, span)
			}
		}
	}
}

// AIPerf's JSON form of -H sends each header of the object.
func TestJSONHeaderFlag(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "100us")
	runProfile(t, sim, "--request-count", "2", "--isl", "5", "--osl", "2", "-H", `{"X-A":"1","X-B":"two"}`, "-H", "X-C: 3")
	for _, r := range sim.stop(t) {
		if r.Headers["X-A"] != "1" || r.Headers["X-B"] != "two" || r.Headers["X-C"] != "3" {
			t.Fatalf("headers %v", r.Headers)
		}
	}
}

// --show-trace-timing prints the HTTP phases under the results; without
// it they stay in the exports only.
func TestShowTraceTiming(t *testing.T) {
	for _, show := range []bool{true, false} {
		args := []string{"profile", "-m", "m", "--tokenizer", "builtin", "--url", "sim://?ttft=1ms&itl=100us", "--request-count", "2", "--isl", "5",
			"--osl", "2", "--ui-type", "none", "--artifact-dir", t.TempDir()}
		if show {
			args = append(args, "--show-trace-timing")
		}
		res := runSonde(t, args...)
		if res.code != 0 || strings.Contains(res.stdout, "HTTP Trace Timing") != show || strings.Contains(res.stdout, "HTTP Waiting (ms)") != show {
			t.Errorf("--show-trace-timing %v: exit %d:\n%s", show, res.code, res.stdout)
		}
	}
}

// --export-http-trace adds each request's trace to its record: its stamps
// in order, a chunk per response event, the durations of its phases.
func TestExportHTTPTrace(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", "sim://?ttft=1ms&itl=100us", "--request-count", "3",
		"--isl", "5", "--osl", "4", "--ui-type", "none", "--artifact-dir", dir, "--export-http-trace")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "profile_export.jsonl"))
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var rec struct {
			Trace struct {
				Start, Wrote, Headers, First, End int64
				Chunks                            [][2]int64 `json:"response_chunks"`
				Status                            int        `json:"response_status_code"`
				Waiting                           *int64     `json:"waiting_ns"`
			} `json:"trace_data"`
		}
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatal(err)
		}
		tr := rec.Trace
		if tr.Status != 200 || len(tr.Chunks) < 5 || tr.Waiting == nil {
			t.Fatalf("trace %+v", tr)
		}
	}
	var m map[string]any
	json.Unmarshal(bytes.SplitN(data, []byte("\n"), 2)[0], &m)
	td := m["trace_data"].(map[string]any)
	order := []string{"request_send_start_ns", "request_send_end_ns", "response_headers_received_ns", "response_receive_start_ns", "response_receive_end_ns"}
	for i := 1; i < len(order); i++ {
		if td[order[i]].(float64) < td[order[i-1]].(float64) {
			t.Errorf("%s before %s: %v", order[i], order[i-1], td)
		}
	}
}
