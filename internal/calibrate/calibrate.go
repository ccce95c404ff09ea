// Package calibrate measures what this machine lets sonde measure: it runs
// the engine against a loopback server that answers at once, in-process, and
// reports the client's ceilings — streamed chunks per CPU-second, the
// highest constant rate it holds, memory per open stream — so a user knows
// before trusting a result whether the client could have been the limit.
package calibrate

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/engine"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/schedule"
	"github.com/sonde-bench/sonde/internal/tokenizer"
	"github.com/sonde-bench/sonde/internal/transport"
)

// Options size the measurements; Quick ones finish in about a second.
type Options struct {
	Streams     int       // concurrent streams for the chunk rate
	Tokens      int       // chunks per answer
	Rates       []float64 // constant rates tried, in order
	RateSeconds float64   // how long each rate is offered
	HeldStreams [2]int    // open streams for the memory slope
}

// Default is the full calibration (about 15 s on 2 cores).
func Default() Options {
	return Options{Streams: 4, Tokens: 5000, Rates: []float64{500, 1000, 2000, 5000, 10000, 20000}, RateSeconds: 1,
		HeldStreams: [2]int{500, 2500}}
}

// Quick is a short calibration (about a second): `sonde calibrate --quick`.
func Quick() Options {
	return Options{Streams: 2, Tokens: 1000, Rates: []float64{500, 1000, 2000}, RateSeconds: 0.3, HeldStreams: [2]int{100, 300}}
}

// Report is what calibrate found.
type Report struct {
	ChunksPerCPUSecond float64
	HeldRate           float64 // the highest rate sent within 5 % with lag p99 under one gap; 0 if none
	Rates              []RateResult
	BytesPerStream     float64
}

// RateResult is one offered rate.
type RateResult struct {
	Offered, Achieved, LagP99Ms float64
	Held                        bool
}

// server streams n chunks per request as fast as it can; with hold set it
// keeps every request open until hold is closed.
type server struct {
	*httptest.Server
	chunks  int
	hold    atomic.Pointer[chan struct{}]
	waiting atomic.Int64 // requests held open now
}

func newServer(chunks int) *server {
	s := &server{chunks: chunks}
	chunk := []byte("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" a\"},\"finish_reason\":null}]}\n\n")
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if h := s.hold.Load(); h != nil {
			s.waiting.Add(1)
			select {
			case <-*h:
			case <-r.Context().Done():
			}
			s.waiting.Add(-1)
			if r.Context().Err() != nil {
				return
			}
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for range s.chunks {
			w.Write(chunk)
		}
		io.WriteString(w, "data: [DONE]\n\n")
	}))
	return s
}

// Run calibrates, writing progress lines to log.
func Run(ctx context.Context, o Options, log io.Writer) (*Report, error) {
	tok, err := tokenizer.Builtin()
	if err != nil {
		return nil, err
	}
	convs, err := dataset.Synthetic(dataset.SyntheticOptions{Entries: 16, ISLMean: 8, OSLMean: o.Tokens, TurnMean: 1, DelayRatio: 1, Seed: 1}, tok)
	if err != nil {
		return nil, err
	}
	srv := newServer(o.Tokens)
	defer srv.Close()
	rep := &Report{}

	fmt.Fprintf(log, "streaming: %d streams x %d chunks\n", o.Streams, o.Tokens)
	cpu0 := clock.ProcessCPU()
	recs := phase(ctx, engine.Config{Conversations: convs, URLs: []string{srv.URL}, Concurrency: o.Streams, MaxRequests: 4 * o.Streams})
	chunks := 0
	for _, r := range recs {
		chunks += r.Events
	}
	if cpu := clock.ProcessCPU() - cpu0; cpu > 0 {
		rep.ChunksPerCPUSecond = float64(chunks) / (float64(cpu) / 1e9)
	}

	srv.chunks = 2
	for _, rate := range o.Rates {
		fmt.Fprintf(log, "pacing: %g requests/s\n", rate)
		n := max(int(rate*o.RateSeconds), 10)
		recs := phase(ctx, engine.Config{Conversations: convs, URLs: []string{srv.URL}, Rate: rate,
			Arrivals: schedule.Constant{Gap: time.Duration(1e9 / rate)}, MaxRequests: n})
		res := rateResult(rate, recs)
		rep.Rates = append(rep.Rates, res)
		if !res.Held {
			break // higher rates will not be held either
		}
		rep.HeldRate = rate
	}

	fmt.Fprintf(log, "memory: %d and %d open streams\n", o.HeldStreams[0], o.HeldStreams[1])
	a, b := heldMemory(ctx, srv, convs, o.HeldStreams[0]), heldMemory(ctx, srv, convs, o.HeldStreams[1])
	rep.BytesPerStream = float64(b-a) / float64(o.HeldStreams[1]-o.HeldStreams[0])
	return rep, nil
}

// phase runs one engine phase and returns its records.
func phase(ctx context.Context, cfg engine.Config) []*record.Record {
	clk := clock.New()
	cfg.Sampler = dataset.NewSampler("sequential", len(cfg.Conversations), nil)
	cfg.Codec = &endpoint.Codec{Type: endpoint.Chat, Stream: true}
	cfg.Header = http.Header{"Content-Type": {"application/json"}}
	cfg.Timeout, cfg.Phase = time.Minute, record.PhaseProfiling
	client := transport.NewClient(clk, max(cfg.Concurrency, 64))
	defer client.CloseIdle()
	out := make(chan *record.Record, 1024)
	done := make(chan []*record.Record)
	go func() {
		var recs []*record.Record
		for r := range out {
			recs = append(recs, r)
		}
		done <- recs
	}()
	engine.New(cfg, client, clk, out, &engine.Progress{}).Run(ctx, ctx)
	close(out)
	return <-done
}

// rateResult: held when the send rate is within 5 % of the offer and lag
// p99 stays under one inter-arrival gap.
func rateResult(rate float64, recs []*record.Record) RateResult {
	res := RateResult{Offered: rate}
	if len(recs) < 2 {
		return res
	}
	starts := make([]int64, len(recs))
	lags := make([]int64, len(recs))
	for i, r := range recs {
		starts[i], lags[i] = r.StartNs, r.StartNs-r.IntendedNs
	}
	slices.Sort(starts)
	slices.Sort(lags)
	if span := starts[len(starts)-1] - starts[0]; span > 0 {
		res.Achieved = float64(len(starts)-1) / (float64(span) / 1e9)
	}
	res.LagP99Ms = float64(lags[len(lags)*99/100]) / 1e6
	res.Held = res.Achieved >= 0.95*rate && res.LagP99Ms*1e6 <= 1e9/rate
	return res
}

// heldMemory is the memory the Go runtime holds (heap, stacks, buffers)
// once n streams are open at once: the server holds each request until all
// n have arrived. The loopback server's end of each connection is in it
// too, so the slope is an upper bound for the client's.
func heldMemory(ctx context.Context, srv *server, convs []dataset.Conversation, n int) uint64 {
	hold := make(chan struct{})
	srv.hold.Store(&hold)
	defer srv.hold.Store(nil)
	var held uint64
	go func() {
		defer close(hold)
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if srv.waiting.Load() >= int64(n) {
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				held = ms.HeapInuse + ms.StackInuse
				return
			}
		}
	}()
	phase(ctx, engine.Config{Conversations: convs, URLs: []string{srv.URL}, Concurrency: n, MaxRequests: n})
	return held
}

// Table renders the report for the console.
func (r *Report) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "client ceilings on this machine (%d cores):\n", runtime.GOMAXPROCS(0))
	fmt.Fprintf(&b, "  streamed chunks per CPU-second  %12.0f\n", r.ChunksPerCPUSecond)
	for _, x := range r.Rates {
		mark := "held"
		if !x.Held {
			mark = "NOT held"
		}
		fmt.Fprintf(&b, "  constant %8.0f/s: sent %8.0f/s, lag p99 %8.2f ms  %s\n", x.Offered, x.Achieved, x.LagP99Ms, mark)
	}
	fmt.Fprintf(&b, "  highest rate held               %12.0f/s\n", r.HeldRate)
	fmt.Fprintf(&b, "  memory per open stream          %12.1f KB (client and loopback server together)\n", r.BytesPerStream/1024)
	return b.String()
}
