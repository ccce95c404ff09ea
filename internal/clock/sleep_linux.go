//go:build linux

package clock

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// fineTimer is a timerfd registered with the runtime's poller. Its
// goroutine parks like on a socket read, so the core stays free. Two things
// wake it: the timerfd, which wakes an idle process's poller within
// microseconds (a runtime timer alone would round up to the next
// millisecond), and the read deadline, a runtime timer that a busy process
// checks at every scheduling point (a busy process polls the network less
// often). Whichever comes first ends the wait.
type fineTimer struct {
	fd int
	f  *os.File // owns fd; never call f.Fd(), which would make it blocking
}

// newFineTimer returns nil when no timerfd can be had (for instance out of
// file descriptors); sleepUntil then falls back to a runtime timer.
func newFineTimer() *fineTimer {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil
	}
	return &fineTimer{fd: fd, f: os.NewFile(uintptr(fd), "timerfd")}
}

func (t *fineTimer) close() { t.f.Close() }

// sleepUntil returns at t or shortly after (or, rarely, before: callers
// loop). Arming the timerfd clears any expiry left from an earlier wait that
// the deadline ended.
func (t *fineTimer) sleepUntil(at time.Time) {
	d := time.Until(at)
	if d <= 0 {
		return
	}
	if t == nil {
		time.Sleep(d)
		return
	}
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	if unix.TimerfdSettime(t.fd, 0, &spec, nil) != nil || t.f.SetReadDeadline(at) != nil {
		time.Sleep(d)
		return
	}
	var b [8]byte
	t.f.Read(b[:])
}
