package transport

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
	"time"
)

// loopbackPair is a connected pair of TCP connections: the client's, and
// the server's as accepted.
func loopbackPair(t *testing.T) (client, server *net.TCPConn) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	if s == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return c.(*net.TCPConn), s.(*net.TCPConn)
}

// sameError: a raw read's error reads as net.Conn's Read gives it on the
// same connection in the same state, and answers errors.Is alike.
func sameError(t *testing.T, what string, raw, conn error, is error) {
	t.Helper()
	if raw == nil || conn == nil || raw.Error() != conn.Error() {
		t.Errorf("%s: raw read %v, net.Conn %v", what, raw, conn)
	}
	var oe *net.OpError
	if !errors.Is(raw, is) || !errors.As(raw, &oe) || oe.Op != "read" {
		t.Errorf("%s: %#v is not a read's *net.OpError of %v", what, raw, is)
	}
}

// TestRawReadsAsConnReads: a connection read through raw system calls
// gives the bytes in order across any write and read sizes, io.EOF at the
// end, nothing for an empty buffer, and net.Conn's own errors for a
// deadline, a closed connection and a reset.
func TestRawReadsAsConnReads(t *testing.T) {
	c, s := loopbackPair(t)
	r, ok := rawReads(&warmConn{c}).(*rawReadConn) // pre-dialed ones too
	if !ok {
		t.Fatal("a TCP connection is not read raw")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	want := make([]byte, 1<<20)
	for i := range want {
		want[i] = byte(rng.IntN(256))
	}
	go func() {
		for rest := want; len(rest) > 0; {
			k := min(len(rest), 1+rng.IntN(20000))
			s.Write(rest[:k])
			rest = rest[k:]
			if rng.IntN(8) == 0 {
				time.Sleep(time.Millisecond) // a read that finds nothing waits
			}
		}
		s.CloseWrite()
	}()
	if n, err := r.Read(nil); n != 0 || err != nil {
		t.Fatalf("empty read: %d, %v", n, err)
	}
	var got []byte
	buf := make([]byte, 70000)
	var err error
	for err == nil {
		var n int
		n, err = r.Read(buf[:1+rand.IntN(len(buf))])
		got = append(got, buf[:n]...)
	}
	if err != io.EOF || !bytes.Equal(got, want) {
		t.Fatalf("read %d of %d bytes (equal %v), then %v", len(got), len(want), bytes.Equal(got, want), err)
	}

	c2, _ := loopbackPair(t)
	r2 := rawReads(c2)
	c2.SetReadDeadline(time.Unix(1, 0))
	_, rerr := r2.Read(buf)
	_, cerr := c2.Read(buf)
	sameError(t, "deadline", rerr, cerr, os.ErrDeadlineExceeded)
	c2.Close()
	_, rerr = r2.Read(buf)
	_, cerr = c2.Read(buf)
	sameError(t, "closed", rerr, cerr, net.ErrClosed)

	c3, s3 := loopbackPair(t)
	r3 := rawReads(c3)
	s3.SetLinger(0)
	s3.Close() // a reset
	_, rerr = r3.Read(buf)
	want3 := (&net.OpError{Op: "read", Net: "tcp", Source: c3.LocalAddr(), Addr: c3.RemoteAddr(),
		Err: os.NewSyscallError("read", syscall.ECONNRESET)}).Error()
	if rerr == nil || rerr.Error() != want3 || !errors.Is(rerr, syscall.ECONNRESET) {
		t.Errorf("reset: %v, want %s", rerr, want3)
	}
}

// readSource is the reader a bufio.Reader reads from.
func readSource(br any) reflect.Type {
	return reflect.ValueOf(br).Elem().FieldByName("rd").Elem().Type()
}

// TestLeanReadsRaw: the lean client reads plain connections, and the TCP
// connection under TLS, through raw reads.
func TestLeanReadsRaw(t *testing.T) {
	sse := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, sseBody)
	}
	plain := httptest.NewServer(http.HandlerFunc(sse))
	defer plain.Close()
	secure := httptest.NewTLSServer(http.HandlerFunc(sse))
	defer secure.Close()
	// The client trusts the system's roots alone: the test server's
	// certificate becomes one (roots load once, on the first TLS request).
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: secure.Certificate().Raw}), 0o600)
	t.Setenv("SSL_CERT_FILE", ca)
	rawType := reflect.TypeFor[*rawReadConn]()
	for _, url := range []string{plain.URL, secure.URL} {
		c := NewClient(clockNew(), 1)
		c.UseLean()
		var res Result
		c.Do(context.Background(), &Request{URL: url + "/x", Body: []byte("{}"), Header: http.Header{}}, &res)
		if res.Err != nil || res.EventCount() != 3 {
			t.Fatalf("%s: %+v, %d events", url, res.Err, res.EventCount())
		}
		idle := c.lean.takeIdle(c.lean.target(url + "/x").key)
		if idle == nil {
			t.Fatalf("%s: the connection was not kept", url)
		}
		src := readSource(idle.br)
		if tc, ok := idle.Conn.(*tls.Conn); ok {
			src = reflect.TypeOf(tc.NetConn())
		}
		if src != rawType {
			t.Errorf("%s: the response is read from a %v", url, src)
		}
		if idle.peerClosed(idle.Conn) {
			t.Errorf("%s: an open connection peeks as closed", url)
		}
		idle.Close()
		c.CloseIdle()
	}
}
