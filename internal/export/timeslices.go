package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"time"

	"github.com/sonde-bench/sonde/internal/metrics"
)

// TimeslicesJSON renders the time slices as AIPerf's timeslice export:
// {"timeslices": [{"timeslice_index": k, "start_time", "end_time", <tag>:
// {unit, avg, …}}, …]}, each metric in the summary's shape.
func TimeslicesJSON(ss []metrics.Slice) []byte {
	items := make([]json.RawMessage, 0, len(ss))
	for _, s := range ss {
		o := newOrdered()
		o.add("timeslice_index", s.Index)
		o.add("start_time", ISOTime(time.Unix(0, s.StartNs)))
		o.add("end_time", ISOTime(time.Unix(0, s.EndNs)))
		for i := range s.Summary.Metrics {
			o.add(s.Summary.Metrics[i].Def.Tag, statsJSON(&s.Summary.Metrics[i]))
		}
		items = append(items, o.bytes())
	}
	o := newOrdered()
	o.add("timeslices", items)
	var out bytes.Buffer
	json.Indent(&out, o.bytes(), "", "  ")
	out.WriteByte('\n')
	return out.Bytes()
}

// TimeslicesCSV is one row per slice and metric: Timeslice, Metric (with
// its unit), avg, min, max, the percentiles and std; a scalar has avg only.
func TimeslicesCSV(ss []metrics.Slice) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"Timeslice", "Metric", "avg", "min", "max", "p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "std"})
	for _, s := range ss {
		for i := range s.Summary.Metrics {
			r := &s.Summary.Metrics[i]
			row := []string{strconv.Itoa(s.Index), r.Def.Label(), csvNumber(r.Value())}
			if r.Integer {
				row[2] = strconv.FormatInt(r.Exact, 10)
			}
			if !r.Scalar {
				row = append(row, csvNumber(r.Stats.Min), csvNumber(r.Stats.Max))
				for _, p := range r.Stats.P {
					row = append(row, csvNumber(p))
				}
				row = append(row, csvNumber(r.Stats.Std))
			} else {
				row = append(row, make([]string, 12)...) // every row has every column
			}
			w.Write(row)
		}
	}
	w.Flush()
	return buf.Bytes()
}
