package httpapi

import (
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/openai"
)

func TestCheckToolTurns(t *testing.T) {
	call := openai.Message{Role: "assistant", ToolCalls: []openai.ToolCall{{ID: "c1"}, {ID: "c2"}}}
	user := openai.Message{Role: "user", Content: "x"}
	tool := func(id string) openai.Message { return openai.Message{Role: "tool", ToolCallID: id} }
	for _, c := range []struct {
		msgs []openai.Message
		want string
	}{
		{[]openai.Message{user, call, tool("c1"), tool("c2"), user}, ""},
		{[]openai.Message{user, call, tool("c2"), tool("c1")}, ""},
		{[]openai.Message{user, tool("c1")}, "messages[1]: a tool message must answer"},
		{[]openai.Message{user, call, tool("c1"), user}, "messages[3]: the assistant's tool calls before it were not all answered"},
		{[]openai.Message{user, call, tool("c1"), tool("c1")}, "messages[3]: a tool message must answer"},
	} {
		if got := checkToolTurns(c.msgs); (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%+v: %q, want %q", c.msgs, got, c.want)
		}
	}
	if got := string(argsPiece(nil, `say "hi"`, true, true)); got != `{"input":"say \"hi\""}` {
		t.Errorf("argsPiece %s", got)
	}
}
