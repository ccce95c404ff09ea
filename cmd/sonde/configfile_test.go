package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"github.com/sonde-bench/sonde/internal/config"
)

// parsedProfile is the profile the CLI reads from args (with their config
// file), without running anything.
func parsedProfile(t *testing.T, args ...string) config.Profile {
	t.Helper()
	file, err := config.FileOf(args, func(k string) string { return map[string]string{"SONDE_TEST_URL": "localhost:8123"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	var c cli
	var out strings.Builder
	if _, code := parse(env{Args: args, Stdout: &out, Stderr: &out}, &c, file); code >= 0 {
		t.Fatalf("parse %v: exit %d: %s", args, code, out.String())
	}
	c.Profile.ConfigFile, c.Profile.PrintConfig = "", false
	c.Profile.ResolveLists()
	return c.Profile
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// --print-config then --config gives back the same options, for flags of
// every kind: AIPerf's body and the sonde section.
func TestPrintConfigRoundTrip(t *testing.T) {
	cases := [][]string{
		{"-m", "a,b", "--url", "localhost:9000", "--streaming", "--concurrency", "4", "--request-count", "20", "--isl", "100",
			"--isl-stddev", "5", "--osl", "20", "--conversation-turn-mean", "3", "-H", "X-A:1", "--extra-inputs", "ignore_eos:true",
			"--warmup-request-count", "2", "--session-on-error", "stop", "--goodput", "time_to_first_token:100", "--random-seed", "7",
			"--prompt-prefix-pool-size", "3", "--prompt-prefix-length", "50", "--conversation-turn-delay-mean", "200", "--ui-type", "none"},
		{"-m", "m", "--request-rate", "50", "--arrival-pattern", "gamma", "--arrival-smoothness", "0.5", "--benchmark-duration", "30",
			"--benchmark-grace-period", "5", "--request-cancellation-rate", "10", "--request-cancellation-delay", "0.5",
			"--conversation-context-mode", "deltas_with_responses", "--artifact-dir", "out", "--tokenizer", "builtin"},
		{"-m", "m", "--user-centric-rate", "2", "--num-users", "30", "--shared-system-prompt-length", "100", "--export-level", "raw"},
		{"-m", "m", "--session-arrival-rate", "3", "--session-arrival-pattern", "constant", "--conversation-num", "9", "--prefill-concurrency", "2", "--concurrency", "8"},
		{"-m", "m", "--concurrency", "8", "--arrival-pattern", "concurrency_burst", "-v", "-v", "--concurrency-ramp-duration", "3"},
		{"-m", "m", "--request-rate", "9", "--request-rate-ramp-duration", "4", "--slice-duration", "2", "--failed-request-threshold", "0.3"},
		{"-m", "m", "--concurrency", "1,2,4", "--num-profile-runs", "3", "--isl-osl-pairs", "10:5,20:6"},
	}
	for _, args := range cases {
		want := parsedProfile(t, append([]string{"profile"}, args...)...)
		res := runSonde(t, append(append([]string{"profile"}, args...), "--print-config")...)
		if res.code != 0 {
			t.Fatalf("%v --print-config: exit %d: %s", args, res.code, res.stderr)
		}
		path := writeFile(t, "c.yaml", res.stdout)
		got := parsedProfile(t, "profile", "-f", path)
		want.CLICommand, got.CLICommand = "", ""
		// Headers and extra inputs come back in their JSON-object form.
		if !reflect.DeepEqual(got.Body(), want.Body()) {
			t.Errorf("%v: the body differs: %+v, want %+v", args, got.Body(), want.Body())
		}
		got.Header, got.ExtraInputs, want.Header, want.ExtraInputs = nil, nil, nil, nil
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%v: read back differently\nwant %+v\n got %+v\nfile:\n%s", args, want, got, res.stdout)
		}
	}
}

// AIPerf's own YAML, camelCase keys and the older top-level layout
// included, sets the flags it stands for; flags beside it win.
func TestConfigFileAIPerfForms(t *testing.T) {
	path := writeFile(t, "bench.yaml", `schemaVersion: "2.0"
randomSeed: 42
benchmark:
  model: meta-llama/Llama-3.1-8B-Instruct
  endpoint:
    url: http://localhost:8000/v1/chat/completions
    type: chat
    streaming: true
    timeout: 120.0
    connectionReuse: sticky-user-sessions
  dataset:
    type: synthetic
    entries: 500
    prompts: {isl: {mean: 200, stddev: 50}, osl: 128}
    turns: {mean: 5, stddev: 2}
    turnDelay: {mean: 2000, stddev: 500}
  phases:
    - {name: warmup, type: concurrency, concurrency: 8, requests: 50}
    - {name: profiling, type: poisson, rate: 30.0, duration: 2m, gracePeriod: 60, concurrency: 64}
`)
	p := parsedProfile(t, "profile", "--config", path, "--concurrency", "32")
	if p.Model[0] != "meta-llama/Llama-3.1-8B-Instruct" || p.URL[0] != "http://localhost:8000/v1/chat/completions" || !p.Streaming ||
		p.RequestTimeoutSeconds != 120 || p.ConnectionReuse != config.ReuseSticky || *p.RandomSeed != 42 {
		t.Errorf("endpoint and envelope: %+v", p)
	}
	if p.NumDatasetEntries != 500 || p.InputTokensMean != 200 || p.InputTokensStddev != 50 || *p.OutputTokensMean != 128 ||
		p.ConversationTurnMean != 5 || p.ConversationTurnStddev != 2 || p.ConversationDelayMean != 2000 {
		t.Errorf("dataset: %+v", p)
	}
	// The warm-up runs at its own concurrency (it ran at the profiling one before).
	if p.WarmupConcurrency == nil || *p.WarmupConcurrency != 8 {
		t.Errorf("warm-up concurrency %v, want the file's 8", p.WarmupConcurrency)
	}
	if p.WarmupRequestCount != 50 || *p.RequestRate != 30 || p.ArrivalPattern != "poisson" || *p.BenchmarkDuration != 120 ||
		*p.BenchmarkGracePeriod != 60 || *p.Concurrency != 32 {
		t.Errorf("phases (the flag --concurrency 32 wins over the file's 64): %+v", p)
	}

	old := writeFile(t, "old.yaml", `model: ${SONDE_TEST_MODEL:m}
endpoint: {url: "${SONDE_TEST_URL}"}
dataset: {type: synthetic, entries: 7, prompts: {isl: 10}}
profiling: {type: user_centric, users: 3, rate: 1.5, requests: 9}
`)
	p = parsedProfile(t, "profile", "-f", old)
	if *p.UserCentricRate != 1.5 || *p.NumUsers != 3 || *p.RequestCount != 9 || p.NumDatasetEntries != 7 ||
		p.Model[0] != "m" || p.URL[0] != "localhost:8123" {
		t.Errorf("top-level body: %+v", p)
	}
}

// Mistakes name the file, the line and the key.
func TestConfigFileErrors(t *testing.T) {
	cases := []struct{ text, want string }{
		{"benchmark:\n  endpoint:\n    ur: x\n", `:3: unknown key "ur" in endpoint`},
		{"schemaVersion: \"1.0\"\n", "schemaVersion"},
		{"sonde:\n  no-such-flag: 1\n", ":2: sonde.no-such-flag is not a flag"},
		{"phases:\n  - {type: concurrency, concurrency: 2}\n  - {type: poisson, rate: 3}\n", ":3: a profiling phase after the first needs a name"},
		{"phases: {type: warp}\n", `phase type "warp"`},
		{"benchmark: [1, 2]\n", "benchmark must be a mapping"},
		{"sweep: {type: grid}\n", "sweep: no parameters to sweep"},
		{"endpoint: {type: text_to_speech}\n", "--endpoint-type"},
		{"dataset: {prompts: {isl: many}}\n", "prompt-input-tokens-mean"},
		{"a: [\n", "yaml"},
		{"model: ${SONDE_SURELY_UNSET_VAR}\n", "environment variable SONDE_SURELY_UNSET_VAR is not set"},
	}
	for _, c := range cases {
		path := writeFile(t, "bad.yaml", c.text)
		// Loopback and a folder of the test's own, should a case pass by mistake.
		res := runSonde(t, "profile", "-m", "m", "-f", path, "--url", "sim://?ttft=0&itl=0", "--artifact-dir", t.TempDir(), "--request-count", "1")
		if res.code != exitUsage || !strings.Contains(res.stderr, c.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", c.text, res.code, res.stderr, c.want)
		}
	}
	if res := runSonde(t, "profile", "-f", "/no/such/file.yaml"); res.code != exitUsage || !strings.Contains(res.stderr, "/no/such/file.yaml") {
		t.Errorf("a missing file: exit %d %q", res.code, res.stderr)
	}
}

// A command line parses with a root of its command alone (start-up): every
// command of the whole CLI is found by its name and reads the same, its
// help to the byte.
func TestOneCommandMatchesCLI(t *testing.T) {
	var out strings.Builder
	parser := func(root any) *kong.Kong {
		k, err := kong.New(root, kong.Name("sonde"), kong.Writers(&out, &out), kong.Exit(func(int) {}),
			kong.ConfigureHelp(kong.HelpOptions{Compact: true}), kong.Vars{"version": "sonde x"}, serveVars())
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	help := func(k *kong.Kong, name string) string {
		out.Reset()
		k.Parse([]string{name, "--help"})
		return out.String()
	}
	full := parser(&cli{}) // built once: the whole CLI is what costs
	for _, node := range full.Model.Children {
		one, _, ok := oneCommand(&cli{}, []string{node.Name})
		if !ok {
			t.Fatalf("%s: no field of cli found by that name", node.Name)
		}
		if a, b := help(full, node.Name), help(parser(one), node.Name); a != b {
			t.Fatalf("sonde %s --help differs:\n%s\n---\n%s", node.Name, a, b)
		}
	}
	var c cli
	one, back, _ := oneCommand(&c, []string{"serve"})
	k, _ := kong.New(one, serveVars())
	if _, err := k.Parse([]string{"serve", "--port", "1234"}); err != nil {
		t.Fatal(err)
	}
	if back(); c.Serve.Port != 1234 {
		t.Fatalf("the parsed command did not reach cli: port %d", c.Serve.Port)
	}
	if _, _, ok := oneCommand(&c, []string{"--help"}); ok {
		t.Fatal("--help is no command")
	}
}

// Several profiling phases and a length distribution survive
// --print-config: each phase reads back to the same profile, though a
// phase with prompts of its own comes back as a dataset of its own.
func TestPhasesRoundTrip(t *testing.T) {
	args := []string{"profile", "-m", "m", "--concurrency", "2", "--request-count", "4", "--osl", "30", "--phase-name", "base",
		"--isl-distribution", `{"mean":100,"median":80}`, "--seq-dist", "10,5:50;20,6:50",
		"--phase", "b:concurrency=3;request-count=5;seamless=true;request-cancellation-rate=20",
		"--phase", "c:request-rate=2;benchmark-duration=3;request-count=9;isl=99;osl-distribution={\"p50\":10,\"p99\":40}"}
	want := parsedProfile(t, args...)
	res := runSonde(t, append(args, "--print-config")...)
	if res.code != 0 {
		t.Fatalf("--print-config: exit %d: %s", res.code, res.stderr)
	}
	got := parsedProfile(t, "profile", "-f", writeFile(t, "c.yaml", res.stdout))
	wantPhases, err1 := want.ParsePhases()
	gotPhases, err2 := got.ParsePhases()
	if err1 != nil || err2 != nil || len(gotPhases) != 2 {
		t.Fatalf("phases: %v %v %d\n%s", err1, err2, len(gotPhases), res.stdout)
	}
	for i := range wantPhases {
		w, g := wantPhases[i], gotPhases[i]
		w.Profile.CLICommand, g.Profile.CLICommand = "", ""
		unusedMean(w.Profile)
		unusedMean(g.Profile)
		if w.Name != g.Name || w.Seamless != g.Seamless || w.OwnData != g.OwnData || !reflect.DeepEqual(*w.Profile, *g.Profile) {
			t.Errorf("phase %s read back differently\nwant %+v\n got %+v", w.Name, *w.Profile, *g.Profile)
		}
	}
	want.CLICommand, got.CLICommand, want.Phases, got.Phases = "", "", nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back differently\nwant %+v\n got %+v", want, got)
	}
}

// unusedMean clears an OSL mean a distribution outranks: a config file
// writes the distribution alone.
func unusedMean(p *config.Profile) {
	if p.OSLDistribution != "" {
		p.OutputTokensMean, p.OutputTokensStddev = nil, 0
	}
}

// What --print-config writes reads back to itself: adaptive scale's
// blocks, user files with their variables, a warm-up's own dataset,
// several phases and datasets — every template shape.
func TestPrintConfigIsStable(t *testing.T) {
	t.Parallel() // no timing in its checks: it overlaps the other parallel tests
	shapes, _ := filepath.Glob(filepath.Join("testdata", "aiperf-shapes", "*.yaml"))
	cases := [][]string{{"-m", "m", "--streaming", "--benchmark-duration", "30", "--adaptive-scale", "--adaptive-scale-control", "concurrency:2,16",
		"--adaptive-scale-sla", "ttft:p95:le:300", "--adaptive-scale-sla", "error_rate:avg:lt:0.01", "--adaptive-scale-step-policy", "sla_margin"}}
	for _, s := range shapes {
		cases = append(cases, []string{"-f", s, "-m", "m"})
	}
	for _, args := range cases {
		first := runSonde(t, append(append([]string{"profile"}, args...), "--print-config")...)
		if first.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, first.code, first.stderr)
		}
		again := runSonde(t, "profile", "-f", writeFile(t, "c.yaml", first.stdout), "--print-config")
		if again.code != 0 || again.stdout != first.stdout {
			t.Errorf("%v: read back differently (exit %d %s):\n%s\n---\n%s", args, again.code, again.stderr, first.stdout, again.stdout)
		}
	}
}

// A config file's replay knobs reach the profile: a false negatable one
// as its --no- form would.
func TestConfigFileReplayKnobs(t *testing.T) {
	path := writeFile(t, "replay.yaml", `benchmark:
  model: m
  endpoint: {url: "localhost:8000", type: completions}
  dataset: {type: file, path: t.parquet, format: baseten_trace, openLoopReplay: false, forceMinTokens: false, replaySpeedup: 4}
`)
	p := parsedProfile(t, "profile", "--config", path)
	if p.OpenLoopReplay || p.ForceMinTokens || p.ReplaySpeedup == nil || *p.ReplaySpeedup != 4 || p.CustomDatasetType != "baseten_trace" {
		t.Fatalf("%+v %+v", p.OpenLoopReplay, p.ReplaySpeedup)
	}
}
