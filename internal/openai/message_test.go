package openai

import (
	"encoding/json"
	"testing"
)

// A message's content is a string or a list of parts: text parts are its
// text, image_url parts its images; anything else is an error.
func TestMessageContent(t *testing.T) {
	var m Message
	for _, c := range []struct {
		in, text string
		images   int
	}{
		{`{"role":"user","content":"hi"}`, "hi", 0},
		{`{"role":"user","content":null}`, "", 0},
		{`{"role":"user"}`, "", 0},
		{`{"role":"user","content":[{"type":"text","text":"look "},{"type":"image_url","image_url":{"url":"data:x"}},{"type":"text","text":"here"},{"type":"input_audio"}]}`, "look here", 1},
	} {
		if err := json.Unmarshal([]byte(c.in), &m); err != nil || m.Content != c.text || len(m.Images) != c.images || m.Role != "user" {
			t.Errorf("%s: %+v %v", c.in, m, err)
		}
	}
	for _, bad := range []string{`{"role":"user","content":5}`, `{"role":"user","content":[1]}`, `[1]`} {
		if err := json.Unmarshal([]byte(bad), &m); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	var u Usage
	if _, ok := u.Cached(); ok {
		t.Error("no details, no cached count")
	}
	if _, ok := u.Reasoning(); ok {
		t.Error("no details, no reasoning count")
	}
	u = Usage{PromptTokensDetails: &PromptTokensDetails{CachedTokens: 3}, CompletionTokensDetails: &CompletionTokensDetails{ReasoningTokens: 2}}
	if c, _ := u.Cached(); c != 3 {
		t.Error("cached")
	}
	if r, _ := u.Reasoning(); r != 2 {
		t.Error("reasoning")
	}
}
