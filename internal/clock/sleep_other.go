//go:build !linux

package clock

import "time"

// fineTimer is the runtime's timer on systems without timerfd.
type fineTimer struct{}

func newFineTimer() *fineTimer { return nil }

func (t *fineTimer) close() {}

func (t *fineTimer) sleepUntil(at time.Time) { time.Sleep(time.Until(at)) }
