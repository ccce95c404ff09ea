package dataset

import (
	"fmt"
	"math"
	"time"

	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// SyntheticOptions shape the generated conversations (AIPerf's flags).
type SyntheticOptions struct {
	Entries                int
	ISLMean                int
	ISLStddev              float64
	OSLMean                int // 0: send no max tokens
	OSLStddev              float64
	TurnMean, TurnStddev   float64
	DelayMean, DelayStddev float64 // ms
	DelayRatio             float64
	Seed                   uint64
	Models                 []string // assigned round robin by global turn counter
	// Answers adds a pre-canned reply to every turn, of the turn's max tokens
	// (or its ISL when no limit is set).
	Answers bool
}

// Synthetic generates opts.Entries conversations. Turns per conversation are
// ceil(Normal(mean, stddev)) ≥ 1; turn k ≥ 2 waits
// ceil(truncNormal(delay mean, stddev)) × ratio ms; each user turn has
// ceil(Normal(ISL)) ≥ 1 tokens exactly; each turn requests ceil(Normal(OSL)).
func Synthetic(opts SyntheticOptions, tok tokenizer.Tokenizer) ([]Conversation, error) {
	for _, m := range []float64{opts.TurnMean, float64(opts.ISLMean), float64(opts.OSLMean), opts.DelayMean} {
		if err := CheckMean(m); err != nil {
			return nil, err
		}
	}
	gen, err := NewPromptGen(tok)
	if err != nil {
		return nil, err
	}
	turnsR := NewRand(opts.Seed, StreamTurns)
	islR := NewRand(opts.Seed, StreamISL)
	oslR := NewRand(opts.Seed, StreamOSL)
	delayR := NewRand(opts.Seed, StreamDelay)
	promptR := NewRand(opts.Seed, StreamPrompt)
	idR := NewRand(opts.Seed, StreamIDs)
	answerR := NewRand(opts.Seed, StreamAnswers)
	convs := make([]Conversation, opts.Entries)
	turnCounter := 0
	for i := range convs {
		n := max(PositiveNormalInt(turnsR, opts.TurnMean, opts.TurnStddev), 1)
		c := Conversation{ID: UUID4(idR), Turns: make([]Turn, n)}
		for k := range c.Turns {
			t := &c.Turns[k]
			if len(opts.Models) > 0 {
				t.Model = opts.Models[turnCounter%len(opts.Models)]
			}
			turnCounter++
			t.Tokens = max(PositiveNormalInt(islR, float64(opts.ISLMean), opts.ISLStddev), 1)
			if t.Text, err = gen.Prompt(promptR, t.Tokens); err != nil {
				return nil, err
			}
			if opts.OSLMean > 0 {
				t.MaxTokens = max(PositiveNormalInt(oslR, float64(opts.OSLMean), opts.OSLStddev), 1)
			}
			if opts.Answers {
				t.AnswerTokens = t.MaxTokens
				if t.AnswerTokens == 0 {
					t.AnswerTokens = t.Tokens
				}
				if t.Answer, err = gen.Prompt(answerR, t.AnswerTokens); err != nil {
					return nil, err
				}
			}
			if k > 0 && opts.DelayMean > 0 {
				ms := math.Ceil(PositiveNormal(delayR, opts.DelayMean, opts.DelayStddev)) * opts.DelayRatio
				t.Delay = time.Duration(ms * float64(time.Millisecond))
			}
		}
		convs[i] = c
	}
	if len(convs) == 0 {
		return nil, fmt.Errorf("dataset: --num-dataset-entries must be at least 1")
	}
	return convs, nil
}
