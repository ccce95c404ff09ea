// Package export writes a run's results in AIPerf's formats:
// profile_export_aiperf.json and .csv, profile_export.jsonl, inputs.json,
// and the console tables.
package export

import (
	"path/filepath"
	"strings"
)

// Files names the export files of a run, honouring --profile-export-prefix.
type Files struct {
	Dir    string
	Prefix string // "" for AIPerf's default names
}

func (f Files) path(def, suffix string) string {
	if f.Prefix == "" {
		return filepath.Join(f.Dir, def)
	}
	p := strings.TrimSuffix(f.Prefix, filepath.Ext(f.Prefix))
	return filepath.Join(f.Dir, p+suffix)
}

// SummaryJSON is profile_export_aiperf.json (or <prefix>.json).
func (f Files) SummaryJSON() string { return f.path("profile_export_aiperf.json", ".json") }

// SummaryCSV is profile_export_aiperf.csv (or <prefix>.csv).
func (f Files) SummaryCSV() string { return f.path("profile_export_aiperf.csv", ".csv") }

// TurnsCSV is sonde's per-turn table.
func (f Files) TurnsCSV() string { return f.path("profile_export_aiperf_turns.csv", "_turns.csv") }

// Records is profile_export.jsonl (or <prefix>.jsonl).
func (f Files) Records() string { return f.path("profile_export.jsonl", ".jsonl") }

// Raw is profile_export_raw.jsonl (or <prefix>_raw.jsonl).
func (f Files) Raw() string { return f.path("profile_export_raw.jsonl", "_raw.jsonl") }

// Inputs is inputs.json.
func (f Files) Inputs() string { return filepath.Join(f.Dir, "inputs.json") }

// Log is logs/aiperf.log, where AIPerf keeps its log.
func (f Files) Log() string { return filepath.Join(f.Dir, "logs", "aiperf.log") }

// AccuracyCSV is accuracy_results.csv, with --accuracy-benchmark.
func (f Files) AccuracyCSV() string { return filepath.Join(f.Dir, "accuracy_results.csv") }

// AccuracyJSONL is accuracy_export.jsonl (or <prefix>_accuracy.jsonl):
// every graded answer.
func (f Files) AccuracyJSONL() string { return f.path("accuracy_export.jsonl", "_accuracy.jsonl") }

// TimeslicesJSON is profile_export_aiperf_timeslices.json (or
// <prefix>_timeslices.json), with --slice-duration.
func (f Files) TimeslicesJSON() string {
	return f.path("profile_export_aiperf_timeslices.json", "_timeslices.json")
}

// TimeslicesCSV is profile_export_aiperf_timeslices.csv.
func (f Files) TimeslicesCSV() string {
	return f.path("profile_export_aiperf_timeslices.csv", "_timeslices.csv")
}

// ServerMetricsJSON is server_metrics_export.json (or <prefix>_server_metrics.json).
func (f Files) ServerMetricsJSON() string {
	return f.path("server_metrics_export.json", "_server_metrics.json")
}

// ServerMetricsCSV is server_metrics_export.csv.
func (f Files) ServerMetricsCSV() string {
	return f.path("server_metrics_export.csv", "_server_metrics.csv")
}

// ServerMetricsJSONL is server_metrics_export.jsonl: every scrape.
func (f Files) ServerMetricsJSONL() string {
	return f.path("server_metrics_export.jsonl", "_server_metrics.jsonl")
}

// GPUTelemetryJSON is gpu_telemetry_export.json.
func (f Files) GPUTelemetryJSON() string {
	return f.path("gpu_telemetry_export.json", "_gpu_telemetry.json")
}

// GPUTelemetryJSONL is gpu_telemetry_export.jsonl: every GPU scrape.
func (f Files) GPUTelemetryJSONL() string {
	return f.path("gpu_telemetry_export.jsonl", "_gpu_telemetry.jsonl")
}

// GPUTelemetryCSV is gpu_telemetry_export.csv.
func (f Files) GPUTelemetryCSV() string {
	return f.path("gpu_telemetry_export.csv", "_gpu_telemetry.csv")
}

// NetworkLatency is profile_export_network_latency.jsonl.
func (f Files) NetworkLatency() string {
	return f.path("profile_export_network_latency.jsonl", "_network_latency.jsonl")
}

// TTFTSplit is profile_export_ttft_split.jsonl: each request's TTFT split
// by the server's span of it (--collect-server-traces).
func (f Files) TTFTSplit() string {
	return f.path("profile_export_ttft_split.jsonl", "_ttft_split.jsonl")
}

// MLflowExport is mlflow_export.json: which MLflow run holds this one.
func (f Files) MLflowExport() string { return filepath.Join(f.Dir, "mlflow_export.json") }

// AdaptiveEvents is adaptive_scale_events.jsonl: what adaptive scale did
// after each window (AIPerf's name).
func (f Files) AdaptiveEvents() string { return filepath.Join(f.Dir, "adaptive_scale_events.jsonl") }

// AdaptiveSummary is adaptive_scale_summary.json: the boundary found.
func (f Files) AdaptiveSummary() string { return filepath.Join(f.Dir, "adaptive_scale_summary.json") }
