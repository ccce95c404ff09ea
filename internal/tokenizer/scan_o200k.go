package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// o200kPattern is the pre-tokenizer regex of o200k_base (GPT-4o).
const o200kPattern = `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`

// scanO200k finds the next match of o200kPattern in s at or after i and
// returns its bounds, or -1. It is the regex, alternative by alternative, as
// a backtracking engine would try them, written out by hand: regex matching
// was half of the encoding time. A differential test checks it against
// regexp2 on random text.
func scanO200k(s string, i int) (int, int) { return firstMatch(s, i, o200kAt) }

func runeLen(s string, i int) int {
	if s[i] < utf8.RuneSelf {
		return 1
	}
	_, n := utf8.DecodeRuneInString(s[i:])
	return n
}

func runeAt(s string, i int) (rune, int) {
	if i >= len(s) {
		return utf8.RuneError, 0
	}
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

// Character classes of the pattern.
func isUpperClass(r rune) bool { // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
	if r < utf8.RuneSelf {
		return 'A' <= r && r <= 'Z'
	}
	return unicode.In(r, unicode.Lu, unicode.Lt, unicode.Lm, unicode.Lo, unicode.M)
}

func isLowerClass(r rune) bool { // [\p{Ll}\p{Lm}\p{Lo}\p{M}]
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z'
	}
	return unicode.In(r, unicode.Ll, unicode.Lm, unicode.Lo, unicode.M)
}

func isLetter(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	return unicode.IsLetter(r)
}

func isNumber(r rune) bool {
	if r < utf8.RuneSelf {
		return '0' <= r && r <= '9'
	}
	return unicode.IsNumber(r)
}

// isSpace is .NET's \s: [\f\n\r\t\v\x85\p{Z}].
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x85:
		return true
	}
	return r >= utf8.RuneSelf && unicode.Is(unicode.Z, r)
}

func isNewline(r rune) bool { return r == '\r' || r == '\n' }

// prefixClass is [^\r\n\p{L}\p{N}].
func prefixClass(r rune) bool { return !isNewline(r) && !isLetter(r) && !isNumber(r) }

// run returns the end of the longest run of class from i.
func run(s string, i int, class func(rune) bool) int {
	for i < len(s) {
		r, n := runeAt(s, i)
		if !class(r) {
			break
		}
		i += n
	}
	return i
}

// contraction matches (?i:'s|'t|'re|'ve|'m|'ll|'d) at i; it returns the end
// or i.
func contraction(s string, i int) int {
	if i >= len(s) || s[i] != '\'' {
		return i
	}
	lower := func(j int) byte {
		if j >= len(s) {
			return 0
		}
		c := s[j]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		return c
	}
	switch a := lower(i + 1); a {
	case 's', 't', 'm', 'd':
		return i + 2
	case 'r':
		if lower(i+2) == 'e' {
			return i + 3
		}
	case 'v':
		if lower(i+2) == 'e' {
			return i + 3
		}
	case 'l':
		if lower(i+2) == 'l' {
			return i + 3
		}
	}
	return i
}

// o200kAt returns the end of the match at exactly i, or i if none.
func o200kAt(s string, i int) int {
	if e, ok := o200kASCII(s, i); ok {
		return e
	}
	return o200kAny(s, i)
}

// o200kAny is o200kAt for any text, the pattern's alternatives tried in
// turn over runes and Unicode classes.
func o200kAny(s string, i int) int {
	// Alternatives 1 and 2: an optional prefix character, then letters.
	starts := []int{}
	if r, n := runeAt(s, i); n > 0 && prefixClass(r) {
		starts = append(starts, i+n) // greedy: with the prefix first
	}
	starts = append(starts, i)
	for _, p := range starts {
		if e := upperLower(s, p); e > p {
			return contraction(s, e)
		}
	}
	for _, p := range starts {
		if e := run(s, p, isUpperClass); e > p {
			// [U]+[L]*: greedy U+, then L*.
			return contraction(s, run(s, e, isLowerClass))
		}
	}
	r, _ := runeAt(s, i)
	// Alternative 3: \p{N}{1,3}.
	if e := digitsAt(s, i, 3); e > i {
		return e
	}
	// Alternative 4: ' ?[^\s\p{L}\p{N}]+[\r\n/]*'.
	if e := punctAt(s, i, func(c rune) bool { return isNewline(c) || c == '/' }); e > i {
		return e
	}
	if !isSpace(r) {
		return i
	}
	return whitespaceAt(s, i)
}

// digitsAt matches \p{N}{1,max} at i; it returns the end or i.
func digitsAt(s string, i, max int) int {
	e := i
	for k := 0; k < max && e < len(s); k++ {
		c, m := runeAt(s, e)
		if !isNumber(c) {
			break
		}
		e += m
	}
	return e
}

// punctAt matches ' ?[^\s\p{L}\p{N}]+' then a run of trail at i; it
// returns the end or i.
func punctAt(s string, i int, trail func(rune) bool) int {
	p := i
	if p < len(s) && s[p] == ' ' {
		p++
	}
	punct := func(c rune) bool { return !isSpace(c) && !isLetter(c) && !isNumber(c) }
	if e := run(s, p, punct); e > p {
		return run(s, e, trail)
	}
	return i
}

// firstMatch finds the first position at or after i where at matches.
func firstMatch(s string, i int, at func(string, int) int) (int, int) {
	for ; i < len(s); i += runeLen(s, i) {
		if e := at(s, i); e > i {
			return i, e
		}
	}
	return -1, -1
}

// whitespaceAt matches the three whitespace alternatives these patterns end
// with, at a space character i: \s*[\r\n]+ | \s+(?!\S) | \s+.
func whitespaceAt(s string, i int) int {
	// \s*[\r\n]+: greedy \s*, backing off to the last newline of the run.
	ws := run(s, i, isSpace)
	for e := ws; e > i; {
		c, m := utf8.DecodeLastRuneInString(s[i:e])
		if isNewline(c) {
			return e
		}
		e -= m
	}
	// \s+(?!\S): the run, minus its last character when a non-space follows.
	if ws == len(s) {
		return ws
	}
	if _, m := utf8.DecodeLastRuneInString(s[i:ws]); ws-m > i {
		return ws - m
	}
	// \s+
	return ws
}

// upperLower matches [U]*[L]+ at p: the longest U run, backing off one
// character at a time until a non-empty L run follows.
func upperLower(s string, p int) int {
	var stack [16]int // a U run is short: no allocation per match
	ends := append(stack[:0], p)
	for e := p; e < len(s); {
		r, n := runeAt(s, e)
		if !isUpperClass(r) {
			break
		}
		e += n
		ends = append(ends, e)
	}
	for k := len(ends) - 1; k >= 0; k-- {
		if e := run(s, ends[k], isLowerClass); e > ends[k] {
			return e
		}
	}
	return p
}
