package metrics

import (
	"math"
	"testing"
)

// Two overlapping requests, worked by hand (s = 1e9 ns, offset by 10 s):
// A: [0,1) prefill of 100 tokens, [1,3) decode of 20 tokens after the first;
// B: [2,2.5) prefill of 50 tokens, [2.5,4) decode of 3 tokens.
func TestSweepLineWorkedExample(t *testing.T) {
	const s, o = int64(1e9), int64(10e9)
	a := NewAccumulator(Options{Streaming: true})
	a.spans = []span{
		{start: o, first: o + s, end: o + 3*s, isl: 100, osl: 21},
		{start: o + 2*s, first: o + 5*s/2, end: o + 4*s, isl: 50, osl: 4},
		{start: o + s, end: o + 2*s}, // a failed request: concurrency only
	}
	got := map[string]Result{}
	for _, r := range a.sweepResults() {
		got[r.Def.Tag] = r
		if !r.Weighted {
			t.Errorf("%s is not marked weighted", r.Def.Tag)
		}
	}
	want := map[string]float64{
		// [0,1):1 [1,2):2 [2,3):2 [3,4):1 over 4 s
		"effective_concurrency":         6.0 / 4,
		"effective_prefill_concurrency": 1.5 / 4,
		"effective_decode_concurrency":  (2 + 1.5) / 4,
		"effective_prefill_throughput":  150.0 / 4,
		"effective_decode_throughput":   23.0 / 4, // 10/s for 2 s, 2/s for 1.5 s
		"effective_total_throughput":    173.0 / 4,
		"tokens_in_flight":              (100 + 2*121 + 0.5*50 + 1.5*54) / 4.0,
		"active_prefill_throughput":     100,
		"active_decode_throughput":      23.0 / 3,
		"active_total_throughput":       173.0 / 4,
		// per user: [1,2.5) 10/1, [2.5,3) 12/2, [3,4) 2/1
		"active_decode_throughput_per_user":  (15 + 3 + 2) / 3.0,
		"active_prefill_throughput_per_user": 100,
	}
	for tag, avg := range want {
		r, ok := got[tag]
		if !ok {
			t.Errorf("%s missing", tag)
			continue
		}
		if math.Abs(r.Stats.Avg-avg) > 1e-9 {
			t.Errorf("%s avg = %v, want %v", tag, r.Stats.Avg, avg)
		}
	}
	c := got["effective_concurrency"].Stats
	// 1 for 2 s, 2 for 2 s: the median is 1 (cumulative 2 s of 4 reaches half), p90 is 2.
	if c.Pct(50) != 1 || c.Pct(90) != 2 || c.Min != 1 || c.Max != 2 {
		t.Errorf("concurrency stats %+v", c)
	}
	if p := got["effective_prefill_concurrency"].Stats; p.Pct(50) != 0 || p.Max != 1 {
		t.Errorf("prefill concurrency is 0 most of the time: %+v", p)
	}
}

func TestSweepLineEmpty(t *testing.T) {
	if rs := NewAccumulator(Options{Streaming: true}).sweepResults(); len(rs) != 0 {
		t.Errorf("no requests, no curves: %v", rs)
	}
}
