package accuracy

import (
	"fmt"
	"strings"
)

// cotInstruction asks for reasoning, then a parseable final answer.
const cotInstruction = `Think step by step and then output the answer in the format of "The answer is (X)" at the end.`

// Message is one message of a problem's request.
type Message struct{ Role, Content string }

// Select keeps the problems of tasks (all when none are given).
func Select(problems []Problem, tasks []string) ([]Problem, error) {
	if len(tasks) == 0 {
		return problems, nil
	}
	keep := map[string]bool{}
	for _, t := range tasks {
		keep[t] = true
	}
	var kept []Problem
	for _, p := range problems {
		if keep[p.Task] {
			kept = append(kept, p)
		}
	}
	if len(kept) == 0 {
		return nil, fmt.Errorf("--accuracy-tasks %s: no problem of the file is in these tasks", strings.Join(tasks, ","))
	}
	return kept, nil
}

// Prompts are each problem's request as messages: the few-shots (the
// same task's other problems, in file order) as user and assistant
// turns, then the question.
func Prompts(problems []Problem, b Benchmark) [][]Message {
	byTask := map[string][]int{}
	for i, p := range problems {
		byTask[p.Task] = append(byTask[p.Task], i)
	}
	out := make([][]Message, len(problems))
	for i, p := range problems {
		var shots []Problem
		for _, j := range byTask[p.Task] {
			if len(shots) == b.Shots {
				break
			}
			if j != i {
				shots = append(shots, problems[j])
			}
		}
		out[i] = messages(p, shots, b)
	}
	return out
}

// messages is one problem's request: its few-shots and question.
func messages(p Problem, shots []Problem, b Benchmark) []Message {
	var msgs []Message
	if b.System != "" {
		msgs = append(msgs, Message{"system", b.System})
	}
	head := header(p, b)
	for k, s := range shots {
		q := ask(s, b)
		if k == 0 {
			q = head + q
		}
		msgs = append(msgs, Message{"user", q}, Message{"assistant", answer(s, b)})
	}
	q := ask(p, b)
	if len(shots) == 0 {
		q = head + q
	}
	if b.CoT {
		q += " Let's think step by step."
	}
	return append(msgs, Message{"user", q})
}

// Flat is a request's messages as one prompt (completions): each
// question after a blank line, each answer after its question.
func Flat(msgs []Message) string {
	var sb strings.Builder
	for k, m := range msgs {
		if k > 0 && m.Role != "assistant" {
			sb.WriteString("\n\n")
		}
		if m.Role == "assistant" {
			sb.WriteString(" ")
		}
		sb.WriteString(m.Content)
	}
	return sb.String()
}

// header introduces a multiple-choice task (and asks for reasoning).
func header(p Problem, b Benchmark) string {
	if b.style != styleChoice {
		return ""
	}
	h := "The following are multiple choice questions (with answers)"
	if p.Task != "" {
		h += " about " + strings.ReplaceAll(p.Task, "_", " ")
	}
	h += "."
	if b.CoT {
		h += " " + cotInstruction
	}
	return h + "\n\n"
}

// ask is a problem as the benchmark's style asks it.
func ask(p Problem, b Benchmark) string {
	switch b.style {
	case styleChoice:
		var sb strings.Builder
		sb.WriteString(p.Question)
		for i, c := range p.Choices {
			fmt.Fprintf(&sb, "\n%c. %s", 'A'+i, c)
		}
		sb.WriteString("\nAnswer:")
		return sb.String()
	case styleGSM8K:
		return "Question: " + p.Question + "\nAnswer:"
	case styleMath:
		return "**Problem**: " + p.Question + "\n**Answer**:"
	}
	return "Q: " + p.Question + "\nA:"
}

// answer is a few-shot's answer: reasoned when chain of thought is on and
// a solution is known.
func answer(p Problem, b Benchmark) string {
	switch {
	case b.style == styleChoice && b.CoT:
		return "The answer is (" + p.Gold + ")."
	case b.style == styleMath && b.CoT && p.Solution != "":
		return p.Solution + "\nThe answer is \\boxed{" + p.Gold + "}."
	case b.style == styleMath:
		return "\\boxed{" + p.Gold + "}"
	}
	return p.Gold
}
