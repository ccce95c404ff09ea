package dataset

import (
	"testing"

	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// BenchmarkNewPromptGen is start-up work: tokenizing the prompt corpus.
func BenchmarkNewPromptGen(b *testing.B) {
	tok, err := tokenizer.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := NewPromptGen(tok); err != nil {
			b.Fatal(err)
		}
	}
}
