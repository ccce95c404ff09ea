package main

import (
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
