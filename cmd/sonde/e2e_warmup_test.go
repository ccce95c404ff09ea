package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// spans are the requests' times at the server.
func spans(recs []simRecord) [][2]int64 {
	var out [][2]int64
	for _, r := range recs {
		out = append(out, [2]int64{r.ReceivedNs, r.FinishedNs})
	}
	return out
}

// The warm-up is a phase of its own: at --warmup-concurrency 1 its four
// requests never overlap at the server, while profiling then runs at 4;
// its results are discarded.
func TestWarmupAtItsOwnConcurrency(t *testing.T) {
	sim := startSim(t, "--ttft", "30ms", "--itl", "1ms")
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--concurrency", "4", "--request-count", "8",
		"--warmup-request-count", "4", "--warmup-concurrency", "1", "--isl", "10", "--osl", "2", "--artifact-dir", dir, "--ui-type", "none")
	if res.code != 0 || !strings.Contains(res.stderr, "Warming up: 4 requests; concurrency 1 (profiling will use 4)") {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	recs := sim.stop(t)
	slices.SortFunc(recs, func(a, b simRecord) int { return int(a.ReceivedNs - b.ReceivedNs) })
	if len(recs) != 12 {
		t.Fatalf("the server got %d requests, want 4 + 8", len(recs))
	}
	if n := maxOverlap(spans(recs[:4])); n != 1 {
		t.Errorf("the warm-up had %d requests in flight at once, want 1", n)
	}
	if n := maxOverlap(spans(recs[4:])); n < 2 {
		t.Errorf("profiling had at most %d requests in flight: it did not run at its own concurrency", n)
	}
	if n := avgOf(t, readJSON(t, filepath.Join(dir, "profile_export_aiperf.json")), "request_count"); n != 8 {
		t.Errorf("request_count %v: the warm-up was counted", n)
	}
}

// A warm-up of sessions or of a duration at its own rate; the first stop
// condition reached ends it.
func TestWarmupSessionsAndDuration(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "1ms")
	res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--conversation-num", "2", "--conversation-turn-mean", "2",
		"--num-warmup-sessions", "3", "--isl", "10", "--osl", "2", "--artifact-dir", t.TempDir(), "--ui-type", "none")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if n := len(sim.stop(t)); n != 3*2+2*2 {
		t.Errorf("the server got %d requests, want 3 warm-up sessions and 2 profiling ones of 2 turns", n)
	}
	sim = startSim(t, "--ttft", "1ms", "--itl", "1ms")
	res = runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--request-count", "3", "--warmup-duration", "0.2",
		"--warmup-request-rate", "50", "--warmup-arrival-pattern", "constant", "--warmup-grace-period", "5", "--warmup-request-count", "1000",
		"--isl", "10", "--osl", "2", "--artifact-dir", t.TempDir(), "--ui-type", "none")
	if res.code != 0 || !strings.Contains(res.stderr, "Warming up: 1000 requests or 200ms; 50 requests/s (profiling will use 0)") {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if n := len(sim.stop(t)); n < 3+2 || n > 3+20 {
		t.Errorf("the server got %d requests: 3 profiling and about 10 in a 0.2 s warm-up at 50/s", n)
	}
	bad := runSonde(t, "profile", "-m", "m", "--url", sim.addr, "--warmup-concurrency", "2", "--artifact-dir", t.TempDir())
	if bad.code != exitUsage || !strings.Contains(bad.stderr, "--warmup-concurrency set, but no warm-up runs") {
		t.Errorf("a warm-up load without a warm-up: exit %d %s", bad.code, bad.stderr)
	}
	bad = runSonde(t, "profile", "-m", "m", "--url", sim.addr, "--warmup-request-count", "2", "--warmup-grace-period", "1", "--artifact-dir", t.TempDir())
	if bad.code != exitUsage || !strings.Contains(bad.stderr, "--warmup-grace-period limits the wait after --warmup-duration") {
		t.Errorf("a grace period without a duration: exit %d %s", bad.code, bad.stderr)
	}
}

// A warm-up with prompts of its own (--warmup-dataset, a config file's
// warm-up naming another dataset) sends those, and profiling its own.
func TestWarmupDataset(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "0s")
	res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--isl", "300", "--osl", "3", "--concurrency", "1",
		"--request-count", "4", "--warmup-request-count", "3", "--warmup-dataset", "isl=9;osl=2",
		"--artifact-dir", t.TempDir(), "--ui-type", "none")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	recs := sim.stop(t)
	var small, large int
	for _, r := range recs {
		switch {
		case r.PromptTokens > 0 && r.PromptTokens < 50:
			small++
		case r.PromptTokens >= 300:
			large++
		}
	}
	if len(recs) != 7 || small != 3 || large != 4 || recs[0].PromptTokens >= 50 {
		t.Errorf("%d requests: %d small (the warm-up's), %d large; first %d tokens", len(recs), small, large, recs[0].PromptTokens)
	}
	if res := runSonde(t, "profile", "-m", "m", "--url", sim.addr, "--warmup-dataset", "concurrency=3", "--warmup-request-count", "1"); res.code != exitUsage || !strings.Contains(res.stderr, "concurrency is not a dataset flag") {
		t.Errorf("a load flag in --warmup-dataset: %d %s", res.code, res.stderr)
	}
}
