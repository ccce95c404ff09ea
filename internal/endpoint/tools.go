package endpoint

import (
	"encoding/json"

	"github.com/sonde-bench/sonde/internal/jsonw"
	"github.com/sonde-bench/sonde/internal/openai"
)

// hasTools reports whether a history holds tool calls or their results:
// the Responses and Messages APIs then need their own items for them.
func hasTools(msgs []openai.Message) bool {
	for _, m := range msgs {
		if len(m.ToolCalls) > 0 || m.ToolCallID != "" {
			return true
		}
	}
	return false
}

// appendResponsesInput writes a history as Responses API input items: a
// message as itself, an assistant's calls as function_call items after
// its text, a tool's result as a function_call_output item.
func appendResponsesInput(dst []byte, msgs []openai.Message) []byte {
	dst = append(dst, '[')
	first := true
	item := func() {
		if !first {
			dst = append(dst, ',')
		}
		first = false
	}
	for _, m := range msgs {
		switch {
		case m.ToolCallID != "":
			item()
			dst = append(dst, `{"type":"function_call_output","call_id":`...)
			dst = append(jsonw.String(dst, m.ToolCallID), `,"output":`...)
			dst = append(jsonw.String(dst, m.Content), '}')
			continue
		case len(m.ToolCalls) > 0 && m.Content == "":
		default:
			item()
			dst = appendMessage(dst, openai.Message{Role: m.Role, Content: m.Content, Images: m.Images, Audios: m.Audios, Videos: m.Videos})
		}
		for _, c := range m.ToolCalls {
			item()
			dst = append(dst, `{"type":"function_call","call_id":`...)
			dst = append(jsonw.String(dst, c.ID), `,"name":`...)
			dst = append(jsonw.String(dst, c.Function.Name), `,"arguments":`...)
			dst = append(jsonw.String(dst, c.Function.Arguments), '}')
		}
	}
	return append(dst, ']')
}

// appendAnthropicMessages writes a history as Messages API messages: an
// assistant's calls as tool_use blocks after its text, and the tools'
// results as tool_result blocks opening the next user message (the API
// wants the roles to alternate, so results and the user's text are one
// message).
func appendAnthropicMessages(dst []byte, msgs []openai.Message) []byte {
	dst = append(dst, '[')
	first := true
	var results []openai.Message
	open := func(role string) {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(append(append(dst, `{"role":`...), jsonw.String(nil, role)...), `,"content":[`...)
	}
	flushResults := func(text *openai.Message) {
		if len(results) == 0 && text == nil {
			return
		}
		open("user")
		for i, r := range results {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"type":"tool_result","tool_use_id":`...)
			dst = append(jsonw.String(dst, r.ToolCallID), `,"content":`...)
			dst = append(jsonw.String(dst, r.Content), '}')
		}
		if text != nil && text.Content != "" {
			if len(results) > 0 {
				dst = append(dst, ',')
			}
			dst = append(jsonw.String(append(dst, `{"type":"text","text":`...), text.Content), '}')
		}
		dst = append(dst, "]}"...)
		results = results[:0]
	}
	for i := range msgs {
		m := msgs[i]
		switch {
		case m.ToolCallID != "":
			results = append(results, m)
		case m.Role == "user" && len(results) > 0:
			flushResults(&m)
		case len(m.ToolCalls) > 0:
			flushResults(nil)
			open("assistant")
			n := 0
			if m.Content != "" {
				dst = append(jsonw.String(append(dst, `{"type":"text","text":`...), m.Content), '}')
				n++
			}
			for _, c := range m.ToolCalls {
				if n > 0 {
					dst = append(dst, ',')
				}
				n++
				dst = append(dst, `{"type":"tool_use","id":`...)
				dst = append(jsonw.String(dst, c.ID), `,"name":`...)
				dst = append(jsonw.String(dst, c.Function.Name), `,"input":`...)
				dst = append(dst, toolInput(c.Function.Arguments)...)
				dst = append(dst, '}')
			}
			dst = append(dst, "]}"...)
		default:
			flushResults(nil)
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = appendMessage(dst, m)
		}
	}
	flushResults(nil)
	return append(dst, ']')
}

// toolInput is a call's arguments as the JSON object tool_use carries: as
// they are when they are one, else wrapped.
func toolInput(args string) []byte {
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(args), &obj) == nil && obj != nil {
		return []byte(args)
	}
	return append(jsonw.String([]byte(`{"input":`), args), '}')
}
