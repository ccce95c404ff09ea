package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// pydanticPython finds a Python with pydantic; CI installs one (SONDE_CI
// makes its absence a failure there).
func pydanticPython(t *testing.T) string {
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(py, "-c", "import pydantic").Run() == nil {
			return py
		}
	}
	if os.Getenv("SONDE_CI") != "" {
		t.Fatal("no python3 with pydantic; .ci/run installs python3-pydantic")
	}
	t.Skip("no python3 with pydantic")
	return ""
}

// A script reading profile_export_aiperf.json with AIPerf's field names and
// types (pydantic models of its export schema 1.5) accepts sonde's file.
func TestAIPerfReaderAcceptsSummary(t *testing.T) {
	t.Parallel() // no timing in its checks: it overlaps the other parallel tests
	py := pydanticPython(t)
	// Tokens 20 ms apart: answers have chunks read apart, so their
	// inter-chunk latencies exist even on a loaded machine (chunks read
	// together carry none, by AIPerf's rule; at 2 ms apart, two busy loops
	// and the parallel tests once had every chunk of every answer read
	// together, and the summary rightly had no inter_chunk_latency).
	sim := startSim(t, "--ttft", "2ms", "--itl", "20ms")
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--request-count", "8", "--concurrency", "2",
		"--isl", "50", "--osl", "10", "--goodput", "time_to_first_token:1000", "--ui-type", "none", "--artifact-dir", dir)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	records := []string{"time_to_first_token", "inter_token_latency", "request_latency", "input_sequence_length",
		"output_sequence_length", "time_to_first_output_token", "inter_chunk_latency"}
	scalars := []string{"request_throughput", "request_count", "output_token_throughput", "benchmark_duration",
		"total_isl", "total_osl", "goodput", "good_request_count", "request_error_rate", "min_request_timestamp"}
	args := append(append(append([]string{"testdata/aiperf_reader.py", filepath.Join(dir, "profile_export_aiperf.json")}, records...), "--"), scalars...)
	out, err := exec.Command(py, args...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("AIPerf's reader rejects the summary: %v\n%s", err, out)
	}
}
