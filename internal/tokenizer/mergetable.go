package tokenizer

import "math/bits"

// mergeTable maps a pair of ids (pairKey) to its merge: an open-addressing
// hash table over two flat slices. Loading o200k's 200,000 merges into a Go
// map was a third of the tokenizer's start-up; here an insert is a multiply
// and a probe or two, and so is a lookup on the BPE hot path.
type mergeTable struct {
	keys  []uint64 // emptyKey where free
	vals  []merge
	shift uint
	n     int
}

// emptyKey cannot be a pair: ids are below 2^31.
const emptyKey = ^uint64(0)

func newMergeTable(capacity int) *mergeTable {
	size := 16
	for size < capacity*2 {
		size *= 2
	}
	t := &mergeTable{keys: make([]uint64, size), vals: make([]merge, size), shift: uint(64 - bits.TrailingZeros(uint(size)))}
	for i := range t.keys {
		t.keys[i] = emptyKey
	}
	return t
}

func (t *mergeTable) slot(k uint64) int { return int((k * 0x9E3779B97F4A7C15) >> t.shift) }

// get returns the merge of pair k.
func (t *mergeTable) get(k uint64) (merge, bool) {
	mask := len(t.keys) - 1
	for i := t.slot(k); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case k:
			return t.vals[i], true
		case emptyKey:
			return merge{}, false
		}
	}
}

// add stores the merge of pair k unless the pair has one already (the
// first, lowest-ranked merge of a pair wins, as in a tokenizer.json).
func (t *mergeTable) add(k uint64, m merge) {
	if (t.n+1)*2 > len(t.keys) {
		t.grow()
	}
	mask := len(t.keys) - 1
	for i := t.slot(k); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case k:
			return
		case emptyKey:
			t.keys[i], t.vals[i] = k, m
			t.n++
			return
		}
	}
}

func (t *mergeTable) grow() {
	old := *t
	*t = *newMergeTable(len(old.keys))
	for i, k := range old.keys {
		if k != emptyKey {
			t.add(k, old.vals[i])
		}
	}
}

// each calls fn with every pair and its merge, in no order.
func (t *mergeTable) each(fn func(k uint64, m merge)) {
	for i, k := range t.keys {
		if k != emptyKey {
			fn(k, t.vals[i])
		}
	}
}

// len is the number of merges.
func (t *mergeTable) len() int { return t.n }
