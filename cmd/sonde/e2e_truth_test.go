package main

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// A deliberately overloaded client — one session slot, a rate far above what
// it can serve — must show the queueing: latency from the intended send time
// grows while latency from the actual send does not, and the run says so.
func TestOverloadedClientShowsCoordinatedOmission(t *testing.T) {
	sim := startSim(t, "--ttft", "5ms", "--itl", "1ms")
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", sim.addr, "--request-count", "40", "--request-rate", "200",
		"--concurrency", "1", "--isl", "50", "--osl", "10", "--random-seed", "1", "--ui-type", "none", "--artifact-dir", dir)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	s := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	lat, eff := stat(t, s, "request_latency", "max"), stat(t, s, "effective_latency", "max")
	if eff < 5*lat {
		t.Errorf("send-time latency max %.1f ms, intended-time %.1f ms: queueing should show only in the latter", lat, eff)
	}
	// The 40th request was due at 39 × 5 ms but waited for 39 predecessors of ~15 ms.
	if p99 := stat(t, s, "schedule_lag", "p99"); p99 < 200 {
		t.Errorf("schedule lag p99 %.1f ms", p99)
	}
	if n := strings.Count(res.stdout+res.stderr, "Schedule lag p99"); n != 1 || !strings.Contains(res.stdout, "WARNING: Schedule lag p99") {
		t.Errorf("the lag warning is on the console %d times, want once, under the results", n)
	}
	found := false
	for _, w := range s["sonde"].(map[string]any)["warnings"].([]any) {
		found = found || strings.Contains(w.(string), "coordinated omission")
	}
	if !found {
		t.Errorf("JSON warnings %v", s["sonde"].(map[string]any)["warnings"])
	}

	// That no warning shows when the client keeps up is a property of the
	// threshold, tested in internal/metrics: on a busy machine the client
	// may truly fall behind, and then the warning is right.
}

// Per-session metrics and prefix-cache attribution: sonde's expected
// reusable tokens agree with the server's cached_tokens within one block per
// request; with a cache too small to hold the conversations, hits drop on
// later turns.
func TestSessionsAndCacheAttribution(t *testing.T) {
	t.Parallel() // no timing in its checks: it overlaps the other parallel tests
	if testing.Short() {
		t.Skip("two multi-turn runs")
	}
	run := func(simArgs ...string) map[string]any {
		sim := startSim(t, simArgs...)
		dir := filepath.Join(t.TempDir(), "out")
		res := runSonde(t, append([]string{"profile", "-m", "m", "--streaming", "--url", sim.addr, "--conversation-num", "8",
			"--conversation-turn-mean", "4", "--conversation-turn-delay-mean", "20", "--isl", "400", "--osl", "40",
			"--concurrency", "4", "--random-seed", "2", "--ui-type", "none", "--artifact-dir", dir}, includeUsage...)...)
		sim.stop(t)
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		for _, want := range []string{"Schedule Lag (ms)", "Session Duration (sec)", "Think Time Applied (ms)", "Expected Cached Tokens"} {
			if !strings.Contains(res.stdout, want) {
				t.Errorf("console lacks %q", want)
			}
		}
		return readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	}
	s := run()
	if n := stat(t, s, "session_count", "avg"); n != 8 {
		t.Errorf("session_count %v", n)
	}
	if turns := stat(t, s, "session_turns", "min"); turns != 4 {
		t.Errorf("turns per session min %v", turns)
	}
	if think := stat(t, s, "think_time", "min"); think < 20 {
		t.Errorf("think time applied %.2f ms, at least 20 ms were asked", think)
	}
	if tps := stat(t, s, "session_throughput", "avg"); tps <= 0 {
		t.Errorf("session_throughput %v", tps)
	}
	srv, exp := stat(t, s, "usage_prompt_cache_read_tokens", "sum"), stat(t, s, "expected_cached_tokens", "sum")
	requests := stat(t, s, "request_count", "avg")
	if exp < srv || exp-srv > 16*requests {
		t.Errorf("expected %v vs server %v cached tokens over %v requests: more than a block apart", exp, srv, requests)
	}
	if math.Abs(stat(t, s, "overall_usage_prompt_cache_read_pct", "avg")-stat(t, s, "expected_prompt_cache_pct", "avg")) > 2 {
		t.Error("hit ratios disagree")
	}

	// 4 sessions at a time of up to 4 × 440 tokens do not fit in 2,000 tokens
	// of KV: later turns lose their prefix.
	small := run("--kv-cache-tokens", "2000", "--max-model-len", "2000")
	turns := small["sonde"].(map[string]any)["per_turn"].([]any)
	last := turns[len(turns)-1].(map[string]any)
	hit := last["usage_prompt_cache_read_tokens"].(map[string]any)["avg"].(float64)
	want := last["expected_cached_tokens"].(map[string]any)["avg"].(float64)
	if hit > want/2 {
		t.Errorf("last turn hit %v of %v expected tokens with a tiny cache: eviction should show", hit, want)
	}
}
