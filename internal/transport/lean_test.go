package transport

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sonde-bench/sonde/internal/clock"
)

// rawServer hands each loopback connection to serve, counting them.
func rawServer(t testing.TB, serve func(c net.Conn)) (addr string, conns *atomic.Int64) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	conns = &atomic.Int64{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go serve(c)
		}
	}()
	return ln.Addr().String(), conns
}

// answerEach writes raw to every request read on c, and closes c after one
// when close is set or the request asks.
func answerEach(c net.Conn, raw string, close bool) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		io.Copy(io.Discard, req.Body)
		io.WriteString(c, raw)
		if close || req.Close {
			return
		}
	}
}

// scriptServer answers every request with raw.
func scriptServer(t *testing.T, raw string, close bool) string {
	addr, _ := rawServer(t, func(c net.Conn) { answerEach(c, raw, close) })
	return "http://" + addr + "/v1/chat/completions"
}

const sseBody = "data: {\"a\":1}\n\ndata: {\"a\":2}\n\ndata: [DONE]\n\n"

// TestLeanMatchesNetHTTP: for every way a server can frame a response, the
// lean client reads what net/http reads: status, SSE or not, the same body
// bytes and events, the same kind of failure.
func TestLeanMatchesNetHTTP(t *testing.T) {
	chunk := func(parts ...string) string {
		var b strings.Builder
		for _, p := range parts {
			b.WriteString(strconvHex(len(p)) + "\r\n" + p + "\r\n")
		}
		return b.String() + "0\r\n\r\n"
	}
	cases := []struct {
		name  string
		raw   string
		close bool
	}{
		{"chunked SSE", "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(sseBody[:10], sseBody[10:25], sseBody[25:]), false},
		{"chunk extensions and trailers", "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"a;ext=1\r\n" + sseBody[:10] + "\r\n" + strconvHex(len(sseBody)-10) + "\r\n" + sseBody[10:] + "\r\n0\r\nX-Trailer: 1\r\n\r\n", false},
		{"content-length SSE", "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: " + itoa(len(sseBody)) + "\r\n\r\n" + sseBody, false},
		{"close-delimited SSE", "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n" + sseBody, true},
		{"HTTP/1.0 JSON", "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{\"a\": 1}\n", true},
		{"interim 100 then JSON", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", false},
		{"error with a chunked body", "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(`{"error":"boom"}`), false},
		{"truncated chunk", "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n40\r\ndata: {}\n\n", true},
		{"truncated content-length", "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 100\r\n\r\ndata: {}\n\n", true},
		{"garbage", "SPDY/3 what\r\n\r\n", true},
		{"no content", "HTTP/1.1 204 No Content\r\n\r\n", false},
		{"a header longer than the buffer", "HTTP/1.1 200 OK\r\nX-Long: " + strings.Repeat("x", 5000) + "\r\nContent-Type: text/event-stream\r\nContent-Length: " + itoa(len(sseBody)) + "\r\n\r\n" + sseBody, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url := scriptServer(t, c.raw, c.close)
			var got [2]Result
			for i, lean := range []bool{false, true} {
				cl := NewClient(clockNew(), 2)
				if lean {
					cl.UseLean()
				}
				for range 2 { // the second request shows whether the connection was reusable
					got[i] = Result{}
					cl.Do(context.Background(), &Request{URL: url, Body: []byte(`{"x":1}`), Header: http.Header{"Content-Type": {"application/json"}}}, &got[i])
				}
				cl.CloseIdle()
			}
			std, lean := &got[0], &got[1]
			errType := func(r *Result) string {
				if r.Err == nil {
					return ""
				}
				return r.Err.Type
			}
			if std.Status != lean.Status || std.SSE != lean.SSE || string(std.Buf) != string(lean.Buf) ||
				len(std.Events) != len(lean.Events) || (std.Err == nil) != (lean.Err == nil) {
				t.Fatalf("net/http: status %d sse %v %d events %q err %v\nlean:     status %d sse %v %d events %q err %v",
					std.Status, std.SSE, len(std.Events), std.Buf, std.Err, lean.Status, lean.SSE, len(lean.Events), lean.Buf, lean.Err)
			}
			if errType(std) != errType(lean) && !(std.Status == 0 && lean.Status == 0) {
				t.Fatalf("failure kinds differ: %v / %v", std.Err, lean.Err)
			}
		})
	}
}

// TestLeanReusesConnections: one connection carries a session's requests,
// and Close asks for a fresh one each time.
func TestLeanReusesConnections(t *testing.T) {
	addr, conns := rawServer(t, func(c net.Conn) {
		answerEach(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n9\r\ndata: x\n\n\r\n0\r\n\r\n", false)
	})
	url := "http://" + addr + "/x"
	c := NewClient(clockNew(), 1)
	c.UseLean()
	defer c.CloseIdle()
	for i := range 5 {
		var res Result
		c.Do(context.Background(), &Request{URL: url, Body: []byte(`{}`), Header: http.Header{}}, &res)
		if res.Err != nil || len(res.Events) != 1 || (i > 0) != res.Phases.Reused {
			t.Fatalf("request %d: %+v %d events, reused %v", i, res.Err, len(res.Events), res.Phases.Reused)
		}
	}
	for range 2 {
		var res Result
		c.Do(context.Background(), &Request{URL: url, Body: []byte(`{}`), Header: http.Header{}, Close: true}, &res)
		if res.Err != nil || res.Phases.Reused {
			t.Fatalf("closing request: %+v reused %v", res.Err, res.Phases.Reused)
		}
	}
	if n := conns.Load(); n != 3 {
		t.Fatalf("%d connections, want 1 kept alive and 2 closed ones", n)
	}
}

func strconvHex(n int) string { return strings.ToLower(strconv.FormatInt(int64(n), 16)) }
func itoa(n int) string       { return strconv.Itoa(n) }
func clockNew() clock.Clock   { return clock.New() }

// TestLeanResolvesNames: a host name shows its DNS phase before the
// connection, as with net/http.
func TestLeanResolvesNames(t *testing.T) {
	url := scriptServer(t, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 9\r\n\r\ndata: x\n\n", false)
	url = strings.Replace(url, "127.0.0.1", "localhost", 1)
	c := NewClient(clockNew(), 1)
	c.UseLean()
	defer c.CloseIdle()
	var res Result
	c.Do(context.Background(), &Request{URL: url, Body: []byte(`{}`), Header: http.Header{}}, &res)
	p := res.Phases
	if res.Err != nil || p.DNSStart == 0 || p.DNSDone < p.DNSStart || p.ConnectStart < p.DNSDone || p.ConnectDone < p.ConnectStart {
		t.Fatalf("%v: phases %+v", res.Err, p)
	}
}

// A request's own headers replace the shared ones of the same name, and
// both clients send the same header lines.
func TestRequestOwnHeaders(t *testing.T) {
	got := make(chan http.Header, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
	}))
	defer srv.Close()
	base := http.Header{"X-Request-Id": {"shared"}, "Authorization": {"Bearer k"}}
	extra := SetField(SetField(SetField(nil, "x-request-id", "one"), "X-Correlation-ID", "c"), "X-Request-ID", "two")
	eachClient(t, func(t *testing.T, newClient func(int) *Client) {
		c := newClient(1)
		defer c.CloseIdle()
		req := &Request{URL: srv.URL, Body: []byte(`{}`), Header: base, Extra: extra}
		var res Result
		c.Do(context.Background(), req, &res)
		h := <-got
		if res.Err != nil || len(h["X-Request-Id"]) != 1 || h.Get("X-Request-Id") != "two" || h.Get("X-Correlation-Id") != "c" ||
			h.Get("Authorization") != "Bearer k" || req.Get("X-Request-Id") != "two" {
			t.Fatalf("%+v: server saw %v", res.Err, h)
		}
		if len(base["X-Request-Id"]) != 1 || base.Get("X-Request-Id") != "shared" {
			t.Fatalf("the shared headers changed: %v", base)
		}
	})
}

// A chunked stream is decoded without an allocation per chunk.
func TestChunkedReadDoesNotAllocate(t *testing.T) {
	var body strings.Builder
	for range 100 {
		body.WriteString(strconvHex(len(sseBody)) + ";ext=1\r\n" + sseBody + "\r\n")
	}
	body.WriteString("0\r\n\r\n")
	raw := body.String()
	buf := make([]byte, 4096)
	br := bufio.NewReaderSize(strings.NewReader(raw), 2<<10)
	cr := new(chunkedReader) // one per response, as resp.body makes it
	allocs := testing.AllocsPerRun(20, func() {
		br.Reset(strings.NewReader(raw))
		*cr = chunkedReader{br: br}
		n := 0
		for {
			k, err := cr.Read(buf)
			n += k
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if n != 100*len(sseBody) {
			t.Fatalf("read %d bytes", n)
		}
	})
	if allocs > 1 {
		t.Fatalf("%.0f allocations for 100 chunks", allocs)
	}
}
