package export

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"sync"

	"github.com/sonde-bench/sonde/internal/jsonw"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

// RecordWriter streams profile_export.jsonl: one line per request, written
// by the processor goroutine through a large buffer of whole lines. When a
// write fails (a full disk), the file is cut back to its last whole line,
// and every record from then on is counted as lost instead of written.
type RecordWriter struct {
	path    string
	f       *os.File
	pending []byte // whole lines not yet written
	lines   int    // in pending
	kept    int64  // bytes of whole lines in the file
	lost    int    // records that could not be written
	err     error
	buf     []byte
}

const recordBuffer = 256 << 10

// NewRecordWriter writes path once started.
func NewRecordWriter(path string) *RecordWriter { return &RecordWriter{path: path} }

// Start creates the file.
func (w *RecordWriter) Start() error {
	f, err := os.Create(w.path)
	if err != nil {
		return err
	}
	w.f, w.pending = f, make([]byte, 0, recordBuffer)
	return nil
}

// Lost is how many records could not be written.
func (w *RecordWriter) Lost() int { return w.lost }

// Path is the file written.
func (w *RecordWriter) Path() string { return w.path }

// flush writes the pending lines; on failure it cuts what part of them
// reached the file, so the file ends at a line, and counts them lost.
func (w *RecordWriter) flush() {
	if len(w.pending) == 0 || w.err != nil {
		return
	}
	if _, err := w.f.Write(w.pending); err != nil {
		w.err, w.lost = err, w.lost+w.lines
		w.f.Truncate(w.kept)
		w.f.Seek(w.kept, 0)
	} else {
		w.kept += int64(len(w.pending))
	}
	w.pending, w.lines = w.pending[:0], 0
}

type recordMeta struct {
	SessionNum         int    `json:"session_num"`
	XRequestID         string `json:"x_request_id"`
	XCorrelationID     string `json:"x_correlation_id"`
	ConversationID     string `json:"conversation_id"`
	TurnIndex          int    `json:"turn_index"`
	RequestStartNs     int64  `json:"request_start_ns"`
	RequestAckNs       *int64 `json:"request_ack_ns"`
	RequestEndNs       int64  `json:"request_end_ns"`
	CreditIssuedNs     int64  `json:"credit_issued_ns"`
	FirstTokenNs       *int64 `json:"first_token_ns"`
	LastTokenNs        *int64 `json:"last_token_ns"`
	WorkerID           string `json:"worker_id"`
	RecordProcessorID  string `json:"record_processor_id"`
	BenchmarkPhase     string `json:"benchmark_phase"`
	WasCancelled       bool   `json:"was_cancelled"`
	CancellationTimeNs *int64 `json:"cancellation_time_ns"`
	// TraceID is sonde's: the W3C trace id the request carried.
	TraceID string `json:"trace_id,omitempty"`
	// PhaseName is sonde's: the profiling phase of a run of several.
	PhaseName string `json:"phase_name,omitempty"`
	// AgentDepth and ParentCorrelationID (AIPerf's DAG fields) mark a
	// sub-agent's requests: its depth below the session the run started
	// and its parent's session id.
	AgentDepth          int    `json:"agent_depth,omitempty"`
	ParentCorrelationID string `json:"parent_correlation_id,omitempty"`
	SourceKind          string `json:"source_kind,omitempty"`
}

// Put writes one record (a Sink).
func (w *RecordWriter) Put(r *record.Record, v *metrics.Values) {
	if w.err != nil {
		w.lost++
		return
	}
	w.buf = AppendRecordLine(w.buf[:0], r, v)
	w.writeLine(w.buf)
}

// writeLine writes whole lines only: a line that does not fit in the buffer
// flushes it first, so a killed run's file ends at a line boundary. Its
// callers count a record lost without building its line once a write
// has failed.
func (w *RecordWriter) writeLine(line []byte) {
	if len(w.pending)+len(line) > recordBuffer && len(w.pending) > 0 {
		w.flush()
		if w.err != nil {
			w.lost++
			return
		}
	}
	w.pending = append(w.pending, line...)
	w.lines++
}

// wallOf converts monotonic record times to wall clock via the known pair
// (StartNs, StartWallNs).
func wallOf(r *record.Record) func(ns int64) int64 {
	return func(ns int64) int64 { return r.StartWallNs + (ns - r.StartNs) }
}

// metadataOf is a record's metadata, in wall-clock nanoseconds.
func metadataOf(r *record.Record) recordMeta {
	wall := wallOf(r)
	m := recordMeta{
		SessionNum: r.SessionNum, XRequestID: r.RequestID, XCorrelationID: r.CorrelationID,
		ConversationID: r.ConversationID, TurnIndex: r.TurnIndex,
		RequestStartNs: r.StartWallNs, RequestEndNs: r.EndWallNs, CreditIssuedNs: wall(r.IntendedNs),
		WorkerID: "sonde", RecordProcessorID: "sonde", BenchmarkPhase: r.Phase, WasCancelled: r.WasCancelled, TraceID: r.TraceID,
		PhaseName: r.Stage, AgentDepth: r.AgentDepth, ParentCorrelationID: r.ParentCorrelationID, SourceKind: r.SourceKind,
	}
	if r.AckNs > 0 {
		ack := r.AckWallNs
		m.RequestAckNs = &ack
	}
	if n := len(r.Responses); n > 0 {
		first, last := wall(r.Responses[0].Ns), wall(r.Responses[n-1].Ns)
		m.FirstTokenNs, m.LastTokenNs = &first, &last
	}
	if r.WasCancelled {
		c := wall(r.CancellationNs)
		m.CancellationTimeNs = &c
	}
	return m
}

// AppendRecordLine appends r's JSONL line, AIPerf's MetricRecordInfo, byte
// for byte what encoding/json would write for it (metrics sorted by
// tag, HTML-safe strings, its float format), without reflection or a map:
// the processor writes one line per request (TestRecordLineMatchesJSON).
func AppendRecordLine(dst []byte, r *record.Record, v *metrics.Values) []byte {
	m := metadataOf(r)
	dst = append(dst, `{"metadata":{"session_num":`...)
	dst = strconv.AppendInt(dst, int64(m.SessionNum), 10)
	dst = appendKeyString(dst, "x_request_id", m.XRequestID)
	dst = appendKeyString(dst, "x_correlation_id", m.XCorrelationID)
	dst = appendKeyString(dst, "conversation_id", m.ConversationID)
	dst = append(dst, `,"turn_index":`...)
	dst = strconv.AppendInt(dst, int64(m.TurnIndex), 10)
	dst = appendKeyInt(dst, "request_start_ns", &m.RequestStartNs)
	dst = appendKeyInt(dst, "request_ack_ns", m.RequestAckNs)
	dst = appendKeyInt(dst, "request_end_ns", &m.RequestEndNs)
	dst = appendKeyInt(dst, "credit_issued_ns", &m.CreditIssuedNs)
	dst = appendKeyInt(dst, "first_token_ns", m.FirstTokenNs)
	dst = appendKeyInt(dst, "last_token_ns", m.LastTokenNs)
	dst = appendKeyString(dst, "worker_id", m.WorkerID)
	dst = appendKeyString(dst, "record_processor_id", m.RecordProcessorID)
	dst = appendKeyString(dst, "benchmark_phase", m.BenchmarkPhase)
	dst = append(dst, `,"was_cancelled":`...)
	dst = strconv.AppendBool(dst, m.WasCancelled)
	dst = appendKeyInt(dst, "cancellation_time_ns", m.CancellationTimeNs)
	if m.TraceID != "" {
		dst = appendKeyString(dst, "trace_id", m.TraceID)
	}
	if m.PhaseName != "" {
		dst = appendKeyString(dst, "phase_name", m.PhaseName)
	}
	if m.AgentDepth != 0 {
		dst = append(dst, `,"agent_depth":`...)
		dst = strconv.AppendInt(dst, int64(m.AgentDepth), 10)
	}
	if m.ParentCorrelationID != "" {
		dst = appendKeyString(dst, "parent_correlation_id", m.ParentCorrelationID)
	}
	if m.SourceKind != "" {
		dst = appendKeyString(dst, "source_kind", m.SourceKind)
	}
	dst = append(dst, `},"metrics":{`...)
	first := true
	for _, i := range metricOrder() {
		if i < 0 {
			if v.ICL != nil {
				dst = appendMetricKey(dst, "inter_chunk_latency", &first)
				dst = jsonw.List(dst, v.ICL, appendMillis)
				dst = append(dst, `,"unit":"ms"}`...)
			}
			continue
		}
		x, ok := v.Get(i)
		if !ok {
			continue
		}
		d := metrics.RecordDef(i)
		dst = appendMetricKey(dst, d.Tag, &first)
		dst = appendJSONFloat(dst, x*d.Scale)
		dst = appendKeyString(dst, "unit", d.Unit)
		dst = append(dst, '}')
	}
	dst = append(dst, '}')
	if r.Chunks != nil {
		dst = append(dst, `,"trace_data":`...)
		dst = appendTraceData(dst, r, v)
	}
	dst = append(dst, `,"error":`...)
	if e := r.Error; e == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '{')
		if e.Code != 0 {
			dst = append(dst, `"code":`...)
			dst = strconv.AppendInt(dst, int64(e.Code), 10)
			dst = append(dst, ',')
		}
		dst = append(dst, `"type":`...)
		dst = jsonw.String(dst, e.Type)
		dst = appendKeyString(dst, "message", e.Message)
		dst = append(dst, '}')
	}
	return append(dst, "}\n"...)
}

// metricOrder lists the record metrics in tag order, as encoding/json sorts
// a map's keys; -1 stands for inter_chunk_latency.
var metricOrder = sync.OnceValue(func() []int {
	type entry struct {
		tag string
		i   int
	}
	es := []entry{{"inter_chunk_latency", -1}}
	for i := range metrics.NumRecordMetrics {
		es = append(es, entry{metrics.RecordDef(i).Tag, i})
	}
	sort.Slice(es, func(a, b int) bool { return es[a].tag < es[b].tag })
	out := make([]int, len(es))
	for k, e := range es {
		out[k] = e.i
	}
	return out
})

func appendMetricKey(dst []byte, tag string, first *bool) []byte {
	if !*first {
		dst = append(dst, ',')
	}
	*first = false
	dst = jsonw.String(dst, tag)
	return append(dst, `:{"value":`...)
}

func appendKeyString(dst []byte, key, s string) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, key...)
	dst = append(dst, '"', ':')
	return jsonw.String(dst, s)
}

func appendKeyInt(dst []byte, key string, n *int64) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, key...)
	dst = append(dst, '"', ':')
	if n == nil {
		return append(dst, "null"...)
	}
	return strconv.AppendInt(dst, *n, 10)
}

// appendMillis writes a duration of ns nanoseconds in ms, byte for byte as
// appendJSONFloat(ns*1e-6) would, from the integer: a stream's every
// inter-chunk latency goes through here, and shortest-form float
// formatting was 13 % of a long stream's CPU. When ns*1e-6 is the double
// nearest ns/10⁶ (it is the correctly rounded division), that double's
// shortest form is the decimal ns/10⁶ itself: a decimal of at most 15
// significant digits is the only one that short to round to its double.
// Otherwise, and for what is not a whole count of ns below 10¹⁵, the float
// path.
func appendMillis(dst []byte, ns float64) []byte {
	if !(ns > 0 && ns < 1e15 && ns == math.Trunc(ns)) || ns*1e-6 != ns/1e6 {
		return appendJSONFloat(dst, ns*1e-6)
	}
	n := int64(ns)
	dst = strconv.AppendInt(dst, n/1e6, 10)
	frac := n % 1e6
	if frac == 0 {
		return dst
	}
	var digits [7]byte
	digits[0] = '.'
	for i := 6; i >= 1; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	end := 7
	for digits[end-1] == '0' {
		end--
	}
	return append(dst, digits[:end]...)
}

// appendJSONFloat formats f as encoding/json does (its exponent cut-offs and
// clean-up); NaN and ±Inf, which it would refuse, are null.
func appendJSONFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 && (f != 0 || !math.Signbit(f)) {
		// Token and byte counts, flags, zeros: a third of a record's values,
		// written as AppendFloat would write them at a fraction of its cost.
		return strconv.AppendInt(dst, int64(f), 10)
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// 1e-07 → 1e-7, as encoding/json writes it.
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// RawWriter streams profile_export_raw.jsonl: each request's body and
// every response event as received (--export-level raw).
type RawWriter struct{ *RecordWriter }

type rawEvent struct {
	ReceivedNs int64  `json:"received_ns"`
	Data       string `json:"data"`
}

type rawLine struct {
	Metadata  recordMeta      `json:"metadata"`
	Request   json.RawMessage `json:"request"`
	Responses []rawEvent      `json:"responses"`
	Error     *record.Error   `json:"error"`
}

// NewRawWriter writes path once started.
func NewRawWriter(path string) *RawWriter { return &RawWriter{NewRecordWriter(path)} }

// Put writes one record's raw exchange (a Sink).
func (w *RawWriter) Put(r *record.Record, _ *metrics.Values) {
	if r.Raw == nil {
		return
	}
	if w.err != nil {
		w.lost++
		return
	}
	line := rawLine{Metadata: metadataOf(r), Request: r.Raw.Body, Error: r.Error}
	if !json.Valid(r.Raw.Body) {
		line.Request, _ = json.Marshal(string(r.Raw.Body))
	}
	wall := wallOf(r)
	for _, e := range r.Raw.Events {
		line.Responses = append(line.Responses, rawEvent{ReceivedNs: wall(e.Ns), Data: e.Data})
	}
	b, _ := json.Marshal(line)
	w.writeLine(append(b, '\n'))
}

// Flush pushes buffered lines to the file (an engine.Flusher).
func (w *RecordWriter) Flush() error {
	if w.f != nil {
		w.flush()
	}
	return w.err
}

// Close flushes and closes the file; its error says how many records could
// not be written.
func (w *RecordWriter) Close() error {
	if w.f == nil {
		return w.err
	}
	w.flush()
	if err := w.f.Close(); w.err == nil {
		w.err = err
	}
	w.f = nil
	if w.err != nil {
		return fmt.Errorf("writing %s: %w (%d records could not be written; the file holds the ones before them, and the summaries count every request)", w.path, w.err, w.lost)
	}
	return nil
}
