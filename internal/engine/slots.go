package engine

import "context"

// slots bounds how many holders run at once: concurrency for sessions and
// users, --prefill-concurrency for requests awaiting their first bytes. It is
// the one limiter of the engine. A holder releases only what it acquired:
// acquire reports whether it got a slot, and only then may release be
// called, so a context that ends while waiting never frees a slot it never
// took.
type slots struct {
	ch chan struct{} // nil: unlimited
}

// newSlots returns a limiter of n slots; n <= 0 means unlimited.
func newSlots(n int) *slots {
	if n <= 0 {
		return &slots{}
	}
	return &slots{ch: make(chan struct{}, n)}
}

// limited reports whether the limiter bounds anything.
func (s *slots) limited() bool { return s.ch != nil }

// acquire waits for a slot until ctx ends; false means none was taken.
func (s *slots) acquire(ctx context.Context) bool {
	if ctx.Err() != nil {
		return false
	}
	if s.ch == nil {
		return true
	}
	select {
	case s.ch <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// tryAcquire takes a slot if one is free now.
func (s *slots) tryAcquire() bool {
	if s.ch == nil {
		return true
	}
	select {
	case s.ch <- struct{}{}:
		return true
	default:
		return false
	}
}

// release frees a slot taken by acquire or tryAcquire.
func (s *slots) release() {
	if s.ch != nil {
		<-s.ch
	}
}
