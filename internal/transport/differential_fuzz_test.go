package transport

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/clock"
)

// leanRead reads one response as the lean client does: its head, then its
// body as framed.
func leanRead(data []byte) (status int, body []byte, err error) {
	br := bufio.NewReaderSize(bytes.NewReader(data), 2048)
	r, err := readHead(br, &tracer{clk: clock.New()})
	if err != nil {
		return 0, nil, err
	}
	body, err = io.ReadAll(r.body(br))
	return r.status, body, err
}

// FuzzLeanVersusNetHTTP: whatever response net/http reads whole (a final
// status, its body framed by Content-Length, chunks, or the end of the
// stream), the lean client reads to the same status and the same body
// bytes. The lean client may accept more than net/http (it is lenient with
// heads net/http refuses), never read what net/http reads differently.
func FuzzLeanVersusNetHTTP(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"1c\r\ndata: {\"choices\":[{\"a\":1}]}\n\n\r\n0e\r\ndata: [DONE]\n\n\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 11\r\nContent-Type: application/json\r\n\r\n{\"ok\":true}",
		"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nread to the end",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
		"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n",
		"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nConnection: close\r\n\r\nboom",
		"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabcdef",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if folded(data) {
			return // obsolete line folding: net/http joins the lines, the lean client drops them (no server sends it)
		}
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(data)), &http.Request{Method: http.MethodPost})
		if err != nil || resp.StatusCode < 200 {
			return
		}
		want, err := io.ReadAll(resp.Body)
		if err != nil {
			return
		}
		framed := resp.ContentLength >= 0 || len(resp.TransferEncoding) > 0 || resp.Close ||
			resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusNotModified
		if !framed {
			return
		}
		status, got, err := leanRead(data)
		if err != nil {
			t.Fatalf("net/http read status %d and %q; the lean client failed: %v\n%q", resp.StatusCode, want, err, data)
		}
		if status != resp.StatusCode || !bytes.Equal(got, want) {
			t.Fatalf("net/http read %d %q, the lean client %d %q\n%q", resp.StatusCode, want, status, got, strings.ToValidUTF8(string(data), "?"))
		}
	})
}

// folded reports whether the head has a line that continues the one before
// (starting with a space or a tab): HTTP/1.1's obsolete line folding.
func folded(data []byte) bool {
	head, _, _ := bytes.Cut(data, []byte("\n\r\n"))
	head, _, _ = bytes.Cut(head, []byte("\n\n"))
	for _, l := range bytes.Split(head, []byte("\n"))[1:] {
		if len(l) > 0 && (l[0] == ' ' || l[0] == '\t') {
			return true
		}
	}
	return false
}
