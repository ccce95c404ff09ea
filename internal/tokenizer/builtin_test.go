package tokenizer

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestBuiltinMatchesO200k(t *testing.T) {
	tok, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	// Reference ids from tiktoken o200k_base.
	if got := tok.Encode("Hello world"); !slices.Equal(got, []int{13225, 2375}) {
		t.Fatalf("Encode(Hello world) = %v", got)
	}
	if got := tok.Decode(tok.Encode("multi-turn <|endoftext|> chat")); got != "multi-turn  chat" {
		t.Fatalf("Decode skips specials: %q", got)
	}
}

// A tokenizer is shared by every goroutine of a run: concurrent encodes (and
// their word-cache writes) must give the sequential answers.
func TestConcurrentEncode(t *testing.T) {
	tok, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"Hello world", "multi-turn chat with 12,345 tokens!", "ÉCOLE'S naïve café", "中文 и русский", "  \n\t  x"}
	want := make([][]int, len(texts))
	for i, s := range texts {
		want[i] = tok.Encode(s)
	}
	done := make(chan bool)
	for g := range 8 {
		go func() {
			ok := true
			for n := range 200 {
				i := (g + n) % len(texts)
				ok = ok && slices.Equal(tok.Encode(texts[i]), want[i])
			}
			done <- ok
		}()
	}
	for range 8 {
		if !<-done {
			t.Fatal("a concurrent encode differed")
		}
	}
}

// A goroutine's own counting (Local: a direct-mapped cache of short words
// in front of a map) counts what the shared tokenizer counts, over words
// that evict each other from the cache's slots again and again.
func TestLocalCountMatchesCount(t *testing.T) {
	tok, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	local := tok.Local()
	r := rand.New(rand.NewPCG(3, 4))
	pieces := []string{" a", " the", "é", " 12", "!!", " x", "ing", "\n", " Über", "  ", "q"}
	for range 3000 {
		var b strings.Builder
		for range 1 + r.IntN(12) {
			for range 1 + r.IntN(3) {
				b.WriteString(pieces[r.IntN(len(pieces))])
			}
			b.WriteByte(byte('a' + r.IntN(26)))
		}
		s := b.String()
		if got, want := local.Count(s), tok.Count(s); got != want {
			t.Fatalf("%q: Local().Count %d, Count %d", s, got, want)
		}
	}
}
