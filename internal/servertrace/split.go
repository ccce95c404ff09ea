package servertrace

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"text/tabwriter"

	"github.com/sonde-bench/sonde/internal/metrics"
)

// Split is one request's TTFT in parts that add up to it exactly (ns).
// The client's parts are on sonde's clock, the server's are durations the
// server measured on its own; no part compares two machines' clocks.
type Split struct {
	RequestID, TraceID string
	// TTFT is sonde's: the request's start to its first content.
	TTFT int64
	// ClientSend: the start to the request fully written (sonde's side).
	ClientSend int64
	// Network is what neither side's clock covers: the network both ways,
	// proxies and gateways, the server's HTTP front before its clock
	// starts, and the first token's way from the engine to the socket.
	// It is TTFT less every other part, so the parts always add up.
	Network int64
	// Input: the server's arrival to its queue (tokenizing, templating):
	// the server's TTFT less its queue and prefill.
	Input int64
	// Queue: waiting to be scheduled (vLLM's time_in_queue).
	Queue int64
	// Prefill: scheduled to the first token (vLLM's time_in_model_prefill).
	Prefill int64
	// ServerTTFT and ServerE2E are the server's own (0 when absent).
	ServerTTFT, ServerE2E int64
}

// SplitTTFT splits a TTFT of ttft ns whose request took send ns to write,
// by the server's span of it.
func SplitTTFT(ttft, send int64, s Span) Split {
	ns := func(sec float64) int64 {
		if math.IsNaN(sec) || sec < 0 {
			return 0
		}
		return int64(math.Round(sec * 1e9))
	}
	sp := Split{TTFT: ttft, ClientSend: send, ServerTTFT: ns(s.TTFT), ServerE2E: ns(s.E2E), Queue: ns(s.Queue), Prefill: ns(s.Prefill)}
	sp.Input = sp.ServerTTFT - sp.Queue - sp.Prefill
	sp.Network = ttft - send - sp.ServerTTFT
	return sp
}

// parts are the split's parts in the order a request meets them.
var parts = []struct {
	Key, Label string
	get        func(*Split) int64
}{
	{"client_send", "client send", func(s *Split) int64 { return s.ClientSend }},
	{"network", "network & front", func(s *Split) int64 { return s.Network }},
	{"input", "server input", func(s *Split) int64 { return s.Input }},
	{"queue", "queue", func(s *Split) int64 { return s.Queue }},
	{"prefill", "prefill", func(s *Split) int64 { return s.Prefill }},
	{"ttft", "TTFT", func(s *Split) int64 { return s.TTFT }},
}

// Stats are one part's statistics over the joined requests, in ms.
type Stats struct {
	Avg      float64 `json:"avg"`
	P50      float64 `json:"p50"`
	P90      float64 `json:"p90"`
	P99      float64 `json:"p99"`
	SharePct float64 `json:"share_pct"` // of the mean TTFT
}

// Summary is the split over a run: how many requests were joined to a
// server span, and each part's statistics.
type Summary struct {
	Requests int              `json:"requests"` // successful requests that carried a trace id
	Joined   int              `json:"joined"`   // of which the server sent a span
	Spans    int64            `json:"spans_received"`
	Unit     string           `json:"unit"`
	Parts    map[string]Stats `json:"parts"`
}

// Summarize computes the statistics of splits (requests is how many could
// have been joined).
func Summarize(splits []Split, requests int, spans int64) *Summary {
	s := &Summary{Requests: requests, Joined: len(splits), Spans: spans, Unit: "ms", Parts: map[string]Stats{}}
	if len(splits) == 0 {
		return s
	}
	var ttft float64
	for _, p := range parts {
		v := make([]float64, len(splits))
		var sum float64
		for i := range splits {
			v[i] = float64(p.get(&splits[i])) / 1e6
			sum += v[i]
		}
		slices.Sort(v)
		st := Stats{Avg: sum / float64(len(v)), P50: metrics.Percentile(v, 50), P90: metrics.Percentile(v, 90), P99: metrics.Percentile(v, 99)}
		if p.Key == "ttft" {
			ttft = st.Avg
		}
		s.Parts[p.Key] = st
	}
	for k, st := range s.Parts {
		if ttft > 0 {
			st.SharePct = 100 * st.Avg / ttft
			s.Parts[k] = st
		}
	}
	return s
}

// Print is the console's section.
func (s *Summary) Print(w io.Writer) {
	fmt.Fprintf(w, "\nsonde | TTFT split by the server's spans (%d of %d requests joined)\n", s.Joined, s.Requests)
	if s.Joined == 0 {
		fmt.Fprintf(w, "  no span of the server carried a request's trace id (%d spans received)\n", s.Spans)
		return
	}
	tw := tabwriter.NewWriter(w, 2, 0, 2, ' ', tabwriter.AlignRight)
	for _, row := range s.rows() {
		for _, c := range row {
			fmt.Fprint(tw, c+"\t")
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

func (s *Summary) rows() [][]string {
	rows := [][]string{{"part (ms)", "avg", "p50", "p90", "p99", "share of TTFT (%)"}}
	for _, p := range parts {
		st, ok := s.Parts[p.Key]
		if !ok {
			continue
		}
		rows = append(rows, []string{p.Label, f2(st.Avg), f2(st.P50), f2(st.P90), f2(st.P99), fmt.Sprintf("%.1f", st.SharePct)})
	}
	return rows
}

func f2(x float64) string { return fmt.Sprintf("%.2f", x) }

// CSV is the split's section of the summary CSV.
func (s *Summary) CSV() []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"ttft_split_joined", fmt.Sprint(s.Joined), "of", fmt.Sprint(s.Requests)})
	if s.Joined > 0 {
		w.WriteAll(s.rows())
	}
	w.Flush()
	return buf.Bytes()
}
