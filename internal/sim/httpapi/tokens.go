package httpapi

import (
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// promptTokens encodes message contents with a memo keyed by a 64-bit hash
// of the content. Multi-turn requests resend their whole history, so without
// it the simulator would re-encode every earlier message at every turn and
// become the bottleneck of the benchmark it serves.
type promptTokens struct {
	tok    tokenizer.Tokenizer
	seed   maphash.Seed
	memo   sync.Map // uint64 → []int32
	stored atomic.Int64
	// uuids are the images sent with a uuid (vLLM's multimodal cache):
	// uuid → token count, so a later part with the uuid alone is charged
	// alike. Bounded by the client's distinct uuids.
	uuids sync.Map
}

// maxMemoTokens bounds the memo (4 bytes a token: 200 MB).
const maxMemoTokens = 50_000_000

func newPromptTokens(tok tokenizer.Tokenizer) *promptTokens {
	return &promptTokens{tok: tok, seed: maphash.MakeSeed()}
}

// ids appends the token ids of s to dst.
func (p *promptTokens) ids(s string, dst []int32) []int32 {
	if len(s) >= 64 {
		h := maphash.String(p.seed, s)
		if v, ok := p.memo.Load(h); ok {
			return append(dst, v.([]int32)...)
		}
		enc := toInt32(p.tok.Encode(s))
		if p.stored.Load() < maxMemoTokens {
			if _, loaded := p.memo.LoadOrStore(h, enc); !loaded {
				p.stored.Add(int64(len(enc)))
			}
		}
		return append(dst, enc...)
	}
	return append(dst, toInt32(p.tok.Encode(s))...)
}

func toInt32(ids []int) []int32 {
	out := make([]int32, len(ids))
	for i, id := range ids {
		out[i] = int32(id)
	}
	return out
}
