package export

import (
	"errors"
	"fmt"
	"io"

	"github.com/sonde-bench/sonde/internal/metrics"
)

// WriteSummaries writes the small summary files — the JSON, the CSV and the
// per-turn CSV — each whole or not at all, and returns those written and
// every failure joined. They go first at the end of a run, so that a disk
// filled by a streamed export still gets them.
func WriteSummaries(files Files, s *metrics.Summary, run *Run) (written map[string]bool, err error) {
	written = map[string]bool{}
	var errs []error
	for _, f := range []struct {
		path string
		data []byte
	}{{files.SummaryJSON(), SummaryJSON(s, run)}, {files.SummaryCSV(), append(SummaryCSV(s), run.CSVSections...)}, {files.TurnsCSV(), TurnsCSV(s)}} {
		if err := WriteFile(f.path, f.data); err != nil {
			errs = append(errs, fmt.Errorf("writing %s: %w", f.path, err))
			continue
		}
		written[f.path] = true
	}
	return written, errors.Join(errs...)
}

// Report prints the console summary: the tables, the warnings, the command
// and the files — naming only those written.
func Report(w io.Writer, files Files, s *metrics.Summary, run *Run, written map[string]bool) {
	Console(w, s)
	for _, section := range run.Sections {
		section(w)
	}
	Warnings(w, run.Warnings)
	fmt.Fprintf(w, "\nCLI Command: %s\n", run.CLICommand)
	fmt.Fprintf(w, "Benchmark Duration: %.2f sec\n", s.DurationSec)
	for _, f := range []struct{ label, path string }{{"CSV Export", files.SummaryCSV()}, {"JSON Export", files.SummaryJSON()}} {
		if written[f.path] {
			fmt.Fprintf(w, "%s: %s\n", f.label, f.path)
		} else {
			fmt.Fprintf(w, "%s: not written (see the errors above)\n", f.label)
		}
	}
	fmt.Fprintf(w, "Log File: %s\n", files.Log())
}
