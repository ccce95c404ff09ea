// Package tracker sends a finished run to the experiment trackers teams
// keep their results in, as AIPerf does: MLflow (its REST API: experiment,
// run, params, metrics, tags, a parent run, artifacts by glob) and Weights
// & Biases (its HTTP API: the run with its config, tags and summary, and
// the run's files). It runs after every file of the run is written, off
// the measurement; credentials come from the environment and never reach
// a file. A tracker that fails is a warning: the run stands.
package tracker

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sonde-bench/sonde/internal/export"
)

// Run is what a tracker is told of a finished run.
type Run struct {
	Files       export.Files // the run's folder and names
	BenchmarkID string
	Version     string
	Cancelled   bool
	StartMs     int64 // wall clock, Unix ms
	EndMs       int64
	// Params are the run's settings, already redacted (MLflow params, W&B
	// config).
	Params map[string]string
	// Config is the run's input_config, redacted (W&B's config).
	Config any
}

// stats are the statistics of a summary metric sent as tracker metrics:
// avg under the metric's own name, the others as name.stat (AIPerf's keys).
var stats = []string{"avg", "p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "min", "max", "std"}

// system are the prefixes of diagnostic metrics, which go under MLflow's
// system/ namespace as AIPerf puts them: HTTP timings, usage counts and
// their differences, output-length targets and mismatches.
var system = []string{"http_req_", "usage_", "total_usage_", "osl_mismatch", "requested_osl"}

// Metrics flattens a summary JSON (AIPerf's schema) into tracker metrics:
// every statistic of every metric block, plus aiperf.completed_requests.
func Metrics(summaryJSON []byte, systemPrefix string) (map[string]float64, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(summaryJSON, &doc); err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for tag, raw := range doc {
		var block map[string]any
		if json.Unmarshal(raw, &block) != nil || block["unit"] == nil {
			continue
		}
		key := tag
		if slices.ContainsFunc(system, func(p string) bool { return strings.HasPrefix(tag, p) }) {
			key = systemPrefix + tag
		}
		for _, st := range stats {
			x, ok := block[st].(float64)
			if !ok || math.IsNaN(x) || math.IsInf(x, 0) {
				continue
			}
			if st == "avg" {
				out[key] = x
			} else {
				out[key+"."+st] = x
			}
		}
	}
	if n, ok := out["request_count"]; ok {
		out["aiperf.completed_requests"] = n
	}
	return out, nil
}

// Artifacts are the files of dir that globs match (relative to dir; "**/"
// also matches in every subfolder), each once, in order.
func Artifacts(dir string, globs []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, g := range globs {
		var matches []string
		if rest, ok := strings.CutPrefix(g, "**/"); ok {
			err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				if m, _ := filepath.Match(rest, d.Name()); m {
					matches = append(matches, path)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		} else {
			m, err := filepath.Glob(filepath.Join(dir, g))
			if err != nil {
				return nil, fmt.Errorf("artifact glob %q: %w", g, err)
			}
			matches = m
		}
		slices.Sort(matches)
		for _, m := range matches {
			rel, _ := filepath.Rel(dir, m)
			if st, err := os.Stat(m); err != nil || st.IsDir() || seen[rel] {
				continue
			}
			seen[rel] = true
			out = append(out, filepath.ToSlash(rel))
		}
	}
	return out, nil
}

// DefaultGlobs are AIPerf's artifacts: the exports and the plots.
func DefaultGlobs() []string {
	return []string{"*.json", "*.csv", "*.jsonl", "*.parquet", "*_timeslices.*", "**/*.png", "**/*.jpg", "**/*.jpeg", "**/*.svg", "**/*.html"}
}

// metrics reads the run's summary as tracker metrics.
func (r Run) metrics(systemPrefix string) (map[string]float64, error) {
	b, err := os.ReadFile(r.Files.SummaryJSON())
	if err != nil {
		return nil, err
	}
	m, err := Metrics(b, systemPrefix)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Files.SummaryJSON(), err)
	}
	return m, nil
}

// shortID is the benchmark id's first 8 characters, as AIPerf names runs.
func (r Run) shortID() string { return r.BenchmarkID[:min(8, len(r.BenchmarkID))] }

// runName is the tracker run's name: the one given, else sonde-<shortID>.
func (r Run) runName(given string) string {
	if given != "" {
		return given
	}
	return "sonde-" + r.shortID()
}
