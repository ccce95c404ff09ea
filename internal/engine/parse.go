package engine

import (
	"bytes"
	"fmt"

	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/transport"
)

// parseScratch is the reusable space of parsing one response: the decoder
// and the text buffers (pooled per engine).
type parseScratch struct {
	dec  endpoint.Decoder
	text endpoint.Text
}

// parse decodes the events after the request has ended: content
// responses with their arrival stamps, the answer text, the last usage, and
// failures carried inside a 200 response. The text of every chunk is
// appended to one buffer and each response keeps its lengths, so a stream
// costs a few allocations, not one per chunk. Once a
// chunk has been read as the stream's usual shape, a later event with the
// same bytes but for its text is read by comparing those bytes alone
// (Decoder.EventTo; FuzzParseShortcuts checks it against reading each
// event on its own).
func (sc *parseScratch) parse(codec *endpoint.Codec, res *transport.Result, rec *record.Record) {
	dec := &sc.dec
	dec.Reset(codec)
	text := endpoint.Text{Content: sc.text.Content[:0], Reasoning: sc.text.Reasoning[:0], ToolArgs: sc.text.ToolArgs[:0]}
	// The record's own responses, at most one per event (an event with
	// items and text is two; append grows for those alone): filled in
	// place, not gathered elsewhere and copied.
	var resps []record.Response
	if len(res.Events) > 0 {
		resps = make([]record.Response, 0, len(res.Events))
	}
	defer func() { sc.text = text }()
	badJSON := 0
	var firstBad []byte
	for i := range res.Events {
		raw := res.EventData(i)
		c0, r0, a0, calls := len(text.Content), len(text.Reasoning), len(text.ToolArgs), len(text.Tools)
		if res.SSE && dec.EventTo(raw, &text) {
			// A later chunk of the stream, the same bytes as the last one
			// but for its text: read without parsing the event again.
			if r, ok := grown(res.Events[i].Ns, &text, c0, r0, a0, calls); ok {
				resps = append(resps, r)
			}
			continue
		}
		data, start, end := raw, -1, -1
		if res.SSE {
			var ok bool
			if data, start, end, ok = transport.EventDataAt(raw); !ok {
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
		ns := res.Events[i].Ns
		if carried(rec, &p) {
			resps = append(resps, record.Response{Ns: ns})
		}
		if r, ok := grown(ns, &text, c0, r0, a0, calls); ok {
			resps = append(resps, r)
		}
	}
	rec.Output, rec.ReasoningText, rec.ToolArgs, rec.ToolCalls = string(text.Content), string(text.Reasoning), string(text.ToolArgs), text.Tools
	rec.HasOutput, rec.HasReasoning = rec.Output != "" || len(rec.ToolCalls) > 0, rec.ReasoningText != ""
	if len(resps) > 0 {
		rec.Responses = resps
	}
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

// grown is the response of an event that took the answer's texts from
// c0, r0 and a0 bytes and calls tool calls to text's; false when it added
// nothing.
func grown(ns int64, text *endpoint.Text, c0, r0, a0, calls int) (record.Response, bool) {
	r := record.Response{Ns: ns, Content: int32(len(text.Content) - c0), Reasoning: int32(len(text.Reasoning) - r0), Tool: int32(len(text.ToolArgs) - a0)}
	return r, r.Content > 0 || r.Reasoning > 0 || r.Tool > 0 || len(text.Tools) > calls
}

// carried keeps what a decoded event says besides its text: a failure
// inside the stream, the usage, the response's id, items and images. It is
// true for an answer without text (vectors, scores, images), a response
// timed by its arrival (a partial image too: the first thing shown).
func carried(rec *record.Record, p *endpoint.Parsed) bool {
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
	if p.Items == 0 && p.Images == 0 && !p.Partial && p.Job == nil {
		return false
	}
	rec.Items += p.Items
	rec.OutputImages += p.Images
	return true
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
