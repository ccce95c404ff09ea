package endpoint

import (
	"encoding/json"
	"testing"

	"github.com/sonde-bench/sonde/internal/openai"
)

// Streamed tool-call pieces assemble into calls (by index), their
// arguments also kept as text; a whole message's calls are read in order.
func TestToolCallsDecode(t *testing.T) {
	d := (&Codec{Type: Chat}).NewDecoder()
	var text Text
	for _, chunk := range []string{
		`{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}`,
		`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"grep","arguments":"{\"q\":"}}]}}]}`,
		`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"nil\"}"}}]}}]}`,
		`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_2","function":{"name":"ls","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}`,
		`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":99999,"function":{"arguments":"x"}}]}}]}`,
	} {
		if _, _, err := d.DecodeTo([]byte(chunk), &text); err != nil {
			t.Fatal(err)
		}
	}
	if len(text.Tools) != 2 || text.Tools[0].ID != "call_1" || text.Tools[0].Function.Name != "grep" || text.Tools[0].Function.Arguments != `{"q":"nil"}` ||
		text.Tools[1].Function.Name != "ls" || string(text.ToolArgs) != `{"q":"nil"}{}` || len(text.Content) != 0 {
		t.Fatalf("%+v %q", text.Tools, text.ToolArgs)
	}
	var whole Text
	d = (&Codec{Type: Chat}).NewDecoder()
	if _, _, err := d.DecodeTo([]byte(`{"choices":[{"message":{"role":"assistant","content":"","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"1"}},{"id":"b","type":"function","function":{"name":"g","arguments":"2"}}]}}]}`), &whole); err != nil {
		t.Fatal(err)
	}
	if len(whole.Tools) != 2 || whole.Tools[1].ID != "b" || string(whole.ToolArgs) != "12" {
		t.Fatalf("%+v", whole.Tools)
	}
}

// The Responses and Messages APIs: a history with calls and results is
// written as their items; their streamed calls are read back.
func TestToolCallsOtherAPIs(t *testing.T) {
	hist := []openai.Message{{Role: "system", Content: "sys"}, {Role: "user", Content: "find"},
		{Role: "assistant", ToolCalls: []openai.ToolCall{{ID: "c1", Type: "function", Function: openai.FunctionCall{Name: "grep", Arguments: `{"q":"x"}`}}, {ID: "c2", Type: "function", Function: openai.FunctionCall{Name: "ls", Arguments: "raw"}}}},
		{Role: "tool", ToolCallID: "c1", Content: "hit"}, {Role: "tool", ToolCallID: "c2", Content: "a.go"}, {Role: "user", Content: "next"}}
	body := func(typ Type, chain bool, prev string) map[string]any {
		c := &Codec{Type: typ, Stream: true, Chain: chain}
		b, err := c.Build(nil, &Input{Model: "m", History: hist, PreviousID: prev})
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		return m
	}
	in := body(Responses, false, "")["input"].([]any)
	if len(in) != 6 || in[1].(map[string]any)["type"] != "function_call" || in[3].(map[string]any)["type"] != "function_call_output" || in[3].(map[string]any)["call_id"] != "c1" {
		t.Fatalf("responses input %v", in)
	}
	if in := body(Responses, true, "resp_1")["input"].([]any); len(in) != 3 || in[0].(map[string]any)["call_id"] != "c1" {
		t.Fatalf("chained: the results and the new message, %v", in)
	}
	msgs := body(Messages, false, "")["messages"].([]any)
	if len(msgs) != 3 {
		t.Fatalf("user, assistant with tool_use, user with tool_result and text: %v", msgs)
	}
	uses := msgs[1].(map[string]any)["content"].([]any)
	if uses[0].(map[string]any)["type"] != "tool_use" || uses[0].(map[string]any)["input"].(map[string]any)["q"] != "x" || uses[1].(map[string]any)["input"].(map[string]any)["input"] != "raw" {
		t.Fatalf("tool_use blocks %v", uses)
	}
	res := msgs[2].(map[string]any)["content"].([]any)
	if len(res) != 3 || res[0].(map[string]any)["tool_use_id"] != "c1" || res[2].(map[string]any)["text"] != "next" {
		t.Fatalf("tool_result blocks %v", res)
	}
	for _, c := range []struct {
		typ    Type
		chunks []string
	}{
		{Responses, []string{`{"type":"response.output_item.added","output_index":1,"item":{"type":"function_call","call_id":"call_9","name":"grep","arguments":""}}`,
			`{"type":"response.function_call_arguments.delta","output_index":1,"delta":"{\"q\":"}`,
			`{"type":"response.function_call_arguments.delta","output_index":1,"delta":"\"nil\"}"}`}},
		{Messages, []string{`{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"call_9","name":"grep","input":{}}}`,
			`{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"q\":"}}`,
			`{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\"nil\"}"}}`}},
	} {
		d := (&Codec{Type: c.typ}).NewDecoder()
		var text Text
		for _, ch := range c.chunks {
			if _, _, err := d.DecodeTo([]byte(ch), &text); err != nil {
				t.Fatal(err)
			}
		}
		if len(text.Tools) != 1 || text.Tools[0].ID != "call_9" || text.Tools[0].Function.Name != "grep" || text.Tools[0].Function.Arguments != `{"q":"nil"}` {
			t.Errorf("%v: %+v", c.typ, text.Tools)
		}
	}
	d := (&Codec{Type: Responses}).NewDecoder()
	p, _, _ := d.Decode([]byte(`{"id":"r","output":[{"type":"message","content":[{"type":"output_text","text":"hm"}]},{"type":"function_call","call_id":"c","name":"f","arguments":"{}"}]}`))
	if len(p.ToolCalls) != 1 || p.Content != "hm" {
		t.Errorf("a whole response: %+v", p)
	}
	d = (&Codec{Type: Messages}).NewDecoder()
	p, _, _ = d.Decode([]byte(`{"type":"message","id":"m","content":[{"type":"tool_use","id":"t","name":"f","input":{"a":1}}]}`))
	if len(p.ToolCalls) != 1 || p.ToolCalls[0].Function.Arguments != `{"a":1}` {
		t.Errorf("a whole message: %+v", p)
	}
}
