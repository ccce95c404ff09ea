package engine

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/schedule"
	"github.com/sonde-bench/sonde/internal/transport"
)

// An adaptive control holds a phase's concurrency to its limit: never
// more requests in flight than it allows, more once it raises the limit,
// and no more issued once it finishes the phase — in the burst and the
// rate modes.
func TestControlHoldsTheLimit(t *testing.T) {
	for _, rate := range []float64{0, 2000, -1} { // -1: six users at a total of 1,000 turns/s
		var inflight, most, served atomic.Int64
		control := NewControl("concurrency", 2)
		if rate < 0 {
			control = NewControl("users", 2)
		}
		var mu sync.Mutex
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := inflight.Add(1)
			mu.Lock()
			if n > most.Load() {
				most.Store(n)
			}
			mu.Unlock()
			time.Sleep(4 * time.Millisecond)
			inflight.Add(-1)
			switch served.Add(1) {
			case 20:
				if most.Load() > 2 {
					t.Errorf("rate %v: %d in flight under a limit of 2", rate, most.Load())
				}
				control.Set(5)
			case 60:
				control.Finish()
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"choices":[{"message":{"role":"assistant","content":"hi"}}]}`))
		}))
		defer srv.Close()
		cfg := Config{Phase: record.PhaseProfiling, Conversations: conversations(t, 50, 1), URLs: []string{srv.URL},
			Codec: &endpoint.Codec{Type: endpoint.Chat}, Header: http.Header{"Content-Type": {"application/json"}},
			Timeout: time.Minute, Concurrency: 6, MaxRequests: 400, Control: control, Rate: max(rate, 0), Arrivals: schedule.Constant{Gap: 500 * time.Microsecond}}
		if rate < 0 {
			cfg.Concurrency, cfg.Users, cfg.UserGap = 0, 6, 6*time.Millisecond
		}
		cfg.Sampler = dataset.NewSampler("random", len(cfg.Conversations), dataset.NewRand(1, 1))
		clk := clock.New()
		out := make(chan *record.Record, 1000)
		e := New(cfg, transport.NewClient(clk, 16), clk, out, &Progress{})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		e.Run(ctx, ctx)
		cancel()
		close(out)
		n := 0
		for range out {
			n++
		}
		if most.Load() > 5 || most.Load() < 3 {
			t.Errorf("rate %v: at most %d in flight, want 3 to 5 once the limit is 5", rate, most.Load())
		}
		if n < 60 || n > 66 || int64(n) != served.Load() {
			t.Errorf("rate %v: %d records, %d served: Finish should end issuing after the 60th", rate, n, served.Load())
		}
	}
}

// A request rate's control scales every gap drawn after a change.
func TestControlScalesTheRate(t *testing.T) {
	c := NewControl("request_rate", 5)
	a := c.Arrivals(schedule.Constant{Gap: 100 * time.Millisecond}, 10) // drawn at 10/s
	if g := a.Next(); g != 200*time.Millisecond {
		t.Errorf("at 5/s: gap %v", g)
	}
	c.Set(40)
	if g := a.Next(); g != 25*time.Millisecond || c.Limit() != 40 {
		t.Errorf("at 40/s: gap %v, limit %v", g, c.Limit())
	}
	if !strings.Contains(a.String(), "rate adaptive") {
		t.Error(a.String())
	}
}
