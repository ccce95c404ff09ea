package export_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/export/exporttest"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

// A run folder read back: the summary typed (blocks, per turn, errors,
// run info), the records; a run killed before its summary is rebuilt from
// its records alone, keeping what an earlier summary said.
func TestRunDirAndRebuild(t *testing.T) {
	dir := t.TempDir()
	sh := exporttest.Shape{Sessions: 3, Turns: 2, Tokens: 4, TTFT: 20 * time.Millisecond, ITL: 2 * time.Millisecond, FailLast: 1}
	if _, err := exporttest.Write(dir, sh); err != nil {
		t.Fatal(err)
	}
	rd, err := export.Open(dir, "")
	if err != nil || !rd.HasSummary() {
		t.Fatal(err)
	}
	s, err := rd.Summary()
	if err != nil {
		t.Fatal(err)
	}
	if x, _ := s.Metrics["time_to_first_token"].Value("p50"); x != 20 || s.Metrics["time_to_first_token"].Unit != "ms" {
		t.Errorf("TTFT block %+v", s.Metrics["time_to_first_token"])
	}
	if len(s.Turns) != 2 || s.Turns[1].Errors != 1 || s.RunInfo.RandomSeed != 42 || s.BenchmarkID != "0123456789ab" ||
		len(s.ErrorSummary) != 1 || s.ErrorSummary[0].Count != 1 || s.RunInfo.CLICommand != "sonde profile -m m --streaming" {
		t.Errorf("summary read back: %+v", s)
	}
	n := 0
	if _, err := rd.Records(func(*record.Record, *metrics.Values) { n++ }); err != nil || n != 6 {
		t.Fatalf("%d records, %v", n, err)
	}
	before, _ := os.ReadFile(rd.SummaryCSV())
	res, err := export.Rebuild(rd, export.RebuildOptions{CLICommand: "sonde summarize", Version: "test"})
	if err != nil || res.Summary.RequestCount != 5 || res.Run.BenchmarkID != "0123456789ab" || !res.Written[rd.SummaryJSON()] {
		t.Fatalf("rebuilt: %+v %v", res, err)
	}
	if after, _ := os.ReadFile(rd.SummaryCSV()); string(after) != string(before) {
		t.Errorf("the rebuilt CSV differs:\n%s\nwas:\n%s", after, before)
	}
	// Killed: no summary, the last record cut short.
	os.Remove(rd.SummaryJSON())
	b, _ := os.ReadFile(rd.Files.Records())
	os.WriteFile(rd.Files.Records(), b[:len(b)-20], 0o644)
	if _, err := rd.Summary(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing summary: %v", err)
	}
	res, err = export.Rebuild(rd, export.RebuildOptions{})
	if err != nil || res.Summary.RequestCount != 5 || !strings.Contains(strings.Join(res.Run.Warnings, " "), "cut short") {
		t.Fatalf("a killed run: %+v %v", res.Run.Warnings, err)
	}
	if srv, err := rd.ServerMetrics(); srv != nil || err != nil {
		t.Errorf("server metrics that were never collected: %v %v", srv, err)
	}
	if _, err := export.Open(filepath.Join(dir, "nope"), ""); err == nil {
		t.Error("a missing folder opened")
	}
	if _, err := export.Open(rd.Files.Records(), ""); err == nil {
		t.Error("a file opened as a folder")
	}
	os.WriteFile(rd.SummaryJSON(), []byte("{"), 0o644)
	if _, err := rd.Summary(); err == nil || !strings.Contains(err.Error(), rd.SummaryJSON()) {
		t.Errorf("a broken summary: %v", err)
	}
	os.WriteFile(rd.GPUTelemetryJSON(), []byte("{"), 0o644)
	os.WriteFile(rd.ServerMetricsJSON(), []byte("{"), 0o644)
	if _, err := rd.GPUs(); err == nil {
		t.Error("a broken GPU file")
	}
	if _, err := rd.ServerMetrics(); err == nil {
		t.Error("a broken server-metrics file")
	}
}

// Every file's name, with and without --profile-export-prefix.
func TestFileNames(t *testing.T) {
	plain, pre := export.Files{Dir: "d"}, export.Files{Dir: "d", Prefix: "run7.json"}
	for _, c := range []struct{ got, want string }{
		{plain.Raw(), "d/profile_export_raw.jsonl"}, {pre.Raw(), "d/run7_raw.jsonl"},
		{plain.Inputs(), "d/inputs.json"}, {plain.Log(), "d/logs/aiperf.log"},
		{plain.TimeslicesJSON(), "d/profile_export_aiperf_timeslices.json"}, {pre.TimeslicesCSV(), "d/run7_timeslices.csv"},
		{plain.ServerMetricsJSONL(), "d/server_metrics_export.jsonl"}, {pre.GPUTelemetryJSONL(), "d/run7_gpu_telemetry.jsonl"},
		{plain.NetworkLatency(), "d/profile_export_network_latency.jsonl"}, {pre.Outputs(), "d/run7_outputs.json"},
	} {
		if c.got != c.want {
			t.Errorf("%s, want %s", c.got, c.want)
		}
	}
}

// outputs.json: every successful answer, read back for --replay-outputs
// (the first answer of each turn), with clear errors.
func TestOutputs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outputs.json")
	o := export.NewOutputsSink(path)
	if err := o.Start(); err != nil {
		t.Fatal(err)
	}
	o.Put(&record.Record{ConversationID: "c", TurnIndex: 0, Output: "first"}, nil)
	o.Put(&record.Record{ConversationID: "c", TurnIndex: 0, Output: "again"}, nil)
	o.Put(&record.Record{ConversationID: "c", TurnIndex: 1, Error: &record.Error{Type: "X"}}, nil)
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := export.LoadOutputs(path)
	if err != nil || len(got) != 1 || got[export.OutputKey{ConversationID: "c"}] != "first" {
		t.Fatalf("%v %v", got, err)
	}
	for text, want := range map[string]string{"{": "not an outputs.json", `{"data": []}`: "no answers",
		`{"data": [{"output": "x"}]}`: "no conversation_id"} {
		os.WriteFile(path, []byte(text), 0o644)
		if _, err := export.LoadOutputs(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", text, err)
		}
	}
	if _, err := export.LoadOutputs("/no/such/outputs.json"); err == nil {
		t.Error("a missing file")
	}
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, nil, 0o644)
	if err := export.NewOutputsSink(filepath.Join(file, "outputs.json")).Close(); err == nil || !strings.Contains(err.Error(), "writing") {
		t.Errorf("an unwritable outputs.json: %v", err)
	}
}
