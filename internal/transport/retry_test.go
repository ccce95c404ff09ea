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

// closingServer answers the first request on each connection, keeps the
// connection open without "Connection: close", then closes it unanswered
// when the next request arrives on it: llama.cpp's server after a streamed
// reply, made deterministic.
type closingServer struct {
	ln        net.Listener
	answered  atomic.Int64
	unheard   atomic.Int64
	connCount atomic.Int64
}

func newClosingServer(t *testing.T) *closingServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &closingServer{ln: ln}
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

// A request that dies on a reused keep-alive connection before any byte of
// an answer is sent once more on a fresh connection, and succeeds.
func TestStaleKeepAliveIsRetriedOnce(t *testing.T) {
	eachClient(t, func(t *testing.T, newClient func(int) *Client) {
		s := newClosingServer(t)
		c := newClient(4)
		defer c.CloseIdle()
		url := "http://" + s.ln.Addr().String() + "/v1/chat/completions"
		for i := range 5 {
			var res Result
			c.Do(context.Background(), &Request{URL: url, Body: []byte(`{}`), Header: http.Header{}}, &res)
			if res.Err != nil {
				t.Fatalf("request %d: %v", i, res.Err)
			}
			// A retry's connection is not pooled, so requests alternate: a new
			// pooled connection, then a reuse of it that the server refuses.
			if wantRetry := i%2 == 1; res.Retried != wantRetry {
				t.Fatalf("request %d: retried %v", i, res.Retried)
			}
		}
		if s.answered.Load() != 5 || s.unheard.Load() != 2 {
			t.Fatalf("answered %d, closed unanswered %d", s.answered.Load(), s.unheard.Load())
		}
	})
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
