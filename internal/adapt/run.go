package adapt

import (
	"context"
	"time"
)

// Clock is the run's clock (the engine's): monotonic ns, and a wait.
type Clock interface {
	Now() int64
	Wait(ctx context.Context, ns int64, wake <-chan struct{}) bool
}

// Limiter is what the controller moves: the phase's control.
type Limiter interface {
	Set(x float64)
	Finish()
}

// Run judges a window every assessment period from now until ctx ends or
// the controller is done: a window with too few answers goes on into the
// next period; after each judged one the limit follows the controller,
// and emit hears what it did (elapsed since Run began).
func Run(ctx context.Context, clk Clock, c *Controller, w *Window, lim Limiter, emit func(Event, time.Duration)) {
	t0 := clk.Now()
	from := t0 // the current window's start
	for tick := t0 + int64(c.st.Period); clk.Wait(ctx, tick, nil); tick += int64(c.st.Period) {
		if !c.Ready(w.Peek()) {
			continue
		}
		s := w.Take(float64(tick-from) / 1e9)
		from = tick
		ev := c.Assess(s, time.Duration(tick-t0))
		lim.Set(c.Value)
		emit(ev, time.Duration(tick-t0))
		if c.Done {
			lim.Finish()
			return
		}
	}
}
