package accuracy

import (
	"fmt"
	"slices"
	"strings"
)

// Benchmark is a task set's defaults: its grader, few-shots, whether it
// reasons first, its system prompt and its answer budget.
type Benchmark struct {
	Name      string
	Grader    string
	Shots     int
	CoT       bool
	System    string
	MaxTokens int // 0: none asked
	style     string
}

// Prompt styles.
const (
	styleChoice = "choice" // question, lettered options, "Answer:"
	styleGSM8K  = "gsm8k"  // "Question: …\nAnswer:"
	styleMath   = "math"   // "**Problem**: …\n**Answer**:"
	styleQA     = "qa"     // "Q: …\nA:"
)

// boxedSystem asks a math model for its final answer in \boxed{}.
const boxedSystem = "Please reason step by step, and put your final answer within \\boxed{}."

// Benchmarks are AIPerf's task sets, by name, with their defaults.
func Benchmarks() []Benchmark {
	return []Benchmark{
		{Name: "mmlu", Grader: "multiple_choice", Shots: 5, MaxTokens: 5, style: styleChoice},
		{Name: "mmlu_pro", Grader: "mmlu_pro", Shots: 5, CoT: true, MaxTokens: 4000, style: styleChoice},
		{Name: "aime", Grader: "math", Shots: 8, CoT: true, System: boxedSystem, style: styleMath},
		{Name: "aime24", Grader: "lighteval_expr", style: styleMath},
		{Name: "aime25", Grader: "lighteval_expr", style: styleMath},
		{Name: "math_500", Grader: "lighteval_latex", style: styleMath},
		{Name: "gpqa_diamond", Grader: "lighteval_gpqa", style: styleChoice},
		{Name: "hellaswag", Grader: "exact_match", Shots: 10, style: styleChoice},
		{Name: "bigbench", Grader: "exact_match", Shots: 3, style: styleQA},
		{Name: "gsm8k", Grader: "lighteval_gsm8k", style: styleGSM8K},
		{Name: "lcb_codegeneration", Grader: "code_execution", style: styleQA},
	}
}

// Graders are the --accuracy-grader names.
func Graders() []string {
	return []string{"exact_match", "math", "multiple_choice", "code_execution", "mmlu_pro", "lighteval_expr", "lighteval_latex", "lighteval_gpqa", "lighteval_gsm8k"}
}

// Options are the --accuracy-* flags.
type Options struct {
	Benchmark string
	Tasks     []string
	Shots     *int   // nil: the benchmark's default
	CoT       *bool  // nil: the benchmark's default
	Grader    string // "": the benchmark's
	System    *string
	Chat      bool // few-shots as user/assistant turns (chat); else one flat prompt
}

// Resolve is the benchmark with the options over its defaults.
func Resolve(o Options) (Benchmark, error) {
	i := slices.IndexFunc(Benchmarks(), func(b Benchmark) bool { return b.Name == o.Benchmark })
	if i < 0 {
		names := []string{}
		for _, b := range Benchmarks() {
			names = append(names, b.Name)
		}
		return Benchmark{}, fmt.Errorf("--accuracy-benchmark %q is not one of %s", o.Benchmark, strings.Join(names, ", "))
	}
	b := Benchmarks()[i]
	if o.Grader != "" {
		b.Grader = o.Grader
	}
	if b.Grader == "code_execution" {
		return b, fmt.Errorf("--accuracy-benchmark %s: the code_execution grader runs the model's code against test cases; sonde does not execute model output", b.Name)
	}
	if o.Shots != nil {
		if *o.Shots < 0 || *o.Shots > 8 {
			return b, fmt.Errorf("--accuracy-n-shots must be 0 to 8, got %d", *o.Shots)
		}
		b.Shots = *o.Shots
	}
	if o.CoT != nil {
		b.CoT = *o.CoT
		if b.Name == "mmlu" && b.CoT {
			b.MaxTokens = 4000 // room to reason before "The answer is (X)"
		}
	}
	if o.System != nil {
		b.System = *o.System
	}
	return b, nil
}

// Source is where a benchmark's problems are published on the Hugging
// Face Hub: the repository, its subset and the split graded.
type Source struct{ Repo, Subset, Split string }

// HubSource is the benchmark's published task set (AIPerf's sources);
// false for those sonde reads from a local file only: gpqa_diamond (a
// gated repository whose rows need their choices shuffled) and bigbench
// (27 subsets whose rows do not name their subtask).
func HubSource(name string) (Source, bool) {
	s, ok := map[string]Source{
		"mmlu":      {"lighteval/mmlu", "all", "test"},
		"mmlu_pro":  {"TIGER-Lab/MMLU-Pro", "", "test"},
		"aime":      {"Maxwell-Jia/AIME_2024", "", "train"},
		"aime24":    {"HuggingFaceH4/aime_2024", "", "train"},
		"aime25":    {"yentinglin/aime_2025", "", "train"},
		"math_500":  {"HuggingFaceH4/MATH-500", "", "test"},
		"hellaswag": {"Rowan/hellaswag", "", "validation"},
		"gsm8k":     {"openai/gsm8k", "main", "test"},
	}[name]
	return s, ok
}
