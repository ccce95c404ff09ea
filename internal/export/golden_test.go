package export

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/openai"
	"github.com/sonde-bench/sonde/internal/record"

	"github.com/sonde-bench/sonde/internal/sondetest"
)

// goldenRun is a small multi-turn run with every kind of record: streamed
// answers with reasoning and usage, a cut request, a server error, two turns.
func goldenRun() (*metrics.Summary, []*record.Record, []*metrics.Values) {
	a := metrics.NewAccumulator(metrics.Options{Streaming: true, MeanGapNs: 1e8,
		SLOs: []metrics.SLO{{Metric: metrics.TTFT, Threshold: 30e6}}})
	cached := 16
	base := int64(1_700_000_000_000_000_000)
	var recs []*record.Record
	var vals []*metrics.Values
	add := func(r *record.Record) {
		r.Phase, r.StartWallNs, r.EndWallNs = record.PhaseProfiling, base+r.StartNs, base+r.EndNs
		r.ClientInputTokens = r.InputTokens
		v := metrics.Compute(r, true)
		a.Add(r, &v)
		recs, vals = append(recs, r), append(vals, &v)
	}
	for s := range 2 {
		off := int64(s) * 1e9
		add(&record.Record{SessionNum: s, ConversationID: "conv-" + string(rune('a'+s)), TurnIndex: 0, CorrelationID: "corr", RequestID: "req",
			IntendedNs: off, StartNs: off + 1e6, AckNs: off + 5e6, EndNs: off + 80e6, InputTokens: 100, OutputTokens: 3, ReasoningTokens: 1,
			HasOutput: true, HasReasoning: true, MaxTokens: 4, Events: 5,
			Usage:     &openai.Usage{PromptTokens: 100, CompletionTokens: 4, TotalTokens: 104, PromptTokensDetails: &openai.PromptTokensDetails{}},
			Responses: []record.Response{{Ns: off + 21e6, Reasoning: 1}, {Ns: off + 40e6, Content: 1}, {Ns: off + 60e6, Content: 1}, {Ns: off + 79e6, Content: 1}},
			HTTP:      record.Phases{GetConn: off + 1e6, ConnectStart: off + 1.1e6, ConnectDone: off + 1.3e6, GotConn: off + 1.4e6, Wrote: off + 1.5e6, FirstByte: off + 5e6},
			BytesSent: 500, BytesReceived: 900})
		add(&record.Record{SessionNum: s, TurnIndex: 1, IntendedNs: off + 100e6, StartNs: off + 101e6, AckNs: off + 103e6, EndNs: off + 150e6,
			InputTokens: 207, OutputTokens: 2, HasOutput: true, ExpectedCached: 96, MaxTokens: 2,
			Usage:     &openai.Usage{PromptTokens: 207, CompletionTokens: 2, TotalTokens: 209, PromptTokensDetails: &openai.PromptTokensDetails{CachedTokens: cached}},
			Responses: []record.Response{{Ns: off + 120e6, Content: 1}, {Ns: off + 149e6, Content: 1}},
			HTTP:      record.Phases{GetConn: off + 101e6, GotConn: off + 101.1e6, Wrote: off + 101.2e6, FirstByte: off + 103e6, Reused: true}})
	}
	add(&record.Record{SessionNum: 2, StartNs: 3e9, EndNs: 3.5e9, InputTokens: 50, Cut: true, WasCancelled: true, CancellationNs: 3.5e9,
		Error: &record.Error{Code: 499, Type: "RequestCancelledError", Message: "request cut when the run stopped"}})
	add(&record.Record{SessionNum: 3, StartNs: 3.1e9, EndNs: 3.2e9, InputTokens: 60,
		Error: &record.Error{Code: 500, Type: "Internal Server Error", Message: "boom"}})
	return a.Summary(), recs, vals
}

func goldenRunInfo() *Run {
	t0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	return &Run{BenchmarkID: "0123456789ab",
		InputConfig: map[string]any{"models": map[string]any{"items": []any{map[string]string{"name": "m"}}}, "endpoint": map[string]any{"urls": []string{"http://localhost:8000"}}},
		Options:     map[string]any{"model_names": []string{"m"}, "url": []string{"http://localhost:8000"}, "concurrency": 2},
		CLICommand:  "sonde profile -m m --concurrency 2", StartTime: t0, EndTime: t0.Add(4 * time.Second), Version: "test",
		Seed: 42, Tokenizer: TokenizerInfo{Requested: "m", Used: "builtin (o200k_base)", Fallback: "no tokenizer named m"},
		Warnings: []string{"a warning"}, UnsentTurns: map[string]int64{"request_count_reached": 2}, OfferedRate: 10}
}

// Every export, byte for byte (key order included): the summary JSON, both
// CSVs, the console tables, a record line and inputs.json.
func TestGoldenExports(t *testing.T) {
	s, recs, vals := goldenRun()
	sondetest.Golden(t, "summary_json", SummaryJSON(s, goldenRunInfo()))
	sondetest.Golden(t, "summary_csv", SummaryCSV(s))
	sondetest.Golden(t, "turns_csv", TurnsCSV(s))
	var console bytes.Buffer
	Console(&console, s)
	Warnings(&console, s.Warnings)
	sondetest.Golden(t, "console", console.Bytes())
	var trace bytes.Buffer
	TraceTiming(&trace, s)
	sondetest.Golden(t, "trace_timing", trace.Bytes())
	var lines []byte
	for i := range recs {
		lines = AppendRecordLine(lines, recs[i], vals[i])
	}
	sondetest.Golden(t, "records_jsonl", lines)
	traced := *recs[0] // --export-http-trace: the record's HTTP trace
	traced.Chunks = [][2]int64{{traced.Responses[0].Ns, 120}, {traced.Responses[len(traced.Responses)-1].Ns, 80}}
	traced.HTTP.GetConn, traced.HTTP.GotConn, traced.HTTP.Wrote = traced.StartNs, traced.StartNs+100, traced.StartNs+200
	sondetest.Golden(t, "records_trace_jsonl", AppendRecordLine(nil, &traced, vals[0]))

	convs := []dataset.Conversation{
		{ID: "conv-a", System: "be brief", Turns: []dataset.Turn{{Model: "m", Text: "first question", MaxTokens: 4}, {Model: "m", Text: "second", MaxTokens: 2}}},
		{ID: "conv-b", Turns: []dataset.Turn{{Model: "m", Text: "only \"quoted\"\nline", Extra: []dataset.KV{{Key: "temperature", Value: []byte("0.5")}}}}},
	}
	path := filepath.Join(t.TempDir(), "inputs.json")
	if err := WriteInputs(path, convs, &endpoint.Codec{Type: endpoint.Chat, Stream: true}); err != nil {
		t.Fatal(err)
	}
	inputs, _ := os.ReadFile(path)
	sondetest.Golden(t, "inputs_json", inputs)
}

// The time-slice files, byte for byte: the golden run in 1 s slices.
func TestGoldenTimeslices(t *testing.T) {
	_, recs, vals := goldenRun()
	sl := metrics.NewSlicer(metrics.Options{Streaming: true}, int64(time.Second))
	sl.SetOrigin(1_700_000_000_000_000_000)
	for i := range recs {
		sl.Add(recs[i], vals[i])
	}
	ss := sl.Slices()
	if len(ss) < 2 {
		t.Fatalf("%d slices", len(ss))
	}
	sondetest.Golden(t, "timeslices_json", TimeslicesJSON(ss))
	sondetest.Golden(t, "timeslices_csv", TimeslicesCSV(ss))
}

// Records written and read back give the same summary (sonde summarize).
func TestRecordsRoundTrip(t *testing.T) {
	s, recs, vals := goldenRun()
	path := filepath.Join(t.TempDir(), "profile_export.jsonl")
	w := NewRecordWriter(path)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		w.Put(recs[i], vals[i])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	a := metrics.NewAccumulator(metrics.Options{Streaming: true, MeanGapNs: 1e8, SLOs: []metrics.SLO{{Metric: metrics.TTFT, Threshold: 30e6}}})
	n, err := ReadRecords(path, func(r *record.Record, v *metrics.Values) { a.Add(r, v) })
	if err != nil || n != 0 {
		t.Fatal(n, err)
	}
	if got, want := SummaryCSV(a.Summary()), SummaryCSV(s); !bytes.Equal(got, want) {
		t.Fatalf("read back:\n%s\nwritten:\n%s", got, want)
	}
	// A line cut short by a kill is skipped and counted; a bad line is an
	// error naming file and line.
	data, _ := os.ReadFile(path)
	os.WriteFile(path, append(data, []byte(`{"metadata":{"session_num"`)...), 0o644)
	if n, err := ReadRecords(path, func(*record.Record, *metrics.Values) {}); err != nil || n != 1 {
		t.Fatalf("truncated: %d %v", n, err)
	}
	os.WriteFile(path, append([]byte("oops\n"), data...), 0o644)
	if _, err := ReadRecords(path, func(*record.Record, *metrics.Values) {}); err == nil || !bytes.Contains([]byte(err.Error()), []byte(path+":1:")) {
		t.Fatalf("bad line: %v", err)
	}
}
