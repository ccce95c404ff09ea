package dataset

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// dagLine is one conversation of a dag_jsonl file.
type dagLine struct {
	SessionID *string   `json:"session_id"`
	Turns     []dagTurn `json:"turns"`
}

// dagTurn is one of its turns: messages appended to the session's history,
// what goes on the wire beside them, and the sub-agents it starts.
type dagTurn struct {
	Messages  []json.RawMessage          `json:"messages"`
	Model     string                     `json:"model"`
	MaxTokens *int                       `json:"max_tokens"`
	Tools     json.RawMessage            `json:"tools"`
	ExtraBody map[string]json.RawMessage `json:"extra_body"`
	Forks     []string                   `json:"forks"`
	Spawns    []string                   `json:"spawns"`
	Delay     *float64                   `json:"delay"` // ms before the turn is sent
}

// dagNode is a conversation read, with where it was declared and who
// starts it.
type dagNode struct {
	conv   *Conversation
	line   int
	parent string // the session that forks or spawns it; "" for a root
	fork   bool
}

// loadDAG reads a dag_jsonl file (AIPerf's branching conversations): one
// conversation per line; a turn's "forks" start sessions that inherit its
// history with the live answer when it completes (only on a session's
// last turn), and its "spawns" (sonde's) start fresh sub-agent sessions
// the session's next turn waits for. Only the roots are returned; the
// others hang off the turns that start them.
func loadDAG(o FileOptions) ([]Conversation, error) {
	nodes := map[string]*dagNode{}
	var order []string
	err := eachLine(o.Path, func(line int, data []byte) error {
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields() // a typo (max_token) is an error, not a field silently dropped
		var d dagLine
		if err := dec.Decode(&d); err != nil {
			return &LineError{o.Path, line, "", err}
		}
		switch {
		case d.SessionID == nil || *d.SessionID == "":
			return &LineError{o.Path, line, "session_id", fmt.Errorf("every conversation needs a session_id")}
		case nodes[*d.SessionID] != nil:
			return &LineError{o.Path, line, "session_id", fmt.Errorf("duplicate session_id %q (first on line %d)", *d.SessionID, nodes[*d.SessionID].line)}
		case len(d.Turns) == 0:
			return &LineError{o.Path, line, "turns", fmt.Errorf("a conversation needs at least one turn")}
		}
		c := &Conversation{ID: *d.SessionID}
		for k, dt := range d.Turns {
			t, err := dagTurnOf(o, dt)
			if err != nil {
				return &LineError{o.Path, line, fmt.Sprintf("turns.%d.%s", k, err.field), err.err}
			}
			c.Turns = append(c.Turns, t)
		}
		nodes[*d.SessionID] = &dagNode{conv: c, line: line}
		order = append(order, *d.SessionID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := linkDAG(o.Path, nodes, order); err != nil {
		return nil, err
	}
	var roots []Conversation
	for _, id := range order {
		if nodes[id].parent == "" {
			roots = append(roots, *nodes[id].conv)
		}
	}
	if len(roots) == 0 && len(order) > 0 {
		return nil, fmt.Errorf("%s: every conversation is started by another: a cycle", o.Path)
	}
	return roots, nil
}

type fieldErr struct {
	field string
	err   error
}

// dagTurnOf builds one turn: its messages (string contents), model, max
// tokens, tools and extra_body fields.
func dagTurnOf(o FileOptions, dt dagTurn) (Turn, *fieldErr) {
	var t Turn
	if len(dt.Messages) == 0 {
		return t, &fieldErr{"messages", fmt.Errorf("a turn needs at least one message")}
	}
	var msgs []Message
	for i, raw := range dt.Messages {
		var m struct {
			Role    *string         `json:"role"`
			Content json.RawMessage `json:"content"`
		}
		if err := json.Unmarshal(raw, &m); err != nil || m.Role == nil {
			return t, &fieldErr{fmt.Sprintf("messages.%d", i), fmt.Errorf("a message is an object with a role")}
		}
		var content string
		if err := json.Unmarshal(m.Content, &content); err != nil {
			return t, &fieldErr{fmt.Sprintf("messages.%d.content", i), fmt.Errorf("content is read as a string (multimodal parts and tool_calls messages are not read yet)")}
		}
		if *m.Role == "tool" { // a recorded tool result: it answers the previous answer's call, whatever its live id
			t.ToolResults = append(t.ToolResults, ToolResult{content, len(o.Tok.Encode(content))})
			continue
		}
		msgs = append(msgs, Message{Role: *m.Role, Content: content})
	}
	t.SetMessages(msgs, o.Tok)
	t.Model = dt.Model
	switch {
	case dt.MaxTokens != nil && (*dt.MaxTokens < 1 || *dt.MaxTokens > MaxPromptTokens):
		return t, &fieldErr{"max_tokens", fmt.Errorf("%d: must be 1 to %d", *dt.MaxTokens, MaxPromptTokens)}
	case dt.MaxTokens != nil:
		t.MaxTokens = *dt.MaxTokens
	case o.MaxTokens != nil:
		t.MaxTokens = o.MaxTokens()
	}
	if len(dt.Tools) > 0 {
		t.Extra = append(t.Extra, KV{"tools", dt.Tools})
	}
	for _, k := range slices.Sorted(maps.Keys(dt.ExtraBody)) { // always the same order
		t.Extra = append(t.Extra, KV{k, dt.ExtraBody[k]})
	}
	if dt.Delay != nil {
		if *dt.Delay < 0 || *dt.Delay > maxDelayMs {
			return t, &fieldErr{"delay", fmt.Errorf("%g: must be 0 to %g ms", *dt.Delay, float64(maxDelayMs))}
		}
		t.Delay = ms(*dt.Delay)
	}
	// The children's names are kept until every line is read.
	for _, id := range dt.Forks {
		t.Forks = append(t.Forks, &Conversation{ID: id})
	}
	for _, id := range dt.Spawns {
		t.Spawns = append(t.Spawns, &Conversation{ID: id})
	}
	return t, nil
}

// linkDAG points each fork and spawn at its conversation and checks the
// graph: every target declared, started by one parent, forks only on a
// session's last turn, no system message where a history already has
// one, no cycle.
func linkDAG(path string, nodes map[string]*dagNode, order []string) error {
	for _, id := range order {
		n := nodes[id]
		for k := range n.conv.Turns {
			t := &n.conv.Turns[k]
			if len(t.Forks) > 0 && k != len(n.conv.Turns)-1 {
				return fmt.Errorf("%s:%d: session %q turn %d forks but has turns after it: forks start from a session's last turn (spawns may continue)", path, n.line, id, k)
			}
			for _, branch := range []struct {
				list []*Conversation
				fork bool
			}{{t.Forks, true}, {t.Spawns, false}} {
				for i, ref := range branch.list {
					child := nodes[ref.ID]
					switch {
					case child == nil:
						return fmt.Errorf("%s:%d: session %q turn %d: branch target %q is not declared in the file", path, n.line, id, k, ref.ID)
					case child.parent != "":
						return fmt.Errorf("%s:%d: session %q is started by both %q and %q: a sub-agent has one parent", path, n.line, ref.ID, child.parent, id)
					case ref.ID == id:
						return fmt.Errorf("%s:%d: session %q starts itself", path, n.line, id)
					}
					child.parent, child.fork = id, branch.fork
					branch.list[i] = child.conv
				}
			}
		}
	}
	for _, id := range order {
		n := nodes[id]
		if n.fork && slices.ContainsFunc(n.conv.Turns[0].Messages, func(m Message) bool { return m.Role == "system" }) {
			return fmt.Errorf("%s:%d: session %q turn 0 has a system message, but it is forked and inherits a history that already starts with one (chat templates drop a later system message): make it a user message", path, n.line, id)
		}
		seen := map[string]bool{id: true}
		for p := n.parent; p != ""; p = nodes[p].parent {
			if seen[p] {
				return fmt.Errorf("%s:%d: session %q is in a cycle of forks and spawns", path, n.line, id)
			}
			seen[p] = true
		}
	}
	return nil
}
