package report

import (
	"fmt"
	"slices"

	"github.com/sonde-bench/sonde/internal/plot"
)

func valuesOf(r *plot.Run, tag string) []float64 {
	var xs []float64
	for _, q := range r.Requests() {
		if x, ok := q.Values[tag]; ok && q.OK {
			xs = append(xs, x)
		}
	}
	return xs
}

// cdfSeries is the empirical distribution at up to cdfPoints quantiles
// (every point when there are fewer values): down-sampling a CDF keeps its
// shape exactly at the points kept.
func cdfSeries(name string, xs []float64) Series {
	slices.Sort(xs)
	s := Series{Name: name}
	n := len(xs)
	step := max(1, n/cdfPoints)
	for i := step - 1; i < n; i += step {
		s.Points = append(s.Points, []float64{xs[i], float64(i+1) / float64(n)})
	}
	if n > 0 && s.Points[len(s.Points)-1][1] != 1 {
		s.Points = append(s.Points, []float64{xs[n-1], 1})
	}
	return s
}

// charts builds every chart the runs have data for, and says what was
// down-sampled.
func charts(runs []*plot.Run) ([]Chart, []string) {
	var out []Chart
	var notes []string
	add := func(c Chart) {
		for _, s := range c.Series {
			if len(s.Points) > 0 {
				out = append(out, c)
				return
			}
		}
	}
	for _, m := range []struct{ tag, title, unit string }{
		{"time_to_first_token", "Time to first token", "ms"},
		{"inter_token_latency", "Inter-token latency", "ms"},
		{"request_latency", "Request latency", "ms"},
	} {
		c := Chart{ID: m.tag + "_cdf", Title: m.title + ": cumulative distribution", Kind: "line", X: m.unit, Y: "fraction of requests"}
		for _, r := range runs {
			if xs := valuesOf(r, m.tag); len(xs) > 0 {
				c.Series = append(c.Series, cdfSeries(r.Label, xs))
				if len(xs) > cdfPoints {
					c.Note = fmt.Sprintf("Drawn at %d quantiles of each run's values.", cdfPoints)
				}
			}
		}
		add(c)
	}
	over := Chart{ID: "latency_over_time", Title: "Request latency over the run", Kind: "scatter", X: "seconds", Y: "ms"}
	tput := Chart{ID: "throughput_over_time", Title: "Output token throughput over the run (1 s buckets)", Kind: "line", X: "seconds", Y: "tokens/s"}
	ttftTurn := Chart{ID: "ttft_by_turn", Title: "TTFT by turn (mean)", Kind: "line", X: "turn index", Y: "ms"}
	islTurn := Chart{ID: "isl_by_turn", Title: "ISL by turn (mean)", Kind: "line", X: "turn index", Y: "tokens"}
	for _, r := range runs {
		reqs := r.Requests()
		step := max(1, len(reqs)/scatterPoints)
		s := Series{Name: r.Label}
		for i := 0; i < len(reqs); i += step {
			if x, ok := reqs[i].Values["request_latency"]; ok && reqs[i].OK {
				s.Points = append(s.Points, []float64{reqs[i].StartS, x})
			}
		}
		if step > 1 {
			notes = append(notes, fmt.Sprintf("Latency over time shows every %d-th request of %s (%d in all).", step, r.Label, len(reqs)))
		}
		over.Series = append(over.Series, s)
		buckets, last := map[int]float64{}, 0
		for _, q := range reqs {
			buckets[int(q.EndS)] += q.OSL
			last = max(last, int(q.EndS))
		}
		ts := Series{Name: r.Label}
		for b := 0; b <= last && len(reqs) > 0; b++ {
			ts.Points = append(ts.Points, []float64{float64(b) + 0.5, buckets[b]})
		}
		tput.Series = append(tput.Series, ts)
		ttftTurn.Series = append(ttftTurn.Series, byTurn(r, "time_to_first_token"))
		islTurn.Series = append(islTurn.Series, byTurn(r, "input_sequence_length"))
	}
	add(over)
	add(tput)
	for _, tag := range []string{"time_to_first_token", "request_latency"} {
		c := Chart{ID: tag + "_by_slice", Title: "p50 and p99 by time slice: " + tag, Kind: "line", X: "time slice", Y: "ms"}
		for _, r := range runs {
			p50, p99 := r.SliceSeries(tag)
			for k, pts := range [][][2]float64{p50, p99} {
				s := Series{Name: r.Label + " " + []string{"p50", "p99"}[k]}
				for _, pt := range pts {
					s.Points = append(s.Points, []float64{pt[0], pt[1]})
				}
				if len(s.Points) > 1 {
					c.Series = append(c.Series, s)
				}
			}
		}
		add(c)
	}
	add(ttftTurn)
	add(islTurn)
	if len(runs) > 0 {
		add(timeline(runs[0]))
	}
	for _, m := range []struct{ id, title, source, metric string }{
		{"server_running", "Server: requests running", "server", "vllm:num_requests_running"},
		{"server_waiting", "Server: requests waiting", "server", "vllm:num_requests_waiting"},
		{"gpu_power", "GPU power, all GPUs (W)", "gpu", "DCGM_FI_DEV_POWER_USAGE"},
	} {
		c := Chart{ID: m.id, Title: m.title, Kind: "line", X: "seconds", Y: m.metric}
		for _, r := range runs {
			s := Series{Name: r.Label}
			for _, p := range r.Scraped(m.source, m.metric) {
				s.Points = append(s.Points, []float64{p[0], p[1]})
			}
			if len(s.Points) > 1 {
				c.Series = append(c.Series, s)
			}
		}
		add(c)
	}
	return out, notes
}

// byTurn is a metric's mean at each turn index (multi-turn runs only).
func byTurn(r *plot.Run, tag string) Series {
	sum, n, maxTurn := map[int]float64{}, map[int]int{}, 0
	for _, q := range r.Requests() {
		if x, ok := q.Values[tag]; ok && q.OK {
			sum[q.Turn] += x
			n[q.Turn]++
			maxTurn = max(maxTurn, q.Turn)
		}
	}
	s := Series{Name: r.Label}
	if maxTurn == 0 {
		return s
	}
	for t := 0; t <= maxTurn; t++ {
		if n[t] > 0 {
			s.Points = append(s.Points, []float64{float64(t), sum[t] / float64(n[t])})
		}
	}
	return s
}

// timeline is the swim lanes of the first sessions: waiting for the first
// token, then streaming the answer.
func timeline(r *plot.Run) Chart {
	c := Chart{ID: "timeline", Title: "Sessions over time", Kind: "segments", X: "seconds", Y: "session"}
	lanes := map[int]int{}
	wait, recv := Series{Name: "until the first token", Width: 1.5}, Series{Name: "streaming the answer", Width: 4}
	for _, q := range r.Requests() {
		lane, ok := lanes[q.Session]
		if !ok {
			if len(lanes) >= laneSessions {
				continue
			}
			lane = len(lanes)
			lanes[q.Session] = lane
		}
		mid := q.FirstS
		if mid <= 0 || !q.OK {
			mid = q.EndS
		}
		wait.Points = append(wait.Points, []float64{q.StartS, float64(lane), mid})
		if q.EndS > mid {
			recv.Points = append(recv.Points, []float64{mid, float64(lane), q.EndS})
		}
	}
	if n := sessions(r); n > laneSessions {
		c.Note = fmt.Sprintf("The first %d of %d sessions.", laneSessions, n)
	}
	c.Series = []Series{wait, recv}
	return c
}

func sessions(r *plot.Run) int {
	seen := map[int]bool{}
	for _, q := range r.Requests() {
		seen[q.Session] = true
	}
	return len(seen)
}
