package twin

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/engine"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/export/exporttest"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/sim"
	"github.com/sonde-bench/sonde/internal/telemetry"
)

// hidden is the twin the fit must find.
func hidden() *sim.Twin {
	return &sim.Twin{Kind: sim.TwinKind, Engine: sim.TwinEngine{MaxNumSeqs: 16, MaxNumBatchedTokens: 4096, BlockSize: 16,
		KVCacheTokens: 1 << 20, PrefixCaching: true},
		Costs: sim.TwinCosts{StepBaseUs: 3000, PrefillTokenUs: 20, DecodeSeqUs: 300, KContextUs: 50, OverheadUs: 800, JitterUs: 200}}
}

// sessions are n multi-turn sessions of varied lengths, seeded.
func sessions(n int, seed uint64) []Session {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]Session, n)
	for i := range out {
		for range 2 + r.IntN(3) {
			out[i].Turns = append(out[i].Turns, Turn{User: 150 + r.IntN(300), Output: 15 + r.IntN(15)})
		}
	}
	return out
}

// measure runs a workload on t and reads it as a measured run.
func measure(t *sim.Twin, l *Workload, seed uint64) *Measured {
	reqs := Simulate(t, []*Workload{l}, seed)
	m := &Measured{Dir: "run", Concurrency: l.Concurrency}
	if l.Rate > 0 {
		m.Concurrency = 0
	}
	history := map[int]int{}
	for _, r := range reqs {
		m.Reqs = append(m.Reqs, MeasuredRequest{Session: r.Session, Turn: r.Turn, Sent: r.Sent, First: r.Tokens[0], Last: r.End(),
			Input: r.Input, Output: r.Output, Cached: history[r.Session]})
		history[r.Session] = r.Input + r.Output
	}
	m.Headline = headlineOf(m.obs())
	return m
}

// The fit finds costs that reproduce the runs it was given and predict,
// from their loads alone, runs it never saw: a queueing concurrency and
// Poisson arrivals.
func TestFitPredictsHeldOutLoads(t *testing.T) {
	h := hidden()
	var runs []*Measured
	for _, c := range []int{1, 2, 4} {
		runs = append(runs, measure(h, burst(c, sessions(3*c+2, uint64(c))), uint64(c)))
	}
	tw, err := Fit(runs, FitOptions{Engine: h.Engine, Server: "hidden", Evals: 200, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if tw.StdErr.StepBaseUs <= 0 || len(tw.Runs) != 3 {
		t.Fatalf("%+v", tw)
	}
	for _, m := range runs {
		for _, c := range Check(tw, m, nil, false, 1) {
			if math.Abs(c.ErrorPct) > 10 {
				t.Errorf("fitted %s: %+v", c.Metric, c)
			}
		}
	}
	c8 := burst(8, sessions(20, 8))
	pois := &Workload{Sessions: sessions(20, 9), Order: &Memo[int]{Next: seqOrder()}, Rate: 20, MaxSessions: 20,
		Gaps: &Memo[time.Duration]{Next: (&poisson{r: rand.New(rand.NewPCG(3, 3)), rate: 20}).next}}
	for _, l := range []*Workload{c8, pois} {
		m := measure(h, l, 7)
		for _, c := range Check(tw, m, []*Workload{l}, true, 7) {
			if bound := map[bool]float64{true: 25, false: 15}[strings.HasSuffix(c.Metric, "p90")]; math.Abs(c.ErrorPct) > bound && !strings.HasPrefix(c.Metric, "request_latency") {
				t.Errorf("held out (rate %v) %s: %+v", l.Rate, c.Metric, c)
			}
		}
	}
	if _, err := Fit(nil, FitOptions{}); err == nil {
		t.Fatal("a fit of nothing")
	}
}

type poisson struct {
	r    *rand.Rand
	rate float64
}

func (p *poisson) next() time.Duration {
	return time.Duration(p.r.ExpFloat64() / p.rate * float64(time.Second))
}

// The rate modes: a tick sends a waiting turn before it starts a session;
// sessions hold their slot; the budgets and the duration stop the sends.
func TestRateModes(t *testing.T) {
	gap := 100 * time.Millisecond
	l := &Workload{Sessions: sessions(4, 1), Order: &Memo[int]{Next: seqOrder()}, Rate: 10, MaxRequests: 5,
		Gaps: &Memo[time.Duration]{Next: func() time.Duration { return gap }}}
	reqs := Simulate(hidden(), []*Workload{l}, 1)
	if len(reqs) != 5 {
		t.Fatalf("%d requests, want the budget's 5", len(reqs))
	}
	for _, r := range reqs {
		if r.Intended%gap != 0 || r.Sent < r.Intended {
			t.Fatalf("intended %v sent %v: not on a tick", r.Intended, r.Sent)
		}
	}
	capped := &Workload{Sessions: sessions(6, 2), Order: &Memo[int]{Next: seqOrder()}, Rate: 1000, Concurrency: 1, MaxSessions: 3,
		Gaps: &Memo[time.Duration]{Next: func() time.Duration { return time.Millisecond }}}
	reqs = Simulate(hidden(), []*Workload{capped}, 1)
	for i := 1; i < len(reqs); i++ {
		if reqs[i].Sent < reqs[i-1].End() {
			t.Fatalf("request %d sent at %v before %v ended: the one slot was shared", i, reqs[i].Sent, reqs[i-1].End())
		}
	}
	n := 0
	cycle := func() int { n++; return n % 3 }
	timed := &Workload{Sessions: sessions(3, 3), Order: &Memo[int]{Next: cycle}, Rate: 50, SessionRate: true, Duration: time.Second,
		Gaps: &Memo[time.Duration]{Next: func() time.Duration { return 20 * time.Millisecond }}}
	reqs = Simulate(hidden(), []*Workload{timed}, 1)
	for _, r := range reqs {
		if r.Sent >= time.Second {
			t.Fatalf("sent at %v, after the duration", r.Sent)
		}
	}
	if len(reqs) < 50 {
		t.Fatalf("%d requests in a second of 50 sessions/s", len(reqs))
	}
}

// Predictions come with intervals that hold the point prediction when the
// costs are uncertain, and none without draws.
func TestPredictIntervals(t *testing.T) {
	tw := hidden()
	tw.StdErr = sim.TwinCosts{StepBaseUs: 300, PrefillTokenUs: 2, DecodeSeqUs: 30}
	p := Predict(tw, []*Workload{burst(4, sessions(12, 1))}, 8, 1)
	iv := p.Intervals["inter_token_latency p50"]
	if x := p.Headline["inter_token_latency p50"]; iv.Low > x || iv.High < x || iv.Low == iv.High {
		t.Fatalf("interval %+v around %v", iv, x)
	}
	if q := Predict(tw, []*Workload{burst(1, sessions(2, 1))}, 0, 1); q.Intervals != nil {
		t.Fatal("intervals without draws")
	}
}

// A system prompt and a pooled prefix are shared between sessions; a
// standalone session resends nothing; a turn without max tokens answers
// with the simulator's rule; answers come back re-rendered when the twin
// says so.
func TestSharedTextAndRerender(t *testing.T) {
	s := []Session{{SystemKey: "sys", SystemTokens: 64, Turns: []Turn{{User: 100, PrefixKey: "p", PrefixTokens: 48}, {User: 10, Output: 5}}},
		{SystemKey: "sys", SystemTokens: 64, Turns: []Turn{{User: 100, Output: 5, PrefixKey: "p", PrefixTokens: 48}}},
		{Standalone: true, Turns: []Turn{{User: 40, Output: 3}, {User: 40, Output: 3}}}}
	reqs := Simulate(hidden(), []*Workload{burst(1, s)}, 1)
	if len(reqs) != 5 || reqs[0].Output != 164 || reqs[2].Cached < 96 || reqs[4].Input != 40 {
		t.Fatalf("%+v %+v %+v", *reqs[0], *reqs[2], *reqs[4])
	}
	pre := burst(1, []Session{{Turns: []Turn{{User: 100, Output: 40, Answer: 8}, {User: 10, Output: 2}}}})
	pre.Precanned = true
	if reqs = Simulate(hidden(), []*Workload{pre}, 1); reqs[1].Input != 118 || reqs[1].Cached != 96 {
		t.Fatalf("pre-canned: input %d cached %d", reqs[1].Input, reqs[1].Cached)
	}
	rr := hidden()
	rr.Engine.RerenderedAnswers = true
	reqs = Simulate(rr, []*Workload{burst(1, []Session{{Turns: []Turn{{User: 100, Output: 40}, {User: 10, Output: 2}}}})}, 1)
	if reqs[1].Cached != 96 { // the first prompt's whole blocks, not its answer
		t.Fatalf("cached %d", reqs[1].Cached)
	}
}

// The engine's configuration becomes a workload; what the twin does not
// model is refused by flag.
func TestFromConfig(t *testing.T) {
	convs := []dataset.Conversation{{ID: "a", Turns: []dataset.Turn{{Tokens: 10, MaxTokens: 5}, {Tokens: 20, MaxTokens: 6, Delay: time.Second}}}}
	l, err := FromConfig(engine.Config{Conversations: convs, Concurrency: 2, Rate: 4, MaxSessions: 3})
	if err != nil || len(l.Sessions) != 1 || l.Sessions[0].Turns[1].Delay != time.Second || l.Gaps.At(0) != 250*time.Millisecond || l.Order.At(5) != 0 {
		t.Fatalf("%v %+v", err, l)
	}
	if _, err := FromConfig(engine.Config{Users: 3}); err == nil || !strings.Contains(err.Error(), "--user-centric-rate") {
		t.Fatalf("%v", err)
	}
}

// Simulated requests become the records a run makes, streamed or not.
func TestRecords(t *testing.T) {
	records := func(reqs []*Request, loads []*Workload, base int64, streaming bool) []*record.Record {
		var out []*record.Record
		EachRecord(reqs, loads, []string{record.PhaseProfiling}, base, "u", streaming, func(r *record.Record) { out = append(out, r) })
		return out
	}
	loads := []*Workload{burst(1, []Session{{ID: "c", SystemKey: "s", SystemTokens: 8, Turns: []Turn{{User: 20, Output: 3}}}})}
	reqs := Simulate(hidden(), loads, 1)
	reqs = append(reqs, &Request{Refused: true})
	recs := records(reqs, loads, 1000, true)
	r := recs[0]
	if r.ConversationID != "c" || len(r.Responses) != 3 || !r.Counted || r.OutputTokens != 3 || r.UserTokens != 28 || r.StartNs != 1000+int64(reqs[0].Sent) || !r.LastTurn {
		t.Fatalf("%+v", r)
	}
	if recs[1].Error == nil {
		t.Fatal("a refused request without an error")
	}
	if one := records(reqs[:1], loads, 0, false)[0]; len(one.Responses) != 1 {
		t.Fatalf("%+v", one.Responses)
	}
}

// A run folder reads back into what the fit needs.
func TestReadRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := exporttest.Write(dir, exporttest.Shape{Sessions: 3, Turns: 2, Tokens: 5, TTFT: 20 * time.Millisecond, ITL: 5 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	m, err := ReadRun(dir, "")
	if err != nil || len(m.Reqs) != 6 || m.Reqs[0].Sent != 0 || m.Headline["time_to_first_token p50"] < 19 {
		t.Fatalf("%v %+v", err, m)
	}
	if _, err := ReadRun(t.TempDir(), ""); err == nil {
		t.Fatal("an empty folder read")
	}
	if _, ok := BatchLimit([]string{dir, "/nonexistent"}, ""); ok {
		t.Fatal("a batch limit from a run without scrapes")
	}
	scraped := t.TempDir()
	gauge := func(name string, mx float64) telemetry.MetricResult {
		return telemetry.MetricResult{Name: name, Type: "gauge", Series: []telemetry.SeriesResult{{Max: &mx}}}
	}
	res := telemetry.Result{Endpoints: []telemetry.EndpointResult{{URL: "http://s/metrics", Metrics: []telemetry.MetricResult{
		gauge("llamacpp:requests_processing", 4), gauge("llamacpp:requests_deferred", 3)}}}}
	b, _ := json.Marshal(res)
	os.WriteFile(export.Files{Dir: scraped}.ServerMetricsJSON(), b, 0o644)
	if n, ok := BatchLimit([]string{dir, scraped}, ""); !ok || n != 4 { // it ran 4 while 3 waited
		t.Fatalf("limit %d %v", n, ok)
	}
}

// The pieces of the fit's maths.
func TestMaths(t *testing.T) {
	x, f := minimize(func(v []float64) float64 { return (v[0]-1)*(v[0]-1) + (v[1]+2)*(v[1]+2) }, []float64{0, 0}, 0.5, 300)
	if f > 1e-6 || math.Abs(x[0]-1) > 1e-3 || math.Abs(x[1]+2) > 1e-3 {
		t.Fatalf("%v %v", x, f)
	}
	if _, ok := invert([][]float64{{1, 2}, {2, 4}}); ok {
		t.Fatal("a singular matrix inverted")
	}
	// y = 2 + 3a with a column that only hurts: it comes out 0.
	rows := [][]float64{{1, 1, 0}, {1, 2, 1}, {1, 3, 0}, {1, 4, 1}}
	b := nnls(rows, []float64{5, 7.9, 11, 13.9})
	if math.Abs(b[0]-2) > 0.3 || math.Abs(b[1]-3) > 0.2 || b[2] != 0 {
		t.Fatalf("%v", b)
	}
}

// A server's own prompt-processing time, llama.cpp's counter or vLLM's
// histogram, reads back per request, and the rest of the time to first
// token is what the fit puts beside the engine — only for a run that never
// queued in the server.
func TestServerPrefill(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := exporttest.Write(dir, exporttest.Shape{Sessions: 3, Turns: 2, Tokens: 5, TTFT: 20 * time.Millisecond, ITL: 5 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	m, err := ReadRun(dir, "")
	if err != nil || m.Prefill != 0 {
		t.Fatalf("%v: prefill %v without scrapes", err, m.Prefill)
	}
	scrape := func(metrics ...telemetry.MetricResult) {
		res := telemetry.Result{Endpoints: []telemetry.EndpointResult{{URL: "http://s/metrics", Metrics: metrics}}}
		b, _ := json.Marshal(res)
		os.WriteFile(export.Files{Dir: dir}.ServerMetricsJSON(), b, 0o644)
	}
	f := func(x float64) *float64 { return &x }
	for _, c := range []struct {
		name   string
		metric telemetry.MetricResult
	}{
		{"llama.cpp", telemetry.MetricResult{Name: "llamacpp:prompt_seconds_total", Type: "counter", Series: []telemetry.SeriesResult{{Delta: f(0.09)}}}},
		{"vLLM", telemetry.MetricResult{Name: "vllm:request_prefill_time_seconds", Type: "histogram", Series: []telemetry.SeriesResult{{Sum: f(0.09), Count: f(6)}}}},
	} {
		scrape(c.metric)
		m, err := ReadRun(dir, "")
		if err != nil || m.Prefill != 15*time.Millisecond {
			t.Fatalf("%s: %v, prefill %v, want 15ms a request", c.name, err, m.Prefill)
		}
		m.Concurrency = 2
		ttft := time.Duration(m.Headline["time_to_first_token p50"] * float64(time.Millisecond))
		if got, want := besideEngine(m, 4), float64((ttft - 15*time.Millisecond).Microseconds()); math.Abs(got-want) > 50 {
			t.Fatalf("%s: %v µs beside the engine, want about %v", c.name, got, want)
		}
		if besideEngine(m, 1) != 0 { // two streams, one slot: it queued
			t.Fatalf("%s: a queued run's TTFT read as overhead", c.name)
		}
		m.Concurrency = 0
		if besideEngine(m, 4) != 0 {
			t.Fatalf("%s: a rate run's TTFT read as overhead", c.name)
		}
	}
}

// The fit puts beside the engine what the server's own prompt time leaves
// of TTFT: told 5 ms (the hidden simulator has 1 ms), overhead and jitter
// move towards it; not told, they stay near the truth.
func TestFitHeedsServerPrefill(t *testing.T) {
	h := hidden()
	fit := func(beside time.Duration) float64 {
		var runs []*Measured
		for _, c := range []int{1, 2} {
			m := measure(h, burst(c, sessions(3*c+2, uint64(c))), uint64(c))
			if beside > 0 {
				var ttft time.Duration
				for _, q := range m.Reqs {
					ttft += q.First - q.Sent
				}
				m.Prefill = ttft/time.Duration(len(m.Reqs)) - beside
			}
			runs = append(runs, m)
		}
		tw, err := Fit(runs, FitOptions{Engine: h.Engine, Evals: 150, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		return tw.Costs.OverheadUs + tw.Costs.JitterUs
	}
	if told, free := fit(5*time.Millisecond), fit(0); told < 2500 || free > 2500 {
		t.Fatalf("overhead and jitter: %.0f µs told 5 ms beside the engine, %.0f µs not told (truth: 1,000)", told, free)
	}
}
