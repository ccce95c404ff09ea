package export

import (
	"bytes"
	"encoding/csv"
	"math"
	"sort"
	"strconv"

	"github.com/sonde-bench/sonde/internal/metrics"
)

// csvNumber formats reals like AIPerf, with two decimals; missing is empty.
// Integer results are printed whole by the caller.
func csvNumber(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return ""
	}
	return strconv.FormatFloat(x, 'f', 2, 64)
}

// SummaryCSV renders profile_export_aiperf.csv: the metrics with
// percentiles, sorted by tag, then a blank line and the scalar metrics.
func SummaryCSV(s *metrics.Summary) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	rs := append([]metrics.Result(nil), s.Metrics...)
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Def.Tag < rs[j].Def.Tag })
	w.Write([]string{"Metric", "avg", "min", "max", "p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "std"})
	for _, r := range rs {
		if r.Scalar {
			continue
		}
		row := []string{r.Def.Label(), csvNumber(r.Stats.Avg), csvNumber(r.Stats.Min), csvNumber(r.Stats.Max)}
		for _, p := range r.Stats.P {
			row = append(row, csvNumber(p))
		}
		w.Write(append(row, csvNumber(r.Stats.Std)))
	}
	w.Flush()
	buf.WriteString("\n")
	w.Write([]string{"Metric", "Value"})
	for _, r := range rs {
		if r.Scalar {
			v := csvNumber(r.Value())
			if r.Integer {
				v = strconv.FormatInt(r.Exact, 10)
			}
			w.Write([]string{r.Def.Label(), v})
		}
	}
	w.Flush()
	return buf.Bytes()
}

// TurnsCSV renders the per-turn breakdown: one row per turn index.
func TurnsCSV(s *metrics.Summary) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := []string{"Turn Index", "Requests", "Errors"}
	var tags []*metrics.Def
	seen := map[string]bool{}
	for _, t := range s.Turns {
		for i := range t.Metrics {
			if d := t.Metrics[i].Def; !seen[d.Tag] {
				seen[d.Tag] = true
				tags = append(tags, d)
			}
		}
	}
	for _, d := range tags {
		header = append(header, d.Label()+" avg", d.Label()+" p50", d.Label()+" p99")
	}
	w.Write(header)
	for _, t := range s.Turns {
		row := []string{strconv.Itoa(t.TurnIndex), strconv.Itoa(t.Requests), strconv.Itoa(t.Errors)}
		for _, d := range tags {
			var found *metrics.Result
			for i := range t.Metrics {
				if t.Metrics[i].Def.Tag == d.Tag {
					found = &t.Metrics[i]
				}
			}
			if found == nil {
				row = append(row, "", "", "")
				continue
			}
			row = append(row, csvNumber(found.Stats.Avg), csvNumber(found.Stats.Pct(50)), csvNumber(found.Stats.Pct(99)))
		}
		w.Write(row)
	}
	w.Flush()
	return buf.Bytes()
}
