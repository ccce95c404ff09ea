package adapt

import (
	"math"
	"time"
)

// Verdict is a judged window.
type Verdict struct {
	Value    float64            // the limit it ran at
	Stats    map[string]float64 // each SLA's statistic, by SLA
	Pass     bool
	Binding  string  // the SLA closest to failing (or failed)
	Headroom float64 // that SLA's headroom
	Samples  int
	Errors   int
}

// Event is what the controller did after a window.
type Event struct {
	Name          string // step_up, boundary_found, sustain_started, sustain_window, completed
	Before, After float64
	Verdict       Verdict
}

// Controller is ramp_until_fail: from Min, step up while every window
// passes; at the first failure (or at Max) go back to the last passing
// limit and sustain it for Sustain.
type Controller struct {
	st                     Settings
	Value                  float64
	LastPass, FirstFail    float64 // 0: none yet
	Boundary               float64 // 0 until found
	Sustaining             bool
	sustainFrom            time.Duration
	SustainWindows, Passed int
	Done                   bool
	Reason                 string
}

// NewController starts at the range's minimum.
func NewController(st Settings) *Controller { return &Controller{st: st, Value: st.Min} }

// Settings are the controller's.
func (c *Controller) Settings() Settings { return c.st }

// Judge is a window's verdict: every SLA's statistic, whether all hold.
func (c *Controller) Judge(w Summary) Verdict {
	v := Verdict{Value: c.Value, Stats: map[string]float64{}, Pass: true, Headroom: math.Inf(1), Samples: w.Completed, Errors: w.Errors}
	for _, s := range c.st.SLAs {
		x := w.Stat(s.Metric, s.Stat)
		v.Stats[s.String()] = x
		if !s.holds(x) {
			v.Pass = false
		}
		if h := s.headroom(x); h < v.Headroom || v.Binding == "" {
			v.Binding, v.Headroom = s.String(), h
		}
	}
	return v
}

// Ready: the window has enough answers to be judged.
func (c *Controller) Ready(w Summary) bool { return w.Completed+w.Errors >= max(c.st.MinCompleted, 1) }

// Assess judges a window that ended at elapsed (since the phase began)
// and says what to do; the new limit is c.Value.
func (c *Controller) Assess(w Summary, elapsed time.Duration) Event {
	v := c.Judge(w)
	before := c.Value
	if c.Sustaining {
		c.SustainWindows++
		if v.Pass {
			c.Passed++
		}
		if c.st.Sustain > 0 && elapsed-c.sustainFrom >= c.st.Sustain {
			c.Done, c.Reason = true, "sustain_duration_completed"
			return Event{Name: "completed", Before: before, After: c.Value, Verdict: v}
		}
		return Event{Name: "sustain_window", Before: before, After: c.Value, Verdict: v}
	}
	if v.Pass {
		c.LastPass = c.Value
		if c.Value >= c.st.Max {
			return c.sustain(before, c.Value, v, elapsed)
		}
		c.Value = min(c.st.Max, c.next(v))
		return Event{Name: "step_up", Before: before, After: c.Value, Verdict: v}
	}
	c.FirstFail = c.Value
	return c.sustain(before, max(c.LastPass, c.st.Min), v, elapsed)
}

// sustain holds the boundary from now on.
func (c *Controller) sustain(before, at float64, v Verdict, elapsed time.Duration) Event {
	c.Value, c.Boundary, c.Sustaining, c.sustainFrom = at, at, true, elapsed
	return Event{Name: "sustain_started", Before: before, After: at, Verdict: v}
}

// next is the limit after a passing window, by the step policy: a whole
// limit moves by at least 1.
func (c *Controller) next(v Verdict) float64 {
	var x float64
	switch c.st.StepPolicy {
	case "fixed_step":
		x = c.Value + c.st.BaseStep
	case "sla_margin":
		// The more headroom the binding SLA has, the larger the step: at
		// twice its limit's distance, twice the base step, up to the cap.
		m := min(max(v.Headroom, 1), max(c.st.MaxStepMult, 1))
		x = c.Value + c.st.BaseStep*m
	default:
		x = c.Value * (1 + c.st.StepPercent/100)
	}
	if c.st.Fractional {
		return x
	}
	return max(math.Ceil(x-1e-9), c.Value+1)
}
