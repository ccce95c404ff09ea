package engine

import (
	"bytes"
	"fmt"

	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/transport"
)

// parseScratch is the reusable space of parsing one response: the text
// buffers and the pieces of each content response (pooled per engine).
type parseScratch struct {
	dec    endpoint.Decoder
	text   endpoint.Text
	pieces []piece
}

// piece is where one response's content, reasoning and tool-argument text
// ends; it starts where the piece before ends (text grows only with a
// piece). 24 bytes, not 64 with both ends as ints: a 5,000-token answer
// walks its pieces twice.
type piece struct {
	ns         int64
	c1, r1, a1 int32
}

// parse decodes the events after the request has ended: content
// responses with their arrival stamps, the answer text, the last usage, and
// failures carried inside a 200 response. The text of every chunk is
// appended to one buffer; each response's text is then a slice of the
// answer, so a stream costs a few allocations, not one per chunk. Once a
// chunk has been read as the stream's usual shape, a later event with the
// same bytes but for its text is read by comparing those bytes alone
// (Decoder.EventTo; FuzzParseShortcuts checks it against reading each
// event on its own).
func (sc *parseScratch) parse(codec *endpoint.Codec, res *transport.Result, rec *record.Record) {
	dec := &sc.dec
	dec.Reset(codec)
	text := endpoint.Text{Content: sc.text.Content[:0], Reasoning: sc.text.Reasoning[:0], ToolArgs: sc.text.ToolArgs[:0]}
	pieces := sc.pieces[:0]
	defer func() { sc.text, sc.pieces = text, pieces[:0] }()
	badJSON := 0
	var firstBad []byte
	for i := range res.Events {
		raw := res.EventData(i)
		c0, r0, a0, calls := len(text.Content), len(text.Reasoning), len(text.ToolArgs), len(text.Tools)
		if res.SSE && dec.EventTo(raw, &text) {
			// A later chunk of the stream, the same bytes as the last one
			// but for its text: read without parsing the event again.
			if len(text.Content) > c0 || len(text.Reasoning) > r0 {
				pieces = append(pieces, piece{res.Events[i].Ns, int32(len(text.Content)), int32(len(text.Reasoning)), int32(a0)})
			}
			continue
		}
		data, start, end := raw, -1, -1
		if res.SSE {
			var ok bool
			if data, start, end, ok = sseData(raw); !ok {
				continue
			}
			if endpoint.IsDone(data) {
				break // the stream's end: anything after it is not the answer
			}
		}
		p, ok, err := dec.DecodeTo(data, &text)
		if start >= 0 {
			dec.Framed(raw, start, end)
		}
		if err != nil {
			if badJSON++; badJSON == 1 {
				firstBad = data
			}
			continue
		}
		if !ok {
			continue
		}
		if p.Err != "" && rec.Error == nil {
			rec.Error = &record.Error{Code: 200, Type: "StreamError", Message: p.Err}
		}
		if p.Usage != nil {
			rec.Usage, rec.BadUsage = p.Usage, ""
		} else if p.BadUsage != "" {
			rec.Usage, rec.BadUsage = nil, p.BadUsage
		}
		if p.ID != "" {
			rec.ResponseID = p.ID
		}
		ns := res.Events[i].Ns
		if p.Items > 0 || p.Images > 0 || p.Partial || p.Job != nil {
			// Vectors, scores, images: an answer without text, timed by
			// its arrival (a partial image too: the first thing shown).
			rec.Items += p.Items
			rec.OutputImages += p.Images
			pieces = append(pieces, piece{ns, int32(c0), int32(r0), int32(a0)})
		}
		if len(text.Content) > c0 || len(text.Reasoning) > r0 || len(text.ToolArgs) > a0 || len(text.Tools) > calls {
			pieces = append(pieces, piece{ns, int32(len(text.Content)), int32(len(text.Reasoning)), int32(len(text.ToolArgs))})
		}
	}
	rec.Output, rec.ReasoningText, rec.ToolArgs, rec.ToolCalls = string(text.Content), string(text.Reasoning), string(text.ToolArgs), text.Tools
	rec.HasOutput, rec.HasReasoning = rec.Output != "" || len(rec.ToolCalls) > 0, rec.ReasoningText != ""
	rec.Responses = responses(rec, pieces)
	switch {
	case rec.Error != nil:
	case badJSON > 0:
		// AIPerf skips such events with a warning; a corrupted stream loses
		// tokens, so sonde counts the request as failed and says why.
		rec.Error = &record.Error{Code: res.Status, Type: "InvalidResponseError", Message: notJSON(badJSON, len(res.Events), res.ContentType, firstBad)}
	case len(rec.Responses) == 0:
		rec.Error = &record.Error{Code: res.Status, Type: "EmptyResponseError", Message: "the response carried no content"}
	}
}

// notJSON says what arrived instead of the endpoint's JSON: how many events,
// the Content-Type, and the first bytes of the first bad one (an HTML
// error page from a proxy reads as such).
func notJSON(bad, events int, contentType string, first []byte) string {
	const show = 80
	msg := fmt.Sprintf("%d of %d events were not valid JSON", bad, events)
	if contentType != "" {
		msg += " (Content-Type: " + contentType + ")"
	}
	first = bytes.TrimSpace(first)
	if len(first) > show {
		return fmt.Sprintf("%s; the first began %q…", msg, first[:show])
	}
	return fmt.Sprintf("%s; the first was %q", msg, first)
}

// sseData is an event's data and, when the event is one data line, where
// the data lies in it (start and end; -1 otherwise, for Framed).
func sseData(raw []byte) (data []byte, start, end int, ok bool) {
	if s, e, ok := transport.DataSpan(raw); ok {
		return raw[s:e], s, e, true
	}
	data, ok = transport.EventData(raw)
	return data, -1, -1, ok
}

// responses are the pieces as responses, each text a slice of the
// answer's.
func responses(rec *record.Record, pieces []piece) []record.Response {
	if len(pieces) == 0 {
		return nil
	}
	out := make([]record.Response, len(pieces))
	var c0, r0, a0 int32
	for i, pc := range pieces {
		// Field by field, the empty ones left as make zeroed them: no
		// pointer written for them (a whole struct is copied with a bulk
		// write barrier while the collector marks).
		r := &out[i]
		r.Ns = pc.ns
		if pc.c1 > c0 {
			r.Content = rec.Output[c0:pc.c1]
		}
		if pc.r1 > r0 {
			r.Reasoning = rec.ReasoningText[r0:pc.r1]
		}
		if pc.a1 > a0 {
			r.Tool = rec.ToolArgs[a0:pc.a1]
		}
		c0, r0, a0 = pc.c1, pc.r1, pc.a1
	}
	return out
}
