package endpoint

import (
	"encoding/json"
	"strconv"

	"github.com/sonde-bench/sonde/internal/openai"
)

// MessagesMaxTokens is what a messages request asks when the turn sets no
// output length: Anthropic's API requires max_tokens.
const MessagesMaxTokens = 4096

// fields are the type's own body fields, before the extras.
func (c *Codec) fields(in *Input) []Field {
	model := Field{"model", jsonValue(in.Model)}
	stream := Field{"stream", json.RawMessage(strconv.FormatBool(c.Stream))}
	switch c.Type {
	case Completions:
		prompt := jsonValue(append([]string{CompletionPrompt(in.History)}, in.Batch...))
		return c.withLimit([]Field{{"prompt", prompt}, model, stream}, "max_tokens", in.MaxTokens)
	case Responses:
		return c.responses(in, model, stream)
	case Messages:
		system, msgs := splitSystem(in.History)
		out := []Field{}
		if system != "" {
			out = append(out, Field{"system", jsonValue(system)})
		}
		limit := in.MaxTokens
		if limit <= 0 {
			limit = MessagesMaxTokens
		}
		messages := jsonValue(msgs)
		if hasTools(msgs) {
			messages = appendAnthropicMessages(nil, msgs)
		}
		return append(out, Field{"messages", messages}, model, stream, Field{"max_tokens", json.RawMessage(strconv.Itoa(limit))})
	case Embeddings, NIMEmbeddings:
		out := []Field{{"input", jsonValue(texts(in))}, model}
		if c.Type == NIMEmbeddings {
			out = append(out, Field{"input_type", json.RawMessage(`"query"`)})
		}
		return out
	case ChatEmbeddings:
		return []Field{{"messages", jsonValue(in.History)}, model, {"encoding_format", json.RawMessage(`"float"`)}}
	case NIMRankings:
		passages := make([]map[string]string, len(in.Batch))
		for i, p := range in.Batch {
			passages[i] = map[string]string{"text": p}
		}
		return []Field{model, {"query", jsonValue(map[string]string{"text": query(in)})}, {"passages", jsonValue(passages)}}
	case HFTEIRankings:
		return []Field{{"query", jsonValue(query(in))}, {"texts", jsonValue(nonNil(in.Batch))}}
	case CohereRankings:
		return []Field{model, {"query", jsonValue(query(in))}, {"documents", jsonValue(nonNil(in.Batch))}}
	case ImageRetrieval:
		items := []map[string]string{}
		if n := len(in.History); n > 0 {
			for _, im := range in.History[n-1].Images {
				items = append(items, map[string]string{"type": "image_url", "url": im.URL})
			}
		}
		return []Field{{"input", jsonValue(items)}}
	case VideoGen: // as JSON (--request-content-type application/json)
		return []Field{{"prompt", jsonValue(query(in))}, model}
	case ImageGen:
		out := []Field{{"prompt", jsonValue(query(in))}, model, {"response_format", json.RawMessage(`"b64_json"`)}, {"n", json.RawMessage("1")}}
		if c.Stream {
			out = append(out, stream)
		}
		return out
	case SolidoRAG:
		return []Field{{"query", jsonValue(texts(in))}, {"filters", json.RawMessage(`{"family":"Solido","tool":"SDE"}`)}, {"inference_model", model.Value}}
	case HFGenerate:
		params := []Field{}
		if in.MaxTokens > 0 {
			params = append(params, Field{"max_new_tokens", json.RawMessage(strconv.Itoa(in.MaxTokens))})
		}
		return []Field{{"inputs", jsonValue(CompletionPrompt(in.History))}, {"parameters", appendObject(nil, params)}}
	}
	key := "max_completion_tokens"
	if c.LegacyMax {
		key = "max_tokens"
	}
	return c.withLimit([]Field{{"messages", jsonValue(in.History)}, model, stream}, key, in.MaxTokens)
}

// withLimit adds the usage request and the output limit of OpenAI's APIs.
func (c *Codec) withLimit(fields []Field, key string, maxTokens int) []Field {
	if c.Stream && c.IncludeUsage {
		fields = append(fields, Field{"stream_options", json.RawMessage(`{"include_usage":true}`)})
	}
	if maxTokens > 0 {
		fields = append(fields, Field{key, json.RawMessage(strconv.Itoa(maxTokens))})
	}
	return fields
}

// responses builds an OpenAI Responses API body: the system prompt as
// instructions, the conversation as input items, or (Chain, after the first
// turn) only the new message with previous_response_id.
func (c *Codec) responses(in *Input, model, stream Field) []Field {
	system, msgs := splitSystem(in.History)
	if c.Chain && in.PreviousID != "" && len(msgs) > 0 {
		// The server holds everything up to its answer: what came after
		// it (tool results, the new messages) is the new input.
		last := len(msgs) - 1
		for last > 0 && msgs[last-1].Role != "assistant" {
			last--
		}
		msgs = msgs[last:]
	}
	input := jsonValue(msgs)
	if hasTools(msgs) {
		input = appendResponsesInput(nil, msgs)
	}
	out := []Field{{"input", input}, model, stream}
	if system != "" {
		out = append(out, Field{"instructions", jsonValue(system)})
	}
	if c.Chain && in.PreviousID != "" {
		out = append(out, Field{"previous_response_id", jsonValue(in.PreviousID)})
	}
	if in.MaxTokens > 0 {
		out = append(out, Field{"max_output_tokens", json.RawMessage(strconv.Itoa(in.MaxTokens))})
	}
	return out
}

// mergeParameters merges extras into a TGI body's parameters object; the
// body's own top-level keys (inputs, parameters, stream) stay at the top.
func mergeParameters(fields, extra []Field) []Field {
	var top, params []Field
	for _, e := range extra {
		switch e.Key {
		case "inputs", "stream":
			top = append(top, e)
		case "parameters":
			fs, _ := objectFields(e.Value) // not an object: nothing to merge
			params = append(params, fs...)
		default:
			params = append(params, e)
		}
	}
	fields = merge(fields, top)
	for i := range fields {
		if fields[i].Key == "parameters" && len(params) > 0 {
			base, _ := objectFields(fields[i].Value)
			fields[i].Value = appendObject(nil, merge(base, params))
		}
	}
	return fields
}

// splitSystem separates a leading system message from the conversation
// (Anthropic's and the Responses API's top-level instructions).
func splitSystem(history []openai.Message) (string, []openai.Message) {
	if len(history) > 0 && history[0].Role == "system" {
		return history[0].Content, nonNil(history[1:])
	}
	return "", nonNil(history)
}

// texts are an embeddings request's inputs: the turn's text and its batch.
func texts(in *Input) []string {
	out := []string{}
	if n := len(in.History); n > 0 {
		out = append(out, in.History[n-1].Content)
	}
	return append(out, in.Batch...)
}

// query is a ranking request's query: the newest user message.
func query(in *Input) string {
	if n := len(in.History); n > 0 {
		return in.History[n-1].Content
	}
	return ""
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
