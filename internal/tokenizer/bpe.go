package tokenizer

import (
	"fmt"
	"unicode/utf8"
)

// bpeModel is the BPE model: a vocabulary and ranked merges, both by id.
type bpeModel struct {
	vocab        *vocabTable
	size         int         // ids: the largest, added tokens too, + 1
	merges       *mergeTable // key: left id << 32 | right id
	byteFallback bool
	ignoreMerges bool
	unkID        int // -1 without an unk token
	fuseUnk      bool
	byteIDs      [256]int // <0xXX> ids for byte_fallback, -1 when absent
	cache        wordCache
	// byteLevel: words arrive as raw bytes and are mapped to GPT-2's
	// byte runes here, only when the word cache misses.
	byteLevel bool
}

type merge struct {
	rank int32
	id   int32
}

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

func (m *bpeModel) addMerge(left, right string, rank int) error {
	a, okA := m.vocab.get(left)
	b, okB := m.vocab.get(right)
	c, okC := m.vocab.get(left + right)
	if !okA || !okB || !okC {
		return fmt.Errorf("merge %d (%q %q) uses a token missing from the vocab", rank, left, right)
	}
	k := pairKey(int32(a), int32(b))
	m.merges.add(k, merge{rank: int32(rank), id: int32(c)})
	return nil
}

// tokenizeWord appends the ids of one pre-tokenized word to out.
// cachedLen is the token count of a word already in the cache.
func (m *bpeModel) cachedLen(word string) (int, bool) {
	if word == "" {
		return 0, true
	}
	if len(word) > maxCachedWordLen {
		return 0, false
	}
	ids, ok := m.cache.get(word)
	return len(ids), ok
}

func (m *bpeModel) tokenizeWord(word string, out []int) []int {
	if word == "" {
		return out
	}
	cacheable := len(word) <= maxCachedWordLen
	if cacheable {
		if ids, ok := m.cache.get(word); ok {
			for _, id := range ids {
				out = append(out, int(id))
			}
			return out
		}
	}
	key := word
	if m.byteLevel {
		word = byteLevelEncode(word)
	}
	if m.ignoreMerges {
		if id, ok := m.vocab.get(word); ok {
			if cacheable {
				m.cache.put(key, []int32{int32(id)})
			}
			return append(out, id)
		}
	}
	syms := make([]int32, 0, utf8.RuneCountInString(word))
	lastUnk := false
	for i, r := range word {
		ch := word[i : i+utf8.RuneLen(r)]
		if r == utf8.RuneError {
			_, size := utf8.DecodeRuneInString(word[i:])
			ch = word[i : i+size]
		}
		if id, ok := m.vocab.get(ch); ok {
			syms = append(syms, int32(id))
			lastUnk = false
			continue
		}
		if m.byteFallback {
			all := true
			for j := 0; j < len(ch); j++ {
				if m.byteIDs[ch[j]] < 0 {
					all = false
				}
			}
			if all {
				for j := 0; j < len(ch); j++ {
					syms = append(syms, int32(m.byteIDs[ch[j]]))
				}
				lastUnk = false
				continue
			}
		}
		if m.unkID >= 0 {
			if !(m.fuseUnk && lastUnk) {
				syms = append(syms, int32(m.unkID))
			}
			lastUnk = true
		}
	}
	syms = m.applyMerges(syms)
	if cacheable {
		m.cache.put(key, syms)
	}
	for _, s := range syms {
		out = append(out, int(s))
	}
	return out
}

// applyMerges repeatedly merges the pair of lowest rank, leftmost first, the
// order Hugging Face and tiktoken use ("!!!" → "!!" + "!" only if that is the
// ranked order). Quadratic in the word length, which is cheap for the short
// words pre-tokenizers make; long words (Gemma merges whole inputs) use a heap.
func (m *bpeModel) applyMerges(syms []int32) []int32 {
	if len(syms) > 64 {
		return m.applyMergesHeap(syms)
	}
	for len(syms) > 1 {
		best := -1
		var bestM merge
		for i := 0; i+1 < len(syms); i++ {
			if mg, ok := m.merges.get(pairKey(syms[i], syms[i+1])); ok && (best < 0 || mg.rank < bestM.rank) {
				best, bestM = i, mg
			}
		}
		if best < 0 {
			break
		}
		syms[best] = bestM.id
		syms = append(syms[:best+1], syms[best+2:]...)
	}
	return syms
}
