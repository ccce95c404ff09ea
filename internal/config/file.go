package config

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// A config file (-f/--config) is AIPerf's YAML format, schemaVersion "2.0":
// an envelope (random_seed) around a `benchmark:` body of model, endpoint,
// dataset, phases, artifacts, tokenizer and runtime (the body's keys may
// also sit at the top level, as in AIPerf's older templates). Keys may be
// snake_case or camelCase. A top-level `sonde:` section sets any other
// sonde flag by its name. Every value becomes the flag it stands for, so a
// flag given on the command line overrides the file, and the file's values
// go through the same validation as flags.

// FileValues are a config file's settings by flag name: a string for a
// single value, a list for repeatable flags.
type FileValues struct {
	Flags    map[string]any
	Warnings []string
}

// LoadFile reads a config file. ${VAR} and ${VAR:default} are replaced by
// environment variables in each value, as AIPerf does (but in the parsed
// values, not the text); getenv may be nil (the process environment).
func LoadFile(path string, getenv func(string) (string, bool)) (*FileValues, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--config: %w", err)
	}
	if getenv == nil {
		getenv = os.LookupEnv
	}
	return parseFile(path, raw, getenv)
}

// parseFile reads a config file's text; path names it in messages.
func parseFile(path string, raw []byte, getenv func(string) (string, bool)) (*FileValues, error) {
	marked, refs := markEnv(string(raw))
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(marked), &doc); err != nil {
		return nil, fmt.Errorf("--config %s: %v", path, err)
	}
	if err := expandEnvNodes(&doc, refs, getenv); err != nil {
		return nil, fmt.Errorf("--config %s:%w", path, err)
	}
	l := &loader{path: path, out: &FileValues{Flags: map[string]any{}}, flags: FlagNames()}
	if len(doc.Content) == 0 {
		return l.out, nil
	}
	if err := l.expandVariables(doc.Content[0]); err != nil {
		return nil, err
	}
	if err := l.load(doc.Content[0]); err != nil {
		return nil, err
	}
	if l.pathSweep != nil {
		runs, err := l.sweepPoints(doc.Content[0])
		if err != nil {
			return nil, err
		}
		l.scenarioRuns = runs
	}
	if l.scenarioRuns != nil {
		if err := l.scenarios(doc.Content[0]); err != nil {
			return nil, err
		}
	}
	return l.out, nil
}

// load reads a document's root, rendered, into l.out.
func (l *loader) load(root *yaml.Node) error {
	if err := l.root(root); err != nil {
		return err
	}
	if err := l.finishPhases(); err != nil {
		return err
	}
	l.inherit()
	return nil
}

// inherit drops a warm-up setting equal to the profiling one: the warm-up
// inherits it anyway, and a file --print-config wrote (which spells the
// warm-up's load out for AIPerf) reads back to the flags it came from.
func (l *loader) inherit() {
	f := l.out.Flags
	for warm, prof := range map[string]string{"warmup-concurrency": "concurrency", "warmup-request-rate": "request-rate",
		"warmup-prefill-concurrency": "prefill-concurrency", "warmup-arrival-pattern": "arrival-pattern"} {
		if f[warm] != nil && fmt.Sprint(f[warm]) == fmt.Sprint(f[prof]) {
			delete(f, warm)
		}
	}
	if f["warmup-arrival-pattern"] == "poisson" && f["arrival-pattern"] == nil {
		delete(f, "warmup-arrival-pattern") // poisson is the default
	}
}

type loader struct {
	path string
	out  *FileValues
	// profiling is the line of the profiling phase seen, 0 before one.
	profiling int
	flags     map[string]flagInfo // Profile's flags by name and alias
	// datasets are those of a `datasets:` list of several, by name;
	// primary names the first profiling phase's; more are the profiling
	// phases after the first.
	datasets []namedDataset
	primary  *yaml.Node
	more     []pendingPhase
	warmData *yaml.Node // the warm-up's dataset:, if named
	// scenarioRuns is a sweep of type scenarios' runs, read once the
	// rest of the file is.
	scenarioRuns *yaml.Node
	// pathSweep is a sweep's parameters by path (any field): its points
	// run as scenarios.
	pathSweep *yaml.Node
	// vars are the file's variables, rendered (for artifacts.user_files).
	vars map[string]any
}

func (l *loader) errorf(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("--config %s:%d: %s", l.path, n.Line, fmt.Sprintf(format, args...))
}

func (l *loader) warnf(n *yaml.Node, format string, args ...any) {
	l.out.Warnings = append(l.out.Warnings, fmt.Sprintf("%s:%d: %s", l.path, n.Line, fmt.Sprintf(format, args...)))
}

// plainNormal is a mapping of mean and stddev only.
func plainNormal(n *yaml.Node) bool {
	for i := 0; i < len(n.Content); i += 2 {
		if k := n.Content[i].Value; k != "mean" && k != "stddev" {
			return false
		}
	}
	return true
}

// snake turns camelCase into snake_case; snake_case stays.
func snake(k string) string {
	var b strings.Builder
	for i, r := range k {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// fields calls fn for each key of a mapping; fn returns false for a key it
// does not know, which is an error naming the known ones.
func (l *loader) fields(n *yaml.Node, where string, known []string, fn func(key string, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return l.errorf(n, "%s must be a mapping", where)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := snake(n.Content[i].Value), n.Content[i+1]
		if !slices.Contains(known, k) {
			return l.errorf(n.Content[i], "unknown key %q in %s (known: %s)", n.Content[i].Value, where, strings.Join(known, ", "))
		}
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) scalar(n *yaml.Node, where string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", l.errorf(n, "%s must be a single value", where)
	}
	return n.Value, nil
}

// set stores a single-valued flag.
func (l *loader) set(flag string, n *yaml.Node, where string) error {
	v, err := l.scalar(n, where)
	if err == nil {
		l.out.Flags[flag] = v
	}
	return err
}

// list stores a repeatable flag from one value or a sequence.
func (l *loader) list(flag string, n *yaml.Node, where string) error {
	var vs []any
	if n.Kind == yaml.SequenceNode {
		for _, c := range n.Content {
			v, err := l.scalar(c, where)
			if err != nil {
				return err
			}
			vs = append(vs, v)
		}
	} else {
		v, err := l.scalar(n, where)
		if err != nil {
			return err
		}
		vs = []any{v}
	}
	if !l.flags[flag].whole {
		// Kong splits these at commas: one string keeps every value's type
		// (a JSON list of strings would not decode into []int).
		parts := make([]string, len(vs))
		for i, v := range vs {
			parts[i] = v.(string)
		}
		l.out.Flags[flag] = strings.Join(parts, ",")
		return nil
	}
	l.out.Flags[flag] = vs
	return nil
}

// object stores a mapping as one JSON-object value of a repeatable flag.
func (l *loader) object(flag string, n *yaml.Node, where string) error {
	s, err := l.mappingJSON(n, where)
	if err == nil {
		l.out.Flags[flag] = []any{s}
	}
	return err
}

// mappingJSON is a mapping written as a JSON object.
func (l *loader) mappingJSON(n *yaml.Node, where string) (string, error) {
	var m map[string]any
	if err := n.Decode(&m); err != nil {
		return "", l.errorf(n, "%s must be a mapping: %v", where, err)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", l.errorf(n, "%s: %v", where, err)
	}
	return string(b), nil
}

// distFlags are the flags that take a whole sampling distribution, by
// the mean's flag.
var distFlags = map[string]string{"prompt-input-tokens-mean": "isl-distribution", "prompt-output-tokens-mean": "osl-distribution"}

// dist stores a number or a {mean, stddev} mapping; any other shape of
// AIPerf's sampling distributions (median, p50/p99, peaks, points, min,
// max) goes whole, as JSON, to the length's distribution flag.
func (l *loader) dist(mean, stddev string, n *yaml.Node, where string) error {
	if n.Kind == yaml.ScalarNode {
		return l.set(mean, n, where)
	}
	if flag := distFlags[mean]; flag != "" && n.Kind == yaml.MappingNode && !plainNormal(n) {
		s, err := l.mappingJSON(n, where)
		l.out.Flags[flag] = s
		return err
	}
	return l.fields(n, where, []string{"mean", "stddev"}, func(k string, v *yaml.Node) error {
		if k == "mean" {
			return l.set(mean, v, where+".mean")
		}
		return l.set(stddev, v, where+".stddev")
	})
}

var (
	rootKeys = []string{"schema_version", "random_seed", "benchmark", "sonde",
		"sweep", "multi_run", "variables", "plot", "no_sweep_table"}
	bodyKeys = []string{"model", "models", "endpoint", "dataset", "datasets", "phases", "warmup", "profiling",
		"artifacts", "tokenizer", "runtime", "server_metrics", "gpu_telemetry", "slos", "otel", "mlflow", "wandb"}
)

func (l *loader) root(n *yaml.Node) error {
	var sonde, sweep *yaml.Node
	err := l.fields(n, "the config file", append(slices.Clone(rootKeys), bodyKeys...), func(k string, v *yaml.Node) error {
		switch k {
		case "schema_version":
			if s, _ := l.scalar(v, k); !strings.HasPrefix(s, "2") {
				return l.errorf(v, "schemaVersion %q: sonde reads AIPerf's config schema 2.x", s)
			}
		case "random_seed":
			return l.set("random-seed", v, k)
		case "benchmark":
			return l.fields(v, "benchmark", bodyKeys, l.body)
		case "sonde":
			sonde = v
		case "multi_run":
			return l.multiRun(v)
		case "variables": // rendered already (expandVariables)
		case "sweep":
			sweep = v // read after the rest: a swept length pairs with the file's other one
		case "no_sweep_table":
			return l.set("no-sweep-table", v, k)
		case "plot":
			l.out.Flags["auto-plot"] = "true"
			l.warnf(v, "plot: sonde draws its own charts (--auto-plot is on); the presets of this block are not read")
		default:
			return l.body(k, v)
		}
		return nil
	})
	if err == nil && sweep != nil {
		err = l.sweep(sweep)
	}
	if err == nil && sonde != nil {
		err = l.sondeSection(sonde) // applied last: it is the most specific
	}
	return err
}

func (l *loader) body(k string, v *yaml.Node) error {
	switch k {
	case "model":
		return l.list("model-names", v, k)
	case "models":
		return l.models(v)
	case "endpoint":
		return l.endpoint(v)
	case "dataset":
		return l.dataset(v)
	case "datasets":
		if v.Kind == yaml.MappingNode { // AIPerf's other form: name → dataset
			v = namedList(v)
		}
		if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
			return l.errorf(v, "datasets must be a list of datasets, or a mapping of names to datasets")
		}
		if len(v.Content) == 1 {
			return l.dataset(v.Content[0])
		}
		return l.namedDatasets(v)
	case "phases":
		if v.Kind == yaml.MappingNode {
			return l.phase(v, "profiling")
		}
		if v.Kind != yaml.SequenceNode {
			return l.errorf(v, "phases must be a list or a mapping")
		}
		for _, p := range v.Content {
			if err := l.phase(p, ""); err != nil {
				return err
			}
		}
		return nil
	case "warmup", "profiling":
		return l.phase(v, k)
	case "artifacts":
		return l.artifacts(v)
	case "server_metrics":
		return l.serverMetrics(v)
	case "gpu_telemetry":
		return l.gpuTelemetry(v)
	case "slos":
		return l.slos(v)
	case "tokenizer":
		if v.Kind == yaml.ScalarNode {
			return l.set("tokenizer", v, k)
		}
		return l.fields(v, k, []string{"name", "revision"}, func(k string, v *yaml.Node) error {
			if k == "name" {
				return l.set("tokenizer", v, "tokenizer.name")
			}
			return l.set("tokenizer-revision", v, "tokenizer.revision")
		})
	case "runtime":
		return l.fields(v, k, []string{"ui", "log_level", "verbose"}, func(k string, v *yaml.Node) error {
			switch k {
			case "ui":
				return l.set("ui-type", v, "runtime.ui")
			case "log_level":
				return l.set("log-level", v, "runtime.log_level")
			}
			return l.set("verbose", v, "runtime.verbose")
		})
	}
	switch k {
	case "otel":
		return l.otel(v)
	case "mlflow":
		return l.tracker(v, "mlflow", map[string]string{"tracking_uri": "mlflow-tracking-uri", "experiment": "mlflow-experiment", "run_name": "mlflow-run-name",
			"parent_run_id": "mlflow-parent-run-id", "tags": "mlflow-tag", "artifact_globs": "mlflow-artifact-glob"})
	}
	return l.tracker(v, "wandb", map[string]string{"project": "wandb-project", "entity": "wandb-entity", "run_name": "wandb-run-name", "tags": "wandb-tag"})
}

func (l *loader) models(v *yaml.Node) error {
	if v.Kind == yaml.MappingNode { // input_config's {items: [{name: …}]}
		return l.fields(v, "models", []string{"items"}, func(_ string, items *yaml.Node) error { return l.models(items) })
	}
	if v.Kind != yaml.SequenceNode {
		return l.list("model-names", v, "models")
	}
	var names []any
	for _, m := range v.Content {
		if m.Kind == yaml.MappingNode {
			err := l.fields(m, "models[]", []string{"name"}, func(_ string, n *yaml.Node) error {
				s, err := l.scalar(n, "models[].name")
				names = append(names, s)
				return err
			})
			if err != nil {
				return err
			}
			continue
		}
		s, err := l.scalar(m, "models[]")
		if err != nil {
			return err
		}
		names = append(names, s)
	}
	l.out.Flags["model-names"] = names
	return nil
}

func (l *loader) endpoint(v *yaml.Node) error {
	simple := map[string]string{"type": "endpoint-type", "streaming": "streaming", "path": "custom-endpoint",
		"custom_endpoint": "custom-endpoint", "timeout": "request-timeout-seconds", "connection_reuse": "connection-reuse-strategy",
		"api_key": "api-key", "use_legacy_max_tokens": "use-legacy-max-tokens", "use_server_token_count": "use-server-token-count",
		"url_strategy": "url-strategy"}
	known := append(slices.Sorted(maps.Keys(simple)), "url", "urls", "headers", "extra", "reset_kv_cache", "server_profiler")
	return l.fields(v, "endpoint", known, func(k string, v *yaml.Node) error {
		switch k {
		case "reset_kv_cache":
			return l.hook(v, "reset-kv-cache", map[string]string{"path": "reset-kv-cache-path", "timeout_seconds": "reset-kv-cache-timeout-seconds"})
		case "server_profiler":
			return l.hook(v, "server-profiler", map[string]string{"start_path": "server-profiler-start-path",
				"stop_path": "server-profiler-stop-path", "timeout_seconds": "server-profiler-timeout-seconds"})
		case "url", "urls":
			return l.list("url", v, "endpoint."+k)
		case "headers":
			return l.object("header", v, "endpoint.headers")
		case "extra":
			return l.object("extra-inputs", v, "endpoint.extra")
		case "timeout": // seconds, or a duration as the phases' times
			return l.seconds("request-timeout-seconds", v, "endpoint.timeout")
		}
		return l.set(simple[k], v, "endpoint."+k)
	})
}

// datasetFlags are a dataset block's keys that are one flag each (a file
// dataset's replay knobs are AIPerf's FileDataset fields).
func datasetFlags() map[string]string {
	return map[string]string{"dataset": "public-dataset", "path": "input-file", "format": "custom-dataset-type",
		"entries": "num-dataset-entries", "random_seed": "random-seed", "sampling_strategy": "dataset-sampling-strategy", "sampling": "dataset-sampling-strategy",
		"turn_delay_ratio": "conversation-turn-delay-ratio", "replay_speedup": "replay-speedup", "open_loop_replay": "open-loop-replay",
		"open_loop_strict": "open-loop-strict", "omit_kv_hints": "omit-kv-hints", "force_min_tokens": "force-min-tokens",
		"inter_turn_delay_cap_seconds": "inter-turn-delay-cap-seconds", "max_idle_gap_cap_seconds": "max-idle-gap-cap-seconds",
		"trace_session_sample_ratio": "trace-session-sample-ratio"}
}

func (l *loader) dataset(v *yaml.Node) error {
	simple := datasetFlags()
	known := append(slices.Sorted(maps.Keys(simple)), "name", "type", "prompts", "prefix_prompts", "turns", "turn_delay", "isl", "osl", "images", "audio",
		"video", "source", "augment", "records")
	return l.fields(v, "dataset", known, func(k string, v *yaml.Node) error {
		where := "dataset." + k
		switch k {
		case "name":
			return nil
		case "type":
			s, err := l.scalar(v, where)
			if err == nil && !slices.Contains([]string{"synthetic", "file", "public", "composed"}, s) {
				err = l.errorf(v, "dataset.type %q: sonde knows synthetic, file, public and composed", s)
			}
			return err
		case "source", "augment":
			return l.composed(k, v)
		case "records":
			return l.records(v)
		case "prompts":
			return l.fields(v, where, []string{"isl", "osl", "block_size", "batch_size", "sequence_distribution"}, func(k string, v *yaml.Node) error {
				switch k {
				case "sequence_distribution":
					return l.seqDist(v)
				case "isl":
					return l.dist("prompt-input-tokens-mean", "prompt-input-tokens-stddev", v, "dataset.prompts.isl")
				case "osl":
					return l.dist("prompt-output-tokens-mean", "prompt-output-tokens-stddev", v, "dataset.prompts.osl")
				case "batch_size":
					return l.set("prompt-batch-size", v, "dataset.prompts.batch_size")
				}
				return l.set("prompt-input-tokens-block-size", v, "dataset.prompts.block_size")
			})
		case "prefix_prompts":
			flags := map[string]string{"pool_size": "prompt-prefix-pool-size", "length": "prompt-prefix-length",
				"shared_system_length": "shared-system-prompt-length", "user_context_length": "user-context-prompt-length"}
			return l.fields(v, where, slices.Sorted(maps.Keys(flags)), func(k string, v *yaml.Node) error {
				return l.set(flags[k], v, where+"."+k)
			})
		case "images":
			flags := map[string]string{"batch_size": "image-batch-size", "format": "image-format", "source": "image-source",
				"source_sampling": "image-source-sampling"}
			return l.fields(v, where, []string{"batch_size", "format", "height", "source", "source_sampling", "width"}, func(k string, v *yaml.Node) error {
				switch k {
				case "width":
					return l.dist("image-width-mean", "image-width-stddev", v, where+".width")
				case "height":
					return l.dist("image-height-mean", "image-height-stddev", v, where+".height")
				}
				return l.set(flags[k], v, where+"."+k)
			})
		case "audio":
			flags := map[string]string{"batch_size": "audio-batch-size", "format": "audio-format", "depths": "audio-depths",
				"sample_rates": "audio-sample-rates", "num_channels": "audio-num-channels", "channels": "audio-num-channels"}
			return l.fields(v, where, []string{"batch_size", "channels", "depths", "format", "length", "num_channels", "sample_rates"}, func(k string, v *yaml.Node) error {
				switch k {
				case "length":
					return l.dist("audio-length-mean", "audio-length-stddev", v, where+".length")
				case "depths", "sample_rates": // one value or a list, one drawn per clip
					return l.list(flags[k], v, where+"."+k)
				}
				return l.set(flags[k], v, where+"."+k)
			})
		case "video":
			return l.video(v)
		case "isl": // the shorthand of prompts.isl
			return l.dist("prompt-input-tokens-mean", "prompt-input-tokens-stddev", v, where)
		case "osl":
			return l.dist("prompt-output-tokens-mean", "prompt-output-tokens-stddev", v, where)
		case "turns":
			return l.dist("conversation-turn-mean", "conversation-turn-stddev", v, where)
		case "turn_delay":
			return l.dist("conversation-turn-delay-mean", "conversation-turn-delay-stddev", v, where)
		}
		return l.set(simple[k], v, where)
	})
}

// video reads a synthetic dataset's video block (its audio track nested).
func (l *loader) video(v *yaml.Node) error {
	flags := map[string]string{"batch_size": "video-batch-size", "duration": "video-duration", "fps": "video-fps", "width": "video-width",
		"height": "video-height", "synth_type": "video-synth-type", "format": "video-format", "codec": "video-codec"}
	return l.fields(v, "dataset.video", append(slices.Sorted(maps.Keys(flags)), "audio"), func(k string, v *yaml.Node) error {
		if k != "audio" {
			return l.set(flags[k], v, "dataset.video."+k)
		}
		audio := map[string]string{"sample_rate": "video-audio-sample-rate", "num_channels": "video-audio-num-channels",
			"channels": "video-audio-num-channels", "codec": "video-audio-codec", "depth": "video-audio-depth"}
		return l.fields(v, "dataset.video.audio", slices.Sorted(maps.Keys(audio)), func(k string, v *yaml.Node) error {
			return l.set(audio[k], v, "dataset.video.audio."+k)
		})
	})
}

// phase reads one phase; sonde has a warm-up (a count of requests) and one
// profiling phase.
func (l *loader) phase(v *yaml.Node, name string) error {
	var p map[string]*yaml.Node
	known := []string{"name", "kind", "type", "exclude_from_results", "requests", "duration", "sessions", "concurrency",
		"prefill_concurrency", "rate", "users", "smoothness", "grace_period", "cancellation", "dataset", "seamless",
		"concurrency_ramp", "rate_ramp", "prefill_ramp", "auto_offset", "start_offset", "end_offset", "adaptive_scale", "sla"}
	p = map[string]*yaml.Node{}
	if err := l.fields(v, "phase", known, func(k string, v *yaml.Node) error { p[k] = v; return nil }); err != nil {
		return err
	}
	kind := name
	for _, k := range []string{"name", "kind"} {
		if n := p[k]; n != nil && (n.Value == "warmup" || n.Value == "profiling") {
			kind = n.Value
		}
	}
	if n := p["exclude_from_results"]; n != nil && n.Value == "true" {
		kind = "warmup"
	}
	if kind == "" {
		kind = "profiling"
	}
	if kind == "warmup" {
		l.warmData = p["dataset"]
		return l.warmup(p)
	}
	if l.profiling > 0 { // a further phase: --phase, once the datasets are known
		l.more = append(l.more, pendingPhase{v, p})
		return nil
	}
	l.profiling = v.Line
	if n := p["name"]; n != nil && n.Value != "profiling" {
		l.out.Flags["phase-name"] = n.Value
	}
	if n := p["dataset"]; n != nil {
		l.primary = n
	}
	return l.profilingPhase(v, p)
}

// warmup reads a warm-up phase: its stop conditions and its own load,
// AIPerf's --warmup-* flags.
func (l *loader) warmup(p map[string]*yaml.Node) error {
	flags := map[string]string{"requests": "warmup-request-count", "sessions": "num-warmup-sessions", "concurrency": "warmup-concurrency",
		"prefill_concurrency": "warmup-prefill-concurrency", "rate": "warmup-request-rate"}
	times := map[string]string{"duration": "warmup-duration", "grace_period": "warmup-grace-period",
		"concurrency_ramp": "warmup-concurrency-ramp-duration", "rate_ramp": "warmup-request-rate-ramp-duration",
		"prefill_ramp": "warmup-prefill-concurrency-ramp-duration"}
	for _, k := range slices.Sorted(maps.Keys(p)) {
		n := p[k]
		var err error
		switch {
		case flags[k] != "":
			err = l.set(flags[k], n, "warmup."+k)
		case times[k] != "":
			err = l.seconds(times[k], n, "warmup."+k)
		case k == "type":
			switch n.Value {
			case "constant", "poisson", "gamma", "concurrency_burst":
				l.out.Flags["warmup-arrival-pattern"] = n.Value
			case PhaseConcurrency, "":
			default:
				err = l.errorf(n, "warmup phase type %q: sonde's warm-up runs concurrency, constant, poisson, gamma or concurrency_burst", n.Value)
			}
		case k == "name", k == "kind", k == "exclude_from_results", k == "dataset", k == "seamless":
		default:
			l.warnf(n, "warmup.%s: sonde's warm-up has no such setting; ignored", k)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) profilingPhase(v *yaml.Node, p map[string]*yaml.Node) error {
	typ := ""
	if n := p["type"]; n != nil {
		typ = n.Value
	} else if p["rate"] != nil {
		typ = "poisson"
	}
	rateFlag := "request-rate"
	switch typ {
	case "", PhaseConcurrency:
	case "constant", "poisson", "gamma", "concurrency_burst":
		l.out.Flags["arrival-pattern"] = typ
	case PhaseUserCentric:
		rateFlag = "user-centric-rate"
	case PhaseFixedSchedule:
		l.out.Flags["fixed-schedule"] = "true"
	default:
		return l.errorf(p["type"], "phase type %q: sonde knows concurrency, constant, poisson, gamma, concurrency_burst, user_centric and fixed_schedule", typ)
	}
	if p["requests"] != nil && p["duration"] != nil {
		l.out.Flags["count-or-duration"] = "true" // the first reached ends the phase
	}
	flags := map[string]string{"requests": "request-count", "sessions": "conversation-num", "concurrency": "concurrency",
		"prefill_concurrency": "prefill-concurrency", "rate": rateFlag, "users": "num-users", "smoothness": "arrival-smoothness",
		"auto_offset": "fixed-schedule-auto-offset", "start_offset": "fixed-schedule-start-offset", "end_offset": "fixed-schedule-end-offset"}
	for _, k := range slices.Sorted(maps.Keys(p)) {
		n := p[k]
		var err error
		switch k {
		case "name", "kind", "type", "exclude_from_results", "dataset", "seamless":
		case "duration", "grace_period", "concurrency_ramp", "rate_ramp", "prefill_ramp":
			flag := map[string]string{"duration": "benchmark-duration", "grace_period": "benchmark-grace-period",
				"concurrency_ramp": "concurrency-ramp-duration", "rate_ramp": "request-rate-ramp-duration",
				"prefill_ramp": "prefill-concurrency-ramp-duration"}[k]
			err = l.seconds(flag, n, "phases.profiling."+k)
		case "adaptive_scale":
			err = l.adaptiveScale(n)
		case "sla":
			err = l.phaseSLA(n)
		case "cancellation":
			err = l.fields(n, "phases.profiling.cancellation", []string{"rate", "delay"}, func(k string, v *yaml.Node) error {
				if f, err := strconv.ParseFloat(v.Value, 64); err == nil && f == 0 {
					return nil // rate 0: none cancelled; delay 0: the default, right after the request is written
				}
				if k == "rate" {
					return l.set("request-cancellation-rate", v, "cancellation.rate")
				}
				return l.seconds("request-cancellation-delay", v, "cancellation.delay")
			})
		default:
			err = l.set(flags[k], n, "phases.profiling."+k)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// seconds stores a number of seconds, also read from a duration ("5m").
func (l *loader) seconds(flag string, n *yaml.Node, where string) error {
	s, err := l.scalar(n, where)
	if err != nil {
		return err
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		d, derr := time.ParseDuration(s)
		if derr != nil {
			return l.errorf(n, "%s %q is neither seconds nor a duration such as 90s or 5m", where, s)
		}
		s = strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
	}
	l.out.Flags[flag] = s
	return nil
}

// sondeSection sets flags by their names (or aliases).
func (l *loader) sondeSection(n *yaml.Node) error {
	names := l.flags
	if n.Kind != yaml.MappingNode {
		return l.errorf(n, "sonde must be a mapping of flag names to values")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := strings.TrimPrefix(n.Content[i].Value, "--"), n.Content[i+1]
		flag, ok := names[k]
		if !ok || flag.name == "config" || flag.name == "print-config" {
			return l.errorf(n.Content[i], "sonde.%s is not a flag of sonde profile", k)
		}
		var err error
		if flag.repeatable {
			err = l.list(flag.name, v, "sonde."+k)
		} else {
			err = l.set(flag.name, v, "sonde."+k)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

type flagInfo struct {
	name       string
	repeatable bool
	whole      bool // a repeatable flag whose values are never split at commas
	field      int  // index in Profile
}

// FlagNames maps each flag name and alias of Profile to its flag.
func FlagNames() map[string]flagInfo {
	out := map[string]flagInfo{}
	t := reflect.TypeFor[Profile]()
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("name")
		if name == "" {
			continue
		}
		info := flagInfo{name: name, repeatable: f.Type.Kind() == reflect.Slice, whole: f.Tag.Get("sep") == "none", field: i}
		out[name] = info
		for a := range strings.SplitSeq(f.Tag.Get("aliases"), ",") {
			if a != "" {
				out[a] = info
			}
		}
	}
	return out
}
