package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/sonde-bench/sonde/internal/openai"
	"github.com/sonde-bench/sonde/internal/sim"
)

// responder renders one engine stream as SSE chunks or one JSON body.
type responder struct {
	w       http.ResponseWriter
	chat    bool
	model   string
	id      string
	created int64
	// record keeps the answer text for the request record file.
	record bool
	text   strings.Builder
	sent   int
}

func (o *responder) note(t string) {
	o.sent++
	if o.record {
		o.text.WriteString(t)
	}
}

func (o *responder) object(chunk bool) string {
	switch {
	case o.chat && chunk:
		return "chat.completion.chunk"
	case o.chat:
		return "chat.completion"
	}
	return "text_completion"
}

func usage(prompt, completion int) *openai.Usage {
	return &openai.Usage{PromptTokens: prompt, CompletionTokens: completion, TotalTokens: prompt + completion}
}

// chunkTemplate pre-renders the bytes around a token's text, so streaming
// a token costs an append and a write instead of a JSON encoding: the
// simulator must not be the bottleneck of what it helps measure.
type chunkTemplate struct {
	head, tail []byte
}

func (o *responder) template(finish string) chunkTemplate {
	id, _ := json.Marshal(o.id)
	model, _ := json.Marshal(o.model)
	fin := "null"
	if finish != "" {
		fin = `"` + finish + `"`
	}
	head := `data: {"id":` + string(id) + `,"object":"` + o.object(true) + `","created":` + strconv.FormatInt(o.created, 10) + `,"model":` + string(model)
	if o.chat {
		return chunkTemplate{
			head: []byte(head + `,"choices":[{"index":0,"delta":{"content":`),
			tail: []byte(`},"finish_reason":` + fin + `}]}` + "\n\n"),
		}
	}
	return chunkTemplate{
		head: []byte(head + `,"choices":[{"index":0,"text":`),
		tail: []byte(`,"finish_reason":` + fin + `}]}` + "\n\n"),
	}
}

func (c *chunkTemplate) render(dst []byte, text string) []byte {
	dst = append(dst, c.head...)
	dst = appendJSONString(dst, text)
	return append(dst, c.tail...)
}

// appendJSONString quotes s; plain ASCII (the simulator's words) is copied.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			b, _ := json.Marshal(s)
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

func (o *responder) stream(ctx context.Context, st sim.Stream, promptTokens int, includeUsage bool) {
	h := o.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	o.w.WriteHeader(http.StatusOK)
	flusher, _ := o.w.(http.Flusher)
	if flusher != nil {
		flusher.Flush()
	}
	var buf []byte
	write := func(b []byte) bool {
		if _, err := o.w.Write(b); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return true
	}
	send := func(resp *openai.Response) bool {
		b, _ := json.Marshal(resp)
		buf = append(buf[:0], "data: "...)
		buf = append(buf, b...)
		buf = append(buf, "\n\n"...)
		return write(buf)
	}
	mid, last := o.template(""), o.template(st.FinishReason())
	n := 0
	for {
		text, ok, err := st.Next(ctx)
		if err != nil {
			return // client went away
		}
		if !ok {
			break
		}
		n++
		if o.chat && n == 1 {
			// vLLM sends the role in its own first chunk.
			role := &openai.Response{ID: o.id, Object: o.object(true), Created: o.created, Model: o.model,
				Choices: []openai.Choice{{Delta: &openai.Delta{Role: "assistant", Content: new(string)}}}}
			if !send(role) {
				return
			}
		}
		tpl := &mid
		if n == st.Len() {
			tpl = &last
		}
		if !write(tpl.render(buf[:0], text)) {
			return
		}
		o.note(text)
	}
	if includeUsage {
		if !send(&openai.Response{ID: o.id, Object: o.object(true), Created: o.created, Model: o.model,
			Choices: []openai.Choice{}, Usage: usage(promptTokens, n)}) {
			return
		}
	}
	write([]byte("data: [DONE]\n\n"))
}

func (o *responder) whole(ctx context.Context, st sim.Stream, promptTokens int) {
	var sb strings.Builder
	n := 0
	for {
		text, ok, err := st.Next(ctx)
		if err != nil {
			return
		}
		if !ok {
			break
		}
		sb.WriteString(text)
		o.note(text)
		n++
	}
	content := sb.String()
	finish := st.FinishReason()
	resp := &openai.Response{ID: o.id, Object: o.object(false), Created: o.created, Model: o.model, Usage: usage(promptTokens, n)}
	if o.chat {
		resp.Choices = []openai.Choice{{Message: &openai.Delta{Role: "assistant", Content: &content}, FinishReason: &finish}}
	} else {
		resp.Choices = []openai.Choice{{Text: &content, FinishReason: &finish}}
	}
	writeJSON(o.w, http.StatusOK, resp)
}
