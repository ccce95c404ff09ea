//go:build unix

package transport

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
	"time"
)

// peeker tells whether the server has closed an idle connection (its FIN
// or reset has arrived) or sent bytes nobody asked for. It peeks without
// blocking or consuming: one system call before a request is written on a
// pooled connection. Its state is built once per connection, so a peek
// allocates nothing.
type peeker struct {
	raw    syscall.RawConn
	peek   func(fd uintptr) bool
	closed bool
	b      [1]byte
}

// peerClosed peeks at a connection that has no peeker (a pre-dialed one).
func peerClosed(c net.Conn) bool {
	var p peeker
	return p.peerClosed(c)
}

func (p *peeker) peerClosed(c net.Conn) bool {
	if p.raw == nil {
		if tc, ok := c.(*tls.Conn); ok {
			c = tc.NetConn()
		}
		sc, ok := bare(c).(syscall.Conn)
		if !ok {
			return false
		}
		raw, err := sc.SyscallConn()
		if err != nil {
			return true
		}
		p.raw = raw
		p.peek = func(fd uintptr) bool {
			n, _, err := syscall.Recvfrom(int(fd), p.b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			p.closed = n > 0 || (err == nil && n == 0) ||
				(err != nil && !errors.Is(err, syscall.EAGAIN) && !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR))
			return true // never wait for readiness
		}
	}
	c.SetReadDeadline(time.Time{}) // a passed deadline would fail the peek unread
	p.closed = false
	p.raw.Read(p.peek)
	return p.closed
}
