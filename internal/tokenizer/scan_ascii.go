package tokenizer

import "unicode/utf8"

// o200kASCII is o200kAt where every byte the match depends on is ASCII —
// most of an English answer, a word or a number with its leading space or
// punctuation — read by byte classes instead of runes and Unicode tables
// (the pre-tokenizer was most of counting an answer's tokens, #31). ok is
// false wherever a non-ASCII character could change the match, and at
// whitespace, whose alternatives look ahead: o200kAny reads those.
// TestO200kASCIIMatchesAny checks both agree at every position.
func o200kASCII(s string, i int) (end int, ok bool) {
	c := s[i]
	switch {
	case c >= utf8.RuneSelf || c == '\r' || c == '\n':
		return 0, false
	case asciiLetter(c): // alternatives 1 and 2, no prefix
		return asciiWord(s, i)
	case '0' <= c && c <= '9': // alternative 3: \p{N}{1,3}
		e := i + 1
		for e < len(s) && e < i+3 && '0' <= s[e] && s[e] <= '9' {
			e++
		}
		if e < i+3 && e < len(s) && s[e] >= utf8.RuneSelf {
			return 0, false // a non-ASCII digit could follow
		}
		return e, true
	}
	// c is [^\r\n\p{L}\p{N}]: the optional prefix of a word.
	if i+1 < len(s) {
		switch n := s[i+1]; {
		case n >= utf8.RuneSelf:
			return 0, false
		case asciiLetter(n):
			return asciiWord(s, i+1)
		}
	}
	// Alternative 4: ' ?[^\s\p{L}\p{N}]+[\r\n/]*'.
	p := i
	if c == ' ' {
		p++
	}
	e := p
	for e < len(s) && asciiPunct(s[e]) {
		e++
	}
	if e == p || e < len(s) && s[e] >= utf8.RuneSelf {
		return 0, false // whitespace, or a run that may go on past ASCII
	}
	for e < len(s) && (s[e] == '\r' || s[e] == '\n' || s[e] == '/') {
		e++
	}
	return e, true
}

// asciiWord matches [U]*[L]+ or [U]+[L]* (then a contraction) from the
// ASCII letter at p: the whole upper-case run, then the lower-case run
// after it; with none, the upper-case run alone (U+L*). A run that stops
// at a non-ASCII character is not decided here.
func asciiWord(s string, p int) (int, bool) {
	u := p
	for u < len(s) && 'A' <= s[u] && s[u] <= 'Z' {
		u++
	}
	l := u
	for l < len(s) && 'a' <= s[l] && s[l] <= 'z' {
		l++
	}
	if l < len(s) && s[l] >= utf8.RuneSelf {
		return 0, false
	}
	return contraction(s, l), true
}

func asciiLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// asciiPunct is [^\s\p{L}\p{N}] for an ASCII byte.
func asciiPunct(c byte) bool {
	switch {
	case asciiLetter(c), '0' <= c && c <= '9', c == ' ', c == '\t', c == '\n', c == '\v', c == '\f', c == '\r':
		return false
	}
	return c < utf8.RuneSelf
}
