package sim

import (
	"fmt"
	"os"
	"time"

	"go.yaml.in/yaml/v3"
)

// TwinKind marks a twin file.
const TwinKind = "sonde-twin"

// Twin is a model of a real server fitted to runs against it (`sonde fit`
// writes it; internal/twin fits and predicts with it): the batching
// engine's limits, its step costs and the per-request overhead, each cost
// with its standard error, and how well the model reproduced the runs.
// The simulator reads the engine and the costs; the rest is the record of
// the fit.
type Twin struct {
	Kind   string      `yaml:"kind" json:"kind"`
	Server string      `yaml:"server,omitempty" json:"server,omitempty"` // what the runs measured (model @ URL)
	Engine TwinEngine  `yaml:"engine" json:"engine"`
	Costs  TwinCosts   `yaml:"costs" json:"costs"`
	StdErr TwinCosts   `yaml:"std_err" json:"std_err"`
	Fit    []TwinCheck `yaml:"fit,omitempty" json:"fit,omitempty"`
	// Runs are the run folders fitted.
	Runs []string `yaml:"runs,omitempty" json:"runs,omitempty"`
	// Notes say what the runs could not tell (a limit they never reached).
	Notes []string `yaml:"notes,omitempty" json:"notes,omitempty"`
}

// TwinEngine is the scheduler's knobs (vLLM's names).
type TwinEngine struct {
	MaxNumSeqs          int  `yaml:"max_num_seqs" json:"max_num_seqs"`
	MaxNumBatchedTokens int  `yaml:"max_num_batched_tokens" json:"max_num_batched_tokens"`
	BlockSize           int  `yaml:"block_size" json:"block_size"`
	KVCacheTokens       int  `yaml:"kv_cache_tokens" json:"kv_cache_tokens"`
	PrefixCaching       bool `yaml:"prefix_caching" json:"prefix_caching"`
	// SlotCache: llama.cpp's prompt cache, one prompt per slot.
	SlotCache bool `yaml:"slot_cache,omitempty" json:"slot_cache,omitempty"`
	// RerenderedAnswers: a later turn's prompt renders the earlier answers
	// anew (a reasoning model's template drops their thinking), so a cache
	// serves it only up to the last user message before them.
	RerenderedAnswers bool `yaml:"rerendered_answers,omitempty" json:"rerendered_answers,omitempty"`
}

// TwinCosts are the step model's costs and the request overhead, in
// microseconds (fractions kept: a context token costs well under one).
type TwinCosts struct {
	StepBaseUs     float64 `yaml:"step_base_us" json:"step_base_us"`
	PrefillTokenUs float64 `yaml:"prefill_token_us" json:"prefill_token_us"`
	DecodeSeqUs    float64 `yaml:"decode_seq_us" json:"decode_seq_us"`
	KContextUs     float64 `yaml:"per_1k_context_us" json:"per_1k_context_us"`
	// MPairsUs is the prefill's attention, per million (prompt token,
	// earlier token) pairs.
	MPairsUs float64 `yaml:"prefill_per_1m_pairs_us" json:"prefill_per_1m_pairs_us"`
	// NewSeqUs is the engine's own cost per request it admits.
	NewSeqUs float64 `yaml:"new_seq_us" json:"new_seq_us"`
	// OverheadUs is how long after a request arrives it reaches the
	// scheduler (HTTP, tokenization, template): TTFT's part that load does
	// not change.
	OverheadUs float64 `yaml:"request_overhead_us" json:"request_overhead_us"`
	// JitterUs is the mean of the overhead's random part (exponential):
	// real requests never arrive in lockstep, and a twin whose requests did
	// would batch them all into one step.
	JitterUs float64 `yaml:"overhead_jitter_us" json:"overhead_jitter_us"`
}

// TwinCheck is one run's metric as measured and as the twin reproduced it.
type TwinCheck struct {
	Run       string  `yaml:"run" json:"run"`
	Metric    string  `yaml:"metric" json:"metric"` // e.g. time_to_first_token p50
	Measured  float64 `yaml:"measured" json:"measured"`
	Predicted float64 `yaml:"predicted" json:"predicted"`
	ErrorPct  float64 `yaml:"error_pct" json:"error_pct"`
	Holdout   bool    `yaml:"holdout,omitempty" json:"holdout,omitempty"`
}

func us(x float64) time.Duration { return time.Duration(x * float64(time.Microsecond)) }

// Step is the costs as a step model.
func (c TwinCosts) Step() StepModel {
	return StepModel{Base: us(c.StepBaseUs), PerPrefillToken: us(c.PrefillTokenUs), PerDecodeSeq: us(c.DecodeSeqUs), PerKContext: us(c.KContextUs),
		PerMPairs: us(c.MPairsUs), PerNewSeq: us(c.NewSeqUs)}
}

// Overhead is the request overhead: its fixed part and its jitter's mean.
func (c TwinCosts) Overhead() (fixed, jitter time.Duration) { return us(c.OverheadUs), us(c.JitterUs) }

// Batch is the twin's engine configuration; its Overhead is the mean
// overhead (a real server's own jitter does the rest).
func (t *Twin) Batch() BatchConfig {
	e := t.Engine
	return BatchConfig{MaxNumSeqs: e.MaxNumSeqs, MaxNumBatchedTokens: e.MaxNumBatchedTokens, BlockSize: e.BlockSize,
		KVCacheTokens: e.KVCacheTokens, PrefixCaching: e.PrefixCaching, SlotCache: e.SlotCache, Step: t.Costs.Step(), Overhead: us(t.Costs.OverheadUs + t.Costs.JitterUs)}
}

// LoadTwin reads a twin file, checking what the simulator needs of it.
func LoadTwin(path string) (*Twin, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t Twin
	if err := yaml.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if t.Kind != TwinKind {
		return nil, fmt.Errorf("%s: not a twin file (kind %q, want %q: write one with sonde fit)", path, t.Kind, TwinKind)
	}
	c, e := t.Costs, t.Engine
	if c.StepBaseUs < 0 || c.PrefillTokenUs < 0 || c.DecodeSeqUs < 0 || c.KContextUs < 0 || c.MPairsUs < 0 || c.NewSeqUs < 0 || c.OverheadUs < 0 || c.JitterUs < 0 {
		return nil, fmt.Errorf("%s: costs must not be negative", path)
	}
	if e.MaxNumSeqs < 1 || e.MaxNumBatchedTokens < 1 || e.BlockSize < 1 || e.KVCacheTokens < e.BlockSize {
		return nil, fmt.Errorf("%s: engine: max_num_seqs, max_num_batched_tokens and block_size must be at least 1, kv_cache_tokens at least a block", path)
	}
	return &t, nil
}

// Save writes the twin as YAML.
func (t *Twin) Save(path string) error {
	t.Kind = TwinKind
	b, err := yaml.Marshal(t)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// applyTwin makes o serve the twin: the batching engine with its limits,
// costs and overhead, and a context as long as its KV cache allows.
func applyTwin(o *Options, path string) error {
	t, err := LoadTwin(path)
	if err != nil {
		return err
	}
	o.Engine, o.Batch = "batch", t.Batch()
	o.MaxModelLen = min(o.MaxModelLen, t.Engine.KVCacheTokens)
	return nil
}
