package endpoint

import (
	"bufio"
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
}
