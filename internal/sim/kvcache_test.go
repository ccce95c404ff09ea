package sim

import "testing"

func ids(n int, start int32) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = start + int32(i)
	}
	return out
}

func TestBlockHashesChain(t *testing.T) {
	a := blockHashes(ids(40, 0), 16, nil)
	if len(a) != 2 {
		t.Fatalf("40 tokens make %d full blocks of 16", len(a))
	}
	// Same second block after a different first block: different hash.
	x := append(ids(16, 100), ids(24, 16)...)
	b := blockHashes(x, 16, nil)
	if b[1] == a[1] || b[0] == a[0] {
		t.Fatal("block hashes must chain over the whole prefix")
	}
	if c := blockHashes(ids(33, 0), 16, nil); c[0] != a[0] || c[1] != a[1] {
		t.Fatal("the same prefix must hash the same")
	}
}

func TestKVCacheHitsEvictionAndReset(t *testing.T) {
	c := newKVCache(16, 16*4, true) // 4 blocks
	h := blockHashes(ids(48, 0), 16, nil)
	if c.match(h) != 0 || !c.reserve(3) {
		t.Fatal("empty cache")
	}
	var held []*kvBlock
	for _, x := range h {
		held = append(held, c.fill(x))
	}
	if c.match(h) != 3 || c.usage() != 0.75 {
		t.Fatalf("match %d usage %v", c.match(h), c.usage())
	}
	c.release(held, 0)
	if c.usage() != 0 || c.match(h) != 3 {
		t.Fatal("released blocks stay cached but unused")
	}
	// A second user pins the first two blocks, then needs 3 more: one empty
	// block and one eviction (the LRU: block 3).
	held = c.pin(h[:2], nil)
	if !c.reserve(2) {
		t.Fatal("eviction should make room")
	}
	if c.match(h) != 2 {
		t.Fatalf("LRU block 3 should be evicted, match %d", c.match(h))
	}
	if c.reserve(1) {
		t.Fatal("4 blocks are in use; nothing is free")
	}
	c.release(held, 2)
	if c.usage() != 0 {
		t.Fatalf("usage %v after release", c.usage())
	}
	c.reset()
	if c.match(h) != 0 {
		t.Fatal("reset must empty the cache")
	}
	off := newKVCache(16, 64, false)
	off.reserve(1)
	if off.fill(h[0]) != nil || off.match(h) != 0 {
		t.Fatal("caching off must never hit")
	}
}

func TestKVCacheResetWhileInUse(t *testing.T) {
	c := newKVCache(16, 64, true)
	h := blockHashes(ids(16, 0), 16, nil)
	c.reserve(1)
	b := c.fill(h[0])
	c.reset()
	c.reserve(1)
	b2 := c.fill(h[0]) // same content, new block
	c.release([]*kvBlock{b}, 0)
	if c.usage() != 0.25 || c.match(h) != 1 || b2.ref != 1 {
		t.Fatalf("usage %v match %d ref %d", c.usage(), c.match(h), b2.ref)
	}
}
