package compare

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Fingerprint is what a run recorded about what it measured, by name:
// the server's own word (server.*: version, model, owner, root, Server
// header), the model asked for, the tokenizer, the load shape (the
// phases), the server's *_info metrics (metrics.*), the GPUs its
// telemetry saw and the measuring client (client.*).
func Fingerprint(dir string) (map[string]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "profile_export_aiperf.json"))
	if err != nil {
		return nil, err
	}
	var s struct {
		Input struct {
			Models struct {
				Items []struct {
					Name string `json:"name"`
				} `json:"items"`
			} `json:"models"`
			Phases json.RawMessage `json:"phases"`
		} `json:"input_config"`
		Sonde struct {
			Server    map[string]string `json:"server"`
			Client    map[string]string `json:"client"`
			Tokenizer struct {
				Used string `json:"used"`
			} `json:"tokenizer"`
		} `json:"sonde"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	out := map[string]string{"tokenizer": s.Sonde.Tokenizer.Used}
	var models []string
	for _, m := range s.Input.Models.Items {
		models = append(models, m.Name)
	}
	out["model"] = strings.Join(models, ",")
	if len(s.Input.Phases) > 0 {
		out["load"] = string(s.Input.Phases) // the phases' load shape, as the run described it
	}
	for k, v := range s.Sonde.Server {
		out["server."+k] = v
	}
	for k, v := range s.Sonde.Client {
		out["client."+k] = v
	}
	if g := gpuNames(filepath.Join(dir, "gpu_telemetry_export.json")); g != "" {
		out["gpus"] = g
	}
	buildInfo(filepath.Join(dir, "server_metrics_export.json"), out)
	return out, nil
}

// buildInfo adds the server's *_info metrics (vLLM's cache_config_info,
// python_info, …: their labels are the build and configuration) from the
// run's server-metrics export, as "metrics.<name>" = "k=v,…".
func buildInfo(path string, out map[string]string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	var s struct {
		Endpoints []struct {
			Metrics []struct {
				Name   string `json:"name"`
				Series []struct {
					Labels map[string]string `json:"labels"`
				} `json:"series"`
			} `json:"metrics"`
		} `json:"endpoints"`
	}
	if json.Unmarshal(b, &s) != nil || len(s.Endpoints) == 0 {
		return
	}
	for _, m := range s.Endpoints[0].Metrics {
		if !strings.HasSuffix(m.Name, "_info") || len(m.Series) == 0 {
			continue
		}
		var kv []string
		for _, k := range slices.Sorted(maps.Keys(m.Series[0].Labels)) {
			kv = append(kv, k+"="+m.Series[0].Labels[k])
		}
		out["metrics."+m.Name] = strings.Join(kv, ",")
	}
}

// gpuNames counts the GPUs of a telemetry file by name ("2× H100").
func gpuNames(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var v any
	if json.Unmarshal(b, &v) != nil {
		return ""
	}
	count := map[string]int{}
	var walk func(any)
	walk = func(x any) {
		switch t := x.(type) {
		case map[string]any:
			if n, ok := t["gpu_name"].(string); ok {
				count[n]++
			}
			for _, c := range t {
				walk(c)
			}
		case []any:
			for _, c := range t {
				walk(c)
			}
		}
	}
	walk(v)
	var parts []string
	for _, n := range slices.Sorted(maps.Keys(count)) {
		parts = append(parts, fmt.Sprintf("%d× %s", count[n], n))
	}
	return strings.Join(parts, ", ")
}

// Comparability says how two runs differ in what they measured: one line
// per recorded fact whose values differ (a fact recorded by one run only
// is not a difference). Nil when the fingerprints cannot be read.
func Comparability(a, b string) []string {
	fa, errA := Fingerprint(a)
	fb, errB := Fingerprint(b)
	if errA != nil || errB != nil {
		return nil
	}
	out := []string{}
	for _, k := range slices.Sorted(maps.Keys(fa)) {
		if vb, ok := fb[k]; ok && vb != fa[k] && fa[k] != "" && vb != "" {
			out = append(out, fmt.Sprintf("%s: %q against %q", k, fa[k], vb))
		}
	}
	return out
}
