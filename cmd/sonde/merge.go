package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/export"
)

// mergeCmd is `sonde merge DIR… -o OUT`: the shards of one run (each a run
// folder) become one run folder with the files a single run writes,
// computed from the union of their records.
type mergeCmd struct {
	Dirs    []string `arg:"" type:"existingdir" help:"The shards' run folders."`
	Out     string   `name:"output" short:"o" required:"" placeholder:"DIR" help:"The merged run's folder."`
	Goodput string   `name:"goodput" help:"SLOs for goodput, as for 'sonde profile --goodput'."`
	Prefix  string   `name:"profile-export-prefix" help:"The shards' --profile-export-prefix, if any."`
}

func (c *mergeCmd) run(e env) error {
	var runs []export.Files
	for _, d := range c.Dirs {
		runs = append(runs, export.Files{Dir: d, Prefix: c.Prefix})
	}
	rb, err := export.ReadRuns(runs, c.Goodput)
	if err != nil {
		return usageError{Err: fmt.Errorf("sonde merge: %w", err)}
	}
	out := export.Files{Dir: c.Out, Prefix: c.Prefix}
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return err
	}
	if err := concatRecords(runs, out.Records()); err != nil {
		return err
	}
	s := rb.Acc.Summary()
	first := previousSummary(runs[0].SummaryJSON())
	run := &export.Run{InputConfig: first.InputConfig, Options: first.options(), Seed: first.RunInfo.RandomSeed,
		CLICommand: config.RedactArgs(e.Args), Version: version, Extra: map[string]any{"shards": rb.PerRun},
		Warnings: append(s.Warnings, fmt.Sprintf("Merged by sonde merge from %d shards (%d records).", len(runs), rb.Records))}
	for i, r := range runs[1:] {
		if w := sameConfig(first, previousSummary(r.SummaryJSON())); w != "" {
			run.Warnings = append(run.Warnings, fmt.Sprintf("%s and %s: %s", runs[0].Dir, runs[i+1].Dir, w))
		}
	}
	if rb.Truncated > 0 {
		run.Warnings = append(run.Warnings, fmt.Sprintf("%d records files ended in a line cut short (a shard was killed); those lines were skipped.", rb.Truncated))
	}
	if s.MinRequestNs > 0 {
		run.StartTime, run.EndTime = time.Unix(0, s.MinRequestNs), time.Unix(0, s.MaxResponseNs)
	}
	written, err := export.WriteSummaries(out, s, run)
	export.Report(e.Stdout, out, s, run, written)
	return errors.Join(err, mergeByEndpoint(runs, out.ServerMetricsJSON(), "endpoints", func(f export.Files) string { return f.ServerMetricsJSON() }),
		mergeByEndpoint(runs, out.GPUTelemetryJSON(), "gpus", func(f export.Files) string { return f.GPUTelemetryJSON() }))
}

// mergeByEndpoint merges the shards' server-metrics (or GPU telemetry)
// files: every shard watched the same servers over the same window, so
// each endpoint (each endpoint's GPU) is taken from the first shard that
// has it, and endpoints only some shards reached are kept too.
func mergeByEndpoint(runs []export.Files, out, list string, name func(export.Files) string) error {
	var merged map[string]any
	seen := map[string]bool{}
	var items []any
	for _, r := range runs {
		data, err := os.ReadFile(filepath.Clean(name(r)))
		if err != nil {
			continue // no such file: nothing was collected there
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			return fmt.Errorf("%s: %w", name(r), err)
		}
		if merged == nil {
			merged = doc
		}
		entries, _ := doc[list].([]any)
		for _, it := range entries {
			m, _ := it.(map[string]any)
			key := fmt.Sprint(m["endpoint_url"], "#", m["gpu_index"])
			if !seen[key] {
				seen[key] = true
				items = append(items, it)
			}
		}
	}
	if merged == nil {
		return nil
	}
	merged[list] = items
	b, err := json.MarshalIndent(merged, "", "  ")
	if err != nil {
		return err
	}
	return export.WriteFile(out, append(b, '\n'))
}

// sameConfig says how two shards' configurations differ, ignoring where
// each wrote its files; "" when they ran the same one.
func sameConfig(a, b earlier) string {
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

// concatRecords writes every shard's records into one profile_export.jsonl.
func concatRecords(runs []export.Files, path string) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	for _, r := range runs {
		in, err := os.Open(filepath.Clean(r.Records()))
		if err != nil {
			f.Close()
			os.Remove(tmp)
			return err
		}
		_, err = io.Copy(f, in)
		in.Close()
		if err != nil {
			f.Close()
			os.Remove(tmp)
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
