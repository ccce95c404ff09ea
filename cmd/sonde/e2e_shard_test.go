package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// bodies are the request bodies a server received, sorted.
func bodies(recs []simRecord) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = string(r.Body)
	}
	slices.Sort(out)
	return out
}

// The local proof of scale-out: three shard processes started together
// (through --start-barrier, one of them late) against one server send
// exactly the requests one process sends with the same seed — the same
// count and the same bodies — and `sonde merge` gives exact statistics of
// their union.
func TestShardsSendOneRun(t *testing.T) {
	common := []string{"profile", "-m", "m", "--streaming", "--conversation-num", "12", "--conversation-turn-mean", "2",
		"--conversation-turn-stddev", "1", "--concurrency", "3", "--isl", "30", "--isl-stddev", "10", "--osl", "3",
		"--conversation-context-mode", "deltas_with_responses", "--random-seed", "11", "--ui-type", "none"}
	one := startSim(t, "--ttft", "1ms", "--itl", "1ms")
	start := strconv.FormatInt(time.Now().Add(300*time.Millisecond).UnixNano(), 10)
	if res := runSonde(t, append(common, "--url", one.addr, "--artifact-dir", filepath.Join(t.TempDir(), "one"), "--start-at", start)...); res.code != 0 ||
		!strings.Contains(res.stderr, "for --start-at") {
		t.Fatalf("one process: exit %d: %s", res.code, res.stderr)
	}
	want := bodies(one.stop(t))

	many := startSim(t, "--ttft", "1ms", "--itl", "1ms")
	dir := filepath.Join(t.TempDir(), "sharded")
	gate := filepath.Join(t.TempDir(), "barrier")
	var wg sync.WaitGroup
	logs := make([]string, 3)
	for i := range 3 {
		wg.Go(func() {
			if i == 2 {
				time.Sleep(500 * time.Millisecond) // a pod scheduled late: the others wait for it
			}
			res := runSonde(t, append(common, "--url", many.addr, "--artifact-dir", dir, "--shard-count", "3",
				"--shard-index", strconv.Itoa(i), "--start-barrier", gate, "--start-barrier-margin", "0.3")...)
			logs[i] = res.stderr
			if res.code != 0 {
				t.Errorf("shard %d: exit %d: %s", i, res.code, res.stderr)
			}
		})
	}
	wg.Wait()
	// One instant for all: each shard logs the same start.
	var starts []string
	for _, l := range logs {
		_, after, _ := strings.Cut(l, "for --start-barrier ")
		starts = append(starts, strings.SplitN(after, "\n", 2)[0])
	}
	if starts[0] == "" || starts[0] != starts[1] || starts[1] != starts[2] {
		t.Errorf("the shards' starts differ: %q", starts)
	}
	got := bodies(many.stop(t))
	if len(got) != len(want) || !slices.Equal(got, want) {
		t.Fatalf("3 shards sent %d requests, 1 process %d; the same bodies: %v", len(got), len(want), slices.Equal(got, want))
	}

	out := filepath.Join(t.TempDir(), "merged")
	var shards []string
	for i := range 3 {
		shards = append(shards, filepath.Join(dir, fmt.Sprintf("shard_%d", i)))
	}
	res := runSonde(t, append(append([]string{"merge"}, shards...), "-o", out)...)
	if res.code != 0 {
		t.Fatalf("merge: exit %d: %s", res.code, res.stderr)
	}
	s := readJSON(t, filepath.Join(out, "profile_export_aiperf.json"))
	lines := readJSONL(t, filepath.Join(out, "profile_export.jsonl"))
	if n := avgOf(t, s, "request_count"); int(n) != len(want) || len(lines) != len(want) {
		t.Errorf("merged: request_count %v, %d records; %d requests were sent", n, len(lines), len(want))
	}
	// Exact: the merged p90 TTFT is the p90 of every shard's requests.
	var ttft []float64
	for _, l := range lines {
		ttft = append(ttft, l.Metrics["time_to_first_token"].Value.(float64))
	}
	slices.Sort(ttft)
	// The p90 of the union, computed here as numpy does (linear between
	// the closest ranks), not by the function under test.
	rank := 0.9 * float64(len(ttft)-1)
	lo := int(rank)
	p90 := ttft[lo]
	if lo+1 < len(ttft) {
		p90 += (ttft[lo+1] - ttft[lo]) * (rank - float64(lo))
	}
	if got := s["time_to_first_token"].(map[string]any)["p90"].(float64); abs(got-p90) > 1e-9 {
		t.Errorf("merged p90 TTFT %v, the union's %v", got, p90)
	}
	if sh := s["sonde"].(map[string]any)["shards"].([]any); len(sh) != 3 {
		t.Errorf("per-shard breakdown: %v", sh)
	}
	// Every shard scraped the one server: the merge keeps it once.
	if eps := readJSON(t, filepath.Join(out, "server_metrics_export.json"))["endpoints"].([]any); len(eps) != 1 {
		t.Errorf("merged server metrics: %d endpoints, want 1", len(eps))
	}
	checkMergeRefuses(t, shards)
	// What the merge Job runs: wait for every shard, then merge.
	kout := filepath.Join(t.TempDir(), "kmerged")
	if res := runSonde(t, "kube", "merge", "--from", dir, "--shards", "3", "--wait", "5", "-o", kout); res.code != 0 {
		t.Errorf("kube merge: exit %d: %s", res.code, res.stderr)
	} else if n := avgOf(t, readJSON(t, filepath.Join(kout, "profile_export_aiperf.json")), "request_count"); int(n) != len(want) {
		t.Errorf("kube merge: request_count %v", n)
	}
	if res := runSonde(t, "kube", "merge", "--from", dir, "--shards", "4", "--wait", "0.2", "-o", kout); res.code == 0 ||
		!strings.Contains(res.stderr, "shard_3 has no summary yet") {
		t.Errorf("a missing shard: exit %d: %s", res.code, res.stderr)
	}
	res = runSonde(t, "kube", "manifest", "--shards", "3", "--image", "img", "--pvc", "results", "--", "-m", "m", "--url", "http://vllm:8000",
		"--concurrency", "30")
	if res.code != 0 || !strings.Contains(res.stdout, "completionMode: Indexed") || !strings.Contains(res.stdout, "- /results/sonde/.barrier/") {
		t.Errorf("kube manifest: exit %d: %s%s", res.code, res.stdout, res.stderr)
	}
	for _, bad := range [][]string{{"--", "-m", "m", "--api-key", "k"}, {"--", "-m", "m", "--concurrency", "x"}} {
		if res := runSonde(t, append([]string{"kube", "manifest", "--shards", "3", "--image", "img", "--pvc", "results"}, bad...)...); res.code != exitUsage {
			t.Errorf("kube manifest %v: exit %d", bad, res.code)
		}
	}
	for _, bad := range [][]string{{"--shard-count", "3", "--shard-index", "3"}, {"--shard-count", "4", "--shard-index", "0"}, {"--start-at", "soon"}} {
		if res := runSonde(t, append(append(common, "--url", many.addr), bad...)...); res.code != exitUsage {
			t.Errorf("%v: exit %d, want 2", bad, res.code)
		}
	}
}

// A shard that never comes fails the others after --start-barrier-timeout:
// exit 1 naming it, nothing sent, and the run's files still written.
func TestStartBarrierTimesOut(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "1ms")
	dir := t.TempDir()
	res := runSonde(t, "profile", "-m", "m", "--url", sim.addr, "--request-count", "4", "--concurrency", "2", "--osl", "2", "--ui-type", "none",
		"--artifact-dir", dir, "--shard-count", "2", "--shard-index", "0", "--start-barrier", filepath.Join(dir, "gate"),
		"--start-barrier-timeout", "0.3")
	if res.code != exitFailed || !strings.Contains(res.stderr, "no announcement from shard 1 of 2 within 300ms") {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if n := len(sim.stop(t)); n != 0 {
		t.Errorf("the server got %d requests", n)
	}
	s := readJSON(t, filepath.Join(dir, "shard_0", "profile_export_aiperf.json"))
	if u := s["sonde"].(map[string]any)["unsent_turns_by_reason"].(map[string]any)["start_barrier_failed"]; u != 2.0 {
		t.Errorf("unsent turns: %v", s["sonde"].(map[string]any)["unsent_turns_by_reason"])
	}
	both := runSonde(t, "profile", "-m", "m", "--url", sim.addr, "--start-barrier", dir, "--start-at", "0", "--artifact-dir", dir)
	if both.code != exitUsage || !strings.Contains(both.stderr, "--start-barrier and --start-at both set the start") {
		t.Errorf("both starts: exit %d: %s", both.code, both.stderr)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// checkMergeRefuses gives sonde merge what would count records twice, mix
// runs or lose an input: each is refused (exit 2) naming the problem; a
// partial merge needs --allow-partial and says so.
func checkMergeRefuses(t *testing.T, shards []string) {
	t.Helper()
	tmp := t.TempDir()
	copyDir := func(from, to string, edit func(string) string) string {
		os.MkdirAll(to, 0o755)
		entries, _ := os.ReadDir(from)
		for _, e := range entries {
			if !e.IsDir() {
				b, _ := os.ReadFile(filepath.Join(from, e.Name()))
				if e.Name() == "profile_export_aiperf.json" && edit != nil {
					b = []byte(edit(string(b)))
				}
				os.WriteFile(filepath.Join(to, e.Name()), b, 0o644)
			}
		}
		return to
	}
	doc := readJSON(t, filepath.Join(shards[2], "profile_export_aiperf.json"))
	id, key := doc["benchmark_id"].(string), doc["sonde"].(map[string]any)["shard"].(map[string]any)["run"].(string)
	copied := copyDir(shards[1], filepath.Join(tmp, "copy_of_1"), nil)
	other := copyDir(shards[2], filepath.Join(tmp, "other_run"), func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(s, id, "0123456789ab"), key, "ffffffffffff")
	})
	out := filepath.Join(tmp, "merged")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{shards[0], shards[0], shards[1], shards[2]}, "given twice"},
		{[]string{shards[0], shards[1], shards[2], "-o", shards[0]}, "is one of the shards"},
		{[]string{shards[0], shards[1], copied}, "are the same run"},
		{[]string{shards[0], shards[1], other}, "shards of different runs"},
		{[]string{shards[0], shards[1]}, "shard 2 of 0…2 missing"},
	} {
		args := append([]string{"merge"}, c.args...)
		if !slices.Contains(args, "-o") {
			args = append(args, "-o", out)
		}
		if res := runSonde(t, args...); res.code != exitUsage || !strings.Contains(res.stderr, c.want) {
			t.Errorf("merge %v: exit %d, %s; want %q", c.args, res.code, res.stderr, c.want)
		}
	}
	res := runSonde(t, "merge", shards[0], shards[1], "--allow-partial", "-o", out)
	if res.code != 0 {
		t.Fatalf("--allow-partial: exit %d: %s", res.code, res.stderr)
	}
	if w := fmt.Sprint(readJSON(t, filepath.Join(out, "profile_export_aiperf.json"))["sonde"].(map[string]any)["warnings"]); !strings.Contains(w, "partial merge") {
		t.Errorf("a partial merge does not say so: %s", w)
	}
}
