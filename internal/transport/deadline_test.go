package transport

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// stallAfterOneEvent answers every request with a stream's head and one
// event, then sends nothing more until the client goes.
func stallAfterOneEvent(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	io.Copy(io.Discard, req.Body)
	io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n9\r\ndata: x\n\n\r\n")
	io.Copy(io.Discard, c)
}

// A request's Timeout ends it as a context with that timeout did before
// the lean client timed requests on the connection itself: the same error,
// at the deadline, with what arrived before it kept; and the run's context
// still cuts a request that has a Timeout.
func TestLeanRequestTimeout(t *testing.T) {
	addr, _ := rawServer(t, stallAfterOneEvent)
	url := "http://" + addr + "/x"
	c := NewClient(clockNew(), 4)
	c.UseLean()
	defer c.CloseIdle()
	const timeout = 50 * time.Millisecond

	var byCtx Result
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	c.Do(ctx, &Request{URL: url, Body: []byte(`{}`), Header: http.Header{}}, &byCtx)
	cancel()
	var byField Result
	began := time.Now()
	c.Do(context.Background(), &Request{URL: url, Body: []byte(`{}`), Header: http.Header{}, Timeout: timeout}, &byField)
	took := time.Since(began)
	for _, res := range []*Result{&byCtx, &byField} {
		if res.Err == nil || res.Err.Type != "TimeoutError" || !res.SSE || len(res.Events) != 1 {
			t.Fatalf("timed out request: %+v, SSE %v, %d events", res.Err, res.SSE, len(res.Events))
		}
	}
	if *byField.Err != *byCtx.Err {
		t.Fatalf("by Timeout: %+v; by a context: %+v", byField.Err, byCtx.Err)
	}
	if took < timeout {
		t.Fatalf("ended after %v, before its %v timeout", took, timeout)
	}

	run, stop := context.WithCancelCause(context.Background())
	time.AfterFunc(10*time.Millisecond, func() { stop(ErrCancelled) })
	var cut Result
	c.Do(run, &Request{URL: url, Body: []byte(`{}`), Header: http.Header{}, Timeout: time.Hour}, &cut)
	if cut.Err == nil || cut.Err.Type != "RequestCancelledError" {
		t.Fatalf("a request cut by its run: %+v", cut.Err)
	}
	// A run that ends at a deadline of its own (the grace period) cuts
	// the request through its context: never a timeout of the request,
	// even though both fire at the same instant.
	for range 5 {
		run, stop := context.WithDeadlineCause(context.Background(), time.Now().Add(10*time.Millisecond), ErrCancelled)
		var cut Result
		c.Do(run, &Request{URL: url, Body: []byte(`{}`), Header: http.Header{}, Timeout: time.Hour}, &cut)
		stop()
		if cut.Err == nil || cut.Err.Type != "RequestCancelledError" {
			t.Fatalf("a request cut by its run's deadline: %+v", cut.Err)
		}
	}
}

// A request that waits for a connection (every dial slot taken) ends at
// its Timeout too, and leaves no dial counted.
func TestLeanTimeoutWhileWaiting(t *testing.T) {
	c, url, gate, _ := pacedClient(t)
	setFastest(c, url, 100*time.Microsecond) // two dials at once
	held := make(chan struct{})
	for range minDials {
		go func() {
			post(c, context.Background(), url, false)
			held <- struct{}{}
		}()
	}
	waitDials(t, c, url, minDials)
	var res Result
	c.Do(context.Background(), &Request{URL: url, Body: []byte(`{}`), Header: http.Header{}, Timeout: 20 * time.Millisecond}, &res)
	if res.Err == nil || res.Err.Type != "TimeoutError" {
		t.Fatalf("a request that waited past its timeout: %+v", res.Err)
	}
	close(gate)
	for range minDials {
		<-held
	}
	if n := c.lean.dialingTo(url); n != 0 {
		t.Fatalf("%d dials still counted after every request ended", n)
	}
}

// The deadline the client applies to a connection is the request's own,
// never an earlier one of the parent (which ends the request through the
// parent, as a cut); Deadline still tells the earliest.
func TestOwnDeadline(t *testing.T) {
	now := time.Now()
	parent, cancel := context.WithDeadline(context.Background(), now.Add(time.Second))
	defer cancel()
	ctx := withDeadline(parent, now.Add(time.Hour))
	if d, ok := ownDeadline(ctx); !ok || !d.Equal(now.Add(time.Hour)) {
		t.Fatalf("own deadline %v %v, want the request's", d, ok)
	}
	if d, _ := ctx.Deadline(); !d.Equal(now.Add(time.Second)) {
		t.Fatalf("Deadline %v, want the parent's earlier one", d)
	}
	if _, ok := ownDeadline(parent); ok {
		t.Fatal("a plain context has no deadline of the client's own")
	}
	if ctx.Err() != nil || ended(ctx, context.Canceled) != nil {
		t.Fatal("ended before either deadline")
	}
	past := withDeadline(context.Background(), now.Add(-time.Millisecond))
	if past.Err() != context.DeadlineExceeded || ended(past, nil) != context.DeadlineExceeded {
		t.Fatal("a passed deadline does not read as one")
	}
}
