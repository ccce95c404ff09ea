package tokenizer

import (
	"cmp"
	"math/bits"
	"slices"
	"strings"
)

// vocabTable maps a token's text to its id and back: open addressing over a
// slice of ids, every token a span of one string. It replaces a
// map[string]int whose 200,000 inserts were a third of the builtin
// tokenizer's start-up; the compiled form stores the tokens in table order,
// so loading fills the table front to back. Nothing in it is a pointer but
// the one string, so the garbage collector has nothing to scan in it.
type vocabTable struct {
	text  string
	spans []tokenSpan // by id; len 0 where an id has no token
	slots []int32     // id+1; 0 where free
	shift uint
	n     int
}

type tokenSpan struct{ off, len uint32 }

func newVocabTable(capacity, maxID int, text string) *vocabTable {
	size := 16
	for size < capacity*2 {
		size *= 2
	}
	return &vocabTable{text: text, spans: make([]tokenSpan, maxID+1), slots: make([]int32, size),
		shift: uint(64 - bits.TrailingZeros(uint(size)))}
}

// hashToken is FNV-1a, spread by a multiply: fixed, so that the compiled
// form can store tokens in the order of their slots.
func hashToken(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h * 0x9E3779B97F4A7C15
}

func (t *vocabTable) slot(s string) int { return int(hashToken(s) >> t.shift) }

func (t *vocabTable) at(sp tokenSpan) string { return t.text[sp.off : sp.off+sp.len] }

// get returns the id of token s.
func (t *vocabTable) get(s string) (int, bool) {
	mask := len(t.slots) - 1
	for i := t.slot(s); ; i = (i + 1) & mask {
		v := t.slots[i]
		if v == 0 {
			return 0, false
		}
		if t.at(t.spans[v-1]) == s {
			return int(v - 1), true
		}
	}
}

// token returns the text of id.
func (t *vocabTable) token(id int) (string, bool) {
	if id < 0 || id >= len(t.spans) || t.spans[id].len == 0 {
		return "", false
	}
	return t.at(t.spans[id]), true
}

// put stores the token text[off:off+n] under id; it must not be present.
func (t *vocabTable) put(id int, off, n uint32) {
	if (t.n+1)*2 > len(t.slots) {
		t.grow()
	}
	if id >= len(t.spans) {
		t.spans = append(t.spans, make([]tokenSpan, id+1-len(t.spans))...)
	}
	t.spans[id] = tokenSpan{off, n}
	mask := len(t.slots) - 1
	i := t.slot(t.at(t.spans[id]))
	for t.slots[i] != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = int32(id + 1)
	t.n++
}

func (t *vocabTable) grow() {
	old := *t
	*t = *newVocabTable(len(old.slots), len(old.spans)-1, old.text)
	for _, v := range old.slots {
		if v != 0 {
			sp := old.spans[v-1]
			t.put(int(v-1), sp.off, sp.len)
		}
	}
}

// each calls fn with every token and its id, in table order.
func (t *vocabTable) each(fn func(s string, id int)) {
	for _, v := range t.slots {
		if v != 0 {
			fn(t.at(t.spans[v-1]), int(v-1))
		}
	}
}

// len is the number of tokens; size the number of ids (the largest + 1).
func (t *vocabTable) len() int  { return t.n }
func (t *vocabTable) size() int { return len(t.spans) }

// vocabFromMap builds the table of a tokenizer.json's vocab, in id order:
// the table's layout, and so the compiled form, must not depend on the
// map's random order. Empty tokens cannot be looked up and are left out.
func vocabFromMap(vocab map[string]int) *vocabTable {
	byID := make([]string, 0, len(vocab))
	maxID := -1
	for tok, id := range vocab {
		if tok != "" {
			byID = append(byID, tok)
		}
		maxID = max(maxID, id)
	}
	slices.SortFunc(byID, func(a, b string) int { return cmp.Compare(vocab[a], vocab[b]) })
	var all strings.Builder
	offs := make([]uint32, len(byID))
	for i, tok := range byID {
		offs[i] = uint32(all.Len())
		all.WriteString(tok)
	}
	t := newVocabTable(len(byID), maxID, all.String())
	for i, tok := range byID {
		t.put(vocab[tok], offs[i], uint32(len(tok)))
	}
	return t
}
