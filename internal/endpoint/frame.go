package endpoint

import "bytes"

// Framed tells the decoder that the data DecodeTo just read was
// raw[start:end] of its SSE event. When that data was the learned shape,
// the event's bytes around the text become the frame EventTo compares
// whole events with, so a stream's later chunks skip the SSE parsing too.
func (d *Decoder) Framed(raw []byte, start, end int) {
	if !d.hit || start < 0 || end > len(raw) || end-start < d.pre+d.suf {
		return // the frame learned before, if any, is still exact
	}
	d.frame = append(append(append(d.frame[:0], raw[:start]...), d.shapeBuf...), raw[end:]...)
	d.framePre, d.framed, d.frameReasoning = start+d.pre, true, d.reasoning
}

// EventTo reads a whole SSE event that has the framed event's bytes but
// for its text: the text is appended to t and true returned. Anything
// else returns false and is read as before (EventData, then DecodeTo).
// It is exact: the bytes outside a JSON string are the framed event's,
// so the event is one data line with the shape's JSON, the string alone
// differing (appendText takes a whole JSON string and nothing else).
func (d *Decoder) EventTo(raw []byte, t *Text) bool {
	if !d.framed || len(raw) < len(d.frame) || !bytes.HasPrefix(raw, d.frame[:d.framePre]) || !bytes.HasSuffix(raw, d.frame[d.framePre:]) {
		return false
	}
	dst := &t.Content
	if d.frameReasoning {
		dst = &t.Reasoning
	}
	out, ok := appendText(*dst, raw[d.framePre:len(raw)-(len(d.frame)-d.framePre)])
	if ok {
		*dst = out
	}
	return ok
}
