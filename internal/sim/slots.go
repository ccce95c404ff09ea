package sim

// slotCache is llama.cpp's prompt cache, in place of vLLM's block cache:
// each of the server's slots keeps the tokens of the last request it ran,
// and only an idle slot's tokens can be reused. A new request takes the
// idle slot whose tokens share the longest prefix with its prompt when
// that prefix is more than half of it (llama.cpp's --slot-prompt-similarity
// 0.5), else the least recently used idle slot, and reuses what that slot
// shares with it. Sessions that outnumber the slots therefore lose their
// history to one another, which a block cache of the same size would keep.
type slotCache struct {
	slots []cacheSlot
	uses  int
}

type cacheSlot struct {
	hashes []uint64 // the chained hashes of its last request's full blocks
	busy   bool
	used   int // when it was last taken
}

func newSlotCache(n int) *slotCache { return &slotCache{slots: make([]cacheSlot, n)} }

// take picks an idle slot for a prompt of the given block hashes, marks it
// busy, and returns it with the number of leading blocks it shares; -1
// when every slot is busy.
func (c *slotCache) take(hashes []uint64, promptBlocks int) (int, int) {
	best, bestShared, lru := -1, 0, -1
	for i := range c.slots {
		s := &c.slots[i]
		if s.busy {
			continue
		}
		if lru < 0 || s.used < c.slots[lru].used {
			lru = i
		}
		if n := sharedPrefix(s.hashes, hashes); n > bestShared {
			best, bestShared = i, n
		}
	}
	if lru < 0 {
		return -1, 0
	}
	pick := best
	if best < 0 || 2*bestShared <= promptBlocks {
		pick = lru
	}
	c.uses++
	s := &c.slots[pick]
	s.busy, s.used = true, c.uses
	return pick, sharedPrefix(s.hashes, hashes)
}

// put frees slot i, which now holds the blocks hashes.
func (c *slotCache) put(i int, hashes []uint64) {
	c.slots[i].busy, c.slots[i].hashes = false, hashes
}

// reset forgets every slot's tokens.
func (c *slotCache) reset() {
	for i := range c.slots {
		c.slots[i].hashes = nil
	}
}

func sharedPrefix(a, b []uint64) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
