package endpoint

import (
	"testing"
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
