// Package report writes one self-contained HTML page of one or more runs:
// the configuration, the headline table, interactive charts (hover values,
// series toggled from the legend), errors, per-turn and per-session tables,
// and several runs side by side. The page is built from a Go template with
// the chart script embedded in the binary; it loads nothing from anywhere,
// so it works from a file:// URL and as an attachment.
package report

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/plot"
)

//go:embed report.tmpl
var pageTemplate string

//go:embed report.js
var chartScript string

// Budgets keep the page small: a 10,000-request run stays well under 2 MB
// (with the timeline's plot.TimelineSessions lanes).
const (
	cdfPoints     = 200  // per series
	scatterPoints = 1500 // per series
)

type stat struct{ Avg, P50, P99 string }

type turnRow struct {
	Turn, Requests, Errors           int
	TTFT, TTFTP99, Latency, ISL, OSL string
}

type errRow struct {
	Type, Message string
	Code, Count   int
}

type runView struct {
	Label, Command, Config string
	Headline               map[string]*stat
	Turns                  []turnRow
	Sessions               []struct{ Name, Avg, P50, P99 string }
	Errors                 []errRow
	Warnings               []string
}

// Series is one line, set of points or of segments ([x1, y, x2]).
type Series struct {
	Name   string      `json:"name"`
	Points [][]float64 `json:"points"`
	Width  float64     `json:"width,omitempty"`
}

// Chart is one chart of the page.
type Chart struct {
	ID     string   `json:"id"`
	Title  string   `json:"-"`
	Note   string   `json:"-"`
	Kind   string   `json:"kind"` // line, scatter, segments
	X      string   `json:"x"`
	Y      string   `json:"y"`
	Series []Series `json:"series"`
}

type page struct {
	Title, Version, Generated string
	Notes                     []string
	Metrics                   []string
	Runs                      []runView
	Charts                    []Chart
	Data                      any
	Script                    template.JS
}

// headlineTags are the metrics of the headline table, in order.
var headlineTags = []string{"time_to_first_token", "time_to_second_token", "inter_token_latency", "request_latency",
	"output_token_throughput_per_user", "input_sequence_length", "output_sequence_length", "output_token_throughput",
	"request_throughput", "goodput", "request_count", "error_request_count", "benchmark_duration"}

// Write writes the page of the runs in dirs to path.
func Write(dirs []string, path, version string) error {
	p := page{Title: "sonde report", Version: version, Generated: time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		Metrics: headlineTags, Script: template.JS(chartScript)}
	var runs []*plot.Run
	for _, d := range dirs {
		r, err := plot.Load(d, "")
		if err != nil {
			return err
		}
		v, err := view(d, r.Label)
		if err != nil {
			return err
		}
		runs, p.Runs = append(runs, r), append(p.Runs, v)
	}
	if len(dirs) == 1 {
		p.Title = "sonde report: " + p.Runs[0].Label
	} else {
		p.Title = fmt.Sprintf("sonde report: %d runs compared", len(dirs))
	}
	p.Charts, p.Notes = charts(runs)
	p.Data = map[string]any{"charts": p.Charts}
	t, err := template.New("report").Parse(pageTemplate)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := t.Execute(f, p); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func num(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return ""
	}
	return strconv.FormatFloat(x, 'f', 2, 64)
}

// view reads what a run's summary says (through export.RunDir); a folder
// without one (a sweep's) has charts only.
func view(dir, label string) (runView, error) {
	v := runView{Label: label, Headline: map[string]*stat{}}
	rd, err := export.Open(dir, "")
	if err != nil {
		return v, err
	}
	sum, err := rd.Summary()
	if errors.Is(err, os.ErrNotExist) {
		return v, nil
	}
	if err != nil {
		return v, err
	}
	for _, tag := range append(slices.Clone(headlineTags), "session_duration", "session_turns", "session_throughput", "think_time") {
		bl, ok := sum.Metrics[tag]
		if !ok {
			continue
		}
		if slices.Contains(headlineTags, tag) {
			v.Headline[tag] = statOf(bl)
		} else {
			s := statOf(bl)
			v.Sessions = append(v.Sessions, struct{ Name, Avg, P50, P99 string }{tag, s.Avg, s.P50, s.P99})
		}
	}
	v.Command, v.Warnings = sum.RunInfo.CLICommand, sum.Sonde.Warnings
	for _, e := range sum.ErrorSummary {
		v.Errors = append(v.Errors, errRow{Type: e.Details.Type, Message: e.Details.Message, Code: e.Details.Code, Count: e.Count})
	}
	for _, t := range sum.Turns {
		field := func(tag, stat string) string {
			if x, ok := t.Metrics[tag].Value(stat); ok {
				return num(x)
			}
			return ""
		}
		v.Turns = append(v.Turns, turnRow{Turn: t.Index, Requests: t.Requests, Errors: t.Errors,
			TTFT: field("time_to_first_token", "avg"), TTFTP99: field("time_to_first_token", "p99"),
			Latency: field("request_latency", "avg"), ISL: field("input_sequence_length", "avg"), OSL: field("output_sequence_length", "avg")})
	}
	var pretty any
	if json.Unmarshal(sum.InputConfig, &pretty) == nil && len(sum.InputConfig) > 2 {
		out, _ := json.MarshalIndent(pretty, "", "  ")
		v.Config = string(out)
	}
	return v, nil
}

// statOf is a metric's avg, p50 and p99 as the page shows them ("" when
// absent).
func statOf(b export.MetricBlock) *stat {
	s := &stat{}
	for _, f := range []struct {
		dst  *string
		stat string
	}{{&s.Avg, "avg"}, {&s.P50, "p50"}, {&s.P99, "p99"}} {
		if x, ok := b.Value(f.stat); ok {
			*f.dst = num(x)
		}
	}
	return s
}
