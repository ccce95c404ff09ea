package transport

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestLeanWritesRequestOnce: the head and body of a request leave in one
// segment (one writev), on a dialed connection and on a pre-dialed one, as
// the kernel's count of data segments sent on the connection shows.
func TestLeanWritesRequestOnce(t *testing.T) {
	addr, _ := rawServer(t, func(c net.Conn) {
		answerEach(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 9\r\n\r\ndata: x\n\n", false)
	})
	url := "http://" + addr + "/x"
	for _, warm := range []bool{false, true} {
		c := NewClient(clockNew(), 1)
		c.UseLean()
		if warm {
			if err := c.Warm(context.Background(), []string{url}, 1); err != nil {
				t.Fatal(err)
			}
		}
		var res Result
		c.Do(context.Background(), &Request{URL: url, Body: []byte(strings.Repeat("x", 2000)), Header: http.Header{}}, &res)
		if res.Err != nil || res.Phases.Prewarmed != warm {
			t.Fatalf("warm %v: %+v, prewarmed %v", warm, res.Err, res.Phases.Prewarmed)
		}
		idle := c.lean.takeIdle(c.lean.target(url).key)
		if idle == nil {
			t.Fatalf("warm %v: the connection was not kept", warm)
		}
		rc, err := bare(idle.Conn).(*net.TCPConn).SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var info *unix.TCPInfo
		rc.Control(func(fd uintptr) { info, err = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO) })
		if err != nil {
			t.Fatal(err)
		}
		if info.Data_segs_out != 1 {
			t.Errorf("warm %v: the request left in %d segments, want 1", warm, info.Data_segs_out)
		}
		idle.Close()
		c.CloseIdle()
	}
}
