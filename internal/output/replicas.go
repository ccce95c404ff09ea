package output

import (
	"context"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

// replicaSink keeps a summary per --url when a run has several: the fleet
// view (which server got which share of the load, and how it answered). It
// is a sink of the processor goroutine, never on a request's path.
type replicaSink struct {
	opts metrics.Options
	acc  map[string]*metrics.Accumulator
}

func newReplicaSink(opts metrics.Options, urls []string) *replicaSink {
	s := &replicaSink{opts: opts, acc: map[string]*metrics.Accumulator{}}
	for _, u := range urls {
		s.acc[u] = metrics.NewAccumulator(opts)
	}
	return s
}

func (s *replicaSink) Start() error { return nil }
func (s *replicaSink) Close() error { return nil }

func (s *replicaSink) Put(r *record.Record, v *metrics.Values) {
	if a := s.acc[r.URL]; a != nil {
		a.Add(r, v)
	}
}

// replicasOutput puts the fleet view into the summary (sonde.replicas),
// the console and the CSV, once the phase is over.
type replicasOutput struct {
	sink *replicaSink
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
	if run.Extra == nil {
		run.Extra = map[string]any{}
	}
	run.Extra["replicas"] = fleet.JSON()
	run.Sections = append(run.Sections, fleet.Print)
	run.CSVSections = append(append(run.CSVSections, '\n'), fleet.CSV()...)
}
