package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/telemetry"
)

// RebuildOptions say what a rebuilt or merged run's summary records of how
// it was made.
type RebuildOptions struct {
	Goodput    string // SLOs for goodput (the run's own are not in the records)
	CLICommand string // redacted
	Version    string
	// AllowPartial merges shards of a run with some missing (a warning in
	// the merged summary says which); without it that is an error.
	AllowPartial bool
}

// Rebuilt run: its summary and description, and which summaries were
// written (for the console Report).
type Result struct {
	Summary *metrics.Summary
	Run     *Run
	Written map[string]bool
}

// Rebuild writes every summary of d again from its records alone, keeping
// the configuration, identifier and seed an earlier summary gave, if any:
// a run killed before it could write them (kill -9, the OOM killer) is not
// lost.
func Rebuild(d *RunDir, o RebuildOptions) (*Result, error) {
	rb, err := ReadRuns([]Files{d.Files}, o.Goodput)
	if err != nil {
		return nil, err
	}
	s := rb.Acc.Summary()
	prev := previous(d)
	run := &Run{InputConfig: prev.InputConfig, Options: prev.options(), BenchmarkID: prev.BenchmarkID, Seed: prev.RunInfo.RandomSeed,
		CLICommand: o.CLICommand, Version: o.Version,
		Warnings: append(s.Warnings, fmt.Sprintf("Rebuilt by sonde summarize from %s (%d records).", d.Files.Records(), rb.Records))}
	if rb.Truncated > 0 {
		run.Warnings = append(run.Warnings, "The last line of the records file was cut short (the run was killed) and was skipped.")
	}
	setWindow(run, s)
	written, err := WriteSummaries(d.Files, s, run)
	return &Result{s, run, written}, err
}

// Merge writes into out the run that the shards measured together: the
// records concatenated, every statistic computed from their union (never
// an average of the shards' statistics), the server's metrics per endpoint
// and the GPUs per (endpoint, GPU index), each from the first shard that
// has it (every shard watched the same servers over the same window), and
// the GPUs' totals over that union.
func Merge(shards []*RunDir, out *RunDir, o RebuildOptions) (*Result, error) {
	partial, err := checkShards(shards, out.Files, o.AllowPartial)
	if err != nil {
		return nil, err
	}
	var files []Files
	for _, d := range shards {
		files = append(files, d.Files)
	}
	rb, err := ReadRuns(files, o.Goodput)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(out.Dir, 0o755); err != nil {
		return nil, err
	}
	if err := concatRecords(files, out.Files.Records()); err != nil {
		return nil, err
	}
	s := rb.Acc.Summary()
	first := previous(shards[0])
	run := &Run{InputConfig: first.InputConfig, Options: first.options(), Seed: first.RunInfo.RandomSeed,
		CLICommand: o.CLICommand, Version: o.Version, Extra: map[string]any{"shards": rb.PerRun},
		Warnings: append(append(s.Warnings, fmt.Sprintf("Merged by sonde merge from %d shards (%d records).", len(shards), rb.Records)), partial...)}
	for i, d := range shards[1:] {
		if w := sameConfig(first, previous(d)); w != "" {
			run.Warnings = append(run.Warnings, fmt.Sprintf("%s and %s: %s", shards[0].Dir, shards[i+1].Dir, w))
		}
	}
	if rb.Truncated > 0 {
		run.Warnings = append(run.Warnings, fmt.Sprintf("%d records files ended in a line cut short (a shard was killed); those lines were skipped.", rb.Truncated))
	}
	setWindow(run, s)
	gpus, err := mergeGPUs(shards)
	if err != nil {
		return nil, err
	}
	joules, watts, hasEnergy := telemetry.Energy(gpus)
	if hasEnergy {
		s.AddEnergy(joules)
	}
	written, err := WriteSummaries(out.Files, s, run)
	errs := []error{err, mergeServerMetrics(shards, out)}
	if gpus != nil {
		errs = append(errs, WriteFile(out.GPUTelemetryJSON(), telemetry.GPUJSON(gpus, joules, watts)),
			WriteFile(out.GPUTelemetryCSV(), telemetry.GPUCSV(gpus)))
	}
	return &Result{s, run, written}, errors.Join(errs...)
}

// previous is what an earlier summary says of its run; an empty
// configuration when there is none (a killed run).
func previous(d *RunDir) *SummaryDoc {
	if s, err := d.Summary(); err == nil {
		return s
	}
	return &SummaryDoc{InputConfig: json.RawMessage("{}")}
}

func setWindow(run *Run, s *metrics.Summary) {
	if s.MinRequestNs > 0 {
		run.StartTime, run.EndTime = time.Unix(0, s.MinRequestNs), time.Unix(0, s.MaxResponseNs)
	}
}

// mergeServerMetrics keeps each endpoint once, from the first shard that
// scraped it, and writes the merged JSON and CSV.
func mergeServerMetrics(shards []*RunDir, out *RunDir) error {
	var merged *telemetry.Result
	seen := map[string]bool{}
	for _, d := range shards {
		r, err := d.ServerMetrics()
		if err != nil {
			return err
		}
		if r == nil {
			continue
		}
		if merged == nil {
			merged = &telemetry.Result{}
		}
		for _, e := range r.Endpoints {
			if !seen[e.URL] {
				seen[e.URL] = true
				merged.Endpoints = append(merged.Endpoints, e)
			}
		}
	}
	if merged == nil {
		return nil
	}
	return errors.Join(WriteFile(out.ServerMetricsJSON(), telemetry.ServerJSON(merged)),
		WriteFile(out.ServerMetricsCSV(), telemetry.ServerCSV(merged)))
}

// mergeGPUs keeps each GPU, by endpoint and index, from the first shard
// that watched it: the shards watched the same GPUs, which must be counted
// once, while GPUs behind different endpoints are different GPUs.
func mergeGPUs(shards []*RunDir) ([]telemetry.GPU, error) {
	type key struct {
		endpoint string
		index    int
	}
	seen := map[key]bool{}
	var out []telemetry.GPU
	for _, d := range shards {
		gpus, err := d.GPUs()
		if err != nil {
			return nil, err
		}
		for _, g := range gpus {
			if k := (key{g.Endpoint, g.Index}); !seen[k] {
				seen[k] = true
				out = append(out, g)
			}
		}
	}
	return out, nil
}

// sameConfig says how two shards' configurations differ, ignoring where
// each wrote its files; "" when they ran the same one.
func sameConfig(a, b *SummaryDoc) string {
	norm := func(raw json.RawMessage) []byte {
		var m map[string]any
		if json.Unmarshal(raw, &m) != nil {
			return raw
		}
		delete(m, "artifacts")
		out, _ := json.Marshal(m)
		return out
	}
	if !bytes.Equal(norm(a.InputConfig), norm(b.InputConfig)) {
		return "the shards ran different configurations (input_config differs): the merge mixes them"
	}
	if a.RunInfo.RandomSeed != b.RunInfo.RandomSeed {
		return fmt.Sprintf("the shards used different seeds (%d and %d): together they did not send one workload", a.RunInfo.RandomSeed, b.RunInfo.RandomSeed)
	}
	return ""
}

// concatRecords writes every shard's records into one profile_export.jsonl,
// whole or not at all.
func concatRecords(runs []Files, path string) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	err = func() error {
		for _, r := range runs {
			in, err := os.Open(filepath.Clean(r.Records()))
			if err != nil {
				return err
			}
			_, err = io.Copy(f, in)
			in.Close()
			if err != nil {
				return err
			}
		}
		return nil
	}()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}
