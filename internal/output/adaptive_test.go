package output

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/adapt"
	"github.com/sonde-bench/sonde/internal/engine"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

// answeringClock is a run clock whose every wait is a period in which the
// service answered five requests at 10 ms.
type answeringClock struct {
	now int64
	w   *adapt.Window
}

func (c *answeringClock) Now() int64 { return c.now }
func (c *answeringClock) Wait(ctx context.Context, ns int64, _ <-chan struct{}) bool {
	for range 5 {
		var v metrics.Values
		v.Set(metrics.RequestLatency, 10e6)
		c.w.Put(&record.Record{Phase: record.PhaseProfiling}, &v)
	}
	c.now = ns
	return ctx.Err() == nil
}

// The controller's loop over a phase writes AIPerf's two files, the
// summary's block and a console line, and finishes the phase's control.
func TestAdaptiveOutput(t *testing.T) {
	st := adapt.Settings{Variable: "concurrency", Min: 1, Max: 2, Period: time.Second, MinCompleted: 3, Sustain: 2 * time.Second,
		StepPolicy: "fixed_percent_step", StepPercent: 100, BaseStep: 1, MaxStepMult: 4,
		SLAs: []adapt.SLA{{Metric: "request_latency", Stat: "p95", Op: "le", Value: 50}}}
	w := &adapt.Window{}
	control := engine.NewControl("concurrency", 1)
	files := export.Files{Dir: t.TempDir()}
	var said []string
	o := newAdaptiveOutput(st, w, control, &answeringClock{w: w}, files, func(s string) { said = append(said, s) })
	if err := o.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-control.Done() // the sustain ends the phase
	if err := o.Stop(); err != nil {
		t.Fatal(err)
	}
	events, _ := os.ReadFile(files.AdaptiveEvents())
	summary, _ := os.ReadFile(files.AdaptiveSummary())
	if n := strings.Count(string(events), "\n"); n < 3 || !strings.Contains(string(events), `"event":"step_up"`) || !strings.Contains(string(events), `"event":"completed"`) {
		t.Errorf("events (%d lines):\n%s", n, events)
	}
	if !strings.Contains(string(summary), `"boundary_value": 2`) || !strings.Contains(string(summary), `"completed_reason": "sustain_duration_completed"`) {
		t.Errorf("summary:\n%s", summary)
	}
	if control.Limit() != 2 || len(said) == 0 {
		t.Errorf("limit %v, said %v", control.Limit(), said)
	}
	var run export.Run
	o.Contribute(nil, &run)
	var b strings.Builder
	run.Sections[0](&b)
	if run.Extra["adaptive_scale"] == nil || !strings.Contains(b.String(), "boundary 2; last passing 2; sustained") {
		t.Errorf("contribution: %v %q", run.Extra, b.String())
	}
}

// A phase that ends before any boundary says so.
func TestAdaptiveStoppedEarly(t *testing.T) {
	o := newAdaptiveOutput(adapt.Settings{Variable: "concurrency", Min: 1, Max: 2, Period: time.Hour, MinCompleted: 1},
		&adapt.Window{}, engine.NewControl("concurrency", 1), &answeringClock{w: &adapt.Window{}}, export.Files{Dir: t.TempDir()}, func(string) {})
	s := o.summary()
	if s.Status != "stopped" || s.CompletedReason != "phase_ended_before_a_boundary" || !strings.Contains(boundaryWords(s), "no boundary found") {
		t.Errorf("%+v", s)
	}
}
