// Package pipeline owns the records' way from the engine to the exports:
// the processor (token counts, ISL with history, metric values) and the
// sinks it feeds, with one lifecycle — Start before the run, Put for each
// record on the processor goroutine, Close after it, every failure joined.
package pipeline

import (
	"errors"
	"fmt"

	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

// Sink receives each processed profiling record. Start opens what it writes
// to, before the run; Put runs on the processor goroutine, never on a request
// goroutine; Close flushes and reports what could not be written.
type Sink interface {
	Start() error
	Put(r *record.Record, v *metrics.Values)
	Close() error
}

// Export levels (--export-level) and the streamed exports each writes.
const (
	LevelSummary = "summary" // no per-request files
	LevelRecords = "records" // profile_export.jsonl
	LevelRaw     = "raw"     // and profile_export_raw.jsonl and outputs.json
)

// Streams names the streamed exports of an export level; outputs adds
// outputs.json (--export-outputs-json).
func Streams(level string, outputs bool) []string {
	var names []string
	if level != LevelSummary {
		names = append(names, "records")
	}
	if level == LevelRaw {
		names = append(names, "raw")
	}
	if outputs || level == LevelRaw {
		names = append(names, "outputs")
	}
	return names
}

// Exporter builds a streamed export by name.
func Exporter(name string, files export.Files) (Sink, error) {
	switch name {
	case "records":
		return export.NewRecordWriter(files.Records()), nil
	case "raw":
		return export.NewRawWriter(files.Raw()), nil
	case "outputs":
		return export.NewOutputsSink(files.Outputs()), nil
	}
	return nil, fmt.Errorf("no exporter named %q", name)
}

// Accumulate is the summary's sink: it feeds a metrics.Accumulator.
type Accumulate struct{ *metrics.Accumulator }

func (a Accumulate) Start() error                            { return nil }
func (a Accumulate) Put(r *record.Record, v *metrics.Values) { a.Add(r, v) }
func (a Accumulate) Close() error                            { return nil }

// Slices feeds the time slices (--slice-duration).
type Slices struct{ *metrics.Slicer }

func (s Slices) Start() error                            { return nil }
func (s Slices) Put(r *record.Record, v *metrics.Values) { s.Add(r, v) }
func (s Slices) Close() error                            { return nil }

// Start starts every sink in order; if one fails, those started are closed
// and the failure is returned.
func Start(sinks []Sink) error {
	for i, s := range sinks {
		if err := s.Start(); err != nil {
			Close(sinks[:i])
			return err
		}
	}
	return nil
}

// Close closes every sink, in order, and returns every failure joined.
func Close(sinks []Sink) error {
	var errs []error
	for _, s := range sinks {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}
