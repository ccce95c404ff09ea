package export

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/telemetry"
)

// RunDir is a run folder read back: the one reader of what a run wrote,
// typed, so every command that reads runs (summarize, merge, compare, plot,
// report, studies, kube merge) reads them alike and a file that does not
// parse is an error naming it, never a silent zero.
type RunDir struct{ Files }

// Open checks that dir is a folder and names its files with prefix (the
// run's --profile-export-prefix, "" for AIPerf's names).
func Open(dir, prefix string) (*RunDir, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", dir)
	}
	return &RunDir{Files{Dir: dir, Prefix: prefix}}, nil
}

// SummaryDoc is profile_export_aiperf.json read back: what describes the
// run, and every metric block by tag.
type SummaryDoc struct {
	SchemaVersion string          `json:"schema_version"`
	BenchmarkID   string          `json:"benchmark_id"`
	InputConfig   json.RawMessage `json:"input_config"`
	RunInfo       struct {
		RandomSeed uint64 `json:"random_seed"`
		CLICommand string `json:"cli_command"`
	} `json:"run_info"`
	WasCancelled bool   `json:"was_cancelled"`
	StartTime    string `json:"start_time"`
	EndTime      string `json:"end_time"`
	ErrorSummary []struct {
		Details struct {
			Code    int    `json:"code"`
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error_details"`
		Count int `json:"count"`
	} `json:"error_summary"`
	Sonde struct {
		Options  json.RawMessage   `json:"options"`
		Warnings []string          `json:"warnings"`
		PerTurn  []json.RawMessage `json:"per_turn"`
		Shard    *ShardID          `json:"shard"`
		// Accuracy is sonde.accuracy's overall line (nil: nothing graded).
		Accuracy *struct {
			Overall struct {
				Total    int     `json:"total"`
				Accuracy float64 `json:"accuracy"`
				CILow    float64 `json:"ci_low"`
				CIHigh   float64 `json:"ci_high"`
			} `json:"overall"`
		} `json:"accuracy"`
	} `json:"sonde"`
	// Metrics are the blocks with a unit, by tag: each statistic by name
	// (avg, p50, …, count, sum).
	Metrics map[string]MetricBlock `json:"-"`
	// Turns are sonde.per_turn: each turn index's counts and metrics.
	Turns []TurnDoc `json:"-"`
}

// TurnDoc is one turn index of sonde.per_turn.
type TurnDoc struct {
	Index, Requests, Errors int
	Metrics                 map[string]MetricBlock
}

// MetricBlock is one metric of a summary.
type MetricBlock struct {
	Unit  string
	Stats map[string]float64
}

// Value is the block's statistic stat, if present.
func (m MetricBlock) Value(stat string) (float64, bool) {
	x, ok := m.Stats[stat]
	return x, ok
}

// HasSummary reports whether the run's summary was written.
func (d *RunDir) HasSummary() bool {
	_, err := os.Stat(d.SummaryJSON())
	return err == nil
}

// Summary reads the summary; an error wrapping os.ErrNotExist when the run
// wrote none (it was killed: Rebuild makes it from the records).
func (d *RunDir) Summary() (*SummaryDoc, error) {
	b, err := os.ReadFile(d.SummaryJSON())
	if err != nil {
		return nil, err
	}
	var doc SummaryDoc
	var blocks map[string]json.RawMessage
	if err := errors.Join(json.Unmarshal(b, &doc), json.Unmarshal(b, &blocks)); err != nil {
		return nil, fmt.Errorf("%s: %w", d.SummaryJSON(), err)
	}
	doc.Metrics = metricBlocks(blocks)
	for _, raw := range doc.Sonde.PerTurn {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil {
			return nil, fmt.Errorf("%s: sonde.per_turn: %w", d.SummaryJSON(), err)
		}
		var t TurnDoc
		json.Unmarshal(fields["turn_index"], &t.Index)
		json.Unmarshal(fields["request_count"], &t.Requests)
		json.Unmarshal(fields["error_request_count"], &t.Errors)
		t.Metrics = metricBlocks(fields)
		doc.Turns = append(doc.Turns, t)
	}
	if len(doc.InputConfig) == 0 {
		doc.InputConfig = json.RawMessage("{}")
	}
	return &doc, nil
}

// metricBlocks are the fields that are metric blocks (objects with a
// unit), by tag; run_info, sonde, input_config and the like are not.
func metricBlocks(fields map[string]json.RawMessage) map[string]MetricBlock {
	out := map[string]MetricBlock{}
	for tag, raw := range fields {
		var block map[string]any
		if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &block) != nil {
			continue
		}
		unit, ok := block["unit"].(string)
		if !ok {
			continue
		}
		m := MetricBlock{Unit: unit, Stats: map[string]float64{}}
		for stat, v := range block {
			if x, ok := v.(float64); ok {
				m.Stats[stat] = x
			}
		}
		out[tag] = m
	}
	return out
}

// options are the run's sonde options, nil when there were none.
func (s *SummaryDoc) options() any {
	if len(s.Sonde.Options) == 0 {
		return nil
	}
	return s.Sonde.Options
}

// Records reads the profile_export.jsonl records (ReadRecords).
func (d *RunDir) Records(fn func(r *record.Record, v *metrics.Values)) (truncated int, err error) {
	return ReadRecords(d.Files.Records(), fn)
}

// ServerMetrics reads server_metrics_export.json; nil and no error when the
// run collected none.
func (d *RunDir) ServerMetrics() (*telemetry.Result, error) {
	b, err := os.ReadFile(d.ServerMetricsJSON())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r telemetry.Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", d.ServerMetricsJSON(), err)
	}
	return &r, nil
}

// GPUs reads gpu_telemetry_export.json's GPUs, each with its endpoint; nil
// and no error when the run collected none.
func (d *RunDir) GPUs() ([]telemetry.GPU, error) {
	b, err := os.ReadFile(d.GPUTelemetryJSON())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	gpus, err := telemetry.ParseGPUJSON(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.GPUTelemetryJSON(), err)
	}
	return gpus, nil
}
