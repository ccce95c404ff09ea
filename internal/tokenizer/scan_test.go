package tokenizer

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// pieces lists the matches of a split, by regexp2 or by a scanner.
func pieces(p *splitPreTokenizer, s string) []string {
	var out []string
	for _, sp := range p.spans(s) {
		if sp.match != p.invert {
			out = append(out, s[sp.start:sp.end])
		}
	}
	return out
}

// alphabet mixes every class the o200k pattern tells apart.
var alphabet = []rune("aZbYq'sStTrReEvVmMlLdD 0123456789٣²½!?.,;:/\\-_()[]{}\"#@ \t\n\r\r\n\u00a0\u3000\u2028\u0085\u0301\u0308\u02b0\u01c5\u00e9\u00c9中文한ひカ\U0001F600\u200b\u00ad\ufffd")

func randomText(r *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteRune(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

// The hand-written scanners agree with regexp2 on their patterns. o200k
// keeps the matches (Removed, inverted); the cl100k family isolates them.
func TestScannersMatchRegex(t *testing.T) {
	for _, pattern := range []string{o200kPattern, cl100kPattern, qwenPattern} {
		re, err := newRegex(pattern)
		if err != nil {
			t.Fatal(err)
		}
		slow := &splitPreTokenizer{re: re, behavior: splitRemoved, invert: true}
		fast := &splitPreTokenizer{scan: scannerFor(pattern), behavior: splitRemoved, invert: true}
		r := rand.New(rand.NewPCG(1, 2))
		for i := range 20000 {
			s := randomText(r, 1+r.IntN(24))
			if a, b := pieces(slow, s), pieces(fast, s); !slices.Equal(a, b) {
				t.Fatalf("%.20s… case %d %q:\nregexp2 %q\nscanner %q", pattern, i, s, a, b)
			}
		}
	}
}

func FuzzScanO200k(f *testing.F) {
	re, err := newRegex(o200kPattern)
	if err != nil {
		f.Fatal(err)
	}
	slow := &splitPreTokenizer{re: re, behavior: splitRemoved, invert: true}
	fast := &splitPreTokenizer{scan: scanO200k, behavior: splitRemoved, invert: true}
	re2, err := newRegex(cl100kPattern)
	if err != nil {
		f.Fatal(err)
	}
	slow2 := &splitPreTokenizer{re: re2, behavior: splitRemoved, invert: true}
	fast2 := &splitPreTokenizer{scan: scannerFor(cl100kPattern), behavior: splitRemoved, invert: true}
	for _, s := range []string{"Hello World's", "  \n\n x", "ÉCOLE'S", "a\u0301b", "123456", " !!!/\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if a, b := pieces(slow, s), pieces(fast, s); !slices.Equal(a, b) {
			t.Fatalf("o200k %q: regexp2 %q, scanner %q", s, a, b)
		}
		if a, b := pieces(slow2, s), pieces(fast2, s); !slices.Equal(a, b) {
			t.Fatalf("cl100k %q: regexp2 %q, scanner %q", s, a, b)
		}
	})
}

// asciiHeavy is text as answers mostly are, with the odd character the
// ASCII path must leave to the general one.
var asciiHeavy = []rune("aaaabbbzZZQ'sStTrReEvVmMlLdD   0123456789!?.,;:/\\-_()\"# \t\n\r\u00e9\u00c9\u0301٣\u00a0\u0085€中")

// The ASCII paths match what the general scanners match, at every
// position of text that is mostly ASCII, wherever they answer: o200k's, and
// the cl100k family's (after its contraction alternative, which the
// scanner tries first) for numbers of up to three digits and of one (Qwen).
func TestASCIIPathsMatchAny(t *testing.T) {
	cl := func(maxDigits int) (func(string, int) (int, bool), func(string, int) int) {
		fast := func(s string, i int) (int, bool) {
			if contraction(s, i) > i {
				return 0, false
			}
			return cl100kASCII(s, i, maxDigits)
		}
		return fast, scanCL100kAny(maxDigits)
	}
	cl3, any3 := cl(3)
	cl1, any1 := cl(1)
	for name, c := range map[string]struct {
		fast    func(string, int) (int, bool)
		general func(string, int) int
	}{"o200k": {o200kASCII, o200kAny}, "cl100k": {cl3, any3}, "qwen": {cl1, any1}} {
		r := rand.New(rand.NewPCG(3, 4))
		answered := 0
		for range 20000 {
			var b strings.Builder
			for range 1 + r.IntN(16) {
				b.WriteRune(asciiHeavy[r.IntN(len(asciiHeavy))])
			}
			s := b.String()
			for i := range len(s) {
				if e, ok := c.fast(s, i); ok {
					answered++
					if want := c.general(s, i); e != want {
						t.Fatalf("%s %q at %d: ASCII path %d, general %d", name, s, i, e, want)
					}
				}
			}
		}
		if answered < 20000 {
			t.Fatalf("%s: the ASCII path answered %d times", name, answered)
		}
	}
}
