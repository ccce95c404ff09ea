package transport

import "bytes"

// Field is one parsed SSE line: Name is "comment" for a line starting with
// ':'; HasValue is false for a line without ':' (AIPerf's value None).
type Field struct {
	Name     []byte
	Value    []byte
	HasValue bool
}

var commentName = []byte("comment")

// ParseEvent splits one raw SSE event into fields, as AIPerf does: the event
// and each line are whitespace-stripped, blank lines skipped, a line without
// ':' is a bare field name, a leading ':' marks a comment, otherwise
// name and value split at the first ':' and are stripped. fn sees slices of
// raw; it must copy what it keeps.
func ParseEvent(raw []byte, fn func(Field)) {
	raw = bytes.TrimSpace(raw)
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		i := bytes.IndexByte(line, ':')
		switch {
		case i < 0:
			fn(Field{Name: line})
		case i == 0:
			fn(Field{Name: commentName, Value: bytes.TrimSpace(line[1:]), HasValue: true})
		default:
			fn(Field{Name: bytes.TrimSpace(line[:i]), Value: bytes.TrimSpace(line[i+1:]), HasValue: true})
		}
	}
}

var dataName = []byte("data")

// EventData returns the event's data: the values of its "data" fields
// joined by "\n". It allocates only when an event has several data lines.
// The usual event, one "data:" line, is read without splitting it into
// fields (FuzzParseEvent checks both ways agree, and the span).
func EventData(raw []byte) (data []byte, ok bool) {
	data, _, _, ok = EventDataAt(raw)
	return data, ok
}

// EventDataAt is EventData and, for an event that is one "data:" line,
// where its data lies in it: raw[start:end]; start and end are -1 for data
// joined from several lines.
func EventDataAt(raw []byte) (data []byte, start, end int, ok bool) {
	if s, e, ok := dataSpan(raw); ok {
		return raw[s:e], s, e, true
	}
	n := 0
	ParseEvent(raw, func(f Field) {
		if !bytes.Equal(f.Name, dataName) {
			return
		}
		val := f.Value
		if n == 0 {
			data = val
		} else {
			joined := make([]byte, 0, len(data)+1+len(val))
			joined = append(append(append(joined, data...), '\n'), val...)
			data = joined
		}
		n++
	})
	return data, -1, -1, n > 0
}

// dataSpan is where the data of an event that is exactly one "data:" line
// lies in it, stripped as ParseEvent strips a value: raw[start:end]. ok is
// false for any other event.
func dataSpan(raw []byte) (start, end int, ok bool) {
	if len(raw) < 5 || string(raw[:5]) != "data:" {
		return 0, 0, false
	}
	end = len(raw)
	for end > 5 && (raw[end-1] == '\n' || raw[end-1] == '\r') {
		end--
	}
	v := raw[5:end]
	if bytes.IndexByte(v, '\n') >= 0 {
		return 0, 0, false
	}
	t := bytes.TrimSpace(v) // a part of v: its offset is what its capacity lost
	if len(t) == 0 {
		return 5, 5, true
	}
	start = 5 + cap(v) - cap(t)
	return start, start + len(t), true
}
