package transport

import (
	"context"
	"time"
)

// maxIdlePerHost bounds the idle connections kept for one server.
const maxIdlePerHost = 4096

// PacedDials is the bound on connections being opened to one server at
// once that a paced run sets (Client.BoundDials). A request that finds no
// idle connection and no free dial waits for whichever comes first: a
// connection another request puts back, or a dial. Unbounded, a client that
// fell behind a high rate (every arrival already due is sent at once)
// dialed a connection for each, and on loopback a dial costs the client
// more CPU than a request: at 20,000/s 46 % of its CPU went to connect(2)
// and it fell further behind. A concurrency burst needs no bound (it never
// has more requests in flight than its concurrency), and a bound would
// delay the start of a large burst to a distant server by a round trip per
// PacedDials connections.
//
// Within that bound, the dials under way are kept to what opens PacedDials
// connections per dialWindow at the speed of the fastest dial seen to that
// server (n dials of d each open n/d a second): 128 at once to a server 10
// ms or more away, 2 to one on loopback, where a dial completes in 0.1 ms
// but costs the client twice the CPU of a request (connect(2) runs both
// ends of the handshake on the client's core). With 128 there, a client that
// fell behind at 20,000/s opened 2,600–3,200 connections and stayed 25–35 %
// short of its rate; with 2, a request that finds no idle connection nearly
// always gets one back before a dial would have ended, and the same runs
// opened 180–390 connections and sent 17,800–20,000/s.
const PacedDials = 128

// dialWindow and minDials set the bound from the fastest dial: PacedDials
// dials per dialWindow, never fewer than minDials at once.
const (
	dialWindow = 10 * time.Millisecond
	minDials   = 2
)

// leanHost is the pool's state for one server.
type leanHost struct {
	idle    []*leanConn
	dialing int
	waiters waitQueue     // first come, first served
	fastest time.Duration // the quickest dial that succeeded; 0 before one did
}

// dialBound is how many dials may be under way at once to a server whose
// fastest dial took fastest, under limit (≤ 0: any number). Before a dial
// has succeeded it is minDials: a burst at the start of a run would
// otherwise dial up to limit connections at once on loopback, each slowed
// by the others, and the fastest of them would set a bound far too high.
// To a distant server that costs the first round trip.
func dialBound(limit int, fastest time.Duration) int {
	if limit <= 0 {
		return limit
	}
	if fastest <= 0 {
		return min(limit, minDials)
	}
	n := int((int64(limit)*int64(fastest) + int64(dialWindow) - 1) / int64(dialWindow))
	return min(limit, max(n, minDials))
}

// leanWaiter is a request waiting for a connection or a dial.
type leanWaiter struct {
	// grant gets an idle connection, or nil for the right to dial
	// (buffered: granting never blocks).
	grant chan *leanConn
	fresh bool // wants a new connection: only a dial will do
	gone  bool // its context ended; skipped (under the pool's lock)
}

// waitQueue holds the waiters: thousands wait at once when a client falls
// behind, so neither list shifts nor is searched on a grant.
type waitQueue struct {
	conns, dials fifo // waiters for any connection; for a new one
}

func (q *waitQueue) push(w *leanWaiter) {
	if w.fresh {
		q.dials.push(w)
	} else {
		q.conns.push(w)
	}
}

// forConn is the next waiter an idle connection can serve.
func (q *waitQueue) forConn() *leanWaiter { return q.conns.pop() }

// forDial is the next waiter a dial can serve: those that need a new
// connection first (they cannot take a returned one).
func (q *waitQueue) forDial() *leanWaiter {
	if w := q.dials.pop(); w != nil {
		return w
	}
	return q.conns.pop()
}

// fifo is a first-in, first-out list of waiters.
type fifo struct {
	w    []*leanWaiter
	head int
}

func (f *fifo) push(w *leanWaiter) { f.w = append(f.w, w) }

// pop returns the oldest live waiter, or nil, and compacts the list once
// half of it is spent.
func (f *fifo) pop() *leanWaiter {
	for f.head < len(f.w) {
		w := f.w[f.head]
		f.w[f.head] = nil
		f.head++
		if f.head > 64 && f.head*2 > len(f.w) {
			f.w, f.head = append(f.w[:0], f.w[f.head:]...), 0
		}
		if !w.gone {
			return w
		}
	}
	f.w, f.head = f.w[:0], 0
	return nil
}

func (p *leanPool) host(key string) *leanHost {
	h := p.hosts[key]
	if h == nil {
		h = &leanHost{}
		p.hosts[key] = h
	}
	return h
}

// popIdle takes the newest idle connection, or nil (under the pool's lock).
func (h *leanHost) popIdle() *leanConn {
	n := len(h.idle)
	if n == 0 {
		return nil
	}
	c := h.idle[n-1]
	h.idle = h.idle[:n-1]
	return c
}

// takeIdle returns an idle connection, or nil.
func (p *leanPool) takeIdle(key string) *leanConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.host(key).popIdle()
}

// acquire returns an idle connection, or nil for the right to dial one,
// which the caller hands back with dialed.
func (p *leanPool) acquire(ctx context.Context, key string, fresh bool) (*leanConn, error) {
	p.mu.Lock()
	h := p.host(key)
	if !fresh {
		if c := h.popIdle(); c != nil {
			p.mu.Unlock()
			return c, nil
		}
	}
	if bound := dialBound(p.maxDials, h.fastest); bound <= 0 || h.dialing < bound {
		h.dialing++
		p.mu.Unlock()
		return nil, nil
	}
	w := &leanWaiter{grant: make(chan *leanConn, 1), fresh: fresh}
	h.waiters.push(w)
	p.mu.Unlock()
	expired, stop := expiry(ctx)
	defer stop()
	select {
	case c := <-w.grant:
		return c, nil
	case <-ctx.Done():
	case <-expired:
	}
	p.mu.Lock()
	granted := len(w.grant) > 0
	w.gone = true
	p.mu.Unlock()
	if granted { // granted as the context ended: pass it on
		if c := <-w.grant; c != nil {
			p.put(c)
		} else {
			p.dialed(key, 0)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return nil, context.DeadlineExceeded // expired before the context's own timer fired
}

// dialed hands a dial back, taking took when it succeeded (0 when it did
// not): the bound may have moved, so it grants dials to waiters for as
// long as the bound leaves room.
func (p *leanPool) dialed(key string, took time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.host(key)
	if took > 0 && (h.fastest == 0 || took < h.fastest) {
		h.fastest = took
	}
	h.dialing--
	for bound := dialBound(p.maxDials, h.fastest); bound <= 0 || h.dialing < bound; {
		w := h.waiters.forDial()
		if w == nil {
			return
		}
		h.dialing++
		w.grant <- nil
	}
}

// put keeps a connection whose response was read to its end: it goes to
// the first waiter that can take it, or to the idle list.
func (p *leanPool) put(c *leanConn) {
	p.mu.Lock()
	h := p.host(c.key)
	if w := h.waiters.forConn(); w != nil {
		w.grant <- c
		p.mu.Unlock()
		return
	}
	if len(h.idle) < maxIdlePerHost {
		h.idle = append(h.idle, c)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	c.Close()
}

// dialingTo is the number of dials under way to url's server.
func (p *leanPool) dialingTo(url string) int {
	t := p.target(url)
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.host(t.key).dialing
}

// closeIdle closes the idle connections.
func (p *leanPool) closeIdle() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, h := range p.hosts {
		for _, c := range h.idle {
			c.Close()
		}
		h.idle = nil
	}
}
