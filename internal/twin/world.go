// Package twin fits sonde's batching engine to runs measured against a real
// server and predicts, in virtual time, what that server would measure under
// loads nobody ran: a discrete-event run of the client's load (sessions,
// concurrency, arrivals, think times) against sim.Virtual, the simulator's
// own scheduler stepped without a clock. Nothing sleeps: a ten-minute run is
// simulated in about a second.
package twin

import (
	"container/heap"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/sonde-bench/sonde/internal/sim"
)

// Request is one simulated request, its times since the run's start.
type Request struct {
	Phase   int // index of the phase that sent it
	Session int // the session's number in the run
	Conv    int // the workload's session it plays
	Turn    int
	// Intended is when the schedule meant it to go; Sent when it went.
	Intended, Sent time.Duration
	// Tokens are the output tokens' arrival times (the first is TTFT's end).
	Tokens        []time.Duration
	Input, Output int
	Cached        int
	Refused       bool // the KV cache can never hold it
	done          func(t time.Duration)
}

// obs is the request as the headline figures read it.
func (r *Request) obs() Obs {
	o := Obs{Sent: r.Sent, Last: r.End(), Output: len(r.Tokens)}
	if len(r.Tokens) > 0 {
		o.First = r.Tokens[0]
	}
	return o
}

// End is when the last token arrived (or the refusal).
func (r *Request) End() time.Duration {
	if len(r.Tokens) == 0 {
		return r.Sent
	}
	return r.Tokens[len(r.Tokens)-1]
}

// event is something the client does at a time: a request reaching the
// scheduler, a session's next turn, a tick of the schedule.
type event struct {
	at  time.Duration
	seq int // ties break in the order events were made
	do  func()
}

type events []event

func (e events) Len() int { return len(e) }
func (e events) Less(i, j int) bool {
	return e[i].at < e[j].at || e[i].at == e[j].at && e[i].seq < e[j].seq
}
func (e events) Swap(i, j int) { e[i], e[j] = e[j], e[i] }
func (e *events) Push(x any)   { *e = append(*e, x.(event)) }
func (e *events) Pop() any {
	old := *e
	x := old[len(old)-1]
	*e = old[:len(old)-1]
	return x
}

// world is the engine and the client's events on one virtual timeline.
// The engine takes new requests between steps only, as Batch does; a step's
// tokens arrive at its end.
type world struct {
	eng      *sim.Virtual
	rerender bool          // answers come back re-rendered: never cached
	overhead time.Duration // the least a request takes to reach the scheduler
	jitter   time.Duration // the mean of the random rest (exponential)
	rng      *rand.Rand
	now      time.Duration
	queue    events
	made     int

	stepping bool
	stepEnd  time.Duration
	pending  []sim.Emitted
	reqs     []*Request
	nextID   int32
}

func newWorld(t *sim.Twin, seed uint64) *world {
	fixed, jitter := t.Costs.Overhead()
	return &world{eng: sim.NewVirtual(t.Batch()), rerender: t.Engine.RerenderedAnswers, overhead: fixed, jitter: jitter,
		rng: rand.New(rand.NewPCG(seed, 0x6a6974746572)), nextID: 1 << 20}
}

// at schedules f at time t (never before now).
func (w *world) at(t time.Duration, f func()) {
	w.made++
	heap.Push(&w.queue, event{at: max(t, w.now), seq: w.made, do: f})
}

// fresh returns n token ids never used before: new text.
func (w *world) fresh(n int) []int32 {
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = w.nextID
		w.nextID++
	}
	return ids
}

// history is what a session's next prompt starts with after this turn:
// the prompt and the answer (as new tokens when answers come back
// re-rendered).
func (w *world) history(prompt, answer []int32) []int32 {
	if w.rerender {
		answer = w.fresh(len(answer))
	}
	return append(slices.Clip(prompt), answer...)
}

// send puts a request on the wire at the current time: it reaches the
// scheduler after the overhead. done, when set, is told when it ends.
func (w *world) send(r *Request, prompt, answer []int32, done func(t time.Duration)) {
	r.Sent, r.Input, r.Output, r.done = w.now, len(prompt), len(answer), done
	r.Tokens = make([]time.Duration, 0, len(answer))
	tag := len(w.reqs)
	w.reqs = append(w.reqs, r)
	arrive := w.now + w.overhead
	if w.jitter > 0 {
		arrive += time.Duration(w.rng.ExpFloat64() * float64(w.jitter))
	}
	w.at(arrive, func() {
		w.eng.Submit(tag, prompt, answer)
		w.step()
	})
}

// step starts the engine's next step if it is idle and has work.
func (w *world) step() {
	if w.stepping || !w.eng.Busy() {
		return
	}
	for w.eng.Busy() {
		d, em := w.eng.Step()
		if d == 0 { // a refusal, at once
			w.emit(em)
			continue
		}
		w.stepping, w.stepEnd = true, w.now+d
		w.pending = append(w.pending[:0], em...)
		return
	}
}

// emit hands a step's tokens to their requests.
func (w *world) emit(em []sim.Emitted) {
	for _, e := range em {
		r := w.reqs[e.Tag]
		if e.Token < 0 {
			r.Refused = true
		} else {
			r.Tokens = append(r.Tokens, w.now)
			r.Cached = e.Cached
		}
		if e.Last && r.done != nil {
			r.done(w.now)
		}
	}
}

// run advances time until nothing is left to happen, or until limit when it
// is positive (the events after it stay queued).
func (w *world) run(limit time.Duration) {
	for {
		next, ok := time.Duration(0), false
		if len(w.queue) > 0 {
			next, ok = w.queue[0].at, true
		}
		if w.stepping && (!ok || w.stepEnd <= next) {
			w.now, w.stepping = w.stepEnd, false
			w.emit(w.pending)
			w.step()
			continue
		}
		if !ok || limit > 0 && next > limit {
			return
		}
		e := heap.Pop(&w.queue).(event)
		w.now = e.at
		e.do()
	}
}
