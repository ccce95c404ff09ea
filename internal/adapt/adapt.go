// Package adapt is adaptive scale (AIPerf's phase adaptive_scale): one run
// that raises a load limit while every SLA holds over each assessment
// window, and then sustains the last limit that held. The decisions are a
// pure function of the windows (Controller.Assess); Window collects a
// window's answers on the processor's goroutine, off the requests' path.
package adapt

import (
	"fmt"
	"math"
	"time"
)

// Settings are the controller's: the limit it moves and its range, how
// windows are judged, how it steps, and how long it sustains.
type Settings struct {
	Variable     string        // concurrency, prefill_concurrency, request_rate or users
	Min, Max     float64       // whole numbers unless Fractional
	Fractional   bool          // the value may be fractional (a request rate)
	Period       time.Duration // an assessment window
	MinCompleted int           // answers a window needs to be judged
	Sustain      time.Duration // 0: sustain until the phase ends
	StepPolicy   string        // fixed_percent_step, fixed_step, sla_margin
	StepPercent  float64
	BaseStep     float64
	MaxStepMult  float64
	SLAs         []SLA
}

// SLA is one filter: a metric's statistic over a window, compared with a
// threshold (latencies in ms); config reads and checks it.
type SLA struct {
	Metric, Stat, Op string
	Value            float64
}

func (s SLA) String() string { return fmt.Sprintf("%s:%s:%s:%g", s.Metric, s.Stat, s.Op, s.Value) }

// holds reports whether x meets the SLA.
func (s SLA) holds(x float64) bool {
	switch s.Op {
	case "lt":
		return x < s.Value
	case "le":
		return x <= s.Value
	case "gt":
		return x > s.Value
	}
	return x >= s.Value
}

// headroom is how far x is from the SLA's threshold, as a ratio ≥ 0: 2
// means half the limit used (a latency at half its ceiling, a throughput at
// twice its floor); below 1 it fails.
func (s SLA) headroom(x float64) float64 {
	if s.Op == "lt" || s.Op == "le" {
		if x <= 0 {
			return math.Inf(1)
		}
		return s.Value / x
	}
	if s.Value <= 0 {
		return math.Inf(1)
	}
	return x / s.Value
}
