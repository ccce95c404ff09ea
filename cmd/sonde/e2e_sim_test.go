package main

import (
	"math"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// includeUsage asks for usage in streams, as a user would, so the records
// carry the server's cached_tokens.
var includeUsage = []string{"--extra-inputs", `{"stream_options":{"include_usage":true}}`}

// perTurnTTFT is one statistic of TTFT per turn index.
func perTurnTTFT(t *testing.T, summary map[string]any, stat string) []float64 {
	var out []float64
	for _, tr := range summary["sonde"].(map[string]any)["per_turn"].([]any) {
		out = append(out, tr.(map[string]any)["time_to_first_token"].(map[string]any)[stat].(float64))
	}
	return out
}

func metricValue(l jsonlLine, tag string) float64 {
	m, ok := l.Metrics[tag]
	if !ok {
		return math.NaN()
	}
	return m.Value.(float64)
}

// With prefix caching, each turn prefills only what the previous turn did not
// leave in the cache, so TTFT stays flat as the history grows; without it,
// TTFT grows with the history. The server's cached_tokens equals what the
// client predicts: every full block of the previous turn's prompt and answer.
func TestPrefixCacheAcrossTurns(t *testing.T) {
	if testing.Short() {
		t.Skip("two runs of 48 long prompts")
	}
	run := func(caching bool) (map[string]any, []jsonlLine) {
		args := []string{}
		if !caching {
			args = append(args, "--no-prefix-caching")
		}
		sim := startSim(t, args...)
		dir := filepath.Join(t.TempDir(), "out")
		res := runSonde(t, append([]string{"profile", "-m", "m", "--streaming", "--url", sim.addr, "--conversation-num", "12",
			"--conversation-turn-mean", "4", "--isl", "3000", "--osl", "50", "--concurrency", "3", "--random-seed", "5",
			"--ui-type", "none", "--artifact-dir", dir}, includeUsage...)...)
		sim.stop(t)
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		return readJSON(t, filepath.Join(dir, "profile_export_aiperf.json")), readJSONL(t, filepath.Join(dir, "profile_export.jsonl"))
	}
	onSummary, onLines := run(true)
	offSummary, _ := run(false)
	on, off := perTurnTTFT(t, onSummary, "p50"), perTurnTTFT(t, offSummary, "p50")
	if len(on) != 4 || len(off) != 4 {
		t.Fatalf("per-turn rows: %v %v", on, off)
	}
	// TTFT per turn also depends on which prefills share a step, so the
	// checks compare growth, with margins far above that: without caching
	// turn 3 prefills 4× turn 0's prompt; with it, about the same as turn 0.
	for k := 2; k < 4; k++ {
		if on[k] >= off[k] {
			t.Errorf("turn %d TTFT %.2f ms with caching, %.2f ms without", k, on[k], off[k])
		}
	}
	if off[3] < 2*off[0] {
		t.Errorf("caching off: turn 3 TTFT %.2f ms should be well above turn 0's %.2f ms (4× the prompt)", off[3], off[0])
	}
	if grown, uncached := on[3]-on[0], off[3]-off[0]; grown > uncached/2 {
		t.Errorf("caching on: TTFT grew %.2f ms from turn 0 to 3, without caching %.2f ms", grown, uncached)
	}

	bySession := map[string][]jsonlLine{}
	for _, l := range onLines {
		bySession[l.Metadata.XCorrelationID] = append(bySession[l.Metadata.XCorrelationID], l)
	}
	checked := 0
	for _, ls := range bySession {
		sort.Slice(ls, func(i, j int) bool { return ls[i].Metadata.TurnIndex < ls[j].Metadata.TurnIndex })
		for k, l := range ls {
			if metricValue(l, "usage_prompt_tokens") != metricValue(l, "input_sequence_length") {
				t.Fatalf("server prompt_tokens %v, sonde ISL %v", metricValue(l, "usage_prompt_tokens"), metricValue(l, "input_sequence_length"))
			}
			predicted := 0.0
			if k > 0 {
				prev := ls[k-1]
				predicted = math.Floor((metricValue(prev, "input_sequence_length")+metricValue(prev, "output_sequence_length"))/16) * 16
			}
			if got := metricValue(l, "usage_prompt_cache_read_tokens"); got != predicted && !(k == 0 && got > 0) {
				t.Fatalf("turn %d: server cached %v tokens, client predicted %v", k, got, predicted)
			}
			checked++
		}
	}
	if checked != 48 {
		t.Fatalf("checked %d requests", checked)
	}
}

// Once every sequence slot is taken, new requests queue and TTFT rises.
func TestTTFTRisesWhenBatchIsFull(t *testing.T) {
	if testing.Short() {
		t.Skip("two runs of 48 requests")
	}
	sim := startSim(t, "--max-num-seqs", "4")
	p50 := func(c string) float64 {
		dir := filepath.Join(t.TempDir(), "out")
		res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--request-count", "48", "--isl", "200",
			"--osl", "40", "--concurrency", c, "--ui-type", "none", "--artifact-dir", dir)
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		return stat(t, readJSON(t, filepath.Join(dir, "profile_export_aiperf.json")), "time_to_first_token", "p50")
	}
	under, over := p50("2"), p50("16")
	if over < 3*under {
		t.Fatalf("TTFT p50 %.2f ms at concurrency 16 vs %.2f ms at 2, with 4 sequence slots", over, under)
	}
}

// The simulator's /metrics parse as Prometheus text and agree with sonde.
func TestMetricsAgreeWithSonde(t *testing.T) {
	sim := startSim(t)
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, append([]string{"profile", "-m", "m", "--streaming", "--url", sim.addr, "--conversation-num", "6",
		"--conversation-turn-mean", "3", "--isl", "300", "--osl", "30", "--concurrency", "2", "--ui-type", "none",
		"--artifact-dir", dir}, includeUsage...)...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	resp, err := http.Get(sim.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	value := func(name string) float64 {
		f, ok := families[name]
		if !ok {
			t.Fatalf("/metrics lacks %s", name)
		}
		total := 0.0
		for _, m := range f.GetMetric() {
			switch {
			case m.Counter != nil:
				total += m.Counter.GetValue()
			case m.Gauge != nil:
				total += m.Gauge.GetValue()
			case m.Histogram != nil:
				total += float64(m.Histogram.GetSampleCount())
			}
		}
		return total
	}
	summary := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	cached := 0.0
	for _, l := range readJSONL(t, filepath.Join(dir, "profile_export.jsonl")) {
		cached += metricValue(l, "usage_prompt_cache_read_tokens")
	}
	for name, want := range map[string]float64{
		"vllm:request_success_total":       stat(t, summary, "request_count", "avg"),
		"vllm:e2e_request_latency_seconds": stat(t, summary, "request_count", "avg"),
		"vllm:time_to_first_token_seconds": stat(t, summary, "request_count", "avg"),
		"vllm:generation_tokens_total":     stat(t, summary, "total_osl", "avg"),
		"vllm:prompt_tokens_total":         stat(t, summary, "total_isl", "avg"),
		"vllm:prefix_cache_queries_total":  stat(t, summary, "total_isl", "avg"),
		"vllm:prefix_cache_hits_total":     cached,
		"vllm:num_requests_running":        0,
		"vllm:num_requests_waiting":        0,
		"vllm:inter_token_latency_seconds": stat(t, summary, "total_osl", "avg") - stat(t, summary, "request_count", "avg"),
	} {
		if got := value(name); got != want {
			t.Errorf("%s = %v, sonde counted %v", name, got, want)
		}
	}
	if cached == 0 {
		t.Error("a multi-turn run should hit the prefix cache")
	}
	sim.stop(t)
}

// Every injected fault is survived and lands in the error summary, one error
// per faulty request the simulator recorded.
func TestSimFaultsSurvived(t *testing.T) {
	sim := startSim(t, "--seed", "3", "--error-rate", "10", "--disconnect-rate", "10", "--malformed-rate", "10",
		"--stall-rate", "10", "--stall", "5s", "--max-num-seqs", "64")
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--request-count", "80", "--isl", "50",
		"--osl", "20", "--concurrency", "16", "--request-timeout-seconds", "1", "--ui-type", "none", "--artifact-dir", dir)
	recs := sim.stop(t)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	want := map[string]int{}
	for _, r := range recs {
		switch r.Fault {
		case "error":
			want[http.StatusText(r.Status)]++
		case "disconnect":
			want["StreamTruncatedError"]++
		case "malformed":
			want["InvalidResponseError"]++
		case "stall":
			want["TimeoutError"]++
		}
	}
	got := map[string]int{}
	summary := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	for _, e := range summary["error_summary"].([]any) {
		m := e.(map[string]any)
		got[m["error_details"].(map[string]any)["type"].(string)] += int(m["count"].(float64))
	}
	if len(want) < 4 {
		t.Fatalf("the seed produced too few fault kinds: %v", want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: sonde counted %d, simulator injected %d (all: %v vs %v)", k, got[k], n, got, want)
		}
	}
	if !strings.Contains(res.stdout, "Error Summary") {
		t.Error("console has no error summary")
	}
}

func TestSimReadinessAndAPIKey(t *testing.T) {
	sim := startSim(t, "--ready-delay", "1h", "--api-key", "sk-sim")
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--url", sim.addr, "--request-count", "3", "--isl", "5", "--osl", "2",
		"--ui-type", "none", "--artifact-dir", dir)
	if res.code != exitFailed || !strings.Contains(res.stderr, "Service Unavailable") {
		t.Fatalf("not ready: exit %d, %s", res.code, res.stderr)
	}
	sim.stop(t)

	sim = startSim(t, "--api-key", "sk-sim")
	res = runSonde(t, "profile", "-m", "m", "--url", sim.addr, "--request-count", "2", "--isl", "5", "--osl", "2",
		"--ui-type", "none", "--artifact-dir", filepath.Join(t.TempDir(), "a"))
	if res.code != exitFailed || !strings.Contains(res.stderr, "Unauthorized") {
		t.Fatalf("no key: exit %d, %s", res.code, res.stderr)
	}
	res = runSonde(t, "profile", "-m", "m", "--url", sim.addr, "--request-count", "2", "--isl", "5", "--osl", "2",
		"--api-key", "sk-sim", "--ui-type", "none", "--artifact-dir", filepath.Join(t.TempDir(), "b"))
	if res.code != 0 {
		t.Fatalf("with key: exit %d, %s", res.code, res.stderr)
	}
	sim.stop(t)
}

// A server that stops before max_tokens triggers AIPerf's OSL-mismatch
// warning; with --use-server-token-count sonde asks for usage and counts
// with it (reasoning included in OSL).
func TestServerTokenCountsAndOSLMismatch(t *testing.T) {
	sim := startSim(t, "--natural-length", "20", "--reasoning-tokens", "4")
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", sim.addr, "--request-count", "20",
		"--isl", "50", "--osl", "200", "--use-server-token-count", "--random-seed", "11", "--ui-type", "none", "--artifact-dir", dir)
	recs := sim.stop(t)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if !strings.Contains(string(recs[0].Body), `"stream_options":{"include_usage":true}`) {
		t.Fatalf("usage not requested: %s", recs[0].Body)
	}
	s := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	if n := stat(t, s, "osl_mismatch_count", "avg"); n < 15 {
		t.Errorf("osl_mismatch_count %v of 20, with answers of ~20 tokens for 200 asked", n)
	}
	if !strings.Contains(res.stdout, "did not get the output length they asked for") {
		t.Error("no OSL mismatch warning")
	}
	sent := 0
	for _, r := range recs {
		sent += r.TokensSent
	}
	if got := stat(t, s, "total_osl", "avg"); got != float64(sent) {
		t.Errorf("total OSL %v, server sent %d tokens", got, sent)
	}
	// Each answer starts with min(4, length − 1) reasoning tokens.
	if got := stat(t, s, "reasoning_token_count", "max"); got != 4 {
		t.Errorf("reasoning tokens max %v, want 4", got)
	}
	if got := stat(t, s, "total_reasoning_tokens", "avg"); got < 60 {
		t.Errorf("total reasoning tokens %v over 20 answers", got)
	}
}

// The chat-over-a-document case: a long context unique to each conversation
// starts its first turn. With prefix caching, later turns prefill only the
// new question, so their TTFT falls far below the first turn's; without it,
// every turn prefills the whole context again and TTFT does not fall. The
// context is long enough (~40 ms of modelled prefill against ~3 ms) that
// scheduling noise on a busy machine cannot flip the comparisons.
func TestCachedTurnsBeatTheFirst(t *testing.T) {
	if testing.Short() {
		t.Skip("two runs with 10,000-token contexts")
	}
	ttfts := func(simArgs ...string) []float64 {
		sim := startSim(t, simArgs...)
		dir := filepath.Join(t.TempDir(), "out")
		res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--conversation-num", "6",
			"--conversation-turn-mean", "3", "--user-context-prompt-length", "10000", "--isl", "50", "--osl", "20",
			"--concurrency", "1", "--random-seed", "9", "--ui-type", "none", "--artifact-dir", dir)
		sim.stop(t)
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		return perTurnTTFT(t, readJSON(t, filepath.Join(dir, "profile_export_aiperf.json")), "p50")
	}
	on, off := ttfts(), ttfts("--no-prefix-caching")
	for k := 1; k < 3; k++ {
		if on[k] >= on[0]/2 {
			t.Errorf("caching on: turn %d TTFT %.2f ms, not below turn 0's %.2f ms", k, on[k], on[0])
		}
		if off[k] < 0.5*off[0] {
			t.Errorf("caching off: turn %d TTFT %.2f ms fell below turn 0's %.2f ms", k, off[k], off[0])
		}
		if on[k] >= off[k]/2 {
			t.Errorf("turn %d TTFT %.2f ms with caching, %.2f ms without", k, on[k], off[k])
		}
	}
}
