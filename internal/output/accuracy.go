package output

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sonde-bench/sonde/internal/accuracy"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

// accuracySink grades each profiling answer that carries a gold, on the
// processor goroutine (never on a request's path), and keeps its line of
// accuracy_export.jsonl.
type accuracySink struct {
	tally   *accuracy.Tally
	lines   []byte
	verbose []string
	keepLog bool
}

func (s *accuracySink) Start() error { return nil }
func (s *accuracySink) Close() error { return nil }

// accuracyLine is AIPerf's AccuracyRecordsData, one graded answer.
type accuracyLine struct {
	SessionNum     int     `json:"session_num"`
	ConversationID string  `json:"conversation_id"`
	XRequestID     string  `json:"x_request_id"`
	WorkerID       string  `json:"worker_id"`
	BenchmarkPhase string  `json:"benchmark_phase"`
	TimestampNs    int64   `json:"timestamp_ns"`
	Task           *string `json:"task"`
	GraderName     string  `json:"grader_name"`
	Passed         bool    `json:"passed"`
	Unparsed       bool    `json:"unparsed"`
	Confidence     float64 `json:"confidence"`
	Expected       string  `json:"expected"`
	Actual         string  `json:"actual"`
	Explanation    string  `json:"explanation"`
	ModelOutput    string  `json:"model_output"`
	ModelThinking  *string `json:"model_thinking"`
}

// Put grades r: only answered requests (a failed one is in the error
// count, not an answer graded wrong).
func (s *accuracySink) Put(r *record.Record, _ *metrics.Values) {
	if r.Gold == nil || r.Error != nil || r.Phase != record.PhaseProfiling {
		return
	}
	g := accuracy.Grade(r.Gold.Grader, r.Output, r.Gold.Answer)
	s.tally.Add(r.Gold.Task, g)
	l := accuracyLine{SessionNum: r.SessionNum, ConversationID: r.ConversationID, XRequestID: r.RequestID, WorkerID: "sonde",
		BenchmarkPhase: r.Phase, TimestampNs: r.EndWallNs, GraderName: r.Gold.Grader, Passed: g.Passed, Unparsed: g.Unparsed,
		Expected: r.Gold.Answer, Actual: g.Actual, Explanation: g.Why, ModelOutput: r.Output}
	if g.Passed {
		l.Confidence = 1
	}
	if r.Gold.Task != "" {
		l.Task = &r.Gold.Task
	}
	if r.ReasoningText != "" {
		l.ModelThinking = &r.ReasoningText
	}
	b, _ := json.Marshal(l)
	s.lines = append(append(s.lines, b...), '\n')
	if s.keepLog {
		s.verbose = append(s.verbose, fmt.Sprintf("accuracy: %s %s: %v (%s)", r.ConversationID, r.Gold.Task, g.Passed, g.Why))
	}
}

// newAccuracy is the grading sink of a run of benchmark b and the output
// that writes what it counted.
func newAccuracy(b accuracy.Benchmark, verbose bool, level float64, files export.Files, info func(string)) (*accuracySink, *accuracyOutput) {
	if !(level > 0 && level < 1) {
		level = 0.95
	}
	s := &accuracySink{tally: accuracy.NewTally(), keepLog: verbose}
	return s, &accuracyOutput{sink: s, b: b, level: level, files: files, info: info}
}

// accuracyOutput puts the accuracy into the summary (sonde.accuracy) and
// the console, and writes accuracy_results.csv and accuracy_export.jsonl.
type accuracyOutput struct {
	sink  *accuracySink
	b     accuracy.Benchmark
	level float64
	files export.Files
	info  func(string)
	sum   accuracy.Summary
}

func (o *accuracyOutput) Start(context.Context) error { return nil }
func (o *accuracyOutput) Stop() error                 { return nil }

func (o *accuracyOutput) Contribute(_ *metrics.Summary, run *export.Run) {
	o.sum = o.sink.tally.Summarize(o.b, o.level)
	for _, l := range o.sink.verbose {
		o.info(l)
	}
	addSection(run, "accuracy", o.sum, o.sum.Print, nil)
}

func (o *accuracyOutput) Write() error {
	return errors.Join(export.WriteFile(o.files.AccuracyCSV(), o.sum.CSV()), export.WriteFile(o.files.AccuracyJSONL(), o.sink.lines))
}
