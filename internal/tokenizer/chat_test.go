package tokenizer

import (
	"errors"
	"strings"
	"testing"
)

// Real chat templates from tokenizer_config.json render what the model's
// server prefills, and the special tokens in them count as one token each.
func TestChatTemplates(t *testing.T) {
	msgs := []ChatMessage{{"user", "Hello there"}, {"assistant", "Hi!"}, {"user", "How are you?"}}
	qwen, err := LoadChatTemplate("testdata/tokenizers/qwen3/tokenizer.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	got, err := qwen.Render(msgs[:1], true)
	if err != nil {
		t.Fatal(err)
	}
	if want := "<|im_start|>user\nHello there<|im_end|>\n<|im_start|>assistant\n"; got != want {
		t.Errorf("qwen3 renders %q, want %q", got, want)
	}
	tok, err := Load("testdata/tokenizers/qwen3/tokenizer.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	// <|im_start|> user \n … <|im_end|> \n <|im_start|> assistant \n: 8 tokens around the message.
	if n, m := len(tok.Encode(got)), len(tok.Encode("Hello there")); n != m+8 {
		t.Errorf("qwen3: %d tokens rendered, %d in the message; want 8 more", n, m)
	}
	got, err = qwen.Render(msgs, true)
	if err != nil || !strings.Contains(got, "<|im_start|>assistant\nHi!<|im_end|>") || !strings.HasSuffix(got, "<|im_start|>assistant\n") {
		t.Errorf("qwen3 multi-turn: %q %v", got, err)
	}

	ds, err := LoadChatTemplate("testdata/tokenizers/deepseek_v3")
	if err != nil {
		t.Fatal(err)
	}
	got, err = ds.Render(msgs, true)
	if err != nil || !strings.HasPrefix(got, "<｜begin▁of▁sentence｜>") || !strings.Contains(got, "<｜User｜>How are you?") ||
		!strings.HasSuffix(got, "<｜Assistant｜>") {
		t.Errorf("deepseek_v3: %q %v", got, err)
	}

	if _, err := LoadChatTemplate("testdata/tokenizers/mistral"); !errors.Is(err, ErrNoChatTemplate) {
		t.Errorf("a folder without a template: %v", err)
	}
}
