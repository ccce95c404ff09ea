package telemetry

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// SchemaVersion versions the server-metrics and GPU-telemetry files.
const SchemaVersion = "1.0"

// ServerJSON is server_metrics_export.json.
func ServerJSON(r *Result) []byte {
	b, _ := json.MarshalIndent(struct {
		SchemaVersion string `json:"schema_version"`
		*Result
	}{SchemaVersion, r}, "", "  ")
	return append(b, '\n')
}

func labelString(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + l[k]
	}
	return strings.Join(parts, ",")
}

func f(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

// ServerCSV is server_metrics_export.csv: one row per series.
func ServerCSV(r *Result) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"endpoint", "metric", "type", "labels", "avg", "min", "max", "p50", "p90", "p99", "last", "delta", "rate_per_sec", "count_delta", "sum_delta"})
	for _, e := range r.Endpoints {
		for _, m := range e.Metrics {
			for _, s := range m.Series {
				w.Write([]string{e.URL, m.Name, m.Type, labelString(s.Labels), f(s.Avg), f(s.Min), f(s.Max), f(s.P50), f(s.P90), f(s.P99),
					f(s.Last), f(s.Delta), f(s.Rate), f(s.Count), f(s.Sum)})
			}
		}
	}
	w.Flush()
	return buf.Bytes()
}

// WriteScrape appends a scrape as one server_metrics_export.jsonl line
// (AIPerf's shape): endpoint_url, timestamp_ns, endpoint_latency_ns, and
// metrics by name, each a list of {labels, value} or {labels, histogram,
// sum, count}.
func WriteScrape(w io.Writer, s *Scrape) error {
	metrics := map[string][]map[string]any{}
	for _, fam := range s.Families {
		for _, smp := range fam.Samples {
			v := map[string]any{"labels": smp.Labels}
			switch {
			case smp.Buckets != nil:
				h := map[string]float64{}
				for _, b := range smp.Buckets {
					h[b.label()] = b.Count
				}
				v["histogram"], v["sum"], v["count"] = h, smp.Sum, smp.Count
			case smp.Quantiles != nil:
				v["summary"], v["sum"], v["count"] = smp.Quantiles, smp.Sum, smp.Count
			default:
				v["value"] = smp.Value
			}
			metrics[fam.Name] = append(metrics[fam.Name], v)
		}
	}
	b, err := json.Marshal(map[string]any{"endpoint_url": s.Endpoint, "timestamp_ns": s.TimeNs, "endpoint_latency_ns": s.LatencyNs, "metrics": metrics})
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// GPUJSON is gpu_telemetry_export.json.
func GPUJSON(gpus []GPU, joules, watts float64) []byte {
	type gpuOut struct {
		Endpoint string `json:"endpoint_url"`
		GPU
	}
	out := make([]gpuOut, len(gpus))
	for i, g := range gpus {
		out[i] = gpuOut{g.Endpoint, g}
	}
	b, _ := json.MarshalIndent(map[string]any{"schema_version": SchemaVersion, "total_gpu_energy_j": joules,
		"total_gpu_power_w": watts, "gpus": out}, "", "  ")
	return append(b, '\n')
}

// ParseGPUJSON reads gpu_telemetry_export.json back: its GPUs, each with
// its endpoint.
func ParseGPUJSON(b []byte) ([]GPU, error) {
	var doc struct {
		GPUs []struct {
			Endpoint string `json:"endpoint_url"`
			GPU
		} `json:"gpus"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	out := make([]GPU, len(doc.GPUs))
	for i, g := range doc.GPUs {
		out[i] = g.GPU
		out[i].Endpoint = g.Endpoint
	}
	return out, nil
}

// GPUCSV is gpu_telemetry_export.csv: one row per GPU and metric.
func GPUCSV(gpus []GPU) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"endpoint", "gpu_index", "gpu_uuid", "metric", "unit", "avg", "min", "max", "p50", "p90", "p99"})
	for _, g := range gpus {
		names := make([]string, 0, len(g.Metrics))
		for n := range g.Metrics {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			m := g.Metrics[n]
			w.Write([]string{g.Endpoint, fmt.Sprint(g.Index), g.UUID, n, m.Unit, strconv.FormatFloat(m.Avg, 'f', -1, 64),
				f(m.Min), f(m.Max), f(m.P50), f(m.P90), f(m.P99)})
		}
	}
	w.Flush()
	return buf.Bytes()
}
