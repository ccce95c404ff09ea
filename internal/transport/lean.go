package transport

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sonde-bench/sonde/internal/record"
)

// leanPool is a minimal HTTP/1.1 client for the measuring path
// (--http-client lean): the request goroutine dials or takes an idle
// connection, writes the request in one system call, and reads the
// response itself. No read and write goroutines per connection, no
// per-request transport state: less memory per open stream and less CPU
// per request than net/http. It speaks what benchmarked servers need: POST,
// plain and TLS, chunked, sized and close-delimited bodies, keep-alive.
// Proxies are net/http's job (the client falls back to it).
type leanPool struct {
	dialer  *net.Dialer
	warm    *warmPool
	mu      sync.Mutex
	hosts   map[string]*leanHost // by target key
	targets sync.Map             // raw URL → *target
	// maxDials bounds the dials under way to one server (0: no bound; see
	// PacedDials). Set between runs, never during one.
	maxDials int
}

// target is what the client keeps of a URL, worked out on its first
// request: its parts, the address to dial, the pool's key, the start of
// every request's head, and whether the environment sends it through a
// proxy (HTTP_PROXY and the like: then it is net/http's).
type target struct {
	u       *url.URL
	addr    string // host:port
	key     string // scheme://host:port
	head    []byte // "POST <path> HTTP/1.1\r\nHost: <host>\r\n"
	proxied bool
	err     error // the URL cannot be sent to
}

func (p *leanPool) target(raw string) *target {
	if t, ok := p.targets.Load(raw); ok {
		return t.(*target)
	}
	t := &target{}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		t.err = err
	case u.Scheme != "http" && u.Scheme != "https":
		t.err = fmt.Errorf("unsupported protocol scheme %q", u.Scheme)
	default:
		t.u, t.addr = u, hostKey(u)
		t.key = u.Scheme + "://" + t.addr
		t.head = []byte("POST " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\n")
		if r, err := http.NewRequest(http.MethodPost, raw, nil); err == nil {
			via, err := http.ProxyFromEnvironment(r)
			t.proxied = err == nil && via != nil
		}
	}
	p.targets.Store(raw, t)
	return t
}

// leanConn is one connection with its read buffer.
type leanConn struct {
	net.Conn
	br        *bufio.Reader
	key       string
	reused    bool
	prewarmed bool
	peeker    // is it still open, before it is reused
}

func newLeanPool(d *net.Dialer, warm *warmPool) *leanPool {
	return &leanPool{dialer: d, warm: warm, hosts: map[string]*leanHost{}}
}

// get returns an idle connection to t's server, a pre-dialed one, or a new
// one; fresh asks for a new one.
func (p *leanPool) get(ctx context.Context, t *target, tr *tracer, fresh bool) (*leanConn, error) {
	tr.stamp(&tr.getConn)
	if !fresh {
		for c := p.takeIdle(t.key); c != nil; c = p.takeIdle(t.key) {
			if !closing(c) {
				return reused(c, tr), nil
			}
		}
		for w := p.warm.take(t.addr); w != nil; w = p.warm.take(t.addr) {
			if !peerClosed(w) {
				return p.opened(ctx, t, tr, w, true)
			}
			w.Close()
		}
	}
	for {
		c, err := p.acquire(ctx, t.key, fresh)
		if err != nil {
			return nil, err
		}
		if c == nil {
			break // the right to dial
		}
		if !closing(c) {
			return reused(c, tr), nil
		}
	}
	start := time.Now()
	conn, err := p.opened(ctx, t, tr, nil, false)
	var took time.Duration
	if err == nil {
		took = time.Since(start) // with TLS, its handshake too
	}
	p.dialed(t.key, took)
	return conn, err
}

// closing reports, and closes, a pooled connection the server has closed
// or written to unasked (bytes beyond a reply's framing): a request written
// on it could be read by the server and still fail, and must not be resent.
func closing(c *leanConn) bool {
	if c.br.Buffered() == 0 && !c.peerClosed(c.Conn) {
		return false
	}
	c.Close()
	return true
}

// reused marks a connection taken from the pool.
func reused(c *leanConn, tr *tracer) *leanConn {
	c.reused = true
	tr.stamp(&tr.gotConn)
	tr.reused.Store(true)
	return c
}

func (p *leanPool) opened(ctx context.Context, t *target, tr *tracer, w net.Conn, prewarmed bool) (*leanConn, error) {
	conn, err := p.open(ctx, t, tr, w)
	if err != nil {
		return nil, err
	}
	tr.stamp(&tr.gotConn)
	tr.prewarmed.Store(prewarmed)
	return &leanConn{Conn: conn, br: bufio.NewReaderSize(rawReads(conn), 2<<10), key: t.key, prewarmed: prewarmed}, nil
}

// open dials (unless given a pre-dialed connection) and, for https, shakes
// hands, on a goroutine of its own: the dialer's and TLS's stacks are the
// deepest a request reaches, and a goroutine keeps its grown stack for the
// rest of its life — 8 KB in every open stream when the request goroutine
// dialed itself.
func (p *leanPool) open(ctx context.Context, t *target, tr *tracer, conn net.Conn) (net.Conn, error) {
	type opened struct {
		conn net.Conn
		err  error
	}
	done := make(chan opened, 1)
	go func() {
		c, err := p.openHere(ctx, t, tr, conn)
		done <- opened{c, err}
	}()
	o := <-done
	return o.conn, o.err
}

func (p *leanPool) openHere(ctx context.Context, t *target, tr *tracer, conn net.Conn) (net.Conn, error) {
	if conn == nil {
		var err error
		if conn, err = p.dial(ctx, t, tr); err != nil {
			return nil, err
		}
	}
	if t.u.Scheme != "https" {
		return conn, nil
	}
	if d, ok := ownDeadline(ctx); ok {
		conn.SetDeadline(d) // the request's own replaces it
	}
	tr.stamp(&tr.tlsStart)
	tc := tls.Client(rawReads(conn), &tls.Config{ServerName: t.u.Hostname(), NextProtos: []string{"http/1.1"}})
	err := tc.HandshakeContext(ctx)
	tr.stamp(&tr.tlsDone)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}

// dial resolves the host (a DNS phase of its own, as net/http reports it)
// and connects to its addresses in turn.
func (p *leanPool) dial(ctx context.Context, t *target, tr *tracer) (net.Conn, error) {
	host, port, _ := net.SplitHostPort(t.addr)
	addrs := []string{host}
	if net.ParseIP(host) == nil {
		tr.stamp(&tr.dnsStart)
		ips, err := net.DefaultResolver.LookupHost(ctx, host)
		tr.stamp(&tr.dnsDone)
		if err != nil {
			return nil, err
		}
		addrs = ips
	}
	tr.stamp(&tr.connStart)
	defer tr.stamp(&tr.connDone)
	var err error
	for _, a := range addrs {
		var conn net.Conn
		if conn, err = p.dialer.DialContext(ctx, "tcp", net.JoinHostPort(a, port)); err == nil {
			return conn, nil
		}
	}
	return nil, err
}

// aLongTimeAgo is a deadline that has passed: it unblocks a read or a write
// at once when the request's context ends.
var aLongTimeAgo = time.Unix(1, 0)

// doLean is do over the lean client.
func (c *Client) doLean(ctx context.Context, t *target, req *Request, res *Result, onWrote func(), fresh bool) {
	tr := &tracer{clk: c.clock, onWrote: onWrote}
	defer func() { res.Phases = tr.snapshot() }()
	fail := func(err error) {
		res.EndNs = c.clock.Now()
		if cerr := ended(ctx, err); cerr != nil {
			err = cerr // the run or the timeout ended it, not the network
		}
		res.Err, res.rawErr = classify(ctx, err), err
	}
	if t.err != nil {
		res.StartNs = c.clock.Now()
		res.EndNs = res.StartNs
		res.Err = &record.Error{Type: "InvalidURL", Message: t.err.Error()}
		return
	}
	head, err := requestHead(t, req)
	res.StartNs = c.clock.Now()
	if err != nil {
		res.EndNs = res.StartNs
		res.Err = &record.Error{Type: "InvalidHeader", Message: err.Error()}
		return
	}
	conn, err := c.lean.get(ctx, t, tr, fresh || req.Close)
	if err != nil {
		fail(err)
		return
	}
	deadline, _ := ownDeadline(ctx) // zero, no deadline, when there is none
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(aLongTimeAgo) })
	keep := false
	defer func() {
		// A retry's fresh connection is not pooled, as net/http's is not.
		if stop() && keep && !fresh {
			c.lean.put(conn)
		} else {
			conn.Close()
		}
	}()
	written, err := writeRequest(conn, head, req.Body)
	if err != nil {
		fail(err)
		return
	}
	if written {
		tr.stamp(&tr.wrote)
		if onWrote != nil {
			onWrote()
		}
	}
	resp, err := readHead(conn.br, tr)
	if err != nil {
		fail(err)
		res.refused = written && err == io.EOF && (conn.reused || conn.prewarmed) && refusedUnread(conn.Conn)
		return
	}
	res.AckNs = c.clock.Now()
	res.Status = resp.status
	body := resp.body(conn.br)
	if resp.status != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(body, 4<<10))
		res.EndNs = c.clock.Now()
		res.Err = statusError(resp.status, resp.location, b)
		keep = written && resp.framed && !resp.close && !req.Close && drained(body) && !overran(body)
		return
	}
	res.ContentType = resp.contentType
	if resp.encoding != "" {
		res.EndNs = c.clock.Now()
		res.Err = encodingError(resp.encoding)
		return
	}
	c.readBody(ctx, body, resp.sse, resp.eventStream, res, req)
	if cerr := ended(ctx, res.rawErr); res.Err != nil && cerr != nil {
		res.Err = classify(ctx, cerr)
	}
	keep = written && res.Err == nil && !resp.close && !req.Close && resp.framed && !overran(body)
}

// overran reports a chunked body after whose end the server wrote more in
// the same read: bytes no request asked for, so the connection is closed
// (closing would see them in the buffer had the read been smaller).
func overran(body io.Reader) bool {
	cr, ok := body.(*chunkedReader)
	return ok && cr.extra
}

// writeRequest sends head and body in one system call: net.Buffers writes
// to a TCP connection with one writev, but to any other writer (leanConn,
// or a pre-dialed connection's wrapper) one buffer at a time, and two
// writes were two segments on the wire and two wake-ups of the server.
// written is false, with no error, when the server had closed the
// connection but answered before it did: its answer is read, as net/http
// does. Without one, the write's own error stands (a reset the write
// consumed reads as a bare EOF).
func writeRequest(conn *leanConn, head, body []byte) (written bool, err error) {
	bufs := net.Buffers{head, body}
	if _, err := bufs.WriteTo(bare(conn.Conn)); err != nil {
		if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
			return false, err
		}
		if _, rerr := conn.br.Peek(1); rerr != nil {
			if !errors.Is(rerr, io.EOF) {
				err = rerr
			}
			return false, err
		}
		return false, nil
	}
	return true, nil
}

// requestHead is the request line and headers, Content-Length and Host
// added, and Basic authorization from the URL's user info as net/http does.
func requestHead(t *target, req *Request) ([]byte, error) {
	b := append(make([]byte, 0, 512), t.head...)
	b = append(b, "Content-Length: "...)
	b = strconv.AppendInt(b, int64(len(req.Body)), 10)
	b = append(b, "\r\n"...)
	if req.Close {
		b = append(b, "Connection: close\r\n"...)
	}
	if u := t.u.User; u != nil && req.Get("Authorization") == "" {
		pw, _ := u.Password()
		b = append(b, "Authorization: Basic "...)
		b = append(b, base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pw))...)
		b = append(b, "\r\n"...)
	}
	line := func(k, v string) error {
		if !validHeader(k) || !validHeader(v) {
			return fmt.Errorf("header %q has a line break or a control character", k)
		}
		b = append(append(append(append(b, k...), ": "...), v...), "\r\n"...)
		return nil
	}
	for k, vs := range req.Header {
		if _, own := req.extra(k); own || k == "Host" || k == "Content-Length" {
			continue
		}
		for _, v := range vs {
			if err := line(k, v); err != nil {
				return nil, err
			}
		}
	}
	for _, f := range req.Extra {
		if err := line(f.Key, f.Value); err != nil {
			return nil, err
		}
	}
	return append(b, "\r\n"...), nil
}

func validHeader(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// response is what the client needs of a response's head.
type response struct {
	status         int
	contentLength  int64 // -1 when not given
	chunked, close bool
	sse            bool
	eventStream    bool // AWS's event stream (SageMaker), SSE inside
	location       string
	contentType    string
	encoding       string // Content-Encoding other than identity
	framed         bool   // the body's end is known (chunked or sized): the connection can be reused
}

// readHead reads the status line and headers, skipping 1xx responses; the
// first byte of the response is stamped as it arrives.
func readHead(br *bufio.Reader, tr *tracer) (*response, error) {
	if _, err := br.Peek(1); err != nil {
		return nil, err
	}
	tr.stamp(&tr.firstByte)
	for {
		line, err := readLine(br)
		if err != nil {
			return nil, err
		}
		// "HTTP/1.1 200 OK", read as net/http reads it: the protocol, any
		// spaces, three digits.
		proto, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimLeft(rest, " ")
		if !strings.HasPrefix(proto, "HTTP/") {
			return nil, fmt.Errorf("malformed HTTP response %q", line)
		}
		if len(rest) < 3 || len(rest) > 3 && rest[3] != ' ' {
			return nil, fmt.Errorf("malformed HTTP status line %q", line)
		}
		status, err := strconv.Atoi(rest[:3])
		if err != nil || status < 100 {
			return nil, fmt.Errorf("malformed HTTP status line %q", line)
		}
		// Before HTTP/1.1 a connection closes after the response, and
		// Transfer-Encoding means nothing (net/http reads it so too).
		old := proto != "HTTP/1.1" && !strings.HasPrefix(proto, "HTTP/2") && !strings.HasPrefix(proto, "HTTP/3")
		r := &response{status: status, contentLength: -1, close: old}
		for {
			h, err := readLine(br)
			if err != nil {
				return nil, err
			}
			if h == "" {
				break
			}
			k, v, ok := cut(h)
			if !ok {
				continue
			}
			switch http.CanonicalHeaderKey(k) {
			case "Content-Length":
				if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
					r.contentLength = n
				}
			case "Transfer-Encoding":
				r.chunked = !old && containsFold(v, "chunked")
			case "Connection":
				if containsFold(v, "close") {
					r.close = true
				} else if containsFold(v, "keep-alive") {
					r.close = false
				}
			case "Content-Type":
				r.sse = len(v) >= 17 && strings.EqualFold(v[:17], "text/event-stream")
				r.eventStream = isEventStream(v)
				r.contentType = v
			case "Content-Encoding":
				if !strings.EqualFold(v, "identity") {
					r.encoding = v
				}
			case "Location":
				r.location = v
			}
		}
		if status >= 100 && status < 200 && status != 101 {
			continue // an interim response: the real one follows
		}
		if status == http.StatusNoContent || status == http.StatusNotModified {
			r.chunked, r.contentLength = false, 0 // no body, whatever the headers say
		}
		r.framed = r.chunked || r.contentLength >= 0
		return r, nil
	}
}

// body reads the response body as framed.
func (r *response) body(br *bufio.Reader) io.Reader {
	switch {
	case r.chunked:
		return &chunkedReader{br: br}
	case r.contentLength >= 0:
		return &sizedReader{br: br, left: r.contentLength}
	}
	return br
}

// sizedReader reads a Content-Length body: an end before its size is a
// truncated stream, not the end of the body.
type sizedReader struct {
	br   *bufio.Reader
	left int64
}

func (s *sizedReader) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.br.Read(p)
	s.left -= int64(n)
	if err == io.EOF && s.left > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// drained reads what is left of a small error body, to reuse the connection.
func drained(body io.Reader) bool {
	n, err := io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	return err == nil && n < 64<<10
}

// readLine reads one line of a response head, without its line break;
// lines longer than the buffer are joined, up to 1 MB.
func readLine(br *bufio.Reader) (string, error) {
	line, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		long := append([]byte(nil), line...)
		for errors.Is(err, bufio.ErrBufferFull) && len(long) < 1<<20 {
			line, err = br.ReadSlice('\n')
			long = append(long, line...)
		}
		if err != nil {
			return "", fmt.Errorf("HTTP response header line too long or cut: %w", err)
		}
		line = long
	}
	if err != nil {
		return "", err
	}
	n := len(line) - 1
	if n > 0 && line[n-1] == '\r' {
		n--
	}
	return string(line[:n]), nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func cut(h string) (k, v string, ok bool) {
	k, v, ok = strings.Cut(h, ":")
	return strings.TrimSpace(k), strings.TrimSpace(v), ok
}

func containsFold(s, sub string) bool { return strings.Contains(strings.ToLower(s), sub) }
