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
// Nothing here blocks on a session: sessions signal their end through a
// one-slot wake channel that never blocks the sender, so the dispatcher can
// neither hang nor be slowed by the sessions it paces.
func (e *Engine) runRate(issue, run context.Context) {
	sessions := newSlots(e.cfg.Concurrency)
	wake := make(chan struct{}, 1)
	notify := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	// Continuations waiting for a tick; each sends the channel its credit
	// goes to. Buffered so a waiting session rarely blocks to enqueue.
	waiting := make(chan chan credit, 1024)
	var active atomic.Int64
	var wg sync.WaitGroup

	var wait waitFn
	if !e.cfg.SessionRate { // with a session rate, turns follow their think times
		wait = func(ctx context.Context) (credit, bool) {
			grant := make(chan credit, 1)
			select {
			case waiting <- grant:
			case <-ctx.Done():
				return credit{}, false
			}
			notify()
			select {
			case c := <-grant:
				return c, true
			case <-ctx.Done():
				return credit{}, false
			}
		}
	}
	start := func(a arrival) {
		active.Add(1)
		wg.Go(func() {
			defer notify()
			defer active.Add(-1)
			defer sessions.release()
			e.newSession(a.n, a.conv).run(issue, run, wait, a.intended)
		})
	}

	var pending []arrival // arrived, waiting for a session slot
	ticks := schedule.NewTicker(e.cfg.Arrivals, e.clock.Now())
	noMoreNew := false
	for issue.Err() == nil {
		for len(pending) > 0 && sessions.tryAcquire() {
			start(pending[0])
			pending = pending[1:]
		}
		if noMoreNew && len(pending) == 0 && active.Load() == 0 {
			break
		}
		if noMoreNew && len(pending) == 0 && wait == nil {
			// Sessions pace their own turns: nothing left to tick for.
			select {
			case <-wake:
			case <-issue.Done():
			}
			continue
		}
		if !e.clock.Wait(issue, ticks.Next(), wake) {
			continue // woken early: a slot freed or a turn waits; look again
		}
		at := ticks.Take()
		select {
		case g := <-waiting:
			g <- credit{intendedNs: at}
		default:
			if noMoreNew {
				break
			}
			if n, conv, ok := e.claimSession(); ok {
				pending = append(pending, arrival{n: n, conv: conv, intended: at})
			} else {
				noMoreNew = true
			}
		}
	}
	reason := UnsentNoSlot
	for _, a := range pending {
		e.countUnsent(reason, len(a.conv.Turns))
	}
	wg.Wait()
}
