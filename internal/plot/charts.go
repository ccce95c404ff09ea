package plot

import (
	"cmp"
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Formats are the files written for each chart.
var Formats = []string{"png", "svg"}

// Write draws every chart the runs have data for into dir and returns the
// names of the charts written.
func Write(runs []*Run, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var names []string
	var errs []error
	save := func(name string, p *plot.Plot, w, h vg.Length) {
		if p == nil {
			return
		}
		for _, f := range Formats {
			if err := p.Save(w, h, filepath.Join(dir, name+"."+f)); err != nil {
				errs = append(errs, fmt.Errorf("%s.%s: %w", name, f, err))
				return
			}
		}
		names = append(names, name)
	}
	wide, tall := 8*vg.Inch, 4.5*vg.Inch
	for _, tag := range []string{"time_to_first_token", "inter_token_latency", "request_latency"} {
		save(tag+"_cdf", cdf(runs, tag), wide, tall)
		save(tag+"_histogram", histogram(runs, tag), wide, tall)
	}
	save("latency_over_time", overTime(runs, "request_latency", "Request latency over the run"), wide, tall)
	save("ttft_over_time", overTime(runs, "time_to_first_token", "TTFT over the run"), wide, tall)
	save("throughput_over_time", throughput(runs), wide, tall)
	save("ttft_by_slice", bySlice(runs, "time_to_first_token"), wide, tall)
	save("latency_by_slice", bySlice(runs, "request_latency"), wide, tall)
	save("ttft_by_turn", byTurn(runs, "time_to_first_token", "TTFT by turn (ms)"), wide, tall)
	save("isl_by_turn", byTurn(runs, "input_sequence_length", "ISL by turn (tokens)"), wide, tall)
	save("timeline", timeline(runs[0]), wide, 6*vg.Inch)
	save("sweep_pareto", pareto(runs), wide, tall)
	for _, m := range []struct{ name, metric, title string }{
		{"server_running_over_time", "vllm:num_requests_running", "Server: requests running"},
		{"server_waiting_over_time", "vllm:num_requests_waiting", "Server: requests waiting"},
		{"server_kv_cache_over_time", "vllm:kv_cache_usage_perc", "Server: KV-cache usage (fraction)"},
	} {
		save(m.name, series(runs, func(r *Run) []serverPoint { return r.server }, m.metric, m.title), wide, tall)
	}
	save("gpu_power_over_time", series(runs, func(r *Run) []serverPoint { return r.gpu }, "DCGM_FI_DEV_POWER_USAGE", "GPU power, all GPUs (W)"), wide, tall)
	return names, errors.Join(errs...)
}

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, x, y
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	return p
}

func values(r *Run, tag string) []float64 {
	var xs []float64
	for _, q := range r.requests {
		if x, ok := q.Values[tag]; ok && q.OK {
			xs = append(xs, x)
		}
	}
	return xs
}

func label(tag string) string {
	return map[string]string{"time_to_first_token": "TTFT (ms)", "inter_token_latency": "ITL (ms)", "request_latency": "Request latency (ms)",
		"input_sequence_length": "ISL (tokens)"}[tag]
}

// styled gives run i its color and a legend entry.
func styled(p *plot.Plot, i int, name string, l *plotter.Line) {
	l.Color = plotutil.Color(i)
	l.Width = vg.Points(1.5)
	p.Add(l)
	p.Legend.Add(name, l)
}

// cdf is the empirical distribution of a metric, one line per run.
func cdf(runs []*Run, tag string) *plot.Plot {
	p := newPlot(label(tag)+": cumulative distribution", label(tag), "fraction of requests")
	drawn := false
	for i, r := range runs {
		xs := values(r, tag)
		if len(xs) == 0 {
			continue
		}
		slices.Sort(xs)
		pts := make(plotter.XYs, len(xs))
		for k, x := range xs {
			pts[k] = plotter.XY{X: x, Y: float64(k+1) / float64(len(xs))}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			continue
		}
		styled(p, i, r.Label, l)
		drawn = true
	}
	return keep(p, drawn)
}

// histogram overlays each run's distribution, 30 bins over the runs' range.
func histogram(runs []*Run, tag string) *plot.Plot {
	p := newPlot(label(tag)+": histogram", label(tag), "requests")
	drawn := false
	for i, r := range runs {
		xs := values(r, tag)
		if len(xs) < 2 {
			continue
		}
		h, err := plotter.NewHist(plotter.Values(xs), 30)
		if err != nil {
			continue
		}
		c := plotutil.Color(i)
		r8, g8, b8, _ := c.RGBA()
		h.FillColor = color.NRGBA{R: uint8(r8 >> 8), G: uint8(g8 >> 8), B: uint8(b8 >> 8), A: 110}
		h.LineStyle.Color = c
		p.Add(h)
		p.Legend.Add(r.Label, h)
		drawn = true
	}
	return keep(p, drawn)
}

// overTime plots each request's value at its send time.
func overTime(runs []*Run, tag, title string) *plot.Plot {
	p := newPlot(title, "seconds since the first request", label(tag))
	drawn := false
	for i, r := range runs {
		var pts plotter.XYs
		for _, q := range r.requests {
			if x, ok := q.Values[tag]; ok && q.OK {
				pts = append(pts, plotter.XY{X: q.StartS, Y: x})
			}
		}
		if len(pts) == 0 {
			continue
		}
		s, err := plotter.NewScatter(pts)
		if err != nil {
			continue
		}
		s.GlyphStyle.Color, s.GlyphStyle.Radius = plotutil.Color(i), vg.Points(1.5)
		p.Add(s)
		p.Legend.Add(r.Label, s)
		drawn = true
	}
	return keep(p, drawn)
}

// throughput is output tokens per second, counted by the second in which
// each request ended.
func throughput(runs []*Run) *plot.Plot {
	p := newPlot("Output token throughput over the run", "seconds since the first request", "tokens/s (1 s buckets)")
	drawn := false
	for i, r := range runs {
		if len(r.requests) == 0 {
			continue
		}
		buckets := map[int]float64{}
		last := 0
		for _, q := range r.requests {
			b := int(q.EndS)
			buckets[b] += q.OSL
			last = max(last, b)
		}
		pts := make(plotter.XYs, last+1)
		for b := range pts {
			pts[b] = plotter.XY{X: float64(b) + 0.5, Y: buckets[b]}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			continue
		}
		styled(p, i, r.Label, l)
		drawn = true
	}
	return keep(p, drawn)
}

// byTurn is a metric's mean at each turn index: how TTFT and ISL grow as a
// conversation's history does. Only for multi-turn runs.
func byTurn(runs []*Run, tag, title string) *plot.Plot {
	p := newPlot(title, "turn index", label(tag)+" (mean)")
	drawn := false
	for i, r := range runs {
		sum, n := map[int]float64{}, map[int]int{}
		maxTurn := 0
		for _, q := range r.requests {
			if x, ok := q.Values[tag]; ok && q.OK {
				sum[q.Turn] += x
				n[q.Turn]++
				maxTurn = max(maxTurn, q.Turn)
			}
		}
		if maxTurn == 0 {
			continue
		}
		var pts plotter.XYs
		for t := 0; t <= maxTurn; t++ {
			if n[t] > 0 {
				pts = append(pts, plotter.XY{X: float64(t), Y: sum[t] / float64(n[t])})
			}
		}
		l, s, err := plotter.NewLinePoints(pts)
		if err != nil {
			continue
		}
		styled(p, i, r.Label, l)
		s.Color = plotutil.Color(i)
		p.Add(s)
		drawn = true
	}
	return keep(p, drawn)
}

// timelineSessions is how many sessions the swim lanes show.
const timelineSessions = 60

// timeline draws the first sessions as swim lanes: waiting for the first
// token (thin) then receiving (thick); the gaps between a session's turns
// are its think time. Down-sampled to the first sessions, as the title says.
func timeline(r *Run) *plot.Plot {
	if r == nil || len(r.requests) == 0 {
		return nil
	}
	lanes := map[int]int{}
	for _, q := range r.requests {
		if _, ok := lanes[q.Session]; !ok && len(lanes) < timelineSessions {
			lanes[q.Session] = len(lanes)
		}
	}
	title := "Sessions over time"
	if n := countSessions(r); n > timelineSessions {
		title += fmt.Sprintf(" (the first %d of %d sessions)", timelineSessions, n)
	}
	p := newPlot(title, "seconds since the first request", "session")
	wait, recv := color.NRGBA{R: 200, G: 120, B: 40, A: 255}, color.NRGBA{R: 40, G: 100, B: 200, A: 255}
	for _, q := range r.requests {
		lane, ok := lanes[q.Session]
		if !ok {
			continue
		}
		y := float64(lane)
		mid := q.FirstS
		if mid <= 0 || !q.OK {
			mid = q.EndS
		}
		seg := func(a, b float64, c color.Color, w vg.Length) {
			if b <= a {
				return
			}
			if l, err := plotter.NewLine(plotter.XYs{{X: a, Y: y}, {X: b, Y: y}}); err == nil {
				l.Color, l.Width = c, w
				p.Add(l)
			}
		}
		seg(q.StartS, mid, wait, vg.Points(1.5))
		seg(mid, q.EndS, recv, vg.Points(4))
	}
	legend := func(name string, c color.Color, w vg.Length) {
		l, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 0, Y: 0}})
		l.Color, l.Width = c, w
		p.Legend.Add(name, l)
	}
	legend("until the first token", wait, vg.Points(1.5))
	legend("streaming the answer", recv, vg.Points(4))
	return p
}

func countSessions(r *Run) int {
	seen := map[int]bool{}
	for _, q := range r.requests {
		seen[q.Session] = true
	}
	return len(seen)
}

// pareto is a sweep's request throughput against p99 TTFT (request latency
// without streaming), every value labelled, the Pareto front joined.
func pareto(runs []*Run) *plot.Plot {
	var sf *sweepFile
	for _, r := range runs {
		if r.sweep != nil {
			sf = r.sweep
			break
		}
	}
	if sf == nil || len(sf.PerCombination) == 0 {
		return nil
	}
	lat := "time_to_first_token_p99"
	if _, ok := sf.PerCombination[0].Metrics[lat]; !ok {
		lat = "request_latency_p99"
	}
	p := newPlot("Sweep: throughput against latency (Pareto front joined)", "request throughput (requests/s)", strings.ReplaceAll(lat, "_", " ")+" (ms)")
	var all, front plotter.XYs
	var names []string
	for _, c := range sf.PerCombination {
		x, ok1 := c.Metrics["request_throughput_avg"]
		y, ok2 := c.Metrics[lat]
		if !ok1 || !ok2 {
			continue
		}
		all = append(all, plotter.XY{X: x.Mean, Y: y.Mean})
		names = append(names, c.Label)
	}
	for i, a := range all {
		dominated := false
		for j, b := range all {
			if i != j && b.X >= a.X && b.Y <= a.Y && (b.X > a.X || b.Y < a.Y) {
				dominated = true
			}
		}
		if !dominated {
			front = append(front, a)
		}
	}
	if len(all) == 0 {
		return nil
	}
	slices.SortFunc(front, func(a, b plotter.XY) int { return cmp.Compare(a.X, b.X) })
	if s, err := plotter.NewScatter(all); err == nil {
		s.GlyphStyle.Radius = vg.Points(3)
		p.Add(s)
		p.Legend.Add("sweep values", s)
	}
	if l, err := plotter.NewLine(front); err == nil && len(front) > 1 {
		l.Color, l.Width = plotutil.Color(1), vg.Points(1.5)
		p.Add(l)
		p.Legend.Add("Pareto front", l)
	}
	if lb, err := plotter.NewLabels(plotter.XYLabels{XYs: all, Labels: names}); err == nil {
		p.Add(lb)
	}
	return p
}

// series plots one scraped metric over time, per run.
func series(runs []*Run, pick func(*Run) []serverPoint, metric, title string) *plot.Plot {
	p := newPlot(title, "seconds since the first request", metric)
	drawn := false
	for i, r := range runs {
		var pts plotter.XYs
		for _, s := range pick(r) {
			if s.name == metric && !math.IsNaN(s.value) {
				pts = append(pts, plotter.XY{X: s.timeS, Y: s.value})
			}
		}
		if len(pts) < 2 {
			continue
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			continue
		}
		styled(p, i, r.Label, l)
		drawn = true
	}
	return keep(p, drawn)
}

// bySlice is a metric's p50 and p99 in each time slice (--slice-duration).
func bySlice(runs []*Run, tag string) *plot.Plot {
	p := newPlot(label(tag)+" by time slice", "time slice", label(tag))
	drawn := false
	for i, r := range runs {
		p50, p99 := r.SliceSeries(tag)
		if len(p50) < 2 {
			continue
		}
		for k, pts := range [][][2]float64{p50, p99} {
			xys := make(plotter.XYs, len(pts))
			for j, pt := range pts {
				xys[j] = plotter.XY{X: pt[0], Y: pt[1]}
			}
			l, err := plotter.NewLine(xys)
			if err != nil {
				continue
			}
			l.Color, l.Width = plotutil.Color(i), vg.Points(1.5)
			if k == 1 {
				l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			}
			p.Add(l)
			p.Legend.Add(r.Label+" "+[]string{"p50", "p99"}[k], l)
		}
		drawn = true
	}
	return keep(p, drawn)
}

// keep is the chart when something was drawn on it, else none.
func keep(p *plot.Plot, drawn bool) *plot.Plot {
	if !drawn {
		return nil
	}
	return p
}
