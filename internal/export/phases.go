package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"

	"github.com/sonde-bench/sonde/internal/metrics"
)

// PhasePart is one profiling phase of a run of several (--phase): its
// name, its load in words, and its own summary.
type PhasePart struct {
	Name, Load string
	Summary    *metrics.Summary
}

// Phases is the view over a run's profiling phases: the run's summary
// covers them all (AIPerf's), and each has its own beside it.
type Phases []PhasePart

// JSON is sonde.phases: one entry per phase, in order, its metrics in the
// summary's own shape.
func (ps Phases) JSON() json.RawMessage {
	items := make([]json.RawMessage, 0, len(ps))
	for _, p := range ps {
		items = append(items, partJSON("name", p.Name, p.Summary, func(o *orderedJSON) { o.add("load", p.Load) }))
	}
	b, _ := json.Marshal(items)
	return b
}

var phasesHeader = append([]string{"phase", "load", "requests", "errors"}, headlineHeader...)

func (ps Phases) rows() [][]string {
	var out [][]string
	for _, p := range ps {
		out = append(out, append([]string{p.Name, p.Load, fmt.Sprint(p.Summary.RequestCount), fmt.Sprint(p.Summary.ErrorCount)}, headlineCells(p.Summary)...))
	}
	return out
}

// Print is the console's phases section.
func (ps Phases) Print(w io.Writer) {
	fmt.Fprintf(w, "\nsonde | Phases (%d; the results above cover them all)\n", len(ps))
	printTable(w, phasesHeader, ps.rows())
}

// CSV is the phases' section of the summary CSV.
func (ps Phases) CSV() []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(phasesHeader)
	w.WriteAll(ps.rows())
	w.Flush()
	return buf.Bytes()
}
