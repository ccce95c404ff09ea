package engine

import (
	"context"
	"sync"
	"time"
)

// catchUp is how far behind schedule the dispatcher may fall before it
// re-anchors to now instead of bursting to catch up (AIPerf's
// AIPERF_TIMING_MAX_CATCHUP_SECONDS).
const catchUp = 10 * time.Millisecond

// runRate hands out one credit per request on an absolute schedule (spec
// §5.3): at each tick a waiting continuation turn goes first (its session
// already holds a slot); otherwise a new session starts if the budget and
// the concurrency limit allow; otherwise the tick is skipped.
func (e *Engine) runRate(issue, run context.Context) {
	var slots chan struct{}
	if e.cfg.Concurrency > 0 {
		slots = make(chan struct{}, e.cfg.Concurrency)
	}
	ready := make(chan chan credit, 4096)
	ended := make(chan struct{}, 1)
	var wg sync.WaitGroup
	var mu sync.Mutex
	active := 0

	wait := func(ctx context.Context) (credit, bool) {
		grant := make(chan credit, 1)
		select {
		case ready <- grant:
		case <-ctx.Done():
			return credit{}, false
		}
		select {
		case c := <-grant:
			return c, true
		case <-ctx.Done():
			return credit{}, false
		}
	}

	next := e.clock.Now()
	noMoreNew := false
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		mu.Lock()
		idle := active == 0
		mu.Unlock()
		if noMoreNew && idle && len(ready) == 0 {
			break
		}
		if d := time.Duration(next - e.clock.Now()); d > 0 {
			timer.Reset(d)
			select {
			case <-issue.Done():
				wg.Wait()
				return
			case <-ended:
				if !timer.Stop() {
					<-timer.C
				}
				continue // re-check whether everything is done
			case <-timer.C:
			}
		} else if issue.Err() != nil {
			break
		}
		select {
		case g := <-ready:
			g <- credit{intendedNs: next}
		default:
			if noMoreNew {
				break
			}
			if slots != nil {
				select {
				case slots <- struct{}{}:
				default:
					goto advance // every slot busy: skip this tick, no catch-up
				}
			}
			n, conv, ok := e.claimSession()
			if !ok {
				noMoreNew = true
				if slots != nil {
					<-slots
				}
				break
			}
			mu.Lock()
			active++
			mu.Unlock()
			intended := next
			wg.Go(func() {
				s := e.newSession(n, conv)
				s.run(issue, run, wait, intended)
				if slots != nil {
					<-slots
				}
				mu.Lock()
				active--
				mu.Unlock()
				select {
				case ended <- struct{}{}:
				default:
				}
			})
		}
	advance:
		next += int64(e.cfg.Arrivals.Next())
		if now := e.clock.Now(); now-next > int64(catchUp) {
			next = now
		}
	}
	wg.Wait()
}
