package endpoint

import (
	"bytes"
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
	// Job is a video generation job's state (its id is ID).
	Job *Job
	// Images counts the finished images of an image generation answer;
	// Partial marks a streamed partial image (an arrival, not an image).
	Images  int
	Partial bool
	// BadUsage says why a usage the server sent was dropped (a count that
	// is negative, fractional or beyond MaxTokenCount).
	BadUsage string
	// ToolCalls are a chat chunk's tool-call pieces (a whole answer's
	// calls, indexed in order).
	ToolCalls []openai.ToolCallDelta
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
	// shape is the last chat or completions chunk learned: the bytes
	// before and after its only text value (pre, suf in shapeBuf).
	shapeBuf  []byte
	pre, suf  int
	shaped    bool
	reasoning bool
	check     []byte // learn's scratch
	// hit is whether the last DecodeTo read its data as the shape (or
	// learned the shape from it); frame is the shape with the event's
	// framing around it (framePre bytes, then the text, then the rest),
	// and which text it carries, for EventTo.
	hit                    bool
	frame                  []byte
	framePre               int
	framed, frameReasoning bool
	// tools numbers the tool calls of a Responses or Messages answer by
	// the API's own index of them.
	tools map[int]int
}

// Text collects a request's answer: content and reasoning appended chunk
// by chunk into two buffers, so that decoding a stream allocates nothing
// per chunk.
type Text struct {
	Content, Reasoning []byte
	// Tools are the answer's tool calls, their arguments assembled;
	// ToolArgs are all their arguments' text, in arrival order (output
	// tokens, as the arguments are what the model wrote).
	Tools    []openai.ToolCall
	ToolArgs []byte
}

// addTools merges tool-call pieces into the answer's calls.
func (t *Text) addTools(pieces []openai.ToolCallDelta) {
	for _, d := range pieces {
		if d.Index < 0 || d.Index > maxToolCalls {
			continue // not a call a model makes: its text still counts below
		}
		for len(t.Tools) <= d.Index {
			t.Tools = append(t.Tools, openai.ToolCall{Type: "function"})
		}
		c := &t.Tools[d.Index]
		if d.ID != "" {
			c.ID = d.ID
		}
		if d.Type != "" {
			c.Type = d.Type
		}
		c.Function.Name += d.Function.Name
		c.Function.Arguments += d.Function.Arguments
		t.ToolArgs = append(t.ToolArgs, d.Function.Arguments...)
	}
}

// maxToolCalls bounds the index of a call in one answer, so a hostile
// index cannot size a slice.
const maxToolCalls = 1024

// DecodeTo is Decode appending the text to t instead of returning it
// (p.Content and p.Reasoning stay empty). A chat or completions chunk with
// the same bytes as the previous one but for its text — every token of a
// stream but the first and the last — is read by comparing those bytes
// and unquoting the text alone: the rest of it was checked already.
func (d *Decoder) DecodeTo(data []byte, t *Text) (p Parsed, ok bool, err error) {
	d.hit = false
	data = bytes.TrimSpace(data)
	if d.shaped && len(data) >= d.pre+d.suf {
		pre, suf := d.shapeBuf[:d.pre], d.shapeBuf[d.pre:]
		if bytes.HasPrefix(data, pre) && bytes.HasSuffix(data, suf) {
			dst := &t.Content
			if d.reasoning {
				dst = &t.Reasoning
			}
			if out, ok := appendText(*dst, data[d.pre:len(data)-d.suf]); ok {
				*dst, d.hit = out, true
				return p, true, nil
			}
		}
	}
	if len(data) == 0 || bytes.Equal(data, done) {
		return p, false, nil
	}
	if d.c.Type == Chat || d.c.Type == Completions {
		var span textSpan
		var handled bool
		if p, handled, span = decodeFastShape(data); handled {
			d.learn(data, &p, span)
		} else if p, ok, err = decodeJSON(data); !ok || err != nil {
			return p, ok, err
		}
	} else if p, ok, err = d.Decode(data); !ok || err != nil {
		return p, ok, err
	}
	t.Content = append(t.Content, p.Content...)
	t.Reasoning = append(t.Reasoning, p.Reasoning...)
	t.addTools(p.ToolCalls)
	p.Content, p.Reasoning, p.ToolCalls = "", "", nil
	return p, true, nil
}

// learn keeps a chunk's shape when its only text value, non-empty, is
// what the chunk carries, and it carries nothing else (no usage, error or
// id that the shortcut would lose).
func (d *Decoder) learn(data []byte, p *Parsed, span textSpan) {
	d.shaped = false
	text := p.Content
	if span.reasoning {
		text = p.Reasoning
	}
	other := p.Reasoning
	if span.reasoning {
		other = p.Content
	}
	if span.strings != 1 || text == "" || other != "" || p.Usage != nil || p.Err != "" || p.ID != "" || p.Items != 0 {
		return
	}
	got, ok := appendText(d.check[:0], data[span.start:span.end])
	if d.check = got; !ok || string(got) != text {
		return
	}
	d.shapeBuf = append(append(d.shapeBuf[:0], data[:span.start]...), data[span.end:]...)
	d.pre, d.suf, d.shaped, d.reasoning, d.hit = span.start, len(data)-span.end, true, span.reasoning, true
}

// NewDecoder starts decoding one request's responses.
func (c *Codec) NewDecoder() *Decoder { return &Decoder{c: c} }

// Reset readies d for another request's responses, keeping its buffers.
func (d *Decoder) Reset(c *Codec) {
	*d = Decoder{c: c, shapeBuf: d.shapeBuf[:0], check: d.check[:0], frame: d.frame[:0]}
}

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
	case Embeddings, ChatEmbeddings, NIMEmbeddings, NIMRankings, HFTEIRankings, CohereRankings, ImageRetrieval:
		return decodeVectors(data)
	case HFGenerate:
		return decodeTGI(data)
	case SolidoRAG:
		return decodeSolido(data)
	case ImageGen, ImageEdit:
		return decodeImages(data)
	case Transcription:
		return decodeTranscript(data)
	case VideoGen:
		return decodeJob(data)
	}
	return d.template(data)
}

// HasContent reports whether the object carries text (AIPerf keeps only such
// responses: role-only deltas, usage-only chunks and [DONE] are dropped).
func (p *Parsed) HasContent() bool { return p.Content != "" || p.Reasoning != "" }

var done = []byte("[DONE]")

// IsDone reports the data of the event that ends an OpenAI stream.
func IsDone(data []byte) bool { return bytes.Equal(bytes.TrimSpace(data), done) }

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
	bad, err := unmarshal(data, &r)
	if err != nil {
		return p, false, fmt.Errorf("invalid JSON in response: %v", err)
	}
	defer p.vetUsage(bad)
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
		p.ToolCalls = ch.Delta.ToolCalls
	case ch.Message != nil:
		p.Content, p.Reasoning = deltaText(ch.Message)
		p.ToolCalls = ch.Message.ToolCalls
		for i := range p.ToolCalls {
			p.ToolCalls[i].Index = i // a whole message's calls carry no index
		}
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
