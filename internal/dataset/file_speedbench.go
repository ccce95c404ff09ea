package dataset

import (
	"fmt"
	"path/filepath"
	"strings"
)

// SPEED-Bench (nvidia/SPEED-Bench, speculative decoding's benchmark): a
// prepared split's JSON lines — qualitative.jsonl, throughput_1k.jsonl …
// throughput_32k.jsonl — each a question_id, its category (a semantic
// domain, or an entropy tier) and its messages. AIPerf's custom dataset
// types name a split, and a category within it: every message of a row
// is a turn of its session (a leading system message too: it is part of
// the benchmark's prompt), and each turn's record carries the category as
// source_kind, so one run over a whole split can be broken down after.

// speedBenchPlaceholder is what the published rows hold until the data is
// fetched with SPEED-Bench's own tool.
const speedBenchPlaceholder = "FULL BENCHMARK DATA SHOULD BE FETCHED FROM THE SOURCE USING SPECDEC_BENCH"

// speedBenchSplit is a SPEED-Bench type's split file and category ("":
// all of the split's).
func speedBenchSplit(typ string) (file, category string, ok bool) {
	rest, ok := strings.CutPrefix(typ, "speed_bench_")
	if !ok {
		return "", "", false
	}
	if sized, ok := strings.CutPrefix(rest, "throughput_"); ok {
		size, tier, _ := strings.Cut(sized, "_") // 1k, or 1k_low_entropy
		return "throughput_" + size + ".jsonl", tier, true
	}
	if rest == "qualitative" {
		return "qualitative.jsonl", "", true
	}
	return "qualitative.jsonl", rest, true
}

// SpeedBenchTypes are AIPerf's SPEED-Bench custom dataset types.
func SpeedBenchTypes() []string {
	out := []string{"speed_bench_qualitative"}
	for _, c := range []string{"coding", "humanities", "math", "multilingual", "qa", "rag", "reasoning", "roleplay", "stem", "summarization", "writing"} {
		out = append(out, "speed_bench_"+c)
	}
	for _, size := range []string{"1k", "2k", "8k", "16k", "32k"} {
		out = append(out, "speed_bench_throughput_"+size)
		for _, tier := range []string{"low_entropy", "mixed", "high_entropy"} {
			out = append(out, "speed_bench_throughput_"+size+"_"+tier)
		}
	}
	return out
}

// loadSpeedBench reads a SPEED-Bench split file, keeping the type's
// category.
func loadSpeedBench(o FileOptions) ([]Conversation, error) {
	file, category, _ := speedBenchSplit(o.Type)
	if filepath.Base(o.Path) != file {
		return nil, fmt.Errorf("--custom-dataset-type %s reads SPEED-Bench's %s split: --input-file is %s", o.Type, file, filepath.Base(o.Path))
	}
	var convs []Conversation
	err := eachLine(o.Path, func(line int, data []byte) error {
		var row struct {
			QuestionID string    `json:"question_id"`
			Category   string    `json:"category"`
			Messages   []Message `json:"messages"`
		}
		if err := decodeLine(o.Path, line, data, &row); err != nil {
			return err
		}
		fail := func(field, format string, a ...any) error {
			return &LineError{o.Path, line, field, fmt.Errorf(format, a...)}
		}
		switch {
		case len(row.QuestionID) != 32:
			return fail("question_id", "%q: 32 characters", row.QuestionID)
		case row.Category == "":
			return fail("category", "empty")
		case len(row.Messages) == 0:
			return fail("messages", "no message")
		}
		if category != "" && row.Category != category {
			return nil
		}
		c := Conversation{ID: row.QuestionID}
		for i, m := range row.Messages {
			if strings.TrimSpace(m.Role) == "" || strings.TrimSpace(m.Content) == "" {
				return fail(fmt.Sprintf("messages[%d]", i), "a message has a role and a content")
			}
			if m.Content == speedBenchPlaceholder {
				return fail(fmt.Sprintf("messages[%d]", i), "the published placeholder: fetch the data with SPEED-Bench's own tool first")
			}
			var t Turn
			t.SetMessages([]Message{{Role: m.Role, Content: m.Content}}, o.Tok)
			t.SourceKind = row.Category
			if o.MaxTokens != nil {
				t.MaxTokens = o.MaxTokens()
			}
			c.Turns = append(c.Turns, t)
		}
		convs = append(convs, c)
		return nil
	})
	if err == nil && len(convs) == 0 && category != "" {
		err = fmt.Errorf("%s: no row of the category %q (%s)", o.Path, category, o.Type)
	}
	return convs, err
}
