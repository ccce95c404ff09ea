package transport

import (
	"bufio"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// chunked frames body as chunks of the given sizes (the last one takes
// the rest), with an extension and a trailer to skip.
func chunked(body string, sizes ...int) string {
	var b strings.Builder
	for _, n := range sizes {
		n = min(n, len(body))
		if n == 0 {
			break
		}
		b.WriteString(strconvHex(n) + ";x=1\r\n" + body[:n] + "\r\n")
		body = body[n:]
	}
	if body != "" {
		b.WriteString(strconvHex(len(body)) + "\r\n" + body + "\r\n")
	}
	b.WriteString("0\r\nTrailer: t\r\n\r\n")
	return b.String()
}

// pieces is a reader that hands out its bytes in pieces of random size, as
// a connection does.
type pieces struct {
	s   string
	rng *rand.Rand
}

func (p *pieces) Read(b []byte) (int, error) {
	if p.s == "" {
		return 0, io.EOF
	}
	n := copy(b, p.s[:min(len(p.s), 1+p.rng.IntN(64))])
	p.s = p.s[n:]
	return n, nil
}

// Whatever the reads' sizes and the caller's buffer, the body reads whole,
// byte for byte: framing cut anywhere, in a size line or its CRLF.
func TestChunkedDecodesAcrossAnyCut(t *testing.T) {
	body := strings.Repeat(sseBody, 40)
	raw := chunked(body, 1, 7, 150, 3, 999)
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		br := bufio.NewReaderSize(&pieces{raw, rng}, 16)
		cr := &chunkedReader{br: br}
		got, err := readAllIn(cr, 1+round%70)
		if err != nil || got != body {
			t.Fatalf("round %d: %v, read %d of %d bytes", round, err, len(got), len(body))
		}
	}
}

// readAllIn reads r to its end with a buffer of size n.
func readAllIn(r io.Reader, n int) (string, error) {
	var out strings.Builder
	buf := make([]byte, n)
	for {
		k, err := r.Read(buf)
		out.Write(buf[:k])
		if err == io.EOF {
			return out.String(), nil
		}
		if err != nil {
			return out.String(), err
		}
	}
}

// One read of the connection that holds many chunks is one Read: every
// event in it arrives (and is stamped) together, with no second system call
// for the CRLF between chunks.
func TestChunkedManyChunksPerRead(t *testing.T) {
	body := strings.Repeat(sseBody, 64)
	raw := chunked(body, len(sseBody), len(sseBody), len(sseBody), 100, 100, 100)
	cr := &chunkedReader{br: bufio.NewReaderSize(strings.NewReader(raw), 16)}
	buf := make([]byte, 64<<10)
	n, err := cr.Read(buf)
	if err != io.EOF || string(buf[:n]) != body {
		t.Fatalf("one read gave %d of %d bytes, %v", n, len(body), err)
	}
	if cr.extra {
		t.Fatal("nothing came after the body")
	}
}

// Bad framing is an error naming it; bytes after the end are noted.
func TestChunkedBadFraming(t *testing.T) {
	for name, raw := range map[string]string{
		"size":      "zz\r\nabc\r\n0\r\n\r\n",
		"negative":  "-3\r\nabc\r\n0\r\n\r\n",
		"long line": "3;" + strings.Repeat("x", maxChunkLine) + "\r\nabc\r\n",
		"cut":       "3\r\nab",
	} {
		cr := &chunkedReader{br: bufio.NewReader(strings.NewReader(raw))}
		if _, err := readAllIn(cr, 512); err == nil || err == io.EOF {
			t.Errorf("%s: read without an error", name)
		}
	}
	cr := &chunkedReader{br: bufio.NewReader(strings.NewReader("3\r\nabc\r\n0\r\n\r\nHTTP/1.1"))}
	if got, err := readAllIn(cr, 512); err != nil || got != "abc" || !cr.extra {
		t.Fatalf("read %q, %v; bytes after the end noted: %v", got, err, cr.extra)
	}
}
