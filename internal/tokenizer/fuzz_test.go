package tokenizer

import (
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FuzzRoundTrip: for byte-level BPE every valid UTF-8 string survives
// decode(encode(s)) (NFC-normalised for tokenizers that normalise).
func FuzzRoundTrip(f *testing.F) {
	for _, s := range []string{"", "hello world", "  \n\t", "!!!???", "don't", "é", "中文😀", "<|endoftext|>", "a\x7fb", "\x00"} {
		f.Add(s)
	}
	tok, err := Builtin()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		ids := tok.Encode(s)
		if got := tok.DecodeSpecial(ids, false); got != s && got != norm.NFC.String(s) {
			t.Fatalf("decode(encode(%q)) = %q", s, got)
		}
	})
}
