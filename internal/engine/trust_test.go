package engine

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/schedule"
	"github.com/sonde-bench/sonde/internal/transport"
)

// These tests assert invariants, never milliseconds: every request a server
// received has exactly one record, every run returns within a bound, every
// planned turn is sent or counted unsent, and no goroutine outlives a run.

// verifyNoLeak fails the test if a goroutine of the client outlives the run.
// The test server's own connection goroutines are not the engine's; the
// others get a few seconds to exit, for a busy machine.
func verifyNoLeak(t *testing.T, opts ...goleak.Option) {
	t.Helper()
	opts = append(opts, goleak.IgnoreAnyFunction("net/http.(*conn).serve"))
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if err = goleak.Find(opts...); err == nil {
			return
		}
	}
	t.Error(err)
}

// fastServer answers every chat request at once with two SSE chunks. hold,
// when set, blocks each request until it is closed.
type fastServer struct {
	*httptest.Server
	received atomic.Int64
	hold     chan struct{}
	fail     func(body []byte) bool // answer 500 to these requests
}

func newFastServer(t *testing.T) *fastServer {
	f := &fastServer{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.received.Add(1)
		if f.hold != nil {
			select {
			case <-f.hold:
			case <-r.Context().Done():
				return
			}
		}
		if f.fail != nil && f.fail(body) {
			http.Error(w, `{"error":{"message":"boom"}}`, http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: {\"choices\":[{\"delta\":{\"content\":\" a\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\" b\"}}]}\n\ndata: [DONE]\n\n")
	}))
	t.Cleanup(f.Close)
	return f
}

// phase runs one engine phase against url with a bound on its duration and
// returns its records and unsent turns.
func phase(t *testing.T, cfg Config, clk Clock, issue, run context.Context) ([]*record.Record, map[string]int64) {
	t.Helper()
	rc := clock.New()
	cfg.Codec = &endpoint.Codec{Type: endpoint.Chat, Stream: true}
	cfg.Header = http.Header{"Content-Type": {"application/json"}}
	if cfg.Timeout == 0 {
		cfg.Timeout = time.Minute
	}
	cfg.Phase = record.PhaseProfiling
	if clk == nil {
		clk = rc
	}
	client := transport.NewClient(rc, max(cfg.Concurrency, 64))
	defer client.CloseIdle()
	out := make(chan *record.Record, 1024)
	var recs []*record.Record
	collected := make(chan struct{})
	go func() {
		for r := range out {
			recs = append(recs, r)
		}
		close(collected)
	}()
	var prog Progress
	e := New(cfg, client, clk, out, &prog)
	done := make(chan error, 1)
	go func() { done <- e.Run(issue, run) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the engine did not return within a minute")
	}
	close(out)
	<-collected
	if prog.SessionsDone.Load() != prog.SessionsStarted.Load() {
		t.Fatalf("sessions started %d, done %d", prog.SessionsStarted.Load(), prog.SessionsDone.Load())
	}
	return recs, e.Unsent()
}

func plannedConvs(t *testing.T, n, turns int) ([]dataset.Conversation, *dataset.Planned) {
	convs := conversations(t, n, turns)
	return convs, dataset.Plan(dataset.NewSampler("sequential", len(convs), nil), n)
}

func countErrors(recs []*record.Record) int {
	n := 0
	for _, r := range recs {
		if r.Error != nil {
			n++
		}
	}
	return n
}

// Rates far above what an idle dispatcher timer can pace (the old
// dispatcher hung at 500/s), with and without a concurrency ceiling: every
// request is sent once, recorded once, and the run returns.
func TestHighRateNeverHangs(t *testing.T) {
	srv := newFastServer(t)
	defer verifyNoLeak(t, goleak.IgnoreCurrent())
	for _, c := range []struct {
		rate        float64
		concurrency int
	}{{5000, 0}, {20000, 0}, {5000, 50}, {20000, 8}} {
		t.Run(fmt.Sprintf("%g/s-c%d", c.rate, c.concurrency), func(t *testing.T) {
			before := srv.received.Load()
			convs, _ := plannedConvs(t, 50, 1)
			ctx := context.Background()
			recs, unsent := phase(t, Config{Conversations: convs, Sampler: dataset.NewSampler("sequential", len(convs), nil),
				URLs: []string{srv.URL}, Rate: c.rate, Arrivals: schedule.Constant{Gap: time.Duration(1e9 / c.rate)},
				Concurrency: c.concurrency, MaxRequests: 2000}, nil, ctx, ctx)
			if got := srv.received.Load() - before; got != int64(len(recs)) || len(recs) != 2000 {
				t.Fatalf("server received %d, records %d, want 2000", got, len(recs))
			}
			if n := countErrors(recs); n > 0 {
				t.Fatalf("%d errors", n)
			}
			if len(unsent) != 0 {
				t.Fatalf("unsent %v", unsent)
			}
		})
	}
}

// fakeClock jumps to whatever time is waited for, and runs ahead by lag on
// every reading: a dispatcher that is always behind its schedule.
type fakeClock struct {
	now atomic.Int64
	lag int64
}

func (f *fakeClock) Now() int64 { return f.now.Add(f.lag) }

func (f *fakeClock) Wait(ctx context.Context, ns int64, wake <-chan struct{}) bool {
	select {
	case <-wake:
		return false
	default:
	}
	for {
		cur := f.now.Load()
		if cur >= ns || f.now.CompareAndSwap(cur, ns) {
			break
		}
	}
	return ctx.Err() == nil
}

// A dispatcher that falls behind never re-anchors: arrival n keeps the
// intended time the schedule gave it, however late it really went out.
func TestRateNeverReanchors(t *testing.T) {
	srv := newFastServer(t)
	gap := time.Millisecond
	clk := &fakeClock{lag: int64(20 * time.Millisecond)} // every reading 20 gaps late
	ctx := context.Background()
	convs, plan := plannedConvs(t, 40, 1)
	recs, _ := phase(t, Config{Conversations: convs, Sampler: plan,
		URLs: []string{srv.URL}, Rate: 1000, Arrivals: schedule.Constant{Gap: gap}, MaxSessions: 40}, clk, ctx, ctx)
	if len(recs) != 40 {
		t.Fatalf("%d records", len(recs))
	}
	seen := map[int64]bool{}
	for _, r := range recs {
		seen[r.IntendedNs] = true
	}
	// The schedule started at the first clock reading.
	t0 := int64(20 * time.Millisecond)
	for i, want := range schedule.Times(schedule.Constant{Gap: gap}, t0, 40) {
		if !seen[want] {
			t.Fatalf("arrival %d: intended time %d missing; the schedule was re-anchored", i, want)
		}
	}
}

// Every planned turn is either sent or counted with its reason.
func TestUnsentTurnsByReason(t *testing.T) {
	srv := newFastServer(t)
	ctx := context.Background()

	// The request budget cuts the last session after 2 of its 4 turns.
	convs, plan := plannedConvs(t, 3, 4)
	recs, unsent := phase(t, Config{Conversations: convs, Sampler: plan, URLs: []string{srv.URL}, Concurrency: 1,
		MaxSessions: 3, MaxRequests: 10}, nil, ctx, ctx)
	if len(recs) != 10 || unsent[UnsentBudget] != 2 {
		t.Fatalf("records %d, unsent %v; want 10 and 2 %s", len(recs), unsent, UnsentBudget)
	}

	// A failed turn: by default the session goes on (as AIPerf's does);
	// with StopOnError its remaining turns are counted.
	srv.fail = func(body []byte) bool { return bytes.Count(body, []byte(`"role":"user"`)) == 2 } // each session's second turn
	for _, stop := range []bool{false, true} {
		before := srv.received.Load()
		convs, plan := plannedConvs(t, 3, 4)
		recs, unsent := phase(t, Config{Conversations: convs, Sampler: plan, URLs: []string{srv.URL}, Concurrency: 1,
			MaxSessions: 3, StopOnError: stop}, nil, ctx, ctx)
		want := 12
		if stop {
			want = 6
		}
		if len(recs) != want || int(srv.received.Load()-before) != want || countErrors(recs) != 3 {
			t.Fatalf("StopOnError %v: %d records, %d errors, want %d and 3", stop, len(recs), countErrors(recs), want)
		}
		if stop && unsent[UnsentTurnFailed] != 6 {
			t.Fatalf("unsent %v", unsent)
		}
		if !stop && len(unsent) != 0 {
			t.Fatalf("unsent %v", unsent)
		}
	}
	srv.fail = nil

	// Interrupted: the sessions never started count as interrupted.
	issue, stop := context.WithCancelCause(ctx)
	stop(ErrStopped)
	convs, plan = plannedConvs(t, 5, 2)
	recs, unsent = phase(t, Config{Conversations: convs, Sampler: plan, URLs: []string{srv.URL}, Concurrency: 2, MaxSessions: 5}, nil, issue, ctx)
	if len(recs) != 0 || unsent[UnsentInterrupted] != 10 {
		t.Fatalf("records %d, unsent %v", len(recs), unsent)
	}
}

// A request waiting for a --prefill-concurrency slot when the run stops is
// recorded as cut, and the run returns (it used to block forever).
func TestPrefillWaitEndsWithTheRun(t *testing.T) {
	srv := newFastServer(t)
	srv.hold = make(chan struct{}) // nobody gets a first byte
	defer verifyNoLeak(t, goleak.IgnoreCurrent())
	convs, plan := plannedConvs(t, 4, 1)
	run, cancel := context.WithCancel(context.Background())
	go func() {
		for srv.received.Load() < 1 {
			time.Sleep(time.Millisecond)
		}
		cancel() // one holds the slot; three wait for it
	}()
	recs, _ := phase(t, Config{Conversations: convs, Sampler: plan, URLs: []string{srv.URL}, Concurrency: 4,
		MaxSessions: 4, PrefillConcurrency: 1}, nil, run, run)
	close(srv.hold)
	if int64(len(recs)) < srv.received.Load() {
		t.Fatalf("server received %d, %d records", srv.received.Load(), len(recs))
	}
	for _, r := range recs {
		if !r.Cut || r.Error == nil {
			t.Fatalf("record not cut: %+v", r.Error)
		}
	}
}

// 5,000 streams open at once: the server holds every request until all have
// arrived, so the run completes only if the client really keeps 5,000
// connections going.
func TestFiveThousandConcurrentStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("5,000 connections")
	}
	const n = 5000
	srv := newFastServer(t)
	srv.hold = make(chan struct{})
	defer verifyNoLeak(t, goleak.IgnoreCurrent())
	var once sync.Once
	go func() {
		for srv.received.Load() < n {
			time.Sleep(5 * time.Millisecond)
		}
		once.Do(func() { close(srv.hold) })
	}()
	convs, _ := plannedConvs(t, 100, 1)
	ctx := context.Background()
	recs, _ := phase(t, Config{Conversations: convs, Sampler: dataset.NewSampler("sequential", len(convs), nil),
		URLs: []string{srv.URL}, Concurrency: n, MaxRequests: n}, nil, ctx, ctx)
	if len(recs) != n || srv.received.Load() != n || countErrors(recs) != 0 {
		t.Fatalf("records %d, received %d, errors %d", len(recs), srv.received.Load(), countErrors(recs))
	}
}

// An absurd concurrency with a small budget starts only as many workers as
// the budget can use.
func TestHugeConcurrencySmallBudget(t *testing.T) {
	srv := newFastServer(t)
	convs, _ := plannedConvs(t, 4, 1)
	ctx := context.Background()
	recs, _ := phase(t, Config{Conversations: convs, Sampler: dataset.NewSampler("sequential", len(convs), nil),
		URLs: []string{srv.URL}, Concurrency: 10_000_000, MaxRequests: 4}, nil, ctx, ctx)
	if len(recs) != 4 {
		t.Fatalf("%d records", len(recs))
	}
}

// User-centric pacing on the fake clock: user u starts at t0 + u·gap/users,
// and each of its turns a gap after the previous one, exactly.
func TestUsersPacing(t *testing.T) {
	srv := newFastServer(t)
	convs, plan := plannedConvs(t, 4, 2)
	gap := 100 * time.Millisecond
	ctx := context.Background()
	recs, _ := phase(t, Config{Conversations: convs, Sampler: plan, URLs: []string{srv.URL}, Users: 2, UserGap: gap,
		MaxSessions: 4}, &fakeClock{}, ctx, ctx)
	if len(recs) != 8 {
		t.Fatalf("%d records", len(recs))
	}
	// Which user takes which session depends on goroutine timing (on the
	// jumping fake clock one user may even take them all); the pacing does
	// not: every turn is on a user's grid (user 0 at multiples of 100 ms,
	// user 1 staggered by 50 ms), and a session's turns are a gap apart.
	byID := map[int][]int64{}
	firsts := map[int64]bool{}
	for _, r := range recs {
		byID[r.SessionNum] = append(byID[r.SessionNum], r.IntendedNs)
		if r.IntendedNs%int64(50*time.Millisecond) != 0 {
			t.Fatalf("turn intended at %v, off the users' 50 ms grid", time.Duration(r.IntendedNs))
		}
		if r.TurnIndex == 0 {
			firsts[r.IntendedNs] = true
		}
	}
	if !firsts[0] {
		t.Fatalf("no session started at 0: %v", firsts)
	}
	for n, ts := range byID {
		if len(ts) != 2 || max(ts[0], ts[1])-min(ts[0], ts[1]) != int64(gap) {
			t.Fatalf("session %d turns at %v, want %v apart", n, ts, gap)
		}
	}
}

// Trace replay on the fake clock: each conversation starts at its
// timestamp, whatever the others do.
func TestFixedSchedule(t *testing.T) {
	srv := newFastServer(t)
	convs, plan := plannedConvs(t, 3, 1)
	for i := range convs {
		convs[i].Turns[0].Timestamp, convs[i].Turns[0].HasTimestamp = float64(1000+40*i), true
	}
	ctx := context.Background()
	recs, _ := phase(t, Config{Conversations: convs, Sampler: plan, URLs: []string{srv.URL}, Fixed: true, FixedZeroMs: 1000,
		Concurrency: 2, MaxSessions: 3}, &fakeClock{}, ctx, ctx)
	got := map[int64]bool{}
	for _, r := range recs {
		got[r.IntendedNs] = true
	}
	for _, ms := range []int64{0, 40, 80} {
		if !got[ms*1e6] {
			t.Fatalf("no conversation started at %d ms: %v", ms, got)
		}
	}
}

// Session arrivals on the fake clock: ticks start sessions only; the later
// turns follow their own pacing, not the ticks.
func TestSessionRate(t *testing.T) {
	srv := newFastServer(t)
	convs, plan := plannedConvs(t, 3, 2)
	ctx := context.Background()
	recs, unsent := phase(t, Config{Conversations: convs, Sampler: plan, URLs: []string{srv.URL}, Rate: 10, SessionRate: true,
		Arrivals: schedule.Constant{Gap: 100 * time.Millisecond}, MaxSessions: 3}, &fakeClock{}, ctx, ctx)
	if len(recs) != 6 || len(unsent) != 0 {
		t.Fatalf("%d records, unsent %v", len(recs), unsent)
	}
	firsts := map[int64]bool{}
	for _, r := range recs {
		if r.TurnIndex == 0 {
			firsts[r.IntendedNs] = true
		}
	}
	for _, ms := range []int64{0, 100, 200} {
		if !firsts[ms*1e6] {
			t.Fatalf("no session arrived at %d ms: %v", ms, firsts)
		}
	}
}

// A phase without what it needs fails instead of running.
func TestRunNeedsAPhase(t *testing.T) {
	ctx := context.Background()
	if err := New(Config{}, nil, clock.New(), nil, &Progress{}).Run(ctx, ctx); err == nil {
		t.Fatal("a phase without conversations ran")
	}
}

// manualClock moves only when the test moves it.
type manualClock struct {
	mu    sync.Mutex
	now   int64
	moved chan struct{}
}

func newManualClock() *manualClock { return &manualClock{moved: make(chan struct{})} }

func (c *manualClock) Now() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Wait(ctx context.Context, ns int64, wake <-chan struct{}) bool {
	for {
		c.mu.Lock()
		now, moved := c.now, c.moved
		c.mu.Unlock()
		if now >= ns {
			return ctx.Err() == nil
		}
		select {
		case <-moved:
		case <-wake:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

func (c *manualClock) set(ns int64) {
	c.mu.Lock()
	c.now = ns
	close(c.moved)
	c.moved = make(chan struct{})
	c.mu.Unlock()
}

// The rate dispatcher prepares maxAhead sessions ahead of their ticks
// (claimed, first request built, waiting for the tick) and hands a tick to
// one; sessions prepared but never due send nothing, and every planned turn
// is still sent or counted (here: interrupted).
func TestRateSessionsPreparedAhead(t *testing.T) {
	srv := newFastServer(t)
	clk := newManualClock()
	convs, plan := plannedConvs(t, 20, 1)
	issue, stop := context.WithCancelCause(context.Background())
	done := make(chan map[string]int64, 1)
	go func() {
		_, unsent := phase(t, Config{Conversations: convs, Sampler: plan, URLs: []string{srv.URL}, Rate: 10,
			Arrivals: schedule.Constant{Gap: 100 * time.Millisecond}, MaxSessions: 20}, clk, issue, context.Background())
		done <- unsent
	}()
	// The clock stays at 0: only the first tick is ever due.
	prepared := func() int {
		buf := make([]byte, 1<<20)
		return strings.Count(string(buf[:runtime.Stack(buf, true)]), "engine.(*dispatcher).worker.func1")
	}
	for deadline := time.Now().Add(30 * time.Second); srv.received.Load() < 1 || prepared() < maxAhead; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("server received %d, %d sessions waiting for their tick", srv.received.Load(), prepared())
		}
	}
	if n := prepared(); n != maxAhead {
		t.Fatalf("%d sessions waiting for their tick, want %d", n, maxAhead)
	}
	stop(ErrStopped)
	var unsent map[string]int64
	select {
	case unsent = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("the phase did not end") // phase itself failed
	}
	if n := srv.received.Load(); n != 1 || unsent[UnsentInterrupted] != 19 || len(unsent) != 1 {
		t.Fatalf("received %d requests, unsent %v; want 1 and 19 interrupted", n, unsent)
	}
}

// A session that ends without a concurrency limit does not wake the
// dispatcher, except when its end is what the phase waits for: here the
// request budget is spent by the first tick's session, and the clock never
// moves again, so only that session's end can end the phase.
func TestBudgetSpentEndsPhaseWithoutATick(t *testing.T) {
	srv := newFastServer(t)
	clk := newManualClock()
	convs, plan := plannedConvs(t, 20, 1)
	done := make(chan []*record.Record, 1)
	go func() {
		recs, _ := phase(t, Config{Conversations: convs, Sampler: plan, URLs: []string{srv.URL}, Rate: 10,
			Arrivals: schedule.Constant{Gap: 100 * time.Millisecond}, MaxRequests: 1}, clk, context.Background(), context.Background())
		done <- recs
	}()
	select {
	case recs := <-done:
		if len(recs) != 1 || srv.received.Load() != 1 {
			t.Fatalf("%d records, server received %d; want 1 and 1", len(recs), srv.received.Load())
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("the phase did not end when its one request was done")
	}
}

// The ramps: over 300 ms, what is in flight climbs 1, 2, 3, 4 at every
// 100 ms — the workers of a closed loop (--concurrency-ramp-duration), a
// rate run's cap on sessions (the same flag), the prefill slots
// (--prefill-concurrency-ramp-duration). The server holds every answer,
// so what it has received is what is in flight (or waits for its first
// token); the clock moves only when the test moves it.
func TestRampsOpenSlotsInTurn(t *testing.T) {
	ramp := 300 * time.Millisecond
	for name, cfg := range map[string]Config{
		"concurrency":         {Concurrency: 4, ConcurrencyRamp: ramp},
		"rate cap":            {Rate: 1e6, Arrivals: schedule.Constant{Gap: time.Microsecond}, Concurrency: 4, ConcurrencyRamp: ramp},
		"prefill concurrency": {Concurrency: 4, PrefillConcurrency: 4, PrefillConcurrencyRamp: ramp},
	} {
		t.Run(name, func(t *testing.T) {
			srv := newFastServer(t)
			srv.hold = make(chan struct{})
			ctx := context.Background()
			cfg.Conversations, cfg.Sampler = plannedConvs(t, 4, 1)
			cfg.URLs, cfg.MaxSessions = []string{srv.URL}, 4
			clk := newManualClock()
			done := make(chan []*record.Record)
			go func() {
				recs, _ := phase(t, cfg, clk, ctx, ctx)
				done <- recs
			}()
			for i := range int64(4) {
				clk.set(i * int64(ramp/3))
				deadline := time.Now().Add(10 * time.Second)
				for srv.received.Load() < i+1 && time.Now().Before(deadline) {
					time.Sleep(time.Millisecond)
				}
				time.Sleep(50 * time.Millisecond) // room for one that should wait
				if got := srv.received.Load(); got != i+1 {
					t.Errorf("at %v into the ramp: %d in flight, want %d", time.Duration(clk.Now()), got, i+1)
				}
			}
			close(srv.hold)
			if recs := <-done; len(recs) != 4 {
				t.Fatalf("%d records", len(recs))
			}
		})
	}
}

// A rate far above what the concurrency cap serves queues its arrivals with
// their intended times, not a goroutine each: the backlog of 2,000 due
// arrivals behind a 4-slot cap runs on a handful of workers.
func TestBacklogHoldsNoGoroutines(t *testing.T) {
	srv := newFastServer(t)
	defer verifyNoLeak(t, goleak.IgnoreCurrent())
	base := runtime.NumGoroutine()
	var peak atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if n := int64(runtime.NumGoroutine()); n > peak.Load() {
				peak.Store(n)
			}
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Microsecond):
			}
		}
	}()
	convs, _ := plannedConvs(t, 50, 1)
	ctx := context.Background()
	recs, _ := phase(t, Config{Conversations: convs, Sampler: dataset.NewSampler("sequential", len(convs), nil),
		URLs: []string{srv.URL}, Rate: 1e6, Arrivals: schedule.Constant{Gap: time.Microsecond}, Concurrency: 4, MaxRequests: 2000}, nil, ctx, ctx)
	close(stop)
	<-sampled
	if len(recs) != 2000 || countErrors(recs) > 0 {
		t.Fatalf("%d records, %d errors", len(recs), countErrors(recs))
	}
	t.Logf("%d goroutines at the peak beside the test's %d", peak.Load()-int64(base), base)
	if extra := peak.Load() - int64(base); extra > 200 {
		t.Errorf("%d goroutines at the peak for 4 slots: the backlog holds a goroutine per arrival", extra)
	}
}
