// Package record defines the Record: everything sonde measured and learned
// about one request, from its intended send time to its parsed answer.
package record

import (
	"iter"

	"github.com/sonde-bench/sonde/internal/openai"
)

// Phase names where a record belongs.
const (
	PhaseWarmup    = "warmup"
	PhaseProfiling = "profiling"
)

// Response is one content-bearing response (an SSE event or a whole body)
// with the monotonic time its first byte arrived, and how many bytes of
// the answer (Output), its reasoning (ReasoningText) and its tool-call
// arguments (ToolArgs) it carried: the texts are the record's, in order
// (Texts gives each response's). No pointer and 24 bytes: a 5,000-token
// answer has 5,000 of them, which the collector then never scans (#31:
// they were half of a long run's allocation as three strings each).
type Response struct {
	Ns                       int64
	Content, Reasoning, Tool int32
}

// ResponseText is the text one response carried.
type ResponseText struct {
	Content, Reasoning, Tool string
}

// Texts yields each response's texts, cut from the record's.
func (r *Record) Texts() iter.Seq2[int, ResponseText] {
	return func(yield func(int, ResponseText) bool) {
		var c, rs, t int
		for i, resp := range r.Responses {
			c1, r1, t1 := c+int(resp.Content), rs+int(resp.Reasoning), t+int(resp.Tool)
			if c1 < c || r1 < rs || t1 < t || c1 > len(r.Output) || r1 > len(r.ReasoningText) || t1 > len(r.ToolArgs) {
				return // lengths that are not the record's texts': nothing to cut
			}
			if !yield(i, ResponseText{r.Output[c:c1], r.ReasoningText[rs:r1], r.ToolArgs[t:t1]}) {
				return
			}
			c, rs, t = c1, r1, t1
		}
	}
}

// Gold is what a graded request should answer, and how it is graded.
type Gold struct {
	Task, Answer, Grader string
}

// Error is a failed request (AIPerf's ErrorDetails), as the transport
// classified it or the parser found it.
type Error struct {
	Code    int    `json:"code,omitempty"`
	Type    string `json:"type"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

// Kind is the error's type, or "error" when it has none: a label for
// telemetry (OpenTelemetry's error.type, the live API's error_type).
func (e *Error) Kind() string {
	if e.Type == "" {
		return "error"
	}
	return e.Type
}

// Record is one request. Times ending in Ns are monotonic nanoseconds of the
// run clock; Wall fields are Unix nanoseconds.
type Record struct {
	Phase string
	// Stage names the profiling phase of a run of several (--phase); empty
	// in a run of one.
	Stage          string
	SessionNum     int // index of the session in the run
	ConversationID string
	TurnIndex      int
	CorrelationID  string
	RequestID      string
	// TraceID and SpanID (hex) are those of the W3C traceparent the request
	// carried; empty for a request never sent.
	TraceID, SpanID string
	URL             string

	IntendedNs int64 // when the schedule meant the request to go out
	StartNs    int64 // just before it was written
	AckNs      int64 // response headers (0 if none)
	EndNs      int64 // body finished or failure seen

	StartWallNs int64
	AckWallNs   int64
	EndWallNs   int64

	Responses []Response // content responses only, in arrival order
	Events    int        // SSE events received, content or not

	InputTokens int
	// ClientInputTokens is ISL as sonde counted it, kept when
	// --use-server-token-count replaces InputTokens: expected cache hits
	// are client counts and are compared with client counts.
	ClientInputTokens int
	// ClientOutputTokens and ClientReasoningTokens are sonde's own counts of
	// the answer, kept beside the server's for usage_*_diff_pct.
	ClientOutputTokens    int
	ClientReasoningTokens int
	OutputTokens          int
	ReasoningTokens       int
	HasOutput             bool          // some content text arrived
	HasReasoning          bool          // some reasoning text arrived
	MaxTokens             int           // requested output tokens (0: none)
	Usage                 *openai.Usage // the last usage the server sent, as sent
	// BadUsage says why a usage the server sent was not taken (a count
	// that was negative or not a count); Usage is then nil.
	BadUsage string
	// Images the request carried (its history's included), their encoded
	// bytes and their pixels.
	Images, ImageBytes, ImagePixels int
	// Audio clips likewise: how many, their bytes and their seconds.
	Audios, AudioBytes int
	AudioSeconds       float64
	// Videos likewise: how many, their bytes, frames and seconds.
	Videos, VideoBytes, VideoFrames int
	VideoSeconds                    float64

	Error *Error
	// Cut: sonde cancelled the request because the run stopped (end of the
	// grace period, a second Ctrl-C); it is recorded as an error.
	Cut            bool
	WasCancelled   bool
	CancellationNs int64

	// Output is the assistant text, kept for history and outputs.json.
	Output        string
	ReasoningText string

	// Inputs the processor needs to count ISL without re-encoding history:
	// the new user turn's token count, or the whole prompt for completions.
	UserTokens int
	PromptText string
	// Messages are the chat messages sent, kept only when ISL is counted
	// through the model's chat template (--apply-chat-template).
	Messages    []openai.Message
	BatchTokens int // the other prompts of a batch, or a ranking's passages
	LastTurn    bool
	// Counted: OutputTokens is known, not to be counted from Output (a
	// twin's predicted request, which has no text).
	Counted bool
	// NoHistory: the API takes each turn alone (embeddings, rankings), so
	// ISL is the turn's own texts.
	NoHistory bool
	// A DAG's sub-agents: AgentDepth is 0 for a session the run started,
	// 1 for one a turn of it forked or spawned, and so on;
	// ParentCorrelationID is its parent's session id. ForkParent is the
	// parent's SessionNum + 1 on a forked session's first turn (its
	// history is the parent's); Forks, on a parent's turn, counts the
	// sessions forked from it.
	AgentDepth          int
	ParentCorrelationID string
	// SourceKind is the turn's dataset tag (a SPEED-Bench category).
	SourceKind        string
	ForkParent, Forks int
	// ToolCalls are the answer's tool calls (chat), sent back in the
	// history; ToolArgs is all their arguments' text, counted as output.
	ToolCalls []openai.ToolCall
	ToolArgs  string
	// Gold is an accuracy problem's answer (--accuracy-benchmark).
	Gold *Gold
	// Items counts the vectors or scores an embeddings or ranking answer
	// carried; ResponseID is the server's id of the answer (Responses API).
	Items      int
	ResponseID string
	// OutputImages counts the images an image generation answer carried
	// (partial images not included).
	OutputImages int
	// OutputVideos is 1 for a completed video job; VideoInferenceS and
	// VideoPeakMB are what the server said of it.
	OutputVideos                 int
	VideoInferenceS, VideoPeakMB float64

	// ExpectedCached is how many prompt tokens repeat an earlier request of
	// the same session (its whole previous prompt and answer): what a
	// prefix cache could serve. Set by the processor.
	ExpectedCached int

	// HTTP phases of the request, its body and response sizes, and whether
	// it was resent once after a stale keep-alive connection.
	HTTP          Phases
	BytesSent     int
	BytesReceived int
	Retried       bool
	// Chunks are each response event's arrival (run clock) and size in
	// bytes, kept only for --export-http-trace.
	Chunks [][2]int64

	// Raw is the request body and every response event as received, kept
	// only for --export-level raw.
	Raw *Raw

	// System and SystemTokens: the system prompt a first turn carries, so the
	// processor can tell one shared across sessions.
	System       string
	SystemTokens int
	// Prefix and PrefixTokens: the pooled prefix the first turn starts with
	// (after the system prompt), shared across sessions.
	Prefix       string
	PrefixTokens int

	// Precanned: the history continues with a pre-canned answer of
	// PrecannedTokens tokens instead of the live one.
	Precanned       bool
	PrecannedTokens int
}

// Valid is AIPerf's validity: no error, at least one content response, and
// ordered, positive timestamps.
func (r *Record) Valid() bool {
	if r.Error != nil || len(r.Responses) == 0 || r.EndNs <= r.StartNs {
		return false
	}
	for _, resp := range r.Responses {
		if resp.Ns <= 0 {
			return false
		}
	}
	return true
}

// Raw is what went over the wire for one request.
type Raw struct {
	Body   []byte
	Events []RawEvent
}

// RawEvent is one SSE event (or a whole body) and when its first byte came.
type RawEvent struct {
	Ns   int64
	Data string
}

// Phases are a request's HTTP phases on the run clock (0: did not happen),
// k6's and AIPerf's http_req_* breakdown: how much of TTFT was waiting for a
// connection, DNS, TCP and TLS set-up, sending, and the server.
type Phases struct {
	GetConn      int64 // a connection was asked for
	DNSStart     int64
	DNSDone      int64
	ConnectStart int64
	ConnectDone  int64
	TLSStart     int64
	TLSDone      int64
	GotConn      int64 // a connection was had (new, pooled or pre-dialed)
	Wrote        int64 // the request was fully written
	FirstByte    int64 // the first response byte arrived
	Reused       bool  // the connection had carried an earlier request
	Prewarmed    bool  // the connection was opened by --warmup-connections
}

// SetTraceParent keeps the ids of a W3C traceparent header's value (none
// when it is not one).
func (r *Record) SetTraceParent(v string) {
	if len(v) == 55 && v[2] == '-' && v[35] == '-' && v[52] == '-' {
		r.TraceID, r.SpanID = v[3:35], v[36:52]
	}
}
