package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sonde-bench/sonde/internal/sim"
	"github.com/sonde-bench/sonde/internal/sim/httpapi"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// serveCmd is `sonde serve`. Every simulator option is also a sim:// URL
// query key; see docs/simulator.md.
type serveCmd struct {
	Host string `default:"127.0.0.1" help:"Address to listen on."`
	Port int    `default:"8000" help:"Port to listen on (0 picks a free one)."`

	Engine              string        `default:"batch" enum:"batch,fixed" group:"Engine" help:"batch: vLLM-like continuous batching with a prefix cache; fixed: constant TTFT and ITL (set by --ttft/--itl)."`
	TTFT                time.Duration `name:"ttft" group:"Engine" help:"Fixed engine: time to first token (implies --engine fixed; default 20ms)."`
	ITL                 time.Duration `name:"itl" group:"Engine" help:"Fixed engine: time between tokens (implies --engine fixed; default 5ms)."`
	MaxNumSeqs          int           `name:"max-num-seqs" default:"256" group:"Engine" help:"Sequences decoding at once."`
	MaxNumBatchedTokens int           `name:"max-num-batched-tokens" default:"8192" group:"Engine" help:"Tokens (decode + prefill chunks) per step."`
	BlockSize           int           `name:"block-size" default:"16" group:"Engine" help:"KV block size in tokens."`
	KVCacheTokens       int           `name:"kv-cache-tokens" default:"500000" group:"Engine" help:"KV cache capacity in tokens."`
	PrefixCaching       bool          `name:"prefix-caching" default:"true" negatable:"" group:"Engine" help:"Reuse cached prompt prefixes (--no-prefix-caching turns it off)."`
	StepBase            time.Duration `name:"step-base" default:"2.5ms" group:"Engine" help:"Fixed cost of a step."`
	StepPrefillToken    time.Duration `name:"step-prefill-token" default:"4us" group:"Engine" help:"Step cost per prefilled prompt token."`
	StepDecodeSeq       time.Duration `name:"step-decode-seq" default:"10us" group:"Engine" help:"Step cost per decoding sequence."`
	StepKContext        time.Duration `name:"step-kcontext" default:"30us" group:"Engine" help:"Step cost per 1,000 context tokens attended by decoding sequences."`
	MaxModelLen         int           `name:"max-model-len" default:"40960" group:"Engine" help:"Longest prompt + output accepted; longer requests get a 400."`

	NaturalLength   int `name:"natural-length" default:"0" group:"Output" help:"Mean natural answer length; answers stop there (finish_reason stop) unless max_tokens comes first or ignore_eos is set. 0: honour max_tokens exactly."`
	ReasoningTokens int `name:"reasoning-tokens" default:"0" group:"Output" help:"Reasoning tokens (reasoning_content) before each answer."`

	ErrorRate      float64       `name:"error-rate" default:"0" group:"Faults" help:"Percent of requests answered with an HTTP error."`
	ErrorCodes     string        `name:"error-codes" default:"500,429,503" group:"Faults" help:"Statuses for --error-rate."`
	DisconnectRate float64       `name:"disconnect-rate" default:"0" group:"Faults" help:"Percent of answers cut off halfway (connection closed)."`
	MalformedRate  float64       `name:"malformed-rate" default:"0" group:"Faults" help:"Percent of answers with an invalid JSON chunk halfway."`
	StallRate      float64       `name:"stall-rate" default:"0" group:"Faults" help:"Percent of answers that stop sending for --stall halfway."`
	Stall          time.Duration `name:"stall" default:"0s" group:"Faults" help:"How long a stall lasts."`
	ReadyDelay     time.Duration `name:"ready-delay" default:"0s" group:"Faults" help:"Answer 503 everywhere for this long after start."`

	Seed           uint64 `default:"0" help:"Seed for answers and faults."`
	Model          string `default:"sonde-sim" help:"Model name reported by /v1/models (any name is accepted in requests)."`
	Tokenizer      string `default:"builtin" help:"Tokenizer for usage counts and answers: builtin or a tokenizer.json path."`
	APIKey         string `name:"api-key" help:"Require 'Authorization: Bearer <key>' on /v1 endpoints."`
	RecordRequests string `name:"record-requests" placeholder:"FILE" help:"Write every request (times, ids, body, answer) to this JSONL file."`
}

func (s *serveCmd) options() (sim.Options, error) {
	o := sim.DefaultOptions()
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"--ttft", s.TTFT}, {"--itl", s.ITL}, {"--step-base", s.StepBase}, {"--step-prefill-token", s.StepPrefillToken},
		{"--step-decode-seq", s.StepDecodeSeq}, {"--step-kcontext", s.StepKContext}, {"--stall", s.Stall}, {"--ready-delay", s.ReadyDelay}} {
		if d.v < 0 {
			return o, fmt.Errorf("%s must not be negative, got %v", d.flag, d.v)
		}
	}
	o.Engine = s.Engine
	if s.TTFT > 0 || s.ITL > 0 {
		o.Engine = "fixed"
	}
	if s.TTFT > 0 {
		o.TTFT = s.TTFT
	}
	if s.ITL > 0 {
		o.ITL = s.ITL
	}
	o.Batch = sim.BatchConfig{MaxNumSeqs: s.MaxNumSeqs, MaxNumBatchedTokens: s.MaxNumBatchedTokens, BlockSize: s.BlockSize,
		KVCacheTokens: s.KVCacheTokens, PrefixCaching: s.PrefixCaching,
		Step: sim.StepModel{Base: s.StepBase, PerPrefillToken: s.StepPrefillToken, PerDecodeSeq: s.StepDecodeSeq, PerKContext: s.StepKContext}}
	o.MaxModelLen = s.MaxModelLen
	o.Output = sim.OutputOptions{NaturalLength: s.NaturalLength, ReasoningTokens: s.ReasoningTokens}
	o.Faults = sim.Faults{ErrorRate: s.ErrorRate, DisconnectRate: s.DisconnectRate, MalformedRate: s.MalformedRate,
		StallRate: s.StallRate, Stall: s.Stall, ReadyDelay: s.ReadyDelay}
	if err := o.Set("error-codes", s.ErrorCodes); err != nil {
		return o, err
	}
	o.Seed, o.Model, o.Tokenizer, o.APIKey, o.RecordPath = s.Seed, s.Model, s.Tokenizer, s.APIKey, s.RecordRequests
	return o, o.Validate()
}

func (s *serveCmd) run(e env) error {
	opts, err := s.options()
	if err != nil {
		return usageError{fmt.Errorf("sonde serve: %w", err)}
	}
	srv, err := newSim(opts)
	if err != nil {
		return usageError{err}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	addr := net.JoinHostPort(s.Host, fmt.Sprint(s.Port))
	return srv.Serve(ctx, addr, func(a net.Addr) {
		fmt.Fprintf(e.stdout, "sonde serve listening on http://%s (%s)\n", a, describeSim(opts))
	})
}

func describeSim(o sim.Options) string {
	if o.Engine == "fixed" {
		return fmt.Sprintf("fixed engine: ttft %v, itl %v", o.TTFT, o.ITL)
	}
	b := o.Batch
	return fmt.Sprintf("batch engine: max-num-seqs %d, max-num-batched-tokens %d, kv-cache-tokens %d, prefix caching %v",
		b.MaxNumSeqs, b.MaxNumBatchedTokens, b.KVCacheTokens, b.PrefixCaching)
}

func newSim(opts sim.Options) (*httpapi.Server, error) {
	// The simulator never downloads: builtin, a local file, or the HF cache.
	offline := func(k string) string {
		if k == "HF_HUB_OFFLINE" {
			return "1"
		}
		return os.Getenv(k)
	}
	res, err := tokenizer.Resolve(tokenizer.ResolveOptions{Name: opts.Tokenizer, Explicit: true, Getenv: offline})
	if err != nil {
		return nil, fmt.Errorf("simulator: %w", err)
	}
	return httpapi.New(opts, res.Tokenizer)
}
