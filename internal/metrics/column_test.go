package metrics

import (
	"slices"
	"testing"
)

func TestColumnKeepsOrderAcrossBlocks(t *testing.T) {
	for _, n := range []int{0, 1, firstBlock, firstBlock + 1, 3*maxBlock + 5} {
		var c column
		want := make([]float64, n)
		for i := range n {
			want[i] = float64(i) * 1.5
			c.add(want[i])
		}
		got := c.values()
		if !slices.Equal(got, want) {
			t.Fatalf("n=%d: values differ (len %d, want %d)", n, len(got), n)
		}
		sum := 0.0
		for _, x := range want {
			sum += x
		}
		if c.sum() != sum {
			t.Fatalf("n=%d: sum %v, want %v", n, c.sum(), sum)
		}
		if n > 0 {
			got[0] = -1 // the copy is the caller's
		}
		if n > 0 && c.values()[0] != want[0] {
			t.Fatalf("n=%d: values shares memory with the column", n)
		}
	}
}

// A short column (one turn of a multi-turn run) must not hold a large
// block; a long one never copies a full block.
func TestColumnBlocks(t *testing.T) {
	var c column
	for range 3 {
		c.add(1)
	}
	if cap(c.blocks[0]) != firstBlock {
		t.Fatalf("first block holds %d, want %d", cap(c.blocks[0]), firstBlock)
	}
	for range 10 * maxBlock {
		c.add(1)
	}
	for i, b := range c.blocks {
		if cap(b) > maxBlock {
			t.Fatalf("block %d holds %d, over %d", i, cap(b), maxBlock)
		}
		if i < len(c.blocks)-1 && len(b) != cap(b) {
			t.Fatalf("block %d is not full (%d of %d) yet a later one exists", i, len(b), cap(b))
		}
	}
}

func BenchmarkColumnAdd(b *testing.B) {
	b.ReportAllocs()
	var c column
	for i := range b.N {
		c.add(float64(i))
	}
}
