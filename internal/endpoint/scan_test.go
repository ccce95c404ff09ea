package endpoint

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

// chunks are real chunk shapes from vLLM, SGLang, llama.cpp's server, TGI,
// OpenAI and sonde's simulator, plus the odd ones the fast path must leave
// to encoding/json (testdata/chunks.txt).
func chunks(t testing.TB) [][]byte {
	f, err := os.Open("testdata/chunks.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, append([]byte(nil), sc.Bytes()...))
	}
	return out
}

// agree checks the fast path against encoding/json on one document: when
// the fast path answers, it answers exactly what encoding/json gives.
func agree(t *testing.T, data []byte) (handled bool) {
	fast, handled := decodeFast(data)
	if !handled {
		return false
	}
	slow, ok, err := decodeJSON(data)
	if err != nil || !ok {
		t.Fatalf("%q: fast path accepted what encoding/json rejects (%v)", data, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q: fast %+v, encoding/json %+v", data, fast, slow)
	}
	return true
}

func TestDecodeFastMatchesJSON(t *testing.T) {
	handled := 0
	for _, c := range chunks(t) {
		if agree(t, c) {
			handled++
		}
	}
	// The common shapes — content, reasoning, role, empty, text, message
	// with null usage — take the fast path.
	if handled < 13 {
		t.Fatalf("only %d chunks took the fast path", handled)
	}
	if _, handled := decodeFast([]byte(`{"choices":[{"index":0,"delta":{"content":" world"},"finish_reason":null}]}`)); !handled {
		t.Fatal("a plain content chunk took the slow path")
	}
}

// FuzzDecodeFast: on any bytes, the fast path either declines or agrees
// with encoding/json.
func FuzzDecodeFast(f *testing.F) {
	for _, c := range chunks(f) {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			if _, handled := decodeFast(data); handled {
				t.Fatalf("%q: the fast path accepted invalid JSON", data)
			}
			return
		}
		agree(t, data)
	})
}

func BenchmarkDecodeChunk(b *testing.B) {
	c := []byte(`{"id":"chatcmpl-7b2","object":"chat.completion.chunk","created":1718000000,"model":"Qwen/Qwen3-0.6B","choices":[{"index":0,"delta":{"content":" world"},"logprobs":null,"finish_reason":null}]}`)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			decodeFast(c)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			decodeJSON(c)
		}
	})
	b.Run("stream", func(b *testing.B) {
		// A stream's later chunks: read by their shape into one buffer.
		d := (&Codec{Type: Chat}).NewDecoder()
		var text Text
		d.DecodeTo(c, &text)
		b.ReportAllocs()
		for b.Loop() {
			text.Content = text.Content[:0]
			d.DecodeTo(c, &text)
		}
	})
}

// decodeBoth decodes a stream chunk by chunk with Decode and with DecodeTo
// (which reads repeated shapes by their bytes) and requires the same.
func decodeBoth(t *testing.T, typ Type, stream [][]byte) (shortcuts int) {
	t.Helper()
	d := (&Codec{Type: typ}).NewDecoder()
	var text Text
	for _, chunk := range stream {
		want, wantOK, wantErr := Decode(chunk)
		c0, r0 := len(text.Content), len(text.Reasoning)
		shaped := d.shaped && bytes.HasPrefix(bytes.TrimSpace(chunk), d.shapeBuf[:d.pre])
		got, ok, err := d.DecodeTo(chunk, &text)
		if ok != wantOK || (err != nil) != (wantErr != nil) {
			t.Fatalf("%q: DecodeTo ok %v err %v, Decode ok %v err %v", chunk, ok, err, wantOK, wantErr)
		}
		if string(text.Content[c0:]) != want.Content || string(text.Reasoning[r0:]) != want.Reasoning {
			t.Fatalf("%q: DecodeTo text %q/%q, Decode %q/%q", chunk, text.Content[c0:], text.Reasoning[r0:], want.Content, want.Reasoning)
		}
		want.Content, want.Reasoning, want.ToolCalls = "", "", nil // DecodeTo puts them into the text
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: DecodeTo %+v, Decode %+v", chunk, got, want)
		}
		if shaped && ok && reflect.DeepEqual(got, Parsed{}) {
			shortcuts++
		}
	}
	return shortcuts
}

func TestDecodeToMatchesDecode(t *testing.T) {
	head := `{"id":"cmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"`
	var stream [][]byte
	stream = append(stream, []byte(head+`role":"assistant","content":""},"finish_reason":null}]}`))
	for _, w := range []string{" one", " two", ` "three"`, " caf\u00e9", " \\u00e9t\\u00e9", "", " six"} {
		stream = append(stream, []byte(head+`content":"`+w+`"},"finish_reason":null}]}`))
	}
	stream = append(stream, []byte(head+`reasoning_content":"hm"},"finish_reason":null}]}`), []byte(head+`reasoning_content":" ok"},"finish_reason":null}]}`))
	stream = append(stream, []byte(head+`content":" end"},"finish_reason":"length"}]}`), []byte("[DONE]"))
	stream = append(stream, []byte(head+`content":"x\xff"},"finish_reason":null}]}`), []byte(head+`content":"bad`))
	if n := decodeBoth(t, Chat, stream); n < 5 {
		t.Errorf("only %d chunks were read by their shape", n)
	}
	decodeBoth(t, Chat, chunks(t))
	decodeBoth(t, Completions, chunks(t))
}

// FuzzDecodeTo: whatever two chunks follow each other, the shortcut gives
// what a full decode gives.
func FuzzDecodeTo(f *testing.F) {
	all := chunks(f)
	for i := 1; i < len(all); i++ {
		f.Add(all[i-1], all[i])
		f.Add(all[i], all[i])
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		decodeBoth(t, Chat, [][]byte{a, b, a})
	})
}
