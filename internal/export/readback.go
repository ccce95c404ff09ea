package export

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

// readLine is a profile_export.jsonl line as read back: metric values stay
// raw until their definition says what they are.
type readLine struct {
	Metadata recordMeta                 `json:"metadata"`
	Metrics  map[string]json.RawMessage `json:"metrics"`
	Error    *record.Error              `json:"error"`
}

// ReadRecords reads profile_export.jsonl back into records and their metric
// values, so every summary can be rebuilt from it alone (sonde summarize):
// a killed run keeps what it flushed. Times are wall-clock nanoseconds, used
// as the records' clock too. A line that does not parse is an error naming
// the file and line; a last line cut short by a kill is skipped and counted.
func ReadRecords(path string, fn func(r *record.Record, v *metrics.Values)) (truncated int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			var l readLine
			if jerr := json.Unmarshal(line, &l); jerr != nil {
				if err == io.EOF { // the last line, without its newline: cut by a kill
					return 1, nil
				}
				return 0, fmt.Errorf("%s:%d: %v", path, n, jerr)
			}
			r, v, cerr := rebuild(&l)
			if cerr != nil {
				return 0, fmt.Errorf("%s:%d: %v", path, n, cerr)
			}
			fn(r, v)
		}
		if err == io.EOF {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// rebuild turns a line into what the accumulator reads.
func rebuild(l *readLine) (*record.Record, *metrics.Values, error) {
	m := l.Metadata
	r := &record.Record{
		Phase: m.BenchmarkPhase, Stage: m.PhaseName, SessionNum: m.SessionNum, ConversationID: m.ConversationID, TurnIndex: m.TurnIndex,
		CorrelationID: m.XCorrelationID, RequestID: m.XRequestID, TraceID: m.TraceID, AgentDepth: m.AgentDepth, ParentCorrelationID: m.ParentCorrelationID,
		IntendedNs: m.CreditIssuedNs, StartNs: m.RequestStartNs, EndNs: m.RequestEndNs,
		StartWallNs: m.RequestStartNs, EndWallNs: m.RequestEndNs,
		Error: l.Error, WasCancelled: m.WasCancelled,
	}
	if m.RequestAckNs != nil {
		r.AckNs, r.AckWallNs = *m.RequestAckNs, *m.RequestAckNs
	}
	// sonde's cut requests are the run's own cancellations (the client's
	// deliberate ones are RequestCancellationError).
	r.Cut = l.Error != nil && m.WasCancelled && l.Error.Type == "RequestCancelledError"
	if l.Error == nil {
		end := r.EndNs - 1
		if m.LastTokenNs != nil {
			end = *m.LastTokenNs
		}
		r.Responses = []record.Response{{Ns: end}}
	}
	v := &metrics.Values{}
	for tag, raw := range l.Metrics {
		if tag == "inter_chunk_latency" {
			var ms struct {
				Value []float64 `json:"value"`
			}
			if err := json.Unmarshal(raw, &ms); err != nil {
				return nil, nil, fmt.Errorf("metric %s: %v", tag, err)
			}
			for _, x := range ms.Value {
				v.ICL = append(v.ICL, x*1e6)
			}
			continue
		}
		i, ok := metrics.LookupRecordTag(tag)
		if !ok {
			continue // usage_total_tokens and other extras
		}
		var mv struct {
			Value float64 `json:"value"`
		}
		if err := json.Unmarshal(raw, &mv); err != nil {
			return nil, nil, fmt.Errorf("metric %s: %v", tag, err)
		}
		v.Set(i, mv.Value/metrics.RecordDef(i).Scale)
	}
	if x, ok := v.Get(metrics.ISL); ok {
		r.InputTokens, r.ClientInputTokens = int(x), int(x)
	}
	if x, ok := v.Get(metrics.ErrorISL); ok {
		r.InputTokens, r.ClientInputTokens = int(x), int(x)
	}
	if x, ok := v.Get(metrics.ExpectedCachedTokens); ok {
		r.ExpectedCached = int(x)
	}
	if osl, ok := v.Get(metrics.OSL); ok {
		if pct, ok := v.Get(metrics.OSLMismatchPct); ok && pct > -100 {
			r.MaxTokens = int(math.Round(osl / (1 + pct/100)))
		}
	}
	return r, v, nil
}
