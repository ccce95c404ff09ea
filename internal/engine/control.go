package engine

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sonde-bench/sonde/internal/schedule"
)

// Control moves a phase's limit while it runs (adaptive scale): its
// concurrency (the session slots), its prefill concurrency or its request
// rate. For a limit of slots, the phase is built at the highest limit and
// starts at Start: the rest of the slots are held by the control, which
// gives them back or takes them again as Set asks. Taking a slot back waits
// for a holder to finish with it: a request in flight is never cut by a
// lower limit. A rate scales the gaps drawn from then on (Arrivals).
type Control struct {
	Variable string // "concurrency", "prefill_concurrency", "request_rate" or "users"
	Start    int
	rate     atomic.Uint64 // the request rate's bits (math.Float64bits)

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
func NewControl(variable string, start float64) *Control {
	c := &Control{Variable: variable, Start: int(math.Round(start)), kick: make(chan struct{}, 1), done: make(chan struct{})}
	c.rate.Store(math.Float64bits(start))
	return c
}

// Set asks for limit x: slots at least 1 and at most the phase's, or a
// request rate above 0.
func (c *Control) Set(x float64) {
	if x > 0 {
		c.rate.Store(math.Float64bits(x))
	}
	n := int(math.Round(x))
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
func (c *Control) Limit() float64 {
	if c.Variable == "request_rate" {
		return math.Float64frombits(c.rate.Load())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.s == nil {
		return float64(c.Start)
	}
	return float64(cap(c.s.ch) - c.held)
}

// Arrivals scales a's gaps, drawn at base requests per second, to the
// rate in force when each gap is drawn.
func (c *Control) Arrivals(a schedule.Arrivals, base float64) schedule.Arrivals {
	return scaled{a: a, base: base, rate: &c.rate}
}

type scaled struct {
	a    schedule.Arrivals
	base float64
	rate *atomic.Uint64
}

func (s scaled) Next() time.Duration {
	return time.Duration(float64(s.a.Next()) * s.base / math.Float64frombits(s.rate.Load()))
}

func (s scaled) String() string { return s.a.String() + ", rate adaptive" }

// Finish ends the phase's issuing (the sustain period is over).
func (c *Control) Finish() { c.endOnce.Do(func() { close(c.done) }) }

// Done is closed once Finish was called.
func (c *Control) Done() <-chan struct{} { return c.done }

// stopping reports whether nothing new may be sent: issue ended, or the
// control finished the phase — at once, not when the goroutine that
// cancels issue gets to run, so no request starts after Finish returns.
func (e *Engine) stopping(issue context.Context) bool {
	return issue.Err() != nil || e.cfg.Control.finished()
}

// finished reports whether Finish was called (nil: never).
func (c *Control) finished() bool {
	if c == nil {
		return false
	}
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

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
