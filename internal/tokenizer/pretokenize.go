package tokenizer

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dlclark/regexp2"
)

// preTokenizer splits normalized text into words that BPE handles one by one.
type preTokenizer interface {
	split(s string, out []string) []string
}

// noPreTokenizer keeps the whole text as one word (Mistral).
type noPreTokenizer struct{}

func (noPreTokenizer) split(s string, out []string) []string { return append(out, s) }

type sequencePreTokenizer []preTokenizer

func (q sequencePreTokenizer) split(s string, out []string) []string {
	words := []string{s}
	for _, p := range q {
		next := make([]string, 0, len(words)*2)
		for _, w := range words {
			next = p.split(w, next)
		}
		words = next
	}
	return append(out, words...)
}

type splitBehavior int

const (
	splitRemoved splitBehavior = iota
	splitIsolated
	splitMergedWithPrevious
	splitMergedWithNext
	splitContiguous
)

func parseBehavior(s string) (splitBehavior, error) {
	switch s {
	case "Removed":
		return splitRemoved, nil
	case "Isolated":
		return splitIsolated, nil
	case "MergedWithPrevious":
		return splitMergedWithPrevious, nil
	case "MergedWithNext":
		return splitMergedWithNext, nil
	case "Contiguous":
		return splitContiguous, nil
	}
	return 0, fmt.Errorf("split behavior %q is not supported", s)
}

// regexMatchTimeout bounds a single regex match; regexp2's default is forever.
const regexMatchTimeout = 10 * time.Second

// splitPreTokenizer is HF's Split: a regex or literal pattern, a behaviour
// for the matches, and invert to treat the matches as the content.
type splitPreTokenizer struct {
	re *regexp2.Regexp // nil for a literal pattern
	// scan, when set, replaces re with a hand-written matcher of the same
	// pattern (see scan_o200k.go).
	scan     func(s string, i int) (start, end int)
	literal  string
	behavior splitBehavior
	invert   bool
}

func newRegex(pattern string) (*regexp2.Regexp, error) {
	// Default (.NET) mode, not RE2: RE2 mode makes \s and \p classes
	// ASCII-only, which breaks NBSP and U+3000.
	re, err := regexp2.Compile(pattern, regexp2.None)
	if err != nil {
		return nil, err
	}
	re.MatchTimeout = regexMatchTimeout
	return re, nil
}

type span struct {
	start, end int // byte offsets
	match      bool
}

// spans covers s with alternating matched and unmatched pieces.
func (p *splitPreTokenizer) spans(s string) []span {
	var out []span
	p.walk(s, func(sp span) { out = append(out, sp) })
	return out
}

// walk calls fn with the pieces that cover s, alternately unmatched and
// matched (inverted when invert is set), without collecting them.
func (p *splitPreTokenizer) walk(s string, fn func(span)) {
	last := 0
	add := func(a, b int) {
		if a > last {
			fn(span{last, a, p.invert})
		}
		fn(span{a, b, !p.invert})
		last = b
	}
	if p.scan != nil {
		for i := 0; i < len(s); {
			a, b := p.scan(s, i)
			if a < 0 {
				break
			}
			add(a, b)
			i = b
		}
	} else if p.re == nil {
		if p.literal != "" {
			for i := 0; i <= len(s)-len(p.literal); {
				j := strings.Index(s[i:], p.literal)
				if j < 0 {
					break
				}
				add(i+j, i+j+len(p.literal))
				i += j + len(p.literal)
			}
		}
	} else {
		// byteAt maps a rune index to its byte offset in s. Invalid bytes
		// decode to one U+FFFD each but occupy one byte, not three.
		runes := make([]rune, 0, len(s))
		byteAt := make([]int, 0, len(s)+1)
		for off := 0; off < len(s); {
			r, n := utf8.DecodeRuneInString(s[off:])
			runes = append(runes, r)
			byteAt = append(byteAt, off)
			off += n
		}
		byteAt = append(byteAt, len(s))
		m, err := p.re.FindRunesMatch(runes)
		for err == nil && m != nil {
			if m.Length > 0 {
				add(byteAt[m.Index], byteAt[m.Index+m.Length])
			}
			m, err = p.re.FindNextMatch(m)
		}
	}
	if last < len(s) {
		fn(span{last, len(s), p.invert})
	}
}

// each calls fn with every word of s, as split returns them, without
// collecting them: the tokenizer's hot path.
func (p *splitPreTokenizer) each(s string, fn func(string)) {
	if p.scan != nil && p.behavior == splitRemoved && p.invert {
		// The scanner's matches are the words (o200k): handed out as found,
		// without walk's spans and the behaviour switch per word.
		for i := 0; i < len(s); {
			a, b := p.scan(s, i)
			if a < 0 {
				break
			}
			fn(s[a:b])
			i = b
		}
		return
	}
	start := 0
	var prev span
	first := true
	p.walk(s, func(sp span) {
		switch p.behavior {
		case splitRemoved:
			if !sp.match {
				fn(s[sp.start:sp.end])
			}
		case splitIsolated:
			fn(s[sp.start:sp.end])
		case splitMergedWithPrevious:
			if sp.match {
				fn(s[start:sp.end])
				start = sp.end
			}
		case splitMergedWithNext:
			if sp.match && sp.start > start {
				fn(s[start:sp.start])
				start = sp.start
			}
		case splitContiguous:
			if !first && (sp.match != prev.match || sp.match && prev.end != sp.start) {
				fn(s[start:sp.start])
				start = sp.start
			}
		}
		prev, first = sp, false
	})
	switch p.behavior {
	case splitMergedWithPrevious, splitMergedWithNext, splitContiguous:
		if start < len(s) {
			fn(s[start:])
		}
	}
}

func (p *splitPreTokenizer) split(s string, out []string) []string {
	p.each(s, func(w string) { out = append(out, w) })
	return out
}

// gpt2Pattern is the ByteLevel pre-tokenizer's own split when use_regex is set.
const gpt2Pattern = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`

// byteLevelPreTokenizer maps every byte to a printable rune (GPT-2's
// bytes_to_unicode), optionally after the GPT-2 regex split.
type byteLevelPreTokenizer struct {
	addPrefixSpace bool
	re             *splitPreTokenizer // nil unless use_regex
}

func (b *byteLevelPreTokenizer) split(s string, out []string) []string {
	if b.addPrefixSpace && !strings.HasPrefix(s, " ") {
		s = " " + s
	}
	words := []string{s}
	if b.re != nil {
		words = b.re.split(s, nil)
	}
	for _, w := range words {
		out = append(out, byteLevelEncode(w))
	}
	return out
}
