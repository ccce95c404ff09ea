package study

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
)

type combination struct {
	Label        string                `json:"label"`
	Parameters   map[string]any        `json:"parameters"`
	ArtifactDirs []string              `json:"artifact_dirs"`
	Metrics      map[string]Confidence `json:"metrics"`
}

type best struct {
	Parameters map[string]any `json:"parameters"`
	Label      string         `json:"label"`
	Metric     float64        `json:"metric"`
	Unit       string         `json:"unit"`
}

type sweepParam struct {
	Name   string `json:"name"`
	Values []any  `json:"values"`
}

type sweepFile struct {
	SchemaVersion string `json:"schema_version"`
	Metadata      struct {
		AggregationType   string       `json:"aggregation_type"`
		SweepParameters   []sweepParam `json:"sweep_parameters"`
		NumCombinations   int          `json:"num_combinations"`
		NumTrialsPerValue int          `json:"num_trials_per_value"`
		SweepMode         string       `json:"sweep_mode"`
		ConfidenceLevel   float64      `json:"confidence_level"`
		ParetoObjectives  []string     `json:"pareto_objectives"`
	} `json:"metadata"`
	PerCombination []combination    `json:"per_combination_metrics"`
	Best           map[string]best  `json:"best_configurations"`
	Pareto         []map[string]any `json:"pareto_optimal"`
}

// The sweep's objectives: throughput up, tail latency down (TTFT p99 when
// streaming, request latency p99 otherwise), as AIPerf's Pareto analysis.
const throughputKey = "request_throughput_avg"

func latencyKey(c *combination) string {
	if _, ok := c.Metrics["time_to_first_token_p99"]; ok {
		return "time_to_first_token_p99"
	}
	return "request_latency_p99"
}

func (s *sweepStudy) writeSweep() error {
	var f sweepFile
	f.SchemaVersion = AggregateSchema
	m := &f.Metadata
	m.AggregationType, m.NumCombinations, m.NumTrialsPerValue = "sweep", len(s.variations), s.trials()
	m.SweepMode, m.ConfidenceLevel = s.base.SweepMode, s.base.ConfidenceLevel
	for _, p := range s.variations[0].Params {
		sp := sweepParam{Name: p.Name}
		seen := map[any]bool{}
		for _, v := range s.variations {
			for _, q := range v.Params {
				if q.Name == p.Name && !seen[q.Value] {
					seen[q.Value] = true
					sp.Values = append(sp.Values, q.Value)
				}
			}
		}
		m.SweepParameters = append(m.SweepParameters, sp)
	}
	for i, v := range s.variations {
		c := combination{Label: v.Label, Parameters: map[string]any{}, Metrics: map[string]Confidence{}}
		for _, p := range v.Params {
			c.Parameters[p.Name] = p.Value
		}
		var heads []map[string]Value
		for _, r := range successful(s.results[i]) {
			c.ArtifactDirs = append(c.ArtifactDirs, r.Dir)
			heads = append(heads, r.headlines)
		}
		if len(heads) == 0 {
			continue // every run of this value failed
		}
		c.Metrics = confideAll(heads, s.base.ConfidenceLevel)
		f.PerCombination = append(f.PerCombination, c)
	}
	if len(f.PerCombination) == 0 {
		return nil
	}
	lat := latencyKey(&f.PerCombination[0])
	m.ParetoObjectives = []string{"max " + throughputKey, "min " + lat}
	f.Best = map[string]best{}
	pick := func(name, key string, larger bool) {
		var b *combination
		for i := range f.PerCombination {
			c := &f.PerCombination[i]
			x, ok := c.Metrics[key]
			if !ok {
				continue
			}
			if y, ok := b.value(key); b == nil || !ok || larger && x.Mean > y || !larger && x.Mean < y {
				b = c
			}
		}
		if b != nil {
			f.Best[name] = best{Parameters: b.Parameters, Label: b.Label, Metric: b.Metrics[key].Mean, Unit: b.Metrics[key].Unit}
		}
	}
	pick("best_throughput", throughputKey, true)
	pick("best_output_token_throughput", "output_token_throughput_avg", true)
	pick("best_latency_p99", lat, false)
	pareto := paretoFront(f.PerCombination, lat)
	for _, i := range pareto {
		f.Pareto = append(f.Pareto, f.PerCombination[i].Parameters)
	}
	dir := filepath.Join(s.dir, "sweep_aggregate")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	printSweep(s.e.Stdout, &f, pareto, lat)
	return errors.Join(
		writeJSON(filepath.Join(dir, "profile_export_aiperf_sweep.json"), f),
		export.WriteFile(filepath.Join(dir, "profile_export_aiperf_sweep.csv"), sweepCSV(&f, pareto, lat)))
}

func (c *combination) value(key string) (float64, bool) {
	if c == nil {
		return 0, false
	}
	x, ok := c.Metrics[key]
	return x.Mean, ok
}

// paretoFront are the combinations no other beats on both objectives (at
// least as good on each, better on one).
func paretoFront(cs []combination, lat string) []int {
	var out []int
	for i := range cs {
		ti, ok1 := cs[i].value(throughputKey)
		li, ok2 := cs[i].value(lat)
		if !ok1 || !ok2 {
			continue
		}
		dominated := false
		for j := range cs {
			tj, ok1 := cs[j].value(throughputKey)
			lj, ok2 := cs[j].value(lat)
			if i != j && ok1 && ok2 && tj >= ti && lj <= li && (tj > ti || lj < li) {
				dominated = true
				break
			}
		}
		if !dominated {
			out = append(out, i)
		}
	}
	return out
}

// sweepColumns are the headline numbers of the sweep CSV and table.
func sweepColumns() []string {
	var out []string
	for _, h := range metrics.Headlines(metrics.InSweep) {
		out = append(out, h.Key())
	}
	return out
}

func sweepCSV(f *sweepFile, pareto []int, lat string) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	var header []string
	for _, p := range f.Metadata.SweepParameters {
		header = append(header, p.Name)
	}
	w.Write(append(append(header, sweepColumns()...), "pareto_optimal"))
	for i, c := range f.PerCombination {
		var row []string
		for _, p := range f.Metadata.SweepParameters {
			row = append(row, fmt.Sprint(c.Parameters[p.Name]))
		}
		for _, k := range sweepColumns() {
			if x, ok := c.Metrics[k]; ok {
				row = append(row, num(x.Mean))
			} else {
				row = append(row, "")
			}
		}
		w.Write(append(row, fmt.Sprint(contains(pareto, i))))
	}
	w.Flush()
	return buf.Bytes()
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// printSweep is the console table of a sweep: one line per value.
func printSweep(w interface{ Write([]byte) (int, error) }, f *sweepFile, pareto []int, lat string) {
	fmt.Fprintln(w, "\nsonde | Sweep (means over runs; * = Pareto optimal: max request throughput, min "+lat+")")
	tw := tabwriter.NewWriter(w, 2, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "value\treq/s\ttokens/s\tTTFT p99 (ms)\tlatency p99 (ms)\terrors (%)\t\t")
	for i, c := range f.PerCombination {
		mark := ""
		if contains(pareto, i) {
			mark = "*"
		}
		cell := func(k string) string {
			if x, ok := c.Metrics[k]; ok {
				return fmt.Sprintf("%.2f", x.Mean)
			}
			return "N/A"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", c.Label, cell("request_throughput_avg"), cell("output_token_throughput_avg"),
			cell("time_to_first_token_p99"), cell("request_latency_p99"), cell("request_error_rate_avg"), mark)
	}
	tw.Flush()
}
