package sim

import "time"

// StepModel is how long one engine step takes on the simulated GPU:
//
//	t = Base + PerPrefillToken·P + PerDecodeSeq·D + PerKContext·C/1000 + PerMPairs·A/10⁶ + PerNewSeq·N
//
// where P is the prompt tokens prefilled in the step, D the sequences
// decoding one token each, and C the context tokens those sequences attend
// over. Base is the fixed cost of a forward pass and the scheduler (for a
// small model it dominates at low load); prefill is compute-bound, linear in
// tokens; decode adds a little per sequence (sampling, KV writes) and
// attention reads every cached token of every decoding sequence
// (memory-bound), so ITL grows with batch size and context length. A is the
// prefill's attention: each prompt token of a chunk attends to every token
// before it (the cached prefix included), so a later turn's few new tokens
// cost more the longer its history — compute-bound, far cheaper per pair
// than decode's reads, and 0 by default (on a GPU it hides in the
// per-token cost until contexts are long; on a CPU it does not). N is the
// requests the step admits: a cost per request the engine itself pays
// (llama.cpp tokenizes and sets up a slot on its one loop; vLLM does that
// work beside the engine, so 0 by default).
type StepModel struct {
	Base            time.Duration
	PerPrefillToken time.Duration
	PerDecodeSeq    time.Duration
	PerKContext     time.Duration
	PerMPairs       time.Duration
	PerNewSeq       time.Duration
}

// DefaultStepModel resembles a ~0.6B-parameter model (Qwen3-0.6B class) in
// bf16 on one H100 under vLLM:
//   - Base 2.5 ms: a single stream decodes at ~400 tokens/s, bounded by
//     kernel launches and CPU overhead rather than FLOPs;
//   - 4 µs per prefill token: 2 × 0.6 G FLOPs per token at ~300 TFLOP/s
//     effective, i.e. an 8,192-token chunk in ~33 ms;
//   - 10 µs per decoding sequence: 256 sequences add ~2.6 ms;
//   - 30 µs per 1,000 context tokens: ~114 KB of KV per token (28 layers,
//     8 KV heads × 128, bf16) read at ~3.3 TB/s.
func DefaultStepModel() StepModel {
	return StepModel{Base: 2500 * time.Microsecond, PerPrefillToken: 4 * time.Microsecond,
		PerDecodeSeq: 10 * time.Microsecond, PerKContext: 30 * time.Microsecond}
}

// Duration is the step time for P prefill tokens making A attention pairs,
// D decodes over C context tokens, N requests admitted.
func (m StepModel) Duration(prefill, pairs, decodes, context, admitted int) time.Duration {
	return m.Base + time.Duration(prefill)*m.PerPrefillToken + time.Duration(decodes)*m.PerDecodeSeq +
		time.Duration(context)*m.PerKContext/1000 + time.Duration(float64(pairs)*float64(m.PerMPairs)/1e6) +
		time.Duration(admitted)*m.PerNewSeq
}
