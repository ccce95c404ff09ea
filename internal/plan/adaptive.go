package plan

import (
	"time"

	"github.com/sonde-bench/sonde/internal/adapt"
	"github.com/sonde-bench/sonde/internal/engine"
)

// resolveAdaptive makes adaptive scale's controller settings and the
// profiling phase's control (--adaptive-scale).
func (pl *Plan) resolveAdaptive() error {
	spec, ok, err := pl.p.Adaptive()
	if !ok || err != nil {
		return err // checked by Validate
	}
	p := pl.p
	st := adapt.Settings{Variable: spec.Variable, Min: spec.Min, Max: spec.Max, Fractional: spec.Fractional, Period: seconds(p.AdaptivePeriod),
		MinCompleted: p.AdaptiveMinCompleted, Sustain: seconds(p.AdaptiveSustain), StepPolicy: p.AdaptiveStepPolicy,
		StepPercent: p.AdaptiveStepPercent, BaseStep: float64(p.AdaptiveBaseStep), MaxStepMult: p.AdaptiveMaxStepMult}
	for _, s := range spec.SLAs {
		st.SLAs = append(st.SLAs, adapt.SLA{Metric: s.Metric, Stat: s.Stat, Op: s.Op, Value: s.Value})
	}
	pl.adaptive, pl.control = &st, engine.NewControl(spec.Variable, spec.Min)
	pl.notes.infof("Adaptive scale: %s from %g up to %g while every SLA holds over each %v window, then held for %v",
		spec.Variable, spec.Min, spec.Max, st.Period, sustainWords(st.Sustain))
	return nil
}

func sustainWords(d time.Duration) any {
	if d == 0 {
		return "the rest of the phase"
	}
	return d
}

// Adaptive is adaptive scale's settings and the profiling phase's control;
// nil without --adaptive-scale.
func (pl *Plan) Adaptive() (*adapt.Settings, *engine.Control) { return pl.adaptive, pl.control }

// adaptiveLimits builds the profiling phase at the range's top: the
// control holds it down to where it starts.
func (pl *Plan) adaptiveLimits(c *engine.Config) {
	if pl.control == nil {
		return
	}
	c.Control = pl.control
	switch pl.adaptive.Variable {
	case "prefill_concurrency":
		c.PrefillConcurrency = int(pl.adaptive.Max)
	case "concurrency":
		c.Concurrency = int(pl.adaptive.Max)
	case "users": // the most users, at the user-centric rate's total
		c.Users = int(pl.adaptive.Max)
		c.UserGap = time.Duration(pl.adaptive.Max / *pl.p.UserCentricRate * float64(time.Second))
	} // a request rate scales the phase's gaps (engine.Control.Arrivals)
}
