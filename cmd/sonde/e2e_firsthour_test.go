package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Users type either `sonde version` or `sonde --version`; both print the
// same line and exit 0.
func TestVersionBothWays(t *testing.T) {
	a, b := runSonde(t, "version"), runSonde(t, "--version")
	if a.code != 0 || b.code != 0 || a.stdout != b.stdout || !strings.HasPrefix(a.stdout, "sonde ") {
		t.Fatalf("version: %d %q; --version: %d %q %q", a.code, a.stdout, b.code, b.stdout, b.stderr)
	}
}

// --reset-kv-cache works against the fixed-latency simulator, which has no
// prefix cache to reset (vLLM answers 200 then too); the start-up log says
// the output length in effect and where it came from.
func TestResetKVCacheOnFixedEngine(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "1ms")
	res := runSonde(t, "profile", "-m", "m", "--url", sim.addr, "--request-count", "2", "--osl", "2",
		"--reset-kv-cache", "--artifact-dir", t.TempDir(), "--ui-type", "none")
	if res.code != 0 || strings.Contains(res.stderr, "--reset-kv-cache") || !strings.Contains(res.stderr, "Reset the prefix cache of") ||
		!strings.Contains(res.stderr, "Output length: --osl 2 (stddev 0) tokens") {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	sim.stop(t)
}

// -v tells what the engine does (each phase's load, how it ended, how the
// connections were used); -vv adds a line per request; neither by default.
func TestVerboseLogs(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "1ms")
	run := func(v ...string) string {
		res := runSonde(t, append([]string{"profile", "-m", "m", "--url", sim.addr, "--request-count", "3", "--osl", "2",
			"--artifact-dir", t.TempDir(), "--ui-type", "none"}, v...)...)
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		return res.stderr
	}
	quiet, debug, trace := run(), run("-v"), run("-vv")
	if strings.Contains(quiet, "DEBUG") || strings.Contains(quiet, "TRACE") {
		t.Errorf("debug lines by default:\n%s", quiet)
	}
	// DCGM's usual ports are tried by default, as AIPerf does, and quietly
	// (here nothing answers there): only -v says so.
	if strings.Contains(quiet, "GPU telemetry") || !strings.Contains(debug, "DEBUG    GPU telemetry: not scraped, no DCGM exporter answers") {
		t.Errorf("the default GPU telemetry is not quiet:\n%s\n%s", quiet, debug)
	}
	for _, want := range []string{"DEBUG    Profiling: concurrency 1", "DEBUG    Profiling ended: 3 requests sent", "DEBUG    Connections: 3 requests"} {
		if !strings.Contains(debug, want) {
			t.Errorf("-v lacks %q:\n%s", want, debug)
		}
	}
	if strings.Contains(debug, "TRACE") || strings.Count(trace, "TRACE    request session") != 3 {
		t.Errorf("-vv should add a line per request, -v none:\n%s\n%s", debug, trace)
	}
	sim.stop(t)
}

// AIPerf's options of its many processes run unchanged, each saying once
// what it means in one process; --plot-required makes a chart that cannot
// be drawn fail the run.
func TestAcceptedOptions(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "1ms")
	res := runSonde(t, "profile", "-m", "m", "--url", sim.addr, "--request-count", "2", "--osl", "2", "--artifact-dir", t.TempDir(),
		"--ui-type", "none", "--workers-max", "8", "--record-processors", "2", "--zmq-host", "127.0.0.1", "--zmq-dual-bind",
		"--tokenizer-trust-remote-code", "--extra-verbose", "--reset-kv-cache", "--reset-kv-cache-timeout-seconds", "5", "--no-auto-plot")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	for _, want := range []string{"--workers-max: sonde's request goroutines follow the load", "--record-processor-service-count: sonde records on one goroutine",
		"--zmq-*: sonde is one process", "--tokenizer-trust-remote-code: sonde runs no code"} {
		if strings.Count(res.stderr, want) != 1 {
			t.Errorf("lacks %q once:\n%s", want, res.stderr)
		}
	}
	if !strings.Contains(res.stderr, "TRACE    request session") {
		t.Errorf("--extra-verbose is not -vv:\n%s", res.stderr)
	}
	for _, required := range []bool{false, true} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "plots"), nil, 0o644) // the charts' folder cannot be made
		args := []string{"profile", "-m", "m", "--url", sim.addr, "--request-count", "2", "--osl", "2", "--artifact-dir", dir, "--ui-type", "none", "--auto-plot"}
		if required {
			args = append(args, "--plot-required")
		}
		res := runSonde(t, args...)
		want := map[bool]int{false: 0, true: exitFailed}[required]
		if res.code != want || !strings.Contains(res.stderr, "--auto-plot") {
			t.Errorf("--plot-required %v: exit %d, want %d: %s", required, res.code, want, res.stderr)
		}
	}
	sim.stop(t)
}
