package plan

import (
	"fmt"

	"github.com/sonde-bench/sonde/internal/accuracy"
	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// accuracyOptions are the --accuracy-* flags.
func accuracyOptions(p *config.Profile) accuracy.Options {
	o := accuracy.Options{Benchmark: p.AccuracyBenchmark, Tasks: p.AccuracyTasks, Shots: p.AccuracyShots, Grader: p.AccuracyGrader,
		System: p.AccuracySystemPrompt, Chat: p.EndpointType == "chat"}
	switch {
	case p.AccuracyCoT:
		o.CoT = new(bool)
		*o.CoT = true
	case p.AccuracyNoCoT:
		o.CoT = new(bool)
	}
	return o
}

// accuracyConversations are a graded task set's problems as
// conversations (--accuracy-benchmark).
func accuracyConversations(p *config.Profile, tok tokenizer.Tokenizer) ([]dataset.Conversation, error) {
	o := accuracyOptions(p)
	b, err := accuracy.Resolve(o)
	if err != nil {
		return nil, UsageError{err}
	}
	problems, err := loadProblems(p.InputFile)
	if err != nil {
		return nil, UsageError{err}
	}
	if problems, err = accuracy.Select(problems, o.Tasks); err != nil {
		return nil, UsageError{err}
	}
	convs := make([]dataset.Conversation, len(problems))
	for i, msgs := range accuracy.Prompts(problems, b) {
		t := dataset.Turn{MaxTokens: b.MaxTokens, Gold: &dataset.Gold{Task: problems[i].Task, Answer: problems[i].Gold, Grader: b.Grader}}
		if o.Chat { // few-shots as user and assistant turns
			own := make([]dataset.Message, len(msgs))
			for i, m := range msgs {
				own[i] = dataset.Message{Role: m.Role, Content: m.Content}
			}
			t.SetMessages(own, tok)
		} else {
			t.Text = accuracy.Flat(msgs)
			t.Tokens = len(tok.Encode(t.Text))
		}
		convs[i] = dataset.Conversation{ID: fmt.Sprintf("accuracy_%06d", i), Turns: []dataset.Turn{t}}
	}
	return convs, nil
}

// Accuracy is the graded benchmark, nil when the run grades nothing.
func (pl *Plan) Accuracy() *accuracy.Benchmark {
	if pl.p.AccuracyBenchmark == "" {
		return nil
	}
	b, err := accuracy.Resolve(accuracyOptions(pl.p))
	if err != nil {
		return nil // refused when the dataset was built
	}
	return &b
}

// loadProblems reads a task set's problems: a local file (JSON lines),
// or the Hub's files of it (Parquet, JSON lines, a folder of them).
func loadProblems(path string) ([]accuracy.Problem, error) {
	var out []accuracy.Problem
	err := dataset.Rows(path, func(data []byte, at string) error {
		pr, err := accuracy.Parse(data)
		if err != nil {
			return fmt.Errorf("%s: %v", at, err)
		}
		out = append(out, pr)
		return nil
	})
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("%s: no problems in the file", path)
	}
	return out, err
}
