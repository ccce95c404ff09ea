package transport

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/clock"
)

// These tests are Linux's: the kernel behaviour refusedUnread reads (a
// reset after the FIN, reported as EPIPE) was checked there.

// refusedRequest is what refusedAfter writes.
const refusedRequest = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"

// refusedAfter writes a request on c (whose server end s is handled by
// serverSide first) and reads to EOF, then asks refusedUnread.
func refusedAfter(t *testing.T, serverSide func(s *net.TCPConn)) bool {
	c, s := loopbackPair(t)
	serverSide(s)
	buf := make([]byte, 64)
	if _, err := c.Write([]byte(refusedRequest)); err != nil {
		return false
	}
	if n, err := c.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("read %d, %v; want EOF", n, err)
	}
	return refusedUnread(c)
}

// TestRefusedUnread: a request that reached a socket its server had closed
// is proved unread (the reset after the FIN); one the server read before
// closing is not.
func TestRefusedUnread(t *testing.T) {
	closedFirst := refusedAfter(t, func(s *net.TCPConn) {
		s.Close()
		time.Sleep(10 * time.Millisecond) // the FIN arrives before the request leaves
	})
	if !closedFirst {
		t.Error("a request sent to a closed socket is not proved unread")
	}
	readFirst := refusedAfter(t, func(s *net.TCPConn) {
		go func() {
			io.ReadFull(s, make([]byte, len(refusedRequest))) // the whole request, then closed
			s.Close()
		}()
	})
	if readFirst {
		t.Error("a request the server read is taken as unread")
	}
}

// TestRefusedRequestIsSentAgain: llama.cpp's server closes a connection
// after a streamed reply although it promised keep-alive, and a session's
// next turn can be written on it before the FIN arrives (the peek, blinded
// here, sees nothing yet). The server's kernel resets that request unread:
// it is sent once more on a fresh connection and succeeds, and the server
// answers every request once (every second request meets a closed one).
func TestRefusedRequestIsSentAgain(t *testing.T) {
	s := newClosingServer(t, true)
	c := NewClient(clock.New(), 4)
	c.UseLean()
	defer c.CloseIdle()
	url := "http://" + s.ln.Addr().String() + "/v1/chat/completions"
	for i := range 4 {
		var res Result
		c.Do(context.Background(), &Request{URL: url, Body: []byte(`{}`), Header: http.Header{}}, &res)
		if res.Err != nil || res.Retried != (i%2 == 1) || res.EventCount() != 2 {
			t.Fatalf("request %d: err %v, retried %v, %d events", i, res.Err, res.Retried, res.EventCount())
		}
		<-s.closed
		if i%2 == 1 {
			continue // a retry's connection is not pooled: the next request dials
		}
		waitPeerClosed(t, c)
		idle := c.lean.takeIdle(c.lean.target(url).key)
		if idle == nil {
			t.Fatalf("request %d: no pooled connection", i)
		}
		idle.peerClosed(idle.Conn) // builds the peek, then blinds it
		idle.peek = func(uintptr) bool { return true }
		c.lean.put(idle)
	}
	if s.answered.Load() != 4 || s.unheard.Load() != 0 || s.connCount.Load() != 4 {
		t.Fatalf("answered %d, dropped %d, connections %d", s.answered.Load(), s.unheard.Load(), s.connCount.Load())
	}
}
