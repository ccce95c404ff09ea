package export

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

// RecordWriter streams profile_export.jsonl: one line per request, written
// by the processor goroutine through a large buffer.
type RecordWriter struct {
	path string
	f    *os.File
	w    *bufio.Writer
	err  error
	buf  []byte
}

// NewRecordWriter writes path once started.
func NewRecordWriter(path string) *RecordWriter { return &RecordWriter{path: path} }

// Start creates the file.
func (w *RecordWriter) Start() error {
	f, err := os.Create(w.path)
	if err != nil {
		return err
	}
	w.f, w.w = f, bufio.NewWriterSize(f, 256<<10)
	return nil
}

type metricValue struct {
	Value any    `json:"value"`
	Unit  string `json:"unit"`
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
}

type recordLine struct {
	Metadata recordMeta             `json:"metadata"`
	Metrics  map[string]metricValue `json:"metrics"`
	Error    *record.Error          `json:"error"`
}

// Put writes one record (a Sink).
func (w *RecordWriter) Put(r *record.Record, v *metrics.Values) {
	if w.err != nil {
		return
	}
	w.buf = AppendRecordLine(w.buf[:0], r, v)
	w.writeLine(w.buf)
}

// writeLine writes whole lines only: a line that does not fit in the buffer
// flushes it first, so a killed run's file ends at a line boundary.
func (w *RecordWriter) writeLine(line []byte) {
	if w.err != nil {
		return
	}
	if w.w.Available() < len(line) && w.w.Buffered() > 0 {
		if w.err = w.w.Flush(); w.err != nil {
			return
		}
	}
	_, w.err = w.w.Write(line)
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
		WorkerID: "sonde", RecordProcessorID: "sonde", BenchmarkPhase: r.Phase, WasCancelled: r.WasCancelled,
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

// AppendRecordLine appends r's JSONL line, AIPerf's MetricRecordInfo.
func AppendRecordLine(dst []byte, r *record.Record, v *metrics.Values) []byte {
	line := recordLine{Metadata: metadataOf(r), Metrics: map[string]metricValue{}, Error: r.Error}
	for i := range metrics.NumRecordMetrics {
		if x, ok := v.Get(i); ok {
			d := metrics.RecordDef(i)
			line.Metrics[d.Tag] = metricValue{Value: x * d.Scale, Unit: d.Unit}
		}
	}
	if v.ICL != nil {
		ms := make([]float64, len(v.ICL))
		for i, x := range v.ICL {
			ms[i] = x * 1e-6
		}
		line.Metrics["inter_chunk_latency"] = metricValue{Value: ms, Unit: "ms"}
	}
	b, _ := json.Marshal(line)
	dst = append(dst, b...)
	return append(dst, '\n')
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
	if w.err != nil || r.Raw == nil {
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
	if w.err == nil && w.w != nil {
		w.err = w.w.Flush()
	}
	return w.err
}

// Close flushes and closes the file.
func (w *RecordWriter) Close() error {
	if w.f == nil {
		return w.err
	}
	if err := w.w.Flush(); w.err == nil {
		w.err = err
	}
	if err := w.f.Close(); w.err == nil {
		w.err = err
	}
	if w.err != nil {
		return fmt.Errorf("writing %s: %w", w.path, w.err)
	}
	return nil
}
