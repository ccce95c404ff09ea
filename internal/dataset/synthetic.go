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
	// SeqDist, when set, draws each turn's (ISL, OSL) pair instead.
	SeqDist *SeqDist
	// PrefixPool prefixes of PrefixLength tokens; one starts each
	// conversation's first turn, additive to its ISL.
	PrefixPool, PrefixLength int
	// SharedSystem is the length of one system prompt shared by every
	// conversation; UserContext that of a context unique to each
	// conversation, starting its first turn.
	SharedSystem, UserContext int
	// Batch is the number of prompts per request (completions).
	Batch int
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
	shapeR := NewRand(opts.Seed, StreamShape)
	var prefixes []string
	for range opts.PrefixPool {
		p, err := gen.Prompt(shapeR, opts.PrefixLength)
		if err != nil {
			return nil, err
		}
		prefixes = append(prefixes, p)
	}
	system := ""
	if opts.SharedSystem > 0 {
		if system, err = gen.Prompt(shapeR, opts.SharedSystem); err != nil {
			return nil, err
		}
	}
	convs := make([]Conversation, opts.Entries)
	turnCounter := 0
	for i := range convs {
		n := max(PositiveNormalInt(turnsR, opts.TurnMean, opts.TurnStddev), 1)
		c := Conversation{ID: UUID4(idR), Turns: make([]Turn, n), System: system, SystemTokens: opts.SharedSystem}
		var lead []string // what starts the first turn: a pooled prefix, a user context
		if len(prefixes) > 0 {
			lead = append(lead, prefixes[shapeR.IntN(len(prefixes))])
		}
		if opts.UserContext > 0 {
			ctx, err := gen.Prompt(shapeR, opts.UserContext)
			if err != nil {
				return nil, err
			}
			lead = append(lead, ctx)
		}
		for k := range c.Turns {
			t := &c.Turns[k]
			if len(opts.Models) > 0 {
				t.Model = opts.Models[turnCounter%len(opts.Models)]
			}
			turnCounter++
			if opts.SeqDist != nil {
				t.Tokens, t.MaxTokens = opts.SeqDist.Sample(islR)
			} else {
				t.Tokens = max(PositiveNormalInt(islR, float64(opts.ISLMean), opts.ISLStddev), 1)
				if opts.OSLMean > 0 {
					t.MaxTokens = max(PositiveNormalInt(oslR, float64(opts.OSLMean), opts.OSLStddev), 1)
				}
			}
			if k == 0 && len(lead) > 0 {
				if t.Text, t.Tokens, err = gen.WithLead(promptR, lead, t.Tokens); err != nil {
					return nil, err
				}
			} else if t.Text, err = gen.Prompt(promptR, t.Tokens); err != nil {
				return nil, err
			}
			for b := 1; b < opts.Batch; b++ {
				extra, err := gen.Prompt(promptR, t.Tokens)
				if err != nil {
					return nil, err
				}
				t.Batch = append(t.Batch, extra)
				t.BatchTokens += t.Tokens
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
