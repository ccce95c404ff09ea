package engine

import (
	"context"
	"net"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/schedule"
	"github.com/sonde-bench/sonde/internal/sim"
	"github.com/sonde-bench/sonde/internal/sim/httpapi"
	"github.com/sonde-bench/sonde/internal/tokenizer"
	"github.com/sonde-bench/sonde/internal/transport"
)

// startSim serves the simulator on a loopback port for the test's lifetime.
func startSim(t *testing.T, ttft, itl time.Duration) string {
	t.Helper()
	tok, err := tokenizer.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	opts := sim.DefaultOptions()
	opts.Engine, opts.TTFT, opts.ITL = "fixed", ttft, itl
	srv, err := httpapi.New(opts, tok)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan struct{})
	go func() { srv.Serve(ctx, "127.0.0.1:0", func(a net.Addr) { ready <- a }); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + (<-ready).String() + "/v1/chat/completions"
}

func conversations(t *testing.T, n, turns int) []dataset.Conversation {
	tok, _ := tokenizer.Builtin()
	convs, err := dataset.Synthetic(dataset.SyntheticOptions{Entries: n, ISLMean: 8, OSLMean: 4, TurnMean: float64(turns), DelayRatio: 1, Seed: 1, Models: []string{"m"}}, tok)
	if err != nil {
		t.Fatal(err)
	}
	return convs
}

func runEngine(t *testing.T, cfg Config) []*record.Record {
	t.Helper()
	return runEngineWith(t, cfg, false)
}

// runEngineWith runs a phase over net/http's client, or the lean one.
func runEngineWith(t *testing.T, cfg Config, lean bool) []*record.Record {
	t.Helper()
	clk := clock.New()
	out := make(chan *record.Record, 10000)
	var prog Progress
	cfg.Codec = &endpoint.Codec{Type: endpoint.Chat, Stream: true}
	cfg.Header = http.Header{"Content-Type": {"application/json"}}
	cfg.Timeout = time.Minute
	cfg.Phase = record.PhaseProfiling
	client := transport.NewClient(clk, 64)
	if lean {
		client.UseLean()
	}
	e := New(cfg, client, clk, out, &prog)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e.Run(ctx, ctx)
	close(out)
	var recs []*record.Record
	for r := range out {
		if r.Error != nil {
			t.Fatalf("request failed: %+v", r.Error)
		}
		recs = append(recs, r)
	}
	if prog.SessionsDone.Load() != prog.SessionsStarted.Load() {
		t.Fatalf("sessions started %d, done %d", prog.SessionsStarted.Load(), prog.SessionsDone.Load())
	}
	return recs
}

// In rate mode every turn takes one tick of the schedule: with a constant
// rate the sends are 1/rate apart whether they start a session or continue
// one, and the concurrency ceiling holds sessions, not requests.
func TestRateModeOneCreditPerTurn(t *testing.T) {
	url := startSim(t, time.Millisecond, 100*time.Microsecond)
	convs := conversations(t, 6, 3)
	recs := runEngine(t, Config{
		Conversations: convs, Sampler: dataset.NewSampler("sequential", len(convs), nil), URLs: []string{url},
		Rate: 100, Arrivals: schedule.Constant{Gap: 10 * time.Millisecond}, Concurrency: 2, MaxSessions: 6,
	})
	if len(recs) != 18 {
		t.Fatalf("%d requests, want 18", len(recs))
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].IntendedNs < recs[j].IntendedNs })
	for i := 1; i < len(recs); i++ {
		gap := time.Duration(recs[i].IntendedNs - recs[i-1].IntendedNs)
		if gap < 10*time.Millisecond {
			t.Fatalf("credits %v apart: two requests shared a 10ms tick", gap)
		}
		// Never before its credit; how long after is schedule_lag, a
		// measurement (a busy machine makes it large), not an invariant.
		if lag := time.Duration(recs[i].StartNs - recs[i].IntendedNs); lag < 0 {
			t.Fatalf("sent %v before its credit", -lag)
		}
	}
	active := map[int][2]int64{}
	for _, r := range recs {
		iv, ok := active[r.SessionNum]
		if !ok {
			iv = [2]int64{r.StartNs, r.EndNs}
		}
		iv[0], iv[1] = min(iv[0], r.StartNs), max(iv[1], r.EndNs)
		active[r.SessionNum] = iv
	}
	for a, x := range active {
		overlap := 1
		for b, y := range active {
			if a != b && y[0] <= x[0] && x[0] < y[1] {
				overlap++
			}
		}
		if overlap > 2 {
			t.Fatalf("%d sessions open at once, ceiling 2", overlap)
		}
	}
}

// Sessions carry their turns in order with the server's answers, and the
// request budget stops sessions mid-way.
func TestBurstRequestBudget(t *testing.T) {
	url := startSim(t, 0, 0)
	convs := conversations(t, 10, 4)
	recs := runEngine(t, Config{
		Conversations: convs, Sampler: dataset.NewSampler("shuffle", len(convs), dataset.NewRand(1, 1)), URLs: []string{url},
		Concurrency: 3, MaxRequests: 10,
	})
	if len(recs) != 10 {
		t.Fatalf("%d requests, want 10", len(recs))
	}
	bySession := map[int][]int{}
	for _, r := range recs {
		bySession[r.SessionNum] = append(bySession[r.SessionNum], r.TurnIndex)
		if r.Output == "" || len(r.Responses) != 4 {
			t.Fatalf("turn without its 4-token answer: %+v", r)
		}
	}
	for s, turns := range bySession {
		for i, k := range turns {
			if k != i {
				t.Fatalf("session %d sent turns %v", s, turns)
			}
		}
	}
}
