package transport

import (
	"context"
	"errors"
	"os"
	"time"
)

// deadlineCtx is a parent context with a deadline of its own that nothing
// waits on: the lean client applies it to the connection (SetDeadline),
// and to the rare waits of its own (for a connection or a dial slot, a TLS
// handshake). A request then needs no timer and no registration with its
// parent to time out; context.WithTimeout, with the AfterFunc that tied
// the connection to it, was a tenth of what a request allocated. Done and
// cancellation are the parent's, and so is any earlier deadline: a run that
// ends at its grace period cuts the request through its parent, as before,
// never as a timeout. Err reports the request's own deadline once it has
// passed, as a timed-out context would.
type deadlineCtx struct {
	context.Context
	deadline time.Time
}

func withDeadline(parent context.Context, d time.Time) context.Context {
	return deadlineCtx{Context: parent, deadline: d}
}

func (c deadlineCtx) Deadline() (time.Time, bool) {
	if pd, ok := c.Context.Deadline(); ok && pd.Before(c.deadline) {
		return pd, true
	}
	return c.deadline, true
}

func (c deadlineCtx) Err() error {
	if err := c.Context.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// ownDeadline is the deadline a deadlineCtx adds to its parent: the one
// the client applies itself (false for any other context, whose deadline
// ends it through Done).
func ownDeadline(ctx context.Context) (time.Time, bool) {
	dc, ok := ctx.(deadlineCtx)
	return dc.deadline, ok
}

// expiry fires at ctx's own deadline (nil when it has none): for the waits
// that a deadlineCtx's Done does not end. stop releases its timer.
func expiry(ctx context.Context) (fired <-chan time.Time, stop func() bool) {
	d, ok := ownDeadline(ctx)
	if !ok {
		return nil, func() bool { return false }
	}
	t := time.NewTimer(time.Until(d))
	return t.C, t.Stop
}

// ended is why ctx ended a request that failed with err: its error, or its
// own deadline when err is the connection's deadline (set to that instant)
// and it has passed; nil when ctx did not end it.
func ended(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if d, ok := ownDeadline(ctx); ok && errors.Is(err, os.ErrDeadlineExceeded) && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}
