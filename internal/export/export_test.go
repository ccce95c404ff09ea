package export

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

func summaryOf(t *testing.T) *metrics.Summary {
	a := metrics.NewAccumulator(metrics.Options{Streaming: true})
	for i, lat := range []int64{100e6, 200e6, 300e6} {
		r := &record.Record{StartNs: 1, StartWallNs: int64(i) * 1e9, EndNs: lat + 2, InputTokens: 4096, HasOutput: true, OutputTokens: 3,
			Responses: []record.Response{{Ns: 1 + lat/2, Content: 1}, {Ns: 1 + lat, Content: 1}}}
		v := metrics.Compute(r, true)
		a.Add(r, &v)
	}
	bad := &record.Record{InputTokens: 7, Error: &record.Error{Code: 500, Type: "Internal Server Error", Message: "boom"}}
	v := metrics.Compute(bad, true)
	a.Add(bad, &v)
	return a.Summary()
}

// Spec §6.4 and §11.16: two CSV sections, labels with units except plain
// counts, integers whole and reals with two decimals.
func TestSummaryCSV(t *testing.T) {
	out := string(SummaryCSV(summaryOf(t)))
	parts := strings.Split(out, "\n\n")
	if len(parts) != 2 {
		t.Fatalf("want 2 sections:\n%s", out)
	}
	for _, want := range []string{
		"Metric,avg,min,max,p1,p5,p10,p25,p50,p75,p90,p95,p99,std\n",
		"Request Latency (ms),200.00,100.00,300.00,",
		"Input Sequence Length (tokens),4096.00,",
	} {
		if !strings.Contains(parts[0], want) {
			t.Errorf("first section lacks %q:\n%s", want, parts[0])
		}
	}
	for _, want := range []string{"Metric,Value\n", "Request Count,3\n", "Error Request Count,1\n", "Total Input Sequence Length (tokens),12288\n"} {
		if !strings.Contains(parts[1], want) {
			t.Errorf("second section lacks %q:\n%s", want, parts[1])
		}
	}
}

func TestSummaryJSONKeys(t *testing.T) {
	out := SummaryJSON(summaryOf(t), &Run{InputConfig: map[string]any{"models": map[string]any{"items": []any{map[string]string{"name": "m"}}}}, BenchmarkID: "0123456789ab", Seed: 9})
	var m map[string]json.RawMessage
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"request_latency", "time_to_first_token", "request_count", "error_request_count",
		"schema_version", "benchmark_id", "input_config", "run_info", "was_cancelled", "error_summary", "start_time", "end_time",
		"runtime_submission_invalid_reasons", "sonde"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	var lat map[string]any
	json.Unmarshal(m["request_latency"], &lat)
	for _, k := range []string{"unit", "avg", "p1", "p50", "p99", "min", "max", "std", "count", "sum"} {
		if _, ok := lat[k]; !ok {
			t.Errorf("request_latency lacks %q", k)
		}
	}
	if lat["unit"] != "ms" || lat["avg"] != 200.0 {
		t.Errorf("request_latency %v", lat)
	}
	var count map[string]any
	json.Unmarshal(m["request_count"], &count)
	if len(count) != 2 || count["avg"] != 3.0 || count["unit"] != "requests" {
		t.Errorf("scalars carry only unit and avg: %v", count)
	}
	var errs []map[string]any
	json.Unmarshal(m["error_summary"], &errs)
	if len(errs) != 1 || errs[0]["count"] != 1.0 || errs[0]["error_details"].(map[string]any)["code"] != 500.0 {
		t.Errorf("error_summary %s", m["error_summary"])
	}
}

func TestConsole(t *testing.T) {
	var buf bytes.Buffer
	Console(&buf, summaryOf(t))
	out := buf.String()
	for _, line := range strings.Split(out, "\n") {
		if cells := strings.Split(line, "│"); len(cells) > 2 && strings.TrimSpace(cells[1]) == "Request Count" && strings.TrimSpace(cells[2]) != "3" {
			t.Errorf("request count row %q", line)
		}
	}
	for _, want := range []string{Title, "Request Latency (ms)", "200.00", "Request Count",
		"Error Summary", "Internal Server Error", "boom"} {
		if !strings.Contains(out, want) {
			t.Errorf("console lacks %q:\n%s", want, out)
		}
	}
	if cell(1234567.891, true) != "1,234,567.89" || cell(0, false) != "N/A" || cell(-1234.5, true) != "-1,234.50" {
		t.Error("cell formatting")
	}
}

func TestPrefixedNames(t *testing.T) {
	f := Files{Dir: "d", Prefix: "run1.json"}
	if f.SummaryJSON() != "d/run1.json" || f.SummaryCSV() != "d/run1.csv" || f.Records() != "d/run1.jsonl" {
		t.Errorf("%s %s %s", f.SummaryJSON(), f.SummaryCSV(), f.Records())
	}
	if d := (Files{Dir: "d"}); d.SummaryJSON() != "d/profile_export_aiperf.json" || d.Records() != "d/profile_export.jsonl" {
		t.Error("default names")
	}
}
