package accuracy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
)

// Tally counts graded answers per task.
type Tally struct {
	tasks map[string]*Count
	order []string
}

// Count is one task's graded answers.
type Count struct {
	Total, Passed, Unparsed int
}

// NewTally starts an empty tally.
func NewTally() *Tally { return &Tally{tasks: map[string]*Count{}} }

// Add counts one result of task.
func (t *Tally) Add(task string, r Result) {
	c := t.tasks[task]
	if c == nil {
		c = &Count{}
		t.tasks[task] = c
		t.order = append(t.order, task)
	}
	c.Total++
	if r.Passed {
		c.Passed++
	}
	if r.Unparsed {
		c.Unparsed++
	}
}

// Overall sums every task.
func (t *Tally) Overall() Count {
	var o Count
	for _, c := range t.tasks {
		o.Total, o.Passed, o.Unparsed = o.Total+c.Total, o.Passed+c.Passed, o.Unparsed+c.Unparsed
	}
	return o
}

// Wilson is the Wilson score interval of k successes in n at confidence
// level (z from the normal quantile): an accuracy's interval that stays
// within [0, 1] and is right even at 0 or n successes.
func Wilson(k, n int, level float64) (lo, hi float64) {
	if n == 0 {
		return 0, 1
	}
	z := math.Sqrt2 * math.Erfinv(level)
	p, fn := float64(k)/float64(n), float64(n)
	den := 1 + z*z/fn
	mid := (p + z*z/(2*fn)) / den
	half := z * math.Sqrt(p*(1-p)/fn+z*z/(4*fn*fn)) / den
	return max(0, mid-half), min(1, mid+half)
}

// TaskSummary is a task's line of the summary.
type TaskSummary struct {
	Task     string  `json:"task"`
	Total    int     `json:"total"`
	Passed   int     `json:"passed"`
	Unparsed int     `json:"unparsed"`
	Accuracy float64 `json:"accuracy"`
	CILow    float64 `json:"ci_low"`
	CIHigh   float64 `json:"ci_high"`
}

// Summary is sonde.accuracy in the summary JSON: every task (sorted),
// then the overall, with Wilson intervals at level.
type Summary struct {
	Benchmark string        `json:"benchmark"`
	Grader    string        `json:"grader"`
	Level     float64       `json:"confidence_level"`
	Tasks     []TaskSummary `json:"tasks"`
	Overall   TaskSummary   `json:"overall"`
}

// Summarize is the tally as sonde.accuracy.
func (t *Tally) Summarize(b Benchmark, level float64) Summary {
	line := func(name string, c Count) TaskSummary {
		s := TaskSummary{Task: name, Total: c.Total, Passed: c.Passed, Unparsed: c.Unparsed}
		if c.Total > 0 {
			s.Accuracy = float64(c.Passed) / float64(c.Total)
		}
		s.CILow, s.CIHigh = Wilson(c.Passed, c.Total, level)
		return s
	}
	s := Summary{Benchmark: b.Name, Grader: b.Grader, Level: level, Overall: line("OVERALL", t.Overall())}
	names := slices.Clone(t.order)
	slices.Sort(names)
	for _, n := range names {
		s.Tasks = append(s.Tasks, line(n, *t.tasks[n]))
	}
	return s
}

// CSV is accuracy_results.csv (AIPerf's columns): a row per task, then
// OVERALL.
func (s Summary) CSV() []byte {
	var b bytes.Buffer
	b.WriteString("task,total,passed,unparsed,accuracy_rate,unparsed_rate\n")
	for _, t := range append(slices.Clone(s.Tasks), s.Overall) {
		name := t.Task
		if name == "" {
			name = "default"
		}
		rate := 0.0
		if t.Total > 0 {
			rate = float64(t.Unparsed) / float64(t.Total)
		}
		fmt.Fprintf(&b, "%s,%d,%d,%d,%s,%s\n", csvField(name), t.Total, t.Passed, t.Unparsed,
			strconv.FormatFloat(t.Accuracy, 'f', 4, 64), strconv.FormatFloat(rate, 'f', 4, 64))
	}
	return b.Bytes()
}

func csvField(s string) string {
	if bytes.ContainsAny([]byte(s), ",\"\n") {
		q, _ := json.Marshal(s)
		return string(q)
	}
	return s
}

// Print writes the console table.
func (s Summary) Print(w io.Writer) {
	fmt.Fprintf(w, "\nAccuracy: %s (grader %s; %.0f%% Wilson intervals)\n", s.Benchmark, s.Grader, 100*s.Level)
	fmt.Fprintf(w, "%-28s %8s %7s %9s %9s  %s\n", "Task", "Correct", "Total", "Unparsed", "Accuracy", "Interval")
	for _, t := range append(slices.Clone(s.Tasks), s.Overall) {
		name := t.Task
		if name == "" {
			name = "(no task)"
		}
		fmt.Fprintf(w, "%-28s %8d %7d %9d %8.2f%%  [%.2f%%, %.2f%%]\n", name, t.Passed, t.Total, t.Unparsed, 100*t.Accuracy, 100*t.CILow, 100*t.CIHigh)
	}
}
