package engine

import (
	"context"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/dataset"
)

// waitOn runs c.wait on its own goroutine; the result arrives on the
// channel.
func waitOn(c *idleCap, due int64) <-chan int64 {
	got := make(chan int64, 1)
	go func() {
		at, ok := c.wait(context.Background(), due)
		if !ok {
			at = -1
		}
		got <- at
	}()
	return got
}

// pending waits for n waits to be registered.
func pending(t *testing.T, c *idleCap, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.mu.Lock()
		k := len(c.waits)
		c.mu.Unlock()
		if k == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d waits registered, want %d", k, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// The idle cap on a clock the test moves: nothing in flight, the earliest
// pending wait is pulled in to the cap after the idleness began, and the
// others with it (their gaps kept); a busy replay pulls nothing.
func TestIdleCapPullsPendingWaitsIn(t *testing.T) {
	clk := newManualClock()
	c := newIdleCap(10, clk)
	c.ready() // a request in flight while the two waits begin
	a := waitOn(c, 100)
	pending(t, c, 1)
	b := waitOn(c, 105)
	pending(t, c, 2)
	c.settled() // its answer is in at 0: idle from now
	clk.set(10)
	if at := <-a; at != 10 {
		t.Fatalf("the first wait ended at %d, want 10 (the cap after 0)", at)
	}
	// a is busy now: b, due 15 after the shift, is not pulled further.
	clk.set(12)
	c.settled() // a's answer is in at 12: idle again, b within the cap
	clk.set(15)
	if at := <-b; at != 15 {
		t.Fatalf("the second wait ended at %d, want 15 (its gap to the first kept)", at)
	}
	c.settled()
	// Idle since 15, a wait due at 1000 begins: pulled in to 25.
	d := waitOn(c, 1000)
	pending(t, c, 1)
	clk.set(25)
	if at := <-d; at != 25 {
		t.Fatalf("the third wait ended at %d, want 25", at)
	}
	// Busy (d has not settled): a new wait keeps its time.
	e := waitOn(c, 500)
	pending(t, c, 1)
	clk.set(400)
	select {
	case at := <-e:
		t.Fatalf("a wait ended at %d while a request was in flight", at)
	default:
	}
	clk.set(500)
	if at := <-e; at != 500 {
		t.Fatalf("the fourth wait ended at %d, want 500", at)
	}
}

// A wait whose context ends reports it, and leaves nothing registered.
func TestIdleCapWaitEnds(t *testing.T) {
	clk := newManualClock()
	c := newIdleCap(10, clk)
	c.ready() // busy: nothing is pulled in
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan bool, 1)
	go func() { _, ok := c.wait(ctx, 1000); done <- ok }()
	pending(t, c, 1)
	cancel()
	if <-done {
		t.Fatal("a cancelled wait reported reaching its time")
	}
	pending(t, c, 0)
}

// Sessions through the cap: an hour of think time with nothing else
// going on is cut to the cap, and every turn is sent (without the cap the
// phase would wait the hour).
func TestIdleCapShortensThinkTime(t *testing.T) {
	srv := newFastServer(t)
	convs := trajectories(t, 2)
	ctx := context.Background()
	recs, unsent := phase(t, Config{Conversations: convs, Sampler: dataset.NewSampler("sequential", 2, nil), URLs: []string{srv.URL},
		Concurrency: 2, MaxSessions: 2, IdleGapCap: 20 * time.Millisecond}, nil, ctx, ctx)
	if len(recs) != 12 || len(unsent) != 0 {
		t.Fatalf("%d records, unsent %v; want all 12 turns sent", len(recs), unsent)
	}
	for _, r := range recs {
		if r.Error != nil {
			t.Fatalf("turn %d failed: %v", r.TurnIndex, r.Error)
		}
	}
}
