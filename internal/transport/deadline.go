package transport

import (
	"context"
	"errors"
	"os"
	"time"
)

// deadlineCtx is a parent context with a deadline that nothing waits on:
// the lean client applies it to the connection (SetDeadline), and to the
// rare waits of its own (a connection, a dial, a TLS handshake). A request
// then needs no timer and no registration with its parent to time out;
// context.WithTimeout, with the AfterFunc that tied the connection to it,
// was a tenth of what a request allocated. Done and cancellation are the
// parent's; Err reports the deadline once it has passed, as a timed-out
// context would.
type deadlineCtx struct {
	context.Context
	deadline time.Time
}

// withDeadline is parent with deadline d (or the parent's, if earlier).
func withDeadline(parent context.Context, d time.Time) context.Context {
	if pd, ok := parent.Deadline(); ok && pd.Before(d) {
		return parent
	}
	return deadlineCtx{Context: parent, deadline: d}
}

func (c deadlineCtx) Deadline() (time.Time, bool) { return c.deadline, true }

func (c deadlineCtx) Err() error {
	if err := c.Context.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// expiry fires when ctx's deadline passes (nil when it has none): for the
// waits that a deadlineCtx's Done does not end. stop releases its timer.
func expiry(ctx context.Context) (fired <-chan time.Time, stop func() bool) {
	d, ok := ctx.Deadline()
	if !ok {
		return nil, func() bool { return false }
	}
	t := time.NewTimer(time.Until(d))
	return t.C, t.Stop
}

// ended is why ctx ended a request that failed with err: its error, or
// the deadline when err is the connection's deadline and it has passed (a
// timed-out context may not yet say so when the connection's deadline,
// set to the same instant, fires first); nil when ctx did not end it.
func ended(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if d, ok := ctx.Deadline(); ok && errors.Is(err, os.ErrDeadlineExceeded) && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}
