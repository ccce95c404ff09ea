package endpoint

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// decodeFast parses the usual chunk shapes — chat deltas with content or
// reasoning, completions text, finish reasons, null usage — with a strict
// hand-written scanner instead of encoding/json, which was most of the
// client's CPU per token. It answers only when it is sure to agree with
// encoding/json (TestDecodeFastMatchesJSON, FuzzDecodeFast): anything else
// (usage objects, errors, keys that differ only by case, invalid UTF-8,
// unexpected types, any syntax error) returns handled false, and Decode
// takes the slow path.
func decodeFast(data []byte) (p Parsed, handled bool) {
	p, handled, _ = decodeFastShape(data)
	return p, handled
}

// textSpan is where the first choice's only text value lies in a chunk:
// the raw JSON string between start and end, and which text it is.
type textSpan struct {
	strings    int // string (not null) text values read in the first choice
	start, end int
	reasoning  bool
}

// decodeFastShape is decodeFast that also reports the text's span, so a
// decoder can recognise the next chunks of the same stream by their bytes.
func decodeFastShape(data []byte) (p Parsed, handled bool, span textSpan) {
	s := scanner{b: data}
	s.ws()
	var seen uint32
	ok := s.object(func(key []byte) bool {
		if !knownKey(key, &seen, "id", "object", "created", "model", "choices", "usage", "error") {
			return false
		}
		switch string(key) {
		case "id", "object", "model":
			return s.stringOrNull()
		case "created":
			return s.intOrNull()
		case "choices":
			return s.choices(&p)
		case "usage", "error":
			return s.literal("null") // a real object: the slow path reads it
		}
		return s.skip(0)
	})
	s.ws()
	return p, ok && s.i == len(s.b), s.span
}

// knownKey decides whether the fast path can take a key: not one of names
// but for case (encoding/json matches keys case-insensitively), not
// repeated if it is one of them (encoding/json merges repeats), and ASCII.
func knownKey(key []byte, seen *uint32, names ...string) bool {
	for _, c := range key {
		if c >= 0x80 {
			return false
		}
	}
	for i, n := range names {
		if string(key) == n {
			if *seen&(1<<i) != 0 {
				return false
			}
			*seen |= 1 << i
			return true
		}
		if len(key) == len(n) && asciiEqualFold(key, n) {
			return false
		}
	}
	return true
}

func asciiEqualFold(a []byte, b string) bool {
	for i := range a {
		x, y := a[i]|0x20, b[i]|0x20
		if x != y || (x < 'a' || x > 'z') && a[i] != b[i] {
			return false
		}
	}
	return true
}

// list walks the items of an array or an object, between open and close
// and separated by commas; item passes over one item.
func (s *scanner) list(open, close byte, item func() bool) bool {
	if !s.next(open) {
		return false
	}
	for first := true; ; first = false {
		s.ws()
		if s.next(close) {
			return true
		}
		if !first && !s.next(',') {
			return false
		}
		s.ws()
		if !item() {
			return false
		}
	}
}

// member passes over `key: value`: key reads the key, value the value.
func (s *scanner) member(key func() bool, value func() bool) bool {
	if !key() {
		return false
	}
	s.ws()
	if !s.next(':') {
		return false
	}
	s.ws()
	return value()
}

// object walks an object, calling fn with each key once the scanner is at
// its value; fn must pass over the value.
func (s *scanner) object(fn func(key []byte) bool) bool {
	return s.list('{', '}', func() bool {
		var key []byte
		return s.member(func() (ok bool) { key, ok = s.rawString(); return ok }, func() bool { return fn(key) })
	})
}

func (s *scanner) stringOrNull() bool {
	if s.literal("null") {
		return true
	}
	return s.skipString()
}

// intOrNull accepts what encoding/json puts in an int64 without complaint:
// null, or an integer of at most 18 digits.
func (s *scanner) intOrNull() bool {
	if s.literal("null") {
		return true
	}
	s.next('-')
	n := 0
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
		n++
	}
	if n == 0 || n > 18 || (n > 1 && s.b[s.i-n] == '0') {
		return false
	}
	return s.i >= len(s.b) || (s.b[s.i] != '.' && s.b[s.i] != 'e' && s.b[s.i] != 'E')
}

// scanner walks one JSON document strictly.
type scanner struct {
	b []byte
	i int
	// first: the scanner is in the first choice, whose text spans it
	// records in span.
	first bool
	span  textSpan
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) next(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) literal(lit string) bool {
	if bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
		s.i += len(lit)
		return true
	}
	return false
}

// rawString reads a string without escapes, valid UTF-8 and free of control
// characters, and returns its bytes; any other string is left to the slow
// path.
func (s *scanner) rawString() ([]byte, bool) {
	if !s.next('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			out := s.b[start:s.i]
			s.i++
			return out, utf8.Valid(out)
		case c == '\\' || c < 0x20:
			return nil, false
		}
		s.i++
	}
	return nil, false
}

// text reads a string value (unescaping through encoding/json when it has
// escapes) or null; in the first choice it records the string's span.
func (s *scanner) text(reasoning bool) (string, bool, bool) {
	start := s.i
	out, present, ok := s.textValue()
	if ok && present && s.first {
		s.span = textSpan{strings: s.span.strings + 1, start: start, end: s.i, reasoning: reasoning}
	}
	return out, present, ok
}

func (s *scanner) textValue() (string, bool, bool) {
	if s.literal("null") {
		return "", false, true
	}
	start := s.i
	if raw, ok := s.rawString(); ok {
		return string(raw), true, true
	}
	s.i = start
	if !s.skipString() {
		return "", false, false
	}
	var out string
	if err := json.Unmarshal(s.b[start:s.i], &out); err != nil {
		return "", false, false
	}
	return out, true, true
}

// appendText appends the JSON string that is all of b, unescaped, to dst;
// ok is false if b is anything else. Plain strings (no escapes, valid
// UTF-8) are copied without allocating.
func appendText(dst, b []byte) ([]byte, bool) {
	if plain, ok := plainString(b); ok {
		return append(dst, plain...), true
	}
	s := scanner{b: b}
	if !s.skipString() || s.i != len(b) {
		return dst, false
	}
	var out string
	if err := json.Unmarshal(b, &out); err != nil {
		return dst, false
	}
	return append(dst, out...), true
}

// plainString is the inside of b when b is one JSON string with nothing
// to unescape: no quote, backslash or control byte inside, valid UTF-8 (a
// stream's usual token, checked in one pass over its bytes).
func plainString(b []byte) ([]byte, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return nil, false
	}
	in := b[1 : len(b)-1]
	high := false
	for _, c := range in {
		if c == '"' || c == '\\' || c < 0x20 {
			return nil, false
		}
		high = high || c >= 0x80
	}
	return in, !high || utf8.Valid(in)
}

// choices reads the choices array: its first element fills p; the others
// are only checked.
func (s *scanner) choices(p *Parsed) bool {
	first := true
	return s.list('[', ']', func() bool {
		if first {
			first = false
			s.first = true
			ok := s.choice(p)
			s.first = false
			return ok
		}
		var ignored Parsed
		return s.choice(&ignored)
	})
}

// choice reads one choice: delta, then message, then text, as Decode takes
// them.
func (s *scanner) choice(p *Parsed) bool {
	var delta, message Parsed
	hasDelta, hasMessage, hasText := false, false, false
	var text string
	var seen uint32
	ok := s.object(func(key []byte) bool {
		if !knownKey(key, &seen, "index", "delta", "message", "text", "finish_reason") {
			return false
		}
		var ok bool
		switch string(key) {
		case "index":
			return s.intOrNull()
		case "finish_reason":
			return s.stringOrNull()
		case "delta":
			hasDelta, ok = s.delta(&delta)
			return ok
		case "message":
			hasMessage, ok = s.delta(&message)
			return ok
		case "text":
			text, hasText, ok = s.text(false)
			return ok
		}
		return s.skip(0)
	})
	switch {
	case !ok:
		return false
	case hasDelta:
		*p = delta
	case hasMessage:
		*p = message
	case hasText:
		p.Content = text
	}
	return true
}

// delta reads a delta or message object (present), or null.
func (s *scanner) delta(p *Parsed) (present, ok bool) {
	if s.literal("null") {
		return false, true
	}
	var reasoningContent, reasoning string
	var seen uint32
	ok = s.object(func(key []byte) bool {
		if !knownKey(key, &seen, "role", "content", "reasoning_content", "reasoning") {
			return false
		}
		var ok bool
		switch string(key) {
		case "role":
			return s.stringOrNull()
		case "content":
			p.Content, _, ok = s.text(false)
			return ok
		case "reasoning_content":
			reasoningContent, _, ok = s.text(true)
			return ok
		case "reasoning":
			reasoning, _, ok = s.text(true)
			return ok
		case "tool_calls":
			// null on every SGLang chunk stays fast; a call's pieces are
			// read by encoding/json (the slow path).
			return s.literal("null")
		}
		return s.skip(0)
	})
	p.Reasoning = reasoningContent
	if reasoningContent == "" {
		p.Reasoning = reasoning
	}
	return ok, ok
}

// maxDepth bounds nesting in skipped values; deeper documents take the slow
// path.
const maxDepth = 64

// skip checks and passes over any JSON value.
func (s *scanner) skip(depth int) bool {
	if depth > maxDepth || s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return s.skipString()
	case c == '{':
		return s.list('{', '}', func() bool { return s.member(s.skipString, func() bool { return s.skip(depth + 1) }) })
	case c == '[':
		return s.list('[', ']', func() bool { return s.skip(depth + 1) })
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	default:
		return s.number()
	}
}

// skipString passes over a string, checking its escapes.
func (s *scanner) skipString() bool {
	if !s.next('"') {
		return false
	}
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return true
		case c < 0x20:
			return false
		case c == '\\':
			s.i++
			if s.i >= len(s.b) {
				return false
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if s.i+4 >= len(s.b) {
					return false
				}
				for _, h := range s.b[s.i+1 : s.i+5] {
					if !isHex(h) {
						return false
					}
				}
				s.i += 4
			default:
				return false
			}
		}
		s.i++
	}
	return false
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// number passes over a number in JSON's grammar.
func (s *scanner) number() bool {
	s.next('-')
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.next('0') {
		// a leading zero stands alone
	} else if digits() == 0 {
		return false
	}
	if s.next('.') && digits() == 0 {
		return false
	}
	if s.next('e') || s.next('E') {
		if !s.next('+') {
			s.next('-')
		}
		if digits() == 0 {
			return false
		}
	}
	return true
}
