package plot

import (
	"cmp"
	"slices"

	"github.com/sonde-bench/sonde/internal/export"
)

// The data behind the charts, shared by the PNG/SVG charts and the HTML
// report: each computed once, here.

// Throughput is output tokens per second, counted by the second in which
// each request ended: (bucket middle, tokens) points.
func (r *Run) Throughput() [][2]float64 {
	if len(r.requests) == 0 {
		return nil
	}
	buckets, last := map[int]float64{}, 0
	for _, q := range r.requests {
		b := int(q.EndS)
		buckets[b] += q.OSL
		last = max(last, b)
	}
	pts := make([][2]float64, last+1)
	for b := range pts {
		pts[b] = [2]float64{float64(b) + 0.5, buckets[b]}
	}
	return pts
}

// ByTurn is a metric's mean at each turn index: how TTFT and ISL grow as a
// conversation's history does. None for single-turn runs.
func (r *Run) ByTurn(tag string) [][2]float64 {
	sum, n, maxTurn := map[int]float64{}, map[int]int{}, 0
	for _, q := range r.requests {
		if x, ok := q.Values[tag]; ok && q.OK {
			sum[q.Turn] += x
			n[q.Turn]++
			maxTurn = max(maxTurn, q.Turn)
		}
	}
	if maxTurn == 0 {
		return nil
	}
	var pts [][2]float64
	for t := 0; t <= maxTurn; t++ {
		if n[t] > 0 {
			pts = append(pts, [2]float64{float64(t), sum[t] / float64(n[t])})
		}
	}
	return pts
}

// Segment is a stretch of time on one swim lane.
type Segment struct{ From, To, Lane float64 }

// Lanes are the first n sessions (by their first send) as swim lanes:
// waiting for the first token, then streaming the answer; the gaps between
// a session's turns are its think time. sessions is how many there were.
func (r *Run) Lanes(n int) (wait, recv []Segment, sessions int) {
	lanes, seen := map[int]int{}, map[int]bool{}
	for _, q := range r.requests {
		seen[q.Session] = true
		lane, ok := lanes[q.Session]
		if !ok {
			if len(lanes) >= n {
				continue
			}
			lane = len(lanes)
			lanes[q.Session] = lane
		}
		mid := q.FirstS
		if mid <= 0 || !q.OK {
			mid = q.EndS
		}
		if mid > q.StartS {
			wait = append(wait, Segment{q.StartS, mid, float64(lane)})
		}
		if q.EndS > mid {
			recv = append(recv, Segment{mid, q.EndS, float64(lane)})
		}
	}
	return wait, recv, len(seen)
}

// SplitPart is one part of the TTFT split (--collect-server-traces) over
// the joined requests, sorted by TTFT: x is the request's rank as a
// fraction, y the part in ms.
type SplitPart struct {
	Name   string
	Points [][2]float64
}

// TTFTSplit is each part of the TTFT split by request, the fastest first;
// nil when the run joined no server spans. At most maxPoints per part.
func (r *Run) TTFTSplit(maxPoints int) []SplitPart {
	if len(r.split) == 0 {
		return nil
	}
	ls := slices.Clone(r.split)
	slices.SortFunc(ls, func(a, b export.SplitLine) int { return cmp.Compare(a.TTFT, b.TTFT) })
	parts := []SplitPart{{Name: "client send"}, {Name: "network & front"}, {Name: "server input"}, {Name: "queue"}, {Name: "prefill"}}
	step := max(1, len(ls)/max(maxPoints, 1))
	for i := step - 1; i < len(ls); i += step {
		l, x := ls[i], float64(i+1)/float64(len(ls))
		for j, v := range []int64{l.ClientSend, l.Network, l.Input, l.Queue, l.Prefill} {
			parts[j].Points = append(parts[j].Points, [2]float64{x, float64(v) / 1e6})
		}
	}
	return parts
}
