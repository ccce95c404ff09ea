package main

import (
	"compress/gzip"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hostileReply answers as a misbehaving server does, for the kinds it
// knows: usage that is not a token count, CR-only line ends, data after
// [DONE], a body compressed unasked, an HTML page with status 200.
func hostileReply(kind string, tokens int, w http.ResponseWriter) bool {
	chunk := func(nl string) string {
		return `data: {"object":"chat.completion.chunk","choices":[{"delta":{"content":" word"}}]}` + nl + nl
	}
	var b strings.Builder
	switch kind {
	case "negusage", "hugeusage", "afterdone":
		for range tokens {
			b.WriteString(chunk("\n"))
		}
		usage := `{"prompt_tokens":-5,"completion_tokens":-7,"total_tokens":-12}`
		if kind == "hugeusage" {
			usage = `{"prompt_tokens":1e30,"completion_tokens":3,"total_tokens":1e30}`
		}
		if kind != "afterdone" {
			fmt.Fprintf(&b, `data: {"object":"chat.completion.chunk","choices":[],"usage":%s}`+"\n\n", usage)
		}
		b.WriteString("data: [DONE]\n\n")
		if kind == "afterdone" {
			for range tokens {
				b.WriteString(chunk("\n"))
			}
		}
	case "cr":
		for range tokens {
			b.WriteString(chunk("\r"))
		}
		b.WriteString("data: [DONE]\r\r")
	case "gzip":
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		for range tokens {
			zw.Write([]byte(chunk("\n")))
		}
		zw.Close()
		return true
	case "html":
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>")
		return true
	default:
		return false
	}
	w.Header().Set("Content-Type", "text/event-stream")
	fmt.Fprint(w, b.String())
	return true
}

// Every number and byte a server sends is checked before it counts: usage
// that is not a token count is dropped with a warning (never a negative
// OSL), CR-only SSE is read, data after [DONE] is not counted, a
// compressed or HTML reply fails saying what arrived.
func TestHostileRepliesAreReadSafely(t *testing.T) {
	kinds := []string{"", "negusage", "hugeusage", "cr", "afterdone", "gzip", "html"}
	srv := newFaultServer(t, 10, time.Millisecond, func(n int64) string { return kinds[(n-1)%int64(len(kinds))] })
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "mock-model", "--streaming", "--url", srv.URL, "--request-count", fmt.Sprint(2*len(kinds)),
		"--concurrency", "1", "--isl", "20", "--artifact-dir", dir, "--ui-type", "none", "--use-server-token-count", "--random-seed", "1")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	lines := readJSONL(t, filepath.Join(dir, "profile_export.jsonl"))
	if len(lines) != 2*len(kinds) {
		t.Fatalf("%d records", len(lines))
	}
	want := lines[0].Metrics["output_sequence_length"].Value
	for i, l := range lines {
		kind := kinds[i%len(kinds)]
		switch kind {
		case "gzip", "html":
			if l.Error == nil {
				t.Fatalf("%s: no error", kind)
			}
			if kind == "gzip" && l.Error.Type != "UnsupportedContentEncoding" ||
				kind == "html" && !strings.Contains(l.Error.Message, "text/html") && !strings.Contains(l.Error.Message, "502 Bad Gateway") {
				t.Errorf("%s: error %+v", kind, l.Error)
			}
		default:
			if l.Error != nil {
				t.Fatalf("%s: %+v", kind, l.Error)
			}
			if got := l.Metrics["output_sequence_length"].Value; got != want {
				t.Errorf("%s: OSL %v, want %v as the well-behaved reply's", kind, got, want)
			}
		}
	}
	if !strings.Contains(res.stderr+res.stdout, "usage was not a token count in 4 responses") {
		t.Errorf("no warning about the usage:\n%s", res.stderr)
	}
}
