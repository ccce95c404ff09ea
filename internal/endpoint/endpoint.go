// Package endpoint turns conversations into request bodies for one API
// (chat or completions) and response bytes back into text, reasoning and
// usage. It knows nothing about HTTP.
package endpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sonde-bench/sonde/internal/jsonw"
	"github.com/sonde-bench/sonde/internal/openai"
)

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
	// Chain (responses): a turn after the first sends only its new message
	// and the previous answer's id (previous_response_id), so the server
	// keeps the history.
	Chain bool
	// Payload renders a template endpoint's body; ResponseField says where
	// its answers carry their text (payload_template, response_field).
	Payload       *PayloadTemplate
	ResponseField Path
	// ContentType overrides the API's own body encoding
	// (--request-content-type): application/json or multipart/form-data.
	ContentType string
}

// Multipart reports whether the codec's bodies are multipart/form-data
// (with MultipartBoundary): the API's own choice unless overridden.
func (c *Codec) Multipart() bool { return FormEncoded(c.Type, c.ContentType) }

// FormEncoded is whether an API's bodies are multipart/form-data when
// --request-content-type is contentType ("" for the API's own).
func FormEncoded(t Type, contentType string) bool {
	switch contentType {
	case "multipart/form-data":
		return true
	case "application/json":
		return false
	}
	return t.Multipart()
}

// Input is one request's content: the conversation so far (system first,
// ending with the new user turn), further texts sent with it, and limits.
type Input struct {
	Model   string
	History []openai.Message
	// Batch are further prompts (completions, embeddings), or a ranking
	// request's passages; the query is then the last user message.
	Batch     []string
	MaxTokens int
	Extra     []Field // the dataset turn's own fields, merged last
	// PreviousID is the server's id of the previous answer (Chain).
	PreviousID string
	TurnIndex  int
}

// Encode appends the JSON body for a request carrying history (the full
// conversation so far, ending with the new user turn) to dst: Build for
// the usual case. Keys come in a fixed order so that the same inputs give
// byte-identical bodies. turnExtra (a dataset turn's own fields) is merged
// after --extra-inputs.
func (c *Codec) Encode(dst []byte, model string, history []openai.Message, maxTokens int, turnExtra ...Field) []byte {
	b, _ := c.Build(dst, &Input{Model: model, History: history, MaxTokens: maxTokens, Extra: turnExtra})
	return b
}

// Build appends the request body for in to dst. Only a template endpoint
// can fail (its template does not render to a JSON object).
func (c *Codec) Build(dst []byte, in *Input) ([]byte, error) {
	if c.Multipart() {
		return c.multipart(dst, in)
	}
	if c.Type == Raw {
		return dst, errors.New("--endpoint-type raw sends each turn's recorded payload as it is: the turn has none (--custom-dataset-type raw_payload or inputs_json)")
	}
	if c.Type == Template {
		return c.Payload.render(dst, c, in)
	}
	fields := c.fields(in)
	extra := append(c.Extra[:len(c.Extra):len(c.Extra)], in.Extra...)
	if c.Type == HFGenerate {
		// TGI's knobs live in "parameters": the extras go there.
		fields = mergeParameters(fields, extra)
	} else {
		fields = merge(fields, extra)
	}
	return appendObject(dst, fields), nil
}

// merge sets extra fields over fields, keeping the first position of a key.
func merge(fields, extra []Field) []Field {
	for _, e := range extra {
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
	return fields
}

// appendObject writes fields as one JSON object.
func appendObject(dst []byte, fields []Field) []byte {
	dst = append(dst, '{')
	for i, f := range fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(append(jsonw.String(dst, f.Key), ':'), f.Value...)
	}
	return append(dst, '}')
}

// jsonValue encodes a field's value; the types of every request body are
// written without reflection (see package jsonw), the rest by encoding/json.
func jsonValue(v any) json.RawMessage {
	switch v := v.(type) {
	case string:
		return jsonw.String(nil, v)
	case []string:
		return jsonw.Strings(nil, v)
	case []openai.Message:
		return appendMessages(nil, v)
	}
	b, _ := json.Marshal(v)
	return b
}

// appendMessages writes chat messages as encoding/json writes
// []openai.Message (nil is null).
func appendMessages(dst []byte, msgs []openai.Message) []byte {
	return jsonw.List(dst, msgs, appendMessage)
}

func appendMessage(dst []byte, m openai.Message) []byte {
	dst = append(dst, `{"role":`...)
	dst = jsonw.String(dst, m.Role)
	dst = append(dst, `,"content":`...)
	if len(m.Images) == 0 && len(m.Audios) == 0 && len(m.Videos) == 0 {
		dst = jsonw.String(dst, m.Content)
		return append(appendToolFields(dst, m), '}')
	}
	// OpenAI's content parts: the text, then each image, each clip and
	// each video (vLLM's video_url).
	dst = append(dst, `[{"type":"text","text":`...)
	dst = append(jsonw.String(dst, m.Content), '}')
	for _, im := range m.Images {
		dst = append(dst, `,{"type":"image_url","image_url":{"url":`...)
		dst = append(jsonw.String(dst, im.URL), '}')
		if im.UUID != "" {
			dst = append(dst, `,"uuid":`...)
			dst = jsonw.String(dst, im.UUID)
		}
		dst = append(dst, '}')
	}
	for _, a := range m.Audios {
		dst = append(dst, `,{"type":"input_audio","input_audio":{"data":`...)
		dst = append(jsonw.String(dst, a.Data), `,"format":`...)
		dst = append(jsonw.String(dst, a.Format), "}}"...)
	}
	for _, v := range m.Videos {
		dst = append(dst, `,{"type":"video_url","video_url":{"url":`...)
		dst = append(jsonw.String(dst, v.URL), "}}"...)
	}
	return append(dst, "]}"...)
}

// appendToolFields writes an assistant message's tool_calls and a tool
// message's tool_call_id, as encoding/json writes them (omitted when
// empty).
func appendToolFields(dst []byte, m openai.Message) []byte {
	if len(m.ToolCalls) > 0 {
		dst = append(dst, `,"tool_calls":[`...)
		for i, c := range m.ToolCalls {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"id":`...)
			dst = append(jsonw.String(dst, c.ID), `,"type":`...)
			dst = append(jsonw.String(dst, c.Type), `,"function":{"name":`...)
			dst = append(jsonw.String(dst, c.Function.Name), `,"arguments":`...)
			dst = append(jsonw.String(dst, c.Function.Arguments), "}}"...)
		}
		dst = append(dst, ']')
	}
	if m.ToolCallID != "" {
		dst = append(dst, `,"tool_call_id":`...)
		dst = jsonw.String(dst, m.ToolCallID)
	}
	return dst
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
			if !fitsValues([]byte(item)) {
				return nil, fmt.Errorf("--extra-inputs %q: a number beyond a float64's range (a server would read it as infinity)", item)
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
		if fitsValues([]byte(v)) {
			return json.RawMessage(v)
		}
	}
	s, _ := json.Marshal(v)
	return s
}

// fitsValues reports whether b is JSON whose every number fits a float64,
// as a server's JSON reader needs: the same rule for a JSON object and a
// value after "key:" (a bare out-of-range number is text already).
func fitsValues(b []byte) bool {
	var v any
	return json.Unmarshal(b, &v) == nil
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
