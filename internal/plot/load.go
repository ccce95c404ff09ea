// Package plot draws a run's charts as PNG and SVG files, with no browser
// and no cgo (gonum/plot): latency distributions, metrics over time, the
// per-turn growth of multi-turn runs, a swim-lane timeline of sessions, a
// sweep's throughput against latency with its Pareto front, and the
// server's metrics and GPU power over time when they were collected.
// Several run folders on one chart compare them.
package plot

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

// Request is what the charts need of one record.
type Request struct {
	Session, Turn int
	StartS        float64 // since the run's first request, seconds
	FirstS, EndS  float64 // first token (0 if none) and end, seconds
	OK            bool
	Values        map[string]float64 // display units, by tag
	OSL           float64
}

// Requests are the run's profiling requests, by send time.
func (r *Run) Requests() []Request { return r.requests }

// Run is one run folder's data.
type Run struct {
	Label    string
	Dir      string
	requests []Request
	sweep    *sweepFile
	server   []serverPoint // from server_metrics_export.jsonl
	gpu      []serverPoint // from gpu_telemetry_export.jsonl
	slices   []slicePoint  // from profile_export_aiperf_timeslices.json
	split    []export.SplitLine
}

// slicePoint is one time slice's statistics of a metric.
type slicePoint struct {
	index         int
	tag           string
	p50, p99, avg float64
}

// serverPoint is one metric's value in one scrape.
type serverPoint struct {
	timeS float64
	name  string
	value float64
}

// sweepFile is what the chart needs of a sweep's aggregate: its values,
// and the Pareto set and objectives the study already worked out.
type sweepFile struct {
	Metadata struct {
		ParetoObjectives []string `json:"pareto_objectives"` // "max <key>", "min <key>"
	} `json:"metadata"`
	PerCombination []struct {
		Label      string          `json:"label"`
		Parameters json.RawMessage `json:"parameters"`
		Metrics    map[string]struct {
			Mean float64 `json:"mean"`
			Unit string  `json:"unit"`
		} `json:"metrics"`
	} `json:"per_combination_metrics"`
	Pareto []json.RawMessage `json:"pareto_optimal"`
}

var tags = []string{"time_to_first_token", "inter_token_latency", "request_latency", "input_sequence_length", "output_sequence_length"}

// Load reads what a folder has: a run's records, a sweep's aggregate,
// the server's scrapes. A folder with none of them is an error. prefix is
// the run's --profile-export-prefix ("" for AIPerf's names).
func Load(dir, prefix string) (*Run, error) {
	r := &Run{Label: filepath.Base(filepath.Clean(dir)), Dir: dir}
	rd, err := export.Open(dir, prefix)
	if err != nil {
		return nil, err
	}
	files := rd.Files
	if _, err := os.Stat(files.Records()); err == nil {
		var t0 float64
		_, err := rd.Records(func(rec *record.Record, v *metrics.Values) {
			if rec.Phase != record.PhaseProfiling {
				return
			}
			q := Request{Session: rec.SessionNum, Turn: rec.TurnIndex, StartS: float64(rec.StartWallNs) / 1e9,
				EndS: float64(rec.EndWallNs) / 1e9, OK: rec.Valid(), Values: map[string]float64{}}
			for _, tag := range tags {
				if i, ok := metrics.LookupRecordTag(tag); ok {
					if x, ok := v.Get(i); ok {
						q.Values[tag] = x * metrics.RecordDef(i).Scale
					}
				}
			}
			if ttft, ok := q.Values["time_to_first_token"]; ok {
				q.FirstS = q.StartS + ttft/1e3
			}
			q.OSL = q.Values["output_sequence_length"]
			r.requests = append(r.requests, q)
		})
		if err != nil {
			return nil, err
		}
		sort.Slice(r.requests, func(i, j int) bool { return r.requests[i].StartS < r.requests[j].StartS })
		if len(r.requests) > 0 {
			t0 = r.requests[0].StartS
		}
		for i := range r.requests {
			q := &r.requests[i]
			q.StartS -= t0
			q.EndS -= t0
			if q.FirstS > 0 {
				q.FirstS -= t0
			}
		}
		r.server = readScrapes(files.ServerMetricsJSONL(), t0)
		r.gpu = readScrapes(files.GPUTelemetryJSONL(), t0)
	}
	r.slices = readSlices(files.TimeslicesJSON())
	if r.split, err = rd.TTFTSplit(); err != nil {
		return nil, err
	}
	if b, err := os.ReadFile(filepath.Join(dir, "sweep_aggregate", "profile_export_aiperf_sweep.json")); err == nil {
		var sf sweepFile
		if err := json.Unmarshal(b, &sf); err != nil {
			return nil, fmt.Errorf("%s: %w", dir, err)
		}
		r.sweep = &sf
	}
	if len(r.requests) == 0 && r.sweep == nil {
		return nil, fmt.Errorf("%s holds neither profile_export.jsonl with requests nor a sweep's aggregate", dir)
	}
	return r, nil
}

// readScrapes reads a scrape-per-line export: the value of every series
// (summed over label sets) of each scrape, with its time since t0.
func readScrapes(path string, t0 float64) []serverPoint {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []serverPoint
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var line struct {
			TimeNs  int64                                 `json:"timestamp_ns"`
			Metrics map[string][]struct{ Value *float64 } `json:"metrics"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		for name, series := range line.Metrics {
			sum, ok := 0.0, false
			for _, s := range series {
				if s.Value != nil {
					sum += *s.Value
					ok = true
				}
			}
			if ok {
				out = append(out, serverPoint{timeS: float64(line.TimeNs)/1e9 - t0, name: name, value: sum})
			}
		}
	}
	return out
}

// Scraped is one scraped metric over the run ("server" or "gpu" scrapes),
// as (seconds since the first request, value) points.
func (r *Run) Scraped(source, metric string) [][2]float64 {
	pts := r.server
	if source == "gpu" {
		pts = r.gpu
	}
	var out [][2]float64
	for _, p := range pts {
		if p.name == metric && !math.IsNaN(p.value) && !math.IsInf(p.value, 0) {
			out = append(out, [2]float64{p.timeS, p.value})
		}
	}
	return out
}

// readSlices reads the per-slice statistics of the time slices export.
func readSlices(path string) []slicePoint {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var doc struct {
		Timeslices []map[string]json.RawMessage `json:"timeslices"`
	}
	if json.Unmarshal(b, &doc) != nil {
		return nil
	}
	var out []slicePoint
	for _, ts := range doc.Timeslices {
		var idx int
		json.Unmarshal(ts["timeslice_index"], &idx)
		for _, tag := range []string{"time_to_first_token", "request_latency", "inter_token_latency"} {
			var st struct{ Avg, P50, P99 *float64 }
			if json.Unmarshal(ts[tag], &st) == nil && st.P50 != nil && st.P99 != nil && st.Avg != nil {
				out = append(out, slicePoint{index: idx, tag: tag, p50: *st.P50, p99: *st.P99, avg: *st.Avg})
			}
		}
	}
	return out
}

// SliceSeries is a metric's p50 and p99 by time slice index, for the charts.
func (r *Run) SliceSeries(tag string) (p50, p99 [][2]float64) {
	for _, s := range r.slices {
		if s.tag == tag {
			p50 = append(p50, [2]float64{float64(s.index), s.p50})
			p99 = append(p99, [2]float64{float64(s.index), s.p99})
		}
	}
	return p50, p99
}
