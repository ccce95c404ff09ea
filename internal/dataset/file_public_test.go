package dataset

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/sonde-bench/sonde/internal/media"
)

// pngBytes is a small PNG.
func pngBytes(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 4, 3))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// publicOf loads rows written to a file of the given name as dataset
// name, with filter.
func publicOf(t *testing.T, name, file, content string, filter map[string]string) ([]Conversation, error) {
	path := filepath.Join(t.TempDir(), file)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	d, ok := PublicNamed(name)
	if !ok {
		t.Fatalf("no public dataset %s", name)
	}
	return LoadPublic(opts(t, path, ""), d, filter)
}

// Each kind of public dataset from rows written as the Hub serves them:
// prompts (a template's too), images as {bytes}, multi-turn prompt lists,
// a question with its choices and video, a weka trace per row; rows
// without a prompt or failing a filter are skipped.
func TestPublicKinds(t *testing.T) {
	img := base64.StdEncoding.EncodeToString(pngBytes(t))
	cases := []struct {
		name, file, content string
		filter              map[string]string
		check               func(c []Conversation) bool
	}{
		{"aimo", "train.jsonl", `{"problem": "2+2?"}` + "\n" + `{"problem": " "}` + "\n" + `{"problem": "3+3?", "source": "x"}`, nil,
			func(c []Conversation) bool {
				return len(c) == 2 && c[0].Turns[0].Text == "2+2?" && c[0].Turns[0].Tokens > 0
			}},
		{"aimo", "train.jsonl", `{"problem": "a", "source": "x"}` + "\n" + `{"problem": "b", "source": "y"}`, map[string]string{"source": "y"},
			func(c []Conversation) bool { return len(c) == 1 && c[0].Turns[0].Text == "b" }},
		{"blazedit_5k", "train.json", `[{"code": "x = 1", "change_request": "make it 2"}]`, nil,
			func(c []Conversation) bool {
				return strings.Contains(c[0].Turns[0].Text, "```python\nx = 1\n```") && strings.Contains(c[0].Turns[0].Text, "Change request:\nmake it 2")
			}},
		{"mmstar", "val.jsonl", `{"question": "what?", "image": {"bytes": "` + img + `", "path": "a.png"}}`, nil,
			func(c []Conversation) bool {
				return len(c[0].Turns[0].Images) == 1 && c[0].Turns[0].Images[0].Width == 4
			}},
		{"spec_al_mtbench", "train.jsonl", `{"prompt": ["first", "second"]}`, nil,
			func(c []Conversation) bool { return len(c[0].Turns) == 2 && c[0].Turns[1].Text == "second" }},
		{"spec_bench", "question.jsonl", `{"question_id": 1, "turns": ["one", "two"]}`, nil,
			func(c []Conversation) bool { return len(c[0].Turns) == 1 && c[0].Turns[0].Text == "one" }},
		{"mmvu", "validation.jsonl", `{"question": "which?", "choices": {"A": "x", "B": "y"}, "video": "https://example.com/v.mp4"}`, nil,
			func(c []Conversation) bool {
				return c[0].Turns[0].Text == "which?\nA. x\nB. y" && c[0].Turns[0].Videos[0].URL == "https://example.com/v.mp4"
			}},
		{"vision_arena", "train.jsonl", `{"conversation": [{"role": "assistant", "content": "no"}, {"role": "user", "content": "look"}], "images": ["data:image/png;base64,` + img + `"]}`, nil,
			func(c []Conversation) bool { return c[0].Turns[0].Text == "look" && len(c[0].Turns[0].Images) == 1 }},
		{"semianalysis_cc_traces_weka_062126", "traces.jsonl", `{"id": "w1", "block_size": 16, "requests": [{"t": 0, "type": "n", "in": 32, "out": 2, "hash_ids": [1, 2]}, {"t": 1, "type": "n", "in": 48, "out": 2, "hash_ids": [1, 2, 3]}]}`, nil,
			func(c []Conversation) bool { return c[0].ID == "w1" && c[0].Standalone && len(c[0].Turns) == 2 }},
	}
	for _, c := range cases {
		convs, err := publicOf(t, c.name, c.file, c.content, c.filter)
		if err != nil || !c.check(convs) {
			t.Errorf("%s: %v %+v", c.name, err, convs)
		}
	}
	if _, err := publicOf(t, "aimo", "t.jsonl", `{"problem": ""}`, nil); err == nil || !strings.Contains(err.Error(), "no usable row") {
		t.Errorf("no rows: %v", err)
	}
	if _, err := publicOf(t, "exgentic", "t.jsonl", `{"harness": "h"}`, nil); err == nil || !strings.Contains(err.Error(), "t.jsonl:1: an Exgentic row has a harness and a session_id") {
		t.Errorf("exgentic: %v", err)
	}
	if _, err := publicOf(t, "aimo", "t.jsonl", "{oops", nil); err == nil || !strings.Contains(err.Error(), "t.jsonl:1") {
		t.Errorf("a bad line names its file and line: %v", err)
	}
}

// The Hub's Parquet: nested conversations and an image struct with raw
// bytes (LLaVA-OneVision's layout), and a WAV clip (an ASR set's).
func TestPublicParquet(t *testing.T) {
	type msg struct {
		From  string `parquet:"from"`
		Value string `parquet:"value"`
	}
	type medium struct {
		Bytes []byte `parquet:"bytes"`
		Path  string `parquet:"path"`
	}
	type llava struct {
		Conversations []msg  `parquet:"conversations,list"`
		Image         medium `parquet:"image"`
	}
	dir := t.TempDir()
	write := func(name string, rows any, wr func(f *os.File) error) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := wr(f); err != nil {
			t.Fatal(err)
		}
		f.Close()
		return p
	}
	lp := write("llava.parquet", nil, func(f *os.File) error {
		return parquet.Write(f, []llava{{Conversations: []msg{{"human", "describe"}, {"gpt", "a cat"}}, Image: medium{Bytes: pngBytes(t), Path: "x.png"}}})
	})
	d, _ := PublicNamed("llava_onevision")
	convs, err := LoadPublic(opts(t, lp, ""), d, nil)
	if err != nil || convs[0].Turns[0].Text != "describe" || len(convs[0].Turns[0].Images) != 1 {
		t.Fatalf("llava: %v %+v", err, convs)
	}
	type clip struct {
		Audio medium `parquet:"audio"`
		Text  string `parquet:"text"`
	}
	wav := append(media.WAVHeader(1600, 16000, 1, 16), make([]byte, 3200)...)
	ap := write("asr.parquet", nil, func(f *os.File) error {
		return parquet.Write(f, []clip{{Audio: medium{Bytes: wav, Path: "a.wav"}, Text: "hello"}})
	})
	d, _ = PublicNamed("librispeech")
	convs, err = LoadPublic(opts(t, ap, ""), d, nil)
	if err != nil || len(convs[0].Turns[0].Audios) != 1 || convs[0].Turns[0].Audios[0].Seconds != 0.1 {
		t.Fatalf("asr: %v %+v", err, convs)
	}
}

// Every name AIPerf 0.14 knows is in the registry, with a source.
func TestPublicRegistry(t *testing.T) {
	ds := PublicDatasets()
	if len(ds) != 42 || !strings.Contains(PublicNames(), "weka_hf") {
		t.Fatalf("%d public datasets", len(ds))
	}
	for _, d := range ds {
		if d.Repo == "" && d.URL == "" && d.Name != "weka_hf" || d.Kind == "" && d.Unsupported == "" {
			t.Errorf("%s: no source or kind", d.Name)
		}
	}
}

// exgenticRow is a recorded agent session of three spans: an LLM call
// that asks for a tool, a tool span (not replayed), and the call that
// answers with the tool's result; and a failed call.
const exgenticRow = `{"harness": "claude_code", "session_id": "s1", "models": ["gpt-x", "azure/gpt-y"], "spans": [
 {"type": "llm_call", "start_time": "2026-01-01T00:00:00Z", "end_time": "2026-01-01T00:00:01.5Z", "status": {"code": 1},
  "attributes": {"gen_ai.usage.input_tokens": 50, "gen_ai.usage.output_tokens": 7, "gen_ai.request.temperature": 0.2,
   "gen_ai.system_instructions": "[{\"type\": \"text\", \"content\": \"Be terse.\"}]",
   "gen_ai.input.messages": "[{\"role\": \"user\", \"parts\": [{\"type\": \"text\", \"content\": \"list files\"}]}]",
   "gen_ai.tool.definitions": "[{\"type\": \"function\", \"name\": \"ls\", \"description\": \"list\", \"parameters\": {\"type\": \"object\"}}]"}},
 {"type": "tool", "start_time": "2026-01-01T00:00:01.5Z", "end_time": "2026-01-01T00:00:02Z", "attributes": {}},
 {"type": "llm_call", "start_time": "2026-01-01T00:00:02.5Z", "end_time": "2026-01-01T00:00:03Z",
  "attributes": {"gen_ai.usage.input_tokens": 80, "gen_ai.usage.output_tokens": 5, "gen_ai.request.max_tokens": 64, "gen_ai.request.stop_sequences": ["END"],
   "gen_ai.input.messages": [{"role": "user", "parts": [{"type": "text", "content": "list files"}]},
     {"role": "assistant", "parts": [{"type": "thinking", "thinking": "hm"}, {"type": "tool_call", "id": "c1", "name": "ls", "arguments": {"dir": "."}}]},
     {"role": "tool", "parts": [{"type": "tool_call_response", "id": "c1", "result": ["a.go"]}]}]}},
 {"type": "llm_call", "start_time": "2026-01-01T00:00:04Z", "end_time": "2026-01-01T00:00:05Z", "status": {"code": 2},
  "attributes": {"gen_ai.usage.input_tokens": 1, "gen_ai.usage.output_tokens": 1}}]}`

// Exgentic's sessions: each LLM call's snapshot as recorded (system,
// tool calls on the assistant message, the tool's result, the tools and
// sampling offered), the gap between calls as think time; --dataset-filter
// matches an item of a list column.
func TestPublicExgentic(t *testing.T) {
	row := strings.ReplaceAll(exgenticRow, "\n", "") // one JSON line
	convs, err := publicOf(t, "exgentic", "train.jsonl", row, map[string]string{"models": "gpt-x"})
	if err != nil {
		t.Fatal(err)
	}
	c := convs[0]
	if len(convs) != 1 || c.ID != "s1" || !c.Standalone || len(c.Turns) != 2 {
		t.Fatalf("%+v", convs)
	}
	first, second := c.Turns[0], c.Turns[1]
	if len(first.Messages) != 2 || first.Messages[0].Role != "system" || first.Messages[1].Content != "list files" || first.MaxTokens != 7 || len(first.Extra) != 2 {
		t.Fatalf("first call %+v", first)
	}
	m := second.Messages
	if len(m) != 3 || m[1].ToolCalls[0] != (ToolCall{ID: "c1", Name: "ls", Arguments: `{"dir":"."}`}) || m[2].Role != "tool" || m[2].ToolCallID != "c1" || m[2].Content != `["a.go"]` {
		t.Fatalf("second call's messages %+v", m)
	}
	if second.MaxTokens != 64 || second.Delay != time.Second || second.Timestamp != 2500 || string(second.Extra[0].Value) != `["END"]` {
		t.Fatalf("second call %+v", second)
	}
	if _, err := publicOf(t, "exgentic", "train.jsonl", row, map[string]string{"models": "other"}); err == nil || !strings.Contains(err.Error(), "no usable row") {
		t.Fatalf("a filter no row passes: %v", err)
	}
}
