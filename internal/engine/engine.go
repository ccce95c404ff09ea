// Package engine runs a benchmark phase: it starts sessions under the
// concurrency limit and the arrival schedule, sends each turn with the full
// conversation history, and hands every finished request to the processor
// as a record. Request goroutines only measure; parsing of token counts,
// metrics and file writing happen downstream.
package engine

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/schedule"
	"github.com/sonde-bench/sonde/internal/transport"
)

// Config is one phase of a run.
type Config struct {
	Phase         string
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
	ConnectionReuse     string        // ReusePooled, ReuseNever, ReuseSticky
	CancelRate          float64       // percent of requests cancelled on purpose
	CancelDelay         time.Duration // after the request is written
	PrefillConcurrency  int           // requests awaiting their first bytes; 0 = no limit
	ContextMode         string        // ContextLive or a pre-canned mode

	// KeepRaw keeps request bodies and raw events (--export-level raw).
	KeepRaw bool

	// Fixed sends each conversation at its first turn's trace timestamp
	// (ms, minus FixedZeroMs), in the sampler's order (--fixed-schedule).
	Fixed       bool
	FixedZeroMs float64
}

// Connection reuse strategies.
const (
	ReusePooled = "pooled"
	ReuseNever  = "never"
	ReuseSticky = "sticky-user-sessions"
)

// Context modes: ContextLive sends the live answers; the others the dataset's
// pre-canned answers (for synthetic data the two pre-canned modes send the
// same messages).
const (
	ContextLive         = "deltas_without_responses"
	ContextDeltasCanned = "deltas_with_responses"
	ContextArrayCanned  = "message_array_with_responses"
)

// Progress is read by the UI while the engine writes it.
type Progress struct {
	RequestsSent    atomic.Int64
	RequestsDone    atomic.Int64
	RequestErrors   atomic.Int64
	SessionsStarted atomic.Int64
	SessionsDone    atomic.Int64
	InFlight        atomic.Int64
	// Unsent counts arrivals the schedule made that never got a slot before
	// the run stopped (k6's dropped iterations).
	Unsent atomic.Int64
}

// Engine runs one phase.
type Engine struct {
	cfg      Config
	client   *transport.Client
	clock    clock.Clock
	out      chan<- *record.Record
	progress *Progress

	urlNext  atomic.Uint64
	requests atomic.Int64  // request budget claimed
	prefill  chan struct{} // --prefill-concurrency slots; nil when unlimited

	fixedT0  int64      // run-clock time of FixedZeroMs (fixed schedule)
	mu       sync.Mutex // guards sessions and the sampler, claimed together
	sessions int        // sessions started
}

// New builds an engine that sends records to out.
func New(cfg Config, client *transport.Client, c clock.Clock, out chan<- *record.Record, p *Progress) *Engine {
	if cfg.SessionHeader == "" {
		cfg.SessionHeader = "X-Correlation-ID"
	}
	if cfg.Arrivals == nil {
		cfg.Arrivals = schedule.Burst{}
	}
	if cfg.ContextMode == "" {
		cfg.ContextMode = ContextLive
	}
	e := &Engine{cfg: cfg, client: client, clock: c, out: out, progress: p}
	if cfg.PrefillConcurrency > 0 {
		e.prefill = make(chan struct{}, cfg.PrefillConcurrency)
	}
	return e
}

// ErrStopped is the cause of the issue context when the run is interrupted.
var ErrStopped = errors.New("stopped")

// Run executes the phase. No new request starts once issue is done; requests
// still in flight are cancelled when run is done. Run returns when every
// session goroutine has finished and handed over its records.
func (e *Engine) Run(issue, run context.Context) {
	if e.cfg.Duration > 0 {
		var cancel context.CancelFunc
		issue, cancel = context.WithTimeout(issue, e.cfg.Duration)
		defer cancel()
	}
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
}

// claimSession reserves the next session and its conversation, or reports
// that none may start. Number and conversation are drawn together so that
// session n always runs the n-th planned conversation, whatever the
// goroutine interleaving: the same seed sends the same requests.
func (e *Engine) claimSession() (int, *dataset.Conversation, bool) {
	if e.cfg.MaxRequests > 0 && e.requests.Load() >= int64(e.cfg.MaxRequests) {
		return 0, nil, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cfg.MaxSessions > 0 && e.sessions >= e.cfg.MaxSessions {
		return 0, nil, false
	}
	n := e.sessions
	e.sessions++
	return n, &e.cfg.Conversations[e.cfg.Sampler.Next()], true
}

// claimRequest reserves one request of the budget.
func (e *Engine) claimRequest() bool {
	n := e.requests.Add(1)
	return e.cfg.MaxRequests <= 0 || n <= int64(e.cfg.MaxRequests)
}

// runBurst keeps Concurrency sessions going back to back.
func (e *Engine) runBurst(issue, run context.Context) {
	slots := max(e.cfg.Concurrency, 1)
	var wg sync.WaitGroup
	for range slots {
		wg.Go(func() {
			for issue.Err() == nil {
				n, conv, ok := e.claimSession()
				if !ok {
					return
				}
				e.newSession(n, conv).run(issue, run, nil, e.clock.Now())
			}
		})
	}
	wg.Wait()
}
