package engine

import (
	"context"
	"sync"
	"time"
)

// runUsers is user-centric load (AIPerf's --user-centric-rate): Users users,
// each running one session after another, start a turn every UserGap (=
// users / QPS). A user waits for its previous answer; if that takes longer
// than the gap, the next turn goes at once and the user's baseline moves.
// Users start staggered by UserGap/Users, so the run offers a steady QPS from
// the start. --concurrency, when set, caps the users active at once. With an
// adaptive count of users (Control "users"), the users beyond the count
// wait, and each user's gap is the live count over the QPS: the total rate
// stays, the population's pressure moves.
func (e *Engine) runUsers(issue, run context.Context) {
	active := newSlots(e.cfg.Concurrency)
	t0 := e.clock.Now()
	gate, gap := &slots{}, func() time.Duration { return e.cfg.UserGap }
	if c := e.cfg.Control; c != nil && c.Variable == "users" {
		gate = newSlots(e.cfg.Users)
		defer c.bind(issue, gate, nil)()
		perUser := float64(e.cfg.UserGap) / float64(e.cfg.Users) // 1/QPS
		gap = func() time.Duration { return time.Duration(perUser * c.Limit()) }
	}
	var wg sync.WaitGroup
	for u := range e.cfg.Users {
		if !e.mine(u) {
			continue // another shard's user
		}
		wg.Go(func() {
			if !gate.acquire(issue) {
				return
			}
			defer gate.release()
			next := t0 + int64(gap())*int64(u)/int64(e.cfg.Users)
			if gate.limited() {
				next = max(next, e.clock.Now()) // a user let in late starts now, not in a burst of missed turns
			}
			for e.clock.Wait(issue, next, nil) && active.acquire(issue) {
				n, conv, ok := e.claimSession()
				if !ok {
					active.release()
					return
				}
				s := e.newSession(n, conv)
				s.gap = gap()
				last, end := s.run(issue, run, nil, next)
				active.release()
				next = max(last+int64(s.gap), end)
			}
		})
	}
	wg.Wait()
}
