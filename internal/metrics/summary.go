package metrics

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"

	"github.com/sonde-bench/sonde/internal/record"
)

// Options say which metrics apply to a run.
type Options struct {
	Streaming bool
	SLOs      []SLO
	// MeanGapNs is the schedule's mean inter-arrival time (0 without a
	// rate); with it the lag warning tolerates 1 % of a gap.
	MeanGapNs float64
	// OSLMismatchPct and OSLMismatchTokens: a request whose OSL misses its
	// max tokens by more than min(pct % of it, tokens) is a mismatch
	// (AIPerf's defaults 5 % and 50).
	OSLMismatchPct    float64
	OSLMismatchTokens float64
	// Vectors: the endpoint answers vectors or scores, not tokens
	// (embeddings, rankings). Output-token metrics do not apply (AIPerf's
	// PRODUCES_TOKENS_ONLY); throughput is counted per input and per input
	// token instead.
	Vectors bool
	// Title is the console table's title ("LLM Metrics" when empty).
	Title string
}

// LagWarningFloor is the schedule lag p99 above which a run is flagged,
// unless 1 % of the mean inter-arrival time or 5 % of the median request
// latency is larger: a few milliseconds of a busy machine's scheduling
// noise beside answers of a second hide no queueing worth a warning.
const LagWarningFloor = 5e6 // ns

// Accumulator collects profiling records; Summary computes the results.
type Accumulator struct {
	opts    Options
	values  [numRecordMetrics]column
	icl     column
	count   int
	errors  int
	good    int
	cut     int
	retried int
	minSend int64 // first and last send (wall ns), failed requests too
	maxSend int64
	sent    int
	minTS   int64
	maxTS   int64
	errs    map[record.Error]int
	turns   map[int]*turnAcc

	sessions                 map[int]*sessionAcc
	think                    []float64 // ns between an answer and the next turn's send
	cachedUsage, promptUsage float64
	expected, isl            float64
	oslMismatch              int
	oslChecked               int
	usageRecords             int    // valid records with a server usage
	usageDiscrepancies       int    // of those, any usage_*_diff_pct over 10 %
	spans                    []span // every request's interval, for the sweep-line metrics
}

// sessionAcc follows one session (monotonic ns).
type sessionAcc struct {
	firstStart, lastEnd int64
	turns               int // valid turns
	// firstISL and lastISL are its first and last valid turns' ISL (the
	// context it grew to); bad is set by any request that missed an SLO.
	firstISL, lastISL float64
	bad               bool
}

type turnAcc struct {
	requests, errors int
	values           [numRecordMetrics]column
}

// NewAccumulator starts an empty accumulator.
func NewAccumulator(opts Options) *Accumulator {
	if opts.OSLMismatchPct == 0 {
		opts.OSLMismatchPct = 5
	}
	if opts.OSLMismatchTokens == 0 {
		opts.OSLMismatchTokens = 50
	}
	return &Accumulator{opts: opts, minTS: math.MaxInt64, minSend: math.MaxInt64, errs: map[record.Error]int{}, turns: map[int]*turnAcc{},
		sessions: map[int]*sessionAcc{}}
}

// Add counts one profiling record with its computed values.
func (a *Accumulator) Add(r *record.Record, v *Values) {
	if r.StartWallNs > 0 {
		a.sent++
		a.minSend, a.maxSend = min(a.minSend, r.StartWallNs), max(a.maxSend, r.StartWallNs)
	}
	if r.Cut {
		a.cut++
	}
	if r.Retried {
		a.retried++
	}
	valid := r.Valid() // once: it walks every response of a long answer
	a.addSession(r, v, valid)
	a.addSpan(r, v)
	t := a.turns[r.TurnIndex]
	if t == nil {
		t = &turnAcc{}
		a.turns[r.TurnIndex] = t
	}
	if !valid {
		a.errors++
		t.errors++
		e := record.Error{Type: "UnknownError", Message: "invalid record"}
		if r.Error != nil {
			e = *r.Error
		}
		a.errs[e]++
		if x, ok := v.Get(ErrorISL); ok {
			a.values[ErrorISL].add(x)
		}
		return
	}
	a.count++
	t.requests++
	for i := range numRecordMetrics {
		if x, ok := v.Get(i); ok && i != ErrorISL {
			a.values[i].add(x)
			t.values[i].add(x)
		}
	}
	for _, x := range v.ICL {
		a.icl.add(x)
	}
	if x, ok := v.Get(UsageCachedTokens); ok {
		a.cachedUsage += x
	}
	if x, ok := v.Get(UsagePromptTokens); ok {
		a.promptUsage += x
		a.usageRecords++
		for _, i := range []int{UsagePromptDiffPct, UsageCompletionDiffPct, UsageReasoningDiffPct} {
			if d, ok := v.Get(i); ok && d > usageDiscrepancyPct {
				a.usageDiscrepancies++
				break
			}
		}
	}
	a.expected += float64(r.ExpectedCached)
	a.isl += float64(r.ClientInputTokens)
	if osl, ok := v.Get(OSL); ok && r.MaxTokens > 0 {
		a.oslChecked++
		req := float64(r.MaxTokens)
		if math.Abs(osl-req) > min(req*a.opts.OSLMismatchPct/100, a.opts.OSLMismatchTokens) {
			a.oslMismatch++
		}
	}
	if Good(v, a.opts.SLOs) {
		a.good++
	}
	a.minTS = min(a.minTS, r.StartWallNs)
	if lat, ok := v.Get(RequestLatency); ok {
		// Rounded, not truncated: a latency read back from a records file
		// (ms × 1e6) is its whole nanoseconds ± a float's error, and the
		// window (and every throughput) must be the run's to the nanosecond.
		a.maxTS = max(a.maxTS, r.StartWallNs+int64(math.Round(lat)))
	}
}

// addSession follows a session's turns: its span, and the think time
// actually applied before each turn after the first.
func (a *Accumulator) addSession(r *record.Record, v *Values, valid bool) {
	s := a.sessions[r.SessionNum]
	if s == nil {
		s = &sessionAcc{firstStart: r.StartNs}
		a.sessions[r.SessionNum] = s
	} else if r.StartNs >= s.lastEnd {
		a.think = append(a.think, float64(r.StartNs-s.lastEnd))
	}
	s.lastEnd = max(s.lastEnd, r.EndNs)
	if valid {
		s.turns++
		if isl, ok := v.Get(ISL); ok {
			if s.turns == 1 {
				s.firstISL = isl
			}
			s.lastISL = isl
		}
	}
	if !valid || !Good(v, a.opts.SLOs) {
		s.bad = true
	}
}

// Result is one metric's outcome in display units: statistics for record
// metrics, a single value for scalar ones.
type Result struct {
	Def    *Def
	Stats  Stats
	Scalar bool
	// Integer scalars (counts, wall-clock timestamps) keep their exact
	// value here: a float64 cannot hold a nanosecond timestamp.
	Integer bool
	Exact   int64
	// Weighted results are duration-weighted statistics of a curve over
	// time (the sweep-line metrics): they have no count or sum.
	Weighted bool
}

// Value is a scalar result's value.
func (r *Result) Value() float64 { return r.Stats.Avg }

// ErrorCount is one line of the error summary.
type ErrorCount struct {
	Error record.Error
	Count int
}

// TurnResult is sonde's per-turn breakdown for one turn index.
type TurnResult struct {
	TurnIndex int
	Requests  int
	Errors    int
	Metrics   []Result
}

// Summary is the outcome of a run.
type Summary struct {
	Title         string   // the console table's title, after "sonde | "
	Metrics       []Result // record metrics then scalars, by display order then tag
	Errors        []ErrorCount
	Turns         []TurnResult
	RequestCount  int
	ErrorCount    int
	Cut           int     // requests sonde cancelled when the run stopped (grace end, second Ctrl-C)
	Retried       int     // requests resent once after a stale keep-alive connection
	SendRate      float64 // requests sent per second, first send to last; NaN when unknown
	Warnings      []string
	DurationSec   float64 // benchmark duration; 0 when unknown
	MinRequestNs  int64   // wall clock
	MaxResponseNs int64   // wall clock
}

// Lookup returns the result for a tag.
func (s *Summary) Lookup(tag string) (*Result, bool) {
	for i := range s.Metrics {
		if s.Metrics[i].Def.Tag == tag {
			return &s.Metrics[i], true
		}
	}
	return nil, false
}

func (a *Accumulator) recordApplies(d *Def) bool {
	return !d.Has(StreamingOnly) || a.opts.Streaming
}

func describe(d *Def, xs []float64) (Result, bool) { return described(d, slices.Clone(xs)) }

// describeColumn is describe of a column's values, copied once.
func describeColumn(d *Def, c *column) (Result, bool) { return described(d, c.values()) }

// described is the result of d over xs, which it may reorder.
func described(d *Def, xs []float64) (Result, bool) {
	st, ok := Describe(xs)
	if !ok {
		return Result{}, false
	}
	return Result{Def: d, Stats: st.scaled(d.Scale)}, true
}

func scalar(d *Def, base float64) Result {
	return Result{Def: d, Scalar: true, Stats: Stats{Avg: base * d.Scale, Count: 1}}
}

func integer(d *Def, v int64) Result {
	return Result{Def: d, Scalar: true, Integer: true, Exact: v, Stats: Stats{Avg: float64(v), Count: 1}}
}

// Summary computes every applicable metric (spec §2.4).
func (a *Accumulator) Summary() *Summary {
	s := &Summary{Title: a.opts.Title, RequestCount: a.count, ErrorCount: a.errors, Cut: a.cut, Retried: a.retried, SendRate: math.NaN()}
	if a.sent > 1 && a.maxSend > a.minSend {
		s.SendRate = float64(a.sent-1) / (float64(a.maxSend-a.minSend) / 1e9)
	}
	for i := range numRecordMetrics {
		d := &recordDefs[i]
		if !a.recordApplies(d) {
			continue
		}
		if r, ok := describeColumn(d, &a.values[i]); ok {
			s.Metrics = append(s.Metrics, r)
		}
	}
	if a.opts.Streaming {
		if r, ok := describeColumn(&iclDef, &a.icl); ok {
			s.Metrics = append(s.Metrics, r)
		}
	}
	s.Metrics = append(s.Metrics, a.totals(s)...)
	s.Metrics = append(s.Metrics, a.sessionResults(s.DurationSec)...)
	s.Metrics = append(s.Metrics, a.sweepResults()...)
	if a.promptUsage > 0 {
		s.Metrics = append(s.Metrics, scalar(&defServerCachePct, a.cachedUsage/a.promptUsage*100))
	}
	if a.isl > 0 {
		s.Metrics = append(s.Metrics, scalar(&defExpectedPct, a.expected/a.isl*100))
	}
	if a.oslChecked > 0 {
		s.Metrics = append(s.Metrics, integer(&defOSLMismatch, int64(a.oslMismatch)))
	}
	if a.usageRecords > 0 {
		s.Metrics = append(s.Metrics, integer(&defUsageDiscrep, int64(a.usageDiscrepancies)))
	}
	sortResults(s.Metrics)
	s.Warnings = a.warnings(s)
	for e, n := range a.errs {
		s.Errors = append(s.Errors, ErrorCount{Error: e, Count: n})
	}
	sort.Slice(s.Errors, func(i, j int) bool {
		if s.Errors[i].Count != s.Errors[j].Count {
			return s.Errors[i].Count > s.Errors[j].Count
		}
		return s.Errors[i].Error.Type+s.Errors[i].Error.Message < s.Errors[j].Error.Type+s.Errors[j].Error.Message
	})
	s.Turns = a.turnResults()
	return s
}

// sessionResults are the per-session metrics: how long sessions lasted, how
// many turns they completed, how fast they completed, and the think time
// actually applied between an answer and the next turn.
func (a *Accumulator) sessionResults(durationSec float64) []Result {
	if len(a.sessions) == 0 {
		return nil
	}
	var span, turns, growth []float64
	good := 0
	for _, s := range a.sessions {
		span = append(span, float64(s.lastEnd-s.firstStart))
		turns = append(turns, float64(s.turns))
		if s.turns > 1 && s.firstISL > 0 {
			growth = append(growth, s.lastISL/s.firstISL)
		}
		if !s.bad {
			good++
		}
	}
	out := []Result{integer(&defSessionCount, int64(len(a.sessions)))}
	if durationSec > 0 {
		out = append(out, scalar(&defSessionTPS, float64(len(a.sessions))/durationSec))
	}
	if len(a.opts.SLOs) > 0 { // an agent's whole session within the SLOs, every request of it
		out = append(out, integer(&defGoodSessions, int64(good)), scalar(&defGoodSessionFraction, float64(good)/float64(len(a.sessions))))
	}
	for _, x := range []struct {
		d  *Def
		xs []float64
	}{{&defSessionDuration, span}, {&defSessionTurns, turns}, {&defSessionGrowth, growth}, {&defThinkTime, a.think}} {
		if r, ok := describe(x.d, x.xs); ok {
			out = append(out, r)
		}
	}
	return out
}

// turnMetrics are the metrics of the per-turn breakdown.
var turnMetrics = []int{TTFT, ITL, RequestLatency, ISL, OSL, UsageCachedTokens, ExpectedCachedTokens}

func (a *Accumulator) turnResults() []TurnResult {
	idx := slices.Sorted(maps.Keys(a.turns))
	out := make([]TurnResult, 0, len(idx))
	for _, k := range idx {
		t := a.turns[k]
		tr := TurnResult{TurnIndex: k, Requests: t.requests, Errors: t.errors}
		for _, i := range turnMetrics {
			d := &recordDefs[i]
			if !a.recordApplies(d) {
				continue
			}
			if r, ok := describeColumn(d, &t.values[i]); ok {
				tr.Metrics = append(tr.Metrics, r)
			}
		}
		out = append(out, tr)
	}
	return out
}

// sortResults orders by console display order (unset last), then tag.
func sortResults(rs []Result) {
	sort.SliceStable(rs, func(i, j int) bool {
		oi, oj := rs[i].Def.Order, rs[j].Def.Order
		if oi == 0 {
			oi = math.MaxInt32
		}
		if oj == 0 {
			oj = math.MaxInt32
		}
		if oi != oj {
			return oi < oj
		}
		return rs[i].Def.Tag < rs[j].Def.Tag
	})
}

// setupWarning says how much of TTFT went to opening connections, when that
// share is large enough to be mistaken for server queueing.
func setupWarning(s *Summary) string {
	setup, ok1 := s.Lookup("http_req_connection_overhead")
	ttft, ok2 := s.Lookup("time_to_first_token")
	if !ok1 || !ok2 || ttft.Stats.Avg <= 0 {
		return ""
	}
	share := setup.Stats.Avg / ttft.Stats.Avg
	if setup.Stats.Avg < 1 || share < 0.1 {
		return ""
	}
	return fmt.Sprintf("Connection set-up (waiting for a connection, DNS, TCP and TLS: http_req_connection_overhead) averaged %.2f ms, "+
		"%.0f%% of the mean TTFT of %.2f ms. TTFT includes it, as a user's would; to measure the server alone, open the connections "+
		"before the run with --warmup-connections.", setup.Stats.Avg, share*100, ttft.Stats.Avg)
}

// warnings are the summary's findings a user must see: OSL mismatches,
// connection set-up inside TTFT, and schedule lag (coordinated omission).
func (a *Accumulator) warnings(s *Summary) []string {
	var out []string
	if a.oslMismatch > 0 {
		out = append(out, fmt.Sprintf("%d of %d requests did not get the output length they asked for (more than min(%g%%, %g tokens) off): "+
			"the server stopped early or ignored max tokens, so OSL and throughput are not what was configured. Add ignore_eos or min_tokens "+
			"with --extra-inputs, or count with --use-server-token-count.", a.oslMismatch, a.oslChecked, a.opts.OSLMismatchPct, a.opts.OSLMismatchTokens))
	}
	if w := setupWarning(s); w != "" {
		out = append(out, w)
	}
	if lag, ok := s.Lookup("schedule_lag"); ok {
		threshold := max(LagWarningFloor, 0.01*a.opts.MeanGapNs) * msPerNs
		if latency, ok := s.Lookup("request_latency"); ok {
			threshold = max(threshold, 0.05*latency.Stats.Pct(50))
		}
		if p99 := lag.Stats.Pct(99); p99 > threshold {
			out = append(out, fmt.Sprintf("Schedule lag p99 is %.3f ms (threshold %.3f ms): sonde sent requests later than the schedule intended, "+
				"so latencies measured from the send time hide queueing (coordinated omission). Compare effective_time_to_first_token and "+
				"effective_latency, which count from the intended time, and give the client more concurrency or CPU.", p99, threshold))
		}
	}
	return out
}

func (a *Accumulator) sum(i int) float64 { return a.values[i].sum() }

// answered is what an answer without tokens is counted in: the videos or
// images generated, else the inputs its vectors or scores answer; the
// column, its total's definition and its throughput's.
func (a *Accumulator) answered() (col int, total, tps *Def) {
	switch {
	case a.sum(OutputVideos) > 0:
		return OutputVideos, &defTotalVideos, &defVideoOutTPS
	case a.sum(OutputImages) > 0:
		return OutputImages, &defTotalImages, &defImageOutTPS
	}
	return Inputs, &defTotalInputs, &defInputTPS
}

// totals are the counts, token totals, timestamps and throughputs; they
// set the summary's duration.
func (a *Accumulator) totals(s *Summary) []Result {
	out := []Result{integer(&defRequestCount, int64(a.count))}
	if a.errors > 0 {
		out = append(out, integer(&defErrorCount, int64(a.errors)), integer(&defTotalErrorISL, int64(a.sum(ErrorISL))))
	}
	all := float64(a.count + a.errors)
	rate, fraction := 0.0, 0.0
	if all > 0 {
		rate, fraction = float64(a.errors)/all*100, float64(a.good)/all
	}
	out = append(out, scalar(&defErrorRate, rate))
	if len(a.opts.SLOs) > 0 {
		out = append(out, scalar(&defGoodFraction, fraction))
	}
	col, totalDef, tpsDef := a.answered()
	if !a.opts.Vectors {
		out = append(out,
			integer(&defTotalOutput, int64(a.sum(OutputTokenCount))),
			integer(&defTotalReasoning, int64(a.sum(ReasoningTokenCount))),
			integer(&defTotalOSL, int64(a.sum(OSL))),
		)
	} else {
		out = append(out, integer(totalDef, int64(a.sum(col))))
	}
	out = append(out, integer(&defTotalISL, int64(a.sum(ISL))))
	if len(a.opts.SLOs) > 0 {
		out = append(out, integer(&defGoodCount, int64(a.good)))
	}
	if a.count > 0 && a.maxTS > a.minTS {
		durNs := float64(a.maxTS - a.minTS)
		s.DurationSec = durNs / 1e9
		s.MinRequestNs, s.MaxResponseNs = a.minTS, a.maxTS
		out = append(out,
			integer(&defMinReqTS, a.minTS),
			integer(&defMaxRespTS, a.maxTS),
			scalar(&defDuration, durNs),
			scalar(&defRequestTPS, float64(a.count)/s.DurationSec),
		)
		if a.opts.Vectors {
			out = append(out, scalar(tpsDef, a.sum(col)/s.DurationSec),
				scalar(&defInputTokenTPS, a.sum(ISL)/s.DurationSec))
		} else {
			out = append(out, scalar(&defOutputTPS, a.sum(OSL)/s.DurationSec),
				scalar(&defTotalTPS, (a.sum(ISL)+a.sum(OSL))/s.DurationSec))
		}
		if len(a.opts.SLOs) > 0 {
			out = append(out, scalar(&defGoodput, float64(a.good)/s.DurationSec))
		}
	}
	return out
}
