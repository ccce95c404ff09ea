// Package accuracy grades answers while sonde measures: a task set of
// problems (MMLU-, GSM8K-, AIME-style) becomes conversations, each answer
// is graded off the request path, and the accuracy per task comes with
// its confidence interval beside the latency numbers (AIPerf's
// --accuracy-* options).
package accuracy

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Problem is one graded question.
type Problem struct {
	Task     string   // the subject or subtask (MMLU's subject); "" when none
	Question string   // the question, or HellaSwag's context
	Choices  []string // a multiple-choice question's options, lettered A, B, …
	Gold     string   // the answer: a letter for multiple choice, else its text
	Solution string   // a worked solution, for chain-of-thought few-shots
	line     int
}

// problemLine accepts the field names of the public task sets' files:
// MMLU (question, choices, answer index, subject), GSM8K (question,
// answer ending in "#### N"), AIME (problem, answer, solution),
// HellaSwag (ctx, endings, label), and sonde's own (task, question,
// choices, answer).
type problemLine struct {
	Task     string          `json:"task"`
	Subject  string          `json:"subject"`
	Category string          `json:"category"`
	Question string          `json:"question"`
	Problem  string          `json:"problem"`
	ProblemU string          `json:"Problem"`
	Ctx      string          `json:"ctx"`
	Choices  []string        `json:"choices"`
	Options  []string        `json:"options"`
	Endings  []string        `json:"endings"`
	Answer   json.RawMessage `json:"answer"`
	AnswerU  json.RawMessage `json:"Answer"`
	Label    json.RawMessage `json:"label"`
	Solution string          `json:"solution"`
	SolU     string          `json:"Solution"`
}

// Load reads a task set: one JSON object per line.
func Load(path string) ([]Problem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--input-file: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var out []Problem
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		p, err := Parse([]byte(text))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		p.line = n
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no problems in the file", path)
	}
	return out, nil
}

// Parse reads one problem: a JSON object in any of the field sets above.
func Parse(data []byte) (Problem, error) {
	var l problemLine
	if err := json.Unmarshal(data, &l); err != nil {
		return Problem{}, err
	}
	return l.problem()
}

func first(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// problem checks a line and builds its problem; an answer index among
// choices becomes its letter.
func (l *problemLine) problem() (Problem, error) {
	p := Problem{Task: first(l.Task, l.Subject, l.Category), Question: first(l.Question, l.Problem, l.ProblemU, l.Ctx),
		Solution: first(l.Solution, l.SolU)}
	for _, c := range [][]string{l.Choices, l.Options, l.Endings} {
		if len(c) > 0 {
			p.Choices = c
			break
		}
	}
	if len(p.Choices) > 26 {
		return p, fmt.Errorf("%d choices: at most 26 (A to Z)", len(p.Choices))
	}
	raw := l.Answer
	for _, r := range []json.RawMessage{l.AnswerU, l.Label} {
		if len(raw) == 0 {
			raw = r
		}
	}
	gold, err := goldOf(raw, len(p.Choices))
	switch {
	case p.Question == "":
		return p, fmt.Errorf("field \"question\" (or problem, ctx) is missing")
	case err != nil:
		return p, err
	}
	p.Gold = gold
	return p, nil
}

// goldOf reads an answer: text, a number, or (with n choices) an index
// or a letter.
func goldOf(raw json.RawMessage, n int) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", fmt.Errorf("field \"answer\" is missing")
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		var x json.Number
		if err := json.Unmarshal(raw, &x); err != nil {
			return "", fmt.Errorf("field \"answer\": a string or a number, got %s", raw)
		}
		s = x.String()
	}
	s = strings.TrimSpace(s)
	if n == 0 {
		return s, nil
	}
	if i, err := strconv.Atoi(s); err == nil {
		if i < 0 || i >= n {
			return "", fmt.Errorf("field \"answer\": index %d is not among the %d choices", i, n)
		}
		return string(rune('A' + i)), nil
	}
	if len(s) == 1 && s[0] >= 'A' && int(s[0]-'A') < n {
		return s, nil
	}
	return "", fmt.Errorf("field \"answer\": %q is neither a choice's index nor its letter", s)
}
