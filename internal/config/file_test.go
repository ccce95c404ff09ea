package config

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func load(t *testing.T, text string, vars map[string]string) (*FileValues, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bench.yaml")
	os.WriteFile(path, []byte(text), 0o644)
	return LoadFile(path, env(vars))
}

// AIPerf's v2 layout, camelCase keys, shorthands, a warm-up phase, the
// sonde section and ${VAR:default} all become flag values.
func TestLoadFile(t *testing.T) {
	fv, err := load(t, `schemaVersion: "2.0"
randomSeed: 7
benchmark:
  model: [a, b]
  endpoint:
    urls: ["${HOST:localhost}:8000", "localhost:8001"]
    type: completions
    streaming: true
    timeout: 2m
    headers: {X-A: "1"}
    extra: {temperature: 0}
    apiKey: sk-secret
  dataset:
    type: synthetic
    entries: 50
    prompts: {isl: {mean: 64, stddev: 8}, osl: {mean: 16}, blockSize: 16}
    prefixPrompts: {poolSize: 2, length: 10}
    turns: {mean: 3}
    turnDelay: {mean: 100}
    turnDelayRatio: 0.5
  phases:
    - {name: warmup, type: concurrency, concurrency: 2, requests: 4, rate_ramp: 1m, smoothness: 2}
    - {name: profiling, type: concurrency, concurrency: 3, requests: 12, gracePeriod: 5, cancellation: {rate: 5, delay: 2s}}
  artifacts: {dir: out, prefix: run7}
  tokenizer: {name: builtin}
sonde:
  slice-duration: 2
  --goodput: "time_to_first_token:100"
`, map[string]string{"HOST": "gpu1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(fv.Warnings) != 1 || !strings.Contains(fv.Warnings[0], "warmup.smoothness") {
		t.Errorf("warnings %v", fv.Warnings)
	}
	for flag, want := range map[string]string{
		"model-names": "a,b", "url": "gpu1:8000,localhost:8001", "endpoint-type": "completions", "streaming": "true",
		"request-timeout-seconds": "120", "random-seed": "7", "num-dataset-entries": "50", "prompt-input-tokens-mean": "64",
		"prompt-input-tokens-stddev": "8", "prompt-output-tokens-mean": "16", "prompt-input-tokens-block-size": "16", "prompt-prefix-pool-size": "2",
		"prompt-prefix-length": "10", "conversation-turn-mean": "3", "conversation-turn-delay-mean": "100",
		"warmup-request-count": "4", "warmup-concurrency": "2", "concurrency": "3", "request-count": "12", "output-artifact-dir": "out",
		"warmup-request-rate-ramp-duration": "60", "profile-export-prefix": "run7", "tokenizer": "builtin", "slice-duration": "2", "goodput": "time_to_first_token:100",
	} {
		got := fv.Flags[flag]
		if got == nil || strings.Trim(strings.ReplaceAll(jsonish(got), `"`, ""), " ") != want {
			t.Errorf("%s = %v, want %s", flag, got, want)
		}
	}
}

func jsonish(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []string:
		return "[" + strings.Join(x, " ") + "]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Mistakes name the file and line.
func TestLoadFileErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"benchmark:\n  endpoint:\n    ur: x\n", `bench.yaml:3: unknown key "ur" in endpoint`},
		{"schemaVersion: \"1.0\"\n", "schemaVersion"},
		{"sonde:\n  no-such-flag: 1\n", ":2: sonde.no-such-flag is not a flag"},
		{"sonde: [1]\n", "sonde must be a mapping"},
		{"phases: {type: warp}\n", `phase type "warp"`},
		{"benchmark: [1, 2]\n", "benchmark must be a mapping"},
		{"dataset: {prompts: {isl: {mean: [1]}}}\n", "bench.yaml:1"},
		{"phases:\n  - {type: concurrency, concurrency: 2, duration: forever}\n", "neither seconds nor a duration"},
		{"a: [\n", "yaml"},
		{"model: m\nendpoint:\n  url: ${UNSET_VAR}\n", "bench.yaml:3: environment variable UNSET_VAR is not set"},
	} {
		if _, err := load(t, c.text, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.text, err, c.want)
		}
	}
	if _, err := LoadFile("/no/such.yaml", nil); err == nil || !strings.Contains(err.Error(), "/no/such.yaml") {
		t.Errorf("missing file: %v", err)
	}
	if fv, err := load(t, "", nil); err != nil || len(fv.Flags) != 0 {
		t.Errorf("an empty file: %v %v", fv, err)
	}
}

// --print-config writes AIPerf's body and a sonde section, never the API
// key or a secret header's value, and reads back to the same flags.
func TestPrintConfig(t *testing.T) {
	c, osl, seed := 4, 32, int64(9)
	slice := 2.0
	p := &Profile{Model: []string{"m"}, URL: []string{"http://u:pw@h:8000"}, EndpointType: "chat", Streaming: true, ConcurrencyList: []int{c},
		OutputTokensMean: &osl, RandomSeed: &seed, APIKey: "sk-secret", Header: []string{"Authorization:Bearer sk-secret", "X-Team:a"},
		SliceDuration: &slice, ConversationTurnMean: 2, ExportLevel: "records"}
	out, err := PrintConfig(p, &Profile{ExportLevel: "records"})
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, secret := range []string{"sk-secret", "pw@"} {
		if strings.Contains(text, secret) {
			t.Errorf("%q written:\n%s", secret, text)
		}
	}
	for _, want := range []string{`schemaVersion: "2.0"`, "random_seed: 9", "slice-duration: 2", "X-Team"} {
		if !strings.Contains(text, want) {
			t.Errorf("lacks %q:\n%s", want, text)
		}
	}
	fv, err := parseFile("printed", out, env(nil))
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if fv.Flags["prompt-output-tokens-mean"] != "32" || fv.Flags["slice-duration"] != "2" {
		t.Errorf("read back: %v", fv.Flags)
	}
	b, err := json.Marshal(p.Body())
	if err != nil || strings.Contains(string(b), "sk-secret") {
		t.Fatalf("the body as JSON: %s %v", b, err)
	}
}

// The blocks of AIPerf's v2 files: dataset shorthands, slos (goodput),
// artifacts' slices and plots, server metrics and GPU telemetry both ways.
func TestLoadFileBlocks(t *testing.T) {
	fv, err := load(t, `schemaVersion: "2.0"
benchmark:
  model: m
  endpoint: {url: "localhost:8000", resetKvCache: true, serverProfiler: {startPath: /go, timeoutSeconds: 5}, urlStrategy: round_robin}
  dataset: {type: synthetic, isl: {mean: 256, stddev: 50}, osl: 128, prompts: {batchSize: 2}}
  warmup: {type: concurrency, requests: 50, concurrency: 4}
  profiling: {type: concurrency, concurrency: 16, requests: 500}
  slos: {time_to_first_token: 500, request_latency: 5000}
  serverMetrics: {enabled: true, urls: ["node1:9090"], formats: [json, jsonl]}
  gpuTelemetry: {enabled: true, collector: dcgm, mode: summary}
  artifacts: {dir: out, summary: [json], sliceDuration: 30s, autoPlot: true, plotRequired: true}
multiRun: {numRuns: 3, cooldownSeconds: 30, confidenceLevel: 0.9, setConsistentSeed: true, disableWarmupAfterFirst: false}
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	for flag, want := range map[string]string{"prompt-input-tokens-mean": "256", "prompt-input-tokens-stddev": "50",
		"prompt-output-tokens-mean": "128", "goodput": "request_latency:5000 time_to_first_token:500", "server-metrics": "node1:9090",
		"server-metrics-formats": "json,jsonl", "gpu-telemetry": "default", "slice-duration": "30", "auto-plot": "true",
		"plot-required": "true", "warmup-concurrency": "4", "concurrency": "16", "reset-kv-cache": "true",
		"server-profiler": "true", "server-profiler-start-path": "/go", "server-profiler-timeout-seconds": "5", "url-strategy": "round_robin",
		"prompt-batch-size": "2", "num-profile-runs": "3", "profile-run-cooldown-seconds": "30", "confidence-level": "0.9",
		"set-consistent-seed": "true", "profile-run-disable-warmup-after-first": "false"} {
		if got := fv.Flags[flag]; got != want {
			t.Errorf("%s = %v, want %s", flag, got, want)
		}
	}
	if len(fv.Warnings) != 2 {
		t.Errorf("warnings (artifacts.summary, gpu_telemetry.mode): %v", fv.Warnings)
	}
	off, err := load(t, "serverMetrics: {enabled: false}\ngpuTelemetry: {enabled: no}\n", nil)
	if err != nil || off.Flags["no-server-metrics"] != "true" || off.Flags["no-gpu-telemetry"] != "true" {
		t.Errorf("disabled: %v %v", off, err)
	}
	for text, want := range map[string]string{"gpuTelemetry: {collector: pynvml}\n": "DCGM exporters only",
		"serverMetrics: {enabled: maybe}\n": "not true or false", "slos: [1]\n": "slos must be a mapping",
		"endpoint: {serverProfiler: {path: /x}}\n": "endpoint.server_profiler", "endpoint: {resetKvCache: sometimes}\n": "not true or false"} {
		if _, err := load(t, text, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v", text, err)
		}
	}
}

// Every template of `sonde config init` reads as a config file.
func TestTemplates(t *testing.T) {
	for _, name := range Templates() {
		b, err := Template(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parseFile(name, b, env(nil)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := Template("nope"); err == nil || !strings.Contains(err.Error(), "minimal") {
		t.Errorf("an unknown template: %v", err)
	}
}

// ${VAR} is substituted into parsed values, not the text: a value with a
// newline stays one value and cannot add a key; an unquoted value takes
// the type its new text has.
func TestEnvCannotAddKeys(t *testing.T) {
	fv, err := load(t, "model: m\nphases: {type: concurrency, concurrency: 2, requests: 4}\nendpoint:\n  url: ${EVIL}\n  extra: {temperature: ${T}, stop: \"${T}\"}\n# ${NOT_SET_BUT_A_COMMENT}\n",
		map[string]string{"EVIL": "localhost:8000\nphases: {type: concurrency, concurrency: 7}", "T": "0.5"})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(fv.Flags["concurrency"]); got != "2" {
		t.Errorf("concurrency %s: the variable added a key", got)
	}
	if got := fmt.Sprint(fv.Flags["url"]); !strings.Contains(got, "\n") {
		t.Errorf("url %q should hold the whole value", got)
	}
	if got := fmt.Sprint(fv.Flags["extra-inputs"]); !strings.Contains(got, `"temperature":0.5`) || !strings.Contains(got, `"stop":"0.5"`) {
		t.Errorf("extra inputs %s: an unquoted value is a number, a quoted one a string", got)
	}
}

// A config file's sweep block becomes the list flags: grid or zip, bare
// names or paths, swept lengths paired with the file's other length; the
// plot block turns --auto-plot on with a warning.
func TestFileSweep(t *testing.T) {
	fv, err := load(t, `sweep:
  type: zip
  parameters:
    concurrency: [1, 2]
    phases.profiling.rate: [5, 10]
benchmark:
  model: m
  phases: [{name: profiling, type: concurrency, concurrency: 32, requests: 8}]
plot: {visualization: {}}
noSweepTable: true
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	for flag, want := range map[string]string{"concurrency": "1,2", "request-rate": "5,10", "sweep-type": "zip", "auto-plot": "true", "no-sweep-table": "true"} {
		if got := fmt.Sprint(fv.Flags[flag]); got != want {
			t.Errorf("%s = %s, want %s", flag, got, want)
		}
	}
	if len(fv.Warnings) != 1 || !strings.Contains(fv.Warnings[0], "plot:") {
		t.Errorf("warnings %v", fv.Warnings)
	}
	fv, err = load(t, "sweep: {variables: {datasets.main.prompts.isl.mean: [128, 512]}}\ndataset: {prompts: {osl: {mean: 64}}}\n", nil)
	if err != nil || fv.Flags["isl-osl-pairs"] != "128:64,512:64" {
		t.Errorf("isl swept alone: %v %v", fv.Flags["isl-osl-pairs"], err)
	}
	fv, err = load(t, "sweep: {type: zip, parameters: {isl: [1, 2], osl: [3, 4]}}\n", nil)
	if err != nil || fv.Flags["isl-osl-pairs"] != "1:3,2:4" {
		t.Errorf("zipped lengths: %v %v", fv.Flags["isl-osl-pairs"], err)
	}
	for text, want := range map[string]string{
		"sweep: {parameters: {temperature: [0.1]}}\n":                     ":1: unknown key \"temperature\" in the config file",
		"sweep: {parameters: {concurrency: 4}}\n":                         "must be a list",
		"sweep: {parameters: {isl: [1, 2]}}\n":                            "give dataset.prompts.osl",
		"sweep: {type: zip, parameters: {isl: [1], osl: [3, 4]}}\n":       "",
		"sweep: {type: zip, parameters: {isl: [1, 2, 3], osl: [3, 4]}}\n": "they have 3 and 2 values",
		"sweep: [1]\n": "sweep must be a mapping",
	} {
		_, err := load(t, text, nil)
		if (want == "") != (err == nil) || (want != "" && !strings.Contains(err.Error(), want)) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
}

// AIPerf's otel block sets the OpenTelemetry flags.
func TestLoadFileOTel(t *testing.T) {
	fv, err := load(t, `otel: {metrics_url: "http://c:4318", stream_metrics_enabled: true, stream_timing_enabled: false,
  custom_resource_attributes: {deployment.environment: local}, gen_ai_provider: vllm}
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	for flag, want := range map[string]string{"otel-url": "http://c:4318", "stream": "metrics", "otel-resource-attributes": "deployment.environment=local",
		"gen-ai-provider": "vllm"} {
		if got := fv.Flags[flag]; got != want {
			t.Errorf("%s = %v, want %s", flag, got, want)
		}
	}
	for text, want := range map[string]string{"otel: {custom_resource_attributes: [a]}\n": "a mapping", "otel: {stream_timing_enabled: often}\n": "not true or false",
		"otel: {traces_url: x}\n": "traces_url"} {
		if _, err := load(t, text, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v", text, err)
		}
	}
}

// AIPerf's mlflow and wandb blocks set the trackers' flags (the tutorial's
// block, parent_run_id: null included).
func TestLoadFileTrackers(t *testing.T) {
	fv, err := load(t, `benchmark:
  mlflow:
    tracking_uri: http://localhost:5000
    experiment: my-experiment
    run_name: my-run
    tags: "team:perf"
    parent_run_id: null
    artifact_globs: ["*.json", "*.csv"]
  wandb: {project: p, entity: e, run_name: r, tags: [a, b]}
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	for flag, want := range map[string]string{"mlflow-tracking-uri": "http://localhost:5000", "mlflow-experiment": "my-experiment", "mlflow-run-name": "my-run",
		"mlflow-tag": "team:perf", "mlflow-artifact-glob": "*.json,*.csv", "wandb-project": "p", "wandb-entity": "e", "wandb-run-name": "r", "wandb-tag": "a,b"} {
		if got := fmt.Sprint(fv.Flags[flag]); got != want {
			t.Errorf("%s = %v, want %s", flag, got, want)
		}
	}
	if _, ok := fv.Flags["mlflow-parent-run-id"]; ok {
		t.Error("a null parent was set")
	}
	fv, err = load(t, "mlflow: {tags: {team: perf}}\n", nil)
	if err != nil || fv.Flags["mlflow-tag"] != "team:perf" {
		t.Errorf("%v %v", fv.Flags, err)
	}
	if _, err := load(t, "wandb: {key: x}\n", nil); err == nil || !strings.Contains(err.Error(), "key") {
		t.Errorf("an unknown key: %v", err)
	}
}

// AIPerf's artifacts block: the HTTP trace table and export (its
// http_trace_metrics template), a slice duration with its unit.
func TestLoadFileTraceArtifacts(t *testing.T) {
	fv, err := load(t, "artifacts: {showTraceTiming: true, trace: true, sliceDuration: 30s}\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	for flag, want := range map[string]string{"show-trace-timing": "true", "export-http-trace": "true", "slice-duration": "30"} {
		if got := fmt.Sprint(fv.Flags[flag]); got != want {
			t.Errorf("%s = %v, want %s", flag, got, want)
		}
	}
}

// AIPerf's sampling distributions: mean and stddev stay the two flags;
// any other shape goes whole to the length's distribution flag; the
// sequence distribution's list becomes --seq-dist.
func TestLoadFileDistributions(t *testing.T) {
	fv, err := load(t, `dataset:
  prompts:
    isl: {peaks: [{mean: 256, median: 214, weight: 70}, {value: 2048, weight: 30}], max: 4096}
    osl: {mean: 128, stddev: 10}
    sequenceDistribution:
      - {isl: 2048, osl: 256, probability: 30}
      - {isl: {mean: 8192, stddev: 100}, osl: 512, probability: 70}
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	for flag, want := range map[string]string{"prompt-output-tokens-mean": "128", "prompt-output-tokens-stddev": "10",
		"isl-distribution": `{"max":4096,"peaks":[{"mean":256,"median":214,"weight":70},{"value":2048,"weight":30}]}`,
		"seq-dist":         "2048,256:30;8192|100,512:70"} {
		if got := fv.Flags[flag]; got != want {
			t.Errorf("%s = %v, want %s", flag, got, want)
		}
	}
	for text, want := range map[string]string{
		"dataset: {prompts: {sequence_distribution: [{isl: 5, osl: 6}]}}\n":                             "isl, osl and probability are required",
		"dataset: {prompts: {sequence_distribution: [{isl: {median: 5}, osl: 6, probability: 100}]}}\n": "a number or {mean, stddev}",
		"dataset: {prompts: {sequence_distribution: {isl: 5}}}\n":                                       "must be a list",
	} {
		if _, err := load(t, text, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
	// What --print-config writes reads back to the same distribution.
	p := &Profile{ISLDistribution: `{"mean":1024,"median":512}`, SeqDist: "100,10:100"}
	d := p.dataset()
	if m, ok := d.Prompts.ISL.(map[string]any); !ok || m["median"] != 512.0 || d.Prompts.SequenceDistribution != "100,10:100" {
		t.Errorf("body prompts: %#v", d.Prompts)
	}
}

// Several profiling phases and named datasets: the first profiling phase
// and its dataset are the run's flags, each later phase a --phase with its
// own dataset's flags; a phase with both requests and duration stops at
// the first reached.
func TestLoadFilePhases(t *testing.T) {
	fv, err := load(t, `datasets:
  - {name: small, type: synthetic, entries: 50, prompts: {isl: 100, osl: 10}}
  - {name: big, type: synthetic, entries: 20, prompts: {isl: {mean: 900, median: 800}}, prefixPrompts: {poolSize: 2, length: 64}}
phases:
  - {name: warmup, type: concurrency, requests: 5, concurrency: 2, dataset: big}
  - {name: base, kind: profiling, type: poisson, dataset: small, rate: 4, requests: 20, duration: 60}
  - {name: storm, kind: profiling, type: concurrency, concurrency: 8, duration: 30s, cancellation: {rate: 10, delay: 0.5}, seamless: true}
  - {name: heavy, kind: profiling, type: user_centric, dataset: big, users: 3, rate: 1.5, requests: 9}
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	for flag, want := range map[string]any{"phase-name": "base", "prompt-input-tokens-mean": "100", "num-dataset-entries": "50",
		"request-count": "20", "benchmark-duration": "60", "count-or-duration": "true", "arrival-pattern": "poisson",
		"phase": []any{
			"storm:benchmark-duration=30;concurrency=8;request-cancellation-delay=0.5;request-cancellation-rate=10;seamless=true",
			`heavy:dataset=big;isl-distribution={"mean":900,"median":800};num-dataset-entries=20;num-users=3;prompt-prefix-length=64;prompt-prefix-pool-size=2;request-count=9;user-centric-rate=1.5`,
		}} {
		if got := fv.Flags[flag]; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", flag, got, want)
		}
	}
	if w := fv.Flags["warmup-dataset"]; w != `isl-distribution={"mean":900,"median":800};num-dataset-entries=20;prompt-prefix-length=64;prompt-prefix-pool-size=2` {
		t.Errorf("the warm-up's dataset: %v", w)
	}
	for text, want := range map[string]string{
		"phases: [{name: a, kind: profiling}, {kind: profiling}]\n":                            "a profiling phase after the first needs a name",
		"datasets: [{name: a}, {name: b}]\nphases: [{name: p, kind: profiling, dataset: c}]\n": `dataset "c": no dataset of that name (datasets: a, b)`,
		"datasets: [{name: a}, {type: synthetic}]\n":                                           "needs a name on each",
		"datasets: [{name: a}, {name: a}]\n":                                                   "a second dataset named a",
	} {
		if _, err := load(t, text, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
}

// A --phase is the run's flags with its load from the defaults, and its
// dataset from the run's unless it says dataset=.
func TestParsePhases(t *testing.T) {
	c, isl, osl := 4, 7, 9
	p := &Profile{PhaseName: "profiling", ConcurrencyList: []int{4}, Concurrency: &c, RequestCount: &isl, InputTokensMean: 300,
		OutputTokensMean: &osl, NumDatasetEntries: 5, ArrivalPattern: "constant",
		Phases: []string{"a:request-rate=2", "b:dataset=x;isl=10"}}
	specs, err := p.ParsePhases()
	if err != nil {
		t.Fatal(err)
	}
	a, b := specs[0].Profile, specs[1].Profile
	if a.Concurrency != nil || a.RequestCount != nil || *a.RequestRate != 2 || a.ArrivalPattern != "poisson" || a.InputTokensMean != 300 || specs[0].OwnData {
		t.Errorf("phase a: concurrency %v, requests %v, rate %v, pattern %s, isl %d", a.Concurrency, a.RequestCount, a.RequestRate, a.ArrivalPattern, a.InputTokensMean)
	}
	if b.InputTokensMean != 10 || b.OutputTokensMean != nil || b.NumDatasetEntries != 100 || !specs[1].OwnData || !b.CountOrDuration {
		t.Errorf("phase b: isl %d, osl %v, entries %d, own %v", b.InputTokensMean, b.OutputTokensMean, b.NumDatasetEntries, specs[1].OwnData)
	}
	if *p.Concurrency != 4 || p.InputTokensMean != 300 {
		t.Error("parsing the phases changed the run's flags")
	}
}

// A scenario sweep: each run deep-merged into the file (mappings by key,
// phases by name, a distribution replaced whole) becomes the flags it
// changes; datasets may be a mapping of names.
func TestLoadFileScenarios(t *testing.T) {
	fv, err := load(t, `datasets:
  work: {type: synthetic, entries: 10, prompts: {isl: {mean: 50, stddev: 5}, osl: 8}}
phases:
  - {name: test, type: poisson, rate: 20, requests: 10, concurrency: 4}
sweep:
  type: scenarios
  runs:
    - {name: fast, phases: [{name: test, rate: 50}]}
    - {name: skew, datasets: {work: {prompts: {isl: {mean: 80, median: 60}}}}}
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{`{"name":"fast","flags":{"request-rate":"50"}}`,
		`{"name":"skew","flags":{"isl-distribution":"{\"mean\":80,\"median\":60}","prompt-input-tokens-mean":null,"prompt-input-tokens-stddev":null}}`}
	if got := fv.Flags["sweep-scenario"]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("sweep-scenario = %v\nwant %v", got, want)
	}
	if fv.Flags["prompt-input-tokens-mean"] != "50" || fv.Flags["request-rate"] != "20" {
		t.Errorf("the file's own flags changed: %v", fv.Flags)
	}
	for text, want := range map[string]string{
		"sweep: {type: scenarios, runs: [{phases: []}]}\n":                              "each scenario needs a name",
		"sweep: {type: scenarios, runs: {a: 1}}\n":                                      "must be a list of scenarios",
		"sweep: {type: scenarios, runs: [{name: a}], parameters: {concurrency: [1]}}\n": "not both",
		"sweep: {type: scenarios, runs: [{name: a, endpoint: {nonsense: 1}}]}\n":        `scenario a: --config`,
	} {
		if _, err := load(t, text, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
}

// A scenario's flags apply over the run's; bad ones are refused by name.
func TestScenarioRules(t *testing.T) {
	p := valid()
	p.SweepScenarios = []string{`{"name":"a","flags":{"concurrency":"8","prompt-output-tokens-mean":null,"header":["X-A: 1"]}}`}
	scs, err := p.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	q := p
	if err := (&q).ApplyScenario(scs[0]); err != nil || *q.Concurrency != 8 || q.OutputTokensMean != nil || len(q.Header) != 1 || q.SweepScenarios != nil {
		t.Errorf("applied: %v, concurrency %v, osl %v, headers %v", err, q.Concurrency, q.OutputTokensMean, q.Header)
	}
	for spec, want := range map[string]string{
		`{"name":"b","flags":{"concurrency":"-3"}}`: "--sweep-scenario b: --concurrency must",
		`{"name":"c","flags":{"nonsense":"1"}}`:     "nonsense is not a flag",
		`{"flags":{}}`:                              "a name without spaces",
		`{"name":"d","flags":{"concurrency":{}}}`:   "a map[string]interface {} value",
		`not json`: "not {\"name\"",
	} {
		r := valid()
		r.SweepScenarios = []string{spec}
		if errs := r.Validate(); len(errs) == 0 || !strings.Contains(fmt.Sprint(errs), want) {
			t.Errorf("%s: %v, want %q", spec, errs, want)
		}
	}
	r := valid()
	r.SweepScenarios, r.ConcurrencyList = []string{`{"name":"a","flags":{}}`}, []int{1, 2}
	if errs := r.Validate(); !strings.Contains(fmt.Sprint(errs), "a scenario sweep is a sweep of its own") {
		t.Errorf("scenarios beside a list: %v", errs)
	}
}

// A sweep of any field by its path: every point a scenario of the fields
// it sets; bare phase fields, phases by index or kind, the single dataset.
func TestLoadFilePathSweep(t *testing.T) {
	fv, err := load(t, `sweep:
  type: zip
  parameters:
    phases.1.cancellation.rate: [5, 50]
    grace_period: [1, 2]
benchmark:
  dataset: {type: synthetic, prompts: {isl: 30}}
  phases:
    - {name: warmup, requests: 2}
    - {name: main, kind: profiling, type: concurrency, concurrency: 2, duration: 10}
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{`{"name":"rate_5-grace_period_1","flags":{"benchmark-grace-period":"1","request-cancellation-rate":"5"}}`,
		`{"name":"rate_50-grace_period_2","flags":{"benchmark-grace-period":"2","request-cancellation-rate":"50"}}`}
	if got := fv.Flags["sweep-scenario"]; fmt.Sprint(got) != fmt.Sprint(want) || fv.Flags["sweep-type"] != nil {
		t.Errorf("sweep-scenario = %v\nwant %v (sweep-type %v)", got, want, fv.Flags["sweep-type"])
	}
	for text, want := range map[string]string{
		"sweep: {type: zip, parameters: {requests: [1, 2], duration: [3]}}\nphases: [{name: p, kind: profiling}]\n": "element by element",
		"sweep: {parameters: {phases.nope.rate: [1]}}\nphases: [{name: p, kind: profiling}]\n":                      `no phase "nope"`,
		"sweep: {parameters: {requests: 5}}\n": "must be a list of values",
	} {
		if _, err := load(t, text, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
}

// A composed dataset: a file with the output length drawn for its turns
// (filling those without one, or overriding every one).
func TestLoadFileComposed(t *testing.T) {
	fv, err := load(t, `dataset:
  type: composed
  source: {type: file, path: p.jsonl, format: single_turn, sampling: shuffle}
  augment: {osl: {mean: 256, median: 200}, oslMode: override}
  entries: 10
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	for flag, want := range map[string]string{"input-file": "p.jsonl", "custom-dataset-type": "single_turn", "dataset-sampling-strategy": "shuffle",
		"osl-distribution": `{"mean":256,"median":200}`, "osl-mode": "override", "num-dataset-entries": "10"} {
		if got := fmt.Sprint(fv.Flags[flag]); got != want {
			t.Errorf("%s = %s, want %s", flag, got, want)
		}
	}
	if _, err := load(t, "dataset: {type: composed, source: {type: synthetic}}\n", nil); err == nil || !strings.Contains(err.Error(), "a composed dataset's source is a file") {
		t.Errorf("a synthetic source: %v", err)
	}
}

// A file dataset's replay knobs (AIPerf's FileDataset fields) become the
// flags of the same names.
func TestLoadFileReplayKnobs(t *testing.T) {
	fv, err := load(t, `dataset:
  type: file
  path: t.parquet
  format: baseten_trace
  replay_speedup: 10
  open_loop_replay: false
  omit_kv_hints: true
  max_idle_gap_cap_seconds: 5
  trace_session_sample_ratio: 0.5
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	for flag, want := range map[string]string{"replay-speedup": "10", "open-loop-replay": "false", "omit-kv-hints": "true",
		"max-idle-gap-cap-seconds": "5", "trace-session-sample-ratio": "0.5", "custom-dataset-type": "baseten_trace"} {
		if got := fmt.Sprint(fv.Flags[flag]); got != want {
			t.Errorf("%s = %s, want %s", flag, got, want)
		}
	}
}

// An inline dataset's records become --input-records, one JSON line each.
func TestLoadFileRecords(t *testing.T) {
	fv, err := load(t, "dataset: {type: file, format: single_turn, records: [{text: hi}, {text: there, output_length: 9}]}\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := fv.Flags["input-records"]; got != "{\"text\":\"hi\"}\n{\"output_length\":9,\"text\":\"there\"}" {
		t.Errorf("input-records %q", got)
	}
	if _, err := load(t, "dataset: {records: {pool_a: [{text: x}]}}\n", nil); err == nil || !strings.Contains(err.Error(), "multi-pool") {
		t.Errorf("a mapping of pools: %v", err)
	}
	p := valid()
	p.InputRecords, p.InputFile, p.CustomDatasetType = `{"text":"a"}`, "f.jsonl", "single_turn"
	if errs := p.Validate(); !strings.Contains(fmt.Sprint(errs), "two datasets") {
		t.Errorf("records and a file: %v", errs)
	}
}

// A synthetic dataset's video block, its sound track nested, becomes the
// --video-* flags.
func TestLoadFileVideo(t *testing.T) {
	fv, err := load(t, `dataset: {type: synthetic, video: {width: 640, height: 480, fps: 8, duration: 2.5, batchSize: 2, synthType: grid_clock,
  format: mp4, codec: libx264, audio: {numChannels: 2, sampleRate: 48, codec: aac, depth: 24}}}
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	for flag, want := range map[string]string{"video-width": "640", "video-height": "480", "video-fps": "8", "video-duration": "2.5",
		"video-batch-size": "2", "video-synth-type": "grid_clock", "video-format": "mp4", "video-codec": "libx264",
		"video-audio-num-channels": "2", "video-audio-sample-rate": "48", "video-audio-codec": "aac", "video-audio-depth": "24"} {
		if got := fv.Flags[flag]; got != want {
			t.Errorf("%s = %v, want %s", flag, got, want)
		}
	}
	if _, err := load(t, "dataset: {video: {frames: 3}}\n", nil); err == nil || !strings.Contains(err.Error(), "dataset.video") {
		t.Errorf("an unknown key: %v", err)
	}
}

// Space-filling sweeps become a zipped path sweep of their points (each a
// scenario run) and a design; adaptive_search becomes the --search-* flags.
func TestLoadFileQMCAndAdaptive(t *testing.T) {
	for _, kind := range []string{"sobol", "latin_hypercube"} {
		fv, err := load(t, `benchmark:
  model: m
  endpoint: {url: "localhost:8000"}
  phases: [{name: profiling, type: concurrency, concurrency: 1, requests: 4}]
sweep:
  type: `+kind+`
  samples: 4
  seed: 3
  dimensions:
    - {path: concurrency, lo: 1, hi: 64, scale: log, kind: int}
    - {path: phases.profiling.requests, choices: [4, 8]}
`, nil)
		if err != nil {
			t.Fatal(err)
		}
		runs, _ := fv.Flags["sweep-scenario"].([]any)
		var d SamplingDesign
		if len(runs) != 4 || json.Unmarshal([]byte(fv.Flags["sampling-design"].(string)), &d) != nil || d.Sampler != kind || len(d.Mapped) != 4 {
			t.Fatalf("%s: %v", kind, fv.Flags)
		}
		for _, m := range d.Mapped {
			c, _ := m["concurrency"].(float64)
			if c < 1 || c > 64 || c != math.Round(c) {
				t.Errorf("%s: concurrency %v", kind, m["concurrency"])
			}
		}
	}
	for text, want := range map[string]string{
		"sweep: {type: sobol, samples: 1, dimensions: [{path: concurrency, lo: 1, hi: 2}]}\n":               "samples ≥ 2",
		"sweep: {type: sobol, samples: 4, dimensions: [{path: concurrency, lo: 0, hi: 2, scale: log}]}\n":   "log scale needs lo > 0",
		"sweep: {type: sobol, samples: 4, dimensions: [{path: concurrency, lo: 1, hi: 2, choices: [1]}]}\n": "not both",
		"sweep: {type: latin_hypercube, samples: 4}\n":                                                      "needs dimensions",
		"sweep: {type: adaptive_search, objectives: [{metric: x, direction: maximize}]}\n":                  "needs search_space",
	} {
		if _, err := load(t, text, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
	fv, err := load(t, `sweep:
  type: adaptive_search
  planner: optuna
  optunaSampler: tpe
  searchSpace: [{path: concurrency, lo: 1, hi: 500, kind: int}]
  objectives: [{metric: output_token_throughput, stat: avg, direction: maximize}]
  slaFilters: [{metric_tag: time_to_first_token, stat: p95, op: lt, threshold: 250}]
  maxIterations: 20
  nInitialPoints: 4
  randomSeed: 7
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sp := fv.Flags["search-space"].([]any); sp[0] != "concurrency:1,500:int" || fv.Flags["search-metric"] != "output_token_throughput" ||
		fv.Flags["search-sla"].([]any)[0] != "time_to_first_token:p95:lt:250" || fv.Flags["optuna-sampler"] != "tpe" ||
		fv.Flags["search-max-iterations"] != "20" || fv.Flags["search-initial-points"] != "4" || fv.Flags["search-random-seed"] != "7" {
		t.Errorf("%v", fv.Flags)
	}
}

// The Sobol sequence's first points are the dyadic ones (unscrambled), and
// a Latin hypercube has one point in each stratum of each axis.
func TestSobolAndLHS(t *testing.T) {
	s := Sobol(4, 2, 1, false)
	want := [][]float64{{0.5, 0.5}, {0.75, 0.25}, {0.25, 0.75}, {0.375, 0.375}}
	for i := range want {
		if s[i][0] != want[i][0] || s[i][1] != want[i][1] {
			t.Fatalf("Sobol %v, want %v", s, want)
		}
	}
	l := LatinHypercube(10, 3, 5)
	for j := range 3 {
		seen := map[int]bool{}
		for _, p := range l {
			seen[int(p[j]*10)] = true
		}
		if len(seen) != 10 {
			t.Errorf("axis %d: %d strata of 10", j, len(seen))
		}
	}
	if sc := Sobol(8, 10, 2, true); len(sc) != 8 || len(sc[0]) != 10 {
		t.Error("10 scrambled dimensions")
	}
}
