package main

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --collect-server-traces: a sim:// server sends a vLLM-like span of every
// request to the run's receiver; each is joined to its request by trace
// id, and each request's TTFT splits into parts that add up to it exactly,
// with the server's part inside the client's.
func TestServerTraceSplit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", "sim://?max-num-seqs=2", "--conversation-num", "5", "--conversation-turn-mean", "2",
		"--conversation-turn-stddev", "0", "--isl", "300", "--osl", "4", "--concurrency", "4", "--ui-type", "none", "--artifact-dir", dir,
		"--collect-server-traces", "127.0.0.1:0")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	split := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))["sonde"].(map[string]any)["ttft_split"].(map[string]any)
	if split["requests"] != 10.0 || split["joined"] != 10.0 || split["spans_received"].(float64) < 10 {
		t.Fatalf("split %v", split)
	}
	if q := split["parts"].(map[string]any)["queue"].(map[string]any); q["avg"].(float64) <= 0 {
		t.Errorf("two sequences at a time, four sent: nothing queued? %v", q)
	}
	if !strings.Contains(res.stdout, "TTFT split by the server's spans (10 of 10 requests joined)") {
		t.Errorf("console:\n%s", res.stdout)
	}
	records := map[string]float64{}
	for _, r := range readJSONL(t, filepath.Join(dir, "profile_export.jsonl")) {
		records[r.Metadata.TraceID] = r.Metrics["time_to_first_token"].Value.(float64)
	}
	f, err := os.Open(filepath.Join(dir, "profile_export_ttft_split.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); n++ {
		var l map[string]any
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		ns := func(k string) int64 { return int64(l[k].(float64)) }
		id := l["trace_id"].(string)
		ttft := ns("time_to_first_token_ns")
		if sum := ns("client_send_ns") + ns("network_ns") + ns("server_input_ns") + ns("server_queue_ns") + ns("server_prefill_ns"); sum != ttft {
			t.Errorf("%s: parts add up to %d, TTFT %d", id, sum, ttft)
		}
		if want, ok := records[id]; !ok || int64(math.Round(want*1e6)) != ttft {
			t.Errorf("%s: TTFT %d ns, the record's %v ms", id, ttft, want)
		}
		// The server's clock starts after sonde's and stops before: its
		// TTFT lies inside (1 ms of slack for a wall-clock step). Network
		// itself may go negative: the server starts its clock when it has
		// the headers, while sonde's send ends when the body is written.
		if ns("server_time_to_first_token_ns") <= 0 || ns("server_time_to_first_token_ns") > ttft+1_000_000 {
			t.Errorf("%s: the server's TTFT is not inside the client's: %v", id, l)
		}
	}
	if n != 10 {
		t.Fatalf("%d lines of the split", n)
	}
}

// A server that sends no span: the run waits its quiet period, says so,
// and writes an empty split; a bad address is a usage error.
func TestServerTraceNone(t *testing.T) {
	sim := startSim(t)
	dir := t.TempDir()
	res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--request-count", "2", "--isl", "5", "--osl", "2", "--ui-type", "none",
		"--artifact-dir", dir, "--collect-server-traces", "127.0.0.1:0", "--server-traces-wait", "0.05")
	if res.code != 0 || !strings.Contains(res.stderr, "no span came for 2 of 2 requests") || !strings.Contains(res.stdout, "no span of the server carried") {
		t.Fatalf("exit %d: %s\n%s", res.code, res.stderr, res.stdout)
	}
	res = runSonde(t, "profile", "-m", "m", "--url", sim.addr, "--collect-server-traces", "nonsense", "--ui-type", "none", "--artifact-dir", dir)
	if res.code != exitUsage || !strings.Contains(res.stderr, "--collect-server-traces") {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
}

// --stats-interval sets how often the progress line is printed: a run of
// about half a second prints it many times at 50 ms, none at the default
// 2 s but the final one.
func TestStatsInterval(t *testing.T) {
	args := []string{"profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", "sim://?engine=fixed&ttft=80ms&itl=8ms",
		"--request-count", "4", "--concurrency", "2", "--isl", "5", "--osl", "10", "--ui-type", "simple"}
	lines := func(res runResult) int { return strings.Count(res.stderr, "Profiling: ") }
	fast := runSonde(t, append(args, "--artifact-dir", t.TempDir(), "--stats-interval", "0.05")...)
	if fast.code != 0 || lines(fast) < 3 {
		t.Fatalf("exit %d, %d progress lines:\n%s", fast.code, lines(fast), fast.stderr)
	}
	// The default (2 s) prints the final line, and another only on a
	// machine slow enough to stretch the run past 2 s: always fewer.
	res := runSonde(t, append(args, "--artifact-dir", t.TempDir())...)
	if res.code != 0 || lines(res) < 1 || lines(res) >= lines(fast) {
		t.Fatalf("exit %d, %d progress lines (%d at 50 ms):\n%s", res.code, lines(res), lines(fast), res.stderr)
	}
}
