package export

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/sonde-bench/sonde/internal/metrics"
)

// Title is the console table's title.
const Title = "sonde | LLM Metrics"

// cell formats like AIPerf's console: thousands separators, two decimals.
func cell(x float64, ok bool) string {
	if !ok || math.IsNaN(x) || math.IsInf(x, 0) {
		return "N/A"
	}
	s := strconv.FormatFloat(math.Abs(x), 'f', 2, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if x < 0 {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String() + "." + frac
}

// resultRow is a metric's console row: statistics, or the value alone for a
// scalar (counts whole).
func resultRow(r *metrics.Result) []string {
	if r.Scalar {
		v := cell(r.Value(), true)
		if r.Integer {
			v = cell(float64(r.Exact), true)
			v = v[:len(v)-3]
		}
		return []string{consoleLabel(r.Def), v, "N/A", "N/A", "N/A", "N/A", "N/A", "N/A"}
	}
	st := &r.Stats
	return []string{consoleLabel(r.Def), cell(st.Avg, true), cell(st.Min, true), cell(st.Max, true),
		cell(st.Pct(99), true), cell(st.Pct(90), true), cell(st.Pct(50), true), cell(st.Std, true)}
}

// consoleLabel puts the unit on its own line for long headers, as AIPerf.
func consoleLabel(d *metrics.Def) string {
	if len(d.Header) > 30 && d.Unit != "" {
		return d.Header + "\n(" + d.Unit + ")"
	}
	return d.Label()
}

// Console writes the metrics table, the per-turn table for multi-turn runs,
// and the error summary.
func Console(w io.Writer, s *metrics.Summary) {
	title := Title
	if s.Title != "" {
		title = "sonde | " + s.Title
	}
	t := &table{title: title, headers: []string{"Metric", "avg", "min", "max", "p99", "p90", "p50", "std"}}
	for i := range s.Metrics {
		r := &s.Metrics[i]
		if r.Def.Has(metrics.NoConsole|metrics.ErrorOnly) || r.Def.Order == 0 {
			continue
		}
		t.rows = append(t.rows, resultRow(r))
	}
	fmt.Fprintln(w)
	t.render(w)
	if t := extraTable(s); len(t.rows) > 0 {
		fmt.Fprintln(w)
		t.render(w)
	}
	if len(s.Turns) > 1 {
		fmt.Fprintln(w)
		turnTable(s).render(w)
	}
	if len(s.Errors) > 0 {
		fmt.Fprintln(w)
		e := &table{title: "sonde | Error Summary", headers: []string{"Code", "Type", "Message", "Count"}, left: map[int]bool{1: true, 2: true}}
		for _, ec := range s.Errors {
			msg := ec.Error.Message
			if len(msg) > 80 {
				msg = msg[:77] + "..."
			}
			code := ""
			if ec.Error.Code != 0 {
				code = strconv.Itoa(ec.Error.Code)
			}
			e.rows = append(e.rows, []string{code, ec.Error.Type, msg, strconv.Itoa(ec.Count)})
		}
		e.render(w)
	}
}

// extraTags are sonde's additions shown in their own table: latency from the
// intended send time (no coordinated omission), sessions, prefix cache.
var extraTags = []string{"schedule_lag", "effective_time_to_first_token", "effective_latency",
	"session_duration", "session_turns", "think_time", "session_throughput",
	"usage_prompt_cache_read_tokens", "expected_cached_tokens", "overall_usage_prompt_cache_read_pct",
	"expected_prompt_cache_pct", "ttft_per_uncached_token"}

func extraTable(s *metrics.Summary) *table {
	t := &table{title: "sonde | Intended-Time Latency, Sessions, Prefix Cache", headers: []string{"Metric", "avg", "min", "max", "p99", "p90", "p50", "std"}}
	for _, tag := range extraTags {
		r, ok := s.Lookup(tag)
		if !ok {
			continue
		}
		t.rows = append(t.rows, resultRow(r))
	}
	return t
}

// traceTags are the HTTP phases, k6's names, in the order a request
// goes through them (--show-trace-timing).
var traceTags = []string{"http_req_blocked", "http_req_dns_lookup", "http_req_connecting", "http_req_sending", "http_req_waiting",
	"http_req_receiving", "http_req_duration", "http_req_connection_overhead", "http_req_total"}

// TraceTiming prints the HTTP phases of the requests (AIPerf's
// --show-trace-timing): where each request's time went before and after
// the server answered.
func TraceTiming(w io.Writer, s *metrics.Summary) {
	t := &table{title: "sonde | HTTP Trace Timing", headers: []string{"Metric", "avg", "min", "max", "p99", "p90", "p50", "std"}}
	for _, tag := range traceTags {
		if r, ok := s.Lookup(tag); ok {
			t.rows = append(t.rows, resultRow(r))
		}
	}
	if len(t.rows) > 0 {
		fmt.Fprintln(w)
		t.render(w)
	}
}

// Warnings prints each warning as a console paragraph.
func Warnings(w io.Writer, warnings []string) {
	for _, m := range warnings {
		fmt.Fprintf(w, "\nWARNING: %s\n", m)
	}
}

// turnTable is sonde's per-turn breakdown: how TTFT and latency grow as the
// history does.
func turnTable(s *metrics.Summary) *table {
	cols := []struct {
		tag, name string
		pct       float64 // 0: avg
	}{
		{"time_to_first_token", "TTFT avg\n(ms)", 0}, {"time_to_first_token", "TTFT p99\n(ms)", 99},
		{"inter_token_latency", "ITL avg\n(ms)", 0},
		{"request_latency", "Latency avg\n(ms)", 0}, {"request_latency", "Latency p99\n(ms)", 99},
		{"input_sequence_length", "ISL avg\n(tokens)", 0}, {"output_sequence_length", "OSL avg\n(tokens)", 0},
		{"usage_prompt_cache_read_tokens", "Cached avg\n(tokens)", 0}, {"expected_cached_tokens", "Expected\ncached avg", 0},
	}
	t := &table{title: "sonde | Per-Turn Metrics", headers: []string{"Turn", "Requests", "Errors"}}
	present := map[string]bool{}
	for _, tr := range s.Turns {
		for i := range tr.Metrics {
			present[tr.Metrics[i].Def.Tag] = true
		}
	}
	var used []int
	for i, c := range cols {
		if present[c.tag] {
			used = append(used, i)
			t.headers = append(t.headers, c.name)
		}
	}
	for _, tr := range s.Turns {
		row := []string{strconv.Itoa(tr.TurnIndex), strconv.Itoa(tr.Requests), strconv.Itoa(tr.Errors)}
		for _, i := range used {
			c := cols[i]
			var v float64
			ok := false
			for j := range tr.Metrics {
				if tr.Metrics[j].Def.Tag == c.tag {
					ok = true
					v = tr.Metrics[j].Stats.Avg
					if c.pct > 0 {
						v = tr.Metrics[j].Stats.Pct(c.pct)
					}
				}
			}
			row = append(row, cell(v, ok))
		}
		t.rows = append(t.rows, row)
	}
	return t
}
