package httpapi

import (
	"encoding/json"
	"fmt"

	"github.com/sonde-bench/sonde/internal/jsonw"
	"github.com/sonde-bench/sonde/internal/openai"
)

// toolAnswer is an answer that calls a tool: its tokens are the call's
// arguments, {"input":"<the tokens>"}.
type toolAnswer struct {
	id, name string
	opened   bool // the call's first piece (id and name) is sent
}

// callsTool draws whether request n, offered tools, answers with a call
// (--tool-call-rate), from the seed: the same run gets the same calls.
func (s *Server) callsTool(n int64) bool {
	x := uint64(n)*0x9E3779B97F4A7C15 ^ s.opts.Seed
	x = (x ^ x>>31) * 0xBF58476D1CE4E5B9
	x ^= x >> 29
	return float64(x%10000) < s.opts.Output.ToolCallRate*100
}

// argsPiece is token text as a piece of the call's arguments: escaped as
// inside a JSON string, the first opening the object, the last closing it.
func argsPiece(dst []byte, text string, first, last bool) []byte {
	if first {
		dst = append(dst, `{"input":"`...)
	}
	quoted := jsonw.String(nil, text)
	dst = append(dst, quoted[1:len(quoted)-1]...)
	if last {
		dst = append(dst, `"}`...)
	}
	return dst
}

// toolChunk renders one streamed piece of the call as a chat chunk.
func (o *responder) toolChunk(dst []byte, args []byte, last bool) []byte {
	d := openai.ToolCallDelta{}
	if !o.tool.opened {
		d.ID, d.Type, d.Function.Name = o.tool.id, "function", o.tool.name
		o.tool.opened = true
	}
	d.Function.Arguments = string(args)
	var fin *string
	if last {
		f := "tool_calls"
		fin = &f
	}
	resp := openai.Response{ID: o.id, Object: o.object(true), Created: o.created, Model: o.model,
		Choices: []openai.Choice{{Delta: &openai.Delta{ToolCalls: []openai.ToolCallDelta{d}}, FinishReason: fin}}}
	return appendEvent(dst, &resp)
}

// checkToolTurns refuses a history an OpenAI-compatible server refuses: a
// tool message that answers no call of the assistant message before it,
// or a call left unanswered before the conversation goes on.
func checkToolTurns(msgs []openai.Message) string {
	var open map[string]bool
	for i, m := range msgs {
		switch {
		case m.Role == "tool":
			if !open[m.ToolCallID] {
				return fmt.Sprintf("messages[%d]: a tool message must answer a tool call of the assistant message before it (tool_call_id %q)", i, m.ToolCallID)
			}
			delete(open, m.ToolCallID)
		case len(open) > 0:
			return fmt.Sprintf("messages[%d]: the assistant's tool calls before it were not all answered by tool messages", i)
		case m.Role == "assistant" && len(m.ToolCalls) > 0:
			open = map[string]bool{}
			for _, c := range m.ToolCalls {
				open[c.ID] = true
			}
		}
	}
	return ""
}

// appendEvent renders resp as one SSE event.
func appendEvent(dst []byte, resp *openai.Response) []byte {
	b, _ := json.Marshal(resp)
	return append(append(append(dst, "data: "...), b...), "\n\n"...)
}

// wholeToolCall is a whole (unstreamed) answer that calls the tool with
// the answer's text.
func (o *responder) wholeToolCall(content string) *openai.Delta {
	args := string(argsPiece(nil, content, true, true))
	d := openai.ToolCallDelta{ID: o.tool.id, Type: "function"}
	d.Function.Name, d.Function.Arguments = o.tool.name, args
	empty := ""
	return &openai.Delta{Role: "assistant", Content: &empty, ToolCalls: []openai.ToolCallDelta{d}}
}
