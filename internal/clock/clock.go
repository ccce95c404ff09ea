// Package clock gives the run one monotonic time base: nanoseconds since an
// anchor, convertible to wall-clock nanoseconds for exports.
package clock

import "time"

// Clock reads monotonic nanoseconds since its anchor.
type Clock struct {
	anchor time.Time
	timers *Timers // for Wait
}

// New anchors a clock at the current instant.
func New() Clock { return Clock{anchor: time.Now(), timers: NewTimers(64)} }

// Now returns monotonic nanoseconds since the anchor.
func (c Clock) Now() int64 { return int64(time.Since(c.anchor)) }

// Wall converts a monotonic reading to Unix nanoseconds.
func (c Clock) Wall(ns int64) int64 { return c.anchor.UnixNano() + ns }

// Time converts a monotonic reading to a time.Time (with monotonic part).
func (c Clock) Time(ns int64) time.Time { return c.anchor.Add(time.Duration(ns)) }
