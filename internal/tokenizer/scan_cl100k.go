package tokenizer

// cl100kPattern is the pre-tokenizer regex of cl100k_base (GPT-3.5/4) and
// Llama 3; qwenPattern, Qwen 2/3's, takes one digit at a time.
const (
	cl100kPattern = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	qwenPattern   = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
)

// scannerFor returns a hand-written matcher for a known pattern, or nil.
func scannerFor(pattern string) func(string, int) (int, int) {
	switch pattern {
	case o200kPattern:
		return scanO200k
	case cl100kPattern:
		return scanCL100k(3)
	case qwenPattern:
		return scanCL100k(1)
	}
	return nil
}

// scanCL100k matches the cl100k family of patterns, with numbers of up to
// maxDigits digits (see scanO200k for why it is written out by hand): the
// contraction alternative first, then ASCII by byte classes where that
// decides the match, then any text.
func scanCL100k(maxDigits int) func(string, int) (int, int) {
	general := scanCL100kAny(maxDigits)
	at := func(s string, i int) int {
		// (?i:'s|'t|'re|'ve|'m|'ll|'d)
		if e := contraction(s, i); e > i {
			return e
		}
		if e, ok := cl100kASCII(s, i, maxDigits); ok {
			return e
		}
		return general(s, i)
	}
	return func(s string, i int) (int, int) { return firstMatch(s, i, at) }
}

// scanCL100kAny is the family's match at i for any text where its
// contraction alternative (tried first) does not match: the others in turn,
// over runes and Unicode classes.
func scanCL100kAny(maxDigits int) func(string, int) int {
	return func(s string, i int) int {
		r, n := runeAt(s, i)
		// [^\r\n\p{L}\p{N}]?\p{L}+ (with the prefix first; without it the
		// first character would have to be a letter, which the prefix is not).
		if prefixClass(r) {
			if e := run(s, i+n, isLetter); e > i+n {
				return e
			}
		} else if isLetter(r) {
			return run(s, i, isLetter)
		}
		// \p{N}{1,maxDigits}
		if e := digitsAt(s, i, maxDigits); e > i {
			return e
		}
		//  ?[^\s\p{L}\p{N}]+[\r\n]*
		if e := punctAt(s, i, isNewline); e > i {
			return e
		}
		if !isSpace(r) {
			return i
		}
		return whitespaceAt(s, i)
	}
}
