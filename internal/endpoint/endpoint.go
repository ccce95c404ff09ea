// Package endpoint turns conversations into request bodies for one API
// (chat or completions) and response bytes back into text, reasoning and
// usage. It knows nothing about HTTP.
package endpoint

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/sonde-bench/sonde/internal/openai"
)

// Type is an --endpoint-type.
type Type string

// The endpoint types sonde speaks.
const (
	Chat        Type = "chat"
	Completions Type = "completions"
)

// DefaultPath is the URL path of an endpoint type.
func (t Type) DefaultPath() string {
	if t == Completions {
		return "/v1/completions"
	}
	return "/v1/chat/completions"
}

// ServiceKind is the artifact-name part of the type (AIPerf: openai-chat).
func (t Type) ServiceKind() string { return "openai-" + string(t) }

// Field is one extra top-level payload field, its value already JSON.
type Field struct {
	Key   string
	Value json.RawMessage
}

// Codec builds request bodies.
type Codec struct {
	Type      Type
	Stream    bool
	LegacyMax bool // max_tokens instead of max_completion_tokens
	// IncludeUsage asks streaming servers for a final usage chunk
	// (stream_options.include_usage), for --use-server-token-count.
	IncludeUsage bool
	Extra        []Field // --extra-inputs, merged last at the top level
}

// Encode appends the JSON body for a request carrying history (the full
// conversation so far, ending with the new user turn) to dst. Keys come in a
// fixed order so that the same inputs give byte-identical bodies.
// turnExtra (a dataset turn's own fields) is merged after --extra-inputs.
func (c *Codec) Encode(dst []byte, model string, history []openai.Message, maxTokens int, turnExtra ...Field) []byte {
	return c.EncodeBatch(dst, model, history, nil, maxTokens, turnExtra...)
}

// EncodeBatch is Encode with further prompts sent in the same completions
// request (--prompt-batch-size).
func (c *Codec) EncodeBatch(dst []byte, model string, history []openai.Message, batch []string, maxTokens int, turnExtra ...Field) []byte {
	fields := make([]Field, 0, 4+len(c.Extra))
	if c.Type == Completions {
		prompt, _ := json.Marshal(append([]string{CompletionPrompt(history)}, batch...))
		fields = append(fields, Field{"prompt", prompt})
	} else {
		msgs, _ := json.Marshal(history)
		fields = append(fields, Field{"messages", msgs})
	}
	m, _ := json.Marshal(model)
	fields = append(fields, Field{"model", m}, Field{"stream", json.RawMessage(strconv.FormatBool(c.Stream))})
	if c.Stream && c.IncludeUsage {
		fields = append(fields, Field{"stream_options", json.RawMessage(`{"include_usage":true}`)})
	}
	if maxTokens > 0 {
		key := "max_completion_tokens"
		if c.LegacyMax || c.Type == Completions {
			key = "max_tokens"
		}
		fields = append(fields, Field{key, json.RawMessage(strconv.Itoa(maxTokens))})
	}
	for _, e := range append(c.Extra[:len(c.Extra):len(c.Extra)], turnExtra...) {
		replaced := false
		for i := range fields {
			if fields[i].Key == e.Key {
				fields[i].Value, replaced = e.Value, true
			}
		}
		if !replaced {
			fields = append(fields, e)
		}
	}
	dst = append(dst, '{')
	for i, f := range fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		k, _ := json.Marshal(f.Key)
		dst = append(append(append(dst, k...), ':'), f.Value...)
	}
	return append(dst, '}')
}

// CompletionPrompt is the prompt a completions request carries for a
// conversation: its messages' contents joined by newlines.
func CompletionPrompt(history []openai.Message) string {
	parts := make([]string, len(history))
	for i, m := range history {
		parts[i] = m.Content
	}
	return strings.Join(parts, "\n")
}

// ParseExtraInputs reads --extra-inputs values: key:value pairs (values
// coerced as AIPerf does: true/false, none/null, integers, floats, else
// strings) or JSON objects.
func ParseExtraInputs(items []string) ([]Field, error) {
	var out []Field
	set := func(k string, v json.RawMessage) {
		for i := range out {
			if out[i].Key == k {
				out[i].Value = v
				return
			}
		}
		out = append(out, Field{k, v})
	}
	for _, item := range items {
		item = strings.TrimSpace(item)
		if strings.HasPrefix(item, "{") {
			dec := json.NewDecoder(strings.NewReader(item))
			var obj map[string]json.RawMessage
			if err := dec.Decode(&obj); err != nil {
				return nil, fmt.Errorf("--extra-inputs %q: invalid JSON object: %v", item, err)
			}
			// Keep the user's key order.
			keys, err := objectKeys(item)
			if err != nil {
				return nil, fmt.Errorf("--extra-inputs %q: %v", item, err)
			}
			for _, k := range keys {
				set(k, obj[k])
			}
			continue
		}
		k, v, ok := strings.Cut(item, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("--extra-inputs %q is not in 'key:value' format", item)
		}
		set(strings.TrimSpace(k), coerce(strings.TrimSpace(v)))
	}
	return out, nil
}

func coerce(v string) json.RawMessage {
	switch strings.ToLower(v) {
	case "true", "false":
		return json.RawMessage(strings.ToLower(v))
	case "none", "null":
		return json.RawMessage("null")
	}
	if d := strings.TrimPrefix(v, "-"); len(d) > 1 && d[0] == '0' && d[1] >= '0' && d[1] <= '9' {
		s, _ := json.Marshal(v) // a leading zero means an identifier, not a number
		return s
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return json.RawMessage(strconv.FormatInt(n, 10)) // "+5" is 5 in JSON
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && !strings.ContainsAny(v, "xXnN") {
		return json.RawMessage(strconv.FormatFloat(f, 'g', -1, 64))
	}
	if strings.HasPrefix(v, "[") || strings.HasPrefix(v, "{") {
		if json.Valid([]byte(v)) {
			return json.RawMessage(v)
		}
	}
	s, _ := json.Marshal(v)
	return s
}

func objectKeys(obj string) ([]string, error) {
	dec := json.NewDecoder(strings.NewReader(obj))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, t.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}
