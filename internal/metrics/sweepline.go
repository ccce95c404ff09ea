package metrics

import (
	"cmp"
	"math"

	"slices"
	"sort"

	"github.com/sonde-bench/sonde/internal/record"
)

// AIPerf's Effective and Active metrics (its "effective vs active metrics"
// brief): step functions of time built by a sweep line over the requests'
// intervals, then averaged over time. A request is in prefill over
// [start, first token) and in decode over [first token, end); failed
// requests count in the concurrency curve only (they held a slot).

// span is one request's interval, in monotonic ns.
type span struct {
	start, first, end int64 // first = 0: no first token (failed or not streaming)
	isl, osl          float64
}

// The curves, in the order of their values in a sweep.
const (
	curveConcurrency = iota
	curvePrefillConc
	curveDecodeConc
	curvePrefillTPS
	curveDecodeTPS
	curveTokensInFlight
	numCurves
)

var (
	defEffConc       = Def{Tag: "effective_concurrency", Header: "Effective Concurrency", Unit: "requests", Scale: 1, Flags: NoConsole}
	defEffPrefill    = Def{Tag: "effective_prefill_concurrency", Header: "Effective Prefill Concurrency", Unit: "requests", Scale: 1, Flags: NoConsole | StreamingOnly}
	defEffDecode     = Def{Tag: "effective_decode_concurrency", Header: "Effective Decode Concurrency", Unit: "requests", Scale: 1, Flags: NoConsole | StreamingOnly}
	defEffPrefillTPS = Def{Tag: "effective_prefill_throughput", Header: "Effective Prefill Throughput", Unit: "tokens/sec", Scale: 1, Flags: NoConsole | StreamingOnly | LargerIsBetter}
	defEffDecodeTPS  = Def{Tag: "effective_decode_throughput", Header: "Effective Decode Throughput", Unit: "tokens/sec", Scale: 1, Flags: NoConsole | StreamingOnly | LargerIsBetter}
	defEffTotalTPS   = Def{Tag: "effective_total_throughput", Header: "Effective Total Throughput", Unit: "tokens/sec", Scale: 1, Flags: NoConsole | StreamingOnly | LargerIsBetter}
	defTokensFlight  = Def{Tag: "tokens_in_flight", Header: "Tokens In Flight", Unit: "tokens", Scale: 1, Flags: NoConsole | StreamingOnly}
	defActPrefillTPS = Def{Tag: "active_prefill_throughput", Header: "Active Prefill Throughput", Unit: "tokens/sec", Scale: 1, Flags: NoConsole | StreamingOnly | LargerIsBetter}
	defActDecodeTPS  = Def{Tag: "active_decode_throughput", Header: "Active Decode Throughput", Unit: "tokens/sec", Scale: 1, Flags: NoConsole | StreamingOnly | LargerIsBetter}
	defActTotalTPS   = Def{Tag: "active_total_throughput", Header: "Active Total Throughput", Unit: "tokens/sec", Scale: 1, Flags: NoConsole | StreamingOnly | LargerIsBetter}
	defActPrefillPU  = Def{Tag: "active_prefill_throughput_per_user", Header: "Active Prefill Throughput Per User", Unit: "tokens/sec/user", Scale: 1, Flags: NoConsole | StreamingOnly | LargerIsBetter}
	defActDecodePU   = Def{Tag: "active_decode_throughput_per_user", Header: "Active Decode Throughput Per User", Unit: "tokens/sec/user", Scale: 1, Flags: NoConsole | StreamingOnly | LargerIsBetter}
)

// addSpan keeps the request's interval: to the end of its last chunk when
// it succeeded (request_latency's end), to its end when it failed. It is
// on the wall clock, in whole ns, as the records file has it, so that a
// summary rebuilt from that file is the same.
func (a *Accumulator) addSpan(r *record.Record, v *Values) {
	s := span{start: r.StartWallNs, end: r.EndWallNs}
	if lat, ok := v.Get(RequestLatency); ok {
		s.end = s.start + int64(math.Round(lat))
		if ttft, ok := v.Get(TTFT); ok {
			s.first = s.start + int64(math.Round(ttft))
		}
		s.isl, _ = v.Get(ISL)
		s.osl, _ = v.Get(OSL)
	}
	if s.start > 0 && s.end > s.start {
		a.spans = append(a.spans, s)
	}
}

type event struct {
	t     int64
	curve int
	delta float64
}

// events turns spans into curve steps. Prefill throughput is a request's
// ISL over its TTFT; decode throughput its OSL−1 tokens after the first
// over the decode time (the ITL definition); tokens in flight are the ISL
// during prefill and ISL+OSL during decode.
func events(spans []span) []event {
	ev := make([]event, 0, len(spans)*8)
	add := func(from, to int64, curve int, v float64) {
		if to > from && v != 0 {
			ev = append(ev, event{from, curve, v}, event{to, curve, -v})
		}
	}
	for _, s := range spans {
		add(s.start, s.end, curveConcurrency, 1)
		if s.first == 0 {
			continue
		}
		add(s.start, s.first, curvePrefillConc, 1)
		add(s.first, s.end, curveDecodeConc, 1)
		add(s.start, s.first, curveTokensInFlight, s.isl)
		add(s.first, s.end, curveTokensInFlight, s.isl+s.osl)
		if ttft := s.first - s.start; ttft > 0 {
			add(s.start, s.first, curvePrefillTPS, s.isl/(float64(ttft)/1e9))
		}
		if dec := s.end - s.first; dec > 0 && s.osl >= 2 {
			add(s.first, s.end, curveDecodeTPS, (s.osl-1)/(float64(dec)/1e9))
		}
	}
	sort.Slice(ev, func(i, j int) bool { return ev[i].t < ev[j].t })
	return ev
}

// segment is a stretch of time over which every curve is constant.
type segment struct {
	dt float64 // ns
	v  [numCurves]float64
}

func sweep(spans []span) (segs []segment, window float64) {
	ev := events(spans)
	if len(ev) == 0 {
		return nil, 0
	}
	var cur [numCurves]float64
	for i := 0; i < len(ev); {
		t := ev[i].t
		for ; i < len(ev) && ev[i].t == t; i++ {
			cur[ev[i].curve] += ev[i].delta
		}
		if i == len(ev) {
			break
		}
		v := cur
		for c := range v {
			if math.Abs(v[c]) < 1e-9 { // float residue of +x then −x
				v[c] = 0
			}
		}
		segs = append(segs, segment{dt: float64(ev[i].t - t), v: v})
	}
	return segs, float64(ev[len(ev)-1].t - ev[0].t)
}

// weighted is a value held for a duration.
type weighted struct{ v, dt float64 }

// weightedStats are AIPerf's duration-weighted statistics: the average over
// the given total time, percentiles read off the cumulative duration of the
// values sorted, and a duration-weighted std.
func weightedStats(xs []weighted, total float64) (Stats, bool) {
	if total <= 0 || len(xs) == 0 {
		return Stats{}, false
	}
	slices.SortFunc(xs, func(a, b weighted) int { return cmp.Compare(a.v, b.v) })
	var sum, covered float64
	for _, x := range xs {
		sum += x.v * x.dt
		covered += x.dt
	}
	s := Stats{Avg: sum / total, Min: xs[0].v, Max: xs[len(xs)-1].v}
	if covered < total { // time outside every segment held the value 0
		s.Min = min(s.Min, 0)
	}
	ss := 0.0
	for _, x := range xs {
		ss += x.dt * (x.v - s.Avg) * (x.v - s.Avg)
	}
	s.Std = math.Sqrt(ss / covered)
	for i, q := range Percentiles {
		want, acc := q/100*covered, 0.0
		s.P[i] = xs[len(xs)-1].v
		for _, x := range xs {
			if acc += x.dt; acc >= want {
				s.P[i] = x.v
				break
			}
		}
	}
	return s, true
}

// sweepResults computes the Effective metrics (averaged over the whole
// window from the first request's start to the last one's end) and the
// Active ones (averaged only while the phase has a request in it).
func (a *Accumulator) sweepResults() []Result {
	segs, window := sweep(a.spans)
	if window <= 0 {
		return nil
	}
	var out []Result
	emit := func(d *Def, pick func(s *segment) (float64, bool), total float64) {
		if !a.recordApplies(d) {
			return
		}
		xs := make([]weighted, 0, len(segs))
		covered := 0.0
		for i := range segs {
			if v, ok := pick(&segs[i]); ok {
				xs = append(xs, weighted{v, segs[i].dt})
				covered += segs[i].dt
			}
		}
		if total == 0 {
			total = covered
		}
		if st, ok := weightedStats(xs, total); ok {
			out = append(out, Result{Def: d, Stats: st, Weighted: true})
		}
	}
	always := func(c int) func(s *segment) (float64, bool) {
		return func(s *segment) (float64, bool) { return s.v[c], true }
	}
	while := func(mask int, value func(s *segment) float64) func(s *segment) (float64, bool) {
		return func(s *segment) (float64, bool) { return value(s), s.v[mask] > 0 }
	}
	total := func(s *segment) float64 { return s.v[curvePrefillTPS] + s.v[curveDecodeTPS] }
	perUser := func(tps, conc int) func(s *segment) float64 {
		return func(s *segment) float64 { return s.v[tps] / s.v[conc] }
	}
	emit(&defEffConc, always(curveConcurrency), window)
	emit(&defEffPrefill, always(curvePrefillConc), window)
	emit(&defEffDecode, always(curveDecodeConc), window)
	emit(&defEffPrefillTPS, always(curvePrefillTPS), window)
	emit(&defEffDecodeTPS, always(curveDecodeTPS), window)
	emit(&defEffTotalTPS, func(s *segment) (float64, bool) { return total(s), true }, window)
	emit(&defTokensFlight, always(curveTokensInFlight), window)
	emit(&defActPrefillTPS, while(curvePrefillConc, func(s *segment) float64 { return s.v[curvePrefillTPS] }), 0)
	emit(&defActDecodeTPS, while(curveDecodeConc, func(s *segment) float64 { return s.v[curveDecodeTPS] }), 0)
	emit(&defActTotalTPS, while(curveConcurrency, total), 0)
	emit(&defActPrefillPU, while(curvePrefillConc, perUser(curvePrefillTPS, curvePrefillConc)), 0)
	emit(&defActDecodePU, while(curveDecodeConc, perUser(curveDecodeTPS, curveDecodeConc)), 0)
	return out
}
