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
	out := []Chart{} // never null in the page's data, whatever the runs hold
	add := func(cs ...Chart) {
		for _, c := range cs {
			// A run without the data (no TTFT in a non-streaming run, no
			// answer streamed, no request that succeeded) has no series
			// here: the chart shows the others, or is left out.
			c.Series = slices.DeleteFunc(c.Series, func(s Series) bool { return len(s.Points) == 0 })
			if len(c.Series) > 0 {
				out = append(out, c)
			}
		}
	}
	add(cdfCharts(runs)...)
	over, tput, ttftTurn, islTurn, notes := runCharts(runs)
	add(over, tput)
	add(sliceCharts(runs)...)
	add(ttftTurn, islTurn)
	if len(runs) > 0 {
		add(timeline(runs[0]), ttftSplit(runs[0]))
	}
	add(scrapedCharts(runs)...)
	return out, notes
}

// cdfCharts are the latency distributions.
func cdfCharts(runs []*plot.Run) []Chart {
	var out []Chart
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
		out = append(out, c)
	}
	return out
}

// runCharts are latency and throughput over the run, and TTFT and ISL by
// turn; notes say where requests were down-sampled.
func runCharts(runs []*plot.Run) (over, tput, ttftTurn, islTurn Chart, notes []string) {
	over = Chart{ID: "latency_over_time", Title: "Request latency over the run", Kind: "scatter", X: "seconds", Y: "ms"}
	tput = Chart{ID: "throughput_over_time", Title: "Output token throughput over the run (1 s buckets)", Kind: "line", X: "seconds", Y: "tokens/s"}
	ttftTurn = Chart{ID: "ttft_by_turn", Title: "TTFT by turn (mean)", Kind: "line", X: "turn index", Y: "ms"}
	islTurn = Chart{ID: "isl_by_turn", Title: "ISL by turn (mean)", Kind: "line", X: "turn index", Y: "tokens"}
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
		tput.Series = append(tput.Series, points(r.Label, r.Throughput()))
		ttftTurn.Series = append(ttftTurn.Series, points(r.Label, r.ByTurn("time_to_first_token")))
		islTurn.Series = append(islTurn.Series, points(r.Label, r.ByTurn("input_sequence_length")))
	}
	return over, tput, ttftTurn, islTurn, notes
}

// sliceCharts are p50 and p99 by time slice (--slice-duration).
func sliceCharts(runs []*plot.Run) []Chart {
	var out []Chart
	for _, tag := range []string{"time_to_first_token", "request_latency"} {
		c := Chart{ID: tag + "_by_slice", Title: "p50 and p99 by time slice: " + tag, Kind: "line", X: "time slice", Y: "ms"}
		for _, r := range runs {
			p50, p99 := r.SliceSeries(tag)
			for k, pts := range [][][2]float64{p50, p99} {
				if s := points(r.Label+" "+[]string{"p50", "p99"}[k], pts); len(s.Points) > 1 {
					c.Series = append(c.Series, s)
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// scrapedCharts are the server's and the GPUs' gauges over the run.
func scrapedCharts(runs []*plot.Run) []Chart {
	var out []Chart
	for _, m := range []struct{ id, title, source, metric string }{
		{"server_running", "Server: requests running", "server", "vllm:num_requests_running"},
		{"server_waiting", "Server: requests waiting", "server", "vllm:num_requests_waiting"},
		{"gpu_power", "GPU power, all GPUs (W)", "gpu", "DCGM_FI_DEV_POWER_USAGE"},
	} {
		c := Chart{ID: m.id, Title: m.title, Kind: "line", X: "seconds", Y: m.metric}
		for _, r := range runs {
			if s := points(r.Label, r.Scraped(m.source, m.metric)); len(s.Points) > 1 {
				c.Series = append(c.Series, s)
			}
		}
		out = append(out, c)
	}
	return out
}

// points is a series of the shared chart data (plot.Run's).
func points(name string, pts [][2]float64) Series {
	s := Series{Name: name}
	for _, p := range pts {
		s.Points = append(s.Points, []float64{p[0], p[1]})
	}
	return s
}

// timeline is the swim lanes of the first sessions (plot.Run.Lanes): waiting
// for the first token, then streaming the answer; segments are [from, lane, to].
func timeline(r *plot.Run) Chart {
	c := Chart{ID: "timeline", Title: "Sessions over time", Kind: "segments", X: "seconds", Y: "session"}
	waits, recvs, n := r.Lanes(plot.TimelineSessions)
	segs := func(name string, width float64, ss []plot.Segment) Series {
		s := Series{Name: name, Width: width}
		for _, sg := range ss {
			s.Points = append(s.Points, []float64{sg.From, sg.Lane, sg.To})
		}
		return s
	}
	if n > plot.TimelineSessions {
		c.Note = fmt.Sprintf("The first %d of %d sessions.", plot.TimelineSessions, n)
	}
	c.Series = []Series{segs("until the first token", 1.5, waits), segs("streaming the answer", 4, recvs)}
	return c
}

// ttftSplit is the first run's TTFT split by the server's spans, each part
// by request, the requests in order of TTFT: where the time to the first
// token went as it grows.
func ttftSplit(r *plot.Run) Chart {
	c := Chart{ID: "ttft_split", Title: "TTFT split by the server's spans (requests in order of TTFT)", Kind: "line", X: "fraction of requests", Y: "ms"}
	for _, p := range r.TTFTSplit(cdfPoints) {
		c.Series = append(c.Series, points(p.Name, p.Points))
	}
	c.Note = fmt.Sprintf("The parts of each request's TTFT add up to it (docs/metrics.md); at most %d requests drawn.", cdfPoints)
	return c
}
