package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sonde ab against two simulators 20 ms of TTFT apart: the blocks
// alternate their order, each side's runs are kept, and the paired
// interval puts A ahead on TTFT; the servers' own word (their /version)
// is the same, so no comparability warning.
func TestABFindsKnownDifference(t *testing.T) {
	t.Parallel() // mostly waiting on the simulators
	a, b := startSim(t, "--ttft", "10ms", "--itl", "1ms"), startSim(t, "--ttft", "30ms", "--itl", "1ms")
	dir := filepath.Join(t.TempDir(), "ab")
	res := runSonde(t, "ab", "-m", "m", "--tokenizer", "builtin", "--url", a.addr, "--url", b.addr, "--streaming", "--request-count", "4",
		"--concurrency", "2", "--isl", "8", "--osl", "4", "--ab-blocks", "4", "--ui-type", "none", "--no-server-metrics", "--artifact-dir", dir)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	r := readJSON(t, filepath.Join(dir, "ab_result.json"))
	ttft := r["metrics"].(map[string]any)["time_to_first_token_p50"].(map[string]any)
	if r["blocks"] != 4.0 || ttft["verdict"] != "a_better" || ttft["ci_low"].(float64) <= 0 {
		t.Errorf("ab_result: %v", r)
	}
	if order := r["order"].([]any); order[0] != "AB" || order[1] != "BA" {
		t.Errorf("order %v", order)
	}
	if w := r["comparability_warnings"].([]any); len(w) != 0 {
		t.Errorf("warnings for two like servers: %v", w)
	}
	for _, side := range []string{"a", "b"} {
		readJSON(t, filepath.Join(dir, side, "block_04", "profile_export_aiperf.json"))
	}
	if !strings.Contains(res.stdout, "sonde | A/B") || !strings.Contains(res.stdout, "a_better") {
		t.Errorf("console: %s", res.stdout)
	}
}

// The comparability guard: servers that say they differ (here two
// engines) are compared with a warning, or refused with --strict — by
// sonde ab and by sonde compare.
func TestComparabilityGuard(t *testing.T) {
	a, b := startSim(t, "--ttft", "5ms", "--itl", "1ms"), startSim(t, "--engine", "batch")
	base := []string{"-m", "m", "--tokenizer", "builtin", "--request-count", "2", "--isl", "8", "--osl", "2", "--ui-type", "none", "--no-server-metrics"}
	dir := filepath.Join(t.TempDir(), "ab")
	res := runSonde(t, append([]string{"ab", "--url", a.addr, "--url", b.addr, "--ab-blocks", "2", "--strict", "--artifact-dir", dir}, base...)...)
	if res.code != exitUsage || !strings.Contains(res.stderr, "server.version") {
		t.Fatalf("--strict: exit %d: %s", res.code, res.stderr)
	}
	if w := readJSON(t, filepath.Join(dir, "ab_result.json"))["comparability_warnings"].([]any); len(w) == 0 {
		t.Error("no warning written")
	}
	runA, runB := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	for _, r := range [][2]string{{a.addr, runA}, {b.addr, runB}} {
		if res := runSonde(t, append([]string{"profile", "--url", r[0], "--artifact-dir", r[1]}, base...)...); res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
	}
	if res := runSonde(t, "compare", runA, runB); res.code != 0 || !strings.Contains(res.stderr, "the runs differ: server.version") {
		t.Errorf("compare: exit %d: %s", res.code, res.stderr)
	}
	if res := runSonde(t, "compare", "--strict", runA, runB); res.code != exitUsage {
		t.Errorf("compare --strict: exit %d: %s", res.code, res.stderr)
	}
	if res := runSonde(t, "ab", "-m", "m", "--url", a.addr, "--ab-blocks", "2"); res.code != exitUsage || !strings.Contains(res.stderr, "two servers") {
		t.Errorf("one URL: exit %d: %s", res.code, res.stderr)
	}
}

// sonde ab with two config files, one per server: each side runs its own
// file's flags; the blocks, the result and the verdict are as with --url.
func TestABTwoConfigFiles(t *testing.T) {
	t.Parallel() // mostly waiting on the simulators
	dir := t.TempDir()
	write := func(name, url string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(`benchmark:
  model: m
  endpoint: {url: "`+url+`", streaming: true}
  datasets: [{name: main, type: synthetic, prompts: {isl: 8, osl: 4}}]
  phases: [{name: profiling, type: concurrency, concurrency: 2, requests: 4}]
`), 0o644)
		return p
	}
	a, b := write("a.yaml", "sim://?ttft=5ms&itl=1ms"), write("b.yaml", "sim://?ttft=25ms&itl=1ms")
	out := filepath.Join(dir, "ab")
	res := runSonde(t, "ab", "-f", a, "-f", b, "--tokenizer", "builtin", "--ab-blocks", "3", "--ui-type", "none", "--no-server-metrics", "--artifact-dir", out)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	r := readJSON(t, filepath.Join(out, "ab_result.json"))
	ttft := r["metrics"].(map[string]any)["time_to_first_token_p50"].(map[string]any)
	if r["blocks"] != 3.0 || ttft["verdict"] != "a_better" || r["urls"].([]any)[1] != "sim://?ttft=25ms&itl=1ms" {
		t.Errorf("ab_result: %v", r)
	}
}
