package tokenizer

import (
	_ "embed"
	"sync"
)

// BuiltinName is the --tokenizer value that selects the embedded tokenizer.
const BuiltinName = "builtin"

// o200kCompiled is OpenAI's o200k_base (GPT-4o), from the MIT-licensed
// tiktoken encoding, in sonde's compiled form (Compile of
// testdata/tokenizers/gpt4o/tokenizer.json.gz, a Hugging Face tokenizer.json; regenerate
// with `go test ./internal/tokenizer -run TestCompiledBuiltin -update`). It
// makes sonde work offline with a real GPT-4o-class BPE, as AIPerf's
// `--tokenizer builtin` does, and loads in a few tens of milliseconds.
//
//go:embed o200k_base.tok
var o200kCompiled []byte

// PreloadBuiltin starts loading the builtin tokenizer in the background,
// for a caller that will need it after other set-up: the first Builtin call
// then waits only for what is left.
func PreloadBuiltin() { go Builtin() }

// Builtin returns the embedded o200k_base tokenizer. It is parsed on first
// use and shared: tokenizers are immutable.
var Builtin = sync.OnceValues(func() (*BPE, error) {
	t, err := parseCompiled(o200kCompiled)
	if err != nil {
		return nil, err
	}
	t.name = BuiltinName + " (o200k_base)"
	return t, nil
})
