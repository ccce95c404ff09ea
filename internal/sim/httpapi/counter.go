package httpapi

import (
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// tokenCounter counts message tokens with a memo keyed by a 64-bit hash of
// the content. Multi-turn requests resend their whole history, so without
// it the simulator would re-encode every earlier message at every turn and
// become the bottleneck of the benchmark it serves.
type tokenCounter struct {
	tok   tokenizer.Tokenizer
	seed  maphash.Seed
	memo  sync.Map // uint64 → int
	count atomic.Int64
}

const maxMemo = 1 << 20

func newTokenCounter(tok tokenizer.Tokenizer) *tokenCounter {
	return &tokenCounter{tok: tok, seed: maphash.MakeSeed()}
}

func (c *tokenCounter) tokens(s string) int {
	if len(s) < 64 {
		return len(c.tok.Encode(s))
	}
	h := maphash.String(c.seed, s)
	if v, ok := c.memo.Load(h); ok {
		return v.(int)
	}
	n := len(c.tok.Encode(s))
	if c.count.Load() < maxMemo {
		if _, loaded := c.memo.LoadOrStore(h, n); !loaded {
			c.count.Add(1)
		}
	}
	return n
}
