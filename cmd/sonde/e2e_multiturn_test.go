package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// The examples of the AIPerf multi-turn guide (shared/reference/
// aiperf-multi-turn.md), verbatim but for `aiperf` → `sonde` and --url.
var guideExamples = []struct {
	name, cmd string
	sim       []string // simulator timing
	scale     []string // flags that shrink wall time: think-time ratio, rate
}{
	{"fixed-length", `aiperf profile \
    --model Qwen/Qwen3-0.6B \
    --endpoint-type chat \
    --endpoint /v1/chat/completions \
    --streaming \
    --url localhost:8000 \
    --conversation-num 10 \
    --conversation-turn-mean 3 \
    --conversation-turn-stddev 0 \
    --synthetic-input-tokens-mean 200 \
    --output-tokens-mean 150 \
    --concurrency 2 \
    --random-seed 42`, []string{"--ttft", "25ms", "--itl", "1ms"}, nil},
	{"variable-length", `aiperf profile \
    --model Qwen/Qwen3-0.6B \
    --endpoint-type chat \
    --endpoint /v1/chat/completions \
    --streaming \
    --url localhost:8000 \
    --conversation-num 20 \
    --conversation-turn-mean 5 \
    --conversation-turn-stddev 2 \
    --synthetic-input-tokens-mean 150 \
    --output-tokens-mean 100 \
    --concurrency 4 \
    --random-seed 42`, []string{"--ttft", "10ms", "--itl", "500us"}, nil},
	{"turn-delays", `aiperf profile \
    --model Qwen/Qwen3-0.6B \
    --endpoint-type chat \
    --endpoint /v1/chat/completions \
    --streaming \
    --url localhost:8000 \
    --conversation-num 15 \
    --conversation-turn-mean 4 \
    --conversation-turn-stddev 1 \
    --conversation-turn-delay-mean 2000 \
    --conversation-turn-delay-stddev 500 \
    --synthetic-input-tokens-mean 180 \
    --output-tokens-mean 120 \
    --concurrency 3 \
    --random-seed 42`, []string{"--ttft", "10ms", "--itl", "500us"}, []string{"--conversation-turn-delay-ratio", "0.02"}},
	{"high-concurrency", `aiperf profile \
    --model Qwen/Qwen3-0.6B \
    --endpoint-type chat \
    --endpoint /v1/chat/completions \
    --streaming \
    --url localhost:8000 \
    --conversation-num 100 \
    --conversation-turn-mean 6 \
    --conversation-turn-stddev 2 \
    --synthetic-input-tokens-mean 250 \
    --output-tokens-mean 200 \
    --concurrency 50 \
    --random-seed 42`, []string{"--ttft", "10ms", "--itl", "1ms"}, nil},
	{"request-rate", `aiperf profile \
    --model Qwen/Qwen3-0.6B \
    --endpoint-type chat \
    --endpoint /v1/chat/completions \
    --streaming \
    --url localhost:8000 \
    --conversation-num 30 \
    --conversation-turn-mean 4 \
    --request-rate 5 \
    --request-rate-mode poisson \
    --synthetic-input-tokens-mean 200 \
    --output-tokens-mean 150 \
    --random-seed 42`, []string{"--ttft", "10ms", "--itl", "200us"}, []string{"--request-rate", "60"}},
	{"customer-support", `aiperf profile \
    --model Qwen/Qwen3-0.6B \
    --endpoint-type chat \
    --endpoint /v1/chat/completions \
    --streaming \
    --url localhost:8000 \
    --conversation-num 50 \
    --conversation-turn-mean 7 \
    --conversation-turn-stddev 2 \
    --conversation-turn-delay-mean 3000 \
    --conversation-turn-delay-stddev 1000 \
    --synthetic-input-tokens-mean 150 \
    --synthetic-input-tokens-stddev 50 \
    --output-tokens-mean 200 \
    --output-tokens-stddev 80 \
    --concurrency 10 \
    --random-seed 42`, []string{"--ttft", "5ms", "--itl", "200us"}, []string{"--conversation-turn-delay-ratio", "0.005"}},
	{"context-window", `aiperf profile \
    --model Qwen/Qwen3-0.6B \
    --endpoint-type chat \
    --endpoint /v1/chat/completions \
    --streaming \
    --url localhost:8000 \
    --conversation-num 10 \
    --conversation-turn-mean 15 \
    --conversation-turn-stddev 3 \
    --synthetic-input-tokens-mean 300 \
    --output-tokens-mean 250 \
    --concurrency 2 \
    --random-seed 42`, []string{"--ttft", "5ms", "--itl", "100us"}, nil},
	{"burst", `aiperf profile \
    --model Qwen/Qwen3-0.6B \
    --endpoint-type chat \
    --endpoint /v1/chat/completions \
    --streaming \
    --url localhost:8000 \
    --conversation-num 100 \
    --conversation-turn-mean 3 \
    --concurrency 50 \
    --synthetic-input-tokens-mean 180 \
    --output-tokens-mean 120 \
    --random-seed 42`, []string{"--ttft", "5ms", "--itl", "1ms"}, nil},
}

func flagValue(args []string, flag string) (string, bool) {
	for i := range args {
		if args[i] == flag && i+1 < len(args) {
			return args[i+1], true
		}
	}
	return "", false
}

func flagFloat(t *testing.T, args []string, flag string, def float64) float64 {
	v, ok := flagValue(args, flag)
	if !ok {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestGuideExamples(t *testing.T) {
	for i, ex := range guideExamples {
		t.Run(ex.name, func(t *testing.T) {
			if testing.Short() && i > 0 {
				t.Skip("the first example only")
			}
			t.Parallel() // each has its own simulator and folder; most of their time is the simulated server's
			sim := startSim(t, ex.sim...)
			dir := filepath.Join(t.TempDir(), "out")
			args := profileArgs(ex.cmd, sim.addr, dir)
			for i := 0; i+1 < len(ex.scale); i += 2 {
				args = setFlag(args, ex.scale[i], ex.scale[i+1])
			}
			res := runSonde(t, args...)
			recs := sim.stop(t)
			if res.code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
			}
			checkRun(t, args, dir, res, recs)
		})
	}
}

// checkRun asserts a multi-turn run from both sides: what the server saw
// and what sonde exported.
func checkRun(t *testing.T, args []string, dir string, res runResult, recs []simRecord) {
	t.Helper()
	convNum := int(flagFloat(t, args, "--conversation-num", 0))
	concurrency := int(flagFloat(t, args, "--concurrency", 0))
	osl := int(flagFloat(t, args, "--output-tokens-mean", 0))
	oslStd := flagFloat(t, args, "--output-tokens-stddev", 0)

	var inputs inputsFile
	readInto(t, filepath.Join(dir, "inputs.json"), &inputs)
	turnsOf := map[string][]chatBody{}
	for _, s := range inputs.Data {
		turnsOf[s.SessionID] = s.Payloads
	}
	lines := readJSONL(t, filepath.Join(dir, "profile_export.jsonl"))
	convOf := map[string]string{}
	for _, l := range lines {
		convOf[l.Metadata.XCorrelationID] = l.Metadata.ConversationID
		if l.Error != nil {
			t.Fatalf("request failed: %+v", l.Error)
		}
	}

	// Server side: sessions, requests, turns, history, lengths.
	bySession := map[string][]simRecord{}
	reqIDs := map[string]bool{}
	for _, r := range recs {
		bySession[r.CorrelationID] = append(bySession[r.CorrelationID], r)
		if reqIDs[r.RequestID] {
			t.Fatalf("X-Request-ID %s reused", r.RequestID)
		}
		reqIDs[r.RequestID] = true
	}
	if len(bySession) != convNum {
		t.Fatalf("server saw %d sessions, want %d", len(bySession), convNum)
	}
	if len(lines) != len(recs) {
		t.Fatalf("jsonl has %d lines, server saw %d requests", len(lines), len(recs))
	}
	var intervals [][2]int64
	for corr, rs := range bySession {
		sort.Slice(rs, func(i, j int) bool { return rs[i].ReceivedNs < rs[j].ReceivedNs })
		turns := turnsOf[convOf[corr]]
		if len(turns) == 0 {
			t.Fatalf("session %s maps to no conversation", corr)
		}
		if len(rs) != len(turns) {
			t.Fatalf("session %s sent %d turns, its conversation has %d", corr, len(rs), len(turns))
		}
		var history []string
		for k, r := range rs {
			var body chatBody
			if err := jsonUnmarshal(r.Body, &body); err != nil {
				t.Fatal(err)
			}
			history = append(history, "user:"+turns[k].Messages[0].Content)
			var got []string
			for _, m := range body.Messages {
				got = append(got, m.Role+":"+m.Content)
			}
			if strings.Join(got, "\x00") != strings.Join(history, "\x00") {
				t.Fatalf("session %s turn %d: history differs from the turns sent and answers received", corr, k)
			}
			if !body.Stream || body.Model != "Qwen/Qwen3-0.6B" {
				t.Fatalf("body stream=%v model=%q", body.Stream, body.Model)
			}
			if osl > 0 {
				if body.MaxTokens == nil || *body.MaxTokens != *turns[k].MaxTokens || r.TokensSent != *body.MaxTokens {
					t.Fatalf("turn %d: max_completion_tokens %v, planned %v, sent %d", k, body.MaxTokens, turns[k].MaxTokens, r.TokensSent)
				}
				if oslStd == 0 && *body.MaxTokens != osl {
					t.Fatalf("max_completion_tokens %d, want %d", *body.MaxTokens, osl)
				}
			}
			history = append(history, "assistant:"+r.Response)
		}
		intervals = append(intervals, [2]int64{rs[0].ReceivedNs, rs[len(rs)-1].FinishedNs})
	}
	if concurrency > 0 {
		if got := maxOverlap(intervals); got > concurrency || (convNum >= 2*concurrency && got != concurrency) {
			t.Fatalf("server saw up to %d sessions at once, concurrency is %d", got, concurrency)
		}
	}
	checkThinkTimes(t, args, bySession, convOf)

	// sonde's side: counts, lengths and timing against the simulator.
	summary := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	if got := stat(t, summary, "request_count", "avg"); int(got) != len(recs) {
		t.Fatalf("request_count %v, server saw %d", got, len(recs))
	}
	if osl > 0 && oslStd == 0 {
		for _, k := range []string{"avg", "min", "max"} {
			if got := stat(t, summary, "output_sequence_length", k); got != float64(osl) {
				t.Fatalf("OSL %s = %v, want %d", k, got, osl)
			}
		}
	}
	// Timing is checked against what the server recorded, never against
	// what it was configured to do: on a busy machine the server itself
	// answers late, and sonde must report that, not the configuration.
	checkCausality(t, lines, recs)
	checkExportsAgree(t, dir, summary, res.stdout)
	checkISLGrowth(t, args, summary)
}

// checkISLGrowth: with fixed lengths, turn k (0-based) resends every
// earlier user turn and answer, so its ISL is (k+1)·I + k·O exactly.
func checkISLGrowth(t *testing.T, args []string, summary map[string]any) {
	if flagFloat(t, args, "--synthetic-input-tokens-stddev", 0) != 0 || flagFloat(t, args, "--output-tokens-stddev", 0) != 0 {
		return
	}
	isl := flagFloat(t, args, "--synthetic-input-tokens-mean", 550)
	osl := flagFloat(t, args, "--output-tokens-mean", 0)
	if osl == 0 {
		return
	}
	turns := summary["sonde"].(map[string]any)["per_turn"].([]any)
	if len(turns) < 2 {
		t.Fatalf("per_turn has %d turns", len(turns))
	}
	for _, tr := range turns {
		m := tr.(map[string]any)
		k := m["turn_index"].(float64)
		got := m["input_sequence_length"].(map[string]any)
		if want := (k+1)*isl + k*osl; got["min"] != want || got["max"] != want {
			t.Fatalf("turn %v ISL %v..%v, want exactly %v", k, got["min"], got["max"], want)
		}
	}
}

// checkThinkTimes rebuilds the dataset the run used (same seed and flags) and
// checks each turn k ≥ 2 reached the server no earlier than its think time
// after turn k−1 finished (causal: sonde waits from the answer's end, which
// follows the server's), and on average not much later. The bound on the
// average is loose on purpose: pacing precision is unit-tested on a fake
// clock, this only catches a think time applied twice or not at all.
func checkThinkTimes(t *testing.T, args []string, bySession map[string][]simRecord, convOf map[string]string) {
	mean := flagFloat(t, args, "--conversation-turn-delay-mean", 0)
	if mean == 0 {
		return
	}
	tok, err := tokenizer.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	convs, err := dataset.Synthetic(dataset.SyntheticOptions{
		Entries: int(flagFloat(t, args, "--num-dataset-entries", 100)),
		ISLMean: int(flagFloat(t, args, "--synthetic-input-tokens-mean", 550)), ISLStddev: flagFloat(t, args, "--synthetic-input-tokens-stddev", 0),
		OSLMean: int(flagFloat(t, args, "--output-tokens-mean", 0)), OSLStddev: flagFloat(t, args, "--output-tokens-stddev", 0),
		TurnMean: flagFloat(t, args, "--conversation-turn-mean", 1), TurnStddev: flagFloat(t, args, "--conversation-turn-stddev", 0),
		DelayMean: mean, DelayStddev: flagFloat(t, args, "--conversation-turn-delay-stddev", 0),
		DelayRatio: flagFloat(t, args, "--conversation-turn-delay-ratio", 1),
		Seed:       uint64(flagFloat(t, args, "--random-seed", 0)), Models: []string{"Qwen/Qwen3-0.6B"},
	}, tok)
	if err != nil {
		t.Fatal(err)
	}
	delays := map[string][]time.Duration{}
	for _, c := range convs {
		for _, turn := range c.Turns {
			delays[c.ID] = append(delays[c.ID], turn.Delay)
		}
	}
	checked := 0
	var excess, thought time.Duration
	for corr, rs := range bySession {
		d := delays[convOf[corr]]
		for k := 1; k < len(rs); k++ {
			gap := time.Duration(rs[k].ReceivedNs - rs[k-1].FinishedNs)
			if gap < d[k]-time.Millisecond {
				t.Fatalf("session %s turn %d came %v after the previous answer, think time is %v", corr, k, gap, d[k])
			}
			excess += gap - d[k]
			thought += d[k]
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no think time checked")
	}
	if excess > thought/2+time.Duration(checked)*20*time.Millisecond {
		t.Fatalf("turns came %v late in all after %v of think time: a think time applied twice?", excess, thought)
	}
}

// checkExportsAgree compares the JSON summary with the CSV and the console.
func checkExportsAgree(t *testing.T, dir string, summary map[string]any, stdout string) {
	f, err := os.Open(filepath.Join(dir, "profile_export_aiperf.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{
		"Time to First Token (ms)": "time_to_first_token", "Request Latency (ms)": "request_latency",
		"Inter Token Latency (ms)": "inter_token_latency", "Output Sequence Length (tokens)": "output_sequence_length",
		"Input Sequence Length (tokens)": "input_sequence_length", "Request Throughput (requests/sec)": "request_throughput",
		"Request Count": "request_count",
	}
	seen := 0
	for _, row := range rows {
		tag, ok := labels[row[0]]
		if !ok {
			continue
		}
		seen++
		want := strconv.FormatFloat(stat(t, summary, tag, "avg"), 'f', 2, 64)
		if tag == "request_count" {
			want = strconv.Itoa(int(stat(t, summary, tag, "avg")))
		}
		if row[1] != want {
			t.Errorf("CSV %s avg %s, JSON %s", row[0], row[1], want)
		}
		if len(row) == 14 {
			if p99 := strconv.FormatFloat(stat(t, summary, tag, "p99"), 'f', 2, 64); row[12] != p99 {
				t.Errorf("CSV %s p99 %s, JSON %s", row[0], row[12], p99)
			}
		}
		// Console rows: "│ label │ avg │ min │ max │ p99 │ p90 │ p50 │ std │".
		found := false
		for _, line := range strings.Split(stdout, "\n") {
			cells := strings.Split(line, "│")
			if len(cells) > 3 && strings.TrimSpace(cells[1]) == row[0] {
				found = true
				if got := strings.ReplaceAll(strings.TrimSpace(cells[2]), ",", ""); got != want {
					t.Errorf("console %s avg %s, JSON %s", row[0], got, want)
				}
			}
		}
		if !found {
			t.Errorf("console table lacks %s", row[0])
		}
	}
	if seen != len(labels) {
		t.Errorf("CSV had %d of the %d expected metrics", seen, len(labels))
	}
}

func TestSameSeedSameBodies(t *testing.T) {
	ex := guideExamples[0]
	bodies := func(seed string) ([]string, map[string]bool) {
		sim := startSim(t, "--ttft", "1ms", "--itl", "100us")
		args := setFlag(profileArgs(ex.cmd, sim.addr, filepath.Join(t.TempDir(), "out")), "--random-seed", seed)
		if res := runSonde(t, args...); res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		var out []string
		ids := map[string]bool{}
		for _, r := range sim.stop(t) {
			out = append(out, string(r.Body))
			ids[r.CorrelationID], ids[r.RequestID] = true, true
		}
		sort.Strings(out)
		return out, ids
	}
	a, idsA := bodies("7")
	b, idsB := bodies("7")
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Fatal("the same seed sent different request bodies")
	}
	// The ids are the run's own: two runs of one seed against one server
	// never send the same X-Correlation-ID or X-Request-ID.
	for id := range idsA {
		if idsB[id] {
			t.Fatalf("two runs sent the id %s", id)
		}
	}
	if c, _ := bodies("8"); strings.Join(a, "\n") == strings.Join(c, "\n") {
		t.Fatal("a different seed sent the same request bodies")
	}
}

// Sessions whose first turns start with a pooled prefix an earlier one
// sent: expected_cached_tokens counts it (it was 0 before).
func TestExpectedCachedPrefixPool(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "100us")
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--conversation-num", "6", "--concurrency", "1",
		"--prompt-prefix-pool-size", "2", "--prompt-prefix-length", "64", "--isl", "20", "--osl", "2", "--random-seed", "3",
		"--artifact-dir", dir, "--ui-type", "none")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	sim.stop(t)
	s := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	// Six sessions over two prefixes: at least four repeat one.
	sum := s["expected_cached_tokens"].(map[string]any)["sum"].(float64)
	if sum < 4*64 {
		t.Errorf("expected_cached_tokens sum %v, want at least 4 × 64", sum)
	}
}
