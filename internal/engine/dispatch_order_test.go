//go:build !race

// The race detector randomises which goroutine runs next, the very thing
// this test checks.

package engine

import (
	"runtime"
	"sync"
	"testing"
)

// On one core the goroutine a channel send readies runs next, unless a
// later send takes its place. When a tick is due, the dispatcher must send
// the credit after readying the worker for the refill, so that the
// credited session runs first and its schedule lag does not include every
// goroutine already runnable (see release).
func TestCreditedSessionRunsFirst(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	convs, plan := plannedConvs(t, 2, 1)
	e := New(Config{Conversations: convs, Sampler: plan, MaxSessions: 1}, nil, nil, nil, &Progress{})
	d := &dispatcher{e: e, sessions: newSlots(0), wake: make(chan struct{}, 1), work: make(chan *prepared)}
	due := &prepared{start: make(chan credit, 1), worker: true}
	d.pending = []arrival{{p: due, intended: 1}}

	order := make(chan string, 2)
	var ready sync.WaitGroup
	ready.Add(2)
	go func() { // the worker holding the due session
		ready.Done()
		<-due.start
		order <- "credited session"
	}()
	go func() { // an idle worker, which the refill wakes
		ready.Done()
		<-d.work
		order <- "refill"
	}()
	ready.Wait()
	runtime.Gosched() // both are now blocked in their receives

	d.release()
	if first, second := <-order, <-order; first != "credited session" {
		t.Fatalf("ran %q before %q: the credit was not the last goroutine readied", first, second)
	}
	if len(d.ahead) != 1 || len(d.pending) != 0 {
		t.Fatalf("after release: %d prepared, %d pending; want 1 and 0", len(d.ahead), len(d.pending))
	}
}
