package endpoint

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sonde-bench/sonde/internal/openai"
)

// errorField reads an "error" that is an object with a message (OpenAI,
// Anthropic) or a plain string (TGI, TEI).
type errorField struct{ msg string }

func (e *errorField) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		e.msg = s
		return nil
	}
	var obj struct {
		Message string `json:"message"`
		Type    string `json:"type"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return nil // null or another shape: not an error message
	}
	e.msg = obj.Message
	if e.msg == "" {
		e.msg = obj.Type
	}
	if e.msg == "" {
		e.msg = string(b)
	}
	return nil
}

func invalid(err error) (Parsed, bool, error) {
	return Parsed{}, false, fmt.Errorf("invalid JSON in response: %v", err)
}

// unmarshalAnswer decodes an answer into obj, whose error field is *e: done
// when there is nothing more to read of it — invalid JSON, or the error
// object the server sent (p.Err).
func unmarshalAnswer(data []byte, obj any, e **errorField) (p Parsed, ok, done bool, err error) {
	if err := json.Unmarshal(data, obj); err != nil {
		p, ok, err = invalid(err)
		return p, ok, true, err
	}
	if *e != nil && (*e).msg != "" {
		p.Err = (*e).msg
		return p, true, true, nil
	}
	return p, true, false, nil
}

// responsesUsage is the Responses API's usage object.
type responsesUsage struct {
	InputTokens        int `json:"input_tokens"`
	OutputTokens       int `json:"output_tokens"`
	TotalTokens        int `json:"total_tokens"`
	InputTokensDetails *struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"input_tokens_details"`
	OutputTokensDetails *struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
}

func (u *responsesUsage) openai() *openai.Usage {
	if u == nil {
		return nil
	}
	out := &openai.Usage{PromptTokens: u.InputTokens, CompletionTokens: u.OutputTokens, TotalTokens: u.TotalTokens}
	if u.InputTokensDetails != nil {
		out.PromptTokensDetails = &openai.PromptTokensDetails{CachedTokens: u.InputTokensDetails.CachedTokens}
	}
	if u.OutputTokensDetails != nil {
		out.CompletionTokensDetails = &openai.CompletionTokensDetails{ReasoningTokens: u.OutputTokensDetails.ReasoningTokens}
	}
	return out
}

type responsesObject struct {
	Object     string          `json:"object"`
	ID         string          `json:"id"`
	Status     string          `json:"status"`
	OutputText *string         `json:"output_text"`
	Output     []responsesItem `json:"output"`
	Usage      *responsesUsage `json:"usage"`
	Error      *errorField     `json:"error"`
}

type responsesItem struct {
	Type string `json:"type"`
	// A function_call item's call.
	CallID    string `json:"call_id"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
	Content   []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
	Summary []struct {
		Text string `json:"text"`
	} `json:"summary"`
}

// text gathers an answer's output text and reasoning from its items.
func (r *responsesObject) text() (content, reasoning string) {
	for _, it := range r.Output {
		switch it.Type {
		case "message":
			for _, c := range it.Content {
				if c.Type == "output_text" || c.Type == "text" {
					content += c.Text
				}
			}
		case "reasoning":
			for _, c := range it.Content {
				reasoning += c.Text
			}
			if len(it.Content) == 0 {
				for _, s := range it.Summary {
					reasoning += s.Text
				}
			}
		}
	}
	if content == "" && r.OutputText != nil {
		content = *r.OutputText
	}
	return content, reasoning
}

// responses reads a Responses API event (response.*) or whole response.
func (d *Decoder) responses(data []byte) (p Parsed, ok bool, err error) {
	var ev struct {
		Type        string           `json:"type"`
		Delta       string           `json:"delta"`
		Text        string           `json:"text"`
		Message     string           `json:"message"`
		Response    *responsesObject `json:"response"`
		OutputIndex int              `json:"output_index"`
		Item        *responsesItem   `json:"item"`
		responsesObject
	}
	bad, err := unmarshal(data, &ev)
	if err != nil {
		return invalid(err)
	}
	defer p.vetUsage(bad)
	if ev.Response != nil {
		p.ID = ev.Response.ID
		p.Usage = ev.Response.Usage.openai()
		if ev.Response.Error != nil && ev.Response.Error.msg != "" {
			p.Err = ev.Response.Error.msg
		}
	}
	switch ev.Type {
	case "response.output_text.delta":
		p.Content, d.sawDelta = ev.Delta, true
	case "response.reasoning_text.delta", "response.reasoning_summary_text.delta":
		p.Reasoning, d.sawDelta = ev.Delta, true
	case "response.output_text.done":
		if !d.sawDelta {
			p.Content = ev.Text
		}
	case "response.output_item.added":
		if it := ev.Item; it != nil && it.Type == "function_call" {
			p.ToolCalls = []openai.ToolCallDelta{callDelta(d.toolIndex(ev.OutputIndex), it.CallID, it.Name, it.Arguments)}
		}
	case "response.function_call_arguments.delta":
		p.ToolCalls = []openai.ToolCallDelta{callDelta(d.toolIndex(ev.OutputIndex), "", "", ev.Delta)}
	case "response.failed":
		if p.Err == "" {
			p.Err = "response.failed"
		}
	case "error":
		p.Err = ev.Message
		if ev.Error != nil && ev.Error.msg != "" {
			p.Err = ev.Error.msg
		}
		if p.Err == "" {
			p.Err = string(data)
		}
	case "":
		// A whole (non-streamed) response, or an error body.
		if ev.Error != nil && ev.Error.msg != "" {
			p.Err = ev.Error.msg
			break
		}
		p.ID, p.Usage = ev.ID, ev.Usage.openai()
		p.Content, p.Reasoning = ev.text()
		for _, it := range ev.Output {
			if it.Type == "function_call" {
				p.ToolCalls = append(p.ToolCalls, callDelta(len(p.ToolCalls), it.CallID, it.Name, it.Arguments))
			}
		}
	}
	return p, true, nil
}

// toolIndex numbers an answer's tool calls in the order they start, from
// the API's own position of them (an output or content-block index, which
// counts text items too).
func (d *Decoder) toolIndex(at int) int {
	if d.tools == nil {
		d.tools = map[int]int{}
	}
	i, ok := d.tools[at]
	if !ok {
		i = len(d.tools)
		d.tools[at] = i
	}
	return i
}

// callDelta is a piece of tool call i.
func callDelta(i int, id, name, args string) openai.ToolCallDelta {
	d := openai.ToolCallDelta{Index: i, ID: id}
	if id != "" {
		d.Type = "function"
	}
	d.Function.Name, d.Function.Arguments = name, args
	return d
}

// anthropicBlock is a Messages API content block (or a delta of one).
type anthropicBlock struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	Thinking string `json:"thinking"`
	// A tool_use block's call, and its input streamed as JSON pieces.
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Input       json.RawMessage `json:"input"`
	PartialJSON string          `json:"partial_json"`
}

// block reads a streamed block (or delta) at index: text, thinking, or a
// tool call's start and input pieces.
func (d *Decoder) block(p *Parsed, index int, b *anthropicBlock) {
	switch {
	case b == nil:
	case b.Type == "tool_use":
		p.ToolCalls = []openai.ToolCallDelta{callDelta(d.toolIndex(index), b.ID, b.Name, "")}
	case b.Type == "input_json_delta":
		p.ToolCalls = []openai.ToolCallDelta{callDelta(d.toolIndex(index), "", "", b.PartialJSON)}
	default:
		p.Content, p.Reasoning = b.Text, b.Thinking
	}
}

// anthropicUsage is the Messages API's usage: input_tokens excludes what was
// read from or written to the prompt cache.
type anthropicUsage struct {
	InputTokens              int `json:"input_tokens"`
	OutputTokens             int `json:"output_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
}

// prompt is all the input the model read: input_tokens counts only what
// the prompt cache neither served nor stored.
func (u *anthropicUsage) prompt() int {
	return u.InputTokens + u.CacheReadInputTokens + u.CacheCreationInputTokens
}

// usage is the usage of an answer of output tokens to a prompt of which
// cached tokens came from the prompt cache.
func usage(prompt, cached, output int) *openai.Usage {
	return &openai.Usage{PromptTokens: prompt, CompletionTokens: output, TotalTokens: prompt + output,
		PromptTokensDetails: &openai.PromptTokensDetails{CachedTokens: cached}}
}

// messages reads an Anthropic Messages event or whole message.
func (d *Decoder) messages(data []byte) (p Parsed, ok bool, err error) {
	var ev struct {
		Type    string `json:"type"`
		Index   int    `json:"index"`
		ID      string `json:"id"`
		Message *struct {
			ID    string          `json:"id"`
			Usage *anthropicUsage `json:"usage"`
		} `json:"message"`
		Delta        *anthropicBlock  `json:"delta"`
		ContentBlock *anthropicBlock  `json:"content_block"`
		Content      []anthropicBlock `json:"content"`
		Usage        *anthropicUsage  `json:"usage"`
		Error        *errorField      `json:"error"`
	}
	bad, err := unmarshal(data, &ev)
	if err != nil {
		return invalid(err)
	}
	defer p.vetUsage(bad)
	if ev.Error != nil && ev.Error.msg != "" {
		p.Err = ev.Error.msg
		return p, true, nil
	}
	switch ev.Type {
	case "message_start":
		if ev.Message != nil {
			p.ID = ev.Message.ID
			if u := ev.Message.Usage; u != nil {
				d.prompt, d.cached, d.hasStart = u.prompt(), u.CacheReadInputTokens, true
			}
		}
	case "content_block_start":
		d.block(&p, ev.Index, ev.ContentBlock)
	case "content_block_delta":
		d.block(&p, ev.Index, ev.Delta)
	case "message_delta":
		if ev.Usage != nil {
			prompt, cached := d.prompt, d.cached
			if !d.hasStart || ev.Usage.InputTokens > 0 {
				prompt, cached = ev.Usage.prompt(), ev.Usage.CacheReadInputTokens
			}
			p.Usage = usage(prompt, cached, ev.Usage.OutputTokens)
		}
	case "message":
		p.ID = ev.ID
		for _, b := range ev.Content {
			p.Content += b.Text
			p.Reasoning += b.Thinking
			if b.Type == "tool_use" {
				p.ToolCalls = append(p.ToolCalls, callDelta(len(p.ToolCalls), b.ID, b.Name, string(b.Input)))
			}
		}
		if u := ev.Usage; u != nil {
			p.Usage = usage(u.prompt(), u.CacheReadInputTokens, u.OutputTokens)
		}
	}
	return p, true, nil
}

// decodeVectors reads an embeddings answer ({"object":"list","data":[…]})
// or a ranking one (NIM's rankings, Cohere's results, TEI's bare list).
func decodeVectors(data []byte) (p Parsed, ok bool, err error) {
	if len(data) > 0 && data[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(data, &list); err != nil {
			return invalid(err)
		}
		p.Items = len(list)
		return p, true, nil
	}
	var obj struct {
		Data     []json.RawMessage `json:"data"`
		Rankings []json.RawMessage `json:"rankings"`
		Results  []json.RawMessage `json:"results"`
		Usage    *openai.Usage     `json:"usage"`
		Error    *errorField       `json:"error"`
	}
	if p, ok, done, err := unmarshalAnswer(data, &obj, &obj.Error); done {
		return p, ok, err
	}
	p.Items = len(obj.Data) + len(obj.Rankings) + len(obj.Results)
	p.Usage = obj.Usage
	return p, true, nil
}

// decodeTGI reads a TGI generate_stream event ({"token":{"text"}}) or a
// generate body ({"generated_text"}, or a list of them).
func decodeTGI(data []byte) (p Parsed, ok bool, err error) {
	type body struct {
		Token *struct {
			Text    string `json:"text"`
			Special bool   `json:"special"`
		} `json:"token"`
		GeneratedText *string     `json:"generated_text"`
		Error         *errorField `json:"error"`
	}
	var b body
	if len(data) > 0 && data[0] == '[' {
		var list []body
		if err := json.Unmarshal(data, &list); err != nil {
			return invalid(err)
		}
		if len(list) > 0 {
			b = list[0]
		}
	} else if err := json.Unmarshal(data, &b); err != nil {
		return invalid(err)
	}
	switch {
	case b.Error != nil && b.Error.msg != "":
		p.Err = b.Error.msg
	case b.Token != nil:
		// A stream's last event repeats the whole text in generated_text:
		// only its token is new.
		if !b.Token.Special {
			p.Content = b.Token.Text
		}
	case b.GeneratedText != nil:
		p.Content = *b.GeneratedText
	}
	return p, true, nil
}

// decodeSolido reads a SOLIDO RAG answer, whole or streamed: its text in
// "content", the retrieved "sources" beside it (not part of the answer).
func decodeSolido(data []byte) (p Parsed, ok bool, err error) {
	var obj struct {
		Content string      `json:"content"`
		Error   *errorField `json:"error"`
	}
	if p, ok, done, err := unmarshalAnswer(data, &obj, &obj.Error); done {
		return p, ok, err
	}
	p.Content = obj.Content
	return p, true, nil
}

// decodeImages reads an OpenAI images answer: a body's data list, or one
// streamed event (image_generation.partial_image, .completed) with its
// b64_json; usage maps input and output tokens to prompt and completion.
func decodeImages(data []byte) (p Parsed, ok bool, err error) {
	var obj struct {
		Type         string            `json:"type"`
		B64          *string           `json:"b64_json"`
		PartialIndex *int              `json:"partial_image_index"`
		Data         []json.RawMessage `json:"data"`
		Usage        *struct {
			Input  int `json:"input_tokens"`
			Output int `json:"output_tokens"`
		} `json:"usage"`
		Error *errorField `json:"error"`
	}
	if p, ok, done, err := unmarshalAnswer(data, &obj, &obj.Error); done {
		return p, ok, err
	}
	switch {
	case obj.B64 != nil && (obj.PartialIndex != nil || strings.HasSuffix(obj.Type, "partial_image")):
		p.Partial = true
	case obj.B64 != nil:
		p.Images = 1
	default:
		p.Images = len(obj.Data)
	}
	if u := obj.Usage; u != nil {
		p.Usage = usage(u.Input, 0, u.Output)
	}
	return p, true, nil
}

// Job is an asynchronous video job as OpenAI's and SGLang's video APIs
// describe it.
type Job struct {
	Status     string  // queued, in_progress, completed, failed
	Progress   float64 // percent
	InferenceS float64 // the server's inference time (SGLang's inference_time_s)
	PeakMB     float64 // the server's peak memory (peak_memory_mb)
}

// Done reports a job that will not change any more.
func (j *Job) Done() bool { return j.Status == "completed" || j.Status == "failed" }

// decodeJob reads a video job object (the submission's answer or a poll's).
func decodeJob(data []byte) (p Parsed, ok bool, err error) {
	var obj struct {
		ID         string      `json:"id"`
		Status     string      `json:"status"`
		Progress   float64     `json:"progress"`
		InferenceS float64     `json:"inference_time_s"`
		PeakMB     float64     `json:"peak_memory_mb"`
		Error      *errorField `json:"error"`
	}
	if err := json.Unmarshal(data, &obj); err != nil {
		return invalid(err)
	}
	if obj.Error != nil {
		p.Err = obj.Error.msg // a failed job says why beside its state
	}
	if obj.ID == "" || obj.Status == "" {
		return p, true, nil
	}
	p.ID, p.Job = obj.ID, &Job{Status: obj.Status, Progress: obj.Progress, InferenceS: obj.InferenceS, PeakMB: obj.PeakMB}
	return p, true, nil
}
