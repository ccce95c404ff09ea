package engine

import (
	"context"
	"sync"
)

// runUsers is user-centric load (AIPerf's --user-centric-rate): Users users,
// each running one session after another, start a turn every UserGap (=
// users / QPS). A user waits for its previous answer; if that takes longer
// than the gap, the next turn goes at once and the user's baseline moves.
// Users start staggered by UserGap/Users, so the run offers a steady QPS from
// the start. --concurrency, when set, caps the users active at once.
func (e *Engine) runUsers(issue, run context.Context) {
	active := newSlots(e.cfg.Concurrency)
	t0 := e.clock.Now()
	var wg sync.WaitGroup
	for u := range e.cfg.Users {
		if !e.mine(u) {
			continue // another shard's user
		}
		wg.Go(func() {
			next := t0 + int64(e.cfg.UserGap)*int64(u)/int64(e.cfg.Users)
			for e.clock.Wait(issue, next, nil) && active.acquire(issue) {
				n, conv, ok := e.claimSession()
				if !ok {
					active.release()
					return
				}
				s := e.newSession(n, conv)
				s.gap = e.cfg.UserGap
				last, end := s.run(issue, run, nil, next)
				active.release()
				next = max(last+int64(e.cfg.UserGap), end)
			}
		})
	}
	wg.Wait()
}
