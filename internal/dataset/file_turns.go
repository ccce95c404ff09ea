package dataset

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sonde-bench/sonde/internal/media"
)

// textSet is the "texts" field: strings, or {"name", "contents"} objects
// (a ranking turn names its "query" and its "passages").
type textSet struct {
	all             []string
	query           []string
	passages        []string
	named, hasQuery bool
}

func (t *textSet) UnmarshalJSON(b []byte) error {
	var plain []string
	if err := json.Unmarshal(b, &plain); err == nil {
		t.all = plain
		return nil
	}
	var named []struct {
		Name     string   `json:"name"`
		Contents []string `json:"contents"`
	}
	if err := json.Unmarshal(b, &named); err != nil {
		return fmt.Errorf("texts must be a list of strings or of {name, contents} objects")
	}
	t.named = true
	for _, n := range named {
		t.all = append(t.all, n.Contents...)
		switch n.Name {
		case "query", "queries":
			t.query, t.hasQuery = append(t.query, n.Contents...), true
		case "passages", "passage", "documents", "texts":
			t.passages = append(t.passages, n.Contents...)
		}
	}
	return nil
}

// split is the turn's text and further texts for an API that takes several
// (embeddings inputs; a ranking's query then its passages).
func (t *textSet) split() (string, []string) {
	if t.hasQuery {
		return strings.Join(t.query, "\n"), t.passages
	}
	if len(t.all) == 0 {
		return "", nil
	}
	return t.all[0], t.all[1:]
}

// turnJSON is one single_turn line, or one turn of a multi_turn line.
type turnJSON struct {
	Text         *string                    `json:"text"`
	Texts        textSet                    `json:"texts"`
	Image        json.RawMessage            `json:"image"`
	Images       json.RawMessage            `json:"images"`
	ImageUUIDs   []string                   `json:"image_uuids"`
	Audio        json.RawMessage            `json:"audio"`
	Audios       json.RawMessage            `json:"audios"`
	Video        json.RawMessage            `json:"video"`
	Videos       json.RawMessage            `json:"videos"`
	SessionID    string                     `json:"session_id"` // single_turn: lines of one session
	Timestamp    *float64                   `json:"timestamp"`
	Delay        *float64                   `json:"delay"`
	Role         string                     `json:"role"`
	OutputLength *int                       `json:"output_length"`
	Extra        map[string]json.RawMessage `json:"extra"`
	Tools        json.RawMessage            `json:"tools"`        // function definitions offered with the turn
	ToolResults  []string                   `json:"tool_results"` // what the previous answer's tool calls returned, in order
}

// toTurn checks a turn's fields (AIPerf's rules) and builds it.
func (j *turnJSON) toTurn(o *FileOptions) (Turn, string, error) {
	var t Turn
	switch {
	case j.Text != nil && j.Texts.all != nil:
		return t, "texts", fmt.Errorf("text and texts are mutually exclusive")
	case j.Timestamp != nil && j.Delay != nil:
		return t, "delay", fmt.Errorf("timestamp and delay are mutually exclusive")
	}
	switch {
	case j.Text != nil:
		t.Text = *j.Text
	case o.SplitTexts:
		t.Text, t.Batch = j.Texts.split()
		for _, b := range t.Batch {
			t.BatchTokens += len(o.Tok.Encode(b))
		}
	default:
		t.Text = strings.Join(j.Texts.all, "\n")
	}
	if strings.TrimSpace(t.Text) == "" {
		return t, "text", fmt.Errorf("a turn needs non-empty text or texts")
	}
	if j.OutputLength != nil {
		if *j.OutputLength < 1 {
			return t, "output_length", fmt.Errorf("must be at least 1, got %d", *j.OutputLength)
		}
		t.MaxTokens = *j.OutputLength
	} else if o.MaxTokens != nil {
		t.MaxTokens = o.MaxTokens()
	}
	if j.Delay != nil {
		if *j.Delay < 0 {
			return t, "delay", fmt.Errorf("must not be negative")
		}
		t.Delay = ms(*j.Delay)
	}
	if j.Timestamp != nil {
		if *j.Timestamp < 0 {
			return t, "timestamp", fmt.Errorf("must not be negative")
		}
		t.Timestamp, t.HasTimestamp = *j.Timestamp, true
	}
	if len(j.Tools) > 0 && string(j.Tools) != "null" {
		if j.Tools[0] != '[' {
			return t, "tools", fmt.Errorf("tools is a list of function definitions")
		}
		t.Extra = append(t.Extra, KV{"tools", j.Tools})
	}
	for _, k := range slices.Sorted(maps.Keys(j.Extra)) {
		t.Extra = append(t.Extra, KV{k, j.Extra[k]})
	}
	for _, r := range j.ToolResults {
		t.ToolResults = append(t.ToolResults, ToolResult{r, len(o.Tok.Encode(r))})
	}
	if field, err := j.media(&t, o); err != nil {
		return t, field, err
	}
	t.Tokens = len(o.Tok.Encode(t.Text))
	return t, "", nil
}

// loadSingleTurn reads one turn a line; lines with the same session_id
// are the turns of one conversation, in file order.
func loadSingleTurn(o FileOptions) ([]Conversation, error) {
	var convs []Conversation
	sessions := map[string]int{} // session_id → its conversation
	sent := map[string]map[string]bool{}
	err := eachLine(o.Path, func(line int, data []byte) error {
		var j turnJSON
		if err := decodeLine(o.Path, line, data, &j); err != nil {
			return err
		}
		t, field, err := j.toTurn(&o)
		if err != nil {
			return &LineError{o.Path, line, field, err}
		}
		if o.UUIDAndStrip && j.SessionID != "" {
			if sent[j.SessionID] == nil {
				sent[j.SessionID] = map[string]bool{}
			}
			stripRepeats(t.Images, sent[j.SessionID])
		}
		if i, ok := sessions[j.SessionID]; ok && j.SessionID != "" {
			convs[i].Turns = append(convs[i].Turns, t)
			return nil
		}
		t.Delay = 0 // a first turn never waits; a delay only shifts a fixed schedule
		sessions[j.SessionID] = len(convs)
		id := j.SessionID
		if id == "" {
			id = fmt.Sprintf("line-%d", line)
		}
		convs = append(convs, Conversation{ID: id, Turns: []Turn{t}})
		return nil
	})
	return convs, err
}

// stripRepeats empties the content of images whose uuid the session sent
// before (AIPerf's --uuid-and-strip): the server's cache holds them. An
// image repeated within one turn keeps its bytes (the server fills its
// cache after the request), so the turn's new uuids count from the next.
func stripRepeats(images []media.Image, sent map[string]bool) {
	var fresh []string
	for i := range images {
		u := images[i].UUID
		switch {
		case u == "":
		case sent[u]:
			images[i] = media.Image{UUID: u}
		case images[i].URL != "":
			fresh = append(fresh, u)
		}
	}
	for _, u := range fresh {
		sent[u] = true
	}
}

func loadMultiTurn(o FileOptions) ([]Conversation, error) {
	if o.UUIDAndStrip {
		return nil, fmt.Errorf("--uuid-and-strip: multi_turn files are not stripped (as in AIPerf); use single_turn lines grouped by session_id")
	}
	var convs []Conversation
	seen := map[string]int{}
	err := eachLine(o.Path, func(line int, data []byte) error {
		var j struct {
			SessionID string     `json:"session_id"`
			Turns     []turnJSON `json:"turns"`
		}
		if err := decodeLine(o.Path, line, data, &j); err != nil {
			return err
		}
		if len(j.Turns) == 0 {
			return &LineError{o.Path, line, "turns", fmt.Errorf("a conversation needs at least one turn")}
		}
		c := Conversation{ID: j.SessionID}
		if c.ID == "" {
			c.ID = fmt.Sprintf("line-%d", line)
		}
		if prev, dup := seen[c.ID]; dup {
			return &LineError{o.Path, line, "session_id", fmt.Errorf("%q already used on line %d", c.ID, prev)}
		}
		seen[c.ID] = line
		turns := j.Turns
		// A leading text-only system turn becomes the conversation's system
		// prompt, sent first on every turn and not counted as a turn.
		if turns[0].Role == "system" {
			sys, field, err := turns[0].toTurn(&o)
			if err != nil {
				return &LineError{o.Path, line, "turns[0]." + field, err}
			}
			c.System, c.SystemTokens = sys.Text, sys.Tokens
			turns = turns[1:]
		}
		for i := range turns {
			t, field, err := turns[i].toTurn(&o)
			if err != nil {
				return &LineError{o.Path, line, fmt.Sprintf("turns[%d].%s", i, field), err}
			}
			if len(c.Turns) == 0 {
				t.Delay = 0
			}
			c.Turns = append(c.Turns, t)
		}
		if len(c.Turns) == 0 {
			return &LineError{o.Path, line, "turns", fmt.Errorf("only a system turn")}
		}
		convs = append(convs, c)
		return nil
	})
	return convs, err
}
