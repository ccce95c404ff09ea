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
// at gate, and a server that answers every request. The server counts as
// distant (its fastest dial took dialWindow): the bound is PacedDials.
func pacedClient(t *testing.T) (c *Client, url string, gate chan struct{}, peak *atomic.Int64) {
	addr, _ := rawServer(t, func(c net.Conn) { answerEach(c, okStream, false) })
	c = NewClient(clockNew(), 4*PacedDials)
	c.UseLean()
	c.BoundDials(PacedDials)
	t.Cleanup(c.CloseIdle)
	url = "http://" + addr + "/x"
	setFastest(c, url, dialWindow)
	gate = make(chan struct{})
	return c, url, gate, slowDials(c, gate)
}

func setFastest(c *Client, url string, d time.Duration) {
	c.lean.mu.Lock()
	defer c.lean.mu.Unlock()
	c.lean.host(c.lean.target(url).key).fastest = d
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
	burst(t, c, url, gate, peak, 4*PacedDials, PacedDials, func(i int) bool { return i%7 == 0 })
}

// burst sends n requests at once (fresh(i): the i-th wants a new
// connection) while c's dials wait at gate, opens the gate once bound dials
// are under way, and checks that every request was answered, that no more
// than bound dials were ever under way at once, and that none stay counted.
func burst(t *testing.T, c *Client, url string, gate chan struct{}, peak *atomic.Int64, n, bound int, fresh func(int) bool) {
	t.Helper()
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := range n {
		wg.Go(func() {
			if res := post(c, context.Background(), url, fresh(i)); res.Err != nil || len(res.Events) != 1 {
				failed.Add(1)
			}
		})
	}
	waitDials(t, c, url, bound)
	close(gate)
	wg.Wait()
	if failed.Load() > 0 || peak.Load() > int64(bound) {
		t.Fatalf("%d requests failed; %d dials at once, want at most %d", failed.Load(), peak.Load(), bound)
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

func TestDialBound(t *testing.T) {
	for _, c := range []struct {
		limit   int
		fastest time.Duration
		want    int
	}{
		{0, time.Millisecond, 0},  // unbounded
		{PacedDials, 0, minDials}, // no dial has succeeded yet
		{PacedDials, 100 * time.Microsecond, minDials},
		{PacedDials, time.Millisecond, 13},
		{PacedDials, dialWindow, PacedDials},
		{PacedDials, 50 * time.Millisecond, PacedDials},
		{1, 100 * time.Microsecond, 1},
	} {
		if got := dialBound(c.limit, c.fastest); got != c.want {
			t.Errorf("dialBound(%d, %v) = %d, want %d", c.limit, c.fastest, got, c.want)
		}
	}
}

// Once a dial to a server has been quick, a burst has at most dialBound of
// them under way at once; the rest wait for a returned connection or a
// dial, and every request is answered. A dial that succeeds sets the
// server's fastest.
func TestLeanDialsFollowTheFastest(t *testing.T) {
	c, url, gate, peak := pacedClient(t)
	setFastest(c, url, 100*time.Microsecond)
	burst(t, c, url, gate, peak, 40, minDials, func(int) bool { return false })

	c2, url2, gate2, _ := pacedClient(t)
	setFastest(c2, url2, 0)
	close(gate2)
	if res := post(c2, context.Background(), url2, false); res.Err != nil {
		t.Fatal(res.Err)
	}
	c2.lean.mu.Lock()
	fastest := c2.lean.host(c2.lean.target(url2).key).fastest
	c2.lean.mu.Unlock()
	if fastest <= 0 {
		t.Fatal("a dial succeeded and the server's fastest dial is still unknown")
	}
}
