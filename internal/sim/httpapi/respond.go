package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
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
	send := func(resp *openai.Response) bool {
		b, _ := json.Marshal(resp)
		buf = append(buf[:0], "data: "...)
		buf = append(buf, b...)
		buf = append(buf, "\n\n"...)
		if _, err := o.w.Write(buf); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return true
	}
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
		resp := &openai.Response{ID: o.id, Object: o.object(true), Created: o.created, Model: o.model}
		var finish *string
		if n == st.Len() {
			f := st.FinishReason()
			finish = &f
		}
		if o.chat {
			if n == 1 {
				// vLLM sends the role in its own first chunk.
				role := &openai.Response{ID: o.id, Object: o.object(true), Created: o.created, Model: o.model,
					Choices: []openai.Choice{{Delta: &openai.Delta{Role: "assistant", Content: new(string)}}}}
				if !send(role) {
					return
				}
			}
			t := text
			resp.Choices = []openai.Choice{{Delta: &openai.Delta{Content: &t}, FinishReason: finish}}
		} else {
			t := text
			resp.Choices = []openai.Choice{{Text: &t, FinishReason: finish}}
		}
		if !send(resp) {
			return
		}
	}
	if includeUsage {
		if !send(&openai.Response{ID: o.id, Object: o.object(true), Created: o.created, Model: o.model,
			Choices: []openai.Choice{}, Usage: usage(promptTokens, n)}) {
			return
		}
	}
	o.w.Write([]byte("data: [DONE]\n\n"))
	if flusher != nil {
		flusher.Flush()
	}
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
