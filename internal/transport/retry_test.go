package transport

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/record"
)

// closingServer answers the first request on each connection and keeps
// the connection open without "Connection: close". What it does next is
// the fault under test: closeAfterReply closes the connection at once, as
// llama.cpp's server does after a streamed reply; otherwise it reads the
// next request and then resets the connection unanswered.
type closingServer struct {
	ln              net.Listener
	closeAfterReply bool
	closed          chan struct{} // one per connection closed after a reply
	answered        atomic.Int64
	unheard         atomic.Int64 // requests read and never answered
	connCount       atomic.Int64
}

func newClosingServer(t *testing.T, closeAfterReply bool) *closingServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &closingServer{ln: ln, closeAfterReply: closeAfterReply, closed: make(chan struct{}, 100)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.connCount.Add(1)
			go s.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *closingServer) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for n := 0; ; n++ {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		io.Copy(io.Discard, req.Body)
		if n > 0 {
			s.unheard.Add(1)
			c.(*net.TCPConn).SetLinger(0) // reset, as a closed socket does
			return
		}
		s.answered.Add(1)
		body := "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n"
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		if s.closeAfterReply {
			c.Close()
			s.closed <- struct{}{}
			return
		}
	}
}

// eachClient runs f with net/http's client and with the lean one: both
// must behave the same.
func eachClient(t *testing.T, f func(t *testing.T, newClient func(conns int) *Client)) {
	for _, lean := range []bool{false, true} {
		name := "std"
		if lean {
			name = "lean"
		}
		t.Run(name, func(t *testing.T) {
			f(t, func(conns int) *Client {
				c := NewClient(clock.New(), conns)
				if lean {
					c.UseLean()
				}
				return c
			})
		})
	}
}

// A request written on a reused connection that then fails is a failure,
// never sent again: the server may have read it (this one did). Every
// request the server read has exactly one record.
func TestWrittenRequestIsNeverResent(t *testing.T) {
	eachClient(t, func(t *testing.T, newClient func(int) *Client) {
		s := newClosingServer(t, false)
		c := newClient(4)
		defer c.CloseIdle()
		url := "http://" + s.ln.Addr().String() + "/v1/chat/completions"
		failed := 0
		for i := range 6 {
			var res Result
			c.Do(context.Background(), &Request{URL: url, Body: []byte(`{}`), Header: http.Header{}}, &res)
			if res.Retried {
				t.Fatalf("request %d was sent again", i)
			}
			if res.Err != nil {
				failed++
			}
		}
		// Requests alternate: a new connection, answered; a reuse of it, read
		// and reset.
		if s.answered.Load() != 3 || s.unheard.Load() != 3 || failed != 3 {
			t.Fatalf("server answered %d, read and dropped %d; client saw %d failures", s.answered.Load(), s.unheard.Load(), failed)
		}
	})
}

// A pooled connection the server has closed is noticed before a request is
// written on it: the request goes on a new connection and succeeds, with no
// retry. (The lean client peeks; net/http's read loop does the same on its
// own schedule, so only the lean client is deterministic here.)
func TestClosedIdleConnectionIsNotUsed(t *testing.T) {
	s := newClosingServer(t, true)
	c := NewClient(clock.New(), 4)
	c.UseLean()
	defer c.CloseIdle()
	url := "http://" + s.ln.Addr().String() + "/v1/chat/completions"
	for i := range 5 {
		var res Result
		c.Do(context.Background(), &Request{URL: url, Body: []byte(`{}`), Header: http.Header{}}, &res)
		if res.Err != nil || res.Retried || res.Phases.Reused {
			t.Fatalf("request %d: err %v, retried %v, reused %v", i, res.Err, res.Retried, res.Phases.Reused)
		}
		<-s.closed
		waitPeerClosed(t, c)
	}
	if s.answered.Load() != 5 || s.unheard.Load() != 0 || s.connCount.Load() != 5 {
		t.Fatalf("answered %d, dropped %d, connections %d", s.answered.Load(), s.unheard.Load(), s.connCount.Load())
	}
}

// waitPeerClosed waits until the closed connection's FIN has reached the
// client's socket: the kernel may deliver it after close returns.
func waitPeerClosed(t *testing.T, c *Client) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c.lean.mu.Lock()
		all := true
		for _, h := range c.lean.hosts {
			for _, ic := range h.idle {
				all = all && peerClosed(ic.Conn)
			}
		}
		c.lean.mu.Unlock()
		if all {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("the server's close never arrived")
}

// A redirect is an error naming where it points, never a GET that reads as
// an empty answer.
func TestRedirectIsNotFollowed(t *testing.T) {
	eachClient(t, func(t *testing.T, newClient func(int) *Client) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost {
				t.Errorf("followed the redirect with %s", r.Method)
			}
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		}))
		defer srv.Close()
		c := newClient(1)
		defer c.CloseIdle()
		var res Result
		c.Do(context.Background(), &Request{URL: srv.URL + "/v1/chat/completions", Body: []byte(`{}`), Header: http.Header{}}, &res)
		if res.Err == nil || res.Err.Code != http.StatusFound || !strings.Contains(res.Err.Message, "redirected to /elsewhere") {
			t.Fatalf("%+v", res.Err)
		}
		if reason(599) != "HTTP 599" {
			t.Fatalf("unknown status reads %q", reason(599))
		}
	})
}

// Resets carry no client port, so error_summary groups them as one kind.
func TestResetMessagesGroup(t *testing.T) {
	eachClient(t, func(t *testing.T, newClient func(int) *Client) {
		addr, _ := rawServer(t, func(c net.Conn) {
			http.ReadRequest(bufio.NewReader(c))
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		})
		c := newClient(1)
		defer c.CloseIdle()
		msgs := map[string]bool{}
		for range 3 {
			var res Result
			c.Do(context.Background(), &Request{URL: "http://" + addr + "/x", Body: []byte(`{}`), Header: http.Header{}, Close: true}, &res)
			if res.Err == nil {
				t.Fatal("no error")
			}
			msgs[res.Err.Type+": "+res.Err.Message] = true
		}
		if len(msgs) != 1 {
			t.Fatalf("one failure, %d messages: %v", len(msgs), msgs)
		}
	})
}

// Phases: a new connection shows its TCP set-up, a pooled one does not, and
// a pre-dialed one (--warmup-connections) does not either.
func TestPhases(t *testing.T) {
	eachClient(t, func(t *testing.T, newClient func(int) *Client) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "data: {}\n\n")
		}))
		defer srv.Close()
		do := func(c *Client) Phases {
			var res Result
			c.Do(context.Background(), &Request{URL: srv.URL + "/x", Body: []byte(`{}`), Header: http.Header{}}, &res)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			p := res.Phases
			if p.GotConn == 0 || p.Wrote < p.GotConn || p.FirstByte < p.Wrote {
				t.Fatalf("phases out of order: %+v", p)
			}
			return p
		}
		c := newClient(2)
		defer c.CloseIdle()
		if p := do(c); p.ConnectStart == 0 || p.ConnectDone < p.ConnectStart || p.Reused {
			t.Fatalf("new connection: %+v", p)
		}
		if p := do(c); p.ConnectStart != 0 || !p.Reused {
			t.Fatalf("pooled connection: %+v", p)
		}
		w := newClient(2)
		defer w.CloseIdle()
		if err := w.Warm(context.Background(), []string{srv.URL + "/x"}, 2); err != nil {
			t.Fatal(err)
		}
		if p := do(w); p.ConnectStart != 0 || !p.Prewarmed {
			t.Fatalf("pre-dialed connection: %+v", p)
		}
	})
}

// Each kind of failure gets its AIPerf-style type.
func TestClassify(t *testing.T) {
	bg := context.Background()
	cancelled, stop := context.WithCancelCause(bg)
	stop(ErrCancelled)
	for _, c := range []struct {
		ctx  context.Context
		err  error
		want string
	}{
		{cancelled, context.Canceled, "RequestCancelledError"},
		{bg, context.DeadlineExceeded, "TimeoutError"},
		{bg, context.Canceled, "CancelledError"},
		{bg, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, "ConnectionRefusedError"},
		{bg, io.ErrUnexpectedEOF, "StreamTruncatedError"},
		{bg, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, "ConnectionResetError"},
		{bg, &net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE}, "ConnectionError"},
		{bg, io.EOF, "ClientError"},
	} {
		if got := classify(c.ctx, c.err); got.Type != c.want {
			t.Errorf("%v: %s, want %s", c.err, got.Type, c.want)
		}
	}
	if e := (&record.Error{Type: "T", Message: "m"}); e.Error() != "T: m" {
		t.Error(e.Error())
	}
}

// Cancellation on purpose (--request-cancellation-rate), a request to a bad
// URL, a sticky client with one connection, a capped pool, and an unreachable
// warm-up all end as data, never as a panic or a hang.
func TestClientPaths(t *testing.T) {
	eachClient(t, func(t *testing.T, newClient func(int) *Client) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}))
		defer srv.Close()
		c := newClient(2)
		c.LimitConns(2)
		defer c.CloseIdle()
		var res Result
		c.Do(context.Background(), &Request{URL: srv.URL, Body: []byte(`{}`), Header: http.Header{}, Cancel: true, CancelAfter: 10 * time.Millisecond}, &res)
		if !res.Cancelled || res.Err == nil || res.Err.Type != "RequestCancellationError" {
			t.Fatalf("cancel: %+v", res.Err)
		}
		res = Result{}
		c.Do(context.Background(), &Request{URL: "http://[::1", Body: nil, Header: http.Header{}}, &res)
		if res.Err == nil || res.Err.Type != "InvalidURL" {
			t.Fatalf("bad URL: %+v", res.Err)
		}
		s := c.NewSticky()
		res = Result{}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		s.Do(ctx, &Request{URL: srv.URL, Body: []byte(`{}`), Header: http.Header{}}, &res)
		cancel()
		s.CloseIdle()
		if res.Err == nil || res.Err.Type != "TimeoutError" || !res.SSE {
			t.Fatalf("sticky timeout: %+v", res.Err)
		}
		if err := c.Warm(context.Background(), []string{"http://127.0.0.1:1/x"}, 1); err == nil {
			t.Fatal("warmed a closed port")
		}
		if hostKey(mustURL(t, "https://h/x")) != "h:443" || hostKey(mustURL(t, "http://h/x")) != "h:80" {
			t.Fatal("default ports")
		}
	})
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Bytes beyond a reply's framing (Content-Length, or a chunked stream's
// last chunk) close the connection: the next request must not read them as
// its reply.
func TestBytesBeyondFramingCloseTheConnection(t *testing.T) {
	body := `{"choices":[{"message":{"content":"right"}}]}`
	stray := "HTTP/1.1 200 OK\r\nContent-Length: 46\r\n\r\n" + `{"choices":[{"message":{"content":"wrong"}}]}`
	event := `data: {"choices":[{"delta":{"content":"right"}}]}` + "\n\n"
	for name, reply := range map[string]string{
		"sized": fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s%s", len(body), body, stray),
		"chunked": "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
			strconvHex(len(event)) + "\r\n" + event + "\r\n0\r\n\r\n" + stray,
	} {
		t.Run(name, func(t *testing.T) {
			addr, _ := rawServer(t, func(c net.Conn) { answerEach(c, reply, false) })
			c := NewClient(clock.New(), 4)
			c.UseLean()
			defer c.CloseIdle()
			for i := range 3 {
				var res Result
				c.Do(context.Background(), &Request{URL: "http://" + addr + "/v1/chat/completions", Body: []byte(`{}`), Header: http.Header{}}, &res)
				if res.Err != nil || res.Phases.Reused || strings.Contains(string(res.Buf), "wrong") {
					t.Fatalf("request %d: err %v, reused %v, body %q", i, res.Err, res.Phases.Reused, res.Buf)
				}
			}
		})
	}
}
