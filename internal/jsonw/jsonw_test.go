package jsonw

import (
	"encoding/json"
	"testing"
)

var samples = []string{"", "plain words", `quote " and \ slash`, "<b>&amp;</b>", "tab\tnew\nline\rcr\bb\ff\x00\x1f\x7f",
	"héllo wörld 日本語 🎉", "bad \xff utf8 \xc3", "sep \u2028 and \u2029", "\xed\xa0\x80 surrogate"}

// Every byte as encoding/json writes it, on fixed cases and fuzzed ones.
func FuzzString(f *testing.F) {
	for _, s := range samples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := String(nil, s); string(got) != string(want) {
			t.Fatalf("String(%q) = %s, encoding/json %s", s, got, want)
		}
		list := []string{s, s + "x"}
		want, _ = json.Marshal(list)
		if got := Strings(nil, list); string(got) != string(want) {
			t.Fatalf("Strings = %s, encoding/json %s", got, want)
		}
	})
}

func TestNilAndEmptyLists(t *testing.T) {
	for _, list := range [][]string{nil, {}} {
		want, _ := json.Marshal(list)
		if got := Strings(nil, list); string(got) != string(want) {
			t.Fatalf("Strings(%#v) = %s, want %s", list, got, want)
		}
	}
}

func BenchmarkString(b *testing.B) {
	s := "The quick brown fox jumps over the lazy dog, and then writes a long prompt of plain words. "
	var buf []byte
	for b.Loop() {
		buf = String(buf[:0], s)
	}
}
