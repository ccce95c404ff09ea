package export

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

// Output is one answer in outputs.json.
type Output struct {
	ConversationID string `json:"conversation_id"`
	TurnIndex      int    `json:"turn_index"`
	SessionNum     int    `json:"session_num"`
	XCorrelationID string `json:"x_correlation_id"`
	XRequestID     string `json:"x_request_id"`
	Output         string `json:"output"`
	Reasoning      string `json:"reasoning,omitempty"`
}

type outputsFile struct {
	SchemaVersion string   `json:"schema_version"`
	Data          []Output `json:"data"`
}

// OutputsSink collects every successful answer and writes outputs.json
// when closed (--export-outputs-json).
type OutputsSink struct {
	path string
	data []Output
}

// NewOutputsSink writes outputs.json to path on Close.
func NewOutputsSink(path string) *OutputsSink { return &OutputsSink{path: path} }

// Start has nothing to open: the file is written whole on Close.
func (o *OutputsSink) Start() error { return nil }

// Close writes the file.
func (o *OutputsSink) Close() error {
	if err := WriteFile(o.path, o.JSON()); err != nil {
		return fmt.Errorf("writing %s: %w", o.path, err)
	}
	return nil
}

// Put records one answer (a Sink).
func (o *OutputsSink) Put(r *record.Record, _ *metrics.Values) {
	if r.Error != nil {
		return
	}
	o.data = append(o.data, Output{ConversationID: r.ConversationID, TurnIndex: r.TurnIndex, SessionNum: r.SessionNum,
		XCorrelationID: r.CorrelationID, XRequestID: r.RequestID, Output: r.Output, Reasoning: r.ReasoningText})
}

// JSON renders outputs.json.
func (o *OutputsSink) JSON() []byte {
	b, _ := json.MarshalIndent(outputsFile{SchemaVersion: "1.1", Data: o.data}, "", "  ")
	return append(b, '\n')
}

// OutputKey identifies an answer: which conversation, which turn.
type OutputKey struct {
	ConversationID string
	TurnIndex      int
}

// LoadOutputs reads a previous run's outputs.json: the first answer recorded
// for each (conversation, turn).
func LoadOutputs(path string) (map[OutputKey]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--replay-outputs: %w", err)
	}
	var f outputsFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("--replay-outputs %s: not an outputs.json: %v", path, err)
	}
	out := map[OutputKey]string{}
	for i, o := range f.Data {
		if o.ConversationID == "" {
			return nil, fmt.Errorf("--replay-outputs %s: entry %d has no conversation_id", path, i)
		}
		k := OutputKey{o.ConversationID, o.TurnIndex}
		if _, seen := out[k]; !seen {
			out[k] = o.Output
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--replay-outputs %s: no answers in the file", path)
	}
	return out, nil
}

// Outputs is the path of outputs.json.
func (f Files) Outputs() string { return f.path("outputs.json", "_outputs.json") }
