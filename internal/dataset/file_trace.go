package dataset

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
)

// HashBlockSizes splits an input of length L over k hash ids of block size B
// (AIPerf's rule): every block but the last is B tokens, the last holds the
// rest, which must be in (0, B].
func HashBlockSizes(L, k, B int) ([]int, error) {
	if k == 0 {
		return nil, fmt.Errorf("no hash ids")
	}
	final := L - (k-1)*B
	if final <= 0 || final > B {
		return nil, fmt.Errorf("input_length %d does not fit %d hash blocks of %d tokens (last block would hold %d)", L, k, B, final)
	}
	sizes := make([]int, k)
	for i := range sizes {
		sizes[i] = B
	}
	sizes[k-1] = final
	return sizes, nil
}

// loadMooncake reads a Mooncake-style trace: timestamps (ms), lengths,
// optional hash ids of shared prefix blocks, sessions with delays.
func loadMooncake(o FileOptions) ([]Conversation, error) {
	gen, err := o.promptGen()
	if err != nil {
		return nil, err
	}
	r := NewRand(o.Seed, StreamPrompt)
	blocks := map[int64][]int{} // hash id → its tokens, fixed at first use
	bySession := map[string]int{}
	z, err := mooncakeSynthesizer(o)
	if err != nil {
		return nil, err
	}
	var convs []Conversation
	err = eachLine(o.Path, func(line int, data []byte) error {
		j := mooncakeLine{line: line}
		if err := decodeLine(o.Path, line, data, &j); err != nil {
			return err
		}
		if z != nil && !z.reshape(&j, sessionKey(j.SessionID, line)) {
			return nil // above --synthesis-max-isl
		}
		fail := func(field string, err error) error { return &LineError{o.Path, line, field, err} }
		var t Turn
		if field, err := traceText(&t, gen, r, blocks, o.BlockSize, j.InputLength, j.TextInput, j.HashIDs, len(j.Messages) > 0); err != nil {
			return fail(field, err)
		}
		if j.OutputLength != nil {
			if *j.OutputLength < 1 || *j.OutputLength > MaxPromptTokens {
				return fail("output_length", fmt.Errorf("%d: must be 1 to %d tokens", *j.OutputLength, MaxPromptTokens))
			}
			t.MaxTokens = *j.OutputLength
		} else if o.MaxTokens != nil {
			t.MaxTokens = o.MaxTokens()
		}
		if j.Timestamp != nil && j.Delay != nil {
			return fail("delay", fmt.Errorf("timestamp and delay are mutually exclusive"))
		}
		if j.Timestamp != nil {
			if *j.Timestamp < 0 {
				return fail("timestamp", fmt.Errorf("%g: a time in ms is not negative", *j.Timestamp))
			}
			t.Timestamp, t.HasTimestamp = *j.Timestamp, true
		}
		if j.Delay != nil && (*j.Delay < 0 || *j.Delay > maxDelayMs) {
			return fail("delay", fmt.Errorf("%g: must be 0 to %g ms", *j.Delay, float64(maxDelayMs)))
		}
		if j.Delay != nil {
			t.Delay = ms(*j.Delay)
		}
		t.Tokens = len(o.Tok.Encode(t.Text))
		if i, ok := bySession[j.SessionID]; ok && j.SessionID != "" {
			convs[i].Turns = append(convs[i].Turns, t)
			return nil
		}
		id := j.SessionID
		if id == "" {
			id = fmt.Sprintf("line-%d", line)
		} else {
			bySession[id] = len(convs)
		}
		t.Delay = 0
		convs = append(convs, Conversation{ID: id, Turns: []Turn{t}})
		return nil
	})
	return convs, err
}

// mooncakeSynthesizer is nil when --synthesis-* change nothing; else it
// has read the file's hash ids once to know which blocks are shared.
func mooncakeSynthesizer(o FileOptions) (*synthesizer, error) {
	if !o.Synthesis.reshapes() {
		return nil, nil
	}
	z := newSynthesizer(o.Synthesis, o.BlockSize, o.Seed)
	if !o.Synthesis.needsTree() {
		return z, nil
	}
	err := eachLine(o.Path, func(line int, data []byte) error {
		var j struct {
			HashIDs []int64 `json:"hash_ids"`
		}
		if json.Unmarshal(data, &j) == nil { // a bad line is named by the second pass
			z.count(j.HashIDs)
		}
		return nil
	})
	return z, err
}

// sessionKey is a line's session, or the line itself.
func sessionKey(id string, line int) string {
	if id != "" {
		return "s:" + id
	}
	return fmt.Sprintf("l:%d", line)
}

// traceText fills a trace line's prompt: its text, a synthetic prompt of
// its input length, or one built from its hash-id blocks. On failure it
// names the field at fault.
func traceText(t *Turn, gen *PromptGen, r *rand.Rand, blocks map[int64][]int, blockSize int, inputLength *int, text *string, hashIDs []int64, messages bool) (string, error) {
	switch {
	case messages:
		return "messages", fmt.Errorf("message-array traces are not supported yet")
	case inputLength != nil && text != nil:
		return "text_input", fmt.Errorf("input_length and text_input are mutually exclusive")
	case text != nil:
		if len(hashIDs) > 0 {
			return "hash_ids", fmt.Errorf("hash_ids need input_length")
		}
		t.Text = *text
	case inputLength != nil:
		if *inputLength < 1 || *inputLength > MaxPromptTokens {
			return "input_length", fmt.Errorf("%d: must be 1 to %d tokens", *inputLength, MaxPromptTokens)
		}
		var err error
		if len(hashIDs) > 0 {
			t.Text, err = hashPrompt(gen, r, blocks, *inputLength, hashIDs, blockSize)
		} else {
			t.Text, err = gen.Prompt(r, *inputLength)
		}
		if err != nil {
			return "hash_ids", err
		}
	default:
		return "input_length", fmt.Errorf("a line needs input_length or text_input")
	}
	return "", nil
}

// hashPrompt builds a prompt from hash-id blocks: the same id always gives
// the same tokens, so requests sharing ids share a prefix a server can cache.
func hashPrompt(gen *PromptGen, r *rand.Rand, blocks map[int64][]int, L int, ids []int64, B int) (string, error) {
	sizes, err := HashBlockSizes(L, len(ids), B)
	if err != nil {
		return "", err
	}
	var all []int
	for i, h := range ids {
		b, ok := blocks[h]
		if !ok || len(b) < sizes[i] {
			start := r.IntN(len(gen.corpusIDs()))
			b = gen.take(start, sizes[i], nil)
			if !ok {
				blocks[h] = b
			}
		}
		all = append(all, b[:sizes[i]]...)
	}
	return gen.tok.Decode(all), nil
}

// inputsJSONFile is sonde's (and AIPerf's) inputs.json.
type inputsJSONFile struct {
	Data []struct {
		SessionID string `json:"session_id"`
		Payloads  []struct {
			Messages []struct {
				Role    string `json:"role"`
				Content string `json:"content"`
			} `json:"messages"`
			Prompt              json.RawMessage `json:"prompt"`
			Model               string          `json:"model"`
			MaxCompletionTokens *int            `json:"max_completion_tokens"`
			MaxTokens           *int            `json:"max_tokens"`
		} `json:"payloads"`
	} `json:"data"`
}

// loadInputsJSON replays an inputs.json: each payload's last user message is
// a turn; a leading system message is the system prompt.
func loadInputsJSON(o FileOptions) ([]Conversation, error) {
	data, err := readWhole(o.Path)
	if err != nil {
		return nil, fmt.Errorf("--input-file: %w", err)
	}
	var f inputsJSONFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: not an inputs.json: %v", o.Path, err)
	}
	var convs []Conversation
	for i, s := range f.Data {
		c := Conversation{ID: s.SessionID}
		if c.ID == "" {
			c.ID = fmt.Sprintf("session-%d", i)
		}
		for k, p := range s.Payloads {
			var t Turn
			for _, m := range p.Messages {
				switch {
				case m.Role == "system" && k == 0:
					c.System, c.SystemTokens = m.Content, len(o.Tok.Encode(m.Content))
				case m.Role == "user":
					t.Text = m.Content
				}
			}
			if len(p.Messages) == 0 && len(p.Prompt) > 0 {
				var list []string
				if json.Unmarshal(p.Prompt, &list) == nil {
					t.Text = strings.Join(list, "")
				} else {
					json.Unmarshal(p.Prompt, &t.Text)
				}
			}
			if t.Text == "" {
				return nil, fmt.Errorf("%s: data[%d].payloads[%d]: no user message", o.Path, i, k)
			}
			t.Model = p.Model
			switch {
			case p.MaxCompletionTokens != nil:
				t.MaxTokens = *p.MaxCompletionTokens
			case p.MaxTokens != nil:
				t.MaxTokens = *p.MaxTokens
			}
			t.Tokens = len(o.Tok.Encode(t.Text))
			c.Turns = append(c.Turns, t)
		}
		if len(c.Turns) > 0 {
			convs = append(convs, c)
		}
	}
	return convs, nil
}

// LoadShareGPT reads a local ShareGPT JSON file: every conversation becomes
// a multi-turn session of its human turns, each asking for as many tokens as
// the recorded reply had, which is kept as the turn's pre-canned answer.
func LoadShareGPT(path string, o FileOptions) ([]Conversation, error) {
	data, err := readWhole(path)
	if err != nil {
		return nil, fmt.Errorf("--public-dataset sharegpt: %w", err)
	}
	var entries []struct {
		ID            string `json:"id"`
		Conversations []struct {
			From  string `json:"from"`
			Value string `json:"value"`
		} `json:"conversations"`
	}
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("%s: not a ShareGPT file (a list of {id, conversations}): %v", path, err)
	}
	var convs []Conversation
	for i, e := range entries {
		c := Conversation{ID: e.ID}
		if c.ID == "" {
			c.ID = fmt.Sprintf("sharegpt-%d", i)
		}
		for _, m := range e.Conversations {
			switch m.From {
			case "system":
				if len(c.Turns) == 0 {
					c.System, c.SystemTokens = m.Value, len(o.Tok.Encode(m.Value))
				}
			case "human", "user":
				if strings.TrimSpace(m.Value) == "" {
					continue
				}
				c.Turns = append(c.Turns, Turn{Text: m.Value, Tokens: len(o.Tok.Encode(m.Value))})
			case "gpt", "assistant", "chatgpt", "bard", "bing":
				if n := len(c.Turns); n > 0 && c.Turns[n-1].Answer == "" {
					t := &c.Turns[n-1]
					t.Answer, t.AnswerTokens = m.Value, len(o.Tok.Encode(m.Value))
				}
			}
		}
		// vLLM's filter, per turn: a reply shorter than 4 tokens says little
		// about generation speed; such turns ask for 4.
		for k := range c.Turns {
			t := &c.Turns[k]
			switch {
			case o.MaxTokens != nil:
				t.MaxTokens = o.MaxTokens()
			case t.AnswerTokens > 0:
				t.MaxTokens = max(t.AnswerTokens, 4)
			}
			if t.Answer == "" {
				t.Answer, t.AnswerTokens = ".", 1
			}
		}
		if len(c.Turns) > 0 {
			convs = append(convs, c)
		}
	}
	if len(convs) == 0 {
		return nil, fmt.Errorf("%s: no conversation with a human turn", path)
	}
	assignModels(convs, o.Models, o.modelRand())
	return convs, nil
}
