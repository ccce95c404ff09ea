package tokenizer

import (
	"slices"
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
