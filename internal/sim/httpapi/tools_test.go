package httpapi

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/accuracy"
	"github.com/sonde-bench/sonde/internal/openai"
	"github.com/sonde-bench/sonde/internal/sim"
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

// A chat request offered tools is answered by a call of the first one:
// streamed as tool_calls pieces (id and name first, finish_reason
// tool_calls), or whole; a history whose call goes unanswered is refused.
func TestToolCallAnswers(t *testing.T) {
	addr, _ := serve(t, func(o *sim.Options) { o.Output.ToolCallRate = 100 })
	const tools = `"tools":[{"type":"function","function":{"name":"grep"}}]`
	_, body := post(t, addr+"/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"find"}],"max_tokens":4,"stream":true,`+tools+`}`)
	var args strings.Builder
	var first openai.ToolCallDelta
	var finish string
	for _, d := range sseData(body) {
		var r openai.Response
		if json.Unmarshal([]byte(d), &r) != nil || len(r.Choices) == 0 || r.Choices[0].Delta == nil || len(r.Choices[0].Delta.ToolCalls) == 0 {
			continue
		}
		c := r.Choices[0].Delta.ToolCalls[0]
		if args.Len() == 0 {
			first = c
		}
		args.WriteString(c.Function.Arguments)
		if f := r.Choices[0].FinishReason; f != nil {
			finish = *f
		}
	}
	if first.ID == "" || first.Function.Name != "grep" || !json.Valid([]byte(args.String())) || finish != "tool_calls" {
		t.Fatalf("%+v %q %q\n%s", first, args.String(), finish, body)
	}
	_, body = post(t, addr+"/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"find"}],"max_tokens":3,`+tools+`}`)
	var whole openai.Response
	if json.Unmarshal([]byte(body), &whole) != nil || len(whole.Choices[0].Message.ToolCalls) != 1 || *whole.Choices[0].FinishReason != "tool_calls" {
		t.Fatalf("%s", body)
	}
	resp, body := post(t, addr+"/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"","tool_calls":[{"id":"c","type":"function","function":{"name":"grep","arguments":"{}"}}]},{"role":"user","content":"b"}],"max_tokens":2}`)
	if resp.StatusCode != 400 || !strings.Contains(body, "not all answered") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}

// With an answer key, a prompt asking a problem gets its answer (right at
// --answer-accuracy), streamed or whole, chat or completions; a prompt
// asking none is answered as usual.
func TestAnswerKey(t *testing.T) {
	key := filepath.Join(t.TempDir(), "key.jsonl")
	os.WriteFile(key, []byte(`{"question": "Which letter?", "choices": ["a", "b", "c"], "answer": 2}
{"question": "How many?", "answer": "Count. #### 12"}
{"problem": "Solve it.", "answer": "7"}
{"question": "Say yes", "answer": "yes"}
`), 0o644)
	addr, _ := serve(t, func(o *sim.Options) { o.Output.AnswerKey, o.Output.AnswerAccuracy = key, 100 })
	for prompt, want := range map[string]string{"Q: Which letter?\nAnswer:": "C", "Question: How many?": "#### 12", "**Problem**: Solve it.": `\boxed{7}`, "Say yes": "yes"} {
		q, _ := json.Marshal(prompt)
		_, body := post(t, addr+"/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":`+string(q)+`}],"max_tokens":5}`)
		if quoted := string(mustJSON(want)); !strings.Contains(body, `"content":`+quoted) {
			t.Errorf("%q: %s", prompt, body)
		}
	}
	_, body := post(t, addr+"/v1/completions", `{"model":"m","prompt":"Which letter?","max_tokens":5,"stream":true}`)
	if !strings.Contains(body, `"text":"C"`) {
		t.Errorf("%s", body)
	}
	wrong, _ := serve(t, func(o *sim.Options) { o.Output.AnswerKey, o.Output.AnswerAccuracy = key, 0 })
	_, body = post(t, wrong+"/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"Which letter?"}],"max_tokens":5}`)
	if !strings.Contains(body, `"content":"A"`) {
		t.Errorf("the next letter, wrapped: %s", body)
	}
	if got := answerText(accuracy.Problem{Gold: "12"}, false); got != `\boxed{13}` {
		t.Error(got)
	}
	if got := answerText(accuracy.Problem{Gold: "yes"}, false); got != "not yes" {
		t.Error(got)
	}
	if _, err := loadAnswerKey("/nope.jsonl"); err == nil {
		t.Error("a missing key accepted")
	}
}

func mustJSON(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}
