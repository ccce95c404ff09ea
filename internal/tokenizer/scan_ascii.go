package tokenizer

import "unicode/utf8"

// o200kASCII is o200kAt where every byte the match depends on is ASCII —
// most of an English answer, a word or a number with its leading space or
// punctuation — read by byte classes instead of runes and Unicode tables
// (the pre-tokenizer was most of counting an answer's tokens, #31). ok is
// false wherever a non-ASCII character could change the match, and at
// whitespace, whose alternatives look ahead: o200kAny reads those.
// TestASCIIPathsMatchAny checks both agree at every position.
func o200kASCII(s string, i int) (end int, ok bool) {
	c := s[i]
	switch {
	case c >= utf8.RuneSelf || c == '\r' || c == '\n':
		return 0, false
	case asciiLetter(c): // alternatives 1 and 2, no prefix
		return asciiWord(s, i)
	case '0' <= c && c <= '9': // alternative 3: \p{N}{1,3}
		return asciiDigits(s, i, 3)
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
	return asciiPunctRun(s, i, true)
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

// cl100kASCII is the cl100k family's match at i (after its contraction
// alternative, tried first) where every byte it depends on is ASCII, as
// o200kASCII is o200k's; TestASCIIPathsMatchAny checks it.
func cl100kASCII(s string, i, maxDigits int) (end int, ok bool) {
	c := s[i]
	switch {
	case c >= utf8.RuneSelf || c == '\r' || c == '\n':
		return 0, false
	case asciiLetter(c): // [^\r\n\p{L}\p{N}]?\p{L}+, no prefix
		return asciiLetters(s, i)
	case '0' <= c && c <= '9': // \p{N}{1,maxDigits}
		return asciiDigits(s, i, maxDigits)
	}
	if i+1 < len(s) { // c is the optional prefix of a word
		switch n := s[i+1]; {
		case n >= utf8.RuneSelf:
			return 0, false
		case asciiLetter(n):
			return asciiLetters(s, i+1)
		}
	}
	return asciiPunctRun(s, i, false)
}

// asciiDigits matches \p{N}{1,max} from the ASCII digit at i, undecided
// when fewer than max digits stop at a non-ASCII character (a digit,
// maybe).
func asciiDigits(s string, i, max int) (int, bool) {
	e := i + 1
	for e < len(s) && e < i+max && '0' <= s[e] && s[e] <= '9' {
		e++
	}
	if e < i+max && e < len(s) && s[e] >= utf8.RuneSelf {
		return 0, false
	}
	return e, true
}

// asciiLetters is the run of ASCII letters from p, undecided when it stops
// at a non-ASCII character (a letter, maybe).
func asciiLetters(s string, p int) (int, bool) {
	e := p
	for e < len(s) && asciiLetter(s[e]) {
		e++
	}
	if e < len(s) && s[e] >= utf8.RuneSelf {
		return 0, false
	}
	return e, true
}

// asciiPunctRun matches ' ?[^\s\p{L}\p{N}]+' at i, then a run of CR and LF
// (and '/' with slash, as o200k), undecided at whitespace and where the run
// reaches a non-ASCII character.
func asciiPunctRun(s string, i int, slash bool) (int, bool) {
	p := i
	if s[i] == ' ' {
		p++
	}
	e := p
	for e < len(s) && asciiPunct(s[e]) {
		e++
	}
	if e == p || e < len(s) && s[e] >= utf8.RuneSelf {
		return 0, false
	}
	for e < len(s) && (s[e] == '\r' || s[e] == '\n' || slash && s[e] == '/') {
		e++
	}
	return e, true
}
