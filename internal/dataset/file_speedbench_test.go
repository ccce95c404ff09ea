package dataset

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// SPEED-Bench: a split's rows of the type's category, each message a turn
// of the row's session tagged with the category; the split's file, rows
// and placeholders checked.
func TestSpeedBench(t *testing.T) {
	dir := t.TempDir()
	q := strings.Repeat("a", 32)
	rows := `{"question_id": "` + q + `", "category": "coding", "messages": [{"role": "system", "content": "You code."}, {"role": "user", "content": "Write a loop."}]}
{"question_id": "` + strings.Repeat("b", 32) + `", "category": "math", "messages": [{"role": "user", "content": "2+2?"}]}
`
	path := filepath.Join(dir, "qualitative.jsonl")
	os.WriteFile(path, []byte(rows), 0o644)
	load := func(typ, p string) ([]Conversation, error) { return LoadFile(opts(t, p, typ)) }
	convs, err := load("speed_bench_coding", path)
	if err != nil || len(convs) != 1 || convs[0].ID != q || len(convs[0].Turns) != 2 || convs[0].Turns[0].Messages[0].Role != "system" || convs[0].Turns[1].SourceKind != "coding" {
		t.Fatalf("%v %+v", err, convs)
	}
	if convs, err := load("speed_bench_qualitative", path); err != nil || len(convs) != 2 {
		t.Fatalf("the whole split: %v %d", err, len(convs))
	}
	for typ, want := range map[string]string{
		"speed_bench_throughput_1k_mixed": "reads SPEED-Bench's throughput_1k.jsonl split",
		"speed_bench_roleplay":            `no row of the category "roleplay"`,
	} {
		if _, err := load(typ, path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", typ, err)
		}
	}
	os.WriteFile(path, []byte(`{"question_id": "short", "category": "c", "messages": [{"role": "user", "content": "x"}]}`), 0o644)
	if _, err := load("speed_bench_qualitative", path); err == nil || !strings.Contains(err.Error(), "qualitative.jsonl:1") {
		t.Errorf("a bad id: %v", err)
	}
	os.WriteFile(path, []byte(`{"question_id": "`+q+`", "category": "c", "messages": [{"role": "user", "content": "`+speedBenchPlaceholder+`"}]}`), 0o644)
	if _, err := load("speed_bench_qualitative", path); err == nil || !strings.Contains(err.Error(), "placeholder") {
		t.Errorf("the placeholder: %v", err)
	}
	if n := len(SpeedBenchTypes()); n != 32 {
		t.Errorf("%d SPEED-Bench types, want AIPerf's 32", n)
	}
}
