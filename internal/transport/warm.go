package transport

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"sync"
)

// warmConn is a TCP connection opened before the run (--warmup-connections):
// the transport takes it instead of dialing, so TCP set-up stays out of the
// measured requests. (With https the TLS handshake still happens on its
// first request, and shows in http_req_connecting.)
type warmConn struct{ net.Conn }

// bare is c without the wrapper that marks it pre-dialed.
func bare(c net.Conn) net.Conn {
	if w, ok := c.(*warmConn); ok {
		return w.Conn
	}
	return c
}

// warmPool holds pre-dialed connections by "host:port".
type warmPool struct {
	mu    sync.Mutex
	conns map[string][]net.Conn
}

func (p *warmPool) take(key string) net.Conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.conns[key]
	if len(l) == 0 {
		return nil
	}
	c := l[len(l)-1]
	p.conns[key] = l[:len(l)-1]
	return c
}

func (p *warmPool) put(key string, c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		p.conns = map[string][]net.Conn{}
	}
	p.conns[key] = append(p.conns[key], c)
}

// closeAll closes connections never used.
func (p *warmPool) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.conns {
		for _, c := range l {
			c.Close()
		}
	}
	p.conns = nil
}

// hostKey is the pool key of a URL: the address the transport dials.
func hostKey(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// Warm opens n TCP connections to the host of each URL before the run, for
// the transport to use instead of dialing.
func (c *Client) Warm(ctx context.Context, urls []string, n int) error {
	seen := map[string]bool{}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			return err
		}
		key := hostKey(u)
		if seen[key] {
			continue
		}
		seen[key] = true
		for range n {
			conn, err := c.dialer.DialContext(ctx, "tcp", key)
			if err != nil {
				return fmt.Errorf("--warmup-connections: %w", err)
			}
			c.warm.put(key, &warmConn{conn})
		}
	}
	return nil
}
