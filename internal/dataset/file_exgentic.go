package dataset

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"time"
)

// Exgentic's agent traces (Exgentic/agent-llm-traces and -v2): a row is a
// recorded agent session — harness, session_id, models — and its spans,
// OpenTelemetry's GenAI attributes. Every LLM call span becomes a turn
// that sends the call's whole recorded message snapshot (system
// instructions, the messages with their tool calls and tool results, the
// tools offered) as it was sent, with the recorded max tokens, temperature
// and stop sequences; turns follow each other after the recorded gap
// between one call's end and the next one's start. Failed calls and calls
// that produced no tokens are left out. Reasoning recorded in the
// snapshot is not resent (chat messages carry no reasoning field).

// exgenticSession is one row's conversation.
func exgenticSession(r row, o FileOptions) (Conversation, bool, error) {
	id, _ := r.cols["session_id"].(string)
	if h, _ := r.cols["harness"].(string); h == "" || id == "" {
		return Conversation{}, false, fmt.Errorf("an Exgentic row has a harness and a session_id")
	}
	spans, ok := r.cols["spans"].([]any)
	if !ok {
		return Conversation{}, false, fmt.Errorf("spans must be a list of objects")
	}
	type call struct {
		start, end float64
		i          int
		turn       Turn
	}
	var calls []call
	for i, sp := range spans {
		s, _ := sp.(map[string]any)
		t, start, end, ok, err := exgenticTurn(s, o)
		if err != nil {
			return Conversation{}, false, fmt.Errorf("session %s span %d: %w", id, i, err)
		}
		if ok {
			calls = append(calls, call{start, end, i, t})
		}
	}
	if len(calls) == 0 {
		return Conversation{}, false, nil
	}
	sort.SliceStable(calls, func(a, b int) bool { return calls[a].start < calls[b].start })
	c := Conversation{ID: id, Standalone: true}
	for k, cl := range calls {
		t := cl.turn
		t.Timestamp, t.HasTimestamp = cl.start-calls[0].start, true
		if k > 0 {
			t.Delay = ms(max(0, cl.start-calls[k-1].end))
		}
		c.Turns = append(c.Turns, t)
	}
	return c, true, nil
}

// exgenticTurn is one span's request; ok false leaves a span out (not an
// LLM call, failed, no tokens). start and end are in ms.
func exgenticTurn(s map[string]any, o FileOptions) (t Turn, start, end float64, ok bool, err error) {
	attrs, _ := s["attributes"].(map[string]any)
	if s["type"] != "llm_call" && !(s["type"] == nil && attrs["gen_ai.operation.name"] == "chat") {
		return t, 0, 0, false, nil
	}
	if st, _ := s["status"].(map[string]any); num(st["code"]) == 2 {
		return t, 0, 0, false, nil // a failed call
	}
	in, out := num(attrs["gen_ai.usage.input_tokens"]), num(attrs["gen_ai.usage.output_tokens"])
	if in <= 0 || out <= 0 {
		return t, 0, 0, false, nil
	}
	if start, err = isoMs(s["start_time"]); err == nil {
		end, err = isoMs(s["end_time"])
	}
	if err != nil {
		return t, 0, 0, false, err
	}
	msgs, err := exgenticMessages(attrs)
	if err != nil {
		return t, 0, 0, false, err
	}
	t.SetMessages(msgs, o.Tok)
	t.MaxTokens = int(out)
	if m := num(attrs["gen_ai.request.max_tokens"]); m >= 1 {
		t.MaxTokens = int(m)
	}
	if err := exgenticExtra(&t, attrs); err != nil {
		return t, 0, 0, false, err
	}
	return t, start, end, true, nil
}

// exgenticMessages are a call's system instructions and input messages in
// chat form: text parts joined, tool calls on their assistant message, each
// tool result a message of its own.
func exgenticMessages(attrs map[string]any) ([]Message, error) {
	var out []Message
	if sys, ok := attrs["gen_ai.system_instructions"].(string); ok && sys != "" {
		var parts []map[string]any
		if json.Unmarshal([]byte(sys), &parts) != nil {
			out = append(out, Message{Role: "system", Content: sys})
		} else {
			out = append(out, exgenticMessage("system", parts)...)
		}
	}
	var msgs []struct {
		Role  string           `json:"role"`
		Parts []map[string]any `json:"parts"`
	}
	if err := json.Unmarshal([]byte(jsonText(attrs["gen_ai.input.messages"])), &msgs); err != nil || len(msgs) == 0 {
		return nil, fmt.Errorf("gen_ai.input.messages: a JSON list of messages with parts")
	}
	for _, m := range msgs {
		role := m.Role
		if role == "developer" {
			role = "system"
		}
		out = append(out, exgenticMessage(role, m.Parts)...)
	}
	return out, nil
}

// exgenticMessage is one recorded message's parts as chat messages.
func exgenticMessage(role string, parts []map[string]any) []Message {
	var out []Message
	cur := Message{Role: role}
	flush := func() {
		if cur.Content != "" || len(cur.ToolCalls) > 0 {
			out = append(out, cur)
		}
		cur = Message{Role: role}
	}
	for _, p := range parts {
		switch p["type"] {
		case "text":
			cur.Content += str(p["content"])
		case "tool_call":
			cur.ToolCalls = append(cur.ToolCalls, ToolCall{ID: str(p["id"]), Name: str(p["name"]), Arguments: jsonText(p["arguments"])})
		case "tool_call_response":
			flush()
			out = append(out, Message{Role: "tool", ToolCallID: str(p["id"]), Content: jsonText(p["result"])})
		}
	}
	flush()
	if len(out) == 0 {
		out = append(out, Message{Role: role})
	}
	return out
}

// exgenticExtra puts the call's tools, temperature and stop sequences in
// its payload.
func exgenticExtra(t *Turn, attrs map[string]any) error {
	if defs := jsonText(attrs["gen_ai.tool.definitions"]); defs != "" && defs != "null" {
		var tools []map[string]any
		if err := json.Unmarshal([]byte(defs), &tools); err != nil {
			return fmt.Errorf("gen_ai.tool.definitions: %v", err)
		}
		chat := make([]map[string]any, 0, len(tools))
		for _, d := range tools {
			chat = append(chat, map[string]any{"type": "function", "function": map[string]any{"name": d["name"], "description": d["description"], "parameters": d["parameters"]}})
		}
		if len(chat) > 0 {
			b, _ := json.Marshal(chat)
			t.Extra = append(t.Extra, KV{"tools", b})
		}
	}
	if v, ok := attrs["gen_ai.request.temperature"].(float64); ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
		b, _ := json.Marshal(v)
		t.Extra = append(t.Extra, KV{"temperature", b})
	}
	if stop, ok := attrs["gen_ai.request.stop_sequences"].([]any); ok && len(stop) > 0 {
		b, _ := json.Marshal(stop)
		t.Extra = append(t.Extra, KV{"stop", b})
	}
	return nil
}

// jsonText is a value that is JSON text already, or JSON of the value.
func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if v == nil {
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// num is a JSON number (NaN when absent or not one).
func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	case json.Number:
		f, _ := x.Float64()
		return f
	}
	return math.NaN()
}

// isoMs is an ISO 8601 time in Unix ms (without a zone: UTC).
func isoMs(v any) (float64, error) {
	s, _ := v.(string)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if at, err := time.Parse(layout, s); err == nil {
			return float64(at.UnixNano()) / 1e6, nil
		}
	}
	return 0, fmt.Errorf("%q is not an ISO 8601 time", s)
}
