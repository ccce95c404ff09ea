package clock

import (
	"context"
	"sync/atomic"
	"time"
)

// FineWindow is how close to the deadline the runtime timer hands over to a
// fine timer: Go's timers can fire up to ~1 ms late on an idle Linux process
// (the netpoller waits in whole milliseconds), which would show as schedule
// lag of up to a millisecond on every request.
const FineWindow = 2 * time.Millisecond

// Timers is a pool of fine timers (timerfds on Linux) shared by the
// goroutines that wait for exact instants: the rate dispatcher, sessions
// waiting out think times, the simulator's engine steps and streams. A fine
// timer parks its goroutine in the runtime's poller, so the core stays free
// for the requests being measured. (The first version slept in nanosleep(2):
// precise, but the sleeping goroutine held the process's core, and on one
// core the requests' reads and the dispatcher's next tick waited behind it
// for up to 30 ms — the schedule-lag episodes of #9.)
//
// A pool holds at most 4 × idle timers at once, each a file descriptor:
// beyond that (thousands of simulated streams waiting at the same instant)
// a wait falls back to a runtime timer rather than take descriptors the
// connections need. nil works too: a timer is then made for each wait.
type Timers struct {
	free chan *fineTimer
	live atomic.Int64 // timers made and not closed
	max  int64
}

// NewTimers keeps up to idle fine timers between waits.
func NewTimers(idle int) *Timers {
	return &Timers{free: make(chan *fineTimer, idle), max: 4 * int64(max(idle, 1))}
}

// get returns a fine timer, or nil for a runtime timer.
func (p *Timers) get() *fineTimer {
	if p == nil {
		return newFineTimer()
	}
	select {
	case t := <-p.free:
		return t
	default:
	}
	for n := p.live.Load(); ; n = p.live.Load() {
		if n >= p.max {
			return nil
		}
		if p.live.CompareAndSwap(n, n+1) {
			break
		}
	}
	t := newFineTimer()
	if t == nil {
		p.live.Add(-1)
	}
	return t
}

func (p *Timers) put(t *fineTimer) {
	if t == nil {
		return
	}
	if p != nil {
		select {
		case p.free <- t:
			return
		default:
		}
		p.live.Add(-1)
	}
	t.close()
}

// Close releases the idle timers; the pool still works afterwards.
func (p *Timers) Close() {
	for p != nil {
		select {
		case t := <-p.free:
			p.live.Add(-1)
			t.close()
		default:
			return
		}
	}
}

// SleepUntil waits for t and reports whether ctx was still live. It waits on
// a runtime timer (cancellable) until FineWindow before t, then on a fine
// timer for the rest (not cancellable, but never more than FineWindow).
func (p *Timers) SleepUntil(ctx context.Context, t time.Time) bool { return p.wait(ctx, t, nil) }

// Wait is SleepUntil at run-clock time ns that wake can also end early
// (while the runtime timer waits; a wake-up in the last FineWindow stays in
// the channel for the next Wait). It reports whether ns was reached with ctx
// still live.
func (c Clock) Wait(ctx context.Context, ns int64, wake <-chan struct{}) bool {
	return c.timers.wait(ctx, c.Time(ns), wake)
}

// wait is SleepUntil and Wait; a nil wake never fires.
func (p *Timers) wait(ctx context.Context, t time.Time, wake <-chan struct{}) bool {
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
	if time.Until(t) > 0 {
		ft := p.get()
		for time.Until(t) > 0 {
			ft.sleepUntil(t)
		}
		p.put(ft)
	}
	return ctx.Err() == nil
}
