package tokenizer

import (
	"bytes"
	"encoding/binary"
	"flag"
	"os"
	"slices"
	"testing"
)

var update = flag.Bool("update", false, "rewrite generated files (the compiled builtin tokenizer)")

// The embedded compiled tokenizer is exactly Compile of its tokenizer.json,
// and encodes and decodes as the JSON-parsed one does.
func TestCompiledBuiltin(t *testing.T) {
	src, err := os.ReadFile("testdata/tokenizers/gpt4o/tokenizer.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	compiled, err := Compile(src)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("o200k_base.tok", compiled, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, _ := gunzipMaybe(compiled)
	got, _ := gunzipMaybe(o200kCompiled)
	if !bytes.Equal(got, want) {
		t.Fatal("o200k_base.tok is stale: run go test ./internal/tokenizer -run TestCompiledBuiltin -update")
	}
	if testing.Short() {
		return
	}
	fromJSON, err := Parse(src, "json")
	if err != nil {
		t.Fatal(err)
	}
	fromCompiled, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Hello world", "multi-turn <|endoftext|> chat", "ÉCOLE'S naïve café 12,345", "中文 и русский\n\n\tx", "   "} {
		a, b := fromJSON.Encode(s), fromCompiled.Encode(s)
		if !slices.Equal(a, b) || fromJSON.Decode(a) != fromCompiled.Decode(b) {
			t.Fatalf("%q: JSON %v, compiled %v", s, a, b)
		}
	}
}

func BenchmarkBuiltinLoad(b *testing.B) {
	for b.Loop() {
		if _, err := parseCompiled(o200kCompiled); err != nil {
			b.Fatal(err)
		}
	}
}

// The vocabulary section reads back as the table it was written from, and
// a damaged one is an error, never a table that would crash at a lookup.
func TestVocabSection(t *testing.T) {
	vt := vocabFromMap(map[string]int{"a": 0, "b": 1, "ab": 2, "abc": 5})
	good := appendVocab(nil, vt)
	back, err := readVocab(&compiledReader{b: good})
	if err != nil {
		t.Fatal(err)
	}
	for tok, id := range map[string]int{"a": 0, "b": 1, "ab": 2, "abc": 5} {
		if got, ok := back.get(tok); !ok || got != id {
			t.Fatalf("%q: %d %v", tok, got, ok)
		}
	}
	header := func(n, ids, slots, textLen uint64, rest []byte) []byte {
		var b []byte
		for _, x := range []uint64{n, ids, slots, textLen} {
			b = binary.AppendUvarint(b, x)
		}
		return append(b, rest...)
	}
	body := good[4:] // the four header uvarints are one byte each here
	n, ids, slots, textLen := uint64(vt.n), uint64(len(vt.spans)), uint64(len(vt.slots)), uint64(len(vt.text))
	spanAt := int(textLen) // the first span's offset field
	slotAt := int(textLen + 8*ids)
	for name, b := range map[string][]byte{
		"text length wrapping around": header(n, ids, 1<<20, uint64(len(body))-8*ids-4<<20, body),
		"more tokens than slots":      header(slots, ids, slots, textLen, body),
		"slots not a power of two":    header(n, ids, slots-1, textLen, body[:len(body)-4]),
		"a span outside the text":     header(n, ids, slots, textLen, patch(body, spanAt, 1000)),
		"a slot naming no id":         header(n, ids, slots, textLen, patch(body, slotAt, uint32(ids)+7)),
		"truncated":                   good[:len(good)-3],
	} {
		if _, err := readVocab(&compiledReader{b: b}); err == nil {
			t.Errorf("%s: read without an error", name)
		}
	}
}

// patch overwrites the little-endian uint32 at off in a copy of b.
func patch(b []byte, off int, v uint32) []byte {
	c := slices.Clone(b)
	binary.LittleEndian.PutUint32(c[off:], v)
	return c
}
