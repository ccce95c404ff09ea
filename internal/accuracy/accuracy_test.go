package accuracy

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeLines(t *testing.T, text string) string {
	p := filepath.Join(t.TempDir(), "p.jsonl")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The public task sets' field names are read; an index becomes a letter.
func TestLoadFormats(t *testing.T) {
	ps, err := Load(writeLines(t, `{"question": "2+2?", "choices": ["3", "4"], "answer": 1, "subject": "arithmetic"}
{"question": "How many?", "answer": "She has 3 apples. #### 3"}
{"Problem": "Find x.", "Answer": 204, "Solution": "x is 204."}
{"ctx": "He opens the door", "endings": ["and walks in", "and flies"], "label": "0"}
{"task": "t", "question": "Pick", "choices": ["a", "b", "c"], "answer": "C"}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Problem{{Task: "arithmetic", Gold: "B"}, {Gold: "She has 3 apples. #### 3"}, {Gold: "204", Solution: "x is 204."}, {Gold: "A"}, {Task: "t", Gold: "C"}}
	for i, w := range want {
		if ps[i].Gold != w.Gold || ps[i].Task != w.Task || ps[i].Solution != w.Solution || ps[i].Question == "" {
			t.Errorf("line %d: %+v, want %+v", i+1, ps[i], w)
		}
	}
	for content, msg := range map[string]string{
		`{"choices": ["a"], "answer": 0}`:                  `p.jsonl:1: field "question"`,
		`{"question": "q", "choices": ["a"], "answer": 3}`: `index 3 is not among the 1 choices`,
		`{"question": "q"}`:                                `field "answer" is missing`,
		"not json":                                         "p.jsonl:1:",
		"\n\n":                                             "no problems",
	} {
		if _, err := Load(writeLines(t, content)); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: %v, want %q", content, err, msg)
		}
	}
}

func TestGraders(t *testing.T) {
	for _, c := range []struct {
		grader, output, gold string
		passed, unparsed     bool
	}{
		{"multiple_choice", "B", "B", true, false},
		{"multiple_choice", " (C) because", "C", true, false},
		{"multiple_choice", "Let me think. A seems wrong. The answer is (D).", "D", true, false},
		{"multiple_choice", "Answer: A", "B", false, false},
		{"mmlu_pro", "I think it is between A and J, so J", "J", true, true},
		{"multiple_choice", "no idea", "A", false, true},
		{"exact_match", "  B ", "B", true, false},
		{"exact_match", "", "B", false, true},
		{"math", `so \boxed{\dfrac{1}{2}}`, "0.5", true, false},
		{"math", `\boxed{204.0}`, "204", true, false},
		{"math", "the answer is 17", "17", true, true},
		{"math", "I get 12 then 13", "13", true, true},
		{"lighteval_latex", `\boxed{3}`, `so the total is \boxed{3}.`, true, false},
		{"math", `\boxed{5}`, "6", false, false},
		{"lighteval_gsm8k", "#### 1,234", "They pay 1234 dollars. #### 1234", true, false},
		{"lighteval_gsm8k", "it is 72 in all", "#### 72", true, true},
		{"lighteval_gsm8k", "#### 71", "#### 72", false, false},
	} {
		r := Grade(c.grader, c.output, c.gold)
		if r.Passed != c.passed || r.Unparsed != c.unparsed {
			t.Errorf("%s %q vs %q: %+v", c.grader, c.output, c.gold, r)
		}
	}
}

// Wilson intervals: the textbook values, and the edges.
func TestWilson(t *testing.T) {
	for _, c := range []struct {
		k, n   int
		lo, hi float64
	}{{5, 10, 0.2366, 0.7634}, {0, 10, 0, 0.2775}, {10, 10, 0.7225, 1}, {70, 100, 0.6041, 0.7810}} {
		lo, hi := Wilson(c.k, c.n, 0.95)
		if math.Abs(lo-c.lo) > 5e-4 || math.Abs(hi-c.hi) > 5e-4 {
			t.Errorf("%d/%d: [%.4f, %.4f], want [%.4f, %.4f]", c.k, c.n, lo, hi, c.lo, c.hi)
		}
	}
	tl := NewTally()
	tl.Add("b", Result{Passed: true})
	tl.Add("a", Result{Unparsed: true})
	tl.Add("b", Result{})
	s := tl.Summarize(Benchmark{Name: "mmlu", Grader: "multiple_choice"}, 0.95)
	if s.Tasks[0].Task != "a" || s.Overall.Total != 3 || s.Overall.Passed != 1 || s.Overall.Unparsed != 1 {
		t.Fatalf("%+v", s)
	}
	if got := string(s.CSV()); got != "task,total,passed,unparsed,accuracy_rate,unparsed_rate\na,1,0,1,0.0000,1.0000\nb,2,1,0,0.5000,0.0000\nOVERALL,3,1,1,0.3333,0.3333\n" {
		t.Errorf("%s", got)
	}
	var sb strings.Builder
	s.Print(&sb)
	if !strings.Contains(sb.String(), "OVERALL") {
		t.Error(sb.String())
	}
}

// Few-shots come from the same task, never the question itself; chain of
// thought asks for "The answer is (X)"; a completions prompt is flat.
func TestPrompts(t *testing.T) {
	ps := []Problem{{Task: "x", Question: "Q1", Choices: []string{"a", "b"}, Gold: "A"}, {Task: "y", Question: "Q2", Choices: []string{"a", "b"}, Gold: "B"},
		{Task: "x", Question: "Q3", Choices: []string{"a", "b"}, Gold: "B"}}
	b, err := Resolve(Options{Benchmark: "mmlu"})
	if err != nil || b.Shots != 5 || b.MaxTokens != 5 {
		t.Fatalf("%+v %v", b, err)
	}
	msgs := Prompts(ps, b)
	if len(msgs[0]) != 3 || !strings.Contains(msgs[0][0].Content, "Q3") || msgs[0][1].Content != "B" || !strings.Contains(msgs[0][2].Content, "Q1\nA. a\nB. b\nAnswer:") {
		t.Fatalf("%+v", msgs[0])
	}
	if len(msgs[1]) != 1 || !strings.Contains(msgs[1][0].Content, "about y.") {
		t.Fatalf("%+v", msgs[1])
	}
	cot := true
	b, _ = Resolve(Options{Benchmark: "mmlu", CoT: &cot})
	m := Prompts(ps, b)[0]
	if b.MaxTokens != 4000 || m[1].Content != "The answer is (B)." || !strings.HasSuffix(m[2].Content, "Let's think step by step.") {
		t.Fatalf("%+v", m)
	}
	if f := Flat(m); !strings.Contains(f, "Answer: The answer is (B).\n\nQ1") {
		t.Fatalf("%q", f)
	}
	b, _ = Resolve(Options{Benchmark: "aime"})
	if m := Prompts([]Problem{{Question: "P", Gold: "7"}}, b)[0]; m[0].Role != "system" || !strings.Contains(m[0].Content, `\boxed{}`) {
		t.Fatalf("%+v", m)
	}
	for _, o := range []Options{{Benchmark: "nope"}, {Benchmark: "lcb_codegeneration"}, {Benchmark: "mmlu", Shots: new(int)}} {
		if o.Shots != nil {
			*o.Shots = 9
		}
		if _, err := Resolve(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if _, err := Select(ps, []string{"z"}); err == nil {
		t.Error("a task with no problem")
	}
}
