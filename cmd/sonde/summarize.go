package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/export"
)

// summarizeCmd is `sonde summarize DIR`: it rebuilds every summary export
// of a run from its profile_export.jsonl alone, so a run killed before it
// could write them (kill -9, the OOM killer, a lost machine) is not lost.
type summarizeCmd struct {
	Dir     string `arg:"" type:"existingdir" help:"Run folder holding profile_export.jsonl."`
	Goodput string `name:"goodput" help:"SLOs for goodput, as for 'sonde profile --goodput' (the run's own are not in the records)."`
	Prefix  string `name:"profile-export-prefix" help:"The run's --profile-export-prefix, if it had one."`
}

func (c *summarizeCmd) run(e env) error {
	files := export.Files{Dir: c.Dir, Prefix: c.Prefix}
	rb, err := export.ReadRuns([]export.Files{files}, c.Goodput)
	if err != nil {
		return usageError{Err: fmt.Errorf("sonde summarize: %w", err)}
	}
	s := rb.Acc.Summary()
	prev := previousSummary(files.SummaryJSON())
	run := &export.Run{InputConfig: prev.InputConfig, Options: prev.options(), BenchmarkID: prev.BenchmarkID, Seed: prev.RunInfo.RandomSeed,
		CLICommand: config.RedactArgs(e.Args), Version: version,
		Warnings: append(s.Warnings, fmt.Sprintf("Rebuilt by sonde summarize from %s (%d records).", files.Records(), rb.Records))}
	if rb.Truncated > 0 {
		run.Warnings = append(run.Warnings, "The last line of the records file was cut short (the run was killed) and was skipped.")
	}
	if s.MinRequestNs > 0 {
		run.StartTime, run.EndTime = time.Unix(0, s.MinRequestNs), time.Unix(0, s.MaxResponseNs)
	}
	written, err := export.WriteSummaries(files, s, run)
	export.Report(e.Stdout, files, s, run, written)
	return err
}

// earlier is what a summary written earlier says about its run.
type earlier struct {
	BenchmarkID string          `json:"benchmark_id"`
	InputConfig json.RawMessage `json:"input_config"`
	RunInfo     struct {
		RandomSeed uint64 `json:"random_seed"`
	} `json:"run_info"`
	Sonde struct {
		Options json.RawMessage `json:"options"`
	} `json:"sonde"`
}

// previousSummary keeps the configuration, identifier and seed of a
// summary written earlier, if any: they describe the run, which a rebuild
// does not change.
func previousSummary(path string) earlier {
	var prev earlier
	if b, err := os.ReadFile(filepath.Clean(path)); err == nil {
		json.Unmarshal(b, &prev)
	}
	if len(prev.InputConfig) == 0 {
		prev.InputConfig = json.RawMessage("{}")
	}
	return prev
}

// options are the earlier run's sonde options, nil when there were none.
func (e earlier) options() any {
	if len(e.Sonde.Options) == 0 {
		return nil
	}
	return e.Sonde.Options
}
