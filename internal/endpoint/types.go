package endpoint

import (
	"fmt"
	"slices"
	"strings"
)

// Type is an --endpoint-type.
type Type string

// The endpoint types sonde speaks (AIPerf's names).
const (
	Chat           Type = "chat"
	Completions    Type = "completions"
	Responses      Type = "responses"
	Messages       Type = "messages"
	Embeddings     Type = "embeddings"
	ChatEmbeddings Type = "chat_embeddings"
	NIMEmbeddings  Type = "nim_embeddings"
	NIMRankings    Type = "nim_rankings"
	HFTEIRankings  Type = "hf_tei_rankings"
	CohereRankings Type = "cohere_rankings"
	HFGenerate     Type = "huggingface_generate"
	Template       Type = "template"
	SolidoRAG      Type = "solido_rag"
	ImageGen       Type = "image_generation"
	Transcription  Type = "audio_transcription"
	ImageEdit      Type = "image_edit"
	ImageRetrieval Type = "image_retrieval"
	Raw            Type = "raw"
	VideoGen       Type = "video_generation"
)

// Kind groups the types by what they answer, which decides their metrics.
type Kind int

// The kinds.
const (
	Generates Kind = iota // text, token by token: TTFT, ITL, OSL
	Embeds                // vectors: latency and throughput per input
	Ranks                 // scores for passages against a query
	Draws                 // images from a text prompt
)

// info is what sonde knows about a type.
type info struct {
	path, streamPath string
	streams          bool
	kind             Kind
	service          string // the artifact-name prefix, AIPerf's service kind
	// alone: a request carries the newest turn only, never the history
	// (vectors, scores, a RAG query).
	alone bool
	// unbounded: the request has no output-length field.
	unbounded bool
	// textless: the turn's text is not sent (only its audio).
	textless bool
	title    string // the console table's, when not the kind's
}

var catalog = map[Type]info{
	Chat:           {path: "/v1/chat/completions", streams: true, kind: Generates, service: "openai-"},
	Completions:    {path: "/v1/completions", streams: true, kind: Generates, service: "openai-"},
	Responses:      {path: "/v1/responses", streams: true, kind: Generates, service: "openai-"},
	Messages:       {path: "/v1/messages", streams: true, kind: Generates, service: "anthropic-"},
	Embeddings:     {path: "/v1/embeddings", kind: Embeds, service: "openai-", alone: true},
	ChatEmbeddings: {path: "/v1/embeddings", kind: Embeds, service: "openai-", alone: true},
	NIMEmbeddings:  {path: "/v1/embeddings", kind: Embeds, alone: true},
	NIMRankings:    {path: "/v1/ranking", kind: Ranks, alone: true},
	HFTEIRankings:  {path: "/rerank", kind: Ranks, alone: true},
	CohereRankings: {path: "/v2/rerank", kind: Ranks, alone: true},
	HFGenerate:     {path: "/generate", streamPath: "/generate_stream", streams: true, kind: Generates},
	Template:       {streams: true, kind: Generates},
	SolidoRAG:      {path: "/rag/api/prompt", streams: true, kind: Generates, alone: true, unbounded: true},
	ImageGen:       {path: "/v1/images/generations", streams: true, kind: Draws, service: "openai-", alone: true},
	Raw:            {streams: true, kind: Generates},
	VideoGen:       {path: "/v1/videos", kind: Draws, service: "openai-", alone: true, title: "Video Generation Metrics"},
	ImageRetrieval: {path: "/v1/infer", kind: Embeds, alone: true, textless: true, title: "Image Retrieval Metrics"},
	ImageEdit:      {path: "/v1/images/edits", kind: Draws, service: "openai-", alone: true, title: "Image Edit Metrics"},
	Transcription: {path: "/v1/audio/transcriptions", kind: Generates, service: "openai-", alone: true, unbounded: true, textless: true,
		title: "Audio Transcription Metrics"},
}

// aliases are older names AIPerf still accepts.
var aliases = map[string]Type{"rankings": NIMRankings}

// Types lists every --endpoint-type value, aliases included, for help and
// validation.
func Types() []string {
	var out []string
	for t := range catalog {
		out = append(out, string(t))
	}
	for a := range aliases {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// Parse reads an --endpoint-type value.
func Parse(s string) (Type, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if t, ok := aliases[s]; ok {
		return t, nil
	}
	if _, ok := catalog[Type(s)]; ok {
		return Type(s), nil
	}
	return "", fmt.Errorf("--endpoint-type %q is not one of %s", s, strings.Join(Types(), ", "))
}

// Canonical is the type an --endpoint-type value names, aliases resolved;
// an unknown value stays as it is (validation reports it).
func Canonical(s string) Type {
	if t, err := Parse(s); err == nil {
		return t
	}
	return Type(s)
}

// DefaultPath is the URL path of an endpoint type; template has none (the
// --url is the whole address).
func (t Type) DefaultPath() string { return catalog[t].path }

// StreamPath is the path when streaming: TGI streams from another route.
func (t Type) StreamPath() string {
	if p := catalog[t].streamPath; p != "" {
		return p
	}
	return catalog[t].path
}

// CanStream reports whether the API streams its answers.
func (t Type) CanStream() bool { return catalog[t].streams }

// Standalone reports an API whose request carries the newest turn only:
// a conversation's earlier turns are not resent, and ISL counts the turn.
func (t Type) Standalone() bool { return catalog[t].alone }

// TakesMaxTokens reports an API that generates text and whose request can
// bound its length.
func (t Type) TakesMaxTokens() bool { return catalog[t].kind == Generates && !catalog[t].unbounded }

// SendsText reports an API whose request carries the turn's text (not
// audio transcription: only the turn's audio goes).
func (t Type) SendsText() bool { return !catalog[t].textless }

// Multipart reports an API whose body is multipart/form-data, with
// MultipartBoundary.
func (t Type) Multipart() bool { return t == Transcription || t == ImageEdit || t == VideoGen }

// Job reports an API that answers with a job to poll until it is done
// (video generation: submit, then GET path/{id} until completed).
func (t Type) Job() bool { return t == VideoGen }

// Kind is what the API answers.
func (t Type) Kind() Kind { return catalog[t].kind }

// ProducesTokens reports whether the API generates text (AIPerf's
// PRODUCES_TOKENS_ONLY metrics apply).
func (t Type) ProducesTokens() bool { return catalog[t].kind == Generates }

// ServiceKind is the artifact-name part of the type (AIPerf: openai-chat).
func (t Type) ServiceKind() string { return catalog[t].service + string(t) }

// Title is the console table's title (AIPerf's metrics titles).
func (t Type) Title() string {
	if title := catalog[t].title; title != "" {
		return title
	}
	switch catalog[t].kind {
	case Embeds:
		return "Embeddings Metrics"
	case Ranks:
		return "Rankings Metrics"
	case Draws:
		return "Image Generation Metrics"
	}
	return "LLM Metrics"
}

// PromptJoined reports whether the API takes the conversation as one prompt
// string (completions, TGI) rather than as messages.
func (t Type) PromptJoined() bool { return t == Completions || t == HFGenerate }
