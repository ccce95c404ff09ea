package engine

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/openai"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/transport"
)

// parseScratch is the reusable space of parsing one response (pooled per
// engine): the decoder, the text buffers, the responses so far and what
// the events said besides their text. It parses a stream's events as reads
// complete them (it is the request's transport.EventSink) or a whole body
// after the request (parse).
type parseScratch struct {
	dec      endpoint.Decoder
	text     endpoint.Text
	resps    []record.Response
	got      carriedFields
	sse      bool
	done     bool // [DONE] seen: anything after it is not the answer
	badJSON  int
	firstBad []byte // a copy: the body it came from is dropped as it goes
}

// parse decodes a response after the request has ended: begin, Events
// over every event, end.
func (sc *parseScratch) parse(codec *endpoint.Codec, res *transport.Result, rec *record.Record) {
	sc.begin(codec, res.SSE)
	sc.Events(res.Buf, res.Events)
	sc.end(res, rec)
}

// begin readies the scratch for one response.
func (sc *parseScratch) begin(codec *endpoint.Codec, sse bool) {
	sc.dec.Reset(codec)
	sc.text = endpoint.Text{Content: sc.text.Content[:0], Reasoning: sc.text.Reasoning[:0], ToolArgs: sc.text.ToolArgs[:0]}
	sc.resps, sc.got, sc.sse, sc.done, sc.badJSON, sc.firstBad = sc.resps[:0], carriedFields{}, sse, false, 0, sc.firstBad[:0]
}

// Events decodes events: content responses with their arrival stamps, the
// answer text, the last usage, and failures carried inside a 200
// response. The text of every chunk is appended to one buffer and each
// response keeps its lengths, so a stream costs a few allocations, not one
// per chunk. Once a chunk has been read as the stream's usual shape, a
// later event with the same bytes but for its text is read by comparing
// those bytes alone (Decoder.EventTo; FuzzParseShortcuts checks it against
// reading each event on its own). Nothing of buf is kept.
func (sc *parseScratch) Events(buf []byte, evs []transport.Event) {
	for _, ev := range evs {
		if sc.done {
			return
		}
		sc.event(buf[ev.Off:ev.Off+ev.Len], ev.Ns)
	}
}

// event decodes one event's raw bytes, which arrived at ns.
func (sc *parseScratch) event(raw []byte, ns int64) {
	text := &sc.text
	c0, r0, a0, calls := len(text.Content), len(text.Reasoning), len(text.ToolArgs), len(text.Tools)
	if sc.sse && sc.dec.EventTo(raw, text) {
		// A later chunk of the stream, the same bytes as the last one but
		// for its text: read without parsing the event again.
		if r, ok := grown(ns, text, c0, r0, a0, calls); ok {
			sc.resps = append(sc.resps, r)
		}
		return
	}
	data, start, end := raw, -1, -1
	if sc.sse {
		var ok bool
		if data, start, end, ok = transport.EventDataAt(raw); !ok {
			return
		}
		if endpoint.IsDone(data) {
			sc.done = true
			return
		}
	}
	p, ok, err := sc.dec.DecodeTo(data, text)
	if start >= 0 {
		sc.dec.Framed(raw, start, end)
	}
	if err != nil {
		if sc.badJSON++; sc.badJSON == 1 {
			sc.firstBad = append(sc.firstBad[:0], data...)
		}
		return
	}
	if !ok {
		return
	}
	if carried(&sc.got, &p) {
		sc.resps = append(sc.resps, record.Response{Ns: ns})
	}
	if r, ok := grown(ns, text, c0, r0, a0, calls); ok {
		sc.resps = append(sc.resps, r)
	}
}

// end gives rec what the response's events said, res being the request's
// result (its event count and Content-Type name a failure).
func (sc *parseScratch) end(res *transport.Result, rec *record.Record) {
	text := &sc.text
	rec.Output, rec.ReasoningText, rec.ToolArgs, rec.ToolCalls = string(text.Content), string(text.Reasoning), string(text.ToolArgs), text.Tools
	text.Tools = nil // the record's now
	rec.HasOutput, rec.HasReasoning = rec.Output != "" || len(rec.ToolCalls) > 0, rec.ReasoningText != ""
	if len(sc.resps) > 0 {
		// The record's own, sized to the answer: the scratch's slice
		// stays with the scratch for the next response.
		rec.Responses = slices.Clone(sc.resps)
	}
	g := &sc.got
	if rec.Error == nil {
		rec.Error = g.err
	}
	if g.usage != nil || g.badUsage != "" {
		rec.Usage, rec.BadUsage = g.usage, g.badUsage
	}
	if g.id != "" {
		rec.ResponseID = g.id
	}
	rec.Items += g.items
	rec.OutputImages += g.imgs
	switch {
	case rec.Error != nil:
	case sc.badJSON > 0:
		// AIPerf skips such events with a warning; a corrupted stream loses
		// tokens, so sonde counts the request as failed and says why.
		rec.Error = &record.Error{Code: res.Status, Type: "InvalidResponseError", Message: notJSON(sc.badJSON, res.EventCount(), res.ContentType, sc.firstBad)}
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

// carriedFields are what events carry besides text, kept for the record:
// a failure inside the stream, the last usage (or why it was refused),
// the response's id, items and images. A scratch holds them while its
// stream is open (thousands at once): a Record would be ten times the size.
type carriedFields struct {
	err          *record.Error
	usage        *openai.Usage
	badUsage, id string
	items, imgs  int
}

// carried keeps what a decoded event says besides its text. It is true for
// an answer without text (vectors, scores, images), a response timed by its
// arrival (a partial image too: the first thing shown).
func carried(c *carriedFields, p *endpoint.Parsed) bool {
	if p.Err != "" && c.err == nil {
		c.err = &record.Error{Code: 200, Type: "StreamError", Message: p.Err}
	}
	if p.Usage != nil {
		c.usage, c.badUsage = p.Usage, ""
	} else if p.BadUsage != "" {
		c.usage, c.badUsage = nil, p.BadUsage
	}
	if p.ID != "" {
		c.id = p.ID
	}
	if p.Items == 0 && p.Images == 0 && !p.Partial && p.Job == nil {
		return false
	}
	c.items += p.Items
	c.imgs += p.Images
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
