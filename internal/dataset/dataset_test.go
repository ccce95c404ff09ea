package dataset

import (
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/dist"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

func builtin(t testing.TB) tokenizer.Tokenizer {
	tok, err := tokenizer.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestPromptExactTokens(t *testing.T) {
	tok := builtin(t)
	gen, err := NewPromptGen(tok)
	if err != nil {
		t.Fatal(err)
	}
	r := NewRand(42, StreamPrompt)
	for _, n := range []int{1, 2, 3, 7, 50, 200, 550, 3000} {
		for i := 0; i < 5; i++ {
			p, err := gen.Prompt(r, n)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(tok.Encode(p)); got != n {
				t.Fatalf("prompt of %d tokens re-encodes to %d: %q", n, got, p)
			}
		}
	}
}

func TestSyntheticDeterministicAndShaped(t *testing.T) {
	tok := builtin(t)
	opts := SyntheticOptions{Entries: 20, ISLMean: 40, ISLStddev: 5, OSLMean: 30, TurnMean: 5, TurnStddev: 2,
		DelayMean: 100, DelayStddev: 20, DelayRatio: 0.5, Seed: 42}
	a, err := Synthetic(opts, tok)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Synthetic(opts, tok)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different conversations")
	}
	for _, c := range a {
		if len(c.Turns) < 1 {
			t.Fatal("conversation without turns")
		}
		if c.Turns[0].Delay != 0 {
			t.Fatal("first turn must not wait")
		}
		for k, turn := range c.Turns {
			if got := len(tok.Encode(turn.Text)); got != turn.Tokens {
				t.Fatalf("turn text has %d tokens, recorded %d", got, turn.Tokens)
			}
			if k > 0 && (turn.Delay <= 0 || turn.Delay > 200*time.Millisecond) {
				t.Fatalf("delay %v outside (0, 200ms] for mean 100ms × 0.5", turn.Delay)
			}
		}
	}
	opts.TurnStddev, opts.TurnMean = 0, 3
	c, _ := Synthetic(opts, tok)
	for _, conv := range c {
		if len(conv.Turns) != 3 {
			t.Fatalf("stddev 0 must give exactly 3 turns, got %d", len(conv.Turns))
		}
	}
}

// Spec §11.13: sample_positive_normal_integer ceil semantics, and the
// rejection of negative draws.
func TestPositiveNormalInt(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	if got := PositiveNormalInt(r, 2.3, 0); got != 3 {
		t.Fatalf("ceil(2.3) = %d", got)
	}
	if got := PositiveNormalInt(r, 0.1, 0); got != 1 {
		t.Fatalf("ceil(0.1) = %d", got)
	}
	for i := 0; i < 10000; i++ {
		if PositiveNormal(r, 1, 5) < 0 {
			t.Fatal("negative draw survived rejection")
		}
	}
	if err := CheckMean(-1); err == nil || err.Error() != "Mean value (-1.0) should be greater than 0" {
		t.Fatalf("CheckMean(-1) = %v", err)
	}
}

func TestSamplers(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	s := NewSampler("shuffle", 5, r)
	seen := map[int]int{}
	for i := 0; i < 10; i++ {
		seen[s.Next()]++
	}
	for i := 0; i < 5; i++ {
		if seen[i] != 2 {
			t.Fatalf("shuffle must use each entry once per pass: %v", seen)
		}
	}
	q := NewSampler("sequential", 3, r)
	for i := 0; i < 7; i++ {
		if v := q.Next(); v != i%3 {
			t.Fatalf("sequential gave %d at %d", v, i)
		}
	}
}

// Prompt shaping: a pooled prefix and a user context start the first turn and
// add to its ISL exactly; a shared system prompt is the same everywhere;
// batches carry further prompts of the same length.
func TestPromptShaping(t *testing.T) {
	tok := builtin(t)
	convs, err := Synthetic(SyntheticOptions{Entries: 12, ISLMean: 40, OSLMean: 5, TurnMean: 2, DelayRatio: 1, Seed: 3,
		PrefixPool: 2, PrefixLength: 20, UserContext: 30, Batch: 3}, tok)
	if err != nil {
		t.Fatal(err)
	}
	prefixes := map[string]bool{}
	for _, c := range convs {
		first := c.Turns[0]
		if first.Tokens != 90 || len(tok.Encode(first.Text)) != 90 {
			t.Fatalf("first turn %d tokens (%d re-encoded), want 20 + 30 + 40", first.Tokens, len(tok.Encode(first.Text)))
		}
		if c.Turns[1].Tokens != 40 || len(first.Batch) != 2 || first.BatchTokens != 180 {
			t.Fatalf("later turn %d tokens, batch %d/%d", c.Turns[1].Tokens, len(first.Batch), first.BatchTokens)
		}
		ids := tok.Encode(first.Text)
		prefixes[tok.Decode(ids[:20])] = true
	}
	if len(prefixes) > 2 {
		t.Fatalf("%d distinct prefixes from a pool of 2", len(prefixes))
	}
	convs, _ = Synthetic(SyntheticOptions{Entries: 3, ISLMean: 10, TurnMean: 1, DelayRatio: 1, Seed: 3, SharedSystem: 25}, tok)
	if convs[0].System == "" || convs[0].System != convs[2].System || len(tok.Encode(convs[0].System)) != 25 {
		t.Fatalf("shared system prompt %q", convs[0].System)
	}
	dist, _ := ParseSeqDist("100,7:50;200,9:50")
	convs, _ = Synthetic(SyntheticOptions{Entries: 20, ISLMean: 10, TurnMean: 1, DelayRatio: 1, Seed: 3, SeqDist: dist}, tok)
	for _, c := range convs {
		if tt := c.Turns[0]; !(tt.Tokens == 100 && tt.MaxTokens == 7) && !(tt.Tokens == 200 && tt.MaxTokens == 9) {
			t.Fatalf("turn %d/%d not drawn from the distribution", tt.Tokens, tt.MaxTokens)
		}
	}
}

// Prompts have exactly the asked token count at every size, from one token
// to a million, whichever path built them.
func TestPromptExactAtEverySize(t *testing.T) {
	tok, err := tokenizer.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewPromptGen(tok)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.words) == 0 {
		t.Fatal("the builtin tokenizer should take the word path")
	}
	r := NewRand(7, StreamPrompt)
	sizes := []int{1, 2, 3, 5, 8, 13, 100, 999, 4096, 100_000, 1_000_000}
	if testing.Short() {
		sizes = sizes[:9]
	}
	for _, n := range sizes {
		for range 3 {
			text, err := g.Prompt(r, n)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(tok.Encode(text)); got != n {
				t.Fatalf("asked %d tokens, got %d", n, got)
			}
		}
	}
}

// BenchmarkPrompt100k builds one 100,000-token prompt.
func BenchmarkPrompt100k(b *testing.B) {
	tok, _ := tokenizer.Builtin()
	g, _ := NewPromptGen(tok)
	r := NewRand(7, StreamPrompt)
	for b.Loop() {
		g.Prompt(r, 100_000)
	}
}

// UUID4 writes what fmt's %x-grouping wrote, with the version and variant
// bits of a random UUID.
func TestUUID4Format(t *testing.T) {
	r := NewRand(7, StreamSession)
	for range 100 {
		u := UUID4(r)
		if len(u) != 36 || u[8] != '-' || u[13] != '-' || u[18] != '-' || u[23] != '-' || u[14] != '4' || !strings.ContainsRune("89ab", rune(u[19])) {
			t.Fatalf("not a version-4 UUID: %q", u)
		}
		if strings.Trim(strings.ReplaceAll(u, "-", ""), "0123456789abcdef") != "" {
			t.Fatalf("not lower-case hex: %q", u)
		}
	}
}

// --model-selection-strategy: round robin gives the n-th turn models[n mod
// len]; random draws uniformly, the same for the same seed.
func TestModelSelection(t *testing.T) {
	models := []string{"a", "b", "c"}
	pick := func(random bool, seed uint64) []string {
		convs, err := Synthetic(SyntheticOptions{Entries: 30, ISLMean: 5, TurnMean: 1, Seed: seed, Models: models, RandomModels: random}, builtin(t))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range convs {
			out = append(out, c.Turns[0].Model)
		}
		return out
	}
	rr := pick(false, 1)
	for i, m := range rr {
		if m != models[i%3] {
			t.Fatalf("round robin: turn %d got %s", i, m)
		}
	}
	r1, r2 := pick(true, 1), pick(true, 1)
	if strings.Join(r1, "") != strings.Join(r2, "") || strings.Join(r1, "") == strings.Join(rr, "") {
		t.Errorf("random: %v (again %v)", r1, r2)
	}
	seen := map[string]bool{}
	for _, m := range r1 {
		seen[m] = true
	}
	if len(seen) != 3 {
		t.Errorf("30 draws used %v", seen)
	}
	convs := []Conversation{{Turns: []Turn{{}, {Model: "own"}, {}}}}
	assignModels(convs, models, nil)
	if convs[0].Turns[0].Model != "a" || convs[0].Turns[1].Model != "own" || convs[0].Turns[2].Model != "c" {
		t.Errorf("a file's turns: %+v", convs[0].Turns)
	}
}

// A traceparent is W3C's version 00, sampled, with ids of its own that are
// never all zeros.
func TestTraceParent(t *testing.T) {
	r := NewRand(1, StreamRequestIDs)
	re := regexp.MustCompile(`^00-[0-9a-f]{32}-[0-9a-f]{16}-01$`)
	seen := map[string]bool{}
	for range 1000 {
		tp := TraceParent(r)
		if !re.MatchString(tp) || seen[tp[3:35]] || strings.Trim(tp[3:35], "0") == "" || strings.Trim(tp[36:52], "0") == "" {
			t.Fatalf("%q", tp)
		}
		seen[tp[3:35]] = true
	}
}

// BenchmarkRequestIDs is the ids every request draws as its body is built:
// its X-Request-ID and its traceparent.
func BenchmarkRequestIDs(b *testing.B) {
	r := NewRand(1, StreamRequestIDs)
	b.ReportAllocs()
	for b.Loop() {
		_ = UUID4(r)
		_ = TraceParent(r)
	}
}

// ISLDist and OSLDist replace the mean and stddev in synthetic turns.
func TestSyntheticWithDists(t *testing.T) {
	isl, _ := dist.ParseDist(`{"points": [{"value": 10}, {"value": 20}]}`)
	osl, _ := dist.ParseDist(`{"value": 33}`)
	tok, err := tokenizer.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	convs, err := Synthetic(SyntheticOptions{Entries: 50, ISLMean: 500, OSLMean: 9, TurnMean: 1, DelayRatio: 1, Seed: 3, ISLDist: isl, OSLDist: osl}, tok)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, c := range convs {
		tr := c.Turns[0]
		seen[tr.Tokens] = true
		if tr.MaxTokens != 33 {
			t.Fatalf("max tokens %d, want 33", tr.MaxTokens)
		}
	}
	if len(seen) != 2 || !seen[10] || !seen[20] {
		t.Errorf("ISLs drawn %v, want 10 and 20", seen)
	}
}

// --prompt-corpus coding cuts exact-length prompts out of code-like text;
// a weka_trace defaults to it; an unknown corpus is refused.
func TestPromptCorpus(t *testing.T) {
	tok := builtin(t)
	convs, err := Synthetic(SyntheticOptions{Corpus: "coding", Entries: 3, ISLMean: 300, TurnMean: 1, Seed: 1, DelayRatio: 1}, tok)
	if err != nil {
		t.Fatal(err)
	}
	text := convs[0].Turns[0].Text
	if n := len(tok.Encode(text)); n != 300 || !strings.ContainsAny(text, "{}()\n") {
		t.Fatalf("%d tokens: %q", n, text)
	}
	if _, err := NewPromptGenFor(tok, "poems"); err == nil || !strings.Contains(err.Error(), "--prompt-corpus") {
		t.Fatal(err)
	}
	if o := (FileOptions{Type: "weka_trace", Tok: tok}); func() bool { g, err := o.promptGen(); return err != nil || g == nil }() {
		t.Fatal("weka's default corpus")
	}
}
