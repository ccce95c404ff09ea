package transport

import (
	"context"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const okStream = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n9\r\ndata: x\n\n\r\n0\r\n\r\n"

// pacedClient is a lean client with paced runs' dial bound, its dials held
// at gate, and a server that answers every request.
func pacedClient(t *testing.T) (c *Client, url string, gate chan struct{}, peak *atomic.Int64) {
	addr, _ := rawServer(t, func(c net.Conn) { answerEach(c, okStream, false) })
	c = NewClient(clockNew(), 4*PacedDials)
	c.UseLean()
	c.BoundDials(PacedDials)
	t.Cleanup(c.CloseIdle)
	gate = make(chan struct{})
	return c, "http://" + addr + "/x", gate, slowDials(c, gate)
}

// slowDials makes every dial of c wait at gate (before connecting, or until
// its context ends) and
// records how many were under way at once.
func slowDials(c *Client, gate <-chan struct{}) (peak *atomic.Int64) {
	var now atomic.Int64
	peak = &atomic.Int64{}
	c.dialer.ControlContext = func(ctx context.Context, _, _ string, _ syscall.RawConn) error {
		n := now.Add(1)
		defer now.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		select {
		case <-gate:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return peak
}

func post(c *Client, ctx context.Context, url string, fresh bool) *Result {
	var res Result
	c.Do(ctx, &Request{URL: url, Body: []byte(`{}`), Header: http.Header{}, Close: fresh}, &res)
	return &res
}

// A burst far larger than PacedDials has at most that many dials under
// way at once: the rest wait for a dial or for a connection to come back,
// and every request is answered.
func TestLeanBoundsDials(t *testing.T) {
	c, url, gate, peak := pacedClient(t)
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := range 4 * PacedDials {
		wg.Go(func() {
			if res := post(c, context.Background(), url, i%7 == 0); res.Err != nil || len(res.Events) != 1 {
				failed.Add(1)
			}
		})
	}
	waitDials(t, c, url, PacedDials)
	close(gate)
	wg.Wait()
	if failed.Load() > 0 || peak.Load() > PacedDials {
		t.Fatalf("%d requests failed; %d dials at once, want at most %d", failed.Load(), peak.Load(), PacedDials)
	}
	if n := c.lean.dialingTo(url); n != 0 {
		t.Fatalf("%d dials still counted after every request ended", n)
	}
}

// A request whose context ends while it waits for a connection returns
// with the context's error, and leaves no dial or connection stuck: once
// the dials go through, new requests are served.
func TestLeanWaiterCancelled(t *testing.T) {
	c, url, gate, _ := pacedClient(t)
	var held sync.WaitGroup
	for range PacedDials { // every dial slot, each dial held at the gate
		held.Go(func() { post(c, context.Background(), url, false) })
	}
	waitDials(t, c, url, PacedDials)
	var waiting sync.WaitGroup
	for i := range 40 {
		waiting.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%4)*time.Millisecond)
			defer cancel()
			if res := post(c, ctx, url, i%2 == 0); res.Err == nil || res.Err.Type != "TimeoutError" {
				t.Errorf("a waiter whose context ended: %+v", res.Err)
			}
		})
	}
	waiting.Wait()
	close(gate)
	held.Wait()
	for _, fresh := range []bool{false, true} {
		if res := post(c, context.Background(), url, fresh); res.Err != nil {
			t.Fatalf("after the waiters gave up: %+v", res.Err)
		}
	}
	if n := c.lean.dialingTo(url); n != 0 {
		t.Fatalf("%d dials still counted after every request ended", n)
	}
}

// waitDials waits until n dials to url are under way.
func waitDials(t *testing.T, c *Client, url string, n int) {
	for deadline := time.Now().Add(30 * time.Second); c.lean.dialingTo(url) < n; runtime.Gosched() {
		if time.Now().After(deadline) {
			t.Fatalf("%d dials under way, want %d", c.lean.dialingTo(url), n)
		}
	}
}
