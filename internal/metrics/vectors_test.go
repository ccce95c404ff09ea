package metrics

import (
	"math"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/openai"

	"github.com/sonde-bench/sonde/internal/record"
)

// mk mirrors AIPerf's create_record helper: one content response per
// timestamp, output tokens = responses × perResponse, timestamp = start.
func mk(start int64, responses []int64, inputTokens, perResponse int) *record.Record {
	r := &record.Record{StartNs: start, StartWallNs: start, InputTokens: inputTokens, ClientInputTokens: inputTokens}
	for _, ns := range responses {
		r.Responses = append(r.Responses, record.Response{Ns: ns, Content: 1})
	}
	if len(responses) > 0 {
		r.EndNs = responses[len(responses)-1] + 1
		r.HasOutput = true
		r.OutputTokens = len(responses) * perResponse
	}
	return r
}

func get(t *testing.T, r *record.Record, m int) (float64, bool) {
	t.Helper()
	v := Compute(r, true)
	return v.Get(m)
}

func want(t *testing.T, name string, r *record.Record, m int, exp float64) {
	t.Helper()
	got, ok := get(t, r, m)
	if !ok || math.Abs(got-exp) > 1e-9 {
		t.Errorf("%s: got %v (present %v), want %v", name, got, ok, exp)
	}
}

func absent(t *testing.T, name string, r *record.Record, m int) {
	t.Helper()
	if got, ok := get(t, r, m); ok {
		t.Errorf("%s: got %v, want no value", name, got)
	}
}

// §11.1
func TestTTFT(t *testing.T) {
	want(t, "100/[110]", mk(100, []int64{110}, 0, 1), TTFT, 10)
	want(t, "100/[105,115]", mk(100, []int64{105, 115}, 0, 1), TTFT, 5)
	for i, c := range []struct {
		s int64
		r []int64
		w float64
	}{{100, []int64{105, 115}, 5}, {200, []int64{205, 215}, 5}, {300, []int64{310, 320}, 10}} {
		want(t, "multi "+string(rune('0'+i)), mk(c.s, c.r, 0, 1), TTFT, c.w)
	}
	absent(t, "100/[90]", mk(100, []int64{90}, 0, 1), TTFT)
	absent(t, "100/[]", mk(100, nil, 0, 1), TTFT)
}

// §11.2
func TestTTST(t *testing.T) {
	want(t, "[110,120]", mk(100, []int64{110, 120}, 0, 1), TTST, 10)
	want(t, "[105,110,130]", mk(100, []int64{105, 110, 130}, 0, 1), TTST, 5)
	want(t, "300/[310,325]", mk(300, []int64{310, 325}, 0, 1), TTST, 15)
	absent(t, "[120,110] (negative)", mk(100, []int64{120, 110}, 0, 1), TTST)
	absent(t, "[110]", mk(100, []int64{110}, 0, 1), TTST)
}

// §11.3
func TestRequestLatency(t *testing.T) {
	want(t, "100/[150]", mk(100, []int64{150}, 0, 1), RequestLatency, 50)
	want(t, "10/[15,25,35]", mk(10, []int64{15, 25, 35}, 0, 1), RequestLatency, 25)
	want(t, "30/[50]", mk(30, []int64{50}, 0, 1), RequestLatency, 20)
}

// §11.4, §11.5
func TestITLAndPerUser(t *testing.T) {
	want(t, "ITL 16", mk(100, []int64{120, 200}, 0, 3), ITL, 16)
	want(t, "ITL 10", mk(1000, []int64{1040, 1080, 1120}, 0, 3), ITL, 10)
	absent(t, "OSL 1", mk(100, []int64{120}, 0, 1), ITL)
	// ITL 100,000,000 ns → 10 tokens/s/user: OSL 2, TTFT 0... build directly.
	r := mk(0, []int64{1, 100_000_001}, 0, 1)
	want(t, "per user", r, OutputTPSPerUser, 10)
	// Docs example: ITL 5.2048325 ms → 192.1291415 tokens/s/user.
	if got := 1e9 / 5.2048325e6; math.Abs(got-192.1291415) > 1e-6 {
		t.Errorf("per-user from 5.2048325 ms = %v", got)
	}
}

// §11.6
func TestICL(t *testing.T) {
	cases := []struct {
		r []int64
		w []float64
	}{
		{[]int64{110, 120, 135}, []float64{10, 15}},
		{[]int64{110, 125}, []float64{15}},
		{[]int64{100, 105, 115, 130}, []float64{5, 10, 15}},
		{[]int64{100, 120, 125, 135}, []float64{20, 5, 10}},
		{[]int64{1000, 1040, 1080, 1120, 1200}, []float64{40, 40, 40, 80}},
		{[]int64{1050, 1080, 1120, 1180, 1250, 1330}, []float64{30, 40, 60, 70, 80}},
	}
	for _, c := range cases {
		v := Compute(mk(50, c.r, 0, 1), true)
		if len(v.ICL) != len(c.w) {
			t.Fatalf("%v: ICL %v", c.r, v.ICL)
		}
		for i := range c.w {
			if v.ICL[i] != c.w[i] {
				t.Errorf("%v: ICL %v want %v", c.r, v.ICL, c.w)
			}
		}
	}
	for _, bad := range [][]int64{{120, 110, 130}, {110, 110, 120}, {100, 110, 105}, {100, 100, 110}, {110}, nil} {
		if v := Compute(mk(50, bad, 0, 1), true); v.ICL != nil {
			t.Errorf("%v: ICL %v, want none", bad, v.ICL)
		}
	}
}

// §11.7, §11.8
func TestDurationAndThroughput(t *testing.T) {
	a := NewAccumulator(Options{Streaming: true})
	for _, c := range [][2]int64{{10, 15}, {20, 25}, {30, 40}} {
		r := mk(c[0], []int64{c[1]}, 0, 1)
		v := Compute(r, true)
		a.Add(r, &v)
	}
	s := a.Summary()
	if d, _ := s.Lookup("benchmark_duration"); math.Abs(d.Value()-30e-9) > 1e-18 {
		t.Errorf("duration %v sec, want 30 ns", d.Value())
	}
	if m, _ := s.Lookup("min_request_timestamp"); m.Value() != 10 {
		t.Errorf("min_request_timestamp %v", m.Value())
	}
	if m, _ := s.Lookup("max_response_timestamp"); m.Value() != 40 {
		t.Errorf("max_response_timestamp %v", m.Value())
	}
	// 100 requests over 5 s → 20 req/s; total OSL 1000 over 2 s → 500 tok/s.
	a = NewAccumulator(Options{})
	for i := 0; i < 100; i++ {
		r := mk(0, []int64{5_000_000_000}, 0, 10)
		v := Compute(r, false)
		a.Add(r, &v)
	}
	s = a.Summary()
	if m, _ := s.Lookup("request_throughput"); m.Value() != 20 {
		t.Errorf("request_throughput %v", m.Value())
	}
	if m, _ := s.Lookup("output_token_throughput"); m.Value() != 200 {
		t.Errorf("output_token_throughput %v (1000 tokens / 5 s)", m.Value())
	}
	a = NewAccumulator(Options{})
	r := mk(0, []int64{1_500_000_000}, 0, 750)
	v := Compute(r, false)
	a.Add(r, &v)
	if m, _ := a.Summary().Lookup("output_token_throughput"); m.Value() != 500 {
		t.Errorf("750 tokens / 1.5 s = %v", m.Value())
	}
	if _, ok := NewAccumulator(Options{}).Summary().Lookup("request_throughput"); ok {
		t.Error("no duration must mean no throughput")
	}
}

// §11.9
func TestGoodput(t *testing.T) {
	slos, err := ParseGoodput("request_latency:250", false)
	if err != nil {
		t.Fatal(err)
	}
	if slos[0].Threshold != 250e6 {
		t.Fatalf("250 ms → %v ns", slos[0].Threshold)
	}
	a := NewAccumulator(Options{SLOs: slos})
	for _, c := range [][2]int64{{0, 100e6}, {100e6, 400e6}, {200e6, 450e6}} {
		r := mk(c[0], []int64{c[1]}, 0, 1)
		v := Compute(r, false)
		a.Add(r, &v)
	}
	s := a.Summary()
	if g, _ := s.Lookup("good_request_count"); g.Value() != 2 {
		t.Errorf("good_request_count %v, want 2", g.Value())
	}
	// 2 good over 0.45 s.
	if g, _ := s.Lookup("goodput"); math.Abs(g.Value()-2/0.45) > 1e-9 {
		t.Errorf("goodput %v", g.Value())
	}
	v := Compute(mk(0, []int64{1}, 0, 1), false)
	if Good(&v, nil) {
		t.Error("no SLOs must count nothing as good")
	}
	for spec, msg := range map[string]string{
		"nocolon":                 "is not in 'key:value' format",
		"bogus_metric:1":          "Unknown metric tag(s) in --goodput",
		"time_to_first_token:100": "not applicable",
		"request_latency:abc":     "not a number",
	} {
		if _, err := ParseGoodput(spec, false); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseGoodput(%q) = %v, want %q", spec, err, msg)
		}
	}
}

// §11.10
func TestTokenCounts(t *testing.T) {
	r := mk(0, []int64{10}, 15, 10)
	r.HasReasoning, r.ReasoningTokens = true, 5
	want(t, "OSL 10+5", r, OSL, 15)
	want(t, "ISL", r, ISL, 15)
	r = mk(0, []int64{10}, 0, 0)
	want(t, "output 0 → OSL 0", r, OSL, 0)
	absent(t, "output_token_count 0", r, OutputTokenCount)
	r.HasOutput = false
	absent(t, "no output, no reasoning", r, OSL)
	bad := &record.Record{InputTokens: 15, Error: &record.Error{Type: "x"}}
	v := Compute(bad, true)
	if x, ok := v.Get(ErrorISL); !ok || x != 15 {
		t.Errorf("error_isl %v %v", x, ok)
	}
	a := NewAccumulator(Options{})
	for _, n := range []int{10, 20, 30} {
		r := mk(0, []int64{10}, 0, n)
		v := Compute(r, false)
		a.Add(r, &v)
	}
	if m, _ := a.Summary().Lookup("total_output_tokens"); m.Value() != 60 {
		t.Errorf("total_output_tokens %v", m.Value())
	}
}

// §11.11, with the sample std (ddof=1) of AIPerf's export schema instead
// of v0.1.1's population std.
func TestDescribe(t *testing.T) {
	type row struct {
		xs           []float64
		p            [9]float64
		std          float64
		min, max, av float64
	}
	hundreds := []float64{100, 200, 300, 400, 500, 600, 700, 800, 900, 1000}
	rows := []row{
		{[]float64{1, 2, 3, 4, 5}, [9]float64{1.04, 1.2, 1.4, 2, 3, 4, 4.6, 4.8, 4.96}, 1.581139, 1, 5, 3},
		{[]float64{10, 20, 30, 40, 50}, [9]float64{10.4, 12, 14, 20, 30, 40, 46, 48, 49.6}, 15.811388, 10, 50, 30},
		{[]float64{15, 15, 20}, [9]float64{15, 15, 15, 15, 15, 17.5, 19, 19.5, 19.9}, 2.886751, 15, 20, 50.0 / 3},
		{hundreds, [9]float64{109, 145, 190, 325, 550, 775, 910, 955, 991}, 302.765035, 100, 1000, 550},
	}
	for _, r := range rows {
		s, ok := Describe(append([]float64(nil), r.xs...))
		if !ok {
			t.Fatal("empty")
		}
		for i, p := range r.p {
			if math.Abs(s.P[i]-p) > 1e-9 {
				t.Errorf("%v p%v = %v want %v", r.xs, Percentiles[i], s.P[i], p)
			}
		}
		if math.Abs(s.Std-r.std) > 1e-6 || s.Min != r.min || s.Max != r.max || math.Abs(s.Avg-r.av) > 1e-9 {
			t.Errorf("%v: %+v", r.xs, s)
		}
	}
	if s, _ := Describe([]float64{5}); s.P[4] != 5 || s.Avg != 5 || s.Std != 0 {
		t.Errorf("[5]: %+v", s)
	}
	if _, ok := Describe(nil); ok {
		t.Error("empty slice must have no statistics")
	}
}

// §11.12 drops records that end after duration + grace. sonde never drops a
// sent request: it cancels those still in flight at that deadline, and they
// count as errors and as cut, so the summary says what happened to each.
func TestCutRecordsAreErrors(t *testing.T) {
	a := NewAccumulator(Options{})
	ok := mk(0, []int64{100, 200}, 10, 2)
	cut := mk(0, []int64{100}, 10, 1)
	cut.Cut = true
	cut.Error = &record.Error{Code: 499, Type: "RequestCancelledError", Message: "cut"}
	for _, r := range []*record.Record{ok, cut} {
		v := Compute(r, true)
		a.Add(r, &v)
	}
	s := a.Summary()
	if s.RequestCount != 1 || s.ErrorCount != 1 || s.Cut != 1 {
		t.Fatalf("requests %d errors %d cut %d", s.RequestCount, s.ErrorCount, s.Cut)
	}
}

func TestPerTurn(t *testing.T) {
	a := NewAccumulator(Options{Streaming: true})
	for turn := 0; turn < 3; turn++ {
		for i := 0; i < 4; i++ {
			r := mk(0, []int64{int64(10 * (turn + 1)), 100}, 100*(turn+1), 5)
			r.TurnIndex = turn
			v := Compute(r, true)
			a.Add(r, &v)
		}
	}
	s := a.Summary()
	if len(s.Turns) != 3 {
		t.Fatalf("turns %d", len(s.Turns))
	}
	for k, tr := range s.Turns {
		if tr.Requests != 4 || tr.Metrics[0].Def.Tag != "time_to_first_token" || tr.Metrics[0].Stats.Avg != float64(10*(k+1))*1e-6 {
			t.Errorf("turn %d: %+v", k, tr)
		}
	}
}

// §11.7 exact vectors for the timestamp aggregates.
func TestTimestampAggregates(t *testing.T) {
	a := NewAccumulator(Options{})
	for _, start := range []int64{2000, 1000, 3000} {
		r := mk(start, []int64{start + 10}, 0, 1)
		v := Compute(r, false)
		a.Add(r, &v)
	}
	if m, _ := a.Summary().Lookup("min_request_timestamp"); m.Exact != 1000 {
		t.Errorf("min_request_timestamp %d", m.Exact)
	}
	a = NewAccumulator(Options{})
	for _, c := range [][2]int64{{100, 150}, {200, 300}, {300, 350}} {
		r := mk(c[0], []int64{c[1]}, 0, 1)
		v := Compute(r, false)
		a.Add(r, &v)
	}
	if m, _ := a.Summary().Lookup("max_response_timestamp"); m.Exact != 350 {
		t.Errorf("max_response_timestamp %d", m.Exact)
	}
}

// §11.8: no good request over 2 s is a goodput of 0.
func TestGoodputZero(t *testing.T) {
	slos, _ := ParseGoodput("request_latency:1", false)
	a := NewAccumulator(Options{SLOs: slos})
	r := mk(0, []int64{2_000_000_000}, 0, 1)
	v := Compute(r, false)
	a.Add(r, &v)
	if g, _ := a.Summary().Lookup("goodput"); g.Value() != 0 {
		t.Errorf("goodput %v", g.Value())
	}
}

// §11.16: OSL mismatch percentages and AIPerf's threshold.
func TestOSLMismatch(t *testing.T) {
	for _, c := range []struct {
		requested, got int
		pct            float64
	}{{100, 50, -50}, {100, 120, 20}} {
		r := mk(0, []int64{10}, 0, c.got)
		r.MaxTokens = c.requested
		if x, _ := get(t, r, OSLMismatchPct); x != c.pct {
			t.Errorf("requested %d got %d: %v%%", c.requested, c.got, x)
		}
	}
	// Requested 2000: the threshold is min(5 % = 100, 50) = 50 tokens.
	a := NewAccumulator(Options{})
	for _, got := range []int{1951, 1949} {
		r := mk(0, []int64{10}, 0, got)
		r.MaxTokens = 2000
		v := Compute(r, false)
		a.Add(r, &v)
	}
	s := a.Summary()
	if m, _ := s.Lookup("osl_mismatch_count"); m.Exact != 1 || len(s.Warnings) != 1 {
		t.Errorf("mismatch count %d, warnings %v", m.Exact, s.Warnings)
	}
}

// The lag warning fires when schedule lag p99 exceeds 5 ms, or 1 % of the
// mean inter-arrival gap, or 5 % of the median request latency, whichever
// is largest — and only then.
func TestLagWarningThreshold(t *testing.T) {
	for _, c := range []struct {
		lagNs, gapNs, latencyNs float64
		warn                    bool
	}{{500e3, 0, 200, false}, {2e6, 0, 200, false}, {8e6, 0, 200, true}, {8e6, 1e9, 200, false}, {20e6, 1e9, 200, true},
		{20e6, 0, 1e9, false}, {60e6, 0, 1e9, true}} {
		a := NewAccumulator(Options{Streaming: true, MeanGapNs: c.gapNs})
		for i := range 10 {
			r := mk(int64(1e9), []int64{int64(1e9) + 100, int64(1e9) + int64(c.latencyNs)}, 10, 1)
			r.IntendedNs = r.StartNs - int64(c.lagNs)
			r.TurnIndex = i % 2
			v := Compute(r, true)
			a.Add(r, &v)
		}
		warned := false
		for _, w := range a.Summary().Warnings {
			warned = warned || strings.Contains(w, "Schedule lag p99")
		}
		if warned != c.warn {
			t.Errorf("lag %v ns, gap %v ns, latency %v ns: warned %v", c.lagNs, c.gapNs, c.latencyNs, warned)
		}
	}
}

// AIPerf's newer metrics, by hand: a reasoning chunk at 10 ms, answer text
// at 30 and 50 ms, 100 prompt tokens, 3 output tokens.
func TestNewerAIPerfMetrics(t *testing.T) {
	r := &record.Record{StartNs: 0, EndNs: 50e6, InputTokens: 100, ClientInputTokens: 100, OutputTokens: 2, ReasoningTokens: 1,
		ClientOutputTokens: 2, ClientReasoningTokens: 1, HasOutput: true, HasReasoning: true,
		Responses: []record.Response{{Ns: 10e6, Reasoning: 1}, {Ns: 30e6, Content: 1}, {Ns: 50e6, Content: 1}},
		Usage:     &openai.Usage{PromptTokens: 110, CompletionTokens: 3, TotalTokens: 113, CompletionTokensDetails: &openai.CompletionTokensDetails{ReasoningTokens: 2}}}
	for _, c := range []struct {
		m    int
		want float64
	}{
		{TTFO, 30e6}, {DecodeDuration, 40e6}, {E2EOutputTPS, 60}, {PrefillTPSPerUser, 10000},
		{UsageTotalTokens, 113}, {UsageReasoningTokens, 2}, {UsagePromptDiffPct, 10}, {UsageCompletionDiffPct, 0}, {UsageReasoningDiffPct, 100},
	} {
		want(t, RecordDef(c.m).Tag, r, c.m, c.want)
	}
	a := NewAccumulator(Options{Streaming: true, SLOs: []SLO{{Metric: TTFT, Threshold: 20e6}}})
	v := Compute(r, true)
	a.Add(r, &v)
	bad := &record.Record{Error: &record.Error{Type: "x"}}
	bv := Compute(bad, true)
	a.Add(bad, &bv)
	s := a.Summary()
	for tag, want := range map[string]float64{"request_error_rate": 50, "good_request_fraction": 0.5, "usage_discrepancy_count": 1} {
		if got, ok := s.Lookup(tag); !ok || got.Value() != want {
			t.Errorf("%s: %+v, want %v", tag, got, want)
		}
	}
}

// A latency read back from a records file is whole nanoseconds give or
// take a float's error: the window ends on the nanosecond the run's did,
// so a rebuilt summary's throughputs equal the run's.
func TestWindowRoundsLatency(t *testing.T) {
	for _, lat := range []float64{7654321, 7654321 - 1e-7, 7654321 + 1e-7} {
		a := NewAccumulator(Options{Streaming: true})
		r := mk(int64(1e9), []int64{int64(1e9) + 100}, 10, 1)
		v := Compute(r, true)
		v.set(RequestLatency, lat)
		a.Add(r, &v)
		if s := a.Summary(); s.MaxResponseNs-s.MinRequestNs != 7654321 {
			t.Errorf("latency %v ns: window %d ns", lat, s.MaxResponseNs-s.MinRequestNs)
		}
	}
}

// An agent's session: its context growth (last ISL ÷ first) and whether
// every request of it met the SLOs (good_session_*).
func TestSessionGrowthAndGoodSessions(t *testing.T) {
	a := NewAccumulator(Options{Streaming: true, SLOs: []SLO{{Metric: TTFT, Threshold: 20e6}}})
	add := func(session int, start int64, ttft int64, isl int) {
		r := mk(start, []int64{start + ttft, start + ttft + 1e6}, isl, 1)
		r.SessionNum = session
		v := Compute(r, true)
		a.Add(r, &v)
	}
	add(0, 1e9, 5e6, 100)  // good
	add(0, 2e9, 6e6, 300)  // good: grew 3×
	add(1, 1e9, 5e6, 50)   // good
	add(1, 2e9, 90e6, 100) // too slow: the session is not good
	s := a.Summary()
	for tag, want := range map[string]float64{"good_session_count": 1, "good_session_fraction": 0.5} {
		if got, ok := s.Lookup(tag); !ok || got.Value() != want {
			t.Errorf("%s: %+v, want %v", tag, got, want)
		}
	}
	if g, ok := s.Lookup("session_context_growth"); !ok || g.Stats.Avg != 2.5 || g.Stats.Max != 3 {
		t.Errorf("growth %+v", g)
	}
}
