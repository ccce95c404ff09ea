package engine

import (
	"context"
	"sync"

	"github.com/sonde-bench/sonde/internal/dataset"
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
	next := e.claimSession
	if e.cfg.Stream != nil {
		st, err := e.cfg.Stream()
		if err != nil {
			e.inputErr = err
			return
		}
		defer func() { e.inputErr = st.Close() }()
		next = e.streamed(st)
	}
	var wg sync.WaitGroup
	for {
		n, conv, ok := next()
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

// Stream is a trace read as the phase goes, in time order: a large one,
// whose requests are never all in memory at once.
type Stream interface {
	// Next is the next conversation; false at the end.
	Next() (*dataset.Conversation, bool)
	// Close stops the reading; its error is the one the trace ended on.
	Close() error
}

// streamed claims sessions from a stream, as claimSession does from the
// conversations: numbered in order, within the budgets, this shard's.
func (e *Engine) streamed(st Stream) func() (int, *dataset.Conversation, bool) {
	return func() (int, *dataset.Conversation, bool) {
		for {
			e.mu.Lock()
			n, full := e.sessions, e.cfg.MaxSessions > 0 && e.sessions >= e.cfg.MaxSessions
			e.mu.Unlock()
			if full || e.budgetSpent() {
				e.markIssued()
				return 0, nil, false
			}
			conv, ok := st.Next()
			if !ok {
				return 0, nil, false
			}
			e.mu.Lock()
			e.sessions++
			e.mu.Unlock()
			if e.mine(n) {
				return n, conv, true
			}
		}
	}
}

// InputErr is the error a streamed trace ended on (a bad line), nil when
// it was read to its end or not streamed. Call after Run.
func (e *Engine) InputErr() error { return e.inputErr }
