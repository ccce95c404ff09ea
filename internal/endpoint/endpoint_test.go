package endpoint

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/openai"
)

func TestEncodeChat(t *testing.T) {
	extra, err := ParseExtraInputs([]string{"temperature:0.5", "ignore_eos:true", "stream:false", `{"top_k": 10, "stop": null}`})
	if err != nil {
		t.Fatal(err)
	}
	c := Codec{Type: Chat, Stream: true, Extra: extra}
	got := string(c.Encode(nil, "m", []openai.Message{{Role: "user", Content: "hi"}, {Role: "assistant", Content: "yo"}}, 7))
	want := `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}],"model":"m","stream":false,"max_completion_tokens":7,"temperature":0.5,"ignore_eos":true,"top_k":10,"stop":null}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	c = Codec{Type: Chat, LegacyMax: true}
	if got := string(c.Encode(nil, "m", []openai.Message{{Role: "user", Content: "x"}}, 3)); got != `{"messages":[{"role":"user","content":"x"}],"model":"m","stream":false,"max_tokens":3}` {
		t.Fatal(got)
	}
	c = Codec{Type: Completions, Stream: true}
	if got := string(c.Encode(nil, "m", []openai.Message{{Role: "user", Content: "x"}}, 0)); got != `{"prompt":["x"],"model":"m","stream":true}` {
		t.Fatal(got)
	}
}

func TestExtraInputsErrors(t *testing.T) {
	for _, bad := range []string{"novalue", ":x", "{bad json", `{"t":[1e500]}`} {
		if _, err := ParseExtraInputs([]string{bad}); err == nil || !strings.Contains(err.Error(), "--extra-inputs") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	// Out of a float64's range, a number after "key:" is text, nested or not.
	f, _ := ParseExtraInputs([]string{"a:007", "b:none", "c:-3", "d:1e3", "e:text", "f:1e500", "g:[1e500]"})
	want := []string{`"007"`, `null`, `-3`, `1000`, `"text"`, `"1e500"`, `"[1e500]"`}
	for i, w := range want {
		if string(f[i].Value) != w {
			t.Errorf("%s coerced to %s, want %s", f[i].Key, f[i].Value, w)
		}
	}
}

func TestDecode(t *testing.T) {
	cases := []struct {
		data               string
		ok                 bool
		content, reasoning string
		usage              int
	}{
		{`[DONE]`, false, "", "", 0},
		{``, false, "", "", 0},
		{`{"object":"chat.completion.chunk","choices":[{"delta":{"role":"assistant","content":""}}]}`, true, "", "", 0},
		{`{"object":"chat.completion.chunk","choices":[{"delta":{"content":" hi"}}]}`, true, " hi", "", 0},
		{`{"object":"chat.completion.chunk","choices":[{"delta":{"reasoning_content":"think"}}]}`, true, "", "think", 0},
		{`{"object":"chat.completion.chunk","choices":[{"delta":{"reasoning":"r2"}}]}`, true, "", "r2", 0},
		{`{"object":"chat.completion","choices":[{"message":{"content":"all"}}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}`, true, "all", "", 4},
		{`{"object":"text_completion","choices":[{"text":"t"}]}`, true, "t", "", 0},
		{`{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":9,"total_tokens":10}}`, true, "", "", 9},
	}
	for _, c := range cases {
		p, ok, err := Decode([]byte(c.data))
		if err != nil || ok != c.ok || p.Content != c.content || p.Reasoning != c.reasoning {
			t.Errorf("Decode(%s) = %+v %v %v", c.data, p, ok, err)
		}
		if c.usage > 0 && (p.Usage == nil || p.Usage.CompletionTokens != c.usage) {
			t.Errorf("Decode(%s) usage %+v", c.data, p.Usage)
		}
	}
	if _, _, err := Decode([]byte(`{nope`)); err == nil {
		t.Error("invalid JSON accepted")
	}
	if p, _, _ := Decode([]byte(`{"error":{"message":"boom"}}`)); p.Err != "boom" {
		t.Error("error object not surfaced")
	}
}

// FuzzEncode: whatever the text, model, max tokens and extra inputs, a body
// is valid JSON that carries the conversation unchanged.
func FuzzEncode(f *testing.F) {
	f.Add("hello", "m", 10, `{"temperature":0.5}`, false)
	f.Add("\x00\xff\"\\\n\u2028", "", -1, `{}`, true)
	f.Add(strings.Repeat("ab", 1000), "Qwen/Qwen3-0.6B", 1<<30, `{"stream_options":{"include_usage":true}}`, true)
	f.Add("0", "0", 10, `{"":1e500}`, false) // a number no float64 holds: refused, found by CI's fuzzing
	f.Fuzz(func(t *testing.T, text, model string, maxTokens int, extra string, completions bool) {
		fields, err := ParseExtraInputs([]string{extra})
		if err != nil {
			fields = nil
		}
		c := &Codec{Type: Chat, Stream: true, Extra: fields}
		if completions {
			c.Type = Completions
		}
		body := c.Encode(nil, model, []openai.Message{{Role: "user", Content: text}}, maxTokens)
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("invalid JSON %q: %v", body, err)
		}
		// encoding/json replaces each invalid UTF-8 byte with U+FFFD.
		var want string
		wb, _ := json.Marshal(text)
		json.Unmarshal(wb, &want)
		if completions {
			if p, _ := m["prompt"].([]any); len(p) != 1 || p[0] != CompletionPrompt([]openai.Message{{Role: "user", Content: want}}) {
				t.Fatalf("prompt %v", m["prompt"])
			}
			return
		}
		msgs, _ := m["messages"].([]any)
		if len(msgs) != 1 || msgs[0].(map[string]any)["content"] != want {
			t.Fatalf("messages %v, want %q", m["messages"], want)
		}
	})
}

// Bodies are written without reflection, byte for byte as encoding/json
// wrote them.
func TestJSONValueMatchesEncodingJSON(t *testing.T) {
	msgs := []openai.Message{{Role: "system", Content: "be <brief> & \"exact\"\n"}, {Role: "user", Content: "héllo \u2028 \xff"},
		{Role: "assistant", ToolCalls: []openai.ToolCall{{ID: "c<1>", Type: "function", Function: openai.FunctionCall{Name: "grep", Arguments: `{"q":"a&b"}`}}, {ID: "c2", Type: "function"}}},
		{Role: "tool", Content: "found\n", ToolCallID: "c<1>"}}
	for _, v := range []any{"plain", "a\tb<c>", []string{"x", "y\n"}, []string(nil), []string{}, msgs, []openai.Message(nil), []openai.Message{}} {
		want, _ := json.Marshal(v)
		if got := jsonValue(v); string(got) != string(want) {
			t.Errorf("jsonValue(%#v) = %s, encoding/json %s", v, got, want)
		}
	}
}
