package endpoint

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/sonde-bench/sonde/internal/openai"
)

// Parsed is what one response object carries.
type Parsed struct {
	Content   string
	Reasoning string
	Usage     *openai.Usage
	Err       string // a streamed or returned error object
}

// HasContent reports whether the object carries text (AIPerf keeps only such
// responses: role-only deltas, usage-only chunks and [DONE] are dropped).
func (p *Parsed) HasContent() bool { return p.Content != "" || p.Reasoning != "" }

var done = []byte("[DONE]")

// Decode parses one SSE data payload or one whole body. ok is false for
// data that carries nothing (empty, [DONE]); err is set for invalid JSON.
func Decode(data []byte) (p Parsed, ok bool, err error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || bytes.Equal(data, done) {
		return p, false, nil
	}
	if p, handled := decodeFast(data); handled {
		return p, true, nil
	}
	return decodeJSON(data)
}

// decodeJSON is the slow path: encoding/json for any shape.
func decodeJSON(data []byte) (p Parsed, ok bool, err error) {
	var r openai.Response
	if err := json.Unmarshal(data, &r); err != nil {
		return p, false, fmt.Errorf("invalid JSON in response: %v", err)
	}
	if r.Error != nil {
		p.Err = r.Error.Message
		if p.Err == "" {
			p.Err = string(data)
		}
		return p, true, nil
	}
	p.Usage = r.Usage
	if len(r.Choices) == 0 {
		return p, true, nil
	}
	ch := r.Choices[0]
	switch {
	case ch.Delta != nil:
		p.Content, p.Reasoning = deltaText(ch.Delta)
	case ch.Message != nil:
		p.Content, p.Reasoning = deltaText(ch.Message)
	case ch.Text != nil:
		p.Content = *ch.Text
	}
	return p, true, nil
}

func deltaText(d *openai.Delta) (content, reasoning string) {
	if d.Content != nil {
		content = *d.Content
	}
	switch {
	case d.ReasoningContent != nil && *d.ReasoningContent != "":
		reasoning = *d.ReasoningContent
	case d.Reasoning != nil:
		reasoning = *d.Reasoning
	}
	return content, reasoning
}
