package dataset

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"

	"github.com/parquet-go/parquet-go"
)

// Replay are the knobs of a baseten_trace's replay.
type Replay struct {
	// ClosedLoop (--no-open-loop-replay): a continuation turn waits the
	// recorded think time after the previous answer instead of being due
	// at its recorded time.
	ClosedLoop bool
	// Strict (--open-loop-strict): every row is its own session.
	Strict bool
	// OmitKVHints drops the recorded hash_ids and block_size from bodies.
	OmitKVHints bool
	// ForceMinTokens sends min_tokens = the recorded output length.
	ForceMinTokens bool
}

// basetenColumns are the Parquet columns read, by field.
var basetenColumns = [...]string{"timestamp_start_unix_ms", "prompt", "input_tokens", "output_tokens",
	"provided_session_id", "poor_man_session_id", "total_hashes", "block_size", "duration_e2e_ms"}

const (
	bcStart = iota
	bcPrompt
	bcInput
	bcOutput
	bcSession
	bcPoorSession
	bcHashes
	bcBlock
	bcE2E
)

// basetenRow is one recorded request of a Baseten trace.
type basetenRow struct {
	startMs    float64
	prompt     string
	inTokens   int64
	outTokens  int64
	session    string
	hasSession bool
	hashes     []int64
	blockSize  int64
	e2eMs      float64
	hasE2E     bool
	row        int // 1-based, for messages
	seen       [len(basetenColumns)]bool
}

// loadBaseten reads a Baseten completion trace (Parquet): each row is a
// whole request whose prompt already holds its history, so each turn is
// sent alone (Standalone) and verbatim.
func loadBaseten(o FileOptions) ([]Conversation, error) {
	rows, err := readBaseten(o.Path)
	if err != nil {
		return nil, err
	}
	return basetenSessions(o, rows), nil
}

// readBaseten streams a Parquet file's rows, 256 at a time, keeping only
// the columns sonde uses.
func readBaseten(path string) ([]basetenRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable Parquet file (baseten_trace): %w", path, err)
	}
	field, err := basetenFields(path, pf.Schema())
	if err != nil {
		return nil, err
	}
	rd := parquet.NewReader(pf)
	defer rd.Close()
	var rows []basetenRow
	buf := make([]parquet.Row, 256)
	for {
		n, err := rd.ReadRows(buf)
		for _, pr := range buf[:n] {
			b := basetenRow{row: len(rows) + 1}
			for _, v := range pr {
				if c := v.Column(); c < len(field) && field[c] >= 0 && !v.IsNull() {
					if err := b.set(field[c], v); err != nil {
						return nil, fmt.Errorf("%s: row %d: column %q: %w", path, b.row, basetenColumns[field[c]], err)
					}
				}
			}
			if err := b.check(); err != nil {
				return nil, fmt.Errorf("%s: row %d: %w", path, b.row, err)
			}
			rows = append(rows, b)
		}
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: row %d: %w", path, len(rows)+1, err)
		}
	}
}

// basetenFields maps each leaf column of the file to the field it fills
// (-1: not read). Lists (total_hashes) are found by their top-level name,
// whatever their inner levels are called. The session is
// provided_session_id when the file has it, else poor_man_session_id.
func basetenFields(path string, schema *parquet.Schema) ([]int, error) {
	cols := schema.Columns()
	field := make([]int, len(cols))
	found := map[int]bool{}
	for i, c := range cols {
		field[i] = slices.Index(basetenColumns[:], c[0])
		found[field[i]] = true
	}
	for _, need := range []int{bcStart, bcPrompt, bcInput, bcOutput} {
		if !found[need] {
			return nil, fmt.Errorf("%s: a baseten_trace needs the column %q", path, basetenColumns[need])
		}
	}
	if found[bcSession] {
		for i := range field {
			if field[i] == bcPoorSession {
				field[i] = -1
			}
		}
	}
	return field, nil
}

// set fills field k from one Parquet value.
func (b *basetenRow) set(k int, v parquet.Value) error {
	b.seen[k] = true
	switch k {
	case bcPrompt:
		if v.Kind() != parquet.ByteArray && v.Kind() != parquet.FixedLenByteArray {
			return fmt.Errorf("a prompt is text, got %s", v.Kind())
		}
		b.prompt = string(v.ByteArray())
		return nil
	case bcSession, bcPoorSession:
		b.session, b.hasSession = pqText(v), true
		return nil
	}
	x, err := pqNumber(v)
	if err != nil {
		return err
	}
	switch k {
	case bcStart:
		b.startMs = x
	case bcInput:
		b.inTokens = int64(x)
	case bcOutput:
		b.outTokens = int64(x)
	case bcHashes:
		b.hashes = append(b.hashes, int64(x))
	case bcBlock:
		b.blockSize = int64(x)
	case bcE2E:
		b.e2eMs, b.hasE2E = x, true
	}
	return nil
}

// check: a row needs its time, prompt and lengths.
func (b *basetenRow) check() error {
	for _, k := range []int{bcStart, bcPrompt, bcOutput} {
		if !b.seen[k] {
			return fmt.Errorf("column %q is null", basetenColumns[k])
		}
	}
	switch {
	case b.prompt == "":
		return fmt.Errorf("column \"prompt\" is empty")
	case b.outTokens < 0 || b.outTokens > MaxPromptTokens:
		return fmt.Errorf("column \"output_tokens\": %d is not 0 to %d tokens", b.outTokens, MaxPromptTokens)
	case b.startMs < 0:
		return fmt.Errorf("column \"timestamp_start_unix_ms\": %g is before 1970", b.startMs)
	}
	return nil
}

// pqNumber reads an integer, float or numeric text value.
func pqNumber(v parquet.Value) (float64, error) {
	switch v.Kind() {
	case parquet.Int32:
		return float64(v.Int32()), nil
	case parquet.Int64:
		return float64(v.Int64()), nil
	case parquet.Float:
		return float64(v.Float()), nil
	case parquet.Double:
		return v.Double(), nil
	case parquet.Boolean:
		if v.Boolean() {
			return 1, nil
		}
		return 0, nil
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return strconv.ParseFloat(string(v.ByteArray()), 64)
	}
	return 0, fmt.Errorf("a number was expected, got %s", v.Kind())
}

// pqText reads a session id, text or number.
func pqText(v parquet.Value) string {
	switch v.Kind() {
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return string(v.ByteArray())
	case parquet.Int32:
		return strconv.FormatInt(int64(v.Int32()), 10)
	case parquet.Int64:
		return strconv.FormatInt(v.Int64(), 10)
	}
	return v.String()
}

// basetenSessions groups rows into sessions (each row alone with
// --open-loop-strict), in time order, and builds each turn: the recorded
// prompt, max_tokens (and min_tokens) from the recorded output, the KV
// hints forwarded. Times are ms since the file's first request.
func basetenSessions(o FileOptions, rows []basetenRow) []Conversation {
	if len(rows) == 0 {
		return nil
	}
	zero := rows[0].startMs
	for _, b := range rows {
		zero = min(zero, b.startMs)
	}
	index := map[string]int{}
	var groups [][]*basetenRow
	var ids []string
	for i := range rows {
		b := &rows[i]
		id, kind := "row-"+strconv.Itoa(b.row), "row:" // a session by its recorded id, else the row alone
		if b.hasSession && !o.Replay.Strict {
			id, kind = b.session, "session:"
		}
		k, ok := index[kind+id]
		if !ok {
			k = len(groups)
			index[kind+id] = k
			groups, ids = append(groups, nil), append(ids, id)
		}
		groups[k] = append(groups[k], b)
	}
	var convs []Conversation
	for gi, g := range groups {
		slices.SortStableFunc(g, func(a, b *basetenRow) int { return cmp.Compare(a.startMs, b.startMs) })
		c := Conversation{ID: ids[gi], Standalone: true}
		for k, b := range g {
			t, ok := basetenTurn(o, b)
			if !ok {
				continue
			}
			t.Timestamp, t.HasTimestamp = b.startMs-zero, true
			if o.Replay.ClosedLoop && k > 0 {
				prev := g[k-1]
				think := b.startMs - prev.startMs
				if prev.hasE2E {
					think -= prev.e2eMs
				}
				t.HasTimestamp, t.Delay = false, ms(max(think, 0))
			}
			c.Turns = append(c.Turns, t)
		}
		if len(c.Turns) > 0 {
			convs = append(convs, c)
		}
	}
	return convs
}

// basetenTurn is one row's request; false when --synthesis-max-isl
// drops it.
func basetenTurn(o FileOptions, b *basetenRow) (Turn, bool) {
	t := Turn{Text: b.prompt, Tokens: len(o.Tok.Encode(b.prompt))}
	isl := b.inTokens
	if isl <= 0 {
		isl = int64(t.Tokens)
	}
	if o.Synthesis.MaxISL > 0 && isl > int64(o.Synthesis.MaxISL) {
		return t, false
	}
	out := max(b.outTokens, 1) // a canceled request recorded 0; max_tokens must be at least 1
	if o.Synthesis.MaxOSL > 0 {
		out = min(out, int64(o.Synthesis.MaxOSL))
	}
	t.MaxTokens = int(out)
	if o.Replay.ForceMinTokens {
		t.Extra = append(t.Extra, KV{"min_tokens", json.RawMessage(strconv.FormatInt(out, 10))})
	}
	if !o.Replay.OmitKVHints {
		if b.hashes != nil {
			ids, _ := json.Marshal(b.hashes)
			t.Extra = append(t.Extra, KV{"hash_ids", ids})
		}
		if b.seen[bcBlock] {
			t.Extra = append(t.Extra, KV{"block_size", json.RawMessage(strconv.FormatInt(b.blockSize, 10))})
		}
	}
	return t, true
}
