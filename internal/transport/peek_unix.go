//go:build unix

package transport

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
	"time"
)

// peerClosed reports whether the server has closed an idle connection
// (its FIN or reset has arrived) or sent bytes nobody asked for. It peeks
// without blocking or consuming: one system call, before a request is
// written on a pooled connection.
func peerClosed(c net.Conn) bool {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	sc, ok := bare(c).(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	c.SetReadDeadline(time.Time{}) // a passed deadline would fail the peek unread
	closed := false
	var b [1]byte
	rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		closed = n > 0 || (err == nil && n == 0) ||
			(err != nil && !errors.Is(err, syscall.EAGAIN) && !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR))
		return true // never wait for readiness
	})
	return closed
}
