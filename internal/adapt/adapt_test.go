package adapt

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

// window makes a window of n answers all at latency ms, and errors.
func window(n int, ms float64, errors int) Summary {
	var w Window
	for range n {
		var v metrics.Values
		v.Set(metrics.RequestLatency, ms*1e6)
		v.Set(metrics.TTFT, ms*1e6/2)
		w.Put(&record.Record{Phase: record.PhaseProfiling}, &v)
	}
	for range errors {
		w.Put(&record.Record{Phase: record.PhaseProfiling, Error: &record.Error{Code: 500}}, &metrics.Values{})
	}
	w.Put(&record.Record{Phase: record.PhaseWarmup}, &metrics.Values{}) // never counted
	return w.Take(1)
}

func settings(policy string) Settings {
	return Settings{Variable: "concurrency", Min: 1, Max: 20, Period: time.Second, MinCompleted: 3, Sustain: 2 * time.Second,
		StepPolicy: policy, StepPercent: 100, BaseStep: 2, MaxStepMult: 4,
		SLAs: []SLA{{Metric: "request_latency", Stat: "p95", Op: "le", Value: 100}, {Metric: "error_rate", Stat: "avg", Op: "le", Value: 0.1}}}
}

// A scripted service whose latency is 10 ms per unit of concurrency: the
// controller doubles while it holds, falls back to the last passing value
// at the first failure, sustains it, and ends after the sustain period.
func TestRampUntilFail(t *testing.T) {
	c := NewController(settings("fixed_percent_step"))
	var seen []string
	for i := 1; !c.Done && i < 20; i++ {
		ev := c.Assess(window(5, float64(c.Value)*10+1, 0), time.Duration(i)*time.Second)
		seen = append(seen, ev.Name)
		if ev.After != c.Value {
			t.Fatalf("event after %v, controller at %v", ev.After, c.Value)
		}
	}
	want := []string{"step_up", "step_up", "step_up", "step_up", "sustain_started", "sustain_window", "completed"}
	if len(seen) != len(want) {
		t.Fatalf("events %v, want %v", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("events %v, want %v", seen, want)
		}
	}
	// 1, 2, 4, 8 pass; 16 fails (161 ms); boundary 8.
	if c.Boundary != 8 || c.LastPass != 8 || c.FirstFail != 16 || c.Value != 8 || c.Reason != "sustain_duration_completed" || c.SustainWindows != 2 || c.Passed != 2 {
		t.Errorf("boundary %v, last pass %v, first fail %v, value %v, %s, sustain %v/%v", c.Boundary, c.LastPass, c.FirstFail, c.Value, c.Reason, c.Passed, c.SustainWindows)
	}
}

func TestStepPoliciesAndEnds(t *testing.T) {
	c := NewController(settings("fixed_step"))
	c.Assess(window(5, 1, 0), time.Second)
	if c.Value != 3 {
		t.Errorf("fixed_step: %v, want 1+2", c.Value)
	}
	c = NewController(settings("sla_margin"))
	c.Assess(window(5, 50, 0), time.Second) // latency at half its limit: headroom 2 (error_rate's is infinite)
	if c.Value != 5 {
		t.Errorf("sla_margin: %v, want 1+2×2", c.Value)
	}
	c = NewController(settings("sla_margin"))
	c.Assess(window(5, 1, 0), time.Second) // headroom 100, capped at 4
	if c.Value != 9 {
		t.Errorf("sla_margin capped: %v, want 1+2×4", c.Value)
	}
	// Failing at the minimum: sustain the minimum, no last passing value.
	c = NewController(settings("fixed_percent_step"))
	if ev := c.Assess(window(5, 500, 0), time.Second); ev.Name != "sustain_started" || c.Value != 1 || c.LastPass != 0 || c.FirstFail != 1 {
		t.Errorf("fail at min: %+v, value %v", ev, c.Value)
	}
	// Passing at the maximum: sustain it.
	st := settings("fixed_percent_step")
	st.Min = 20
	c = NewController(st)
	if ev := c.Assess(window(5, 1, 0), time.Second); ev.Name != "sustain_started" || c.Boundary != 20 {
		t.Errorf("pass at max: %+v", ev)
	}
	// Errors fail a window; too few answers are not judged yet.
	c = NewController(settings("fixed_percent_step"))
	if w := window(5, 1, 2); c.Judge(w).Pass || w.Stat("error_rate", "avg") != 2.0/7 {
		t.Errorf("errors: %v %v", c.Judge(w), w.Stat("error_rate", "avg"))
	}
	if c.Ready(window(2, 1, 0)) || !c.Ready(window(2, 1, 1)) {
		t.Error("readiness counts answers and errors")
	}
	if x := window(0, 1, 1).Stat("request_latency", "p95"); !math.IsNaN(x) {
		t.Errorf("no samples: %v", x)
	}
}

func TestWindowStats(t *testing.T) {
	var w Window
	for i := 1; i <= 100; i++ {
		var v metrics.Values
		v.Set(metrics.RequestLatency, float64(i)*1e6)
		v.Set(metrics.OutputTokenCount, 10)
		w.Put(&record.Record{Phase: record.PhaseProfiling}, &v)
	}
	w.Put(&record.Record{Phase: record.PhaseProfiling, WasCancelled: true}, &metrics.Values{})
	s := w.Take(2)
	for _, c := range []struct {
		metric, stat string
		want         float64
	}{{"request_latency", "avg", 50.5}, {"request_latency", "min", 1}, {"request_latency", "max", 100},
		{"request_latency", "p50", 50.5}, {"request_throughput", "avg", 50}, {"output_token_throughput", "avg", 500},
		{"success_rate", "avg", 100.0 / 101}, {"cancellation_rate", "avg", 1.0 / 101}} {
		if got := s.Stat(c.metric, c.stat); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s %s = %v, want %v", c.metric, c.stat, got, c.want)
		}
	}
	if w.Peek().Completed != 0 {
		t.Error("Take did not start a new window")
	}
}

// fakeClock jumps to each Wait's time at once.
type fakeClock struct{ now int64 }

func (f *fakeClock) Now() int64 { return f.now }
func (f *fakeClock) Wait(ctx context.Context, ns int64, _ <-chan struct{}) bool {
	if ctx.Err() != nil {
		return false
	}
	f.now = ns
	return true
}

type limiter struct {
	set      []float64
	finished bool
}

func (l *limiter) Set(x float64) { l.set = append(l.set, x) }
func (l *limiter) Finish()       { l.finished = true }

// Run judges a window each period, waits while one has too few answers,
// moves the limit and finishes the phase after the sustain.
func TestRun(t *testing.T) {
	c := NewController(settings("fixed_percent_step"))
	var w Window
	clk, lim := &fakeClock{}, &limiter{}
	feed := 0
	var names []string
	emit := func(ev Event, _ time.Duration) { names = append(names, ev.Name) }
	// Each wait, the "service" answers: 2 per period (too few for a window
	// of 3 on its own), at 10 ms per unit of the limit.
	ctx := context.Background()
	wrapped := &feeding{fakeClock: clk, each: func() {
		feed++
		for range 2 {
			var v metrics.Values
			v.Set(metrics.RequestLatency, float64(max(1, last(lim.set)))*10e6)
			w.Put(&record.Record{Phase: record.PhaseProfiling}, &v)
		}
	}}
	Run(ctx, wrapped, c, &w, lim, emit)
	if !lim.finished || c.Boundary != 8 || len(names) == 0 || names[len(names)-1] != "completed" {
		t.Errorf("finished %v, boundary %v, events %v, limits %v", lim.finished, c.Boundary, names, lim.set)
	}
	if feed < 2*len(names) {
		t.Errorf("%v periods for %v windows: a window of too few answers was judged", feed, len(names))
	}
}

type feeding struct {
	*fakeClock
	each func()
}

func (f *feeding) Wait(ctx context.Context, ns int64, wake <-chan struct{}) bool {
	f.each()
	return f.fakeClock.Wait(ctx, ns, wake)
}

func last(xs []float64) float64 {
	if len(xs) == 0 {
		return 1
	}
	return xs[len(xs)-1]
}
