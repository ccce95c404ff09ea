package dataset

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/sondetest"
)

func ptr[T any](v T) *T { return &v }

// basetenTrace: session a (two turns, recorded out of order), session b
// (one canceled turn: 0 output tokens), one row without a session.
func basetenTrace(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "trace.parquet")
	sondetest.WriteParquet(t, p, []sondetest.BasetenRow{
		{Start: 1_700_000_003_000, Prompt: "a1 a2 history and more", Input: 5, Output: 7, Session: ptr("a"), Hashes: []int64{1, 2}, BlockSize: 64, E2EMs: 500},
		{Start: 1_700_000_001_000, Prompt: "a1 first", Input: 2, Output: 9, Session: ptr("a"), Hashes: []int64{1}, BlockSize: 64, E2EMs: 800},
		{Start: 1_700_000_000_000, Prompt: "b only", Input: 2, Output: 0, Session: ptr("b"), Canceled: true},
		{Start: 1_700_000_002_000, Prompt: "loose row", Input: 2, Output: 3},
	})
	return p
}

func extra(t Turn, key string) string {
	for _, kv := range t.Extra {
		if kv.Key == key {
			return string(kv.Value)
		}
	}
	return ""
}

func TestBasetenSessions(t *testing.T) {
	o := opts(t, basetenTrace(t), "baseten_trace")
	o.Replay.ForceMinTokens = true
	convs, err := LoadFile(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != 3 || convs[0].ID != "a" || convs[1].ID != "b" || convs[2].ID != "row-4" {
		t.Fatalf("sessions: %+v", convs)
	}
	a := convs[0]
	if !a.Standalone || len(a.Turns) != 2 || a.Turns[0].Text != "a1 first" || a.Turns[1].Text != "a1 a2 history and more" {
		t.Fatalf("session a: %+v", a)
	}
	// Times are ms since the file's first request (b's), in order.
	if a.Turns[0].Timestamp != 1000 || a.Turns[1].Timestamp != 3000 || !a.Turns[1].HasTimestamp || convs[1].Turns[0].Timestamp != 0 {
		t.Fatalf("timestamps: %v %v %v", a.Turns[0].Timestamp, a.Turns[1].Timestamp, convs[1].Turns[0].Timestamp)
	}
	if a.Turns[0].MaxTokens != 9 || extra(a.Turns[0], "min_tokens") != "9" || extra(a.Turns[1], "hash_ids") != "[1,2]" || extra(a.Turns[1], "block_size") != "64" {
		t.Fatalf("turn fields: %+v", a.Turns)
	}
	if b := convs[1].Turns[0]; b.MaxTokens != 1 || extra(b, "min_tokens") != "1" || extra(b, "hash_ids") != "" {
		t.Fatalf("a canceled row's 0 output tokens become 1, no hashes: %+v", b)
	}
	if a.Turns[0].Tokens != len(o.Tok.Encode("a1 first")) {
		t.Fatal("tokens are counted by the run's tokenizer")
	}
}

func TestBasetenReplayKnobs(t *testing.T) {
	o := opts(t, basetenTrace(t), "baseten_trace")
	o.Replay = Replay{ClosedLoop: true, OmitKVHints: true}
	o.Synthesis.MaxOSL = 8
	convs, err := LoadFile(o)
	if err != nil {
		t.Fatal(err)
	}
	a := convs[0].Turns
	// Think time: the 2 s start-to-start gap minus the first turn's 800 ms.
	if a[1].HasTimestamp || a[1].Delay != 1200*time.Millisecond || !a[0].HasTimestamp {
		t.Fatalf("closed loop: %+v", a)
	}
	if a[0].MaxTokens != 8 || extra(a[0], "min_tokens") != "" || extra(a[1], "hash_ids") != "" || extra(a[1], "block_size") != "" {
		t.Fatalf("max osl, no min_tokens, no hints: %+v", a)
	}
	o.Replay = Replay{Strict: true}
	o.Synthesis.MaxISL = 3 // drops the 5-token row
	if convs, err = LoadFile(o); err != nil {
		t.Fatal(err)
	}
	if len(convs) != 3 || convs[0].ID != "row-2" || len(convs[0].Turns) != 1 {
		t.Fatalf("strict: every row alone, the long one dropped: %+v", convs)
	}
}

func TestBasetenBadFiles(t *testing.T) {
	dir := t.TempDir()
	type noPrompt struct {
		Start  int64 `parquet:"timestamp_start_unix_ms"`
		Input  int64 `parquet:"input_tokens"`
		Output int64 `parquet:"output_tokens"`
	}
	missing := filepath.Join(dir, "missing.parquet")
	sondetest.WriteParquet(t, missing, []noPrompt{{1, 2, 3}})
	type nullable struct {
		Start  int64   `parquet:"timestamp_start_unix_ms"`
		Prompt *string `parquet:"prompt,optional"`
		Input  int64   `parquet:"input_tokens"`
		Output int64   `parquet:"output_tokens"`
		Poor   int64   `parquet:"poor_man_session_id"`
	}
	null := filepath.Join(dir, "null.parquet")
	sondetest.WriteParquet(t, null, []nullable{{1, ptr("x"), 1, 1, 5}, {2, nil, 1, 1, 5}})
	for path, want := range map[string]string{
		missing:                           `missing.parquet: a baseten_trace needs the column "prompt"`,
		null:                              `null.parquet: row 2: column "prompt" is null`,
		writeFile(t, "t.parquet", "{}\n"): "t.parquet: not a readable Parquet file",
	} {
		_, err := LoadFile(opts(t, path, "baseten_trace"))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", filepath.Base(path), err, want)
		}
	}
	// poor_man_session_id groups when provided_session_id is absent; an
	// integer id is read as text.
	good := filepath.Join(dir, "poor.parquet")
	sondetest.WriteParquet(t, good, []nullable{{1, ptr("x"), 1, 1, 5}, {2, ptr("y"), 1, 1, 5}})
	convs, err := LoadFile(opts(t, good, "baseten_trace"))
	if err != nil || len(convs) != 1 || convs[0].ID != "5" || len(convs[0].Turns) != 2 {
		t.Fatalf("%+v %v", convs, err)
	}
}
