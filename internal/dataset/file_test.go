package dataset

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func opts(t *testing.T, path, typ string) FileOptions {
	return FileOptions{Path: path, Type: typ, BlockSize: 512, Entries: 5, Seed: 1, Models: []string{"m"}, Tok: builtin(t)}
}

// Spec §11.16: hash-block sizes.
func TestHashBlockSizes(t *testing.T) {
	for _, c := range []struct{ L, k, last int }{{1200, 3, 176}, {1800, 4, 264}, {1300, 3, 276}} {
		s, err := HashBlockSizes(c.L, c.k, 512)
		if err != nil || s[len(s)-1] != c.last || s[0] != 512 {
			t.Errorf("L=%d k=%d: %v %v", c.L, c.k, s, err)
		}
	}
	for _, c := range []struct{ L, k int }{{2000, 3}, {1024, 3}} {
		if _, err := HashBlockSizes(c.L, c.k, 512); err == nil {
			t.Errorf("L=%d k=%d accepted", c.L, c.k)
		}
	}
}

func TestSingleAndMultiTurn(t *testing.T) {
	p := writeFile(t, "s.jsonl", `{"text": "hello there", "output_length": 7, "extra": {"temperature": 0.1}}

{"texts": ["a", "b"]}
`)
	convs, err := LoadFile(opts(t, p, "single_turn"))
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != 2 || convs[0].Turns[0].MaxTokens != 7 || convs[0].Turns[0].Extra[0].Key != "temperature" ||
		convs[1].Turns[0].Text != "a\nb" || convs[0].Turns[0].Model != "m" || convs[0].Turns[0].Tokens != 2 {
		t.Fatalf("%+v", convs)
	}
	m := writeFile(t, "m.jsonl", `{"session_id": "c1", "turns": [{"role": "system", "text": "be brief"}, {"text": "q1"}, {"text": "q2", "delay": 250}]}`)
	convs, err = LoadFile(opts(t, m, "multi_turn"))
	if err != nil {
		t.Fatal(err)
	}
	c := convs[0]
	if c.System != "be brief" || len(c.Turns) != 2 || c.Turns[1].Delay.Milliseconds() != 250 || c.ID != "c1" {
		t.Fatalf("%+v", c)
	}
}

// Bad files are rejected naming the file, the line and the field.
func TestFileErrors(t *testing.T) {
	cases := []struct{ typ, content, want string }{
		{"single_turn", "{\"text\": \"ok\"}\n{\"text\": \"x\", \"texts\": [\"y\"]}", `:2: field "texts": text and texts are mutually exclusive`},
		{"single_turn", "{\"text\": \"ok\"}\n\n{not json", `:3: invalid character`},
		{"single_turn", `{"text": "a", "output_length": "ten"}`, `:1: field "output_length"`},
		{"single_turn", `{"text": "a", "image": "x.png"}`, `field "images": x.png: open`},
		{"single_turn", `{"text": "a", "image": 5}`, `field "image": must be a string: a URL, a file path or base64 data`},
		{"single_turn", `{"text": "a", "images": [5]}`, `field "images": must be a list`},
		{"single_turn", `{"text": "a", "images": ["bad.jsonl"]}`, `field "images": bad.jsonl: not a PNG or JPEG image`},
		{"multi_turn", `{"session_id": "a", "turns": []}`, `:1: field "turns": a conversation needs at least one turn`},
		{"multi_turn", "{\"session_id\": \"a\", \"turns\": [{\"text\": \"x\"}]}\n{\"session_id\": \"a\", \"turns\": [{\"text\": \"x\"}]}", `:2: field "session_id": "a" already used on line 1`},
		{"mooncake_trace", `{"timestamp": 0, "input_length": 2000, "hash_ids": [1, 2, 3]}`, `:1: field "hash_ids": input_length 2000 does not fit`},
		{"mooncake_trace", `{"timestamp": 0}`, `:1: field "input_length"`},
	}
	for _, c := range cases {
		p := writeFile(t, "bad.jsonl", c.content)
		_, err := LoadFile(opts(t, p, c.typ))
		var le *LineError
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "bad.jsonl") {
			t.Errorf("%s %q: %v, want %q", c.typ, c.content, err, c.want)
		} else if !errors.As(err, &le) && !strings.Contains(c.want, "invalid") {
			t.Errorf("not a LineError: %v", err)
		}
	}
}

func TestMooncakeSessionsAndSharedBlocks(t *testing.T) {
	p := writeFile(t, "trace.jsonl", `{"timestamp": 0, "input_length": 40, "output_length": 5, "hash_ids": [7, 8]}
{"timestamp": 10, "input_length": 36, "output_length": 5, "hash_ids": [7, 9]}
{"session_id": "s", "timestamp": 20, "input_length": 30, "output_length": 3}
{"session_id": "s", "delay": 100, "input_length": 10, "output_length": 3}
{"text_input": "literal prompt", "output_length": 4}`)
	o := opts(t, p, "mooncake_trace")
	o.BlockSize = 20
	convs, err := LoadFile(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != 4 || len(convs[2].Turns) != 2 || convs[2].Turns[1].Delay.Milliseconds() != 100 || !convs[1].Turns[0].HasTimestamp {
		t.Fatalf("%+v", convs)
	}
	tok := builtin(t)
	a, b := tok.Encode(convs[0].Turns[0].Text), tok.Encode(convs[1].Turns[0].Text)
	shared := 0
	for shared < min(len(a), len(b)) && a[shared] == b[shared] {
		shared++
	}
	if shared < 15 {
		t.Fatalf("lines sharing hash id 7 share only %d leading tokens", shared)
	}
	if convs[3].Turns[0].Text != "literal prompt" {
		t.Fatal("text_input")
	}
}

func TestInputsJSONAndShareGPT(t *testing.T) {
	p := writeFile(t, "inputs.json", `{"data": [{"session_id": "x", "payloads": [
		{"messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": "hi"}], "model": "m2", "max_completion_tokens": 9},
		{"messages": [{"role": "user", "content": "more"}], "model": "m2"}]}]}`)
	convs, err := LoadFile(opts(t, p, "inputs_json"))
	if err != nil {
		t.Fatal(err)
	}
	if c := convs[0]; c.System != "sys" || len(c.Turns) != 2 || c.Turns[0].MaxTokens != 9 || c.Turns[1].Text != "more" || c.Turns[0].Model != "m2" {
		t.Fatalf("%+v", convs)
	}
	g := writeFile(t, "sharegpt.json", `[{"id": "a", "conversations": [
		{"from": "human", "value": "What is a tokenizer?"}, {"from": "gpt", "value": "A tokenizer splits text into tokens."},
		{"from": "human", "value": "Why?"}, {"from": "gpt", "value": "ok"}]},
		{"id": "b", "conversations": [{"from": "gpt", "value": "orphan"}]}]`)
	convs, err = LoadShareGPT(g, opts(t, g, ""))
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != 1 || len(convs[0].Turns) != 2 || convs[0].Turns[0].MaxTokens != 7 || convs[0].Turns[1].MaxTokens != 4 {
		t.Fatalf("%+v", convs)
	}
}

// random_pool: one pool per file of a folder; each conversation draws one
// entry from every pool, texts named or plain.
func TestRandomPool(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.jsonl"), []byte(`{"text":"alpha"}`+"\n"+`{"texts":["beta","gamma"]}`+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.jsonl"), []byte(`{"texts":[{"name":"q","contents":["delta"]}]}`+"\n"), 0o644)
	convs, err := LoadFile(opts(t, dir, "random_pool"))
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != 5 {
		t.Fatalf("%d conversations, want --num-dataset-entries 5", len(convs))
	}
	for _, c := range convs {
		if len(c.Turns) != 1 || !strings.Contains(c.Turns[0].Text, "delta") {
			t.Fatalf("turn %q lacks the second pool's entry", c.Turns[0].Text)
		}
	}
	if _, err := LoadFile(opts(t, filepath.Join(dir, "none"), "random_pool")); err == nil {
		t.Fatal("a missing pool loaded")
	}
	os.WriteFile(filepath.Join(dir, "bad.jsonl"), []byte(`{"texts":42}`+"\n"), 0o644)
	if _, err := LoadFile(opts(t, filepath.Join(dir, "bad.jsonl"), "random_pool")); err == nil || !strings.Contains(err.Error(), "bad.jsonl:1") {
		t.Fatalf("bad texts: %v", err)
	}
	if _, err := LoadFile(opts(t, dir, "parquet")); err == nil {
		t.Fatal("an unknown type loaded")
	}
}

// Samplers: random with replacement stays in range; a plan draws its picks
// up front, then keeps drawing.
func TestRandomSamplerAndPlan(t *testing.T) {
	r := NewSampler("random", 3, NewRand(1, StreamSampler))
	for range 50 {
		if n := r.Next(); n < 0 || n >= 3 {
			t.Fatalf("pick %d", n)
		}
	}
	p := Plan(NewSampler("sequential", 3, nil), 4)
	if p.Order[3] != 0 {
		t.Fatalf("plan %v", p.Order)
	}
	for i, want := range []int{0, 1, 2, 0, 1, 2} {
		if got := p.Next(); got != want {
			t.Fatalf("pick %d: %d, want %d", i, got, want)
		}
	}
}

// The exact re-encoding path, for tokenizers whose words do not split
// cleanly, gives exact counts too.
func TestPromptSlowPath(t *testing.T) {
	g, err := NewPromptGen(builtin(t))
	if err != nil {
		t.Fatal(err)
	}
	g.words = nil
	r := NewRand(3, StreamPrompt)
	for _, n := range []int{1, 17, 600} {
		text, err := g.Prompt(r, n)
		if err != nil || len(builtin(t).Encode(text)) != n {
			t.Fatalf("%d tokens: %q %v", n, text, err)
		}
	}
}

// A byte-order mark is skipped; long lines, invalid UTF-8 and oversized
// whole files are errors naming the file and line, never out of memory.
func TestFileLimits(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bom.jsonl")
	long := strings.Repeat("x", 3<<20) // beyond the reader's buffer: read in pieces
	os.WriteFile(path, []byte("\xef\xbb\xbf{\"a\":1}\n\n\""+long+"\"\n"), 0o644)
	var lines []string
	if err := eachLine(path, func(n int, data []byte) error { lines = append(lines, fmt.Sprintf("%d:%d", n, len(data))); return nil }); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(lines) != fmt.Sprintf("[1:7 3:%d]", len(long)+2) {
		t.Errorf("lines %v", lines)
	}
	os.WriteFile(path, []byte("{}\n\xff\n"), 0o644)
	if err := eachLine(path, func(int, []byte) error { return nil }); err == nil || !strings.Contains(err.Error(), "bom.jsonl:2: not valid UTF-8") {
		t.Errorf("invalid UTF-8: %v", err)
	}
	os.WriteFile(path, []byte("\xef\xbb\xbf[]"), 0o644)
	if b, err := readWhole(path); err != nil || string(b) != "[]" {
		t.Errorf("readWhole: %q %v", b, err)
	}
	os.WriteFile(path, []byte("[\"\xff\"]"), 0o644)
	if _, err := readWhole(path); err == nil {
		t.Error("readWhole took invalid UTF-8")
	}
}

// Images in a file: URLs sent as they are, PNG and JPEG files (relative to
// the dataset's folder) read into data URLs, in multi-turn files too.
func TestFileImages(t *testing.T) {
	dir := t.TempDir()
	f, _ := os.Create(filepath.Join(dir, "cat.png"))
	png.Encode(f, image.NewRGBA(image.Rect(0, 0, 40, 20)))
	f.Close()
	path := filepath.Join(dir, "chats.jsonl")
	os.WriteFile(path, []byte(`{"session_id": "s", "turns": [{"text": "what is it?", "images": ["cat.png", "https://example.com/dog.jpg"]}, {"text": "and this?", "image": "data:image/png;base64,AAAA"}]}`+"\n"), 0o644)
	convs, err := LoadFile(FileOptions{Path: path, Type: "multi_turn", Tok: builtin(t)})
	if err != nil {
		t.Fatal(err)
	}
	t0, t1 := convs[0].Turns[0], convs[0].Turns[1]
	if len(t0.Images) != 2 || t0.Images[0].Width != 40 || !strings.HasPrefix(t0.Images[0].URL, "data:image/png;base64,") ||
		t0.Images[1].URL != "https://example.com/dog.jpg" || t0.Images[1].Ref() != "https://example.com/dog.jpg" {
		t.Errorf("first turn's images: %+v", t0.Images)
	}
	if len(t1.Images) != 1 || t1.Images[0].URL != "data:image/png;base64,AAAA" {
		t.Errorf("second turn's image: %+v", t1.Images)
	}
}

// BurstGPT: a CSV row per request, timestamps in seconds, failed rows
// (no tokens) skipped, columns found by name; bad cells name file, line
// and column.
func TestBurstGPT(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "burst.csv")
	os.WriteFile(path, []byte("Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"+
		"5,ChatGPT,120,30,150,Conversation log\n6.5,GPT-4,80,0,80,Conversation log\n7,ChatGPT,40,10,50,API log\n"), 0o644)
	convs, err := LoadFile(opts(t, path, "burst_gpt_trace"))
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != 2 || convs[0].Turns[0].Tokens != 120 || convs[0].Turns[0].MaxTokens != 30 || convs[0].Turns[0].Timestamp != 5000 ||
		convs[1].Turns[0].Timestamp != 7000 || !convs[1].Turns[0].HasTimestamp {
		t.Fatalf("%d conversations: %+v", len(convs), convs)
	}
	for text, want := range map[string]string{
		"Timestamp,Request tokens\n1,2\n":                     `needs the column "Response tokens"`,
		"Timestamp,Request tokens,Response tokens\n1,x,2\n":   `burst.csv:2: field "Request tokens"`,
		"Timestamp,Request tokens,Response tokens\n1,2\n":     "burst.csv:2:",
		"Timestamp,Request tokens,Response tokens\n1,2e9,2\n": "at most 10000000",
	} {
		os.WriteFile(path, []byte(text), 0o644)
		if _, err := LoadFile(opts(t, path, "burst_gpt_trace")); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
}

// Bailian: rows linked into sessions by chat_id and parent_chat_id, in
// turn order whatever the file's order, each turn standing alone with the
// whole request's length; equal hash ids give equal text.
func TestBailian(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bailian.jsonl")
	os.WriteFile(path, []byte(`{"chat_id": 7, "parent_chat_id": 3, "timestamp": 2.5, "input_length": 48, "output_length": 5, "type": "text", "turn": 2, "hash_ids": [1, 2, 9]}
{"chat_id": 3, "parent_chat_id": -1, "timestamp": 1, "input_length": 32, "output_length": 4, "type": "text", "turn": 1, "hash_ids": [1, 2]}
{"chat_id": 8, "parent_chat_id": -1, "timestamp": 1.5, "input_length": 16, "output_length": 3, "type": "text", "turn": 1, "hash_ids": [1]}
`), 0o644)
	o := opts(t, path, "bailian_trace")
	o.BlockSize = 16
	convs, err := LoadFile(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != 2 || len(convs[0].Turns) != 2 || !convs[0].Standalone || convs[0].ID != "3" {
		t.Fatalf("%+v", convs)
	}
	first, second := convs[0].Turns[0], convs[0].Turns[1]
	if first.Tokens != 32 || second.Tokens != 48 || first.Timestamp != 1000 || second.Timestamp != 2500 || !strings.HasPrefix(second.Text, first.Text) ||
		!strings.HasPrefix(first.Text, convs[1].Turns[0].Text) {
		t.Errorf("turns: %d then %d tokens at %v, %v; shared blocks should share text", first.Tokens, second.Tokens, first.Timestamp, second.Timestamp)
	}
	for text, want := range map[string]string{
		`{"chat_id": 1, "timestamp": 0, "input_length": 3, "output_length": 1, "turn": 1}`:                        `field "chat_id"`,
		`{"chat_id": 1, "parent_chat_id": -1, "timestamp": 0, "input_length": 0, "output_length": 1, "turn": 1}`:  `field "input_length"`,
		`{"chat_id": 1, "parent_chat_id": -1, "timestamp": 0, "input_length": 3, "output_length": 0, "turn": 1}`:  `field "output_length"`,
		`{"chat_id": 1, "parent_chat_id": -1, "timestamp": -1, "input_length": 3, "output_length": 1, "turn": 1}`: `field "timestamp"`,
	} {
		os.WriteFile(path, []byte(text+"\n"), 0o644)
		if _, err := LoadFile(o); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", text, err, want)
		}
	}
}

// Raw payloads: a file's lines are single-turn requests, a folder's files
// multi-turn conversations; bodies are kept byte for byte; ISL counts
// their messages' text; what is not a JSON object is refused.
func TestRawPayload(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bodies.jsonl")
	os.WriteFile(file, []byte(`{"model": "a", "messages": [{"role": "user", "content": "hi there"}], "max_tokens": 9}
{"model":"b","prompt":["one","two"]}
`), 0o644)
	convs, err := LoadFile(opts(t, file, "raw_payload"))
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != 2 || string(convs[0].Turns[0].Raw) != `{"model": "a", "messages": [{"role": "user", "content": "hi there"}], "max_tokens": 9}` ||
		convs[0].Turns[0].Text != "hi there" || convs[0].Turns[0].MaxTokens != 9 || convs[1].Turns[0].Text != "one\ntwo" || !convs[1].Standalone ||
		convs[1].Turns[0].Model != "b" {
		t.Fatalf("%+v", convs)
	}
	folder := filepath.Join(dir, "sessions")
	os.Mkdir(folder, 0o755)
	os.WriteFile(filepath.Join(folder, "s2.jsonl"), []byte(`{"messages": [{"role": "user", "content": [{"type": "text", "text": "look"}]}]}`+"\n"), 0o644)
	os.WriteFile(filepath.Join(folder, "s1.jsonl"), []byte(`{"messages": [{"role": "user", "content": "q1"}]}`+"\n"+`{"messages": [{"role": "user", "content": "q1"}, {"role": "assistant", "content": "a1"}, {"role": "user", "content": "q2"}]}`+"\n"), 0o644)
	convs, err = LoadFile(opts(t, folder, "raw_payload"))
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != 2 || convs[0].ID != "s1" || len(convs[0].Turns) != 2 || convs[0].Turns[1].Text != "q1\na1\nq2" || convs[1].Turns[0].Text != "look" {
		t.Fatalf("%+v", convs)
	}
	os.WriteFile(file, []byte("[1, 2]\n"), 0o644)
	if _, err := LoadFile(opts(t, file, "raw_payload")); err == nil || !strings.Contains(err.Error(), "bodies.jsonl:1") {
		t.Errorf("a list taken: %v", err)
	}
	if _, err := LoadFile(opts(t, filepath.Join(dir, "none"), "raw_payload")); err == nil {
		t.Error("a missing path taken")
	}
}
