package tokenizer

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// decoder turns token strings back into text pieces (HF decode_chain).
type decoder interface {
	decode(tokens []string) []string
}

type byteLevelDecoder struct{}

func (byteLevelDecoder) decode(tokens []string) []string {
	n := 0
	for _, t := range tokens {
		n += len(t) // each rune of a token is at most its bytes: no regrowth
	}
	buf := make([]byte, 0, n)
	for _, t := range tokens {
		buf = byteLevelDecodeToken(t, buf)
	}
	return []string{toValidUTF8(buf)}
}

// toValidUTF8 replaces invalid sequences by U+FFFD, like Python's
// bytes.decode(errors="replace").
func toValidUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

type replaceDecoder struct{ old, new string }

func (r replaceDecoder) decode(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		out[i] = strings.ReplaceAll(t, r.old, r.new)
	}
	return out
}

// byteFallbackDecoder turns runs of <0xXX> tokens back into text.
type byteFallbackDecoder struct{}

func parseByteToken(t string) (byte, bool) {
	if len(t) != 6 || !strings.HasPrefix(t, "<0x") || t[5] != '>' {
		return 0, false
	}
	v, err := strconv.ParseUint(t[3:5], 16, 8)
	return byte(v), err == nil
}

func (byteFallbackDecoder) decode(tokens []string) []string {
	out := make([]string, 0, len(tokens))
	var pending []byte
	flush := func() {
		if len(pending) == 0 {
			return
		}
		if utf8.Valid(pending) {
			out = append(out, string(pending))
		} else {
			for range pending {
				out = append(out, "\uFFFD")
			}
		}
		pending = pending[:0]
	}
	for _, t := range tokens {
		if b, ok := parseByteToken(t); ok {
			pending = append(pending, b)
			continue
		}
		flush()
		out = append(out, t)
	}
	flush()
	return out
}

type fuseDecoder struct{}

func (fuseDecoder) decode(tokens []string) []string { return []string{strings.Join(tokens, "")} }

// stripDecoder removes up to start copies of content from the left of each
// token and up to stop from the right.
type stripDecoder struct {
	content     string
	start, stop int
}

func (s stripDecoder) decode(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		for n := 0; n < s.start && strings.HasPrefix(t, s.content); n++ {
			t = t[len(s.content):]
		}
		for n := 0; n < s.stop && strings.HasSuffix(t, s.content); n++ {
			t = t[:len(t)-len(s.content)]
		}
		out[i] = t
	}
	return out
}

// metaspaceDecoder turns ▁ into spaces and drops the first token's leading one.
type metaspaceDecoder struct {
	replacement string
	prefix      bool
}

func (m metaspaceDecoder) decode(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		t = strings.ReplaceAll(t, m.replacement, " ")
		if i == 0 && m.prefix {
			t = strings.TrimPrefix(t, " ")
		}
		out[i] = t
	}
	return out
}

type sequenceDecoder []decoder

func (q sequenceDecoder) decode(tokens []string) []string {
	for _, d := range q {
		tokens = d.decode(tokens)
	}
	return tokens
}
