package engine

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/schedule"
)

// arrival is a session the schedule started at intended.
type arrival struct {
	n        int
	conv     *dataset.Conversation
	intended int64
}

// dispatcher is the state of one rate-mode phase (see runRate).
type dispatcher struct {
	e        *Engine
	sessions *slots
	// wake has one slot: a session that ends, or a turn that waits for a
	// tick, signals without ever blocking.
	wake chan struct{}
	// waiting holds continuation turns waiting for a tick; each sends the
	// channel its credit goes to. Buffered so a session rarely blocks to
	// enqueue.
	waiting   chan chan credit
	active    atomic.Int64
	wg        sync.WaitGroup
	pending   []arrival // arrived, waiting for a session slot
	noMoreNew bool
}

func (d *dispatcher) notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// waitForTick is how a continuation turn gets its credit: the intended time
// of the tick that served it.
func (d *dispatcher) waitForTick(ctx context.Context) (credit, bool) {
	grant := make(chan credit, 1)
	select {
	case d.waiting <- grant:
	case <-ctx.Done():
		return credit{}, false
	}
	d.notify()
	select {
	case c := <-grant:
		return c, true
	case <-ctx.Done():
		return credit{}, false
	}
}

func (d *dispatcher) start(issue, run context.Context, a arrival, wait waitFn) {
	d.active.Add(1)
	d.wg.Go(func() {
		defer d.notify()
		defer d.active.Add(-1)
		defer d.sessions.release()
		d.e.newSession(a.n, a.conv).run(issue, run, wait, a.intended)
	})
}

// tick hands the arrival due at `at` to a waiting continuation, or to a new
// session, which waits in pending for a slot.
func (d *dispatcher) tick(at int64) {
	select {
	case g := <-d.waiting:
		g <- credit{intendedNs: at}
		return
	default:
	}
	if d.noMoreNew {
		return
	}
	if n, conv, ok := d.e.claimSession(); ok {
		d.pending = append(d.pending, arrival{n: n, conv: conv, intended: at})
	} else {
		d.noMoreNew = true
	}
}

// runRate hands out one credit per request on an absolute schedule (spec
// §5.3): at each tick a waiting continuation turn goes first (its session
// already holds a slot); otherwise a new session arrives. Unlike AIPerf,
// which skips the tick when every concurrency slot is busy, sonde never
// drops an arrival: it waits for a slot and keeps its intended send time, so
// the queueing shows in schedule_lag and the effective_* latencies instead
// of silently lowering the offered load (coordinated omission). Nor does it
// re-anchor the schedule when it falls behind: every arrival already due is
// handed out at once.
//
// Nothing here blocks on a session: sessions signal through the one-slot
// wake channel, so the dispatcher can neither hang nor be slowed by the
// sessions it paces.
func (e *Engine) runRate(issue, run context.Context) {
	d := &dispatcher{e: e, sessions: newSlots(e.cfg.Concurrency), wake: make(chan struct{}, 1), waiting: make(chan chan credit, 1024)}
	var wait waitFn
	if !e.cfg.SessionRate { // with a session rate, turns follow their think times
		wait = d.waitForTick
	}
	arrivals, t0 := e.cfg.Arrivals, e.clock.Now()
	if e.cfg.ShardCount > 1 {
		// Every shard draws the whole schedule and keeps every n-th arrival:
		// together they send the one schedule.
		every := schedule.Every(arrivals, e.cfg.ShardCount, e.cfg.ShardIndex)
		arrivals, t0 = every, t0+int64(every.Offset)
	}
	ticks := schedule.NewTicker(arrivals, t0)
	for issue.Err() == nil {
		for len(d.pending) > 0 && d.sessions.tryAcquire() {
			d.start(issue, run, d.pending[0], wait)
			d.pending = d.pending[1:]
		}
		if d.noMoreNew && len(d.pending) == 0 && d.active.Load() == 0 {
			break
		}
		if d.noMoreNew && len(d.pending) == 0 && wait == nil {
			// Sessions pace their own turns: nothing left to tick for.
			select {
			case <-d.wake:
			case <-issue.Done():
			}
			continue
		}
		if !e.clock.Wait(issue, ticks.Next(), d.wake) {
			continue // woken early: a slot freed or a turn waits; look again
		}
		d.tick(ticks.Take())
	}
	for _, a := range d.pending {
		e.countUnsent(UnsentNoSlot, len(a.conv.Turns))
	}
	d.wg.Wait()
}
