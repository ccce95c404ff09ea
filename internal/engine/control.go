package engine

import (
	"context"
	"sync"
)

// Control moves a phase's limit while it runs (adaptive scale): its
// concurrency (the session slots) or its prefill concurrency. The phase is
// built at the highest limit and starts at Start: the rest of the slots
// are held by the control, which gives them back or takes them again as Set
// asks. Taking a slot back waits for a holder to finish with it: a request
// in flight is never cut by a lower limit.
type Control struct {
	Variable string // "concurrency" or "prefill_concurrency"
	Start    int

	mu      sync.Mutex
	s       *slots
	notify  func() // the dispatcher's wake-up, when a slot frees
	want    int    // slots the control should hold
	held    int
	kick    chan struct{}
	done    chan struct{} // closed by Finish: the phase stops issuing
	endOnce sync.Once
}

// NewControl is a control of variable starting at start.
func NewControl(variable string, start int) *Control {
	return &Control{Variable: variable, Start: start, kick: make(chan struct{}, 1), done: make(chan struct{})}
}

// Set asks for limit n (at least 1, at most the phase's).
func (c *Control) Set(n int) {
	c.mu.Lock()
	if c.s != nil {
		c.want = cap(c.s.ch) - min(max(n, 1), cap(c.s.ch))
	} else {
		c.Start = n
	}
	c.mu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// Limit is the limit in force.
func (c *Control) Limit() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.s == nil {
		return c.Start
	}
	return cap(c.s.ch) - c.held
}

// Finish ends the phase's issuing (the sustain period is over).
func (c *Control) Finish() { c.endOnce.Do(func() { close(c.done) }) }

// Done is closed once Finish was called.
func (c *Control) Done() <-chan struct{} { return c.done }

// bind takes over s for the phase: holds all but Start of its slots now
// (nothing runs yet), then follows Set until ctx ends. stop waits for it
// and gives every held slot back.
func (c *Control) bind(ctx context.Context, s *slots, notify func()) (stop func()) {
	c.mu.Lock()
	c.s, c.notify = s, notify
	c.want = cap(s.ch) - min(max(c.Start, 1), cap(s.ch))
	for c.held < c.want && s.tryAcquire() {
		c.held++
	}
	c.mu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { c.follow(ctx) })
	return func() {
		cancel()
		wg.Wait()
		c.mu.Lock()
		for ; c.held > 0; c.held-- {
			s.release()
		}
		c.mu.Unlock()
	}
}

// follow takes or gives back slots until the control holds what Set asked.
func (c *Control) follow(ctx context.Context) {
	for {
		c.mu.Lock()
		want, held := c.want, c.held
		for ; held > want; held-- {
			c.s.release()
		}
		c.held = held
		notify := c.notify
		c.mu.Unlock()
		if notify != nil {
			notify()
		}
		if held < want {
			if !c.s.acquire(ctx) {
				return
			}
			c.mu.Lock()
			c.held++
			c.mu.Unlock()
			continue
		}
		select {
		case <-c.kick:
		case <-ctx.Done():
			return
		}
	}
}
