package twin

import (
	"slices"
	"time"

	"github.com/sonde-bench/sonde/internal/sim"
)

// client plays a Workload as the engine would: burst workers running
// sessions back to back, or a schedule of ticks where a waiting
// continuation turn goes before a new session, each session holding its
// concurrency slot across its turns and think times.
type client struct {
	w     *world
	load  *Workload
	phase int
	start time.Duration // the phase's start
	stop  time.Duration // no send after it (0: none)

	sessions, requests int // claimed so far
	drawn, ticked      int // the workload's sampler draws and gaps used
	numBase            int // the phase's first session number
	active             int // sessions holding a slot
	waiting            []func(intended time.Duration)
	newWaiting         []pending // due new sessions waiting for a slot
	exhausted          bool      // no new session will start
	shared             map[string][]int32
}

// pending is a session claimed at a tick, waiting for a slot.
type pending struct {
	s  *live
	at time.Duration
}

// live is a session under way.
type live struct {
	num, idx int // its number in the run; the workload's session it plays
	conv     *Session
	history  []int32 // what it sent and received, without the system prompt
}

// claim numbers the next session, under the budgets; nil when none is left.
func (c *client) claim() *live {
	l := c.load
	if c.exhausted || l.MaxSessions > 0 && c.sessions >= l.MaxSessions || l.MaxRequests > 0 && c.requests >= l.MaxRequests ||
		c.stop > 0 && c.w.now >= c.stop {
		c.exhausted = true
		return nil
	}
	i := l.Order.At(c.drawn)
	c.drawn++
	s := &live{num: c.numBase + c.sessions, idx: i, conv: &l.Sessions[i]}
	c.sessions++
	return s
}

// ids returns the token ids of shared text (a system prompt, a pooled
// prefix): the same for every session that sends it.
func (c *client) ids(key string, n int) []int32 {
	if c.shared == nil {
		c.shared = map[string][]int32{}
	}
	if v, ok := c.shared[key]; ok && len(v) == n {
		return v
	}
	v := c.w.fresh(n)
	c.shared[key] = v
	return v
}

// send sends turn k of s, intended at intended; then tells next when the
// answer has ended. It reports false when the request budget or the
// phase's duration forbids it.
func (c *client) send(s *live, k int, intended time.Duration, next func(end time.Duration)) bool {
	l := c.load
	if l.MaxRequests > 0 && c.requests >= l.MaxRequests || c.stop > 0 && c.w.now >= c.stop {
		return false
	}
	c.requests++
	t := s.conv.Turns[k]
	var prompt []int32
	if s.conv.SystemTokens > 0 {
		prompt = append(prompt, c.ids("system\x00"+s.conv.SystemKey, s.conv.SystemTokens)...)
	}
	if !s.conv.Standalone {
		prompt = append(prompt, s.history...)
	}
	user := t.User
	if t.PrefixTokens > 0 && t.PrefixTokens <= user {
		prompt = append(prompt, c.ids("prefix\x00"+t.PrefixKey, t.PrefixTokens)...)
		user -= t.PrefixTokens
	}
	prompt = append(prompt, c.w.fresh(user)...)
	n := t.Output
	if n <= 0 { // no max_tokens: the simulator's rule, the prompt's length within [16, 1024]
		n = min(max(len(prompt), 16), 1024)
	}
	answer := c.w.fresh(n)
	r := &Request{Phase: c.phase, Session: s.num, Conv: s.idx, Turn: k, Intended: intended}
	c.w.send(r, prompt, answer, func(end time.Duration) {
		switch {
		case s.conv.Standalone:
		case l.Precanned: // the dataset's answer goes back, not this one
			s.history = append(slices.Clip(prompt[s.conv.SystemTokens:]), c.w.fresh(t.Answer)...)
		default:
			s.history = c.w.history(prompt[s.conv.SystemTokens:], answer)
		}
		next(end)
	})
	return true
}

// turns sends s's turns from k on, each after the previous answer and its
// think time; done is called when the session ends (its turns done, or
// the budget spent). In a rate mode without a session rate, a later turn
// waits for a tick instead (queue).
func (c *client) turns(s *live, k int, intended time.Duration, done func()) {
	sent := c.send(s, k, intended, func(end time.Duration) {
		if k+1 >= len(s.conv.Turns) {
			done()
			return
		}
		at := end + s.conv.Turns[k+1].Delay
		c.w.at(at, func() {
			if c.load.Rate > 0 && !c.load.SessionRate {
				c.waiting = append(c.waiting, func(t time.Duration) { c.turns(s, k+1, t, done) })
				return
			}
			c.turns(s, k+1, at, done)
		})
	})
	if !sent {
		done()
	}
}

// burst starts the concurrency workers: each runs sessions back to back.
func (c *client) burst() {
	var worker func()
	worker = func() {
		if s := c.claim(); s != nil {
			c.turns(s, 0, c.w.now, worker)
		}
	}
	for range max(c.load.Concurrency, 1) {
		c.w.at(c.start, worker)
	}
}

// ticks runs the arrival schedule: at each tick a waiting turn goes first,
// else a new session starts (or waits, keeping its tick, for a slot); a
// tick with no taker is dropped. It stops when nothing is left to tick for.
func (c *client) ticks() {
	next := c.start
	var tick func()
	tick = func() {
		t := c.w.now
		switch {
		case len(c.waiting) > 0:
			f := c.waiting[0]
			c.waiting = c.waiting[1:]
			f(t)
		default:
			if s := c.claim(); s != nil {
				c.newWaiting = append(c.newWaiting, pending{s, t})
				c.startWaiting()
			}
		}
		next += c.load.Gaps.At(c.ticked)
		c.ticked++
		// Past the duration nothing may be sent; with every session
		// started and none under way, nothing is left to tick for.
		if c.stop > 0 && next >= c.stop || c.exhausted && len(c.waiting) == 0 && c.active == 0 && len(c.newWaiting) == 0 {
			return
		}
		c.w.at(next, tick)
	}
	c.w.at(next, tick)
}

// startWaiting starts the sessions waiting for a slot while slots are
// free, each intended at its tick.
func (c *client) startWaiting() {
	for len(c.newWaiting) > 0 && (c.load.Concurrency <= 0 || c.active < c.load.Concurrency) {
		p := c.newWaiting[0]
		c.newWaiting = c.newWaiting[1:]
		c.active++
		c.turns(p.s, 0, p.at, func() {
			c.active--
			c.startWaiting()
		})
	}
}

// Simulate runs the phases one after another on one engine (a warm-up
// leaves its prefix cache to the profiling phase) and returns every request
// sent, in the order sent.
func Simulate(t *sim.Twin, phases []*Workload, seed uint64) []*Request {
	w := newWorld(t, seed)
	sessions := 0
	for i, l := range phases {
		if len(l.Sessions) == 0 {
			continue
		}
		c := &client{w: w, load: l, phase: i, start: w.now, numBase: sessions}
		if l.Duration > 0 {
			c.stop = w.now + l.Duration
		}
		if l.Rate > 0 {
			c.ticks()
		} else {
			c.burst()
		}
		w.run(0)
		sessions += c.sessions
	}
	return w.reqs
}
