package metrics

// column holds one metric's values, every one kept for exact statistics,
// in blocks that are never copied once full. A slice grown by append copies
// what it holds each time it grows (by a quarter once large): at 20,000
// requests/s those copies were a quarter of everything the client
// allocated, and the collector ran that much more often during the run.
// Blocks double from a small first one, so the many short columns of a
// multi-turn run (one per turn and metric) stay small.
type column struct {
	blocks [][]float64
	n      int
}

const (
	firstBlock = 16
	maxBlock   = 8192 // 64 KB
)

func (c *column) add(x float64) {
	if len(c.blocks) == 0 || len(c.blocks[len(c.blocks)-1]) == cap(c.blocks[len(c.blocks)-1]) {
		size := firstBlock
		if len(c.blocks) > 0 {
			size = min(2*cap(c.blocks[len(c.blocks)-1]), maxBlock)
		}
		c.blocks = append(c.blocks, make([]float64, 0, size))
	}
	last := &c.blocks[len(c.blocks)-1]
	*last = append(*last, x)
	c.n++
}

// values is a new slice of every value, in the order added; the caller
// may sort it.
func (c *column) values() []float64 {
	out := make([]float64, 0, c.n)
	for _, b := range c.blocks {
		out = append(out, b...)
	}
	return out
}

func (c *column) sum() float64 {
	t := 0.0
	for _, b := range c.blocks {
		for _, x := range b {
			t += x
		}
	}
	return t
}
