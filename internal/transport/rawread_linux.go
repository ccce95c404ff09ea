//go:build linux

package transport

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// rawReadConn reads a TCP connection with read(2) made as a raw system
// call from inside the connection's RawConn.Read, where net.Conn's Read
// makes it through syscall.Read. The socket is non-blocking, so the call
// returns at once (data, or EAGAIN and the poller waits as before); what
// it skips is the runtime's entering and leaving a system call, and with
// that the wake-up of the runtime's monitor thread, which sleeps whenever
// every P is idle — as they are between a paced server's tokens. On one
// core each read then cost a futex wake and a switch to that thread and
// back: against a server writing one event per read, a quarter of a
// reader's CPU (docs/PERFORMANCE.md, "Side by side with a minimal
// client"). Writes, deadlines, peeks and closing are the connection's own.
type rawReadConn struct {
	net.Conn
	raw   syscall.RawConn
	read  func(fd uintptr) bool // r.fill, bound once: a Read allocates nothing
	p     []byte
	n     int
	errno syscall.Errno
}

// rawReads returns c reading through raw system calls when it is a TCP
// connection (pre-dialed or not), and c itself otherwise (TLS reads its
// own wrapped connection, which openHere gives it this way).
func rawReads(c net.Conn) net.Conn {
	tc, ok := bare(c).(*net.TCPConn)
	if !ok {
		return c
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return c
	}
	r := &rawReadConn{Conn: c, raw: raw}
	r.read = r.fill
	return r
}

// fill is one read(2); false asks the poller to wait for data (or the
// deadline) and call it again.
func (r *rawReadConn) fill(fd uintptr) bool {
	for {
		n, _, errno := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&r.p[0])), uintptr(len(r.p)))
		switch errno {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		case 0:
			r.n = int(n)
		}
		r.errno = errno
		return true
	}
}

// Read is net.Conn's Read, with its errors: io.EOF at the end, and
// *net.OpError "read tcp local->remote: read: …" for an errno, a deadline
// or a closed connection.
func (r *rawReadConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.p, r.n, r.errno = p, 0, 0
	err := r.raw.Read(r.read)
	n := r.n
	r.p = nil
	switch {
	case err != nil: // the poller's: a deadline, or a closed connection
		if oe, ok := err.(*net.OpError); ok {
			err = oe.Err
		}
		return 0, r.opError(err)
	case r.errno != 0:
		return 0, r.opError(os.NewSyscallError("read", r.errno))
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

func (r *rawReadConn) opError(err error) error {
	return &net.OpError{Op: "read", Net: "tcp", Source: r.LocalAddr(), Addr: r.RemoteAddr(), Err: err}
}

// SyscallConn is the TCP connection's, for the peeker.
func (r *rawReadConn) SyscallConn() (syscall.RawConn, error) { return r.raw, nil }
