package profile

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/engine"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/ui"
)

// An output watches the profiling phase beside the requests, never on
// their path: the server's metrics and GPUs, the network round trips, the
// time slices. It is started just before the phase and stopped once every
// response is in. Like k6's output manager, a run holds them in one list:
// started in order, all stopped in the same order (also when one failed to
// start), their errors joined; any failure makes the run exit 1 once every
// other output has done its part. (The streamed record exports are the
// pipeline's sinks, with the same Start and Close: they close after the
// summaries, which are written first.)
type output interface {
	Start(ctx context.Context) error
	Stop() error
}

// A contributor adds what it saw to the summary and the run's description
// before they are written.
type contributor interface {
	Contribute(s *metrics.Summary, run *export.Run)
}

// A fileWriter writes its own files after the summaries (summaries first:
// they are what a full disk must not cost).
type fileWriter interface {
	Write() error
}

type outputs []output

// unsentOutputs is why no profiling turn was sent when an output could not
// start (sonde.unsent_turns_by_reason).
const unsentOutputs = "output_start_failed"

// start starts each output in order; when one fails, those started are
// stopped and every error is returned.
func (os outputs) start(ctx context.Context) error {
	for i, o := range os {
		if err := o.Start(ctx); err != nil {
			return errors.Join(err, os[:i].stop())
		}
	}
	return nil
}

// stop stops every output, in order.
func (os outputs) stop() error {
	var errs []error
	for _, o := range os {
		errs = append(errs, o.Stop())
	}
	return errors.Join(errs...)
}

func (os outputs) contribute(s *metrics.Summary, run *export.Run) {
	for _, o := range os {
		if c, ok := o.(contributor); ok {
			c.Contribute(s, run)
		}
	}
}

// write writes every output's files and returns every failure joined.
func (os outputs) write() error {
	var errs []error
	for _, o := range os {
		if w, ok := o.(fileWriter); ok {
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

// display shows a phase's progress (the dashboard, or the simple line) on
// its own goroutine, from the engine's counters and the live view's
// snapshots: an output of each phase.
type display struct {
	r      *profileRun
	status func() ui.Status
	live   func(status ui.Status) ui.Snapshot
	stop   context.CancelFunc
	done   chan struct{}
}

// display is the progress of the phase name.
func (r *profileRun) display(name string, prog *engine.Progress, cfg engine.Config, total int64) *display {
	started, cpu0 := r.now(), clock.ProcessCPU()
	d := &display{r: r}
	d.status = func() ui.Status {
		return ui.Status{Phase: name, RequestsDone: prog.RequestsDone.Load(), RequestsTotal: total,
			SessionsDone: prog.SessionsDone.Load(), SessionsTotal: int64(cfg.MaxSessions),
			Errors: prog.RequestErrors.Load(), InFlight: prog.InFlight.Load(),
			Elapsed: r.now().Sub(started), Duration: cfg.Duration}
	}
	d.live = func(status ui.Status) ui.Snapshot {
		live := r.live.Snapshot()
		return ui.Snapshot{Status: status, Live: ui.Live{P50: live.P50, P90: live.P90, P99: live.P99, ErrorTypes: live.Errors,
			OutputTPS: live.OutputTPS, ClientCPUPct: cpuShare(clock.ProcessCPU()-cpu0, int64(r.now().Sub(started)))}}
	}
	return d
}

func (d *display) Start(ctx context.Context) error {
	ctx, d.stop = context.WithCancel(ctx)
	d.done = make(chan struct{})
	go func() {
		defer close(d.done)
		if d.r.uiMode() == "dashboard" {
			ui.Dashboard(ctx, d.r.console, d.r.e.keys(), d.r.e.Stderr, func() ui.Snapshot { return d.live(d.status()) })
			return
		}
		ui.Progress(ctx, d.r.console, d.r.uiMode(), 2*time.Second, d.status)
	}()
	return nil
}

func (d *display) Stop() error {
	d.stop()
	<-d.done
	return nil
}

// describeLoad is a phase's load, for the debug log: what the engine was
// told to do.
func describeLoad(cfg engine.Config) string {
	s := fmt.Sprintf("concurrency %d", cfg.Concurrency)
	if cfg.Rate > 0 {
		s = fmt.Sprintf("rate %g/s (%v arrivals, sessions only: %v), concurrency cap %d", cfg.Rate, cfg.Arrivals, cfg.SessionRate, cfg.Concurrency)
	}
	if cfg.Users > 0 {
		s = fmt.Sprintf("%d users, a turn every %v each", cfg.Users, cfg.UserGap)
	}
	if cfg.Fixed {
		s = "the trace's timestamps"
	}
	if cfg.PrefillConcurrency > 0 {
		s += fmt.Sprintf(", prefill concurrency %d", cfg.PrefillConcurrency)
	}
	if cfg.ConcurrencyRamp > 0 {
		s += fmt.Sprintf(", concurrency ramp %v", cfg.ConcurrencyRamp)
	}
	s += fmt.Sprintf("; budget %d requests, %d sessions, duration %v; connection reuse %v; %d URLs; shard %d of %d",
		cfg.MaxRequests, cfg.MaxSessions, cfg.Duration, cfg.Reuse, len(cfg.URLs), cfg.ShardIndex, max(cfg.ShardCount, 1))
	return s
}
