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

// socket is c's TCP connection under any TLS or pre-dialed wrapper (whose
// deadline to set) and its RawConn; nil when c has none.
func socket(c net.Conn) (net.Conn, syscall.RawConn, error) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	sc, ok := bare(c).(syscall.Conn)
	if !ok {
		return c, nil, nil
	}
	raw, err := sc.SyscallConn()
	return c, raw, err
}

func (p *peeker) peerClosed(c net.Conn) bool {
	if p.raw == nil {
		var raw syscall.RawConn
		var err error
		if c, raw, err = socket(c); err != nil {
			return true
		} else if raw == nil {
			return false
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

// refusalWait bounds how long a request that met the end of a reused
// connection waits for the reset that proves it unread: on loopback it is
// there before the request's read returns; a distant server's comes a
// round trip after the request.
const refusalWait = 50 * time.Millisecond

// refusedUnread tells, after a request written on a reused connection met
// its end (EOF) before any byte of a reply, whether the server had closed
// the connection before the request arrived. A closed socket's kernel
// answers data with a reset, which follows the FIN; Linux reports it as
// EPIPE. A server that read the request and then closed sends no reset
// (nothing reached it unread), and one that closed with the request
// unread in its buffer resets without a FIN first — a read then fails
// with ECONNRESET, not EOF, and the request stays a failure. So only a
// request the server never read is proved so. It waits at most
// refusalWait for the reset.
func refusedUnread(c net.Conn) bool {
	c, raw, err := socket(c)
	if err != nil || raw == nil {
		return false
	}
	c.SetReadDeadline(time.Now().Add(refusalWait))
	refused := false
	raw.Read(func(fd uintptr) bool {
		e, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_ERROR)
		refused = err == nil && (e == int(syscall.EPIPE) || e == int(syscall.ECONNRESET))
		return err != nil || refused // no reset yet: wait for one, or the deadline
	})
	return refused
}
