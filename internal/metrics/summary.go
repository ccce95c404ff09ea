package metrics

import (
	"math"
	"slices"
	"sort"

	"github.com/sonde-bench/sonde/internal/record"
)

// Options say which metrics apply to a run.
type Options struct {
	Streaming bool
	SLOs      []SLO
	// DeadlineWallNs, when set, drops records that ended after it
	// (benchmark duration + grace), all or nothing, as AIPerf does.
	DeadlineWallNs int64
}

// Accumulator collects profiling records; Summary computes the results.
type Accumulator struct {
	opts    Options
	values  [numRecordMetrics][]float64
	icl     []float64
	count   int
	errors  int
	good    int
	dropped int
	minTS   int64
	maxTS   int64
	errs    map[record.Error]int
	turns   map[int]*turnAcc
}

type turnAcc struct {
	requests, errors int
	values           [numRecordMetrics][]float64
}

// NewAccumulator starts an empty accumulator.
func NewAccumulator(opts Options) *Accumulator {
	return &Accumulator{opts: opts, minTS: math.MaxInt64, errs: map[record.Error]int{}, turns: map[int]*turnAcc{}}
}

// Add counts one profiling record with its computed values. It reports
// false when the record falls after the deadline and was dropped.
func (a *Accumulator) Add(r *record.Record, v *Values) bool {
	if a.opts.DeadlineWallNs > 0 && r.EndWallNs > a.opts.DeadlineWallNs {
		a.dropped++
		return false
	}
	t := a.turns[r.TurnIndex]
	if t == nil {
		t = &turnAcc{}
		a.turns[r.TurnIndex] = t
	}
	if !r.Valid() {
		a.errors++
		t.errors++
		e := record.Error{Type: "UnknownError", Message: "invalid record"}
		if r.Error != nil {
			e = *r.Error
		}
		a.errs[e]++
		if x, ok := v.Get(ErrorISL); ok {
			a.values[ErrorISL] = append(a.values[ErrorISL], x)
		}
		return true
	}
	a.count++
	t.requests++
	for i := range numRecordMetrics {
		if x, ok := v.Get(i); ok && i != ErrorISL {
			a.values[i] = append(a.values[i], x)
			t.values[i] = append(t.values[i], x)
		}
	}
	a.icl = append(a.icl, v.ICL...)
	if Good(v, a.opts.SLOs) {
		a.good++
	}
	a.minTS = min(a.minTS, r.StartWallNs)
	if lat, ok := v.Get(RequestLatency); ok {
		a.maxTS = max(a.maxTS, r.StartWallNs+int64(lat))
	}
	return true
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
	Metrics       []Result // record metrics then scalars, by display order then tag
	Errors        []ErrorCount
	Turns         []TurnResult
	RequestCount  int
	ErrorCount    int
	Dropped       int     // records after the duration + grace deadline
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

func describe(d *Def, xs []float64) (Result, bool) {
	st, ok := Describe(slices.Clone(xs))
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
	s := &Summary{RequestCount: a.count, ErrorCount: a.errors, Dropped: a.dropped}
	for i := range numRecordMetrics {
		d := &recordDefs[i]
		if !a.recordApplies(d) {
			continue
		}
		if r, ok := describe(d, a.values[i]); ok {
			s.Metrics = append(s.Metrics, r)
		}
	}
	if a.opts.Streaming {
		if r, ok := describe(&iclDef, a.icl); ok {
			s.Metrics = append(s.Metrics, r)
		}
	}
	sum := func(i int) float64 {
		t := 0.0
		for _, x := range a.values[i] {
			t += x
		}
		return t
	}
	s.Metrics = append(s.Metrics, integer(&defRequestCount, int64(a.count)))
	if a.errors > 0 {
		s.Metrics = append(s.Metrics, integer(&defErrorCount, int64(a.errors)))
		s.Metrics = append(s.Metrics, integer(&defTotalErrorISL, int64(sum(ErrorISL))))
	}
	s.Metrics = append(s.Metrics,
		integer(&defTotalOutput, int64(sum(OutputTokenCount))),
		integer(&defTotalReasoning, int64(sum(ReasoningTokenCount))),
		integer(&defTotalOSL, int64(sum(OSL))),
		integer(&defTotalISL, int64(sum(ISL))),
	)
	if len(a.opts.SLOs) > 0 {
		s.Metrics = append(s.Metrics, integer(&defGoodCount, int64(a.good)))
	}
	if a.count > 0 && a.maxTS > a.minTS {
		durNs := float64(a.maxTS - a.minTS)
		s.DurationSec = durNs / 1e9
		s.MinRequestNs, s.MaxResponseNs = a.minTS, a.maxTS
		s.Metrics = append(s.Metrics,
			integer(&defMinReqTS, a.minTS),
			integer(&defMaxRespTS, a.maxTS),
			scalar(&defDuration, durNs),
			scalar(&defRequestTPS, float64(a.count)/s.DurationSec),
			scalar(&defOutputTPS, sum(OSL)/s.DurationSec),
		)
		if len(a.opts.SLOs) > 0 {
			s.Metrics = append(s.Metrics, scalar(&defGoodput, float64(a.good)/s.DurationSec))
		}
	}
	sortResults(s.Metrics)
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

// turnMetrics are the metrics of the per-turn breakdown.
var turnMetrics = []int{TTFT, ITL, RequestLatency, ISL, OSL}

func (a *Accumulator) turnResults() []TurnResult {
	idx := make([]int, 0, len(a.turns))
	for k := range a.turns {
		idx = append(idx, k)
	}
	sort.Ints(idx)
	out := make([]TurnResult, 0, len(idx))
	for _, k := range idx {
		t := a.turns[k]
		tr := TurnResult{TurnIndex: k, Requests: t.requests, Errors: t.errors}
		for _, i := range turnMetrics {
			d := &recordDefs[i]
			if !a.recordApplies(d) {
				continue
			}
			if r, ok := describe(d, t.values[i]); ok {
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
