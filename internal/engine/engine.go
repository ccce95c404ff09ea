// Package engine runs a benchmark phase: it starts sessions under the
// concurrency limit and the arrival schedule, sends each turn with the full
// conversation history, and hands every finished request to the processor
// as a record. Request goroutines only measure; parsing of token counts,
// metrics and file writing happen downstream.
package engine

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/schedule"
	"github.com/sonde-bench/sonde/internal/transport"
)

// Config is one phase of a run.
type Config struct {
	Phase string
	// Stage names a profiling phase of a run of several; its records carry
	// it.
	Stage         string
	Conversations []dataset.Conversation
	Sampler       dataset.Sampler
	Codec         *endpoint.Codec
	URLs          []string    // full endpoint URLs, used round robin
	Header        http.Header // base headers; IDs are added per request
	SessionHeader string      // header carrying the session id (X-Correlation-ID)

	Concurrency int     // session slots; 0 = unlimited (rate modes only)
	Rate        float64 // requests per second; 0 = concurrency burst
	Arrivals    schedule.Arrivals

	MaxSessions int           // 0 = no limit
	MaxRequests int           // 0 = no limit
	Duration    time.Duration // 0 = none: stop issuing after it
	Timeout     time.Duration // per request
	Seed        uint64
	// IDSeed draws the sessions' X-Correlation-ID and the requests'
	// X-Request-ID: random per run, so two runs of one seed against one
	// server never send the same ids (the prompts stay the seed's); 0
	// draws them from Seed.
	IDSeed uint64
	// SessionOffset numbers this phase's sessions after an earlier phase's.
	SessionOffset int

	// SessionRate makes Rate/Arrivals start sessions only; their turns then
	// follow one another with their think times (--session-arrival-rate).
	SessionRate bool
	// Users and UserGap select user-centric load: Users users each start a
	// turn every UserGap (--user-centric-rate, --num-users).
	Users   int
	UserGap time.Duration

	ExtraSessionHeaders []string      // also carry the session id (X-Session-Affinity)
	Reuse               Reuse         // how requests share connections
	CancelRate          float64       // percent of requests cancelled on purpose
	CancelDelay         time.Duration // after the request is written
	PrefillConcurrency  int           // requests awaiting their first bytes; 0 = no limit
	// Precanned continues each conversation with the dataset's pre-canned
	// answers instead of the live ones, so every run sends the same
	// prompts (the with-responses context modes, --replay-outputs).
	Precanned bool
	// ShardIndex of ShardCount: this process runs the sessions whose global
	// number is ShardIndex modulo ShardCount (and, with users, those
	// users), out of the same seeded plan every shard draws in full, so the
	// shards together send what one process would. ShardCount ≤ 1: all.
	ShardIndex, ShardCount int
	// Sign, when set, gives the headers that sign a request to url with
	// Header, the request's own headers and body (--auth-type sigv4);
	// build calls it, before the send time.
	Sign func(url string, own []transport.HeaderField, body []byte) ([]transport.HeaderField, error)
	// PrefillConcurrencyRamp opens the prefill slots one after another over
	// this duration, from one to PrefillConcurrency, in equal steps, as the
	// concurrency ramp does (--prefill-concurrency-ramp-duration).
	PrefillConcurrencyRamp time.Duration
	// JobPoll is how often a video job is asked for its state (0: 50 ms);
	// DownloadJob also downloads a finished job's content
	// (--download-video-content).
	JobPoll     time.Duration
	DownloadJob bool
	// ConcurrencyRamp starts the burst workers one after another over this
	// time, a linear climb to Concurrency (--concurrency-ramp-duration); in
	// the rate modes it raises the cap on sessions in flight the same way.
	ConcurrencyRamp time.Duration
	// Control, when set, moves the concurrency, the prefill concurrency,
	// the request rate or the users while the phase runs (adaptive scale),
	// and may end its issuing.
	Control *Control
	// ChatMessages: chat records carry the messages sent, for counting ISL
	// through the chat template.
	ChatMessages bool
	// StopOnError ends a session at its first failed turn; otherwise the
	// session goes on, as AIPerf's does, and the failed turn's question stays
	// in the history without an answer (--session-on-error).
	StopOnError bool

	// KeepRaw keeps request bodies and raw events (--export-level raw).
	KeepRaw bool
	// KeepChunks keeps every response event's arrival and size
	// (--export-http-trace).
	KeepChunks bool

	// Lanes, for an agentic replay, are the trajectories the phase's new
	// sessions take first; sessions it stops before their end hand theirs
	// back, for the next phase to resume. LanesAtOnce starts every lane at
	// once, without its delay (--burst-phase-starts).
	Lanes       *Lanes
	LanesAtOnce bool
	// IdleGapCap bounds how long the replay stays idle, nothing in flight,
	// while think times are pending: they are pulled in uniformly
	// (--system-idle-gap-cap-seconds); 0 = no cap.
	IdleGapCap time.Duration

	// Fixed sends each conversation at its first turn's trace timestamp
	// (ms, minus FixedZeroMs), in the sampler's order (--fixed-schedule).
	Fixed       bool
	FixedZeroMs float64
	// Stream, when set, opens the trace a fixed schedule reads as it goes
	// instead of Conversations (a large trace; the Sampler is not drawn).
	Stream func() (Stream, error)
}

// Reuse is a connection reuse strategy (--connection-reuse-strategy).
type Reuse int

const (
	ReusePooled Reuse = iota // share keep-alive connections
	ReuseNever               // a new connection per request
	ReuseSticky              // one connection per session
)

// String is the strategy's flag value.
func (r Reuse) String() string {
	return [...]string{"pooled", "never", "sticky-user-sessions"}[r]
}

// Progress is read by the UI while the engine writes it.
type Progress struct {
	RequestsSent    atomic.Int64
	RequestsDone    atomic.Int64
	RequestErrors   atomic.Int64
	SessionsStarted atomic.Int64
	SessionsDone    atomic.Int64
	InFlight        atomic.Int64
	// Failures, set before the phase starts, is told the moment a request
	// ends past its threshold: exact, where a poller sees hundreds of fast
	// failures at once.
	Failures *FailureLimit
}

// FailureLimit is --failed-request-threshold: once at least Arm requests
// have ended, the first to end with more than Threshold of them failed
// calls Hit, once, on its own goroutine (Hit must not block).
type FailureLimit struct {
	Threshold float64
	Arm       int64
	Hit       func(done, failed int64)
	hit       atomic.Bool
}

// ended counts a request that ended, the failure first so that a reader
// never sees more requests ended than it should count failures for.
func (p *Progress) ended(failed bool) {
	f := p.RequestErrors.Load()
	if failed {
		f = p.RequestErrors.Add(1)
	}
	n := p.RequestsDone.Add(1)
	if l := p.Failures; l != nil && n >= l.Arm && float64(f) > l.Threshold*float64(n) && l.hit.CompareAndSwap(false, true) {
		l.Hit(n, f)
	}
}

// Clock is the engine's time: the run clock (clock.Clock), or a fake that
// tests drive, so pacing logic is tested exactly.
type Clock interface {
	// Now is monotonic nanoseconds of the run clock.
	Now() int64
	// Wait blocks until ns, until wake receives or ctx ends; it reports
	// whether ns was reached with ctx live.
	Wait(ctx context.Context, ns int64, wake <-chan struct{}) bool
}

// Engine runs one phase.
type Engine struct {
	cfg      Config
	client   *transport.Client
	clock    Clock
	out      chan<- *record.Record
	progress *Progress
	// scratch holds parseScratch values: parsing buffers reused across requests.
	scratch sync.Pool

	urlNext  atomic.Uint64
	requests atomic.Int64 // request budget claimed
	children atomic.Int64 // a DAG's sub-agent sessions started (their numbers)
	prefill  *slots       // --prefill-concurrency
	idle     *idleCap     // --system-idle-gap-cap-seconds, or nil

	// traced: each request carries a traceparent of its own (unless the
	// user's headers set one: theirs goes, as every user header wins).
	traced bool

	fixedT0  int64      // run-clock time of FixedZeroMs (fixed schedule)
	mu       sync.Mutex // guards sessions, the sampler and unsent
	sessions int        // sessions started
	unsent   map[string]int64

	issued     chan struct{} // closed once nothing new will be sent (Issued)
	issuedOnce sync.Once
	inputErr   error // the error a streamed trace ended on
}

// New builds an engine that sends records to out.
func New(cfg Config, client *transport.Client, c Clock, out chan<- *record.Record, p *Progress) *Engine {
	if cfg.SessionHeader == "" {
		cfg.SessionHeader = "X-Correlation-ID"
	}
	if cfg.Arrivals == nil {
		cfg.Arrivals = schedule.Burst{}
	}
	e := &Engine{cfg: cfg, client: client, clock: c, out: out, progress: p, traced: cfg.Header.Get("Traceparent") == "",
		prefill: newSlots(cfg.PrefillConcurrency), unsent: map[string]int64{}, issued: make(chan struct{})}
	if cfg.IdleGapCap > 0 {
		e.idle = newIdleCap(int64(cfg.IdleGapCap), c)
	}
	return e
}

// due waits until a turn is due at at (pulled in by the idle cap, when
// there is one, and then returned so); false when ctx ended first.
func (e *Engine) due(ctx context.Context, at int64) (int64, bool) {
	if e.idle == nil {
		return at, e.clock.Wait(ctx, at, nil)
	}
	return e.idle.wait(ctx, at)
}

// sending tells the idle cap that a session sends without a wait.
func (e *Engine) sending() {
	if e.idle != nil {
		e.idle.ready()
	}
}

// settled tells the idle cap that a session's answer is in.
func (e *Engine) settled() {
	if e.idle != nil {
		e.idle.settled()
	}
}

// ErrCancelled is the cause of the run context that cuts the requests in
// flight: each gets a record as a cancelled request (transport's error).
var ErrCancelled = transport.ErrCancelled

// ErrStopped is the cause of the issue context when the run is interrupted.
var ErrStopped = errors.New("stopped")

// Reasons a planned turn was not sent (sonde.unsent_turns_by_reason).
const (
	UnsentTurnFailed  = "previous_turn_failed"     // --session-on-error stop
	UnsentBudget      = "request_count_reached"    // --request-count cut the session
	UnsentDuration    = "duration_ended"           // --benchmark-duration ended
	UnsentInterrupted = "interrupted"              // Ctrl-C, SIGTERM, SIGHUP
	UnsentNoSlot      = "no_concurrency_slot"      // arrived, never got a slot before the stop
	UnsentFailures    = "failed_request_threshold" // --failed-request-threshold ended the phase
)

// ErrTooManyFailures, as the issue context's cause, ends a phase because
// too many requests failed (--failed-request-threshold).
var ErrTooManyFailures = errors.New("too many failed requests")

// stopReason names why the issue context ended.
func stopReason(issue context.Context) string {
	switch cause := context.Cause(issue); {
	case errors.Is(cause, ErrStopped):
		return UnsentInterrupted
	case errors.Is(cause, ErrTooManyFailures):
		return UnsentFailures
	}
	return UnsentDuration
}

func (e *Engine) countUnsent(reason string, turns int) {
	if turns <= 0 {
		return
	}
	e.mu.Lock()
	e.unsent[reason] += int64(turns)
	e.mu.Unlock()
}

// Unsent returns the planned turns never sent, by reason. Call after Run.
func (e *Engine) Unsent() map[string]int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return maps.Clone(e.unsent)
}

// Run executes the phase. No new request starts once issue is done; requests
// still in flight are cancelled when run is done. Run returns when every
// goroutine it started has finished and handed over its records; every
// planned turn is then either sent or counted in Unsent.
func (e *Engine) Run(issue, run context.Context) error {
	if len(e.cfg.Conversations) == 0 || len(e.cfg.URLs) == 0 || e.cfg.Codec == nil || e.cfg.Sampler == nil {
		return errors.New("engine: a phase needs conversations, a sampler, a codec and at least one URL")
	}
	defer e.markIssued()
	if e.cfg.Lanes != nil {
		e.cfg.Lanes.begin()
	}
	if e.cfg.Duration > 0 {
		var cancel context.CancelFunc
		issue, cancel = context.WithTimeout(issue, e.cfg.Duration)
		defer cancel()
	}
	if e.cfg.PrefillConcurrencyRamp > 0 && e.prefill.limited() {
		stop := e.rampSlots(issue, e.prefill, e.cfg.PrefillConcurrencyRamp, nil)
		defer stop()
	}
	if c := e.cfg.Control; c != nil {
		var cancel context.CancelFunc
		issue, cancel = context.WithCancel(issue)
		defer cancel()
		go func() {
			select {
			case <-c.Done():
				cancel()
			case <-issue.Done():
			}
		}()
		if c.Variable == "prefill_concurrency" && e.prefill.limited() {
			defer c.bind(issue, e.prefill, nil)()
		}
	}
	defer context.AfterFunc(issue, e.markIssued)() // a stop or the duration ends the issuing
	switch {
	case e.cfg.Fixed:
		e.runFixed(issue, run)
	case e.cfg.Users > 0:
		e.runUsers(issue, run)
	case e.cfg.Rate > 0:
		e.runRate(issue, run)
	default:
		e.runBurst(issue, run)
	}
	e.countUnclaimed(issue)
	return nil
}

// rampSlots holds all of s's slots but one, then frees one every
// ramp/(n−1) on the engine's clock, calling freed (when set) after each:
// --prefill-concurrency-ramp-duration, and the concurrency cap's ramp in
// the rate modes. stop waits for the ramp's goroutine to end.
func (e *Engine) rampSlots(issue context.Context, s *slots, ramp time.Duration, freed func()) (stop func()) {
	n := cap(s.ch)
	for range n - 1 {
		s.ch <- struct{}{}
	}
	ctx, cancel := context.WithCancel(issue)
	done := make(chan struct{})
	t0 := e.clock.Now()
	go func() {
		defer close(done)
		for i := 1; i < n; i++ {
			at := t0 + int64(ramp)*int64(i)/int64(n-1)
			for e.clock.Now() < at {
				if ctx.Err() != nil {
					return
				}
				e.clock.Wait(ctx, at, nil)
			}
			s.release()
			if freed != nil {
				freed()
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// countUnclaimed counts the turns of planned sessions that never started.
func (e *Engine) countUnclaimed(issue context.Context) {
	p, ok := e.cfg.Sampler.(*dataset.Planned)
	if !ok || e.cfg.MaxSessions <= 0 {
		return
	}
	e.mu.Lock()
	from := e.sessions
	e.mu.Unlock()
	reason := UnsentBudget
	if issue.Err() != nil {
		reason = stopReason(issue)
	}
	for n := from; n < min(e.cfg.MaxSessions, len(p.Order)); n++ {
		if e.mine(n) {
			e.countUnsent(reason, len(e.cfg.Conversations[p.Order[n]].Turns))
		}
	}
}

// claimSession reserves the next session and its conversation, or reports
// that none may start. Number and conversation are drawn together so that
// session n always runs the n-th planned conversation, whatever the
// goroutine interleaving: the same seed sends the same requests.
func (e *Engine) claimSession() (int, *dataset.Conversation, bool) {
	n, i, ok := e.claimDrawn()
	if !ok {
		return 0, nil, false
	}
	return n, &e.cfg.Conversations[i], true
}

// claimDrawn is claimSession by the conversation's index.
func (e *Engine) claimDrawn() (n, conv int, ok bool) {
	if e.budgetSpent() {
		return 0, 0, false
	}
	n, ok = e.claim(func() bool {
		conv = e.cfg.Sampler.Next() // drawn by every shard: the plan stays global
		return true
	})
	return n, conv, ok
}

// claimLane reserves the next session for the next lane of an agentic
// replay, before any drawn from the sampler; false when none is left (or
// none may start). A lane's session is numbered as any other, but draws
// nothing from the sampler.
func (e *Engine) claimLane() (n int, ln Lane, ok bool) {
	if e.cfg.Lanes == nil || e.budgetSpent() {
		return 0, Lane{}, false
	}
	n, ok = e.claim(func() bool {
		var more bool
		ln, more = e.cfg.Lanes.take() // every shard takes every lane: the plan stays global
		return more
	})
	return n, ln, ok
}

// claim numbers the next session of this shard, under the session budget:
// draw takes what a session runs (false: nothing left), for every number,
// this shard's or another's.
func (e *Engine) claim(draw func() bool) (int, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for {
		if e.cfg.MaxSessions > 0 && e.sessions >= e.cfg.MaxSessions {
			e.markIssued()
			return 0, false
		}
		if !draw() {
			return 0, false
		}
		n := e.sessions
		e.sessions++
		if e.mine(n) {
			return n, true
		}
	}
}

// mine reports whether global session (or user) n belongs to this shard.
func (e *Engine) mine(n int) bool {
	return e.cfg.ShardCount <= 1 || n%e.cfg.ShardCount == e.cfg.ShardIndex
}

// budgetSpent reports whether every request of the budget
// (--request-count) has been claimed.
func (e *Engine) budgetSpent() bool {
	return e.cfg.MaxRequests > 0 && e.requests.Load() >= int64(e.cfg.MaxRequests)
}

// claimRequest reserves one request of the budget.
func (e *Engine) claimRequest() bool {
	n := e.requests.Add(1)
	if e.cfg.MaxRequests > 0 && n >= int64(e.cfg.MaxRequests) {
		e.markIssued() // the budget's last request is on its way
	}
	return e.cfg.MaxRequests <= 0 || n <= int64(e.cfg.MaxRequests)
}

// Issued is closed once the phase sends nothing new: its request budget
// claimed, its sessions all started, its issuing stopped (its duration, a
// stop) or the phase over. A seamless next phase starts then.
func (e *Engine) Issued() <-chan struct{} { return e.issued }

func (e *Engine) markIssued() { e.issuedOnce.Do(func() { close(e.issued) }) }

// workers is how many burst workers can ever be busy: the concurrency, but
// no more than the sessions or requests the phase may send, so an absurd
// --concurrency with a small budget costs nothing.
func (e *Engine) workers() int {
	n := max(e.cfg.Concurrency, 1)
	if e.cfg.MaxSessions > 0 {
		n = min(n, max(1, e.cfg.MaxSessions/max(e.cfg.ShardCount, 1)+1))
	}
	if e.cfg.MaxRequests > 0 {
		n = min(n, e.cfg.MaxRequests)
	}
	return n
}

// nextBurstSession is a burst worker's next session: an agentic replay's
// next lane, else the sampler's next conversation; nil when none may start.
func (e *Engine) nextBurstSession() *session {
	if n, ln, ok := e.claimLane(); ok {
		s := e.newSession(n, resumed(&e.cfg.Conversations[ln.Conv], ln))
		s.lane, s.offset, s.startDelay = ln.Conv, ln.Next, ln.Delay
		if e.cfg.LanesAtOnce {
			s.startDelay = 0
		}
		return s
	}
	n, i, ok := e.claimDrawn()
	if !ok {
		return nil
	}
	s := e.newSession(n, &e.cfg.Conversations[i])
	s.lane = i
	return s
}

// runBurst keeps Concurrency sessions going back to back; with a ramp,
// worker i starts i/(n−1) of the way through it.
func (e *Engine) runBurst(issue, run context.Context) {
	var wg sync.WaitGroup
	n, t0 := e.workers(), e.clock.Now()
	gate := &slots{} // unlimited, but for an adaptive concurrency
	if c := e.cfg.Control; c != nil && c.Variable == "concurrency" {
		gate = newSlots(n)
		defer c.bind(issue, gate, nil)()
	}
	for i := range n {
		wg.Go(func() {
			if e.cfg.ConcurrencyRamp > 0 && i > 0 && n > 1 {
				at := t0 + int64(e.cfg.ConcurrencyRamp)*int64(i)/int64(n-1)
				for e.clock.Now() < at && issue.Err() == nil {
					e.clock.Wait(issue, at, nil)
				}
			}
			for gate.acquire(issue) {
				s := e.nextBurstSession()
				if s == nil {
					gate.release()
					return
				}
				s.run(issue, run, nil, e.clock.Now())
				gate.release()
			}
		})
	}
	wg.Wait()
}
