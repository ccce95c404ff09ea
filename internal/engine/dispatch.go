package engine

import (
	"context"
	"sync"
	"time"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/dataset"
)

// catchUp is how far behind schedule the dispatcher may fall before it
// re-anchors to now instead of bursting to catch up (AIPerf's
// AIPERF_TIMING_MAX_CATCHUP_SECONDS).
const catchUp = 10 * time.Millisecond

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
// of silently lowering the offered load (coordinated omission).
func (e *Engine) runRate(issue, run context.Context) {
	free := e.cfg.Concurrency // session slots left; ignored when unlimited
	unlimited := e.cfg.Concurrency <= 0
	ready := make(chan chan credit, 4096)
	ended := make(chan struct{})
	var wg sync.WaitGroup
	var pending []arrival
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
	if e.cfg.SessionRate {
		wait = nil // ticks start sessions; turns follow their think times
	}
	start := func(a arrival) {
		active++
		free--
		wg.Go(func() {
			e.newSession(a.n, a.conv).run(issue, run, wait, a.intended)
			ended <- struct{}{}
		})
	}

	next := e.clock.Now()
	noMoreNew := false
	timer := time.NewTimer(0)
	defer timer.Stop()
loop:
	for {
		for len(pending) > 0 && (unlimited || free > 0) {
			start(pending[0])
			pending = pending[1:]
		}
		if noMoreNew && active == 0 && len(pending) == 0 {
			break
		}
		if d := time.Duration(next-e.clock.Now()) - clock.FineWindow; d > 0 {
			timer.Reset(d)
			select {
			case <-issue.Done():
				break loop
			case <-ended:
				active--
				free++
				timer.Stop()
				continue // the tick has not come yet
			case <-timer.C:
			}
		}
		if !clock.SleepUntil(issue, e.clock.Time(next)) {
			break
		}
		select {
		case g := <-ready:
			g <- credit{intendedNs: next}
		default:
			if !noMoreNew {
				if n, conv, ok := e.claimSession(); ok {
					pending = append(pending, arrival{n: n, conv: conv, intended: next})
				} else {
					noMoreNew = true
				}
			}
		}
		next += int64(e.cfg.Arrivals.Next())
		if now := e.clock.Now(); now-next > int64(catchUp) {
			next = now
		}
	}
	e.progress.Unsent.Add(int64(len(pending)))
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for {
		select {
		case <-ended:
		case <-done:
			return
		}
	}
}
