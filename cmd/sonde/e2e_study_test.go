package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/metrics"
)

// avgOf is a summary metric's avg.
func avgOf(t *testing.T, s map[string]any, tag string) float64 {
	t.Helper()
	m, ok := s[tag].(map[string]any)
	if !ok {
		t.Fatalf("no %s in the summary", tag)
	}
	return m["avg"].(float64)
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	return len(readJSONL(t, path))
}

// A sweep runs each value into its own folder, as a normal run, and
// aggregates them: per value, the best ones and the Pareto set. Every
// request the server received has its record.
func TestSweep(t *testing.T) {
	sim := startSim(t, "--ttft", "2ms", "--itl", "1ms")
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--concurrency", "1,3", "--isl-osl-pairs", "32:4,64:8",
		"--request-count", "6", "--random-seed", "5", "--ui-type", "none", "--artifact-dir", dir)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	labels := []string{"concurrency_1-isl_32_osl_4", "concurrency_1-isl_64_osl_8", "concurrency_3-isl_32_osl_4", "concurrency_3-isl_64_osl_8"}
	records := 0
	for _, l := range labels {
		records += countLines(t, filepath.Join(dir, l, "profile_export.jsonl"))
		s := readJSON(t, filepath.Join(dir, l, "profile_export_aiperf.json"))
		wantISL := 32.0
		if strings.Contains(l, "isl_64") {
			wantISL = 64
		}
		if got := avgOf(t, s, "input_sequence_length"); got != wantISL {
			t.Errorf("%s: ISL %v, want %v", l, got, wantISL)
		}
	}
	if got := len(sim.stop(t)); records != 24 || got != 24 {
		t.Errorf("%d records, %d requests at the server; want 24 each", records, got)
	}
	agg := readJSON(t, filepath.Join(dir, "sweep_aggregate", "profile_export_aiperf_sweep.json"))
	combos := agg["per_combination_metrics"].([]any)
	if len(combos) != 4 {
		t.Fatalf("%d combinations", len(combos))
	}
	best := agg["best_configurations"].(map[string]any)
	for _, k := range []string{"best_throughput", "best_latency_p99", "best_output_token_throughput"} {
		if _, ok := best[k]; !ok {
			t.Errorf("no %s", k)
		}
	}
	if p := agg["pareto_optimal"].([]any); len(p) == 0 {
		t.Error("an empty Pareto set")
	}
	csv, err := os.ReadFile(filepath.Join(dir, "sweep_aggregate", "profile_export_aiperf_sweep.csv"))
	if err != nil || len(strings.Split(strings.TrimSpace(string(csv)), "\n")) != 5 || !strings.HasPrefix(string(csv), "concurrency,isl_osl,") {
		t.Errorf("sweep CSV: %v\n%s", err, csv)
	}
	if !strings.Contains(res.stdout, "sonde | Sweep") {
		t.Error("no sweep table on the console")
	}
}

// Repeated runs: AIPerf's layout and aggregate, Student's t intervals
// that narrow with more runs, the collated population, and convergence.
func TestRepeatedRuns(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "500us")
	runs := func(n string, extra ...string) map[string]any {
		dir := filepath.Join(t.TempDir(), "out")
		args := append([]string{"profile", "-m", "m", "--streaming", "--url", sim.addr, "--concurrency", "2", "--request-count", "8",
			"--osl", "4", "--isl", "40", "--isl-stddev", "20", "--vary-seed-per-trial", "--num-profile-runs", n,
			"--ui-type", "none", "--artifact-dir", dir}, extra...)
		res := runSonde(t, args...)
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		// The console: one table of means with intervals, not a table per run.
		if strings.Count(res.stdout, "Repeated Runs: mean of "+n+" runs with its 95 % confidence interval") != 1 ||
			strings.Contains(res.stdout, "LLM Metrics") || !strings.Contains(res.stdout, "Time to First Token p50 (ms)") {
			t.Errorf("repeated runs' console:\n%s", res.stdout)
		}
		agg := readJSON(t, filepath.Join(dir, "aggregate", "profile_export_aiperf_aggregate.json"))
		agg["dir"] = dir
		return agg
	}
	three, six := runs("3"), runs("6")
	isl := func(agg map[string]any) map[string]any {
		return agg["metrics"].(map[string]any)["input_sequence_length_avg"].(map[string]any)
	}
	a, b := isl(three), isl(six)
	if tc := a["t_critical"].(float64); math.Abs(tc-metrics.TQuantile(0.975, 2)) > 1e-9 || math.Abs(tc-4.302653) > 1e-5 {
		t.Errorf("t_critical for 3 runs: %v", tc)
	}
	width := func(m map[string]any) float64 { return m["ci_high"].(float64) - m["ci_low"].(float64) }
	if !(width(b) < width(a)) || a["ci_low"].(float64) > a["mean"].(float64) || a["ci_high"].(float64) < a["mean"].(float64) {
		t.Errorf("the interval should contain the mean and narrow from 3 to 6 runs: %v then %v", a, b)
	}
	meta := three["metadata"].(map[string]any)
	if meta["num_successful_runs"].(float64) != 3 || len(meta["random_seeds"].([]any)) != 3 {
		t.Errorf("metadata: %v", meta)
	}
	for i := 1; i <= 3; i++ {
		if _, err := os.Stat(filepath.Join(three["dir"].(string), "profile_runs", "run_000"+string(rune('0'+i)), "profile_export_aiperf.json")); err != nil {
			t.Error(err)
		}
	}
	col := readJSON(t, filepath.Join(three["dir"].(string), "aggregate", "profile_export_aiperf_collated.json"))
	if n := col["combined"].(map[string]any)["request_latency"].(map[string]any)["count"].(float64); n != 24 {
		t.Errorf("collated request_latency count %v, want 3 runs × 8", n)
	}

	// The same seed every run: ISL never varies, so it has converged after 3.
	dir := filepath.Join(t.TempDir(), "conv")
	res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--concurrency", "2", "--request-count", "4",
		"--osl", "4", "--isl", "40", "--num-profile-runs", "10", "--convergence-metric", "input_sequence_length",
		"--ui-type", "none", "--artifact-dir", dir)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "profile_runs"))
	conv := readJSON(t, filepath.Join(dir, "aggregate", "profile_export_aiperf_aggregate.json"))["metadata"].(map[string]any)["convergence"].(map[string]any)
	if len(entries) != 3 || conv["converged"] != true {
		t.Errorf("%d runs, convergence %v; want 3 and converged", len(entries), conv)
	}
}

// The capacity search finds the largest concurrency meeting a TTFT SLA on
// a simulated server that decodes 2 sequences at once: a third request
// waits a whole answer, 32 tokens of at least 2.5 ms steps, so 80 ms at
// least, whatever the machine, while a request that does not wait has its
// first token within a step or two; an SLA of 50 ms between them, and 24
// requests a probe, leave room for a busy machine's hiccups (one late
// request still attains 95 %). Independent runs just below and above the
// answer confirm it.
func TestCapacitySearch(t *testing.T) {
	sim := startSim(t, "--max-num-seqs", "2")
	dir := filepath.Join(t.TempDir(), "out")
	common := []string{"-m", "m", "--streaming", "--url", sim.addr, "--request-count", "24", "--osl", "32", "--isl", "50",
		"--ui-type", "none"}
	res := runSonde(t, append(append([]string{"profile"}, common...), "--concurrency-min", "1", "--concurrency-max", "8",
		"--ttft-sla-ms", "50", "--artifact-dir", dir)...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	out := readJSON(t, filepath.Join(dir, "search", "search_result.json"))
	if out["parameter"] != "concurrency" || out["answer"] != 2.0 || out["monotonic"] != true {
		t.Fatalf("search result: %v", out)
	}
	probes := out["probes"].([]any)
	if len(probes) > 5 {
		t.Errorf("%d probes for a range of 1 to 8", len(probes))
	}
	// The probes share their connections: fewer connections than the sum of
	// the probes' concurrencies (each of which would have opened its own).
	sum, conns := 0.0, map[string]bool{}
	for _, p := range probes {
		sum += p.(map[string]any)["value"].(float64)
	}
	for _, r := range sim.stop(t) {
		conns[r.RemoteAddr] = true
	}
	if float64(len(conns)) >= sum {
		t.Errorf("%d connections for probes of %v sessions in all: the probes did not share them", len(conns), sum)
	}
	sim = startSim(t, "--max-num-seqs", "2")
	common[4] = sim.addr
	for c, pass := range map[string]bool{"2": true, "3": false} {
		d := filepath.Join(t.TempDir(), "check"+c)
		res := runSonde(t, append(append([]string{"profile"}, common...), "--concurrency", c, "--goodput", "time_to_first_token:50",
			"--artifact-dir", d)...)
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		frac := avgOf(t, readJSON(t, filepath.Join(d, "profile_export_aiperf.json")), "good_request_fraction")
		if (frac >= 0.95) != pass {
			t.Errorf("concurrency %s: %.3f of requests meet the SLA; the search said pass=%v", c, frac, pass)
		}
	}
	for _, bad := range [][]string{
		{"--ttft-sla-ms", "40"},                                                     // no range
		{"--concurrency-min", "1", "--concurrency-max", "4"},                        // no SLA
		{"--concurrency-min", "4", "--concurrency-max", "2", "--ttft-sla-ms", "40"}, // empty range
		{"--concurrency-min", "1", "--concurrency-max", "4", "--ttft-sla-ms", "40", "--goodput", "request_latency:5"},
	} {
		res := runSonde(t, append(append([]string{"profile"}, common...), bad...)...)
		if res.code != exitUsage {
			t.Errorf("%v: exit %d, want 2 (%s)", bad, res.code, res.stderr)
		}
	}
}

// Time slices partition the run: every request is in exactly one slice.
func TestTimeSlices(t *testing.T) {
	sim := startSim(t, "--ttft", "2ms", "--itl", "1ms")
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--concurrency", "2", "--benchmark-duration", "1.2",
		"--osl", "5", "--slice-duration", "0.3", "--ui-type", "none", "--artifact-dir", dir)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	total := avgOf(t, readJSON(t, filepath.Join(dir, "profile_export_aiperf.json")), "request_count")
	ts := readJSON(t, filepath.Join(dir, "profile_export_aiperf_timeslices.json"))["timeslices"].([]any)
	sum := 0.0
	for _, s := range ts {
		sum += avgOf(t, s.(map[string]any), "request_count")
	}
	if len(ts) < 3 || sum != total {
		t.Errorf("%d slices holding %v requests; the run had %v", len(ts), sum, total)
	}
	if _, err := os.Stat(filepath.Join(dir, "profile_export_aiperf_timeslices.csv")); err != nil {
		t.Error(err)
	}
}

// A dead server ends the run early with a clear reason; what was measured
// is written.
func TestFailedRequestThreshold(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "1ms", "--error-rate", "100")
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--concurrency", "2", "--request-count", "5000",
		"--failed-request-threshold", "0.5", "--ui-type", "none", "--artifact-dir", dir)
	if res.code != exitFailed || !strings.Contains(res.stderr, "--failed-request-threshold 0.5") {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	s := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	errs := avgOf(t, s, "error_request_count")
	// Exact: armed at max(concurrency, 10) = 10 ended, it stops at the 10th
	// failure; the other request in flight (concurrency 2) may end too.
	if errs < 10 || errs > 12 || float64(countLines(t, filepath.Join(dir, "profile_export.jsonl"))) != errs {
		t.Errorf("%v failed requests recorded: the run should stop at the 10th (or just after, for those in flight)", errs)
	}
	if res := runSonde(t, "profile", "-m", "m", "--url", sim.addr, "--failed-request-threshold", "2"); res.code != exitUsage {
		t.Errorf("a threshold of 2: exit %d", res.code)
	}
}

// A rate ramp: intended send times follow the ramp exactly (they are the
// schedule, whatever the machine does): 200/s reached linearly over 1 s
// puts 25 of the first 100 arrivals in the first half-second.
func TestRequestRateRamp(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "200us")
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--request-rate", "200", "--arrival-pattern", "constant",
		"--request-rate-ramp-duration", "1", "--request-count", "100", "--osl", "2", "--ui-type", "none", "--artifact-dir", dir)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	lines := readJSONL(t, filepath.Join(dir, "profile_export.jsonl"))
	t0 := lines[0].Metadata.CreditIssuedNs
	for _, l := range lines {
		t0 = min(t0, l.Metadata.CreditIssuedNs)
	}
	early := 0
	for _, l := range lines {
		if l.Metadata.CreditIssuedNs-t0 < 5e8 {
			early++
		}
	}
	if len(lines) != 100 || early < 23 || early > 27 {
		t.Errorf("%d of %d arrivals in the first half-second, want about 25", early, len(lines))
	}
	for _, bad := range [][]string{{"--request-rate-ramp-duration", "1"}, {"--request-rate-series", "5:1"}, {"--concurrency-ramp-duration", "1", "--request-rate", "3"}} {
		if res := runSonde(t, append([]string{"profile", "-m", "m", "--url", sim.addr}, bad...)...); res.code != exitUsage {
			t.Errorf("%v: exit %d", bad, res.code)
		}
	}
}

// A capacity search interrupted mid-probe writes what it measured, marked
// incomplete, and prints no answer as final (exit 130).
func TestInterruptedSearchHasNoAnswer(t *testing.T) {
	srv := newFaultServer(t, 50, 20*time.Millisecond, nil)
	dir := filepath.Join(t.TempDir(), "out")
	var sig signals
	done := make(chan runResult, 1)
	go func() {
		done <- runSondeEnv(t, env{Signals: sig.notify}, "profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", srv.URL,
			"--request-count", "20", "--isl", "10", "--concurrency-min", "1", "--concurrency-max", "8", "--ttft-sla-ms", "1000",
			"--artifact-dir", dir, "--ui-type", "none")
	}()
	<-srv.arrived
	res := interruptUntilDone(&sig, done)
	if res.code != exitInterrupted {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	out := readJSON(t, filepath.Join(dir, "search", "search_result.json"))
	if out["complete"] != false || out["interrupted"] != true || out["answer"] != nil {
		t.Errorf("search_result.json: complete %v, interrupted %v, answer %v", out["complete"], out["interrupted"], out["answer"])
	}
	if strings.Contains(res.stdout, "Answer: concurrency") || !strings.Contains(res.stdout, "Answer: none, the search did not finish") {
		t.Errorf("console:\n%s", res.stdout)
	}
}

// --sweep-type zip runs the lists' pairs, not their product.
func TestZippedSweepRuns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", "sim://?ttft=1ms&itl=100us", "--concurrency", "1,3",
		"--isl-osl-pairs", "32:4,64:8", "--sweep-type", "zip", "--request-count", "3", "--ui-type", "none", "--artifact-dir", dir)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	agg := readJSON(t, filepath.Join(dir, "sweep_aggregate", "profile_export_aiperf_sweep.json"))
	if combos := agg["per_combination_metrics"].([]any); len(combos) != 2 {
		t.Errorf("%d combinations, want the 2 pairs", len(combos))
	}
	for _, l := range []string{"concurrency_1-isl_32_osl_4", "concurrency_3-isl_64_osl_8"} {
		if _, err := os.Stat(filepath.Join(dir, l, "profile_export_aiperf.json")); err != nil {
			t.Error(err)
		}
		if !strings.Contains(res.stderr, "sonde: study: "+l+": ") {
			t.Errorf("no line for %s as it finished", l)
		}
	}
	quiet := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--url", "sim://?ttft=1ms&itl=100us", "--concurrency", "1,2",
		"--request-count", "2", "--no-sweep-table", "--ui-type", "none", "--artifact-dir", t.TempDir())
	if quiet.code != 0 || strings.Contains(quiet.stderr, "sonde: study: concurrency_1: ") {
		t.Errorf("--no-sweep-table: exit %d, %s", quiet.code, quiet.stderr)
	}
}

// A config file with AIPerf's sweep block runs the sweep it describes
// (here the zipped pairs of two lists), the phases' value overridden.
func TestConfigFileSweep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	cfg := filepath.Join(t.TempDir(), "sweep.yaml")
	os.WriteFile(cfg, []byte(`schemaVersion: "2.0"
sweep:
  type: zip
  parameters:
    concurrency: [1, 2]
    isl: [16, 32]
benchmark:
  model: m
  endpoint: {url: "sim://?ttft=1ms&itl=100us", type: chat, streaming: true}
  dataset: {type: synthetic, entries: 4, prompts: {isl: {mean: 8}, osl: {mean: 2}}}
  phases:
    - {name: profiling, type: concurrency, concurrency: 32, requests: 2}
  artifacts: {dir: `+dir+`}
  tokenizer: {name: builtin}
`), 0o644)
	res := runSonde(t, "profile", "--config", cfg, "--ui-type", "none")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	for _, l := range []string{"concurrency_1-isl_16_osl_2", "concurrency_2-isl_32_osl_2"} {
		s := readJSON(t, filepath.Join(dir, l, "profile_export_aiperf.json"))
		if isl := avgOf(t, s, "input_sequence_length"); !strings.Contains(l, fmt.Sprintf("isl_%d_", int(isl))) {
			t.Errorf("%s: ISL %v", l, isl)
		}
	}
}
