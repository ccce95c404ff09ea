package output

import (
	"context"
	"io"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

// groupSink keeps a summary per group of records: per --url when a run
// has several (the fleet view: which server got which share of the load,
// and how it answered), per profiling phase when it has several. It is a
// sink of the processor goroutine, never on a request's path.
type groupSink struct {
	key func(*record.Record) string
	acc map[string]*metrics.Accumulator
}

func newGroupSink(opts metrics.Options, keys []string, key func(*record.Record) string) *groupSink {
	s := &groupSink{key: key, acc: map[string]*metrics.Accumulator{}}
	for _, k := range keys {
		s.acc[k] = metrics.NewAccumulator(opts)
	}
	return s
}

func (s *groupSink) Start() error { return nil }
func (s *groupSink) Close() error { return nil }

func (s *groupSink) Put(r *record.Record, v *metrics.Values) {
	if a := s.acc[s.key(r)]; a != nil {
		a.Add(r, v)
	}
}

// replicasOutput puts the fleet view into the summary (sonde.replicas),
// the console and the CSV, once the phase is over.
type replicasOutput struct {
	sink *groupSink
	urls []string
}

func (o *replicasOutput) Start(context.Context) error { return nil }
func (o *replicasOutput) Stop() error                 { return nil }

func (o *replicasOutput) Contribute(_ *metrics.Summary, run *export.Run) {
	var rs []export.Replica
	for _, u := range o.urls {
		rs = append(rs, export.Replica{URL: config.RedactURL(u), Summary: o.sink.acc[u].Summary()})
	}
	fleet := export.NewFleet(rs)
	addSection(run, "replicas", fleet.JSON(), fleet.Print, fleet.CSV())
}

// addSection adds a view to the run's files: sonde.<key> in the summary
// JSON, a console section, and a CSV section (none when csv is nil).
func addSection(run *export.Run, key string, v any, print func(io.Writer), csv []byte) {
	if run.Extra == nil {
		run.Extra = map[string]any{}
	}
	run.Extra[key] = v
	run.Sections = append(run.Sections, print)
	if csv != nil {
		run.CSVSections = append(append(run.CSVSections, '\n'), csv...)
	}
}

// phasesOutput puts a summary per profiling phase into the summary
// (sonde.phases), the console and the CSV, once the run is over.
type phasesOutput struct {
	sink  *groupSink
	names []string
	loads []string // each phase's load in words
}

func (o *phasesOutput) Start(context.Context) error { return nil }
func (o *phasesOutput) Stop() error                 { return nil }

func (o *phasesOutput) Contribute(_ *metrics.Summary, run *export.Run) {
	var t export.Phases
	for i, n := range o.names {
		t = append(t, export.PhasePart{Name: n, Load: o.loads[i], Summary: o.sink.acc[n].Summary()})
	}
	addSection(run, "phases", t.JSON(), t.Print, t.CSV())
}
