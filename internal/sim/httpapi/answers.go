package httpapi

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sonde-bench/sonde/internal/accuracy"
	"github.com/sonde-bench/sonde/internal/openai"
)

// answerKey knows the graded problems a run may ask (--answer-key), so
// the simulator answers them rightly or wrongly at a chosen rate: the
// grader and the accuracy's interval are then checked exactly.
type answerKey struct {
	problems []accuracy.Problem
}

func loadAnswerKey(path string) (*answerKey, error) {
	if path == "" {
		return nil, nil
	}
	ps, err := accuracy.Load(path)
	if err != nil {
		return nil, fmt.Errorf("--answer-key: %w", err)
	}
	return &answerKey{problems: ps}, nil
}

// find is the problem a prompt asks: the one whose question comes last
// in it (few-shots come before the question asked).
func (k *answerKey) find(prompt string) (accuracy.Problem, bool) {
	best, at := -1, -1
	for i, p := range k.problems {
		if j := strings.LastIndex(prompt, p.Question); j > at {
			best, at = i, j
		}
	}
	if best < 0 {
		return accuracy.Problem{}, false
	}
	return k.problems[best], true
}

// answerText is what the simulator says to a problem: its gold in the
// form the graders read (a letter; "#### N"; \boxed{N}; the text), or a
// wrong one (the next letter, N + 1, another text).
func answerText(p accuracy.Problem, right bool) string {
	g := strings.TrimSpace(p.Gold)
	if len(p.Choices) > 0 {
		if right {
			return g
		}
		return string(rune('A' + (int(g[0]-'A')+1)%len(p.Choices)))
	}
	if i := strings.LastIndex(g, "####"); i >= 0 {
		g = strings.TrimSpace(g[i+4:])
		if right {
			return "#### " + g
		}
		return "#### " + bump(g)
	}
	if _, err := strconv.ParseFloat(g, 64); err == nil {
		if right {
			return `\boxed{` + g + `}`
		}
		return `\boxed{` + bump(g) + `}`
	}
	if right {
		return g
	}
	return "not " + g
}

// bump is a number plus one, as text.
func bump(s string) string {
	x, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	if err != nil {
		return s + "1"
	}
	return strconv.FormatFloat(x+1, 'f', -1, 64)
}

// lastUser is the text a request asks last: its last user message, or a
// completion's prompt.
func lastUser(req *openai.Request) string {
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if req.Messages[i].Role == "user" {
			return req.Messages[i].Content
		}
	}
	text, _ := completionPrompt(req.Prompt)
	return text
}

// keyedAnswer decides request n's answer to a problem in its prompt: ok
// false when the key has none.
func (s *Server) keyedAnswer(req *openai.Request, n int64) (text string, right, ok bool) {
	if s.answers == nil {
		return "", false, false
	}
	p, found := s.answers.find(lastUser(req))
	if !found {
		return "", false, false
	}
	x := uint64(n)*0xD1B54A32D192ED03 ^ s.opts.Seed
	x = (x ^ x>>33) * 0xFF51AFD7ED558CCD
	x ^= x >> 29
	right = float64(x%10000) < s.opts.Output.AnswerAccuracy*100
	return answerText(p, right), right, true
}
