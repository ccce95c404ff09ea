package config

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// artifacts reads where the files go and what else is drawn or sliced.
func (l *loader) artifacts(v *yaml.Node) error {
	known := []string{"dir", "prefix", "summary", "records", "slice_duration", "auto_plot", "plot_required", "show_trace_timing", "trace", "user_files"}
	return l.fields(v, "artifacts", known, func(k string, v *yaml.Node) error {
		switch k {
		case "user_files":
			return l.userFiles(v)
		case "dir":
			return l.set("output-artifact-dir", v, "artifacts.dir")
		case "prefix":
			return l.set("profile-export-prefix", v, "artifacts.prefix")
		case "slice_duration":
			return l.seconds("slice-duration", v, "artifacts.slice_duration")
		case "auto_plot":
			return l.set("auto-plot", v, "artifacts.auto_plot")
		case "plot_required":
			return l.set("plot-required", v, "artifacts.plot_required")
		case "show_trace_timing":
			return l.set("show-trace-timing", v, "artifacts.show_trace_timing")
		case "trace":
			return l.set("export-http-trace", v, "artifacts.trace")
		}
		l.warnf(v, "artifacts.%s: sonde always writes the summary as JSON and CSV and the records as JSONL; ignored", k)
		return nil
	})
}

// serverMetrics reads the server_metrics block: whether the servers'
// /metrics are scraped, more endpoints, the formats.
func (l *loader) serverMetrics(v *yaml.Node) error {
	return l.fields(v, "server_metrics", []string{"enabled", "urls", "formats"}, func(k string, v *yaml.Node) error {
		switch k {
		case "enabled":
			on, err := l.boolean(v, "server_metrics.enabled")
			if err == nil && !on {
				l.out.Flags["no-server-metrics"] = "true"
			}
			return err
		case "urls":
			return l.list("server-metrics", v, "server_metrics.urls")
		}
		return l.list("server-metrics-formats", v, "server_metrics.formats")
	})
}

// gpuTelemetry reads the gpu_telemetry block: enabled (DCGM's usual ports
// and the simulator's), more exporters, the collector (DCGM only).
func (l *loader) gpuTelemetry(v *yaml.Node) error {
	var urls *yaml.Node
	enabled := true
	err := l.fields(v, "gpu_telemetry", []string{"enabled", "urls", "collector", "mode"}, func(k string, v *yaml.Node) error {
		switch k {
		case "enabled":
			on, err := l.boolean(v, "gpu_telemetry.enabled")
			enabled = on
			return err
		case "urls":
			urls = v
		case "collector":
			if v.Value != "dcgm" {
				return l.errorf(v, "gpu_telemetry.collector %q: sonde reads DCGM exporters only", v.Value)
			}
		case "mode":
			l.warnf(v, "gpu_telemetry.mode: the GPUs show in sonde's summary and files; ignored")
		}
		return nil
	})
	switch {
	case err != nil:
		return err
	case !enabled:
		l.out.Flags["no-gpu-telemetry"] = "true"
	case urls != nil:
		return l.list("gpu-telemetry", urls, "gpu_telemetry.urls")
	default:
		l.out.Flags["gpu-telemetry"] = "default" // DCGM's usual ports, quiet when none answers
	}
	return nil
}

// slos reads the SLO thresholds (goodput): metric tag → value (ms for
// latencies, as --goodput).
func (l *loader) slos(v *yaml.Node) error {
	if v.Kind != yaml.MappingNode {
		return l.errorf(v, "slos must be a mapping of metric tags to thresholds")
	}
	th := map[string]string{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		x, err := l.scalar(val, "slos."+k.Value)
		if err != nil {
			return err
		}
		th[k.Value] = x
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(th)) {
		parts = append(parts, k+":"+th[k])
	}
	l.out.Flags["goodput"] = strings.Join(parts, " ")
	return nil
}

// boolean reads a true/false value.
func (l *loader) boolean(v *yaml.Node, where string) (bool, error) {
	switch strings.ToLower(v.Value) {
	case "true", "yes", "on":
		return true, nil
	case "false", "no", "off":
		return false, nil
	}
	return false, l.errorf(v, "%s: %q is not true or false", where, v.Value)
}

// hook reads a control request of the endpoint block, as AIPerf writes it:
// true or false, or its options (which turn it on).
func (l *loader) hook(v *yaml.Node, flag string, subs map[string]string) error {
	where := "endpoint." + strings.ReplaceAll(flag, "-", "_")
	if v.Kind == yaml.ScalarNode {
		on, err := l.boolean(v, where)
		if on {
			l.out.Flags[flag] = "true"
		}
		return err
	}
	l.out.Flags[flag] = "true"
	return l.fields(v, where, slices.Sorted(maps.Keys(subs)), func(k string, v *yaml.Node) error {
		return l.set(subs[k], v, where+"."+k)
	})
}

// multiRun reads the multi_run block: repeated runs with confidence
// intervals, AIPerf's --num-profile-runs and its companions.
func (l *loader) multiRun(v *yaml.Node) error {
	flags := map[string]string{"num_runs": "num-profile-runs", "cooldown_seconds": "profile-run-cooldown-seconds",
		"confidence_level": "confidence-level", "set_consistent_seed": "set-consistent-seed",
		"disable_warmup_after_first": "profile-run-disable-warmup-after-first", "vary_seed_per_trial": "vary-seed-per-trial"}
	return l.fields(v, "multi_run", slices.Sorted(maps.Keys(flags)), func(k string, v *yaml.Node) error {
		return l.set(flags[k], v, "multi_run."+k)
	})
}

// otel reads AIPerf's otel block: the collector, what is streamed live, the
// resource attributes and the GenAI provider.
func (l *loader) otel(v *yaml.Node) error {
	var stream []string
	err := l.fields(v, "otel", []string{"metrics_url", "stream_metrics_enabled", "stream_timing_enabled", "custom_resource_attributes", "gen_ai_provider"},
		func(k string, v *yaml.Node) error {
			switch k {
			case "metrics_url":
				return l.set("otel-url", v, "otel.metrics_url")
			case "gen_ai_provider":
				return l.set("gen-ai-provider", v, "otel.gen_ai_provider")
			case "custom_resource_attributes":
				if v.Kind != yaml.MappingNode {
					return l.errorf(v, "otel.custom_resource_attributes: a mapping of attribute names to values")
				}
				var kvs []string
				for i := 0; i+1 < len(v.Content); i += 2 {
					kvs = append(kvs, v.Content[i].Value+"="+v.Content[i+1].Value)
				}
				l.out.Flags["otel-resource-attributes"] = strings.Join(kvs, ",")
				return nil
			}
			on, err := l.boolean(v, "otel."+k)
			if on {
				stream = append(stream, strings.TrimSuffix(strings.TrimPrefix(k, "stream_"), "_enabled"))
			}
			return err
		})
	if len(stream) > 0 {
		l.out.Flags["stream"] = strings.Join(stream, ",")
	}
	return err
}

// tracker reads AIPerf's mlflow and wandb blocks, key by key onto flags; a
// null is left unset, and MLflow's tags may be a mapping.
func (l *loader) tracker(v *yaml.Node, block string, flags map[string]string) error {
	return l.fields(v, block, slices.Sorted(maps.Keys(flags)), func(k string, v *yaml.Node) error {
		where := block + "." + k
		switch {
		case v.Tag == "!!null":
			return nil
		case k == "tags" && v.Kind == yaml.MappingNode:
			var kvs []string
			for i := 0; i+1 < len(v.Content); i += 2 {
				kvs = append(kvs, v.Content[i].Value+":"+v.Content[i+1].Value)
			}
			l.out.Flags[flags[k]] = strings.Join(kvs, ",")
			return nil
		case k == "tags" || k == "artifact_globs":
			return l.list(flags[k], v, where)
		}
		return l.set(flags[k], v, where)
	})
}

// seqDist reads dataset.prompts.sequence_distribution, a list of
// {isl, osl, probability} (each length a number or {mean, stddev}), into
// --seq-dist's form ISL|SD,OSL|SD:PCT;….
func (l *loader) seqDist(v *yaml.Node) error {
	const where = "dataset.prompts.sequence_distribution"
	if v.Kind == yaml.ScalarNode {
		return l.set("seq-dist", v, where)
	}
	if v.Kind != yaml.SequenceNode {
		return l.errorf(v, "%s must be a list of {isl, osl, probability}", where)
	}
	var pairs []string
	for _, item := range v.Content {
		got := map[string]string{}
		err := l.fields(item, where+"[]", []string{"isl", "osl", "probability"}, func(k string, n *yaml.Node) error {
			if k == "probability" {
				s, err := l.scalar(n, where+"[].probability")
				got[k] = s
				return err
			}
			if n.Kind == yaml.ScalarNode {
				got[k] = n.Value
				return nil
			}
			var d struct{ Mean, Stddev float64 }
			if err := n.Decode(&d); err != nil || !plainNormal(n) {
				return l.errorf(n, "%s[].%s: a number or {mean, stddev}", where, k)
			}
			got[k] = fmt.Sprintf("%g|%g", d.Mean, d.Stddev)
			return nil
		})
		if err != nil {
			return err
		}
		if got["isl"] == "" || got["osl"] == "" || got["probability"] == "" {
			return l.errorf(item, "%s[]: isl, osl and probability are required", where)
		}
		pairs = append(pairs, got["isl"]+","+got["osl"]+":"+got["probability"])
	}
	l.out.Flags["seq-dist"] = strings.Join(pairs, ";")
	return nil
}

// userFiles reads artifacts.user_files: each a path, a format and a
// content, rendered when the run starts with the file's variables (kept
// beside it) and the run's own names.
func (l *loader) userFiles(v *yaml.Node) error {
	if v.Kind != yaml.SequenceNode {
		return l.errorf(v, "artifacts.user_files must be a list of {path, format, content}")
	}
	var out []any
	for _, item := range v.Content {
		var uf UserFile
		err := l.fields(item, "artifacts.user_files[]", []string{"path", "format", "content"}, func(k string, n *yaml.Node) error {
			switch k {
			case "path":
				uf.Path = n.Value
			case "format":
				uf.Format = n.Value
			default:
				return n.Decode(&uf.Content)
			}
			return nil
		})
		if err != nil {
			return err
		}
		uf.Vars = l.vars
		if err := uf.check(); err != nil {
			return l.errorf(item, "artifacts.user_files[]: %v", err)
		}
		b, err := json.Marshal(uf)
		if err != nil {
			return l.errorf(item, "artifacts.user_files[]: %v", err)
		}
		out = append(out, string(b))
	}
	l.out.Flags["user-file"] = out
	return nil
}

// composed reads a composed dataset's blocks (AIPerf's): source, a file
// dataset (path, format, sampling), and augment, the output length its
// turns get (osl) and whether it fills those without one or overrides
// every turn's (osl_mode).
func (l *loader) composed(k string, v *yaml.Node) error {
	where := "dataset." + k
	if k == "source" {
		flags := map[string]string{"path": "input-file", "format": "custom-dataset-type", "sampling": "dataset-sampling-strategy",
			"sampling_strategy": "dataset-sampling-strategy"}
		return l.fields(v, where, []string{"type", "path", "format", "sampling", "sampling_strategy"}, func(k string, n *yaml.Node) error {
			if k == "type" {
				if n.Value != "file" {
					return l.errorf(n, "%s.type %q: a composed dataset's source is a file", where, n.Value)
				}
				return nil
			}
			return l.set(flags[k], n, where+"."+k)
		})
	}
	return l.fields(v, where, []string{"osl", "osl_mode"}, func(k string, n *yaml.Node) error {
		if k == "osl_mode" {
			return l.set("osl-mode", n, where+".osl_mode")
		}
		return l.dist("prompt-output-tokens-mean", "prompt-output-tokens-stddev", n, where+".osl")
	})
}

// records reads an inline dataset (dataset.records): its records as the
// JSON lines --input-records holds.
func (l *loader) records(v *yaml.Node) error {
	if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
		return l.errorf(v, "dataset.records must be a list of records (a multi-pool mapping of lists is not read yet)")
	}
	lines := make([]string, 0, len(v.Content))
	for _, r := range v.Content {
		line, err := l.mappingJSON(r, "dataset.records[]") // a record is a JSON object, a line of the file it stands for
		if err != nil {
			return err
		}
		lines = append(lines, line)
	}
	l.out.Flags["input-records"] = strings.Join(lines, "\n")
	return nil
}
