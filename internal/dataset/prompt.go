package dataset

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/sonde-bench/sonde/internal/corpus"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// corpusSeed fixes the corpus: like AIPerf's bundled text, it does not
// change with the run seed, only the positions drawn from it do.
const (
	corpusSeed  = 1
	corpusWords = 20000
)

// PromptGen cuts prompts of an exact token length out of the corpus.
type PromptGen struct {
	tok    tokenizer.Tokenizer
	corpus []int
}

// NewPromptGen tokenizes the corpus once with tok.
func NewPromptGen(tok tokenizer.Tokenizer) (*PromptGen, error) {
	ids := tok.Encode(corpus.Text(corpusSeed, corpusWords))
	if len(ids) < 1000 {
		return nil, fmt.Errorf("dataset: corpus tokenized to only %d tokens with %s", len(ids), tok.Name())
	}
	return &PromptGen{tok: tok, corpus: ids}, nil
}

func (g *PromptGen) take(start, n int, dst []int) []int {
	for i := 0; i < n; i++ {
		dst = append(dst, g.corpus[(start+i)%len(g.corpus)])
	}
	return dst
}

// Prompt returns text that encodes to exactly n tokens. Token ids cut from
// the corpus do not always survive decode → encode (merges across the seams),
// so the text is re-encoded and trimmed or topped up until the count is exact
// (AIPerf v0.1.1 skips this check and can be off by a few tokens).
func (g *PromptGen) Prompt(r *rand.Rand, n int) (string, error) {
	if n <= 0 {
		return "", nil
	}
	for attempt := 0; attempt < 20; attempt++ {
		start := r.IntN(len(g.corpus))
		ids := g.take(start, n, nil)
		next := start + n
		for iter := 0; iter < 10; iter++ {
			text := g.tok.Decode(ids)
			got := g.tok.Encode(text)
			switch {
			case len(got) == n:
				return text, nil
			case len(got) > n:
				ids = got[:n]
			default:
				ids = g.take(next, n-len(got), got)
				next += n - len(got)
			}
		}
	}
	return "", fmt.Errorf("dataset: could not build a prompt of exactly %d tokens with %s", n, g.tok.Name())
}

// WithLead returns the lead texts (a shared prefix, a user context) followed
// by a body of n tokens, and the token count of the whole, which is the sum
// of the parts whenever the seams do not merge tokens (bodies start with a
// space-led word). Bodies are redrawn a few times to get the sum exactly;
// the lead texts never change, so they stay a cacheable prefix.
func (g *PromptGen) WithLead(r *rand.Rand, lead []string, n int) (string, int, error) {
	head := strings.Join(lead, "")
	want := len(g.tok.Encode(head)) + n
	var text string
	got := 0
	for attempt := 0; attempt < 10; attempt++ {
		body, err := g.Prompt(r, n)
		if err != nil {
			return "", 0, err
		}
		text = head + body
		if got = len(g.tok.Encode(text)); got == want {
			break
		}
	}
	return text, got, nil
}
