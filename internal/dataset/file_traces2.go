package dataset

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// loadBurstGPT reads a Microsoft BurstGPT trace: a CSV whose columns
// include Timestamp (seconds from the trace's start), Request tokens and
// Response tokens. Each row is a one-turn conversation of synthetic text
// of that many tokens, asking for that many; a row with no tokens on
// either side (a request that failed in the trace) is skipped.
func loadBurstGPT(o FileOptions) ([]Conversation, error) {
	f, err := os.Open(o.Path)
	if err != nil {
		return nil, fmt.Errorf("--input-file: %w", err)
	}
	defer f.Close()
	cr, col, err := burstReader(io.LimitReader(f, MaxWholeFile), o.Path)
	if err != nil {
		return nil, err
	}
	gen, err := o.promptGen()
	if err != nil {
		return nil, err
	}
	r := NewRand(o.Seed, StreamPrompt)
	ids := NewRand(o.Seed, StreamIDs)
	var convs []Conversation
	for line := 2; ; line++ {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return convs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", o.Path, line, err)
		}
		ts, in, out, err := burstRow(o.Path, line, row, col)
		if err != nil {
			return nil, err
		}
		if in < 1 || out < 1 {
			continue // a failed request in the trace: nothing to replay
		}
		t := Turn{MaxTokens: out, Timestamp: ts * 1000, HasTimestamp: true}
		if t.Text, err = gen.Prompt(r, in); err != nil {
			return nil, err
		}
		t.Tokens = len(o.Tok.Encode(t.Text))
		convs = append(convs, Conversation{ID: UUID4(ids), Turns: []Turn{t}})
	}
}

// burstReader reads a BurstGPT CSV's header: the columns it needs.
func burstReader(r io.Reader, path string) (*csv.Reader, map[string]int, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("%s:1: not a BurstGPT CSV: %v", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, need := range []string{"Timestamp", "Request tokens", "Response tokens"} {
		if _, ok := col[need]; !ok {
			return nil, nil, fmt.Errorf("%s:1: a BurstGPT CSV needs the column %q (it has %s)", path, need, strings.Join(header, ", "))
		}
	}
	return cr, col, nil
}

// burstRow is a BurstGPT row's time (s) and tokens, each checked.
func burstRow(path string, line int, row []string, col map[string]int) (ts float64, in, out int, err error) {
	var v [3]float64
	for i, name := range []string{"Timestamp", "Request tokens", "Response tokens"} {
		x, perr := strconv.ParseFloat(strings.TrimSpace(row[col[name]]), 64)
		if perr != nil || x < 0 || x != x {
			return 0, 0, 0, &LineError{path, line, name, fmt.Errorf("%q is not a number of seconds or tokens", row[col[name]])}
		}
		v[i] = x
	}
	if v[1] > MaxPromptTokens || v[2] > MaxPromptTokens {
		return 0, 0, 0, &LineError{path, line, "Request tokens", fmt.Errorf("at most %d tokens", MaxPromptTokens)}
	}
	return v[0], int(v[1]), int(v[2]), nil
}

// bailianRow is one line of an Alibaba Bailian (Qwen) usage trace.
type bailianRow struct {
	ChatID       *int64  `json:"chat_id"`
	ParentChatID *int64  `json:"parent_chat_id"`
	Timestamp    float64 `json:"timestamp"` // seconds
	InputLength  *int    `json:"input_length"`
	OutputLength *int    `json:"output_length"`
	Turn         int     `json:"turn"`
	HashIDs      []int64 `json:"hash_ids"`
	line         int
}

// loadBailian reads an Alibaba Bailian trace: sessions linked by chat_id
// and parent_chat_id (-1 at the root), ordered by turn. Each row's
// input_length and hash_ids describe the whole request the service
// received, history included, so each turn is sent alone (Standalone),
// never after the turns before it, which would count the history twice.
func loadBailian(o FileOptions) ([]Conversation, error) {
	var rows []bailianRow
	err := eachLine(o.Path, func(line int, data []byte) error {
		var b bailianRow
		if err := decodeLine(o.Path, line, data, &b); err != nil {
			return err
		}
		switch {
		case b.ChatID == nil || b.ParentChatID == nil:
			return &LineError{o.Path, line, "chat_id", fmt.Errorf("a Bailian row needs chat_id and parent_chat_id")}
		case b.InputLength == nil || *b.InputLength < 1 || *b.InputLength > MaxPromptTokens:
			return &LineError{o.Path, line, "input_length", fmt.Errorf("must be 1 to %d tokens", MaxPromptTokens)}
		case b.OutputLength == nil || *b.OutputLength < 1 || *b.OutputLength > MaxPromptTokens:
			return &LineError{o.Path, line, "output_length", fmt.Errorf("must be 1 to %d tokens", MaxPromptTokens)}
		case b.Timestamp < 0:
			return &LineError{o.Path, line, "timestamp", fmt.Errorf("%g: a time in seconds is not negative", b.Timestamp)}
		}
		b.line = line
		rows = append(rows, b)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return bailianSessions(o, rows)
}

// bailianSessions groups rows by their root chat and builds each turn's
// prompt from its hash ids (blocks of o.BlockSize tokens).
func bailianSessions(o FileOptions, rows []bailianRow) ([]Conversation, error) {
	byID := map[int64]int{}
	for i, b := range rows {
		byID[*b.ChatID] = i
	}
	root := func(i int) int64 { // walk up the parents; a cycle or a missing parent ends the walk
		cur := i
		for range len(rows) {
			p := *rows[cur].ParentChatID
			j, ok := byID[p]
			if p == -1 || !ok || j == cur {
				break
			}
			cur = j
		}
		return *rows[cur].ChatID
	}
	gen, err := o.promptGen()
	if err != nil {
		return nil, err
	}
	r := NewRand(o.Seed, StreamPrompt)
	blocks := map[int64][]int{}
	index := map[int64]int{}
	type numbered struct {
		turn int
		t    Turn
	}
	var sessions [][]numbered // by conversation, in file order until sorted
	var convs []Conversation
	for i := range rows { // prompts drawn in file order: the same file gives the same text
		b := &rows[i]
		var t Turn
		if field, err := traceText(&t, gen, r, blocks, o.BlockSize, b.InputLength, nil, b.HashIDs, false); err != nil {
			return nil, &LineError{o.Path, b.line, field, err}
		}
		t.Tokens, t.MaxTokens = len(o.Tok.Encode(t.Text)), *b.OutputLength
		t.Timestamp, t.HasTimestamp = b.Timestamp*1000, true
		rootID := root(i)
		k, ok := index[rootID]
		if !ok {
			k = len(convs)
			index[rootID] = k
			convs = append(convs, Conversation{ID: strconv.FormatInt(rootID, 10), Standalone: true})
			sessions = append(sessions, nil)
		}
		sessions[k] = append(sessions[k], numbered{b.Turn, t})
	}
	for k, turns := range sessions {
		slices.SortStableFunc(turns, func(a, b numbered) int { return a.turn - b.turn })
		for _, n := range turns {
			convs[k].Turns = append(convs[k].Turns, n.t)
		}
	}
	return convs, nil
}
