package transport

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/clock"
)

const chunk = `data: {"id":"cmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" word"},"finish_reason":null}]}` + "\n\n"

// BenchmarkFramer measures splitting a stream into events: the only work the
// request goroutine does per chunk.
func BenchmarkFramer(b *testing.B) {
	const events = 1000
	var stream []byte
	for range events {
		stream = append(stream, chunk...)
	}
	evs := make([]Event, 0, events)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		var f framer
		evs = evs[:0]
		for off := 0; off < len(stream); off += 4096 {
			end := min(off+4096, len(stream))
			evs = f.feed(stream[:end], off, 1, evs)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
}

// BenchmarkStreamedRequest sends requests to a loopback server that writes
// 200 events, each carrying the time it was written; it reports the client's
// allocations per event and the lag from write to stamp.
func BenchmarkStreamedRequest(b *testing.B) {
	clk := clock.New()
	const events = 200
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		for range events {
			fmt.Fprintf(w, "data: %d\n\n", clk.Now())
			fl.Flush()
			time.Sleep(50 * time.Microsecond)
		}
	}))
	defer srv.Close()
	c := NewClient(clk, 4)
	req := &Request{URL: srv.URL, Body: []byte("{}"), Header: http.Header{}, Stream: true}
	var lags []float64
	b.ReportAllocs()
	for b.Loop() {
		var res Result
		c.Do(context.Background(), req, &res)
		if res.Err != nil || len(res.Events) != events {
			b.Fatalf("%v %d", res.Err, len(res.Events))
		}
		for i := range res.Events {
			d, _ := EventData(res.EventData(i))
			sent, _ := strconv.ParseInt(string(d), 10, 64)
			lags = append(lags, float64(res.Events[i].Ns-sent))
		}
	}
	slices.Sort(lags)
	b.ReportMetric(lags[len(lags)/2]/1e3, "lag-p50-µs")
	b.ReportMetric(lags[len(lags)*99/100]/1e3, "lag-p99-µs")
}

// BenchmarkOpenStreamMemory holds 500 streams open at once (each has its
// first event) and reports the goroutine stack and live heap each one
// costs the client, for both clients: #9's memory target is on these
// (docs/PERFORMANCE.md measures the whole process's RSS). The server runs
// in a child process so that only the client is counted. A request
// goroutine that dials or formats deep keeps the grown stack all its life.
func BenchmarkOpenStreamMemory(b *testing.B) {
	const streams = 500
	srv := exec.Command(os.Args[0], "-test.run=^TestHoldingServer$")
	srv.Env = append(os.Environ(), "SONDE_HOLDING_SERVER=1")
	out, _ := srv.StdoutPipe()
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	url, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	url = strings.TrimSpace(url)
	for _, lean := range []bool{false, true} {
		b.Run(map[bool]string{false: "std", true: "lean"}[lean], func(b *testing.B) {
			for b.Loop() {
				openStreams(b, url, streams, lean)
			}
		})
	}
}

func openStreams(b *testing.B, url string, streams int, lean bool) {
	c := NewClient(clock.New(), streams)
	if lean {
		c.UseLean()
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ctx, cancel := context.WithCancel(context.Background())
	var opened, done sync.WaitGroup
	opened.Add(streams)
	for range streams {
		done.Go(func() {
			req := &Request{URL: url, Body: []byte("{}"), Header: http.Header{"X-Request-Id": {"x"}}, Stream: true, OnFirstByte: opened.Done}
			var res Result
			c.Do(ctx, req, &res)
		})
	}
	opened.Wait()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric((float64(after.StackInuse)-float64(before.StackInuse))/float64(streams), "stack-B/stream")
	b.ReportMetric((float64(after.HeapInuse)-float64(before.HeapInuse))/float64(streams), "heap-B/stream")
	cancel()
	done.Wait()
	c.CloseIdle()
}

// TestHoldingServer is BenchmarkOpenStreamMemory's server, run in a child
// process: it answers every request with one event and holds the stream
// open until the client goes.
func TestHoldingServer(t *testing.T) {
	if os.Getenv("SONDE_HOLDING_SERVER") != "1" {
		t.Skip("the server of BenchmarkOpenStreamMemory, run as a child process")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write([]byte(chunk))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	fmt.Println(srv.URL)
	select {}
}

// BenchmarkPooledRequest is one short request on a pooled keep-alive
// connection of the lean client: what a request costs besides its
// answer's bytes, the peek for a closed connection included.
func BenchmarkPooledRequest(b *testing.B) {
	addr, _ := rawServer(b, func(c net.Conn) {
		answerEach(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", false)
	})
	c := NewClient(clock.New(), 4)
	c.UseLean()
	defer c.CloseIdle()
	req := &Request{URL: "http://" + addr + "/v1/chat/completions", Body: []byte("{}"), Header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		var res Result
		c.Do(context.Background(), req, &res)
		if res.Err != nil {
			b.Fatal(res.Err)
		}
		c.Release(&res)
	}
}
