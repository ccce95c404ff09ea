package dataset

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"

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
	tok tokenizer.Tokenizer
	// corpusIDs are the corpus's token ids, encoded on first use: only the
	// fallback path and trace synthesis cut prompts out of ids.
	corpusIDs func() []int
	// words is the corpus as space-led words with their token counts, and
	// filler a one-token word: when the tokenizer splits the corpus exactly
	// at those words (checked once, over the corpus and its wrap-around), a
	// prompt is a run of whole words topped up with fillers, and only its
	// seams need re-encoding: linear in the prompt, with a small constant.
	words  []piece
	filler string
}

type piece struct {
	text   string
	tokens int
}

// seamWords is how many words on each side of a seam are re-encoded to
// check it.
const seamWords = 8

// NewPromptGen tokenizes the corpus once with tok.
func NewPromptGen(tok tokenizer.Tokenizer) (*PromptGen, error) { return NewPromptGenFor(tok, "") }

// Corpora are the --prompt-corpus names: sonde's English-like prose
// (sonnet, AIPerf's default name) and its coding-agent text.
func Corpora() []string { return []string{"sonnet", "coding"} }

// NewPromptGenFor cuts prompts out of the named corpus ("" is sonnet).
func NewPromptGenFor(tok tokenizer.Tokenizer, name string) (*PromptGen, error) {
	text := corpus.Text(corpusSeed, corpusWords)
	switch name {
	case "", "sonnet":
	case "coding":
		text = corpus.Code(corpusSeed, corpusWords)
	default:
		return nil, fmt.Errorf("--prompt-corpus %q is not one of %s", name, strings.Join(Corpora(), ", "))
	}
	n := tok.Count(text)
	if n < 1000 {
		return nil, fmt.Errorf("dataset: corpus tokenized to only %d tokens with %s", n, tok.Name())
	}
	g := &PromptGen{tok: tok, corpusIDs: sync.OnceValue(func() []int { return tok.Encode(text) })}
	g.splitWords(" " + text)
	return g, nil
}

// splitWords cuts the corpus into words that each start with a space, and
// keeps them only if encoding the corpus (twice over, for the wrap-around)
// gives exactly the sum of their token counts, and a one-token filler word
// exists.
func (g *PromptGen) splitWords(text string) {
	var words []piece
	sum := 0
	counts := map[string]int{} // the corpus repeats its words: count each once
	for len(text) > 0 {
		end := strings.IndexByte(text[1:], ' ') + 1
		if end == 0 {
			end = len(text)
		}
		n, ok := counts[text[:end]]
		if !ok {
			n = len(g.tok.Encode(text[:end]))
			counts[text[:end]] = n
		}
		w := piece{text: text[:end], tokens: n}
		words, sum = append(words, w), sum+w.tokens
		text = text[end:]
	}
	// The corpus must encode to the sum of its words, and so must its
	// wrap-around seam (pre-tokenization is local: the words on either side
	// of the seam decide it).
	var all, seam strings.Builder
	seamSum := 0
	for _, w := range words {
		all.WriteString(w.text)
	}
	for _, w := range append(words[max(0, len(words)-seamWords):len(words):len(words)], words[:min(seamWords, len(words))]...) {
		seam.WriteString(w.text)
		seamSum += w.tokens
	}
	if g.tok.Count(all.String()) != sum || g.tok.Count(seam.String()) != seamSum {
		return
	}
	for _, f := range []string{" the", " a", " and", " of", " to"} {
		if g.tok.Count(f) == 1 && g.tok.Count(f+f+f) == 3 {
			g.words, g.filler = words, f
			return
		}
	}
}

func (g *PromptGen) take(start, n int, dst []int) []int {
	ids := g.corpusIDs()
	for i := 0; i < n; i++ {
		dst = append(dst, ids[(start+i)%len(ids)])
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
	if len(g.words) > 0 {
		if text, ok := g.wordPrompt(r, n); ok {
			return text, nil
		}
	}
	for attempt := 0; attempt < 20; attempt++ {
		start := r.IntN(len(g.corpusIDs()))
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
	want := g.tok.Count(head) + n
	var text string
	got := 0
	for attempt := 0; attempt < 10; attempt++ {
		body, err := g.Prompt(r, n)
		if err != nil {
			return "", 0, err
		}
		text = head + body
		if got = g.tok.Count(text); got == want {
			break
		}
	}
	return text, got, nil
}

// wordPrompt is a run of whole corpus words from a random one, topped up
// with fillers to exactly n tokens. The inside of the run is the corpus as
// checked at start; its two seams are re-encoded here. ok is false when a
// seam merged tokens (then the caller re-encodes the slow way).
func (g *PromptGen) wordPrompt(r *rand.Rand, n int) (string, bool) {
	start := r.IntN(len(g.words))
	count, total, size := 0, 0, 0
	for w := g.word(start); total+w.tokens <= n; w = g.word(start + count) {
		count, total, size = count+1, total+w.tokens, size+len(w.text)
	}
	fillers := n - total
	var b strings.Builder
	b.Grow(size + fillers*len(g.filler))
	for i := range count {
		b.WriteString(g.word(start + i).text)
	}
	for range fillers {
		b.WriteString(g.filler)
	}
	text := b.String()
	// The first seamWords words, and the last ones with the fillers.
	head, headTokens := 0, 0
	for i := range min(seamWords, count) {
		head, headTokens = head+len(g.word(start+i).text), headTokens+g.word(start+i).tokens
	}
	tail, tailTokens := fillers*len(g.filler), fillers
	for i := max(0, count-seamWords); i < count; i++ {
		tail, tailTokens = tail+len(g.word(start+i).text), tailTokens+g.word(start+i).tokens
	}
	if g.tok.Count(text[:head]) != headTokens || g.tok.Count(text[len(text)-tail:]) != tailTokens {
		return "", false
	}
	return text, true
}

func (g *PromptGen) word(i int) piece { return g.words[i%len(g.words)] }
