package schedule

import "math"

// Ticker turns gaps into absolute intended send times: arrival 0 at t0, each
// later one a gap after the previous one's intended time — never after when
// it was actually sent. A dispatcher that falls behind sends the arrivals
// already due at once; it never re-anchors to now, so lag is measured
// against the schedule the user asked for and no load is shed silently.
type Ticker struct {
	a    Arrivals
	next int64
}

// NewTicker starts a schedule at t0 (run-clock nanoseconds).
func NewTicker(a Arrivals, t0 int64) *Ticker { return &Ticker{a: a, next: t0} }

// Next is the intended time of the arrival not yet taken.
func (t *Ticker) Next() int64 { return t.next }

// Take consumes the next arrival and returns its intended time.
func (t *Ticker) Take() int64 {
	at := t.next
	if g := int64(t.a.Next()); t.next > math.MaxInt64-g {
		t.next = math.MaxInt64 // never: a rate of 0 from here on
	} else {
		t.next += g
	}
	return at
}

// Times returns the first n intended times from t0: the pure schedule.
func Times(a Arrivals, t0 int64, n int) []int64 {
	t := NewTicker(a, t0)
	out := make([]int64, n)
	for i := range out {
		out[i] = t.Take()
	}
	return out
}
