// Package openai holds the OpenAI-compatible wire types that the client
// codecs and the simulator share.
package openai

import "encoding/json"

// Message is one chat message. With media its content is a list of
// parts on the wire: the text, then one image_url part per image, one
// input_audio part per clip and one video_url part per video.
type Message struct {
	Role    string  `json:"role"`
	Content string  `json:"content"`
	Images  []Image `json:"-"`
	Audios  []Audio `json:"-"`
	Videos  []Video `json:"-"`
	// ToolCalls are an assistant answer's calls; ToolCallID is the call a
	// role "tool" message answers.
	ToolCalls  []ToolCall `json:"tool_calls,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`
}

// ToolCall is one function call of an assistant message.
type ToolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"`
	Function FunctionCall `json:"function"`
}

// FunctionCall names the function and carries its arguments (JSON text).
type FunctionCall struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// ToolCallDelta is a streamed piece of a tool call: the first of a call
// carries its id and name, the rest pieces of its arguments.
type ToolCallDelta struct {
	Index    int    `json:"index"`
	ID       string `json:"id,omitempty"`
	Type     string `json:"type,omitempty"`
	Function struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments,omitempty"`
	} `json:"function"`
}

// Video is a video_url part (vLLM's and SGLang's extension): a URL (a
// base64 data URL when sonde made the video) and what sonde knows of it.
type Video struct {
	URL                   string
	Width, Height, Frames int
	Seconds               float64
	Bytes                 int
}

// Audio is an input_audio part: base64 data and its format, and what
// sonde knows of it.
type Audio struct {
	Data, Format string
	Seconds      float64
	Bytes        int
}

// Image is an image_url part: a URL (a base64 data URL when sonde made
// the image) and what sonde knows of it.
type Image struct {
	URL           string
	Width, Height int
	Bytes         int // the encoded file's size
	// UUID is vLLM's multimodal cache id for the image (the part's
	// "uuid"); an empty URL with a UUID refers to an image sent before.
	UUID string
}

// UnmarshalJSON reads content as a string or as a list of parts (text
// parts joined, image_url parts kept), as OpenAI's API accepts either.
func (m *Message) UnmarshalJSON(b []byte) error {
	var raw struct {
		Role       string          `json:"role"`
		Content    json.RawMessage `json:"content"`
		ToolCalls  []ToolCall      `json:"tool_calls"`
		ToolCallID string          `json:"tool_call_id"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	m.Role, m.Content, m.Images, m.Audios, m.Videos = raw.Role, "", nil, nil, nil
	m.ToolCalls, m.ToolCallID = raw.ToolCalls, raw.ToolCallID
	if len(raw.Content) == 0 || string(raw.Content) == "null" {
		return nil
	}
	if raw.Content[0] == '"' {
		return json.Unmarshal(raw.Content, &m.Content)
	}
	var parts []struct {
		Type     string `json:"type"`
		Text     string `json:"text"`
		ImageURL *struct {
			URL string `json:"url"`
		} `json:"image_url"`
		UUID     string `json:"uuid"`
		VideoURL *struct {
			URL string `json:"url"`
		} `json:"video_url"`
		InputAudio *struct {
			Data   string `json:"data"`
			Format string `json:"format"`
		} `json:"input_audio"`
	}
	if err := json.Unmarshal(raw.Content, &parts); err != nil {
		return err
	}
	for _, p := range parts {
		switch {
		case p.Type == "text":
			m.Content += p.Text
		case p.Type == "image_url" && p.ImageURL != nil:
			m.Images = append(m.Images, Image{URL: p.ImageURL.URL, UUID: p.UUID})
		case p.Type == "video_url" && p.VideoURL != nil:
			m.Videos = append(m.Videos, Video{URL: p.VideoURL.URL})
		case p.Type == "input_audio" && p.InputAudio != nil:
			m.Audios = append(m.Audios, Audio{Data: p.InputAudio.Data, Format: p.InputAudio.Format})
		}
	}
	return nil
}

// StreamOptions is the stream_options object of a request.
type StreamOptions struct {
	IncludeUsage         bool `json:"include_usage,omitempty"`
	ContinuousUsageStats bool `json:"continuous_usage_stats,omitempty"`
}

// Request is the union of the chat and completions request fields that
// sonde's simulator understands. Prompt is a string or a list of strings.
type Request struct {
	Model               string          `json:"model"`
	Messages            []Message       `json:"messages,omitempty"`
	Prompt              json.RawMessage `json:"prompt,omitempty"`
	Stream              bool            `json:"stream"`
	StreamOptions       *StreamOptions  `json:"stream_options,omitempty"`
	MaxTokens           *int            `json:"max_tokens,omitempty"`
	MaxCompletionTokens *int            `json:"max_completion_tokens,omitempty"`
	MinTokens           *int            `json:"min_tokens,omitempty"`
	IgnoreEOS           bool            `json:"ignore_eos,omitempty"`
	// Tools are the functions offered; only their names are read (chat's
	// under function, the Responses and Messages APIs' at the top).
	Tools []struct {
		Type     string `json:"type"`
		Name     string `json:"name"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	} `json:"tools,omitempty"`
}

// PromptTokensDetails reports prefix-cache hits.
type PromptTokensDetails struct {
	CachedTokens int `json:"cached_tokens"`
}

// CompletionTokensDetails reports reasoning tokens.
type CompletionTokensDetails struct {
	ReasoningTokens int `json:"reasoning_tokens"`
}

// Usage is the usage object of a response or final chunk.
type Usage struct {
	PromptTokens            int                      `json:"prompt_tokens"`
	CompletionTokens        int                      `json:"completion_tokens"`
	TotalTokens             int                      `json:"total_tokens"`
	PromptTokensDetails     *PromptTokensDetails     `json:"prompt_tokens_details,omitempty"`
	CompletionTokensDetails *CompletionTokensDetails `json:"completion_tokens_details,omitempty"`
}

// Cached is prompt_tokens_details.cached_tokens, when the server sent it.
func (u *Usage) Cached() (int, bool) {
	if u.PromptTokensDetails == nil {
		return 0, false
	}
	return u.PromptTokensDetails.CachedTokens, true
}

// Reasoning is completion_tokens_details.reasoning_tokens, when sent.
func (u *Usage) Reasoning() (int, bool) {
	if u.CompletionTokensDetails == nil {
		return 0, false
	}
	return u.CompletionTokensDetails.ReasoningTokens, true
}

// Delta is the message part of a chat chunk or response.
type Delta struct {
	Role             string          `json:"role,omitempty"`
	Content          *string         `json:"content,omitempty"`
	ReasoningContent *string         `json:"reasoning_content,omitempty"`
	Reasoning        *string         `json:"reasoning,omitempty"`
	ToolCalls        []ToolCallDelta `json:"tool_calls,omitempty"`
}

// Choice is one choice of any response object.
type Choice struct {
	Index        int     `json:"index"`
	Delta        *Delta  `json:"delta,omitempty"`
	Message      *Delta  `json:"message,omitempty"`
	Text         *string `json:"text,omitempty"`
	FinishReason *string `json:"finish_reason"`
}

// Response is a chat.completion, chat.completion.chunk, text_completion or
// completion object.
type Response struct {
	ID      string     `json:"id"`
	Object  string     `json:"object"`
	Created int64      `json:"created"`
	Model   string     `json:"model"`
	Choices []Choice   `json:"choices"`
	Usage   *Usage     `json:"usage,omitempty"`
	Error   *ErrorBody `json:"error,omitempty"`
}

// ErrorBody is the OpenAI error object.
type ErrorBody struct {
	Message string `json:"message"`
	Type    string `json:"type"`
	Code    any    `json:"code,omitempty"`
}

// ErrorResponse wraps ErrorBody as servers send it.
type ErrorResponse struct {
	Error ErrorBody `json:"error"`
}
