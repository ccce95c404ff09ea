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
	// ID is the server's id of the answer (the Responses API's, for
	// previous_response_id).
	ID string
	// Items counts the vectors or scores of an embeddings or ranking answer.
	Items int
}

// Decoder parses one request's responses for its endpoint type. It keeps
// what an API spreads over several events (Anthropic's usage: input tokens
// in message_start, output tokens in message_delta).
type Decoder struct {
	c        *Codec
	prompt   int // messages: input tokens from message_start
	cached   int
	hasStart bool
	sawDelta bool // responses: output_text.done is only a fallback
}

// NewDecoder starts decoding one request's responses.
func (c *Codec) NewDecoder() *Decoder { return &Decoder{c: c} }

// Decode parses one SSE data payload or one whole body. ok is false for
// data that carries nothing (empty, [DONE]); err is set for invalid JSON.
func (d *Decoder) Decode(data []byte) (p Parsed, ok bool, err error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || bytes.Equal(data, done) {
		return p, false, nil
	}
	switch d.c.Type {
	case Chat, Completions:
		return Decode(data)
	case Responses:
		return d.responses(data)
	case Messages:
		return d.messages(data)
	case Embeddings, ChatEmbeddings, NIMEmbeddings, NIMRankings, HFTEIRankings, CohereRankings:
		return decodeVectors(data)
	case HFGenerate:
		return decodeTGI(data)
	}
	return d.template(data)
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
