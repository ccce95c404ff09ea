package tokenizer

import (
	"bytes"
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
