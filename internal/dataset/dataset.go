// Package dataset builds the conversations sonde sends: synthetic ones whose
// user turns have an exact token count, with sampled turn counts, output
// lengths and think times, all deterministic for a seed.
package dataset

import (
	"slices"
	"strings"
	"time"

	"github.com/sonde-bench/sonde/internal/media"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// Turn is one user turn of a conversation.
type Turn struct {
	Model     string        // the model this turn asks (round robin over --model)
	Text      string        // the user message
	Tokens    int           // its token count under the run's tokenizer
	MaxTokens int           // output tokens to request; 0 sends no limit
	Delay     time.Duration // think time before this turn; 0 for the first
	// Answer is a pre-canned assistant reply of AnswerTokens tokens, sent as
	// history in the with-responses context modes.
	Answer       string
	AnswerTokens int
	// Timestamp (ms) is when a trace says this turn was sent; it drives
	// --fixed-schedule.
	Timestamp    float64
	HasTimestamp bool
	// Extra fields merged into this turn's payload, after --extra-inputs.
	Extra []KV
	// Batch are further prompts sent with this one (completions
	// --prompt-batch-size), of BatchTokens tokens in all.
	Batch       []string
	BatchTokens int
	// Prefix is the pooled prefix this first turn's text starts with
	// (--prompt-prefix-pool-size), of PrefixTokens tokens: what other
	// sessions' first turns repeat, so a prefix cache can serve it.
	Prefix       string
	PrefixTokens int
	// Images are sent with the turn's text (chat image_url parts), then
	// Audios (input_audio parts), then Videos (video_url parts).
	Images []media.Image
	Audios []media.Audio
	Videos []media.Video
	// Raw is a request body sent verbatim (raw_payload): the endpoint's
	// encoding is skipped.
	Raw []byte
	// Messages, when set, are appended to the history instead of one user
	// message of Text (a dag_jsonl turn's messages, sent as written).
	Messages []Message
	// ToolResults answer, in order, the tool calls of the previous answer:
	// each goes back as a role "tool" message before this turn's own
	// (recorded results; a call without one gets a short stand-in).
	ToolResults []ToolResult
	// Forks start when this (last) turn has answered, each inheriting the
	// session's history with that answer; Spawns start then with a
	// history of their own, and the session's next turn waits for them
	// all (a join). Both are a dag_jsonl's sub-agents.
	Forks, Spawns []*Conversation
	// Gold is an accuracy problem's answer, graded when the turn's
	// answer is in (--accuracy-benchmark).
	Gold *Gold
	// SourceKind tags the turn's records with where it came from (a
	// SPEED-Bench category).
	SourceKind string
}

// Gold is what a graded turn should answer, and how it is graded.
type Gold struct {
	Task, Answer, Grader string
}

// SetMessages makes msgs the turn's own messages (sent as written; the
// turn keeps the slice): its text is theirs joined, its tokens theirs
// summed. A turn of no message (tool results alone) still has its own,
// empty, list.
func (t *Turn) SetMessages(msgs []Message, tok tokenizer.Tokenizer) {
	if msgs == nil {
		msgs = []Message{}
	}
	t.Messages, t.Tokens = msgs, 0
	texts := make([]string, len(msgs))
	for i, m := range msgs {
		t.Tokens += len(tok.Encode(m.Content))
		for _, c := range m.ToolCalls {
			t.Tokens += len(tok.Encode(c.Name)) + len(tok.Encode(c.Arguments))
		}
		texts[i] = m.Content
	}
	t.Text = strings.Join(texts, "\n")
}

// ToolResult is a recorded tool's output and its token count.
type ToolResult struct {
	Text   string
	Tokens int
}

// Message is one message of a turn that carries its own (role, text), as
// recorded: an assistant's tool calls, or the call a tool's result answers.
type Message struct {
	Role       string     `json:"role"`
	Content    string     `json:"content"`
	ToolCalls  []ToolCall `json:"tool_calls,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`
}

// ToolCall is a recorded function call: its id, name and arguments (JSON
// text).
type ToolCall struct {
	ID, Name, Arguments string
}

// Flatten lists convs and every conversation they fork or spawn, each
// once, parents first.
func Flatten(convs []Conversation) []Conversation {
	out := make([]Conversation, 0, len(convs))
	var walk func(c *Conversation)
	walk = func(c *Conversation) {
		out = append(out, *c)
		for _, t := range c.Turns {
			for _, child := range append(slices.Clip(t.Forks), t.Spawns...) {
				walk(child)
			}
		}
	}
	for i := range convs {
		walk(&convs[i])
	}
	return out
}

// Conversation is a dataset entry: a session's user turns.
type Conversation struct {
	ID    string
	Turns []Turn
	// System is a system prompt sent first on every turn.
	System       string
	SystemTokens int
	// Standalone sends every turn alone, without the turns before it: a
	// trace whose rows each describe a whole request, history included.
	Standalone bool
}
