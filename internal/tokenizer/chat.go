package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ardanlabs/jinja"
)

// ChatTemplate is a model's chat template (the Jinja template in its
// tokenizer_config.json, or chat_template.jinja): what turns a list of
// messages into the text the server actually prefills. Counting that text
// is what --apply-chat-template does (AIPerf's flag of that name).
type ChatTemplate struct {
	tmpl     *jinja.Template
	bos, eos string
	Source   string // the file it came from
}

// ChatMessage is one message to render.
type ChatMessage struct{ Role, Content string }

// configJSON is the part of tokenizer_config.json the template needs.
type configJSON struct {
	ChatTemplate json.RawMessage `json:"chat_template"`
	BOS          json.RawMessage `json:"bos_token"`
	EOS          json.RawMessage `json:"eos_token"`
}

// ErrNoChatTemplate means the tokenizer's folder has no chat template.
var ErrNoChatTemplate = errors.New("no chat template")

// LoadChatTemplate reads the chat template beside a tokenizer: path is the
// tokenizer.json file or its folder.
func LoadChatTemplate(path string) (*ChatTemplate, error) {
	dir := path
	if st, err := os.Stat(path); err != nil || !st.IsDir() {
		dir = filepath.Dir(path)
	}
	cfgPath := filepath.Join(dir, "tokenizer_config.json")
	var cfg configJSON
	if data, err := os.ReadFile(cfgPath); err == nil {
		if err := json.Unmarshal(data, &cfg); err != nil {
			return nil, fmt.Errorf("%s: %w", cfgPath, err)
		}
	}
	source, src := templateSource(cfg.ChatTemplate), cfgPath
	if data, err := os.ReadFile(filepath.Join(dir, "chat_template.jinja")); err == nil {
		source, src = string(data), filepath.Join(dir, "chat_template.jinja")
	}
	if source == "" {
		return nil, fmt.Errorf("%s: neither tokenizer_config.json nor chat_template.jinja holds one: %w", dir, ErrNoChatTemplate)
	}
	t, err := jinja.Compile(source)
	if err != nil {
		return nil, fmt.Errorf("%s: the chat template does not compile: %w", src, err)
	}
	return &ChatTemplate{tmpl: t, bos: tokenText(cfg.BOS), eos: tokenText(cfg.EOS), Source: src}, nil
}

// templateSource is chat_template as a string, or the "default" one of a
// list of named templates.
func templateSource(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var named []struct{ Name, Template string }
	json.Unmarshal(raw, &named)
	for _, n := range named {
		if n.Name == "default" {
			return n.Template
		}
	}
	return ""
}

// tokenText reads a special token given as a string or as an AddedToken.
func tokenText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var tok struct{ Content string }
	json.Unmarshal(raw, &tok)
	return tok.Content
}

// Render is the prompt text of msgs, with the assistant's opening added
// when addGenerationPrompt (as a server does for a chat request).
func (c *ChatTemplate) Render(msgs []ChatMessage, addGenerationPrompt bool) (string, error) {
	list := make([]any, len(msgs))
	for i, m := range msgs {
		list[i] = map[string]any{"role": m.Role, "content": m.Content}
	}
	return c.tmpl.Render(map[string]any{
		"messages":              list,
		"add_generation_prompt": addGenerationPrompt,
		"bos_token":             c.bos,
		"eos_token":             c.eos,
	})
}
