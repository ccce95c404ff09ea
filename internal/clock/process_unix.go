//go:build unix

package clock

import "syscall"

// OpenFileLimit is the process's soft limit on open files (Go raises it to
// the hard limit at start), or 0 when unknown.
func OpenFileLimit() uint64 {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) != nil {
		return 0
	}
	return l.Cur
}

// ProcessCPU is the CPU the process has used so far (user + system), in ns,
// or 0 when unknown.
func ProcessCPU() int64 {
	var u syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &u) != nil {
		return 0
	}
	return u.Utime.Nano() + u.Stime.Nano()
}
