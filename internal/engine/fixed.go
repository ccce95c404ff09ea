package engine

import (
	"context"
	"sync"
)

// fixedTime is the run-clock time of a trace timestamp (ms).
func (e *Engine) fixedTime(ms float64) int64 {
	return e.fixedT0 + int64((ms-e.cfg.FixedZeroMs)*1e6)
}

// runFixed replays a trace: every conversation starts at its recorded time,
// whatever happens to the others (open loop); later turns go at their own
// timestamps, or after their delay, never before the previous answer.
// --concurrency, when set, caps the sessions running at once.
func (e *Engine) runFixed(issue, run context.Context) {
	e.fixedT0 = e.clock.Now()
	sessions := newSlots(e.cfg.Concurrency)
	var wg sync.WaitGroup
	for {
		n, conv, ok := e.claimSession()
		if !ok {
			break
		}
		due := e.fixedTime(conv.Turns[0].Timestamp)
		if !e.clock.Wait(issue, due, nil) || !sessions.acquire(issue) {
			e.countUnsent(stopReason(issue), len(conv.Turns))
			break
		}
		s := e.newSession(n, conv)
		s.fixed = true
		wg.Go(func() {
			defer sessions.release()
			s.run(issue, run, nil, due)
		})
	}
	wg.Wait()
}
