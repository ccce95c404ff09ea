package dataset

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sonde-bench/sonde/internal/dist"
)

// AgenticConfig shapes `sonde synthesize agentic-code` (AIPerf's generator
// and its config's keys): coding-agent sessions whose prompts are layers
// a prefix cache sees — L1, tools and system prompt shared by every
// session; L1.5, a repository's context shared by the sessions of its
// group; L2, the files a session opens first; L3, what each turn adds.
type AgenticConfig struct {
	MaxPromptTokens int `json:"max_prompt_tokens"`
	BlockSize       int `json:"block_size"`
	Cache           struct {
		Layer1  int             `json:"layer1_tokens"`
		Layer15 int             `json:"layer1_5_tokens"`
		Layer2  json.RawMessage `json:"layer2"`
		Groups  struct {
			N     int     `json:"num_groups"`
			Alpha float64 `json:"zipf_alpha"`
		} `json:"layer1_5_groups"`
	} `json:"cache"`
	NewTokens  json.RawMessage `json:"new_tokens_per_turn"`
	Generation json.RawMessage `json:"generation_length"`
	Delay      struct {
		AgenticFraction float64         `json:"agentic_fraction"`
		Agentic         json.RawMessage `json:"agentic_delay"`
		Human           json.RawMessage `json:"human_delay"`
	} `json:"inter_turn_delay"`
	Reset struct {
		Base    float64 `json:"base_probability"`
		Scaling float64 `json:"context_scaling"`
	} `json:"reset"`
	MaxTurns int `json:"max_turns"` // sonde's safety bound; 0: 500
}

// DefaultAgenticConfig is AIPerf's default shape: 200k-token contexts.
func DefaultAgenticConfig() AgenticConfig {
	var c AgenticConfig
	json.Unmarshal([]byte(`{"max_prompt_tokens": 200000, "block_size": 512,
		"cache": {"layer1_tokens": 32000, "layer1_5_tokens": 20000, "layer2": {"mean": 10000, "median": 8000},
			"layer1_5_groups": {"num_groups": 50, "zipf_alpha": 1.1}},
		"new_tokens_per_turn": {"mean": 3500, "median": 2500}, "generation_length": {"mean": 500, "median": 350},
		"inter_turn_delay": {"agentic_fraction": 0.7, "agentic_delay": {"mean": 2000, "median": 1500}, "human_delay": {"mean": 30000, "median": 15000}},
		"reset": {"base_probability": 0.02, "context_scaling": 2.0}}`), &c)
	return c
}

// MooncakeRow is one line of a mooncake trace as the generator writes it.
type MooncakeRow struct {
	SessionID    string   `json:"session_id"`
	InputLength  int      `json:"input_length"`
	OutputLength int      `json:"output_length"`
	HashIDs      []int64  `json:"hash_ids"`
	Timestamp    *float64 `json:"timestamp,omitempty"`
	Delay        *float64 `json:"delay,omitempty"`
	GroupID      *int     `json:"group_id,omitempty"`
}

// agenticDists are the config's distributions, parsed.
type agenticDists struct{ layer2, newTokens, gen, agentic, human *dist.Dist }

func (c AgenticConfig) dists() (agenticDists, error) {
	var d agenticDists
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		to   **dist.Dist
	}{{"cache.layer2", c.Cache.Layer2, &d.layer2}, {"new_tokens_per_turn", c.NewTokens, &d.newTokens}, {"generation_length", c.Generation, &d.gen},
		{"inter_turn_delay.agentic_delay", c.Delay.Agentic, &d.agentic}, {"inter_turn_delay.human_delay", c.Delay.Human, &d.human}} {
		if len(f.raw) == 0 {
			return d, fmt.Errorf("%s is missing", f.name)
		}
		x, err := dist.ParseDist(string(f.raw))
		if err != nil {
			return d, fmt.Errorf("%s: %v", f.name, err)
		}
		*f.to = x
	}
	return d, nil
}

// Check refuses a config that cannot make a session.
func (c AgenticConfig) Check() error {
	switch {
	case c.BlockSize < 1:
		return fmt.Errorf("block_size must be at least 1")
	case c.Cache.Layer1 < 0 || c.Cache.Layer15 < 0 || c.Cache.Groups.N < 1:
		return fmt.Errorf("cache: layer tokens must not be negative and num_groups must be at least 1")
	case c.MaxPromptTokens <= (blocks(c.Cache.Layer1, c.BlockSize)+blocks(c.Cache.Layer15, c.BlockSize))*c.BlockSize+1:
		return fmt.Errorf("max_prompt_tokens (%d) must exceed the shared layers (%d + %d tokens, in whole blocks of %d)", c.MaxPromptTokens, c.Cache.Layer1, c.Cache.Layer15, c.BlockSize)
	case c.Delay.AgenticFraction < 0 || c.Delay.AgenticFraction > 1 || c.Reset.Base < 0 || c.Reset.Base > 1:
		return fmt.Errorf("agentic_fraction and reset.base_probability are probabilities (0 to 1)")
	}
	_, err := c.dists()
	return err
}

// SynthesizeAgentic makes n sessions of coding-agent turns from the seed.
// Turn 0 sends the shared layers and the session's L2 (timestamp 0); each
// later turn sends only its new tokens on fresh blocks, after an agentic
// or a human delay, while the history (its answers included) grows. A
// session ends when its next turn would reach max_prompt_tokens (a forced
// retire), or by a reset drawn with p = base × (1 + (scaling − 1) ×
// context ÷ max_prompt_tokens). maxOSL > 0 caps output lengths.
func SynthesizeAgentic(c AgenticConfig, n int, seed uint64, maxOSL int) ([]MooncakeRow, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	d, _ := c.dists()
	r := rand.New(rand.NewPCG(seed, 0xa6e47))
	B := c.BlockSize
	l1, l15 := blocks(c.Cache.Layer1, B), blocks(c.Cache.Layer15, B) // whole blocks: both layers are reusable prefixes
	next := int64(1 << 40)                                           // session-own block ids
	maxTurns := c.MaxTurns
	if maxTurns < 1 {
		maxTurns = 500
	}
	zipf := newZipf(c.Cache.Groups.N, c.Cache.Groups.Alpha)
	var rows []MooncakeRow
	out := func() int {
		o := max(d.gen.Sample(r), 1)
		if maxOSL > 0 {
			o = min(o, maxOSL)
		}
		return o
	}
	for s := range n {
		g := zipf(r)
		id := fmt.Sprintf("sess-%06d", s)
		ids := make([]int64, 0, l1+l15)
		for j := range l1 {
			ids = append(ids, int64(j))
		}
		for j := range l15 {
			ids = append(ids, int64(g+1)<<32|int64(j))
		}
		l2 := max(d.layer2.Sample(r), 1)
		l2 = max(min(l2, c.MaxPromptTokens-(l1+l15)*B-1), 1)
		for range blocks(l2, B) {
			ids = append(ids, next)
			next++
		}
		ts, group := 0.0, g
		first := MooncakeRow{SessionID: id, InputLength: (l1+l15)*B + l2, OutputLength: out(), HashIDs: ids, Timestamp: &ts, GroupID: &group}
		rows = append(rows, first)
		context := first.InputLength
		prevOut := first.OutputLength
		for range maxTurns - 1 {
			nt := max(d.newTokens.Sample(r), 1)
			cum := context + prevOut + nt
			if cum >= c.MaxPromptTokens {
				break // forced retire
			}
			p := c.Reset.Base * (1 + (c.Reset.Scaling-1)*float64(cum)/float64(c.MaxPromptTokens))
			if r.Float64() < p {
				break // a reset
			}
			delay := float64(d.human.Sample(r))
			if r.Float64() < c.Delay.AgenticFraction {
				delay = float64(d.agentic.Sample(r))
			}
			turn := MooncakeRow{SessionID: id, InputLength: nt, OutputLength: out(), Delay: &delay}
			for range blocks(nt, B) {
				turn.HashIDs = append(turn.HashIDs, next)
				next++
			}
			rows = append(rows, turn)
			context, prevOut = cum, turn.OutputLength
		}
	}
	return rows, nil
}

// blocks is how many blocks of B hold n tokens.
func blocks(n, B int) int { return (n + B - 1) / B }

// newZipf draws a group 0..n-1 with weight 1/(k+1)^alpha.
func newZipf(n int, alpha float64) func(*rand.Rand) int {
	cum := make([]float64, n)
	total := 0.0
	for k := range n {
		total += 1 / math.Pow(float64(k+1), alpha)
		cum[k] = total
	}
	return func(r *rand.Rand) int {
		x := r.Float64() * total
		for k, c := range cum {
			if x < c {
				return k
			}
		}
		return n - 1
	}
}
