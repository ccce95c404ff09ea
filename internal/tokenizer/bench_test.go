package tokenizer

import (
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/corpus"
)

func BenchmarkEncodeBuiltin(b *testing.B) {
	tok, err := Builtin()
	if err != nil {
		b.Fatal(err)
	}
	text := corpus.Text(3, 50000) + strings.Repeat(" func main() { fmt.Println(\"héllo, 世界\") }\n", 500)
	n := len(tok.Encode(text))
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tok.Encode(text)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkCountAnswer counts one 5,000-token answer as the processor does
// for every response: without building its ids.
func BenchmarkCountAnswer(b *testing.B) {
	tok, err := Builtin()
	if err != nil {
		b.Fatal(err)
	}
	text := strings.TrimSpace(corpus.Text(7, 5000))
	n := tok.Count(text)
	if n != len(tok.Encode(text)) {
		b.Fatal("Count differs from len(Encode)")
	}
	b.ReportAllocs()
	for b.Loop() {
		tok.Count(text)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkCountAnswerLocal is BenchmarkCountAnswer through Local, the
// processor's own word cache (no sync.Map).
func BenchmarkCountAnswerLocal(b *testing.B) {
	tok, err := Builtin()
	if err != nil {
		b.Fatal(err)
	}
	text := strings.TrimSpace(corpus.Text(7, 5000))
	local := tok.Local()
	if local.Count(text) != tok.Count(text) || local.Count(text) != len(tok.Encode(text)) {
		b.Fatal("Local counts differently")
	}
	b.ReportAllocs()
	for b.Loop() {
		local.Count(text)
	}
}

// BenchmarkCountAnswerQwen3 is BenchmarkCountAnswerLocal with Qwen3's
// tokenizer.json (the cl100k family's scanner, its ASCII path included):
// #31 asks for a tokenizer.json to count as fast as the builtin.
func BenchmarkCountAnswerQwen3(b *testing.B) {
	tok, err := Load("testdata/tokenizers/qwen3/tokenizer.json.gz")
	if err != nil {
		b.Fatal(err)
	}
	text := strings.TrimSpace(corpus.Text(7, 5000))
	local := tok.Local()
	if local.Count(text) != len(tok.Encode(text)) {
		b.Fatal("Local counts differently")
	}
	b.ReportAllocs()
	for b.Loop() {
		local.Count(text)
	}
}
