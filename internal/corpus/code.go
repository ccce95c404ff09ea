package corpus

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Code returns about n words of sonde's own coding-agent text — Go and
// Python functions, shell output, JSON, tracebacks, diffs — from a PCG
// seeded with seed: what a coding agent's context is made of, so its
// prompts tokenize like one (--prompt-corpus coding).
func Code(seed uint64, n int) string {
	r := rand.New(rand.NewPCG(seed, 0xc0de_5eed))
	c := coder{r: r}
	var sb strings.Builder
	for words := 0; words < n; {
		var part string
		switch r.IntN(6) {
		case 0:
			part = c.goFunc()
		case 1:
			part = c.pyFunc()
		case 2:
			part = c.shell()
		case 3:
			part = c.json()
		case 4:
			part = c.traceback()
		default:
			part = c.diff()
		}
		sb.WriteString(part)
		sb.WriteByte('\n')
		words += len(strings.Fields(part))
	}
	return sb.String()
}

type coder struct{ r *rand.Rand }

func (c coder) pick(l []string) string { return l[c.r.IntN(len(l))] }

// camel and snake are identifiers made of the corpus's words.
func (c coder) camel() string {
	v, n := c.pick(verbs), c.pick(nouns)
	return strings.TrimSuffix(v, "s") + title(n)
}

func (c coder) snake() string { return strings.TrimSuffix(c.pick(verbs), "s") + "_" + c.pick(nouns) }

func (c coder) path(ext string) string {
	return c.pick(nouns) + "/" + c.pick(adjectives) + "_" + c.pick(nouns) + ext
}

func (c coder) goFunc() string {
	name, arg, typ := c.camel(), c.pick(nouns), title(c.pick(nouns))
	return fmt.Sprintf("// %s %s the %s of a %s.\nfunc %s(%s *%s) (int, error) {\n\tif %s == nil {\n\t\treturn 0, fmt.Errorf(\"%s: no %s\")\n\t}\n\tn := len(%s.%s)\n\tfor i := range n {\n\t\t%s.%s[i] += %d\n\t}\n\treturn n, nil\n}\n",
		name, c.pick(verbs), c.pick(nouns), arg, name, arg, typ, arg, name, arg, arg, title(c.pick(nouns)), arg, title(c.pick(nouns)), c.r.IntN(100))
}

func (c coder) pyFunc() string {
	name, a, b := c.snake(), c.pick(nouns), c.pick(nouns)
	return fmt.Sprintf("def %s(%s, %s=None):\n    \"\"\"%s the %s %s.\"\"\"\n    if %s is None:\n        %s = {}\n    for key, value in %s.items():\n        %s[key] = value * %d\n    return %s\n",
		name, a, b, title(c.pick(verbs)), c.pick(adjectives), c.pick(nouns), b, b, a, b, c.r.IntN(10)+2, b)
}

func (c coder) shell() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "$ go test ./%s/...\n", c.pick(nouns))
	for range 2 + c.r.IntN(4) {
		fmt.Fprintf(&sb, "ok  \texample.com/%s/%s\t0.%03ds\n", c.pick(nouns), c.pick(nouns), c.r.IntN(1000))
	}
	if c.r.IntN(2) == 0 {
		fmt.Fprintf(&sb, "--- FAIL: Test%s (0.%02ds)\n    %s_test.go:%d: got %d, want %d\nFAIL\n", c.camel(), c.r.IntN(100), c.pick(nouns), 10+c.r.IntN(300), c.r.IntN(50), c.r.IntN(50))
	}
	return sb.String()
}

func (c coder) json() string {
	return fmt.Sprintf("{\"id\": %d, \"name\": %q, \"status\": %q, \"tags\": [%q, %q], \"size\": %d, \"ready\": %v}\n",
		c.r.IntN(100000), c.snake(), c.pick(adjectives), c.pick(nouns), c.pick(nouns), c.r.IntN(1<<16), c.r.IntN(2) == 0)
}

func (c coder) traceback() string {
	return fmt.Sprintf("Traceback (most recent call last):\n  File \"%s\", line %d, in %s\n    %s(%s)\n  File \"%s\", line %d, in %s\n    return %s[%q]\nKeyError: %q\n",
		c.path(".py"), 10+c.r.IntN(500), c.snake(), c.snake(), c.pick(nouns), c.path(".py"), 10+c.r.IntN(500), c.snake(), c.pick(nouns), c.pick(nouns), c.pick(nouns))
}

func (c coder) diff() string {
	p := c.path(".go")
	a := 1 + c.r.IntN(400)
	return fmt.Sprintf("diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n@@ -%d,3 +%d,3 @@\n \t%s := %s(%s)\n-\tif err != nil {\n+\tif err != nil && !errors.Is(err, %s) {\n \t\treturn err\n",
		p, p, p, p, a, a, c.pick(nouns), c.camel(), c.pick(nouns), "Err"+title(c.pick(nouns)))
}

// title capitalizes a word's first letter (the words are ASCII).
func title(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
