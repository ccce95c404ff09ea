package engine

import (
	"context"
	"sync"
)

// idleCap is --system-idle-gap-cap-seconds: the replay may stay idle —
// no request in flight and none about to be sent — for at most limit.
// When it would stay idle longer, every pending wait (think times, a
// lane's start) is pulled in by the same amount, so that the earliest
// fires limit after the idleness began; each trajectory's own timing is
// otherwise kept. A request whose wait was pulled in is due at the new
// time: its latency counts from then.
type idleCap struct {
	limit int64
	clock Clock

	mu        sync.Mutex
	shift     int64 // how far pending waits have been pulled in, in all
	busy      int   // sessions between the end of their wait and their answer
	idleSince int64
	waits     map[*idleWait]struct{}
	moved     chan struct{} // closed (and replaced) when shift grows
}

// idleWait is one pending wait: due at due, as of the shift base.
type idleWait struct{ due, base int64 }

func newIdleCap(limit int64, c Clock) *idleCap {
	return &idleCap{limit: limit, clock: c, idleSince: c.Now(), waits: map[*idleWait]struct{}{}, moved: make(chan struct{})}
}

// at is when w is due now.
func (c *idleCap) at(w *idleWait) int64 { return w.due - (c.shift - w.base) }

// wait blocks until due, or earlier if the replay would otherwise idle
// past the cap; it returns the time the wait ended at (its due time, as
// pulled in) and whether it was reached with ctx live. A reached wait
// makes its session busy until settled.
func (c *idleCap) wait(ctx context.Context, due int64) (int64, bool) {
	c.mu.Lock()
	w := &idleWait{due: due, base: c.shift}
	c.waits[w] = struct{}{}
	c.pull()
	for {
		at, moved := c.at(w), c.moved
		c.mu.Unlock()
		reached := c.clock.Wait(ctx, at, moved)
		c.mu.Lock()
		if ctx.Err() != nil {
			delete(c.waits, w)
			c.pull()
			c.mu.Unlock()
			return at, false
		}
		if reached || c.clock.Now() >= c.at(w) {
			delete(c.waits, w)
			c.busy++
			at = c.at(w)
			c.mu.Unlock()
			return at, true
		}
	}
}

// ready makes a session busy that sends without waiting.
func (c *idleCap) ready() {
	c.mu.Lock()
	c.busy++
	c.mu.Unlock()
}

// settled ends a busy stretch: the session's answer is in (or its turn
// was not sent); the last one to settle starts an idle stretch.
func (c *idleCap) settled() {
	c.mu.Lock()
	c.busy--
	if c.busy == 0 {
		c.idleSince = c.clock.Now()
		c.pull()
	}
	c.mu.Unlock()
}

// pull moves every pending wait earlier when nothing is busy and the
// earliest would end the idle stretch past the cap. c.mu is held.
func (c *idleCap) pull() {
	if c.busy > 0 || len(c.waits) == 0 {
		return
	}
	first, seen := int64(0), false
	for w := range c.waits {
		if at := c.at(w); !seen || at < first {
			first, seen = at, true
		}
	}
	if late := first - (c.idleSince + c.limit); late > 0 {
		c.shift += late
		close(c.moved)
		c.moved = make(chan struct{})
	}
}
