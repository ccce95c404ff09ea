package transport

import (
	"context"
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
const PacedDials = 128

// leanHost is the pool's state for one server.
type leanHost struct {
	idle    []*leanConn
	dialing int
	waiters waitQueue // first come, first served
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
	if p.maxDials <= 0 || h.dialing < p.maxDials {
		h.dialing++
		p.mu.Unlock()
		return nil, nil
	}
	w := &leanWaiter{grant: make(chan *leanConn, 1), fresh: fresh}
	h.waiters.push(w)
	p.mu.Unlock()
	select {
	case c := <-w.grant:
		return c, nil
	case <-ctx.Done():
	}
	p.mu.Lock()
	granted := len(w.grant) > 0
	w.gone = true
	p.mu.Unlock()
	if granted { // granted as the context ended: pass it on
		if c := <-w.grant; c != nil {
			p.put(c)
		} else {
			p.dialed(key)
		}
	}
	return nil, ctx.Err()
}

// dialed hands a dial back: to the first waiter, or to the pool.
func (p *leanPool) dialed(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.host(key)
	if w := h.waiters.forDial(); w != nil {
		w.grant <- nil
		return
	}
	h.dialing--
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
