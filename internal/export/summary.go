package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"time"

	"github.com/sonde-bench/sonde/internal/metrics"
)

// SchemaVersion is the version of AIPerf's profile_export_aiperf.json
// schema whose shape the summary follows.
const SchemaVersion = "1.5"

// Run is what the exports say about the run besides its metrics.
type Run struct {
	BenchmarkID  string // a per-run identifier (12 hex digits)
	InputConfig  any    // input_config: the run in AIPerf's config terms
	Options      any    // every sonde option, as given (sonde.options)
	CLICommand   string // with secrets redacted
	WasCancelled bool
	StartTime    time.Time
	EndTime      time.Time
	Version      string
	Seed         uint64
	Tokenizer    TokenizerInfo
	Warnings     []string
	// UnsentTurns are planned turns never sent, by reason.
	UnsentTurns map[string]int64
	// OfferedRate is the request (or session) rate asked for; 0 in
	// concurrency mode.
	OfferedRate float64
	// ClientCPUPct is the share of the CPU sonde may use that it used while
	// profiling (0 when unknown).
	ClientCPUPct float64
	// TelemetryData is the GPU telemetry block (nil without any).
	TelemetryData any
	// Sections print after the console tables (the server's view).
	Sections []func(io.Writer)
	// Extra are more of sonde's additions, by key (a merge's shards).
	Extra map[string]any
	// Metadata is AIPerf's "metadata" block (a scenario's: submission
	// validity); nil without one.
	Metadata json.RawMessage
	// CSVSections follow the summary CSV's own, each after a blank line
	// (the replicas of a run over several --url).
	CSVSections []byte
}

// TokenizerInfo records which tokenizer counted the tokens, and why.
type TokenizerInfo struct {
	Requested string `json:"requested"`
	Used      string `json:"used"`
	Fallback  string `json:"fallback_reason,omitempty"`
	// ISLCounting says what ISL counts: "message_contents", or
	// "chat_template" (--apply-chat-template, with the template's file).
	ISLCounting  string `json:"isl_counting,omitempty"`
	ChatTemplate string `json:"chat_template,omitempty"`
}

// orderedJSON writes an object with keys in insertion order.
type orderedJSON struct {
	buf   bytes.Buffer
	first bool
}

func newOrdered() *orderedJSON {
	o := &orderedJSON{first: true}
	o.buf.WriteByte('{')
	return o
}

func (o *orderedJSON) add(key string, v any) {
	if !o.first {
		o.buf.WriteByte(',')
	}
	o.first = false
	k, _ := json.Marshal(key)
	o.buf.Write(k)
	o.buf.WriteByte(':')
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte("null")
	}
	o.buf.Write(b)
}

func (o *orderedJSON) bytes() []byte {
	o.buf.WriteByte('}')
	return o.buf.Bytes()
}

// statsJSON renders a result as AIPerf's JsonMetricResult (schema 1.5):
// unit, avg, percentiles, min, max, std, then count and sum for record
// metrics; aggregate and derived metrics carry only unit and avg, and the
// duration-weighted sweep-line metrics no count or sum. Unset and
// non-finite fields are left out, as AIPerf's exclude_none does.
func statsJSON(r *metrics.Result) json.RawMessage {
	o := newOrdered()
	o.add("unit", r.Def.Unit)
	if r.Integer {
		o.add("avg", r.Exact)
		return o.bytes()
	}
	num := func(k string, x float64) {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			o.add(k, x)
		}
	}
	num("avg", r.Stats.Avg)
	if r.Scalar {
		return o.bytes()
	}
	for i, q := range metrics.Percentiles {
		num("p"+itoa(int(q)), r.Stats.P[i])
	}
	num("min", r.Stats.Min)
	num("max", r.Stats.Max)
	num("std", r.Stats.Std)
	if !r.Weighted {
		o.add("count", r.Stats.Count)
		num("sum", r.Stats.Sum)
	}
	return o.bytes()
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// errorDetails is record.Error as error_summary writes it: with its code
// always, 0 included (the records file omits a zero code).
type errorDetails struct {
	Code    int    `json:"code"`
	Type    string `json:"type"`
	Message string `json:"message"`
}

type errorCount struct {
	ErrorDetails errorDetails `json:"error_details"`
	Count        int          `json:"count"`
}

// ISOTime is AIPerf's timestamp form: UTC, microseconds, no zone suffix
// (Python's datetime.isoformat of a naive UTC time).
func ISOTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000") }

// SummaryJSON renders profile_export_aiperf.json in AIPerf's schema 1.5:
// schema_version, benchmark_id, every exported metric under its tag,
// input_config, run_info, was_cancelled, error_summary, start_time,
// end_time, runtime_submission_invalid_reasons, a scenario's metadata;
// then sonde's additions under "sonde".
func SummaryJSON(s *metrics.Summary, run *Run) []byte {
	o := newOrdered()
	o.add("schema_version", SchemaVersion)
	if run.BenchmarkID != "" {
		o.add("benchmark_id", run.BenchmarkID)
	}
	for i := range s.Metrics {
		o.add(s.Metrics[i].Def.Tag, statsJSON(&s.Metrics[i]))
	}
	if run.TelemetryData != nil {
		o.add("telemetry_data", run.TelemetryData)
	}
	if run.InputConfig != nil {
		o.add("input_config", run.InputConfig)
	}
	o.add("run_info", runInfoJSON(run))
	o.add("was_cancelled", run.WasCancelled)
	errs := make([]errorCount, 0, len(s.Errors))
	for _, e := range s.Errors {
		errs = append(errs, errorCount{ErrorDetails: errorDetails(e.Error), Count: e.Count})
	}
	o.add("error_summary", errs)
	o.add("start_time", ISOTime(run.StartTime))
	o.add("end_time", ISOTime(run.EndTime))
	o.add("runtime_submission_invalid_reasons", []string{})
	if run.Metadata != nil {
		o.add("metadata", run.Metadata)
	}
	o.add("sonde", sondeJSON(s, run))

	var out bytes.Buffer
	json.Indent(&out, o.bytes(), "", "  ")
	out.WriteByte('\n')
	return out.Bytes()
}

// runInfoJSON is the run_info block: identifier, seed, trial, command.
func runInfoJSON(run *Run) json.RawMessage {
	info := newOrdered()
	if run.BenchmarkID != "" {
		info.add("benchmark_id", run.BenchmarkID)
	}
	info.add("random_seed", run.Seed)
	info.add("trial", 0)
	if run.CLICommand != "" {
		info.add("cli_command", run.CLICommand)
	}
	return info.bytes()
}

// sondeJSON is sonde's additions, under "sonde".
func sondeJSON(s *metrics.Summary, run *Run) json.RawMessage {
	ext := newOrdered()
	ext.add("version", run.Version)
	ext.add("random_seed", run.Seed)
	ext.add("tokenizer", run.Tokenizer)
	ext.add("cut_requests", s.Cut)
	ext.add("keepalive_retries", s.Retried)
	total, reasons := int64(0), newOrdered()
	for _, k := range slices.Sorted(maps.Keys(run.UnsentTurns)) {
		total += run.UnsentTurns[k]
		reasons.add(k, run.UnsentTurns[k])
	}
	ext.add("unsent_turns", total)
	ext.add("unsent_turns_by_reason", json.RawMessage(reasons.bytes()))
	if run.OfferedRate > 0 {
		ext.add("offered_request_rate", run.OfferedRate)
	}
	if !math.IsNaN(s.SendRate) && !math.IsInf(s.SendRate, 0) {
		ext.add("achieved_send_rate", s.SendRate)
	}
	ext.add("client_cpu_pct", run.ClientCPUPct)
	turns := make([]json.RawMessage, 0, len(s.Turns))
	for _, t := range s.Turns {
		to := newOrdered()
		to.add("turn_index", t.TurnIndex)
		to.add("request_count", t.Requests)
		to.add("error_request_count", t.Errors)
		for i := range t.Metrics {
			to.add(t.Metrics[i].Def.Tag, statsJSON(&t.Metrics[i]))
		}
		turns = append(turns, to.bytes())
	}
	ext.add("per_turn", turns)
	ext.add("warnings", append([]string{}, run.Warnings...))
	for _, k := range slices.Sorted(maps.Keys(run.Extra)) {
		ext.add(k, run.Extra[k])
	}
	if run.Options != nil {
		ext.add("options", run.Options)
	}
	return ext.bytes()
}

// WriteFile writes data to path atomically enough for a crash: write, then
// rename, so a reader never sees half a file.
// A failed write leaves no partial file behind.
func WriteFile(path string, data []byte) error {
	return writeStreamed(path, func(w *bufio.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeStreamed writes a file through a buffer into path.tmp, then renames
// it: a reader never sees half a file, and a failure leaves none.
func writeStreamed(path string, fill func(w *bufio.Writer) error) (err error) {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	w := bufio.NewWriterSize(f, 256<<10)
	if err = fill(w); err != nil {
		return err
	}
	if err = w.Flush(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
