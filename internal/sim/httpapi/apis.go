package httpapi

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sonde-bench/sonde/internal/openai"
)

// api is the wire dialect of a generation request: the engine is the same
// for all, only the request and response shapes differ.
type api int

const (
	apiChat          api = iota
	apiCompletions       // OpenAI completions
	apiResponses         // OpenAI Responses API
	apiMessages          // Anthropic Messages
	apiTGI               // Hugging Face TGI generate / generate_stream
	apiSolido            // NVIDIA's SOLIDO RAG prompt API
	apiTranscription     // OpenAI audio transcriptions (multipart)
)

// messagesPrompt reports whether the dialect carries messages (a chat
// prompt) rather than one prompt string.
func (a api) messagesPrompt() bool { return a != apiCompletions && a != apiTGI }

// dialectRequest is what a non-OpenAI-chat request adds: the Responses
// API's server-side history.
type dialectRequest struct {
	previousID string
	store      bool
}

// textOf reads a content that is a string or a list of typed parts
// ({"type":"text"|"input_text"|"output_text","text":…}).
func textOf(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var parts []struct {
		Type    string          `json:"type"`
		Text    string          `json:"text"`
		Content json.RawMessage `json:"content"` // a tool_result's
		Input   json.RawMessage `json:"input"`   // a tool_use's
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", fmt.Errorf("content must be a string or a list of text parts")
	}
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
		if p.Type == "tool_use" {
			b.Write(p.Input) // prompt the model reads again
		}
		if p.Type == "tool_result" {
			inner, _ := textOf(p.Content)
			b.WriteString(inner)
		}
	}
	return b.String(), nil
}

// rawMessage is a message, or a Responses API function_call or
// function_call_output item.
type rawMessage struct {
	Role      string          `json:"role"`
	Content   json.RawMessage `json:"content"`
	Type      string          `json:"type"`
	Arguments string          `json:"arguments"`
	Output    string          `json:"output"`
}

func messagesOf(raw []rawMessage) ([]openai.Message, error) {
	out := make([]openai.Message, 0, len(raw))
	for i, m := range raw {
		switch m.Type {
		case "function_call": // a call the model made: prompt now
			out = append(out, openai.Message{Role: "assistant", Content: m.Arguments})
			continue
		case "function_call_output":
			out = append(out, openai.Message{Role: "tool", Content: m.Output})
			continue
		}
		text, err := textOf(m.Content)
		if err != nil {
			return nil, fmt.Errorf("message %d: %v", i, err)
		}
		out = append(out, openai.Message{Role: m.Role, Content: text})
	}
	return out, nil
}

// readTools fills req's offered tools from a body's "tools".
func readTools(body []byte, req *openai.Request) {
	var t struct {
		Tools json.RawMessage `json:"tools"`
	}
	if json.Unmarshal(body, &t) == nil && len(t.Tools) > 0 {
		json.Unmarshal(t.Tools, &req.Tools) // a malformed list offers nothing
	}
}

// decodeDialect reads a Responses, Messages or TGI body into the OpenAI
// request the engine path understands.
func decodeDialect(body []byte, a api, streamPath bool) (req openai.Request, d dialectRequest, err error) {
	switch a {
	case apiResponses:
		req, d, err = decodeResponses(body)
		readTools(body, &req)
		return req, d, err
	case apiMessages:
		req, err = decodeMessages(body)
		readTools(body, &req)
	case apiTGI:
		req, err = decodeTGI(body, streamPath)
	case apiSolido:
		req, err = decodeSolido(body)
	case apiTranscription:
		req, err = decodeTranscription(body)
	default:
		if err := json.Unmarshal(body, &req); err != nil {
			return req, d, fmt.Errorf("invalid JSON body: %v", err)
		}
	}
	return req, d, err
}

// decodeResponses reads an OpenAI Responses body: instructions, input (a
// string or message items), previous_response_id and store.
func decodeResponses(body []byte) (req openai.Request, d dialectRequest, err error) {
	var r struct {
		Model           string          `json:"model"`
		Input           json.RawMessage `json:"input"`
		Instructions    string          `json:"instructions"`
		Stream          bool            `json:"stream"`
		MaxOutputTokens *int            `json:"max_output_tokens"`
		PreviousID      string          `json:"previous_response_id"`
		Store           *bool           `json:"store"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return req, d, fmt.Errorf("invalid JSON body: %v", err)
	}
	req.Model, req.Stream, req.MaxTokens = r.Model, r.Stream, r.MaxOutputTokens
	if r.Instructions != "" {
		req.Messages = append(req.Messages, openai.Message{Role: "system", Content: r.Instructions})
	}
	var s string
	if json.Unmarshal(r.Input, &s) == nil {
		req.Messages = append(req.Messages, openai.Message{Role: "user", Content: s})
	} else {
		var items []rawMessage
		if err := json.Unmarshal(r.Input, &items); err != nil {
			return req, d, fmt.Errorf("input must be a string or a list of message items")
		}
		msgs, err := messagesOf(items)
		if err != nil {
			return req, d, fmt.Errorf("input: %v", err)
		}
		req.Messages = append(req.Messages, msgs...)
	}
	d.previousID, d.store = r.PreviousID, r.Store == nil || *r.Store
	return req, d, nil
}

// decodeMessages reads an Anthropic Messages body (max_tokens required).
func decodeMessages(body []byte) (req openai.Request, err error) {
	var r struct {
		Model     string          `json:"model"`
		System    json.RawMessage `json:"system"`
		Messages  []rawMessage    `json:"messages"`
		Stream    bool            `json:"stream"`
		MaxTokens *int            `json:"max_tokens"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return req, fmt.Errorf("invalid JSON body: %v", err)
	}
	if r.MaxTokens == nil {
		return req, fmt.Errorf("max_tokens: Field required")
	}
	req.Model, req.Stream, req.MaxTokens = r.Model, r.Stream, r.MaxTokens
	system, err := textOf(r.System)
	if err != nil {
		return req, fmt.Errorf("system: %v", err)
	}
	if system != "" {
		req.Messages = append(req.Messages, openai.Message{Role: "system", Content: system})
	}
	msgs, err := messagesOf(r.Messages)
	if err != nil {
		return req, fmt.Errorf("messages: %v", err)
	}
	req.Messages = append(req.Messages, msgs...)
	return req, nil
}

// decodeTGI reads a TGI generate body; the streaming path streams.
func decodeTGI(body []byte, streamPath bool) (req openai.Request, err error) {
	var r struct {
		Inputs     *string `json:"inputs"`
		Stream     bool    `json:"stream"`
		Parameters struct {
			MaxNewTokens *int `json:"max_new_tokens"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return req, fmt.Errorf("invalid JSON body: %v", err)
	}
	if r.Inputs == nil {
		return req, fmt.Errorf("inputs is required")
	}
	req.Prompt, _ = json.Marshal(*r.Inputs)
	req.Stream, req.MaxTokens = r.Stream || streamPath, r.Parameters.MaxNewTokens
	return req, nil
}

// decodeSolido reads a SOLIDO RAG body: the query's texts, the filters and
// the inference model; it streams only when asked ("stream": true).
func decodeSolido(body []byte) (req openai.Request, err error) {
	var r struct {
		Query          []string          `json:"query"`
		Filters        map[string]string `json:"filters"`
		InferenceModel string            `json:"inference_model"`
		Stream         bool              `json:"stream"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return req, fmt.Errorf("invalid JSON body: %v", err)
	}
	if len(r.Query) == 0 || r.InferenceModel == "" {
		return req, fmt.Errorf("query (a list of texts) and inference_model are required")
	}
	req.Model, req.Stream = r.InferenceModel, r.Stream
	req.Messages = []openai.Message{{Role: "user", Content: strings.Join(r.Query, "\n")}}
	return req, nil
}
