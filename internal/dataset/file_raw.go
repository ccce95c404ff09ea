package dataset

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// loadRawPayload reads request bodies to send verbatim (AIPerf's
// raw_payload): each line of a file is one single-turn request; a folder
// holds one file per multi-turn conversation, a line per turn. A body is
// sent as it is, its history whatever it carries, so each turn stands
// alone; its messages' (or prompt's) text is what ISL counts.
func loadRawPayload(o FileOptions) ([]Conversation, error) {
	st, err := os.Stat(o.Path)
	if err != nil {
		return nil, fmt.Errorf("--input-file: %w", err)
	}
	if !st.IsDir() {
		var convs []Conversation
		err := eachLine(o.Path, func(line int, data []byte) error {
			t, err := rawTurn(o, o.Path, line, data)
			if err == nil {
				convs = append(convs, Conversation{ID: fmt.Sprintf("line-%d", line), Turns: []Turn{t}, Standalone: true})
			}
			return err
		})
		return convs, err
	}
	entries, err := os.ReadDir(o.Path)
	if err != nil {
		return nil, fmt.Errorf("--input-file: %w", err)
	}
	var convs []Conversation
	for _, e := range entries { // ReadDir sorts by name: conversations in name order
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		path := filepath.Join(o.Path, e.Name())
		c := Conversation{ID: strings.TrimSuffix(e.Name(), filepath.Ext(e.Name())), Standalone: true}
		err := eachLine(path, func(line int, data []byte) error {
			t, err := rawTurn(o, path, line, data)
			c.Turns = append(c.Turns, t)
			return err
		})
		if err != nil {
			return nil, err
		}
		if len(c.Turns) > 0 {
			convs = append(convs, c)
		}
	}
	return convs, nil
}

// rawTurn is one verbatim body: a JSON object, its model and output limit
// read for the records, its text for ISL.
func rawTurn(o FileOptions, path string, line int, data []byte) (Turn, error) {
	var b struct {
		Model               string          `json:"model"`
		Messages            json.RawMessage `json:"messages"`
		Prompt              json.RawMessage `json:"prompt"`
		Input               json.RawMessage `json:"input"`
		MaxTokens           *int            `json:"max_tokens"`
		MaxCompletionTokens *int            `json:"max_completion_tokens"`
	}
	if err := decodeLine(path, line, data, &b); err != nil {
		return Turn{}, err
	}
	if data[0] != '{' {
		return Turn{}, &LineError{path, line, "", fmt.Errorf("a raw payload is a JSON object (a request body)")}
	}
	t := Turn{Model: b.Model, Raw: slices.Clone(data), Text: rawText(b.Messages, b.Prompt, b.Input)}
	for _, n := range []*int{b.MaxCompletionTokens, b.MaxTokens} {
		if n != nil && t.MaxTokens == 0 {
			t.MaxTokens = *n
		}
	}
	t.Tokens = len(o.Tok.Encode(t.Text))
	return t, nil
}

// rawText is a body's text: its messages' contents (text parts of a list
// included), else its prompt or input strings, joined by newlines.
func rawText(messages, prompt, input json.RawMessage) string {
	var parts []string
	var msgs []struct {
		Content json.RawMessage `json:"content"`
	}
	if json.Unmarshal(messages, &msgs) == nil {
		for _, m := range msgs {
			parts = append(parts, stringsOf(m.Content)...)
		}
	}
	parts = append(parts, stringsOf(prompt)...)
	parts = append(parts, stringsOf(input)...)
	return strings.Join(parts, "\n")
}

// stringsOf reads a string, a list of strings, or a list of content parts
// (their "text").
func stringsOf(raw json.RawMessage) []string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	var out []string
	for _, item := range list {
		var part struct {
			Text string `json:"text"`
		}
		if json.Unmarshal(item, &s) == nil {
			out = append(out, s)
		} else if json.Unmarshal(item, &part) == nil && part.Text != "" {
			out = append(out, part.Text)
		}
	}
	return out
}
