package accuracy

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Result is one graded answer.
type Result struct {
	Passed   bool
	Unparsed bool   // the answer was not in the asked-for form (a fallback read it, or nothing could)
	Actual   string // what was read from the answer
	Why      string // the grader's explanation
}

// Grade grades output against gold with the named grader.
func Grade(grader, output, gold string) Result {
	switch grader {
	case "multiple_choice", "mmlu_pro", "lighteval_gpqa":
		return gradeChoice(output, gold)
	case "math", "lighteval_expr", "lighteval_latex":
		return gradeMath(output, gold)
	case "lighteval_gsm8k":
		return gradeGSM8K(output, gold)
	}
	return gradeExact(output, gold)
}

var (
	answerIs      = regexp.MustCompile(`(?i)answer is:?\s*\(?([A-Z])\)?(?:[^A-Za-z]|$)`)
	answerColon   = regexp.MustCompile(`(?i)answer:\s*\(?([A-Z])\)?(?:[^A-Za-z]|$)`)
	leadingLetter = regexp.MustCompile(`^\s*\(?([A-Z])(?:\)|\.|:|\s*$|\s*\n)`) // "B", "(B) …", "B." — not the word "I"
	loneLetter    = regexp.MustCompile(`(?:^|[^A-Za-z])([A-J])(?:[^A-Za-z]|$)`)
	number        = regexp.MustCompile(`-?\d[\d,]*(?:\.\d+)?(?:/\d+)?`)
	answerTail    = regexp.MustCompile(`(?i)(?:final answer|answer)(?: is)?:?\s*(.+)`)
)

// gradeChoice reads the answer's letter by a cascade — "answer is (X)",
// "Answer: X", a letter opening the answer, else the last lone letter
// (unparsed) — and compares it with the gold letter.
func gradeChoice(output, gold string) Result {
	gold = strings.ToUpper(strings.TrimSpace(gold))
	tiers := []struct {
		re   *regexp.Regexp
		last bool
		name string
	}{{answerIs, true, `"answer is (X)"`}, {answerColon, true, `"Answer: X"`}, {leadingLetter, false, "the leading letter"}}
	for _, t := range tiers {
		if m := t.re.FindAllStringSubmatch(output, -1); len(m) > 0 {
			x := m[0][1]
			if t.last {
				x = m[len(m)-1][1]
			}
			x = strings.ToUpper(x)
			return Result{Passed: x == gold, Actual: x, Why: fmt.Sprintf("%s read %q; gold %q", t.name, x, gold)}
		}
	}
	if m := loneLetter.FindAllStringSubmatch(output, -1); len(m) > 0 {
		x := m[len(m)-1][1]
		return Result{Passed: x == gold, Unparsed: true, Actual: x, Why: fmt.Sprintf("no answer form: the last lone letter %q; gold %q", x, gold)}
	}
	return Result{Unparsed: true, Why: fmt.Sprintf("no letter in the answer; gold %q", gold)}
}

// gradeExact: the answer, trimmed, equals the gold (case-sensitive).
func gradeExact(output, gold string) Result {
	a, g := strings.TrimSpace(output), strings.TrimSpace(gold)
	return Result{Passed: a != "" && a == g, Unparsed: a == "", Actual: a, Why: fmt.Sprintf("exact match of %q and %q", a, g)}
}

// gradeMath reads the last \boxed{…} (else an "answer is …" tail, else
// the last number: unparsed), normalizes both sides and compares them as
// text, then as numbers (within 1e-4). The gold's own \boxed{} is read
// when it is a worked solution (MATH-500).
func gradeMath(output, gold string) Result {
	if b, ok := lastBoxed(gold); ok {
		gold = b
	}
	g := normalizeMath(gold)
	x, unparsed := "", false
	if b, ok := lastBoxed(output); ok {
		x = b
	} else if m := answerTail.FindAllStringSubmatch(output, -1); len(m) > 0 {
		x, unparsed = m[len(m)-1][1], true
	} else if n := number.FindAllString(output, -1); len(n) > 0 {
		x, unparsed = n[len(n)-1], true
	} else {
		return Result{Unparsed: true, Why: fmt.Sprintf("no answer found; gold %q", g)}
	}
	a := normalizeMath(x)
	pass := a == g
	if !pass {
		av, aok := mathValue(a)
		gv, gok := mathValue(g)
		pass = aok && gok && math.Abs(av-gv) <= 1e-4*max(1, math.Abs(gv))
	}
	return Result{Passed: pass, Unparsed: unparsed, Actual: a, Why: fmt.Sprintf("read %q, gold %q", a, g)}
}

// gradeGSM8K compares the number after "####" in the gold with the
// answer's (its "####" number, else its last number), as numbers.
func gradeGSM8K(output, gold string) Result {
	g := gold
	if i := strings.LastIndex(g, "####"); i >= 0 {
		g = g[i+4:]
	}
	gv, gok := mathValue(strings.ReplaceAll(strings.TrimSpace(g), ",", ""))
	src, unparsed := output, false
	if i := strings.LastIndex(output, "####"); i >= 0 {
		src = output[i+4:]
	} else {
		unparsed = true
	}
	n := number.FindAllString(src, -1)
	if len(n) == 0 {
		return Result{Unparsed: true, Why: fmt.Sprintf("no number in the answer; gold %s", strings.TrimSpace(g))}
	}
	x := n[len(n)-1] // the last number, or the first after "####"
	if !unparsed {
		x = n[0]
	}
	x = strings.ReplaceAll(x, ",", "")
	av, aok := mathValue(x)
	return Result{Passed: gok && aok && math.Abs(av-gv) < 1e-9, Unparsed: unparsed, Actual: x, Why: fmt.Sprintf("read %s, gold %s", x, strings.TrimSpace(g))}
}

// lastBoxed is the content of the last \boxed{…}, braces balanced.
func lastBoxed(s string) (string, bool) {
	i := strings.LastIndex(s, `\boxed{`)
	if i < 0 {
		return "", false
	}
	depth := 0
	for j := i + len(`\boxed{`) - 1; j < len(s); j++ {
		switch s[j] {
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				return s[i+len(`\boxed{`) : j], true
			}
		}
	}
	return "", false
}

var textWrap = regexp.MustCompile(`\\text\{([^{}]*)\}`)

// normalizeMath strips what does not change a math answer: spaces,
// dollars, \left \right, \text{} wrappers, \dfrac and \tfrac, a trailing
// period and a trailing .0.
func normalizeMath(s string) string {
	s = textWrap.ReplaceAllString(s, "$1")
	for _, r := range []struct{ old, new string }{{`\left`, ""}, {`\right`, ""}, {`\dfrac`, `\frac`}, {`\tfrac`, `\frac`}, {"$", ""}, {" ", ""}, {`\!`, ""}, {`\,`, ""}} {
		s = strings.ReplaceAll(s, r.old, r.new)
	}
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	if strings.HasSuffix(s, ".0") {
		s = strings.TrimSuffix(s, ".0")
	}
	return s
}

var frac = regexp.MustCompile(`^(-?)\\frac\{(-?[\d.]+)\}\{(-?[\d.]+)\}$`)

// mathValue reads a number, a/b or \frac{a}{b}.
func mathValue(s string) (float64, bool) {
	s = strings.ReplaceAll(s, ",", "")
	if m := frac.FindStringSubmatch(s); m != nil {
		s = m[1] + m[2] + "/" + m[3]
	}
	if a, b, ok := strings.Cut(s, "/"); ok {
		x, e1 := strconv.ParseFloat(a, 64)
		y, e2 := strconv.ParseFloat(b, 64)
		if e1 != nil || e2 != nil || y == 0 {
			return 0, false
		}
		return x / y, true
	}
	x, err := strconv.ParseFloat(s, 64)
	return x, err == nil
}
