package dataset

import (
	"encoding/json"
	"math"
)

// Synthesis reshapes a mooncake trace before it is replayed
// (--synthesis-*). A hash id stands for a whole prefix up to its block,
// so a request's leading ids that other requests also send are its shared
// prefix (the trunk and branches of the trace's radix tree) and the rest
// is its own prompt (a leaf).
type Synthesis struct {
	Speedup   float64 // timestamps and delays divided by it (applied with the replay speedup)
	PrefixLen float64 // shared prefix blocks × this, sharing kept
	PromptLen float64 // unshared tokens × this
	OutputLen float64 // output lengths × this
	Roots     int     // copies of the tree with distinct ids; sessions spread over them
	MaxISL    int     // requests above it (after reshaping) are dropped; 0: none
	MaxOSL    int     // output lengths capped; 0: none
}

// NoSynthesis changes nothing.
var NoSynthesis = Synthesis{Speedup: 1, PrefixLen: 1, PromptLen: 1, OutputLen: 1, Roots: 1}

// reshapes says whether any line changes (the speedup is applied later);
// the zero Synthesis, like NoSynthesis, changes nothing.
func (s Synthesis) reshapes() bool {
	return s != (Synthesis{}) && (s.PrefixLen != 1 || s.PromptLen != 1 || s.OutputLen != 1 || s.Roots > 1 || s.MaxISL > 0 || s.MaxOSL > 0)
}

// needsTree says whether the shared ids must be known first.
func (s Synthesis) needsTree() bool { return s.PrefixLen != 1 || s.PromptLen != 1 }

// synthesizer reshapes mooncake lines; one per file.
type synthesizer struct {
	s      Synthesis
	block  int
	shared map[int64]int32 // hash id → lines sending it (a first pass)
	roots  map[string]int  // session → its tree
	draw   func(int) int
}

func newSynthesizer(s Synthesis, block int, seed uint64) *synthesizer {
	r := NewRand(seed, StreamSynthRoots)
	return &synthesizer{s: s, block: block, shared: map[int64]int32{}, roots: map[string]int{}, draw: r.IntN}
}

// count notes one line's ids (the first pass).
func (z *synthesizer) count(ids []int64) {
	for i, h := range ids {
		if i == 0 || h != ids[i-1] {
			z.shared[h]++
		}
	}
}

// reshape rewrites one line's lengths and ids; false drops it
// (--synthesis-max-isl). session keys the line's tree: a session stays in
// one tree, so its turns keep sharing their history.
func (z *synthesizer) reshape(l *mooncakeLine, session string) bool {
	if l.OutputLength != nil {
		out := max(int(math.Round(float64(*l.OutputLength)*z.s.OutputLen)), 1)
		if z.s.MaxOSL > 0 {
			out = min(out, z.s.MaxOSL)
		}
		l.OutputLength = &out
	}
	if l.InputLength == nil || *l.InputLength < 1 {
		return true // a literal text_input, or a bad line the loader names
	}
	root, ok := z.roots[session]
	if !ok {
		root = z.draw(z.s.Roots)
		z.roots[session] = root
	}
	if z.s.needsTree() {
		z.resize(l, root)
	} else { // lengths unchanged: only the tree moves
		l.HashIDs = moveIDs(l.HashIDs, root)
	}
	return z.s.MaxISL <= 0 || *l.InputLength <= z.s.MaxISL
}

// resize scales a line's shared prefix and its own tokens and gives it
// the ids of its new blocks: prefix block j comes from the original
// shared block j/PrefixLen, so lines that shared their first q blocks
// share every new block drawn from them; the own blocks are the line's.
func (z *synthesizer) resize(l *mooncakeLine, root int) {
	L, ids, B := *l.InputLength, l.HashIDs, z.block
	p := 0 // leading shared blocks
	for p < len(ids) && z.shared[ids[p]] > 1 {
		p++
	}
	p2 := int(math.Round(float64(p) * z.s.PrefixLen))
	leaf2 := int(math.Round(float64(L-min(p*B, L)) * z.s.PromptLen))
	if p2*B+leaf2 < 1 {
		leaf2 = 1
	}
	n := p2*B + leaf2
	l.InputLength = &n
	if len(ids) == 0 {
		return
	}
	out := make([]int64, 0, p2+(leaf2+B-1)/B)
	for j := range p2 {
		src := ids[min(int(float64(j)/z.s.PrefixLen), p-1)]
		out = append(out, mixID(src, j, root, 1))
	}
	own := ids[len(ids)-1] // unique to this line unless it is all prefix
	if p == len(ids) {
		own = int64(l.line)
	}
	for j := range (leaf2 + B - 1) / B {
		out = append(out, mixID(own, j, root, 2+int64(l.line)))
	}
	l.HashIDs = out
}

// moveIDs puts a line's blocks into its tree: the same sharing, ids
// distinct from every other tree's.
func moveIDs(ids []int64, root int) []int64 {
	if len(ids) == 0 {
		return nil
	}
	out := make([]int64, len(ids))
	for j, h := range ids {
		out[j] = mixID(h, 0, root, 0)
	}
	return out
}

// mixID derives a new hash id from an old one, a position, a tree and a
// kind (splitmix64), non-negative.
func mixID(h int64, j, root int, kind int64) int64 {
	x := uint64(h) ^ uint64(j)<<40 ^ uint64(root)*0x9E3779B97F4A7C15 ^ uint64(kind)*0xD1B54A32D192ED03
	x += 0x9E3779B97F4A7C15
	x = (x ^ x>>30) * 0xBF58476D1CE4E5B9
	x = (x ^ x>>27) * 0x94D049BB133111EB
	return int64((x ^ x>>31) >> 1)
}

// mooncakeLine is one line of a mooncake trace.
type mooncakeLine struct {
	SessionID    string          `json:"session_id"`
	Timestamp    *float64        `json:"timestamp"`
	Delay        *float64        `json:"delay"`
	InputLength  *int            `json:"input_length"`
	TextInput    *string         `json:"text_input"`
	OutputLength *int            `json:"output_length"`
	HashIDs      []int64         `json:"hash_ids"`
	Messages     json.RawMessage `json:"messages"`
	line         int
}
