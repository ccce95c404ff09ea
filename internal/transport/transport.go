// Package transport sends one HTTP request and captures its timing: the
// send, the response headers, and the first byte of every SSE event, each
// stamped with the monotonic clock before any parsing.
package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/record"
)

// Request is a fully built request: its body and headers exist before the
// send time, so building them never delays the measurement.
type Request struct {
	URL  string
	Body []byte
	// Header is shared by many requests and never changed; Extra holds
	// this request's own headers (its ids), which replace any of the same
	// name in Header. Cloning a header map per request was a tenth of what
	// a request allocated.
	Header http.Header
	Extra  []HeaderField
	Stream bool
	// Close asks for a fresh connection, closed after this request.
	Close bool
	// Cancel makes the client abandon the request CancelAfter after it was
	// fully written (--request-cancellation-rate).
	Cancel      bool
	CancelAfter time.Duration
	// OnFirstByte, when set, runs once when the first body bytes arrive,
	// after they are stamped (it releases --prefill-concurrency slots).
	OnFirstByte func()
	// Sink, when set, takes an event stream's events as they arrive, after
	// their read is stamped; Buf and Events then keep only what it has not
	// had (see EventSink).
	Sink EventSink
	// Timeout bounds the request from the call to Do to its end
	// (--request-timeout-seconds); 0: none.
	Timeout time.Duration
}

// HeaderField is one header line; Key in canonical form (X-Request-Id).
type HeaderField struct{ Key, Value string }

// SetField sets header k (any case) to v in fs, replacing an earlier value,
// as http.Header.Set does.
func SetField(fs []HeaderField, k, v string) []HeaderField {
	k = http.CanonicalHeaderKey(k)
	for i := range fs {
		if fs[i].Key == k {
			fs[i].Value = v
			return fs
		}
	}
	return append(fs, HeaderField{Key: k, Value: v})
}

// Get returns the value of header key (canonical form) as sent.
func (r *Request) Get(key string) string {
	if v, ok := r.extra(key); ok {
		return v
	}
	return r.Header.Get(key)
}

// extra returns the value of key (canonical form) when it is one of r's
// own headers.
func (r *Request) extra(key string) (string, bool) {
	for _, f := range r.Extra {
		if f.Key == key {
			return f.Value, true
		}
	}
	return "", false
}

// Event is one SSE event: Buf[Off:Off+Len] of its Result, first byte at Ns.
type Event struct {
	Ns       int64
	Off, Len int32
}

// Result is what a request measured. Times are clock nanoseconds.
type Result struct {
	StartNs int64 // just before the request was written
	AckNs   int64 // response headers received (0 if none)
	EndNs   int64 // body finished or failure seen
	Status  int
	SSE     bool
	// ContentType is the 200's Content-Type, to say what arrived when the
	// body is not what the endpoint answers.
	ContentType string
	Buf         []byte  // raw body (what a Sink has not had of it)
	Events      []Event // SSE events, or one event holding the whole body
	// Streamed events went to the request's Sink, with Dropped bytes of
	// the body; EventCount and BodyLen count them in.
	Streamed, Dropped int
	Err               *record.Error
	// Cancelled is set when the client cancelled the request on purpose.
	Cancelled   bool
	CancelledNs int64
	// Phases are the HTTP phases of the attempt that counted.
	Phases Phases
	// Retried: the first attempt failed on a reused keep-alive connection
	// before any response byte (the server had closed it), and the request
	// was sent again, once, on a fresh connection. StartNs is the retry's.
	Retried bool
	// BytesSent is the request body's length.
	BytesSent int

	rawErr error // the transport's own error, to tell a stale connection
	// refused: the request was written on a reused connection the server
	// had already closed, and its kernel reset it unread (refusedUnread).
	refused bool
}

// EventData returns the raw bytes of event i.
func (r *Result) EventData(i int) []byte {
	e := r.Events[i]
	return r.Buf[e.Off : e.Off+e.Len]
}

// Client sends requests over a tuned net/http transport.
type Client struct {
	hc     *http.Client
	fresh  *http.Client // one connection per request, for keep-alive retries
	clock  clock.Clock
	dialer *net.Dialer
	warm   *warmPool
	// bodies are response buffers and event lists given back by Release:
	// a request reads into one a finished request has left, so a run does
	// not allocate (and collect) every answer's bytes anew.
	bodies *sync.Pool
	// lean, when set, sends requests through sonde's own HTTP/1.1 client
	// instead of net/http (--http-client lean).
	lean *leanPool
}

// UseLean makes the client send through the lean HTTP/1.1 client (URLs
// that need a proxy still go through net/http). Call before use.
func (c *Client) UseLean() { c.lean = newLeanPool(c.dialer, c.warm) }

// body is a pooled response buffer with its event list.
type body struct {
	buf    []byte
	events []Event
}

// Release gives res's buffers back for the next request. Nothing may use
// res.Buf, res.Events or slices of them afterwards.
func (c *Client) Release(res *Result) {
	if cap(res.Buf) == 0 || cap(res.Buf) > maxPooledBody {
		return
	}
	c.bodies.Put(&body{buf: res.Buf[:0], events: res.Events[:0]})
	res.Buf, res.Events = nil, nil
}

// maxPooledBody bounds what the pool keeps: a rare huge answer is left to
// the garbage collector instead of being held for the rest of the run.
const maxPooledBody = 4 << 20

// NewClient sizes the connection pool for the expected concurrency.
func NewClient(c clock.Clock, conns int) *Client {
	cl := &Client{clock: c, dialer: &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}, warm: &warmPool{}, bodies: &sync.Pool{}}
	cl.hc = cl.httpClient(newTransport(max(conns, 16), cl.dial))
	fresh := newTransport(1, cl.dialer.DialContext)
	fresh.DisableKeepAlives = true
	cl.fresh = cl.httpClient(fresh)
	return cl
}

// LimitConns caps the connections per server at n (the concurrency): a
// request that finds none idle waits for one to come back to the pool (it
// shows in http_req_blocked) instead of dialing an extra one because the
// previous request's connection was not yet returned. Call before use.
func (c *Client) LimitConns(n int) {
	if t, ok := c.hc.Transport.(*http.Transport); ok && n > 0 {
		t.MaxConnsPerHost = n
	}
}

// BoundDials bounds the connections the lean client opens to one server at
// once (n ≤ 0: no bound): a paced run sets PacedDials. Call it between
// runs.
func (c *Client) BoundDials(n int) {
	if c.lean != nil {
		c.lean.mu.Lock()
		c.lean.maxDials = n
		c.lean.mu.Unlock()
	}
}

// httpClient never follows redirects: a 301/302 on a POST would become a
// GET that reads as an empty answer; the redirect itself is the error.
func (c *Client) httpClient(t *http.Transport) *http.Client {
	return &http.Client{Transport: t, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// dial hands out a pre-dialed connection (--warmup-connections) first.
func (c *Client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if conn := c.warm.take(addr); conn != nil {
		return conn, nil
	}
	return c.dialer.DialContext(ctx, network, addr)
}

// NewSticky returns a client with a single connection of its own, for one
// session (--connection-reuse-strategy sticky-user-sessions); CloseIdle it
// when the session ends.
func (c *Client) NewSticky() *Client {
	t := newTransport(1, c.dial)
	t.MaxConnsPerHost = 1
	s := *c
	s.hc = c.httpClient(t)
	if c.lean != nil {
		s.lean = newLeanPool(c.dialer, c.warm) // the session's own connection
	}
	return &s
}

func newTransport(conns int, dial func(ctx context.Context, network, addr string) (net.Conn, error)) *http.Transport {
	return &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         dial,
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     300 * time.Second,
		DisableCompression:  true, // byte arrival times must be the server's, not a decoder's
		// Small per-connection buffers: at 10,000 connections 64 KiB ones cost
		// 1.3 GB, 8 KiB ones 160 MB. Requests are written in one piece
		// whatever the buffer; response bytes go through it into the
		// record's buffer.
		WriteBufferSize:   4 << 10,
		ReadBufferSize:    4 << 10,
		ForceAttemptHTTP2: false, // vLLM and SGLang speak HTTP/1.1
	}
}

// CloseIdle closes pooled connections, and pre-dialed ones never used.
func (c *Client) CloseIdle() {
	c.hc.CloseIdleConnections()
	if c.lean != nil {
		c.lean.closeIdle()
	}
	c.warm.closeAll()
}

// readRoom is the least free space a read is given. A read takes what the
// connection's buffer holds, so a small room costs copies, not system
// calls; a room of 4 KB left that much unused in every open stream's
// buffer.
const readRoom = 512

// grow is the next capacity of a response buffer: 4 KB first (most answers
// are short, and every open stream holds one), then twice as much. Adding
// 4 KB at a time up to 64 KB copied a 75 KB answer's bytes 9 times over
// and left reads a few KB of room, so a long answer took many more reads
// than the kernel had data for (#31).
func grow(c int) int {
	if c < 4<<10 {
		return 4 << 10
	}
	return 2 * c
}

// room returns buf with at least readRoom bytes free, grown by grow.
func room(buf []byte) []byte {
	if cap(buf)-len(buf) >= readRoom {
		return buf
	}
	nb := make([]byte, len(buf), grow(cap(buf)))
	copy(nb, buf)
	return nb
}

// Do sends req and fills res. It never returns an error: failures are data,
// recorded in res.Err with the time they were seen.
func (c *Client) Do(ctx context.Context, req *Request, res *Result) {
	var t *target
	if c.lean != nil {
		t = c.lean.target(req.URL)
	}
	lean := t != nil && !t.proxied
	if req.Timeout > 0 {
		if lean && !req.Cancel {
			ctx = withDeadline(ctx, time.Now().Add(req.Timeout))
		} else {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, req.Timeout)
			defer cancel()
		}
	}
	var onWrote func()
	if req.Cancel {
		var cancel context.CancelCauseFunc
		ctx, cancel = context.WithCancelCause(ctx)
		defer cancel(nil)
		// WroteRequest runs on the transport's writer goroutine.
		var timer atomic.Pointer[time.Timer]
		defer func() {
			if t := timer.Load(); t != nil {
				t.Stop()
			}
		}()
		onWrote = func() {
			if old := timer.Swap(time.AfterFunc(req.CancelAfter, func() { cancel(errClientCancel) })); old != nil {
				old.Stop() // a retried request's first attempt
			}
		}
	}
	res.BytesSent = len(req.Body)
	if res.Buf == nil {
		if b, ok := c.bodies.Get().(*body); ok {
			res.Buf, res.Events = b.buf, b.events
		}
	}
	if lean {
		c.doLean(ctx, t, req, res, onWrote, false)
	} else {
		c.do(ctx, c.hc, req, res, onWrote)
	}
	if res.Err != nil && res.Status == 0 && (res.Phases.Wrote == 0 || res.refused) && (res.Phases.Reused || res.Phases.Prewarmed) &&
		ctx.Err() == nil && staleConnection(res.rawErr) {
		// The server closed an idle keep-alive connection as the request was
		// being written on it (llama.cpp's server closes after every
		// streamed reply, and a session's next turn can be written before
		// its FIN arrives; a closed connection is usually caught before the
		// write, see peerClosed): the write failed, or the server's kernel
		// reset the request unread, so the server never read it. Send it
		// once more, on a fresh connection, and count it once. Otherwise,
		// once a request is written a failure is a failure: an EOF after it
		// does not prove the server did not read it.
		*res = Result{Retried: true, BytesSent: len(req.Body), Buf: res.Buf[:0], Events: res.Events[:0]}
		if lean {
			c.doLean(ctx, t, req, res, onWrote, true)
		} else {
			c.do(ctx, c.fresh, req, res, onWrote)
		}
	}
	if res.Err != nil && errors.Is(context.Cause(ctx), errClientCancel) {
		res.Cancelled, res.CancelledNs = true, res.EndNs
		// One message for every deliberate cancellation, so the error
		// summary has one group of them, as AIPerf's (how long each ran is
		// in its record).
		res.Err = &record.Error{Code: 499, Type: "RequestCancellationError", Message: "Request was cancelled by the client (--request-cancellation-rate)"}
	}
	res.rawErr = nil
}

// staleConnection reports a failure of the kind a dead keep-alive
// connection gives: EOF, reset or broken pipe before any response.
func staleConnection(err error) bool {
	return err != nil && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || strings.Contains(err.Error(), "server closed idle connection"))
}

// errClientCancel is the cause of a deliberate client-side cancellation.
var errClientCancel = errors.New("cancelled by --request-cancellation-rate")

func (c *Client) do(ctx context.Context, hc *http.Client, req *Request, res *Result, onWrote func()) {
	tr := &tracer{clk: c.clock, onWrote: onWrote}
	defer func() { res.Phases = tr.snapshot() }()
	hreq, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, tr.trace()), http.MethodPost, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		res.StartNs = c.clock.Now()
		res.EndNs = res.StartNs
		res.Err = &record.Error{Type: "InvalidURL", Message: err.Error()}
		return
	}
	hreq.Header = req.Header
	if len(req.Extra) > 0 {
		hreq.Header = req.Header.Clone()
		if hreq.Header == nil {
			hreq.Header = http.Header{}
		}
		for _, f := range req.Extra {
			hreq.Header.Set(f.Key, f.Value)
		}
	}
	hreq.ContentLength = int64(len(req.Body))
	hreq.Close = req.Close
	res.StartNs = c.clock.Now()
	resp, err := hc.Do(hreq)
	if err != nil {
		res.EndNs = c.clock.Now()
		res.Err, res.rawErr = classify(ctx, err), err
		return
	}
	res.AckNs = c.clock.Now()
	res.Status = resp.StatusCode
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		res.EndNs = c.clock.Now()
		res.Err = statusError(resp.StatusCode, resp.Header.Get("Location"), body)
		return
	}
	ct := resp.Header.Get("Content-Type")
	res.ContentType = ct
	if enc := resp.Header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		res.EndNs = c.clock.Now()
		res.Err = encodingError(enc)
		return
	}
	c.readBody(ctx, resp.Body, strings.HasPrefix(ct, "text/event-stream"), isEventStream(ct), res, req)
}

// readBody reads a 200's body, as both clients do: an event stream event by
// event (SSE, or the SSE inside AWS's event stream), anything else whole.
func (c *Client) readBody(ctx context.Context, body io.Reader, sse, eventStream bool, res *Result, req *Request) {
	res.SSE = sse || eventStream
	switch {
	case eventStream:
		c.readSSE(ctx, newEventStream(body), res, req.OnFirstByte, req.Sink)
	case sse:
		c.readSSE(ctx, body, res, req.OnFirstByte, req.Sink)
	default:
		c.readWhole(ctx, body, res)
	}
}

// encodingError is a 200 whose body the server compressed unasked (sonde
// sends no Accept-Encoding): read through a decoder, tokens would be timed
// by when the decoder gave them up, not when they arrived.
func encodingError(enc string) *record.Error {
	return &record.Error{Code: http.StatusOK, Type: "UnsupportedContentEncoding",
		Message: fmt.Sprintf("the server compressed its reply (Content-Encoding: %s) although sonde asked for no compression; token times cannot be measured through it", enc)}
}

// statusError is an answer other than 200 as a failure: its status, the
// start of its body, and where a redirect points.
func statusError(status int, location string, body []byte) *record.Error {
	msg := strings.TrimSpace(string(body))
	if location != "" && status/100 == 3 {
		msg = strings.TrimSpace("redirected to " + location + " (sonde does not follow redirects: point --url at the final address) " + msg)
	}
	return &record.Error{Code: status, Type: reason(status), Message: msg}
}

// readWhole reads a body that is not an event stream into the response
// buffer (a pooled one, when there is one): one event holds it, stamped
// when it is complete.
func (c *Client) readWhole(ctx context.Context, body io.Reader, res *Result) {
	b := res.Buf[:0]
	var err error
	for {
		b = room(b)
		var n int
		n, err = body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			break
		}
	}
	if err == io.EOF {
		err = nil
	}
	res.EndNs = c.clock.Now()
	res.Buf = b
	if err != nil {
		res.Err, res.rawErr = classify(ctx, err), err
		return
	}
	res.Events = append(res.Events, Event{Ns: res.EndNs, Off: 0, Len: int32(len(b))})
}

// readSSE reads the body, stamping each event with the time the read that
// delivered its first byte returned. Events already buffered in one read share
// that read's stamp, as in AIPerf. A sink gets the events each read
// completed once the read is stamped.
func (c *Client) readSSE(ctx context.Context, body io.Reader, res *Result, onFirst func(), sink EventSink) {
	var f framer
	buf := res.Buf[:0]
	for {
		buf = room(buf)
		n, err := body.Read(buf[len(buf):cap(buf)])
		if n > 0 {
			now := c.clock.Now() // stamp before looking at the bytes
			start := len(buf)
			buf = buf[:start+n]
			res.Events = f.feed(buf, start, now, res.Events)
			if onFirst != nil {
				onFirst()
				onFirst = nil
			}
			if sink != nil {
				buf = drain(sink, &f, buf, res, len(buf) == cap(buf))
			}
		}
		if err != nil {
			res.EndNs = c.clock.Now()
			res.Events = f.finish(buf, res.Events)
			if sink != nil {
				buf = drain(sink, &f, buf, res, false)
			}
			res.Buf = buf
			if err != io.EOF {
				res.Err, res.rawErr = classify(ctx, err), err
			}
			return
		}
	}
}

// localAddr matches the client side of "tcp 127.0.0.1:54321->127.0.0.1:8000"
// in Go's network errors: the ephemeral port differs on every connection and
// would split one kind of failure into as many error_summary lines.
var localAddr = regexp.MustCompile(`(\[[0-9a-fA-F:.%a-z]+\]|[0-9.]+):[0-9]+->`)

// resetOp matches the system call that met a reset ("read tcp A: read:",
// "write tcp A: write:"): which one did depends on timing alone, so a reset
// reads the same whichever it was.
var resetOp = regexp.MustCompile(`(?:read|write) (tcp[46]?) ([^ ]+): (?:read|write): `)

// classify names a transport failure.
func classify(ctx context.Context, err error) *record.Error {
	msg := localAddr.ReplaceAllString(err.Error(), "")
	var ne net.Error
	switch {
	case errors.Is(context.Cause(ctx), ErrCancelled) || errors.Is(err, ErrCancelled):
		return &record.Error{Code: 499, Type: "RequestCancelledError", Message: "request cancelled: " + msg}
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return &record.Error{Type: "TimeoutError", Message: msg}
	case errors.Is(err, context.Canceled):
		return &record.Error{Type: "CancelledError", Message: msg}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &record.Error{Type: "ConnectionRefusedError", Message: msg}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &record.Error{Type: "StreamTruncatedError", Message: "the server closed the stream early: " + msg}
	case errors.Is(err, syscall.ECONNRESET):
		return &record.Error{Type: "ConnectionResetError", Message: resetOp.ReplaceAllString(msg, "$1 $2: ")}
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return &record.Error{Type: "ConnectionError", Message: msg}
	}
	return &record.Error{Type: "ClientError", Message: msg}
}

// ErrCancelled is the cause given when sonde itself cancels a request
// (shutdown), so the record says why.
var ErrCancelled = errors.New("cancelled by sonde")

func reason(code int) string {
	if t := http.StatusText(code); t != "" {
		return t
	}
	return "HTTP " + strconv.Itoa(code)
}

// Get asks url with the run's headers over net/http and returns the
// status and at most limit bytes of the body: an asynchronous job's status
// and content (video generation), asked outside the streamed path.
func (c *Client) Get(ctx context.Context, url string, header http.Header, extra []HeaderField, limit int64) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	for k, v := range header {
		if k != "Content-Type" {
			req.Header[k] = v
		}
	}
	for _, f := range extra {
		req.Header.Set(f.Key, f.Value)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	return resp.StatusCode, b, err
}
