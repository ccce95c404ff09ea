package httpapi

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/sonde-bench/sonde/internal/jsonw"
	"github.com/sonde-bench/sonde/internal/openai"
	"github.com/sonde-bench/sonde/internal/sim"
)

// dialect renders one engine stream in an API's own event shapes (the
// Responses API, Anthropic Messages, TGI); OpenAI chat and completions keep
// their pre-rendered chunk path in respond.go.
type dialect interface {
	// open is what precedes the first token (sent when it is ready).
	open(dst []byte, o *responder, st sim.Stream, prompt int) []byte
	// token renders one token; last is the stream's final one.
	token(dst []byte, t sim.Token, last bool) []byte
	// close ends the stream with the usage.
	close(dst []byte, o *responder, u *openai.Usage, finish string) []byte
	// body is the whole, non-streamed answer.
	body(o *responder, content, reasoning string, u *openai.Usage, finish string) any
}

func newDialect(a api) dialect {
	switch a {
	case apiResponses:
		return &responsesDialect{}
	case apiMessages:
		return &messagesDialect{}
	case apiTGI:
		return &tgiDialect{}
	case apiSolido:
		return solidoDialect{}
	case apiTranscription:
		return transcriptDialect{}
	}
	return nil
}

// event appends one SSE event with an event name, as the Responses and
// Messages APIs send them.
func event(dst []byte, name string, v any) []byte {
	b, _ := json.Marshal(v)
	dst = append(dst, "event: "...)
	dst = append(dst, name...)
	dst = append(dst, "\ndata: "...)
	dst = append(dst, b...)
	return append(dst, "\n\n"...)
}

// answer is the text a Responses API answer carried, for the store.
func (o *responder) answer() string {
	if d, ok := o.d.(*responsesDialect); ok {
		return d.text.String()
	}
	return o.text.String()
}

// --- OpenAI Responses API ---

type responsesDialect struct {
	text, reasoning strings.Builder
	args            strings.Builder // a tool call's arguments
	seq             int
	deltaHead       [2][]byte // output_text and reasoning_text delta heads
}

func (d *responsesDialect) object(o *responder, status string, u *openai.Usage) map[string]any {
	r := map[string]any{"id": o.id, "object": "response", "created_at": o.created, "status": status, "model": o.model, "output": []any{}}
	if u != nil {
		r["output"] = responsesOutput(o.id, d.text.String(), d.reasoning.String())
		if o.tool != nil {
			r["output"] = d.toolOutput(o)
		}
		r["usage"] = responsesUsage(u)
	}
	return r
}

func (d *responsesDialect) open(dst []byte, o *responder, _ sim.Stream, _ int) []byte {
	for i, kind := range []string{"output_text", "reasoning_text"} {
		d.deltaHead[i] = []byte(`event: response.` + kind + ".delta\ndata: {\"type\":\"response." + kind + `.delta","item_id":"msg_` + o.id + `","output_index":0,"content_index":0,"delta":`)
	}
	d.seq = 1
	return event(dst, "response.created", map[string]any{"type": "response.created", "sequence_number": 0, "response": d.object(o, "in_progress", nil)})
}

func (d *responsesDialect) token(dst []byte, t sim.Token, _ bool) []byte {
	head := d.deltaHead[0]
	if t.Reasoning {
		head = d.deltaHead[1]
		d.reasoning.WriteString(t.Text)
	} else {
		d.text.WriteString(t.Text)
	}
	dst = append(dst, head...)
	dst = jsonw.String(dst, t.Text)
	dst = append(dst, `,"sequence_number":`...)
	dst = strconv.AppendInt(dst, int64(d.seq), 10)
	d.seq++
	return append(dst, "}\n\n"...)
}

func (d *responsesDialect) close(dst []byte, o *responder, u *openai.Usage, finish string) []byte {
	status, name := "completed", "response.completed"
	if finish == "length" {
		status, name = "incomplete", "response.incomplete"
	}
	return event(dst, name, map[string]any{"type": name, "sequence_number": d.seq, "response": d.object(o, status, u)})
}

func (d *responsesDialect) body(o *responder, content, reasoning string, u *openai.Usage, finish string) any {
	if o.tool != nil {
		d.args.Write(argsPiece(nil, content, true, true))
	}
	d.text.WriteString(content)
	d.reasoning.WriteString(reasoning)
	status := "completed"
	if finish == "length" {
		status = "incomplete"
	}
	return d.object(o, status, u)
}

func responsesOutput(id, text, reasoning string) []any {
	var out []any
	if reasoning != "" {
		out = append(out, map[string]any{"type": "reasoning", "id": "rs_" + id, "summary": []any{},
			"content": []any{map[string]any{"type": "reasoning_text", "text": reasoning}}})
	}
	return append(out, map[string]any{"type": "message", "id": "msg_" + id, "role": "assistant", "status": "completed",
		"content": []any{map[string]any{"type": "output_text", "text": text, "annotations": []any{}}}})
}

func responsesUsage(u *openai.Usage) map[string]any {
	cached, _ := u.Cached()
	reasoning, _ := u.Reasoning()
	return map[string]any{"input_tokens": u.PromptTokens, "output_tokens": u.CompletionTokens, "total_tokens": u.TotalTokens,
		"input_tokens_details": map[string]any{"cached_tokens": cached}, "output_tokens_details": map[string]any{"reasoning_tokens": reasoning}}
}

// --- Anthropic Messages ---

type messagesDialect struct {
	block     int    // index of the open content block
	blockType string // "thinking" or "text"
	head      [2][]byte
}

func anthropicUsage(u *openai.Usage) map[string]any {
	cached, _ := u.Cached()
	return map[string]any{"input_tokens": u.PromptTokens - cached, "cache_read_input_tokens": cached,
		"cache_creation_input_tokens": 0, "output_tokens": u.CompletionTokens}
}

func stopReason(finish string) string {
	if finish == "length" {
		return "max_tokens"
	}
	return "end_turn"
}

func (d *messagesDialect) open(dst []byte, o *responder, st sim.Stream, prompt int) []byte {
	u := &openai.Usage{PromptTokens: prompt, CompletionTokens: 1, PromptTokensDetails: &openai.PromptTokensDetails{CachedTokens: st.CachedTokens()}}
	d.block = -1
	return event(dst, "message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": o.id, "type": "message", "role": "assistant", "content": []any{}, "model": o.model,
		"stop_reason": nil, "stop_sequence": nil, "usage": anthropicUsage(u)}})
}

// startBlock closes the open block and opens one of kind.
func (d *messagesDialect) startBlock(dst []byte, kind string) []byte {
	if d.block >= 0 {
		dst = event(dst, "content_block_stop", map[string]any{"type": "content_block_stop", "index": d.block})
	}
	d.block++
	d.blockType = kind
	blk := map[string]any{"type": "text", "text": ""}
	field := "text_delta\",\"text\":"
	if kind == "thinking" {
		blk = map[string]any{"type": "thinking", "thinking": ""}
		field = "thinking_delta\",\"thinking\":"
	}
	d.head[0] = []byte("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":" + strconv.Itoa(d.block) + ",\"delta\":{\"type\":\"" + field)
	return event(dst, "content_block_start", map[string]any{"type": "content_block_start", "index": d.block, "content_block": blk})
}

func (d *messagesDialect) token(dst []byte, t sim.Token, _ bool) []byte {
	kind := "text"
	if t.Reasoning {
		kind = "thinking"
	}
	if kind != d.blockType {
		dst = d.startBlock(dst, kind)
	}
	dst = append(dst, d.head[0]...)
	dst = jsonw.String(dst, t.Text)
	return append(dst, "}}\n\n"...)
}

func (d *messagesDialect) close(dst []byte, o *responder, u *openai.Usage, finish string) []byte {
	if d.block >= 0 {
		dst = event(dst, "content_block_stop", map[string]any{"type": "content_block_stop", "index": d.block})
	}
	stop := stopReason(finish)
	if o.tool != nil {
		stop = "tool_use"
	}
	dst = event(dst, "message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": stop, "stop_sequence": nil}, "usage": map[string]any{"output_tokens": u.CompletionTokens}})
	return event(dst, "message_stop", map[string]any{"type": "message_stop"})
}

func (d *messagesDialect) body(o *responder, content, reasoning string, u *openai.Usage, finish string) any {
	var blocks []any
	if reasoning != "" {
		blocks = append(blocks, map[string]any{"type": "thinking", "thinking": reasoning, "signature": ""})
	}
	stop := stopReason(finish)
	if o.tool != nil {
		blocks, stop = append(blocks, toolBlock(o, content)), "tool_use"
	} else {
		blocks = append(blocks, map[string]any{"type": "text", "text": content})
	}
	return map[string]any{"id": o.id, "type": "message", "role": "assistant", "model": o.model, "content": blocks,
		"stop_reason": stop, "stop_sequence": nil, "usage": anthropicUsage(u)}
}

// --- Hugging Face TGI ---

type tgiDialect struct {
	n    int
	text strings.Builder
	fin  string
}

func (d *tgiDialect) open(dst []byte, _ *responder, st sim.Stream, _ int) []byte {
	d.fin = st.FinishReason()
	return dst
}

func (d *tgiDialect) token(dst []byte, t sim.Token, last bool) []byte {
	d.text.WriteString(t.Text)
	dst = append(dst, `data:{"index":`...)
	dst = strconv.AppendInt(dst, int64(d.n), 10)
	d.n++
	dst = append(dst, `,"token":{"id":0,"text":`...)
	dst = jsonw.String(dst, t.Text)
	dst = append(dst, `,"logprob":0.0,"special":false},"generated_text":`...)
	if !last {
		return append(dst, "null,\"details\":null}\n\n"...)
	}
	dst = jsonw.String(dst, d.text.String())
	fin := "eos_token"
	if d.fin == "length" {
		fin = "length"
	}
	dst = append(dst, `,"details":{"finish_reason":"`+fin+`","generated_tokens":`...)
	dst = strconv.AppendInt(dst, int64(d.n), 10)
	return append(dst, ",\"seed\":null}}\n\n"...)
}

func (d *tgiDialect) close(dst []byte, _ *responder, _ *openai.Usage, _ string) []byte { return dst }

func (d *tgiDialect) body(_ *responder, content, reasoning string, u *openai.Usage, finish string) any {
	fin := "eos_token"
	if finish == "length" {
		fin = "length"
	}
	return map[string]any{"generated_text": reasoning + content,
		"details": map[string]any{"finish_reason": fin, "generated_tokens": u.CompletionTokens, "seed": nil}}
}

// --- SOLIDO RAG ---

// solidoDialect answers {"content": …, "sources": […]}; streamed, one
// {"content": token} event per token and the sources last.
type solidoDialect struct{}

// solidoSources are the documents a RAG answer cites.
func solidoSources() []map[string]any {
	return []map[string]any{{"title": "SDE user guide", "page": 12, "score": 0.91}, {"title": "SDE release notes", "page": 3, "score": 0.74}}
}

func (solidoDialect) open(dst []byte, _ *responder, _ sim.Stream, _ int) []byte { return dst }

func (solidoDialect) token(dst []byte, t sim.Token, _ bool) []byte {
	dst = append(dst, `data: {"content":`...)
	dst = jsonw.String(dst, t.Text)
	return append(dst, "}\n\n"...)
}

func (solidoDialect) close(dst []byte, _ *responder, _ *openai.Usage, _ string) []byte {
	b, _ := json.Marshal(map[string]any{"content": "", "sources": solidoSources()})
	dst = append(dst, "data: "...)
	dst = append(dst, b...)
	return append(dst, "\n\n"...)
}

func (solidoDialect) body(_ *responder, content, reasoning string, _ *openai.Usage, _ string) any {
	return map[string]any{"content": reasoning + content, "sources": solidoSources()}
}
