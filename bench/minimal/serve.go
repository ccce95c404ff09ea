package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// serve answers every POST at once with two SSE chunks and [DONE], and
// counts them: GET /stats gives how many arrived and when the first and
// last did (Unix ns), POST /reset starts the count again. A paced client
// held its rate when the server saw it.
func serve(addr string) {
	chunk := []byte(`data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" hi"},"finish_reason":null}]}` + "\n\n")
	var mu sync.Mutex
	var n, first, last int64
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		now := time.Now().UnixNano()
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		if n == 0 {
			first = now
		}
		n, last = n+1, now
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write(chunk)
		w.Write(chunk)
		w.Write([]byte("data: [DONE]\n\n"))
	})
	mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"object":"list","data":[{"id":"m","object":"model"}]}`)
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "received %d first_ns %d last_ns %d\n", n, first, last)
	})
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n, first, last = 0, 0, 0
		mu.Unlock()
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening http://%s\n", ln.Addr())
	http.Serve(ln, mux)
}
