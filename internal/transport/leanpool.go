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
	grant chan leanGrant // buffered: granting never blocks
	fresh bool           // wants a new connection: only a dial will do
	gone  bool           // its context ended; skipped (under the pool's lock)
}

// waitQueue is a FIFO of waiters: thousands wait at once when a client
// falls behind, so it neither shifts nor searches on every grant.
type waitQueue struct {
	conns, dials []*leanWaiter // waiters for any connection; for a new one
	connHead     int
	dialHead     int
}

func (q *waitQueue) push(w *leanWaiter) {
	if w.fresh {
		q.dials = append(q.dials, w)
	} else {
		q.conns = append(q.conns, w)
	}
}

// pop returns the oldest live waiter of list from head, or nil, and compacts
// the list once half of it is spent.
func pop(list *[]*leanWaiter, head *int) *leanWaiter {
	for *head < len(*list) {
		w := (*list)[*head]
		(*list)[*head] = nil
		*head++
		if *head > 64 && *head*2 > len(*list) {
			*list = append((*list)[:0], (*list)[*head:]...)
			*head = 0
		}
		if !w.gone {
			return w
		}
	}
	*list, *head = (*list)[:0], 0
	return nil
}

// forConn is the next waiter an idle connection can serve.
func (q *waitQueue) forConn() *leanWaiter { return pop(&q.conns, &q.connHead) }

// forDial is the next waiter a dial can serve: those that need a new
// connection first (they cannot take a returned one).
func (q *waitQueue) forDial() *leanWaiter {
	if w := pop(&q.dials, &q.dialHead); w != nil {
		return w
	}
	return pop(&q.conns, &q.connHead)
}

// leanGrant is what a waiter gets: an idle connection, or the right to dial.
type leanGrant struct {
	conn *leanConn
}

func (p *leanPool) host(key string) *leanHost {
	h := p.hosts[key]
	if h == nil {
		h = &leanHost{}
		p.hosts[key] = h
	}
	return h
}

// takeIdle returns an idle connection, or nil.
func (p *leanPool) takeIdle(key string) *leanConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.host(key)
	n := len(h.idle)
	if n == 0 {
		return nil
	}
	c := h.idle[n-1]
	h.idle = h.idle[:n-1]
	return c
}

// acquire returns an idle connection, or (conn nil) the right to dial one,
// which the caller hands back with dialed.
func (p *leanPool) acquire(ctx context.Context, key string, fresh bool) (leanGrant, error) {
	p.mu.Lock()
	h := p.host(key)
	if n := len(h.idle); n > 0 && !fresh {
		c := h.idle[n-1]
		h.idle = h.idle[:n-1]
		p.mu.Unlock()
		return leanGrant{conn: c}, nil
	}
	if p.maxDials <= 0 || h.dialing < p.maxDials {
		h.dialing++
		p.mu.Unlock()
		return leanGrant{}, nil
	}
	w := &leanWaiter{grant: make(chan leanGrant, 1), fresh: fresh}
	h.waiters.push(w)
	p.mu.Unlock()
	select {
	case g := <-w.grant:
		return g, nil
	case <-ctx.Done():
	}
	p.mu.Lock()
	granted := len(w.grant) > 0
	w.gone = true
	p.mu.Unlock()
	if granted { // granted as the context ended: pass it on
		if g := <-w.grant; g.conn != nil {
			p.put(g.conn)
		} else {
			p.dialed(key)
		}
	}
	return leanGrant{}, ctx.Err()
}

// dialed hands a dial back: to the first waiter, or to the pool.
func (p *leanPool) dialed(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.host(key)
	if w := h.waiters.forDial(); w != nil {
		w.grant <- leanGrant{}
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
		w.grant <- leanGrant{conn: c}
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
