package clock

import (
	"context"
	"time"
)

// FineWindow is how close to the deadline the runtime timer hands over to
// the precise sleep: Go's timers can fire up to ~1 ms late on an idle Linux
// process (the netpoller waits in whole milliseconds), which would show as
// schedule lag of up to a millisecond on every request.
const FineWindow = 2 * time.Millisecond

// SleepUntil waits for t and reports whether ctx was still live. It waits on
// a runtime timer (cancellable) until FineWindow before t, then sleeps the
// rest precisely (not cancellable, but never more than FineWindow).
func SleepUntil(ctx context.Context, t time.Time) bool { return waitUntil(ctx, t, nil) }

// Wait is SleepUntil at run-clock time ns that wake can also end early
// (while the runtime timer waits; a wake-up in the last FineWindow stays in
// the channel for the next Wait). It reports whether ns was reached with ctx
// still live.
func (c Clock) Wait(ctx context.Context, ns int64, wake <-chan struct{}) bool {
	return waitUntil(ctx, c.Time(ns), wake)
}

// waitUntil is SleepUntil and Wait; a nil wake never fires.
func waitUntil(ctx context.Context, t time.Time, wake <-chan struct{}) bool {
	if d := time.Until(t) - FineWindow; d > 0 {
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-wake:
			return false
		case <-timer.C:
		}
	}
	for d := time.Until(t); d > 0; d = time.Until(t) {
		preciseSleep(d)
	}
	return ctx.Err() == nil
}
