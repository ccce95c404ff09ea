// Package exporttest writes run folders for the tests of the packages that
// read them (compare, plot, report, studies): what a streamed multi-turn
// run writes, from records made up here, so those tests need no server and
// their numbers are known.
package exporttest

import (
	"os"
	"time"

	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/openai"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/telemetry"
)

// Base is the wall clock of every fixture run's first request.
const Base = int64(1_764_892_800_000_000_000) // 2025-12-05T00:00:00Z

// Shape is a fixture run: Sessions sessions of Turns turns, each turn's
// first token TTFT after its start (plus Slow ms per session index), then
// Tokens tokens ITL apart; the last FailLast sessions fail their last turn.
type Shape struct {
	Sessions, Turns, Tokens int
	TTFT, ITL               time.Duration
	Slow                    time.Duration // added to TTFT per session index
	FailLast                int
	Slices                  bool // also write time slices (100 ms)
	Scrapes                 bool // also write server and GPU scrapes
}

// Records makes the run's records and their metric values.
func Records(sh Shape) ([]*record.Record, []*metrics.Values) {
	var recs []*record.Record
	var vals []*metrics.Values
	for s := range sh.Sessions {
		t := int64(s) * int64(50*time.Millisecond)
		for k := range sh.Turns {
			r := &record.Record{Phase: record.PhaseProfiling, SessionNum: s, TurnIndex: k, IntendedNs: t, StartNs: t + 1e5,
				InputTokens: 100 * (k + 1), MaxTokens: sh.Tokens, LastTurn: k == sh.Turns-1, ExpectedCached: 90 * k}
			r.AckNs = r.StartNs + int64(time.Millisecond)
			first := r.StartNs + int64(sh.TTFT) + int64(s)*int64(sh.Slow)
			if k == sh.Turns-1 && s >= sh.Sessions-sh.FailLast {
				r.EndNs = first
				r.Error = &record.Error{Code: 500, Type: "Internal Server Error", Message: "boom"}
			} else {
				for i := range sh.Tokens {
					r.Responses = append(r.Responses, record.Response{Ns: first + int64(i)*int64(sh.ITL), Content: 2})
				}
				r.EndNs = r.Responses[len(r.Responses)-1].Ns + 1e5
				r.HasOutput, r.OutputTokens, r.Output = true, sh.Tokens, " x"
				r.Usage = &openai.Usage{PromptTokens: r.InputTokens, CompletionTokens: sh.Tokens}
			}
			r.StartWallNs, r.EndWallNs, r.AckWallNs = Base+r.StartNs, Base+r.EndNs, Base+r.AckNs
			r.ClientInputTokens = r.InputTokens
			v := metrics.Compute(r, true)
			recs, vals = append(recs, r), append(vals, &v)
			t = r.EndNs + int64(10*time.Millisecond)
		}
	}
	return recs, vals
}

// Write writes the run into dir as sonde profile would, and returns its
// summary.
func Write(dir string, sh Shape) (*metrics.Summary, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	recs, vals := Records(sh)
	files := export.Files{Dir: dir}
	acc := metrics.NewAccumulator(metrics.Options{Streaming: true})
	slicer := metrics.NewSlicer(metrics.Options{Streaming: true}, int64(100*time.Millisecond))
	slicer.SetOrigin(Base)
	w := export.NewRecordWriter(files.Records())
	if err := w.Start(); err != nil {
		return nil, err
	}
	for i := range recs {
		acc.Add(recs[i], vals[i])
		slicer.Add(recs[i], vals[i])
		w.Put(recs[i], vals[i])
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	s := acc.Summary()
	t0 := time.Unix(0, Base).UTC()
	run := &export.Run{BenchmarkID: "0123456789ab", InputConfig: map[string]any{"endpoint": map[string]any{"urls": []string{"http://localhost:8000"}}},
		CLICommand: "sonde profile -m m --streaming", StartTime: t0, EndTime: t0.Add(time.Duration(s.DurationSec * 1e9)), Version: "test", Seed: 42,
		Warnings: []string{"a fixture"}}
	if _, err := export.WriteSummaries(files, s, run); err != nil {
		return nil, err
	}
	if sh.Slices {
		if err := export.WriteFile(files.TimeslicesJSON(), export.TimeslicesJSON(slicer.Slices())); err != nil {
			return nil, err
		}
	}
	if sh.Scrapes {
		if err := writeScrapes(files); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// writeScrapes writes four scrapes of a server and of a GPU exporter, one
// every 100 ms.
func writeScrapes(files export.Files) error {
	server, err := os.Create(files.ServerMetricsJSONL())
	if err != nil {
		return err
	}
	defer server.Close()
	gpu, err := os.Create(files.GPUTelemetryJSONL())
	if err != nil {
		return err
	}
	defer gpu.Close()
	for k := range 4 {
		at := Base + int64(k)*int64(100*time.Millisecond)
		gauge := func(name string, v float64) telemetry.Family {
			return telemetry.Family{Name: name, Type: "gauge", Samples: []telemetry.Sample{{Labels: map[string]string{"gpu": "0"}, Value: v}}}
		}
		if err := telemetry.WriteScrape(server, &telemetry.Scrape{Endpoint: "http://s/metrics", TimeNs: at, Families: []telemetry.Family{
			gauge("vllm:num_requests_running", float64(k%3)), gauge("vllm:num_requests_waiting", float64(k%2))}}); err != nil {
			return err
		}
		if err := telemetry.WriteScrape(gpu, &telemetry.Scrape{Endpoint: "http://d/metrics", TimeNs: at, Families: []telemetry.Family{
			gauge("DCGM_FI_DEV_POWER_USAGE", 300+float64(10*k))}}); err != nil {
			return err
		}
	}
	return nil
}
