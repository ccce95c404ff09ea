package dataset

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"slices"
	"sort"

	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// Analysis is what a dataset or trace implies for a server: its sessions
// and requests, the lengths they send and ask for, its arrival rate, and
// how much of its prompts a prefix cache could serve.
type Analysis struct {
	Sessions          int     `json:"sessions"`
	SubAgentSessions  int     `json:"sub_agent_sessions"` // a DAG's forked and spawned sessions, counted in sessions
	Requests          int     `json:"requests"`
	TurnsPerSession   Stats   `json:"turns_per_session"`
	ISL               Stats   `json:"input_sequence_length"`    // what each request sends, its history included
	OSL               Stats   `json:"requested_output_length"`  // max tokens asked for (requests that ask)
	ToolResults       int     `json:"tool_results"`             // recorded tool outputs sent back
	DurationS         float64 `json:"duration_s,omitempty"`     // first to last timestamp
	RequestRate       float64 `json:"request_rate,omitempty"`   // requests per second over that span
	SessionRate       float64 `json:"session_rate,omitempty"`   // sessions started per second
	BlockSize         int     `json:"block_size"`               // tokens per cache block
	CacheHitRate      float64 `json:"cache_hit_rate"`           // full blocks an unbounded prefix cache serves ÷ full blocks sent
	PrefixReuseRatio  float64 `json:"prefix_reuse_ratio"`       // requests whose first block was sent before ÷ requests
	UniqueFirstBlocks int     `json:"unique_first_blocks"`      // distinct first blocks (prefix groups)
	ContextGrowth     float64 `json:"context_growth,omitempty"` // mean last-turn ISL ÷ first-turn ISL, sessions of 2+ turns
}

// Stats summarize one quantity.
type Stats struct {
	Min  float64 `json:"min"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

func statsOf(xs []float64) Stats {
	if len(xs) == 0 {
		return Stats{}
	}
	slices.Sort(xs)
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	q := func(p float64) float64 { return xs[min(int(math.Ceil(p*float64(len(xs))))-1, len(xs)-1)] }
	return Stats{Min: xs[0], Mean: sum / float64(len(xs)), P50: q(0.5), P90: q(0.9), P99: q(0.99), Max: xs[len(xs)-1]}
}

// request is one request of the analysis: when it goes (if known) and
// the keys of the full blocks it sends.
type request struct {
	at    float64
	timed bool
	order int
	keys  []uint64
}

// prompt is a session's history as an unbounded prefix cache sees it: the
// keys of its full blocks, each chained to the one before, and the tokens
// of its partial last block.
type prompt struct {
	keys []uint64
	tail []int64
	n    int // tokens in all
}

func (p *prompt) add(seed maphash.Seed, B int, ids []int64) {
	for _, id := range ids {
		p.tail = append(p.tail, id)
		p.n++
		if len(p.tail) < B {
			continue
		}
		buf := make([]byte, 0, 8*(B+1))
		var prev uint64
		if len(p.keys) > 0 {
			prev = p.keys[len(p.keys)-1]
		}
		buf = binary.LittleEndian.AppendUint64(buf, prev)
		for _, t := range p.tail {
			buf = binary.LittleEndian.AppendUint64(buf, uint64(t))
		}
		p.keys = append(p.keys, maphash.Bytes(seed, buf))
		p.tail = p.tail[:0]
	}
}

// fork is a copy a sub-agent goes on from.
func (p *prompt) fork() prompt {
	return prompt{keys: slices.Clip(p.keys), tail: slices.Clone(p.tail), n: p.n}
}

// analyzer walks the conversations.
type analyzer struct {
	a                       *Analysis
	tok                     tokenizer.Tokenizer
	seed                    maphash.Seed
	reqs                    []request
	isl, osl, turns, growth []float64
	answerID                int64
}

// Analyze replays convs on paper: each session's turns resend its history
// (answers as tokens of their requested length, unique to the session; a
// fork goes on from its parent's), in timestamp order when the trace has
// times, else session by session.
func Analyze(convs []Conversation, tok tokenizer.Tokenizer, blockSize int) Analysis {
	a := Analysis{BlockSize: max(blockSize, 1)}
	z := &analyzer{a: &a, tok: tok, seed: maphash.MakeSeed(), answerID: -1}
	for i := range convs {
		z.session(&convs[i], prompt{}, true)
	}
	a.Requests = len(z.reqs)
	a.ISL, a.OSL, a.TurnsPerSession = statsOf(z.isl), statsOf(z.osl), statsOf(z.turns)
	if len(z.growth) > 0 {
		a.ContextGrowth = statsOf(z.growth).Mean
	}
	a.timing(z.reqs, len(convs))
	a.cache(z.reqs)
	return a
}

// session walks one conversation from history h, then its sub-agents.
func (z *analyzer) session(c *Conversation, h prompt, root bool) {
	z.a.Sessions++
	if !root {
		z.a.SubAgentSessions++
	}
	z.turns = append(z.turns, float64(len(c.Turns)))
	B := z.a.BlockSize
	first, last := -1.0, 0.0
	for k := range c.Turns {
		t := &c.Turns[k]
		if c.Standalone {
			h = prompt{}
		}
		if k == 0 && c.System != "" {
			h.add(z.seed, B, encode(z.tok, c.System))
		}
		for _, r := range t.ToolResults {
			h.add(z.seed, B, encode(z.tok, r.Text))
			z.a.ToolResults++
		}
		h.add(z.seed, B, encode(z.tok, t.Text))
		z.reqs = append(z.reqs, request{at: t.Timestamp, timed: t.HasTimestamp, order: len(z.reqs), keys: slices.Clip(h.keys)})
		z.isl = append(z.isl, float64(h.n))
		last = float64(h.n)
		if first < 0 {
			first = float64(h.n)
		}
		if t.MaxTokens > 0 {
			z.osl = append(z.osl, float64(t.MaxTokens))
			answer := make([]int64, t.MaxTokens)
			for i := range answer {
				answer[i] = z.answerID
				z.answerID--
			}
			h.add(z.seed, B, answer)
		}
		for _, child := range t.Forks {
			z.session(child, h.fork(), false)
		}
		for _, child := range t.Spawns {
			z.session(child, prompt{}, false)
		}
	}
	if len(c.Turns) > 1 && first > 0 {
		z.growth = append(z.growth, last/first) // not z.isl's last: its sub-agents came after
	}
}

func encode(tok tokenizer.Tokenizer, s string) []int64 {
	ids := tok.Encode(s)
	out := make([]int64, len(ids))
	for i, id := range ids {
		out[i] = int64(id)
	}
	return out
}

// timing: the span of the timestamps and the rates over it.
func (a *Analysis) timing(reqs []request, sessions int) {
	lo, hi, n := math.Inf(1), math.Inf(-1), 0
	for _, r := range reqs {
		if r.timed {
			lo, hi, n = min(lo, r.at), max(hi, r.at), n+1
		}
	}
	if n < 2 || hi <= lo {
		return
	}
	a.DurationS = (hi - lo) / 1000
	a.RequestRate = float64(len(reqs)) / a.DurationS
	a.SessionRate = float64(sessions) / a.DurationS
}

// cache sends the requests, in order, through an unbounded prefix cache of
// full blocks, each block keyed by everything before it.
func (a *Analysis) cache(reqs []request) {
	sort.SliceStable(reqs, func(i, j int) bool {
		if reqs[i].timed && reqs[j].timed {
			return reqs[i].at < reqs[j].at
		}
		return reqs[i].order < reqs[j].order
	})
	seen := map[uint64]bool{}
	firsts := map[uint64]bool{}
	hits, total, reused := 0, 0, 0
	for _, r := range reqs {
		for b, key := range r.keys {
			total++
			if seen[key] {
				hits++
			}
			seen[key] = true
			if b == 0 {
				if firsts[key] {
					reused++
				}
				firsts[key] = true
			}
		}
	}
	if total > 0 {
		a.CacheHitRate = float64(hits) / float64(total)
	}
	if len(reqs) > 0 {
		a.PrefixReuseRatio = float64(reused) / float64(len(reqs))
	}
	a.UniqueFirstBlocks = len(firsts)
}
