package transport

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
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
