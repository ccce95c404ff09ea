package twin

import (
	"fmt"
	"sync"
	"time"

	"github.com/sonde-bench/sonde/internal/engine"
	"github.com/sonde-bench/sonde/internal/schedule"
)

// Workload is what a phase sends, in the terms the twin needs: sessions of
// turns counted in tokens, and the load that issues them (as the engine's
// Config says it, see FromConfig).
type Workload struct {
	Sessions []Session
	// Order is the sampler: which of Sessions the n-th session plays.
	Order *Memo[int]

	Concurrency int     // session slots; 0 = unlimited (rate modes only)
	Rate        float64 // 0: concurrency burst
	// Gaps are the arrival schedule's inter-arrival times.
	Gaps        *Memo[time.Duration]
	SessionRate bool // ticks start sessions only; turns follow think times

	MaxSessions, MaxRequests int
	Duration                 time.Duration
	// Precanned: later turns resend the dataset's answers (Turn.Answer
	// tokens), not the live ones, so a cache serves them only up to there.
	Precanned bool
}

// Session is a conversation's shape.
type Session struct {
	ID string
	// System is a system prompt every turn starts with (SystemTokens
	// long), shared by the sessions with the same SystemKey.
	SystemKey    string
	SystemTokens int
	// Standalone sends each turn without the ones before it.
	Standalone bool
	Turns      []Turn
}

// Turn is one user turn.
type Turn struct {
	User   int // its new tokens
	Output int // the answer's length
	Answer int // the pre-canned answer's length, resent with Precanned
	Delay  time.Duration
	// PrefixKey names a pooled prefix of PrefixTokens tokens the turn's
	// text starts with, shared by the sessions that drew it.
	PrefixKey    string
	PrefixTokens int
}

// FromConfig reads a phase's workload from the engine's configuration. A
// load the twin does not model is an error that names its flag.
func FromConfig(cfg engine.Config) (*Workload, error) {
	for _, c := range []struct {
		on   bool
		flag string
	}{
		{cfg.Users > 0, "--user-centric-rate"}, {cfg.Fixed || cfg.Stream != nil, "--fixed-schedule"},
		{cfg.Lanes != nil, "an agentic replay (--agentic-*)"}, {cfg.Control != nil, "adaptive scale (--adaptive-*)"},
		{cfg.CancelRate > 0, "--request-cancellation-rate"}, {cfg.PrefillConcurrency > 0, "--prefill-concurrency"},
		{cfg.ConcurrencyRamp > 0, "--concurrency-ramp-duration"}, {cfg.ShardCount > 1, "a shard of a run (--shard-*)"},
	} {
		if c.on {
			return nil, fmt.Errorf("the twin does not model %s yet: predict without it", c.flag)
		}
	}
	w := &Workload{Concurrency: cfg.Concurrency, Rate: cfg.Rate, SessionRate: cfg.SessionRate,
		MaxSessions: cfg.MaxSessions, MaxRequests: cfg.MaxRequests, Duration: cfg.Duration, Precanned: cfg.Precanned}
	for _, c := range cfg.Conversations {
		s := Session{ID: c.ID, SystemKey: c.System, SystemTokens: c.SystemTokens, Standalone: c.Standalone}
		for _, t := range c.Turns {
			s.Turns = append(s.Turns, Turn{User: t.Tokens + t.BatchTokens, Output: t.MaxTokens, Answer: t.AnswerTokens, Delay: t.Delay,
				PrefixKey: t.Prefix, PrefixTokens: t.PrefixTokens})
		}
		w.Sessions = append(w.Sessions, s)
	}
	w.Order = &Memo[int]{Next: func() int { return 0 }}
	if cfg.Sampler != nil {
		w.Order.Next = cfg.Sampler.Next
	}
	if w.Rate > 0 {
		a := cfg.Arrivals
		if a == nil {
			a = schedule.Constant{Gap: time.Duration(float64(time.Second) / w.Rate)}
		}
		w.Gaps = &Memo[time.Duration]{Next: a.Next}
	}
	return w, nil
}

// Memo is a seeded sequence (a sampler's draws, a schedule's gaps) drawn
// once and kept, so every simulation of a workload (one per draw of the
// twin's costs) sees the same one.
type Memo[T any] struct {
	Next func() T
	mu   sync.Mutex // simulations of draws run at once
	got  []T
}

// At is the sequence's i-th value.
func (m *Memo[T]) At(i int) T {
	m.mu.Lock()
	defer m.mu.Unlock()
	for len(m.got) <= i {
		m.got = append(m.got, m.Next())
	}
	return m.got[i]
}
