//go:build linux

package clock

import (
	"syscall"
	"time"
)

// preciseSleep uses nanosleep(2) directly: the kernel's high-resolution
// timers wake the thread within tens of microseconds.
func preciseSleep(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	syscall.Nanosleep(&ts, nil)
}
