package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/sonde-bench/sonde/internal/metrics"
)

// Replica is one server of a run over several --url: its own summary.
type Replica struct {
	URL     string // redacted
	Summary *metrics.Summary
}

// replicaTags are the metrics each replica's entry carries.
var replicaTags = []string{"time_to_first_token", "inter_token_latency", "request_latency", "output_token_throughput",
	"request_throughput", "input_sequence_length", "output_sequence_length"}

// Fleet is the view over the replicas: each one's share of the requests and
// its headline metrics, and how unevenly the load and TTFT fell on them
// (max over mean: 1 is perfectly even).
type Fleet struct {
	Replicas         []Replica
	RequestImbalance float64 // max/mean of the replicas' request counts
	TTFTP50Imbalance float64 // max/mean of their TTFT p50 (NaN without streaming)
	totalRequests    int
}

// NewFleet computes the imbalance indexes of the replicas' summaries.
func NewFleet(rs []Replica) *Fleet {
	f := &Fleet{Replicas: rs}
	var counts, ttfts []float64
	for _, r := range rs {
		counts = append(counts, float64(r.Summary.RequestCount))
		f.totalRequests += r.Summary.RequestCount
		if t, ok := r.Summary.Lookup("time_to_first_token"); ok {
			ttfts = append(ttfts, t.Stats.Pct(50))
		}
	}
	f.RequestImbalance = maxOverMean(counts)
	f.TTFTP50Imbalance = maxOverMean(ttfts)
	return f
}

func maxOverMean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	sum, most := 0.0, xs[0]
	for _, x := range xs {
		sum += x
		most = max(most, x)
	}
	if sum == 0 {
		return 0
	}
	return most / (sum / float64(len(xs)))
}

func (f *Fleet) share(r Replica) float64 {
	if f.totalRequests == 0 {
		return 0
	}
	return float64(r.Summary.RequestCount) / float64(f.totalRequests) * 100
}

// JSON is sonde.replicas: one entry per URL, its metrics in the summary's
// own shape, and the imbalance indexes.
func (f *Fleet) JSON() json.RawMessage {
	items := make([]json.RawMessage, 0, len(f.Replicas))
	for _, r := range f.Replicas {
		items = append(items, partJSON("url", r.URL, r.Summary, func(o *orderedJSON) { o.add("request_share_pct", f.share(r)) }))
	}
	o := newOrdered()
	o.add("replicas", items)
	o.add("request_imbalance", f.RequestImbalance)
	if f.TTFTP50Imbalance > 0 {
		o.add("ttft_p50_imbalance", f.TTFTP50Imbalance)
	}
	return o.bytes()
}

// cells are a replica's row: requests, share, TTFT p50/p99, latency p50,
// output tokens/s.
func (f *Fleet) cells(r Replica) []string {
	return append([]string{r.URL, fmt.Sprint(r.Summary.RequestCount), fmt.Sprintf("%.1f", f.share(r))}, headlineCells(r.Summary)...)
}

// headlineCells are a part's TTFT p50 and p99, latency p50 and output
// tokens/s, as the replicas' and phases' tables show them.
func headlineCells(s *metrics.Summary) []string {
	stat := func(tag string, q float64) string {
		m, ok := s.Lookup(tag)
		if !ok {
			return "N/A"
		}
		if m.Scalar {
			return fmt.Sprintf("%.2f", m.Value())
		}
		return fmt.Sprintf("%.2f", m.Stats.Pct(q))
	}
	return []string{stat("time_to_first_token", 50), stat("time_to_first_token", 99), stat("request_latency", 50), stat("output_token_throughput", 0)}
}

// headlineHeader names headlineCells.
var headlineHeader = []string{"TTFT p50 (ms)", "TTFT p99 (ms)", "latency p50 (ms)", "output tokens/s"}

// printTable writes rows under a header, aligned right.
func printTable(w io.Writer, header []string, rows [][]string) {
	tw := tabwriter.NewWriter(w, 2, 0, 2, ' ', tabwriter.AlignRight)
	for _, row := range append([][]string{header}, rows...) {
		for _, c := range row {
			fmt.Fprint(tw, c+"\t")
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

// partJSON is a part's entry: its name under key, its counts, the extra
// fields, then the tags' metrics in the summary's own shape.
func partJSON(key, name string, s *metrics.Summary, extra func(o *orderedJSON)) json.RawMessage {
	o := newOrdered()
	o.add(key, name)
	o.add("request_count", s.RequestCount)
	o.add("error_request_count", s.ErrorCount)
	if extra != nil {
		extra(o)
	}
	for _, tag := range replicaTags {
		if m, ok := s.Lookup(tag); ok {
			o.add(tag, statsJSON(m))
		}
	}
	return o.bytes()
}

var fleetHeader = append([]string{"url", "requests", "share (%)"}, headlineHeader...)

// Print is the console's replicas section.
func (f *Fleet) Print(w io.Writer) {
	fmt.Fprintf(w, "\nsonde | Replicas (%d URLs; imbalance, max over mean: requests %.2f", len(f.Replicas), f.RequestImbalance)
	if f.TTFTP50Imbalance > 0 {
		fmt.Fprintf(w, ", TTFT p50 %.2f", f.TTFTP50Imbalance)
	}
	fmt.Fprintln(w, ")")
	printTable(w, fleetHeader, f.rows())
}

func (f *Fleet) rows() [][]string {
	var out [][]string
	for _, r := range f.Replicas {
		out = append(out, f.cells(r))
	}
	return out
}

// CSV is the replicas' section of the summary CSV.
func (f *Fleet) CSV() []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(fleetHeader)
	w.WriteAll(f.rows())
	w.Write([]string{"request_imbalance", fmt.Sprintf("%.4f", f.RequestImbalance)})
	if f.TTFTP50Imbalance > 0 {
		w.Write([]string{"ttft_p50_imbalance", fmt.Sprintf("%.4f", f.TTFTP50Imbalance)})
	}
	w.Flush()
	return buf.Bytes()
}
