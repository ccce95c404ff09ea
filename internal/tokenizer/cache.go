package tokenizer

import (
	"sync"
	"sync/atomic"
)

// wordCache memoises the BPE of short pre-tokenized words: natural text
// repeats a few thousand words, and BPE merging dominates encoding time. It is
// safe for concurrent use and stops growing at maxEntries, so adversarial
// input cannot exhaust memory.
type wordCache struct {
	m     sync.Map // string → []int32
	count atomic.Int64
}

const (
	maxCachedWordLen = 32
	maxEntries       = 1 << 20
)

func (c *wordCache) get(word string) ([]int32, bool) {
	v, ok := c.m.Load(word)
	if !ok {
		return nil, false
	}
	return v.([]int32), true
}

func (c *wordCache) put(word string, ids []int32) {
	if c.count.Load() >= maxEntries {
		return
	}
	if _, loaded := c.m.LoadOrStore(word, ids); !loaded {
		c.count.Add(1)
	}
}
