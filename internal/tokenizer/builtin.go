package tokenizer

import (
	_ "embed"
	"sync"
)

// BuiltinName is the --tokenizer value that selects the embedded tokenizer.
const BuiltinName = "builtin"

// o200kJSON is OpenAI's o200k_base (GPT-4o) as a Hugging Face tokenizer.json,
// from the MIT-licensed tiktoken encoding, gzipped. It makes sonde work
// offline with a real GPT-4o-class BPE, as AIPerf's `--tokenizer builtin` does.
//
//go:embed o200k_base.json.gz
var o200kJSON []byte

// Builtin returns the embedded o200k_base tokenizer. It is parsed on first
// use and shared: tokenizers are immutable.
var Builtin = sync.OnceValues(func() (*BPE, error) {
	t, err := Parse(o200kJSON, "o200k_base")
	if err != nil {
		return nil, err
	}
	t.name = BuiltinName + " (o200k_base)"
	return t, nil
})
