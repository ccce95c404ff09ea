package tokenizer

import (
	"cmp"
	"math/bits"
	"slices"
)

// vocabTable maps a token's text to its id: open addressing over a slice of
// ids, with the texts kept by id. It replaces a map[string]int whose
// 200,000 inserts were a third of the builtin tokenizer's start-up; the
// compiled form stores the tokens in table order, so loading fills the
// table front to back.
type vocabTable struct {
	slots []int32  // id+1; 0 where free
	keys  []string // by id
	shift uint
	n     int
}

func newVocabTable(capacity, maxID int) *vocabTable {
	size := 16
	for size < capacity*2 {
		size *= 2
	}
	return &vocabTable{slots: make([]int32, size), keys: make([]string, maxID+1), shift: uint(64 - bits.TrailingZeros(uint(size)))}
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

// get returns the id of token s.
func (t *vocabTable) get(s string) (int, bool) {
	mask := len(t.slots) - 1
	for i := t.slot(s); ; i = (i + 1) & mask {
		v := t.slots[i]
		if v == 0 {
			return 0, false
		}
		if t.keys[v-1] == s {
			return int(v - 1), true
		}
	}
}

// add stores token s under id; a token already present keeps its id.
func (t *vocabTable) add(s string, id int) {
	if _, ok := t.get(s); ok {
		return
	}
	t.put(s, id)
}

// put stores a token known not to be present (the compiled form's).
func (t *vocabTable) put(s string, id int) {
	if (t.n+1)*2 > len(t.slots) {
		t.grow()
	}
	if id >= len(t.keys) {
		t.keys = append(t.keys, make([]string, id+1-len(t.keys))...)
	}
	mask := len(t.slots) - 1
	i := t.slot(s)
	for t.slots[i] != 0 {
		i = (i + 1) & mask
	}
	t.slots[i], t.keys[id] = int32(id+1), s
	t.n++
}

func (t *vocabTable) grow() {
	old := *t
	*t = *newVocabTable(len(old.slots), len(old.keys)-1)
	old.each(t.put)
}

// each calls fn with every token and its id, in table order.
func (t *vocabTable) each(fn func(s string, id int)) {
	for _, v := range t.slots {
		if v != 0 {
			fn(t.keys[v-1], int(v-1))
		}
	}
}

// len is the number of tokens.
func (t *vocabTable) len() int { return t.n }

// vocabFromMap builds the table of a tokenizer.json's vocab.
func vocabFromMap(vocab map[string]int) *vocabTable {
	maxID := -1
	for _, id := range vocab {
		maxID = max(maxID, id)
	}
	byID := make([]string, 0, len(vocab))
	for tok := range vocab {
		byID = append(byID, tok)
	}
	// In id order: the table's layout, and so the compiled form, must not
	// depend on the map's random order.
	slices.SortFunc(byID, func(a, b string) int { return cmp.Compare(vocab[a], vocab[b]) })
	t := newVocabTable(len(vocab), maxID)
	for _, tok := range byID {
		t.add(tok, vocab[tok])
	}
	return t
}
