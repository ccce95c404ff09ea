package tokenizer

import "container/heap"

// mergeCand is a candidate merge of the symbol at pos with its right neighbour.
type mergeCand struct {
	rank  int32
	pos   int32
	left  int32 // symbol id at pos when the candidate was made
	right int32 // id of the right neighbour then
}

type candHeap []mergeCand

func (h candHeap) Len() int { return len(h) }
func (h candHeap) Less(i, j int) bool {
	if h[i].rank != h[j].rank {
		return h[i].rank < h[j].rank
	}
	return h[i].pos < h[j].pos
}
func (h candHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *candHeap) Push(x any)   { *h = append(*h, x.(mergeCand)) }
func (h *candHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// applyMergesHeap is applyMerges in O(n log n): symbols form a linked list,
// candidates sit in a heap ordered by (rank, position), stale ones are skipped.
func (m *bpeModel) applyMergesHeap(syms []int32) []int32 {
	n := len(syms)
	prev := make([]int32, n)
	next := make([]int32, n)
	alive := make([]bool, n)
	for i := range syms {
		prev[i], next[i], alive[i] = int32(i-1), int32(i+1), true
	}
	next[n-1] = -1
	h := make(candHeap, 0, n)
	push := func(i int32) {
		j := next[i]
		if i < 0 || j < 0 {
			return
		}
		if mg, ok := m.merges.get(pairKey(syms[i], syms[j])); ok {
			h = append(h, mergeCand{rank: mg.rank, pos: i, left: syms[i], right: syms[j]})
		}
	}
	for i := 0; i+1 < n; i++ {
		push(int32(i))
	}
	heap.Init(&h)
	for h.Len() > 0 {
		c := heap.Pop(&h).(mergeCand)
		i := c.pos
		j := next[i]
		if !alive[i] || j < 0 || syms[i] != c.left || syms[j] != c.right {
			continue
		}
		mg, _ := m.merges.get(pairKey(syms[i], syms[j]))
		syms[i] = mg.id
		alive[j] = false
		next[i] = next[j]
		if next[j] >= 0 {
			prev[next[j]] = i
		}
		if p := prev[i]; p >= 0 {
			if mg2, ok := m.merges.get(pairKey(syms[p], syms[i])); ok {
				heap.Push(&h, mergeCand{rank: mg2.rank, pos: p, left: syms[p], right: syms[i]})
			}
		}
		if nx := next[i]; nx >= 0 {
			if mg2, ok := m.merges.get(pairKey(syms[i], syms[nx])); ok {
				heap.Push(&h, mergeCand{rank: mg2.rank, pos: i, left: syms[i], right: syms[nx]})
			}
		}
	}
	out := syms[:0]
	for i := int32(0); i >= 0; i = next[i] {
		out = append(out, syms[i])
	}
	return out
}
