package sim

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sonde-bench/sonde/internal/corpus"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// OutputOptions shape answers.
type OutputOptions struct {
	// NaturalLength, when > 0, gives every answer a natural length drawn from
	// a lognormal of this mean (CV 0.5): the model stops there ("stop") unless
	// max_tokens comes first or ignore_eos is set. When 0, max_tokens is
	// always honoured exactly, as a server run with ignore_eos.
	NaturalLength int
	// ReasoningTokens, when > 0, makes the first tokens of each answer (at
	// most this many, leaving at least one) reasoning_content.
	ReasoningTokens int
	// ToolCallRate is the percent of chat requests offered tools whose
	// answer is a call of the first tool: its arguments stream as
	// tool_calls deltas, finish_reason tool_calls.
	ToolCallRate float64
	// AnswerKey, a file of graded problems (as --accuracy-benchmark reads
	// them), makes the simulator answer a problem it finds in a prompt:
	// rightly with probability AnswerAccuracy %, else wrongly.
	AnswerKey      string
	AnswerAccuracy float64
}

// vocab is the simulator's output vocabulary: words that are exactly one
// token under the tokenizer, even when concatenated, so the client's
// re-tokenized count equals the number of tokens streamed.
type vocab struct {
	text []string
	ids  []int32
}

func newVocab(tok tokenizer.Tokenizer) (*vocab, error) {
	v := &vocab{}
	for _, w := range corpus.Words() {
		if ids := tok.Encode(" " + w); len(ids) == 1 {
			v.text = append(v.text, " "+w)
			v.ids = append(v.ids, int32(ids[0]))
		}
	}
	if len(v.text) < 16 {
		return nil, fmt.Errorf("sim: tokenizer %s has too few single-token words (%d)", tok.Name(), len(v.text))
	}
	return v, nil
}

// answer is the planned output of one request.
type answer struct {
	words     []int32 // indexes into vocab
	reasoning int     // the first reasoning tokens
	finish    string
}

// legacyLength is AIPerf's mock rule for an answer without max_tokens:
// 0.8–1.2× the prompt length, at least 16, at most 1024.
func legacyLength(prompt int, r *rand.Rand) int {
	return min(max(int(float64(prompt)*(0.8+0.4*r.Float64())), 16), 1024)
}

// plan decides an answer; it is deterministic in (seed, prompt).
func (v *vocab) plan(req Request, seed uint64, o OutputOptions) answer {
	r := rand.New(rand.NewPCG(seed, req.PromptKey))
	natural := 0
	if o.NaturalLength > 0 {
		// Lognormal with mean m and CV 0.5: σ² = ln(1.25), μ = ln m − σ²/2.
		s2 := math.Log(1.25)
		natural = max(1, int(math.Round(math.Exp(math.Log(float64(o.NaturalLength))-s2/2+math.Sqrt(s2)*r.NormFloat64()))))
	}
	var n int
	finish := "stop"
	switch {
	case req.MaxTokens > 0 && (natural == 0 || req.IgnoreEOS || natural >= req.MaxTokens):
		n, finish = req.MaxTokens, "length"
	case req.MaxTokens > 0:
		n = natural
	case natural > 0:
		n = natural
	default:
		n = legacyLength(req.PromptTokens, r)
	}
	if req.MinTokens > n {
		n = req.MinTokens
		if req.MaxTokens > 0 {
			n = min(n, req.MaxTokens)
		}
	}
	a := answer{words: make([]int32, n), finish: finish}
	for i := range a.words {
		a.words[i] = int32(r.IntN(len(v.text)))
	}
	if o.ReasoningTokens > 0 && n > 1 {
		a.reasoning = min(o.ReasoningTokens, n-1)
	}
	return a
}

func (v *vocab) token(a *answer, i int) Token {
	return Token{Text: v.text[a.words[i]], Reasoning: i < a.reasoning}
}
