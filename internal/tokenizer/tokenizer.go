// Package tokenizer implements Hugging Face tokenizer.json BPE tokenizers in
// pure Go: byte-level BPE (GPT-4o, Qwen, Llama 3, DeepSeek) and
// SentencePiece-style BPE with byte fallback (Mistral, Gemma). A loaded
// tokenizer is immutable and safe for concurrent use.
package tokenizer

import (
	"strings"
)

// Tokenizer is what the rest of sonde needs from a tokenizer: exact token
// counts and the ability to turn token ids back into text.
type Tokenizer interface {
	// Encode returns the ids of s without special tokens added
	// (HF encode(add_special_tokens=False)).
	Encode(s string) []int
	// Count is len(Encode(s)), without building the ids.
	Count(s string) int
	// Decode returns the text of ids, skipping special tokens
	// (HF decode(skip_special_tokens=True)).
	Decode(ids []int) string
	// Name says which tokenizer this is, for logs and exports.
	Name() string
}

// BPE is a tokenizer loaded from a tokenizer.json file.
type BPE struct {
	name       string
	normalizer normalizer
	pre        preTokenizer
	model      *bpeModel
	added      *addedVocab
	decoder    decoder
	prefix     []int // ids the post-processor puts before the sequence
	suffix     []int // ids the post-processor puts after the sequence
}

var _ Tokenizer = (*BPE)(nil)

// Name returns the name the tokenizer was loaded under.
func (t *BPE) Name() string { return t.name }

// VocabSize is the number of ids the tokenizer can produce.
func (t *BPE) VocabSize() int { return t.model.size }

// Encode tokenizes s with add_special_tokens=false. Added and special tokens
// that occur literally in s are split out first, as Hugging Face does.
func (t *BPE) Encode(s string) []int {
	return t.encode(s, nil)
}

// EncodeWithSpecial tokenizes s with add_special_tokens=true: the
// post-processor's BOS/EOS ids surround the result.
func (t *BPE) EncodeWithSpecial(s string) []int {
	out := append([]int(nil), t.prefix...)
	out = t.encode(s, out)
	return append(out, t.suffix...)
}

// Count returns len(Encode(s)) without building the ids: cached words are
// counted by their length, and nothing is allocated per word.
func (t *BPE) Count(s string) int { return t.count(s, nil, nil) }

// count is Count, looking words up first in short and local (when not
// nil), unsynchronised caches of counts that one goroutine owns, and
// adding to them.
func (t *BPE) count(s string, short *shortCounts, local map[string]int32) int {
	n := 0
	var scratch []int
	t.words(s, func(word string, addedID int) {
		if addedID >= 0 {
			n++
			return
		}
		var key uint64
		isShort := false
		if short != nil {
			key, isShort = packShort(word)
		}
		if isShort {
			if e := short.at(key); e.key == key {
				n += int(e.n)
				return
			}
		}
		k, ok := local[word]
		if !ok {
			m, cached := t.model.cachedLen(word)
			if !cached {
				scratch = t.model.tokenizeWord(word, scratch[:0])
				m = len(scratch)
			}
			k = int32(m)
			if local != nil && len(word) <= maxCachedWordLen && len(local) < maxEntries {
				local[strings.Clone(word)] = k // word may point into s: keep a copy
			}
		}
		if isShort {
			*short.at(key) = shortCount{key, k}
		}
		n += int(k)
	})
	return n
}

// Local is the tokenizer for one goroutine's counting: the same tables,
// with word caches of its own that need no synchronisation (the shared
// one's lookups cost a sync.Map's: 9–16 % of a long stream's counting).
func (t *BPE) Local() Tokenizer {
	return &localBPE{BPE: t, short: new(shortCounts), lens: map[string]int32{}}
}

// localBPE is a BPE whose Count goes through caches one goroutine owns.
type localBPE struct {
	*BPE
	short *shortCounts
	lens  map[string]int32
}

func (l *localBPE) Count(s string) int { return l.count(s, l.short, l.lens) }

// shortCounts is a direct-mapped cache of the counts of words of up to 7
// bytes, in front of the local map: such a word packed into a uint64 with
// its length is its own key, so a hit is a multiply and a compare where the
// map hashed and compared the string (its lookups were 5–6 % of sonde's CPU
// at 256 streams × 500 tokens: #31). A slot holds the last word that
// hashed to it.
type shortCounts [1 << 11]shortCount

type shortCount struct {
	key uint64 // packShort's; 0 where empty (a packed word never is)
	n   int32
}

func (c *shortCounts) at(key uint64) *shortCount { return &c[(key*0x9E3779B97F4A7C15)>>53] }

// packShort packs a word of 1 to 7 bytes and its length into a uint64.
func packShort(w string) (uint64, bool) {
	if len(w) == 0 || len(w) > 7 {
		return 0, false
	}
	k := uint64(len(w)) << 56
	for i := 0; i < len(w); i++ {
		k |= uint64(w[i]) << (8 * i)
	}
	return k, true
}

func (t *BPE) encode(s string, out []int) []int {
	t.words(s, func(word string, addedID int) {
		if addedID >= 0 {
			out = append(out, addedID)
			return
		}
		out = t.model.tokenizeWord(word, out)
	})
	return out
}

// wordEacher is a pre-tokenizer that can hand out its words one by one.
type wordEacher interface {
	each(s string, fn func(string))
}

// words calls fn with every pre-tokenized word of s (addedID -1) and every
// added token found in it, in order.
func (t *BPE) words(s string, fn func(word string, addedID int)) {
	word := func(w string) { fn(w, -1) }
	t.added.split(s, func(segment string, addedID int) {
		if addedID >= 0 {
			fn(segment, addedID)
			return
		}
		if t.normalizer != nil {
			segment = t.normalizer.normalize(segment)
		}
		if segment == "" {
			return
		}
		if e, ok := t.pre.(wordEacher); ok {
			e.each(segment, word)
			return
		}
		for _, w := range t.pre.split(segment, nil) {
			word(w)
		}
	})
}

// Decode returns the text of ids, skipping special tokens.
func (t *BPE) Decode(ids []int) string { return t.DecodeSpecial(ids, true) }

// DecodeSpecial returns the text of ids; skipSpecial drops special tokens.
func (t *BPE) DecodeSpecial(ids []int, skipSpecial bool) string {
	tokens := make([]string, 0, len(ids))
	for _, id := range ids {
		if a, ok := t.added.byID[id]; ok {
			if skipSpecial && a.special {
				continue
			}
			tokens = append(tokens, a.content)
			continue
		}
		if tok, ok := t.model.vocab.token(id); ok {
			tokens = append(tokens, tok)
		}
	}
	if t.decoder == nil {
		return strings.Join(tokens, "")
	}
	return strings.Join(t.decoder.decode(tokens), "")
}
