package sim

import "container/list"

// kvCache is a block-based prefix (KV) cache like vLLM's: the KV of every
// blockSize tokens is one block, addressed by a hash chained over all tokens
// up to its end, so a block hit implies the whole prefix before it matches.
// Blocks used by running requests are pinned; released blocks stay cached and
// are evicted least-recently-used when space is needed. It is owned by the
// engine's step loop and not safe for concurrent use.
type kvCache struct {
	blockSize int
	capacity  int  // blocks
	enabled   bool // prefix reuse on; blocks are still accounted when off
	blocks    map[uint64]*kvBlock
	lru       *list.List // cached blocks with no user, most recent first
	used      int        // pinned or reserved blocks (not evictable)

	queries, hits int64 // prompt tokens looked up and found (vLLM's counters)
	// slots, when set, is the prefix cache instead (llama.cpp's): the
	// blocks are then all anonymous.
	slots *slotCache
}

type kvBlock struct {
	hash uint64
	ref  int
	elem *list.Element // in lru when ref == 0
}

func newKVCache(blockSize, capacityTokens int, enabled bool) *kvCache {
	return &kvCache{blockSize: blockSize, capacity: max(capacityTokens/blockSize, 1), enabled: enabled,
		blocks: map[uint64]*kvBlock{}, lru: list.New()}
}

// chainSeed starts every block-hash chain.
const chainSeed = uint64(0xcbf29ce484222325)

// blockHashes returns the chained hash of every full block of ids.
func blockHashes(ids []int32, blockSize int, dst []uint64) []uint64 {
	h := chainSeed
	for i := 0; i+blockSize <= len(ids); i += blockSize {
		h = chainHash(h, ids[i:i+blockSize])
		dst = append(dst, h)
	}
	return dst
}

// match counts the leading blocks of hashes that are cached.
func (c *kvCache) match(hashes []uint64) int {
	if !c.enabled {
		return 0
	}
	n := 0
	for _, h := range hashes {
		if _, ok := c.blocks[h]; !ok {
			break
		}
		n++
	}
	return n
}

// pin takes a reference on the first n cached blocks of hashes (as found
// by match) and appends them to held.
func (c *kvCache) pin(hashes []uint64, held []*kvBlock) []*kvBlock {
	for _, h := range hashes {
		b := c.blocks[h]
		if b.ref == 0 {
			c.lru.Remove(b.elem)
			b.elem = nil
			c.used++
		}
		b.ref++
		held = append(held, b)
	}
	return held
}

// free is how many blocks could be reserved now (empty plus evictable).
func (c *kvCache) free() int { return c.capacity - c.used }

// reserve claims n blocks, evicting least recently used cached blocks when
// the empty ones do not suffice. It fails without side effects if even
// eviction cannot make room.
func (c *kvCache) reserve(n int) bool {
	if n > c.free() {
		return false
	}
	for empty := c.capacity - c.used - c.lru.Len(); empty < n; empty++ {
		b := c.lru.Remove(c.lru.Back()).(*kvBlock)
		delete(c.blocks, b.hash)
	}
	c.used += n
	return true
}

// fill records that one reserved block now holds the tokens ending with
// hash h, making it findable, and returns it; nil when the content is
// already cached or caching is off (the reservation then stays anonymous).
func (c *kvCache) fill(h uint64) *kvBlock {
	if !c.enabled {
		return nil
	}
	if _, dup := c.blocks[h]; dup {
		return nil
	}
	b := &kvBlock{hash: h, ref: 1}
	c.blocks[h] = b
	return b
}

// release drops a sequence's blocks: one reference on each block it held
// (pinned or filled) and its anonymous reservations. Blocks whose last user
// left stay cached, most recently used first.
func (c *kvCache) release(held []*kvBlock, anonymous int) {
	c.used -= anonymous
	for _, b := range held {
		b.ref--
		if b.ref > 0 {
			continue
		}
		c.used--
		if c.blocks[b.hash] == b {
			b.elem = c.lru.PushFront(b)
		}
	}
}

// reset empties the cache (POST /reset_prefix_cache). Blocks in use stay
// allocated until released but can no longer be found.
func (c *kvCache) reset() {
	if c.slots != nil {
		c.slots.reset()
	}
	for h, b := range c.blocks {
		if b.ref == 0 {
			c.lru.Remove(b.elem)
		}
		delete(c.blocks, h)
	}
}

// usage is the fraction of blocks in use (vLLM's kv_cache_usage_perc).
func (c *kvCache) usage() float64 { return float64(c.used) / float64(c.capacity) }
