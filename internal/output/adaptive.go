package output

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sync"
	"time"

	"github.com/sonde-bench/sonde/internal/adapt"
	"github.com/sonde-bench/sonde/internal/engine"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
)

// adaptiveOutput runs adaptive scale's controller over the profiling phase
// (--adaptive-scale): every assessment period it judges the window the
// record pipeline collected, moves the phase's control, and writes
// AIPerf's adaptive_scale_events.jsonl; at the end
// adaptive_scale_summary.json, sonde.adaptive_scale and a console line.
type adaptiveOutput struct {
	ctrl    *adapt.Controller
	window  *adapt.Window
	control *engine.Control
	clock   adapt.Clock
	files   export.Files
	info    func(string)

	mu     sync.Mutex
	events []adaptiveEvent
	cancel context.CancelFunc
	done   chan struct{}
}

// adaptiveEvent is one line of adaptive_scale_events.jsonl.
type adaptiveEvent struct {
	SchemaVersion string  `json:"schema_version"`
	ElapsedS      float64 `json:"elapsed_s"`
	Event         string  `json:"event"`
	Variable      string  `json:"control_variable"`
	Before        float64 `json:"control_value_before"`
	After         float64 `json:"control_value_after"`
	boundaries
	Pass       bool               `json:"window_passed"`
	SLAValues  map[string]float64 `json:"sla_values"`
	BindingSLA string             `json:"binding_sla"`
	Completed  int                `json:"completed_requests"`
	Errors     int                `json:"error_requests"`
}

func newAdaptiveOutput(st adapt.Settings, w *adapt.Window, control *engine.Control, clk adapt.Clock, files export.Files, info func(string)) *adaptiveOutput {
	return &adaptiveOutput{ctrl: adapt.NewController(st), window: w, control: control, clock: clk, files: files, info: info}
}

func (o *adaptiveOutput) Start(ctx context.Context) error {
	ctx, o.cancel = context.WithCancel(ctx)
	o.done = make(chan struct{})
	go func() {
		defer close(o.done)
		adapt.Run(ctx, o.clock, o.ctrl, o.window, o.control, o.emit)
	}()
	return nil
}

func (o *adaptiveOutput) emit(ev adapt.Event, elapsed time.Duration) {
	c := o.ctrl
	e := adaptiveEvent{SchemaVersion: "1.0", ElapsedS: elapsed.Seconds(), Event: ev.Name, Variable: c.Settings().Variable,
		Before: ev.Before, After: ev.After, boundaries: boundariesOf(c),
		Pass: ev.Verdict.Pass, SLAValues: finite(ev.Verdict.Stats), BindingSLA: ev.Verdict.Binding,
		Completed: ev.Verdict.Samples, Errors: ev.Verdict.Errors}
	o.mu.Lock()
	o.events = append(o.events, e)
	o.mu.Unlock()
	o.info(fmt.Sprintf("Adaptive scale: %s %g → %g (%s; binding %s)", ev.Name, ev.Before, ev.After, passWord(ev.Verdict.Pass), ev.Verdict.Binding))
}

func passWord(ok bool) string {
	if ok {
		return "window passed"
	}
	return "window failed"
}

// boundaries are what the controller has found so far (null until then),
// in every event and in the summary.
type boundaries struct {
	Boundary     *float64 `json:"boundary_value"`
	LastPassing  *float64 `json:"last_passing_value"`
	FirstFailing *float64 `json:"first_failing_value"`
}

func boundariesOf(c *adapt.Controller) boundaries {
	return boundaries{nonZero(c.Boundary), nonZero(c.LastPass), nonZero(c.FirstFail)}
}

func nonZero(n float64) *float64 {
	if n == 0 {
		return nil
	}
	return &n
}

// finite drops NaN statistics (a window without the metric's samples),
// which JSON cannot hold.
func finite(m map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out[k] = v
		}
	}
	return out
}

// Stop ends the controller (the phase is over) and writes its files.
func (o *adaptiveOutput) Stop() error {
	o.cancel()
	<-o.done
	o.mu.Lock()
	defer o.mu.Unlock()
	f, err := os.Create(o.files.AdaptiveEvents())
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	enc := json.NewEncoder(bw)
	for _, e := range o.events {
		enc.Encode(e)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(o.summary(), "", "  ")
	return os.WriteFile(o.files.AdaptiveSummary(), append(b, '\n'), 0o644)
}

// adaptiveSummary is adaptive_scale_summary.json (AIPerf's fields, and the
// windows judged).
type adaptiveSummary struct {
	Status          string  `json:"status"`
	CompletedReason string  `json:"completed_reason"`
	Variable        string  `json:"control_variable"`
	Value           float64 `json:"control_value"`
	boundaries
	SustainWindows int             `json:"sustain_windows"`
	SustainPassed  int             `json:"sustain_passed_windows"`
	Windows        []adaptiveEvent `json:"windows"`
}

func (o *adaptiveOutput) summary() adaptiveSummary {
	c := o.ctrl
	s := adaptiveSummary{Status: "completed", CompletedReason: c.Reason, Variable: c.Settings().Variable, Value: c.Value,
		boundaries:     boundariesOf(c),
		SustainWindows: c.SustainWindows, SustainPassed: c.Passed, Windows: o.events}
	if !c.Done {
		s.Status, s.CompletedReason = "stopped", "phase_ended"
		if c.Boundary == 0 {
			s.CompletedReason = "phase_ended_before_a_boundary"
		}
	}
	return s
}

// Contribute puts the controller's summary into sonde.adaptive_scale and
// a line under the results.
func (o *adaptiveOutput) Contribute(_ *metrics.Summary, run *export.Run) {
	o.mu.Lock()
	s := o.summary()
	o.mu.Unlock()
	s.Windows = nil
	addSection(run, "adaptive_scale", s, func(w io.Writer) {
		fmt.Fprintf(w, "\nsonde | Adaptive scale: %s %s", s.Variable, boundaryWords(s))
	}, nil)
}

func boundaryWords(s adaptiveSummary) string {
	out := "no boundary found (" + s.CompletedReason + ")"
	if s.Boundary != nil {
		out = fmt.Sprintf("boundary %g", *s.Boundary)
	}
	if s.LastPassing != nil {
		out += fmt.Sprintf("; last passing %g", *s.LastPassing)
	}
	if s.FirstFailing != nil {
		out += fmt.Sprintf(", first failing %g", *s.FirstFailing)
	}
	return out + fmt.Sprintf("; sustained %d windows, %d passed\n", s.SustainWindows, s.SustainPassed)
}
