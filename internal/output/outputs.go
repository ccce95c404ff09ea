package output

import (
	"context"
	"errors"

	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
)

// An Output watches the profiling phase beside the requests, never on
// their path: the server's metrics and GPUs, the network round trips, the
// time slices. It is started just before the phase and stopped once every
// response is in. Like k6's output manager, a run holds them in one list:
// started in order, all stopped in the same order (also when one failed to
// start), their errors joined; any failure makes the run exit 1 once every
// other output has done its part. (The streamed record exports are the
// pipeline's sinks, with the same Start and Close: they close after the
// summaries, which are written first.)
type Output interface {
	Start(ctx context.Context) error
	Stop() error
}

// A Contributor adds what it saw to the summary and the run's description
// before they are written.
type Contributor interface {
	Contribute(s *metrics.Summary, run *export.Run)
}

// A FileWriter writes its own files after the summaries (summaries first:
// they are what a full disk must not cost).
type FileWriter interface {
	Write() error
}

// List is a run's outputs, in the order they start.
type List []Output

// Start starts each output in order; when one fails, those started are
// stopped and every error is returned.
func (l List) Start(ctx context.Context) error {
	for i, o := range l {
		if err := o.Start(ctx); err != nil {
			return errors.Join(err, l[:i].Stop())
		}
	}
	return nil
}

// Stop stops every output, in order.
func (l List) Stop() error {
	var errs []error
	for _, o := range l {
		errs = append(errs, o.Stop())
	}
	return errors.Join(errs...)
}

// Contribute lets each output add to the summary and the run's description.
func (l List) Contribute(s *metrics.Summary, run *export.Run) {
	for _, o := range l {
		if c, ok := o.(Contributor); ok {
			c.Contribute(s, run)
		}
	}
}

// Write writes every output's files and returns every failure joined.
func (l List) Write() error {
	var errs []error
	for _, o := range l {
		if w, ok := o.(FileWriter); ok {
			errs = append(errs, w.Write())
		}
	}
	return errors.Join(errs...)
}

// slicesOutput keeps the time slices (--slice-duration): the processor
// feeds its slicer; the slices start with the phase.
type slicesOutput struct {
	slicer    *metrics.Slicer
	files     export.Files
	now       func() int64 // wall ns
	warn      func(string)
	streaming bool
	ss        []metrics.Slice
}

func (o *slicesOutput) Start(context.Context) error {
	o.slicer.SetOrigin(o.now())
	return nil
}

func (o *slicesOutput) Stop() error { return nil }

// Contribute warns about a run that never settled.
func (o *slicesOutput) Contribute(*metrics.Summary, *export.Run) {
	o.ss = o.slicer.Slices()
	if w := metrics.SteadyStateWarning(o.ss, o.streaming); w != "" {
		o.warn(w)
	}
}

func (o *slicesOutput) Write() error {
	return errors.Join(export.WriteFile(o.files.TimeslicesJSON(), export.TimeslicesJSON(o.ss)),
		export.WriteFile(o.files.TimeslicesCSV(), export.TimeslicesCSV(o.ss)))
}
