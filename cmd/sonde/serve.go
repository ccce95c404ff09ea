package main

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/alecthomas/kong"

	"github.com/sonde-bench/sonde/internal/sim"
	"github.com/sonde-bench/sonde/internal/sim/httpapi"
)

// serveCmd is `sonde serve`. Every simulator option is also a sim:// URL
// query key of the same name (sim.Keys); the defaults shown come from
// sim.Defaults, the one source of them, and only the flags given are applied
// to sim.DefaultOptions (see options), exactly as a sim:// URL's keys are.
type serveCmd struct {
	Host string `default:"127.0.0.1" help:"Address to listen on."`
	Port int    `default:"8000" help:"Port to listen on (0 picks a free one)."`

	// Twin comes first: FromFlags applies the flags in field order, and
	// the other engine flags refine a twin.
	Twin                string        `name:"twin" placeholder:"FILE" group:"Engine" help:"Serve a twin of a real server (sonde fit's YAML): its engine limits, step costs and request overhead; the flags below refine it."`
	Engine              string        `name:"engine" default:"${engine}" enum:"batch,fixed" group:"Engine" help:"batch: vLLM-like continuous batching with a prefix cache; fixed: constant TTFT and ITL (set by --ttft/--itl)."`
	TTFT                time.Duration `name:"ttft" default:"${ttft}" group:"Engine" help:"Fixed engine: time to first token (implies --engine fixed)."`
	ITL                 time.Duration `name:"itl" default:"${itl}" group:"Engine" help:"Fixed engine: time between tokens (implies --engine fixed)."`
	MaxNumSeqs          int           `name:"max-num-seqs" default:"${max_num_seqs}" group:"Engine" help:"Sequences decoding at once."`
	MaxNumBatchedTokens int           `name:"max-num-batched-tokens" default:"${max_num_batched_tokens}" group:"Engine" help:"Tokens (decode + prefill chunks) per step."`
	BlockSize           int           `name:"block-size" default:"${block_size}" group:"Engine" help:"KV block size in tokens."`
	KVCacheTokens       int           `name:"kv-cache-tokens" default:"${kv_cache_tokens}" group:"Engine" help:"KV cache capacity in tokens."`
	PrefixCaching       bool          `name:"prefix-caching" default:"${prefix_caching}" negatable:"" group:"Engine" help:"Reuse cached prompt prefixes (--no-prefix-caching turns it off)."`
	SlotCache           bool          `name:"slot-cache" default:"${slot_cache}" negatable:"" group:"Engine" help:"llama.cpp's prompt cache instead of vLLM's block cache: each of --max-num-seqs slots keeps its last request's tokens, reused only by a request that takes that slot."`
	StepBase            time.Duration `name:"step-base" default:"${step_base}" group:"Engine" help:"Fixed cost of a step."`
	StepPrefillToken    time.Duration `name:"step-prefill-token" default:"${step_prefill_token}" group:"Engine" help:"Step cost per prefilled prompt token."`
	StepDecodeSeq       time.Duration `name:"step-decode-seq" default:"${step_decode_seq}" group:"Engine" help:"Step cost per decoding sequence."`
	StepKContext        time.Duration `name:"step-kcontext" default:"${step_kcontext}" group:"Engine" help:"Step cost per 1,000 context tokens attended by decoding sequences."`
	StepMPairs          time.Duration `name:"step-mpairs" default:"${step_mpairs}" group:"Engine" help:"Step cost per million attention pairs of the prefill (each prompt token with every token before it, the cached prefix included)."`
	StepNewSeq          time.Duration `name:"step-new-seq" default:"${step_new_seq}" group:"Engine" help:"Step cost per request admitted (work the engine does itself per request)."`
	RequestOverhead     time.Duration `name:"request-overhead" default:"${request_overhead}" group:"Engine" help:"How long after arriving a request reaches the scheduler (a real server's HTTP, tokenization and template work)."`
	MaxModelLen         int           `name:"max-model-len" default:"${max_model_len}" group:"Engine" help:"Longest prompt + output accepted; longer requests get a 400."`
	GPUs                int           `name:"gpus" default:"${gpus}" group:"Engine" help:"Simulated GPUs: serve DCGM-exporter metrics for them at /dcgm/metrics (power and utilization follow the load)."`
	DCGMPort            int           `name:"dcgm-port" default:"${dcgm_port}" group:"Engine" help:"With --gpus: also serve the GPU metrics at /metrics on this port, as NVIDIA's DCGM exporter (its usual port is 9400)."`

	NaturalLength   int     `name:"natural-length" default:"${natural_length}" group:"Output" help:"Mean natural answer length; answers stop there (finish_reason stop) unless max_tokens comes first or ignore_eos is set. 0: honour max_tokens exactly."`
	ReasoningTokens int     `name:"reasoning-tokens" default:"${reasoning_tokens}" group:"Output" help:"Reasoning tokens (reasoning_content) before each answer."`
	AnswerKey       string  `name:"answer-key" default:"${answer_key}" group:"Output" placeholder:"FILE" help:"Graded problems (as --accuracy-benchmark reads them): a prompt that asks one gets its answer, right with --answer-accuracy percent, else wrong."`
	AnswerAccuracy  float64 `name:"answer-accuracy" default:"${answer_accuracy}" group:"Output" help:"Percent of --answer-key problems answered rightly (drawn from --seed and the request's number)."`
	ToolCallRate    float64 `name:"tool-call-rate" default:"${tool_call_rate}" group:"Output" help:"Percent of chat requests offered tools (a tools list) that answer with a call of the first tool: its arguments streamed as tool_calls deltas, finish_reason tool_calls."`

	ErrorRate      float64       `name:"error-rate" default:"${error_rate}" group:"Faults" help:"Percent of requests answered with an HTTP error."`
	ErrorCodes     string        `name:"error-codes" default:"${error_codes}" group:"Faults" help:"Statuses for --error-rate."`
	DisconnectRate float64       `name:"disconnect-rate" default:"${disconnect_rate}" group:"Faults" help:"Percent of answers cut off halfway (connection closed)."`
	MalformedRate  float64       `name:"malformed-rate" default:"${malformed_rate}" group:"Faults" help:"Percent of answers with an invalid JSON chunk halfway."`
	StallRate      float64       `name:"stall-rate" default:"${stall_rate}" group:"Faults" help:"Percent of answers that stop sending for --stall halfway."`
	Stall          time.Duration `name:"stall" default:"${stall}" group:"Faults" help:"How long a stall lasts."`
	ReadyDelay     time.Duration `name:"ready-delay" default:"${ready_delay}" group:"Faults" help:"Answer 503 everywhere for this long after start."`

	Seed           uint64 `name:"seed" default:"${seed}" help:"Seed for answers and faults."`
	Model          string `name:"model" default:"${model}" help:"Model name reported by /v1/models (any name is accepted in requests)."`
	Tokenizer      string `name:"tokenizer" default:"${tokenizer}" help:"Tokenizer for usage counts and answers: builtin or a tokenizer.json path."`
	APIKey         string `name:"api-key" help:"Require 'Authorization: Bearer <key>' on /v1 endpoints."`
	RecordRequests string `name:"record-requests" placeholder:"FILE" help:"Write every request (times, ids, body, answer) to this JSONL file."`
	TracesEndpoint string `name:"otlp-traces-endpoint" placeholder:"URL" help:"Send a span of every finished generation over OTLP, as vLLM's flag of this name (llm_request, gen_ai.latency.* attributes, in the trace of the request's traceparent): grpc://host:port or http://host:port."`
}

// serveVars are the simulator defaults for kong's ${…} interpolation.
func serveVars() kong.Vars { return sim.Vars() }

// options applies the flags given to the default options (sim.FromFlags).
func (s *serveCmd) options(given map[string]bool) (sim.Options, error) {
	return sim.FromFlags(s, given)
}

func (s *serveCmd) Run(e env, given map[string]bool) error {
	opts, err := s.options(given)
	if err != nil {
		return usageError{Err: fmt.Errorf("sonde serve: %w", err)}
	}
	srv, err := httpapi.Open(opts)
	if err != nil {
		return usageError{Err: err}
	}
	ctx, stop := e.NotifyContext(context.Background())
	defer stop()
	addr := net.JoinHostPort(s.Host, fmt.Sprint(s.Port))
	return srv.Serve(ctx, addr, func(a net.Addr) {
		fmt.Fprintf(e.Stdout, "sonde serve listening on http://%s (%s)\n", a, opts.Describe())
	})
}
