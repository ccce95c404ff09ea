package plot

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
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

// Write draws every chart the runs have data for into dir, in the theme,
// and returns the names of the charts written.
func Write(runs []*Run, dir string, theme Theme) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var names []string
	var errs []error
	save := func(name string, p *plot.Plot, w, h vg.Length) {
		if p == nil {
			return
		}
		theme.apply(p)
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
		save(m.name, series(runs, "server", m.metric, m.title), wide, tall)
	}
	save("gpu_power_over_time", series(runs, "gpu", "DCGM_FI_DEV_POWER_USAGE", "GPU power, all GPUs (W)"), wide, tall)
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

// line draws run i's points as a styled line; false if it could not.
func line(p *plot.Plot, i int, name string, pts plotter.XYs) bool {
	l, err := plotter.NewLine(pts)
	if err != nil {
		return false
	}
	styled(p, i, name, l)
	return true
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
		if line(p, i, r.Label, pts) {
			drawn = true
		}
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

// xys converts points for gonum/plot.
func xys(pts [][2]float64) plotter.XYs {
	out := make(plotter.XYs, len(pts))
	for i, p := range pts {
		out[i] = plotter.XY{X: p[0], Y: p[1]}
	}
	return out
}

// throughput is output tokens per second over the run (Run.Throughput).
func throughput(runs []*Run) *plot.Plot {
	p := newPlot("Output token throughput over the run", "seconds since the first request", "tokens/s (1 s buckets)")
	drawn := false
	for i, r := range runs {
		pts := r.Throughput()
		if len(pts) == 0 {
			continue
		}
		if line(p, i, r.Label, xys(pts)) {
			drawn = true
		}
	}
	return keep(p, drawn)
}

// byTurn is a metric's mean at each turn index (Run.ByTurn), multi-turn
// runs only.
func byTurn(runs []*Run, tag, title string) *plot.Plot {
	p := newPlot(title, "turn index", label(tag)+" (mean)")
	drawn := false
	for i, r := range runs {
		pts := r.ByTurn(tag)
		if len(pts) == 0 {
			continue
		}
		l, s, err := plotter.NewLinePoints(xys(pts))
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

// TimelineSessions is how many sessions the swim lanes show.
const TimelineSessions = 60

// timeline draws the first sessions as swim lanes (Run.Lanes): waiting for
// the first token (thin) then receiving (thick). Down-sampled to the first
// sessions, as the title says.
func timeline(r *Run) *plot.Plot {
	if r == nil || len(r.requests) == 0 {
		return nil
	}
	wait, recv, n := r.Lanes(TimelineSessions)
	title := "Sessions over time"
	if n > TimelineSessions {
		title += fmt.Sprintf(" (the first %d of %d sessions)", TimelineSessions, n)
	}
	p := newPlot(title, "seconds since the first request", "session")
	for _, lane := range []struct {
		name  string
		segs  []Segment
		c     color.Color
		width vg.Length
	}{
		{"until the first token", wait, color.NRGBA{R: 200, G: 120, B: 40, A: 255}, vg.Points(1.5)},
		{"streaming the answer", recv, color.NRGBA{R: 40, G: 100, B: 200, A: 255}, vg.Points(4)},
	} {
		for _, sg := range lane.segs {
			if l, err := plotter.NewLine(plotter.XYs{{X: sg.From, Y: sg.Lane}, {X: sg.To, Y: sg.Lane}}); err == nil {
				l.Color, l.Width = lane.c, lane.width
				p.Add(l)
			}
		}
		l, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 0, Y: 0}})
		l.Color, l.Width = lane.c, lane.width
		p.Legend.Add(lane.name, l)
	}
	return p
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
	if sf == nil || len(sf.PerCombination) == 0 || len(sf.Metadata.ParetoObjectives) != 2 {
		return nil
	}
	// The study's own objectives and Pareto set, not worked out again here.
	thr := strings.TrimPrefix(sf.Metadata.ParetoObjectives[0], "max ")
	lat := strings.TrimPrefix(sf.Metadata.ParetoObjectives[1], "min ")
	// Parameters compared as compact JSON: the file indents them by depth.
	compact := func(raw json.RawMessage) string {
		var b bytes.Buffer
		json.Compact(&b, raw)
		return b.String()
	}
	onFront := map[string]bool{}
	for _, params := range sf.Pareto {
		onFront[compact(params)] = true
	}
	p := newPlot("Sweep: throughput against latency (Pareto front joined)", strings.ReplaceAll(thr, "_", " ")+" (requests/s)",
		strings.ReplaceAll(lat, "_", " ")+" (ms)")
	var all, front plotter.XYs
	var names []string
	for _, c := range sf.PerCombination {
		x, ok1 := c.Metrics[thr]
		y, ok2 := c.Metrics[lat]
		if !ok1 || !ok2 {
			continue
		}
		all = append(all, plotter.XY{X: x.Mean, Y: y.Mean})
		names = append(names, c.Label)
		if onFront[compact(c.Parameters)] {
			front = append(front, plotter.XY{X: x.Mean, Y: y.Mean})
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

// series plots one scraped metric over time (Run.Scraped), per run.
func series(runs []*Run, source, metric, title string) *plot.Plot {
	p := newPlot(title, "seconds since the first request", metric)
	drawn := false
	for i, r := range runs {
		pts := r.Scraped(source, metric)
		if len(pts) < 2 {
			continue
		}
		if line(p, i, r.Label, xys(pts)) {
			drawn = true
		}
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
			l, err := plotter.NewLine(xys(pts))
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
