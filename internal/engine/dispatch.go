package engine

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/schedule"
)

// maxAhead is how many sessions the rate dispatcher keeps prepared ahead
// of their ticks: claimed, handed to a worker goroutine, first request
// built. At a tick the work left is a channel send, so building the
// request, starting a goroutine and growing its stack no longer count as
// schedule lag; and a worker runs session after session, keeping its stack.
const maxAhead = 8

// prepared is a session claimed ahead of its tick, or claimed at its tick
// into a backlog (then its worker starts when it gets a slot).
type prepared struct {
	n      int
	conv   *dataset.Conversation
	start  chan credit // its first turn's intended time; closed if never due
	worker bool        // a worker holds it
}

// arrival is a tick that found a session (prepared, or claimed bare into
// the backlog), waiting for a slot.
type arrival struct {
	p        *prepared
	intended int64
}

// dispatcher is the state of one rate-mode phase (see runRate).
type dispatcher struct {
	e        *Engine
	sessions *slots
	// wake has one slot: a session that ends, or a turn that waits for a
	// tick, signals without ever blocking.
	wake chan struct{}
	// waiting holds continuation turns waiting for a tick; each sends the
	// channel its credit goes to. Buffered so a session rarely blocks to
	// enqueue.
	waiting chan chan credit
	// work hands a prepared session to an idle worker (unbuffered: when no
	// worker waits, a new one starts).
	work      chan *prepared
	active    atomic.Int64
	wg        sync.WaitGroup
	ahead     []*prepared // claimed, not yet due, in claim order
	pending   []arrival   // due, waiting for a session slot
	noMoreNew bool
	// watched: session ends wake the dispatcher (a slot freed, or the last
	// one ended). Without a concurrency limit, and while sessions are still
	// to come and requests left in the budget, an ending session changes
	// nothing it decides: not waking it saves a turn of the core per
	// request. Once the budget is spent, every end wakes it (worker).
	watched atomic.Bool
	issue   context.Context
	run     context.Context
	turns   waitFn // continuation turns' wait; nil with a session rate
}

func (d *dispatcher) notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// waitForTick is how a continuation turn gets its credit: the intended time
// of the tick that served it.
func (d *dispatcher) waitForTick(ctx context.Context) (credit, bool) {
	grant := make(chan credit, 1)
	select {
	case d.waiting <- grant:
	case <-ctx.Done():
		return credit{}, false
	}
	d.notify()
	select {
	case c := <-grant:
		return c, true
	case <-ctx.Done():
		return credit{}, false
	}
}

// prepare keeps maxAhead sessions claimed and handed to workers, while
// the backlog of due arrivals waiting for a slot is short: behind a full
// concurrency cap, an arrival is claimed at its tick and gets its worker
// (a goroutine, its first request built) only when a slot frees, so a
// backlog costs its arrivals' records, not a goroutine each. Once the
// request budget is spent, the prepared sessions are let go at once rather
// than each waiting for a tick only to find nothing left to send (at a low
// rate that was seconds added to the end of the phase).
func (d *dispatcher) prepare() {
	if d.e.budgetSpent() {
		d.lastClaimed()
		d.letGoAhead(UnsentBudget)
		return
	}
	for len(d.ahead) < maxAhead && len(d.pending) < maxAhead && !d.noMoreNew {
		p, ok := d.claim()
		if !ok {
			return
		}
		d.ahead = append(d.ahead, p)
		d.startWorker(p)
	}
}

// claim claims the next session, or notes that none is left.
func (d *dispatcher) claim() (*prepared, bool) {
	n, conv, ok := d.e.claimSession()
	if !ok {
		d.lastClaimed()
		return nil, false
	}
	return &prepared{n: n, conv: conv, start: make(chan credit, 1)}, true
}

// backlogFits reports room in the request budget for one more due arrival
// (each sends at least one request): past it, an arrival could never be
// served, and is dropped as a tick with no session left would be.
func (d *dispatcher) backlogFits() bool {
	budget := int64(d.e.cfg.MaxRequests)
	return budget <= 0 || d.e.requests.Load()+int64(len(d.pending)) < budget
}

// startWorker hands p to an idle worker, or starts one.
func (d *dispatcher) startWorker(p *prepared) {
	p.worker = true
	select {
	case d.work <- p:
	default:
		d.wg.Add(1)
		go d.worker(p)
	}
}

// lastClaimed marks that no new session will come: from now on the end
// of the last active one is what the dispatcher waits for. watched is set
// before the dispatcher next reads active, so a session that ends after
// that read sees it and wakes the dispatcher.
func (d *dispatcher) lastClaimed() {
	d.noMoreNew = true
	d.watched.Store(true)
}

// worker runs prepared sessions: it builds a session's first request, waits
// for its tick, runs it, then takes the next one.
func (d *dispatcher) worker(p *prepared) {
	defer d.wg.Done()
	for ok := true; ok; p, ok = <-d.work {
		s := d.e.newSession(p.n, p.conv)
		s.start = func(context.Context) (credit, bool) {
			c, ok := <-p.start
			return c, ok
		}
		s.run(d.issue, d.run, d.turns, 0)
		if s.started {
			d.sessions.release()
			d.active.Add(-1)
			if d.watched.Load() || d.e.budgetSpent() {
				d.notify()
			}
		}
	}
}

// tick hands the arrival due at `at` to a waiting continuation, or to the
// next prepared session, which waits in pending for a slot.
func (d *dispatcher) tick(at int64) {
	select {
	case g := <-d.waiting:
		g <- credit{intendedNs: at}
		return
	default:
	}
	d.prepare()
	var p *prepared
	switch {
	case len(d.ahead) > 0:
		p, d.ahead = d.ahead[0], d.ahead[1:]
	case !d.noMoreNew && d.backlogFits(): // a backlog: claimed now, its worker started with its slot
		p, _ = d.claim()
	}
	if p != nil {
		d.pending = append(d.pending, arrival{p: p, intended: at})
	}
}

// release keeps the prepared sessions topped up and starts the due ones
// that get a slot. The refill comes first: a goroutine readied by a channel
// send runs next once the sender waits, until another send takes its place
// and sends it behind every goroutine already runnable. Readying a worker
// after the credits pushed the credited session back that way, and its
// lag waited for all of them (p99 at 1,000/s on one core: median 1.1 ms
// over twenty runs; 0.44 ms with the refill first).
func (d *dispatcher) release() {
	d.prepare()
	for len(d.pending) > 0 && d.sessions.tryAcquire() {
		d.active.Add(1)
		a := d.pending[0]
		a.p.start <- credit{intendedNs: a.intended} // buffered: its worker may start after
		if !a.p.worker {
			d.startWorker(a.p)
		}
		d.pending = d.pending[1:]
	}
}

// runRate hands out one credit per request on an absolute schedule (spec
// §5.3): at each tick a waiting continuation turn goes first (its session
// already holds a slot); otherwise a new session arrives. Unlike AIPerf,
// which skips the tick when every concurrency slot is busy, sonde never
// drops an arrival: it waits for a slot and keeps its intended send time, so
// the queueing shows in schedule_lag and the effective_* latencies instead
// of silently lowering the offered load (coordinated omission). Nor does it
// re-anchor the schedule when it falls behind: every arrival already due is
// handed out at once.
//
// Nothing here blocks on a session: sessions signal through the one-slot
// wake channel, so the dispatcher can neither hang nor be slowed by the
// sessions it paces.
func (e *Engine) runRate(issue, run context.Context) {
	d := &dispatcher{e: e, sessions: newSlots(e.cfg.Concurrency), wake: make(chan struct{}, 1),
		waiting: make(chan chan credit, 1024), work: make(chan *prepared), issue: issue, run: run}
	d.watched.Store(d.sessions.limited())
	if e.cfg.ConcurrencyRamp > 0 && d.sessions.limited() {
		stop := e.rampSlots(issue, d.sessions, e.cfg.ConcurrencyRamp, d.notify)
		defer stop()
	}
	if c := e.cfg.Control; c != nil && c.Variable == "concurrency" && d.sessions.limited() {
		defer c.bind(issue, d.sessions, d.notify)()
	}
	if !e.cfg.SessionRate { // with a session rate, turns follow their think times
		d.turns = d.waitForTick
	}
	arrivals, t0 := e.cfg.Arrivals, e.clock.Now()
	if c := e.cfg.Control; c != nil && c.Variable == "request_rate" {
		arrivals = c.Arrivals(arrivals, e.cfg.Rate)
	}
	if e.cfg.ShardCount > 1 {
		// Every shard draws the whole schedule and keeps every n-th arrival:
		// together they send the one schedule.
		every := schedule.Every(arrivals, e.cfg.ShardCount, e.cfg.ShardIndex)
		arrivals, t0 = every, t0+int64(every.Offset)
	}
	ticks := schedule.NewTicker(arrivals, t0)
	for issue.Err() == nil {
		d.release()
		idle := d.noMoreNew && len(d.ahead) == 0 && len(d.pending) == 0
		if idle && d.active.Load() == 0 {
			break
		}
		if idle && d.turns == nil {
			// Sessions pace their own turns: nothing left to tick for.
			select {
			case <-d.wake:
			case <-issue.Done():
			}
			continue
		}
		if d.noMoreNew && len(d.ahead) == 0 && len(d.waiting) == 0 {
			// No session left to start and no turn waiting: a tick would
			// find no taker and be dropped. Rather than tick for nothing
			// (a core spent at a high rate while the backlog waits for
			// slots), wait for a session to end or a turn to ask, then
			// drop the ticks that came due meanwhile, as ticking would.
			select {
			case <-d.wake:
			case <-issue.Done():
			}
			for now := e.clock.Now(); ticks.Next() <= now; {
				ticks.Take()
			}
			continue
		}
		if !e.clock.Wait(issue, ticks.Next(), d.wake) {
			continue // woken early: a slot freed or a turn waits; look again
		}
		d.tick(ticks.Take())
	}
	d.finish(issue)
}

// letGoAhead ends the prepared sessions that were never due. Their turns
// count as unsent (for reason) only when the sessions were planned (a
// --conversation-num budget), as sessions never claimed do.
func (d *dispatcher) letGoAhead(reason string) {
	for _, p := range d.ahead {
		if d.e.cfg.MaxSessions > 0 {
			d.e.countUnsent(reason, len(p.conv.Turns))
		}
		close(p.start)
	}
	d.ahead = nil
}

// finish ends the phase's sessions that never started: due ones count as
// unsent for want of a slot; prepared ones were never due (letGoAhead).
func (d *dispatcher) finish(issue context.Context) {
	for _, a := range d.pending {
		d.e.countUnsent(UnsentNoSlot, len(a.p.conv.Turns))
		close(a.p.start)
	}
	d.letGoAhead(stopReason(issue))
	close(d.work)
	d.wg.Wait()
}
